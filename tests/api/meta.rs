//! What clients call before the runner endpoints: `/meta`, the organization,
//! the repository and `/rate_limit`, and the hourly budget behind the
//! `X-RateLimit-*` headers.

use ghes_mock::GhesMock;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{ApiResponse, TOKEN, TestApp, runners_path, spawn_app, spawn_with};

const ORG: &str = "orgs/octo-org";

/// `{limit, remaining, reset, used}` as the `X-RateLimit-*` headers say it.
fn rate_of_headers(response: &ApiResponse) -> Value {
    let number = |name: &str| -> i64 {
        response
            .header(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .parse()
            .unwrap_or_else(|e| panic!("{name} is not a number: {e}"))
    };
    json!({
        "limit": number("x-ratelimit-limit"),
        "remaining": number("x-ratelimit-remaining"),
        "reset": number("x-ratelimit-reset"),
        "used": number("x-ratelimit-used"),
    })
}

async fn get_as(app: &TestApp, path: &str, token: &str) -> ApiResponse {
    app.api(Method::GET, path, Some(token)).await
}

// --- /meta ---------------------------------------------------------------------

#[tokio::test]
async fn meta_reports_ghes_3_1_0_and_password_authentication() {
    let app = spawn_app().await;

    for token in [Some(TOKEN), None] {
        let meta = app.api(Method::GET, "/meta", token).await;

        assert_eq!(meta.status, 200, "{token:?}");
        assert_eq!(
            meta.body,
            json!({"verifiable_password_authentication": true, "installed_version": "3.1.0"})
        );
        assert_eq!(meta.header("x-github-enterprise-version"), Some("3.1.0"));
    }
}

#[tokio::test]
async fn meta_and_every_answer_follow_the_configured_ghes_version() {
    let app = spawn_with(GhesMock::builder().ghes_version("3.22")).await;

    let meta = app.get("/meta").await;
    let list = app.get(&runners_path(ORG)).await;
    let missing = app.get(&format!("{}/12345", runners_path(ORG))).await;

    assert_eq!(meta.body["installed_version"], "3.22.0");
    for response in [&meta, &list, &missing] {
        assert_eq!(
            response.header("x-github-enterprise-version"),
            Some("3.22.0"),
            "{}",
            response.status
        );
    }
}

// --- /orgs/{org} -----------------------------------------------------------------

#[tokio::test]
async fn an_organization_keeps_its_first_spelling_and_id_whatever_the_case_asked() {
    let app = spawn_app().await;

    let first = app.get("/orgs/Octo-Org").await;
    let again = app.get("/orgs/Octo-Org").await;
    let lower = app.get("/orgs/octo-org").await;
    let upper = app.api(Method::GET, "/orgs/OCTO-ORG", None).await;

    assert_eq!(first.status, 200, "{:?}", first.body);
    for response in [&again, &lower, &upper] {
        assert_eq!(response.status, 200);
        assert_eq!(response.body["login"], "Octo-Org");
        assert_eq!(response.body["id"], first.body["id"]);
    }
    assert_eq!(
        lower.body, first.body,
        "the same object whatever the case asked"
    );
    assert_eq!(first.body["type"], "Organization");
}

#[tokio::test]
async fn an_organization_first_seen_through_a_runner_endpoint_keeps_that_spelling() {
    let app = spawn_app().await;
    app.registration_token("orgs/My-Org").await;

    let org = app.get("/orgs/my-org").await;

    assert_eq!(org.body["login"], "My-Org");
}

#[tokio::test]
async fn different_organizations_have_different_ids() {
    let app = spawn_app().await;

    let a = app.get("/orgs/org-a").await;
    let b = app.get("/orgs/org-b").await;

    assert_eq!(b.body["login"], "org-b");
    assert!(a.body["id"].is_i64() && b.body["id"].is_i64());
    assert_ne!(a.body["id"], b.body["id"]);
}

#[tokio::test]
async fn organization_urls_are_absolute_on_the_servers_own_host() {
    let app = spawn_app().await;

    let org = app.get("/orgs/Octo-Org").await;

    let api = format!("{}/orgs/Octo-Org", app.mock.api_url());
    assert_eq!(org.body["url"], api);
    assert_eq!(org.body["repos_url"], format!("{api}/repos"));
    assert_eq!(org.body["events_url"], format!("{api}/events"));
    assert_eq!(org.body["hooks_url"], format!("{api}/hooks"));
    assert_eq!(org.body["issues_url"], format!("{api}/issues"));
    assert_eq!(org.body["members_url"], format!("{api}/members{{/member}}"));
    assert_eq!(
        org.body["public_members_url"],
        format!("{api}/public_members{{/member}}")
    );
    let uri = app.mock.uri();
    assert!(
        org.body["avatar_url"].as_str().unwrap().starts_with(&uri),
        "{}",
        org.body["avatar_url"]
    );
}

// --- /repos/{owner}/{repo} ----------------------------------------------------------

#[tokio::test]
async fn a_repository_names_itself_and_its_owner_with_absolute_urls() {
    let app = spawn_app().await;

    let repo = app.get("/repos/Octo-Org/Hello-World").await;

    assert_eq!(repo.status, 200, "{:?}", repo.body);
    let body = &repo.body;
    assert_eq!(body["name"], "Hello-World");
    assert_eq!(body["full_name"], "Octo-Org/Hello-World");
    assert_eq!(body["owner"]["login"], "Octo-Org");
    let api = format!("{}/repos/Octo-Org/Hello-World", app.mock.api_url());
    let html = format!("{}/Octo-Org/Hello-World", app.mock.uri());
    assert_eq!(body["url"], api);
    assert_eq!(body["html_url"], html);
    assert_eq!(body["clone_url"], format!("{html}.git"));
    assert_eq!(body["hooks_url"], format!("{api}/hooks"));
    assert_eq!(body["issues_url"], format!("{api}/issues{{/number}}"));
    assert_eq!(
        body["owner"]["url"],
        format!("{}/users/Octo-Org", app.mock.api_url())
    );
    assert_eq!(body["ssh_url"], "git@127.0.0.1:Octo-Org/Hello-World.git");
}

#[tokio::test]
async fn a_repository_keeps_its_id_and_first_spelling_and_its_owner_is_the_organization() {
    let app = spawn_app().await;
    let org = app.get("/orgs/Octo-Org").await;

    let first = app.get("/repos/Octo-Org/Hello-World").await;
    let lower = app.get("/repos/octo-org/hello-world").await;
    let other = app.get("/repos/octo-org/other-repo").await;

    assert_eq!(lower.body["id"], first.body["id"]);
    assert_eq!(lower.body["full_name"], "Octo-Org/Hello-World");
    assert_ne!(other.body["id"], first.body["id"]);
    assert_eq!(
        first.body["owner"]["id"], org.body["id"],
        "the owner is the organization seen before"
    );
}

#[tokio::test]
async fn a_repository_spells_its_owner_as_the_organization_was_first_seen() {
    let app = spawn_app().await;
    app.get("/orgs/octo-org").await;

    let repo = app.get("/repos/Octo-Org/Hello-World").await;

    assert_eq!(repo.body["owner"]["login"], "octo-org");
    assert_eq!(repo.body["full_name"], "octo-org/Hello-World");
    assert!(
        repo.body["url"]
            .as_str()
            .unwrap()
            .ends_with("/api/v3/repos/octo-org/Hello-World"),
        "{}",
        repo.body["url"]
    );
}

#[tokio::test]
async fn a_repository_answers_without_a_token_and_shows_permissions_only_to_a_token() {
    let app = spawn_app().await;

    let anonymous = app.api(Method::GET, "/repos/o/r", None).await;
    let authenticated = app.get("/repos/o/r").await;

    assert_eq!(anonymous.status, 200, "{:?}", anonymous.body);
    assert!(
        anonymous.body.get("permissions").is_none(),
        "{:?}",
        anonymous.body["permissions"]
    );
    assert_eq!(authenticated.body["permissions"]["admin"], true);
}

// --- /rate_limit ---------------------------------------------------------------------

#[tokio::test]
async fn rate_limit_reports_what_the_headers_of_the_last_request_said() {
    let app = spawn_app().await;
    app.get(&runners_path(ORG)).await;
    let last = app.get(&runners_path(ORG)).await;
    let headers = rate_of_headers(&last);
    assert_eq!(headers["limit"], 5000);
    assert_eq!(headers["used"], 2);
    assert_eq!(headers["remaining"], 4998);
    assert_eq!(last.header("x-ratelimit-resource"), Some("core"));

    let rate = app.get("/rate_limit").await;

    assert_eq!(rate.status, 200, "{:?}", rate.body);
    assert_eq!(rate.body["resources"]["core"], headers);
    assert_eq!(rate.body["rate"], headers);
    assert_eq!(
        rate_of_headers(&rate),
        headers,
        "its own headers say the same"
    );
    let reset = headers["reset"].as_i64().unwrap();
    let in_an_hour = chrono::Utc::now().timestamp() + 3600;
    assert!(
        (reset - in_an_hour).abs() <= 5,
        "reset {reset} is epoch seconds an hour ahead"
    );
}

#[tokio::test]
async fn asking_for_the_rate_limit_does_not_spend_it() {
    let app = spawn_app().await;
    app.get("/meta").await;

    let first = app.get("/rate_limit").await;
    let second = app.get("/rate_limit").await;
    let next = app.get("/meta").await;

    assert_eq!(first.body["resources"]["core"]["used"], 1);
    assert_eq!(second.body["resources"]["core"]["used"], 1);
    assert_eq!(second.header("x-ratelimit-used"), Some("1"));
    assert_eq!(
        next.header("x-ratelimit-used"),
        Some("2"),
        "only /meta counted"
    );
}

#[tokio::test]
async fn each_token_has_its_own_budget() {
    let app = spawn_app().await;
    for _ in 0..3 {
        get_as(&app, "/meta", "first-token").await;
    }

    let other = get_as(&app, "/rate_limit", "second-token").await;
    let first = get_as(&app, "/rate_limit", "first-token").await;

    assert_eq!(other.body["resources"]["core"]["used"], 0);
    assert_eq!(other.body["resources"]["core"]["remaining"], 5000);
    assert_eq!(first.body["resources"]["core"]["used"], 3);
}

#[tokio::test]
async fn without_an_enforced_limit_the_budget_is_reported_but_never_refuses() {
    let app = spawn_app().await;

    for _ in 0..20 {
        assert_eq!(app.get(&runners_path(ORG)).await.status, 200);
    }

    assert_eq!(
        app.get("/rate_limit").await.body["resources"]["core"]["used"],
        20
    );
}

#[tokio::test]
async fn past_an_enforced_budget_a_token_gets_403_until_the_hour_is_over() {
    // Arrange
    let app = spawn_with(GhesMock::builder().rate_limit(3)).await;
    let path = runners_path(ORG);
    for expected_remaining in ["2", "1", "0"] {
        let ok = app.get(&path).await;
        assert_eq!(ok.status, 200);
        assert_eq!(ok.header("x-ratelimit-remaining"), Some(expected_remaining));
        assert_eq!(ok.header("x-ratelimit-limit"), Some("3"));
    }

    // Act
    let refused = app.get(&path).await;

    // Assert
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    assert_eq!(
        refused.body["message"],
        "API rate limit exceeded for user ID 1."
    );
    assert_eq!(refused.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(refused.header("x-ratelimit-used"), Some("3"));
    let rate = app.get("/rate_limit").await;
    assert_eq!(rate.status, 200, "the budget can still be asked about");
    assert_eq!(rate.body["resources"]["core"]["remaining"], 0);
    let other = get_as(&app, &path, "another-token").await;
    assert_eq!(other.status, 200, "another token has its own budget");

    app.set_clock(3601).await;
    let later = app.get(&path).await;
    assert_eq!(later.status, 200, "{:?}", later.body);
    assert_eq!(later.header("x-ratelimit-used"), Some("1"));
    assert_eq!(later.header("x-ratelimit-remaining"), Some("2"));
}

#[tokio::test]
async fn exhausted_budgets_refuse_their_routes_and_register_nothing() {
    let app = spawn_with(GhesMock::builder().rate_limit(1).registration_rate_limit(1)).await;
    assert_eq!(app.get("/meta").await.status, 200);
    let path = format!("{}/registration-token", runners_path(ORG));
    assert_eq!(app.post(&path).await.status, 201, "its own budget");

    let token = app.post(&path).await;
    let org = app.get("/orgs/octo-org").await;

    assert_eq!(token.status, 403, "{:?}", token.body);
    assert_eq!(
        token.body["message"],
        "API rate limit exceeded for user ID 1."
    );
    assert_eq!(
        token.header("x-ratelimit-resource"),
        Some("actions_runner_registration")
    );
    assert_eq!(org.status, 403);
    assert_eq!(org.header("x-ratelimit-resource"), Some("core"));
    let state = app.control(Method::GET, "/state", None).await;
    assert_eq!(
        state.body["tokens"].as_array().map(Vec::len),
        Some(1),
        "the refused request created no token"
    );
}
