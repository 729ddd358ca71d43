//! Single logout in the browser (saml-profiles 4.4, front channel):
//! - `GET|POST /slo` with a `SAMLRequest`: an SP's LogoutRequest. Its session part ends, the
//!   other SPs of the session are sent LogoutRequests one after the other (by the binding each
//!   one's logout endpoint takes: HTTP-Redirect, or an auto-submitting HTTP-POST form), and
//!   the SP is finally answered with a LogoutResponse at its registered logout URL, by
//!   the binding its request came by.
//! - `GET|POST /slo` with a `SAMLResponse`: an SP's answer to one of our LogoutRequests,
//!   matched by InResponseTo to the logout in progress.
//! - `POST /slo/idp-initiated`: the home page's button; every SP of the browser's session is
//!   sent a LogoutRequest, then a summary page says what each answered.
//! - `POST /slo/finish`: gives up on SPs that never answered and finishes the logout.
//! - `GET /slo/select?scenario=<id>`: the logout scenario for this browser's next logout.
//! - `GET|POST /adfs/ls/`: AD FS takes sign-in and sign-out at one URL, so logout messages
//!   arriving there go to the logout flow and everything else to single sign-on.

use actix_web::cookie::Cookie;
use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::saml::binding::Binding;
use crate::saml::slo::{Logout, Outcome, Outgoing};
use crate::server::clock;
use crate::server::flow::logout::{
    self as flow, find_scenario, known_scenarios, last_segment, Answer, Browser, LogoutFlowError,
    Message, Show,
};
use crate::server::sessions::COOKIE as SESSION_COOKIE;

use super::error::PageError;
use super::{cookies, render, AppState};

/// The cookie holding this browser's logout scenario.
pub const SCENARIO_COOKIE: &str = "mock_idp_logout_scenario";

type Result<T, E = PageError> = std::result::Result<T, E>;

/// The query string or form of an incoming logout message.
#[derive(Debug, Default, Deserialize)]
struct Incoming {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "SAMLResponse")]
    saml_response: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

impl From<Incoming> for Message {
    fn from(i: Incoming) -> Self {
        Message {
            saml_request: i.saml_request,
            saml_response: i.saml_response,
            relay_state: i.relay_state,
        }
    }
}

pub async fn redirect_binding(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let raw = req.query_string().to_owned();
    let incoming: Incoming =
        serde_urlencoded::from_str(&raw).map_err(|e| LogoutFlowError::Malformed(e.to_string()))?;
    receive(&state, &req, incoming, Binding::Redirect, &raw)
}

pub async fn post_binding(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let incoming: Incoming = serde_urlencoded::from_bytes(&body)
        .map_err(|e| LogoutFlowError::Malformed(e.to_string()))?;
    receive(&state, &req, incoming, Binding::Post, "")
}

/// `GET /adfs/ls/`: a logout message goes to the logout flow, anything else to sign-on.
pub async fn adfs_redirect_binding(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse> {
    let incoming: Incoming = serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    if Message::from(incoming).is_logout() {
        redirect_binding(state, req).await
    } else {
        super::sso::redirect_binding(state, req).await
    }
}

/// `POST /adfs/ls/`: as [`adfs_redirect_binding`], for HTTP-POST.
pub async fn adfs_post_binding(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let incoming: Incoming = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    if Message::from(incoming).is_logout() {
        post_binding(state, req, body).await
    } else {
        super::sso::post_binding(state, req, body).await
    }
}

fn receive(
    state: &AppState,
    req: &HttpRequest,
    incoming: Incoming,
    arrived: Binding,
    raw_query: &str,
) -> Result<HttpResponse> {
    let cookies = Cookies::of(req);
    let answer = flow::receive(
        state,
        incoming.into(),
        arrived,
        raw_query,
        cookies.browser(),
        clock::now(),
    )?;
    respond(answer)
}

#[derive(Debug, Default, Deserialize)]
struct StartForm {
    scenario: Option<String>,
}

/// `POST /slo/idp-initiated`: logs this browser's session out of every SP.
pub async fn idp_initiated(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse> {
    let form: StartForm = serde_urlencoded::from_bytes(&body)
        .map_err(|e| LogoutFlowError::Malformed(e.to_string()))?;
    let cookies = Cookies::of(&req);
    let answer = flow::start(
        &state,
        cookies.browser(),
        form.scenario.as_deref(),
        clock::now(),
    )?;
    respond(answer)
}

/// `POST /slo/finish`: the SPs that have not answered are given up on.
pub async fn finish_now(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse> {
    let cookies = Cookies::of(&req);
    respond(flow::finish_now(&state, cookies.browser(), clock::now())?)
}

/// `GET /slo/status`: the logout in progress of this browser, if any.
pub async fn status(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse> {
    let cookies = Cookies::of(&req);
    let logout = flow::in_progress(&state, cookies.browser(), clock::now())?;
    summary(&logout, false)
}

/// The browser's cookies a logout reads: its session, and the logout scenario it chose.
struct Cookies {
    session: Option<Cookie<'static>>,
    scenario: Option<Cookie<'static>>,
}

impl Cookies {
    fn of(req: &HttpRequest) -> Self {
        Cookies {
            session: req.cookie(SESSION_COOKIE),
            scenario: req.cookie(SCENARIO_COOKIE),
        }
    }

    fn browser(&self) -> Browser<'_> {
        Browser {
            session: self.session.as_ref().map(Cookie::value),
            scenario: self.scenario.as_ref().map(Cookie::value),
        }
    }
}

/// Renders what a logout flow says to show, with its cookies.
fn respond(answer: Answer) -> Result<HttpResponse> {
    let mut response = match &answer.show {
        Show::Message { out, user } => deliver(out, user.as_deref())?,
        Show::Summary { logout, finished } => summary(logout, *finished)?,
    };
    if answer.end_session_cookie {
        add_cookies(&mut response, &[cookies::removal(SESSION_COOKIE)])?;
    }
    if answer.spend_scenario_cookie {
        add_cookies(&mut response, &[spent_cookie()])?;
    }
    Ok(response)
}

/// Sends the browser on with a logout message: a redirect, or an auto-submitting form.
fn deliver(out: &Outgoing, user: Option<&str>) -> Result<HttpResponse> {
    match (out.binding, out.form_value.as_deref()) {
        (Binding::Post, Some(value)) => {
            let page = PostPage {
                url: &out.url,
                param: out.param.name(),
                value,
                relay_state: out.relay_state.as_deref(),
                user: user.unwrap_or(""),
            };
            html(render::page("slo-post", &page).map_err(LogoutFlowError::Page)?)
        }
        _ => Ok(HttpResponse::Found()
            .insert_header((header::LOCATION, out.url.as_str()))
            .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
            .insert_header((header::PRAGMA, "no-cache"))
            .finish()),
    }
}

#[derive(Serialize)]
struct PostPage<'a> {
    url: &'a str,
    param: &'a str,
    value: &'a str,
    relay_state: Option<&'a str>,
    user: &'a str,
}

#[derive(Serialize)]
struct Row<'a> {
    sp: &'a str,
    slo_url: Option<&'a str>,
    result: &'static str,
    ok: bool,
    status: Option<String>,
    message: Option<&'a str>,
    signature: Option<&'a str>,
}

#[derive(Serialize)]
struct SummaryPage<'a> {
    finished: bool,
    user: &'a str,
    scenario: Option<&'static str>,
    scenario_note: Option<&'static str>,
    rows: Vec<Row<'a>>,
}

