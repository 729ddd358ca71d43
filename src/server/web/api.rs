//! The headless API, for CI: `POST /api/sso` answers an AuthnRequest as the picker would, in
//! JSON; `GET /api/users` lists who can log in.

use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

use crate::saml::b64::Base64;
use crate::saml::scenario;

use crate::server::clock;
use crate::server::flow::login::{Choices, LoginError};
use crate::server::flow::sso::{self as flow, Answered, Form};

use super::error::ApiError;
use super::signature::SignatureView;
use super::AppState;

#[derive(Debug, Default, Deserialize)]
struct SsoCall {
    #[serde(rename = "SAMLRequest")]
    saml_request: Option<String>,
    /// `/api/idp-initiated`: the SP's entity ID.
    sp: Option<String>,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
    binding: Option<String>,
    /// HTTP-Redirect: the SP's redirect URL or its query string, exactly as the SP made it, so
    /// that its signature can be checked; replaces SAMLRequest and RelayState.
    redirect_query: Option<String>,
    user: Option<String>,
    #[serde(flatten)]
    choices: Choices,
}

#[derive(Serialize)]
struct SsoAnswer<'a> {
    acs_url: &'a str,
    #[serde(rename = "SAMLResponse")]
    saml_response: &'a Base64,
    #[serde(flatten)]
    rest: SsoAnswerRest<'a>,
}

/// The fields of [`SsoAnswer`] after the SAMLResponse.
#[derive(Serialize)]
struct SsoAnswerRest<'a> {
    #[serde(rename = "RelayState")]
    relay_state: Option<&'a str>,
    request_id: Option<&'a str>,
    user: &'a str,
    /// How the request was understood to have arrived, and how it was packed; `null` for
    /// IdP-initiated logins.
    binding: Option<&'static str>,
    encoding: Option<&'static str>,
    /// The verdict on the request's signature; `null` for IdP-initiated logins.
    request_signature: Option<SignatureView>,
}

impl SsoAnswer<'_> {
    /// The answer in JSON, as `serde_json` writes it. `serde_json` looks at every byte of a
    /// string for something to escape, one at a time; the SAMLResponse, base64 of some 7 kB,
    /// has nothing to escape, so it is copied as it is between the fields written around it.
    fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let rest = serde_json::to_vec(&self.rest)?;
        let mut out = Vec::with_capacity(self.saml_response.len() + rest.len() + 64);
        out.extend_from_slice(b"{\"acs_url\":");
        serde_json::to_writer(&mut out, self.acs_url)?;
        out.extend_from_slice(b",\"SAMLResponse\":\"");
        out.extend_from_slice(self.saml_response.as_bytes());
        out.extend_from_slice(b"\",");
        // `rest` is an object with fields: its fields follow, without its opening brace.
        out.extend_from_slice(rest.get(1..).unwrap_or_default());
        Ok(out)
    }
}

/// Form (`application/x-www-form-urlencoded`) or JSON, by Content-Type.
fn read_call(req: &HttpRequest, body: &[u8]) -> Result<SsoCall, LoginError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().starts_with("application/json"));
    if is_json {
        serde_json::from_slice(body).map_err(|e| LoginError::Malformed(format!("JSON body: {e}")))
    } else {
        serde_urlencoded::from_bytes(body)
            .map_err(|e| LoginError::Malformed(format!("form body: {e}")))
    }
}

impl From<SsoCall> for Form {
    fn from(c: SsoCall) -> Self {
        Form {
            saml_request: c.saml_request,
            sp: c.sp,
            relay_state: c.relay_state,
            binding: c.binding,
            redirect_query: c.redirect_query,
            user: c.user,
            review: false,
            choices: c.choices,
        }
    }
}

/// `POST /api/sso`: answer an SP's AuthnRequest as the picker would.
pub async fn sso(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let now = clock::now();
    let call: Form = read_call(&req, &body)?.into();
    let answered = flow::answer_call(&state, &call, now)?;
    answer(&call, &answered)
}

/// `POST /api/idp-initiated`: an unsolicited response to a registered SP's default ACS.
pub async fn idp_initiated(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let now = clock::now();
    let call: Form = read_call(&req, &body)?.into();
    let answered = flow::answer_idp_initiated_call(&state, &call, now)?;
    answer(&call, &answered)
}

