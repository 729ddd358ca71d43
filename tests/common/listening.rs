//! Waiting for a started `mock-idp` to say where it listens, for the test binaries that start
//! it as a child process (`interop`, `scenarios`).

use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::Child;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// The banner's last line, which names the bound address.
pub const LISTENING_PREFIX: &str = "mock-idp listening on ";
/// How long a start may take on a loaded machine.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

/// Reads `child`'s stdout until the listening line and returns the base URL and the banner
/// lines before it. Stdout keeps being drained on a thread afterwards, so the server never
/// blocks on a full pipe. If the line does not come in time, the child is killed and the test
/// fails with the banner so far and the contents of `stderr_path`.
pub fn wait_for_listening(child: &mut Child, stderr_path: &Path) -> (String, Vec<String>) {
    let stdout = child.stdout.take().expect("mock-idp stdout is piped");
    let (tx, rx) = mpsc::channel::<String>();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + STARTUP_TIMEOUT;
    let mut banner = Vec::new();
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => {
                if let Some(url) = line.strip_prefix(LISTENING_PREFIX) {
                    return (url.trim().trim_end_matches('/').to_string(), banner);
                }
                banner.push(line);
            }
            Err(err) => {
                let _ = child.kill();
                let status = child.wait().ok();
                panic!(
                    "mock-idp did not print `{LISTENING_PREFIX}http://...` ({err:?}; exit: \
                     {status:?})\nstdout so far:\n{}\nstderr:\n{}",
                    banner.join("\n"),
                    fs::read_to_string(stderr_path).unwrap_or_default()
                );
            }
        }
    }
}
