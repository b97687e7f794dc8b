//! The `ghes-mock` binary as a child process, for tests that must kill it,
//! restart it or read its output. The child is killed when dropped, so a
//! failing assertion never leaves a server behind. The only waiting is
//! process supervision, each with a deadline.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_ghes-mock");

/// How long a process may take to print a line or to exit.
pub const DEADLINE: Duration = Duration::from_secs(20);

const READY_PREFIX: &str = "ghes-mock listening on http://127.0.0.1:";

/// The binary with `args`, none of the test's own `GHES_MOCK_*` or
/// `RUST_LOG` variables, and `envs`.
pub fn command(args: &[&str], envs: &[(&str, &str)]) -> Command {
    let mut command = Command::new(BIN);
    command.args(args);
    for (name, _) in std::env::vars_os() {
        if name
            .to_str()
            .is_some_and(|n| n.starts_with("GHES_MOCK_") || n == "RUST_LOG")
        {
            command.env_remove(name);
        }
    }
    command.envs(envs.iter().copied());
    command
}

/// A running `ghes-mock`, killed when dropped.
pub struct Process {
    child: Child,
    stdout: Receiver<String>,
    stderr: Option<JoinHandle<String>>,
}

impl Process {
    /// Starts the binary with `args`; stdout is read line by line, stderr
    /// kept whole.
    pub fn spawn(args: &[&str], envs: &[(&str, &str)]) -> Process {
        let mut child = command(args, envs)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let out = child.stdout.take().expect("piped stdout");
        let (lines, stdout) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        let mut err = child.stderr.take().expect("piped stderr");
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = err.read_to_string(&mut text);
            text
        });
        Process {
            child,
            stdout,
            stderr: Some(stderr),
        }
    }

    /// The next line on stdout; `None` once stdout is closed.
    pub fn next_line(&self) -> Option<String> {
        match self.stdout.recv_timeout(DEADLINE) {
            Ok(line) => Some(line),
            Err(RecvTimeoutError::Disconnected) => None,
            Err(RecvTimeoutError::Timeout) => panic!("no line on stdout within {DEADLINE:?}"),
        }
    }

    /// Reads the ready line and returns the port it names.
    pub fn ready(&mut self) -> u16 {
        let Some(line) = self.next_line() else {
            let status = self.wait_for_exit();
            panic!(
                "exited ({status}) before the ready line; stderr:\n{}",
                self.stderr()
            );
        };
        ready_port(&line)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends a signal (`KILL`, `TERM`, `INT`) with kill(1).
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal} failed");
    }

    /// Waits for the process to exit, at most [`DEADLINE`].
    pub fn wait_for_exit(&mut self) -> ExitStatus {
        let deadline = Instant::now() + DEADLINE;
        loop {
            if let Some(status) = self.child.try_wait().expect("the child can be waited for") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "still running {DEADLINE:?} later"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Everything written to stderr; call once the process has exited.
    pub fn stderr(&mut self) -> String {
        self.stderr
            .take()
            .map(|reader| reader.join().expect("the stderr reader"))
            .unwrap_or_default()
    }

    /// The lines left on stdout; call once the process has exited.
    pub fn rest_of_stdout(&self) -> Vec<String> {
        std::iter::from_fn(|| self.next_line()).collect()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port of `ghes-mock listening on http://127.0.0.1:PORT/api/v3`.
fn ready_port(line: &str) -> u16 {
    let port = line
        .strip_prefix(READY_PREFIX)
        .and_then(|rest| rest.strip_suffix("/api/v3"))
        .and_then(|port| port.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("not the ready line: {line:?}"));
    assert_ne!(port, 0, "the ready line shows the real port");
    assert_eq!(line, format!("{READY_PREFIX}{port}/api/v3"));
    port
}

/// A running `ghes-mock serve` on a free loopback port, ready.
pub struct ServerProcess {
    process: Process,
    pub port: u16,
}

impl ServerProcess {
    /// Starts `ghes-mock serve --bind 127.0.0.1:0 ARGS` and waits for its
    /// ready line.
    pub fn serve(args: &[&str], envs: &[(&str, &str)]) -> ServerProcess {
        let mut all = vec!["serve", "--bind", "127.0.0.1:0"];
        all.extend_from_slice(args);
        let mut process = Process::spawn(&all, envs);
        let port = process.ready();
        ServerProcess { process, port }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn uri(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Sends a signal (`KILL`, `TERM`) with kill(1).
    pub fn signal(&self, signal: &str) {
        self.process.signal(signal);
    }

    /// Waits for the process to exit, at most [`DEADLINE`].
    pub fn wait_for_exit(&mut self) -> ExitStatus {
        self.process.wait_for_exit()
    }

    /// SIGTERM, then the exit status and every line written to stderr.
    pub fn stop(mut self) -> (ExitStatus, Vec<String>) {
        self.process.signal("TERM");
        let status = self.process.wait_for_exit();
        (
            status,
            self.process.stderr().lines().map(str::to_owned).collect(),
        )
    }
}
