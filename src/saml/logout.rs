//! Single logout messages (saml-core 3.7): `samlp:LogoutRequest` and `samlp:LogoutResponse`.
//!
//! ```text
//! received XML ─> parse_logout_request / parse_logout_response ─> LogoutRequest / LogoutResponse
//! LogoutRequestSpec / LogoutResponseSpec ─> build_* ─> Element ─> sign_logout_message
//!                                           ─> c14n::write_document ─> binding::encode_post
//!                                                                    or binding::encode_redirect
//! ```
//! Parsing follows [`authn_request`](super::authn_request): strict about the root element, the
//! attributes every protocol message must carry, and duplicated elements. A LogoutRequest must
//! name its issuer and the principal (saml-profiles 4.4.4.1); an encrypted or abstract
//! identifier (`saml:EncryptedID`, `saml:BaseID`) is refused with its own error.
//!
//! Building follows [`response`](super::response): a spec holds every value already decided,
//! the tree is written in schema order with `samlp:`/`saml:` prefixes, and a signature, when
//! wanted, goes right after the Issuer. For HTTP-Redirect a message is sent unsigned and the
//! query string carries the signature instead ([`binding::encode_redirect`]).
//!
//! [`binding::encode_redirect`]: super::binding::encode_redirect

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::dsig::{self, Algorithms, DsigError, KeyInfoStyle, Signer};
use super::nameid::NameId;
use super::ns;
use super::received::{self, StructureError};
use super::response::{format_instant, StatusSpec};
use super::xml::reader::{self, Limits, ReadError};
use super::xml::{Element, Name};

const LOGOUT_REQUEST: &str = "LogoutRequest";
const LOGOUT_RESPONSE: &str = "LogoutResponse";

/// The `saml:NameID` of a received LogoutRequest. Unlike the NameIDs we issue, its Format is
/// optional: python3-saml leaves it out for `unspecified`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutNameId {
    pub value: String,
    pub format: Option<String>,
    pub name_qualifier: Option<String>,
    pub sp_name_qualifier: Option<String>,
    pub sp_provided_id: Option<String>,
}

impl LogoutNameId {
    /// Whether this identifies the same principal as `issued`, the NameID sent to the SP in its
    /// assertion: the same value, and the same format and qualifiers wherever the request states
    /// them. A missing Format (or `unspecified`) and missing qualifiers match anything, since
    /// SP libraries drop them (python3-saml omits the Format unless configured with one).
    pub fn matches(&self, issued: &NameId) -> bool {
        let format_ok = match self.format.as_deref() {
            None | Some(ns::nameid::UNSPECIFIED) => true,
            Some(f) => f == issued.format,
        };
        let stated_equal = |stated: &Option<String>, ours: &Option<String>| match stated {
            None => true,
            Some(s) => ours.as_deref() == Some(s.as_str()),
        };
        self.value == issued.value
            && format_ok
            && stated_equal(&self.name_qualifier, &issued.name_qualifier)
            && stated_equal(&self.sp_name_qualifier, &issued.sp_name_qualifier)
    }
}

/// A received `samlp:LogoutRequest` (saml-core 3.7.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequest {
    pub id: String,
    pub version: String,
    pub issue_instant: OffsetDateTime,
    pub destination: Option<String>,
    pub issuer: String,
    /// After this instant the request must not be acted on (saml-core 3.7.1).
    pub not_on_or_after: Option<OffsetDateTime>,
    pub reason: Option<String>,
    pub name_id: LogoutNameId,
    /// The sessions to end; none means every session of the principal (saml-core 3.7.3.2).
    pub session_indexes: Vec<String>,
    /// Whether the request carries an enveloped `ds:Signature` (not verified here).
    pub has_signature: bool,
}

/// A received `samlp:LogoutResponse` (saml-core 3.7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutResponse {
    pub id: String,
    pub version: String,
    pub issue_instant: OffsetDateTime,
    pub destination: Option<String>,
    pub in_response_to: Option<String>,
    pub issuer: String,
    /// The top-level code, the second-level code if any, and the message if any.
    pub status: StatusSpec,
    /// Whether the response carries an enveloped `ds:Signature` (not verified here).
    pub has_signature: bool,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LogoutError {
    #[error("the message is not usable XML: {0}")]
    Xml(#[from] ReadError),
    #[error("{0}")]
    Structure(#[from] StructureError),
    #[error(
        "the root element is {found}, not samlp:{expected} in {}",
        ns::PROTOCOL
    )]
    WrongRoot {
        expected: &'static str,
        found: String,
    },
    #[error("{element} has no {name} attribute")]
    MissingAttribute {
        element: &'static str,
        name: &'static str,
    },
    #[error("the {message} has Version {version:?}; only SAML 2.0 is supported")]
    UnsupportedVersion {
        message: &'static str,
        version: String,
    },
    #[error("attribute {name}={value:?} is invalid: {reason}")]
    InvalidAttribute {
        name: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("the {message} contains more than one {element}")]
    Duplicate {
        message: &'static str,
        element: &'static str,
    },
    #[error("the {message} has no {element}")]
    MissingElement {
        message: &'static str,
        element: &'static str,
    },
    #[error("the {element} of the {message} is empty")]
    Empty {
        message: &'static str,
        element: &'static str,
    },
    #[error(
        "the LogoutRequest identifies the principal with a saml:EncryptedID; encrypted NameIDs \
         are not supported: send a plain saml:NameID"
    )]
    EncryptedId,
    #[error(
        "the LogoutRequest identifies the principal with a saml:BaseID, which is not supported: \
         send a saml:NameID"
    )]
    BaseId,
    #[error(
        "the LogoutRequest carries more than one identifier (saml:BaseID, saml:NameID, \
         saml:EncryptedID); exactly one is allowed"
    )]
    SeveralIdentifiers,
}

/// Parses the XML text of a LogoutRequest.
pub fn parse_logout_request(xml: &str) -> Result<LogoutRequest, LogoutError> {
    let root = reader::parse(xml.as_bytes(), Limits::request())?;
    logout_request_from_element(&root)
}

