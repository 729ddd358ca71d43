//! How the audit decides that the SP logged the user in: the check the person running it
//! gives. A URL to GET afterwards with the login's cookies (or else the page the ACS post ended
//! on), the status it must answer, a regular expression its body must match, a cookie the SP
//! must have set. A capture group of the expression (the one named `identity`, or else the
//! first) reads who is logged in, so that a forged identity is told from the signed one.

use regex_lite::Regex;
use url::Url;

use super::browser::{Browser, HttpError, Page};
use super::form;
use super::report::Exchange;
use crate::server::clock;

/// Which statuses count as logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusRule {
    /// Exactly one of these codes.
    Codes(Vec<u16>),
    /// Any of 200..=299.
    Success,
}

impl StatusRule {
    /// `200`, `2xx`, or a comma-separated list of either.
    pub fn parse(text: &str) -> Result<StatusRule, CheckError> {
        let mut codes = Vec::new();
        for part in text.split(',').map(str::trim) {
            if part.eq_ignore_ascii_case("2xx") && text.trim().eq_ignore_ascii_case("2xx") {
                return Ok(StatusRule::Success);
            }
            match part.parse::<u16>() {
                Ok(code @ 100..=599) => codes.push(code),
                _ => {
                    return Err(CheckError::Status(text.to_owned()));
                }
            }
        }
        Ok(StatusRule::Codes(codes))
    }

    fn matches(&self, status: u16) -> bool {
        match self {
            StatusRule::Codes(codes) => codes.contains(&status),
            StatusRule::Success => (200..300).contains(&status),
        }
    }

    fn describe(&self) -> String {
        match self {
            StatusRule::Codes(codes) => codes
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(" or "),
            StatusRule::Success => "2xx".into(),
        }
    }
}

/// A check that cannot be built from what was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckError {
    #[error("--check-status {0:?}: give a status code (200), a list (200,204) or 2xx")]
    Status(String),
    #[error("--check-body {pattern:?} is not a regular expression: {reason}")]
    Body { pattern: String, reason: String },
    #[error("--check-url {0:?} is not an absolute http(s) URL")]
    Url(String),
    #[error(
        "no check: say how to tell that the SP logged the user in, with at least one of \
         --check-body REGEX (best with a capture group for who is logged in), --check-cookie \
         NAME or --check-status CODE, optionally on a page given by --check-url"
    )]
    Empty,
}

/// The most of a captured identity kept: any real one is far shorter, and a capture group
/// that matched a whole page would otherwise be copied into every report row.
const MAX_IDENTITY: usize = 256;

fn capped(identity: &str) -> String {
    match identity.char_indices().nth(MAX_IDENTITY) {
        Some((at, _)) => format!("{}…", &identity[..at]),
        None => identity.to_owned(),
    }
}

/// The names of the cookies `exchanges` set.
pub fn set_cookies(exchanges: &[Exchange]) -> Vec<String> {
    exchanges
        .iter()
        .flat_map(|e| e.set_cookies.iter().cloned())
        .collect()
}

fn non_blank(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// The check of one audit.
#[derive(Debug, Clone)]
pub struct Check {
    pub url: Option<Url>,
    pub status: StatusRule,
    pub body: Option<Regex>,
    pub cookie: Option<String>,
}

/// What the check saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub logged_in: bool,
    /// What the capture group read, character references decoded.
    pub identity: Option<String>,
    /// Why it is not a login, when it is not.
    pub failed: Option<String>,
    pub status: u16,
}

impl Check {
    pub fn new(
        url: Option<&str>,
        status: Option<&str>,
        body: Option<&str>,
        cookie: Option<&str>,
    ) -> Result<Check, CheckError> {
        let (url, status, body, cookie) = (
            non_blank(url),
            non_blank(status),
            non_blank(body),
            non_blank(cookie),
        );
        if status.is_none() && body.is_none() && cookie.is_none() {
            return Err(CheckError::Empty);
        }
        let url = url
            .map(|u| {
                Url::parse(u)
                    .ok()
                    .filter(|p| matches!(p.scheme(), "http" | "https"))
                    .ok_or_else(|| CheckError::Url(u.to_owned()))
            })
            .transpose()?;
        let body = body
            .map(|p| {
                Regex::new(p).map_err(|e| CheckError::Body {
                    pattern: p.to_owned(),
                    reason: e.to_string(),
                })
            })
            .transpose()?;
        Ok(Check {
            url,
            status: status.map_or(Ok(StatusRule::Success), StatusRule::parse)?,
            body,
            cookie: cookie.map(str::to_owned),
        })
    }

    /// Whether the regular expression can read an identity.
    pub fn reads_identity(&self) -> bool {
        self.body.as_ref().is_some_and(|re| re.captures_len() > 1)
    }

    /// The check in words, for reports.
    pub fn describe(&self) -> String {
        let mut parts = vec![match &self.url {
            Some(url) => format!("GET {url} answers {}", self.status.describe()),
            None => format!(
                "the page the ACS post ends on answers {}",
                self.status.describe()
            ),
        }];
        if let Some(re) = &self.body {
            parts.push(format!("its body matches /{}/", re.as_str()));
        }
        if let Some(name) = &self.cookie {
            parts.push(format!("the SP has set the cookie {name}"));
        }
        parts.join(", ")
    }

    /// Runs the check after a login that ended on `landed`. A cookie counts only if the login
    /// set it (`login_cookies`: set from the ACS post on), or the check's own page did, and it
    /// is still live: a session cookie an SP sets when a login starts proves nothing.
    pub fn run(
        &self,
        browser: &mut Browser<'_>,
        landed: &Page,
        login_cookies: &[String],
    ) -> Result<Seen, HttpError> {
        let before = browser.exchanges.len();
        let fetched;
        let page = match &self.url {
            Some(url) => {
                let first = browser.get(url)?;
                fetched = browser.follow(first, |_| false)?;
                &fetched
            }
            None => landed,
        };
        let set_by_check = set_cookies(&browser.exchanges[before..]);
        let now = clock::now();
        Ok(self.judge(page, |name| {
            (login_cookies.iter().any(|c| c == name) || set_by_check.iter().any(|c| c == name))
                && browser.jar.has(name, now)
        }))
    }

    /// What `page` and the jar say.
    pub fn judge(&self, page: &Page, has_cookie: impl Fn(&str) -> bool) -> Seen {
        let mut failed = None;
        let mut identity = None;
        if !self.status.matches(page.status) {
            failed = Some(format!(
                "answered {} where the check wants {}",
                page.status,
                self.status.describe()
            ));
        } else if let Some(re) = &self.body {
            match re.captures(&page.body) {
                None => failed = Some(format!("the body does not match /{}/", re.as_str())),
                Some(caps) => {
                    identity = caps
                        .name("identity")
                        .or_else(|| caps.get(1))
                        .map(|m| capped(form::decode(m.as_str()).trim()));
                }
            }
        }
        if failed.is_none() {
            if let Some(name) = self.cookie.as_deref().filter(|n| !has_cookie(n)) {
                failed = Some(format!("the SP has not set the cookie {name}"));
            }
        }
        Seen {
            logged_in: failed.is_none(),
            identity: identity.filter(|_| failed.is_none()),
            failed,
            status: page.status,
        }
    }
}

#[cfg(test)]
#[path = "tests/check.rs"]
mod tests;
