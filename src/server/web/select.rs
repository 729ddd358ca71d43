//! Logging in without a click, for browser-driven tests of an SP: `GET /select` stores a user
//! and a scenario in a cookie, and `--auto-login` / `--auto-scenario` set a default for the
//! whole server. When either applies, an SSO request is answered at once with the
//! auto-submitting form instead of the picker.

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::server::flow::login::LoginError;
use crate::server::flow::select;

use super::error::PageError;
use super::{cookies, render, AppState};

/// The cookie holding a browser's preselection.
pub const COOKIE: &str = "mock_idp_select";

/// Removes a one-shot cookie once it has been used.
pub fn spent_cookie() -> Cookie<'static> {
    cookies::removal(COOKIE)
}

#[derive(Debug, Default, Deserialize)]
struct SelectQuery {
    user: Option<String>,
    scenario: Option<String>,
    #[serde(default)]
    sticky: Option<String>,
    clear: Option<String>,
}

#[derive(Serialize)]
struct SelectPage<'a> {
    cleared: bool,
    user: Option<&'a str>,
    scenario: &'a str,
    sticky: bool,
}

/// `GET /select?user=<id>[&scenario=<id>][&sticky=1]`, or `?clear=1`.
pub async fn select(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let q: SelectQuery = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| LoginError::Malformed(e.to_string()))?;
    if q.clear.is_some() {
        let page = SelectPage {
            cleared: true,
            user: None,
            scenario: "",
            sticky: false,
        };
        return confirmation(&page, spent_cookie());
    }
    let p = select::chosen(&state, q.user, q.scenario, q.sticky.as_deref())?;
    let value = serde_urlencoded::to_string(&p).map_err(|e| PageError::internal(e.to_string()))?;
    let cookie = cookies::kept(COOKIE, value);
    let page = SelectPage {
        cleared: false,
        user: Some(&p.user),
        scenario: p.scenario.as_deref().unwrap_or("valid"),
        sticky: p.sticky,
    };
    confirmation(&page, cookie)
}

fn confirmation(page: &SelectPage<'_>, cookie: Cookie<'static>) -> Result<HttpResponse, PageError> {
    let body = render::page("select", page).map_err(PageError::internal)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(cookie)
        .body(body))
}
