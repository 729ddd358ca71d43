//! Signature and trust: responses that are unsigned, signed by the wrong key or with
//! deprecated or confusable algorithms, changed after signing, or signed in a way that does not
//! cover the element an SP consumes (saml-core 5.4, XML-DSig 1.0).
//!
//! Every response here is genuinely signed by the IdP first, in the live flow; the tamper
//! hooks then change exactly what the scenario names, recomputing whatever must stay valid so
//! that only the intended check fails. The tree helpers at the end are shared with the
//! wrapping family.

use crate::saml::b64::STANDARD as B64;
use base64::Engine as _;

use super::{
    Expected, Family, Forged, Scenario, ShapeContext, SigningKey, SigningPlan, TamperContext,
};
use crate::saml::dsig::{self, Algorithms, DigestAlgorithm, DsigError, SignatureAlgorithm, Signer};
use crate::saml::ns::{self, alg};
use crate::saml::response::ResponseSpec;
use crate::saml::xml::{Element, Name, Node};

/// The identity forged responses claim: an administrator of the user's organisation.
pub(super) const EVIL_SUBJECT: &str = "admin@acme-support.example";
/// The role `tampered-attribute` grants itself.
const EVIL_ROLE: &str = "admin";
/// The XPath `extra-transform` adds: it keeps every node outside a ds:Signature, which is what
/// the enveloped-signature transform already leaves, so the digest does not change.
const XPATH_FILTER: &str = "not(ancestor-or-self::ds:Signature)";
/// The element `reference-other-element` signs instead of the Response, inside
/// samlp:Extensions (whose content must come from another namespace, saml-core 3.2.1).
const EXTENSION_ID: &str = "_extension_ID";

