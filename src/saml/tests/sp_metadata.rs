//! Unit tests of `sp_metadata`.
#![cfg(test)]

use super::*;
use crate::saml::b64::STANDARD as B64;
use base64::Engine as _;

const PYTHON: &str = include_str!("../../../tests/fixtures/sp-metadata/python3-saml.xml");
const PYTHON_SIGNED: &str =
    include_str!("../../../tests/fixtures/sp-metadata/python3-saml-signed-encrypted.xml");
const NODE: &str = include_str!("../../../tests/fixtures/sp-metadata/node-saml.xml");
const NODE_DEFAULTS: &str =
    include_str!("../../../tests/fixtures/sp-metadata/node-saml-defaults.xml");
const PYTHON_CERT: &str = include_str!("../../../tests/fixtures/sp-metadata/keys/python-sp.crt");
const NODE_SIGNING_CERT: &str =
    include_str!("../../../tests/fixtures/sp-metadata/keys/node-sp-signing.crt");
const NODE_ENCRYPTION_CERT: &str =
    include_str!("../../../tests/fixtures/sp-metadata/keys/node-sp-encryption.crt");

fn der(pem: &str) -> Vec<u8> {
    X509::from_pem(pem.as_bytes()).unwrap().to_der().unwrap()
}

/// A certificate as base64, for hand-written metadata.
fn cert_b64() -> String {
    B64.encode(der(PYTHON_CERT))
}

fn entity(sp_body: &str) -> String {
    format!(
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://sp.example.com/metadata">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{sp_body}</md:SPSSODescriptor>
</md:EntityDescriptor>"#
    )
}

const POST_ACS: &str = r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs" index="0"/>"#;

#[test]
fn python3_saml_fixture() {
    let md = parse(PYTHON).unwrap();
    assert_eq!(md.entity_id, "https://python-sp.example/metadata");
    assert_eq!(
        md.acs,
        [AcsEndpoint {
            url: "https://python-sp.example/acs".into(),
            binding: ns::binding::HTTP_POST.into(),
            index: Some(1),
            is_default: None,
        }]
    );
    assert_eq!(
        md.slo,
        [(
            ns::binding::HTTP_REDIRECT.to_owned(),
            "https://python-sp.example/sls".to_owned()
        )]
    );
    assert_eq!(md.signing_certificates, [der(PYTHON_CERT)]);
    assert!(md.encryption_certificates.is_empty());
    assert_eq!(md.name_id_formats, [ns::nameid::EMAIL]);
    assert!(md.authn_requests_signed);
    assert!(md.want_assertions_signed);
}

