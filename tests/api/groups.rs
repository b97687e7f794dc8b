//! Runner groups: every enterprise and organization has its default group
//! (id 1); groups take runners of their own scope only, serve the
//! repositories or organizations they are set to, and an organization
//! inherits the groups its enterprise shares with it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ApiResponse, TestApp, spawn_version};

const ORG: &str = "orgs/octo-org";
const ENTERPRISE: &str = "enterprises/octo-enterprise";
const ORG_GROUPS: &str = "/orgs/octo-org/actions/runner-groups";
const ENTERPRISE_GROUPS: &str = "/enterprises/octo-enterprise/actions/runner-groups";

/// An enterprise with two member organizations, one of them with two
/// repositories, and an organization of no enterprise.
fn fixture() -> Value {
    json!({
        "enterprises": ["octo-enterprise"],
        "orgs": [
            {"login": "octo-org", "enterprise": "octo-enterprise"},
            {"login": "other-org", "enterprise": "octo-enterprise"},
            "lone-org"
        ],
        "repos": ["octo-org/app", "octo-org/site", "other-org/tool"],
    })
}

async fn app() -> TestApp {
    spawn_version("3.22", fixture()).await
}

async fn id_of(app: &TestApp, path: &str) -> i64 {
    let response = app.get(path).await;
    assert_eq!(response.status, 200, "{path}: {:?}", response.body);
    response.body["id"].as_i64().expect("an id")
}

/// The names of the groups a list shows, in order.
fn group_names(list: &ApiResponse) -> Vec<&str> {
    list.body["runner_groups"]
        .as_array()
        .expect("runner_groups")
        .iter()
        .map(|g| g["name"].as_str().expect("a name"))
        .collect()
}

fn runner_names(list: &ApiResponse) -> Vec<&str> {
    list.body["runners"]
        .as_array()
        .expect("runners")
        .iter()
        .map(|r| r["name"].as_str().expect("a name"))
        .collect()
}

async fn create_group(app: &TestApp, groups: &str, body: Value) -> Value {
    let created = app.send(Method::POST, groups, body).await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    created.body
}

#[tokio::test]
async fn every_organization_and_enterprise_has_its_default_group_with_id_1() {
    let app = app().await;

    let org = app.get(ORG_GROUPS).await;
    let enterprise = app.get(ENTERPRISE_GROUPS).await;

    let api = app.mock.api_url();
    assert_eq!(org.status, 200);
    assert_eq!(
        org.body,
        json!({"total_count": 1, "runner_groups": [{
            "id": 1, "name": "Default", "visibility": "all", "default": true,
            "runners_url": format!("{api}{ORG_GROUPS}/1/runners"),
            "inherited": false, "allows_public_repositories": true,
            "restricted_to_workflows": false, "selected_workflows": [],
            "workflow_restrictions_read_only": false,
        }]})
    );
    assert_eq!(enterprise.status, 200);
    let default = &enterprise.body["runner_groups"][0];
    assert_eq!(
        (default["id"].clone(), default["default"].clone()),
        (json!(1), json!(true))
    );
    assert!(default.get("inherited").is_none(), "{default}");
    assert_eq!(
        default["runners_url"],
        format!("{api}{ENTERPRISE_GROUPS}/1/runners")
    );
}

#[tokio::test]
async fn a_runner_joins_the_default_group_unless_it_registers_into_another() {
    let app = app().await;
    let gpu = create_group(&app, ORG_GROUPS, json!({"name": "gpu"})).await;
    let gpu_id = gpu["id"].as_i64().unwrap();

    let plain = app.register_runner(ORG, "plain", json!({})).await;
    let fast = app
        .register_runner(ORG, "fast", json!({"runner_group": "GPU"}))
        .await;

    assert_eq!(plain["runner_group_id"], 1);
    assert_eq!(fast["runner_group_id"], gpu_id);
    let in_default = app.get(&format!("{ORG_GROUPS}/1/runners")).await;
    let in_gpu = app.get(&format!("{ORG_GROUPS}/{gpu_id}/runners")).await;
    assert_eq!(runner_names(&in_default), ["plain"]);
    assert_eq!(runner_names(&in_gpu), ["fast"]);
    assert_eq!(in_gpu.body["total_count"], 1);
    assert_ne!(gpu_id, 1, "only default groups show id 1");
}