/// The JSON of an answered call.
fn answer(call: &Form, answered: &Answered) -> Result<HttpResponse, ApiError> {
    let (issued, received) = (&answered.issued, answered.request.as_ref());
    let answer = SsoAnswer {
        acs_url: &issued.acs_url,
        saml_response: &issued.saml_response,
        rest: SsoAnswerRest {
            relay_state: answered.relay_state.as_deref(),
            request_id: received.and(issued.request_id.as_deref()),
            user: call.user.as_deref().unwrap_or_default(),
            binding: received.map(|r| r.binding().id()),
            encoding: received.map(|r| r.encoding().id()),
            request_signature: received.map(SignatureView::of),
        },
    };
    let json = answer
        .to_json()
        .map_err(|e| ApiError::internal(format!("the answer could not be written as JSON: {e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(json))
}

#[derive(Serialize)]
struct UserView<'a> {
    id: &'a str,
    email: &'a str,
    display_name: &'a str,
    first_name: &'a str,
    last_name: &'a str,
    name_id: Option<&'a str>,
    attributes: BTreeMap<&'a str, &'a [String]>,
}

pub async fn users(state: web::Data<AppState>) -> HttpResponse {
    let users: Vec<_> = state
        .directory
        .users()
        .iter()
        .map(|u| UserView {
            id: &u.id,
            email: &u.email,
            display_name: &u.display_name,
            first_name: &u.first_name,
            last_name: &u.last_name,
            name_id: u.name_id.as_deref(),
            attributes: u
                .attributes
                .iter()
                .map(|a| (a.name.as_str(), a.values.as_slice()))
                .collect(),
        })
        .collect();
    HttpResponse::Ok().json(users)
}

#[derive(Serialize)]
struct ScenarioView {
    id: &'static str,
    family: &'static str,
    family_title: &'static str,
    title: &'static str,
    explanation: &'static str,
    rule: &'static str,
    /// `accept`, `reject` or `policy`.
    verdict: &'static str,
    /// Why a correct SP rejects, or what its policy decides.
    reason: Option<&'static str>,
    /// For a scenario a correct SP rejects: how much it matters when an SP accepts it
    /// (`critical`, `high`, `medium`).
    severity: Option<&'static str>,
    /// Whose identity a vulnerable SP takes instead of the signed user's: `attacker` (the
    /// forged subject) or `truncated` (the user's NameID cut short at an injected node).
    forged: Option<&'static str>,
    /// Needs an earlier login to the same SP (`replay`, `reused-request-id`).
    needs_previous_login: bool,
    /// Encrypts for the SP, so the SP needs an encryption certificate in the registry.
    needs_encryption_certificate: bool,
}

/// `GET /api/scenarios`: the failure-scenario catalogue.
pub async fn scenarios() -> HttpResponse {
    let all: Vec<_> = scenario::catalogue()
        .map(|s| ScenarioView {
            id: s.id,
            family: s.family.id(),
            family_title: s.family.title(),
            title: s.title,
            explanation: s.explanation,
            rule: s.rule,
            verdict: s.verdict.id(),
            reason: s.verdict.reason(),
            severity: s.severity.map(|s| s.id()),
            forged: s.forged.map(|f| f.id()),
            needs_previous_login: s.special.is_some(),
            needs_encryption_certificate: s.encrypts_for_sp(),
        })
        // Logout scenarios break the logout messages, not a login: /api/sso refuses them.
        .chain(scenario::logout::ALL.iter().map(|s| ScenarioView {
            id: s.id,
            family: scenario::logout::FAMILY,
            family_title: scenario::logout::FAMILY_TITLE,
            title: s.title,
            explanation: s.explanation,
            rule: s.rule,
            verdict: s.verdict.id(),
            reason: s.verdict.reason(),
            severity: Some(s.severity.id()),
            forged: None,
            needs_previous_login: false,
            needs_encryption_certificate: false,
        }))
        .collect();
    HttpResponse::Ok().json(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer<'a>(
        acs_url: &'a str,
        saml_response: &'a Base64,
        relay: Option<&'a str>,
    ) -> SsoAnswer<'a> {
        SsoAnswer {
            acs_url,
            saml_response,
            rest: SsoAnswerRest {
                relay_state: relay,
                request_id: relay.map(|_| "_id\"1"),
                user: "al\u{e9}ce",
                binding: Some("redirect"),
                encoding: None,
                request_signature: relay.map(|_| SignatureView {
                    verdict: "invalid",
                    detail: "line\nbreak and \"quotes\" \\ </script>".into(),
                    algorithm: None,
                    required: true,
                }),
            },
        }
    }

    #[test]
    fn the_answer_is_the_json_serde_json_writes() {
        let responses = [
            b"<samlp:Response/>".as_slice(),
            b"ABC\xfb\xff",
            b"",
            b"\"\\\n",
        ]
        .map(Base64::encode);
        let cases = [
            answer("https://sp.example/acs", &responses[0], None),
            answer(
                "https://sp.example/acs?a=\"b\"&c=\u{1}\u{2028}",
                &responses[1],
                Some("state with \"quotes\", a \\ and </script>"),
            ),
            answer("", &responses[2], Some("")),
            answer("https://sp.example/acs", &responses[3], None),
        ];
        for a in &cases {
            let fast = a.to_json().expect("JSON");
            assert_eq!(
                String::from_utf8(fast).expect("UTF-8"),
                serde_json::to_string(a).expect("JSON")
            );
        }
        let written = cases[1].to_json().expect("JSON");
        let read: serde_json::Value = serde_json::from_slice(&written).expect("valid JSON");
        assert_eq!(read["SAMLResponse"], "QUJD+/8=");
        assert_eq!(read["request_signature"]["required"], true);
    }
}
