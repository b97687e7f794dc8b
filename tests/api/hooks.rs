//! Webhooks over REST (SPEC §9): a repository's and an organization's, and
//! the appliance's global hooks under `/admin/hooks`, with their config,
//! pings and GitHub's defaults and refusals; a hook's secret never shows;
//! who may manage which hooks.

use ghes_mock::{GhesMock, HookTarget, Seed};
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ApiResponse, TestApp, link_of, next_delivery, spawn_version, spawn_with};
use crate::server_process::ServerProcess;

const REPO_HOOKS: &str = "/repos/octo-org/app/hooks";
const ORG_HOOKS: &str = "/orgs/octo-org/hooks";
const GLOBAL_HOOKS: &str = "/admin/hooks";
/// The three places hooks live, with the `type` each shows.
const PLACES: [(&str, &str); 3] = [
    (REPO_HOOKS, "Repository"),
    (ORG_HOOKS, "Organization"),
    (GLOBAL_HOOKS, "Global"),
];
const SECRET: &str = "It's a Secret to Everybody";

fn fixture() -> Value {
    json!({
        "enterprises": ["octo-enterprise"],
        "orgs": [{"login": "octo-org", "enterprise": "octo-enterprise"}, "other-org"],
        "repos": ["octo-org/app", "octo-org/site", "other-org/tool"],
    })
}

async fn app() -> TestApp {
    spawn_version("3.22", fixture()).await
}

/// A URL nothing listens on that no hook will ever reach: enough for the
/// settings tests, which make inactive hooks or do not wait for pings.
const NOWHERE: &str = "http://127.0.0.1:9/hook";

fn keys(body: &Value) -> Vec<&str> {
    body.as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect()
}

// --- create, read, update, delete -----------------------------------------------------

#[tokio::test]
async fn a_repository_hook_is_made_with_githubs_defaults_and_pinged() {
    // Arrange
    let app = app().await;
    let target = HookTarget::start().await;

    // Act
    let created = app
        .send(
            Method::POST,
            REPO_HOOKS,
            json!({"config": {"url": target.url()}}),
        )
        .await;

    // Assert
    assert_eq!(created.status, 201, "{:?}", created.body);
    let hook = &created.body;
    let id = hook["id"].as_i64().unwrap();
    let url = format!("{}{REPO_HOOKS}/{id}", app.mock.api_url());
    assert_eq!(created.header("location"), Some(url.as_str()));
    assert_eq!(
        keys(hook),
        [
            "type",
            "id",
            "name",
            "active",
            "events",
            "config",
            "updated_at",
            "created_at",
            "url",
            "test_url",
            "ping_url",
            "deliveries_url",
            "last_response"
        ]
    );
    assert_eq!(hook["type"], "Repository");
    assert_eq!(hook["name"], "web");
    assert_eq!(hook["active"], true);
    assert_eq!(hook["events"], json!(["push"]));
    assert_eq!(
        hook["config"],
        json!({"content_type": "form", "insecure_ssl": "0", "url": target.url()})
    );
    assert_eq!(hook["url"], url);
    assert_eq!(hook["test_url"], format!("{url}/tests"));
    assert_eq!(hook["ping_url"], format!("{url}/pings"));
    assert_eq!(hook["deliveries_url"], format!("{url}/deliveries"));
    assert_eq!(
        hook["last_response"],
        json!({"code": null, "status": "unused", "message": null})
    );

    let ping = next_delivery(&target).await;
    assert_eq!(ping.event, "ping");
    assert_eq!(ping.hook_id, Some(id));
    assert_eq!(
        ping.header("content-type"),
        Some("application/x-www-form-urlencoded"),
        "a hook made without content_type gets form"
    );
    assert!(ping.body.starts_with(b"payload="));
    assert_eq!(ping.json["hook_id"], id);
    assert_eq!(ping.json["hook"]["id"], id);
    assert_eq!(ping.json["hook"]["type"], "Repository");
    assert_eq!(ping.json["hook"]["events"], json!(["push"]));
    assert!(ping.json["zen"].is_string());
    assert_eq!(ping.json["repository"]["full_name"], "octo-org/app");
    assert!(ping.json["sender"]["login"].is_string());
}

