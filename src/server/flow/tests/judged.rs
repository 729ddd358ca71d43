//! The judgement of a received request: made once, by judging, with the SP's settings and the
//! IdP's wish for signed requests; refused in strict mode where it must be.

use crate::saml::binding::Binding;
use crate::saml::request_signature::{Requirement, SignatureRefusal, SignatureStatus};
use crate::saml::sp::Policy;
use crate::server::flow::testkit::{self, ACS, REQUEST_ID, SP};
use crate::server::flow::{Classified, FaultKind};

use super::*;

#[test]
fn an_unsigned_request_is_judged_unsigned_and_not_required_by_default() {
    let state = testkit::state(Policy::Permissive);
    let (judged, destination) = testkit::received(SP, ACS).judge(&state).unwrap();
    assert_eq!(judged.judgement().verdict, SignatureStatus::Unsigned);
    assert_eq!(judged.judgement().required, None);
    assert_eq!(judged.judgement().sp, SP);
    assert_eq!(judged.request().id, REQUEST_ID);
    assert_eq!(judged.binding(), Binding::Post);
    assert!(judged.redirect_query().is_none());
    assert!(destination.sp.is_some());
    assert_eq!(destination.resolution.target.acs_url, ACS);
}

#[test]
fn want_signed_requests_judges_an_unsigned_request_as_such() {
    let state = testkit::state(Policy::Permissive).with_signed_requests(true);
    let (judged, _) = testkit::received(SP, ACS).judge(&state).unwrap();
    let judgement = judged.judgement();
    assert_eq!(judgement.verdict, SignatureStatus::Unsigned);
    assert_eq!(judgement.required, Some(Requirement::Idp));
    assert!(matches!(
        judgement.refusal(),
        Some(SignatureRefusal::Unsigned(_))
    ));
    let warning = judgement.warning().unwrap();
    assert!(warning.contains("unsigned"), "{warning}");
    assert!(warning.contains("strict mode refuses it"), "{warning}");
}

#[test]
fn strict_mode_with_want_signed_requests_refuses_an_unsigned_request() {
    let state = testkit::state(Policy::Strict).with_signed_requests(true);
    let Err(e) = testkit::received(SP, ACS).judge(&state) else {
        panic!("an unsigned request was let through");
    };
    assert!(
        matches!(e, LoginError::Signature(SignatureRefusal::Unsigned(_))),
        "{e:?}"
    );
    assert_eq!(e.kind(), FaultKind::BadInput);
    assert_eq!(e.title(), "Request signature refused in strict mode");
}

#[test]
fn a_request_arriving_at_sso_keeps_its_raw_query() {
    let state = testkit::state(Policy::Permissive);
    let field = testkit::request(SP, ACS);
    let query = serde_urlencoded::to_string([("SAMLRequest", field.as_str())]).unwrap();
    let received = ReceivedRequest::arrived(Some(&field), Some(&query)).unwrap();
    let (judged, _) = received.judge(&state).unwrap();
    assert_eq!(judged.binding(), Binding::Redirect);
    assert_eq!(judged.redirect_query(), Some(query.as_str()));
}

#[test]
fn carried_fields_must_agree_with_the_redirect_query() {
    let field = testkit::request(SP, ACS);
    let query =
        serde_urlencoded::to_string([("SAMLRequest", field.as_str()), ("RelayState", "r1")])
            .unwrap();
    let (_, relay_state) =
        ReceivedRequest::carried(Some(&field), None, Some(&query), Some("r1")).unwrap();
    assert_eq!(relay_state.as_deref(), Some("r1"));
    let Err(e) = ReceivedRequest::carried(None, None, Some(&query), Some("r2")) else {
        panic!("a RelayState that differs from the query's was accepted");
    };
    assert!(matches!(e, LoginError::Malformed(_)), "{e:?}");
}

#[test]
fn no_saml_request_is_missing_request() {
    let Err(e) = ReceivedRequest::receive(Some("  "), None) else {
        panic!("an empty SAMLRequest was received");
    };
    assert!(matches!(e, LoginError::MissingRequest), "{e:?}");
}
