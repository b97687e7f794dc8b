//! Scope isolation: a runner belongs to exactly one enterprise, organization
//! or repository. Other scopes neither list it nor find it by id, their
//! tokens cannot reach it, and their counts do not include it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ApiResponse, SCOPES, TOKEN, TestApp, runners_path, spawn_app, spawn_seeded};

const ORG_A: &str = "orgs/octo-a";
const ORG_B: &str = "orgs/octo-b";
const REPO_OF_A: &str = "repos/octo-a/app";

/// Two organizations and a repository of the first.
const TWO_ORGS: [&str; 3] = [ORG_A, ORG_B, REPO_OF_A];

/// No runner has this id in any test here.
const UNKNOWN_ID: i64 = 987_654;

/// Every (owner, other) pair of distinct scopes, both ways round.
fn ordered_pairs<'a>(scopes: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    scopes
        .iter()
        .flat_map(|owner| {
            scopes
                .iter()
                .filter(move |other| other != &owner)
                .map(move |other| (*owner, *other))
        })
        .collect()
}

/// The docs GitHub's 404 points at for a runner operation of a scope.
fn runner_doc_url(scope: &str, method: &Method) -> String {
    let (page, target) = match scope.split('/').next() {
        Some("enterprises") => ("enterprise-admin", "an-enterprise"),
        Some("orgs") => ("actions", "an-organization"),
        _ => ("actions", "a-repository"),
    };
    let anchor = match (method.as_str(), page) {
        ("GET", _) => format!("get-a-self-hosted-runner-for-{target}"),
        ("DELETE", "enterprise-admin") => format!("delete-self-hosted-runner-from-{target}"),
        _ => format!("delete-a-self-hosted-runner-from-{target}"),
    };
    format!("https://docs.github.com/enterprise-server@3.1/rest/reference/{page}#{anchor}")
}

fn runner_path(scope: &str, id: &Value) -> String {
    format!("{}/{id}", runners_path(scope))
}

fn names(list: &ApiResponse) -> Vec<&str> {
    list.body["runners"]
        .as_array()
        .expect("runners")
        .iter()
        .map(|r| r["name"].as_str().expect("a name"))
        .collect()
}

/// Asks for a runner through a scope it does not belong to, by GET and by
/// DELETE, and checks both answers are GitHub's 404, identical to the one
/// for an id that exists nowhere.
async fn assert_not_found_through(app: &TestApp, scope: &str, id: &Value, what: &str) {
    for method in [Method::GET, Method::DELETE] {
        let foreign = app
            .api(method.clone(), &runner_path(scope, id), Some(TOKEN))
            .await;
        let unknown = app
            .api(
                method.clone(),
                &runner_path(scope, &json!(UNKNOWN_ID)),
                Some(TOKEN),
            )
            .await;

        assert_eq!(
            foreign.status, 404,
            "{what}: {method} through {scope}: {:?}",
            foreign.body
        );
        assert_eq!(
            foreign.body,
            json!({"message": "Not Found", "documentation_url": runner_doc_url(scope, &method)}),
            "{what}: {method} through {scope}"
        );
        assert_eq!(
            foreign.body, unknown.body,
            "{what}: {method} through {scope} says no more than for an unknown id"
        );
        assert_eq!(unknown.status, 404);
    }
}

#[tokio::test]
async fn a_runner_is_not_listed_found_or_deleted_through_another_scope_kind() {
    for (owner, other) in ordered_pairs(&SCOPES) {
        // Arrange
        let app = spawn_app().await;
        let runner = app.register_runner(owner, "builder", json!({})).await;
        let neighbour = app.register_runner(other, "neighbour", json!({})).await;
        let what = format!("runner of {owner}");

        // Act
        let other_list = app.get(&runners_path(other)).await;

        // Assert
        assert_eq!(
            other_list.body,
            json!({"total_count": 1, "runners": [neighbour]}),
            "{what}: {other} lists"
        );
        assert_not_found_through(&app, other, &runner["id"], &what).await;
        let still = app.get(&runner_path(owner, &runner["id"])).await;
        assert_eq!(
            still.status, 200,
            "{what}: a DELETE through {other} must leave it"
        );
        assert_eq!(still.body, runner, "{what}");
        let own_list = app.get(&runners_path(owner)).await;
        assert_eq!(
            own_list.body,
            json!({"total_count": 1, "runners": [runner]}),
            "{what}"
        );
    }
}

#[tokio::test]
async fn a_busy_runner_of_another_scope_is_not_found_rather_than_busy() {
    for (owner, other) in ordered_pairs(&SCOPES) {
        // Arrange
        let app = spawn_app().await;
        let runner = app
            .register_runner(owner, "builder", json!({"busy": true}))
            .await;
        app.register_runner(other, "neighbour", json!({})).await;

        // Act
        let deleted = app.delete(&runner_path(other, &runner["id"])).await;

        // Assert
        assert_eq!(
            deleted.status, 404,
            "busy runner of {owner} through {other}: {:?}",
            deleted.body
        );
        assert_eq!(deleted.body["message"], "Not Found");
        assert_eq!(
            app.get(&runner_path(owner, &runner["id"])).await.body,
            runner,
            "{owner}"
        );
    }
}

