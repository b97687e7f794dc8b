//! Just-in-time runner configurations (GHES 3.10+): a runner made at once,
//! offline and ephemeral, with a configuration that the real runner's
//! `run.sh --jitconfig` reads, and that the control API can start.
//!
//! `encoded_jit_config` is base64 of a JSON object that maps the runner's
//! settings files to their base64 contents: `.runner` (the runner's
//! settings, as GitHub writes them: PascalCase keys, numbers and booleans
//! as strings), `.credentials` (its OAuth client) and
//! `.credentials_rsaparams` (its RSA key, each part base64 of big-endian
//! bytes at full width, as .NET exports them).

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::batch::{Asked, fail_all};
use super::memory::NewEntry;
use super::{Service, Writer, check_label, check_runner_name};
use crate::error::Error;
use crate::model::{Architecture, Os, Runner, RunnerStatus, Scope};
use crate::store::labels::LabelRow;
use crate::store::{labels, runners};
use crate::version::Feature;

/// The body of "create configuration for a just-in-time runner".
#[derive(Debug, Clone, Deserialize)]
pub struct JitRequest {
    pub name: String,
    pub runner_group_id: i64,
    pub labels: Vec<String>,
    pub work_folder: Option<String>,
}

/// What "create configuration for a just-in-time runner" answers.
#[derive(Debug, Clone, Serialize)]
pub struct JitConfig {
    pub runner: Runner,
    pub encoded_jit_config: String,
}

/// A runner started from its JIT configuration, as `run.sh --jitconfig`
/// does: it reports its OS, architecture and version when it connects.
///
/// ```
/// let start: ghes_mock::JitStart = serde_json::from_str(r#"{"encoded_jit_config": "e30="}"#).unwrap();
/// assert_eq!(start.os, None);
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JitStart {
    /// The configuration generate-jitconfig answered.
    pub encoded_jit_config: String,
    /// Default `linux`.
    pub os: Option<Os>,
    /// Default `x64`.
    pub architecture: Option<Architecture>,
    /// Default the server's runner version.
    pub version: Option<String>,
}

/// The RSA key given to JIT runners, with its `.credentials_rsaparams` file
/// written once.
#[derive(Debug)]
pub struct RunnerKey {
    /// Base64 of the `.credentials_rsaparams` file.
    rsaparams: String,
}

/// GitHub takes at most this many labels for a JIT runner.
const MAX_LABELS: usize = 100;

impl RunnerKey {
    /// A new 2048-bit key. Slow (a fraction of a second): made on a
    /// blocking thread, once per server.
    fn generate() -> Result<RunnerKey, rsa::Error> {
        let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048)?;
        let size = key.size();
        let half = size.div_ceil(2);
        let part = |n: &rsa::BigUint, width: usize| {
            let bytes = n.to_bytes_be();
            let mut padded = vec![0; width.saturating_sub(bytes.len())];
            padded.extend(bytes);
            STANDARD.encode(padded)
        };
        let primes = key.primes();
        let missing = || rsa::Error::Internal;
        let params = json!({
            "d": part(key.d(), size),
            "dp": part(key.dp().ok_or_else(missing)?, half),
            "dq": part(key.dq().ok_or_else(missing)?, half),
            "exponent": STANDARD.encode(key.e().to_bytes_be()),
            "inverseQ": part(&key.crt_coefficient().ok_or_else(missing)?, half),
            "modulus": part(key.n(), size),
            "p": part(&primes[0], half),
            "q": part(&primes[1], half),
        });
        Ok(RunnerKey {
            rsaparams: STANDARD.encode(params.to_string()),
        })
    }
}

impl Service {
    /// The JIT runners' key, made on first use.
    async fn runner_key(&self) -> Result<&RunnerKey, Error> {
        self.jit_key
            .get_or_try_init(|| async {
                tokio::task::spawn_blocking(RunnerKey::generate)
                    .await
                    .map_err(|e| sqlx::Error::Protocol(e.to_string()))?
                    .map_err(|e| Error::Internal(sqlx::Error::Protocol(e.to_string())))
            })
            .await
    }

