//! Unit tests of `wrapping`.

use std::collections::HashMap;

use super::super::signature::tests::{
    all, assertion, key, name_id, run, run_with_sign, sig, ASSERTION_ID, RESPONSE_ID, USER,
};
use super::super::signature::EVIL_SUBJECT;
use super::super::testkit;
use super::*;
use crate::saml::dsig::{verify_signature, verify_signature_value, DigestAlgorithm, VerifyError};
use crate::saml::sp::Sign;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;

/// IDs carried by more than one element.
fn duplicate_ids(doc: &Element) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    fn walk(el: &Element, seen: &mut HashMap<String, usize>) {
        if let Some(id) = el.attribute("ID") {
            *seen.entry(id.to_owned()).or_default() += 1;
        }
        for e in el.elements() {
            walk(e, seen);
        }
    }
    walk(doc, &mut seen);
    let mut d: Vec<_> = seen
        .into_iter()
        .filter(|(_, n)| *n > 1)
        .map(|(k, _)| k)
        .collect();
    d.sort();
    d
}

fn top_assertions(doc: &Element) -> Vec<&Element> {
    doc.elements_named(ns::ASSERTION, "Assertion").collect()
}

fn names(el: &Element) -> Vec<&str> {
    el.elements().map(|e| e.name.local.as_ref()).collect()
}

/// The genuine signature verifies over a clean original (the user), wherever it is.
fn genuine_verifies(doc: &Element, signature: &Element) -> String {
    let covered = verify_signature(doc, signature, &key()).unwrap();
    name_id(covered)
}

#[test]
fn xsw1_and_xsw2_hide_the_signed_response_in_an_evil_root() {
    for (id, inside) in [("xsw1", true), ("xsw2", false)] {
        let doc = run(id);
        assert_eq!(doc.attribute("ID"), Some(EVIL_RESPONSE_ID), "{id}");
        assert_eq!(name_id(assertion(&doc)), EVIL_SUBJECT, "{id}");
        assert!(
            assertion(&doc).first(ns::DSIG, "Signature").is_none(),
            "{id}"
        );
        let s = sig(&doc);
        let original = if inside {
            assert_eq!(names(&doc), ["Issuer", "Signature", "Status", "Assertion"]);
            s.first(ns::PROTOCOL, "Response").unwrap()
        } else {
            assert_eq!(
                names(&doc),
                ["Issuer", "Response", "Signature", "Status", "Assertion"]
            );
            doc.first(ns::PROTOCOL, "Response").unwrap()
        };
        assert_eq!(original.attribute("ID"), Some(RESPONSE_ID));
        // The root's signature verifies, over the hidden original.
        let covered = verify_signature(&doc, s, &key()).unwrap();
        assert!(std::ptr::eq(covered, original), "{id}");
        assert_eq!(name_id(covered), USER);
        // A correct check of the root fails: it has no signature of its own.
        assert_eq!(
            testkit::verify(&doc, EVIL_RESPONSE_ID),
            Err(VerifyError::WrongReference(format!("#{RESPONSE_ID}")))
        );
        // The profile's assertion signature survives in the original only.
        assert_eq!(duplicate_ids(&doc), [ASSERTION_ID]);
    }
    // An assertion-only profile gets a Response signature to wrap.
    let doc = run_with_sign("xsw1", Sign::Assertion);
    assert_eq!(doc.attribute("ID"), Some(EVIL_RESPONSE_ID));
    assert!(sig(&doc).first(ns::PROTOCOL, "Response").is_some());
}

