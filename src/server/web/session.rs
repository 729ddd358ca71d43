//! The IdP session as the browser sees it: the cookie that names it. Whether a login continues
//! the session, and which SPs it reaches, is `flow::login`'s.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use time::OffsetDateTime;

use crate::saml::issue::IssuedResponse;
use crate::server::flow::judged::JudgedRequest;
use crate::server::flow::login::{self, Choices, Destination, LoginError, Now};
use crate::server::sessions::{Session, COOKIE};

use super::AppState;

/// The session id this browser's cookie carries, if any.
pub fn id(req: &HttpRequest) -> Option<String> {
    req.cookie(COOKIE).map(|c| c.value().to_owned())
}

/// The live session this browser's cookie names at `now`, if any.
pub fn current(state: &AppState, req: &HttpRequest, now: OffsetDateTime) -> Option<Session> {
    login::current_session(state, id(req).as_deref(), now)
}

/// Answers a browser login inside its IdP session (see [`login::answer_in_session`]).
/// Returns the response and the session cookie to set.
pub fn answer(
    state: &AppState,
    req: &HttpRequest,
    received: Option<&JudgedRequest>,
    destination: &Destination<'_>,
    user: &str,
    choices: &Choices,
    now: OffsetDateTime,
) -> Result<(IssuedResponse, Cookie<'static>), LoginError> {
    let (issued, session_id) = login::answer_in_session(
        state,
        id(req).as_deref(),
        received,
        destination,
        user,
        choices,
        Now::at(now),
    )?;
    Ok((issued, cookie(&session_id)))
}

/// The cookie naming session `id`.
pub fn cookie(id: &str) -> Cookie<'static> {
    Cookie::build(COOKIE, id.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish()
}
