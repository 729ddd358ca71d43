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
    #[error(
        "the LogoutRequest carries {0} samlp:SessionIndex elements; at most {MAX_SESSION_INDEXES} \
         are read (an SP names the one session it ends, or a few)"
    )]
    TooManySessionIndexes(usize),
}

/// The most SessionIndex elements a LogoutRequest may carry: each is compared with the
/// sessions of its principal, and an SP ends one session, or a few, at a time.
pub const MAX_SESSION_INDEXES: usize = 64;

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
    let count = root.elements_named(ns::PROTOCOL, "SessionIndex").count();
    if count > MAX_SESSION_INDEXES {
        return Err(LogoutError::TooManySessionIndexes(count));
    }
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
            None => root.name.local.to_string(),
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

fn samlp(local: &'static str) -> Element {
    Element::new(Name::prefixed("samlp", ns::PROTOCOL, local))
}

fn saml(local: &'static str) -> Element {
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
#[path = "tests/logout.rs"]
mod tests;