#[tokio::test]
async fn registering_into_a_group_the_scope_lacks_is_refused_and_registers_nothing() {
    let app = app().await;
    let token = app.registration_token(ORG).await;

    let refused = app
        .control(
            Method::POST,
            "/runners",
            Some(json!({"token": token, "name": "r", "runner_group": "nowhere"})),
        )
        .await;
    let repo_token = app.registration_token("repos/octo-org/app").await;
    let repo_refused = app
        .control(
            Method::POST,
            "/runners",
            Some(json!({"token": repo_token, "name": "r", "runner_group": "gpu"})),
        )
        .await;

    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(refused.body["errors"][0]["field"], "runner_group");
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("nowhere"),
        "{:?}",
        refused.body
    );
    assert_eq!(repo_refused.status, 422, "{:?}", repo_refused.body);
    assert_eq!(
        app.get("/orgs/octo-org/actions/runners").await.body["total_count"],
        0
    );
}

#[tokio::test]
async fn a_new_group_takes_its_runners_and_serves_the_repositories_selected() {
    let app = app().await;
    let repo_id = id_of(&app, "/repos/octo-org/app").await;
    let runner = app.register_runner(ORG, "r1", json!({})).await;

    let created = create_group(
        &app,
        ORG_GROUPS,
        json!({"name": "deploy", "visibility": "selected",
               "selected_repository_ids": [repo_id], "runners": [runner["id"]],
               "allows_public_repositories": true}),
    )
    .await;

    let id = created["id"].as_i64().unwrap();
    let url = format!("{}{ORG_GROUPS}/{id}", app.mock.api_url());
    assert_eq!(created["name"], "deploy");
    assert_eq!(created["visibility"], "selected");
    assert_eq!(created["default"], false);
    assert_eq!(created["inherited"], false);
    assert_eq!(created["allows_public_repositories"], true);
    assert_eq!(
        created["selected_repositories_url"],
        format!("{url}/repositories")
    );
    assert_eq!(created["runners_url"], format!("{url}/runners"));
    assert_eq!(app.get(&format!("{ORG_GROUPS}/{id}")).await.body, created);
    let access = app.get(&format!("{ORG_GROUPS}/{id}/repositories")).await;
    assert_eq!(access.status, 200);
    assert_eq!(access.body["total_count"], 1);
    assert_eq!(access.body["repositories"][0]["id"], repo_id);
    assert_eq!(access.body["repositories"][0]["full_name"], "octo-org/app");
    let moved = app
        .get(&format!("/orgs/octo-org/actions/runners/{}", runner["id"]))
        .await;
    assert_eq!(moved.body["runner_group_id"], id);
}

#[tokio::test]
async fn group_names_are_unique_in_their_scope_whatever_the_case() {
    let app = app().await;
    create_group(&app, ORG_GROUPS, json!({"name": "gpu"})).await;

    let again = app
        .send(Method::POST, ORG_GROUPS, json!({"name": "GPU"}))
        .await;
    let elsewhere = app
        .send(
            Method::POST,
            "/orgs/other-org/actions/runner-groups",
            json!({"name": "gpu"}),
        )
        .await;
    let default = app
        .send(Method::POST, ORG_GROUPS, json!({"name": "default"}))
        .await;

    assert_eq!(again.status, 422, "{:?}", again.body);
    assert_eq!(again.body["message"], "Validation Failed");
    assert_eq!(again.body["errors"][0]["code"], "already_exists");
    assert_eq!(again.body["errors"][0]["field"], "name");
    assert_eq!(
        again.body["documentation_url"],
        "https://docs.github.com/enterprise-server@3.22/rest/actions/self-hosted-runner-groups#create-a-self-hosted-runner-group-for-an-organization"
    );
    assert_eq!(default.status, 422, "the default group's name is taken too");
    assert_eq!(elsewhere.status, 201, "{:?}", elsewhere.body);
    assert_eq!(group_names(&app.get(ORG_GROUPS).await), ["Default", "gpu"]);
}

