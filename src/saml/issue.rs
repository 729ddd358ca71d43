//! The pipeline from a parsed AuthnRequest to a signed, encoded Response.
//!
//! ```text
//! AuthnRequest + Target + Principal + Options
//!      │ plan(now, ids)                 every value decided        -> ResponseSpec
//!      │   scenario.shape
//!      │ sign(signer)                   build tree, sign           -> SignedResponse
//!      │   scenario.signing, scenario.tamper
//!      │ encode                         bytes, base64              -> IssuedResponse
//!          scenario.encode
//! ```
//! Each stage has its own type, so none can be skipped or run out of order. The clock and the
//! ID source are parameters: the same inputs give the same bytes (RSA PKCS#1 v1.5 signatures
//! are deterministic), which is what the golden files rely on.

use time::{Duration, OffsetDateTime};

use super::authn_request::AuthnRequest;
use super::binding;
use super::dsig::{self, DsigError, KeyInfoStyle, SignatureAlgorithm, Signer};
use super::nameid::{self, NameIdInputs};
use super::ns;
use super::principal::Principal;
use super::response::{
    self, AssertionSpec, AttributeSpec, AuthnSpec, ConditionsSpec, ConfirmationSpec, ResponseSpec,
    StatusSpec,
};
use super::scenario::{Scenario, SigningPlan};
use super::xml::c14n::write_document;
use super::xml::Element;

/// How far NotBefore is backdated, for SPs whose clock runs behind ours.
pub const CLOCK_SKEW_ALLOWANCE: Duration = Duration::minutes(2);
/// How long the assertion and its bearer confirmation can be used.
pub const ASSERTION_LIFETIME: Duration = Duration::minutes(5);
/// SessionNotOnOrAfter, counted from the authentication.
pub const SESSION_LIFETIME: Duration = Duration::hours(8);

/// Where fresh identifiers come from. The server draws random ones; tests count.
pub trait IdSource {
    /// A new xs:ID (starts with `_`).
    fn next_id(&mut self) -> String;
}

/// `_id1`, `_id2`, ...: deterministic IDs for tests and golden files.
#[derive(Debug, Default)]
pub struct SequentialIds(u64);

impl IdSource for SequentialIds {
    fn next_id(&mut self) -> String {
        self.0 += 1;
        format!("_id{}", self.0)
    }
}

/// The identity provider issuing the response.
pub struct Idp<'a> {
    pub entity_id: &'a str,
    pub signer: &'a Signer,
    /// Keys persistent NameIDs (see [`nameid`]).
    pub persistent_secret: &'a [u8],
}

/// What to sign. Default both: a default node-saml SP requires both signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sign {
    #[default]
    Both,
    Assertion,
    Response,
}

impl Sign {
    pub const ALL: [Sign; 3] = [Sign::Both, Sign::Assertion, Sign::Response];

    pub fn id(self) -> &'static str {
        match self {
            Sign::Both => "both",
            Sign::Assertion => "assertion",
            Sign::Response => "response",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.id() == id)
    }
}

/// The per-login choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    pub sign: Sign,
    pub algorithm: SignatureAlgorithm,
}

/// Who the response is for and where it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The SP's entity ID: the assertion's audience.
    pub sp_entity_id: String,
    /// The AssertionConsumerService URL: Destination, Recipient, and where the form posts.
    pub acs_url: String,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    #[error("the AuthnRequest has no Issuer, so there is no audience to address the assertion to")]
    NoIssuer,
    #[error("the AuthnRequest names no AssertionConsumerServiceURL{}; register the service provider so its ACS is known", .0.map(|i| format!(" (only AssertionConsumerServiceIndex={i})")).unwrap_or_default())]
    NoAcsUrl(Option<u16>),
    #[error("AssertionConsumerServiceURL {0:?} is not an absolute http(s) URL")]
    AcsNotHttp(String),
    #[error(
        "the AuthnRequest asks for ProtocolBinding {0}; responses are sent with HTTP-POST only"
    )]
    UnsupportedBinding(String),
}

impl Target {
    /// The target an unregistered SP's request names for itself.
    pub fn from_request(r: &AuthnRequest) -> Result<Target, TargetError> {
        if let Some(b) = &r.protocol_binding {
            if b != ns::binding::HTTP_POST {
                return Err(TargetError::UnsupportedBinding(b.clone()));
            }
        }
        let sp_entity_id = r
            .issuer
            .clone()
            .filter(|i| !i.is_empty())
            .ok_or(TargetError::NoIssuer)?;
        let acs_url = r
            .acs_url
            .clone()
            .ok_or(TargetError::NoAcsUrl(r.acs_index))?;
        if !(acs_url.starts_with("https://") || acs_url.starts_with("http://")) {
            return Err(TargetError::AcsNotHttp(acs_url));
        }
        Ok(Target {
            sp_entity_id,
            acs_url,
        })
    }
}