#[test]
fn xsw3_and_assertion_after_put_an_unsigned_evil_assertion_beside_the_signed_one() {
    for (id, evil_first) in [("xsw3", true), ("xsw-assertion-after", false)] {
        let doc = run(id);
        assert!(doc.first(ns::DSIG, "Signature").is_none(), "{id}");
        let a = top_assertions(&doc);
        assert_eq!(a.len(), 2);
        let (evil, signed) = if evil_first {
            (a[0], a[1])
        } else {
            (a[1], a[0])
        };
        assert_eq!(evil.attribute("ID"), Some(EVIL_ASSERTION_ID));
        assert_eq!(name_id(evil), EVIL_SUBJECT);
        assert!(evil.first(ns::DSIG, "Signature").is_none());
        testkit::verify(&doc, ASSERTION_ID).unwrap();
        assert_eq!(name_id(signed), USER);
        assert_eq!(
            testkit::verify(&doc, EVIL_ASSERTION_ID),
            Err(VerifyError::Unsigned)
        );
        assert!(duplicate_ids(&doc).is_empty());
    }
}

#[test]
fn xsw4_nests_the_signed_assertion_inside_the_evil_one() {
    let doc = run("xsw4");
    let a = top_assertions(&doc);
    assert_eq!(a.len(), 1);
    assert_eq!(a[0].attribute("ID"), Some(EVIL_ASSERTION_ID));
    assert_eq!(name_id(a[0]), EVIL_SUBJECT);
    let inner = a[0].elements().last().unwrap();
    assert_eq!(inner.attribute("ID"), Some(ASSERTION_ID));
    testkit::verify(&doc, ASSERTION_ID).unwrap();
    assert_eq!(
        testkit::verify(&doc, EVIL_ASSERTION_ID),
        Err(VerifyError::Unsigned)
    );
}

#[test]
fn xsw5_and_xsw6_keep_the_signature_in_the_evil_assertion() {
    for id in ["xsw5", "xsw6"] {
        let doc = run(id);
        let evil = assertion(&doc);
        assert_eq!(evil.attribute("ID"), Some(EVIL_ASSERTION_ID), "{id}");
        assert_eq!(name_id(evil), EVIL_SUBJECT);
        let s = sig(evil);
        let covered = verify_signature(&doc, s, &key()).unwrap();
        assert_eq!(covered.attribute("ID"), Some(ASSERTION_ID));
        assert_eq!(name_id(covered), USER);
        if id == "xsw5" {
            assert!(std::ptr::eq(covered, *top_assertions(&doc).last().unwrap()));
        } else {
            assert!(std::ptr::eq(
                covered,
                s.first(ns::ASSERTION, "Assertion").unwrap()
            ));
        }
        assert_eq!(
            testkit::verify(&doc, EVIL_ASSERTION_ID),
            Err(VerifyError::WrongReference(format!("#{ASSERTION_ID}")))
        );
        assert!(duplicate_ids(&doc).is_empty());
    }
}

#[test]
fn xsw7_puts_an_evil_twin_with_the_same_id_first() {
    let doc = run("xsw7");
    assert_eq!(names(&doc), ["Issuer", "Status", "Extensions", "Assertion"]);
    let ext = doc.elements().nth(2).unwrap();
    assert_eq!(ext.name, Name::local("Extensions"));
    let evil = ext.first(ns::ASSERTION, "Assertion").unwrap();
    assert_eq!(evil.attribute("ID"), Some(ASSERTION_ID));
    assert_eq!(name_id(evil), EVIL_SUBJECT);
    assert_eq!(duplicate_ids(&doc), [ASSERTION_ID]);
    // The ID now finds the evil twin first, which has no signature.
    assert_eq!(
        testkit::verify(&doc, ASSERTION_ID),
        Err(VerifyError::Unsigned)
    );
    // The signed original is intact, as a verifier that starts from its signature sees.
    let signed = assertion(&doc);
    assert_eq!(name_id(signed), USER);
    let mut alone = doc.clone();
    alone.children.remove(2);
    testkit::verify(&alone, ASSERTION_ID).unwrap();
}

