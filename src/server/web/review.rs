//! Review before posting (the picker's box, `--review`): the issued response is held on a page
//! where it can be edited, and `POST /sso/review` posts it, as typed or re-signed, to the ACS
//! resolved for its login. The form carries a token and the text only: the destination and
//! the RelayState stay on the server, so the page cannot be used to post anywhere else.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::saml::binding;
use crate::saml::issue::{IdSource, IssuedResponse};
use crate::saml::review::{self, EditError};
use crate::saml::scenario::{self, VALID};
use crate::server::clock;
use crate::server::flow::{Classified, FaultKind};
use crate::server::inspector::Posted;
use crate::server::reviews::{Pending, TTL};

use super::error::PageError;
use super::{render, sso, AppState};

#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error("no response is waiting for review under this token: it was posted already, waited more than {} minutes, or was never held here", TTL.whole_minutes())]
    UnknownToken,
    #[error("the review form could not be read: {0}")]
    Malformed(String),
    #[error("action {0:?} is not one of: as-is, resign")]
    BadAction(String),
    #[error("the response text is empty")]
    Empty,
    #[error("{0}")]
    Edit(#[from] EditError),
}

impl Classified for ReviewError {
    fn kind(&self) -> FaultKind {
        // A failure of ours rather than of the input.
        if matches!(self, ReviewError::Edit(EditError::Signing(_))) {
            FaultKind::Internal
        } else {
            FaultKind::BadInput
        }
    }

    fn title(&self) -> &'static str {
        match self {
            ReviewError::UnknownToken => "Nothing to post",
            ReviewError::Edit(EditError::Signing(_)) => "The response could not be signed",
            ReviewError::Edit(_) => "The edited response cannot be re-signed",
            ReviewError::Malformed(_) | ReviewError::BadAction(_) | ReviewError::Empty => {
                "Bad request"
            }
        }
    }

    fn hint(&self) -> Option<&'static str> {
        match self {
            ReviewError::UnknownToken => {
                Some("start the login at the service provider again and tick \"Review before posting\"")
            }
            ReviewError::Edit(EditError::Signing(_)) => None,
            ReviewError::Edit(_) | ReviewError::Empty => Some(
                "go back, correct the text and post again (the review stays open until it is posted); or post it as typed, which sends the text without reading it",
            ),
            ReviewError::Malformed(_) | ReviewError::BadAction(_) => None,
        }
    }
}

#[derive(Serialize)]
struct ReviewPage<'a> {
    token: &'a str,
    user: &'a str,
    sp: &'a str,
    scenario: &'a str,
    scenario_title: Option<&'static str>,
    acs_url: &'a str,
    relay_state: Option<&'a str>,
    xml: &'a str,
    /// "samlp:Response (ID _...): rsa-sha256, sha256 digest", one per signed element.
    signatures: Vec<String>,
    /// The text is the response as issued, not indented: it does not parse.
    unreadable: bool,
    minutes: i64,
    exchange: Option<u64>,
}

/// Holds `issued` for review instead of posting it, and shows the review page.
pub fn hold(
    state: &AppState,
    issued: &IssuedResponse,
    relay_state: Option<&str>,
    user: &str,
) -> Result<HttpResponse, PageError> {
    let now = clock::now();
    let exchange = state.inspector.hold(&issued.xml);
    let recorded = exchange.and_then(|seq| state.inspector.get(seq));
    let (sp, scenario) = recorded.map_or((String::new(), VALID.id), |e| (e.sp, e.scenario));
    let shown = review::editable(&issued.xml);
    let signatures = review::signed_elements(&issued.xml)
        .into_iter()
        .map(|s| {
            let id = s.id.map_or_else(String::new, |id| format!(" (ID {id})"));
            let how = s.algorithms.map_or_else(
                || "a method this IdP does not sign with; re-signed with the login's".to_owned(),
                |a| format!("{}, {} digest", a.signature.id(), a.digest.id()),
            );
            format!("{}{id}: {how}", s.element)
        })
        .collect();
    let token = clock::RandomIds.next_id();
    let pending = Pending {
        acs_url: issued.acs_url.clone(),
        relay_state: relay_state.map(str::to_owned),
        sp,
        user: user.to_owned(),
        scenario,
        issued_xml: issued.xml.clone(),
        algorithms: review::original_algorithms(&issued.xml),
        shown,
        exchange,
        held_at: now,
    };
    let page = ReviewPage {
        token: &token,
        user,
        sp: &pending.sp,
        scenario,
        scenario_title: (scenario != VALID.id)
            .then(|| scenario::find(scenario).map(|s| s.title))
            .flatten(),
        acs_url: &pending.acs_url,
        relay_state,
        xml: &pending.shown,
        signatures,
        unreadable: pending.shown == pending.issued_xml,
        minutes: TTL.whole_minutes(),
        exchange,
    };
    let body = render::page("review", &page).map_err(PageError::internal)?;
    state.reviews.hold(token.clone(), pending, now);
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .body(body))
}

/// The review page's form. Nothing in it says where the response goes.
#[derive(Debug, Default, Deserialize)]
struct ReviewForm {
    token: Option<String>,
    xml: Option<String>,
    /// `as-is` or `resign`.
    action: Option<String>,
}

/// `POST /sso/review`: posts the reviewed response to its login's ACS.
pub async fn post(state: web::Data<AppState>, body: web::Bytes) -> Result<HttpResponse, PageError> {
    let form: ReviewForm =
        serde_urlencoded::from_bytes(&body).map_err(|e| ReviewError::Malformed(e.to_string()))?;
    let token = form.token.as_deref().unwrap_or_default();
    let pending = state
        .reviews
        .get(token, clock::now())
        .ok_or(ReviewError::UnknownToken)?;
    // Browsers send a textarea's line ends as CRLF.
    let text = form.xml.unwrap_or_default().replace("\r\n", "\n");
    if text.trim().is_empty() {
        return Err(ReviewError::Empty.into());
    }
    let xml = match form.action.as_deref().unwrap_or("as-is") {
        "as-is" if text == pending.shown => pending.issued_xml.clone(),
        "as-is" => review::as_typed(&text),
        "resign" => {
            review::resign(&text, pending.algorithms, &state.signer)
                .map_err(ReviewError::from)?
                .xml
        }
        other => return Err(ReviewError::BadAction(other.to_owned()).into()),
    };
    let how = match form.action.as_deref() {
        _ if xml == pending.issued_xml => Posted::Unchanged,
        Some("resign") => Posted::Resigned,
        _ => Posted::AsTyped,
    };
    if !state.reviews.finish(token) {
        // Posted from another tab in the meantime.
        return Err(ReviewError::UnknownToken.into());
    }
    if let Some(seq) = pending.exchange {
        state.inspector.posted(seq, xml.clone(), how);
    }
    tracing::info!(
        sp = %pending.sp,
        user = %pending.user,
        scenario = pending.scenario,
        review = ?how,
        acs = %pending.acs_url,
        "reviewed response posted"
    );
    sso::post_page(
        &pending.acs_url,
        &binding::encode_post(&xml),
        pending.relay_state.as_deref(),
        &pending.user,
    )
}