/// Two runners in org a, one in org b, one in a repository of org a.
fn two_orgs_fixture() -> Value {
    json!({
        "orgs": ["octo-a", "octo-b"],
        "repos": ["octo-a/app"],
        "runners": [
            {"scope": ORG_A, "name": "a-1"},
            {"scope": ORG_B, "name": "b-1"},
            {"scope": REPO_OF_A, "name": "app-1"},
            {"scope": ORG_A, "name": "a-2"},
        ],
    })
}

#[tokio::test]
async fn two_orgs_and_a_repository_of_one_of_them_see_only_their_own_runners() {
    // Arrange
    let app = spawn_seeded(two_orgs_fixture()).await;
    let expected: [(&str, &[&str]); 3] = [
        (ORG_A, &["a-1", "a-2"]),
        (ORG_B, &["b-1"]),
        (REPO_OF_A, &["app-1"]),
    ];

    // Act + Assert: each lists its own
    let mut runners_of = Vec::new();
    for (scope, own) in expected {
        let list = app.get(&runners_path(scope)).await;
        assert_eq!(list.status, 200, "{scope}");
        assert_eq!(names(&list), own, "{scope} lists");
        assert_eq!(list.body["total_count"], own.len(), "{scope}");
        runners_of.push((scope, list.body["runners"].clone()));
    }

    // and none reaches another's
    for (owner, other) in ordered_pairs(&TWO_ORGS) {
        let (_, runners) = runners_of
            .iter()
            .find(|(scope, _)| *scope == owner)
            .expect("listed");
        for runner in runners.as_array().expect("runners") {
            assert_not_found_through(
                &app,
                other,
                &runner["id"],
                &format!("{} of {owner}", runner["name"]),
            )
            .await;
        }
    }

    // and every runner is still where it was
    for (scope, runners) in &runners_of {
        let list = app.get(&runners_path(scope)).await;
        assert_eq!(
            &list.body["runners"], runners,
            "{scope} after the foreign DELETEs"
        );
    }
}

#[tokio::test]
async fn a_registration_token_of_one_org_registers_only_into_that_org() {
    // Arrange
    let app = spawn_seeded(two_orgs_fixture()).await;
    let token_of_a = app.registration_token(ORG_A).await;

    // Act
    let registered = app
        .control(
            Method::POST,
            "/runners",
            Some(json!({"token": token_of_a, "name": "newcomer"})),
        )
        .await;

    // Assert
    assert_eq!(registered.status, 201, "{:?}", registered.body);
    assert_eq!(
        names(&app.get(&runners_path(ORG_A)).await),
        ["a-1", "a-2", "newcomer"]
    );
    assert_eq!(names(&app.get(&runners_path(ORG_B)).await), ["b-1"]);
    assert_eq!(names(&app.get(&runners_path(REPO_OF_A)).await), ["app-1"]);
    assert_eq!(
        app.get(&runner_path(ORG_A, &registered.body["id"]))
            .await
            .body,
        registered.body
    );
    assert_not_found_through(&app, ORG_B, &registered.body["id"], "newcomer").await;
    assert_not_found_through(&app, REPO_OF_A, &registered.body["id"], "newcomer").await;
}

#[tokio::test]
async fn a_remove_token_of_another_scope_cannot_remove_a_runner() {
    for foreign in [ORG_B, REPO_OF_A, "enterprises/octo-a"] {
        // Arrange
        let app = spawn_seeded(two_orgs_fixture()).await;
        let runner = app.get(&runners_path(ORG_A)).await.body["runners"][0].clone();
        let token = app.remove_token(foreign).await;

        // Act
        let refused = app
            .control(
                Method::POST,
                &format!("/runners/{}/remove", runner["id"]),
                Some(json!({"token": token})),
            )
            .await;

        // Assert
        assert_eq!(
            refused.status, 401,
            "remove token of {foreign}: {:?}",
            refused.body
        );
        assert!(
            refused.body["message"]
                .as_str()
                .is_some_and(|m| m.contains("scope")),
            "the message says why: {:?}",
            refused.body
        );
        assert_eq!(
            app.get(&runner_path(ORG_A, &runner["id"])).await.body,
            runner,
            "{foreign}: the runner stays"
        );
        assert_eq!(
            app.get(&runners_path(ORG_A)).await.body["total_count"],
            2,
            "{foreign}"
        );

        // while org a's own remove token does remove it
        let own = app.remove_token(ORG_A).await;
        let removed = app
            .control(
                Method::POST,
                &format!("/runners/{}/remove", runner["id"]),
                Some(json!({"token": own})),
            )
            .await;
        assert_eq!(removed.status, 204, "{:?}", removed.body);
        assert_eq!(
            app.get(&runner_path(ORG_A, &runner["id"])).await.status,
            404
        );
    }
}