#[test]
fn the_encryption_certificate_and_the_first_usable_hints_are_taken_but_not_switched_on() {
    let md = parse(NODE).unwrap();
    assert_eq!(
        md.encryption_methods,
        [
            "http://www.w3.org/2009/xmlenc11#aes256-gcm",
            "http://www.w3.org/2009/xmlenc11#aes128-gcm",
            "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
            "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
        ]
    );
    let e = md.to_service_provider().encryption;
    assert_eq!(e.certificate, Some(der(NODE_ENCRYPTION_CERT)));
    assert_eq!(e.data, DataEncryption::Aes256Gcm);
    assert_eq!(e.key_transport, KeyTransport::RsaOaepMgf1p);
    assert!(!e.enabled);

    // Legacy hints are passed over; a key transport hint is honoured; a certificate
    // without an RSA key cannot carry a content key.
    let ec = {
        let group =
            openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
        let key = openssl::pkey::PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap())
            .unwrap();
        let mut b = openssl::x509::X509Builder::new().unwrap();
        b.set_pubkey(&key).unwrap();
        let now = openssl::asn1::Asn1Time::days_from_now(0).unwrap();
        b.set_not_before(&now).unwrap();
        b.set_not_after(&now).unwrap();
        b.sign(&key, openssl::hash::MessageDigest::sha256())
            .unwrap();
        B64.encode(b.build().to_der().unwrap())
    };
    let key_descriptor = |cert: &str, methods: &[&str]| {
        let methods: String = methods
            .iter()
            .map(|m| format!(r#"<md:EncryptionMethod Algorithm="{m}"/>"#))
            .collect();
        format!(
            r#"<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>{methods}</md:KeyDescriptor>"#
        )
    };
    let xml = entity(&format!(
        "{}{}{POST_ACS}",
        key_descriptor(&ec, &[]),
        key_descriptor(
            &cert_b64(),
            &[
                "http://www.w3.org/2001/04/xmlenc#tripledes-cbc",
                "http://www.w3.org/2001/04/xmlenc#rsa-1_5",
                "http://www.w3.org/2009/xmlenc11#rsa-oaep",
                "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
            ]
        )
    ));
    let e = parse(&xml).unwrap().encryption();
    assert_eq!(e.certificate, Some(der(PYTHON_CERT)));
    assert_eq!(e.data, DataEncryption::Aes128Cbc);
    assert_eq!(e.key_transport, KeyTransport::RsaOaep);
    // Signing-only keys are no encryption keys.
    let xml = entity(&format!(
        r#"<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>{POST_ACS}"#,
        cert_b64()
    ));
    assert_eq!(parse(&xml).unwrap().encryption(), Encryption::default());
}

#[test]
fn python3_saml_signed_metadata_with_encryption_key() {
    let md = parse(PYTHON_SIGNED).unwrap();
    assert_eq!(md.entity_id, "https://python-sp.example/metadata");
    // The metadata's own ds:Signature carries a certificate too; it is not a KeyDescriptor.
    assert_eq!(md.signing_certificates, [der(PYTHON_CERT)]);
    assert_eq!(md.encryption_certificates, [der(PYTHON_CERT)]);
    assert_eq!(md.acs.len(), 1);
}

#[test]
fn node_saml_fixture() {
    let md = parse(NODE).unwrap();
    assert_eq!(md.entity_id, "https://node-sp.example/metadata");
    assert_eq!(
        md.acs,
        [AcsEndpoint {
            url: "https://node-sp.example/acs".into(),
            binding: ns::binding::HTTP_POST.into(),
            index: Some(1),
            is_default: Some(true),
        }]
    );
    assert_eq!(
        md.slo,
        [(
            ns::binding::HTTP_POST.to_owned(),
            "https://node-sp.example/logout/callback".to_owned()
        )]
    );
    // node-saml wraps the base64 at 64 columns.
    assert_eq!(md.signing_certificates, [der(NODE_SIGNING_CERT)]);
    assert_eq!(md.encryption_certificates, [der(NODE_ENCRYPTION_CERT)]);
    assert_eq!(md.name_id_formats, [ns::nameid::EMAIL]);
    assert!(md.authn_requests_signed);
    assert!(md.want_assertions_signed);
}

#[test]
fn node_saml_defaults_fixture() {
    let md = parse(NODE_DEFAULTS).unwrap();
    assert!(md.signing_certificates.is_empty());
    assert!(md.encryption_certificates.is_empty());
    assert!(md.slo.is_empty());
    assert!(!md.authn_requests_signed);
    assert!(md.want_assertions_signed);
    let sp = md.to_service_provider();
    assert_eq!(sp.certificate, None);
    assert_eq!(sp.slo_url, None);
}

#[test]
fn to_service_provider_takes_what_the_metadata_says() {
    let sp = parse(NODE).unwrap().to_service_provider();
    assert_eq!(sp.entity_id, "https://node-sp.example/metadata");
    assert_eq!(sp.name, None);
    assert_eq!(
        sp.default_acs().map(|e| e.url.as_str()),
        Some("https://node-sp.example/acs")
    );
    assert_eq!(
        sp.slo_url.as_deref(),
        Some("https://node-sp.example/logout/callback")
    );
    // Its only logout endpoint takes HTTP-POST, so our LogoutRequests go by POST.
    assert_eq!(sp.slo_binding, Binding::Post);
    assert_eq!(sp.certificate, Some(der(NODE_SIGNING_CERT)));
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.name_id.source, None);
    assert!(sp.authn_requests_signed);
    assert!(sp.want_assertions_signed);
    // Everything else is the default.
    let plain = ServiceProvider::new(&sp.entity_id);
    assert_eq!(sp.sign, plain.sign);
    assert_eq!(sp.style, plain.style);
    assert_eq!(sp.algorithms, plain.algorithms);
}

