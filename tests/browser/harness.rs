//! What one browser test runs against: the real `mock-idp`, the python3-saml service provider
//! of `sp.py`, chromedriver and a headless Chromium with a profile of its own. [`run`] starts
//! them, hands the test a [`Page`], keeps a screenshot when the test fails and stops everything
//! afterwards.

use std::fmt::Display;
use std::future::Future;
use std::net::TcpListener;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::error::{CmdError, ErrorStatus};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use crate::common::process::{
    try_wait_for_line, wait_for_line, Process, STARTUP_TIMEOUT as STARTUP,
};
use crate::common::server::{Launch, Server};

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T = ()> = std::result::Result<T, Error>;

/// Fails the test with a message unless the condition holds.
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+).into());
        }
    };
}
pub(crate) use ensure;

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long a page may take to show what a test waits for: generous, for a loaded 2-core CI
/// machine where Chromium, the IdP and the SP share the cores with other test binaries.
const WAIT: Duration = Duration::from_secs(30);
/// How often [`Page::wait_for`] looks again.
const POLL: Duration = Duration::from_millis(50);
/// How long one whole test may take in the browser.
const TEST_TIMEOUT: Duration = Duration::from_secs(180);

pub fn repo() -> PathBuf {
    crate::common::repo().to_owned()
}

/// What a test needs besides the defaults.
#[derive(Clone, Copy)]
pub struct Setup {
    /// List the SP in an `--sps` registry, so the IdP's home page offers an IdP-initiated
    /// login to it.
    pub register_sp: bool,
    /// Register the SP with its single logout service (`slo_url: <sp>/sls`), so the IdP tells
    /// it of logouts; implies `register_sp`.
    pub slo: bool,
    /// The SP accepts responses to no request of its own (IdP-initiated logins).
    pub allow_unsolicited: bool,
    /// Pages run their scripts; off, the browser behaves as one with JavaScript disabled.
    pub javascript: bool,
    /// The users file's contents, instead of the repository's `users.yaml`.
    pub users: Option<&'static str>,
    /// Added to the SP's registered ACS URL (`/acs`): a query string, as Atlassian's and
    /// Salesforce's carry; the SP's ACS ignores it.
    pub acs_query: &'static str,
    /// The SP's registered `relay_state`, for IdP-initiated logins that give none.
    pub relay_state: Option<&'static str>,
}

impl Default for Setup {
    fn default() -> Self {
        Setup {
            register_sp: false,
            slo: false,
            allow_unsolicited: false,
            javascript: true,
            users: None,
            acs_query: "",
            relay_state: None,
        }
    }
}

/// Adds what was being done to an error.
pub trait Context<T> {
    fn context(self, what: impl Display) -> Result<T>;
}

impl<T, E: Display> Context<T> for std::result::Result<T, E> {
    fn context(self, what: impl Display) -> Result<T> {
        self.map_err(|e| format!("{what}: {e}").into())
    }
}

/// The IdP's and the SP's stderr go to these files in the test's directory; a failing test
/// shows their ends.
const IDP_LOG: &str = "mock-idp.log";
const SP_LOG: &str = "sp.log";

fn log_file(files: &tempfile::TempDir, name: &str) -> Stdio {
    let path = files.path().join(name);
    std::fs::File::create(&path)
        .map(Stdio::from)
        .unwrap_or_else(|e| panic!("creating {}: {e}", path.display()))
}

/// The last lines of a log file, for a failure message.
fn log_tail(files: &tempfile::TempDir, name: &str) -> String {
    const LINES: usize = 30;
    let text = std::fs::read_to_string(files.path().join(name)).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let tail = lines[lines.len().saturating_sub(LINES)..].join("\n    ");
    format!("  {name} (last {LINES} lines):\n    {tail}")
}

fn require(path: &str, what: &str) {
    assert!(
        Path::new(path).exists(),
        "{path} is missing: the browser tests need {what}. Run tests/run, which installs it \
         (apt packages chromium and chromium-driver, and python3-saml in tests/interop/.venv)."
    );
}

