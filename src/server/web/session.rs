//! The IdP session as the browser sees it: the cookie, continuing a session when the same user
//! logs in again, and recording each SP the session reaches (for logout).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;

use crate::saml::issue::{IdSource, IssuedResponse};
use crate::server::clock;
use crate::server::sessions::{Participation, Session, COOKIE};

use super::AppState;
use crate::server::flow::login::{self, Choices, Destination, LoginError, Received};

/// The live session this browser's cookie names, if any.
pub fn current(state: &AppState, req: &HttpRequest) -> Option<Session> {
    let id = req.cookie(COOKIE)?;
    state.sessions.get(id.value(), clock::now())
}

/// Answers a browser login inside the IdP session: the session continues when the same user
/// logs in again and the SP does not demand a fresh authentication (ForceAuthn); otherwise a
/// new one starts now. The SP joins the session when the response logs the user in.
/// Returns the response and the session cookie to set.
pub fn answer(
    state: &AppState,
    req: &HttpRequest,
    received: Option<&Received>,
    destination: &Destination<'_>,
    user: &str,
    choices: &Choices,
) -> Result<(IssuedResponse, Cookie<'static>), LoginError> {
    let force = received.is_some_and(|r| r.request.force_authn);
    let session = match current(state, req) {
        Some(s) if s.user == user && !force => s,
        _ => {
            let mut ids = clock::RandomIds;
            state
                .sessions
                .start(ids.next_id(), user, ids.next_id(), clock::now())
        }
    };
    let issued = login::answer(
        state,
        received,
        destination,
        Some(user),
        choices,
        Some(&session.info),
    )?;
    if let (true, Some(name_id), Some(session_index)) = (
        issued.status.is_success(),
        issued.name_id.clone(),
        issued.session_index.clone(),
    ) {
        let sp_entity_id = destination.resolution.target.sp_entity_id.clone();
        state.sessions.joined(
            &session.id,
            Participation {
                sp_entity_id,
                name_id,
                session_index,
            },
        );
    }
    Ok((issued, cookie(&session.id)))
}

fn cookie(id: &str) -> Cookie<'static> {
    Cookie::build(COOKIE, id.to_owned())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .finish()
}
