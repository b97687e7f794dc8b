//! Checks JSON bodies against GitHub's own OpenAPI contract for the runner
//! endpoints, as the GHES version a server presents has them.
//!
//! `tests/schema/ghes-3.1-runners.json` and `ghes-3.22-runners.json` are
//! derived from GitHub's descriptions by `tests/schema/derive.py`: prose
//! removed, GitHub's error schemas and a `/rate_limit` schema added, and
//! OpenAPI 3.0 `nullable: true` rewritten as JSON Schema (`"type": [T,
//! "null"]` or `anyOf [.., {"type": "null"}]`), because a JSON Schema
//! validator ignores `nullable` and would reject every `null` GitHub
//! legitimately sends.
//!
//! A version from 3.1 to 3.3 is checked against the 3.1 description, a later
//! one against 3.22's with what the version lacks taken out: its missing
//! operations are gone, and a field it lacks may not appear
//! (`{"not": {}}`), while one it has must (the mock always sends it).
//!
//! Each version's document is registered under its own URI; each check
//! compiles `{"$ref": "<URI>#<pointer>"}`, so `#/components/...` references
//! inside the document resolve against it.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::panic::{UnwindSafe, catch_unwind};
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use ghes_mock::{Feature, GhesVersion};
use jsonschema::{Draft, Registry, Validator};
use serde_json::{Value, json};

const OLD_FILE: &str = "tests/schema/ghes-3.1-runners.json";
const NEW_FILE: &str = "tests/schema/ghes-3.22-runners.json";
const APPS_FILE: &str = "tests/schema/ghes-3.22-apps.json";

static OLD: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../schema/ghes-3.1-runners.json"))
        .unwrap_or_else(|err| panic!("{OLD_FILE} is not valid JSON: {err}"))
});

static NEW: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../schema/ghes-3.22-runners.json"))
        .unwrap_or_else(|err| panic!("{NEW_FILE} is not valid JSON: {err}"))
});

/// GitHub's 3.22 description of the App operations, which every version
/// from 3.0 has (their installations' `client_id` from 3.14).
static APPS: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../schema/ghes-3.22-apps.json"))
        .unwrap_or_else(|err| panic!("{APPS_FILE} is not valid JSON: {err}"))
});

/// The first version checked against the 3.22 description.
const NEW_CONTRACT_SINCE: u8 = 4;

/// Fields a version added to a schema, and the version.
const FIELDS: &[(&str, &str, Feature)] = &[
    ("runner", "runner_group_id", Feature::RunnerGroupId),
    ("runner", "ephemeral", Feature::Ephemeral),
    ("runner", "version", Feature::RunnerVersion),
    (
        "runner-groups-org",
        "restricted_to_workflows",
        Feature::WorkflowRestrictions,
    ),
    (
        "runner-groups-org",
        "selected_workflows",
        Feature::WorkflowRestrictions,
    ),
    (
        "runner-groups-org",
        "workflow_restrictions_read_only",
        Feature::WorkflowRestrictions,
    ),
    (
        "runner-groups-enterprise",
        "restricted_to_workflows",
        Feature::WorkflowRestrictions,
    ),
    (
        "runner-groups-enterprise",
        "selected_workflows",
        Feature::WorkflowRestrictions,
    ),
    (
        "runner-groups-enterprise",
        "workflow_restrictions_read_only",
        Feature::WorkflowRestrictions,
    ),
];

/// Path suffixes of the operations a version added.
const OPERATIONS: &[(&str, Feature)] = &[
    ("/actions/runners/{runner_id}/labels", Feature::RunnerLabels),
    (
        "/actions/runners/{runner_id}/labels/{name}",
        Feature::RunnerLabels,
    ),
    ("/actions/runners/generate-jitconfig", Feature::JitConfig),
];

/// GitHub's contract as one GHES version has it.
pub struct Contract {
    pub version: GhesVersion,
    pub document: Value,
    uri: String,
    registry: Registry<'static>,
    /// Compiled validators keyed by the JSON pointer of their schema.
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

static CONTRACTS: LazyLock<Mutex<HashMap<GhesVersion, &'static Contract>>> =
    LazyLock::new(Mutex::default);

/// The contract of a version, built once.
pub fn contract(version: GhesVersion) -> &'static Contract {
    let mut contracts = CONTRACTS.lock().unwrap_or_else(PoisonError::into_inner);
    contracts
        .entry(version)
        .or_insert_with(|| Box::leak(Box::new(Contract::new(version))))
}

/// The contract of GHES 3.1, the default version.
fn oldest() -> &'static Contract {
    contract(GhesVersion::OLDEST)
}

