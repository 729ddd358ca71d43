//! The browser side of single sign-on: `GET /sso` (HTTP-Redirect), `POST /sso` (HTTP-POST)
//! and `GET /sso/idp-initiated` show the user picker; `POST /sso/login` answers with the
//! auto-submitting form. Each handler reads the request into plain values, calls one
//! `flow::sso` function, which decides what happens, and renders what it says to show.

use actix_web::cookie::Cookie;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::saml::binding::{self, Binding};
use crate::saml::issue::ResponseProfile;
use crate::saml::response::format_instant;

use crate::server::clock;
use crate::server::flow::judged::JudgedRequest;
use crate::server::flow::login::{Choices, LoginError};
use crate::server::flow::sso::{self, Browser, Form, Message, Outcome, Picker, Shown};
use crate::server::sessions::COOKIE as SESSION_COOKIE;

use super::error::PageError;
use super::post::{html, post_page};
use super::response_options;
use super::review;
use super::scenario_list::{self, ScenarioList};
use super::select as preselection;
use super::session;
use super::signature::SignatureView;
use super::{render, AppState};

/// The query string or form of an incoming AuthnRequest (saml-bindings 3.4.4, 3.5.4).
#[derive(Debug, Default, Deserialize)]
struct Incoming {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

pub async fn redirect_binding(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    // The raw query string, not re-encoded parameters: a Redirect signature covers its bytes.
    let raw_query = req.query_string();
    let incoming: Incoming =
        serde_urlencoded::from_str(raw_query).map_err(|e| LoginError::Malformed(e.to_string()))?;
    sp_initiated(&state, &req, incoming, Some(raw_query))
}

pub async fn post_binding(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let incoming: Incoming =
        serde_urlencoded::from_bytes(&body).map_err(|e| LoginError::Malformed(e.to_string()))?;
    sp_initiated(&state, &req, incoming, None)
}

#[derive(Debug, Default, Deserialize)]
struct IdpInitiated {
    sp: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

/// `GET /sso/idp-initiated?sp=<entity id>[&RelayState=...]`: the "app tile" of an IdP portal.
pub async fn idp_initiated(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let now = clock::now();
    let q: IdpInitiated = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| LoginError::Malformed(e.to_string()))?;
    let cookies = Cookies::of(&req);
    let outcome = sso::arrive_idp_initiated(
        &state,
        q.sp.as_deref(),
        q.relay_state.as_deref(),
        cookies.browser(),
        now,
    )?;
    respond(&state, outcome)
}

/// `redirect_query`: the raw query string of an HTTP-Redirect request; `None` for HTTP-POST.
fn sp_initiated(
    state: &AppState,
    req: &HttpRequest,
    incoming: Incoming,
    redirect_query: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let message = Message {
        saml_request: incoming.saml_request.as_deref(),
        relay_state: incoming.relay_state.as_deref(),
        redirect_query,
    };
    let cookies = Cookies::of(req);
    let outcome = sso::arrive_sp_initiated(state, message, cookies.browser(), clock::now())?;
    respond(state, outcome)
}

/// The browser's cookies a login reads.
struct Cookies {
    session: Option<Cookie<'static>>,
    preselection: Option<Cookie<'static>>,
}

impl Cookies {
    fn of(req: &HttpRequest) -> Self {
        Cookies {
            session: req.cookie(SESSION_COOKIE),
            preselection: req.cookie(preselection::COOKIE),
        }
    }

    fn browser(&self) -> Browser<'_> {
        Browser {
            session: self.session.as_ref().map(Cookie::value),
            preselection: self.preselection.as_ref().map(Cookie::value),
        }
    }
}

/// Renders what a login flow says to show, with its cookies.
fn respond(state: &AppState, outcome: Outcome<'_>) -> Result<HttpResponse, PageError> {
    let mut response = match outcome.shown {
        Shown::Post {
            issued,
            relay_state,
            user,
        } => post_page(
            &issued.acs_url,
            &issued.saml_response,
            relay_state.as_deref(),
            user.as_deref().unwrap_or("nobody (no IdP session)"),
        )?,
        Shown::Review(held) => review::page(*held)?,
        Shown::Picker(p) => picker(state, *p)?,
    };
    if let Some(id) = &outcome.set_session {
        response
            .add_cookie(&session::cookie(id))
            .map_err(|e| PageError::internal(e.to_string()))?;
    }
    if outcome.spend_preselection {
        response
            .add_cookie(&preselection::spent_cookie())
            .map_err(|e| PageError::internal(e.to_string()))?;
    }
    Ok(response)
}

#[derive(Serialize)]
struct Field {
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct UserCard<'a> {
    id: &'a str,
    display_name: &'a str,
    email: &'a str,
}

#[derive(Serialize)]
struct PickerPage<'a> {
    /// The user of this browser's IdP session: one click continues it.
    continue_as: Option<UserCard<'a>>,
    sp: &'a str,
    sp_name: Option<&'a str>,
    acs_url: &'a str,
    fields: Vec<Field>,
    warnings: Vec<String>,
    users: Vec<UserCard<'a>>,
    /// The "Response options" box for this SP's defaults ([`response_options`]).
    response_options: &'a str,
    /// The catalogue's options and explanations, rendered once ([`scenario_list`]).
    scenarios: &'static ScenarioList,
    /// Hidden: base64 of the decoded request, so the login form needs no server state.
    saml_request: Option<String>,
    /// Hidden, HTTP-Redirect: the query string as received, so that /sso/login checks the
    /// signature over the same bytes again.
    redirect_query: Option<&'a str>,
    /// The verdict on the request's signature.
    request_signature: Option<SignatureView>,
    /// Hidden, IdP-initiated: the SP's entity ID.
    idp_initiated_sp: Option<&'a str>,
    relay_state: Option<&'a str>,
    binding: Option<&'static str>,
    request_xml: Option<&'a str>,
    /// The "Review before posting" box starts ticked (`--review`).
    review: bool,
}

