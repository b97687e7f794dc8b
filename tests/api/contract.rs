//! Checks JSON bodies against GitHub's own OpenAPI contract for the runner,
//! App, hook and workflow-run endpoints, as the GHES version a server
//! presents has them, and webhook payloads against GitHub's webhook
//! descriptions.
//!
//! `tests/schema/ghes-3.1-runners.json`, `ghes-3.22-runners.json`,
//! `ghes-3.22-apps.json` and `ghes-3.22-hooks-jobs.json` are derived from
//! GitHub's descriptions by `tests/schema/derive.py`: prose removed,
//! GitHub's error schemas and a `/rate_limit` schema added, and OpenAPI 3.0
//! `nullable: true` rewritten as JSON Schema (`"type": [T, "null"]` or
//! `anyOf [.., {"type": "null"}]`), because a JSON Schema validator ignores
//! `nullable` and would reject every `null` GitHub legitimately sends.
//!
//! A version from 3.1 to 3.3 is checked against the 3.1 runner description,
//! a later one against 3.22's, with what the version lacks taken out: its
//! missing operations are gone, and a field it lacks may not appear
//! (`{"not": {}}`), while one it has must (the mock always sends it). The
//! App, hook and run operations of every version come from 3.22's
//! descriptions, cut down the same way.
//!
//! `tests/schema/webhooks-workflow-job.json` (OpenAPI 3.1, so JSON Schema
//! 2020-12 already) describes the `ping` and `workflow_job` payloads; see
//! [`assert_webhook_matches`].
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
const HOOKS_JOBS_FILE: &str = "tests/schema/ghes-3.22-hooks-jobs.json";
const WEBHOOKS_FILE: &str = "tests/schema/webhooks-workflow-job.json";

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

/// GitHub's 3.22 description of the hook, run and job operations; every
/// version has them but the deliveries (3.2) and attempts (3.5), and its
/// fields came over the versions ([`HOOKS_JOBS_FIELDS`]).
static HOOKS_JOBS: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../schema/ghes-3.22-hooks-jobs.json"))
        .unwrap_or_else(|err| panic!("{HOOKS_JOBS_FILE} is not valid JSON: {err}"))
});

/// GitHub's description of the `ping` and `workflow_job` webhooks (the
/// newest GHES one published, 3.19).
static WEBHOOKS: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../schema/webhooks-workflow-job.json"))
        .unwrap_or_else(|err| panic!("{WEBHOOKS_FILE} is not valid JSON: {err}"))
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

/// Fields a version added to the hook, delivery, run and job schemas.
const HOOKS_JOBS_FIELDS: &[(&str, &str, Feature)] = &[
    ("job", "run_attempt", Feature::JobRunnerFields),
    ("job", "labels", Feature::JobRunnerFields),
    ("job", "runner_id", Feature::JobRunnerFields),
    ("job", "runner_name", Feature::JobRunnerFields),
    ("job", "runner_group_id", Feature::JobRunnerFields),
    ("job", "runner_group_name", Feature::JobRunnerFields),
    ("job", "workflow_name", Feature::JobWorkflowName),
    ("job", "head_branch", Feature::JobWorkflowName),
    ("job", "created_at", Feature::JobCreatedAt),
    ("workflow-run", "run_attempt", Feature::RunAttempts),
    ("workflow-run", "actor", Feature::RunAttempts),
    ("workflow-run", "triggering_actor", Feature::RunAttempts),
    ("workflow-run", "run_started_at", Feature::RunAttempts),
    ("workflow-run", "previous_attempt_url", Feature::RunAttempts),
    ("workflow-run", "path", Feature::RunPath),
    ("workflow-run", "referenced_workflows", Feature::RunPath),
    ("workflow-run", "display_title", Feature::JobWorkflowName),
    ("hook", "deliveries_url", Feature::HookDeliveries),
    ("org-hook", "deliveries_url", Feature::HookDeliveries),
    (
        "hook-delivery-item",
        "throttled_at",
        Feature::DeliveryThrottledAt,
    ),
    (
        "hook-delivery",
        "throttled_at",
        Feature::DeliveryThrottledAt,
    ),
];

/// Path suffixes of the hook and run operations a version added.
const HOOKS_JOBS_OPERATIONS: &[(&str, Feature)] = &[
    ("/hooks/{hook_id}/deliveries", Feature::HookDeliveries),
    (
        "/hooks/{hook_id}/deliveries/{delivery_id}",
        Feature::HookDeliveries,
    ),
    (
        "/hooks/{hook_id}/deliveries/{delivery_id}/attempts",
        Feature::HookDeliveries,
    ),
    ("/attempts/{attempt_number}", Feature::RunAttempts),
    ("/attempts/{attempt_number}/jobs", Feature::RunAttempts),
];