#[tokio::test]
async fn a_group_is_renamed_and_changes_whom_it_serves_but_the_default_keeps_its_name() {
    let app = app().await;
    let created = create_group(&app, ORG_GROUPS, json!({"name": "old"})).await;
    let path = format!("{ORG_GROUPS}/{}", created["id"]);

    let renamed = app
        .send(
            Method::PATCH,
            &path,
            json!({"name": "new", "visibility": "private", "restricted_to_workflows": true,
                   "selected_workflows": ["octo-org/app/.github/workflows/ci.yml@main"]}),
        )
        .await;
    let default_renamed = app
        .send(
            Method::PATCH,
            &format!("{ORG_GROUPS}/1"),
            json!({"name": "Other"}),
        )
        .await;
    let default_changed = app
        .send(
            Method::PATCH,
            &format!("{ORG_GROUPS}/1"),
            json!({"name": "Default", "allows_public_repositories": false}),
        )
        .await;

    assert_eq!(renamed.status, 200, "{:?}", renamed.body);
    assert_eq!(renamed.body["name"], "new");
    assert_eq!(renamed.body["visibility"], "private");
    assert_eq!(renamed.body["restricted_to_workflows"], true);
    assert_eq!(
        renamed.body["selected_workflows"],
        json!(["octo-org/app/.github/workflows/ci.yml@main"])
    );
    assert_eq!(app.get(&path).await.body, renamed.body);
    assert_eq!(default_renamed.status, 422, "{:?}", default_renamed.body);
    assert_eq!(default_changed.status, 200, "{:?}", default_changed.body);
    assert_eq!(default_changed.body["allows_public_repositories"], false);
}

#[tokio::test]
async fn deleting_a_group_returns_its_runners_to_the_default_group() {
    let app = app().await;
    let created = create_group(&app, ORG_GROUPS, json!({"name": "doomed"})).await;
    let id = created["id"].clone();
    let runner = app
        .register_runner(ORG, "r1", json!({"runner_group": "doomed"}))
        .await;

    let deleted = app.delete(&format!("{ORG_GROUPS}/{id}")).await;
    let default = app.delete(&format!("{ORG_GROUPS}/1")).await;

    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, Value::Null);
    assert_eq!(app.get(&format!("{ORG_GROUPS}/{id}")).await.status, 404);
    let runner = app
        .get(&format!("/orgs/octo-org/actions/runners/{}", runner["id"]))
        .await;
    assert_eq!(runner.body["runner_group_id"], 1);
    assert_eq!(
        runner_names(&app.get(&format!("{ORG_GROUPS}/1/runners")).await),
        ["r1"]
    );
    assert_eq!(default.status, 422, "{:?}", default.body);
    assert_eq!(default.body["message"], "Validation Failed");
    assert_eq!(default.body["errors"][0]["code"], "custom");
    assert_eq!(
        default.body["errors"][0]["message"],
        "The default runner group cannot be deleted"
    );
}

#[tokio::test]
async fn runners_move_between_groups_of_their_own_scope_only() {
    let app = app().await;
    let group = create_group(&app, ORG_GROUPS, json!({"name": "g"})).await;
    let runners_path = format!("{ORG_GROUPS}/{}/runners", group["id"]);
    let a = app.register_runner(ORG, "a", json!({})).await;
    let b = app.register_runner(ORG, "b", json!({})).await;
    let c = app.register_runner(ORG, "c", json!({})).await;
    let foreign = app
        .register_runner("orgs/other-org", "foreign", json!({}))
        .await;

    let added = app
        .api(
            Method::PUT,
            &format!("{runners_path}/{}", a["id"]),
            Some(crate::helpers::TOKEN),
        )
        .await;
    let set = app
        .send(
            Method::PUT,
            &runners_path,
            json!({"runners": [b["id"], c["id"]]}),
        )
        .await;
    let after_set = app.get(&runners_path).await;
    let removed = app
        .api(
            Method::DELETE,
            &format!("{runners_path}/{}", b["id"]),
            Some(crate::helpers::TOKEN),
        )
        .await;
    let removed_again = app
        .api(
            Method::DELETE,
            &format!("{runners_path}/{}", b["id"]),
            Some(crate::helpers::TOKEN),
        )
        .await;
    let foreign_added = app
        .api(
            Method::PUT,
            &format!("{runners_path}/{}", foreign["id"]),
            Some(crate::helpers::TOKEN),
        )
        .await;
    let foreign_set = app
        .send(
            Method::PUT,
            &runners_path,
            json!({"runners": [foreign["id"]]}),
        )
        .await;
    let unknown = app
        .api(
            Method::PUT,
            &format!("{runners_path}/987654"),
            Some(crate::helpers::TOKEN),
        )
        .await;

    assert_eq!(added.status, 204, "{:?}", added.body);
    assert_eq!(set.status, 204, "{:?}", set.body);
    assert_eq!(
        runner_names(&after_set),
        ["b", "c"],
        "a went back to Default"
    );
    assert_eq!(removed.status, 204);
    assert_eq!(removed_again.status, 404);
    assert_eq!(runner_names(&app.get(&runners_path).await), ["c"]);
    assert_eq!(
        runner_names(&app.get(&format!("{ORG_GROUPS}/1/runners")).await),
        ["a", "b"]
    );
    assert_eq!(foreign_added.status, 422, "{:?}", foreign_added.body);
    assert_eq!(foreign_set.status, 422, "{:?}", foreign_set.body);
    assert_eq!(unknown.status, 404);
    let foreign_now = app
        .get(&format!(
            "/orgs/other-org/actions/runners/{}",
            foreign["id"]
        ))
        .await;
    assert_eq!(foreign_now.body["runner_group_id"], 1, "untouched");
}

