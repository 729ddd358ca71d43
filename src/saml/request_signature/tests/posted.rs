//! Tests of the HTTP-POST check: the enveloped signature on the document.
#![cfg(test)]

use super::*;

#[test]
fn posted_fixtures_verify_with_their_sps_certificate() {
    for f in posted_fixtures() {
        let expected = Verified {
            algorithm: f.algorithm,
            digest: Some(f.algorithm.matching_digest()),
        };
        assert_eq!(
            verify_posted(f.text, &right_key(f.sp)),
            Ok(expected),
            "{}",
            f.name
        );
        assert_eq!(
            posted_verdict(f.text, &[right_key(f.sp)]),
            SignatureStatus::Valid {
                algorithm: f.algorithm
            }
        );
    }
}

#[test]
fn posted_fixtures_fail_with_another_certificate_whatever_key_info_holds() {
    for f in posted_fixtures() {
        for key in wrong_keys(f.sp) {
            assert_eq!(
                verify_posted(f.text, &key),
                Err(RequestSignatureError::BadSignature),
                "{}",
                f.name
            );
        }
        assert!(f.text.contains("X509Certificate>"), "{}", f.name);
    }
    // KeyInfo is outside SignedInfo: swapping its certificate changes nothing either way.
    let f = posted_fixtures()
        .into_iter()
        .find(|f| f.name == "node-saml-post-rsa-sha256.xml")
        .unwrap();
    let other_b64: String = OTHER_CERT
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let start = f.text.find("<X509Certificate>").unwrap() + "<X509Certificate>".len();
    let end = f.text.find("</X509Certificate>").unwrap();
    let swapped = format!("{}{other_b64}{}", &f.text[..start], &f.text[end..]);
    verify_posted(&swapped, &right_key(f.sp)).unwrap();
    assert_eq!(
        verify_posted(&swapped, &key_of(OTHER_CERT)),
        Err(RequestSignatureError::BadSignature)
    );
}

#[test]
fn posted_fixtures_fail_after_one_byte_of_the_issuer_changes() {
    for f in posted_fixtures() {
        assert_eq!(
            verify_posted(&tamper_issuer(f.text), &right_key(f.sp)),
            Err(RequestSignatureError::DigestMismatch),
            "{}",
            f.name
        );
    }
}

#[test]
fn our_verdicts_agree_with_xmlsec1() {
    let mut rows = 0;
    for line in XMLSEC1_VERDICTS.lines().filter(|l| !l.starts_with('#')) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, name, cert, xmlsec1] = cols.as_slice() else {
            panic!("bad row {line:?}");
        };
        let f = posted_fixtures()
            .into_iter()
            .find(|f| f.name == *file)
            .unwrap();
        let xml = variant(f.text, name);
        let key = key_of(match *cert {
            "keys/python-sp.crt" => PYTHON_CERT,
            "keys/node-sp.crt" => NODE_CERT,
            "keys/other-sp.crt" => OTHER_CERT,
            other => panic!("certificate {other}"),
        });
        let ours = posted_verdict(&xml, &[key]);
        assert_eq!(ours.is_valid(), *xmlsec1 == "OK", "{line}: we say {ours:?}");
        rows += 1;
    }
    assert_eq!(rows, 5 * posted_fixtures().len());
}

/// Runs the InclusiveNamespaces-aware path whatever the document says.
fn verify_generalised(xml: &str, key: &PKey<Public>) -> Result<(), RequestSignatureError> {
    let root = reader::parse_keeping_declarations(xml.as_bytes(), Limits::default())?;
    let profile = check_profile(&root)?;
    verify_with_prefix_lists(&root, &profile, key)
}

