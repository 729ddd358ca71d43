//! The browser side of single sign-on: `GET /sso` (HTTP-Redirect), `POST /sso` (HTTP-POST)
//! show the user picker; `POST /sso/login` answers with the auto-submitting form.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::saml::binding::{self, Binding};
use crate::saml::dsig::SignatureAlgorithm;
use crate::saml::issue::{Sign, Target};
use crate::saml::response::format_instant;

use super::error::PageError;
use super::login::{self, LoginError, Received};
use super::{render, AppState};

/// The query string or form of an incoming AuthnRequest (saml-bindings 3.4.4, 3.5.4).
#[derive(Debug, Default, Deserialize)]
struct Incoming {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
    /// Present on signed Redirect requests; the signature is not checked yet.
    #[serde(rename = "Signature")]
    signature: Option<String>,
}

pub async fn redirect_binding(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, PageError> {
    let incoming: Incoming = serde_urlencoded::from_str(req.query_string())
        .map_err(|e| LoginError::Malformed(e.to_string()))?;
    picker(&state, incoming, Binding::Redirect)
}

pub async fn post_binding(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let incoming: Incoming =
        serde_urlencoded::from_bytes(&body).map_err(|e| LoginError::Malformed(e.to_string()))?;
    picker(&state, incoming, Binding::Post)
}

#[derive(Serialize)]
struct Field {
    label: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Choice {
    id: &'static str,
    selected: bool,
}

#[derive(Serialize)]
struct UserCard<'a> {
    id: &'a str,
    display_name: &'a str,
    email: &'a str,
}

#[derive(Serialize)]
struct PickerPage<'a> {
    sp: &'a str,
    acs_url: &'a str,
    fields: Vec<Field>,
    warnings: Vec<String>,
    users: Vec<UserCard<'a>>,
    signs: Vec<Choice>,
    algorithms: Vec<Choice>,
    /// Hidden: base64 of the decoded request, so the login form needs no server state.
    saml_request: String,
    relay_state: Option<&'a str>,
    binding: &'static str,
    request_xml: &'a str,
}

fn picker(
    state: &AppState,
    incoming: Incoming,
    arrived: Binding,
) -> Result<HttpResponse, PageError> {
    let relay_state = incoming.relay_state.as_deref().filter(|r| !r.is_empty());
    login::check_relay_state(relay_state)?;
    let received = login::receive(incoming.saml_request.as_deref(), Some(arrived))?;
    let target = Target::from_request(&received.request).map_err(LoginError::from)?;
    let r = &received.request;

    let mut warnings = vec![format!(
        "{} is not a registered service provider: answering it at the ACS URL its request names.",
        target.sp_entity_id
    )];
    let sso_url = state.sso_url();
    if let Some(d) = r.destination.as_deref().filter(|d| *d != sso_url) {
        warnings.push(format!(
            "The request's Destination is {d}, not this endpoint ({sso_url}); a strict IdP would refuse it."
        ));
    }
    if r.has_signature || incoming.signature.is_some() {
        warnings.push("The request is signed; the signature is not checked.".to_owned());
    }
    if r.is_passive {
        warnings.push(
            "IsPassive=\"true\": there is no IdP session to answer from, so the picker is shown."
                .to_owned(),
        );
    }

    let page = PickerPage {
        sp: &target.sp_entity_id,
        acs_url: &target.acs_url,
        fields: request_fields(&received),
        warnings,
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
        signs: Sign::ALL
            .iter()
            .map(|s| Choice {
                id: s.id(),
                selected: *s == Sign::default(),
            })
            .collect(),
        algorithms: SignatureAlgorithm::ALL
            .iter()
            .map(|a| Choice {
                id: a.id(),
                selected: *a == SignatureAlgorithm::default(),
            })
            .collect(),
        saml_request: binding::encode_post(&received.xml),
        relay_state,
        binding: received.binding.id(),
        request_xml: &received.xml,
    };
    html(render::page("picker", &page).map_err(PageError::internal)?)
}

fn request_fields(received: &Received) -> Vec<Field> {
    let r = &received.request;
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
            value: format!(
                "HTTP-{}, {}",
                if received.binding == Binding::Redirect {
                    "Redirect"
                } else {
                    "POST"
                },
                received.encoding.describe()
            ),
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
    let optional = [
        ("ProviderName", r.provider_name.clone()),
        ("Destination", r.destination.clone()),
        ("AssertionConsumerServiceURL", r.acs_url.clone()),
        (
            "AssertionConsumerServiceIndex",
            r.acs_index.map(|i| i.to_string()),
        ),
        ("ProtocolBinding", r.protocol_binding.clone()),
        (
            "NameIDPolicy Format",
            r.name_id_policy.as_ref().and_then(|p| p.format.clone()),
        ),
        (
            "NameIDPolicy AllowCreate",
            r.name_id_policy
                .as_ref()
                .and_then(|p| p.allow_create)
                .map(|b| b.to_string()),
        ),
        (
            "NameIDPolicy SPNameQualifier",
            r.name_id_policy
                .as_ref()
                .and_then(|p| p.sp_name_qualifier.clone()),
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
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
    binding: Option<String>,
    user: Option<String>,
    sign: Option<String>,
    algorithm: Option<String>,
}

#[derive(Serialize)]
struct PostPage<'a> {
    acs_url: &'a str,
    saml_response: &'a str,
    relay_state: Option<&'a str>,
    user: &'a str,
}

pub async fn login(
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, PageError> {
    let form: LoginForm =
        serde_urlencoded::from_bytes(&body).map_err(|e| LoginError::Malformed(e.to_string()))?;
    let relay_state = form.relay_state.as_deref().filter(|r| !r.is_empty());
    login::check_relay_state(relay_state)?;
    let options = login::options(form.sign.as_deref(), form.algorithm.as_deref())?;
    let binding = login::parse_binding(form.binding.as_deref())?;
    let received = login::receive(form.saml_request.as_deref(), binding)?;
    let issued = login::answer(&state, &received, form.user.as_deref(), options)?;
    let page = PostPage {
        acs_url: &issued.acs_url,
        saml_response: &issued.saml_response,
        relay_state,
        user: form.user.as_deref().unwrap_or_default(),
    };
    html(render::page("post", &page).map_err(PageError::internal)?)
}

/// An HTML page that must not be cached (saml-bindings 3.5.5.1).
fn html(body: String) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .body(body))
}
