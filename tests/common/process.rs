//! Child processes of a test: killed when dropped, waited for until they say they are ready
//! (a line on stdout) or until they finish, each with a deadline.

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// How long a start may take on a loaded machine (`mock-idp` may generate a key first).
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// A child process, killed and reaped when dropped whatever the test did.
pub struct Process {
    pub child: Child,
}

impl From<Child> for Process {
    fn from(child: Child) -> Self {
        Process { child }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Reads `child`'s stdout until a line that starts with `prefix` (leading and trailing blanks
/// ignored) and returns the rest of that line, trimmed, with the lines before it. Stdout keeps
/// being drained on a thread afterwards, so the child never blocks on a full pipe. If the child
/// closes its stdout first or says nothing of the kind within [`STARTUP_TIMEOUT`], it is
/// killed and the test fails naming `name`, with what it printed and the contents of `stderr`
/// (the file its stderr goes to, if any).
pub fn wait_for_line(
    name: &str,
    child: &mut Child,
    prefix: &str,
    stderr: Option<&Path>,
) -> (String, Vec<String>) {
    match try_wait_for_line(name, child, prefix) {
        Ok(found) => found,
        Err(failure) => {
            let stderr = stderr
                .map(|path| {
                    format!(
                        "\nstderr:\n{}",
                        fs::read_to_string(path).unwrap_or_default()
                    )
                })
                .unwrap_or_default();
            panic!("{failure}{stderr}")
        }
    }
}

/// Why a child never said it was ready: what it printed before it stopped, and the message
/// [`wait_for_line`] fails with.
#[derive(Debug)]
pub struct NotReady {
    pub printed: Vec<String>,
    message: String,
}

impl std::fmt::Display for NotReady {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// [`wait_for_line`] without the panic, for a caller that may start the child again: on
/// failure the child has been killed and reaped.
pub fn try_wait_for_line(
    name: &str,
    child: &mut Child,
    prefix: &str,
) -> Result<(String, Vec<String>), NotReady> {
    let stdout = child
        .stdout
        .take()
        .unwrap_or_else(|| panic!("{name}'s stdout is not piped"));
    let (tx, rx) = mpsc::channel::<String>();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            // Once the line was found nobody listens; the pipe is drained all the same.
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let mut before = Vec::new();
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                if let Some(rest) = line.trim().strip_prefix(prefix) {
                    return Ok((rest.trim().to_string(), before));
                }
                before.push(line);
            }
            Err(err) => {
                let why = match err {
                    RecvTimeoutError::Timeout => {
                        format!("said nothing like `{prefix}...` within {STARTUP_TIMEOUT:?}")
                    }
                    RecvTimeoutError::Disconnected => {
                        format!("closed its output before saying `{prefix}...`")
                    }
                };
                let _ = child.kill();
                let status = child.wait().ok();
                let message = format!(
                    "{name} {why} (exit: {status:?})\nstdout so far:\n{}",
                    before.join("\n")
                );
                return Err(NotReady {
                    printed: before,
                    message,
                });
            }
        }
    }
}

/// Waits for a child until `deadline`; kills and reaps it when the deadline passes.
pub fn wait_until(child: &mut Child, deadline: Instant) -> Option<ExitStatus> {
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// [`wait_until`] `timeout` from now.
pub fn wait_with_timeout(child: &mut Child, timeout: Duration) -> Option<ExitStatus> {
    wait_until(child, Instant::now() + timeout)
}