fn python() -> PathBuf {
    let python = repo().join("tests/interop/.venv/bin/python");
    require(
        python.to_str().unwrap_or_default(),
        "python3-saml's virtualenv for the service provider",
    );
    python
}

/// Everything one test runs against; dropping it stops the processes and removes the files.
struct Stack {
    // Field order is drop order: the SP before the IdP, chromedriver last.
    _sp: Process,
    _idp: Server,
    _chromedriver: Process,
    idp_base: String,
    sp_base: String,
    sp_entity_id: String,
    webdriver: String,
    files: tempfile::TempDir,
}

/// How many times chromedriver is started before a test gives up on it.
const CHROMEDRIVER_ATTEMPTS: usize = 5;

/// Starts chromedriver on a port of its choosing and returns it with its URL. With `--port=0`
/// chromedriver draws a port itself and exits ("IPv4 port not available") when another
/// process holds it, which a machine running several test binaries at once sometimes does:
/// that exit, and only that one, is retried.
fn start_chromedriver() -> (Process, String) {
    let mut attempt = 1;
    loop {
        let mut chromedriver = Process::from(
            Command::new(CHROMEDRIVER)
                .args(["--port=0", "--log-level=SEVERE"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {CHROMEDRIVER}: {e}")),
        );
        match try_wait_for_line(
            "chromedriver",
            &mut chromedriver.child,
            "ChromeDriver was started successfully on port ",
        ) {
            Ok((port, _)) => {
                let webdriver = format!("http://127.0.0.1:{}", port.trim_end_matches('.'));
                return (chromedriver, webdriver);
            }
            Err(failure)
                if attempt < CHROMEDRIVER_ATTEMPTS
                    && failure
                        .printed
                        .iter()
                        .any(|line| line.contains("port not available")) =>
            {
                eprintln!("chromedriver could not bind its port (attempt {attempt}); again");
                attempt += 1;
            }
            Err(failure) => panic!("{failure}"),
        }
    }
}

impl Stack {
    fn start(setup: Setup) -> Stack {
        require(CHROMIUM, "Chromium (Debian package chromium)");
        require(
            CHROMEDRIVER,
            "ChromeDriver (Debian package chromium-driver)",
        );
        let python = python();
        let files = tempfile::tempdir().unwrap();

        let (chromedriver, webdriver) = start_chromedriver();

        // The SP's socket is bound here, so its URL is known before the IdP starts and can go
        // into the IdP's registry; the SP is handed the socket as its standard input.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let sp_base = format!("http://{}", listener.local_addr().unwrap());
        let sp_entity_id = format!("{sp_base}/metadata");

        let certs = files.path().join("certs");
        let users = match setup.users {
            Some(yaml) => {
                let path = files.path().join("users.yaml");
                std::fs::write(&path, yaml).unwrap();
                path
            }
            None => repo().join("users.yaml"),
        };
        let mut idp = Launch::new()
            .users(users)
            .certs(certs)
            // Plain log lines in the log file.
            .env("NO_COLOR", "1")
            .log_to(files.path().join(IDP_LOG));
        if setup.register_sp || setup.slo {
            let registry = files.path().join("sps.yaml");
            let mut yaml = format!(
                "service_providers:\n  - entity_id: {sp_entity_id}\n    name: Browser SP\n    acs:\n      - url: \"{sp_base}/acs{}\"\n",
                setup.acs_query
            );
            if let Some(relay_state) = setup.relay_state {
                yaml.push_str(&format!("    relay_state: {relay_state:?}\n"));
            }
            if setup.slo {
                yaml.push_str(&format!("    slo_url: {sp_base}/sls\n"));
            }
            std::fs::write(&registry, yaml).unwrap();
            idp = idp.arg("--sps").arg(registry);
        }
        let idp = idp.start();
        let idp_base = idp.base.clone();

        // The SP trusts the certificate the IdP publishes.
        let cert = reqwest::blocking::get(format!("{idp_base}/certs/idp.crt"))
            .and_then(|r| r.error_for_status())
            .and_then(|r| r.text())
            .unwrap_or_else(|e| panic!("GET {idp_base}/certs/idp.crt: {e}"));
        let cert_file = files.path().join("idp.crt");
        std::fs::write(&cert_file, cert).unwrap();

        let mut sp_cmd = Command::new(python);
        sp_cmd
            .arg(repo().join("tests/browser/sp.py"))
            .args(["--idp", &idp_base, "--idp-cert"])
            .arg(&cert_file)
            .arg("--socket-on-stdin");
        if setup.allow_unsolicited {
            sp_cmd.arg("--allow-unsolicited");
        }
        let mut sp = Process::from(
            sp_cmd
                .stdin(Stdio::from(OwnedFd::from(listener)))
                .stdout(Stdio::piped())
                .stderr(log_file(&files, SP_LOG))
                .spawn()
                .unwrap(),
        );
        let printed = wait_for_line(
            "the python3-saml SP",
            &mut sp.child,
            "browser-sp listening on ",
            Some(&files.path().join(SP_LOG)),
        )
        .0;
        assert_eq!(printed, sp_base, "the SP serves on the socket it was given");

        Stack {
            _sp: sp,
            _idp: idp,
            _chromedriver: chromedriver,
            idp_base,
            sp_base,
            sp_entity_id,
            webdriver,
            files,
        }
    }

    fn capabilities(&self, setup: Setup) -> serde_json::Map<String, Value> {
        let profile = self.files.path().join("chromium-profile");
        let mut options = json!({
            "binary": CHROMIUM,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                "--window-size=1280,1024",
                format!("--user-data-dir={}", profile.display()),
            ],
        });
        if !setup.javascript {
            options["prefs"] = json!({ "profile.managed_default_content_settings.javascript": 2 });
        }
        let caps = json!({
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            // An alert stays open rather than being dismissed by the next command, so that
            // `Page::not_pwned` can see it.
            "unhandledPromptBehavior": "ignore",
            "goog:chromeOptions": options,
        });
        match caps {
            Value::Object(map) => map,
            _ => unreachable!("a JSON object"),
        }
    }
}

/// A test's view: the browser, and where the IdP and the SP are.
#[derive(Clone)]
pub struct Page {
    pub browser: Client,
    pub idp: String,
    pub sp: String,
    pub sp_entity_id: String,
}

/// Starts everything, runs `test` in the browser, and on failure saves a screenshot to
/// `target/browser-screenshots/<name>.png` before failing with the test's message.
pub fn run<F, Fut>(name: &str, setup: Setup, test: F)
where
    F: FnOnce(Page) -> Fut,
    Fut: Future<Output = Result> + Send + 'static,
{
    let stack = Stack::start(setup);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let outcome: std::result::Result<(), String> = runtime.block_on(async {
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let mut builder = ClientBuilder::new(connector);
        builder.capabilities(stack.capabilities(setup));
        let session = builder.connect(&stack.webdriver);
        let browser = match tokio::time::timeout(STARTUP, session).await {
            Ok(Ok(browser)) => browser,
            Ok(Err(e)) => panic!("starting {CHROMIUM} through chromedriver: {e}"),
            Err(_) => panic!("{CHROMIUM} did not start through chromedriver within {STARTUP:?}"),
        };
        let page = Page {
            browser: browser.clone(),
            idp: stack.idp_base.clone(),
            sp: stack.sp_base.clone(),
            sp_entity_id: stack.sp_entity_id.clone(),
        };
        // Spawned, so that a panic inside the test comes back here as an error and the
        // browser is still closed.
        let handle = tokio::spawn(tokio::time::timeout(TEST_TIMEOUT, test(page)));
        let outcome = match handle.await {
            Ok(Ok(Ok(()))) => Ok(()),
            Ok(Ok(Err(e))) => Err(e.to_string()),
            Ok(Err(_)) => Err(format!("did not finish within {TEST_TIMEOUT:?}")),
            Err(e) => Err(format!("panicked: {e}")),
        };
        let outcome = match outcome {
            Ok(()) => Ok(()),
            Err(message) => match tokio::time::timeout(WAIT, async {
                // An open dialog is a payload that ran (the IdP's pages open none), and it
                // would block the screenshot.
                let dialog = match browser.get_alert_text().await {
                    Ok(text) => {
                        let _ = browser.dismiss_alert().await;
                        format!("\n  a dialog was open, saying {text:?}: a script ran")
                    }
                    Err(_) => String::new(),
                };
                let at = browser
                    .current_url()
                    .await
                    .map(|u| u.to_string())
                    .unwrap_or_else(|e| format!("(no URL: {e})"));
                let shot = match save_screenshot(&browser, name).await {
                    Ok(path) => format!("screenshot: {}", path.display()),
                    Err(e) => format!("no screenshot: {e}"),
                };
                eprintln!("{name}: {shot}");
                format!("{dialog}\n  page: {at}\n  {shot}")
            })
            .await
            {
                Ok(details) => Err(format!("{message}{details}")),
                Err(_) => Err(format!(
                    "{message}\n  (the browser did not answer any more)"
                )),
            },
        };
        let outcome = outcome.map_err(|message| {
            format!(
                "{message}\n{}\n{}",
                log_tail(&stack.files, IDP_LOG),
                log_tail(&stack.files, SP_LOG)
            )
        });
        // A browser that hangs is killed with chromedriver when the stack is dropped.
        let _ = tokio::time::timeout(WAIT, browser.close()).await;
        outcome
    });
    drop(runtime);
    drop(stack);
    if let Err(message) = outcome {
        panic!("{name} failed: {message}");
    }
}

pub fn screenshot_dir() -> PathBuf {
    repo().join("target/browser-screenshots")
}

async fn save_screenshot(browser: &Client, name: &str) -> Result<PathBuf> {
    let png = browser.screenshot().await.context("taking a screenshot")?;
    let dir = screenshot_dir();
    std::fs::create_dir_all(&dir).context(dir.display())?;
    let path = dir.join(format!("{name}.png"));
    std::fs::write(&path, png).context(path.display())?;
    Ok(path)
}

impl Page {
    pub fn idp_url(&self, path: &str) -> String {
        format!("{}{path}", self.idp)
    }

    pub fn sp_url(&self, path: &str) -> String {
        format!("{}{path}", self.sp)
    }

    pub async fn goto(&self, url: &str) -> Result {
        self.browser
            .goto(url)
            .await
            .context(format_args!("opening {url}"))
    }

    /// Waits for an element to appear, for at most [`WAIT`]. A look that fails because the
    /// page is not there yet (no such element, or a navigation interrupting it) is tried again.
    pub async fn wait_for(&self, locator: Locator<'_>, what: &str) -> Result<Element> {
        let deadline = tokio::time::Instant::now() + WAIT;
        let found = loop {
            match self.browser.find(locator).await {
                Err(e) if not_there_yet(&e) && tokio::time::Instant::now() < deadline => {
                    tokio::time::sleep(POLL).await;
                }
                outcome => break outcome,
            }
        };
        match found {
            Ok(e) => Ok(e),
            Err(e) => {
                let text = self.text().await.unwrap_or_default();
                let text: String = text.chars().take(1500).collect();
                Err(format!("waiting for {what} ({e}); the page says:\n{text}").into())
            }
        }
    }

    pub async fn find(&self, locator: Locator<'_>, what: &str) -> Result<Element> {
        self.browser
            .find(locator)
            .await
            .context(format_args!("finding {what}"))
    }

    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        self.browser
            .find_all(Locator::Css(css))
            .await
            .context(format_args!("finding all {css}"))
    }

    /// The visible text of the whole page.
    pub async fn text(&self) -> Result<String> {
        let body = self
            .browser
            .find(Locator::Css("body"))
            .await
            .context("body")?;
        body.text().await.context("the page's text")
    }

    /// Saves a screenshot under `target/browser-screenshots/` when BROWSER_SCREENSHOTS=all,
    /// to look at a page that passed.
    pub async fn checkpoint(&self, name: &str) -> Result {
        if std::env::var("BROWSER_SCREENSHOTS").as_deref() == Ok("all") {
            let path = save_screenshot(&self.browser, name).await?;
            eprintln!("{name}: screenshot: {}", path.display());
        }
        Ok(())
    }

    /// Runs a script in the page and returns its value.
    pub async fn script(&self, js: &str) -> Result<Value> {
        self.browser
            .execute(js, Vec::new())
            .await
            .context(format_args!("running {js}"))
    }

    /// Fails if a dialog is open, unless the page is fully loaded, if `window.__pwned` was
    /// ever set or if the page holds an `<img>` (the IdP's pages have none, so one is injected
    /// markup).
    pub async fn not_pwned(&self, page: &str) -> Result {
        match self.browser.get_alert_text().await {
            Err(e) if e.is_no_such_alert() => {}
            Ok(text) => {
                return Err(format!(
                    "on the {page}, a dialog opened saying {text:?}: a payload ran"
                )
                .into())
            }
            Err(e) => return Err(format!("on the {page}, asking for an open dialog: {e}").into()),
        }
        let v = self
            .script(
                "return [document.readyState, typeof window.__pwned, document.querySelectorAll('img').length];",
            )
            .await?;
        ensure!(
            v == json!(["complete", "undefined", 0]),
            "on the {page}, [readyState, typeof window.__pwned, <img> count] is {v}: an injected \
             payload became markup"
        );
        Ok(())
    }

    // --- the IdP's pages -------------------------------------------------------------------

    /// Waits for the user picker.
    pub async fn picker(&self) -> Result<Element> {
        self.wait_for(
            Locator::Css("form[action='/sso/login'] button[name='user']"),
            "the IdP's user picker",
        )
        .await
    }

    /// The value of one row of the picker's request table ("The AuthnRequest").
    pub async fn picker_field(&self, label: &str) -> Result<String> {
        let xpath = format!("//table//tr[th[normalize-space()='{label}']]/td");
        let cell = self
            .find(Locator::XPath(&xpath), &format!("the picker's {label} row"))
            .await?;
        cell.text().await.context(label)
    }

    /// Clicks the picker's button for a user, by the name it shows.
    pub async fn pick(&self, display_name: &str) -> Result {
        let xpath = format!(
            "//form[@action='/sso/login']//button[@name='user'][strong[normalize-space()='{display_name}']]"
        );
        let button = self
            .find(
                Locator::XPath(&xpath),
                &format!("the button for {display_name}"),
            )
            .await?;
        button
            .click()
            .await
            .context(format_args!("clicking {display_name}"))
    }

    /// Chooses a scenario in the picker's Scenario select.
    pub async fn choose_scenario(&self, id: &str) -> Result {
        let select = self
            .find(
                Locator::Css("select[name='scenario']"),
                "the Scenario select",
            )
            .await?;
        select
            .select_by_value(id)
            .await
            .context(format_args!("choosing scenario {id}"))
    }

    // --- the SP's pages --------------------------------------------------------------------

    /// Waits for the SP's verdict and returns it ("Logged in as ..." or "Rejected: ...").
    pub async fn sp_outcome(&self) -> Result<String> {
        let h1 = self
            .wait_for(Locator::Css("h1#outcome"), "the SP's login result")
            .await?;
        h1.text().await.context("the SP's login result")
    }

    /// Waits for the SP's verdict and fails unless it is a login as `name_id`.
    pub async fn expect_logged_in(&self, name_id: &str) -> Result {
        let outcome = self.sp_outcome().await?;
        let expected = format!("Logged in as {name_id}");
        if outcome != expected {
            let reason = match self.browser.find(Locator::Css("#reason")).await {
                Ok(p) => p.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            return Err(format!("the SP says {outcome:?} ({reason}), not {expected:?}").into());
        }
        Ok(())
    }
}

/// Whether a failed look for an element means only that the page is not there yet: no such
/// element, or chromedriver's answer when a navigation (a form posting itself, a redirect)
/// interrupts the command, which it reports as "aborted by navigation".
fn not_there_yet(e: &CmdError) -> bool {
    match e {
        CmdError::Standard(w) => w.error == ErrorStatus::NoSuchElement,
        CmdError::NotW3C(Value::String(s)) => s.contains("aborted by navigation"),
        _ => false,
    }
}
