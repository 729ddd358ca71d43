//! `mock-idp` as every test binary starts it: `--bind 127.0.0.1:0`, the repository's
//! `users.yaml` (or a file the test names), a fresh certificate directory (or one the test
//! names), none of the `MOCK_IDP_*` settings of the environment the tests run in, and its log
//! passed through, kept in memory or written to a file. [`Launch`] says how; the [`Server`]
//! knows its URL from the listening line and is killed when dropped.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io::{BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread::{self, JoinHandle};

use super::process::{wait_for_line, Process};
use super::repo;

/// The banner's last line, which names the bound address.
pub const LISTENING_PREFIX: &str = "mock-idp listening on ";

/// Settings the server would take from the environment; a test gives what it wants as flags.
const ENV_SETTINGS: [&str; 7] = [
    "MOCK_IDP_BASE_URL",
    "MOCK_IDP_ENTITY_ID",
    "MOCK_IDP_AUTO_LOGIN",
    "MOCK_IDP_AUTO_SCENARIO",
    "MOCK_IDP_SPS",
    "MOCK_IDP_STRICT",
    "MOCK_IDP_KEY_TYPE",
];

/// Where the server's log (its stderr) goes.
enum Log {
    /// To the test's own stderr.
    Inherit,
    /// Kept in memory, for [`Server::stop_and_read_log`].
    Capture,
    /// Into this file, for [`Server::stderr`] and failure messages.
    File(PathBuf),
}

/// How a `mock-idp` is to be started.
pub struct Launch {
    args: Vec<OsString>,
    users: PathBuf,
    certs: Option<PathBuf>,
    env: Vec<(OsString, OsString)>,
    log: Log,
    dir: tempfile::TempDir,
}

impl Default for Launch {
    fn default() -> Self {
        Self::new()
    }
}

impl Launch {
    /// The defaults: the repository's users, a fresh certificate directory, the log passed
    /// through.
    pub fn new() -> Launch {
        Launch {
            args: Vec::new(),
            users: repo().join("users.yaml"),
            certs: None,
            env: Vec::new(),
            log: Log::Inherit,
            dir: tempfile::tempdir().expect("temporary directory for mock-idp"),
        }
    }

    /// A fresh directory that lives as long as the server: its certificate directory unless
    /// [`Launch::certs`] names another, and the place for files written for it.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<S: AsRef<OsStr>>(mut self, args: impl IntoIterator<Item = S>) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// `--users` with this file instead of the repository's `users.yaml`.
    pub fn users(mut self, path: impl Into<PathBuf>) -> Self {
        self.users = path.into();
        self
    }

    /// `--certs` with this directory instead of [`Launch::dir`].
    pub fn certs(mut self, path: impl Into<PathBuf>) -> Self {
        self.certs = Some(path.into());
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// Keeps the log for [`Server::stop_and_read_log`] instead of passing it through.
    pub fn capture_log(mut self) -> Self {
        self.log = Log::Capture;
        self
    }

    /// Writes the log to `mock-idp.stderr` in [`Launch::dir`].
    pub fn log_to_file(self) -> Self {
        let path = self.dir().join("mock-idp.stderr");
        self.log_to(path)
    }

    /// Writes the log to this file.
    pub fn log_to(mut self, path: impl Into<PathBuf>) -> Self {
        self.log = Log::File(path.into());
        self
    }

    /// Starts the server and waits for its listening line; fails the test if it does not come.
    pub fn start(self) -> Server {
        let certs = self
            .certs
            .clone()
            .unwrap_or_else(|| self.dir.path().to_owned());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mock-idp"));
        cmd.args(["--bind", "127.0.0.1:0"])
            .arg("--users")
            .arg(&self.users);
        // A test that names its own certificate directory among the flags keeps it.
        if !self.args.iter().any(|a| a == "--certs") {
            cmd.arg("--certs").arg(&certs);
        }
        cmd.args(&self.args);
        for name in ENV_SETTINGS {
            cmd.env_remove(name);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        match &self.log {
            Log::Inherit => cmd.stderr(Stdio::inherit()),
            Log::Capture => cmd.stderr(Stdio::piped()),
            Log::File(path) => cmd.stderr(
                fs::File::create(path)
                    .unwrap_or_else(|e| panic!("creating {}: {e}", path.display())),
            ),
        };
        // From here on, dropping the process kills and reaps it whatever happens.
        let mut process = Process::from(cmd.spawn().expect("spawn the mock-idp binary"));
        let log = match self.log {
            Log::Inherit => ServerLog::Inherited,
            Log::Capture => {
                let stderr = process.child.stderr.take().expect("stderr is piped");
                ServerLog::Captured(Some(thread::spawn(move || {
                    let mut log = String::new();
                    let _ = BufReader::new(stderr).read_to_string(&mut log);
                    log
                })))
            }
            Log::File(path) => ServerLog::File(path),
        };
        let stderr_file = match &log {
            ServerLog::File(path) => Some(path.as_path()),
            _ => None,
        };
        let (base, before) = wait_for_line(
            "mock-idp",
            &mut process.child,
            LISTENING_PREFIX,
            stderr_file,
        );
        let base = base.trim_end_matches('/').to_owned();
        let mut banner = String::new();
        for line in &before {
            banner.push_str(line);
            banner.push('\n');
        }
        banner.push_str(&format!("{LISTENING_PREFIX}{base}\n"));
        Server {
            process,
            base,
            banner,
            certs,
            log,
            _dir: self.dir,
        }
    }
}

/// Where a running server's log goes.
enum ServerLog {
    Inherited,
    /// The thread reading it, until [`Server::stop_and_read_log`] takes it.
    Captured(Option<JoinHandle<String>>),
    File(PathBuf),
}

/// A running `mock-idp`, killed when dropped.
pub struct Server {
    // Field order is drop order: the process is killed before its directory is removed.
    process: Process,
    /// `http://127.0.0.1:<port>`, from the listening line.
    pub base: String,
    /// What the server printed on stdout up to and including the listening line.
    pub banner: String,
    certs: PathBuf,
    log: ServerLog,
    _dir: tempfile::TempDir,
}

impl Server {
    /// With the defaults of [`Launch::new`].
    pub fn start() -> Server {
        Launch::new().start()
    }

    /// With these flags besides the defaults.
    pub fn start_with(extra: &[&str]) -> Server {
        Launch::new().args(extra).start()
    }

    /// [`Server::start_with`], keeping what the server logs for
    /// [`Server::stop_and_read_log`] instead of passing it through.
    pub fn start_capturing_log(extra: &[&str]) -> Server {
        Launch::new().args(extra).capture_log().start()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The certificate directory the server was given.
    pub fn certs_dir(&self) -> &Path {
        &self.certs
    }

    /// What the server logged so far, when its log goes to a file; empty otherwise.
    pub fn stderr(&self) -> String {
        match &self.log {
            ServerLog::File(path) => fs::read_to_string(path).unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// Stops the server and returns everything it logged (nothing when it was passed
    /// through).
    pub fn stop_and_read_log(&mut self) -> String {
        let _ = self.process.child.kill();
        let _ = self.process.child.wait();
        match &mut self.log {
            ServerLog::Captured(reader) => reader
                .take()
                .map(|reader| reader.join().expect("the log reader"))
                .unwrap_or_default(),
            _ => self.stderr(),
        }
    }
}