/// Parses the XML text of a LogoutResponse.
pub fn parse_logout_response(xml: &str) -> Result<LogoutResponse, LogoutError> {
    let root = reader::parse(xml.as_bytes(), Limits::request())?;
    logout_response_from_element(&root)
}

/// The LogoutRequest in an already parsed tree (for callers that also verify its signature).
pub fn logout_request_from_element(root: &Element) -> Result<LogoutRequest, LogoutError> {
    let m = LOGOUT_REQUEST;
    let common = common(root, m)?;
    let not_on_or_after = instant_attr(root, "NotOnOrAfter")?;

    let identifiers = [
        (ns::ASSERTION, "BaseID"),
        (ns::ASSERTION, "NameID"),
        (ns::ASSERTION, "EncryptedID"),
    ];
    let mut found = root
        .elements()
        .filter(|e| identifiers.iter().any(|(n, l)| e.name.is(n, l)));
    let identifier = found.next();
    if found.next().is_some() {
        return Err(LogoutError::SeveralIdentifiers);
    }
    let name_id = match identifier {
        None => {
            return Err(LogoutError::MissingElement {
                message: m,
                element: "saml:NameID",
            })
        }
        Some(e) if e.name.local == "EncryptedID" => return Err(LogoutError::EncryptedId),
        Some(e) if e.name.local == "BaseID" => return Err(LogoutError::BaseId),
        Some(e) => {
            let value = e.text_content().trim().to_owned();
            if value.is_empty() {
                return Err(LogoutError::Empty {
                    message: m,
                    element: "saml:NameID",
                });
            }
            LogoutNameId {
                value,
                format: e.attribute("Format").map(str::to_owned),
                name_qualifier: e.attribute("NameQualifier").map(str::to_owned),
                sp_name_qualifier: e.attribute("SPNameQualifier").map(str::to_owned),
                sp_provided_id: e.attribute("SPProvidedID").map(str::to_owned),
            }
        }
    };
    let session_indexes = root
        .elements_named(ns::PROTOCOL, "SessionIndex")
        .map(|e| e.text_content().trim().to_owned())
        .collect();

    Ok(LogoutRequest {
        id: common.id,
        version: common.version,
        issue_instant: common.issue_instant,
        destination: common.destination,
        issuer: common.issuer,
        not_on_or_after,
        reason: root.attribute("Reason").map(str::to_owned),
        name_id,
        session_indexes,
        has_signature: common.has_signature,
    })
}

/// The LogoutResponse in an already parsed tree (for callers that also verify its signature).
pub fn logout_response_from_element(root: &Element) -> Result<LogoutResponse, LogoutError> {
    let m = LOGOUT_RESPONSE;
    let common = common(root, m)?;
    let status = single(root, ns::PROTOCOL, "Status", m, "samlp:Status")?.ok_or(
        LogoutError::MissingElement {
            message: m,
            element: "samlp:Status",
        },
    )?;
    let top = single(status, ns::PROTOCOL, "StatusCode", m, "samlp:StatusCode")?.ok_or(
        LogoutError::MissingElement {
            message: m,
            element: "samlp:StatusCode",
        },
    )?;
    let code = status_value(top)?;
    let sub_code = single(
        top,
        ns::PROTOCOL,
        "StatusCode",
        m,
        "second-level samlp:StatusCode",
    )?
    .map(status_value)
    .transpose()?;
    let message = single(
        status,
        ns::PROTOCOL,
        "StatusMessage",
        m,
        "samlp:StatusMessage",
    )?
    .map(Element::text_content);

    Ok(LogoutResponse {
        id: common.id,
        version: common.version,
        issue_instant: common.issue_instant,
        destination: common.destination,
        in_response_to: root.attribute("InResponseTo").map(str::to_owned),
        issuer: common.issuer,
        status: StatusSpec {
            code,
            sub_code,
            message,
        },
        has_signature: common.has_signature,
    })
}

/// What both messages carry (saml-core 3.2.1, 3.2.2): the attributes of RequestAbstractType
/// and StatusResponseType, the Issuer, whether there is a Signature.
struct Common {
    id: String,
    version: String,
    issue_instant: OffsetDateTime,
    destination: Option<String>,
    issuer: String,
    has_signature: bool,
}

fn common(root: &Element, message: &'static str) -> Result<Common, LogoutError> {
    if !root.name.is(ns::PROTOCOL, message) {
        let found = match &root.name.ns {
            Some(ns) => format!("{{{ns}}}{}", root.name.local),
            None => root.name.local.clone(),
        };
        return Err(LogoutError::WrongRoot {
            expected: message,
            found,
        });
    }
    received::check(root)?;
    let required = |name: &'static str| {
        root.attribute(name).ok_or(LogoutError::MissingAttribute {
            element: message,
            name,
        })
    };
    let id = required("ID")?;
    if !is_xs_id(id) {
        return Err(LogoutError::InvalidAttribute {
            name: "ID",
            value: id.to_owned(),
            reason: "an xs:ID must start with a letter or '_' and contain no spaces or colons",
        });
    }
    let version = required("Version")?;
    if version != ns::VERSION_2_0 {
        return Err(LogoutError::UnsupportedVersion {
            message,
            version: version.to_owned(),
        });
    }
    let issue_instant = parse_instant("IssueInstant", required("IssueInstant")?)?;
    // saml-profiles 4.4.4.1 and 4.4.4.2: the Issuer MUST be present.
    let issuer = single(root, ns::ASSERTION, "Issuer", message, "saml:Issuer")?
        .ok_or(LogoutError::MissingElement {
            message,
            element: "saml:Issuer",
        })?
        .text_content()
        .trim()
        .to_owned();
    if issuer.is_empty() {
        return Err(LogoutError::Empty {
            message,
            element: "saml:Issuer",
        });
    }
    let has_signature = single(root, ns::DSIG, "Signature", message, "ds:Signature")?.is_some();
    Ok(Common {
        id: id.to_owned(),
        version: version.to_owned(),
        issue_instant,
        destination: root.attribute("Destination").map(str::to_owned),
        issuer,
        has_signature,
    })
}

