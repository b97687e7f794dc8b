//! The README, run top to bottom, as a newcomer pasting it would.
//!
//! Every ```` ```sh ```` block of README.md runs, in order, in one bash
//! session (so a variable one block sets is seen by the next), against a
//! server started from the test build of `ghes-mock` the way the README's
//! quick start starts it, on a free loopback port. Blocks see that build on
//! the `PATH` as `ghes-mock`, and `127.0.0.1:8080` in their text is replaced
//! by the server's address. Each block runs under `set -euo pipefail`, with
//! `curl` made to fail on an HTTP error (`--fail-with-body`), and must finish
//! within [`BLOCK_TIMEOUT`].
//!
//! Markers in the README's source, HTML comments that do not render, say
//! what a block is, on the line before it:
//!
//! - `<!-- readme-test: server -->`: the block starts the server (the quick
//!   start). It is not run; its `serve` arguments (after `ghes-mock serve`
//!   or `cargo run --release -- serve`) are the test's.
//! - `<!-- readme-test: skip: REASON -->`: not run, for the reason given
//!   (which the test prints).
//! - `<!-- readme-test: output -->`, before a ```` ```text ```` block right
//!   after a shell block: what that block prints. It is compared with what
//!   it printed, once ids, tokens and times are replaced by placeholders.

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use regex::Regex;

const README: &str = include_str!("../README.md");

/// The longest a block may run.
const BLOCK_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest the server may take to print its ready line.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// The address the README's snippets name.
const README_ADDRESS: &str = "127.0.0.1:8080";

/// What the line before a block says about it.
#[derive(Debug, Clone, PartialEq)]
enum Marker {
    Server,
    Skip(String),
    Output,
}

#[derive(Debug)]
struct Block {
    /// The line of the opening fence, from 1.
    line: usize,
    lang: String,
    text: String,
    marker: Option<Marker>,
}

fn parse_marker(line: usize, comment: &str) -> Marker {
    let body = comment
        .trim()
        .strip_prefix("<!-- readme-test:")
        .and_then(|rest| rest.strip_suffix("-->"))
        .unwrap_or_else(|| panic!("README.md:{line}: a marker is one line: {comment}"))
        .trim();
    match body {
        "server" => Marker::Server,
        "output" => Marker::Output,
        _ => match body.strip_prefix("skip:") {
            Some(reason) if !reason.trim().is_empty() => Marker::Skip(reason.trim().to_string()),
            _ => panic!(
                "README.md:{line}: unknown marker {comment:?} (server, output, skip: REASON)"
            ),
        },
    }
}

/// The fenced blocks of a Markdown text, each with the marker before it.
fn parse(readme: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut pending: Option<(usize, Marker)> = None;
    let mut lines = readme.lines().enumerate();
    while let Some((index, line)) = lines.next() {
        let number = index + 1;
        if line.trim_start().starts_with("<!-- readme-test:") {
            assert!(
                pending.is_none(),
                "README.md:{number}: two markers before one block"
            );
            pending = Some((number, parse_marker(number, line)));
        } else if let Some(lang) = line.strip_prefix("```") {
            let mut text = String::new();
            loop {
                let (_, inner) = lines
                    .next()
                    .unwrap_or_else(|| panic!("README.md:{number}: unclosed block"));
                if inner == "```" {
                    break;
                }
                assert!(
                    !inner.starts_with("```"),
                    "README.md:{number}: a block opens inside the block of line {number}"
                );
                text.push_str(inner);
                text.push('\n');
            }
            blocks.push(Block {
                line: number,
                lang: lang.trim().to_string(),
                text,
                marker: pending.take().map(|(_, marker)| marker),
            });
        } else if let Some((at, _)) = pending.as_ref().filter(|_| !line.trim().is_empty()) {
            panic!("README.md:{at}: a marker must come right before a fenced block");
        }
    }
    blocks
}

/// A shell block to run, with the output the README shows for it.
struct Step<'a> {
    block: &'a Block,
    expected: Option<&'a Block>,
}

