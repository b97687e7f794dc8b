//! Installing the clients on first use, so that `cargo test` works on a fresh
//! machine. Nothing is installed among the sources: the packages go under
//! the target directory (`target/tmp/clients`, or `$CARGO_TARGET_DIR/tmp/clients`
//! when the target directory is elsewhere):
//!
//! - octokit and the rest of `node/package.json` with `npm ci` into
//!   `target/tmp/clients/node/node_modules`. Node finds the packages an ES
//!   module imports only in a `node_modules` above the module itself, so the
//!   suite's scripts, `package.json` and `package-lock.json` are copied there
//!   from `tests/clients/node` before every run and run from there; the
//!   copies in `tests/clients/node` are the ones to edit.
//! - PyGithub and schemathesis with pip into the virtualenv
//!   `target/tmp/clients/python/.venv`; the scripts run from
//!   `tests/clients/python`, without writing bytecode beside them.
//! - gh from Debian's package, as root, when it is not on the PATH.
//!
//! Each install runs under a lock (the tests run in parallel), says on the
//! terminal what it installs and where, past cargo's capture of the tests'
//! output, and leaves a stamp holding the manifest it installed from, so that
//! it runs again only when that changes. A client that cannot be installed
//! fails its test with the reason and the place.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{Finished, run_to_end};

/// An install downloads packages: minutes on a cold machine, not hours.
const INSTALL_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// `tests/clients` of this repository: the suites' sources.
pub fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// `target/tmp/clients`: where the suites' packages are installed. Cargo
/// names the target directory's `tmp` when it builds the tests, wherever
/// `CARGO_TARGET_DIR` or the configuration puts that directory.
pub fn installs_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("clients")
}

/// The directory the octokit suite runs in: `target/tmp/clients/node`, with
/// the scripts, `package.json` and `package-lock.json` of `tests/clients/node`
/// copied in and `node_modules` installed from that lockfile.
pub fn octokit() -> PathBuf {
    let source = clients_dir().join("node");
    let dir = installs_dir().join("node");
    let _lock = lock("npm");
    let major = tool_version("node", &["--version"], "Node.js 20 or newer")
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|major| major.parse::<u32>().ok());
    assert!(
        major.is_some_and(|major| major >= 20),
        "@octokit/rest needs Node.js 20 or newer, found {major:?}"
    );
    copy_node_sources(&source, &dir);
    let lockfile = read(&dir.join("package-lock.json"));
    once(
        &dir.join("node_modules/.ghes-mock-stamp"),
        &lockfile,
        || {
            let what = format!("npm ci into {}", shown(&dir));
            announce(&format!(
                "installing octokit and @octokit/webhooks with {what} (from tests/clients/node/package-lock.json)"
            ));
            install(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(&dir),
                &what,
            );
        },
    );
    dir
}

/// Copies `package.json`, `package-lock.json` and every `.mjs` script of
/// `source` into `dir`, replacing what an earlier run copied.
fn copy_node_sources(source: &Path, dir: &Path) {
    fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let entries =
        fs::read_dir(source).unwrap_or_else(|e| panic!("cannot read {}: {e}", source.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", source.display()))
            .path();
        let name = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        let wanted = name == "package.json"
            || name == "package-lock.json"
            || (name.ends_with(".mjs") && path.is_file());
        if wanted {
            let to = dir.join(name);
            fs::copy(&path, &to).unwrap_or_else(|e| {
                panic!("cannot copy {} to {}: {e}", path.display(), to.display())
            });
        }
    }
}

/// A command running the Python of the suites' virtualenv,
/// `target/tmp/clients/python/.venv`, with `requirements.txt` installed; it
/// writes no bytecode, so that nothing appears beside the scripts it runs.
pub fn python() -> Command {
    let dir = clients_dir().join("python");
    let venv = installs_dir().join("python/.venv");
    let _lock = lock("pip");
    let requirements = read(&dir.join("requirements.txt"));
    once(&venv.join(".ghes-mock-stamp"), &requirements, || {
        announce(&format!(
            "installing PyGithub and schemathesis with pip into the virtualenv {} (from tests/clients/python/requirements.txt)",
            shown(&venv)
        ));
        install(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
            &format!(
                "python3 -m venv {} (Debian: apt-get install python3-venv)",
                shown(&venv)
            ),
        );
        install(
            Command::new(venv.join("bin/python"))
                .args(["-m", "pip", "install", "--no-input", "--quiet"])
                .args(["--disable-pip-version-check", "--requirement"])
                .arg(dir.join("requirements.txt")),
            &format!(
                "pip install --requirement tests/clients/python/requirements.txt into {}",
                shown(&venv)
            ),
        );
    });
    let mut python = Command::new(venv.join("bin/python"));
    python.env("PYTHONDONTWRITEBYTECODE", "1");
    python
}

/// The gh CLI, from Debian's package when it is not on the PATH; returns its
/// `gh --version` line.
pub fn gh() -> String {
    let _lock = lock("gh");
    if let Some(version) = try_version("gh", &["--version"]) {
        return version;
    }
    announce(
        "installing gh with apt-get from Debian's package (as root), as it is not on the PATH",
    );
    install(
        Command::new("apt-get").args(["update", "-qq"]),
        "apt-get update (gh is installed as root from Debian's package)",
    );
    install(
        Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends", "gh"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
        "apt-get install gh",
    );
    tool_version("gh", &["--version"], "Debian's package gh")
}

/// Says what is about to be installed where, on the terminal running
/// `cargo test`: written to the process's stderr itself, which cargo's test
/// harness does not capture (it captures `println!` and `eprintln!`), so the
/// line shows without `--nocapture`, between the tests' result lines.
pub fn announce(what: &str) {
    let _ = writeln!(std::io::stderr().lock(), "client suites: {what}");
}

/// `path` relative to the repository when it is inside it, else as it is.
fn shown(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Holds an exclusive lock on a file under the target directory while alive.
struct InstallLock {
    _file: File,
}

fn lock(name: &str) -> InstallLock {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("client-install-{name}.lock"));
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    file.lock()
        .unwrap_or_else(|e| panic!("cannot lock {}: {e}", path.display()));
    InstallLock { _file: file }
}

/// Runs `install` unless `stamp` already holds `manifest`, then writes it.
fn once(stamp: &Path, manifest: &str, install: impl FnOnce()) {
    if fs::read_to_string(stamp).is_ok_and(|installed| installed == manifest) {
        return;
    }
    install();
    fs::write(stamp, manifest).unwrap_or_else(|e| panic!("cannot write {}: {e}", stamp.display()));
}

fn install(command: &mut Command, what: &str) {
    let finished = run_to_end(command, INSTALL_DEADLINE)
        .unwrap_or_else(|e| panic!("{what} could not start: {e}"));
    assert!(
        finished.success(),
        "{what} failed ({}):\n{}",
        finished.status_text(),
        finished.output()
    );
}

fn tool_version(program: &str, args: &[&str], needed: &str) -> String {
    try_version(program, args).unwrap_or_else(|| panic!("{program} is needed: install {needed}"))
}

fn try_version(program: &str, args: &[&str]) -> Option<String> {
    let finished: Finished =
        run_to_end(Command::new(program).args(args), Duration::from_secs(60)).ok()?;
    finished
        .success()
        .then(|| finished.stdout.lines().next().unwrap_or("").to_owned())
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