#[tokio::test]
async fn hooks_are_listed_read_changed_and_deleted_in_each_place() {
    for (hooks, kind) in PLACES {
        // Arrange: two hooks, inactive so that nothing is sent.
        let app = app().await;
        let made = app
            .send(
                Method::POST,
                hooks,
                json!({"name": "web", "active": false, "config": {"url": NOWHERE}}),
            )
            .await;
        assert_eq!(made.status, 201, "{hooks}: {:?}", made.body);
        assert_eq!(
            made.header("location"),
            made.body["url"].as_str(),
            "{hooks}"
        );
        let first = made.body;
        let second = app
            .create_hook(
                hooks,
                json!({"active": false, "events": ["workflow_job", "push"],
                       "config": {"url": NOWHERE, "content_type": "json"}}),
            )
            .await;
        let path = |hook: &Value| format!("{hooks}/{}", hook["id"]);

        // Act
        let listed = app.get(hooks).await;
        let paged = app.get(&format!("{hooks}?per_page=1")).await;
        let next = link_of(&paged, "next").expect("a next page");
        let next_page = app.follow(&next).await;
        let got = app.get(&path(&first)).await;
        let patched = app
            .send(
                Method::PATCH,
                &path(&first),
                json!({"events": ["workflow_job"], "active": false,
                       "config": {"url": "https://receiver.example/hooks", "content_type": "json"}}),
            )
            .await;
        let after_patch = app.get(&path(&first)).await;
        let deleted = app.delete(&path(&second)).await;
        let gone = app.get(&path(&second)).await;
        let left = app.get(hooks).await;

        // Assert
        assert_eq!(first["type"], kind, "{hooks}");
        assert_eq!(listed.status, 200, "{hooks}");
        assert_eq!(listed.body, json!([first, second]), "{hooks}");
        assert_eq!(paged.body, json!([first]), "{hooks}");
        assert_eq!(next_page.body, json!([second]), "{hooks}");
        assert_eq!(got.body, first, "{hooks}");
        assert_eq!(patched.status, 200, "{hooks}: {:?}", patched.body);
        assert_eq!(patched.body["events"], json!(["workflow_job"]), "{hooks}");
        assert_eq!(
            patched.body["config"],
            json!({"content_type": "json", "insecure_ssl": "0",
                   "url": "https://receiver.example/hooks"}),
            "{hooks}"
        );
        assert_eq!(patched.body["created_at"], first["created_at"]);
        assert_eq!(after_patch.body, patched.body, "{hooks}");
        assert_eq!(deleted.status, 204, "{hooks}");
        assert_eq!(gone.status, 404, "{hooks}");
        assert_eq!(left.body, json!([patched.body]), "{hooks}");
    }
}

#[tokio::test]
async fn a_repository_hook_adds_and_removes_events_and_global_hooks_default_to_user_and_organization()
 {
    // Arrange
    let app = app().await;
    let hook = app
        .create_hook(
            REPO_HOOKS,
            json!({"active": false, "events": ["push", "workflow_job"], "config": {"url": NOWHERE}}),
        )
        .await;

    // Act
    let changed = app
        .send(
            Method::PATCH,
            &format!("{REPO_HOOKS}/{}", hook["id"]),
            json!({"add_events": ["workflow_run", "push"], "remove_events": ["push"]}),
        )
        .await;
    let global = app
        .create_hook(
            GLOBAL_HOOKS,
            json!({"name": "web", "active": false, "config": {"url": NOWHERE}}),
        )
        .await;
    let org = app
        .create_hook(
            ORG_HOOKS,
            json!({"name": "web", "active": false, "config": {"url": NOWHERE}}),
        )
        .await;

    // Assert
    assert_eq!(changed.status, 200, "{:?}", changed.body);
    assert_eq!(
        changed.body["events"],
        json!(["workflow_job", "workflow_run"])
    );
    assert_eq!(global["events"], json!(["user", "organization"]));
    assert_eq!(org["events"], json!(["push"]));
    assert_eq!(
        keys(&org),
        [
            "id",
            "url",
            "ping_url",
            "deliveries_url",
            "name",
            "events",
            "active",
            "config",
            "updated_at",
            "created_at",
            "type"
        ],
        "no test_url and no last_response on an organization's hook"
    );
    assert!(global.get("deliveries_url").is_none(), "{global}");
}