#[test]
fn xsw8_hides_the_clean_copy_in_an_object_in_the_signature() {
    let doc = run("xsw8");
    let evil = assertion(&doc);
    assert_eq!(evil.attribute("ID"), Some(ASSERTION_ID));
    assert_eq!(name_id(evil), EVIL_SUBJECT);
    let s = sig(evil);
    let object = s.elements().last().unwrap();
    assert_eq!(object.name, Name::local("Object"));
    assert_eq!(duplicate_ids(&doc), [ASSERTION_ID]);
    // ID lookup finds the evil assertion first (document order): the digest fails there.
    assert_eq!(
        testkit::verify(&doc, ASSERTION_ID),
        Err(VerifyError::DigestMismatch)
    );
    // The signature value itself is genuine, and the copy in Object is the signed content.
    verify_signature_value(s, &key()).unwrap();
    let mut copy_doc = object.first(ns::ASSERTION, "Assertion").unwrap().clone();
    copy_doc.insert_after_first(ns::ASSERTION, "Issuer", {
        let mut s = s.clone();
        s.children.pop();
        s
    });
    testkit::verify(&copy_doc, ASSERTION_ID).unwrap();
    assert_eq!(name_id(&copy_doc), USER);
}

#[test]
fn xsw_extensions_hides_the_signed_assertion_and_copies_its_signature() {
    let doc = run("xsw-extensions");
    assert_eq!(names(&doc), ["Issuer", "Extensions", "Status", "Assertion"]);
    let ext = doc.first(ns::PROTOCOL, "Extensions").unwrap();
    let hidden = ext.first(ns::ASSERTION, "Assertion").unwrap();
    let forged = assertion(&doc);
    assert_eq!(name_id(hidden), USER);
    assert_eq!(name_id(forged), EVIL_SUBJECT);
    assert_eq!(sig(hidden), sig(forged));
    assert_eq!(duplicate_ids(&doc), [ASSERTION_ID]);
    // The first signature in the document verifies (the hidden one)...
    assert!(std::ptr::eq(
        verify_signature(&doc, sig(hidden), &key()).unwrap(),
        hidden
    ));
    testkit::verify(&doc, ASSERTION_ID).unwrap();
    // ...and the forged assertion's copy covers the hidden one, which still holds its
    // own signature: it does not match.
    assert_eq!(
        verify_signature(&doc, sig(forged), &key()),
        Err(VerifyError::DigestMismatch)
    );
}

#[test]
fn duplicate_signed_info_pairs_a_genuine_value_with_forged_references() {
    let doc = run("duplicate-signed-info");
    let evil = assertion(&doc);
    assert_eq!(evil.attribute("ID"), Some(EVIL_ASSERTION_ID));
    assert_eq!(name_id(evil), EVIL_SUBJECT);
    let s = sig(evil);
    assert_eq!(
        names(s),
        ["SignedInfo", "SignedInfo", "SignatureValue", "KeyInfo"]
    );
    let uris: Vec<_> = all(s, ns::DSIG, "Reference")
        .iter()
        .map(|r| r.attribute("URI").unwrap())
        .collect();
    assert_eq!(
        uris,
        [format!("#{ASSERTION_ID}"), format!("#{EVIL_ASSERTION_ID}")]
    );
    // A correct verifier refuses two SignedInfo.
    assert_eq!(
        testkit::verify(&doc, EVIL_ASSERTION_ID),
        Err(VerifyError::Malformed("more than one SignedInfo"))
    );
    // The genuine half verifies: its SignedInfo with the SignatureValue, over the original
    // in Wrapper.
    let mut genuine = s.clone();
    genuine.children.remove(1);
    assert_eq!(genuine_verifies(&doc, &genuine), USER);
    let wrapper = doc.elements().last().unwrap();
    assert_eq!(wrapper.name, Name::local("Wrapper"));
    // The forged half carries the right digest of the evil assertion.
    let mut without = evil.clone();
    without
        .children
        .retain(|n| !matches!(n, Node::Element(e) if e.name.is(ns::DSIG, "Signature")));
    let forged = dsig::digest(&without, DigestAlgorithm::Sha256).unwrap();
    assert_eq!(
        all(s, ns::DSIG, "DigestValue")[1].text_content(),
        B64.encode(forged)
    );
}

