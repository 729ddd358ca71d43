//! Unit tests of encryption and decryption, and the interop fixtures writer (which alone
//! writes files, so this file is test-only for the boundary check too).
#![cfg(test)]

use base64::Engine as _;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::symm::{Cipher, Crypter, Mode};
use openssl::x509::X509;

use super::decrypt::{algorithm_of, cipher_value_of, decrypt_data};
use super::*;
use crate::saml::b64::STANDARD as B64;
use crate::saml::dsig::tests::test_signer;
use crate::saml::dsig::{sign_enveloped, KeyInfoStyle, SignatureAlgorithm};
use crate::saml::xml::c14n::write_document;
use crate::saml::xml::reader::{parse, Limits};
use crate::saml::xml::Node;

const SP_KEY: &[u8] = include_bytes!("../../../tests/fixtures/xmlenc/sp.key");
const SP_CRT: &[u8] = include_bytes!("../../../tests/fixtures/xmlenc/sp.crt");
const OTHER_KEY: &[u8] = include_bytes!("../../../tests/fixtures/xmlenc/other.key");

fn sp_key() -> PKey<Private> {
    PKey::private_key_from_pem(SP_KEY).unwrap()
}

fn sp_cert() -> X509 {
    X509::from_pem(SP_CRT).unwrap()
}

/// Deterministic "randomness": a counter, so that every call gives new bytes.
fn counter() -> impl FnMut(&mut [u8]) {
    let mut n = 0u8;
    move |buf: &mut [u8]| {
        for b in buf {
            n = n.wrapping_add(1);
            *b = n;
        }
    }
}

fn saml(local: &'static str) -> Element {
    Element::new(Name::prefixed("saml", ns::ASSERTION, local))
}

/// A signed, Response-less assertion with what a real one has: NameID, confirmation,
/// conditions, an authentication statement and attributes with characters to escape.
pub(crate) fn signed_assertion(id: &str) -> Element {
    let value = saml("AttributeValue").text("tier-2 & <up> \"Zoë\"\r\n");
    let assertion =
        saml("Assertion")
            .attr("ID", id)
            .attr("Version", "2.0")
            .attr("IssueInstant", "2026-01-02T03:04:05Z")
            .child(saml("Issuer").text("https://idp.example/metadata"))
            .child(
                saml("Subject")
                    .child(
                        saml("NameID")
                            .attr("Format", ns::nameid::EMAIL)
                            .text("zoe@globex.example"),
                    )
                    .child(
                        saml("SubjectConfirmation")
                            .attr("Method", ns::CM_BEARER)
                            .child(
                                saml("SubjectConfirmationData")
                                    .attr("NotOnOrAfter", "2026-01-02T03:09:05Z")
                                    .attr("Recipient", "https://sp.example/acs"),
                            ),
                    ),
            )
            .child(
                saml("Conditions")
                    .attr("NotBefore", "2026-01-02T03:03:35Z")
                    .attr("NotOnOrAfter", "2026-01-02T03:09:05Z")
                    .child(
                        saml("AudienceRestriction")
                            .child(saml("Audience").text("https://sp.example/metadata")),
                    ),
            )
            .child(
                saml("AuthnStatement")
                    .attr("AuthnInstant", "2026-01-02T03:04:05Z")
                    .attr("SessionIndex", "_s1")
                    .child(saml("AuthnContext").child(
                        saml("AuthnContextClassRef").text(ns::AC_PASSWORD_PROTECTED_TRANSPORT),
                    )),
            )
            .child(
                saml("AttributeStatement").child(
                    saml("Attribute")
                        .attr("Name", "groups")
                        .attr("NameFormat", ns::attrname::BASIC)
                        .child(value),
                ),
            );
    let mut holder = Element::new(Name::local("holder")).child(assertion);
    sign_enveloped(
        &mut holder,
        id,
        SignatureAlgorithm::RsaSha256.into(),
        &test_signer(),
        KeyInfoStyle::Prefixed,
    )
    .unwrap();
    match holder.children.pop() {
        Some(Node::Element(signed)) => signed,
        _ => unreachable!(),
    }
}

fn options(data: DataEncryption, key_transport: KeyTransport) -> EncryptionOptions {
    EncryptionOptions {
        data,
        key_transport,
        ..Default::default()
    }
}