/// Query parameters a version added to an operation (by path suffix).
const HOOKS_JOBS_PARAMETERS: &[(&str, &str, Feature)] = &[(
    "/hooks/{hook_id}/deliveries",
    "webhook-delivery-status",
    Feature::DeliveryStatusFilter,
)];

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

/// Adds the hook, run and job operations as the version has them, and the
/// components they need that the document lacks.
fn merge_hooks_jobs(document: &mut Value, version: GhesVersion) {
    let mut hooks_jobs = HOOKS_JOBS.clone();
    cut_to_version(
        &mut hooks_jobs,
        HOOKS_JOBS_FIELDS,
        HOOKS_JOBS_OPERATIONS,
        version,
    );
    for (suffix, parameter, feature) in HOOKS_JOBS_PARAMETERS {
        if version.has(*feature) {
            continue;
        }
        let reference = json!(format!("#/components/parameters/{parameter}"));
        for (path, item) in hooks_jobs["paths"].as_object_mut().expect("paths") {
            if !path.ends_with(suffix) {
                continue;
            }
            for operation in item.as_object_mut().expect("a path item").values_mut() {
                if let Some(parameters) = operation["parameters"].as_array_mut() {
                    parameters.retain(|p| p["$ref"] != reference);
                }
            }
        }
    }
    for (path, item) in hooks_jobs["paths"].as_object().expect("paths") {
        document["paths"][path] = item.clone();
    }
    for (section, entries) in hooks_jobs["components"].as_object().expect("components") {
        for (name, entry) in entries.as_object().expect("a section") {
            let target = &mut document["components"][section];
            if target.get(name).is_none() {
                target[name] = entry.clone();
            }
        }
    }
}

/// Takes out of a description what a version lacks: a field it lacks may
/// not appear, one it has must; an operation it lacks is gone.
fn cut_to_version(
    document: &mut Value,
    fields: &[(&str, &str, Feature)],
    operations: &[(&str, Feature)],
    version: GhesVersion,
) {
    for (schema, field, feature) in fields {
        let schema = &mut document["components"]["schemas"][*schema];
        let required = schema["required"].as_array_mut();
        if version.has(*feature) {
            if let Some(required) = required
                && !required.contains(&json!(field))
            {
                required.push(json!(field));
            }
        } else {
            if let Some(required) = required {
                required.retain(|name| name != field);
            }
            schema["properties"][*field] = json!({"not": {}});
        }
    }
    let paths = document["paths"].as_object_mut().expect("paths");
    paths.retain(|path, _| {
        operations
            .iter()
            .all(|(suffix, feature)| !path.ends_with(suffix) || version.has(*feature))
    });
}

impl Contract {
    fn new(version: GhesVersion) -> Contract {
        let (mut document, file) = if version.minor() < NEW_CONTRACT_SINCE {
            (OLD.clone(), OLD_FILE)
        } else {
            (NEW.clone(), NEW_FILE)
        };
        if version.minor() >= NEW_CONTRACT_SINCE {
            cut_to_version(&mut document, FIELDS, OPERATIONS, version);
        }
        merge_apps(&mut document, version);
        merge_hooks_jobs(&mut document, version);
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
        let validator = cached_validator(&self.validators, pointer, || {
            compile(&self.registry, &self.uri, Draft::Draft4, pointer)
        });
        assert_valid(&validator, body, what);
    }
}

/// The validator of `pointer` from `cache`, compiled by `make` on first use.
fn cached_validator(
    cache: &Mutex<HashMap<String, Arc<Validator>>>,
    pointer: &str,
    make: impl FnOnce() -> Validator,
) -> Arc<Validator> {
    let cached = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(pointer)
        .cloned();
    if let Some(validator) = cached {
        return validator;
    }
    // Compiled outside the lock: a slow first compile must not stall other
    // tests, and at worst two threads compile the same schema once each.
    let validator = make();
    Arc::clone(
        cache
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(pointer.to_owned())
            .or_insert_with(|| Arc::new(validator)),
    )
}

/// A validator of the schema at `pointer` in the document registered as `uri`.
fn compile(registry: &Registry<'static>, uri: &str, draft: Draft, pointer: &str) -> Validator {
    let reference = json!({ "$ref": format!("{uri}#{}", percent_encode_fragment(pointer)) });
    jsonschema::options()
        .with_draft(draft)
        .with_registry(registry)
        .offline()
        // `date-time` and `uri` are part of the contract: a malformed timestamp
        // or URL is a bug in the mock even when every type is right.
        .should_validate_formats(true)
        .build(&reference)
        .unwrap_or_else(|err| panic!("cannot compile the contract schema at {pointer}: {err}"))
}