#[test]
fn slo_url_skips_back_channel_bindings() {
    let xml = entity(&format!(
        r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://sp.example.com/soap"/>
<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sp.example.com/slo"/>{POST_ACS}"#
    ));
    let md = parse(&xml).unwrap();
    assert_eq!(md.slo.len(), 2);
    assert_eq!(
        md.to_service_provider().slo_url.as_deref(),
        Some("https://sp.example.com/slo")
    );
}

#[test]
fn slo_binding_is_redirect_where_offered_else_post() {
    let post = r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/slo/post"/>"#;
    let redirect = r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sp.example.com/slo/redirect"/>"#;
    let sp = |body: String| parse(&entity(&body)).unwrap().to_service_provider();

    let both = sp(format!("{post}\n{redirect}{POST_ACS}"));
    assert_eq!(both.slo_binding, Binding::Redirect);
    assert_eq!(
        both.slo_url.as_deref(),
        Some("https://sp.example.com/slo/redirect")
    );

    let only_post = sp(format!("{post}{POST_ACS}"));
    assert_eq!(only_post.slo_binding, Binding::Post);
    assert_eq!(
        only_post.slo_url.as_deref(),
        Some("https://sp.example.com/slo/post")
    );

    let none = sp(POST_ACS.to_owned());
    assert_eq!((none.slo_url, none.slo_binding), (None, Binding::Redirect));
}

#[test]
fn reads_every_acs_with_index_and_default() {
    let xml = entity(
        r#"
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.example.com/art" index="0"/>
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location=" https://sp.example.com/a " index=" 3 " isDefault="0"/>
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/b" index="7" isDefault="true"/>"#,
    );
    let md = parse(&xml).unwrap();
    let got: Vec<_> = md
        .acs
        .iter()
        .map(|e| (e.url.as_str(), e.index, e.is_default))
        .collect();
    assert_eq!(
        got,
        [
            ("https://sp.example.com/art", Some(0), None),
            ("https://sp.example.com/a", Some(3), Some(false)),
            ("https://sp.example.com/b", Some(7), Some(true)),
        ]
    );
    assert_eq!(
        md.to_service_provider()
            .default_acs()
            .map(|e| e.url.as_str()),
        Some("https://sp.example.com/b")
    );
    assert!(!md.authn_requests_signed);
    assert!(!md.want_assertions_signed);
}

#[test]
fn key_descriptor_without_use_is_both() {
    let xml = entity(&format!(
        r#"<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
{}
</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:KeyName>only a name</ds:KeyName></ds:KeyInfo></md:KeyDescriptor>{POST_ACS}"#,
        cert_b64()
    ));
    let md = parse(&xml).unwrap();
    assert_eq!(md.signing_certificates, [der(PYTHON_CERT)]);
    assert_eq!(md.encryption_certificates, [der(PYTHON_CERT)]);
}

#[test]
fn entities_descriptor_with_one_sp() {
    let xml = format!(
        r#"<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
  <EntityDescriptor entityID="https://idp.example.com"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>
  <EntitiesDescriptor>{}</EntitiesDescriptor>
</EntitiesDescriptor>"#,
        entity(POST_ACS)
    );
    let md = parse(&xml).unwrap();
    assert_eq!(md.entity_id, "https://sp.example.com/metadata");
}

#[test]
fn entities_descriptor_with_several_sps_is_refused() {
    let one = entity(POST_ACS);
    let two = one.replace("sp.example.com/metadata", "other.example.com/metadata");
    let xml = format!(
        r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">{one}{two}</md:EntitiesDescriptor>"#
    );
    let err = parse(&xml).unwrap_err();
    assert!(matches!(
        err,
        SpMetadataError::SeveralServiceProviders { count: 2, .. }
    ));
    let msg = err.to_string();
    assert!(msg.contains("holds 2"), "{msg}");
    assert!(msg.contains("https://other.example.com/metadata"), "{msg}");

    let empty = r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>"#;
    assert_eq!(parse(empty), Err(SpMetadataError::NoServiceProvider));
}