#[tokio::test]
async fn config_is_read_and_changed_on_its_own_and_the_secret_never_shows() {
    for hooks in [REPO_HOOKS, ORG_HOOKS] {
        // Arrange
        let app = app().await;
        let mut bodies: Vec<Value> = Vec::new();
        let hook = app
            .create_hook(
                hooks,
                json!({"active": false, "config": {"url": NOWHERE, "secret": SECRET}}),
            )
            .await;
        let config = format!("{hooks}/{}/config", hook["id"]);

        // Act
        let got = app.get(&config).await;
        let patched = app
            .send(
                Method::PATCH,
                &config,
                json!({"content_type": "json", "insecure_ssl": 1}),
            )
            .await;
        let whole = app.get(&format!("{hooks}/{}", hook["id"])).await;
        let listed = app.get(hooks).await;
        let bad = app
            .send(
                Method::PATCH,
                &config,
                json!({"url": "gopher://old.example"}),
            )
            .await;
        let unchanged = app.get(&config).await;
        bodies.extend([
            hook.clone(),
            got.body.clone(),
            patched.body.clone(),
            whole.body.clone(),
            listed.body.clone(),
        ]);

        // Assert
        assert_eq!(hook["config"]["secret"], "********", "{hooks}");
        assert_eq!(
            got.body,
            json!({"content_type": "form", "insecure_ssl": "0", "url": NOWHERE,
                   "secret": "********"}),
            "{hooks}"
        );
        assert_eq!(patched.status, 200, "{hooks}: {:?}", patched.body);
        assert_eq!(
            patched.body,
            json!({"content_type": "json", "insecure_ssl": "1", "url": NOWHERE,
                   "secret": "********"}),
            "{hooks}"
        );
        assert_eq!(whole.body["config"], patched.body, "{hooks}");
        assert_eq!(bad.status, 422, "{hooks}: {:?}", bad.body);
        assert_eq!(
            unchanged.body, patched.body,
            "{hooks}: a refused change changes nothing"
        );
        for body in &bodies {
            assert!(!body.to_string().contains(SECRET), "{hooks}: {body}");
        }
    }
}

#[tokio::test]
async fn a_global_hooks_update_answers_without_its_secret() {
    // Arrange
    let app = app().await;
    let hook = app
        .create_hook(
            GLOBAL_HOOKS,
            json!({"name": "web", "active": false,
                   "config": {"url": NOWHERE, "secret": SECRET}}),
        )
        .await;

    // Act
    let patched = app
        .send(
            Method::PATCH,
            &format!("{GLOBAL_HOOKS}/{}", hook["id"]),
            json!({"events": ["workflow_job"]}),
        )
        .await;

    // Assert
    assert_eq!(hook["config"]["secret"], "********");
    assert_eq!(patched.status, 200, "{:?}", patched.body);
    assert_eq!(patched.body["events"], json!(["workflow_job"]));
    assert_eq!(
        patched.body["config"],
        json!({"content_type": "form", "insecure_ssl": "0", "url": NOWHERE}),
        "GitHub's global-hook-2: no secret at all"
    );
    let got = app.get(&format!("{GLOBAL_HOOKS}/{}", hook["id"])).await;
    assert_eq!(got.body["config"]["secret"], "********", "still set");
}

