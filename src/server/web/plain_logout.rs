//! `GET /logout`: the logout URL for products whose "remote logout URL" is a plain browser
//! redirect, not SAML (Zendesk, Desk.com). The IdP session ends and the browser goes to the
//! `return_to` address the product passed, or sees a logged-out page (always when the product
//! reports an error with `kind=error`, so the message is not skipped past). What each product
//! appends, and what is unconfirmed, is in [`crate::server::flow::plain_logout`].

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::server::clock;
use crate::server::flow::plain_logout::{self as flow, LoggedOut, PlainLogoutError, Request};
use crate::server::sessions::COOKIE as SESSION_COOKIE;

use super::error::PageError;
use super::{cookies, render, session, AppState};

/// The query string: what the product appended.
#[derive(Debug, Default, Deserialize)]
struct Query {
    return_to: Option<String>,
    kind: Option<String>,
    message: Option<String>,
    email: Option<String>,
    external_id: Option<String>,
    brand_id: Option<String>,
}

impl From<Query> for Request {
    fn from(q: Query) -> Self {
        Request {
            return_to: q.return_to,
            kind: q.kind,
            message: q.message,
            email: q.email,
            external_id: q.external_id,
            brand_id: q.brand_id,
        }
    }
}

#[derive(Serialize)]
struct Page<'a> {
    user: Option<&'a str>,
    not_told: &'a [String],
    return_to: Option<&'a str>,
    product_error: Option<&'a str>,
    named_user: Option<&'a str>,
}

pub async fn log_out(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let query: Query = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| PlainLogoutError::Malformed(e.to_string()))?;
    let session = session::id(&req);
    let out = flow::log_out(&state, session.as_deref(), query.into(), clock::now())?;
    let mut response = respond(&out)?;
    if out.end_session_cookie {
        response
            .add_cookie(&cookies::removal(SESSION_COOKIE))
            .map_err(|e| PageError::internal(e.to_string()))?;
    }
    Ok(response)
}

fn respond(out: &LoggedOut) -> Result<HttpResponse, PageError> {
    if let (Some(to), None) = (&out.return_to, &out.product_error) {
        return Ok(HttpResponse::Found()
            .insert_header((header::LOCATION, to.as_str()))
            .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
            .finish());
    }
    let page = Page {
        user: out.user.as_deref(),
        not_told: &out.not_told,
        return_to: out.return_to.as_deref(),
        product_error: out.product_error.as_deref(),
        named_user: out.named_user.as_deref(),
    };
    let body = render::page("logged-out", &page).map_err(PlainLogoutError::Page)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        .body(body))
}