    /// Makes an offline, ephemeral runner in the group given, and the
    /// configuration that starts it. `origin` is the server as the client
    /// reached it, for the URLs in the configuration. Autoscalers ask for
    /// JIT runners in bursts: requests that arrive together are written
    /// together (see [`super::batch`]).
    #[tracing::instrument(skip(self, request), fields(name = %request.name))]
    pub async fn generate_jit_config(
        &self,
        scope: &Scope,
        request: JitRequest,
        origin: &str,
    ) -> Result<JitConfig, Error> {
        check_runner_name(&request.name).map_err(invalid)?;
        if request.labels.is_empty() || request.labels.len() > MAX_LABELS {
            return Err(invalid(format!(
                "labels must name 1 to {MAX_LABELS} labels, not {}",
                request.labels.len()
            )));
        }
        for label in &request.labels {
            check_label(label).map_err(invalid)?;
        }
        let work_folder = request.work_folder.as_deref().unwrap_or("_work");
        if work_folder.trim().is_empty() {
            return Err(invalid("work_folder must not be empty".to_owned()));
        }
        let key = self.runner_key().await?;
        let secret = uuid::Uuid::new_v4().to_string();
        let ask = JitAsk {
            scope: scope.clone(),
            name: request.name.trim().to_owned(),
            group: request.runner_group_id,
            labels: request.labels,
            secret: secret.clone(),
            now: self.clock.now_ms(),
        };
        let made = self.batched(&self.jit_asks, ask, make_runners).await?;
        let settings = json!({
            "AgentId": made.runner.id.to_string(),
            "AgentName": made.runner.name,
            "PoolId": request.runner_group_id.to_string(),
            "PoolName": made.pool_name,
            "ServerUrl": format!("{origin}/_services/pipelines/ghes-mock"),
            "GitHubUrl": format!("{origin}/{}", github_path(scope)),
            "WorkFolder": work_folder,
            "Ephemeral": "True",
            "DisableUpdate": "False",
            "IsHostedServer": "False",
        });
        let credentials = json!({
            "Scheme": "OAuth",
            "Data": {
                "ClientId": secret,
                "AuthorizationUrl": format!("{origin}/_services/vstoken/_apis/oauth2/token/{secret}"),
                "RequireFipsCryptography": "False",
            },
        });
        let files = json!({
            ".runner": STANDARD.encode(settings.to_string()),
            ".credentials": STANDARD.encode(credentials.to_string()),
            ".credentials_rsaparams": key.rsaparams,
        });
        Ok(JitConfig {
            runner: made.runner,
            encoded_jit_config: STANDARD.encode(files.to_string()),
        })
    }

    /// Starts the runner of a JIT configuration, once.
    #[tracing::instrument(skip_all)]
    pub async fn start_jit_runner(&self, start: JitStart) -> Result<Runner, Error> {
        let (runner_id, client_id) = read_config(&start.encoded_jit_config).map_err(|reason| {
            Error::invalid(
                "Runner",
                "encoded_jit_config",
                format!("not a JIT configuration: {reason}"),
            )
        })?;
        let os = start.os.unwrap_or(Os::Linux);
        if os == Os::Unknown {
            return Err(Error::invalid(
                "Runner",
                "os",
                "a runner says which OS it runs",
            ));
        }
        let version = start
            .version
            .unwrap_or_else(|| self.settings.runner_version.clone());
        let now = self.clock.now_ms();
        let mut writer = self.writer().await?;
        match runners::jit_secret(writer.conn()?, runner_id).await? {
            None => {
                writer.settle();
                return Err(Error::NotFound);
            }
            Some(None) => {
                writer.settle();
                return Err(Error::Conflict(format!(
                    "The JIT configuration of runner {runner_id} has already started it"
                )));
            }
            Some(Some(secret)) if secret != client_id => {
                writer.settle();
                return Err(Error::invalid(
                    "Runner",
                    "encoded_jit_config",
                    "the configuration's credentials are not the runner's",
                ));
            }
            Some(Some(_)) => {}
        }
        let started = runners::Started {
            os: os.as_str(),
            architecture: start.architecture.unwrap_or(Architecture::X64).as_str(),
            version: &version,
        };
        runners::start(writer.conn()?, runner_id, &started, now).await?;
        let runner = writer
            .apply(|memory| {
                let entry = memory.start_runner(runner_id, os, &version)?.clone();
                Some(memory.runner(&entry))
            })
            .ok_or(Error::NotFound)?;
        // Online and idle as it started; a queued job it can take is its
        // next.
        self.settle(&mut writer).await?;
        Ok(runner)
    }

