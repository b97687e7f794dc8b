//! GitHub Apps (SPEC §8): an App signs a JWT with its key, finds its
//! installations, trades the JWT for an installation token, and calls the
//! runner API with it within what its installation may do. Every refusal
//! is GitHub's status and GitHub's words.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use reqwest::Method;
use rsa::RsaPrivateKey;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::SigningKey;
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::helpers::{ApiResponse, TestApp, spawn_version, spawn_with};

const EXPIRED: &str = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires";
const TOO_LONG: &str = "'Expiration time' claim ('exp') is too far in the future";
const ISSUED_LATER: &str = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued";
const NOT_DECODED: &str = "A JSON web token could not be decoded";
const NOT_ACCESSIBLE: &str = "Resource not accessible by integration";

/// An App and its key, as the control API made them.
struct AppKey {
    id: i64,
    client_id: String,
    key: RsaPrivateKey,
}

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

/// Creates an App with these permissions through the control API.
async fn create_app(app: &TestApp, permissions: Value) -> AppKey {
    let created = app
        .control(
            Method::POST,
            "/apps",
            Some(json!({"name": format!("app-{}", rand_suffix()), "permissions": permissions})),
        )
        .await;
    assert_eq!(created.status, 201, "{:?}", created.body);
    let pem = created.body["private_key_pem"]
        .as_str()
        .expect("a private key");
    AppKey {
        id: created.body["id"].as_i64().unwrap(),
        client_id: created.body["client_id"].as_str().unwrap().to_owned(),
        key: RsaPrivateKey::from_pkcs1_pem(pem).expect("PKCS#1 PEM"),
    }
}

fn rand_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_owned()
}

/// Installs an App; returns the installation's id.
async fn install(app: &TestApp, app_id: i64, body: Value) -> i64 {
    let installed = app
        .control(
            Method::POST,
            &format!("/apps/{app_id}/installations"),
            Some(body),
        )
        .await;
    assert_eq!(installed.status, 201, "{:?}", installed.body);
    installed.body["id"].as_i64().unwrap()
}

/// A JWT with these claims, signed RS256 with `key`.
fn jwt(key: &RsaPrivateKey, claims: &Value) -> String {
    signed(key, &json!({"alg": "RS256", "typ": "JWT"}), claims)
}

fn signed(key: &RsaPrivateKey, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = SigningKey::<Sha256>::new(key.clone()).sign(input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.to_bytes()))
}

/// Now on the wall clock, in seconds.
fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A JWT as App clients sign one: issued a minute ago, for nine minutes.
fn app_jwt(test_app: &AppKey) -> String {
    jwt(
        &test_app.key,
        &json!({"iat": now() - 60, "exp": now() + 540, "iss": test_app.id}),
    )
}