/// Asserts that `body` passes `validator`, listing every error when not.
fn assert_valid(validator: &Validator, body: &Value, what: &str) {
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

/// GitHub's webhook descriptions, registered once.
struct Webhooks {
    registry: Registry<'static>,
    validators: Mutex<HashMap<String, Arc<Validator>>>,
}

const WEBHOOKS_URI: &str = "urn:ghes-mock:webhooks";

static WEBHOOK_CONTRACT: LazyLock<Webhooks> = LazyLock::new(|| Webhooks {
    registry: Registry::new()
        .draft(Draft::Draft202012)
        .add(WEBHOOKS_URI, WEBHOOKS.clone())
        .and_then(jsonschema::RegistryBuilder::prepare)
        .unwrap_or_else(|err| panic!("cannot register {WEBHOOKS_FILE}: {err}")),
    validators: Mutex::default(),
});

/// The schema GitHub describes a delivery's payload with:
/// `webhook-ping`, or `webhook-workflow-job-<action>`.
fn webhook_schema(event: &str, action: Option<&str>) -> String {
    match (event, action) {
        ("ping", None) => "webhook-ping".to_owned(),
        ("workflow_job", Some(action)) => {
            format!("webhook-workflow-job-{}", action.replace('_', "-"))
        }
        _ => panic!("no webhook is described for event {event:?} with action {action:?}"),
    }
}

/// Asserts that a webhook payload is what GitHub documents for its event
/// (`X-GitHub-Event`) and action (`ping` has none). Panics for an event or
/// action GitHub does not describe, so a payload can never skip the check.
pub fn assert_webhook_matches(event: &str, action: Option<&str>, payload: &Value) {
    let name = webhook_schema(event, action);
    let pointer = format!("/components/schemas/{name}");
    assert!(
        WEBHOOKS.pointer(&pointer).is_some(),
        "schema {name:?} is not in {WEBHOOKS_FILE}"
    );
    assert_eq!(
        payload.get("action").and_then(Value::as_str),
        action,
        "the payload's action is not the delivery's"
    );
    let contract = &*WEBHOOK_CONTRACT;
    let validator = cached_validator(&contract.validators, &pointer, || {
        compile(
            &contract.registry,
            WEBHOOKS_URI,
            Draft::Draft202012,
            &pointer,
        )
    });
    assert_valid(&validator, payload, &format!("webhook {name}"));
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
    for (version, document, at_least) in [
        ("3.1", &*OLD, 20),
        ("3.22", &*NEW, 20),
        ("3.22", &*APPS, 8),
        ("3.22", &*HOOKS_JOBS, 15),
    ] {
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

/// Adds what GitHub's examples of runners, groups and jobs leave out (its
/// job example lacks two fields its own 3.22 schema requires).
fn complete_runners(value: &mut Value) {
    match value {
        Value::Object(object) => {
            if object.contains_key("check_run_url") {
                let started = object.get("started_at").cloned().unwrap_or_default();
                object.entry("created_at").or_insert(started);
                object.entry("run_attempt").or_insert(json!(1));
            }
            if object.contains_key("workflow_url") {
                object.entry("previous_attempt_url").or_insert(Value::Null);
                object.entry("referenced_workflows").or_insert(json!([]));
            }
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

// Hooks, runs and jobs over the versions, and the webhook payloads.

fn job_example() -> Value {
    let mut job = HOOKS_JOBS["components"]["examples"]["job"]["value"].clone();
    complete_runners(&mut job);
    job
}

fn without(mut object: Value, fields: &[&str]) -> Value {
    for field in fields {
        object.as_object_mut().expect("an object").remove(*field);
    }
    object
}

#[test]
fn job_fields_come_with_their_versions() {
    let get = "/repos/{owner}/{repo}/actions/jobs/{job_id}";
    let at = |v: &str| contract(v.parse().unwrap());
    let full = job_example();
    let runner_fields = [
        "run_attempt",
        "labels",
        "runner_id",
        "runner_name",
        "runner_group_id",
        "runner_group_name",
    ];
    let later = ["workflow_name", "head_branch", "created_at"];
    let v3_1 = without(without(full.clone(), &runner_fields), &later);
    at("3.1").assert_response_matches("GET", get, 200, &v3_1);
    let message = failure_of(|| at("3.1").assert_response_matches("GET", get, 200, &full));
    assert!(message.contains("labels"), "{message}");
    let v3_4 = without(full.clone(), &later);
    at("3.4").assert_response_matches("GET", get, 200, &v3_4);
    let message = failure_of(|| at("3.4").assert_response_matches("GET", get, 200, &v3_1));
    assert!(message.contains("runner_id"), "{message}");
    let message = failure_of(|| at("3.8").assert_response_matches("GET", get, 200, &v3_4));
    assert!(message.contains("workflow_name"), "{message}");
    at("3.8").assert_response_matches("GET", get, 200, &without(full.clone(), &["created_at"]));
    at("3.22").assert_response_matches("GET", get, 200, &full);
    let message = failure_of(|| {
        at("3.22").assert_response_matches("GET", get, 200, &without(full.clone(), &["created_at"]))
    });
    assert!(message.contains("created_at"), "{message}");
}

#[test]
fn hook_operations_come_with_their_versions() {
    let at = |v: &str| contract(v.parse().unwrap());
    let deliveries = "/repos/{owner}/{repo}/hooks/{hook_id}/deliveries";
    let attempt = "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}";
    let hooks = "/orgs/{org}/hooks";
    for version in ["3.1", "3.4", "3.22"] {
        assert!(at(version).paths().any(|p| p == hooks), "{version}");
        assert!(
            at(version).paths().any(|p| p == "/admin/hooks"),
            "{version}"
        );
    }
    assert!(!at("3.1").paths().any(|p| p == deliveries));
    assert!(at("3.2").paths().any(|p| p == deliveries));
    assert!(!at("3.4").paths().any(|p| p == attempt));
    assert!(at("3.5").paths().any(|p| p == attempt));

    let item = HOOKS_JOBS["components"]["examples"]["hook-delivery-items"]["value"][0].clone();
    let list = json!([item]);
    at("3.10").assert_response_matches("GET", deliveries, 200, &list);
    let message = failure_of(|| at("3.9").assert_response_matches("GET", deliveries, 200, &list));
    assert!(message.contains("throttled_at"), "{message}");
    let unthrottled = json!([without(item, &["throttled_at"])]);
    at("3.9").assert_response_matches("GET", deliveries, 200, &unthrottled);
    let message =
        failure_of(|| at("3.10").assert_response_matches("GET", deliveries, 200, &unthrottled));
    assert!(message.contains("throttled_at"), "{message}");

    let status = |v: &str| {
        at(v).document["paths"][deliveries]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .any(|p| p["$ref"] == "#/components/parameters/webhook-delivery-status")
    };
    assert!(!status("3.16") && status("3.17"));
}

#[test]
fn githubs_ping_example_matches_the_ping_webhook() {
    let ping = WEBHOOKS["components"]["examples"]["ping"]["value"].clone();
    assert_webhook_matches("ping", None, &ping);
}

/// A `workflow_job` payload as GitHub's examples have it, for `action`.
fn workflow_job_payload(action: &str) -> Value {
    let mut job = job_example();
    job["workflow_name"] = json!("CI");
    job["head_branch"] = json!("main");
    job["created_at"] = job["started_at"].clone();
    job["run_attempt"] = json!(1);
    job["labels"] = json!(["self-hosted"]);
    let repository = json!({
        "id": 1, "node_id": "R", "name": "r", "full_name": "o/r", "private": true,
        "owner": null, "html_url": "https://ghes.example/o/r", "description": null,
        "fork": false, "url": "https://ghes.example/api/v3/repos/o/r",
    });
    json!({"action": action, "workflow_job": job, "repository": repository,
           "sender": null})
}

#[test]
fn workflow_job_payloads_are_checked_by_action() {
    // The sketch lacks most of a repository and a sender, so every check
    // fails; each must name the fault planted on top.
    let mut completed = workflow_job_payload("completed");
    completed["workflow_job"]["conclusion"] = Value::Null;
    let message =
        failure_of(|| assert_webhook_matches("workflow_job", Some("completed"), &completed));
    assert!(message.contains("/workflow_job/conclusion"), "{message}");
    assert!(message.contains("/repository"), "{message}");
    let mut queued = workflow_job_payload("queued");
    queued["workflow_job"] = without(queued["workflow_job"].clone(), &["runner_id"]);
    let message = failure_of(|| assert_webhook_matches("workflow_job", Some("queued"), &queued));
    assert!(message.contains("runner_id"), "{message}");
    let message = failure_of(|| assert_webhook_matches("workflow_job", Some("queued"), &completed));
    assert!(message.contains("action"), "{message}");
    let message =
        failure_of(|| assert_webhook_matches("workflow_job", Some("exploded"), &completed));
    assert!(message.contains("exploded"), "{message}");
    let message = failure_of(|| assert_webhook_matches("push", None, &completed));
    assert!(message.contains("push"), "{message}");
}