#[tokio::test]
async fn the_secret_never_reaches_the_logs_even_at_trace_level() {
    // Arrange: the binary at trace level, a signed JSON hook and a signed
    // form hook, and every kind of delivery.
    let target = HookTarget::start().await;
    let server = ServerProcess::serve(&["--ghes-version", "3.22"], &[("RUST_LOG", "trace")]);
    let base = server.uri();
    let client = reqwest::Client::new();
    let api = |path: &str| format!("{base}/api/v3{path}");
    let send = |request: reqwest::RequestBuilder| async move {
        let response = request
            .header("Authorization", "token t")
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, text)
    };
    let mut answers = Vec::new();
    for content_type in ["json", "form"] {
        let body = json!({"events": ["workflow_job"],
                          "config": {"url": target.url(), "secret": SECRET,
                                     "content_type": content_type}});
        answers.push(send(client.post(api(REPO_HOOKS)).json(&body)).await);
    }
    let hook: Value = serde_json::from_str(&answers[0].1).expect("a hook");

    // Act
    let run = json!({"repo": "octo-org/app", "jobs": [{"labels": ["x"]}]});
    answers.push(send(client.post(format!("{base}/_mock/runs")).json(&run)).await);
    let deliveries = target
        .wait_for(4, crate::helpers::WAIT)
        .await
        .expect("two pings and two queued");
    let hook_path = format!("{REPO_HOOKS}/{}", hook["id"]);
    let list = send(client.get(api(&format!("{hook_path}/deliveries")))).await;
    let items: Value = serde_json::from_str(&list.1).expect("a list");
    let first = &items[items.as_array().expect("a list").len() - 1]["id"];
    let delivery = format!("{hook_path}/deliveries/{first}");
    answers.push(list.clone());
    answers.push(send(client.get(api(&delivery))).await);
    answers.push(send(client.post(api(&format!("{delivery}/attempts")))).await);
    answers.push(send(client.post(api(&format!("{hook_path}/pings")))).await);
    answers.push(send(client.get(api(&format!("{hook_path}/config")))).await);
    answers.push(send(client.get(format!("{base}/_mock/deliveries"))).await);
    target
        .wait_for(6, crate::helpers::WAIT)
        .await
        .expect("a redelivery and a ping");
    let (exit, log) = server.stop();

    // Assert
    assert!(exit.success(), "{exit:?}");
    assert!(log.len() > 10, "trace logs were written: {log:?}");
    for (status, text) in &answers {
        assert!(*status < 300, "{status}: {text}");
        assert!(!text.contains(SECRET), "an answer shows the secret: {text}");
    }
    for line in &log {
        assert!(!line.contains(SECRET), "the log shows the secret: {line}");
    }
    for delivery in &deliveries {
        assert!(
            !String::from_utf8_lossy(&delivery.body).contains(SECRET),
            "a payload carries the secret"
        );
        assert!(delivery.verify(SECRET), "{:?}", delivery.headers);
    }
}

// --- pings ---------------------------------------------------------------------------------

#[tokio::test]
async fn a_hook_is_pinged_when_made_and_when_asked_and_not_when_inactive() {
    for (hooks, kind) in PLACES {
        // Arrange
        let app = app().await;
        let target = HookTarget::start().await;
        let hook = app
            .create_hook(
                hooks,
                json!({"name": "web", "config": {"url": target.url(), "content_type": "json"}}),
            )
            .await;
        let made = next_delivery(&target).await;
        let quiet = app
            .create_hook(
                hooks,
                json!({"name": "web", "active": false, "config": {"url": target.url()}}),
            )
            .await;

        // Act
        let pinged = app.post(&format!("{hooks}/{}/pings", hook["id"])).await;
        let asked = next_delivery(&target).await;

        // Assert
        assert_eq!(pinged.status, 204, "{hooks}: {:?}", pinged.body);
        for ping in [&made, &asked] {
            assert_eq!(ping.event, "ping", "{hooks}");
            assert_eq!(ping.hook_id, hook["id"].as_i64(), "{hooks}");
            assert_eq!(ping.json["hook"]["type"], kind, "{hooks}");
            assert_eq!(ping.json["hook_id"], hook["id"], "{hooks}");
        }
        assert_ne!(
            made.guid, asked.guid,
            "{hooks}: a ping is an event of its own"
        );
        let recorded = app
            .mock_deliveries(&format!("hook_id={}", quiet["id"]))
            .await;
        assert_eq!(
            recorded,
            Vec::<Value>::new(),
            "{hooks}: an inactive hook hears nothing"
        );
        assert_eq!(target.received().len(), 2, "{hooks}");
    }
}