#[tokio::test]
async fn access_lists_name_members_by_id_and_take_only_the_scopes_own() {
    let app = app().await;
    let app_id = id_of(&app, "/repos/octo-org/app").await;
    let site_id = id_of(&app, "/repos/octo-org/site").await;
    let tool_id = id_of(&app, "/repos/other-org/tool").await;
    let group = create_group(
        &app,
        ORG_GROUPS,
        json!({"name": "g", "visibility": "selected"}),
    )
    .await;
    let access = format!("{ORG_GROUPS}/{}/repositories", group["id"]);
    let token = Some(crate::helpers::TOKEN);

    let added = app
        .api(Method::PUT, &format!("{access}/{site_id}"), token)
        .await;
    let set = app
        .send(
            Method::PUT,
            &access,
            json!({"selected_repository_ids": [app_id, site_id]}),
        )
        .await;
    let listed = app.get(&access).await;
    let removed = app
        .api(Method::DELETE, &format!("{access}/{app_id}"), token)
        .await;
    let removed_again = app
        .api(Method::DELETE, &format!("{access}/{app_id}"), token)
        .await;
    let foreign_set = app
        .send(
            Method::PUT,
            &access,
            json!({"selected_repository_ids": [tool_id]}),
        )
        .await;
    let foreign_added = app
        .api(Method::PUT, &format!("{access}/{tool_id}"), token)
        .await;
    let missing_ids = app.send(Method::PUT, &access, json!({})).await;

    assert_eq!(added.status, 204, "{:?}", added.body);
    assert_eq!(set.status, 204, "{:?}", set.body);
    let names: Vec<&str> = listed.body["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["app", "site"]);
    assert_eq!(listed.body["total_count"], 2);
    assert_eq!(removed.status, 204);
    assert_eq!(removed_again.status, 404);
    assert_eq!(foreign_set.status, 422, "{:?}", foreign_set.body);
    assert_eq!(
        foreign_set.body["errors"][0]["field"],
        "selected_repository_ids"
    );
    assert_eq!(foreign_added.status, 404, "{:?}", foreign_added.body);
    assert_eq!(missing_ids.status, 422, "{:?}", missing_ids.body);
    assert_eq!(app.get(&access).await.body["total_count"], 1);
}

#[tokio::test]
async fn an_enterprise_group_serves_member_organizations_by_id() {
    let app = app().await;
    let org_id = id_of(&app, "/orgs/octo-org").await;
    let lone_id = id_of(&app, "/orgs/lone-org").await;

    let group = create_group(
        &app,
        ENTERPRISE_GROUPS,
        json!({"name": "shared", "visibility": "selected", "selected_organization_ids": [org_id]}),
    )
    .await;
    let access = app
        .get(&format!(
            "{ENTERPRISE_GROUPS}/{}/organizations",
            group["id"]
        ))
        .await;
    let not_member = app
        .send(
            Method::PUT,
            &format!("{ENTERPRISE_GROUPS}/{}/organizations", group["id"]),
            json!({"selected_organization_ids": [lone_id]}),
        )
        .await;
    let private = app
        .send(
            Method::POST,
            ENTERPRISE_GROUPS,
            json!({"name": "p", "visibility": "private"}),
        )
        .await;

    let url = format!("{}{ENTERPRISE_GROUPS}/{}", app.mock.api_url(), group["id"]);
    assert_eq!(
        group["selected_organizations_url"],
        format!("{url}/organizations")
    );
    assert_eq!(access.body["total_count"], 1);
    assert_eq!(access.body["organizations"][0]["login"], "octo-org");
    assert_eq!(access.body["organizations"][0]["id"], org_id);
    assert_eq!(not_member.status, 422, "{:?}", not_member.body);
    assert_eq!(private.status, 422, "{:?}", private.body);
}

#[tokio::test]
async fn an_organization_inherits_the_enterprise_groups_shared_with_it() {
    let app = app().await;
    let other_id = id_of(&app, "/orgs/other-org").await;
    let shared = create_group(&app, ENTERPRISE_GROUPS, json!({"name": "shared"})).await;
    create_group(
        &app,
        ENTERPRISE_GROUPS,
        json!({"name": "theirs", "visibility": "selected", "selected_organization_ids": [other_id]}),
    )
    .await;
    let runner = app
        .register_runner(ENTERPRISE, "big", json!({"runner_group": "shared"}))
        .await;
    let id = shared["id"].clone();

    let list = app.get(ORG_GROUPS).await;
    let inherited = app.get(&format!("{ORG_GROUPS}/{id}")).await;
    let its_runners = app.get(&format!("{ORG_GROUPS}/{id}/runners")).await;
    let patched = app
        .send(
            Method::PATCH,
            &format!("{ORG_GROUPS}/{id}"),
            json!({"name": "mine"}),
        )
        .await;
    let deleted = app.delete(&format!("{ORG_GROUPS}/{id}")).await;
    let lone = app.get("/orgs/lone-org/actions/runner-groups").await;

    assert_eq!(group_names(&list), ["Default", "shared"]);
    assert_eq!(inherited.status, 200);
    assert_eq!(inherited.body["inherited"], true);
    assert_eq!(inherited.body["id"], id);
    assert_eq!(
        inherited.body["inherited_allows_public_repositories"],
        false
    );
    assert_eq!(inherited.body["workflow_restrictions_read_only"], true);
    assert_eq!(runner_names(&its_runners), ["big"]);
    assert_eq!(its_runners.body["runners"][0]["id"], runner["id"]);
    assert_eq!(patched.status, 422, "{:?}", patched.body);
    assert_eq!(deleted.status, 422, "{:?}", deleted.body);
    assert_eq!(group_names(&lone), ["Default"], "not of the enterprise");
}

#[tokio::test]
async fn visible_to_repository_lists_the_groups_a_repository_may_use() {
    let app = app().await;
    let app_id = id_of(&app, "/repos/octo-org/app").await;
    create_group(
        &app,
        ORG_GROUPS,
        json!({"name": "app-only", "visibility": "selected", "selected_repository_ids": [app_id]}),
    )
    .await;
    create_group(
        &app,
        ORG_GROUPS,
        json!({"name": "private", "visibility": "private"}),
    )
    .await;
    create_group(&app, ENTERPRISE_GROUPS, json!({"name": "shared"})).await;

    let for_app = app
        .get(&format!("{ORG_GROUPS}?visible_to_repository=app"))
        .await;
    let for_site = app
        .get(&format!("{ORG_GROUPS}?visible_to_repository=site"))
        .await;
    let for_nothing = app
        .get(&format!("{ORG_GROUPS}?visible_to_repository=nothing"))
        .await;
    let all = app.get(ORG_GROUPS).await;

    assert_eq!(
        group_names(&for_app),
        ["Default", "app-only", "private", "shared"]
    );
    assert_eq!(group_names(&for_site), ["Default", "private", "shared"]);
    assert_eq!(for_site.body["total_count"], 3);
    assert_eq!(group_names(&for_nothing), Vec::<&str>::new());
    assert_eq!(all.body["total_count"], 4);
}

#[tokio::test]
async fn visible_to_organization_lists_the_groups_an_organization_may_use() {
    let app = app().await;
    let org_id = id_of(&app, "/orgs/octo-org").await;
    create_group(
        &app,
        ENTERPRISE_GROUPS,
        json!({"name": "octo-only", "visibility": "selected", "selected_organization_ids": [org_id]}),
    )
    .await;

    let octo = app
        .get(&format!(
            "{ENTERPRISE_GROUPS}?visible_to_organization=octo-org"
        ))
        .await;
    let other = app
        .get(&format!(
            "{ENTERPRISE_GROUPS}?visible_to_organization=other-org"
        ))
        .await;
    let lone = app
        .get(&format!(
            "{ENTERPRISE_GROUPS}?visible_to_organization=lone-org"
        ))
        .await;

    assert_eq!(group_names(&octo), ["Default", "octo-only"]);
    assert_eq!(group_names(&other), ["Default"]);
    assert_eq!(group_names(&lone), Vec::<&str>::new(), "not a member");
}

#[tokio::test]
async fn visibility_filters_are_ignored_before_3_6_as_ghes_ignores_parameters_it_lacks() {
    let app = spawn_version("3.5", fixture()).await;
    let app_id = id_of(&app, "/repos/octo-org/app").await;
    create_group(
        &app,
        ORG_GROUPS,
        json!({"name": "app-only", "visibility": "selected", "selected_repository_ids": [app_id]}),
    )
    .await;

    let filtered = app
        .get(&format!("{ORG_GROUPS}?visible_to_repository=site"))
        .await;

    assert_eq!(group_names(&filtered), ["Default", "app-only"]);
}

#[tokio::test]
async fn a_groups_runners_are_paged_with_githubs_link_header() {
    let app = app().await;
    for name in ["a", "b", "c"] {
        app.register_runner(ORG, name, json!({})).await;
    }
    let path = format!("{ORG_GROUPS}/1/runners");

    let first = app.get(&format!("{path}?per_page=2")).await;
    let second = app.get(&format!("{path}?per_page=2&page=2")).await;

    let url = app.url(&path);
    assert_eq!(first.body["total_count"], 3);
    assert_eq!(runner_names(&first), ["a", "b"]);
    assert_eq!(
        first.header("link"),
        Some(
            format!(
                "<{url}?per_page=2&page=2>; rel=\"next\", <{url}?per_page=2&page=2>; rel=\"last\""
            )
            .as_str()
        )
    );
    assert_eq!(runner_names(&second), ["c"]);
}

#[tokio::test]
async fn an_unknown_group_is_404_in_every_operation_of_both_scopes() {
    let app = app().await;
    let runner = app.register_runner(ORG, "r", json!({})).await;
    let id = runner["id"].clone();
    for (groups, members) in [
        (ORG_GROUPS, "repositories"),
        (ENTERPRISE_GROUPS, "organizations"),
    ] {
        for group in ["987654", "abc"] {
            let base = format!("{groups}/{group}");
            for (method, path, body) in [
                (Method::GET, base.clone(), None),
                (Method::PATCH, base.clone(), Some(json!({"name": "x"}))),
                (Method::DELETE, base.clone(), None),
                (Method::GET, format!("{base}/runners"), None),
                (
                    Method::PUT,
                    format!("{base}/runners"),
                    Some(json!({"runners": []})),
                ),
                (Method::PUT, format!("{base}/runners/{id}"), None),
                (Method::DELETE, format!("{base}/runners/{id}"), None),
                (Method::GET, format!("{base}/{members}"), None),
                (
                    Method::PUT,
                    format!("{base}/{members}"),
                    Some(json!({"selected_repository_ids": [], "selected_organization_ids": []})),
                ),
                (Method::PUT, format!("{base}/{members}/1"), None),
                (Method::DELETE, format!("{base}/{members}/1"), None),
            ] {
                let response = match body {
                    Some(body) => app.send(method.clone(), &path, body).await,
                    None => {
                        app.api(method.clone(), &path, Some(crate::helpers::TOKEN))
                            .await
                    }
                };
                assert_eq!(response.status, 404, "{method} {path}: {:?}", response.body);
                assert_eq!(response.body["message"], "Not Found");
            }
        }
    }
}

#[tokio::test]
async fn a_fixture_declares_groups_and_puts_runners_in_them() {
    let mut seed = fixture();
    seed["runner_groups"] = json!([
        {"scope": "orgs/octo-org", "name": "deploy", "repositories": ["octo-org/app"]},
        {"scope": "enterprises/octo-enterprise", "name": "shared"}
    ]);
    seed["runners"] = json!([
        {"scope": "orgs/octo-org", "name": "d1", "runner_group": "deploy", "ephemeral": true},
        {"scope": "enterprises/octo-enterprise", "name": "e1", "runner_group": "Shared"}
    ]);
    let app = spawn_version("3.22", seed).await;

    let groups = app.get(ORG_GROUPS).await;
    let deploy = &groups.body["runner_groups"][1];
    let runners = app.get("/orgs/octo-org/actions/runners").await;

    assert_eq!(group_names(&groups), ["Default", "deploy", "shared"]);
    assert_eq!(deploy["visibility"], "selected");
    let access = app
        .get(&format!("{ORG_GROUPS}/{}/repositories", deploy["id"]))
        .await;
    assert_eq!(access.body["repositories"][0]["full_name"], "octo-org/app");
    assert_eq!(runners.body["runners"][0]["runner_group_id"], deploy["id"]);
    assert_eq!(runners.body["runners"][0]["ephemeral"], true);
    app.mock.reset().await;
    assert_eq!(
        group_names(&app.get(ORG_GROUPS).await),
        ["Default", "deploy", "shared"]
    );
}
