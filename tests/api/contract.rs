//! Checks JSON bodies against GitHub's own OpenAPI contract for the GHES 3.1
//! self-hosted runner endpoints.
//!
//! `tests/schema/ghes-3.1-runners.json` is derived from GitHub's description:
//! prose removed, GitHub's error schemas and a `/rate_limit` schema added, and
//! OpenAPI 3.0 `nullable: true` rewritten as JSON Schema (`"type": [T, "null"]`
//! or `anyOf [.., {"type": "null"}]`), because a JSON Schema validator ignores
//! `nullable` and would reject every `null` GitHub legitimately sends.
//!
//! The whole document is registered under [`CONTRACT_URI`]; each check compiles
//! `{"$ref": "<CONTRACT_URI>#<pointer>"}`, so `#/components/...` references
//! inside the document resolve against it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::panic::{UnwindSafe, catch_unwind};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

const CONTRACT_URI: &str = "urn:ghes-mock:contract";
const CONTRACT_FILE: &str = "tests/schema/ghes-3.1-runners.json";

static CONTRACT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../schema/ghes-3.1-runners.json"))
        .unwrap_or_else(|err| panic!("{CONTRACT_FILE} is not valid JSON: {err}"))
});

static REGISTRY: LazyLock<Registry<'static>> = LazyLock::new(|| {
    Registry::new()
        .draft(Draft::Draft4)
        .add(CONTRACT_URI, &*CONTRACT)
        .and_then(jsonschema::RegistryBuilder::prepare)
        .unwrap_or_else(|err| panic!("cannot register {CONTRACT_FILE}: {err}"))
});

/// Compiled validators keyed by the JSON pointer of their schema.
static VALIDATORS: LazyLock<Mutex<HashMap<String, Arc<Validator>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Asserts that `body` is what the contract documents for `status` of the
/// operation `method path_template`, e.g.
/// `("GET", "/orgs/{org}/actions/runners/{runner_id}", 200, &body)`.
///
/// A status documented without content (204, 304) requires `Value::Null`.
/// Panics when the operation or status is not in the contract, so a test can
/// never skip validation by asking about something undocumented.
pub fn assert_response_matches(method: &str, path_template: &str, status: u16, body: &Value) {
    let method_upper = method.to_ascii_uppercase();
    let what = format!("{method_upper} {path_template} -> {status}");

    let operation_pointer = format!(
        "/paths/{}/{}",
        escape_pointer_token(path_template),
        method.to_ascii_lowercase()
    );
    let Some(operation) = CONTRACT.pointer(&operation_pointer) else {
        let methods = CONTRACT["paths"]
            .get(path_template)
            .and_then(Value::as_object)
            .map(|item| {
                item.keys()
                    .map(|m| m.to_ascii_uppercase())
                    .collect::<Vec<_>>()
            });
        match methods {
            Some(methods) => panic!(
                "{what}: the contract has no {method_upper} on this path (it has {methods:?})"
            ),
            None => panic!(
                "{what}: the contract has no path {path_template:?}; pass the OpenAPI \
                 template (e.g. /orgs/{{org}}/actions/runners), not a concrete URL"
            ),
        }
    };

    let status_key = status.to_string();
    let Some(documented) = operation["responses"].get(&status_key) else {
        let documented: Vec<&String> = operation["responses"]
            .as_object()
            .map(|responses| responses.keys().collect())
            .unwrap_or_default();
        panic!("{what}: status {status} is not documented (documented: {documented:?})");
    };
    // A response may itself be a reference, e.g. to #/components/responses/not_modified.
    let (response, response_pointer) = match documented.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let target = reference
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{what}: response $ref {reference:?} is not local"));
            let response = CONTRACT.pointer(target).unwrap_or_else(|| {
                panic!("{what}: response $ref {reference:?} resolves to nothing")
            });
            (response, target.to_owned())
        }
        None => (
            documented,
            format!("{operation_pointer}/responses/{status_key}"),
        ),
    };

    let Some(content) = response.get("content") else {
        assert!(
            body.is_null(),
            "{what}: the contract documents no body for this status, but got:\n{}",
            pretty(body)
        );
        return;
    };
    assert!(
        content
            .get("application/json")
            .and_then(|media| media.get("schema"))
            .is_some(),
        "{what}: the contract documents no application/json schema for this status"
    );
    validate(
        &format!("{response_pointer}/content/application~1json/schema"),
        body,
        &what,
    );
}