/// Asserts what [`Contract::assert_response_matches`] does, for GHES 3.1.
pub fn assert_response_matches(method: &str, path_template: &str, status: u16, body: &Value) {
    oldest().assert_response_matches(method, path_template, status, body);
}

/// Asserts what [`Contract::assert_schema_matches`] does, for GHES 3.1.
pub fn assert_schema_matches(schema_name: &str, body: &Value) {
    oldest().assert_schema_matches(schema_name, body);
}

/// Adds the App operations, and the components they need that the runner
/// description lacks (the runner description's own are the version's).
fn merge_apps(document: &mut Value, version: GhesVersion) {
    for (path, item) in APPS["paths"].as_object().expect("paths") {
        document["paths"][path] = item.clone();
    }
    for (section, entries) in APPS["components"].as_object().expect("components") {
        for (name, entry) in entries.as_object().expect("a section") {
            let target = &mut document["components"][section];
            if target.get(name).is_none() {
                target[name] = entry.clone();
            }
        }
    }
    let installation = &mut document["components"]["schemas"]["installation"];
    if version.has(Feature::InstallationClientId) {
        installation["required"]
            .as_array_mut()
            .expect("required")
            .push(json!("client_id"));
    } else {
        installation["properties"]["client_id"] = json!({"not": {}});
    }
}

impl Contract {
    fn new(version: GhesVersion) -> Contract {
        let (mut document, file) = if version.minor() < NEW_CONTRACT_SINCE {
            (OLD.clone(), OLD_FILE)
        } else {
            (NEW.clone(), NEW_FILE)
        };
        if version.minor() >= NEW_CONTRACT_SINCE {
            for (schema, field, feature) in FIELDS {
                let schema = &mut document["components"]["schemas"][*schema];
                if version.has(*feature) {
                    if let Some(required) = schema["required"].as_array_mut() {
                        required.push(json!(field));
                    }
                } else {
                    schema["properties"][*field] = json!({"not": {}});
                }
            }
            let paths = document["paths"].as_object_mut().expect("paths");
            paths.retain(|path, _| {
                OPERATIONS
                    .iter()
                    .all(|(suffix, feature)| !path.ends_with(suffix) || version.has(*feature))
            });
        }
        merge_apps(&mut document, version);
        let uri = format!("urn:ghes-mock:contract:{version}");
        let registry = Registry::new()
            .draft(Draft::Draft4)
            .add(&uri, document.clone())
            .and_then(jsonschema::RegistryBuilder::prepare)
            .unwrap_or_else(|err| panic!("cannot register {file} for {version}: {err}"));
        Contract {
            version,
            document,
            uri,
            registry,
            validators: Mutex::default(),
        }
    }