fn combinations() -> impl Iterator<Item = (DataEncryption, KeyTransport)> {
    DataEncryption::ALL
        .into_iter()
        .flat_map(|d| KeyTransport::ALL.into_iter().map(move |k| (d, k)))
}

fn encrypt(opts: &EncryptionOptions) -> (Element, Element) {
    let a = signed_assertion("_a1");
    let e = encrypt_assertion(&a, &sp_cert(), opts, &mut counter()).unwrap();
    (a, e)
}

#[test]
fn every_combination_round_trips_byte_for_byte_through_the_written_document() {
    for (d, k) in combinations() {
        let (a, e) = encrypt(&options(d, k));
        let parsed = parse(write_document(&e).as_bytes(), Limits::default()).unwrap();
        let xml = decrypt_xml(&parsed, &sp_key(), &AllowList::all()).unwrap();
        assert_eq!(xml, write_document(&a), "{d:?} {k:?}");
        let back = decrypt_assertion(&parsed, &sp_key(), &AllowList::all()).unwrap();
        assert_eq!(write_document(&back), write_document(&a), "{d:?} {k:?}");
        crate::saml::dsig::verify_enveloped(
            &back,
            "_a1",
            &test_signer().certificate().public_key().unwrap(),
        )
        .unwrap();
    }
}

#[test]
fn the_retrieval_method_shape_round_trips() {
    for (d, k) in combinations() {
        let opts = EncryptionOptions {
            placement: KeyPlacement::RetrievalMethod {
                data_id: "_d1".into(),
                key_id: "_k1".into(),
            },
            recipient: Some("https://sp.example/metadata".into()),
            ..options(d, k)
        };
        let (a, e) = encrypt(&opts);
        let names: Vec<_> = e.elements().map(|c| c.name.local.as_ref()).collect();
        assert_eq!(names, ["EncryptedData", "EncryptedKey"]);
        let parsed = parse(write_document(&e).as_bytes(), Limits::default()).unwrap();
        let back = decrypt_assertion(&parsed, &sp_key(), &AllowList::all()).unwrap();
        assert_eq!(write_document(&back), write_document(&a), "{d:?} {k:?}");
    }
}

#[test]
fn another_key_fails_cleanly() {
    let other = PKey::private_key_from_pem(OTHER_KEY).unwrap();
    for k in [KeyTransport::RsaOaepMgf1p, KeyTransport::RsaOaep] {
        let (_, e) = encrypt(&options(DataEncryption::Aes128Gcm, k));
        assert_eq!(
            decrypt_assertion(&e, &other, &AllowList::all()),
            Err(XmlencError::KeyTransport),
            "{k:?}"
        );
    }
    // OpenSSL 3.2 and later answer a PKCS#1 v1.5 padding failure with a random key
    // (implicit rejection), which then fails as a key of the wrong size or as bad data.
    let (_, e) = encrypt(&options(DataEncryption::Aes128Gcm, KeyTransport::Rsa1_5));
    assert!(matches!(
        decrypt_assertion(&e, &other, &AllowList::all()),
        Err(XmlencError::KeyTransport | XmlencError::KeySize { .. } | XmlencError::Decryption(_))
    ));
}

#[test]
fn the_allow_list_refuses_legacy_algorithms_before_decrypting() {
    let modern = AllowList::modern();
    let (_, e) = encrypt(&options(
        DataEncryption::TripleDesCbc,
        KeyTransport::RsaOaepMgf1p,
    ));
    assert_eq!(
        decrypt_assertion(&e, &sp_key(), &modern),
        Err(XmlencError::RefusedAlgorithm(alg::TRIPLEDES_CBC.into()))
    );
    let (_, e) = encrypt(&options(DataEncryption::Aes256Cbc, KeyTransport::Rsa1_5));
    assert_eq!(
        decrypt_assertion(&e, &sp_key(), &modern),
        Err(XmlencError::RefusedAlgorithm(alg::RSA_1_5.into()))
    );
    assert!(decrypt_assertion(&e, &sp_key(), &AllowList::all()).is_ok());
    let only_gcm = AllowList {
        data: vec![DataEncryption::Aes256Gcm],
        key_transport: vec![KeyTransport::RsaOaep],
    };
    let (_, e) = encrypt(&options(DataEncryption::Aes256Cbc, KeyTransport::RsaOaep));
    assert_eq!(
        decrypt_assertion(&e, &sp_key(), &only_gcm),
        Err(XmlencError::RefusedAlgorithm(alg::AES256_CBC.into()))
    );
}

