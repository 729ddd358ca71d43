//! Unit tests of `signature`.

use openssl::pkey::{PKey, Public};
use openssl::x509::X509;

use super::super::{find, testkit, VALID};
use super::*;
use crate::saml::dsig::{verify_signature, verify_signature_value, VerifyError};
use crate::saml::issue::ResponseProfile;
use crate::saml::sp::Sign;

pub(crate) const RESPONSE_ID: &str = "_id1";
pub(crate) const ASSERTION_ID: &str = "_id3";
pub(crate) const USER: &str = "alice@acme-support.example";

pub(crate) fn run(id: &str) -> Element {
    testkit::doc(&testkit::run(find(id).unwrap()).xml)
}

pub(crate) fn run_with_sign(id: &str, sign: Sign) -> Element {
    let profile = ResponseProfile {
        sign,
        ..ResponseProfile::default()
    };
    testkit::doc(&testkit::run_with(find(id).unwrap(), &profile).xml)
}

/// Every element `{ns}local` in document order.
pub(crate) fn all<'a>(el: &'a Element, ns: &str, local: &str) -> Vec<&'a Element> {
    let mut out = Vec::new();
    fn walk<'a>(el: &'a Element, ns: &str, local: &str, out: &mut Vec<&'a Element>) {
        if el.name.is(ns, local) {
            out.push(el);
        }
        for e in el.elements() {
            walk(e, ns, local, out);
        }
    }
    walk(el, ns, local, &mut out);
    out
}

/// The NameID of `el`, an Assertion, or of the first Assertion child of `el`, read through
/// its own Subject (never a copy nested elsewhere).
pub(crate) fn name_id(el: &Element) -> String {
    let a = if el.name.is(ns::ASSERTION, "Assertion") {
        el
    } else {
        el.first(ns::ASSERTION, "Assertion").unwrap()
    };
    a.first(ns::ASSERTION, "Subject")
        .and_then(|s| s.first(ns::ASSERTION, "NameID"))
        .unwrap()
        .text_content()
}

pub(crate) fn assertion(doc: &Element) -> &Element {
    doc.first(ns::ASSERTION, "Assertion").unwrap()
}

pub(crate) fn sig(el: &Element) -> &Element {
    el.first(ns::DSIG, "Signature").unwrap()
}

pub(crate) fn key() -> PKey<Public> {
    testkit::idp_key()
}

fn text_of(sig: &Element, local: &str) -> String {
    all(sig, ns::DSIG, local)[0].text_content()
}

fn key_info_key(sig: &Element) -> PKey<Public> {
    let der = B64.decode(text_of(sig, "X509Certificate")).unwrap();
    X509::from_der(&der).unwrap().public_key().unwrap()
}

fn both_fail(doc: &Element, error: VerifyError) {
    assert_eq!(testkit::verify(doc, ASSERTION_ID), Err(error.clone()));
    assert_eq!(testkit::verify(doc, RESPONSE_ID), Err(error));
}

#[test]
fn unsigned_has_no_signature_at_all() {
    let doc = run("unsigned");
    assert!(all(&doc, ns::DSIG, "Signature").is_empty());
    both_fail(&doc, VerifyError::Unsigned);
    assert_eq!(name_id(&doc), USER);
}

#[test]
fn one_side_signed_verifies_and_the_other_is_unsigned() {
    let doc = run("assertion-signed-only");
    testkit::verify(&doc, ASSERTION_ID).unwrap();
    assert_eq!(
        testkit::verify(&doc, RESPONSE_ID),
        Err(VerifyError::Unsigned)
    );
    let doc = run("response-signed-only");
    testkit::verify(&doc, RESPONSE_ID).unwrap();
    assert_eq!(
        testkit::verify(&doc, ASSERTION_ID),
        Err(VerifyError::Unsigned)
    );
}

#[test]
fn tampered_nameid_breaks_both_digests_but_no_signature_value() {
    let doc = run("tampered-nameid");
    assert_eq!(name_id(&doc), EVIL_SUBJECT);
    both_fail(&doc, VerifyError::DigestMismatch);
    verify_signature_value(sig(assertion(&doc)), &key()).unwrap();
    verify_signature_value(sig(&doc), &key()).unwrap();
    // Putting the user back makes both verify again: the NameID is the only change.
    let xml = testkit::run(find("tampered-nameid").unwrap())
        .xml
        .replace(EVIL_SUBJECT, USER);
    assert_eq!(xml, testkit::run(&VALID).xml);
}

