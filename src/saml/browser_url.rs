//! The one check every URL the server sends a browser to passes, whatever its source: a
//! registry field (`acs[].url`, `slo_url`), an SP's metadata file (AssertionConsumerService and
//! SingleLogoutService `Location`), a preset's URLs, an AuthnRequest's
//! AssertionConsumerServiceURL, and the return address of a plain logout. Such a URL becomes the
//! action of an auto-submitting form or a `Location` header on the IdP's origin, so anything but
//! an absolute http(s) URL (a `javascript:` or `data:` URL runs script there), and anything a
//! header cannot carry (a CR or LF, any other control character, a character outside ASCII), is
//! refused where the URL enters, with the reason.
//!
//! RelayState is not checked here: it is an opaque value the SP gets back (saml-bindings 3.4.3,
//! 3.5.3), never a place the server sends a browser to, and it travels in a form field or a
//! query parameter, escaped.

/// The longest URL a browser is sent to, in bytes: browsers and servers commonly cap URLs
/// around 2 to 8 KiB, and an endpoint of an SP is far shorter.
pub const MAX_LEN: usize = 2048;

/// Why a URL cannot be one a browser is sent to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlProblem {
    #[error("is {0} bytes; at most {MAX_LEN} are followed")]
    TooLong(usize),
    #[error("contains a control character (a CR, LF, tab or another)")]
    Control,
    #[error("is not a URL: it contains a space")]
    Space,
    #[error("contains a character outside ASCII: write it percent-encoded (and an internationalised host in its xn-- form)")]
    NotAscii,
    #[error("is not an absolute http(s) URL")]
    NotHttp,
    #[error("is not an absolute http(s) URL: it has no host")]
    NoHost,
    #[error("is not a URL: {0}")]
    Unparsable(String),
}

/// Why `url`, used exactly as written, cannot be sent to a browser, if it cannot: longer than
/// [`MAX_LEN`], holding a control character, a space or a character outside ASCII, not an
/// absolute http(s) URL (so no `javascript:`, `data:` or scheme-relative `//host`), without a
/// host, or not a URL at all.
pub fn problem(url: &str) -> Option<UrlProblem> {
    check(url, false).err()
}

/// `url` as the URL parser writes it (ASCII only: characters outside ASCII percent-encoded, the
/// host in its xn-- form), once it passes the same check with characters outside ASCII allowed:
/// for a value the server received decoded (a query parameter) and sends on re-encoded.
pub fn normalised(url: &str) -> Result<String, UrlProblem> {
    check(url, true)
}

fn check(url: &str, allow_non_ascii: bool) -> Result<String, UrlProblem> {
    if url.len() > MAX_LEN {
        return Err(UrlProblem::TooLong(url.len()));
    }
    if url.chars().any(char::is_control) {
        return Err(UrlProblem::Control);
    }
    if url.contains(char::is_whitespace) {
        return Err(UrlProblem::Space);
    }
    if !allow_non_ascii && !url.is_ascii() {
        return Err(UrlProblem::NotAscii);
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or(UrlProblem::NotHttp)?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(UrlProblem::NoHost);
    }
    match url::Url::parse(url) {
        Ok(u) if u.host_str().is_some_and(|h| !h.is_empty()) => Ok(u.into()),
        Ok(_) => Err(UrlProblem::NoHost),
        Err(e) => Err(UrlProblem::Unparsable(e.to_string())),
    }
}

/// A refused URL as a message shows it: quoted, its control characters escaped, cut to 200
/// characters (a refused value may be megabytes long).
pub fn shown(url: &str) -> String {
    const SHOWN: usize = 200;
    let cut: String = url.chars().take(SHOWN).collect();
    let more = if url.chars().nth(SHOWN).is_some() {
        "..."
    } else {
        ""
    };
    format!("{cut:?}{more}")
}

#[cfg(test)]
#[path = "tests/browser_url.rs"]
mod tests;
