//! `mock-idp audit` and `mock-idp login` from their command lines to an exit status: the IdP
//! prepared as the server would be (same key, entity ID, users and registry) but without a
//! listener, the driver built, the run made, the reports written.
//!
//! Exit status: 0 when the audit found nothing at or above `--fail-on` (or the login
//! succeeded), 1 when it did (or the SP did not log the user in), 2 when the audit could not
//! be set up or its `valid` login failed.

use std::io::{IsTerminal as _, Write as _};
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use serde::Serialize;
use url::Url;

use super::args::{AuditArgs, CookieFormat, FailOn, LoginArgs, Target};
use super::browser::{self, Options, Origins};
use super::check::{Check, CheckError, StatusRule};
use super::drive::{Driver, Start};
use super::jar::StoredCookie;
use super::plan::Selection;
use super::report::{self, Report};
use super::run::{self, Progress};
use crate::saml::scenario::Severity;
use crate::server::config::{self, Config};
use crate::server::flow;
use crate::server::state::AppState;
use crate::server::{keys, sps, users};

/// Nothing at or above `--fail-on`; the login succeeded.
pub const OK: u8 = 0;
/// Findings; the SP did not log the user in.
pub const FOUND: u8 = 1;
/// The command could not be set up, or the SP refused `valid`.
pub const SETUP: u8 = 2;

/// `mock-idp audit`.
pub fn audit(config: &Config, args: &AuditArgs) -> u8 {
    let state = match prepare(config) {
        Ok(state) => state,
        Err(e) => return fail(&e),
    };
    let driver = match driver(&state, &args.target, true) {
        Ok(driver) => driver,
        Err(e) => return fail(&e),
    };
    if let Err(e) = check_outputs(args) {
        return fail(&e);
    }
    let selection = Selection {
        only: args.only.clone(),
        skip: args.skip.clone(),
    };
    let live = std::io::stderr().is_terminal();
    let mut show = |p: Progress<'_>| {
        if live {
            let line = report::terminal::progress_line(p.done, p.total, p.current, p.summary);
            let _ = write!(std::io::stderr(), "\r{line}\x1b[K");
        }
    };
    let result = run::run(&driver, &selection, &mut show);
    if live {
        eprintln!();
    }
    let report = match result {
        Ok(report) => report,
        Err(e) => return fail(&anyhow!(e)),
    };
    if let Err(e) = write_reports(&report, args) {
        return fail(&e);
    }
    print!("{}", report::terminal::summary(&report));
    exit_status(&report, args.fail_on)
}

/// The exit status for `report` under `--fail-on`.
pub fn exit_status(report: &Report, fail_on: FailOn) -> u8 {
    let s = &report.summary;
    let failing = match fail_on {
        FailOn::Critical => s.findings_from(Severity::Critical),
        FailOn::High => s.findings_from(Severity::High),
        FailOn::Medium => s.findings_from(Severity::Medium),
        FailOn::Any => s.findings_from(Severity::Medium) + s.incompatible + s.errors,
    };
    if failing > 0 {
        FOUND
    } else {
        OK
    }
}

fn write_reports(report: &Report, args: &AuditArgs) -> anyhow::Result<()> {
    type Render = fn(&Report) -> String;
    let outputs: [(&Option<std::path::PathBuf>, Render); 3] = [
        (&args.report_json, report::json::json),
        (&args.junit, report::junit::junit),
        (&args.report_html, report::html::html),
    ];
    for (path, render) in outputs {
        if let Some(path) = path {
            write_file(path, &render(report))?;
        }
    }
    Ok(())
}

/// Each report's directory exists, so a typo costs no audit.
fn check_outputs(args: &AuditArgs) -> anyhow::Result<()> {
    let flags = [
        ("--report-json", &args.report_json),
        ("--junit", &args.junit),
        ("--report-html", &args.report_html),
    ];
    for (flag, path) in flags {
        let Some(path) = path else { continue };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        if !dir.is_dir() {
            bail!(
                "{flag} {}: the directory {} does not exist",
                path.display(),
                dir.display()
            );
        }
    }
    Ok(())
}

fn write_file(path: &Path, text: &str) -> anyhow::Result<()> {
    std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))
}

/// What `mock-idp login` prints as JSON.
#[derive(Serialize)]
struct Session<'a> {
    user: &'a str,
    scenario: &'a str,
    /// The identity the check read, if it reads one.
    identity: Option<&'a str>,
    cookies: &'a [StoredCookie],
}