#[test]
fn tampered_attribute_turns_agent_into_admin_after_signing() {
    let xml = testkit::run(find("tampered-attribute").unwrap()).xml;
    let valid = testkit::run(&VALID).xml;
    let role = |v: &str| {
        format!(
            r#"Name="role" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic"><saml:AttributeValue>{v}</saml:AttributeValue>"#
        )
    };
    assert!(valid.contains(&role("agent")));
    assert_eq!(xml, valid.replace(&role("agent"), &role("admin")));
    both_fail(&testkit::doc(&xml), VerifyError::DigestMismatch);
}

#[test]
fn bad_signature_value_keeps_every_digest_and_fails_every_value() {
    let doc = run("bad-signature-value");
    both_fail(&doc, VerifyError::BadSignature);
    // The assertion's digest matches (the Response's too: it reached the value check).
    let valid = run("valid");
    assert_eq!(
        text_of(sig(assertion(&doc)), "DigestValue"),
        text_of(sig(assertion(&valid)), "DigestValue")
    );
    assert_ne!(
        text_of(sig(assertion(&doc)), "SignatureValue"),
        text_of(sig(assertion(&valid)), "SignatureValue")
    );
}

#[test]
fn bad_digest_fails_only_the_digest_check() {
    let doc = run("bad-digest");
    both_fail(&doc, VerifyError::DigestMismatch);
    verify_signature_value(sig(assertion(&doc)), &key()).unwrap();
    verify_signature_value(sig(&doc), &key()).unwrap();
    let valid = run("valid");
    let (a, b) = (
        B64.decode(text_of(sig(assertion(&doc)), "DigestValue"))
            .unwrap(),
        B64.decode(text_of(sig(assertion(&valid)), "DigestValue"))
            .unwrap(),
    );
    assert_eq!(a[0] ^ b[0], 1);
    assert_eq!(a[1..], b[1..]);
}

#[test]
fn signature_removed_leaves_a_broken_response_signature_unlike_unsigned() {
    let doc = run("signature-removed");
    assert_eq!(
        testkit::verify(&doc, ASSERTION_ID),
        Err(VerifyError::Unsigned)
    );
    assert_eq!(
        testkit::verify(&doc, RESPONSE_ID),
        Err(VerifyError::DigestMismatch)
    );
    assert_eq!(all(&doc, ns::DSIG, "Signature").len(), 1);
    let with_sig = testkit::run(find("signature-removed").unwrap()).xml;
    assert_ne!(with_sig, testkit::run(find("unsigned").unwrap()).xml);
    // Only the assertion's signature is gone.
    let valid = run("valid");
    let mut expected = valid.clone();
    let a = first_assertion_mut(&mut expected).unwrap();
    take_own_signature(a).unwrap();
    assert_eq!(doc, expected);
}

#[test]
fn attacker_and_cloned_keys_verify_only_with_their_own_certificate() {
    for id in ["self-signed-keyinfo", "cloned-cert"] {
        let doc = run(id);
        both_fail(&doc, VerifyError::BadSignature);
        for s in all(&doc, ns::DSIG, "Signature") {
            let own = key_info_key(s);
            assert!(!own.public_eq(&key()), "{id}");
            verify_signature(&doc, s, &own).unwrap();
        }
    }
    // The clone carries the IdP certificate's names and serial.
    let doc = run("cloned-cert");
    let der = B64.decode(text_of(sig(&doc), "X509Certificate")).unwrap();
    let clone = X509::from_der(&der).unwrap();
    let idp = X509::from_pem(include_bytes!("../../../../tests/fixtures/keys/test.crt")).unwrap();
    assert_eq!(
        clone.subject_name().to_der().unwrap(),
        idp.subject_name().to_der().unwrap()
    );
    assert_eq!(
        clone.serial_number().to_bn().unwrap(),
        idp.serial_number().to_bn().unwrap()
    );
}

#[test]
fn legacy_and_mixed_algorithms_are_valid_signatures() {
    for (id, method, digest) in [
        ("sha1", alg::RSA_SHA1, alg::SHA1),
        ("mixed-algorithms", alg::RSA_SHA256, alg::SHA1),
    ] {
        let doc = run(id);
        testkit::verify(&doc, ASSERTION_ID).unwrap();
        testkit::verify(&doc, RESPONSE_ID).unwrap();
        for s in all(&doc, ns::DSIG, "Signature") {
            assert_eq!(
                all(s, ns::DSIG, "SignatureMethod")[0].attribute("Algorithm"),
                Some(method)
            );
            assert_eq!(
                all(s, ns::DSIG, "DigestMethod")[0].attribute("Algorithm"),
                Some(digest)
            );
        }
    }
}

