//! go-github (`github.com/google/go-github`, the client of Go runner tooling)
//! against a server presenting GHES 3.22: `go/`, a program built against
//! Debian's packaged go-github v48 (`golang-github-google-go-github-dev`).
//! Against a second one (`go/hooks.go`) it receives webhook deliveries on a
//! loopback port and checks each with `github.ValidatePayload` and
//! `github.ParseWebHook`, as actions-runner-controller does, and walks the
//! hooks, their deliveries, the runs and the jobs with go-github's methods.
//!
//! Go and go-github come from Debian's packages, installed on first use as
//! gh is. The program builds offline: `go/go.mod` replaces every module it
//! needs by its directory under `/usr/share/gocode`, nothing is fetched
//! (`GOPROXY=off`) and nothing is written beside the sources (`-mod=readonly`);
//! Go's build cache and the binary live under the target directory.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use ghes_mock::Seed;

use crate::install::clients_dir;
use crate::process::run_to_end;
use crate::suite::{NO_HOOK_TOKEN, TOKEN, blocking, hooks_3_22, run_suite, strict};

/// Where Debian's package puts go-github v48 (module
/// `github.com/google/go-github/v48`), as `go/go.mod` names it.
const GO_GITHUB: &str = "/usr/share/gocode/src/github.com/google/go-github";

/// Debian's packages: the Go toolchain, and go-github with the libraries it
/// needs (go-querystring, x/crypto).
const PACKAGES: [&str; 2] = ["golang-go", "golang-github-google-go-github-dev"];

/// apt-get downloads packages: minutes on a cold machine, not hours.
const INSTALL_DEADLINE: Duration = Duration::from_secs(15 * 60);

/// A cold build compiles go-github and part of the standard library: seconds.
const BUILD_DEADLINE: Duration = Duration::from_secs(5 * 60);

#[tokio::test(flavor = "multi_thread")]
async fn go_github_walks_runners_groups_labels_and_jit_configs_of_ghes_3_22_and_validates_its_webhooks()
 {
    // Arrange: the suite built against Debian's go-github; a server presenting
    // GHES 3.22 with an enterprise, its organization and a repository.
    let suite = blocking(build).await;
    let seed = Seed::from_json(
        r#"{"enterprises": ["octo-enterprise"],
            "orgs": [{"login": "octo-org", "enterprise": "octo-enterprise"}],
            "repos": ["octo-org/octo-repo"]}"#,
    )
    .expect("the suite's fixture is valid");
    let mock = strict().ghes_version("3.22").seed(seed).start().await;
    // And one for the webhook checks, whose deliveries the program receives
    // on a loopback port of its own.
    let hooks = hooks_3_22().start().await;
    let mut command = Command::new(suite);
    command
        .env("GHES_API_URL", format!("{}/", mock.api_url()))
        .env("GHES_MOCK_URL", mock.uri())
        .env("GHES_TOKEN", TOKEN)
        .env("GHES_HOOKS_API_URL", format!("{}/", hooks.api_url()))
        .env("GHES_HOOKS_MOCK_URL", hooks.uri())
        .env("GHES_NO_HOOK_TOKEN", NO_HOOK_TOKEN);

    // Act
    let passed = run_suite("go-github", command).await;

    // Assert: every check of the program ran (it counts them itself).
    assert!(passed >= 143, "only {passed} go-github checks ran");
}

/// Installs Go and go-github when missing, then builds the suite into the
/// target directory and returns the binary.
fn build() -> PathBuf {
    let work = Path::new(env!("CARGO_TARGET_TMPDIR")).join("go-github");
    std::fs::create_dir_all(&work)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", work.display()));
    let _lock = lock(&work.join("install.lock"));
    println!("{}", install());
    let binary = work.join("suite");
    let mut go = Command::new("go");
    go.args(["build", "-o"])
        .arg(&binary)
        .arg(".")
        .current_dir(clients_dir().join("go"))
        // Offline, against go.mod's replace directives only.
        .env("GOPROXY", "off")
        .env("GOSUMDB", "off")
        .env("GOFLAGS", "-mod=readonly -buildvcs=false")
        .env("GO111MODULE", "on")
        .env("GOWORK", "off")
        .env("GOTOOLCHAIN", "local")
        // Ignore the user's `go env -w` settings.
        .env("GOENV", "off")
        // Caches under the target directory, none in the source tree or $HOME.
        .env("GOCACHE", work.join("cache"))
        .env("GOPATH", work.join("gopath"))
        .env("GOMODCACHE", work.join("gopath/pkg/mod"))
        // A static binary: no C compiler needed (golang-go only recommends gcc).
        .env("CGO_ENABLED", "0");
    let finished = run_to_end(&mut go, BUILD_DEADLINE)
        .unwrap_or_else(|e| panic!("go build could not start: {e}"));
    assert!(
        finished.success(),
        "go build of tests/clients/go failed ({}):\n{}",
        finished.status_text(),
        finished.output()
    );
    binary
}

/// Go and go-github from Debian's packages when either is missing; returns
/// `go version`.
fn install() -> String {
    if Path::new(GO_GITHUB).join("github/github.go").is_file()
        && let Some(version) = go_version()
    {
        return version;
    }
    crate::install::announce(&format!(
        "installing {} with apt-get from Debian's packages (as root), as go-github is missing",
        PACKAGES.join(" and ")
    ));
    apt_get(&["update", "-qq"]);
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(PACKAGES);
    apt_get(&args);
    assert!(
        Path::new(GO_GITHUB).join("github/github.go").is_file(),
        "{GO_GITHUB} is missing after installing {PACKAGES:?}"
    );
    go_version().expect("go runs after installing golang-go")
}

fn apt_get(args: &[&str]) {
    let finished = run_to_end(
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive"),
        INSTALL_DEADLINE,
    )
    .unwrap_or_else(|e| {
        panic!("apt-get could not start ({e}); install {PACKAGES:?} from Debian as root")
    });
    assert!(
        finished.success(),
        "apt-get {} failed ({}); Go and go-github are installed as root from Debian's {PACKAGES:?}:\n{}",
        args.join(" "),
        finished.status_text(),
        finished.output()
    );
}

fn go_version() -> Option<String> {
    let finished = run_to_end(
        Command::new("go")
            .arg("version")
            .env("GOTOOLCHAIN", "local"),
        Duration::from_secs(60),
    )
    .ok()?;
    finished
        .success()
        .then(|| finished.stdout.trim().to_owned())
}

/// An exclusive lock on `path`, held while the value lives: the install and
/// the build run once at a time, across test processes too.
fn lock(path: &Path) -> File {
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
    file.lock()
        .unwrap_or_else(|e| panic!("cannot lock {}: {e}", path.display()));
    file
}