#[test]
fn the_prefix_list_path_agrees_with_dsig_where_there_is_no_prefix_list() {
    for f in posted_fixtures() {
        let key = right_key(f.sp);
        verify_generalised(f.text, &key).unwrap();
        assert_eq!(
            verify_generalised(&tamper_issuer(f.text), &key),
            Err(RequestSignatureError::DigestMismatch)
        );
        assert_eq!(
            verify_generalised(f.text, &key_of(OTHER_CERT)),
            Err(RequestSignatureError::BadSignature)
        );
        // With an empty list, every element canonicalises as the engine's writer does.
        let root =
            reader::parse_keeping_declarations(f.text.as_bytes(), Limits::default()).unwrap();
        let scopes = in_scope_namespaces(&root);
        assert_eq!(scopes.len(), count_elements(&root));
        let plain = ExcC14n {
            scopes: &scopes,
            inclusive: &[],
            skip: None,
        };
        fn each<'a>(el: &'a Element, out: &mut Vec<&'a Element>) {
            out.push(el);
            el.elements().for_each(|e| each(e, out));
        }
        let mut all = Vec::new();
        each(&root, &mut all);
        for (i, el) in all.into_iter().enumerate() {
            assert_eq!(plain.canonicalize(el, i), canonicalize(el), "{}", f.name);
            assert_eq!(document_index(&root, el), Some(i));
        }
    }
}

#[test]
fn the_prefix_list_changes_what_is_digested() {
    for f in posted_fixtures().into_iter().filter(|f| f.prefix_list) {
        let root = reader::parse(f.text.as_bytes(), Limits::default()).unwrap();
        let id = root.attribute("ID").unwrap();
        // A verifier that ignores the PrefixList computes another digest.
        assert_eq!(
            dsig::verify_enveloped(&root, id, &right_key(f.sp)),
            Err(VerifyError::DigestMismatch),
            "{}",
            f.name
        );
        verify_posted(f.text, &right_key(f.sp)).unwrap();
    }
    // ruby-saml's list puts xmlns:saml on the root rather than on each saml: child.
    let f = &posted_fixtures()[3];
    assert_eq!(f.name, "python-xmlsec-inclusive-namespaces.xml");
    let root = reader::parse_keeping_declarations(f.text.as_bytes(), Limits::default()).unwrap();
    let scopes = in_scope_namespaces(&root);
    let list: Vec<String> = ["", "samlp", "saml", "ds", "xs", "xsi", "md"]
        .map(String::from)
        .to_vec();
    let sig = root.first(ns::DSIG, "Signature").unwrap();
    let c14n = ExcC14n {
        scopes: &scopes,
        inclusive: &list,
        skip: Some(sig),
    }
    .canonicalize(&root, 0);
    assert!(c14n.starts_with(
        "<samlp:AuthnRequest xmlns:saml=\"urn:oasis:names:tc:SAML:2.0:assertion\" \
         xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" AssertionConsumerServiceURL="
    ));
    assert!(c14n.contains("<saml:Issuer>https://python-sp.example/metadata</saml:Issuer>"));
    assert!(!c14n.contains("Signature"));

    // "#default" on SignedInfo renders the protocol namespace ds:SignedInfo inherits.
    let f = posted("python-xmlsec-default-namespace.xml");
    let root = reader::parse_keeping_declarations(f.text.as_bytes(), Limits::default()).unwrap();
    let scopes = in_scope_namespaces(&root);
    let signed_info = root
        .first(ns::DSIG, "Signature")
        .and_then(|s| s.first(ns::DSIG, "SignedInfo"))
        .unwrap();
    let list = [String::new()];
    let c14n = ExcC14n {
        scopes: &scopes,
        inclusive: &list,
        skip: None,
    }
    .canonicalize(signed_info, document_index(&root, signed_info).unwrap());
    assert!(c14n.starts_with(
        "<ds:SignedInfo xmlns=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
         xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
    ));
    assert_ne!(c14n, canonicalize(signed_info));
}

#[test]
fn unsigned_documents_are_unsigned() {
    let xml = include_str!("../../../../tests/fixtures/requests/python3-saml-redirect.xml");
    let key = right_key(Sp::Python);
    assert_eq!(
        verify_posted(xml, &key),
        Err(RequestSignatureError::Unsigned)
    );
    assert_eq!(posted_verdict(xml, &[key]), SignatureStatus::Unsigned);
    assert_eq!(posted_verdict(xml, &[]), SignatureStatus::Unsigned);
    let f = posted("node-saml-post-rsa-sha256.xml");
    assert_eq!(posted_verdict(f.text, &[]), SignatureStatus::NoCertificate);
}

