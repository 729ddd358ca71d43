//! The IdP session as the browser sees it: the cookie that names it. Whether a login continues
//! the session, and which SPs it reaches, is `flow::login`'s.

use actix_web::cookie::Cookie;
use actix_web::HttpRequest;
use time::OffsetDateTime;

use crate::server::flow::login;
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

/// The cookie naming session `id`.
pub fn cookie(id: &str) -> Cookie<'static> {
    super::cookies::kept(COOKIE, id.to_owned())
}
