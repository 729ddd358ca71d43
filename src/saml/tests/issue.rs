//! Unit tests of `issue`.

use super::*;
use crate::saml::authn_request;
use crate::saml::dsig::tests::test_signer;
use crate::saml::dsig::verify_enveloped;
use crate::saml::dsig::SignatureAlgorithm;
use crate::saml::principal::Attribute;
use crate::saml::scenario::{attacker_signers, Keys, VALID};
use crate::saml::sp::{resolve_target, Policy};
use crate::saml::xml::reader::{parse, Limits};
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);

fn request(policy: &str) -> AuthnRequest {
    authn_request::parse(&format!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_req1" Version="2.0" IssueInstant="2026-01-02T03:04:00Z" Destination="https://idp.example/sso" AssertionConsumerServiceURL="https://sp.example/acs" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>https://sp.example/metadata</saml:Issuer>{policy}</samlp:AuthnRequest>"#
        ))
        .unwrap()
}

pub(crate) fn zoe() -> Principal {
    Principal {
        id: "zoe".into(),
        email: "zoe@globex.example".into(),
        display_name: "Zoë Łukasiewicz-Müller".into(),
        first_name: "Zoë".into(),
        last_name: "Łukasiewicz-Müller".into(),
        name_id: None,
        attributes: vec![
            Attribute {
                name: "groups".into(),
                values: vec!["admins".into(), "tier-2 & <up>".into()],
            },
            Attribute {
                name: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn".into(),
                values: vec!["zoe@globex.example".into()],
            },
        ],
    }
}

fn run(req: &AuthnRequest, profile: ResponseProfile) -> IssuedResponse {
    let signer = test_signer();
    let (attacker, cloned) = attacker_signers(&signer).unwrap();
    let idp = Idp {
        entity_id: "https://idp.example/metadata",
        adfs_entity_id: "http://idp.example/adfs/services/trust",
        keys: Keys {
            idp: &signer,
            attacker: &attacker,
            cloned: &cloned,
        },
        persistent_secret: b"k",
    };
    let target = resolve_target(Some(req), None, Policy::Permissive)
        .unwrap()
        .target;
    let principal = zoe();
    let login = Login {
        request: Some(req),
        target: &target,
        principal: &principal,
        profile: &profile,
        previous_request_id: None,
        session: None,
    };
    issue(&login, &idp, NOW, &mut SequentialIds::default(), &VALID).unwrap()
}

fn profile(sign: Sign, algorithm: SignatureAlgorithm) -> ResponseProfile {
    ResponseProfile {
        sign,
        algorithms: algorithm.into(),
        ..Default::default()
    }
}

/// Compares with `src/saml/testdata/<name>`; `UPDATE_GOLDEN=1` rewrites it.
fn golden(name: &str, actual: &str) {
    crate::saml::golden::Goldens {
        dir: "",
        extension: "",
        called: "the golden file",
    }
    .check(name, actual);
}

#[test]
fn default_response_matches_golden_and_both_signatures_verify() {
    let out = run(&request(""), ResponseProfile::default());
    golden("response-default.xml", &out.xml);
    let doc = parse(out.xml.as_bytes(), Limits::default()).unwrap();
    let key = test_signer().certificate().public_key().unwrap();
    verify_enveloped(&doc, "_id1", &key).unwrap();
    verify_enveloped(&doc, "_id3", &key).unwrap();
    assert_eq!(out.acs_url, "https://sp.example/acs");
    assert_eq!(out.request_id.as_deref(), Some("_req1"));
}

#[test]
fn each_signing_choice_and_algorithm_has_its_golden_file() {
    for sign in Sign::ALL {
        for algorithm in SignatureAlgorithm::RSA {
            let out = run(&request(""), profile(sign, algorithm));
            golden(
                &format!("response-{}-{}.xml", sign.id(), algorithm.id()),
                &out.xml,
            );
            let signatures = out.xml.matches("<ds:Signature ").count();
            let expected = usize::from(sign.assertion()) + usize::from(sign.response());
            assert_eq!(signatures, expected, "{}", sign.id());
        }
    }
}