#[test]
fn references_other_than_the_root_id_are_refused() {
    let f = posted("python3-saml-post-rsa-sha256.xml");
    let key = right_key(f.sp);
    let root = reader::parse(f.text.as_bytes(), Limits::default()).unwrap();
    let id = root.attribute("ID").unwrap();
    let uri = format!("URI=\"#{id}\"");
    for (replacement, found) in [
        ("URI=\"\"".to_owned(), String::new()),
        ("URI=\"#_other\"".to_owned(), "#_other".to_owned()),
        (String::new(), String::new()),
        (format!("URI=\"{id}\""), id.to_owned()),
    ] {
        let xml = f.text.replace(&uri, &replacement);
        assert_eq!(
            verify_posted(&xml, &key),
            Err(RequestSignatureError::WrongReference {
                uri: found,
                id: id.to_owned()
            })
        );
    }
    // A second Reference, even one to the same element.
    let start = f.text.find("<ds:Reference").unwrap();
    let end = f.text.find("</ds:Reference>").unwrap() + "</ds:Reference>".len();
    let reference = &f.text[start..end];
    let two = f
        .text
        .replacen(reference, &format!("{reference}{reference}"), 1);
    assert_eq!(
        verify_posted(&two, &key),
        Err(RequestSignatureError::ReferenceCount(2))
    );
    let none = f.text.replacen(reference, "", 1);
    assert_eq!(
        verify_posted(&none, &key),
        Err(RequestSignatureError::ReferenceCount(0))
    );
}

#[test]
fn duplicate_ids_anywhere_are_refused() {
    let f = posted("python3-saml-post-rsa-sha256.xml");
    let key = right_key(f.sp);
    let root = reader::parse(f.text.as_bytes(), Limits::default()).unwrap();
    let id = root.attribute("ID").unwrap();
    // The signed ID again, deeper in the document (signature wrapping).
    let wrapped = f.text.replacen(
        "<samlp:NameIDPolicy",
        &format!("<samlp:NameIDPolicy ID=\"{id}\""),
        1,
    );
    assert_eq!(
        verify_posted(&wrapped, &key),
        Err(RequestSignatureError::DuplicateId(id.to_owned()))
    );
    // Two other elements sharing an ID.
    let twice = f
        .text
        .replacen("<samlp:NameIDPolicy", "<samlp:NameIDPolicy ID=\"_x\"", 1)
        .replacen(
            "<saml:AuthnContextClassRef",
            "<saml:AuthnContextClassRef ID=\"_x\"",
            1,
        );
    assert_eq!(
        verify_posted(&twice, &key),
        Err(RequestSignatureError::DuplicateId("_x".into()))
    );
    let no_id = f.text.replacen(&format!(" ID=\"{id}\""), "", 1);
    assert_eq!(
        verify_posted(&no_id, &key),
        Err(RequestSignatureError::NoId)
    );
}

#[test]
fn many_distinct_ids_pass_and_one_repeated_among_them_is_found() {
    let key = right_key(Sp::Python);
    let document = |ids: &[String]| {
        let children: String = ids.iter().map(|id| format!("<x ID=\"{id}\"/>")).collect();
        format!(
            "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" \
             ID=\"_root\">{children}</samlp:AuthnRequest>"
        )
    };
    // Tens of thousands: the check remembers IDs in a set, so this is linear.
    let mut ids: Vec<String> = (0..40_000).map(|i| format!("_id{i}")).collect();
    // Past the ID check, the document is refused for what it lacks: a signature.
    assert_eq!(
        verify_posted(&document(&ids), &key),
        Err(RequestSignatureError::Unsigned)
    );
    ids.push("_id25000".to_owned());
    assert_eq!(
        verify_posted(&document(&ids), &key),
        Err(RequestSignatureError::DuplicateId("_id25000".into()))
    );
    ids.pop();
    ids.push("_root".to_owned());
    assert_eq!(
        verify_posted(&document(&ids), &key),
        Err(RequestSignatureError::DuplicateId("_root".into()))
    );
}

