//! Unit tests of `logout`.
#![cfg(test)]

use super::*;
use crate::saml::b64::STANDARD;
use crate::saml::binding::{self, MessageParam, QuerySigner};
use crate::saml::dsig::tests::test_signer;
use crate::saml::dsig::{verify_enveloped, SignatureAlgorithm, VerifyError};
use crate::saml::issue::{IdSource, SequentialIds};
use crate::saml::xml::c14n::write_document;
use crate::saml::xml::reader::parse;
use base64::Engine as _;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::sign::Verifier;
use time::macros::datetime;

const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);
const IDP: &str = "https://idp.example/metadata";
const SP: &str = "https://sp.example/metadata";

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/src/saml/testdata/logout/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn request_fixture(name: &str) -> LogoutRequest {
    parse_logout_request(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn response_fixture(name: &str) -> LogoutResponse {
    parse_logout_response(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Compares with `src/saml/testdata/logout/<name>`; `UPDATE_GOLDEN=1` rewrites it.
fn golden(name: &str, actual: &str) {
    crate::saml::golden::Goldens {
        dir: "logout",
        extension: "",
        called: "the golden file",
    }
    .check(name, actual);
}

fn test_key() -> PKey<Private> {
    PKey::private_key_from_pem(include_bytes!("../../../tests/fixtures/keys/test.key")).unwrap()
}

fn zoe() -> NameId {
    NameId {
        format: ns::nameid::EMAIL.into(),
        value: "zoe@globex.example".into(),
        name_qualifier: None,
        sp_name_qualifier: None,
    }
}

fn request_spec(ids: &mut dyn IdSource, now: OffsetDateTime) -> LogoutRequestSpec {
    LogoutRequestSpec {
        id: ids.next_id(),
        version: ns::VERSION_2_0.into(),
        issue_instant: now,
        destination: "https://sp.example/slo".into(),
        issuer: IDP.into(),
        name_id: NameId {
            format: ns::nameid::PERSISTENT.into(),
            value: "p-4f2a9c".into(),
            name_qualifier: Some(IDP.into()),
            sp_name_qualifier: Some(SP.into()),
        },
        session_indexes: vec![ids.next_id(), ids.next_id()],
        not_on_or_after: Some(now + time::Duration::minutes(5)),
        reason: Some(ns::logout_reason::USER.into()),
    }
}

fn response_spec(ids: &mut dyn IdSource, now: OffsetDateTime) -> LogoutResponseSpec {
    LogoutResponseSpec {
        id: ids.next_id(),
        version: ns::VERSION_2_0.into(),
        issue_instant: now,
        destination: "https://sp.example/slo".into(),
        in_response_to: Some("_sp-logout-1".into()),
        issuer: IDP.into(),
        status: StatusSpec::success(),
    }
}

fn signed(mut doc: Element, algorithm: SignatureAlgorithm) -> String {
    sign_logout_message(&mut doc, algorithm.into(), &test_signer()).unwrap();
    write_document(&doc)
}

fn public_key() -> PKey<openssl::pkey::Public> {
    test_signer().certificate().public_key().unwrap()
}

#[test]
fn parses_logout_requests_made_by_python3_saml() {
    let r = request_fixture("python3-saml-logout-request.xml");
    assert!(r.id.starts_with("ONELOGIN_"));
    assert_eq!(r.issuer, "https://python-sp.example/metadata");
    assert_eq!(r.destination.as_deref(), Some("http://127.0.0.1:8080/slo"));
    assert_eq!(
        r.name_id,
        LogoutNameId {
            value: "zoe@globex.example".into(),
            format: None,
            name_qualifier: None,
            sp_name_qualifier: None,
            sp_provided_id: None,
        }
    );
    assert_eq!(r.session_indexes, ["_id4"]);
    assert_eq!(
        (r.not_on_or_after, r.reason, r.has_signature),
        (None, None, false)
    );
    assert!(r.name_id.matches(&zoe()));

    let r = request_fixture("python3-saml-logout-request-persistent.xml");
    assert_eq!(r.name_id.value, "p-4f2a9c");
    assert_eq!(r.name_id.format.as_deref(), Some(ns::nameid::PERSISTENT));
    assert_eq!(
        r.name_id.name_qualifier.as_deref(),
        Some("http://127.0.0.1:8080/metadata")
    );
    assert_eq!(
        r.name_id.sp_name_qualifier.as_deref(),
        Some("https://python-sp.example/metadata")
    );
    assert_eq!(r.session_indexes, ["_id4"]);
}

#[test]
fn parses_logout_requests_made_by_node_saml() {
    let r = request_fixture("node-saml-logout-request.xml");
    assert_eq!(r.issuer, "https://node-sp.example/metadata");
    assert_eq!(r.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert!(r.name_id.matches(&zoe()));
    // node-saml writes the SessionIndex with its own prefix, saml2p.
    assert_eq!(r.session_indexes, ["_id4"]);

    let r = request_fixture("node-saml-logout-request-qualifiers.xml");
    assert_eq!(r.name_id.format.as_deref(), Some(ns::nameid::PERSISTENT));
    assert_eq!(
        r.name_id.sp_name_qualifier.as_deref(),
        Some("https://node-sp.example/metadata")
    );
    assert!(r.session_indexes.is_empty());
}

#[test]
fn parses_logout_responses_made_by_python3_saml_and_node_saml() {
    for (name, issuer) in [
        (
            "python3-saml-logout-response.xml",
            "https://python-sp.example/metadata",
        ),
        (
            "node-saml-logout-response.xml",
            "https://node-sp.example/metadata",
        ),
    ] {
        let r = response_fixture(name);
        assert_eq!(r.issuer, issuer, "{name}");
        assert_eq!(r.in_response_to.as_deref(), Some("_id1"), "{name}");
        assert_eq!(r.destination.as_deref(), Some("http://127.0.0.1:8080/slo"));
        assert_eq!(r.status, StatusSpec::success(), "{name}");
        assert!(!r.has_signature);
    }
    let r = response_fixture("node-saml-logout-response-failure.xml");
    assert_eq!(
        r.status,
        StatusSpec {
            code: ns::status::REQUESTER.into(),
            sub_code: Some(ns::status::UNKNOWN_PRINCIPAL.into()),
            message: None,
        }
    );
}

#[test]
fn every_fixture_is_documented_in_the_readme() {
    let readme = fixture("README.md");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/saml/testdata/logout");
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".xml") {
            assert!(
                readme.contains(&format!("`{name}`")),
                "{name} is not in README.md"
            );
        }
    }
}

const P: &str = r#"xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion""#;
const OK: &str = r#"ID="a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z""#;
const ISSUER: &str = "<saml:Issuer>sp</saml:Issuer>";
const NAME_ID: &str = "<saml:NameID>zoe</saml:NameID>";
const STATUS: &str = r#"<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>"#;

fn req(attrs: &str, body: &str) -> Result<LogoutRequest, LogoutError> {
    parse_logout_request(&format!(
        "<samlp:LogoutRequest {P} {attrs}>{body}</samlp:LogoutRequest>"
    ))
}

fn resp(attrs: &str, body: &str) -> Result<LogoutResponse, LogoutError> {
    parse_logout_response(&format!(
        "<samlp:LogoutResponse {P} {attrs}>{body}</samlp:LogoutResponse>"
    ))
}

#[test]
fn reads_not_on_or_after_reason_sp_provided_id_and_several_session_indexes() {
    let r = req(
            &format!(r#"{OK} NotOnOrAfter="2026-01-01T00:05:00Z" Reason="{}""#, ns::logout_reason::ADMIN),
            r#"<saml:Issuer> sp </saml:Issuer><samlp:Extensions/><saml:NameID SPProvidedID="x"> zoe </saml:NameID><samlp:SessionIndex>s1</samlp:SessionIndex><samlp:SessionIndex>s2</samlp:SessionIndex>"#,
        )
        .unwrap();
    assert_eq!(r.not_on_or_after, Some(datetime!(2026-01-01 00:05:00 UTC)));
    assert_eq!(r.reason.as_deref(), Some(ns::logout_reason::ADMIN));
    assert_eq!(r.issuer, "sp");
    assert_eq!(r.name_id.value, "zoe");
    assert_eq!(r.name_id.sp_provided_id.as_deref(), Some("x"));
    assert_eq!(r.session_indexes, ["s1", "s2"]);
}

#[test]
fn refuses_logout_requests_that_would_make_an_answer_wrong() {
    let body = format!("{ISSUER}{NAME_ID}");
    assert!(req(OK, &body).is_ok());
    assert_eq!(
        req(
            r#"Version="2.0" IssueInstant="2026-01-01T00:00:00Z""#,
            &body
        ),
        Err(LogoutError::MissingAttribute {
            element: "LogoutRequest",
            name: "ID"
        })
    );
    assert_eq!(
        req(r#"ID="a" IssueInstant="2026-01-01T00:00:00Z""#, &body),
        Err(LogoutError::MissingAttribute {
            element: "LogoutRequest",
            name: "Version"
        })
    );
    assert_eq!(
        req(r#"ID="a" Version="2.0""#, &body),
        Err(LogoutError::MissingAttribute {
            element: "LogoutRequest",
            name: "IssueInstant"
        })
    );
    assert_eq!(
        req(
            r#"ID="a" Version="1.1" IssueInstant="2026-01-01T00:00:00Z""#,
            &body
        ),
        Err(LogoutError::UnsupportedVersion {
            message: "LogoutRequest",
            version: "1.1".into()
        })
    );
    assert!(matches!(
        req(
            r#"ID="1a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z""#,
            &body
        ),
        Err(LogoutError::InvalidAttribute { name: "ID", .. })
    ));
    assert!(matches!(
        req(r#"ID="a" Version="2.0" IssueInstant="yesterday""#, &body),
        Err(LogoutError::InvalidAttribute {
            name: "IssueInstant",
            ..
        })
    ));
    assert!(matches!(
        req(&format!(r#"{OK} NotOnOrAfter="soon""#), &body),
        Err(LogoutError::InvalidAttribute {
            name: "NotOnOrAfter",
            ..
        })
    ));
    assert_eq!(
        req(OK, NAME_ID),
        Err(LogoutError::MissingElement {
            message: "LogoutRequest",
            element: "saml:Issuer"
        })
    );
    assert_eq!(
        req(OK, &format!("<saml:Issuer> </saml:Issuer>{NAME_ID}")),
        Err(LogoutError::Empty {
            message: "LogoutRequest",
            element: "saml:Issuer"
        })
    );
    assert_eq!(
        req(OK, &format!("{ISSUER}{ISSUER}{NAME_ID}")),
        Err(LogoutError::Duplicate {
            message: "LogoutRequest",
            element: "saml:Issuer"
        })
    );
    assert_eq!(
        req(OK, ISSUER),
        Err(LogoutError::MissingElement {
            message: "LogoutRequest",
            element: "saml:NameID"
        })
    );
    assert_eq!(
        req(OK, &format!("{ISSUER}<saml:NameID/>")),
        Err(LogoutError::Empty {
            message: "LogoutRequest",
            element: "saml:NameID"
        })
    );
    assert_eq!(
        req(OK, &format!("{ISSUER}{NAME_ID}{NAME_ID}")),
        Err(LogoutError::SeveralIdentifiers)
    );
    // Each SessionIndex is compared with every session of the principal: their number is capped.
    let index = "<samlp:SessionIndex>_i</samlp:SessionIndex>";
    let at_cap = index.repeat(MAX_SESSION_INDEXES);
    assert!(req(OK, &format!("{ISSUER}{NAME_ID}{at_cap}")).is_ok());
    let many = index.repeat(20_000);
    assert_eq!(
        req(OK, &format!("{ISSUER}{NAME_ID}{many}")),
        Err(LogoutError::TooManySessionIndexes(20_000))
    );
    let sig = r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"/>"#;
    assert_eq!(
        req(OK, &format!("{ISSUER}{sig}{sig}{NAME_ID}")),
        Err(LogoutError::Duplicate {
            message: "LogoutRequest",
            element: "ds:Signature"
        })
    );
    assert!(
        req(OK, &format!("{ISSUER}{sig}{NAME_ID}"))
            .unwrap()
            .has_signature
    );
    // A NameID in the protocol namespace is not the principal's identifier.
    assert!(matches!(
        req(OK, &format!("{ISSUER}<samlp:NameID>zoe</samlp:NameID>")),
        Err(LogoutError::MissingElement { .. })
    ));
}

#[test]
fn refuses_encrypted_and_base_identifiers_with_their_own_errors() {
    let encrypted = r#"<saml:EncryptedID><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedID>"#;
    let err = req(OK, &format!("{ISSUER}{encrypted}")).unwrap_err();
    assert_eq!(err, LogoutError::EncryptedId);
    assert!(err.to_string().contains("EncryptedID"));
    assert_eq!(
            req(OK, &format!("{ISSUER}<saml:BaseID xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"x\"/>")),
            Err(LogoutError::BaseId)
        );
    assert_eq!(
        req(OK, &format!("{ISSUER}{NAME_ID}{encrypted}")),
        Err(LogoutError::SeveralIdentifiers)
    );
}

#[test]
fn refuses_a_root_that_is_not_the_expected_message() {
    assert_eq!(
        parse_logout_request(&format!(
            "<samlp:AuthnRequest {P} {OK}>{ISSUER}</samlp:AuthnRequest>"
        )),
        Err(LogoutError::WrongRoot {
            expected: "LogoutRequest",
            found: format!("{{{}}}AuthnRequest", ns::PROTOCOL)
        })
    );
    assert!(matches!(
        parse_logout_response(&format!(
            "<samlp:LogoutRequest {P} {OK}>{ISSUER}{NAME_ID}</samlp:LogoutRequest>"
        )),
        Err(LogoutError::WrongRoot {
            expected: "LogoutResponse",
            ..
        })
    ));
    assert_eq!(
        parse_logout_request(r#"<LogoutRequest ID="a"/>"#),
        Err(LogoutError::WrongRoot {
            expected: "LogoutRequest",
            found: "LogoutRequest".into()
        })
    );
    assert!(matches!(
        parse_logout_request("<a"),
        Err(LogoutError::Xml(_))
    ));
    assert!(matches!(
        parse_logout_response(
            r#"<!DOCTYPE a [<!ENTITY x "y">]><samlp:LogoutResponse xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>"#
        ),
        Err(LogoutError::Xml(ReadError::Doctype))
    ));
}

#[test]
fn reads_status_codes_and_message_of_a_response() {
    let r = resp(
            &format!(r#"{OK} InResponseTo="_r1" Destination="https://idp/slo""#),
            &format!(
                r#"{ISSUER}<samlp:Status><samlp:StatusCode Value=" {} "><samlp:StatusCode Value="{}"/></samlp:StatusCode><samlp:StatusMessage>one SP did not answer</samlp:StatusMessage><samlp:StatusDetail/></samlp:Status>"#,
                ns::status::SUCCESS,
                ns::status::PARTIAL_LOGOUT
            ),
        )
        .unwrap();
    assert_eq!(r.in_response_to.as_deref(), Some("_r1"));
    assert_eq!(r.destination.as_deref(), Some("https://idp/slo"));
    assert_eq!(
        r.status,
        StatusSpec {
            code: ns::status::SUCCESS.into(),
            sub_code: Some(ns::status::PARTIAL_LOGOUT.into()),
            message: Some("one SP did not answer".into()),
        }
    );
    // InResponseTo is optional (an unsolicited response), Destination too.
    let r = resp(OK, &format!("{ISSUER}{STATUS}")).unwrap();
    assert_eq!((r.in_response_to, r.destination), (None, None));
}

#[test]
fn refuses_logout_responses_without_a_usable_status_or_issuer() {
    let missing = |element| LogoutError::MissingElement {
        message: "LogoutResponse",
        element,
    };
    assert_eq!(resp(OK, ISSUER), Err(missing("samlp:Status")));
    assert_eq!(
        resp(OK, &format!("{ISSUER}<samlp:Status/>")),
        Err(missing("samlp:StatusCode"))
    );
    assert_eq!(resp(OK, STATUS), Err(missing("saml:Issuer")));
    assert_eq!(
        resp(
            OK,
            &format!("{ISSUER}<samlp:Status><samlp:StatusCode/></samlp:Status>")
        ),
        Err(LogoutError::MissingAttribute {
            element: "samlp:StatusCode",
            name: "Value"
        })
    );
    assert_eq!(
        resp(OK, &format!("{ISSUER}{STATUS}{STATUS}")),
        Err(LogoutError::Duplicate {
            message: "LogoutResponse",
            element: "samlp:Status"
        })
    );
    let two_second_level = r#"<samlp:Status><samlp:StatusCode Value="a"><samlp:StatusCode Value="b"/><samlp:StatusCode Value="c"/></samlp:StatusCode></samlp:Status>"#;
    assert_eq!(
        resp(OK, &format!("{ISSUER}{two_second_level}")),
        Err(LogoutError::Duplicate {
            message: "LogoutResponse",
            element: "second-level samlp:StatusCode"
        })
    );
    assert_eq!(
        resp(
            r#"ID="a" Version="2.0" IssueInstant="2026-01-01T00:00:00Z""#,
            &format!("{ISSUER}{STATUS}")
        )
        .map(|r| r.id),
        Ok("a".into())
    );
    assert_eq!(
        resp(r#"ID="a" Version="2.0""#, &format!("{ISSUER}{STATUS}")),
        Err(LogoutError::MissingAttribute {
            element: "LogoutResponse",
            name: "IssueInstant"
        })
    );
}

#[test]
fn builds_children_in_schema_order_with_samlp_and_saml_prefixes() {
    let mut ids = SequentialIds::default();
    let xml = signed(
        build_logout_request(&request_spec(&mut ids, NOW)),
        SignatureAlgorithm::RsaSha256,
    );
    let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
    let names: Vec<_> = doc.elements().map(|e| e.name.qualified()).collect();
    assert_eq!(
        names,
        [
            "saml:Issuer",
            "ds:Signature",
            "saml:NameID",
            "samlp:SessionIndex",
            "samlp:SessionIndex"
        ]
    );
    assert!(xml.starts_with("<samlp:LogoutRequest xmlns:samlp="));
    let xml = signed(
        build_logout_response(&response_spec(&mut ids, NOW)),
        SignatureAlgorithm::RsaSha256,
    );
    let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
    let names: Vec<_> = doc.elements().map(|e| e.name.qualified()).collect();
    assert_eq!(names, ["saml:Issuer", "ds:Signature", "samlp:Status"]);
}

#[test]
fn round_trip_build_sign_write_parse_verify_for_every_algorithm() {
    for algorithm in SignatureAlgorithm::RSA {
        let mut ids = SequentialIds::default();
        let spec = request_spec(&mut ids, NOW);
        let xml = signed(build_logout_request(&spec), algorithm);
        assert!(xml.contains(algorithm.uri()));
        let parsed = parse_logout_request(&xml).unwrap();
        assert_eq!(
            parsed,
            LogoutRequest {
                id: spec.id.clone(),
                version: "2.0".into(),
                issue_instant: NOW,
                destination: Some(spec.destination.clone()),
                issuer: IDP.into(),
                not_on_or_after: spec.not_on_or_after,
                reason: spec.reason.clone(),
                name_id: LogoutNameId {
                    value: "p-4f2a9c".into(),
                    format: Some(ns::nameid::PERSISTENT.into()),
                    name_qualifier: Some(IDP.into()),
                    sp_name_qualifier: Some(SP.into()),
                    sp_provided_id: None,
                },
                session_indexes: spec.session_indexes.clone(),
                has_signature: true,
            }
        );
        assert!(parsed.name_id.matches(&spec.name_id));
        let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
        verify_enveloped(&doc, &spec.id, &public_key()).unwrap();

        let mut spec = response_spec(&mut ids, NOW);
        spec.status = StatusSpec {
            code: ns::status::RESPONDER.into(),
            sub_code: Some(ns::status::PARTIAL_LOGOUT.into()),
            message: Some("Zoë's session at 2 of 3 SPs ended & <one> did not answer".into()),
        };
        let xml = signed(build_logout_response(&spec), algorithm);
        let parsed = parse_logout_response(&xml).unwrap();
        assert_eq!(
            parsed,
            LogoutResponse {
                id: spec.id.clone(),
                version: "2.0".into(),
                issue_instant: NOW,
                destination: Some(spec.destination.clone()),
                in_response_to: spec.in_response_to.clone(),
                issuer: IDP.into(),
                status: spec.status.clone(),
                has_signature: true,
            }
        );
        let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
        verify_enveloped(&doc, &spec.id, &public_key()).unwrap();
        let tampered = xml.replace("2 of 3", "3 of 3");
        let doc = parse(tampered.as_bytes(), Limits::default()).unwrap();
        assert_eq!(
            verify_enveloped(&doc, &spec.id, &public_key()),
            Err(VerifyError::DigestMismatch)
        );
    }
}

#[test]
fn an_unsigned_message_has_no_signature_and_omits_what_is_not_set() {
    let mut ids = SequentialIds::default();
    let mut spec = request_spec(&mut ids, NOW);
    spec.not_on_or_after = None;
    spec.reason = None;
    spec.session_indexes.clear();
    spec.name_id = zoe();
    let xml = write_document(&build_logout_request(&spec));
    assert_eq!(
        xml,
        r#"<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Destination="https://sp.example/slo" ID="_id1" IssueInstant="2026-01-02T03:04:05Z" Version="2.0"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://idp.example/metadata</saml:Issuer><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">zoe@globex.example</saml:NameID></samlp:LogoutRequest>"#
    );
    let parsed = parse_logout_request(&xml).unwrap();
    assert!(!parsed.has_signature);
    let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
    assert_eq!(
        verify_enveloped(&doc, "_id1", &public_key()),
        Err(VerifyError::Unsigned)
    );
}

#[test]
fn logout_request_matches_golden() {
    let mut ids = SequentialIds::default();
    let xml = signed(
        build_logout_request(&request_spec(&mut ids, NOW)),
        SignatureAlgorithm::RsaSha256,
    );
    golden("logout-request.xml", &xml);
}

#[test]
fn logout_response_matches_golden() {
    let mut ids = SequentialIds::default();
    let xml = signed(
        build_logout_response(&response_spec(&mut ids, NOW)),
        SignatureAlgorithm::RsaSha256,
    );
    golden("logout-response.xml", &xml);
}

#[test]
fn name_id_matching_is_lenient_only_where_sp_libraries_drop_attributes() {
    let issued = NameId {
        format: ns::nameid::PERSISTENT.into(),
        value: "p-1".into(),
        name_qualifier: Some(IDP.into()),
        sp_name_qualifier: Some(SP.into()),
    };
    let stated = LogoutNameId {
        value: "p-1".into(),
        format: None,
        name_qualifier: None,
        sp_name_qualifier: None,
        sp_provided_id: None,
    };
    assert!(stated.matches(&issued));
    let with = |f: &dyn Fn(&mut LogoutNameId)| {
        let mut n = stated.clone();
        f(&mut n);
        n.matches(&issued)
    };
    assert!(with(&|n| n.format = Some(ns::nameid::UNSPECIFIED.into())));
    assert!(with(&|n| n.format = Some(ns::nameid::PERSISTENT.into())));
    assert!(with(&|n| n.sp_name_qualifier = Some(SP.into())));
    assert!(!with(&|n| n.value = "p-2".into()));
    assert!(!with(&|n| n.format = Some(ns::nameid::EMAIL.into())));
    assert!(!with(
        &|n| n.name_qualifier = Some("https://other-idp".into())
    ));
    assert!(!with(
        &|n| n.sp_name_qualifier = Some("https://other-sp".into())
    ));
}

/// Splits a query into its raw `name=value` pairs, as received (no decoding).
fn raw_pairs(query: &str) -> Vec<(&str, &str)> {
    query
        .split('&')
        .map(|p| p.split_once('=').unwrap())
        .collect()
}

/// Checks the Redirect signature as saml-bindings 3.4.4.1 says an SP does: over the bytes
/// of the query up to `&Signature=`, exactly as they arrived.
fn verify_query_signature(query: &str) -> Result<(), String> {
    let (signed_part, signature) = query
        .split_once("&Signature=")
        .ok_or("no Signature parameter")?;
    let decoded: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    let get = |name: &str| {
        decoded
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let sig_alg = get("SigAlg").ok_or("no SigAlg")?;
    let md = match sig_alg.as_str() {
        ns::alg::RSA_SHA1 => MessageDigest::sha1(),
        ns::alg::RSA_SHA256 => MessageDigest::sha256(),
        ns::alg::RSA_SHA384 => MessageDigest::sha384(),
        ns::alg::RSA_SHA512 => MessageDigest::sha512(),
        other => return Err(format!("unknown SigAlg {other}")),
    };
    let signature: Vec<(String, String)> =
        serde_urlencoded::from_str(&format!("s={signature}")).unwrap();
    let value = STANDARD
        .decode(&signature[0].1)
        .map_err(|e| e.to_string())?;
    let key = public_key();
    let mut v = Verifier::new(md, &key).unwrap();
    v.update(signed_part.as_bytes()).unwrap();
    if v.verify(&value).unwrap() {
        Ok(())
    } else {
        Err("the signature does not verify".into())
    }
}

#[test]
fn redirect_encoding_decodes_back_and_its_signature_verifies_over_the_exact_query() {
    let key = test_key();
    let mut ids = SequentialIds::default();
    let request = write_document(&build_logout_request(&request_spec(&mut ids, NOW)));
    let response = write_document(&build_logout_response(&response_spec(&mut ids, NOW)));
    for (xml, param) in [
        (&request, MessageParam::SamlRequest),
        (&response, MessageParam::SamlResponse),
    ] {
        for algorithm in SignatureAlgorithm::RSA {
            let relay = "https://sp.example/after logout?x=1&y=~é";
            let query = binding::encode_redirect(
                xml,
                param,
                Some(relay),
                Some((&key as &dyn QuerySigner, algorithm)),
            )
            .unwrap();
            let names: Vec<_> = raw_pairs(&query).into_iter().map(|(n, _)| n).collect();
            assert_eq!(names, [param.name(), "RelayState", "SigAlg", "Signature"]);
            let decoded: Vec<(String, String)> = serde_urlencoded::from_str(&query).unwrap();
            let message = binding::decode(&decoded[0].1).unwrap();
            assert_eq!(&message.xml, xml);
            assert_eq!(message.encoding, binding::Encoding::RawDeflate);
            assert_eq!(decoded[1].1, relay);
            assert_eq!(decoded[2].1, algorithm.uri());
            verify_query_signature(&query).unwrap();

            // One changed byte in the signed part, or the parameters re-encoded with
            // lowercase escapes, and the signature no longer verifies.
            let tampered = query.replacen("RelayState=https", "RelayState=http", 1);
            assert!(verify_query_signature(&tampered).is_err());
            let lowercase = query.replace("%3A", "%3a");
            assert!(verify_query_signature(&lowercase).is_err());
        }
    }
}

#[test]
fn an_unsigned_redirect_has_no_sig_alg_and_no_relay_state_unless_given() {
    let mut ids = SequentialIds::default();
    let xml = write_document(&build_logout_response(&response_spec(&mut ids, NOW)));
    let query = binding::encode_redirect(&xml, MessageParam::SamlResponse, None, None).unwrap();
    let names: Vec<_> = raw_pairs(&query).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["SAMLResponse"]);
    let decoded: Vec<(String, String)> = serde_urlencoded::from_str(&query).unwrap();
    assert_eq!(binding::decode(&decoded[0].1).unwrap().xml, xml);
}

/// Writes fresh signed messages for `src/saml/testdata/logout/check_interop.py`:
/// `LOGOUT_INTEROP_OUT=<dir> LOGOUT_INTEROP_NOW=<xs:dateTime> cargo test --lib
/// write_interop_samples -- --ignored`.
#[test]
#[ignore = "run by check_interop.py"]
fn write_interop_samples() {
    let out = std::path::PathBuf::from(std::env::var("LOGOUT_INTEROP_OUT").unwrap());
    let now =
        OffsetDateTime::parse(&std::env::var("LOGOUT_INTEROP_NOW").unwrap(), &Rfc3339).unwrap();
    let idp = "http://127.0.0.1:8080/metadata";
    let sp = "https://python-sp.example/metadata";
    let mut ids = SequentialIds::default();
    let mut request = request_spec(&mut ids, now);
    request.issuer = idp.into();
    request.destination = "https://python-sp.example/sls".into();
    request.name_id.name_qualifier = Some(idp.into());
    request.name_id.sp_name_qualifier = Some(sp.into());
    let mut response = response_spec(&mut ids, now);
    response.issuer = idp.into();
    response.destination = "https://python-sp.example/sls".into();
    response.in_response_to = Some("ONELOGIN_sp_request".into());
    let key = test_key();
    let write = |name: &str, text: &str| std::fs::write(out.join(name), text).unwrap();
    let request_doc = build_logout_request(&request);
    let response_doc = build_logout_response(&response);
    write(
        "logout-request-post.xml",
        &signed(request_doc.clone(), SignatureAlgorithm::RsaSha256),
    );
    write(
        "logout-response-post.xml",
        &signed(response_doc.clone(), SignatureAlgorithm::RsaSha256),
    );
    for (name, doc, param) in [
        ("logout-request", &request_doc, MessageParam::SamlRequest),
        ("logout-response", &response_doc, MessageParam::SamlResponse),
    ] {
        for algorithm in [SignatureAlgorithm::RsaSha1, SignatureAlgorithm::RsaSha256] {
            let query = binding::encode_redirect(
                &write_document(doc),
                param,
                Some("https://python-sp.example/bye?a=1&b=two words"),
                Some((&key as &dyn QuerySigner, algorithm)),
            )
            .unwrap();
            write(&format!("{name}-redirect-{}.query", algorithm.id()), &query);
        }
    }
    write("ids.txt", &format!("{}\n{}\n", request.id, response.id));
}