    /// Whether the presented version has a feature.
    pub fn has(&self, feature: Feature) -> bool {
        self.settings.version.has(feature)
    }
}

/// A JIT runner asked for, waiting for the writer's turn.
#[derive(Debug)]
pub(super) struct JitAsk {
    scope: Scope,
    name: String,
    /// The group's number as GitHub shows it.
    group: i64,
    labels: Vec<String>,
    secret: String,
    now: i64,
}

/// A JIT runner made, and its group's name.
#[derive(Debug)]
pub(super) struct MadeRunner {
    runner: Runner,
    pool_name: String,
}

/// An ask that may be written, with what it resolved to.
struct Checked {
    asked: Asked<JitAsk, MadeRunner>,
    scope_id: i64,
    group: Option<i64>,
    pool_name: String,
    /// Every label name once, with its id when known.
    labels: Vec<(String, Option<i64>)>,
}

/// Makes the asked runners in the writer's turn, one statement for the lot,
/// and answers each ask: a name taken (in the scope, or earlier in the
/// batch) or an unknown group is that ask's error alone.
async fn make_runners(mut writer: Writer, asks: Vec<Asked<JitAsk, MadeRunner>>) {
    let mut checked: Vec<Checked> = Vec::with_capacity(asks.len());
    for asked in asks {
        match check(&mut writer, &asked.ask, &checked).await {
            Ok((scope_id, group, pool_name, labels)) => checked.push(Checked {
                asked,
                scope_id,
                group,
                pool_name,
                labels,
            }),
            Err(error) => asked.answer(Err(error)),
        }
    }
    if checked.is_empty() {
        return;
    }
    if let Err(error) = write_runners(&mut writer, &mut checked).await {
        let asks = checked.into_iter().map(|c| c.asked).collect();
        fail_all(asks, &error);
    }
}

/// The ask's scope, group and labels, unless its group is unknown or its
/// name taken.
async fn check(
    writer: &mut Writer,
    ask: &JitAsk,
    before: &[Checked],
) -> Result<(i64, Option<i64>, String, Vec<(String, Option<i64>)>), Error> {
    let scope_id = writer.ensure_scope(&ask.scope).await?;
    let memory = writer.memory();
    let entry = memory.scope_by_id(scope_id).ok_or(Error::NotFound)?;
    let (group, pool_name) = match ask.scope {
        Scope::Repo { .. } if ask.group == 1 => (None, "Default".to_owned()),
        Scope::Repo { .. } => return Err(Error::NotFound),
        _ => {
            let group = memory
                .group_numbered(entry, ask.group)
                .ok_or(Error::NotFound)?;
            (Some(group.id), group.name.to_string())
        }
    };
    let taken_before = before
        .iter()
        .any(|c| c.scope_id == scope_id && c.asked.ask.name.eq_ignore_ascii_case(&ask.name));
    if taken_before || memory.runner_named(entry, &ask.name).is_some() {
        return Err(name_taken(&ask.name));
    }
    let mut labels: Vec<(String, Option<i64>)> = Vec::new();
    for label in &ask.labels {
        let label = label.trim();
        if !labels.iter().any(|(n, _)| n.eq_ignore_ascii_case(label)) {
            labels.push((label.to_owned(), memory.label_id(label)));
        }
    }
    Ok((scope_id, group, pool_name, labels))
}

