//! Review before posting (the picker's box, `--review`): an issued response is held under a
//! random token with the ACS resolved for its login and its RelayState, and shown as editable
//! text; posting it back sends it as it was issued, as typed, or re-signed as it was signed.
//! Only the token and the text come back from the page: where the response goes stays here, so
//! the page cannot be used to post an assertion anywhere else.

use time::OffsetDateTime;

use crate::saml::b64::Base64;
use crate::saml::binding;
use crate::saml::issue::{IdSource, IssuedResponse};
use crate::saml::review::{self, EditError};
use crate::saml::scenario::{self, VALID};
use crate::server::clock;
use crate::server::inspector::Posted;
use crate::server::reviews::{Pending, TTL};
use crate::server::state::AppState;

use super::{Classified, FaultKind};

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

/// A response held for review, as the review page shows it.
#[derive(Debug)]
pub struct Held {
    /// What the review form posts back.
    pub token: String,
    pub pending: Pending,
    /// The scenario's title, for a scenario login.
    pub scenario_title: Option<&'static str>,
    /// "samlp:Response (ID _...): rsa-sha256, sha256 digest", one per signed element.
    pub signatures: Vec<String>,
    /// The text is the response as issued, not indented: it does not parse.
    pub unreadable: bool,
}

/// Holds `issued` for review instead of posting it.
pub fn hold(
    state: &AppState,
    issued: &IssuedResponse,
    relay_state: Option<&str>,
    user: &str,
    now: OffsetDateTime,
) -> Held {
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
    state.reviews.hold(token.clone(), pending.clone(), now);
    Held {
        token,
        scenario_title: (scenario != VALID.id)
            .then(|| scenario::find(scenario).map(|s| s.title))
            .flatten(),
        signatures,
        unreadable: pending.shown == pending.issued_xml,
        pending,
    }
}

/// A reviewed response, to be posted to its login's ACS.
#[derive(Debug)]
pub struct Posting {
    pub acs_url: String,
    /// base64 of the XML, as the HTTP-POST binding carries it.
    pub saml_response: Base64,
    pub relay_state: Option<String>,
    pub user: String,
}

/// Posts the response held under `token` as `text` says: `action` `as-is` (the default: the
/// issued bytes when the text came back unchanged, else the text as typed) or `resign`.
pub fn post(
    state: &AppState,
    token: &str,
    text: &str,
    action: Option<&str>,
    now: OffsetDateTime,
) -> Result<Posting, ReviewError> {
    let pending = state
        .reviews
        .get(token, now)
        .ok_or(ReviewError::UnknownToken)?;
    // Browsers send a textarea's line ends as CRLF.
    let text = text.replace("\r\n", "\n");
    if text.trim().is_empty() {
        return Err(ReviewError::Empty);
    }
    let xml = match action.unwrap_or("as-is") {
        "as-is" if text == pending.shown => pending.issued_xml.clone(),
        "as-is" => review::as_typed(&text),
        "resign" => review::resign(&text, pending.algorithms, &state.signer)?.xml,
        other => return Err(ReviewError::BadAction(other.to_owned())),
    };
    let how = match action {
        _ if xml == pending.issued_xml => Posted::Unchanged,
        Some("resign") => Posted::Resigned,
        _ => Posted::AsTyped,
    };
    if !state.reviews.finish(token) {
        // Posted from another tab in the meantime.
        return Err(ReviewError::UnknownToken);
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
    Ok(Posting {
        acs_url: pending.acs_url,
        saml_response: binding::encode_post(&xml),
        relay_state: pending.relay_state,
        user: pending.user,
    })
}

#[cfg(test)]
#[path = "tests/review.rs"]
mod tests;
