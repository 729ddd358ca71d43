//! The auto-submitting form that carries a SAML response to the SP's ACS (HTTP-POST binding),
//! and the headers of every page that holds a response or a request: never cached.

use actix_web::http::header;
use actix_web::HttpResponse;
use serde::Serialize;

use super::error::PageError;
use super::render;

#[derive(Serialize)]
struct PostPage<'a> {
    acs_url: &'a str,
    saml_response: &'a str,
    relay_state: Option<&'a str>,
    user: &'a str,
}

/// The page that posts `saml_response` (base64) to `acs_url` as soon as it loads.
pub fn post_page(
    acs_url: &str,
    saml_response: &str,
    relay_state: Option<&str>,
    user: &str,
) -> Result<HttpResponse, PageError> {
    let page = PostPage {
        acs_url,
        saml_response,
        relay_state,
        user,
    };
    html(render::page("post", &page).map_err(PageError::internal)?)
}

/// An HTML page that must not be cached (saml-bindings 3.5.5.1).
pub fn html(body: String) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .body(body))
}