/// Placeholders for what changes from run to run.
fn normalise(text: &str) -> String {
    let rules = [
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})",
            "<time>",
        ),
        (r"\b[A-Z0-9]{29}\b", "<token>"),
        (r"\bghs_[A-Za-z0-9]{36}\b", "<token>"),
        (r#"("(?:[a-z_]+_)?id"\s*:\s*)\d+"#, "${1}<id>"),
        (r"\b(id|run|job) \d+", "$1 <id>"),
    ];
    let mut text = text.to_string();
    for (pattern, replacement) in rules {
        let regex = Regex::new(pattern).expect("a valid pattern");
        text = regex.replace_all(&text, replacement).into_owned();
    }
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

/// Kills a child process when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The server's arguments after `serve`, from the block marked `server`.
fn serve_arguments(blocks: &[Block]) -> Vec<String> {
    let servers: Vec<&Block> = blocks
        .iter()
        .filter(|block| block.marker == Some(Marker::Server))
        .collect();
    assert_eq!(
        servers.len(),
        1,
        "README.md: one block must be marked `<!-- readme-test: server -->`"
    );
    let line = servers[0]
        .text
        .lines()
        .find_map(|line| {
            line.split_once("ghes-mock serve")
                .or_else(|| line.split_once("-- serve"))
                .map(|(_, rest)| rest)
        })
        .unwrap_or_else(|| {
            panic!(
                "README.md:{}: the server block has no `ghes-mock serve` or `-- serve`",
                servers[0].line
            )
        });
    line.split_whitespace()
        .take_while(|word| !word.starts_with('#') && *word != "&")
        .map(str::to_string)
        .collect()
}