/// One login to answer.
pub struct Login<'a> {
    /// `None`: an unsolicited, IdP-initiated response.
    pub request: Option<&'a AuthnRequest>,
    pub target: &'a Target,
    pub principal: &'a Principal,
    pub options: Options,
}

/// Stage 1: decide every value of the response.
pub fn plan(
    login: &Login<'_>,
    idp: &Idp<'_>,
    now: OffsetDateTime,
    ids: &mut dyn IdSource,
) -> ResponseSpec {
    let response_id = ids.next_id();
    let in_response_to = login.request.map(|r| r.id.clone());
    let requested_format = login
        .request
        .and_then(|r| r.name_id_policy.as_ref())
        .and_then(|p| p.format.as_deref());
    let mut spec = ResponseSpec {
        id: response_id,
        issue_instant: now,
        destination: login.target.acs_url.clone(),
        in_response_to: in_response_to.clone(),
        issuer: idp.entity_id.to_owned(),
        status: StatusSpec::success(),
        assertion: None,
    };
    let inputs = NameIdInputs {
        idp_entity_id: idp.entity_id,
        sp_entity_id: &login.target.sp_entity_id,
        persistent_secret: idp.persistent_secret,
        transient_value: ids.next_id(),
    };
    let name_id = match nameid::resolve(requested_format, login.principal, inputs) {
        Ok(n) => n,
        Err(e) => {
            // saml-core 3.4.1.1: a format the IdP cannot produce is answered with this status.
            spec.status = StatusSpec {
                code: ns::status::REQUESTER.to_owned(),
                sub_code: Some(ns::status::INVALID_NAME_ID_POLICY.to_owned()),
                message: Some(e.to_string()),
            };
            return spec;
        }
    };
    let assertion_id = ids.next_id();
    spec.assertion = Some(AssertionSpec {
        issue_instant: now,
        issuer: idp.entity_id.to_owned(),
        name_id,
        confirmation: ConfirmationSpec {
            in_response_to,
            recipient: login.target.acs_url.clone(),
            not_on_or_after: now + ASSERTION_LIFETIME,
        },
        conditions: ConditionsSpec {
            not_before: now - CLOCK_SKEW_ALLOWANCE,
            not_on_or_after: now + ASSERTION_LIFETIME,
            audiences: vec![login.target.sp_entity_id.clone()],
        },
        authn: AuthnSpec {
            instant: now,
            session_index: ids.next_id(),
            session_not_on_or_after: Some(now + SESSION_LIFETIME),
            class_ref: authn_class(login.request),
        },
        attributes: attributes_of(login.principal),
        id: assertion_id,
    });
    spec
}

/// PasswordProtectedTransport, unless the SP asked only for other classes: then the first one
/// it asked for, so that a mock login satisfies whatever the SP requires.
fn authn_class(request: Option<&AuthnRequest>) -> String {
    let asked = request
        .and_then(|r| r.requested_authn_context.as_ref())
        .map(|c| c.class_refs.as_slice())
        .unwrap_or_default();
    match asked.first() {
        Some(first)
            if !asked
                .iter()
                .any(|c| c == ns::AC_PASSWORD_PROTECTED_TRANSPORT) =>
        {
            first.clone()
        }
        _ => ns::AC_PASSWORD_PROTECTED_TRANSPORT.to_owned(),
    }
}

/// The built-in attributes, then the user's own, in file order.
pub fn attributes_of(p: &Principal) -> Vec<AttributeSpec> {
    let mut out = vec![
        AttributeSpec::new("email", vec![p.email.clone()]),
        AttributeSpec::new("displayName", vec![p.display_name.clone()]),
        AttributeSpec::new("firstName", vec![p.first_name.clone()]),
        AttributeSpec::new("lastName", vec![p.last_name.clone()]),
    ];
    out.extend(
        p.attributes
            .iter()
            .map(|a| AttributeSpec::new(&a.name, a.values.clone())),
    );
    out
}

/// Stage 2: a response whose signatures are in place.
#[derive(Debug, Clone)]
pub struct SignedResponse {
    pub spec: ResponseSpec,
    pub document: Element,
}

#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    #[error("signing failed: {0}")]
    Signing(#[from] DsigError),
}