    /// The path templates of the operations this version has.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.document["paths"]
            .as_object()
            .into_iter()
            .flat_map(|paths| paths.keys().map(String::as_str))
    }

    /// Asserts that `body` is what the contract documents for `status` of the
    /// operation `method path_template`, e.g.
    /// `("GET", "/orgs/{org}/actions/runners/{runner_id}", 200, &body)`.
    ///
    /// A status documented without content (204, 304) requires `Value::Null`.
    /// Panics when the operation or status is not in the contract, so a test can
    /// never skip validation by asking about something undocumented.
    pub fn assert_response_matches(
        &self,
        method: &str,
        path_template: &str,
        status: u16,
        body: &Value,
    ) {
        let method_upper = method.to_ascii_uppercase();
        let version = self.version;
        let what = format!("{method_upper} {path_template} -> {status} (GHES {version})");
        let contract = &self.document;

        let operation_pointer = format!(
            "/paths/{}/{}",
            escape_pointer_token(path_template),
            method.to_ascii_lowercase()
        );
        let Some(operation) = contract.pointer(&operation_pointer) else {
            let methods = contract["paths"]
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
                let response = contract.pointer(target).unwrap_or_else(|| {
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
        self.validate(
            &format!("{response_pointer}/content/application~1json/schema"),
            body,
            &what,
        );
    }

    /// Asserts that `body` matches `components/schemas/<schema_name>`, e.g.
    /// `basic-error`, `validation-error`, `validation-error-simple`,
    /// `organization-simple`, `repository` or `rate-limit-overview`.
    pub fn assert_schema_matches(&self, schema_name: &str, body: &Value) {
        let pointer = format!("/components/schemas/{}", escape_pointer_token(schema_name));
        if self.document.pointer(&pointer).is_none() {
            let known: Vec<&String> = self.document["components"]["schemas"]
                .as_object()
                .map(|schemas| schemas.keys().collect())
                .unwrap_or_default();
            panic!("schema {schema_name:?} is not in the contract (known: {known:?})");
        }
        self.validate(
            &pointer,
            body,
            &format!("schema {schema_name} (GHES {})", self.version),
        );
    }

    fn validate(&self, pointer: &str, body: &Value, what: &str) {
        let validator = self.validator_for(pointer);
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

    fn validator_for(&self, pointer: &str) -> Arc<Validator> {
        let cached = self
            .validators
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
            json!({ "$ref": format!("{}#{}", self.uri, percent_encode_fragment(pointer)) });
        let validator = jsonschema::options()
            .with_draft(Draft::Draft4)
            .with_registry(&self.registry)
            .offline()
            // `date-time` and `uri` are part of the contract: a malformed timestamp
            // or URL is a bug in the mock even when every type is right.
            .should_validate_formats(true)
            .build(&reference)
            .unwrap_or_else(|err| panic!("cannot compile the contract schema at {pointer}: {err}"));
        Arc::clone(
            self.validators
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(pointer.to_owned())
                .or_insert_with(|| Arc::new(validator)),
        )
    }
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
    OLD["components"]["examples"]["runner-paginated"]["value"].clone()
}

#[test]
fn documented_runner_page_example_passes() {
    assert_response_matches("GET", LIST_ORG_RUNNERS, 200, &runner_page());
}

#[test]
fn every_documented_example_matches_its_operation() {
    for (version, document, at_least) in
        [("3.1", &*OLD, 20), ("3.22", &*NEW, 20), ("3.22", &*APPS, 8)]
    {
        let checked = every_example_matches(contract(version.parse().unwrap()), document);
        assert!(checked >= at_least, "only {checked} examples found");
    }
}

/// The examples of the description itself pass, but for the fields that
/// GitHub's examples leave out and the mock always sends; returns how many.
fn every_example_matches(contract: &Contract, document: &Value) -> usize {
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
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
                        .and_then(|reference| document.pointer(reference.trim_start_matches('#')))
                        .unwrap_or(example);
                    let status: u16 = status.parse().expect("numeric status");
                    let mut value = example["value"].clone();
                    complete_runners(&mut value);
                    contract.assert_response_matches(method, path, status, &value);
                    checked += 1;
                }
            }
        }
    }
    checked
}

/// Adds what GitHub's examples of runners and groups leave out.
fn complete_runners(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if object.contains_key("busy") {
                object.entry("runner_group_id").or_insert(json!(1));
                object.entry("ephemeral").or_insert(json!(false));
                object.entry("version").or_insert(Value::Null);
            }
            if object.contains_key("app_slug") {
                object
                    .entry("client_id")
                    .or_insert(json!("Iv1.0123456789abcdef"));
            }
            if object.contains_key("runners_url") {
                object
                    .entry("restricted_to_workflows")
                    .or_insert(json!(false));
                object.entry("selected_workflows").or_insert(json!([]));
                object
                    .entry("workflow_restrictions_read_only")
                    .or_insert(json!(false));
            }
            object.values_mut().for_each(complete_runners);
        }
        Value::Array(items) => items.iter_mut().for_each(complete_runners),
        _ => {}
    }
}

#[test]
fn fields_a_version_lacks_fail_and_fields_it_has_are_required() {
    let runner = json!({"id": 1, "name": "a", "os": "linux", "status": "online", "busy": false,
                        "labels": []});
    let get = "/orgs/{org}/actions/runners/{runner_id}";
    let at = |v: &str| contract(v.parse().unwrap());
    at("3.4").assert_response_matches("GET", get, 200, &runner);
    let mut grouped = runner.clone();
    grouped["runner_group_id"] = json!(1);
    let message = failure_of(|| at("3.4").assert_response_matches("GET", get, 200, &grouped));
    assert!(message.contains("runner_group_id"), "{message}");
    at("3.6").assert_response_matches("GET", get, 200, &grouped);
    let message = failure_of(|| at("3.6").assert_response_matches("GET", get, 200, &runner));
    assert!(message.contains("runner_group_id"), "{message}");
    let labels = "/orgs/{org}/actions/runners/{runner_id}/labels";
    let message = failure_of(|| at("3.3").assert_response_matches("GET", labels, 200, &json!({})));
    assert!(message.contains("no path"), "{message}");
    let jit = "/orgs/{org}/actions/runners/generate-jitconfig";
    assert!(at("3.10").paths().any(|p| p == jit));
    assert!(!at("3.9").paths().any(|p| p == jit));
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