#[test]
fn digest_comment_hides_the_forged_digest_where_the_first_child_is_read() {
    let xml = testkit::run(find("digest-comment").unwrap()).xml;
    let doc = testkit::doc(&xml);
    assert_eq!(name_id(assertion(&doc)), EVIL_SUBJECT);
    assert_eq!(
        testkit::verify(&doc, ASSERTION_ID),
        Err(VerifyError::DigestMismatch)
    );
    assert_eq!(
        testkit::verify(&doc, RESPONSE_ID),
        Err(VerifyError::DigestMismatch)
    );
    for s in all(&doc, ns::DSIG, "Signature") {
        verify_signature_value(s, &key()).unwrap();
    }
    // Each comment is the digest of the forged content: what a reader of the first child
    // compares, and finds equal.
    for el in [assertion(&doc), &doc] {
        let dv = all(sig(el), ns::DSIG, "DigestValue")[0];
        let comment = dv.children.iter().find_map(|n| match n {
            Node::Comment(c) => Some(c.clone()),
            _ => None,
        });
        let mut without = el.clone();
        take_own_signature(&mut without).unwrap();
        let forged = dsig::digest(&without, DigestAlgorithm::Sha256).unwrap();
        assert_eq!(comment, Some(B64.encode(forged)));
    }
    // Without the comments the document is the valid one with the NameID changed.
    let stripped = xml
        .split("<!--")
        .enumerate()
        .map(|(i, part)| {
            if i == 0 {
                part
            } else {
                &part[part.find("-->").unwrap() + 3..]
            }
        })
        .collect::<String>();
    assert_eq!(
        stripped.replace(EVIL_SUBJECT, USER),
        testkit::run(&super::super::VALID).xml
    );
}

#[test]
fn multiple_assertions_are_both_genuinely_signed() {
    let doc = run("multiple-assertions");
    let a = top_assertions(&doc);
    assert_eq!(a.len(), 2);
    assert_eq!(name_id(a[0]), USER);
    assert_eq!(name_id(a[1]), EVIL_SUBJECT);
    testkit::verify(&doc, ASSERTION_ID).unwrap();
    testkit::verify(&doc, SECOND_ASSERTION_ID).unwrap();
    testkit::verify(&doc, RESPONSE_ID).unwrap();
    // With a Response-only profile, the assertions are signed anyway.
    let doc = run_with_sign("multiple-assertions", Sign::Response);
    testkit::verify(&doc, SECOND_ASSERTION_ID).unwrap();
    testkit::verify(&doc, RESPONSE_ID).unwrap();
}

#[test]
fn advice_assertion_is_signed_inside_the_users_assertion() {
    let doc = run("advice-assertion");
    testkit::verify(&doc, ASSERTION_ID).unwrap();
    testkit::verify(&doc, RESPONSE_ID).unwrap();
    let outer = assertion(&doc);
    assert_eq!(name_id(outer), USER);
    assert_eq!(
        names(outer),
        [
            "Issuer",
            "Signature",
            "Subject",
            "Conditions",
            "Advice",
            "AuthnStatement",
            "AttributeStatement"
        ]
    );
    let nested = outer
        .first(ns::ASSERTION, "Advice")
        .unwrap()
        .first(ns::ASSERTION, "Assertion")
        .unwrap();
    assert_eq!(nested.attribute("ID"), Some(ADVICE_ASSERTION_ID));
    assert_eq!(name_id(nested), EVIL_SUBJECT);
    assert!(nested.first(ns::DSIG, "Signature").is_none());
    assert_eq!(top_assertions(&doc).len(), 1);
    assert_eq!(all(&doc, ns::ASSERTION, "Assertion").len(), 2);
}

use super::super::find;
