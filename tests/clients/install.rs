//! Installing the clients on first use, so that `cargo test` works on a fresh
//! machine: octokit with `npm ci` into `tests/clients/node/node_modules`,
//! PyGithub and schemathesis with pip into the virtualenv
//! `tests/clients/python/.venv`, and gh from Debian's package. Each install
//! runs under a lock (the tests run in parallel) and leaves a stamp holding the
//! manifest it installed from, so that it runs again only when that changes.
//! A client that cannot be installed fails its test with the reason.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::{Finished, run_to_end};

/// An install downloads packages: minutes on a cold machine, not hours.
const INSTALL_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// `tests/clients` of this repository.
pub fn clients_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/clients")
}

/// The directory of the octokit suite, with `node_modules` installed from
/// its `package-lock.json`.
pub fn octokit() -> PathBuf {
    let dir = clients_dir().join("node");
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
    let lockfile = read(&dir.join("package-lock.json"));
    once(
        &dir.join("node_modules/.ghes-mock-stamp"),
        &lockfile,
        || {
            install(
                Command::new("npm")
                    .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                    .current_dir(&dir),
                "npm ci",
            );
        },
    );
    dir
}

/// The Python of the suites' virtualenv, with `requirements.txt` installed.
pub fn python() -> PathBuf {
    let dir = clients_dir().join("python");
    let venv = dir.join(".venv");
    let _lock = lock("pip");
    let requirements = read(&dir.join("requirements.txt"));
    once(&venv.join(".ghes-mock-stamp"), &requirements, || {
        install(
            Command::new("python3")
                .args(["-m", "venv", "--clear"])
                .arg(&venv),
            "python3 -m venv (Debian: apt-get install python3-venv)",
        );
        install(
            Command::new(venv.join("bin/python"))
                .args(["-m", "pip", "install", "--no-input", "--quiet"])
                .args(["--disable-pip-version-check", "--requirement"])
                .arg(dir.join("requirements.txt")),
            "pip install --requirement requirements.txt",
        );
    });
    venv.join("bin/python")
}

/// The gh CLI, from Debian's package when it is not on the PATH; returns its
/// `gh --version` line.
pub fn gh() -> String {
    let _lock = lock("gh");
    if let Some(version) = try_version("gh", &["--version"]) {
        return version;
    }
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