fn cipher_value_mut(e: &mut Element) -> &mut String {
    let data = e
        .children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(x) if x.name.is(XENC, "EncryptedData") => Some(x),
            _ => None,
        })
        .unwrap();
    let cd = data
        .children
        .iter_mut()
        .find_map(|n| match n {
            Node::Element(x) if x.name.is(XENC, "CipherData") => Some(x),
            _ => None,
        })
        .unwrap();
    let Some(Node::Element(cv)) = cd.children.first_mut() else {
        panic!("no CipherValue")
    };
    let Some(Node::Text(t)) = cv.children.first_mut() else {
        panic!("no text")
    };
    t
}

#[test]
fn a_changed_ciphertext_fails_gcm_authentication() {
    for d in [DataEncryption::Aes128Gcm, DataEncryption::Aes256Gcm] {
        let (_, mut e) = encrypt(&options(d, KeyTransport::RsaOaepMgf1p));
        let text = cipher_value_mut(&mut e);
        let mut bytes = B64.decode(&*text).unwrap();
        bytes[20] ^= 1;
        *text = B64.encode(bytes);
        assert_eq!(
            decrypt_xml(&e, &sp_key(), &AllowList::all()),
            Err(XmlencError::Decryption(
                "the GCM authentication tag does not match"
            ))
        );
    }
}

#[test]
fn truncated_ciphertexts_are_refused() {
    for d in DataEncryption::ALL {
        let (_, mut e) = encrypt(&options(d, KeyTransport::RsaOaepMgf1p));
        let text = cipher_value_mut(&mut e);
        let bytes = B64.decode(&*text).unwrap();
        *text = B64.encode(&bytes[..d.iv_len() + 3]);
        assert!(
            matches!(
                decrypt_xml(&e, &sp_key(), &AllowList::all()),
                Err(XmlencError::Decryption(_))
            ),
            "{d:?}"
        );
    }
}

#[test]
fn cbc_padding_follows_section_5_2_not_only_pkcs7() {
    // N-1 arbitrary bytes, then N: accepted; a final byte of 0 or above the block size: not.
    let key = [7u8; 16];
    let iv = [9u8; 16];
    let mut plain = b"<a></a>".to_vec();
    plain.extend_from_slice(&[0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x11, 0x22, 9]);
    let raw = |p: &[u8]| {
        let mut c = Crypter::new(Cipher::aes_128_cbc(), Mode::Encrypt, &key, Some(&iv)).unwrap();
        c.pad(false);
        let mut out = vec![0u8; p.len() + 16];
        let n = c.update(p, &mut out).unwrap();
        out.truncate(n);
        let mut all = iv.to_vec();
        all.extend(out);
        all
    };
    assert_eq!(
        decrypt_data(DataEncryption::Aes128Cbc, &key, &raw(&plain)).unwrap(),
        b"<a></a>"
    );
    *plain.last_mut().unwrap() = 0;
    assert!(decrypt_data(DataEncryption::Aes128Cbc, &key, &raw(&plain)).is_err());
    *plain.last_mut().unwrap() = 17;
    assert!(decrypt_data(DataEncryption::Aes128Cbc, &key, &raw(&plain)).is_err());
}

