//! `samlp:AuthnRequest` (saml-core 3.4.1), parsed from received XML into a typed value.
//!
//! Parsing is strict about what would make an answer wrong (the root element, ID, Version,
//! duplicate protocol elements) and lenient about what SPs commonly omit: Issuer,
//! Destination, and the ACS, which then must come from elsewhere (the SP registry).

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::ns;
use super::received::{self, StructureError};
use super::xml::reader::{self, Limits, ReadError};
use super::xml::Element;

/// `samlp:NameIDPolicy` (saml-core 3.4.1.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NameIdPolicy {
    pub format: Option<String>,
    pub sp_name_qualifier: Option<String>,
    pub allow_create: Option<bool>,
}

/// `samlp:RequestedAuthnContext` (saml-core 3.3.2.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RequestedAuthnContext {
    pub comparison: Option<String>,
    pub class_refs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    pub id: String,
    pub version: String,
    pub issue_instant: OffsetDateTime,
    pub destination: Option<String>,
    pub issuer: Option<String>,
    pub acs_url: Option<String>,
    pub acs_index: Option<u16>,
    pub protocol_binding: Option<String>,
    pub name_id_policy: Option<NameIdPolicy>,
    pub force_authn: bool,
    pub is_passive: bool,
    pub provider_name: Option<String>,
    pub requested_authn_context: Option<RequestedAuthnContext>,
    /// Whether the request carries an enveloped `ds:Signature` (not verified here).
    pub has_signature: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum RequestError {
    #[error("the request is not usable XML: {0}")]
    Xml(#[from] ReadError),
    #[error(
        "the root element is {found}, not samlp:AuthnRequest in {}",
        ns::PROTOCOL
    )]
    NotAuthnRequest { found: String },
    #[error("the AuthnRequest has no {0} attribute")]
    MissingAttribute(&'static str),
    #[error("the AuthnRequest has Version {0:?}; only SAML 2.0 is supported")]
    UnsupportedVersion(String),
    #[error("attribute {name}={value:?} is invalid: {reason}")]
    InvalidAttribute {
        name: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("the AuthnRequest contains more than one {0}")]
    Duplicate(&'static str),
    #[error("{0}")]
    Structure(#[from] StructureError),
}

/// Parses the XML text of an AuthnRequest.
pub fn parse(xml: &str) -> Result<AuthnRequest, RequestError> {
    parse_with_tree(xml).map(|(request, _)| request)
}

/// [`parse`], also returning the parsed tree, for checks that need the document itself (its
/// signature) without parsing it again.
pub fn parse_with_tree(xml: &str) -> Result<(AuthnRequest, Element), RequestError> {
    let root = reader::parse_keeping_declarations(xml.as_bytes(), Limits::request())?;
    let request = from_element(&root)?;
    Ok((request, root))
}

fn from_element(root: &Element) -> Result<AuthnRequest, RequestError> {
    if !root.name.is(ns::PROTOCOL, "AuthnRequest") {
        let found = match &root.name.ns {
            Some(ns) => format!("{{{ns}}}{}", root.name.local),
            None => root.name.local.to_string(),
        };
        return Err(RequestError::NotAuthnRequest { found });
    }
    received::check(root)?;
    let id = root
        .attribute("ID")
        .ok_or(RequestError::MissingAttribute("ID"))?;
    if !is_xs_id(id) {
        return Err(RequestError::InvalidAttribute {
            name: "ID",
            value: id.to_owned(),
            reason: "an xs:ID must start with a letter or '_' and contain no spaces or colons",
        });
    }
    let version = root
        .attribute("Version")
        .ok_or(RequestError::MissingAttribute("Version"))?;
    if version != ns::VERSION_2_0 {
        return Err(RequestError::UnsupportedVersion(version.to_owned()));
    }
    let instant = root
        .attribute("IssueInstant")
        .ok_or(RequestError::MissingAttribute("IssueInstant"))?;
    let issue_instant =
        OffsetDateTime::parse(instant, &Rfc3339).map_err(|_| RequestError::InvalidAttribute {
            name: "IssueInstant",
            value: instant.to_owned(),
            reason: "not an xs:dateTime such as 2026-01-31T07:18:15Z",
        })?;
    let acs_index = root
        .attribute("AssertionConsumerServiceIndex")
        .map(|v| {
            v.parse::<u16>()
                .map_err(|_| RequestError::InvalidAttribute {
                    name: "AssertionConsumerServiceIndex",
                    value: v.to_owned(),
                    reason: "not an unsigned short",
                })
        })
        .transpose()?;

    let issuer = single(root, ns::ASSERTION, "Issuer", "saml:Issuer")?
        .map(|e| e.text_content().trim().to_owned());
    let name_id_policy = single(root, ns::PROTOCOL, "NameIDPolicy", "samlp:NameIDPolicy")?
        .map(|e| -> Result<NameIdPolicy, RequestError> {
            Ok(NameIdPolicy {
                format: e.attribute("Format").map(str::to_owned),
                sp_name_qualifier: e.attribute("SPNameQualifier").map(str::to_owned),
                allow_create: bool_attr(e, "AllowCreate")?,
            })
        })
        .transpose()?;
    let requested_authn_context = single(
        root,
        ns::PROTOCOL,
        "RequestedAuthnContext",
        "samlp:RequestedAuthnContext",
    )?
    .map(|e| RequestedAuthnContext {
        comparison: e.attribute("Comparison").map(str::to_owned),
        class_refs: e
            .elements_named(ns::ASSERTION, "AuthnContextClassRef")
            .map(|c| c.text_content().trim().to_owned())
            .collect(),
    });
    let has_signature = single(root, ns::DSIG, "Signature", "ds:Signature")?.is_some();

    Ok(AuthnRequest {
        id: id.to_owned(),
        version: version.to_owned(),
        issue_instant,
        destination: root.attribute("Destination").map(str::to_owned),
        issuer,
        acs_url: root
            .attribute("AssertionConsumerServiceURL")
            .map(|s| s.trim().to_owned()),
        acs_index,
        protocol_binding: root.attribute("ProtocolBinding").map(str::to_owned),
        name_id_policy,
        force_authn: bool_attr(root, "ForceAuthn")?.unwrap_or(false),
        is_passive: bool_attr(root, "IsPassive")?.unwrap_or(false),
        provider_name: root.attribute("ProviderName").map(str::to_owned),
        requested_authn_context,
        has_signature,
    })
}

/// At most one child `{ns}local`; two is a malformed (or malicious) request.
fn single<'a>(
    root: &'a Element,
    ns: &'a str,
    local: &'a str,
    label: &'static str,
) -> Result<Option<&'a Element>, RequestError> {
    let mut it = root.elements_named(ns, local);
    let first = it.next();
    if it.next().is_some() {
        return Err(RequestError::Duplicate(label));
    }
    Ok(first)
}