fn summary(logout: &Logout, finished: bool) -> Result<HttpResponse> {
    let rows = logout
        .recipients
        .iter()
        .map(|s| {
            let (status, message, signature) = match &s.outcome {
                Outcome::Answered { status, signature } => (
                    Some(match &status.sub_code {
                        Some(sub) => {
                            format!("{} / {}", last_segment(&status.code), last_segment(sub))
                        }
                        None => last_segment(&status.code).to_owned(),
                    }),
                    status.message.as_deref(),
                    Some(signature.as_str()),
                ),
                Outcome::Failed(e) | Outcome::Refused(e) => (None, Some(e.as_str()), None),
                _ => (None, None, None),
            };
            Row {
                sp: &s.sp_entity_id,
                slo_url: s.slo_url.as_deref(),
                result: s.outcome.label(),
                ok: s.outcome.succeeded(),
                status,
                message,
                signature,
            }
        })
        .collect();
    let page = SummaryPage {
        finished,
        user: &logout.user,
        scenario: logout.scenario.map(|s| s.id),
        scenario_note: logout.scenario.map(|s| s.applies_to()),
        rows,
    };
    html(render::page("slo", &page).map_err(LogoutFlowError::Page)?)
}

fn spent_cookie() -> Cookie<'static> {
    cookies::removal(SCENARIO_COOKIE)
}

#[derive(Debug, Default, Deserialize)]
struct SelectQuery {
    scenario: Option<String>,
    sticky: Option<String>,
    clear: Option<String>,
}

#[derive(Serialize)]
struct SelectPage<'a> {
    cleared: bool,
    scenario: &'a str,
    title: &'a str,
    applies_to: &'a str,
    sticky: bool,
}

/// `GET /slo/select?scenario=<id>[&sticky=1]`, or `?clear=1`.
pub async fn select(req: HttpRequest) -> Result<HttpResponse> {
    let q: SelectQuery = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| LogoutFlowError::Malformed(e.to_string()))?;
    if q.clear.is_some() {
        let page = SelectPage {
            cleared: true,
            scenario: "",
            title: "",
            applies_to: "",
            sticky: false,
        };
        let mut response = html(render::page("slo-select", &page).map_err(LogoutFlowError::Page)?)?;
        add_cookies(&mut response, &[spent_cookie()])?;
        return Ok(response);
    }
    let id = q.scenario.unwrap_or_default();
    let scenario = find_scenario(&id)?
        .ok_or_else(|| LogoutFlowError::BadScenario(id.clone(), known_scenarios()))?;
    let sticky = q.sticky.is_some_and(|s| s != "0" && s != "false");
    let value = if sticky {
        format!("{};sticky", scenario.id)
    } else {
        scenario.id.to_owned()
    };
    let cookie = cookies::kept(SCENARIO_COOKIE, value);
    let page = SelectPage {
        cleared: false,
        scenario: scenario.id,
        title: scenario.title,
        applies_to: scenario.applies_to(),
        sticky,
    };
    let mut response = html(render::page("slo-select", &page).map_err(LogoutFlowError::Page)?)?;
    add_cookies(&mut response, &[cookie])?;
    Ok(response)
}

fn add_cookies(response: &mut HttpResponse, cookies: &[Cookie<'static>]) -> Result<()> {
    for c in cookies {
        response
            .add_cookie(c)
            .map_err(|e| PageError::internal(e.to_string()))?;
    }
    Ok(())
}

/// An HTML page that must not be cached (saml-bindings 3.5.5.1).
fn html(body: String) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .body(body))
}