#[test]
fn the_output_has_the_structure_of_xmlenc_core_3() {
    let opts = EncryptionOptions {
        recipient: Some("https://sp.example/metadata".into()),
        ..options(DataEncryption::Aes128Gcm, KeyTransport::RsaOaep)
    };
    let (_, e) = encrypt(&opts);
    assert!(e.name.is(ns::ASSERTION, "EncryptedAssertion"));
    let names: Vec<_> = e.elements().map(|c| c.name.local.as_ref()).collect();
    assert_eq!(names, ["EncryptedData"]);
    let data = e.first(XENC, "EncryptedData").unwrap();
    assert_eq!(data.attribute("Type"), Some(TYPE_ELEMENT));
    let names: Vec<_> = data.elements().map(|c| c.name.qualified()).collect();
    assert_eq!(
        names,
        ["xenc:EncryptionMethod", "ds:KeyInfo", "xenc:CipherData"]
    );
    assert_eq!(algorithm_of(data).unwrap(), alg::AES128_GCM);
    let ek = data
        .first(ns::DSIG, "KeyInfo")
        .unwrap()
        .first(XENC, "EncryptedKey")
        .unwrap();
    assert_eq!(
        ek.attribute("Recipient"),
        Some("https://sp.example/metadata")
    );
    let names: Vec<_> = ek.elements().map(|c| c.name.qualified()).collect();
    assert_eq!(
        names,
        ["xenc:EncryptionMethod", "ds:KeyInfo", "xenc:CipherData"]
    );
    let m = ek.first(XENC, "EncryptionMethod").unwrap();
    assert_eq!(m.attribute("Algorithm"), Some(alg::RSA_OAEP));
    let params: Vec<_> = m
        .elements()
        .map(|c| (c.name.qualified(), c.attribute("Algorithm").unwrap()))
        .collect();
    assert_eq!(
        params,
        [
            ("ds:DigestMethod".to_owned(), alg::SHA256),
            ("xenc11:MGF".to_owned(), alg::MGF1_SHA256)
        ]
    );
    let cert = ek
        .first(ns::DSIG, "KeyInfo")
        .and_then(|k| k.first(ns::DSIG, "X509Data"))
        .and_then(|x| x.first(ns::DSIG, "X509Certificate"))
        .unwrap()
        .text_content();
    assert_eq!(B64.decode(cert).unwrap(), sp_cert().to_der().unwrap());
    // 2048-bit RSA: a 256-byte wrapped key.
    assert_eq!(cipher_value_of(ek).unwrap().len(), 256);
    // IV (12) + ciphertext (no padding) + tag (16).
    let plain_len = write_document(&signed_assertion("_a1")).len();
    assert_eq!(cipher_value_of(data).unwrap().len(), 12 + plain_len + 16);

    let xml = write_document(&e);
    assert!(xml.starts_with(
        r#"<saml:EncryptedAssertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#aes128-gcm"></xenc:EncryptionMethod><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey Recipient="https://sp.example/metadata"><xenc:EncryptionMethod Algorithm="http://www.w3.org/2009/xmlenc11#rsa-oaep"><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"></ds:DigestMethod><xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha256"></xenc11:MGF></xenc:EncryptionMethod>"#
    ), "{xml}");
}

