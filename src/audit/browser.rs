//! The audit's browser: HTTP without JavaScript, one cookie jar per login, redirects followed
//! by hand so that each one is checked against the origins the audit may visit and recorded
//! for the report. Bounded: a timeout per request, a redirect limit, a body limit.

use std::time::Duration;

use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use url::{Origin, Url};

use super::jar::{Jar, Site};
use super::report::Exchange;
use crate::server::clock;

/// How far the browser goes.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// For one request, connect to last byte.
    pub timeout: Duration,
    /// Accept any TLS certificate (SPs with self-signed certificates in test environments).
    pub insecure_tls: bool,
}

/// Redirects followed in a row before giving up; browsers stop at about 20.
const MAX_REDIRECTS: usize = 20;
/// The most of a body read; an SP page is far smaller.
const BODY_LIMIT: u64 = 4 * 1024 * 1024;
/// The most of a body kept in the report.
const EXCERPT: usize = 4096;

/// Why a request got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("{method} {url}: {reason}")]
    Failed {
        method: &'static str,
        url: String,
        reason: String,
    },
    #[error(
        "{from} redirects to {to}, outside the origins this audit may visit ({allowed}); if it \
         belongs to the SP, allow it with --allow-origin"
    )]
    Outside {
        from: String,
        to: String,
        allowed: String,
    },
    #[error("more than {MAX_REDIRECTS} redirects in a row, the last from {from}")]
    TooManyRedirects { from: String },
    #[error("{from} redirects to {location:?}, which is not a URL")]
    BadLocation { from: String, location: String },
}

/// The origins (scheme, host, port) the audit may send requests to, and this IdP, where a
/// redirect ends the browsing: the audit never sends a request there (the IdP's part of a
/// login is a call, not HTTP), so a redirect to it is the page's answer.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    allowed: Vec<Origin>,
    /// The IdP's base URL, without a trailing `/`.
    idp: Option<Url>,
}

impl Origins {
    pub fn allow(&mut self, url: &Url) {
        let origin = url.origin();
        if !self.allowed.contains(&origin) {
            self.allowed.push(origin);
        }
    }

    pub fn allows(&self, url: &Url) -> bool {
        self.allowed.contains(&url.origin())
    }

    /// The IdP is at `base` (its path, if any, is where its URLs start).
    pub fn idp_at(&mut self, base: &Url) {
        self.idp = Some(base.clone());
    }

