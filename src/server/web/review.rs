//! Review before posting (the picker's box, `--review`): the page where a held response can be
//! edited, and `POST /sso/review`, which posts it, as typed or re-signed, to the ACS resolved
//! for its login (`flow::review` keeps the destination; the form carries a token and the text).

use actix_web::{web, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::server::clock;
use crate::server::flow::review::{self, Held, ReviewError};
use crate::server::reviews::TTL;

use super::error::PageError;
use super::post::{html, post_page};
use super::{render, AppState};

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

/// The review page of a response held for review.
pub fn page(held: Held) -> Result<HttpResponse, PageError> {
    let pending = &held.pending;
    let page = ReviewPage {
        token: &held.token,
        user: &pending.user,
        sp: &pending.sp,
        scenario: pending.scenario,
        scenario_title: held.scenario_title,
        acs_url: &pending.acs_url,
        relay_state: pending.relay_state.as_deref(),
        xml: &pending.shown,
        signatures: held.signatures,
        unreadable: held.unreadable,
        minutes: TTL.whole_minutes(),
        exchange: pending.exchange,
    };
    html(render::page("review", &page).map_err(PageError::internal)?)
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
    let now = clock::now();
    let form: ReviewForm =
        serde_urlencoded::from_bytes(&body).map_err(|e| ReviewError::Malformed(e.to_string()))?;
    let posting = review::post(
        &state,
        form.token.as_deref().unwrap_or_default(),
        form.xml.as_deref().unwrap_or_default(),
        form.action.as_deref(),
        now,
    )?;
    post_page(
        &posting.acs_url,
        &posting.saml_response,
        posting.relay_state.as_deref(),
        &posting.user,
    )
}