/// Starts the server and returns it with its `host:port`.
fn start_server(arguments: &[String], log: &Path) -> (Killed, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_ghes-mock"));
    command
        .arg("serve")
        .args(arguments)
        .args(["--bind", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(fs::File::create(log).expect("the server log can be made"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GHES_MOCK_") {
            command.env_remove(name);
        }
    }
    let mut child = command.spawn().expect("the server starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let server = Killed(child);
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = sender.send(line);
    });
    let line = receiver.recv_timeout(START_TIMEOUT).unwrap_or_else(|_| {
        panic!(
            "no ready line in {START_TIMEOUT:?}; server log:\n{}",
            tail(log)
        )
    });
    let address = line
        .trim()
        .strip_prefix("ghes-mock listening on http://")
        .and_then(|rest| rest.strip_suffix("/api/v3"))
        .unwrap_or_else(|| panic!("unexpected ready line {line:?}; log:\n{}", tail(log)))
        .to_string();
    (server, address)
}

/// The last lines of a file, for a failure report.
fn tail(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// One bash process that runs the blocks, one after another.
struct Session {
    bash: Killed,
    stdin: ChildStdin,
}

impl Session {
    fn start(dir: &Path) -> Session {
        let bin = dir.join("bin");
        fs::create_dir(&bin).unwrap();
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ghes-mock"), bin.join("ghes-mock")).unwrap();
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut child = Command::new("bash")
            .args(["--noprofile", "--norc"])
            .current_dir(dir)
            .env("PATH", path)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("bash starts");
        let mut stdin = child.stdin.take().expect("stdin is piped");
        // Every request a block makes must succeed, and none may hang.
        stdin
            .write_all(
                b"set -euo pipefail\n\
                  curl() { command curl --fail-with-body --max-time 10 \"$@\"; }\n",
            )
            .unwrap();
        Session {
            bash: Killed(child),
            stdin,
        }
    }

    /// Runs a script in the session: its stdout and stderr, or why not.
    fn run(&mut self, dir: &Path, index: usize, script: &str) -> Result<(String, String), String> {
        let file = |name: &str| dir.join(format!("{name}-{index}"));
        fs::write(file("block"), script).unwrap();
        let command = format!(
            "source block-{index} >out-{index} 2>err-{index} </dev/null; \
             echo $? >rc-{index}.part; mv rc-{index}.part rc-{index}\n"
        );
        self.stdin.write_all(command.as_bytes()).unwrap();
        self.stdin.flush().unwrap();
        let deadline = Instant::now() + BLOCK_TIMEOUT;
        let outcome = loop {
            if file("rc").exists() {
                break Ok(());
            }
            if let Some(status) = self.bash.0.try_wait().unwrap() {
                break Err(format!("the block failed ({status})"));
            }
            if Instant::now() > deadline {
                break Err(format!("the block did not finish in {BLOCK_TIMEOUT:?}"));
            }
            thread::sleep(Duration::from_millis(10));
        };
        let stdout = fs::read_to_string(file("out")).unwrap_or_default();
        let stderr = fs::read_to_string(file("err")).unwrap_or_default();
        match outcome {
            Ok(()) => Ok((stdout, stderr)),
            Err(why) => Err(format!("{why}\n--- stdout\n{stdout}\n--- stderr\n{stderr}")),
        }
    }
}

#[test]
fn readme_runs_top_to_bottom() {
    assert!(
        Command::new("jq")
            .arg("--version")
            .output()
            .is_ok_and(|output| output.status.success()),
        "the README's snippets read JSON with jq: install it (apt-get install jq)"
    );
    let blocks = parse(README);
    let arguments = serve_arguments(&blocks);

    // Each shell block, with the output block that follows it.
    let mut steps: Vec<Step<'_>> = Vec::new();
    let mut skipped = Vec::new();
    for (index, block) in blocks.iter().enumerate() {
        match &block.marker {
            Some(Marker::Output) => {
                let previous = index.checked_sub(1).map(|i| &blocks[i]);
                let follows_a_step = previous.is_some_and(|previous| {
                    previous.marker.is_none()
                        && steps
                            .last()
                            .is_some_and(|step| std::ptr::eq(step.block, previous))
                });
                assert!(
                    follows_a_step,
                    "README.md:{}: an output block must follow a shell block that runs",
                    block.line
                );
                steps.last_mut().unwrap().expected = Some(block);
            }
            _ if block.lang != "sh" => {}
            Some(Marker::Server) => skipped.push((
                block.line,
                "starts the server, which the test does".to_string(),
            )),
            Some(Marker::Skip(reason)) => skipped.push((block.line, reason.clone())),
            None => steps.push(Step {
                block,
                expected: None,
            }),
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let (_server, address) = start_server(&arguments, &log);
    println!(
        "server: ghes-mock serve {} on {address}",
        arguments.join(" ")
    );
    let mut session = Session::start(dir.path());
    let mut compared = 0;
    for (index, step) in steps.iter().enumerate() {
        let script = step.block.text.replace(README_ADDRESS, &address);
        let report = |problem: &str| {
            panic!(
                "README.md:{}: {problem}\n--- the block\n{}--- server log (tail)\n{}",
                step.block.line,
                step.block.text,
                tail(&log)
            )
        };
        let (stdout, _) = session
            .run(dir.path(), index, &script)
            .unwrap_or_else(|why| report(&why));
        if let Some(expected) = step.expected {
            let (want, got) = (normalise(&expected.text), normalise(&stdout));
            if want != got {
                report(&format!(
                    "printed something else than the README shows (line {}), once ids, \
                     tokens and times are replaced:\n--- expected\n{want}\n--- printed\n{got}",
                    expected.line
                ));
            }
            compared += 1;
        }
    }
    drop(session);

    println!("skipped {} shell blocks:", skipped.len());
    for (line, reason) in &skipped {
        println!("  README.md:{line}: {reason}");
    }
    println!(
        "ran {} shell blocks of README.md in order, {compared} of them checked against the output shown",
        steps.len()
    );
}

#[test]
fn normalising_hides_ids_tokens_and_times() {
    let text = r#"{"id":12,"runner_group_id": 3,"token":"AKEDPRNSWKQOPFEYZWNJLQSYGUIRM","expires_at":"2020-01-22T12:13:35.123-08:00"}
√ Runner successfully added: build-1 (id 7)"#;
    assert_eq!(
        normalise(text),
        r#"{"id":<id>,"runner_group_id": <id>,"token":"<token>","expires_at":"<time>"}
√ Runner successfully added: build-1 (id <id>)"#
    );
}
