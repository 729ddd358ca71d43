//! Tests of the verdicts, the judgements and what strict mode refuses.
#![cfg(test)]

use super::*;

#[test]
fn verdicts_describe_themselves() {
    let valid = SignatureStatus::Valid {
        algorithm: SignatureAlgorithm::RsaSha256,
    };
    assert_eq!(valid.id(), "valid");
    assert!(valid.describe().contains("rsa-sha256"));
    let invalid: SignatureStatus = Err(RequestSignatureError::DigestMismatch).into();
    assert_eq!(invalid.id(), "invalid");
    assert!(invalid.describe().contains("changed after signing"));
    assert_eq!(
        SignatureStatus::from(Err(RequestSignatureError::Unsigned)).id(),
        "unsigned"
    );
    assert_eq!(
        RequestSignatureError::from(VerifyError::NoSuchId("x".into())),
        RequestSignatureError::Dsig(VerifyError::NoSuchId("x".into()))
    );
}

#[test]
fn message_verdicts_use_the_query_when_it_is_signed_and_the_xml_otherwise() {
    let query = redirect_fixtures()[0].text;
    let python = der(PYTHON_CERT);
    let node = der(NODE_CERT);
    assert!(message_verdict(Some(query), "<not-used/>", None, Some(&python)).is_valid());
    assert_eq!(
        message_verdict(Some(query), "<not-used/>", None, Some(&node)),
        SignatureStatus::Invalid {
            reason: RequestSignatureError::BadSignature.to_string()
        }
    );
    assert_eq!(
        message_verdict(Some(query), "<not-used/>", None, None),
        SignatureStatus::NoCertificate
    );
    let f = posted("python3-saml-post-rsa-sha256.xml");
    assert!(message_verdict(None, f.text, None, Some(&python)).is_valid());
    // A Redirect query without a signature: the XML's own signature is what counts.
    let unsigned_query = without(&without(query, "Signature"), "SigAlg");
    assert!(message_verdict(Some(&unsigned_query), f.text, None, Some(&python)).is_valid());
    assert!(matches!(
        message_verdict(None, &tamper_issuer(f.text), None, Some(&python)),
        SignatureStatus::Invalid { .. }
    ));
    assert!(matches!(
        message_verdict(None, f.text, None, Some(b"not a certificate")),
        SignatureStatus::Invalid { reason } if reason.contains("not usable")
    ));
}

#[test]
fn a_certificate_carried_in_the_request_is_never_used() {
    // node-saml's POST request carries node-sp.crt in its KeyInfo; checked against another
    // SP's certificate it is invalid, whatever KeyInfo holds.
    let f = posted("node-saml-post-rsa-sha256.xml");
    assert!(f.text.contains("X509Certificate"));
    assert!(matches!(
        message_verdict(None, f.text, None, Some(&der(PYTHON_CERT))),
        SignatureStatus::Invalid { .. }
    ));
    assert_eq!(
        message_verdict(None, f.text, None, None),
        SignatureStatus::NoCertificate
    );
}

fn judgement(verdict: SignatureStatus, required: Option<Requirement>) -> Judgement {
    Judgement {
        verdict,
        sp: "https://sp.example/metadata".into(),
        required,
    }
}

#[test]
fn strict_mode_refuses_invalid_and_missing_required_signatures() {
    let valid = SignatureStatus::Valid {
        algorithm: SignatureAlgorithm::RsaSha256,
    };
    let invalid = SignatureStatus::from(Err(RequestSignatureError::BadSignature));
    for required in [None, Some(Requirement::Sp), Some(Requirement::Idp)] {
        let j = judgement(valid.clone(), required);
        assert_eq!(j.refusal(), None);
        assert_eq!(j.warning(), None);
        let j = judgement(invalid.clone(), required);
        let refusal = j.refusal().unwrap().to_string();
        assert_eq!(
            refusal,
            "the AuthnRequest's signature is invalid: the signature does not verify with \
             the certificate registered for https://sp.example/metadata"
        );
        assert!(j.warning().unwrap().contains("strict mode refuses it"));
    }
    assert_eq!(judgement(SignatureStatus::Unsigned, None).refusal(), None);
    assert_eq!(judgement(SignatureStatus::Unsigned, None).warning(), None);
    let unsigned = judgement(SignatureStatus::Unsigned, Some(Requirement::Sp));
    assert!(unsigned
        .refusal()
        .unwrap()
        .to_string()
        .contains("https://sp.example/metadata is registered as signing its AuthnRequests"));
    assert!(judgement(SignatureStatus::Unsigned, Some(Requirement::Idp))
        .refusal()
        .unwrap()
        .to_string()
        .contains("WantAuthnRequestsSigned"));
    let unchecked = judgement(SignatureStatus::NoCertificate, None);
    assert_eq!(unchecked.refusal(), None);
    assert!(unchecked.warning().unwrap().contains("not checked"));
    assert!(matches!(
        judgement(SignatureStatus::NoCertificate, Some(Requirement::Sp)).refusal(),
        Some(SignatureRefusal::NoCertificate { .. })
    ));
    let sha1 = judgement(
        SignatureStatus::Valid {
            algorithm: SignatureAlgorithm::RsaSha1,
        },
        None,
    );
    assert_eq!(sha1.refusal(), None);
    assert!(sha1.warning().unwrap().contains("signed with rsa-sha1"));
}

#[test]
fn judgements_take_the_certificate_and_the_requirement_from_the_sp() {
    let query = redirect_fixtures()[0].text;
    let mut sp = ServiceProvider::new("https://python-sp.example/metadata");
    let j = Judgement::of(&sp.entity_id, Some(&sp), false, Some(query), "", None);
    assert_eq!(
        (j.verdict.clone(), j.required),
        (SignatureStatus::NoCertificate, None)
    );
    sp.certificate = Some(der(PYTHON_CERT));
    sp.authn_requests_signed = true;
    let j = Judgement::of(&sp.entity_id, Some(&sp), false, Some(query), "", None);
    assert!(j.verdict.is_valid());
    assert_eq!(j.required, Some(Requirement::Sp));
    assert_eq!(
        j.summary(),
        "valid: signed with rsa-sha256; verifies with the certificate registered for \
         https://python-sp.example/metadata"
    );
    let j = Judgement::of("https://stranger.example", None, true, None, "<x/>", None);
    assert_eq!(j.required, Some(Requirement::Idp));
    assert_eq!(
        j.verdict.id(),
        "invalid",
        "not XML a signature can be read from"
    );
}