#[test]
fn hmac_key_confusion_is_a_real_hmac_keyed_with_the_public_certificate() {
    let doc = run("hmac-key-confusion");
    both_fail(
        &doc,
        VerifyError::UnsupportedAlgorithm(alg::HMAC_SHA1.into()),
    );
    let cert = X509::from_pem(include_bytes!("../../../../tests/fixtures/keys/test.crt"))
        .unwrap()
        .to_der()
        .unwrap();
    for s in all(&doc, ns::DSIG, "Signature") {
        let si = s.first(ns::DSIG, "SignedInfo").unwrap();
        let mac = dsig::hmac_signed_info(DigestAlgorithm::Sha1, &cert, si).unwrap();
        assert_eq!(text_of(s, "SignatureValue"), B64.encode(mac));
    }
    // The digests are those of a valid response.
    let valid = run("valid");
    assert_eq!(
        text_of(sig(assertion(&doc)), "DigestValue"),
        text_of(sig(assertion(&valid)), "DigestValue")
    );
}

#[test]
fn reference_empty_uri_is_valid_crypto_on_the_wrong_kind_of_reference() {
    let doc = run("reference-empty-uri");
    assert_eq!(
        testkit::verify(&doc, RESPONSE_ID),
        Err(VerifyError::WrongReference(String::new()))
    );
    assert!(std::ptr::eq(
        verify_signature(&doc, sig(&doc), &key()).unwrap(),
        &doc
    ));
    testkit::verify(&doc, ASSERTION_ID).unwrap();
    // Assertion-only profile: the assertion's signature covers the whole document.
    let doc = run_with_sign("reference-empty-uri", Sign::Assertion);
    let s = sig(assertion(&doc));
    assert!(std::ptr::eq(
        verify_signature(&doc, s, &key()).unwrap(),
        &doc
    ));
    assert_eq!(
        testkit::verify(&doc, ASSERTION_ID),
        Err(VerifyError::WrongReference(String::new()))
    );
}

#[test]
fn reference_other_element_signs_the_extension_instead_of_the_response() {
    let doc = run("reference-other-element");
    assert_eq!(
        testkit::verify(&doc, RESPONSE_ID),
        Err(VerifyError::WrongReference(format!("#{EXTENSION_ID}")))
    );
    let covered = verify_signature(&doc, sig(&doc), &key()).unwrap();
    assert!(covered.name.is(ns::SCENARIO_EXTENSION, "Note"));
    testkit::verify(&doc, ASSERTION_ID).unwrap();
    let names: Vec<_> = doc.elements().map(|e| e.name.local.as_ref()).collect();
    assert_eq!(
        names,
        ["Issuer", "Signature", "Extensions", "Status", "Assertion"]
    );

    let doc = run_with_sign("reference-other-element", Sign::Assertion);
    let covered = verify_signature(&doc, sig(assertion(&doc)), &key()).unwrap();
    assert_eq!(covered.attribute("ID"), Some(EXTENSION_ID));
    let names: Vec<_> = doc.elements().map(|e| e.name.local.as_ref()).collect();
    assert_eq!(names, ["Issuer", "Extensions", "Status", "Assertion"]);
}

#[test]
fn extra_transform_changes_only_the_transform_list() {
    let doc = run("extra-transform");
    let s = sig(assertion(&doc));
    let algorithms: Vec<_> = all(s, ns::DSIG, "Transform")
        .iter()
        .map(|t| t.attribute("Algorithm").unwrap())
        .collect();
    assert_eq!(
        algorithms,
        [alg::ENVELOPED_SIGNATURE, alg::XPATH, alg::EXC_C14N]
    );
    assert_eq!(text_of(s, "XPath"), XPATH_FILTER);
    verify_signature_value(s, &key()).unwrap();
    let valid = run("valid");
    assert_eq!(
        text_of(s, "DigestValue"),
        text_of(sig(assertion(&valid)), "DigestValue")
    );
    assert_eq!(
        testkit::verify(&doc, ASSERTION_ID),
        Err(VerifyError::Malformed(
            "transforms are not enveloped-signature + exc-c14n"
        ))
    );
    testkit::verify(&doc, RESPONSE_ID).unwrap();
}