#[tokio::test]
async fn the_push_test_of_a_repository_hook_answers_204_and_sends_nothing() {
    // Arrange
    let app = app().await;
    let hook = app
        .create_hook(REPO_HOOKS, json!({"config": {"url": NOWHERE}}))
        .await;
    let before = app.mock_deliveries("").await.len();

    // Act
    let tested = app
        .post(&format!("{REPO_HOOKS}/{}/tests", hook["id"]))
        .await;

    // Assert
    assert_eq!(tested.status, 204, "{:?}", tested.body);
    assert_eq!(app.mock_deliveries("").await.len(), before);
}

// --- refusals --------------------------------------------------------------------------

#[tokio::test]
async fn bad_hook_settings_are_refused_with_422_and_make_nothing() {
    for (hooks, _) in PLACES {
        // Arrange
        let app = app().await;
        let with_config = |config: Value| json!({"name": "web", "config": config});
        let bad = [
            with_config(json!({"url": "ftp://files.example/hook"})),
            with_config(json!({"url": "not a url"})),
            with_config(json!({"url": "http://"})),
            with_config(json!({"url": "javascript:alert(1)"})),
            with_config(json!({"content_type": "json"})),
            with_config(json!({"url": NOWHERE, "content_type": "xml"})),
            with_config(json!({"url": NOWHERE, "insecure_ssl": "2"})),
            json!({"name": "email", "config": {"url": NOWHERE}}),
            json!({"name": "web", "events": ["exploded"], "config": {"url": NOWHERE}}),
            json!({"name": "web", "events": ["push", "Push"], "config": {"url": NOWHERE}}),
        ];

        // Act
        let mut answers: Vec<ApiResponse> = Vec::new();
        for body in &bad {
            answers.push(app.send(Method::POST, hooks, body.clone()).await);
        }

        // Assert
        for (body, answer) in bad.iter().zip(&answers) {
            assert_eq!(answer.status, 422, "{hooks} {body}: {:?}", answer.body);
            assert_eq!(
                answer.body["message"], "Validation Failed",
                "{hooks} {body}"
            );
        }
        let unknown_event = &answers[8].body["errors"][0];
        assert_eq!(unknown_event["resource"], "Hook");
        assert_eq!(
            unknown_event["message"],
            "\"exploded\" is not a valid event name"
        );
        assert_eq!(answers[0].body["errors"][0]["resource"], "Hook");
        assert_eq!(app.get(hooks).await.body, json!([]), "{hooks}");
        assert_eq!(app.mock_deliveries("").await, Vec::<Value>::new());
    }
}

#[tokio::test]
async fn a_refused_update_changes_nothing() {
    // Arrange
    let app = app().await;
    let hook = app
        .create_hook(
            ORG_HOOKS,
            json!({"name": "web", "active": false, "config": {"url": NOWHERE}}),
        )
        .await;
    let path = format!("{ORG_HOOKS}/{}", hook["id"]);

    // Act
    let refused = [
        app.send(
            Method::PATCH,
            &path,
            json!({"config": {"url": "ftp://x.example"}}),
        )
        .await,
        app.send(Method::PATCH, &path, json!({"events": ["exploded"]}))
            .await,
        app.send(
            Method::PATCH,
            &path,
            json!({"active": true, "events": ["nope"]}),
        )
        .await,
    ];

    // Assert
    for answer in &refused {
        assert_eq!(answer.status, 422, "{:?}", answer.body);
    }
    assert_eq!(app.get(&path).await.body, hook);
}