pub const ALL: &[Scenario] = &[
    Scenario {
        signing: Some(sign_nothing),
        ..Scenario::new(
            "unsigned",
            Family::Signature,
            "Unsigned response",
            "Neither the Response nor the Assertion carries a ds:Signature; everything else is valid. An SP that verifies a signature only when one is present, or only when a certificate is configured, logs the user in on a message anyone can write (SolarWinds Web Help Desk CVE-2026-28323; FusionAuth CVE-2020-12676).",
            "saml-profiles 4.1.3.5 (over HTTP-POST the assertion MUST be signed, directly or through the Response); CVE-2026-28323; CVE-2020-12676",
            Expected::Reject("no signature: neither the Response nor the Assertion is signed"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_only),
        ..Scenario::new(
            "assertion-signed-only",
            Family::Signature,
            "Only the assertion signed",
            "The Assertion carries a valid signature; the Response around it is unsigned. A legitimate configuration (most IdPs sign only the assertion by default), so it probes the SP's stated policy rather than attacking it.",
            "saml-profiles 4.1.3.5 (signing the assertion is enough); SP signing policy (node-saml wantAuthnResponseSigned, python3-saml wantMessagesSigned)",
            Expected::Policy("accepted by SPs that require only a signed assertion; rejected by SPs that require a signed Response (node-saml's default wantAuthnResponseSigned, python3-saml with wantMessagesSigned)"),
        )
    },
    Scenario {
        signing: Some(sign_response_only),
        ..Scenario::new(
            "response-signed-only",
            Family::Signature,
            "Only the Response signed",
            "The Response carries a valid signature that covers the assertion inside it; the Assertion has no signature of its own. Also a legitimate configuration, probing the SP's policy.",
            "saml-profiles 4.1.3.5 (signing the Response is enough); SP signing policy (node-saml wantAssertionsSigned, python3-saml wantAssertionsSigned)",
            Expected::Policy("accepted by SPs that accept a signed Response covering the assertion; rejected by SPs that require the assertion itself signed (node-saml's default wantAssertionsSigned, python3-saml with wantAssertionsSigned)"),
        )
    },
    Scenario {
        tamper: Some(tamper_name_id),
        forged: Some(Forged::Attacker),
        ..Scenario::new(
            "tampered-nameid",
            Family::Signature,
            "NameID changed after signing",
            "The response is signed normally, then the NameID text is replaced by admin@acme-support.example. Nothing is re-signed: the SignatureValues still match their SignedInfo, but the assertion's digest (and the Response's, which covers the assertion) no longer matches the content.",
            "XML-DSig 1.0 section 3.2.1 (reference validation); MockServer tamperedSignature",
            Expected::Reject("the digest does not match: the NameID was changed after signing"),
        )
    },
    Scenario {
        tamper: Some(tamper_role),
        ..Scenario::new(
            "tampered-attribute",
            Family::Signature,
            "Attribute changed after signing",
            "The response is signed normally, then the role attribute's value is changed to admin (agent becomes admin; for a user without a role attribute, role=admin is added to the signed AttributeStatement). Nothing is re-signed, so the assertion's and the Response's digests no longer match. Catches SPs that verify the NameID's path only, or read attributes from a copy they never verified.",
            "XML-DSig 1.0 section 3.2.1 (reference validation)",
            Expected::Reject("the digest does not match: an attribute was changed after signing"),
        )
    },
    Scenario {
        tamper: Some(corrupt_signature_values),
        ..Scenario::new(
            "bad-signature-value",
            Family::Signature,
            "Corrupted SignatureValue",
            "One byte in the middle of each SignatureValue is inverted. The digests are intact: the assertion's covers the assertion, and the Response signature is recomputed over the assertion as it now stands (corrupted value included) before its own value is corrupted in turn. Whichever signature an SP checks, the reference check passes and the signature value check fails.",
            "XML-DSig 1.0 section 3.2.2 (signature validation)",
            Expected::Reject("the signature value does not verify with the IdP's key"),
        )
    },
    Scenario {
        tamper: Some(wrong_digests),
        ..Scenario::new(
            "bad-digest",
            Family::Signature,
            "Wrong DigestValue, valid SignatureValue",
            "Each DigestValue has its first byte changed, and the SignatureValue is recomputed with the IdP's key over that SignedInfo. The signature value check passes; only the reference (digest) check fails. Catches SPs that verify the SignatureValue but never recompute the digest of the signed element.",
            "XML-DSig 1.0 section 3.2.1 (reference validation comes first, and must be done)",
            Expected::Reject("the digest in SignedInfo does not match the signed element"),
        )
    },
    Scenario {
        tamper: Some(strip_assertion_signature),
        ..Scenario::new(
            "signature-removed",
            Family::Signature,
            "Assertion signature stripped",
            "A normally signed response whose Assertion's ds:Signature was removed after signing, as an attacker does before editing the assertion (the signature exclusion attack). The Response keeps its own signature, which no longer matches because the assertion it covered lost its signature. Unlike unsigned, the document still shows a signature: an SP that is satisfied by seeing one, or that requires a signed assertion but ignores the Response signature, is caught here. (With a profile that signs only the assertion, the result is fully unsigned.)",
            "saml-profiles 4.1.3.5; SAML Raider \"Remove signatures\"; FusionAuth CVE-2020-12676",
            Expected::Reject("the assertion is unsigned, and the Response signature no longer matches its content"),
        )
    },
    Scenario {
        signing: Some(sign_with_attacker_key),
        ..Scenario::new(
            "self-signed-keyinfo",
            Family::Signature,
            "Signed by an attacker key, its certificate in KeyInfo",
            "Both signatures are valid, but made with an attacker's key, and KeyInfo carries the attacker's own self-signed certificate. An SP that verifies with the key found in the message, instead of the IdP certificate it was configured with, accepts anything anyone signs. Fingerprint-pinning SPs must fail the fingerprint.",
            "saml-core 5.4.5 (KeyInfo is advisory; trust comes from configuration); CVE-2015-5372 (nevisAuth); xml-crypto GHSA-2xp3-57p7-qf4v; SAML Raider signature spoofing",
            Expected::Reject("signed with a key that is not the IdP's: the certificate carried in KeyInfo must never be trusted"),
        )
    },
    Scenario {
        signing: Some(sign_with_cloned_certificate),
        ..Scenario::new(
            "cloned-cert",
            Family::Signature,
            "Signed under a cloned IdP certificate",
            "Both signatures are made with an attacker's key; KeyInfo carries a certificate that copies the IdP certificate's subject, issuer, serial number and validity but holds the attacker's public key. An SP that recognises its IdP certificate by name or serial, rather than by the key or the whole certificate, accepts it.",
            "saml-core 5.4.5; SAML Raider \"Cloning X.509 certificates\"",
            Expected::Reject("signed with a key that is not the IdP's, under a certificate that only copies the IdP certificate's names and serial"),
        )
    },
    Scenario {
        signing: Some(sign_sha1),
        ..Scenario::new(
            "sha1",
            Family::Signature,
            "RSA-SHA1 signatures and SHA-1 digests",
            "Both signatures use rsa-sha1 with sha1 digests, as AD FS 2.0 and older IdPs still send. The signatures are valid. Legacy help desks accept it; SPs that refuse deprecated algorithms reject it.",
            "RFC 6931 section 2.1 and XML-DSig 1.1 (SHA-1 discouraged); python3-saml rejectDeprecatedAlgorithm (DEPRECATED_SIGNATURE_METHOD, DEPRECATED_DIGEST_METHOD)",
            Expected::Policy("accepted by SPs that still allow SHA-1; rejected by SPs that refuse deprecated algorithms"),
        )
    },
    Scenario {
        signing: Some(sign_sha256_over_sha1),
        ..Scenario::new(
            "mixed-algorithms",
            Family::Signature,
            "RSA-SHA256 signature over SHA-1 digests",
            "Both signatures use rsa-sha256, but their references are digested with sha1. The signatures are valid. An SP whose algorithm policy looks only at the SignatureMethod lets a weak digest through; the content is only as protected as SHA-1.",
            "RFC 6931 section 2.1.1; python3-saml DEPRECATED_DIGEST_METHOD (checked separately from the signature method)",
            Expected::Policy("rejected by SPs that refuse SHA-1 digests whatever the signature method; accepted by SPs that still allow SHA-1"),
        )
    },
    Scenario {
        tamper: Some(hmac_with_certificate),
        ..Scenario::new(
            "hmac-key-confusion",
            Family::Signature,
            "HMAC keyed with the IdP's public certificate",
            "Both SignatureMethods are hmac-sha1 and each SignatureValue is a real HMAC over the canonical SignedInfo, keyed with the DER bytes of the IdP's certificate (public: it is in the metadata). The digests are valid. An SP that hands \"the IdP key\" to whatever method the message names verifies it, so anyone holding the certificate can sign.",
            "XML-DSig 1.0 section 6.3.1 (HMAC); xml-crypto \"Disable HMAC sig methods by default due to key confusion\"",
            Expected::Reject("HMAC signature methods are refused: here the key is the IdP's public certificate, which anyone has"),
        )
    },
    Scenario {
        tamper: Some(empty_reference_uri),
        ..Scenario::new(
            "reference-empty-uri",
            Family::Signature,
            "Reference URI=\"\" (the whole document)",
            "The Response signature's Reference has URI=\"\" (the whole document) instead of \"#\" and the Response ID; its digest and value are recomputed, so the signature is cryptographically valid (xmlsec1 verifies it). Only the SAML rule fails: a signature must name the ID of the element it signs. On the Response the covered bytes are the same, so accepting it is a conformance gap; an SP that accepts an empty URI on an assertion's signature can be led to accept a signature over some other document. (With a profile that signs only the assertion, the assertion's signature gets the empty URI and covers the whole document.)",
            "saml-core 5.4.2 (a single Reference to the ID of the element signed); ruby-saml response_without_reference_uri; python3-saml WRONG_SIGNED_ELEMENT",
            Expected::Reject("the Reference must name the signed element's ID; URI=\"\" is not a SAML signature reference"),
        )
    },
    Scenario {
        tamper: Some(reference_other_element),
        ..Scenario::new(
            "reference-other-element",
            Family::Signature,
            "Response signature covering another element",
            "A samlp:Extensions with one element of its own (ID _extension_ID) is added to the Response, and the Response signature is recomputed to reference that element instead of the Response. The signature is cryptographically valid, but it protects only the extension: Destination, InResponseTo, Status and everything else in the Response are unsigned. The Assertion keeps its own valid signature. (With a profile that signs only the assertion, the assertion's signature references the extension instead.)",
            "saml-core 5.4.2 (the Reference must point at the root of the element signed); python3-saml WRONG_SIGNED_ELEMENT",
            Expected::Reject("the Response signature covers another element, not the Response"),
        )
    },
    Scenario {
        tamper: Some(extra_transform),
        ..Scenario::new(
            "extra-transform",
            Family::Signature,
            "Extra XPath transform on the Reference",
            "The assertion signature's Reference gets a third transform, an XPath filter not(ancestor-or-self::ds:Signature), between enveloped-signature and exc-c14n; the SignatureValue is recomputed and the Response signature redone over it. The filter keeps what enveloped-signature already keeps, so the digest is unchanged and a full XML-DSig processor (xmlsec1) verifies it. An SP that runs whatever transforms a message lists can be made to digest something other than what it reads, or to evaluate XPath and XSLT of the sender's choosing. (With a profile that signs only the Response, its signature gets the transform.)",
            "saml-core 5.4.4 (enveloped-signature and exc-c14n only); node-saml \"Limit transforms for signed nodes\"; SAML Raider XSLT payloads",
            Expected::Reject("only the enveloped-signature and exc-c14n transforms are allowed"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_too),
        tamper: Some(misplace_assertion_signature),
        ..Scenario::new(
            "signature-misplaced",
            Family::Signature,
            "Assertion signature outside the assertion",
            "The Assertion's ds:Signature is moved out of the Assertion to become a child of the Response, just before it; the Response signature is then redone. Both signatures are cryptographically valid (the assertion's becomes a detached signature over the unchanged assertion), but the assertion no longer carries its signature, and the Response holds two. An SP that finds \"a valid signature referencing the assertion\" anywhere accepts it; the position rule exists because that is how wrapping attacks start.",
            "saml-core 5.4.1 (enveloped signatures: the Signature is a child of the element it signs); ruby-saml invalid_signature_position",
            Expected::Reject("the assertion's signature is not inside the assertion it signs"),
        )
    },
    Scenario {
        shape: Some(requester_error),
        signing: Some(sign_response_only),
        tamper: Some(assertion_in_decoy_signature),
        forged: Some(Forged::Attacker),
        ..Scenario::new(
            "signed-error-with-assertion",
            Family::Signature,
            "Signed error response carrying an assertion in a ds:Object",
            "The IdP genuinely signs an error Response (status Requester, RequestDenied) with no assertion, as Keycloak, PingFederate and AD FS do. A second ds:Signature is then appended to the Response: it repeats the genuine SignatureValue and holds, in a ds:Object, an unsigned assertion for admin@acme-support.example. Libraries whose enveloped-signature transform removes every Signature with the same SignatureValue (xml-crypto) still find the Response signature valid; a standard verifier (xmlsec1) finds its digest broken by the decoy. Either way nothing signs the assertion, and an error response never logs anyone in.",
            "saml-profiles 4.1.4.2 (an error Response MUST NOT contain assertions); saml-core 3.2.2.2 (status); OneUptime #2981",
            Expected::Reject("the status is not Success, so nothing may be logged in; the only assertion sits in a ds:Object that no signature covers"),
        )
    },
];

fn sign_nothing(p: &mut SigningPlan) {
    p.assertion = false;
    p.response = false;
}

fn sign_assertion_only(p: &mut SigningPlan) {
    p.assertion = true;
    p.response = false;
}

fn sign_response_only(p: &mut SigningPlan) {
    p.assertion = false;
    p.response = true;
}

/// The assertion signed whatever the profile says; the Response as the profile says.
fn sign_assertion_too(p: &mut SigningPlan) {
    p.assertion = true;
}

fn sign_with_attacker_key(p: &mut SigningPlan) {
    p.key = SigningKey::Attacker;
}

fn sign_with_cloned_certificate(p: &mut SigningPlan) {
    p.key = SigningKey::Cloned;
}

fn sign_sha1(p: &mut SigningPlan) {
    p.algorithms = SignatureAlgorithm::RsaSha1.into();
}

/// RSA-SHA256 with an RSA key; with an EC P-256 key, ecdsa-sha256: the point is the SHA-1
/// digests under a SHA-256 signature method.
fn sign_sha256_over_sha1(p: &mut SigningPlan) {
    p.algorithms = Algorithms {
        signature: p.algorithms.signature.with_sha256(),
        digest: DigestAlgorithm::Sha1,
    };
}

fn requester_error(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    spec.status.code = ns::status::REQUESTER.to_owned();
    spec.status.sub_code = Some(ns::status::REQUEST_DENIED.to_owned());
    spec.status.message = None;
}

fn tamper_name_id(doc: &mut Element, _: &TamperContext<'_>) -> Result<(), DsigError> {
    if let Some(n) = descendant_mut(doc, ns::ASSERTION, "NameID") {
        n.children = vec![Node::Text(EVIL_SUBJECT.to_owned())];
    }
    Ok(())
}

/// The role attribute (`role`, `roles` or the AD FS role claim) says only [`EVIL_ROLE`]; a
/// user without one gets it added.
fn tamper_role(doc: &mut Element, _: &TamperContext<'_>) -> Result<(), DsigError> {
    let Some(statement) = descendant_mut(doc, ns::ASSERTION, "AttributeStatement") else {
        return Ok(());
    };
    let is_role = |e: &Element| {
        e.name.is(ns::ASSERTION, "Attribute")
            && matches!(
                e.attribute("Name"),
                Some("role" | "roles" | ns::claims::ROLE)
            )
    };
    let value_name = Name {
        local: "AttributeValue".into(),
        ..statement.name.clone()
    };
    let value = Element::new(value_name).text(EVIL_ROLE);
    match statement.children.iter_mut().find_map(|n| match n {
        Node::Element(e) if is_role(e) => Some(e),
        _ => None,
    }) {
        Some(role) => {
            role.children = vec![Node::Element(value)];
        }
        None => {
            let attribute = Element::new(Name {
                local: "Attribute".into(),
                ..statement.name.clone()
            })
            .attr("Name", "role")
            .attr("NameFormat", ns::attrname::BASIC)
            .child(value);
            statement.children.push(Node::Element(attribute));
        }
    }
    Ok(())
}

/// Inverts the middle byte of a SignatureValue.
fn corrupt(signature: &mut Element) -> Result<(), DsigError> {
    let text = signature
        .first(ns::DSIG, "SignatureValue")
        .map(Element::text_content)
        .ok_or(DsigError::Malformed("no SignatureValue"))?;
    let mut value = B64
        .decode(text)
        .map_err(|_| DsigError::Malformed("SignatureValue is not base64"))?;
    let middle = value.len() / 2;
    if let Some(b) = value.get_mut(middle) {
        *b ^= 0xff;
    }
    dsig::set_signature_value(signature, &value)
}

fn corrupt_signature_values(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let Some(sig) = first_assertion_mut(doc).and_then(own_signature_mut) {
        corrupt(sig)?;
    }
    if resign_response(doc, ctx)? {
        if let Some(sig) = own_signature_mut(doc) {
            corrupt(sig)?;
        }
    }
    Ok(())
}

/// Changes the first byte of the DigestValue and signs the SignedInfo again.
fn break_digest(signature: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    let reference = reference_mut(signature).ok_or(DsigError::Malformed("no Reference"))?;
    let dv = child_mut(reference, ns::DSIG, "DigestValue")
        .ok_or(DsigError::Malformed("no DigestValue"))?;
    let mut value = B64
        .decode(dv.text_content())
        .map_err(|_| DsigError::Malformed("DigestValue is not base64"))?;
    if let Some(b) = value.first_mut() {
        *b ^= 0x01;
    }
    dv.children = vec![Node::Text(B64.encode(&value))];
    dsig::resign(signature, ctx.plan.algorithms.signature, signer(ctx))
}

fn wrong_digests(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let Some(sig) = first_assertion_mut(doc).and_then(own_signature_mut) {
        break_digest(sig, ctx)?;
    }
    if resign_response(doc, ctx)? {
        if let Some(sig) = own_signature_mut(doc) {
            break_digest(sig, ctx)?;
        }
    }
    Ok(())
}

fn strip_assertion_signature(doc: &mut Element, _: &TamperContext<'_>) -> Result<(), DsigError> {
    if let Some(a) = first_assertion_mut(doc) {
        take_own_signature(a);
    }
    Ok(())
}

/// Turns `signature` into an HMAC-SHA1 signature keyed with the IdP certificate's DER bytes.
fn to_hmac(signature: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    let key = ctx.keys.idp.certificate().to_der()?;
    let si = child_mut(signature, ns::DSIG, "SignedInfo")
        .ok_or(DsigError::Malformed("no SignedInfo"))?;
    child_mut(si, ns::DSIG, "SignatureMethod")
        .ok_or(DsigError::Malformed("no SignatureMethod"))?
        .set_attr("Algorithm", alg::HMAC_SHA1);
    let mac = dsig::hmac_signed_info(DigestAlgorithm::Sha1, &key, si)?;
    dsig::set_signature_value(signature, &mac)
}

fn hmac_with_certificate(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let Some(sig) = first_assertion_mut(doc).and_then(own_signature_mut) {
        to_hmac(sig, ctx)?;
    }
    if resign_response(doc, ctx)? {
        if let Some(sig) = own_signature_mut(doc) {
            to_hmac(sig, ctx)?;
        }
    }
    Ok(())
}

/// The path (child indices from the root) of the outermost signature: the Response's own, else
/// the first assertion's.
fn outermost_signature(doc: &Element) -> Option<Vec<usize>> {
    if let Some(i) = own_signature_index(doc) {
        return Some(vec![i]);
    }
    let a = first_assertion_index(doc)?;
    let Node::Element(assertion) = &doc.children[a] else {
        return None;
    };
    Some(vec![a, own_signature_index(assertion)?])
}

/// Points the signature at `path` to `uri`, whose content (as the verifier will resolve it) is
/// `covered`, and makes the digest and value match.
fn repoint(
    doc: &mut Element,
    path: &[usize],
    uri: &str,
    covered: &Element,
    ctx: &TamperContext<'_>,
) -> Result<(), DsigError> {
    let digest = dsig::digest(covered, ctx.plan.algorithms.digest)?;
    let sig = at_path_mut(doc, path).ok_or(DsigError::Malformed("no Signature"))?;
    let reference = reference_mut(sig).ok_or(DsigError::Malformed("no Reference"))?;
    reference.set_attr("URI", uri);
    let dv = child_mut(reference, ns::DSIG, "DigestValue")
        .ok_or(DsigError::Malformed("no DigestValue"))?;
    dv.children = vec![Node::Text(B64.encode(digest))];
    dsig::resign(sig, ctx.plan.algorithms.signature, signer(ctx))
}

fn empty_reference_uri(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    let Some(path) = outermost_signature(doc) else {
        return Ok(());
    };
    // URI="" is the whole document; the enveloped-signature transform removes this signature.
    let mut covered = doc.clone();
    remove_at_path(&mut covered, &path);
    repoint(doc, &path, "", &covered, ctx)
}

fn reference_other_element(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    let Some(path) = outermost_signature(doc) else {
        return Ok(());
    };
    let note = Element::new(Name::prefixed("ext", ns::SCENARIO_EXTENSION, "Note"))
        .attr("ID", EXTENSION_ID)
        .text("the element the signature covers instead of the Response");
    let extensions =
        Element::new(Name::prefixed("samlp", ns::PROTOCOL, "Extensions")).child(note.clone());
    // Schema order: Issuer, Signature, Extensions, Status. Inserting after the path's first
    // index keeps that index valid.
    let at = match own_signature_index(doc) {
        Some(i) => i + 1,
        None => child_index(doc, ns::ASSERTION, "Issuer").map_or(0, |i| i + 1),
    };
    doc.children.insert(at, Node::Element(extensions));
    let mut path = path;
    if path[0] >= at {
        path[0] += 1;
    }
    repoint(doc, &path, &format!("#{EXTENSION_ID}"), &note, ctx)
}

fn extra_transform(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    let in_assertion = first_assertion_mut(doc)
        .and_then(own_signature_mut)
        .is_some();
    let sig = if in_assertion {
        first_assertion_mut(doc).and_then(own_signature_mut)
    } else {
        own_signature_mut(doc)
    };
    let Some(sig) = sig else { return Ok(()) };
    let reference = reference_mut(sig).ok_or(DsigError::Malformed("no Reference"))?;
    let transforms = child_mut(reference, ns::DSIG, "Transforms")
        .ok_or(DsigError::Malformed("no Transforms"))?;
    let xpath = Element::new(Name::prefixed("ds", ns::DSIG, "Transform"))
        .attr("Algorithm", alg::XPATH)
        .child(Element::new(Name::prefixed("ds", ns::DSIG, "XPath")).text(XPATH_FILTER));
    let at = transforms
        .children
        .iter()
        .position(
            |n| matches!(n, Node::Element(e) if e.attribute("Algorithm") == Some(alg::EXC_C14N)),
        )
        .unwrap_or(transforms.children.len());
    transforms.children.insert(at, Node::Element(xpath));
    dsig::resign(sig, ctx.plan.algorithms.signature, signer(ctx))?;
    if in_assertion {
        resign_response(doc, ctx)?;
    }
    Ok(())
}

fn misplace_assertion_signature(
    doc: &mut Element,
    ctx: &TamperContext<'_>,
) -> Result<(), DsigError> {
    let Some(at) = first_assertion_index(doc) else {
        return Ok(());
    };
    let Some(sig) = first_assertion_mut(doc).and_then(take_own_signature) else {
        return Ok(());
    };
    doc.children.insert(at, Node::Element(sig));
    resign_response(doc, ctx)?;
    Ok(())
}

fn assertion_in_decoy_signature(
    doc: &mut Element,
    ctx: &TamperContext<'_>,
) -> Result<(), DsigError> {
    let Some(at) = first_assertion_index(doc) else {
        return Ok(());
    };
    let Node::Element(mut forged) = doc.children.remove(at) else {
        return Ok(());
    };
    // The IdP's genuine signature over the error response, which has no assertion.
    resign_response(doc, ctx)?;
    let genuine = own_signature_mut(doc)
        .and_then(|s| s.first(ns::DSIG, "SignatureValue").cloned())
        .ok_or(DsigError::Malformed("no SignatureValue"))?;
    make_evil(&mut forged, ctx);
    let decoy = Element::new(Name::prefixed("ds", ns::DSIG, "Signature"))
        .child(genuine)
        .child(Element::new(Name::prefixed("ds", ns::DSIG, "Object")).child(forged));
    doc.children.push(Node::Element(decoy));
    Ok(())
}

// Tree helpers, shared with the wrapping family.

/// The signer of the plan (the IdP's key, unless the scenario chose another).
pub(super) fn signer<'a>(ctx: &'a TamperContext<'a>) -> &'a Signer {
    ctx.keys.get(ctx.plan.key)
}

/// The position of the first child element `{ns}local`.
pub(super) fn child_index(el: &Element, ns: &str, local: &str) -> Option<usize> {
    el.children
        .iter()
        .position(|n| matches!(n, Node::Element(e) if e.name.is(ns, local)))
}

/// The first child element `{ns}local`.
pub(super) fn child_mut<'a>(el: &'a mut Element, ns: &str, local: &str) -> Option<&'a mut Element> {
    el.children.iter_mut().find_map(|n| match n {
        Node::Element(e) if e.name.is(ns, local) => Some(e),
        _ => None,
    })
}