async fn with(
    app: &TestApp,
    method: Method,
    path: &str,
    bearer: &str,
    body: Option<Value>,
) -> ApiResponse {
    let mut request = app
        .client
        .request(method.clone(), app.url(path))
        .header("Authorization", format!("Bearer {bearer}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    app.send_api(method, path, request).await
}

/// An installation token, as the App trades its JWT for one.
async fn token(app: &TestApp, test_app: &AppKey, installation: i64, body: Value) -> ApiResponse {
    with(
        app,
        Method::POST,
        &format!("/app/installations/{installation}/access_tokens"),
        &app_jwt(test_app),
        Some(body),
    )
    .await
}

async fn token_string(app: &TestApp, test_app: &AppKey, installation: i64) -> String {
    let issued = token(app, test_app, installation, json!({})).await;
    assert_eq!(issued.status, 201, "{:?}", issued.body);
    issued.body["token"].as_str().unwrap().to_owned()
}

fn runner_writer() -> Value {
    json!({"organization_self_hosted_runners": "write", "administration": "write", "metadata": "read"})
}

#[tokio::test]
async fn an_app_signs_in_with_its_jwt_and_finds_its_installations() {
    let app = app().await;
    let scaler = create_app(&app, runner_writer()).await;
    let org = install(&app, scaler.id, json!({"account": "orgs/octo-org"})).await;
    let user = install(
        &app,
        scaler.id,
        json!({"account": "users/alice", "repositories": ["alice/dots"]}),
    )
    .await;
    let jwt = app_jwt(&scaler);

    let me = with(&app, Method::GET, "/app", &jwt, None).await;
    let all = with(&app, Method::GET, "/app/installations", &jwt, None).await;
    let one = with(
        &app,
        Method::GET,
        &format!("/app/installations/{org}"),
        &jwt,
        None,
    )
    .await;
    let of_org = with(&app, Method::GET, "/orgs/Octo-Org/installation", &jwt, None).await;
    let of_repo = with(
        &app,
        Method::GET,
        "/repos/octo-org/app/installation",
        &jwt,
        None,
    )
    .await;
    let org_as_user = with(
        &app,
        Method::GET,
        "/users/octo-org/installation",
        &jwt,
        None,
    )
    .await;
    let of_user = with(&app, Method::GET, "/users/alice/installation", &jwt, None).await;
    let not_selected = with(
        &app,
        Method::GET,
        "/repos/alice/other/installation",
        &jwt,
        None,
    )
    .await;
    let nowhere = with(
        &app,
        Method::GET,
        "/orgs/other-org/installation",
        &jwt,
        None,
    )
    .await;

    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_eq!(me.body["id"], scaler.id);
    assert_eq!(me.body["client_id"], scaler.client_id);
    assert_eq!(me.body["installations_count"], 2);
    assert_eq!(me.body["permissions"], runner_writer());
    assert_eq!(all.body.as_array().unwrap().len(), 2);
    assert_eq!(one.body["id"], org);
    assert_eq!(one.body["app_id"], scaler.id);
    assert_eq!(one.body["account"]["login"], "octo-org");
    assert_eq!(one.body["account"]["type"], "Organization");
    assert_eq!(one.body["target_type"], "Organization");
    assert_eq!(one.body["repository_selection"], "all");
    assert_eq!(
        one.body["access_tokens_url"],
        format!(
            "{}/app/installations/{org}/access_tokens",
            app.mock.api_url()
        )
    );
    assert_eq!(of_org.body, one.body);
    assert_eq!(of_repo.body["id"], org);
    assert_eq!(
        org_as_user.body["id"], org,
        "GitHub answers it for organizations too"
    );
    assert_eq!(of_user.body["id"], user);
    assert_eq!(of_user.body["account"]["type"], "User");
    assert_eq!(of_user.body["repository_selection"], "selected");
    assert_eq!(not_selected.status, 404);
    assert_eq!(nowhere.status, 404);
}

#[tokio::test]
async fn the_issuer_may_be_the_apps_id_as_a_string_or_its_client_id() {
    let app = app().await;
    let scaler = create_app(&app, runner_writer()).await;

    for iss in [json!(scaler.id.to_string()), json!(scaler.client_id)] {
        let jwt = jwt(
            &scaler.key,
            &json!({"iat": now() - 30, "exp": now() + 600, "iss": iss}),
        );
        let me = with(&app, Method::GET, "/app", &jwt, None).await;
        assert_eq!(me.status, 200, "{iss}: {:?}", me.body);
    }
}

#[tokio::test]
async fn jwts_github_refuses_get_githubs_status_and_words() {
    let app = app().await;
    let scaler = create_app(&app, runner_writer()).await;
    let other = RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).unwrap();
    let claims = |iat: i64, exp: i64| json!({"iat": iat, "exp": exp, "iss": scaler.id});
    let t = now();
    let hs256 = {
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims(t - 60, t + 540).to_string())
        );
        format!("{input}.{}", URL_SAFE_NO_PAD.encode("not a hmac"))
    };
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
        URL_SAFE_NO_PAD.encode(claims(t - 60, t + 540).to_string())
    );

    let cases: Vec<(&str, String, u16, &str)> = vec![
        (
            "expired",
            jwt(&scaler.key, &claims(t - 700, t - 100)),
            401,
            EXPIRED,
        ),
        (
            "too long",
            jwt(&scaler.key, &claims(t - 10, t + 660)),
            401,
            TOO_LONG,
        ),
        (
            "issued later",
            jwt(&scaler.key, &claims(t + 120, t + 300)),
            401,
            ISSUED_LATER,
        ),
        (
            "another key",
            jwt(&other, &claims(t - 60, t + 540)),
            401,
            NOT_DECODED,
        ),
        ("HS256", hs256, 401, NOT_DECODED),
        ("alg none", none, 401, NOT_DECODED),
        (
            "an unknown App",
            jwt(
                &scaler.key,
                &json!({"iat": t - 60, "exp": t + 540, "iss": 987_654}),
            ),
            404,
            "Integration not found",
        ),
        (
            "an unknown client id",
            jwt(
                &scaler.key,
                &json!({"iat": t - 60, "exp": t + 540, "iss": "Iv1.nobody"}),
            ),
            401,
            "'Issuer' claim ('iss') must be an Integer",
        ),
    ];
    for (what, jwt, status, message) in cases {
        let answer = with(&app, Method::GET, "/app", &jwt, None).await;
        assert_eq!(answer.status, status, "{what}: {:?}", answer.body);
        assert_eq!(answer.body["message"], message, "{what}");
    }
}