#[tokio::test]
async fn workflow_job_is_an_event_from_ghes_3_3() {
    for (version, accepted) in [("3.2", false), ("3.3", true)] {
        // Arrange
        let app = spawn_version(version, fixture()).await;
        let body = json!({"active": false, "events": ["workflow_job"], "config": {"url": NOWHERE}});

        // Act
        let answer = app.send(Method::POST, REPO_HOOKS, body).await;

        // Assert
        let expected = if accepted { 201 } else { 422 };
        assert_eq!(answer.status, expected, "{version}: {:?}", answer.body);
        if !accepted {
            assert_eq!(
                answer.body["errors"][0]["message"],
                "\"workflow_job\" is not a valid event name"
            );
        }
    }
}

#[tokio::test]
async fn an_unknown_hook_or_one_of_another_place_is_not_found() {
    // Arrange: a hook of octo-org/app, and one of octo-org.
    let app = app().await;
    let body = json!({"name": "web", "active": false, "config": {"url": NOWHERE}});
    let repo_hook = app.create_hook(REPO_HOOKS, body.clone()).await;
    let org_hook = app.create_hook(ORG_HOOKS, body.clone()).await;
    let mut paths = Vec::new();
    for (hooks, id) in [
        (REPO_HOOKS, json!(987654)),
        (ORG_HOOKS, json!(987654)),
        (GLOBAL_HOOKS, json!(987654)),
        ("/repos/octo-org/site/hooks", repo_hook["id"].clone()),
        ("/repos/other-org/tool/hooks", repo_hook["id"].clone()),
        (ORG_HOOKS, repo_hook["id"].clone()),
        (GLOBAL_HOOKS, repo_hook["id"].clone()),
        ("/orgs/other-org/hooks", org_hook["id"].clone()),
        (REPO_HOOKS, org_hook["id"].clone()),
    ] {
        paths.push(format!("{hooks}/{id}"));
    }

    // Act and Assert
    for path in &paths {
        let mut answers = vec![
            app.get(path).await,
            app.send(Method::PATCH, path, json!({"active": true})).await,
            app.post(&format!("{path}/pings")).await,
            app.delete(path).await,
        ];
        if !path.starts_with(GLOBAL_HOOKS) {
            answers.push(app.get(&format!("{path}/config")).await);
            answers.push(app.get(&format!("{path}/deliveries")).await);
            answers.push(app.get(&format!("{path}/deliveries/1")).await);
            answers.push(app.post(&format!("{path}/deliveries/1/attempts")).await);
        }
        for answer in answers {
            assert_eq!(answer.status, 404, "{path}: {:?}", answer.body);
        }
    }
    assert_eq!(app.get(REPO_HOOKS).await.body, json!([repo_hook]));
    assert_eq!(app.get(ORG_HOOKS).await.body, json!([org_hook]));
}

// --- who may manage hooks ------------------------------------------------------------------

const REPO_HOOK_ADMIN: &str = "repo-hook-admin";
const ORG_HOOK_ADMIN: &str = "org-hook-admin";
const SITE_ADMIN: &str = "site-admin";
const ORG_ADMIN: &str = "org-admin";

async fn strict() -> TestApp {
    let seed = Seed::from_json(&fixture().to_string()).expect("a valid fixture");
    spawn_with(
        GhesMock::builder()
            .ghes_version("3.22")
            .seed(seed)
            .token(REPO_HOOK_ADMIN, &["admin:repo_hook"])
            .token(ORG_HOOK_ADMIN, &["admin:org_hook"])
            .token(SITE_ADMIN, &["site_admin"])
            .token(ORG_ADMIN, &["admin:org", "manage_runners:enterprise"]),
    )
    .await
}

/// A hook made with `token` in `hooks`.
async fn create_as(app: &TestApp, hooks: &str, token: &str) -> ApiResponse {
    let body = json!({"name": "web", "active": false, "config": {"url": NOWHERE}});
    let request = app
        .client
        .post(app.url(hooks))
        .header("Authorization", format!("token {token}"))
        .json(&body);
    app.send_api(Method::POST, hooks, request).await
}