/// The first element `{ns}local` in document order, `el` included.
pub(super) fn descendant_mut<'a>(
    el: &'a mut Element,
    ns: &str,
    local: &str,
) -> Option<&'a mut Element> {
    if el.name.is(ns, local) {
        return Some(el);
    }
    el.children.iter_mut().find_map(|n| match n {
        Node::Element(e) => descendant_mut(e, ns, local),
        _ => None,
    })
}

pub(super) fn first_assertion_index(doc: &Element) -> Option<usize> {
    child_index(doc, ns::ASSERTION, "Assertion")
}

pub(super) fn first_assertion_mut(doc: &mut Element) -> Option<&mut Element> {
    child_mut(doc, ns::ASSERTION, "Assertion")
}

/// The position of `el`'s own signature: a ds:Signature child whose Reference names `el`'s ID.
pub(super) fn own_signature_index(el: &Element) -> Option<usize> {
    let own = format!("#{}", el.attribute("ID")?);
    el.children.iter().position(|n| {
        matches!(n, Node::Element(e) if e.name.is(ns::DSIG, "Signature")
            && e.first(ns::DSIG, "SignedInfo")
                .and_then(|si| si.first(ns::DSIG, "Reference"))
                .and_then(|r| r.attribute("URI"))
                == Some(own.as_str()))
    })
}