#[test]
fn signature_misplaced_is_valid_but_outside_the_assertion() {
    let doc = run("signature-misplaced");
    assert_eq!(
        testkit::verify(&doc, ASSERTION_ID),
        Err(VerifyError::Unsigned)
    );
    testkit::verify(&doc, RESPONSE_ID).unwrap();
    let names: Vec<_> = doc.elements().map(|e| e.name.local.as_ref()).collect();
    assert_eq!(
        names,
        ["Issuer", "Signature", "Status", "Signature", "Assertion"]
    );
    let moved = doc.elements().nth(3).unwrap();
    let covered = verify_signature(&doc, moved, &key()).unwrap();
    assert!(std::ptr::eq(covered, assertion(&doc)));
    // Response-only profile: the hook signs the assertion anyway, to have one to move.
    let doc = run_with_sign("signature-misplaced", Sign::Response);
    assert_eq!(all(&doc, ns::DSIG, "Signature").len(), 2);
    testkit::verify(&doc, RESPONSE_ID).unwrap();
}

#[test]
fn signed_error_is_genuine_until_the_decoy_is_added() {
    let out = testkit::run(find("signed-error-with-assertion").unwrap());
    assert!(!out.status.is_success());
    let doc = testkit::doc(&out.xml);
    let names: Vec<_> = doc.elements().map(|e| e.name.local.as_ref()).collect();
    assert_eq!(names, ["Issuer", "Signature", "Status", "Signature"]);
    let decoy = doc.elements().nth(3).unwrap();
    assert_eq!(
        text_of(decoy, "SignatureValue"),
        text_of(sig(&doc), "SignatureValue")
    );
    let forged = all(decoy, ns::ASSERTION, "Assertion");
    assert_eq!(forged.len(), 1);
    assert_eq!(name_id(forged[0]), EVIL_SUBJECT);
    assert!(forged[0].first(ns::DSIG, "Signature").is_none());
    // A standard verifier sees the decoy inside the signed Response...
    assert_eq!(
        testkit::verify(&doc, RESPONSE_ID),
        Err(VerifyError::DigestMismatch)
    );
    // ...which, removed (as xml-crypto's transform removes it), leaves a genuine signature.
    let mut without = doc.clone();
    without
        .children
        .retain(|n| !matches!(n, Node::Element(e) if e == decoy));
    testkit::verify(&without, RESPONSE_ID).unwrap();
    assert!(all(&without, ns::ASSERTION, "Assertion").is_empty());
}

#[test]
fn every_signature_and_wrapping_scenario_runs_with_every_profile_shape() {
    use crate::saml::sp::ResponseStyle;
    for s in ALL.iter().chain(super::super::wrapping::ALL) {
        for style in [ResponseStyle::Standard, ResponseStyle::Adfs] {
            for sign in Sign::ALL {
                let profile = ResponseProfile {
                    style,
                    sign,
                    ..ResponseProfile::default()
                };
                let out = testkit::run_with(s, &profile);
                let doc = testkit::doc(&out.xml);
                assert!(doc.name.is(ns::PROTOCOL, "Response"), "{} {sign:?}", s.id);
            }
        }
    }
}

#[test]
fn adfs_style_attribute_tampering_changes_the_role_claim() {
    use crate::saml::sp::ResponseStyle;
    let profile = ResponseProfile {
        style: ResponseStyle::Adfs,
        ..ResponseProfile::default()
    };
    let xml = testkit::run_with(find("tampered-attribute").unwrap(), &profile).xml;
    let doc = testkit::doc(&xml);
    let role = all(&doc, ns::ASSERTION, "Attribute")
        .into_iter()
        .find(|a| a.attribute("Name") == Some(ns::claims::ROLE))
        .unwrap();
    assert_eq!(
        role.elements()
            .map(Element::text_content)
            .collect::<Vec<_>>(),
        [EVIL_ROLE]
    );
    assert!(xml.contains("<AttributeValue>admin</AttributeValue>"));
}

#[test]
fn tamper_hooks_respect_a_profile_without_a_response_signature() {
    for id in [
        "bad-signature-value",
        "bad-digest",
        "hmac-key-confusion",
        "extra-transform",
    ] {
        let doc = run_with_sign(id, Sign::Assertion);
        assert_eq!(all(&doc, ns::DSIG, "Signature").len(), 1, "{id}");
        assert!(testkit::verify(&doc, ASSERTION_ID).is_err(), "{id}");
    }
    let doc = run_with_sign("extra-transform", Sign::Response);
    assert_eq!(
        testkit::verify(&doc, RESPONSE_ID),
        Err(VerifyError::Malformed(
            "transforms are not enveloped-signature + exc-c14n"
        ))
    );
}