/// Asserts that `body` matches `components/schemas/<schema_name>`, e.g.
/// `basic-error`, `validation-error`, `validation-error-simple`,
/// `organization-simple`, `repository` or `rate-limit-overview`.
pub fn assert_schema_matches(schema_name: &str, body: &Value) {
    let pointer = format!("/components/schemas/{}", escape_pointer_token(schema_name));
    if CONTRACT.pointer(&pointer).is_none() {
        let known: Vec<&String> = CONTRACT["components"]["schemas"]
            .as_object()
            .map(|schemas| schemas.keys().collect())
            .unwrap_or_default();
        panic!("schema {schema_name:?} is not in the contract (known: {known:?})");
    }
    validate(&pointer, body, &format!("schema {schema_name}"));
}

fn validate(pointer: &str, body: &Value, what: &str) {
    let validator = validator_for(pointer);
    let mut report = String::new();
    let mut count = 0;
    for error in validator.iter_errors(body) {
        count += 1;
        let at = error.instance_path().as_str();
        let at = if at.is_empty() { "(root)" } else { at };
        let _ = writeln!(report, "  at {at}: {error}");
    }
    assert!(
        count == 0,
        "{what}: body does not match the contract ({count} error(s)):\n{report}body:\n{}",
        pretty(body)
    );
}

fn validator_for(pointer: &str) -> Arc<Validator> {
    let cached = VALIDATORS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(pointer)
        .cloned();
    if let Some(validator) = cached {
        return validator;
    }
    // Compiled outside the lock: a slow first compile must not stall other
    // tests, and at worst two threads compile the same schema once each.
    let reference =
        json!({ "$ref": format!("{CONTRACT_URI}#{}", percent_encode_fragment(pointer)) });
    let validator = jsonschema::options()
        .with_draft(Draft::Draft4)
        .with_registry(&REGISTRY)
        .offline()
        // `date-time` and `uri` are part of the contract: a malformed timestamp
        // or URL is a bug in the mock even when every type is right.
        .should_validate_formats(true)
        .build(&reference)
        .unwrap_or_else(|err| panic!("cannot compile the contract schema at {pointer}: {err}"));
    Arc::clone(
        VALIDATORS
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(pointer.to_owned())
            .or_insert_with(|| Arc::new(validator)),
    )
}