/// Writes the checked runners, with the labels they bring, and answers them.
async fn write_runners(writer: &mut Writer, checked: &mut Vec<Checked>) -> Result<(), Error> {
    let mut unknown: Vec<&str> = checked
        .iter()
        .flat_map(|c| c.labels.iter())
        .filter(|(_, id)| id.is_none())
        .map(|(name, _)| name.as_str())
        .collect();
    unknown.sort_unstable_by_key(|name| name.to_ascii_lowercase());
    unknown.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    let (rows, inserted, added) = if unknown.is_empty() {
        // The usual case: one statement.
        let rows = new_rows(checked, &[]);
        let inserted = runners::insert_all(writer.conn()?, &rows, now_of(checked)).await?;
        (rows, inserted, Vec::new())
    } else {
        let mut tx = sqlx::Connection::begin(writer.conn()?).await?;
        let added = labels::add_custom(&mut tx, &unknown).await?;
        let rows = new_rows(checked, &added);
        let inserted = runners::insert_all(&mut *tx, &rows, now_of(checked)).await?;
        tx.commit().await?;
        (rows, inserted, added)
    };
    let answers = writer.apply(|memory| {
        memory.add_labels(added);
        rows.iter()
            .map(|row| {
                let id = inserted
                    .iter()
                    .find(|i| i.scope_id == row.scope_id && i.name.eq_ignore_ascii_case(&row.name))?
                    .runner_id;
                let entry = NewEntry {
                    id,
                    name: &row.name,
                    os: Os::Unknown,
                    status: RunnerStatus::Offline,
                    busy: false,
                    ephemeral: true,
                    group: row.runner_group_id,
                    version: None,
                    label_ids: &row.label_ids,
                };
                let entry = memory.add_runner(row.scope_id, entry)?.clone();
                Some(memory.runner(&entry))
            })
            .collect::<Vec<_>>()
    });
    for (c, runner) in std::mem::take(checked).into_iter().zip(answers) {
        let made = runner.map(|runner| MadeRunner {
            runner,
            pool_name: c.pool_name,
        });
        c.asked.answer(made.ok_or(Error::NotFound));
    }
    Ok(())
}

/// The rows of the checked runners, their labels' ids known or `added`.
fn new_rows(checked: &[Checked], added: &[LabelRow]) -> Vec<runners::NewRunner> {
    let id_of = |name: &str, id: Option<i64>| {
        id.or_else(|| {
            added
                .iter()
                .find(|l| l.name.eq_ignore_ascii_case(name))
                .map(|l| l.label_id)
        })
    };
    checked
        .iter()
        .map(|c| runners::NewRunner {
            id: None,
            scope_id: c.scope_id,
            name: c.asked.ask.name.clone(),
            os: Os::Unknown.as_str(),
            architecture: Architecture::X64.as_str(),
            status: RunnerStatus::Offline.as_str(),
            busy: false,
            label_ids: c
                .labels
                .iter()
                .filter_map(|(name, id)| id_of(name, *id))
                .collect(),
            runner_group_id: c.group,
            ephemeral: true,
            version: None,
            jit_secret: Some(c.asked.ask.secret.clone()),
        })
        .collect()
}

/// When the batch's runners were asked for: the latest ask's time.
fn now_of(checked: &[Checked]) -> i64 {
    checked.iter().map(|c| c.asked.ask.now).max().unwrap_or(0)
}

/// The scope as its URL on the GitHub host names it: `octo-org`,
/// `octo-org/octo-repo`, `enterprises/octo-enterprise`.
fn github_path(scope: &Scope) -> String {
    match scope {
        Scope::Enterprise(enterprise) => format!("enterprises/{enterprise}"),
        Scope::Org(org) => org.clone(),
        Scope::Repo { owner, repo } => format!("{owner}/{repo}"),
    }
}

fn name_taken(name: &str) -> Error {
    Error::Conflict(format!(
        "Already exists - A runner with the name {} already exists.",
        name.trim()
    ))
}