#[tokio::test]
async fn each_place_of_hooks_asks_for_its_own_oauth_scope() {
    // Arrange
    let app = strict().await;
    let matrix = [
        (REPO_HOOK_ADMIN, [200, 403, 403]),
        (ORG_HOOK_ADMIN, [403, 200, 403]),
        (SITE_ADMIN, [403, 403, 200]),
        (ORG_ADMIN, [403, 403, 403]),
    ];

    for (token, expected) in matrix {
        for ((hooks, _), status) in PLACES.iter().zip(expected) {
            // Act
            let listed = app.api(Method::GET, hooks, Some(token)).await;
            let created = create_as(&app, hooks, token).await;

            // Assert
            assert_eq!(listed.status, status, "{token} {hooks}: {:?}", listed.body);
            let made = if status == 200 { 201 } else { status };
            assert_eq!(created.status, made, "{token} {hooks}: {:?}", created.body);
            if status == 403 {
                assert_eq!(
                    created.body["message"],
                    "Must have admin rights to Repository."
                );
            }
        }
    }
    for (hooks, _) in PLACES {
        assert_eq!(app.api(Method::GET, hooks, None).await.status, 401);
        assert_eq!(app.api(Method::GET, hooks, Some("nope")).await.status, 401);
    }
}

#[tokio::test]
async fn an_installation_manages_hooks_with_the_permission_only_and_never_global_hooks() {
    // Arrange: one App that may manage repository hooks, one that may not.
    let app = strict().await;
    let mut tokens = Vec::new();
    for permissions in [
        json!({"repository_hooks": "write", "organization_hooks": "write"}),
        json!({"actions": "read"}),
    ] {
        let made = app
            .control(
                Method::POST,
                "/apps",
                Some(json!({"permissions": permissions})),
            )
            .await;
        assert_eq!(made.status, 201, "{:?}", made.body);
        let app_id = made.body["id"].as_i64().unwrap();
        let installation = app
            .control(
                Method::POST,
                &format!("/apps/{app_id}/installations"),
                Some(json!({"account": "orgs/octo-org"})),
            )
            .await;
        assert_eq!(installation.status, 201, "{:?}", installation.body);
        let token = app
            .mock
            .installation_token(app_id, installation.body["id"].as_i64().unwrap())
            .await
            .expect("an installation token");
        tokens.push(token);
    }
    let (allowed, refused) = (&tokens[0], &tokens[1]);

    // Act
    let repo = create_as(&app, REPO_HOOKS, allowed).await;
    let org = create_as(&app, ORG_HOOKS, allowed).await;
    let global = create_as(&app, GLOBAL_HOOKS, allowed).await;
    let other_org = create_as(&app, "/orgs/other-org/hooks", allowed).await;
    let without = [
        create_as(&app, REPO_HOOKS, refused).await,
        app.api(Method::GET, REPO_HOOKS, Some(refused)).await,
        app.api(Method::GET, ORG_HOOKS, Some(refused)).await,
    ];

    // Assert
    assert_eq!(repo.status, 201, "{:?}", repo.body);
    assert_eq!(org.status, 201, "{:?}", org.body);
    assert_eq!(global.status, 403, "{:?}", global.body);
    assert_eq!(other_org.status, 403, "{:?}", other_org.body);
    for answer in &without {
        assert_eq!(answer.status, 403, "{:?}", answer.body);
        assert_eq!(
            answer.body["message"],
            "Resource not accessible by integration"
        );
    }
    let listed = app.api(Method::GET, REPO_HOOKS, Some(SITE_ADMIN)).await;
    assert_eq!(listed.status, 403, "site_admin is not admin:repo_hook");
    let listed = app
        .api(Method::GET, REPO_HOOKS, Some(REPO_HOOK_ADMIN))
        .await;
    assert_eq!(listed.body, json!([repo.body]));
}