/// At most one child `{ns}local`; two is a malformed (or malicious) message.
fn single<'a>(
    parent: &'a Element,
    ns: &'a str,
    local: &'a str,
    message: &'static str,
    label: &'static str,
) -> Result<Option<&'a Element>, LogoutError> {
    let mut it = parent.elements_named(ns, local);
    let first = it.next();
    if it.next().is_some() {
        return Err(LogoutError::Duplicate {
            message,
            element: label,
        });
    }
    Ok(first)
}

fn status_value(code: &Element) -> Result<String, LogoutError> {
    match code.attribute("Value") {
        Some(v) if !v.trim().is_empty() => Ok(v.trim().to_owned()),
        Some(_) => Err(LogoutError::Empty {
            message: LOGOUT_RESPONSE,
            element: "samlp:StatusCode Value",
        }),
        None => Err(LogoutError::MissingAttribute {
            element: "samlp:StatusCode",
            name: "Value",
        }),
    }
}

/// An optional xs:dateTime attribute.
fn instant_attr(el: &Element, name: &'static str) -> Result<Option<OffsetDateTime>, LogoutError> {
    el.attribute(name)
        .map(|v| parse_instant(name, v))
        .transpose()
}

fn parse_instant(name: &'static str, value: &str) -> Result<OffsetDateTime, LogoutError> {
    OffsetDateTime::parse(value, &Rfc3339).map_err(|_| LogoutError::InvalidAttribute {
        name,
        value: value.to_owned(),
        reason: "not an xs:dateTime such as 2026-01-31T07:18:15Z",
    })
}

/// An xs:ID is an NCName: it cannot start with a digit, '-' or '.', and has no ':' or spaces.
fn is_xs_id(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
}

/// A LogoutRequest to send (IdP-initiated logout, or propagation to the other SPs of a
/// session), every value decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutRequestSpec {
    pub id: String,
    /// `2.0`; anything else only in deliberately broken messages.
    pub version: String,
    pub issue_instant: OffsetDateTime,
    /// The SP's SingleLogoutService URL; required on a signed front-channel message
    /// (saml-bindings 3.4.5.2, 3.5.5.2).
    pub destination: String,
    pub issuer: String,
    /// The NameID the SP received in its assertion.
    pub name_id: NameId,
    /// The SessionIndex values of the SP's assertions in this session.
    pub session_indexes: Vec<String>,
    pub not_on_or_after: Option<OffsetDateTime>,
    /// One of [`ns::logout_reason`], or any URI.
    pub reason: Option<String>,
}

/// A LogoutResponse to send, every value decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogoutResponseSpec {
    pub id: String,
    /// `2.0`; anything else only in deliberately broken messages.
    pub version: String,
    pub issue_instant: OffsetDateTime,
    /// The SP's SingleLogoutService response URL.
    pub destination: String,
    /// The ID of the LogoutRequest answered.
    pub in_response_to: Option<String>,
    pub issuer: String,
    pub status: StatusSpec,
}

fn samlp(local: &str) -> Element {
    Element::new(Name::prefixed("samlp", ns::PROTOCOL, local))
}

fn saml(local: &str) -> Element {
    Element::new(Name::prefixed("saml", ns::ASSERTION, local))
}

/// The unsigned LogoutRequest tree, children in schema order (Issuer, NameID, SessionIndex*).
pub fn build_logout_request(spec: &LogoutRequestSpec) -> Element {
    let n = &spec.name_id;
    let mut request = samlp(LOGOUT_REQUEST)
        .attr("ID", spec.id.as_str())
        .attr("Version", spec.version.as_str())
        .attr("IssueInstant", format_instant(spec.issue_instant))
        .attr("Destination", spec.destination.as_str())
        .attr_opt("NotOnOrAfter", spec.not_on_or_after.map(format_instant))
        .attr_opt("Reason", spec.reason.as_deref())
        .child(saml("Issuer").text(spec.issuer.as_str()))
        .child(
            saml("NameID")
                .attr("Format", n.format.as_str())
                .attr_opt("NameQualifier", n.name_qualifier.as_deref())
                .attr_opt("SPNameQualifier", n.sp_name_qualifier.as_deref())
                .text(n.value.as_str()),
        );
    for index in &spec.session_indexes {
        request = request.child(samlp("SessionIndex").text(index.as_str()));
    }
    request
}

/// The unsigned LogoutResponse tree, children in schema order (Issuer, Status).
pub fn build_logout_response(spec: &LogoutResponseSpec) -> Element {
    let mut code = samlp("StatusCode").attr("Value", spec.status.code.as_str());
    if let Some(sub) = &spec.status.sub_code {
        code = code.child(samlp("StatusCode").attr("Value", sub.as_str()));
    }
    let mut status = samlp("Status").child(code);
    if let Some(msg) = &spec.status.message {
        status = status.child(samlp("StatusMessage").text(msg.as_str()));
    }
    samlp(LOGOUT_RESPONSE)
        .attr("ID", spec.id.as_str())
        .attr("Version", spec.version.as_str())
        .attr("IssueInstant", format_instant(spec.issue_instant))
        .attr("Destination", spec.destination.as_str())
        .attr_opt("InResponseTo", spec.in_response_to.as_deref())
        .child(saml("Issuer").text(spec.issuer.as_str()))
        .child(status)
}