fn picker(state: &AppState, p: Picker<'_>) -> Result<HttpResponse, PageError> {
    let received = p.request.as_ref();
    let target = &p.destination.resolution.target;
    let fields = match received {
        Some(r) => request_fields(r),
        None => vec![Field {
            label: "Flow",
            value: "IdP-initiated: an unsolicited response (no InResponseTo)".into(),
        }],
    };
    let defaults = ResponseProfile::for_sp_and_key(p.destination.sp, state.signer.kind());
    let options = response_options::for_defaults(&defaults, state.signer.kind())
        .map_err(PageError::internal)?;
    let continue_as = p.continue_as.map(|u| UserCard {
        id: &u.id,
        display_name: &u.display_name,
        email: &u.email,
    });
    let page = PickerPage {
        continue_as,
        sp: &target.sp_entity_id,
        sp_name: p.destination.sp.and_then(|s| s.name.as_deref()),
        acs_url: &target.acs_url,
        fields,
        warnings: p.warnings,
        users: state
            .directory
            .users()
            .iter()
            .map(|u| UserCard {
                id: &u.id,
                display_name: &u.display_name,
                email: &u.email,
            })
            .collect(),
        response_options: &options,
        scenarios: scenario_list::get().map_err(PageError::internal)?,
        saml_request: received.map(|r| binding::encode_post(r.xml()).into()),
        redirect_query: received.and_then(JudgedRequest::redirect_query),
        request_signature: received.map(SignatureView::of),
        idp_initiated_sp: received.is_none().then_some(target.sp_entity_id.as_str()),
        relay_state: p.relay_state.as_deref(),
        binding: received.map(|r| r.binding().id()),
        request_xml: received.map(JudgedRequest::xml),
        review: state.review,
    };
    html(render::page("picker", &page).map_err(PageError::internal)?)
}

fn request_fields(received: &JudgedRequest) -> Vec<Field> {
    let r = received.request();
    let binding = match received.binding() {
        Binding::Redirect => "HTTP-Redirect",
        Binding::Post => "HTTP-POST",
    };
    let mut f = vec![
        Field {
            label: "ID",
            value: r.id.clone(),
        },
        Field {
            label: "Issuer",
            value: r.issuer.clone().unwrap_or_default(),
        },
        Field {
            label: "Binding",
            value: format!("{binding}, {}", received.encoding().describe()),
        },
        Field {
            label: "IssueInstant",
            value: format_instant(r.issue_instant),
        },
        Field {
            label: "Version",
            value: r.version.clone(),
        },
    ];
    let policy = r.name_id_policy.as_ref();
    let optional = [
        ("ProviderName", r.provider_name.clone()),
        ("Destination", r.destination.clone()),
        ("AssertionConsumerServiceURL", r.acs_url.clone()),
        (
            "AssertionConsumerServiceIndex",
            r.acs_index.map(|i| i.to_string()),
        ),
        ("ProtocolBinding", r.protocol_binding.clone()),
        ("NameIDPolicy Format", policy.and_then(|p| p.format.clone())),
        (
            "NameIDPolicy AllowCreate",
            policy.and_then(|p| p.allow_create).map(|b| b.to_string()),
        ),
        (
            "NameIDPolicy SPNameQualifier",
            policy.and_then(|p| p.sp_name_qualifier.clone()),
        ),
        (
            "RequestedAuthnContext",
            r.requested_authn_context.as_ref().map(|c| {
                format!(
                    "{} ({})",
                    c.class_refs.join(", "),
                    c.comparison.as_deref().unwrap_or("exact")
                )
            }),
        ),
    ];
    f.extend(
        optional
            .into_iter()
            .filter_map(|(label, v)| v.map(|value| Field { label, value })),
    );
    f.push(Field {
        label: "ForceAuthn",
        value: r.force_authn.to_string(),
    });
    f.push(Field {
        label: "IsPassive",
        value: r.is_passive.to_string(),
    });
    f
}

/// The picker's form.
#[derive(Debug, Default, Deserialize)]
struct LoginForm {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    /// IdP-initiated: the SP's entity ID instead of a request.
    sp: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
    binding: Option<String>,
    /// HTTP-Redirect: the query string as it reached /sso.
    redirect_query: Option<String>,
    user: Option<String>,
    /// The "Review before posting" box: hold the response on the review page.
    review: Option<String>,
    #[serde(flatten)]
    choices: Choices,
}

impl From<LoginForm> for Form {
    fn from(f: LoginForm) -> Self {
        Form {
            saml_request: f.saml_request,
            sp: f.sp,
            relay_state: f.relay_state,
            binding: f.binding,
            redirect_query: f.redirect_query,
            user: f.user,
            review: f.review.as_deref().is_some_and(|v| !v.is_empty()),
            choices: f.choices,
        }
    }
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let now = clock::now();
    let form: LoginForm =
        serde_urlencoded::from_bytes(&body).map_err(|e| LoginError::Malformed(e.to_string()))?;
    let cookies = Cookies::of(&req);
    let outcome = sso::log_in(&state, &form.into(), cookies.browser(), now)?;
    respond(&state, outcome)
}
