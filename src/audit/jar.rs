//! The cookie jar of one audited login: what the SP sets with `Set-Cookie`, sent back where a
//! browser would send it (RFC 6265: domain, path, `Secure`, expiry), and printed by
//! `mock-idp login` for a CI suite to reuse.
//!
//! A browser also withholds `SameSite=Lax` and `Strict` cookies from a cross-site POST, which
//! is what the IdP's auto-submitting page sends to the ACS; the jar does the same, so an SP
//! that keeps its login state in such a cookie fails here as it fails in a browser. Cookies
//! without a `SameSite` attribute are sent, as browsers do for a cookie set moments before.

use cookie::{Cookie, SameSite};
use serde::Serialize;
use time::OffsetDateTime;
use url::Url;

/// One cookie the SP set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredCookie {
    pub name: String,
    pub value: String,
    /// The host it was set by, or the `Domain` it names (without a leading dot).
    pub domain: String,
    /// Sent to `domain` only, not its subdomains (no `Domain` attribute).
    pub host_only: bool,
    pub path: String,
    pub secure: bool,
    pub http_only: bool,
    /// `lax`, `strict`, `none`, or `None` when the SP did not say.
    pub same_site: Option<&'static str>,
    /// Unix time it expires at; `None` for a session cookie.
    pub expires: Option<i64>,
}

/// Whether a request is the cross-site POST of an auto-submitting form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    Same,
    CrossSitePost,
}

/// The cookies of one login.
#[derive(Debug, Clone, Default)]
pub struct Jar {
    cookies: Vec<StoredCookie>,
}

impl Jar {
    pub fn cookies(&self) -> &[StoredCookie] {
        &self.cookies
    }

    /// Stores what one `Set-Cookie` header of a response from `url` says; a header that does
    /// not parse, or names a domain `url` is not in, is ignored, as a browser ignores it.
    pub fn store(&mut self, url: &Url, header: &str, now: OffsetDateTime) {
        let Ok(parsed) = Cookie::parse(header) else {
            return;
        };
        let Some(host) = url.host_str().map(str::to_ascii_lowercase) else {
            return;
        };
        let (domain, host_only) = match parsed.domain().map(|d| d.trim_start_matches('.')) {
            Some(d) if !d.is_empty() => {
                let d = d.to_ascii_lowercase();
                if !domain_matches(&host, &d) {
                    return;
                }
                (d, false)
            }
            _ => (host, true),
        };
        let path = match parsed.path() {
            Some(p) if p.starts_with('/') => p.to_owned(),
            _ => default_path(url),
        };
        let expires = match parsed.max_age() {
            // An SP may send any Max-Age: a huge one is "never", not an overflow.
            Some(age) => Some(now.unix_timestamp().saturating_add(age.whole_seconds())),
            None => parsed.expires_datetime().map(|t| t.unix_timestamp()),
        };
        self.cookies
            .retain(|c| !(c.name == parsed.name() && c.domain == domain && c.path == path));
        if expires.is_some_and(|e| e <= now.unix_timestamp()) {
            return;
        }
        self.cookies.push(StoredCookie {
            name: parsed.name().to_owned(),
            value: parsed.value().to_owned(),
            domain,
            host_only,
            path,
            secure: parsed.secure().unwrap_or(false),
            http_only: parsed.http_only().unwrap_or(false),
            same_site: parsed.same_site().map(|s| match s {
                SameSite::Lax => "lax",
                SameSite::Strict => "strict",
                SameSite::None => "none",
            }),
            expires,
        });
    }

    /// The `Cookie` header for a request to `url`, if any cookie goes with it.
    pub fn header_for(&self, url: &Url, site: Site, now: OffsetDateTime) -> Option<String> {
        let host = url.host_str()?.to_ascii_lowercase();
        let https = url.scheme() == "https";
        let path = url.path();
        let mut chosen: Vec<&StoredCookie> = self
            .cookies
            .iter()
            .filter(|c| {
                let domain_ok = if c.host_only {
                    c.domain == host
                } else {
                    domain_matches(&host, &c.domain)
                };
                domain_ok
                    && path_matches(path, &c.path)
                    && (https || !c.secure)
                    && c.expires.is_none_or(|e| e > now.unix_timestamp())
                    && (site == Site::Same || !matches!(c.same_site, Some("lax" | "strict")))
            })
            .collect();
        // RFC 6265 5.4: longer paths first.
        chosen.sort_by_key(|c| std::cmp::Reverse(c.path.len()));
        if chosen.is_empty() {
            return None;
        }
        Some(
            chosen
                .iter()
                .map(|c| format!("{}={}", c.name, c.value))
                .collect::<Vec<_>>()
                .join("; "),
        )
    }

    /// The cookies a same-site request to `url` would carry that a cross-site POST does not:
    /// those with `SameSite=Lax` or `Strict`.
    pub fn withheld_from_cross_site_post(&self, url: &Url, now: OffsetDateTime) -> Vec<String> {
        let names = |site| -> Vec<String> {
            self.header_for(url, site, now)
                .map(|h| {
                    h.split("; ")
                        .filter_map(|c| c.split_once('=').map(|(n, _)| n.to_owned()))
                        .collect()
                })
                .unwrap_or_default()
        };
        let sent = names(Site::CrossSitePost);
        names(Site::Same)
            .into_iter()
            .filter(|n| !sent.contains(n))
            .collect()
    }

    /// Whether a live cookie of this name is held.
    pub fn has(&self, name: &str, now: OffsetDateTime) -> bool {
        self.cookies
            .iter()
            .any(|c| c.name == name && c.expires.is_none_or(|e| e > now.unix_timestamp()))
    }

    /// The cookies in the Netscape format curl and wget read (`curl -b FILE`).
    pub fn netscape(&self) -> String {
        let mut out = String::from("# Netscape HTTP Cookie File\n");
        for c in &self.cookies {
            let domain = if c.host_only {
                c.domain.clone()
            } else {
                format!(".{}", c.domain)
            };
            let line = [
                if c.http_only {
                    format!("#HttpOnly_{domain}")
                } else {
                    domain
                },
                if c.host_only { "FALSE" } else { "TRUE" }.to_owned(),
                c.path.clone(),
                if c.secure { "TRUE" } else { "FALSE" }.to_owned(),
                c.expires.unwrap_or(0).to_string(),
                c.name.clone(),
                c.value.clone(),
            ]
            .join("\t");
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

/// RFC 6265 5.1.3.
fn domain_matches(host: &str, domain: &str) -> bool {
    host == domain
        || (host.ends_with(domain)
            && host[..host.len() - domain.len()].ends_with('.')
            && host.parse::<std::net::IpAddr>().is_err())
}

/// RFC 6265 5.1.4.
fn path_matches(request: &str, cookie: &str) -> bool {
    request == cookie
        || (request.starts_with(cookie)
            && (cookie.ends_with('/') || request[cookie.len()..].starts_with('/')))
}

/// RFC 6265 5.1.4: the directory of the request's path.
fn default_path(url: &Url) -> String {
    let path = url.path();
    match path.rfind('/') {
        Some(0) | None => "/".to_owned(),
        Some(at) => path[..at].to_owned(),
    }
}

#[cfg(test)]
#[path = "tests/jar.rs"]
mod tests;
