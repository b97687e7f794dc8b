//! Runner labels (GHES 3.4+): in every scope, list, add, set, remove one and
//! remove every custom label; the read-only labels stay, and every answer
//! is `{total_count, labels}` with all of them.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ApiResponse, SCOPES, TOKEN, TestApp, spawn_version};

async fn app() -> TestApp {
    spawn_version("3.22", json!({})).await
}

fn names(response: &ApiResponse) -> Vec<(&str, &str)> {
    response.body["labels"]
        .as_array()
        .unwrap_or_else(|| panic!("labels: {:?}", response.body))
        .iter()
        .map(|l| (l["name"].as_str().unwrap(), l["type"].as_str().unwrap()))
        .collect()
}

const READ_ONLY: [(&str, &str); 3] = [
    ("self-hosted", "read-only"),
    ("X64", "read-only"),
    ("Linux", "read-only"),
];

fn with_custom<'a>(custom: &[&'a str]) -> Vec<(&'a str, &'a str)> {
    READ_ONLY
        .iter()
        .copied()
        .chain(custom.iter().map(|name| (*name, "custom")))
        .collect()
}

#[tokio::test]
async fn custom_labels_are_added_set_and_removed_in_every_scope() {
    let app = app().await;
    for scope in SCOPES {
        let runner = app
            .register_runner(scope, "r", json!({"labels": ["gpu"]}))
            .await;
        let path = format!("/{scope}/actions/runners/{}/labels", runner["id"]);

        let listed = app.get(&path).await;
        let added = app
            .send(
                Method::POST,
                &path,
                json!({"labels": ["Big", "gpu", "ssd"]}),
            )
            .await;
        let removed = app.delete(&format!("{path}/BIG")).await;
        let set = app
            .send(Method::PUT, &path, json!({"labels": ["only"]}))
            .await;
        let cleared = app.delete(&path).await;

        assert_eq!(listed.status, 200, "{scope}");
        assert_eq!(names(&listed), with_custom(&["gpu"]), "{scope}");
        assert_eq!(listed.body["total_count"], 4);
        assert_eq!(added.status, 200, "{scope}: {:?}", added.body);
        assert_eq!(
            names(&added),
            with_custom(&["gpu", "Big", "ssd"]),
            "{scope}"
        );
        assert_eq!(added.body["total_count"], 6);
        assert_eq!(names(&removed), with_custom(&["gpu", "ssd"]), "{scope}");
        assert_eq!(names(&set), with_custom(&["only"]), "{scope}");
        assert_eq!(names(&cleared), with_custom(&[]), "{scope}");
        assert_eq!(cleared.body["total_count"], 3);
        let runner = app
            .get(&format!("/{scope}/actions/runners/{}", runner["id"]))
            .await;
        assert_eq!(runner.body["labels"], cleared.body["labels"], "{scope}");
    }
}

#[tokio::test]
async fn a_label_name_keeps_one_id_and_its_first_spelling_everywhere() {
    let app = app().await;
    let a = app
        .register_runner("orgs/o", "a", json!({"labels": ["Gpu"]}))
        .await;
    let b = app.register_runner("orgs/o", "b", json!({})).await;

    let added = app
        .send(
            Method::POST,
            &format!("/orgs/o/actions/runners/{}/labels", b["id"]),
            json!({"labels": ["GPU"]}),
        )
        .await;

    let on_a = &a["labels"][3];
    let on_b = &added.body["labels"][3];
    assert_eq!(on_a["id"], on_b["id"]);
    assert_eq!(on_b["name"], "Gpu");
}