#[test]
fn exactly_one_signature_on_the_root() {
    let f = posted("node-saml-post-rsa-sha256.xml");
    let key = right_key(f.sp);
    let start = f.text.find("<Signature").unwrap();
    let end = f.text.find("</Signature>").unwrap() + "</Signature>".len();
    let sig = &f.text[start..end];
    let two = f.text.replacen(sig, &format!("{sig}{sig}"), 1);
    assert_eq!(
        verify_posted(&two, &key),
        Err(RequestSignatureError::SignatureCount(2))
    );
    // A signature that is not the root's child does not sign the root.
    let nested = f.text.replacen(sig, "", 1).replacen(
        "</samlp:RequestedAuthnContext>",
        &format!("{sig}</samlp:RequestedAuthnContext>"),
        1,
    );
    assert_eq!(
        verify_posted(&nested, &key),
        Err(RequestSignatureError::Unsigned)
    );
}

#[test]
fn only_enveloped_signature_and_exc_c14n_are_accepted() {
    let f = posted("python3-saml-post-rsa-sha256.xml");
    let key = right_key(f.sp);
    let enveloped =
        "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"/>";
    let exc = "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>";
    let c14n10 = "<ds:Transform Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>";
    let xpath = "<ds:Transform Algorithm=\"http://www.w3.org/TR/1999/REC-xpath-19991116\"><ds:XPath>not(ancestor-or-self::ds:Signature)</ds:XPath></ds:Transform>";
    for xml in [
        f.text.replacen(exc, c14n10, 1),
        f.text.replacen(exc, "", 1),
        f.text.replacen(enveloped, "", 1),
        f.text.replacen(enveloped, xpath, 1),
        f.text.replacen(exc, &format!("{exc}{exc}"), 1),
        f.text.replacen(
            exc,
            "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#WithComments\"/>",
            1,
        ),
        f.text.replacen(
            exc,
            "<ds:Transform Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"><ds:Other/></ds:Transform>",
            1,
        ),
        f.text.replacen(
            enveloped,
            "<ds:Transform Algorithm=\"http://www.w3.org/2000/09/xmldsig#enveloped-signature\"><ds:XPath>x</ds:XPath></ds:Transform>",
            1,
        ),
    ] {
        assert_ne!(xml, f.text);
        assert!(
            matches!(
                verify_posted(&xml, &key),
                Err(RequestSignatureError::UnsupportedTransform(_))
            ),
            "{:?}",
            verify_posted(&xml, &key)
        );
    }
    let c14n_method =
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/2001/10/xml-exc-c14n#\"/>";
    let inclusive = f.text.replacen(
        c14n_method,
        "<ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>",
        1,
    );
    assert!(matches!(
        verify_posted(&inclusive, &key),
        Err(RequestSignatureError::UnsupportedTransform(_))
    ));
}

#[test]
fn posted_algorithms_come_from_the_same_allow_list() {
    assert!(!is_dsa_or_ecdsa(alg::ECDSA_SHA256));
    let f = posted("python3-saml-post-rsa-sha256.xml");
    let key = right_key(f.sp);
    for uri in alg::DSA_OR_ECDSA {
        let xml = f.text.replacen(alg::RSA_SHA256, uri, 1);
        assert_eq!(
            verify_posted(&xml, &key),
            Err(RequestSignatureError::UnsupportedSignatureAlgorithm(
                uri.to_owned()
            ))
        );
    }
    let hmac = f.text.replacen(alg::RSA_SHA256, alg::HMAC_SHA1, 1);
    assert_eq!(
        verify_posted(&hmac, &key),
        Err(RequestSignatureError::UnsupportedSignatureAlgorithm(
            alg::HMAC_SHA1.to_owned()
        ))
    );
    let md5 = f
        .text
        .replacen(alg::SHA256, "http://www.w3.org/2001/04/xmldsig-more#md5", 1);
    assert!(matches!(
        verify_posted(&md5, &key),
        Err(RequestSignatureError::UnsupportedDigestAlgorithm(_))
    ));
    // A method from the list other than the one signed with.
    let claimed = f.text.replacen(alg::RSA_SHA256, alg::RSA_SHA512, 1);
    assert_eq!(
        verify_posted(&claimed, &key),
        Err(RequestSignatureError::BadSignature)
    );
}

