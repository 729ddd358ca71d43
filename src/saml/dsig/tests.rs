//! Unit tests of signing and verifying, and the fixed test signers other modules' tests use.

use base64::Engine as _;
use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Public};
use openssl::sign::Verifier;
use openssl::x509::X509;

use super::*;
use crate::saml::b64::STANDARD as B64;
use crate::saml::ns::alg;
use crate::saml::xml::c14n::{canonicalize, write_document};
use crate::saml::xml::reader::{parse, Limits};
use crate::saml::xml::Node;

/// A fixed RSA-2048 key and certificate for deterministic tests (tests/fixtures/README.md).
pub(crate) fn test_signer() -> Signer {
    let key = PKey::private_key_from_pem(include_bytes!("../../../tests/fixtures/keys/test.key"))
        .unwrap();
    let cert = X509::from_pem(include_bytes!("../../../tests/fixtures/keys/test.crt")).unwrap();
    Signer::new(key, cert).unwrap()
}

/// A fixed EC P-256 key and certificate (ECDSA signatures are randomised all the same).
pub(crate) fn test_ec_signer() -> Signer {
    let key =
        PKey::private_key_from_pem(include_bytes!("../../../tests/fixtures/keys/test-ec.key"))
            .unwrap();
    let cert = X509::from_pem(include_bytes!("../../../tests/fixtures/keys/test-ec.crt")).unwrap();
    Signer::new(key, cert).unwrap()
}

fn signature_value(d: &Element, id: &str) -> Vec<u8> {
    let sv = d
        .find_by_id(id)
        .unwrap()
        .first(ns::DSIG, "Signature")
        .unwrap()
        .first(ns::DSIG, "SignatureValue")
        .unwrap()
        .text_content();
    B64.decode(sv).unwrap()
}

#[test]
fn ecdsa_p256_signs_r_s_and_verifies_after_a_round_trip_through_the_parser() {
    let s = test_ec_signer();
    assert_eq!(s.kind(), KeyKind::EcP256);
    let mut d = doc();
    let algs = Algorithms::from(SignatureAlgorithm::EcdsaSha256);
    sign_enveloped(&mut d, "_a1", algs, &s, KeyInfoStyle::Prefixed).unwrap();
    sign_enveloped(&mut d, "_r1", algs, &s, KeyInfoStyle::Prefixed).unwrap();
    let xml = write_document(&d);
    assert!(xml.contains(
        r#"<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256">"#
    ));
    assert!(xml.contains(alg::SHA256));
    let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
    verify_enveloped(&parsed, "_a1", &public(&s)).unwrap();
    verify_enveloped(&parsed, "_r1", &public(&s)).unwrap();
    // XML-DSig's r||s, 32 bytes each for P-256; never openssl's DER (which starts 0x30 and
    // is 70 to 72 bytes for P-256).
    for id in ["_a1", "_r1"] {
        let value = signature_value(&parsed, id);
        assert_eq!(value.len(), 64, "{id}");
        let der = ecdsa_raw_to_der(&value, P256_FIELD_BYTES).unwrap();
        let key = public(&s);
        let mut v = Verifier::new(MessageDigest::sha256(), &key).unwrap();
        let si = parsed
            .find_by_id(id)
            .unwrap()
            .first(ns::DSIG, "Signature")
            .unwrap()
            .first(ns::DSIG, "SignedInfo")
            .unwrap();
        v.update(canonicalize(si).as_bytes()).unwrap();
        assert!(
            v.verify(&der).unwrap(),
            "{id}: r||s is not the DER signature's r, s"
        );
    }
    // ECDSA is randomised: signing again gives another value, which verifies too.
    let mut again = doc();
    sign_enveloped(&mut again, "_a1", algs, &s, KeyInfoStyle::Prefixed).unwrap();
    assert_ne!(
        signature_value(&again, "_a1"),
        signature_value(&parsed, "_a1")
    );
    verify_enveloped(&again, "_a1", &public(&s)).unwrap();
}