/// `mock-idp login`.
pub fn login(config: &Config, args: &LoginArgs) -> u8 {
    let state = match prepare(config) {
        Ok(state) => state,
        Err(e) => return fail(&e),
    };
    let driver = match driver(&state, &args.target, false) {
        Ok(driver) => driver,
        Err(e) => return fail(&e),
    };
    if crate::saml::scenario::find(&args.scenario).is_none() {
        return fail(&anyhow!(
            "--scenario {:?} is not a login scenario (GET /api/scenarios lists them)",
            args.scenario
        ));
    }
    let finished = match driver.log_in(&args.scenario) {
        Ok(finished) => finished,
        Err((e, _)) => {
            eprintln!(
                "error: the login did not run to the end: {}",
                on_terminal(&e.to_string())
            );
            return FOUND;
        }
    };
    if !finished.seen.logged_in {
        eprintln!(
            "error: the SP did not log {} in: {}",
            driver.user,
            finished
                .seen
                .failed
                .as_deref()
                .unwrap_or("the check failed")
        );
        return FOUND;
    }
    let text = match args.format {
        CookieFormat::Netscape => finished.jar.netscape(),
        CookieFormat::Json => {
            let session = Session {
                user: &driver.user,
                scenario: &args.scenario,
                identity: finished.seen.identity.as_deref(),
                cookies: finished.jar.cookies(),
            };
            serde_json::to_string_pretty(&session).unwrap_or_default() + "\n"
        }
    };
    match &args.output {
        Some(path) => match write_file(path, &text) {
            Ok(()) => OK,
            Err(e) => fail(&e),
        },
        None => {
            print!("{text}");
            OK
        }
    }
}

fn fail(e: &anyhow::Error) -> u8 {
    eprintln!("error: {}", on_terminal(&format!("{e:#}")));
    SETUP
}

/// `text` with what an SP wrote made inert (escape sequences written out), line by line.
fn on_terminal(text: &str) -> String {
    text.lines()
        .map(report::terminal::clean)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The IdP as the server prepares it, without a listener.
fn prepare(config: &Config) -> anyhow::Result<AppState> {
    let keys = keys::load_existing(&config.certs).context("loading the signing key")?;
    let directory = users::load(&config.users)?;
    let registry = sps::load_configured(config.sps.as_deref())?;
    // The base URL is what the SP knows this IdP by; without --base-url it is the server's
    // default for --bind, so an audit of an SP set up against a local server needs no flag.
    let bound: SocketAddr = match config.bind.parse() {
        Ok(addr) => addr,
        Err(_) if config.base_url.is_some() => SocketAddr::from(([127, 0, 0, 1], 0)),
        Err(_) => bail!(
            "--bind {:?} is not an IP address and port, so give --base-url (MOCK_IDP_BASE_URL): \
             the URL the SP knows this IdP by",
            config.bind
        ),
    };
    let endpoints = config::endpoints(config, bound)?;
    let state = AppState::new(endpoints, keys.signer, directory)
        .context("preparing the failure scenarios")?
        .with_registry(registry, config.policy())
        .with_signed_requests(config.want_signed_requests);
    Ok(state)
}

/// The driver for `target`; `check_required`: an audit must be told how to see a login.
fn driver<'a>(
    state: &'a AppState,
    target: &Target,
    check_required: bool,
) -> anyhow::Result<Driver<'a>> {
    let check = match Check::new(
        target.check_url.as_deref(),
        target.check_status.as_deref(),
        target.check_body.as_deref(),
        target.check_cookie.as_deref(),
    ) {
        Ok(check) => check,
        Err(CheckError::Empty) if !check_required => Check {
            url: target
                .check_url
                .as_deref()
                .map(|u| absolute(u, "--check-url"))
                .transpose()?,
            status: StatusRule::Success,
            body: None,
            cookie: None,
        },
        Err(e) => return Err(e.into()),
    };
    let user = match &target.user {
        Some(user) if state.directory.get(user).is_some() => user.clone(),
        Some(user) => bail!(
            "--user {user:?} is not in the users file; it has: {}",
            flow::login::known_users(state)
        ),
        None => state
            .directory
            .users()
            .first()
            .map(|u| u.id.clone())
            .ok_or_else(|| anyhow!("the users file has no users to log in"))?,
    };
    let mut origins = Origins::default();
    origins.idp_at(&absolute(&state.endpoints.base_url, "--base-url")?);
    let start = match (&target.sp_login, &target.sp) {
        (Some(login), _) => {
            let login_url = absolute(login, "--sp-login")?;
            origins.allow(&login_url);
            Start::SpInitiated { login_url }
        }
        (None, Some(entity_id)) => {
            let Some(sp) = state.registry.get(entity_id) else {
                bail!("--sp {entity_id:?} is not registered in --sps, which an IdP-initiated login needs (its ACS URL)");
            };
            for acs in sp.post_endpoints() {
                if let Ok(url) = Url::parse(&acs.url) {
                    origins.allow(&url);
                }
            }
            Start::IdpInitiated {
                entity_id: entity_id.clone(),
            }
        }
        (None, None) => {
            bail!("give --sp-login URL (SP-initiated) or --sp ENTITY-ID (IdP-initiated)")
        }
    };
    if let Some(url) = &check.url {
        origins.allow(url);
    }
    for extra in &target.allow_origin {
        origins.allow(&absolute(extra, "--allow-origin")?);
    }
    let agent = browser::agent(Options {
        timeout: Duration::from_secs(target.timeout.max(1)),
        insecure_tls: target.insecure,
    });
    Ok(Driver {
        state,
        agent,
        origins,
        start,
        check,
        user,
        relay_state: target.relay_state.clone(),
    })
}

fn absolute(text: &str, flag: &str) -> anyhow::Result<Url> {
    Url::parse(text)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        .ok_or_else(|| anyhow!("{flag} {text:?} is not an absolute http(s) URL"))
}

#[cfg(test)]
#[path = "tests/cli.rs"]
mod tests;