pub(super) fn own_signature_mut(el: &mut Element) -> Option<&mut Element> {
    let i = own_signature_index(el)?;
    match &mut el.children[i] {
        Node::Element(e) => Some(e),
        _ => None,
    }
}

/// Removes and returns `el`'s own signature.
pub(super) fn take_own_signature(el: &mut Element) -> Option<Element> {
    let i = own_signature_index(el)?;
    match el.children.remove(i) {
        Node::Element(e) => Some(e),
        _ => None,
    }
}

fn reference_mut(signature: &mut Element) -> Option<&mut Element> {
    let si = child_mut(signature, ns::DSIG, "SignedInfo")?;
    child_mut(si, ns::DSIG, "Reference")
}

fn at_path_mut<'a>(el: &'a mut Element, path: &[usize]) -> Option<&'a mut Element> {
    match path.split_first() {
        None => Some(el),
        Some((i, rest)) => match el.children.get_mut(*i)? {
            Node::Element(e) => at_path_mut(e, rest),
            _ => None,
        },
    }
}

fn remove_at_path(el: &mut Element, path: &[usize]) {
    if let Some((last, parent)) = path.split_last() {
        if let Some(p) = at_path_mut(el, parent) {
            p.children.remove(*last);
        }
    }
}

/// If the Response carries its own signature, signs it again over the Response as it now is,
/// as the IdP would have; returns whether it did. An attacker cannot do this: scenarios use it
/// only where the IdP's signature over the changed document is part of the construction.
pub(super) fn resign_response(
    doc: &mut Element,
    ctx: &TamperContext<'_>,
) -> Result<bool, DsigError> {
    if take_own_signature(doc).is_none() {
        return Ok(false);
    }
    let id = doc.attribute("ID").unwrap_or_default().to_owned();
    dsig::sign_enveloped(
        doc,
        &id,
        ctx.plan.algorithms,
        signer(ctx),
        ctx.plan.key_info,
    )?;
    Ok(true)
}

/// Makes `el` describe [`EVIL_SUBJECT`]: every text equal to the user's NameID (the NameID
/// itself, and attributes repeating it, such as the email) is replaced.
pub(super) fn make_evil(el: &mut Element, ctx: &TamperContext<'_>) {
    let Some(own) = ctx
        .spec
        .assertion
        .as_ref()
        .and_then(|a| a.name_id.as_ref())
        .map(|n| n.value.as_str())
    else {
        return;
    };
    replace_text(el, own, EVIL_SUBJECT);
}

fn replace_text(el: &mut Element, from: &str, to: &str) {
    if el.text_content() == from && el.elements().next().is_none() {
        el.children = vec![Node::Text(to.to_owned())];
        return;
    }
    for n in &mut el.children {
        if let Node::Element(e) = n {
            replace_text(e, from, to);
        }
    }
}

#[cfg(test)]
#[path = "tests/signature.rs"]
pub(super) mod tests;