fn invalid(message: String) -> Error {
    Error::invalid("Runner", "jitconfig", message)
}

/// Base64 as the runner reads it, and as clients may have re-encoded it.
fn decode_base64(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .or_else(|_| URL_SAFE_NO_PAD.decode(text))
        .map_err(|e| format!("not base64 ({e})"))
}

/// A value of one of a settings file's keys, read as leniently as the
/// runner reads it: any case, a string or a number.
fn field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(_, v)| v)
}

/// One settings file of the configuration, as a JSON object.
fn settings_file(files: &Map<String, Value>, name: &str) -> Result<Map<String, Value>, String> {
    let encoded = files
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| format!("it has no {name} file"))?;
    let bytes = decode_base64(encoded).map_err(|e| format!("{name} is {e}"))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(object)) => Ok(object),
        _ => Err(format!("{name} is not a JSON object")),
    }
}

/// The runner id and OAuth client id of a configuration.
fn read_config(encoded: &str) -> Result<(i64, String), String> {
    let bytes = decode_base64(encoded)?;
    let Ok(Value::Object(files)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err("it is not a JSON object of files".to_owned());
    };
    let settings = settings_file(&files, ".runner")?;
    let runner_id = match field(&settings, "AgentId") {
        Some(Value::String(id)) => id.trim().parse().ok(),
        Some(Value::Number(id)) => id.as_i64(),
        _ => None,
    }
    .ok_or(".runner has no AgentId")?;
    let credentials = settings_file(&files, ".credentials")?;
    let client_id = field(&credentials, "Data")
        .and_then(Value::as_object)
        .and_then(|data| field(data, "ClientId"))
        .and_then(Value::as_str)
        .ok_or(".credentials has no Data.ClientId")?;
    Ok((runner_id, client_id.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(runner: &Value, credentials: &Value) -> String {
        let files = json!({
            ".runner": STANDARD.encode(runner.to_string()),
            ".credentials": STANDARD.encode(credentials.to_string()),
        });
        STANDARD.encode(files.to_string())
    }

    #[test]
    fn configurations_are_read_as_leniently_as_the_runner_reads_them() {
        let credentials = json!({"Scheme": "OAuth", "Data": {"ClientId": "c"}});
        let written = config(&json!({"AgentId": "42"}), &credentials);
        assert_eq!(read_config(&written), Ok((42, "c".to_owned())));
        let camel = config(&json!({"agentId": 7}), &json!({"data": {"clientId": "d"}}));
        assert_eq!(read_config(&camel), Ok((7, "d".to_owned())));
        let url_safe = URL_SAFE_NO_PAD.encode(STANDARD.decode(&written).unwrap());
        assert_eq!(read_config(&url_safe).unwrap().0, 42);
    }

    #[test]
    fn what_is_not_a_configuration_says_why() {
        assert!(read_config("%%%").unwrap_err().contains("base64"));
        assert!(
            read_config(&STANDARD.encode("[]"))
                .unwrap_err()
                .contains("object")
        );
        let no_agent = config(
            &json!({"AgentName": "x"}),
            &json!({"Data": {"ClientId": "c"}}),
        );
        assert!(read_config(&no_agent).unwrap_err().contains("AgentId"));
        let no_client = config(&json!({"AgentId": 1}), &json!({"Scheme": "OAuth"}));
        assert!(read_config(&no_client).unwrap_err().contains("ClientId"));
    }

    #[test]
    fn the_key_file_holds_every_part_at_full_width() {
        let key = RunnerKey::generate().unwrap();
        let params: Value =
            serde_json::from_slice(&STANDARD.decode(&key.rsaparams).unwrap()).unwrap();
        let width = |name: &str| {
            STANDARD
                .decode(params[name].as_str().unwrap())
                .unwrap()
                .len()
        };
        assert_eq!((width("modulus"), width("d")), (256, 256));
        for part in ["p", "q", "dp", "dq", "inverseQ"] {
            assert_eq!(width(part), 128, "{part}");
        }
        assert_eq!(params["exponent"], "AQAB");
    }
}