/// Signs a built logout message (its root, by its `ID`) with an enveloped signature placed
/// right after the Issuer, for the HTTP-POST binding.
pub fn sign_logout_message(
    document: &mut Element,
    algorithms: Algorithms,
    signer: &Signer,
) -> Result<(), DsigError> {
    let id = document
        .attribute("ID")
        .ok_or_else(|| DsigError::NoSuchId(String::new()))?
        .to_owned();
    dsig::sign_enveloped(document, &id, algorithms, signer, KeyInfoStyle::Prefixed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::b64::STANDARD;
    use crate::saml::binding::{self, MessageParam, QuerySigner};
    use crate::saml::dsig::tests::test_signer;
    use crate::saml::dsig::{verify_enveloped, SignatureAlgorithm, VerifyError};
    use crate::saml::issue::{IdSource, SequentialIds};
    use crate::saml::xml::c14n::write_document;
    use crate::saml::xml::reader::parse;
    use base64::Engine as _;
    use openssl::hash::MessageDigest;
    use openssl::pkey::{PKey, Private};
    use openssl::sign::Verifier;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);
    const IDP: &str = "https://idp.example/metadata";
    const SP: &str = "https://sp.example/metadata";

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/src/saml/testdata/logout/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn request_fixture(name: &str) -> LogoutRequest {
        parse_logout_request(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn response_fixture(name: &str) -> LogoutResponse {
        parse_logout_response(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Compares with `src/saml/testdata/logout/<name>`; `UPDATE_GOLDEN=1` rewrites it.
    fn golden(name: &str, actual: &str) {
        crate::saml::golden::Goldens {
            dir: "logout",
            extension: "",
            called: "the golden file",
        }
        .check(name, actual);
    }

    fn test_key() -> PKey<Private> {
        PKey::private_key_from_pem(include_bytes!("../../tests/fixtures/keys/test.key")).unwrap()
    }

    fn zoe() -> NameId {
        NameId {
            format: ns::nameid::EMAIL.into(),
            value: "zoe@globex.example".into(),
            name_qualifier: None,
            sp_name_qualifier: None,
        }
    }

    fn request_spec(ids: &mut dyn IdSource, now: OffsetDateTime) -> LogoutRequestSpec {
        LogoutRequestSpec {
            id: ids.next_id(),
            version: ns::VERSION_2_0.into(),
            issue_instant: now,
            destination: "https://sp.example/slo".into(),
            issuer: IDP.into(),
            name_id: NameId {
                format: ns::nameid::PERSISTENT.into(),
                value: "p-4f2a9c".into(),
                name_qualifier: Some(IDP.into()),
                sp_name_qualifier: Some(SP.into()),
            },
            session_indexes: vec![ids.next_id(), ids.next_id()],
            not_on_or_after: Some(now + time::Duration::minutes(5)),
            reason: Some(ns::logout_reason::USER.into()),
        }
    }

    fn response_spec(ids: &mut dyn IdSource, now: OffsetDateTime) -> LogoutResponseSpec {
        LogoutResponseSpec {
            id: ids.next_id(),
            version: ns::VERSION_2_0.into(),
            issue_instant: now,
            destination: "https://sp.example/slo".into(),
            in_response_to: Some("_sp-logout-1".into()),
            issuer: IDP.into(),
            status: StatusSpec::success(),
        }
    }

    fn signed(mut doc: Element, algorithm: SignatureAlgorithm) -> String {
        sign_logout_message(&mut doc, algorithm.into(), &test_signer()).unwrap();
        write_document(&doc)
    }

    fn public_key() -> PKey<openssl::pkey::Public> {
        test_signer().certificate().public_key().unwrap()
    }

    #[test]
    fn parses_logout_requests_made_by_python3_saml() {
        let r = request_fixture("python3-saml-logout-request.xml");
        assert!(r.id.starts_with("ONELOGIN_"));
        assert_eq!(r.issuer, "https://python-sp.example/metadata");
        assert_eq!(r.destination.as_deref(), Some("http://127.0.0.1:8080/slo"));
        assert_eq!(
            r.name_id,
            LogoutNameId {
                value: "zoe@globex.example".into(),
                format: None,
                name_qualifier: None,
                sp_name_qualifier: None,
                sp_provided_id: None,
            }
        );
        assert_eq!(r.session_indexes, ["_id4"]);
        assert_eq!(
            (r.not_on_or_after, r.reason, r.has_signature),
            (None, None, false)
        );
        assert!(r.name_id.matches(&zoe()));

        let r = request_fixture("python3-saml-logout-request-persistent.xml");
        assert_eq!(r.name_id.value, "p-4f2a9c");
        assert_eq!(r.name_id.format.as_deref(), Some(ns::nameid::PERSISTENT));
        assert_eq!(
            r.name_id.name_qualifier.as_deref(),
            Some("http://127.0.0.1:8080/metadata")
        );
        assert_eq!(
            r.name_id.sp_name_qualifier.as_deref(),
            Some("https://python-sp.example/metadata")
        );
        assert_eq!(r.session_indexes, ["_id4"]);
    }

    #[test]
    fn parses_logout_requests_made_by_node_saml() {
        let r = request_fixture("node-saml-logout-request.xml");
        assert_eq!(r.issuer, "https://node-sp.example/metadata");
        assert_eq!(r.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
        assert!(r.name_id.matches(&zoe()));
        // node-saml writes the SessionIndex with its own prefix, saml2p.
        assert_eq!(r.session_indexes, ["_id4"]);

        let r = request_fixture("node-saml-logout-request-qualifiers.xml");
        assert_eq!(r.name_id.format.as_deref(), Some(ns::nameid::PERSISTENT));
        assert_eq!(
            r.name_id.sp_name_qualifier.as_deref(),
            Some("https://node-sp.example/metadata")
        );
        assert!(r.session_indexes.is_empty());
    }

    #[test]
    fn parses_logout_responses_made_by_python3_saml_and_node_saml() {
        for (name, issuer) in [
            (
                "python3-saml-logout-response.xml",
                "https://python-sp.example/metadata",
            ),
            (
                "node-saml-logout-response.xml",
                "https://node-sp.example/metadata",
            ),
        ] {
            let r = response_fixture(name);
            assert_eq!(r.issuer, issuer, "{name}");
            assert_eq!(r.in_response_to.as_deref(), Some("_id1"), "{name}");
            assert_eq!(r.destination.as_deref(), Some("http://127.0.0.1:8080/slo"));
            assert_eq!(r.status, StatusSpec::success(), "{name}");
            assert!(!r.has_signature);
        }
        let r = response_fixture("node-saml-logout-response-failure.xml");
        assert_eq!(
            r.status,
            StatusSpec {
                code: ns::status::REQUESTER.into(),
                sub_code: Some(ns::status::UNKNOWN_PRINCIPAL.into()),
                message: None,
            }
        );
    }

    #[test]
    fn every_fixture_is_documented_in_the_readme() {
        let readme = fixture("README.md");
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/saml/testdata/logout");
        for entry in std::fs::read_dir(dir).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".xml") {
                assert!(
                    readme.contains(&format!("`{name}`")),
                    "{name} is not in README.md"
                );
            }
        }
    }

    const P: &str = r#"xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#;
    const OK: &str = r#"ID="a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z""#;
    const ISSUER: &str = "<saml:Issuer>sp</saml:Issuer>";
    const NAME_ID: &str = "<saml:NameID>zoe</saml:NameID>";
    const STATUS: &str = r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#;

    fn req(attrs: &str, body: &str) -> Result<LogoutRequest, LogoutError> {
        parse_logout_request(&format!(
            "<samlp:LogoutRequest {P} {attrs}>{body}</samlp:LogoutRequest>"
        ))
    }

    fn resp(attrs: &str, body: &str) -> Result<LogoutResponse, LogoutError> {
        parse_logout_response(&format!(
            "<samlp:LogoutResponse {P} {attrs}>{body}</samlp:LogoutResponse>"
        ))
    }

    #[test]
    fn reads_not_on_or_after_reason_sp_provided_id_and_several_session_indexes() {
        let r = req(
            &format!(r#"{OK} NotOnOrAfter="2026-01-01T00:05:00Z" Reason="{}""#, ns::logout_reason::ADMIN),
            r#"<saml:Issuer> sp </saml:Issuer><samlp:Extensions/><saml:NameID SPProvidedID="x"> zoe </saml:NameID><samlp:SessionIndex>s1</samlp:SessionIndex><samlp:SessionIndex>s2</samlp:SessionIndex>"#,
        )
        .unwrap();
        assert_eq!(r.not_on_or_after, Some(datetime!(2026-01-01 00:05:00 UTC)));
        assert_eq!(r.reason.as_deref(), Some(ns::logout_reason::ADMIN));
        assert_eq!(r.issuer, "sp");
        assert_eq!(r.name_id.value, "zoe");
        assert_eq!(r.name_id.sp_provided_id.as_deref(), Some("x"));
        assert_eq!(r.session_indexes, ["s1", "s2"]);
    }

    #[test]
    fn refuses_logout_requests_that_would_make_an_answer_wrong() {
        let body = format!("{ISSUER}{NAME_ID}");
        assert!(req(OK, &body).is_ok());
        assert_eq!(
            req(
                r#"Version="2.0" IssueInstant="2026-01-01T00:00:00Z""#,
                &body
            ),
            Err(LogoutError::MissingAttribute {
                element: "LogoutRequest",
                name: "ID"
            })
        );
        assert_eq!(
            req(r#"ID="a" IssueInstant="2026-01-01T00:00:00Z""#, &body),
            Err(LogoutError::MissingAttribute {
                element: "LogoutRequest",
                name: "Version"
            })
        );
        assert_eq!(
            req(r#"ID="a" Version="2.0""#, &body),
            Err(LogoutError::MissingAttribute {
                element: "LogoutRequest",
                name: "IssueInstant"
            })
        );
        assert_eq!(
            req(
                r#"ID="a" Version="1.1" IssueInstant="2026-01-01T00:00:00Z""#,
                &body
            ),
            Err(LogoutError::UnsupportedVersion {
                message: "LogoutRequest",
                version: "1.1".into()
            })
        );
        assert!(matches!(
            req(
                r#"ID="1a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z""#,
                &body
            ),
            Err(LogoutError::InvalidAttribute { name: "ID", .. })
        ));
        assert!(matches!(
            req(r#"ID="a" Version="2.0" IssueInstant="yesterday""#, &body),
            Err(LogoutError::InvalidAttribute {
                name: "IssueInstant",
                ..
            })
        ));
        assert!(matches!(
            req(&format!(r#"{OK} NotOnOrAfter="soon""#), &body),
            Err(LogoutError::InvalidAttribute {
                name: "NotOnOrAfter",
                ..
            })
        ));
        assert_eq!(
            req(OK, NAME_ID),
            Err(LogoutError::MissingElement {
                message: "LogoutRequest",
                element: "saml:Issuer"
            })
        );
        assert_eq!(
            req(OK, &format!("<saml:Issuer> </saml:Issuer>{NAME_ID}")),
            Err(LogoutError::Empty {
                message: "LogoutRequest",
                element: "saml:Issuer"
            })
        );
        assert_eq!(
            req(OK, &format!("{ISSUER}{ISSUER}{NAME_ID}")),
            Err(LogoutError::Duplicate {
                message: "LogoutRequest",
                element: "saml:Issuer"
            })
        );
        assert_eq!(
            req(OK, ISSUER),
            Err(LogoutError::MissingElement {
                message: "LogoutRequest",
                element: "saml:NameID"
            })
        );
        assert_eq!(
            req(OK, &format!("{ISSUER}<saml:NameID/>")),
            Err(LogoutError::Empty {
                message: "LogoutRequest",
                element: "saml:NameID"
            })
        );
        assert_eq!(
            req(OK, &format!("{ISSUER}{NAME_ID}{NAME_ID}")),
            Err(LogoutError::SeveralIdentifiers)
        );
        let sig = r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>"#;
        assert_eq!(
            req(OK, &format!("{ISSUER}{sig}{sig}{NAME_ID}")),
            Err(LogoutError::Duplicate {
                message: "LogoutRequest",
                element: "ds:Signature"
            })
        );
        assert!(
            req(OK, &format!("{ISSUER}{sig}{NAME_ID}"))
                .unwrap()
                .has_signature
        );
        // A NameID in the protocol namespace is not the principal's identifier.
        assert!(matches!(
            req(OK, &format!("{ISSUER}<samlp:NameID>zoe</samlp:NameID>")),
            Err(LogoutError::MissingElement { .. })
        ));
    }

    #[test]
    fn refuses_encrypted_and_base_identifiers_with_their_own_errors() {
        let encrypted = r#"<saml:EncryptedID><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedID>"#;
        let err = req(OK, &format!("{ISSUER}{encrypted}")).unwrap_err();
        assert_eq!(err, LogoutError::EncryptedId);
        assert!(err.to_string().contains("EncryptedID"));
        assert_eq!(
            req(OK, &format!("{ISSUER}<saml:BaseID xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"x\"/>")),
            Err(LogoutError::BaseId)
        );
        assert_eq!(
            req(OK, &format!("{ISSUER}{NAME_ID}{encrypted}")),
            Err(LogoutError::SeveralIdentifiers)
        );
    }

    #[test]
    fn refuses_a_root_that_is_not_the_expected_message() {
        assert_eq!(
            parse_logout_request(&format!(
                "<samlp:AuthnRequest {P} {OK}>{ISSUER}</samlp:AuthnRequest>"
            )),
            Err(LogoutError::WrongRoot {
                expected: "LogoutRequest",
                found: format!("{{{}}}AuthnRequest", ns::PROTOCOL)
            })
        );
        assert!(matches!(
            parse_logout_response(&format!(
                "<samlp:LogoutRequest {P} {OK}>{ISSUER}{NAME_ID}</samlp:LogoutRequest>"
            )),
            Err(LogoutError::WrongRoot {
                expected: "LogoutResponse",
                ..
            })
        ));
        assert_eq!(
            parse_logout_request(r#"<LogoutRequest ID="a"/>"#),
            Err(LogoutError::WrongRoot {
                expected: "LogoutRequest",
                found: "LogoutRequest".into()
            })
        );
        assert!(matches!(
            parse_logout_request("<a"),
            Err(LogoutError::Xml(_))
        ));
        assert!(matches!(
            parse_logout_response(
                r#"<!DOCTYPE a [<!ENTITY x "y">]><samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>"#
            ),
            Err(LogoutError::Xml(ReadError::Doctype))
        ));
    }

    #[test]
    fn reads_status_codes_and_message_of_a_response() {
        let r = resp(
            &format!(r#"{OK} InResponseTo="_r1" Destination="https://idp/slo""#),
            &format!(
                r#"{ISSUER}<samlp:Status><samlp:StatusCode Value=" {} "><samlp:StatusCode Value="{}"/></samlp:StatusCode><samlp:StatusMessage>one SP did not answer</samlp:StatusMessage><samlp:StatusDetail/></samlp:Status>"#,
                ns::status::SUCCESS,
                ns::status::PARTIAL_LOGOUT
            ),
        )
        .unwrap();
        assert_eq!(r.in_response_to.as_deref(), Some("_r1"));
        assert_eq!(r.destination.as_deref(), Some("https://idp/slo"));
        assert_eq!(
            r.status,
            StatusSpec {
                code: ns::status::SUCCESS.into(),
                sub_code: Some(ns::status::PARTIAL_LOGOUT.into()),
                message: Some("one SP did not answer".into()),
            }
        );
        // InResponseTo is optional (an unsolicited response), Destination too.
        let r = resp(OK, &format!("{ISSUER}{STATUS}")).unwrap();
        assert_eq!((r.in_response_to, r.destination), (None, None));
    }

    #[test]
    fn refuses_logout_responses_without_a_usable_status_or_issuer() {
        let missing = |element| LogoutError::MissingElement {
            message: "LogoutResponse",
            element,
        };
        assert_eq!(resp(OK, ISSUER), Err(missing("samlp:Status")));
        assert_eq!(
            resp(OK, &format!("{ISSUER}<samlp:Status/>")),
            Err(missing("samlp:StatusCode"))
        );
        assert_eq!(resp(OK, STATUS), Err(missing("saml:Issuer")));
        assert_eq!(
            resp(
                OK,
                &format!("{ISSUER}<samlp:Status><samlp:StatusCode/></samlp:Status>")
            ),
            Err(LogoutError::MissingAttribute {
                element: "samlp:StatusCode",
                name: "Value"
            })
        );
        assert_eq!(
            resp(OK, &format!("{ISSUER}{STATUS}{STATUS}")),
            Err(LogoutError::Duplicate {
                message: "LogoutResponse",
                element: "samlp:Status"
            })
        );
        let two_second_level = r#"<samlp:Status><samlp:StatusCode Value="a"><samlp:StatusCode Value="b"/><samlp:StatusCode Value="c"/></samlp:StatusCode></samlp:Status>"#;
        assert_eq!(
            resp(OK, &format!("{ISSUER}{two_second_level}")),
            Err(LogoutError::Duplicate {
                message: "LogoutResponse",
                element: "second-level samlp:StatusCode"
            })
        );
        assert_eq!(
            resp(
                r#"ID="a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z""#,
                &format!("{ISSUER}{STATUS}")
            )
            .map(|r| r.id),
            Ok("a".into())
        );
        assert_eq!(
            resp(r#"ID="a" Version="2.0""#, &format!("{ISSUER}{STATUS}")),
            Err(LogoutError::MissingAttribute {
                element: "LogoutResponse",
                name: "IssueInstant"
            })
        );
    }

    #[test]
    fn builds_children_in_schema_order_with_samlp_and_saml_prefixes() {
        let mut ids = SequentialIds::default();
        let xml = signed(
            build_logout_request(&request_spec(&mut ids, NOW)),
            SignatureAlgorithm::RsaSha256,
        );
        let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
        let names: Vec<_> = doc.elements().map(|e| e.name.qualified()).collect();
        assert_eq!(
            names,
            [
                "saml:Issuer",
                "ds:Signature",
                "saml:NameID",
                "samlp:SessionIndex",
                "samlp:SessionIndex"
            ]
        );
        assert!(xml.starts_with("<samlp:LogoutRequest xmlns:samlp="));
        let xml = signed(
            build_logout_response(&response_spec(&mut ids, NOW)),
            SignatureAlgorithm::RsaSha256,
        );
        let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
        let names: Vec<_> = doc.elements().map(|e| e.name.qualified()).collect();
        assert_eq!(names, ["saml:Issuer", "ds:Signature", "samlp:Status"]);
    }

    #[test]
    fn round_trip_build_sign_write_parse_verify_for_every_algorithm() {
        for algorithm in SignatureAlgorithm::RSA {
            let mut ids = SequentialIds::default();
            let spec = request_spec(&mut ids, NOW);
            let xml = signed(build_logout_request(&spec), algorithm);
            assert!(xml.contains(algorithm.uri()));
            let parsed = parse_logout_request(&xml).unwrap();
            assert_eq!(
                parsed,
                LogoutRequest {
                    id: spec.id.clone(),
                    version: "2.0".into(),
                    issue_instant: NOW,
                    destination: Some(spec.destination.clone()),
                    issuer: IDP.into(),
                    not_on_or_after: spec.not_on_or_after,
                    reason: spec.reason.clone(),
                    name_id: LogoutNameId {
                        value: "p-4f2a9c".into(),
                        format: Some(ns::nameid::PERSISTENT.into()),
                        name_qualifier: Some(IDP.into()),
                        sp_name_qualifier: Some(SP.into()),
                        sp_provided_id: None,
                    },
                    session_indexes: spec.session_indexes.clone(),
                    has_signature: true,
                }
            );
            assert!(parsed.name_id.matches(&spec.name_id));
            let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
            verify_enveloped(&doc, &spec.id, &public_key()).unwrap();

            let mut spec = response_spec(&mut ids, NOW);
            spec.status = StatusSpec {
                code: ns::status::RESPONDER.into(),
                sub_code: Some(ns::status::PARTIAL_LOGOUT.into()),
                message: Some("Zoë's session at 2 of 3 SPs ended & <one> did not answer".into()),
            };
            let xml = signed(build_logout_response(&spec), algorithm);
            let parsed = parse_logout_response(&xml).unwrap();
            assert_eq!(
                parsed,
                LogoutResponse {
                    id: spec.id.clone(),
                    version: "2.0".into(),
                    issue_instant: NOW,
                    destination: Some(spec.destination.clone()),
                    in_response_to: spec.in_response_to.clone(),
                    issuer: IDP.into(),
                    status: spec.status.clone(),
                    has_signature: true,
                }
            );
            let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
            verify_enveloped(&doc, &spec.id, &public_key()).unwrap();
            let tampered = xml.replace("2 of 3", "3 of 3");
            let doc = parse(tampered.as_bytes(), Limits::default()).unwrap();
            assert_eq!(
                verify_enveloped(&doc, &spec.id, &public_key()),
                Err(VerifyError::DigestMismatch)
            );
        }
    }

    #[test]
    fn an_unsigned_message_has_no_signature_and_omits_what_is_not_set() {
        let mut ids = SequentialIds::default();
        let mut spec = request_spec(&mut ids, NOW);
        spec.not_on_or_after = None;
        spec.reason = None;
        spec.session_indexes.clear();
        spec.name_id = zoe();
        let xml = write_document(&build_logout_request(&spec));
        assert_eq!(
            xml,
            r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Destination="https://sp.example/slo" ID="_id1" IssueInstant="2026-01-02T03:04:05Z" Version="2.0"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://idp.example/metadata</saml:Issuer><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">zoe@globex.example</saml:NameID></samlp:LogoutRequest>"#
        );
        let parsed = parse_logout_request(&xml).unwrap();
        assert!(!parsed.has_signature);
        let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
        assert_eq!(
            verify_enveloped(&doc, "_id1", &public_key()),
            Err(VerifyError::Unsigned)
        );
    }

    #[test]
    fn logout_request_matches_golden() {
        let mut ids = SequentialIds::default();
        let xml = signed(
            build_logout_request(&request_spec(&mut ids, NOW)),
            SignatureAlgorithm::RsaSha256,
        );
        golden("logout-request.xml", &xml);
    }

    #[test]
    fn logout_response_matches_golden() {
        let mut ids = SequentialIds::default();
        let xml = signed(
            build_logout_response(&response_spec(&mut ids, NOW)),
            SignatureAlgorithm::RsaSha256,
        );
        golden("logout-response.xml", &xml);
    }

    #[test]
    fn name_id_matching_is_lenient_only_where_sp_libraries_drop_attributes() {
        let issued = NameId {
            format: ns::nameid::PERSISTENT.into(),
            value: "p-1".into(),
            name_qualifier: Some(IDP.into()),
            sp_name_qualifier: Some(SP.into()),
        };
        let stated = LogoutNameId {
            value: "p-1".into(),
            format: None,
            name_qualifier: None,
            sp_name_qualifier: None,
            sp_provided_id: None,
        };
        assert!(stated.matches(&issued));
        let with = |f: &dyn Fn(&mut LogoutNameId)| {
            let mut n = stated.clone();
            f(&mut n);
            n.matches(&issued)
        };
        assert!(with(&|n| n.format = Some(ns::nameid::UNSPECIFIED.into())));
        assert!(with(&|n| n.format = Some(ns::nameid::PERSISTENT.into())));
        assert!(with(&|n| n.sp_name_qualifier = Some(SP.into())));
        assert!(!with(&|n| n.value = "p-2".into()));
        assert!(!with(&|n| n.format = Some(ns::nameid::EMAIL.into())));
        assert!(!with(
            &|n| n.name_qualifier = Some("https://other-idp".into())
        ));
        assert!(!with(
            &|n| n.sp_name_qualifier = Some("https://other-sp".into())
        ));
    }

    /// Splits a query into its raw `name=value` pairs, as received (no decoding).
    fn raw_pairs(query: &str) -> Vec<(&str, &str)> {
        query
            .split('&')
            .map(|p| p.split_once('=').unwrap())
            .collect()
    }

    /// Checks the Redirect signature as saml-bindings 3.4.4.1 says an SP does: over the bytes
    /// of the query up to `&Signature=`, exactly as they arrived.
    fn verify_query_signature(query: &str) -> Result<(), String> {
        let (signed_part, signature) = query
            .split_once("&Signature=")
            .ok_or("no Signature parameter")?;
        let decoded: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
        let get = |name: &str| {
            decoded
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
        };
        let sig_alg = get("SigAlg").ok_or("no SigAlg")?;
        let md = match sig_alg.as_str() {
            ns::alg::RSA_SHA1 => MessageDigest::sha1(),
            ns::alg::RSA_SHA256 => MessageDigest::sha256(),
            ns::alg::RSA_SHA384 => MessageDigest::sha384(),
            ns::alg::RSA_SHA512 => MessageDigest::sha512(),
            other => return Err(format!("unknown SigAlg {other}")),
        };
        let signature: Vec<(String, String)> =
            serde_urlencoded::from_str(&format!("s={signature}")).unwrap();
        let value = STANDARD
            .decode(&signature[0].1)
            .map_err(|e| e.to_string())?;
        let key = public_key();
        let mut v = Verifier::new(md, &key).unwrap();
        v.update(signed_part.as_bytes()).unwrap();
        if v.verify(&value).unwrap() {
            Ok(())
        } else {
            Err("the signature does not verify".into())
        }
    }

    #[test]
    fn redirect_encoding_decodes_back_and_its_signature_verifies_over_the_exact_query() {
        let key = test_key();
        let mut ids = SequentialIds::default();
        let request = write_document(&build_logout_request(&request_spec(&mut ids, NOW)));
        let response = write_document(&build_logout_response(&response_spec(&mut ids, NOW)));
        for (xml, param) in [
            (&request, MessageParam::SamlRequest),
            (&response, MessageParam::SamlResponse),
        ] {
            for algorithm in SignatureAlgorithm::RSA {
                let relay = "https://sp.example/after logout?x=1&y=~é";
                let query = binding::encode_redirect(
                    xml,
                    param,
                    Some(relay),
                    Some((&key as &dyn QuerySigner, algorithm)),
                )
                .unwrap();
                let names: Vec<_> = raw_pairs(&query).into_iter().map(|(n, _)| n).collect();
                assert_eq!(names, [param.name(), "RelayState", "SigAlg", "Signature"]);
                let decoded: Vec<(String, String)> = serde_urlencoded::from_str(&query).unwrap();
                let message = binding::decode(&decoded[0].1).unwrap();
                assert_eq!(&message.xml, xml);
                assert_eq!(message.encoding, binding::Encoding::RawDeflate);
                assert_eq!(decoded[1].1, relay);
                assert_eq!(decoded[2].1, algorithm.uri());
                verify_query_signature(&query).unwrap();

                // One changed byte in the signed part, or the parameters re-encoded with
                // lowercase escapes, and the signature no longer verifies.
                let tampered = query.replacen("RelayState=https", "RelayState=http", 1);
                assert!(verify_query_signature(&tampered).is_err());
                let lowercase = query.replace("%3A", "%3a");
                assert!(verify_query_signature(&lowercase).is_err());
            }
        }
    }

    #[test]
    fn an_unsigned_redirect_has_no_sig_alg_and_no_relay_state_unless_given() {
        let mut ids = SequentialIds::default();
        let xml = write_document(&build_logout_response(&response_spec(&mut ids, NOW)));
        let query = binding::encode_redirect(&xml, MessageParam::SamlResponse, None, None).unwrap();
        let names: Vec<_> = raw_pairs(&query).into_iter().map(|(n, _)| n).collect();
        assert_eq!(names, ["SAMLResponse"]);
        let decoded: Vec<(String, String)> = serde_urlencoded::from_str(&query).unwrap();
        assert_eq!(binding::decode(&decoded[0].1).unwrap().xml, xml);
    }

    /// Writes fresh signed messages for `src/saml/testdata/logout/check_interop.py`:
    /// `LOGOUT_INTEROP_OUT=<dir> LOGOUT_INTEROP_NOW=<xs:dateTime> cargo test --lib
    /// write_interop_samples -- --ignored`.
    #[test]
    #[ignore = "run by check_interop.py"]
    fn write_interop_samples() {
        let out = std::path::PathBuf::from(std::env::var("LOGOUT_INTEROP_OUT").unwrap());
        let now =
            OffsetDateTime::parse(&std::env::var("LOGOUT_INTEROP_NOW").unwrap(), &Rfc3339).unwrap();
        let idp = "http://127.0.0.1:8080/metadata";
        let sp = "https://python-sp.example/metadata";
        let mut ids = SequentialIds::default();
        let mut request = request_spec(&mut ids, now);
        request.issuer = idp.into();
        request.destination = "https://python-sp.example/sls".into();
        request.name_id.name_qualifier = Some(idp.into());
        request.name_id.sp_name_qualifier = Some(sp.into());
        let mut response = response_spec(&mut ids, now);
        response.issuer = idp.into();
        response.destination = "https://python-sp.example/sls".into();
        response.in_response_to = Some("ONELOGIN_sp_request".into());
        let key = test_key();
        let write = |name: &str, text: &str| std::fs::write(out.join(name), text).unwrap();
        let request_doc = build_logout_request(&request);
        let response_doc = build_logout_response(&response);
        write(
            "logout-request-post.xml",
            &signed(request_doc.clone(), SignatureAlgorithm::RsaSha256),
        );
        write(
            "logout-response-post.xml",
            &signed(response_doc.clone(), SignatureAlgorithm::RsaSha256),
        );
        for (name, doc, param) in [
            ("logout-request", &request_doc, MessageParam::SamlRequest),
            ("logout-response", &response_doc, MessageParam::SamlResponse),
        ] {
            for algorithm in [SignatureAlgorithm::RsaSha1, SignatureAlgorithm::RsaSha256] {
                let query = binding::encode_redirect(
                    &write_document(doc),
                    param,
                    Some("https://python-sp.example/bye?a=1&b=two words"),
                    Some((&key as &dyn QuerySigner, algorithm)),
                )
                .unwrap();
                write(&format!("{name}-redirect-{}.query", algorithm.id()), &query);
            }
        }
        write("ids.txt", &format!("{}\n{}\n", request.id, response.id));
    }
}