/// RFC 6901 escaping of one reference token.
fn escape_pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Percent-encodes what a URI fragment may not hold literally (the `{` and `}`
/// of path templates); the resolver decodes it again before walking the pointer.
fn percent_encode_fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

fn pretty(body: &Value) -> String {
    serde_json::to_string_pretty(body).unwrap_or_else(|_| body.to_string())
}

// Self-tests: the checks above must be able to fail, or passing means nothing.

const LIST_ORG_RUNNERS: &str = "/orgs/{org}/actions/runners";

/// Runs `check`, asserts it panicked, and returns the panic message.
fn failure_of(check: impl FnOnce() + UnwindSafe) -> String {
    let payload = catch_unwind(check).expect_err("the check should have failed");
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_default()
}

fn runner_page() -> Value {
    CONTRACT["components"]["examples"]["runner-paginated"]["value"].clone()
}

#[test]
fn documented_runner_page_example_passes() {
    assert_response_matches("GET", LIST_ORG_RUNNERS, 200, &runner_page());
}

#[test]
fn every_documented_example_matches_its_operation() {
    let mut checked = 0;
    for (path, item) in CONTRACT["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            for (status, response) in operation["responses"].as_object().expect("responses") {
                let examples = response["content"]["application/json"]["examples"]
                    .as_object()
                    .into_iter()
                    .flatten();
                for (_, example) in examples {
                    let example = example
                        .get("$ref")
                        .and_then(Value::as_str)
                        .and_then(|reference| CONTRACT.pointer(reference.trim_start_matches('#')))
                        .unwrap_or(example);
                    let status: u16 = status.parse().expect("numeric status");
                    assert_response_matches(method, path, status, &example["value"]);
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 20, "only {checked} examples found");
}

#[test]
fn runner_without_busy_fails() {
    let mut page = runner_page();
    page["runners"][0]
        .as_object_mut()
        .expect("runner object")
        .remove("busy");
    let message = failure_of(|| assert_response_matches("GET", LIST_ORG_RUNNERS, 200, &page));
    assert!(message.contains("/runners/0"), "{message}");
    assert!(message.contains("busy"), "{message}");
}

#[test]
fn unknown_label_type_fails() {
    let mut page = runner_page();
    page["runners"][1]["labels"][0]["type"] = json!("weird");
    let message = failure_of(|| assert_response_matches("GET", LIST_ORG_RUNNERS, 200, &page));
    assert!(message.contains("/runners/1/labels/0/type"), "{message}");
}

#[test]
fn total_count_as_string_fails() {
    let mut page = runner_page();
    page["total_count"] = json!("2");
    let message = failure_of(|| assert_response_matches("GET", LIST_ORG_RUNNERS, 200, &page));
    assert!(message.contains("/total_count"), "{message}");
}

#[test]
fn nullable_fields_accept_null_and_nothing_else() {
    let path = "/orgs/{org}/actions/runners/registration-token";
    let mut token = json!({
        "token": "LLBF3JGZDX3P5PMEXLND6TS6FCWO6",
        "expires_at": "2020-01-22T12:13:35.123-08:00",
        "single_file": null
    });
    assert_response_matches("POST", path, 201, &token);
    token["single_file"] = json!(5);
    let message = failure_of(|| assert_response_matches("POST", path, 201, &token));
    assert!(message.contains("/single_file"), "{message}");
}

#[test]
fn formats_are_checked() {
    let path = "/orgs/{org}/actions/runners/registration-token";
    let token = json!({"token": "t", "expires_at": "next tuesday"});
    let message = failure_of(|| assert_response_matches("POST", path, 201, &token));
    assert!(message.contains("/expires_at"), "{message}");
}

#[test]
fn empty_responses_require_null() {
    let path = "/orgs/{org}/actions/runners/{runner_id}";
    assert_response_matches("DELETE", path, 204, &Value::Null);
    failure_of(|| assert_response_matches("DELETE", path, 204, &json!({})));
    // 304 is documented through a reference to components/responses.
    assert_response_matches("GET", "/meta", 304, &Value::Null);
}

#[test]
fn undocumented_operations_and_statuses_fail() {
    let message = failure_of(|| assert_response_matches("GET", "/orgs/acme", 200, &json!({})));
    assert!(message.contains("no path"), "{message}");
    failure_of(|| assert_response_matches("PATCH", LIST_ORG_RUNNERS, 200, &json!({})));
    let message = failure_of(|| assert_response_matches("GET", LIST_ORG_RUNNERS, 404, &json!({})));
    assert!(message.contains("not documented"), "{message}");
    failure_of(|| assert_schema_matches("no-such-schema", &json!({})));
}

#[test]
fn error_bodies() {
    let not_found = json!({
        "message": "Not Found",
        "documentation_url": "https://docs.github.com/enterprise-server@3.1/rest"
    });
    assert_schema_matches("basic-error", &not_found);
    failure_of(|| assert_schema_matches("basic-error", &json!({"message": 404})));

    let invalid = json!({
        "message": "Validation Failed",
        "documentation_url": "https://docs.github.com/enterprise-server@3.1/rest",
        "errors": [{"resource": "Runner", "field": "labels", "code": "invalid", "value": null}]
    });
    assert_schema_matches("validation-error", &invalid);
    failure_of(|| assert_schema_matches("validation-error", &json!({"message": "x"})));
    assert_schema_matches(
        "validation-error-simple",
        &json!({"message": "Validation Failed", "documentation_url": "d", "errors": ["bad"]}),
    );
}

#[test]
fn rate_limit_overview() {
    let limit = json!({"limit": 5000, "remaining": 4999, "reset": 1_700_000_000, "used": 1});
    let mut overview = json!({
        "resources": {"core": limit, "search": limit, "graphql": limit},
        "rate": limit
    });
    assert_schema_matches("rate-limit-overview", &overview);
    overview["resources"]["core"]
        .as_object_mut()
        .expect("core object")
        .remove("used");
    let message = failure_of(|| assert_schema_matches("rate-limit-overview", &overview));
    assert!(message.contains("/resources/core"), "{message}");
}