#[test]
fn an_attribute_takes_the_name_format_its_sp_gives_and_the_others_keep_theirs() {
    let profile = ResponseProfile {
        attributes: AttributeMap {
            rename: vec![("email".into(), "User.Email".into())],
            ..AttributeMap::default()
        },
        attribute_name_formats: vec![
            ("User.Email".into(), ns::attrname::UNSPECIFIED.into()),
            ("groups".into(), "urn:example:attrname-format".into()),
            ("not-sent".into(), ns::attrname::URI.into()),
        ],
        ..ResponseProfile::default()
    };
    let out = run(&request(""), profile);
    golden("response-attribute-name-formats.xml", &out.xml);
    let doc = parse(out.xml.as_bytes(), Limits::default()).unwrap();
    let key = test_signer().certificate().public_key().unwrap();
    verify_enveloped(&doc, "_id3", &key).unwrap();
    let statement = doc
        .first(ns::ASSERTION, "Assertion")
        .and_then(|a| a.first(ns::ASSERTION, "AttributeStatement"))
        .unwrap();
    let attrs: Vec<_> = statement
        .elements()
        .map(|e| (e.attribute("Name").unwrap(), e.attribute("NameFormat")))
        .collect();
    assert_eq!(
        attrs,
        [
            ("User.Email", Some(ns::attrname::UNSPECIFIED)),
            ("displayName", Some(ns::attrname::BASIC)),
            ("firstName", Some(ns::attrname::BASIC)),
            ("lastName", Some(ns::attrname::BASIC)),
            ("groups", Some("urn:example:attrname-format")),
            (
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
                Some(ns::attrname::URI)
            ),
        ]
    );
    // The AD FS style writes none, unless the SP names one.
    let adfs_with = ResponseProfile {
        attribute_name_formats: vec![(ns::claims::EMAIL.into(), ns::attrname::URI.into())],
        ..adfs()
    };
    let out = run(&request(""), adfs_with);
    assert!(out.xml.contains(&format!(
        r#"Name="{}" NameFormat="{}""#,
        ns::claims::EMAIL,
        ns::attrname::URI
    )));
    assert_eq!(out.xml.matches("NameFormat=").count(), 1);
}

#[test]
fn the_response_carries_what_the_web_sso_profile_requires() {
    let out = run(&request(""), ResponseProfile::default());
    let doc = parse(out.xml.as_bytes(), Limits::default()).unwrap();
    assert_eq!(doc.attribute("InResponseTo"), Some("_req1"));
    assert_eq!(doc.attribute("Destination"), Some("https://sp.example/acs"));
    let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
    let subject = a.first(ns::ASSERTION, "Subject").unwrap();
    let name_id = subject.first(ns::ASSERTION, "NameID").unwrap();
    assert_eq!(name_id.text_content(), "zoe@globex.example");
    assert_eq!(name_id.attribute("Format"), Some(ns::nameid::EMAIL));
    let scd = subject
        .first(ns::ASSERTION, "SubjectConfirmation")
        .unwrap()
        .first(ns::ASSERTION, "SubjectConfirmationData")
        .unwrap();
    assert_eq!(scd.attribute("InResponseTo"), Some("_req1"));
    assert_eq!(scd.attribute("Recipient"), Some("https://sp.example/acs"));
    assert_eq!(scd.attribute("NotOnOrAfter"), Some("2026-01-02T03:09:05Z"));
    assert_eq!(scd.attribute("NotBefore"), None);
    let conditions = a.first(ns::ASSERTION, "Conditions").unwrap();
    assert_eq!(
        conditions.attribute("NotBefore"),
        Some("2026-01-02T03:02:05Z")
    );
    let audience = conditions
        .first(ns::ASSERTION, "AudienceRestriction")
        .unwrap()
        .first(ns::ASSERTION, "Audience")
        .unwrap();
    assert_eq!(audience.text_content(), "https://sp.example/metadata");
    let names: Vec<_> = a.elements().map(|e| e.name.local.as_ref()).collect();
    assert_eq!(
        names,
        [
            "Issuer",
            "Signature",
            "Subject",
            "Conditions",
            "AuthnStatement",
            "AttributeStatement"
        ]
    );
}

#[test]
fn an_unproducible_name_id_format_gets_invalid_name_id_policy_status_and_no_assertion() {
    let req = request(
        r#"<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:kerberos"/>"#,
    );
    let out = run(&req, ResponseProfile::default());
    assert_eq!(out.status.code, ns::status::REQUESTER);
    assert_eq!(
        out.status.sub_code.as_deref(),
        Some(ns::status::INVALID_NAME_ID_POLICY)
    );
    assert!(!out.xml.contains("Assertion"));
    golden("response-invalid-name-id-policy.xml", &out.xml);
}

