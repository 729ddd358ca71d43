//! Structural checks every protocol message received from an SP passes before it is read,
//! whatever its type: each ID value appears once in the document, and no protocol message is
//! nested inside another. Both are how signature-wrapping and confusion attacks smuggle a
//! second message past a reader that picks "the" element by ID or by name. Also the lengths
//! of what the server keeps of a message (its ID, its Issuer): they key and fill its stores.

use std::collections::HashSet;

use super::ns;
use super::xml::{Element, Node};

/// The protocol messages of saml-core 3 (requests and responses), none of which belongs inside
/// another message.
const MESSAGES: [&str; 14] = [
    "AuthnRequest",
    "LogoutRequest",
    "LogoutResponse",
    "Response",
    "ArtifactResolve",
    "ArtifactResponse",
    "AttributeQuery",
    "AuthnQuery",
    "AuthzDecisionQuery",
    "AssertionIDRequest",
    "ManageNameIDRequest",
    "ManageNameIDResponse",
    "NameIDMappingRequest",
    "NameIDMappingResponse",
];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StructureError {
    #[error("the ID {0:?} is carried by more than one element; every ID must be unique")]
    DuplicateId(String),
    #[error("a samlp:{0} is nested inside the message; one message per document")]
    NestedMessage(String),
    #[error("an ID attribute is {0} bytes; at most {MAX_ID_LEN} are accepted (IDs are short random values)")]
    IdTooLong(usize),
    #[error("the saml:Issuer is {0} bytes; an entity ID has at most {MAX_ENTITY_ID_LEN} characters (saml-metadata 2.3.2)")]
    IssuerTooLong(usize),
}

/// The longest ID value accepted: SAML IDs are random values of 20 to 50 characters; the ID of
/// a request is kept (the replay history, a logout in progress) and echoed as InResponseTo.
pub const MAX_ID_LEN: usize = 256;

/// The longest Issuer accepted: an entityID is limited to 1024 characters (saml-metadata
/// 2.3.2), and a received Issuer keys the replay history and the SPs of a session.
pub const MAX_ENTITY_ID_LEN: usize = 1024;

/// Runs every check on a received document's root.
pub fn check(root: &Element) -> Result<(), StructureError> {
    if let Some(issuer) = root.first(ns::ASSERTION, "Issuer") {
        let len = issuer.text_content().trim().len();
        if len > MAX_ENTITY_ID_LEN {
            return Err(StructureError::IssuerTooLong(len));
        }
    }
    let mut ids = HashSet::new();
    walk(root, true, &mut ids)
}

fn walk<'a>(
    el: &'a Element,
    is_root: bool,
    ids: &mut HashSet<&'a str>,
) -> Result<(), StructureError> {
    if !is_root
        && el.name.ns.as_deref() == Some(ns::PROTOCOL)
        && MESSAGES.contains(&el.name.local.as_ref())
    {
        return Err(StructureError::NestedMessage(el.name.local.to_string()));
    }
    // SAML's ID and the Id of XML Signature and Encryption: unprefixed, so in no namespace.
    for (name, value) in &el.attrs {
        if name.ns.is_none() && (name.local == "ID" || name.local == "Id") {
            if value.len() > MAX_ID_LEN {
                return Err(StructureError::IdTooLong(value.len()));
            }
            if !ids.insert(value) {
                return Err(StructureError::DuplicateId(value.clone()));
            }
        }
    }
    for child in &el.children {
        if let Node::Element(c) = child {
            walk(c, false, ids)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::xml::reader::{parse, Limits};

    fn run(xml: &str) -> Result<(), StructureError> {
        check(&parse(xml.as_bytes(), Limits::default()).unwrap())
    }

    const P: &str = "xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\"";

    #[test]
    fn accepts_distinct_ids_and_protocol_children_that_are_not_messages() {
        let xml = format!(
            "<samlp:AuthnRequest {P} ID=\"_a\"><samlp:NameIDPolicy/><x:s xmlns:x=\"urn:x\" Id=\"_b\"/></samlp:AuthnRequest>"
        );
        assert_eq!(run(&xml), Ok(()));
    }

    #[test]
    fn refuses_an_id_used_twice_whether_id_or_dsig_id() {
        let xml = format!(
            "<samlp:AuthnRequest {P} ID=\"_a\"><samlp:Extensions><x:s xmlns:x=\"urn:x\" Id=\"_a\"/></samlp:Extensions></samlp:AuthnRequest>"
        );
        assert_eq!(run(&xml), Err(StructureError::DuplicateId("_a".into())));
    }

    #[test]
    fn refuses_ids_and_issuers_longer_than_anything_kept_needs() {
        let id = |n: usize| format!("_{}", "a".repeat(n - 1));
        let doc = |id: &str, issuer: &str| {
            format!("<samlp:AuthnRequest {P} xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" ID=\"{id}\"><saml:Issuer>{issuer}</saml:Issuer></samlp:AuthnRequest>")
        };
        let issuer = |n: usize| format!("https://sp.example/{}", "m".repeat(n - 19));
        assert_eq!(
            run(&doc(&id(MAX_ID_LEN), &issuer(MAX_ENTITY_ID_LEN))),
            Ok(())
        );
        assert_eq!(
            run(&doc(&id(1 << 20), "https://sp.example/")),
            Err(StructureError::IdTooLong(1 << 20))
        );
        assert_eq!(
            run(&doc("_a", &issuer(MAX_ENTITY_ID_LEN + 1))),
            Err(StructureError::IssuerTooLong(MAX_ENTITY_ID_LEN + 1))
        );
    }

    #[test]
    fn refuses_a_message_inside_a_message() {
        let xml = format!(
            "<samlp:AuthnRequest {P} ID=\"_a\"><samlp:Extensions><samlp:AuthnRequest ID=\"_b\"/></samlp:Extensions></samlp:AuthnRequest>"
        );
        assert_eq!(
            run(&xml),
            Err(StructureError::NestedMessage("AuthnRequest".into()))
        );
    }
}