#[test]
fn oaep_mgf1p_writes_a_sha1_digest_and_no_mgf_and_rsa_1_5_neither() {
    let (_, e) = encrypt(&options(
        DataEncryption::Aes256Cbc,
        KeyTransport::RsaOaepMgf1p,
    ));
    let xml = write_document(&e);
    assert!(xml.contains(r#"<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p"><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"></ds:DigestMethod></xenc:EncryptionMethod>"#));
    // The element, not the three letters: base64 of random ciphertext contains "MGF" now and
    // then.
    assert!(!xml.contains(":MGF") && !xml.contains("<MGF") && !xml.contains("#mgf1"));
    let (_, e) = encrypt(&options(DataEncryption::Aes256Cbc, KeyTransport::Rsa1_5));
    assert!(write_document(&e).contains(r#"<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-1_5"></xenc:EncryptionMethod><ds:KeyInfo>"#));
}

#[test]
fn the_content_key_and_iv_come_from_the_callers_randomness_in_that_order() {
    for d in DataEncryption::ALL {
        let a = signed_assertion("_a1");
        let opts = options(d, KeyTransport::RsaOaepMgf1p);
        let mut lens = Vec::new();
        let mut record = |buf: &mut [u8]| {
            lens.push(buf.len());
            buf.fill(0x42);
        };
        let e1 = encrypt_assertion(&a, &sp_cert(), &opts, &mut record).unwrap();
        assert_eq!(lens, [d.key_len(), d.iv_len()]);
        let e2 =
            encrypt_assertion(&a, &sp_cert(), &opts, &mut |b: &mut [u8]| b.fill(0x42)).unwrap();
        // Same key and IV: the same data ciphertext, whatever OAEP drew.
        let cv = |e: &Element| cipher_value_of(e.first(XENC, "EncryptedData").unwrap());
        let c1 = cv(&e1).unwrap();
        assert_eq!(c1, cv(&e2).unwrap());
        assert_eq!(&c1[..d.iv_len()], vec![0x42; d.iv_len()]);
    }
}

#[test]
fn without_the_recipient_certificate_the_key_info_holds_only_the_key() {
    let opts = EncryptionOptions {
        recipient_certificate: false,
        ..Default::default()
    };
    let (a, e) = encrypt(&opts);
    assert!(!write_document(&e).contains(":X509Data"));
    let back = decrypt_assertion(&e, &sp_key(), &AllowList::modern()).unwrap();
    assert_eq!(write_document(&back), write_document(&a));
}

#[test]
fn the_assertion_declares_its_namespaces_once_decrypted_into_another_parent() {
    // Built as a child of a Response, the assertion's saml prefix was declared above it.
    let a = signed_assertion("_a1");
    let mut response = Element::new(Name::prefixed("samlp", ns::PROTOCOL, "Response"))
        .child(saml("Issuer").text("idp"))
        .child(a.clone());
    let done = encrypt_assertion_in_place(
        &mut response,
        &sp_cert(),
        &EncryptionOptions::default(),
        &mut counter(),
    )
    .unwrap();
    assert!(done);
    let names: Vec<_> = response.elements().map(|c| c.name.local.as_ref()).collect();
    assert_eq!(names, ["Issuer", "EncryptedAssertion"]);
    let xml = write_document(&response);
    let parsed = parse(xml.as_bytes(), Limits::default()).unwrap();
    let ea = parsed.first(ns::ASSERTION, "EncryptedAssertion").unwrap();
    let plain = decrypt_xml(ea, &sp_key(), &AllowList::modern()).unwrap();
    assert!(plain.starts_with(
        r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1""#
    ));
    assert_eq!(plain, write_document(&a));
    assert!(!encrypt_assertion_in_place(
        &mut response,
        &sp_cert(),
        &EncryptionOptions::default(),
        &mut counter()
    )
    .unwrap());
}

#[test]
fn malformed_input_is_reported_not_panicked_on() {
    let key = sp_key();
    let all = AllowList::all();
    let (_, good) = encrypt(&EncryptionOptions::default());
    assert_eq!(
        decrypt_xml(&saml("Assertion"), &key, &all),
        Err(XmlencError::Malformed("not a saml:EncryptedAssertion"))
    );
    assert_eq!(
        decrypt_xml(&saml("EncryptedAssertion"), &key, &all),
        Err(XmlencError::Malformed("no EncryptedData"))
    );
    let mut two = good.clone();
    two.children.push(good.children[0].clone());
    assert_eq!(
        decrypt_xml(&two, &key, &all),
        Err(XmlencError::Malformed("more than one EncryptedData"))
    );
    let xml = write_document(&good);
    let edit = |from: &str, to: &str| {
        let changed = xml.replacen(from, to, 1);
        assert_ne!(changed, xml, "{from}");
        parse(changed.as_bytes(), Limits::default()).unwrap()
    };
    assert_eq!(
        decrypt_xml(&edit(alg::AES256_CBC, "urn:nope"), &key, &all),
        Err(XmlencError::UnsupportedAlgorithm("urn:nope".into()))
    );
    assert_eq!(
        decrypt_xml(&edit(alg::RSA_OAEP_MGF1P, "urn:nope"), &key, &all),
        Err(XmlencError::UnsupportedAlgorithm("urn:nope".into()))
    );
    assert_eq!(
        decrypt_xml(&edit(TYPE_ELEMENT, "urn:content"), &key, &all),
        Err(XmlencError::Malformed(
            "the EncryptedData's Type is not Element"
        ))
    );
    assert_eq!(
        decrypt_xml(
            &edit("<xenc:CipherValue>", "<xenc:CipherValue>!"),
            &key,
            &all
        ),
        Err(XmlencError::Malformed("CipherValue is not base64"))
    );
    assert_eq!(
        decrypt_xml(
            &edit(
                r#"<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1">"#,
                r#"<xenc11:MGF xmlns:xenc11="http://www.w3.org/2009/xmlenc11#" Algorithm="http://www.w3.org/2009/xmlenc11#mgf1sha1"></xenc11:MGF><ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1">"#
            ),
            &key,
            &all
        ),
        Err(XmlencError::Malformed(
            "rsa-oaep-mgf1p must not carry an MGF element"
        ))
    );
    // A SHA-256 OAEP digest was not what the key was wrapped with.
    assert_eq!(
        decrypt_xml(&edit(alg::SHA1, alg::SHA256), &key, &all),
        Err(XmlencError::KeyTransport)
    );
}

#[test]
fn a_retrieval_method_must_stay_in_the_encrypted_assertion() {
    let opts = EncryptionOptions {
        placement: KeyPlacement::RetrievalMethod {
            data_id: "_d1".into(),
            key_id: "_k1".into(),
        },
        ..Default::default()
    };
    let (_, e) = encrypt(&opts);
    let xml = write_document(&e);
    let with = |from: &str, to: &str| {
        parse(xml.replacen(from, to, 1).as_bytes(), Limits::default()).unwrap()
    };
    let key = sp_key();
    let all = AllowList::all();
    assert_eq!(
        decrypt_xml(
            &with("URI=\"#_k1\"", "URI=\"https://evil.example/k\""),
            &key,
            &all
        ),
        Err(XmlencError::Malformed(
            "a RetrievalMethod URI is not a same-document reference"
        ))
    );
    assert_eq!(
        decrypt_xml(&with("URI=\"#_k1\"", "URI=\"#_k2\""), &key, &all),
        Err(XmlencError::Malformed(
            "no EncryptedKey with the RetrievalMethod's Id"
        ))
    );
    assert_eq!(
        decrypt_xml(&with(TYPE_ENCRYPTED_KEY, "urn:other"), &key, &all),
        Err(XmlencError::Malformed(
            "a RetrievalMethod does not point at an EncryptedKey"
        ))
    );
}

/// Writes signed Responses with an encrypted assertion for every combination into the
/// directory named by `XMLENC_FIXTURES_OUT`, for `tests/fixtures/xmlenc/check.sh` to hand to
/// xmlsec1, python3-saml and node's xml-encryption: `<name>.response.xml`, the plaintext
/// `<name>.assertion.xml` it must decrypt to, and `manifest.tsv`.
#[test]
#[ignore = "writes interop fixtures; run by tests/fixtures/xmlenc/check.sh"]
fn write_interop_fixtures() {
    let out = std::env::var("XMLENC_FIXTURES_OUT")
        .expect("set XMLENC_FIXTURES_OUT to the directory to write the fixtures into");
    let out = std::path::Path::new(&out);
    std::fs::create_dir_all(out).unwrap();
    let mut random = counter();
    let mut manifest = String::from("name\tdata\tkey_transport\tplacement\tcertificate\n");
    let mut cases = Vec::new();
    for (d, k) in combinations() {
        cases.push((d, k, KeyPlacement::Inline, true));
        let placement = KeyPlacement::RetrievalMethod {
            data_id: "_d1".into(),
            key_id: "_k1".into(),
        };
        cases.push((d, k, placement, true));
    }
    cases.push((
        DataEncryption::default(),
        KeyTransport::default(),
        KeyPlacement::Inline,
        false,
    ));
    for (d, k, placement, certificate) in cases {
        let shape = match placement {
            KeyPlacement::Inline => "inline",
            KeyPlacement::RetrievalMethod { .. } => "retrieval",
        };
        let name = format!(
            "{}_{}_{shape}{}",
            d.id(),
            k.id(),
            if certificate { "" } else { "_nocert" }
        );
        let assertion = signed_assertion("_a1");
        let mut response = Element::new(Name::prefixed("samlp", ns::PROTOCOL, "Response"))
            .attr("ID", "_r1")
            .attr("Version", "2.0")
            .attr("IssueInstant", "2026-01-02T03:04:05Z")
            .attr("Destination", "https://sp.example/acs")
            .child(saml("Issuer").text("https://idp.example/metadata"))
            .child(
                Element::new(Name::prefixed("samlp", ns::PROTOCOL, "Status")).child(
                    Element::new(Name::prefixed("samlp", ns::PROTOCOL, "StatusCode"))
                        .attr("Value", ns::status::SUCCESS),
                ),
            )
            .child(assertion.clone());
        let opts = EncryptionOptions {
            data: d,
            key_transport: k,
            placement,
            recipient_certificate: certificate,
            recipient: Some("https://sp.example/metadata".into()),
        };
        assert!(encrypt_assertion_in_place(&mut response, &sp_cert(), &opts, &mut random).unwrap());
        // Sign, encrypt, then sign the Response over the EncryptedAssertion.
        sign_enveloped(
            &mut response,
            "_r1",
            SignatureAlgorithm::RsaSha256.into(),
            &test_signer(),
            KeyInfoStyle::Prefixed,
        )
        .unwrap();
        std::fs::write(
            out.join(format!("{name}.response.xml")),
            write_document(&response),
        )
        .unwrap();
        std::fs::write(
            out.join(format!("{name}.assertion.xml")),
            write_document(&assertion),
        )
        .unwrap();
        manifest.push_str(&format!(
            "{name}\t{}\t{}\t{shape}\t{certificate}\n",
            d.id(),
            k.id()
        ));
    }
    std::fs::write(out.join("manifest.tsv"), manifest).unwrap();
}

#[test]
fn a_certificate_without_an_rsa_key_is_refused() {
    let ec = openssl::ec::EcKey::generate(
        &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
    )
    .unwrap();
    let ec = PKey::from_ec_key(ec).unwrap();
    let mut b = openssl::x509::X509Builder::new().unwrap();
    b.set_pubkey(&ec).unwrap();
    b.sign(&ec, MessageDigest::sha256()).unwrap();
    let cert = b.build();
    assert_eq!(
        encrypt_assertion(
            &signed_assertion("_a1"),
            &cert,
            &EncryptionOptions::default(),
            &mut counter()
        ),
        Err(XmlencError::NotRsa)
    );
}

#[test]
fn oaep_digests_are_read_with_the_signature_digest_table() {
    for uri in [alg::SHA1, alg::SHA256, alg::SHA384, alg::SHA512] {
        assert!(digest_from_uri(uri).is_some(), "{uri}");
    }
    assert!(digest_from_uri(alg::MGF1_SHA256).is_none());
}

#[test]
fn the_offered_methods_are_every_one_but_the_legacy_ones_in_order() {
    assert_eq!(
        DataEncryption::offered_ids(),
        ["aes128-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm"]
    );
    assert_eq!(KeyTransport::offered_ids(), ["rsa-oaep-mgf1p", "rsa-oaep"]);
    let offered: Vec<_> = DataEncryption::offered().collect();
    for d in DataEncryption::ALL {
        assert_eq!(offered.contains(&d), !d.is_legacy(), "{d:?}");
    }
    let offered: Vec<_> = KeyTransport::offered().collect();
    for k in KeyTransport::ALL {
        assert_eq!(offered.contains(&k), !k.is_legacy(), "{k:?}");
    }
}

#[test]
fn ids_and_uris_name_each_other() {
    for d in DataEncryption::ALL {
        assert_eq!(DataEncryption::from_id(d.id()), Some(d));
        assert_eq!(DataEncryption::from_uri(d.uri()), Some(d));
        assert!(d.uri().ends_with(&format!("#{}", d.id())));
        assert_eq!(d.cipher().key_len(), d.key_len());
    }
    for k in KeyTransport::ALL {
        assert_eq!(KeyTransport::from_id(k.id()), Some(k));
        assert_eq!(KeyTransport::from_uri(k.uri()), Some(k));
        assert!(k.uri().ends_with(&format!("#{}", k.id())));
    }
    assert_eq!(
        AllowList::modern(),
        AllowList {
            data: vec![
                DataEncryption::Aes128Cbc,
                DataEncryption::Aes256Cbc,
                DataEncryption::Aes128Gcm,
                DataEncryption::Aes256Gcm
            ],
            key_transport: vec![KeyTransport::RsaOaepMgf1p, KeyTransport::RsaOaep],
        }
    );
}