#[test]
fn honours_the_requested_name_id_format() {
    let req = request(
        r#"<samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"/>"#,
    );
    let out = run(&req, ResponseProfile::default());
    assert!(out
        .xml
        .contains(r#"Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent""#));
    assert!(out
        .xml
        .contains(r#"SPNameQualifier="https://sp.example/metadata""#));
}

#[test]
fn asserts_the_requested_authn_class_when_password_protected_transport_is_not_asked() {
    let x509 = "urn:oasis:names:tc:SAML:2.0:ac:classes:X509";
    let req = request(&format!(
        r#"<samlp:RequestedAuthnContext><saml:AuthnContextClassRef>{x509}</saml:AuthnContextClassRef></samlp:RequestedAuthnContext>"#
    ));
    assert!(run(&req, ResponseProfile::default()).xml.contains(x509));
}

fn adfs() -> ResponseProfile {
    ResponseProfile {
        style: ResponseStyle::Adfs,
        sign: Sign::Assertion,
        algorithms: SignatureAlgorithm::RsaSha1.into(),
        ..Default::default()
    }
}

#[test]
fn adfs_style_matches_golden_and_its_assertion_signature_verifies() {
    let out = run(&request(""), adfs());
    golden("response-adfs-rsa-sha1.xml", &out.xml);
    let doc = parse(out.xml.as_bytes(), Limits::default()).unwrap();
    let key = test_signer().certificate().public_key().unwrap();
    let assertion = doc.first(ns::ASSERTION, "Assertion").unwrap();
    verify_enveloped(&doc, assertion.attribute("ID").unwrap(), &key).unwrap();
    assert_eq!(
        verify_enveloped(&doc, doc.attribute("ID").unwrap(), &key),
        Err(crate::saml::dsig::VerifyError::Unsigned)
    );
    assert!(out.xml.contains(r#"<Issuer xmlns="urn:oasis:names:tc:SAML:2.0:assertion">http://idp.example/adfs/services/trust</Issuer>"#));
    assert!(out
        .xml
        .contains(r#"<KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data>"#));
    assert!(out
        .xml
        .contains(r#"IssueInstant="2026-01-02T03:04:05.000Z""#));
}

/// The names along every path of the sample, as `{namespace}local` with a flag telling
/// whether the element was written with a prefix.
fn shape(el: &Element, path: &str, out: &mut Vec<String>) {
    let here = format!(
        "{path}/{{{}}}{}{}",
        el.name.ns.as_deref().unwrap_or(""),
        el.name.local,
        if el.name.prefix.is_some() {
            ""
        } else {
            " (unprefixed)"
        }
    );
    out.push(here.clone());
    for child in el.elements() {
        shape(child, &here, out);
    }
}

#[test]
fn adfs_style_has_the_structure_of_the_servicedesk_plus_sample() {
    let sample_xml = include_str!("../../../tests/fixtures/adfs/servicedesk-plus-response.xml");
    let sample = parse(sample_xml.as_bytes(), Limits::default()).unwrap();
    let ours = parse(run(&request(""), adfs()).xml.as_bytes(), Limits::default()).unwrap();
    let (mut want, mut got) = (Vec::new(), Vec::new());
    shape(&sample, "", &mut want);
    shape(&ours, "", &mut got);
    for path in &want {
        assert!(
            got.contains(path),
            "{path} is in the ADFS sample but not in ours:\n{got:#?}"
        );
    }
    // The same attributes on the Response and the Assertion, Consent included.
    for (a, b) in [
        (&sample, &ours),
        (
            sample.first(ns::ASSERTION, "Assertion").unwrap(),
            ours.first(ns::ASSERTION, "Assertion").unwrap(),
        ),
    ] {
        let names = |e: &Element| {
            let mut n: Vec<_> = e.attrs.iter().map(|(n, _)| n.local.clone()).collect();
            n.sort();
            n
        };
        assert_eq!(names(a), names(b));
    }
    // Children of the Assertion in the sample's order (ours adds the AttributeStatement
    // before the AuthnStatement, as Microsoft's published responses do).
    let order = |e: &Element| -> Vec<String> {
        e.first(ns::ASSERTION, "Assertion")
            .unwrap()
            .elements()
            .map(|c| c.name.local.to_string())
            .collect()
    };
    let mut ours_order = order(&ours);
    ours_order.retain(|n| n != "AttributeStatement");
    assert_eq!(order(&sample), ours_order);
    let a = ours.first(ns::ASSERTION, "Assertion").unwrap();
    let session_index = a
        .first(ns::ASSERTION, "AuthnStatement")
        .unwrap()
        .attribute("SessionIndex");
    assert_eq!(session_index, a.attribute("ID"));
    let statement = a.first(ns::ASSERTION, "AttributeStatement").unwrap();
    let attrs: Vec<_> = statement
        .elements()
        .map(|e| (e.attribute("Name").unwrap(), e.attribute("NameFormat")))
        .collect();
    assert!(attrs.contains(&(ns::claims::EMAIL, None)));
    assert!(attrs.contains(&(ns::claims::UPN, None)));
    assert!(attrs.contains(&(ns::claims::GIVEN_NAME, None)));
    assert!(attrs.contains(&(ns::claims::SURNAME, None)));
    assert!(
        attrs.contains(&(ns::claims::GROUP, None)),
        "zoe's groups become the Group claim"
    );
}