#[test]
fn not_metadata_is_refused() {
    let msg = parse("<html/>").unwrap_err().to_string();
    assert!(msg.contains("root element is html (no namespace)"), "{msg}");
    let msg = parse(r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:1.0:metadata"/>"#)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("not md:EntityDescriptor"), "{msg}");
    assert!(matches!(parse("not xml"), Err(SpMetadataError::Xml(_))));
    assert!(matches!(
        parse("<!DOCTYPE x><x/>"),
        Err(SpMetadataError::Xml(ReadError::Doctype))
    ));
}

#[test]
fn entity_without_id_or_sp_role_is_refused() {
    let xml = entity(POST_ACS).replace(r#"entityID="https://sp.example.com/metadata""#, "");
    assert_eq!(parse(&xml), Err(SpMetadataError::NoEntityId));
    let idp = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>"#;
    let msg = parse(idp).unwrap_err().to_string();
    assert_eq!(
            msg,
            "md:EntityDescriptor https://idp.example.com has no md:SPSSODescriptor: it does not describe a service provider"
        );
    let saml11 = entity(POST_ACS).replace(
        r#"protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol""#,
        r#"protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol""#,
    );
    assert!(matches!(parse(&saml11), Err(SpMetadataError::NoSaml2(_))));
}

#[test]
fn acs_errors_name_element_number_and_attribute() {
    let xml = entity(&format!(
        r#"{POST_ACS}<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" index="1"/>"#
    ));
    assert_eq!(
        parse(&xml).unwrap_err().to_string(),
        "AssertionConsumerService #2 has no Location"
    );
    let xml = entity(r#"<md:AssertionConsumerService Location="https://sp.example.com/acs"/>"#);
    assert_eq!(
        parse(&xml).unwrap_err().to_string(),
        "AssertionConsumerService #1 has no Binding"
    );
    let xml = entity(&POST_ACS.replace(r#"index="0""#, r#"index="-1""#));
    assert_eq!(
        parse(&xml).unwrap_err().to_string(),
        r#"AssertionConsumerService #1: index="-1" is not a whole number from 0 to 65535"#
    );
    let xml = entity(&POST_ACS.replace(r#"index="0""#, r#"isDefault="yes""#));
    assert!(parse(&xml)
        .unwrap_err()
        .to_string()
        .contains(r#"isDefault="yes" is not an xs:boolean"#));
    let xml = entity(&format!(
        r#"<md:SingleLogoutService Location="https://sp.example.com/slo"/>{POST_ACS}"#
    ));
    assert_eq!(
        parse(&xml).unwrap_err().to_string(),
        "SingleLogoutService #1 has no Binding"
    );
}

#[test]
fn bad_flags_and_key_descriptors_are_refused() {
    let xml = entity(POST_ACS).replace(
        "protocolSupportEnumeration=",
        r#"WantAssertionsSigned="True" protocolSupportEnumeration="#,
    );
    assert_eq!(
        parse(&xml).unwrap_err().to_string(),
        r#"SPSSODescriptor: WantAssertionsSigned="True" is not an xs:boolean (true, false, 1 or 0)"#
    );
    let key = |use_attr: &str, b64: &str| {
        entity(&format!(
            r#"<md:KeyDescriptor {use_attr}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>{POST_ACS}"#
        ))
    };
    let msg = parse(&key(r#"use="both""#, &cert_b64()))
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        r#"KeyDescriptor #1: use="both" is not signing or encryption"#
    );
    let msg = parse(&key("", "not base64!")).unwrap_err().to_string();
    assert!(
        msg.starts_with("KeyDescriptor #1: the ds:X509Certificate is not base64"),
        "{msg}"
    );
    let truncated = &cert_b64()[..400];
    let msg = parse(&key("", truncated)).unwrap_err().to_string();
    assert!(
        msg.starts_with("KeyDescriptor #1: the ds:X509Certificate is not an X.509 certificate"),
        "{msg}"
    );
}

#[test]
fn every_fixture_is_documented_and_parses() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sp-metadata");
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "xml") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                readme.contains(&format!("| `{name}` |")),
                "{name} has no row in README.md"
            );
            let md = parse(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(md.to_service_provider().default_acs().is_some(), "{name}");
            seen += 1;
        }
    }
    assert_eq!(seen, 4);
}

#[test]
fn an_sp_without_acs_parses_and_leaves_the_check_to_the_registry() {
    let md = parse(&entity("")).unwrap();
    assert!(md.acs.is_empty());
    assert!(md.to_service_provider().default_acs().is_none());
}