/// Stage 2: build the tree and sign it, assertion first, so that the response signature
/// covers the signed assertion.
pub fn sign(
    spec: ResponseSpec,
    options: Options,
    signer: &Signer,
    scenario: &dyn Scenario,
) -> Result<SignedResponse, IssueError> {
    let mut plan = SigningPlan {
        assertion: matches!(options.sign, Sign::Both | Sign::Assertion),
        response: matches!(options.sign, Sign::Both | Sign::Response),
        algorithm: options.algorithm,
        key_info: KeyInfoStyle::Prefixed,
    };
    scenario.signing(&mut plan);
    let mut document = response::build(&spec);
    if let (true, Some(a)) = (plan.assertion, &spec.assertion) {
        dsig::sign_enveloped(&mut document, &a.id, plan.algorithm, signer, plan.key_info)?;
    }
    if plan.response {
        dsig::sign_enveloped(
            &mut document,
            &spec.id,
            plan.algorithm,
            signer,
            plan.key_info,
        )?;
    }
    scenario.tamper(&mut document);
    Ok(SignedResponse { spec, document })
}

/// Stage 3: what the auto-POST form carries to the ACS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedResponse {
    pub acs_url: String,
    pub response_id: String,
    /// The request answered; `None` for IdP-initiated.
    pub request_id: Option<String>,
    pub status: StatusSpec,
    /// The Response document as sent.
    pub xml: String,
    /// Base64 of `xml`, the `SAMLResponse` form value.
    pub saml_response: String,
}

/// Stage 3: serialise and encode for the HTTP-POST binding, addressed to `target`'s ACS
/// (whatever Destination a scenario may have written).
pub fn encode(signed: SignedResponse, target: &Target, scenario: &dyn Scenario) -> IssuedResponse {
    let mut xml = write_document(&signed.document);
    scenario.encode(&mut xml);
    IssuedResponse {
        acs_url: target.acs_url.clone(),
        response_id: signed.spec.id,
        request_id: signed.spec.in_response_to,
        status: signed.spec.status,
        saml_response: binding::encode_post(&xml),
        xml,
    }
}

