//! Child processes with deadlines: installers, client programs and the
//! `ghes-mock` binary. The only waiting here is process supervision, each
//! wait bounded; a process still running at its deadline is killed.

use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What a process left behind.
#[derive(Debug)]
pub struct Finished {
    /// `None` when it was killed at its deadline.
    pub status: Option<ExitStatus>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Finished {
    pub fn success(&self) -> bool {
        self.status.is_some_and(|status| status.success())
    }

    pub fn status_text(&self) -> String {
        match self.status {
            Some(status) => status.to_string(),
            None => format!("killed after {:?}", self.elapsed),
        }
    }

    /// Both streams, for a failure message.
    pub fn output(&self) -> String {
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            self.stdout.trim_end(),
            self.stderr.trim_end()
        )
    }
}

/// Runs a command to its end, or kills it at `deadline`. Stdin is closed.
pub fn run_to_end(command: &mut Command, deadline: Duration) -> io::Result<Finished> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let stdout = read_all(child.stdout.take().expect("piped stdout"));
    let stderr = read_all(child.stderr.take().expect("piped stderr"));
    let status = wait(&mut child, deadline);
    Ok(Finished {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        elapsed: started.elapsed(),
    })
}

fn read_all(mut stream: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The exit status, or `None` after killing the process at the deadline.
fn wait(child: &mut Child, deadline: Duration) -> Option<ExitStatus> {
    let until = Instant::now() + deadline;
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            return Some(status);
        }
        if Instant::now() >= until {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `ghes-mock` binary, serving; killed when dropped.
pub struct Server {
    child: Child,
    stdout: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
    /// The ready line.
    pub ready: String,
}

/// How long the binary may take to print its ready line or to stop.
const SERVER_DEADLINE: Duration = Duration::from_secs(10);

/// Variables the binary reads, cleared so that the test's own environment
/// never reaches it.
const SERVER_ENV: [&str; 4] = [
    "GHES_MOCK_TLS_CERT",
    "GHES_MOCK_TLS_KEY",
    "GHES_MOCK_TLS_SELF_SIGNED",
    "GHES_MOCK_TOKENS",
];

impl Server {
    /// Starts `ghes-mock serve ARGS` and reads its ready line.
    pub fn start(args: &[&str], envs: &[(&str, &Path)]) -> Server {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ghes-mock"));
        command
            .arg("serve")
            .args(["--bind", "127.0.0.1:0"])
            .args(args);
        for name in SERVER_ENV {
            command.env_remove(name);
        }
        command.envs(envs.iter().copied());
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let (lines, stdout) = mpsc::channel();
        let out = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Some(read_all(child.stderr.take().expect("piped stderr")));
        let mut server = Server {
            child,
            stdout,
            stderr,
            ready: String::new(),
        };
        match server.stdout.recv_timeout(SERVER_DEADLINE) {
            Ok(line) => server.ready = line,
            Err(error) => {
                let _ = server.child.kill();
                let _ = server.child.wait();
                panic!("no ready line ({error}); stderr:\n{}", server.stderr_text());
            }
        }
        server
    }

    /// `127.0.0.1:PORT`, from the ready line.
    pub fn host(&self) -> String {
        let rest = self
            .ready
            .split_once("://")
            .map(|(_, rest)| rest)
            .unwrap_or_else(|| panic!("not a ready line: {:?}", self.ready));
        rest.trim_end_matches("/api/v3").to_owned()
    }

    /// Sends SIGTERM and waits for the exit.
    pub fn terminate(mut self) -> (Option<ExitStatus>, String) {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -TERM failed");
        let status = wait(&mut self.child, SERVER_DEADLINE);
        (status, self.stderr_text())
    }

    fn stderr_text(&mut self) -> String {
        self.stderr
            .take()
            .map(|reader| reader.join().unwrap_or_default())
            .unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