#[test]
fn ecdsa_values_in_der_or_of_the_wrong_length_or_tampered_do_not_verify() {
    let s = test_ec_signer();
    let mut d = doc();
    let algs = Algorithms::from(SignatureAlgorithm::EcdsaSha256);
    sign_enveloped(&mut d, "_a1", algs, &s, KeyInfoStyle::Prefixed).unwrap();
    let raw = signature_value(&d, "_a1");
    let der = ecdsa_raw_to_der(&raw, P256_FIELD_BYTES).unwrap();
    let mut short = raw.clone();
    short.pop();
    let mut flipped = raw.clone();
    flipped[40] ^= 0x01;
    for bad in [der, short, flipped] {
        let mut d = d.clone();
        let sig = signature_mut(assertion_mut(&mut d));
        set_signature_value(sig, &bad).unwrap();
        assert_eq!(
            verify_enveloped(&d, "_a1", &public(&s)),
            Err(VerifyError::BadSignature)
        );
    }
    // An RSA key does not verify an ECDSA signature, nor an EC key an RSA one.
    assert_eq!(
        verify_enveloped(&d, "_a1", &public(&test_signer())),
        Err(VerifyError::BadSignature)
    );
    assert_eq!(
        verify_enveloped(&signed("_a1"), "_a1", &public(&s)),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn the_der_r_s_conversion_left_pads_short_integers() {
    // r = 1 and s = 0x0100: DER keeps them short, r||s pads each to 32 bytes.
    let sig = EcdsaSig::from_private_components(
        BigNum::from_u32(1).unwrap(),
        BigNum::from_u32(0x0100).unwrap(),
    )
    .unwrap();
    let der = sig.to_der().unwrap();
    let raw = ecdsa_der_to_raw(&der, 32).unwrap();
    assert_eq!(raw.len(), 64);
    assert_eq!(raw[31], 1);
    assert_eq!(&raw[62..], &[1, 0]);
    assert!(raw[..31].iter().chain(&raw[32..62]).all(|b| *b == 0));
    assert_eq!(ecdsa_raw_to_der(&raw, 32), Some(der));
    assert_eq!(ecdsa_raw_to_der(&raw[1..], 32), None);
}

#[test]
fn an_algorithm_of_the_other_kind_of_key_is_refused_when_signing() {
    let ec = test_ec_signer();
    let err = ec
        .sign_signed_info(
            SignatureAlgorithm::RsaSha256,
            &signed_info(alg::RSA_SHA256, []),
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            DsigError::AlgorithmKeyMismatch {
                algorithm: "rsa-sha256",
                key: KeyKind::EcP256
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("this key signs with ecdsa-sha256"),
        "{err}"
    );
    let rsa = test_signer();
    assert!(matches!(
        rsa.sign_signed_info(
            SignatureAlgorithm::EcdsaSha256,
            &signed_info(alg::ECDSA_SHA256, [])
        ),
        Err(DsigError::AlgorithmKeyMismatch {
            key: KeyKind::Rsa,
            ..
        })
    ));
}

#[test]
fn algorithms_follow_the_kind_of_key() {
    assert_eq!(
        KeyKind::EcP256.algorithms().collect::<Vec<_>>(),
        [SignatureAlgorithm::EcdsaSha256]
    );
    assert_eq!(
        KeyKind::Rsa.algorithms().collect::<Vec<_>>(),
        SignatureAlgorithm::RSA
    );
    assert_eq!(
        SignatureAlgorithm::RsaSha1.for_key(KeyKind::EcP256),
        SignatureAlgorithm::EcdsaSha256
    );
    assert_eq!(
        SignatureAlgorithm::RsaSha512.for_key(KeyKind::Rsa),
        SignatureAlgorithm::RsaSha512
    );
    assert_eq!(
        SignatureAlgorithm::EcdsaSha256.for_key(KeyKind::Rsa),
        SignatureAlgorithm::RsaSha256
    );
    assert_eq!(
        SignatureAlgorithm::from_id("ecdsa-sha256").map(SignatureAlgorithm::uri),
        Some("http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256")
    );
}

#[test]
fn keys_other_than_rsa_and_p256_are_refused_with_the_reason() {
    let p384 = openssl::ec::EcKey::generate(
        &openssl::ec::EcGroup::from_curve_name(Nid::SECP384R1).unwrap(),
    )
    .unwrap();
    let p384 = PKey::from_ec_key(p384).unwrap();
    let err = Signer::new(p384, test_signer().certificate().clone()).unwrap_err();
    assert!(
        err.to_string().contains("curve secp384r1; only P-256"),
        "{err}"
    );
    let ed = PKey::generate_ed25519().unwrap();
    let err = Signer::new(ed, test_signer().certificate().clone()).unwrap_err();
    assert!(err.to_string().contains("EdDSA"), "{err}");
}

fn doc() -> Element {
    Element::new(Name::prefixed("samlp", ns::PROTOCOL, "Response"))
        .attr("ID", "_r1")
        .child(Element::new(Name::prefixed("saml", ns::ASSERTION, "Issuer")).text("idp"))
        .child(
            Element::new(Name::prefixed("saml", ns::ASSERTION, "Assertion"))
                .attr("ID", "_a1")
                .child(Element::new(Name::prefixed("saml", ns::ASSERTION, "Issuer")).text("idp"))
                .child(
                    Element::new(Name::prefixed("saml", ns::ASSERTION, "Subject")).text("alice"),
                ),
        )
}

fn public(s: &Signer) -> PKey<Public> {
    s.certificate().public_key().unwrap()
}

#[test]
fn signs_after_the_issuer_and_verifies_after_a_round_trip_through_the_parser() {
    let s = test_signer();
    for alg in SignatureAlgorithm::RSA {
        let mut d = doc();
        sign_enveloped(&mut d, "_a1", alg.into(), &s, KeyInfoStyle::Prefixed).unwrap();
        sign_enveloped(&mut d, "_r1", alg.into(), &s, KeyInfoStyle::Prefixed).unwrap();
        let xml = write_document(&d);
        let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
        verify_enveloped(&parsed, "_a1", &public(&s)).unwrap();
        verify_enveloped(&parsed, "_r1", &public(&s)).unwrap();
        let a = parsed.find_by_id("_a1").unwrap();
        let names: Vec<_> = a.elements().map(|e| e.name.local.as_ref()).collect();
        assert_eq!(names, ["Issuer", "Signature", "Subject"]);
        assert!(xml.contains(alg.uri()));
    }
}

#[test]
fn a_changed_value_breaks_the_digest() {
    let xml = write_document(&signed("_a1")).replace(">alice<", ">mallory<");
    let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
    assert_eq!(
        verify_enveloped(&parsed, "_a1", &public(&test_signer())),
        Err(VerifyError::DigestMismatch)
    );
}

#[test]
fn a_changed_signed_info_breaks_the_signature() {
    let d = signed("_a1");
    // Re-point the reference at the same element through a different spelling of the
    // canonicalisation attribute order: any byte change in SignedInfo must fail.
    let xml = write_document(&d).replace("<ds:SignatureMethod", "<ds:SignatureMethod Extra=\"1\"");
    let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
    assert_eq!(
        verify_enveloped(&parsed, "_a1", &public(&test_signer())),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn another_key_does_not_verify() {
    let d = signed("_a1");
    let other = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let other_pub = PKey::public_key_from_der(&other.public_key_to_der().unwrap()).unwrap();
    assert_eq!(
        verify_enveloped(&d, "_a1", &other_pub),
        Err(VerifyError::BadSignature)
    );
}

#[test]
fn adfs_key_info_redeclares_the_default_namespace() {
    let s = test_signer();
    let mut d = doc();
    sign_enveloped(
        &mut d,
        "_a1",
        SignatureAlgorithm::RsaSha1.into(),
        &s,
        KeyInfoStyle::DefaultNamespace,
    )
    .unwrap();
    let xml = write_document(&d);
    assert!(xml.contains(r#"<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>"#));
    let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
    verify_enveloped(&parsed, "_a1", &public(&s)).unwrap();
}

fn signed(id: &str) -> Element {
    let mut d = doc();
    sign_enveloped(
        &mut d,
        id,
        SignatureAlgorithm::RsaSha256.into(),
        &test_signer(),
        KeyInfoStyle::Prefixed,
    )
    .unwrap();
    d
}

fn assertion_mut(d: &mut Element) -> &mut Element {
    d.find_by_id_mut("_a1").unwrap()
}

fn signature_mut(el: &mut Element) -> &mut Element {
    el.children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(e) if e.name.is(ns::DSIG, "Signature") => Some(e),
            _ => None,
        })
        .unwrap()
}

fn digest_value_mut(sig: &mut Element) -> &mut Element {
    let si = sig.children.iter_mut().find_map(|n| match n {
        Node::Element(e) if e.name.is(ns::DSIG, "SignedInfo") => Some(e),
        _ => None,
    });
    let r = si.unwrap().children.iter_mut().find_map(|n| match n {
        Node::Element(e) if e.name.is(ns::DSIG, "Reference") => Some(e),
        _ => None,
    });
    r.unwrap()
        .children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(e) if e.name.is(ns::DSIG, "DigestValue") => Some(e),
            _ => None,
        })
        .unwrap()
}

#[test]
fn the_primitives_compose_into_what_sign_enveloped_writes() {
    let s = test_signer();
    let mut by_hand = doc();
    let a = by_hand.find_by_id("_a1").unwrap();
    let value = digest(a, DigestAlgorithm::Sha256).unwrap();
    let si = signed_info(
        alg::RSA_SHA256,
        [reference(
            "#_a1",
            saml_transforms(),
            DigestAlgorithm::Sha256,
            &value,
        )],
    );
    let sv = s
        .sign_signed_info(SignatureAlgorithm::RsaSha256, &si)
        .unwrap();
    let sig = signature(si, &sv, Some(s.key_info(KeyInfoStyle::Prefixed)));
    assertion_mut(&mut by_hand).insert_after_first(ns::ASSERTION, "Issuer", sig);
    assert_eq!(write_document(&by_hand), write_document(&signed("_a1")));
}

#[test]
fn resign_makes_an_edited_signed_info_verify_again_so_only_the_digest_fails() {
    let s = test_signer();
    let mut d = signed("_a1");
    let sig = signature_mut(assertion_mut(&mut d));
    *digest_value_mut(sig) = ds("DigestValue").text(B64.encode([0u8; 32]));
    let sig = d.find_by_id("_a1").unwrap().first(ns::DSIG, "Signature");
    assert_eq!(
        verify_signature_value(sig.unwrap(), &public(&s)),
        Err(VerifyError::BadSignature)
    );
    resign(
        signature_mut(assertion_mut(&mut d)),
        SignatureAlgorithm::RsaSha256,
        &s,
    )
    .unwrap();
    let sig = d.find_by_id("_a1").unwrap().first(ns::DSIG, "Signature");
    verify_signature_value(sig.unwrap(), &public(&s)).unwrap();
    assert_eq!(
        verify_enveloped(&d, "_a1", &public(&s)),
        Err(VerifyError::DigestMismatch)
    );
}

#[test]
fn a_comment_in_digest_value_is_not_part_of_the_value() {
    let s = test_signer();
    let mut d = signed("_a1");
    let dv = digest_value_mut(signature_mut(assertion_mut(&mut d)));
    dv.children.insert(0, Node::Comment(B64.encode([1u8; 32])));
    let xml = write_document(&d);
    assert!(xml.contains("<ds:DigestValue><!--AQEB"));
    let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
    verify_enveloped(&parsed, "_a1", &public(&s)).unwrap();
}

#[test]
fn verify_signature_reports_what_a_reference_covers() {
    let s = test_signer();
    let key = public(&s);
    // URI="" covers the whole document; the enveloped transform removes the signature.
    let mut d = doc();
    let value = digest(&d, DigestAlgorithm::Sha256).unwrap();
    let si = signed_info(
        alg::RSA_SHA256,
        [reference(
            "",
            saml_transforms(),
            DigestAlgorithm::Sha256,
            &value,
        )],
    );
    let sv = s
        .sign_signed_info(SignatureAlgorithm::RsaSha256, &si)
        .unwrap();
    d.insert_after_first(ns::ASSERTION, "Issuer", signature(si, &sv, None));
    let parsed = parse(write_document(&d).as_bytes(), Limits::default()).unwrap();
    let sig = parsed.first(ns::DSIG, "Signature").unwrap();
    assert!(std::ptr::eq(
        verify_signature(&parsed, sig, &key).unwrap(),
        &parsed
    ));
    assert_eq!(
        verify_enveloped(&parsed, "_r1", &key),
        Err(VerifyError::WrongReference(String::new()))
    );

    // A signature in the Response that references the Assertion: valid, but detached.
    let mut d = doc();
    let a = d.find_by_id("_a1").unwrap();
    let value = digest(a, DigestAlgorithm::Sha256).unwrap();
    let si = signed_info(
        alg::RSA_SHA256,
        [reference(
            "#_a1",
            saml_transforms(),
            DigestAlgorithm::Sha256,
            &value,
        )],
    );
    let sv = s
        .sign_signed_info(SignatureAlgorithm::RsaSha256, &si)
        .unwrap();
    d.insert_after_first(ns::ASSERTION, "Issuer", signature(si, &sv, None));
    let sig = d.first(ns::DSIG, "Signature").unwrap();
    let covered = verify_signature(&d, sig, &key).unwrap();
    assert_eq!(covered.attribute("ID"), Some("_a1"));
    assert_eq!(
        verify_enveloped(&d, "_r1", &key),
        Err(VerifyError::WrongReference("#_a1".into()))
    );
}

#[test]
fn the_enveloped_transform_removes_this_signature_only_not_an_identical_copy() {
    let s = test_signer();
    let mut d = signed("_a1");
    let copy = d
        .find_by_id("_a1")
        .unwrap()
        .first(ns::DSIG, "Signature")
        .unwrap()
        .clone();
    assertion_mut(&mut d).children.push(Node::Element(copy));
    assert_eq!(
        verify_enveloped(&d, "_a1", &public(&s)),
        Err(VerifyError::DigestMismatch)
    );
}

#[test]
fn a_duplicate_id_earlier_in_the_document_hides_the_signed_element_from_verify_enveloped() {
    let s = test_signer();
    let mut d = signed("_a1");
    let mut decoy = d.find_by_id("_a1").unwrap().clone();
    decoy
        .children
        .retain(|n| !matches!(n, Node::Element(e) if e.name.is(ns::DSIG, "Signature")));
    // The unsigned copy comes first: an ID lookup finds it, and it has no signature.
    d.children.insert(1, Node::Element(decoy));
    assert_eq!(
        verify_enveloped(&d, "_a1", &public(&s)),
        Err(VerifyError::Unsigned)
    );
    // The signature still verifies, over the copy found by ID (same content).
    let a = d
        .elements()
        .filter(|e| e.attribute("ID") == Some("_a1"))
        .nth(1)
        .unwrap();
    let covered =
        verify_signature(&d, a.first(ns::DSIG, "Signature").unwrap(), &public(&s)).unwrap();
    assert!(!std::ptr::eq(covered, a));
}

#[test]
fn two_signed_infos_are_refused() {
    let s = test_signer();
    let mut d = signed("_a1");
    let sig = signature_mut(assertion_mut(&mut d));
    let extra = sig.first(ns::DSIG, "SignedInfo").unwrap().clone();
    sig.children.insert(1, Node::Element(extra));
    let sig = d
        .find_by_id("_a1")
        .unwrap()
        .first(ns::DSIG, "Signature")
        .unwrap();
    assert_eq!(
        verify_signature_value(sig, &public(&s)),
        Err(VerifyError::Malformed("more than one SignedInfo"))
    );
    assert_eq!(
        verify_enveloped(&d, "_a1", &public(&s)),
        Err(VerifyError::Malformed("more than one SignedInfo"))
    );
}

#[test]
fn hmac_is_computed_over_the_canonical_signed_info_and_never_verifies() {
    let si = signed_info(alg::HMAC_SHA1, []);
    let mac = hmac_signed_info(DigestAlgorithm::Sha1, b"key", &si).unwrap();
    let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
    // Python: hmac.new(b"key", <canonical SignedInfo>, hashlib.sha1).hexdigest()
    assert_eq!(hex, "8fc1ca1c18c13d553f59e09562e5f63a743ebd9e");
    let sig = signature(si, &mac, None);
    assert_eq!(
        verify_signature_value(&sig, &public(&test_signer())),
        Err(VerifyError::UnsupportedAlgorithm(alg::HMAC_SHA1.into()))
    );
}

#[test]
fn fingerprints_are_colon_separated_upper_hex() {
    let s = test_signer();
    let fp = s.sha1_fingerprint();
    assert_eq!(fp.len(), 20 * 3 - 1);
    assert!(fp
        .chars()
        .all(|c| c == ':' || c.is_ascii_hexdigit() && !c.is_ascii_lowercase()));
    assert_eq!(s.sha256_fingerprint().len(), 32 * 3 - 1);
}

#[test]
fn digest_methods_are_read_from_their_uris_and_hash() {
    let long = "0123456789abcdef".repeat(700);
    for d in DigestAlgorithm::ALL {
        assert_eq!(DigestAlgorithm::from_uri(d.uri()), Some(d));
        assert_eq!(d.hash(b"abc").unwrap().len(), d.message_digest().size());
        // The low-level functions agree with the EVP interface, across block boundaries.
        for data in [&b""[..], b"abc", long.as_bytes()] {
            let evp = openssl::hash::hash(d.message_digest(), data).unwrap();
            assert_eq!(
                d.hash(data).unwrap(),
                &evp[..],
                "{d:?}, {} bytes",
                data.len()
            );
        }
    }
    assert_eq!(DigestAlgorithm::from_uri(alg::RSA_SHA256), None);
    let sha256: String = DigestAlgorithm::Sha256
        .hash(b"abc")
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        sha256,
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
}

#[test]
fn refuses_a_key_that_is_not_the_certificates() {
    let s = test_signer();
    let other = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    assert!(matches!(
        Signer::new(other, s.certificate().clone()),
        Err(DsigError::KeyMismatch)
    ));
}

/// Signing keeps a context per key and method on each thread: whatever order keys and methods
/// come in, and beyond the number of contexts kept, every value verifies with its own key and
/// method, and with no other key.
#[test]
fn signing_contexts_kept_per_thread_never_mix_keys_or_methods() {
    let rsa: Vec<PKey<openssl::pkey::Private>> = (0..3)
        .map(|_| PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap())
        .collect();
    let group = openssl::ec::EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let ec_key = &PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap();
    let data = b"<ds:SignedInfo>the same octets each time</ds:SignedInfo>";
    let verifies = |key: &PKey<openssl::pkey::Private>,
                    algorithm: SignatureAlgorithm,
                    value: &[u8]| {
        let public = PKey::public_key_from_der(&key.public_key_to_der().unwrap()).unwrap();
        let der = match algorithm {
            SignatureAlgorithm::EcdsaSha256 => ecdsa_raw_to_der(value, P256_FIELD_BYTES).unwrap(),
            _ => value.to_vec(),
        };
        let mut v = Verifier::new(algorithm.message_digest(), &public).unwrap();
        v.update(data).unwrap();
        v.verify(&der).unwrap_or(false)
    };
    for round in 0..4 {
        for (i, key) in rsa.iter().enumerate() {
            for algorithm in SignatureAlgorithm::RSA {
                let value = sign_value(key, algorithm, data).unwrap();
                assert!(
                    verifies(key, algorithm, &value),
                    "round {round}, key {i}, {algorithm:?}"
                );
                let other = &rsa[(i + 1) % rsa.len()];
                assert!(!verifies(other, algorithm, &value));
                let other_method = if algorithm == SignatureAlgorithm::RsaSha256 {
                    SignatureAlgorithm::RsaSha1
                } else {
                    SignatureAlgorithm::RsaSha256
                };
                assert!(!verifies(key, other_method, &value));
            }
        }
        let value = sign_value(ec_key, SignatureAlgorithm::EcdsaSha256, data).unwrap();
        assert!(verifies(ec_key, SignatureAlgorithm::EcdsaSha256, &value));
    }
    // A key of the wrong kind for the method is refused before any context is made.
    assert!(sign_value(&rsa[0], SignatureAlgorithm::EcdsaSha256, data).is_err());
}

/// Each thread signs with its own copy of a key (RSA blinding in a shared key is behind a
/// lock every signature takes), and each copy signs as the key does.
#[test]
fn each_thread_signs_with_its_own_copy_of_the_key() {
    let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
    let public = PKey::public_key_from_der(&key.public_key_to_der().unwrap()).unwrap();
    let data = b"<ds:SignedInfo>octets</ds:SignedInfo>";
    let algorithm = SignatureAlgorithm::RsaSha256;
    let copies: Vec<usize> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..2)
            .map(|_| {
                scope.spawn(|| {
                    assert!(super::signer::thread_copy_of(&key, algorithm).is_none());
                    let value = sign_value(&key, algorithm, data).unwrap();
                    let mut v = Verifier::new(algorithm.message_digest(), &public).unwrap();
                    v.update(data).unwrap();
                    assert!(v.verify(&value).unwrap());
                    let copy = super::signer::thread_copy_of(&key, algorithm).unwrap();
                    assert!(copy.public_eq(&key));
                    super::signer::address(&copy)
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    assert_ne!(copies[0], copies[1]);
    assert!(!copies.contains(&super::signer::address(&key)));
}

/// Signing the root returns the document as `write_document` writes it, and the same
/// signature `sign_enveloped` makes: with either key, either KeyInfo style, the assertion
/// signed first or not, an attribute value holding `>` and the Issuer's own markup, a copy of
/// the Issuer nested in an element before it, and a tree with a comment (both written the
/// usual way).
#[test]
fn signing_the_root_writes_the_document_byte_for_byte() {
    for signer in [test_signer(), test_ec_signer()] {
        let algorithms = Algorithms::from(
            SignatureAlgorithm::ALL
                .into_iter()
                .find(|a| a.key_kind() == signer.kind())
                .unwrap(),
        );
        for style in [KeyInfoStyle::Prefixed, KeyInfoStyle::DefaultNamespace] {
            for assertion_first in [false, true] {
                for comment in [false, true] {
                    let mut d = doc().attr(
                        "Destination",
                        "https://sp/acs?a=1&b=<saml:Issuer>idp</saml:Issuer>",
                    );
                    if comment {
                        d.children.push(Node::Comment(" kept ".into()));
                    }
                    if assertion_first {
                        sign_enveloped(&mut d, "_a1", algorithms, &signer, style).unwrap();
                    }
                    let mut expected = d.clone();
                    let written = sign_root_and_write(&mut d, algorithms, &signer, style).unwrap();
                    assert_eq!(written, write_document(&d));
                    sign_enveloped(&mut expected, "_r1", algorithms, &signer, style).unwrap();
                    if signer.kind() == KeyKind::Rsa {
                        // RSA PKCS#1 v1.5 is deterministic: the very same document.
                        assert_eq!(written, write_document(&expected));
                    }
                    let back = parse(written.as_bytes(), Limits::default()).unwrap();
                    verify_enveloped(&back, "_r1", &public(&signer)).unwrap();
                }
            }
        }
    }
}