#[tokio::test]
async fn the_same_runner_name_may_live_in_every_scope() {
    // Arrange
    let app = spawn_app().await;
    let scopes = [SCOPES[0], SCOPES[1], SCOPES[2], ORG_A, ORG_B, REPO_OF_A];

    // Act
    let mut runners = Vec::new();
    for scope in scopes {
        runners.push(app.register_runner(scope, "runner", json!({})).await);
    }

    // Assert
    let mut ids: Vec<i64> = runners
        .iter()
        .map(|r| r["id"].as_i64().expect("an id"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), scopes.len(), "one id each: {runners:?}");
    for (scope, runner) in scopes.iter().zip(&runners) {
        let list = app.get(&runners_path(scope)).await;
        assert_eq!(
            list.body,
            json!({"total_count": 1, "runners": [runner]}),
            "{scope}"
        );
    }
}

#[tokio::test]
async fn runner_names_are_unique_in_a_scope_whatever_their_case() {
    for scope in SCOPES {
        for clash in ["runner", "Runner", "RUNNER"] {
            // Arrange
            let app = spawn_app().await;
            let existing = app.register_runner(scope, "runner", json!({})).await;
            let token = app.registration_token(scope).await;

            // Act
            let refused = app
                .control(
                    Method::POST,
                    "/runners",
                    Some(json!({"token": token, "name": clash})),
                )
                .await;

            // Assert
            assert_eq!(
                refused.status, 422,
                "{clash} in {scope}: {:?}",
                refused.body
            );
            assert_eq!(refused.body["message"], "Validation Failed");
            let errors = refused.body["errors"].as_array().expect("errors");
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0]["resource"], "Runner");
            assert_eq!(errors[0]["field"], "name");
            assert_eq!(errors[0]["code"], "already_exists");
            let list = app.get(&runners_path(scope)).await;
            assert_eq!(
                list.body,
                json!({"total_count": 1, "runners": [existing]}),
                "{clash} in {scope}"
            );
        }
    }
}

#[tokio::test]
async fn scopes_with_the_same_name_but_another_kind_or_owner_are_separate() {
    // Arrange: an enterprise and an org both called octo; a repository app in two orgs.
    let twins = [
        "enterprises/octo",
        "orgs/octo",
        REPO_OF_A,
        "repos/octo-b/app",
    ];
    let app = spawn_app().await;
    let mut runners = Vec::new();
    for scope in twins {
        runners.push(app.register_runner(scope, "runner", json!({})).await);
    }

    // Act + Assert
    for (owner, other) in ordered_pairs(&twins) {
        let runner = &runners[twins.iter().position(|s| *s == owner).expect("a twin")];
        assert_not_found_through(&app, other, &runner["id"], &format!("runner of {owner}")).await;
    }
    for (scope, runner) in twins.iter().zip(&runners) {
        let list = app.get(&runners_path(scope)).await;
        assert_eq!(
            list.body,
            json!({"total_count": 1, "runners": [runner]}),
            "{scope}"
        );
    }
}

#[tokio::test]
async fn a_scopes_total_count_ignores_the_runners_of_others() {
    // Arrange
    let app = spawn_seeded(two_orgs_fixture()).await;
    let totals = |a: i64, b: i64, repo: i64| [(ORG_A, a), (ORG_B, b), (REPO_OF_A, repo)];
    let assert_totals = |expected: [(&'static str, i64); 3], when: &'static str| {
        let app = &app;
        async move {
            for (scope, total) in expected {
                for query in ["", "?per_page=1", "?per_page=1&page=2"] {
                    let list = app.get(&format!("{}{query}", runners_path(scope))).await;
                    assert_eq!(list.body["total_count"], total, "{scope}{query} {when}");
                }
            }
        }
    };
    assert_totals(totals(2, 1, 1), "as seeded").await;

    // Act + Assert: three runners join org b
    app.register_runners(ORG_B, 3).await;
    assert_totals(totals(2, 4, 1), "after 3 runners joined org b").await;

    // one of org a is deleted
    let first_of_a = app.get(&runners_path(ORG_A)).await.body["runners"][0]["id"].clone();
    assert_eq!(
        app.delete(&runner_path(ORG_A, &first_of_a)).await.status,
        204
    );
    assert_totals(totals(1, 4, 1), "after org a lost a runner").await;

    // the repository's runner removes itself
    let of_repo = app.get(&runners_path(REPO_OF_A)).await.body["runners"][0]["id"].clone();
    let token = app.remove_token(REPO_OF_A).await;
    let removed = app
        .control(
            Method::POST,
            &format!("/runners/{of_repo}/remove"),
            Some(json!({"token": token})),
        )
        .await;
    assert_eq!(removed.status, 204, "{:?}", removed.body);
    assert_totals(totals(1, 4, 0), "after the repository's runner left").await;
}