    /// Whether `url` is one of the IdP's: its origin, under its base URL's path.
    pub fn is_idp(&self, url: &Url) -> bool {
        let Some(base) = &self.idp else {
            return false;
        };
        let prefix = base.path().trim_end_matches('/');
        base.origin() == url.origin()
            && (prefix.is_empty()
                || url.path() == prefix
                || url
                    .path()
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/')))
    }

    pub fn describe(&self) -> String {
        self.allowed
            .iter()
            .map(|o| o.ascii_serialization())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// An HTTP answer, its body read.
#[derive(Debug, Clone)]
pub struct Page {
    pub url: Url,
    pub status: u16,
    /// The Location of a redirect, resolved against `url`.
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    pub fn is_redirect(&self) -> bool {
        matches!(self.status, 301 | 302 | 303 | 307 | 308) && self.location.is_some()
    }
}

/// Builds the one HTTP agent of a run.
pub fn agent(options: Options) -> ureq::Agent {
    let tls = TlsConfig::builder()
        .provider(TlsProvider::NativeTls)
        .root_certs(RootCerts::PlatformVerifier)
        .disable_verification(options.insecure_tls)
        .build();
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_global(Some(options.timeout))
        .tls_config(tls)
        .user_agent(concat!("mock-idp/", env!("CARGO_PKG_VERSION"), " (audit)"))
        .build()
        .into()
}

/// One login's browsing: its cookies and everything it exchanged.
pub struct Browser<'a> {
    agent: &'a ureq::Agent,
    origins: Origins,
    pub jar: Jar,
    pub exchanges: Vec<Exchange>,
}

impl<'a> Browser<'a> {
    pub fn new(agent: &'a ureq::Agent, origins: Origins) -> Self {
        Browser {
            agent,
            origins,
            jar: Jar::default(),
            exchanges: Vec::new(),
        }
    }

    /// Lets redirects reach `url`'s origin too (the ACS the response is posted to).
    pub fn allow(&mut self, url: &Url) {
        self.origins.allow(url);
    }

    /// GET `url` with the jar's cookies.
    pub fn get(&mut self, url: &Url) -> Result<Page, HttpError> {
        let mut request = self.agent.get(url.as_str());
        if let Some(cookies) = self.jar.header_for(url, Site::Same, clock::now()) {
            request = request.header("Cookie", cookies);
        }
        let answer = request.call();
        self.record("GET", url, Vec::new(), Vec::new(), answer)
    }

    /// POST `fields` to `url` as an auto-submitting form on `from`'s page would: form-encoded,
    /// with `Origin` and `Referer`, cross-site cookies only.
    pub fn post_form(
        &mut self,
        url: &Url,
        fields: &[(&str, &str)],
        from: &Url,
    ) -> Result<Page, HttpError> {
        let site = if same_site(url, from) {
            Site::Same
        } else {
            Site::CrossSitePost
        };
        let mut request = self
            .agent
            .post(url.as_str())
            .header("Origin", from.origin().ascii_serialization())
            .header("Referer", from.as_str());
        let now = clock::now();
        if let Some(cookies) = self.jar.header_for(url, site, now) {
            request = request.header("Cookie", cookies);
        }
        let withheld = match site {
            Site::Same => Vec::new(),
            Site::CrossSitePost => self.jar.withheld_from_cross_site_post(url, now),
        };
        let body = serde_urlencoded::to_string(fields).unwrap_or_default();
        let answer = request
            .content_type("application/x-www-form-urlencoded")
            .send(body);
        let shown = fields
            .iter()
            .map(|(k, v)| {
                let v = if matches!(*k, "SAMLResponse" | "SAMLRequest") {
                    format!("({} characters of base64)", v.len())
                } else {
                    (*v).to_owned()
                };
                ((*k).to_owned(), v)
            })
            .collect();
        self.record("POST", url, shown, withheld, answer)
    }

    /// Follows `page`'s redirects (as GETs) until an answer that is not a redirect, a redirect
    /// `stop` wants, or a redirect to the IdP (returned unfollowed, its Location in
    /// `location`). Every hop must stay among the allowed origins.
    pub fn follow(
        &mut self,
        mut page: Page,
        stop: impl Fn(&Url) -> bool,
    ) -> Result<Page, HttpError> {
        for _ in 0..MAX_REDIRECTS {
            if !page.is_redirect() {
                return Ok(page);
            }
            let location = page.location.clone().unwrap_or_default();
            let next = Url::parse(&location).map_err(|_| HttpError::BadLocation {
                from: page.url.to_string(),
                location: location.clone(),
            })?;
            if stop(&next) || self.origins.is_idp(&next) {
                return Ok(page);
            }
            if !self.origins.allows(&next) {
                return Err(HttpError::Outside {
                    from: page.url.to_string(),
                    to: next.to_string(),
                    allowed: self.origins.describe(),
                });
            }
            page = self.get(&next)?;
        }
        Err(HttpError::TooManyRedirects {
            from: page.url.to_string(),
        })
    }

    fn record(
        &mut self,
        method: &'static str,
        url: &Url,
        form: Vec<(String, String)>,
        withheld_cookies: Vec<String>,
        answer: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<Page, HttpError> {
        let mut response = match answer {
            Ok(r) => r,
            Err(e) => {
                self.exchanges.push(Exchange {
                    method,
                    url: url.to_string(),
                    form,
                    status: None,
                    location: None,
                    set_cookies: Vec::new(),
                    withheld_cookies,
                    body: String::new(),
                });
                return Err(HttpError::Failed {
                    method,
                    url: url.to_string(),
                    reason: describe(&e),
                });
            }
        };
        let status = response.status().as_u16();
        let now = clock::now();
        let mut set_cookies = Vec::new();
        for header in response.headers().get_all("set-cookie") {
            if let Ok(text) = header.to_str() {
                self.jar.store(url, text, now);
                if let Some((name, _)) = text.split_once('=') {
                    set_cookies.push(name.trim().to_owned());
                }
            }
        }
        let location = response
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(|l| url.join(l).map_or_else(|_| l.to_owned(), |u| u.to_string()));
        let body = match response
            .body_mut()
            .with_config()
            .limit(BODY_LIMIT)
            .read_to_vec()
        {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                return Err(HttpError::Failed {
                    method,
                    url: url.to_string(),
                    reason: format!("reading the answer (HTTP {status}): {}", describe(&e)),
                })
            }
        };
        self.exchanges.push(Exchange {
            method,
            url: url.to_string(),
            form,
            status: Some(status),
            location: location.clone(),
            set_cookies,
            withheld_cookies,
            body: excerpt(&body),
        });
        Ok(Page {
            url: url.clone(),
            status,
            location,
            body,
        })
    }
}

/// Whether two URLs are of the same site, as browsers decide which cookies a cross-site POST
/// carries: the same scheme and the same registrable domain (ports do not count). Without the
/// public-suffix list the registrable domain is taken as the last two labels of the host, or
/// the whole IP address, which can only call two sites one (and send more cookies), never
/// split one.
pub fn same_site(a: &Url, b: &Url) -> bool {
    fn site(u: &Url) -> Option<(String, String)> {
        let host = match u.host()? {
            url::Host::Domain(d) => {
                let labels: Vec<&str> = d.trim_end_matches('.').rsplitn(3, '.').collect();
                labels
                    .iter()
                    .take(2)
                    .rev()
                    .copied()
                    .collect::<Vec<_>>()
                    .join(".")
                    .to_ascii_lowercase()
            }
            ip => ip.to_string(),
        };
        Some((u.scheme().to_owned(), host))
    }
    site(a).is_some() && site(a) == site(b)
}

/// The start of `body`, cut at a character boundary.
pub fn excerpt(body: &str) -> String {
    if body.len() <= EXCERPT {
        return body.to_owned();
    }
    let mut end = EXCERPT;
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &body[..end])
}

/// ureq's error in words a person acts on.
fn describe(e: &ureq::Error) -> String {
    match e {
        ureq::Error::Timeout(_) => "no answer within the timeout (--timeout)".into(),
        ureq::Error::HostNotFound => "the host name does not resolve".into(),
        ureq::Error::ConnectionFailed => "the connection was refused: is the SP running?".into(),
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "the connection was refused: is the SP running?".into()
        }
        ureq::Error::BodyExceedsLimit(limit) => {
            format!("the answer is larger than {limit} bytes")
        }
        other => {
            let text = other.to_string();
            if text.contains("certificate verify failed") {
                format!(
                    "{text}; the SP's TLS certificate is not trusted: --insecure accepts any \
                     (test environments), or SSL_CERT_FILE can name a CA bundle holding its issuer"
                )
            } else {
                text
            }
        }
    }
}

#[cfg(test)]
#[path = "tests/browser.rs"]
mod tests;
