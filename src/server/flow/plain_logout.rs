//! Logout without a SAML message, for products whose "remote logout URL" is a plain browser
//! redirect (Zendesk; Desk.com): the browser arrives at `GET /logout`, its IdP session ends, no
//! other SP is told (nothing in the request says which SP asked, and no LogoutRequest is
//! signed), and the browser is sent back to the return address the product passed, or shown a
//! logged-out page. Products that speak SAML single logout use `/slo` ([`super::logout`]).
//!
//! What the products append (a plain redirect is not a standard; none of it is required):
//! - Zendesk: `return_to` (the address to come back to), `email`, `external_id`, `brand_id`,
//!   and on a failed sign-in `kind=error` with a `message`. These names are those of Zendesk's
//!   remote-authentication (JWT) logout redirect as SPs that receive it document them (solapi's
//!   and coolsms's API references for their Zendesk logout endpoint list `brand_id`, `email`,
//!   `kind`, `message`, `return_to`; a Zendesk logout route in a public React app reads
//!   `kind=error` and `message`). Zendesk's own SAML article says only that it redirects users
//!   to the remote logout URL after they sign out; that it appends the same parameters for SAML
//!   is [unconfirmed].
//! - Desk.com (retired in 2020): its SSO screen had a "Remote Logout URL" (ADSelfService Plus's
//!   Desk guide); what it appended was not found in a public source [unconfirmed], so any
//!   `return_to` it passes is honoured like Zendesk's.
//!
//! The return address is outside input: it passes the one check of every URL a browser is
//! sent to ([`browser_url::normalised`]: it arrived decoded from the query, and goes on in ASCII).

use time::OffsetDateTime;

use crate::saml::browser_url;
use crate::server::sessions::Session;
use crate::server::state::AppState;

use super::{Classified, FaultKind};

/// What a product appended to the logout URL. Only `return_to` changes what happens; the rest
/// is shown and logged, to see what the product sent.
#[derive(Debug, Default, Clone)]
pub struct Request {
    /// Where to send the browser once logged out (Zendesk's `return_to`).
    pub return_to: Option<String>,
    /// Zendesk's `kind`: `error` when the product ends a sign-in it refused.
    pub kind: Option<String>,
    /// Zendesk's `message`: why, with `kind=error`.
    pub message: Option<String>,
    /// Zendesk's `email`: the user who signed out.
    pub email: Option<String>,
    /// Zendesk's `external_id`.
    pub external_id: Option<String>,
    /// Zendesk's `brand_id`.
    pub brand_id: Option<String>,
}

/// What became of the browser's session, and where it goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedOut {
    /// The user of the session that ended, if the browser had one.
    pub user: Option<String>,
    /// The SPs that session had reached, none of which was told (no SAML message is sent).
    pub not_told: Vec<String>,
    /// The checked return address: send the browser there instead of showing the page.
    pub return_to: Option<String>,
    /// The error the product reported (`kind=error`), to show rather than skip past.
    pub product_error: Option<String>,
    /// The user the product named (`email`, else `external_id`), for the page.
    pub named_user: Option<String>,
    /// The browser's session cookie goes (it named a session, live or not).
    pub end_session_cookie: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlainLogoutError {
    #[error("the query string could not be read: {0}; nothing was logged out")]
    Malformed(String),
    #[error("the return address {shown} {problem}; nothing was logged out")]
    BadReturnAddress { shown: String, problem: String },
    /// The logged-out page could not be rendered.
    #[error("{0}")]
    Page(String),
}

impl Classified for PlainLogoutError {
    fn kind(&self) -> FaultKind {
        match self {
            PlainLogoutError::Page(_) => FaultKind::Internal,
            _ => FaultKind::BadInput,
        }
    }

    fn title(&self) -> &'static str {
        match self {
            PlainLogoutError::Malformed(_) => "Bad request",
            PlainLogoutError::BadReturnAddress { .. } => "Return address refused",
            PlainLogoutError::Page(_) => "The logged-out page could not be made",
        }
    }

    fn hint(&self) -> Option<&'static str> {
        match self {
            PlainLogoutError::BadReturnAddress { .. } => Some("give `return_to` as an absolute http(s) URL of at most 2048 bytes, without spaces or control characters, or leave it out to see the logged-out page"),
            _ => None,
        }
    }
}

/// The browser whose session cookie names `session` asks to be logged out. The return address
/// is checked before anything ends; the session (if it is live) ends; the product's error is
/// kept for the page.
pub fn log_out(
    state: &AppState,
    session: Option<&str>,
    request: Request,
    now: OffsetDateTime,
) -> Result<LoggedOut, PlainLogoutError> {
    let return_to = match request.return_to.filter(|r| !r.is_empty()) {
        None => None,
        // Serialised by the URL parser: ASCII only, fit for a Location header.
        Some(r) => match browser_url::normalised(&r) {
            Ok(url) => Some(url),
            Err(problem) => {
                return Err(PlainLogoutError::BadReturnAddress {
                    shown: browser_url::shown(&r),
                    problem: problem.to_string(),
                })
            }
        },
    };
    let ended: Option<Session> = session
        .filter(|id| state.sessions.get(id, now).is_some())
        .and_then(|id| state.sessions.end(id));
    let product_error = request
        .kind
        .as_deref()
        .filter(|k| k.eq_ignore_ascii_case("error"))
        .map(|_| {
            request
                .message
                .clone()
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| "(no message)".into())
        });
    let named_user = request
        .email
        .clone()
        .filter(|e| !e.is_empty())
        .or_else(|| request.external_id.clone().filter(|e| !e.is_empty()));
    tracing::info!(
        user = ended.as_ref().map_or("(no session)", |s| s.user.as_str()),
        return_to = return_to.as_deref().unwrap_or(""),
        email = request.email.as_deref().unwrap_or(""),
        external_id = request.external_id.as_deref().unwrap_or(""),
        brand_id = request.brand_id.as_deref().unwrap_or(""),
        kind = request.kind.as_deref().unwrap_or(""),
        message = request.message.as_deref().unwrap_or(""),
        "plain logout: IdP session ended without a SAML message"
    );
    Ok(LoggedOut {
        user: ended.as_ref().map(|s| s.user.clone()),
        not_told: ended
            .map(|s| s.sps.into_iter().map(|p| p.sp_entity_id).collect())
            .unwrap_or_default(),
        return_to,
        product_error,
        named_user,
        end_session_cookie: session.is_some(),
    })
}

#[cfg(test)]
#[path = "tests/plain_logout.rs"]
mod tests;