#[tokio::test]
async fn read_only_labels_cannot_be_removed_or_taken_as_custom() {
    let app = app().await;
    let runner = app.register_runner("orgs/o", "r", json!({})).await;
    let path = format!("/orgs/o/actions/runners/{}/labels", runner["id"]);

    let remove_read_only = app.delete(&format!("{path}/self-hosted")).await;
    let other_os = app
        .send(Method::POST, &path, json!({"labels": ["windows"]}))
        .await;
    let own_os = app
        .send(Method::POST, &path, json!({"labels": ["linux"]}))
        .await;

    assert_eq!(remove_read_only.status, 422, "{:?}", remove_read_only.body);
    assert_eq!(remove_read_only.body["message"], "Validation Failed");
    assert!(
        remove_read_only.body["errors"][0]
            .as_str()
            .is_some_and(|e| e.contains("read-only")),
        "GitHub's simple errors are strings: {:?}",
        remove_read_only.body
    );
    assert_eq!(other_os.status, 422, "{:?}", other_os.body);
    assert_eq!(own_os.status, 200, "a label it has already is no change");
    assert_eq!(names(&own_os), with_custom(&[]));
}

#[tokio::test]
async fn bad_label_requests_get_githubs_answers_and_change_nothing() {
    let app = app().await;
    let runner = app
        .register_runner("orgs/o", "r", json!({"labels": ["gpu"]}))
        .await;
    let path = format!("/orgs/o/actions/runners/{}/labels", runner["id"]);
    let hundred_and_one: Vec<String> = (0..101).map(|i| format!("l{i}")).collect();
    let hundred: Vec<String> = (0..100).map(|i| format!("l{i}")).collect();

    let none = app.send(Method::POST, &path, json!({"labels": []})).await;
    let too_many = app
        .send(Method::PUT, &path, json!({"labels": hundred_and_one}))
        .await;
    let missing = app.send(Method::POST, &path, json!({})).await;
    let not_strings = app
        .send(Method::POST, &path, json!({"labels": [1, 2]}))
        .await;
    let comma = app
        .send(Method::POST, &path, json!({"labels": ["a,b"]}))
        .await;
    let not_json = app
        .send_api(
            Method::POST,
            &path,
            app.client
                .post(app.url(&path))
                .header("Authorization", format!("token {TOKEN}"))
                .body("{labels"),
        )
        .await;
    let absent = app.delete(&format!("{path}/never")).await;
    let unknown_runner = app.get("/orgs/o/actions/runners/987654/labels").await;
    let other_scope = app
        .get(&format!(
            "/orgs/other/actions/runners/{}/labels",
            runner["id"]
        ))
        .await;

    for (what, response) in [
        ("no labels", &none),
        ("101 labels", &too_many),
        ("no labels field", &missing),
        ("numbers", &not_strings),
        ("a comma", &comma),
    ] {
        assert_eq!(response.status, 422, "{what}: {:?}", response.body);
        assert!(
            response.body["errors"]
                .as_array()
                .is_some_and(|e| e.iter().all(Value::is_string)),
            "{what}: {:?}",
            response.body
        );
    }
    assert_eq!(not_json.status, 400);
    assert_eq!(not_json.body["message"], "Problems parsing JSON");
    assert_eq!(absent.status, 404);
    assert_eq!(unknown_runner.status, 404);
    assert_eq!(other_scope.status, 404);
    assert_eq!(names(&app.get(&path).await), with_custom(&["gpu"]));
    let set = app
        .send(Method::PUT, &path, json!({"labels": hundred}))
        .await;
    assert_eq!(set.status, 200, "100 labels are in bounds");
    assert_eq!(set.body["total_count"], 103);
}

#[tokio::test]
async fn label_operations_arrive_in_3_4() {
    for (version, expected) in [("3.3", 404), ("3.4", 200)] {
        let app = spawn_version(version, json!({})).await;
        let runner = app.register_runner("orgs/o", "r", json!({})).await;
        let path = format!("/orgs/o/actions/runners/{}/labels", runner["id"]);

        let listed = app.get(&path).await;
        let added = app
            .send(Method::POST, &path, json!({"labels": ["x"]}))
            .await;
        let removed = app.delete(&format!("{path}/x")).await;

        assert_eq!(listed.status, expected, "{version}");
        assert_eq!(added.status, expected, "{version}");
        assert_eq!(removed.status, expected, "{version}");
        if expected == 404 {
            let unknown = app.get("/orgs/o/actions/no-such-route").await;
            assert_eq!(listed.body, unknown.body, "{version}: as an unknown route");
        }
    }
}