#[test]
fn a_changed_prefix_list_breaks_the_signature() {
    let f = posted("xml-crypto-inclusive-namespaces.xml");
    let key = right_key(f.sp);
    // SignedInfo's own list: changing it changes SignedInfo.
    let xml = f
        .text
        .replacen("PrefixList=\"samlp\"", "PrefixList=\"saml\"", 1);
    assert_eq!(
        verify_posted(&xml, &key),
        Err(RequestSignatureError::BadSignature)
    );
    let f = posted("python-xmlsec-inclusive-namespaces.xml");
    let xml = f.text.replacen(
        "PrefixList=\"#default samlp saml",
        "PrefixList=\"#default samlp",
        1,
    );
    assert_ne!(xml, f.text);
    assert!(matches!(
        verify_posted(&xml, &right_key(f.sp)),
        Err(RequestSignatureError::DigestMismatch | RequestSignatureError::BadSignature)
    ));
}

#[test]
fn ecdsa_posted_signatures_verify_as_r_s_only() {
    let key = ec_key();
    let cert = {
        let mut name = openssl::x509::X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "sp").unwrap();
        let name = name.build();
        let mut b = openssl::x509::X509Builder::new().unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        b.build()
    };
    let signer = dsig::Signer::new(key.clone(), cert).unwrap();
    let xml = concat!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" "#,
        r#"ID="_r1" Version="2.0" IssueInstant="2024-01-01T00:00:00Z">"#,
        r#"<saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">sp</saml:Issuer>"#,
        r#"</samlp:AuthnRequest>"#
    );
    let mut root = reader::parse(xml.as_bytes(), Limits::default()).unwrap();
    dsig::sign_enveloped(
        &mut root,
        "_r1",
        SignatureAlgorithm::EcdsaSha256.into(),
        &signer,
        dsig::KeyInfoStyle::Prefixed,
    )
    .unwrap();
    let signed = crate::saml::xml::c14n::write_document(&root);
    let verified = verify_posted(&signed, &ec_public(&key)).unwrap();
    assert_eq!(verified.algorithm, SignatureAlgorithm::EcdsaSha256);
    assert_eq!(
        verify_posted(&signed, &ec_public(&ec_key())),
        Err(RequestSignatureError::BadSignature)
    );
}

#[test]
fn a_prefix_list_is_checked_from_the_tree_the_request_was_read_into() {
    for f in posted_fixtures().into_iter().filter(|f| f.prefix_list) {
        // An AuthnRequest as /sso reads it; a logout message with the same reader.
        let tree = if f.text.contains(":LogoutRequest ") {
            reader::parse_keeping_declarations(f.text.as_bytes(), Limits::request()).unwrap()
        } else {
            authn_request::parse_with_tree(f.text).unwrap().1
        };
        let cert = der(match f.sp {
            Sp::Python => PYTHON_CERT,
            Sp::Node => NODE_CERT,
        });
        // The XML given beside the tree is not read again.
        assert!(
            message_verdict(None, "<not-read/>", Some(&tree), Some(&cert)).is_valid(),
            "{}",
            f.name
        );
        // A tree read without its declarations says so, rather than failing on a digest.
        let bare = reader::parse(f.text.as_bytes(), Limits::request()).unwrap();
        assert_eq!(
            message_verdict(None, f.text, Some(&bare), Some(&cert)),
            SignatureStatus::Invalid {
                reason: RequestSignatureError::DeclarationsNotKept.to_string()
            }
        );
    }
}