#[tokio::test]
async fn times_are_checked_on_the_mock_clock_whose_date_header_lets_clients_correct() {
    let app = app().await;
    let scaler = create_app(&app, runner_writer()).await;
    app.set_clock(3600).await;

    let stale = with(&app, Method::GET, "/app", &app_jwt(&scaler), None).await;
    let date = stale.header("date").expect("a Date header").to_owned();
    let server_now = httpdate::parse_http_date(&date)
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let corrected = jwt(
        &scaler.key,
        &json!({"iat": server_now - 60, "exp": server_now + 540, "iss": scaler.id}),
    );
    let fresh = with(&app, Method::GET, "/app", &corrected, None).await;

    assert_eq!(stale.status, 401);
    assert_eq!(stale.body["message"], EXPIRED);
    assert!(
        (server_now - now() - 3600).abs() <= 2,
        "the Date is the mock clock's: {date}"
    );
    assert_eq!(fresh.status, 200, "{:?}", fresh.body);
}

#[tokio::test]
async fn an_installation_token_lives_an_hour_and_is_narrowed_as_asked() {
    let app = app().await;
    let scaler = create_app(&app, runner_writer()).await;
    let installation = install(&app, scaler.id, json!({"account": "orgs/octo-org"})).await;
    let site_id = app.get("/repos/octo-org/site").await.body["id"].clone();

    let full = token(&app, &scaler, installation, json!({"permissions": {}})).await;
    let narrow = token(
        &app,
        &scaler,
        installation,
        json!({"repositories": ["app"], "repository_ids": [site_id],
               "permissions": {"administration": "read"}}),
    )
    .await;
    let wider = token(
        &app,
        &scaler,
        installation,
        json!({"permissions": {"contents": "read"}}),
    )
    .await;
    let higher = token(
        &app,
        &scaler,
        installation,
        json!({"permissions": {"metadata": "write"}}),
    )
    .await;
    let elsewhere = token(
        &app,
        &scaler,
        installation,
        json!({"repositories": ["tool"]}),
    )
    .await;
    let unknown = token(&app, &scaler, 987_654, json!({})).await;

    assert_eq!(full.status, 201, "{:?}", full.body);
    let issued = full.body["token"].as_str().unwrap();
    assert!(issued.starts_with("ghs_") && issued.len() == 40, "{issued}");
    assert!(issued[4..].chars().all(|c| c.is_ascii_alphanumeric()));
    let expires = chrono::DateTime::parse_from_rfc3339(full.body["expires_at"].as_str().unwrap())
        .unwrap()
        .timestamp();
    assert!((expires - now() - 3600).abs() <= 2, "one hour");
    assert_eq!(full.body["permissions"], runner_writer());
    assert_eq!(full.body["repository_selection"], "all");
    assert!(full.body.get("repositories").is_none());
    assert_eq!(narrow.status, 201, "{:?}", narrow.body);
    assert_eq!(
        narrow.body["permissions"],
        json!({"administration": "read"})
    );
    assert_eq!(narrow.body["repository_selection"], "selected");
    let names: Vec<&str> = narrow.body["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["full_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["octo-org/app", "octo-org/site"]);
    for (what, refused) in [
        ("a permission it lacks", &wider),
        ("a higher level", &higher),
        ("another account's repository", &elsewhere),
    ] {
        assert_eq!(refused.status, 422, "{what}: {:?}", refused.body);
        assert_eq!(refused.body["message"], "Validation Failed");
    }
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn an_installation_token_reaches_only_what_its_installation_may() {
    let app = app().await;
    let reader = create_app(
        &app,
        json!({"organization_self_hosted_runners": "read", "administration": "write"}),
    )
    .await;
    let org = install(
        &app,
        reader.id,
        json!({"account": "orgs/octo-org", "repositories": ["octo-org/app"]}),
    )
    .await;
    let token = token_string(&app, &reader, org).await;
    let call = |method: Method, path: &str| {
        let token = token.clone();
        let app = &app;
        let path = path.to_owned();
        async move {
            let request = app
                .client
                .request(method.clone(), app.url(&path))
                .header("Authorization", format!("token {token}"));
            app.send_api(method, &path, request).await
        }
    };

    let list = call(Method::GET, "/orgs/octo-org/actions/runners").await;
    let write = call(
        Method::POST,
        "/orgs/octo-org/actions/runners/registration-token",
    )
    .await;
    let groups = call(Method::GET, "/orgs/octo-org/actions/runner-groups").await;
    let other_org = call(Method::GET, "/orgs/other-org/actions/runners").await;
    let enterprise = call(Method::GET, "/enterprises/octo-enterprise/actions/runners").await;
    let repo = call(
        Method::POST,
        "/repos/octo-org/app/actions/runners/registration-token",
    )
    .await;
    let unselected = call(Method::GET, "/repos/octo-org/site/actions/runners").await;
    let foreign_repo = call(Method::GET, "/repos/other-org/tool/actions/runners").await;

    assert_eq!(list.status, 200, "read is enough to list: {:?}", list.body);
    assert_eq!(groups.status, 200, "{:?}", groups.body);
    assert_eq!(repo.status, 201, "administration write: {:?}", repo.body);
    for (what, refused) in [
        ("a write with read", &write),
        ("another organization", &other_org),
        ("an enterprise", &enterprise),
    ] {
        assert_eq!(refused.status, 403, "{what}: {:?}", refused.body);
        assert_eq!(refused.body["message"], NOT_ACCESSIBLE, "{what}");
    }
    assert_eq!(unselected.status, 404, "a repository outside the selection");
    assert_eq!(foreign_repo.status, 404);
}

#[tokio::test]
async fn an_installation_token_stops_at_its_hour_its_revocation_or_its_uninstall() {
    let app = app().await;
    let scaler = create_app(&app, runner_writer()).await;
    let installation = install(&app, scaler.id, json!({"account": "orgs/octo-org"})).await;
    let path = "/orgs/octo-org/actions/runners";
    let with_token = |token: String| {
        let app = &app;
        async move {
            let request = app
                .client
                .get(app.url(path))
                .header("Authorization", format!("token {token}"));
            app.send_api(Method::GET, path, request).await
        }
    };
    let expiring = token_string(&app, &scaler, installation).await;
    let revoked = token_string(&app, &scaler, installation).await;
    let uninstalled = token_string(&app, &scaler, installation).await;

    let revoke = with(&app, Method::DELETE, "/installation/token", &revoked, None).await;
    let after_revoke = with_token(revoked.clone()).await;
    app.set_clock(3601).await;
    let after_hour = with_token(expiring).await;
    app.set_clock(0).await;
    let jwt = app_jwt(&scaler);
    let uninstall = with(
        &app,
        Method::DELETE,
        &format!("/app/installations/{installation}"),
        &jwt,
        None,
    )
    .await;
    let after_uninstall = with_token(uninstalled).await;
    let unknown = with_token(format!("ghs_{}", "A".repeat(36))).await;

    assert_eq!(revoke.status, 204);
    for (what, refused) in [
        ("revoked", &after_revoke),
        ("past its hour", &after_hour),
        ("uninstalled", &after_uninstall),
        ("unknown, in open mode too", &unknown),
    ] {
        assert_eq!(refused.status, 401, "{what}: {:?}", refused.body);
        assert_eq!(refused.body["message"], "Bad credentials", "{what}");
    }
    assert_eq!(uninstall.status, 204);
}

#[tokio::test]
async fn an_installation_lists_its_repositories_with_its_token_only() {
    let app = app().await;
    let scaler = create_app(&app, runner_writer()).await;
    let all = install(&app, scaler.id, json!({"account": "orgs/octo-org"})).await;
    let token = token_string(&app, &scaler, all).await;

    let first = with(
        &app,
        Method::GET,
        "/installation/repositories?per_page=1",
        &token,
        None,
    )
    .await;
    let with_jwt = with(
        &app,
        Method::GET,
        "/installation/repositories",
        &app_jwt(&scaler),
        None,
    )
    .await;
    let with_pat = app.get("/installation/repositories").await;

    assert_eq!(first.status, 200, "{:?}", first.body);
    assert_eq!(first.body["total_count"], 2);
    assert_eq!(first.body["repository_selection"], "all");
    assert_eq!(first.body["repositories"][0]["full_name"], "octo-org/app");
    assert!(first.header("link").unwrap().contains("rel=\"next\""));
    assert_eq!(with_jwt.status, 403, "{:?}", with_jwt.body);
    assert_eq!(with_pat.status, 403, "{:?}", with_pat.body);
}

#[tokio::test]
async fn a_jwt_opens_only_the_app_endpoints_and_a_token_not_them() {
    let app = app().await;
    let scaler = create_app(&app, runner_writer()).await;
    let installation = install(&app, scaler.id, json!({"account": "orgs/octo-org"})).await;
    let token = token_string(&app, &scaler, installation).await;

    let jwt_on_runners = with(
        &app,
        Method::GET,
        "/orgs/octo-org/actions/runners",
        &app_jwt(&scaler),
        None,
    )
    .await;
    let token_on_app = with(&app, Method::GET, "/app", &token, None).await;
    let pat_on_app = app.get("/app").await;
    let nobody = app.api(Method::GET, "/app", None).await;

    assert_eq!(jwt_on_runners.status, 401);
    assert_eq!(jwt_on_runners.body["message"], "Bad credentials");
    assert_eq!(token_on_app.status, 401);
    assert_eq!(token_on_app.body["message"], NOT_DECODED);
    assert_eq!(pat_on_app.status, 401);
    assert_eq!(nobody.status, 401);
    assert_eq!(nobody.body["message"], "Requires authentication");
}

#[tokio::test]
async fn an_installation_has_a_rate_limit_budget_of_its_own() {
    let seed = ghes_mock::Seed::from_json(&fixture().to_string()).unwrap();
    let app = spawn_with(
        ghes_mock::GhesMock::builder()
            .ghes_version("3.22")
            .seed(seed)
            .rate_limit(3),
    )
    .await;
    let scaler = create_app(&app, runner_writer()).await;
    let installation = install(&app, scaler.id, json!({"account": "orgs/octo-org"})).await;
    let first = token_string(&app, &scaler, installation).await;
    let second = token_string(&app, &scaler, installation).await;
    let list = |token: String| with_owned(&app, token);

    let a = list(first.clone()).await;
    let b = list(second.clone()).await;
    let c = list(first).await;
    let d = list(second).await;
    let pat = app.get("/orgs/octo-org/actions/runners").await;

    assert_eq!((a.status, b.status, c.status), (200, 200, 200));
    assert_eq!(
        c.header("x-ratelimit-used"),
        Some("3"),
        "both tokens draw on it"
    );
    assert_eq!(d.status, 403);
    assert_eq!(pat.status, 200, "a personal token's budget is its own");
}

async fn with_owned(app: &TestApp, token: String) -> ApiResponse {
    let path = "/orgs/octo-org/actions/runners";
    let request = app
        .client
        .get(app.url(path))
        .header("Authorization", format!("token {token}"));
    app.send_api(Method::GET, path, request).await
}

#[tokio::test]
async fn bad_app_and_installation_bodies_are_refused_and_make_nothing() {
    let app = app().await;
    let scaler = create_app(&app, runner_writer()).await;

    let bad_level = app
        .control(
            Method::POST,
            "/apps",
            Some(json!({"permissions": {"administration": "all"}})),
        )
        .await;
    let bad_key = app
        .control(
            Method::POST,
            "/apps",
            Some(json!({"public_key_pem": "not a key"})),
        )
        .await;
    let bad_hook = app
        .control(
            Method::POST,
            "/apps",
            Some(json!({"webhook": {"url": "ftp://x"}})),
        )
        .await;
    let taken = app
        .control(Method::POST, "/apps", Some(json!({"name": "Taken"})))
        .await;
    let taken_again = app
        .control(Method::POST, "/apps", Some(json!({"name": "taken"})))
        .await;
    let bad_account = app
        .control(
            Method::POST,
            &format!("/apps/{}/installations", scaler.id),
            Some(json!({"account": "teams/x"})),
        )
        .await;
    let foreign_repo = app
        .control(
            Method::POST,
            &format!("/apps/{}/installations", scaler.id),
            Some(json!({"account": "orgs/octo-org", "repositories": ["other-org/tool"]})),
        )
        .await;
    let unknown_app = app
        .control(
            Method::POST,
            "/apps/987654/installations",
            Some(json!({"account": "orgs/o"})),
        )
        .await;
    install(&app, scaler.id, json!({"account": "orgs/octo-org"})).await;
    let twice = app
        .control(
            Method::POST,
            &format!("/apps/{}/installations", scaler.id),
            Some(json!({"account": "orgs/Octo-Org"})),
        )
        .await;

    for (what, refused) in [
        ("a level", &bad_level),
        ("a key", &bad_key),
        ("a hook URL", &bad_hook),
        ("a taken name", &taken_again),
        ("an account", &bad_account),
        ("another account's repository", &foreign_repo),
        ("a second installation", &twice),
    ] {
        assert_eq!(refused.status, 422, "{what}: {:?}", refused.body);
    }
    assert_eq!(taken.status, 201);
    assert_eq!(unknown_app.status, 404);
    let listed = app.control(Method::GET, "/apps", None).await;
    assert_eq!(listed.body["apps"].as_array().unwrap().len(), 2);
    assert_eq!(listed.body["installations"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_fixtures_apps_come_back_with_the_same_key_after_a_reset() {
    let mut seed = fixture();
    seed["apps"] = json!([{
        "name": "Fixture App",
        "permissions": {"organization_self_hosted_runners": "write"},
        "installations": [{"account": "orgs/octo-org"}]
    }]);
    let app = spawn_version("3.22", seed).await;
    let listed = app.control(Method::GET, "/apps", None).await;
    let pem = listed.body["apps"][0]["private_key_pem"]
        .as_str()
        .unwrap()
        .to_owned();
    let fixture_app = AppKey {
        id: listed.body["apps"][0]["id"].as_i64().unwrap(),
        client_id: listed.body["apps"][0]["client_id"]
            .as_str()
            .unwrap()
            .to_owned(),
        key: RsaPrivateKey::from_pkcs1_pem(&pem).unwrap(),
    };
    let installation = listed.body["installations"][0]["id"].as_i64().unwrap();
    let before = token(&app, &fixture_app, installation, json!({})).await;
    create_app(&app, json!({})).await;

    app.mock.reset().await;
    let after = token(&app, &fixture_app, installation, json!({})).await;
    let relisted = app.control(Method::GET, "/apps", None).await;
    let old_token = with_owned(&app, before.body["token"].as_str().unwrap().to_owned()).await;

    assert_eq!(before.status, 201);
    assert_eq!(after.status, 201, "{:?}", after.body);
    assert_eq!(
        relisted.body["apps"].as_array().unwrap().len(),
        1,
        "the runtime App is gone"
    );
    assert_eq!(relisted.body["apps"][0]["client_id"], fixture_app.client_id);
    assert_eq!(old_token.status, 401, "tokens do not outlive a reset");
}

#[tokio::test]
async fn apps_installations_and_tokens_outlive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db.sqlite3");
    let start = || async {
        spawn_with(
            ghes_mock::GhesMock::builder()
                .database(&db)
                .ghes_version("3.22"),
        )
        .await
    };
    let app = start().await;
    let scaler = create_app(&app, runner_writer()).await;
    let installation = install(&app, scaler.id, json!({"account": "orgs/octo-org"})).await;
    let token = token_string(&app, &scaler, installation).await;
    app.mock.shutdown().await;

    let app = start().await;
    let me = with(&app, Method::GET, "/app", &app_jwt(&scaler), None).await;
    let list = with_owned(&app, token).await;

    assert_eq!(me.status, 200, "{:?}", me.body);
    assert_eq!(me.body["installations_count"], 1);
    assert_eq!(list.status, 200, "{:?}", list.body);
}

#[tokio::test]
async fn the_library_makes_apps_jwts_and_installation_tokens() {
    let app = app().await;
    let mock = &app.mock;
    let created = mock
        .create_app(
            ghes_mock::NewApp::new().permission("organization_self_hosted_runners", "write"),
        )
        .await
        .unwrap();
    let installation = mock
        .install_app(created.id, ghes_mock::NewInstallation::new("orgs/octo-org"))
        .await
        .unwrap();

    let jwt = mock.app_jwt(created.id).unwrap();
    let token = mock
        .installation_token(created.id, installation.id)
        .await
        .unwrap();

    let me = with(&app, Method::GET, "/app", &jwt, None).await;
    let list = with_owned(&app, token).await;
    assert_eq!(me.body["id"], created.id);
    assert_eq!(list.status, 200);
}

#[tokio::test]
async fn installations_show_their_client_id_from_3_14() {
    for (version, shown) in [("3.13", false), ("3.14", true)] {
        let app = spawn_version(version, fixture()).await;
        let scaler = create_app(&app, runner_writer()).await;
        let installation = install(&app, scaler.id, json!({"account": "orgs/octo-org"})).await;

        let got = with(
            &app,
            Method::GET,
            &format!("/app/installations/{installation}"),
            &app_jwt(&scaler),
            None,
        )
        .await;

        assert_eq!(
            got.body.get("client_id").is_some(),
            shown,
            "{version}: {:?}",
            got.body
        );
    }
}

#[tokio::test]
async fn the_request_log_says_which_app_or_installation_called() {
    let app = app().await;
    let scaler = create_app(&app, runner_writer()).await;
    let installation = install(&app, scaler.id, json!({"account": "orgs/octo-org"})).await;
    let token = token_string(&app, &scaler, installation).await;
    with_owned(&app, token).await;

    let log = app
        .control(Method::GET, "/requests?path_prefix=/api/v3/", None)
        .await;

    let actors: Vec<(&str, &str)> = log.body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["path"].as_str().unwrap(), r["actor"].as_str().unwrap()))
        .collect();
    assert_eq!(
        actors,
        [
            (
                format!("/api/v3/app/installations/{installation}/access_tokens").as_str(),
                format!("app:{}", scaler.id).as_str()
            ),
            (
                "/api/v3/orgs/octo-org/actions/runners",
                format!("installation:{installation}").as_str()
            ),
        ]
    );
}

#[tokio::test]
async fn an_installation_sees_only_its_repositories_and_a_jwt_no_account() {
    let app = app().await;
    let scaler = create_app(&app, json!({"metadata": "read"})).await;
    let installation = install(
        &app,
        scaler.id,
        json!({"account": "orgs/octo-org", "repositories": ["octo-org/app"]}),
    )
    .await;
    let token = token_string(&app, &scaler, installation).await;
    let jwt = app_jwt(&scaler);

    let selected = with(&app, Method::GET, "/repos/octo-org/app", &token, None).await;
    let unselected = with(&app, Method::GET, "/repos/octo-org/site", &token, None).await;
    let jwt_repo = with(&app, Method::GET, "/repos/octo-org/app", &jwt, None).await;
    let jwt_org = with(&app, Method::GET, "/orgs/octo-org", &jwt, None).await;

    assert_eq!(selected.status, 200, "{:?}", selected.body);
    assert_eq!(selected.body["full_name"], "octo-org/app");
    assert_eq!(unselected.status, 404, "{:?}", unselected.body);
    for refused in [&jwt_repo, &jwt_org] {
        assert_eq!(refused.status, 401);
        assert_eq!(refused.body["message"], "Bad credentials");
    }
}