/// xs:boolean: `true`, `false`, `1`, `0`.
fn bool_attr(el: &Element, name: &'static str) -> Result<Option<bool>, RequestError> {
    match el.attribute(name) {
        None => Ok(None),
        Some("true" | "1") => Ok(Some(true)),
        Some("false" | "0") => Ok(Some(false)),
        Some(v) => Err(RequestError::InvalidAttribute {
            name,
            value: v.to_owned(),
            reason: "not an xs:boolean (true, false, 1, 0)",
        }),
    }
}

/// An xs:ID is an NCName: it cannot start with a digit, '-' or '.', and has no ':' or spaces.
fn is_xs_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real request; provenance in tests/fixtures/requests/README.md.
    fn fixture(name: &str) -> AuthnRequest {
        let path = format!(
            "{}/tests/fixtures/requests/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        parse(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn parses_the_servicedesk_plus_sample() {
        let r = fixture("servicedesk-plus-sample.xml");
        assert_eq!(r.id, "_abe4735eceae4bd49afdb3f254dc5ea01359616");
        assert_eq!(r.issuer.as_deref(), Some("zoho.com"));
        assert_eq!(r.provider_name.as_deref(), Some("Zoho"));
        assert_eq!(
            r.acs_url.as_deref(),
            Some("https://accounts.zoho.com/signin/samlsp/90000000000")
        );
        assert_eq!(r.protocol_binding.as_deref(), Some(ns::binding::HTTP_POST));
        assert_eq!(r.destination.as_deref(), Some("https://idp-w2k8/adfs/ls"));
        assert!(!r.is_passive && !r.force_authn && !r.has_signature);
        assert_eq!(
            r.name_id_policy,
            Some(NameIdPolicy {
                allow_create: Some(true),
                ..Default::default()
            })
        );
        assert_eq!(r.issue_instant.year(), 2013);
    }

    #[test]
    fn parses_requests_made_by_python3_saml() {
        let r = fixture("python3-saml-redirect.xml");
        assert_eq!(
            r.issuer.as_deref(),
            Some("https://python-sp.example/metadata")
        );
        assert_eq!(r.acs_url.as_deref(), Some("https://python-sp.example/acs"));
        assert_eq!(r.protocol_binding.as_deref(), Some(ns::binding::HTTP_POST));
        assert_eq!(
            r.name_id_policy.and_then(|p| p.format).as_deref(),
            Some(ns::nameid::UNSPECIFIED)
        );
        let r = fixture("python3-saml-persistent.xml");
        assert_eq!(
            r.name_id_policy.and_then(|p| p.format).as_deref(),
            Some(ns::nameid::PERSISTENT)
        );
    }

    #[test]
    fn parses_requests_made_by_node_saml() {
        for name in ["node-saml-redirect.xml", "node-saml-post.xml"] {
            let r = fixture(name);
            assert_eq!(
                r.issuer.as_deref(),
                Some("https://node-sp.example/metadata")
            );
            assert_eq!(r.acs_url.as_deref(), Some("https://node-sp.example/acs"));
            let p = r.name_id_policy.unwrap();
            assert_eq!(p.format.as_deref(), Some(ns::nameid::EMAIL));
            assert_eq!(p.allow_create, Some(true));
            let c = r.requested_authn_context.unwrap();
            assert_eq!(c.comparison.as_deref(), Some("exact"));
            assert_eq!(c.class_refs, [ns::AC_PASSWORD_PROTECTED_TRANSPORT]);
        }
        let r = fixture("node-saml-identifier-format.xml");
        assert_eq!(
            r.name_id_policy.and_then(|p| p.format).as_deref(),
            Some(ns::nameid::TRANSIENT)
        );
    }

    #[test]
    fn reads_policy_authn_context_and_index() {
        let r = parse(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="a1" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" AssertionConsumerServiceIndex="3" ForceAuthn="1"><saml:Issuer> sp </saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent" SPNameQualifier="q" AllowCreate="false"/><samlp:RequestedAuthnContext Comparison="exact"><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></samlp:RequestedAuthnContext></samlp:AuthnRequest>"#,
        )
        .unwrap();
        assert_eq!(r.acs_index, Some(3));
        assert!(r.force_authn);
        assert_eq!(r.issuer.as_deref(), Some("sp"));
        let p = r.name_id_policy.unwrap();
        assert_eq!(p.format.as_deref(), Some(ns::nameid::PERSISTENT));
        assert_eq!(p.sp_name_qualifier.as_deref(), Some("q"));
        assert_eq!(p.allow_create, Some(false));
        let c = r.requested_authn_context.unwrap();
        assert_eq!(c.comparison.as_deref(), Some("exact"));
        assert_eq!(c.class_refs, [ns::AC_PASSWORD_PROTECTED_TRANSPORT]);
    }

    fn with(attrs: &str, body: &str) -> String {
        format!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" {attrs}>{body}</samlp:AuthnRequest>"#
        )
    }

    #[test]
    fn refuses_what_would_make_an_answer_wrong() {
        let ok = r#"ID="a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z""#;
        assert!(parse(&with(ok, "")).is_ok());
        assert_eq!(
            parse(&with(
                r#"Version="2.0" IssueInstant="2026-01-01T00:00:00Z""#,
                ""
            )),
            Err(RequestError::MissingAttribute("ID"))
        );
        assert_eq!(
            parse(&with(
                r#"ID="a" Version="1.1" IssueInstant="2026-01-01T00:00:00Z""#,
                ""
            )),
            Err(RequestError::UnsupportedVersion("1.1".into()))
        );
        assert!(matches!(
            parse(&with(
                r#"ID="1a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z""#,
                ""
            )),
            Err(RequestError::InvalidAttribute { name: "ID", .. })
        ));
        assert!(matches!(
            parse(&with(
                r#"ID="a" Version="2.0" IssueInstant="yesterday""#,
                ""
            )),
            Err(RequestError::InvalidAttribute {
                name: "IssueInstant",
                ..
            })
        ));
        assert!(matches!(
            parse(&with(&format!("{ok} IsPassive=\"yes\""), "")),
            Err(RequestError::InvalidAttribute {
                name: "IsPassive",
                ..
            })
        ));
        assert_eq!(
            parse(&with(
                ok,
                "<saml:Issuer>a</saml:Issuer><saml:Issuer>b</saml:Issuer>"
            )),
            Err(RequestError::Duplicate("saml:Issuer"))
        );
        assert!(matches!(
            parse(r#"<LogoutRequest xmlns="urn:oasis:names:tc:SAML:2.0:protocol"/>"#),
            Err(RequestError::NotAuthnRequest { .. })
        ));
        assert!(matches!(parse("<a"), Err(RequestError::Xml(_))));
    }
}