/// All stages in order.
pub fn issue(
    login: &Login<'_>,
    idp: &Idp<'_>,
    now: OffsetDateTime,
    ids: &mut dyn IdSource,
    scenario: &dyn Scenario,
) -> Result<IssuedResponse, IssueError> {
    let mut spec = plan(login, idp, now, ids);
    scenario.shape(&mut spec);
    let signed = sign(spec, login.options, idp.signer, scenario)?;
    Ok(encode(signed, login.target, scenario))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::authn_request;
    use crate::saml::dsig::tests::test_signer;
    use crate::saml::dsig::verify_enveloped;
    use crate::saml::principal::Attribute;
    use crate::saml::scenario::Valid;
    use crate::saml::xml::reader::{parse, Limits};
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);

    fn request(policy: &str) -> AuthnRequest {
        authn_request::parse(&format!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_req1" Version="2.0" IssueInstant="2026-01-02T03:04:00Z" Destination="https://idp.example/sso" AssertionConsumerServiceURL="https://sp.example/acs" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>https://sp.example/metadata</saml:Issuer>{policy}</samlp:AuthnRequest>"#
        ))
        .unwrap()
    }

    pub(crate) fn zoe() -> Principal {
        Principal {
            id: "zoe".into(),
            email: "zoe@globex.example".into(),
            display_name: "Zoë Łukasiewicz-Müller".into(),
            first_name: "Zoë".into(),
            last_name: "Łukasiewicz-Müller".into(),
            name_id: None,
            attributes: vec![
                Attribute {
                    name: "groups".into(),
                    values: vec!["admins".into(), "tier-2 & <up>".into()],
                },
                Attribute {
                    name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn".into(),
                    values: vec!["zoe@globex.example".into()],
                },
            ],
        }
    }

    fn run(req: &AuthnRequest, options: Options) -> IssuedResponse {
        let signer = test_signer();
        let idp = Idp {
            entity_id: "https://idp.example/metadata",
            signer: &signer,
            persistent_secret: b"k",
        };
        let target = Target::from_request(req).unwrap();
        let principal = zoe();
        let login = Login {
            request: Some(req),
            target: &target,
            principal: &principal,
            options,
        };
        issue(&login, &idp, NOW, &mut SequentialIds::default(), &Valid).unwrap()
    }

    /// Compares with `src/saml/testdata/<name>`; `UPDATE_GOLDEN=1` rewrites it.
    fn golden(name: &str, actual: &str) {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/saml/testdata")
            .join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run UPDATE_GOLDEN=1 cargo test",
                path.display()
            )
        });
        assert_eq!(
            actual, expected,
            "{name} differs from the golden file; review, then UPDATE_GOLDEN=1"
        );
    }

    #[test]
    fn default_response_matches_golden_and_both_signatures_verify() {
        let out = run(&request(""), Options::default());
        golden("response-default.xml", &out.xml);
        let doc = parse(out.xml.as_bytes(), Limits::default()).unwrap();
        let key = test_signer().certificate().public_key().unwrap();
        verify_enveloped(&doc, "_id1", &key).unwrap();
        verify_enveloped(&doc, "_id3", &key).unwrap();
        assert_eq!(out.acs_url, "https://sp.example/acs");
        assert_eq!(out.request_id.as_deref(), Some("_req1"));
    }

    #[test]
    fn each_signing_choice_and_algorithm_has_its_golden_file() {
        for sign in Sign::ALL {
            for algorithm in SignatureAlgorithm::ALL {
                let out = run(&request(""), Options { sign, algorithm });
                golden(
                    &format!("response-{}-{}.xml", sign.id(), algorithm.id()),
                    &out.xml,
                );
                let signatures = out.xml.matches("<ds:Signature ").count()
                    + out.xml.matches("<ds:Signature>").count();
                assert_eq!(signatures, if sign == Sign::Both { 2 } else { 1 });
            }
        }
    }

    #[test]
    fn the_response_carries_what_the_web_sso_profile_requires() {
        let out = run(&request(""), Options::default());
        let doc = parse(out.xml.as_bytes(), Limits::default()).unwrap();
        assert_eq!(doc.attribute("InResponseTo"), Some("_req1"));
        assert_eq!(doc.attribute("Destination"), Some("https://sp.example/acs"));
        let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
        let subject = a.first(ns::ASSERTION, "Subject").unwrap();
        let name_id = subject.first(ns::ASSERTION, "NameID").unwrap();
        assert_eq!(name_id.text_content(), "zoe@globex.example");
        assert_eq!(name_id.attribute("Format"), Some(ns::nameid::EMAIL));
        let scd = subject
            .first(ns::ASSERTION, "SubjectConfirmation")
            .unwrap()
            .first(ns::ASSERTION, "SubjectConfirmationData")
            .unwrap();
        assert_eq!(scd.attribute("InResponseTo"), Some("_req1"));
        assert_eq!(scd.attribute("Recipient"), Some("https://sp.example/acs"));
        assert_eq!(scd.attribute("NotOnOrAfter"), Some("2026-01-02T03:09:05Z"));
        assert_eq!(scd.attribute("NotBefore"), None);
        let conditions = a.first(ns::ASSERTION, "Conditions").unwrap();
        assert_eq!(
            conditions.attribute("NotBefore"),
            Some("2026-01-02T03:02:05Z")
        );
        let audience = conditions
            .first(ns::ASSERTION, "AudienceRestriction")
            .unwrap()
            .first(ns::ASSERTION, "Audience")
            .unwrap();
        assert_eq!(audience.text_content(), "https://sp.example/metadata");
        let names: Vec<_> = a.elements().map(|e| e.name.local.as_str()).collect();
        assert_eq!(
            names,
            [
                "Issuer",
                "Signature",
                "Subject",
                "Conditions",
                "AuthnStatement",
                "AttributeStatement"
            ]
        );
    }

    #[test]
    fn an_unproducible_name_id_format_gets_invalid_name_id_policy_status_and_no_assertion() {
        let req = request(
            r#"<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos"/>"#,
        );
        let out = run(&req, Options::default());
        assert_eq!(out.status.code, ns::status::REQUESTER);
        assert_eq!(
            out.status.sub_code.as_deref(),
            Some(ns::status::INVALID_NAME_ID_POLICY)
        );
        assert!(!out.xml.contains("Assertion"));
        golden("response-invalid-name-id-policy.xml", &out.xml);
    }

    #[test]
    fn honours_the_requested_name_id_format() {
        let req = request(
            r#"<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"/>"#,
        );
        let out = run(&req, Options::default());
        assert!(out
            .xml
            .contains(r#"Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent""#));
        assert!(out
            .xml
            .contains(r#"SPNameQualifier="https://sp.example/metadata""#));
    }

    #[test]
    fn target_comes_from_the_request_or_says_what_is_missing() {
        let mut r = request("");
        r.issuer = None;
        assert_eq!(Target::from_request(&r), Err(TargetError::NoIssuer));
        let mut r = request("");
        r.acs_url = None;
        r.acs_index = Some(2);
        assert_eq!(
            Target::from_request(&r),
            Err(TargetError::NoAcsUrl(Some(2)))
        );
        let mut r = request("");
        r.protocol_binding = Some(ns::binding::HTTP_REDIRECT.into());
        assert!(matches!(
            Target::from_request(&r),
            Err(TargetError::UnsupportedBinding(_))
        ));
        let mut r = request("");
        r.acs_url = Some("javascript:alert(1)".into());
        assert!(matches!(
            Target::from_request(&r),
            Err(TargetError::AcsNotHttp(_))
        ));
    }

    #[test]
    fn asserts_the_requested_authn_class_when_password_protected_transport_is_not_asked() {
        let x509 = "urn:oasis:names:tc:SAML:2.0:ac:classes:X509";
        let req = request(&format!(
            r#"<samlp:RequestedAuthnContext><saml:AuthnContextClassRef>{x509}</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>"#
        ));
        assert!(run(&req, Options::default()).xml.contains(x509));
    }
}
