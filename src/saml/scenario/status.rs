//! Status: signed error responses with no Assertion, and a "Success" with nothing in it
//! (saml-core 3.2.2.1, 3.2.2.2; saml-profiles 4.1.4.2).
//!
//! The Response is always signed, whatever the SP's signing settings, so that an SP cannot
//! reject these for a missing signature: the status alone must stop the login.

use super::{Expected, Family, Scenario, ShapeContext, SigningPlan};
use crate::saml::ns;
use crate::saml::response::{ResponseSpec, StatusSpec};

const NOT_SUCCESS: Expected = Expected::Reject("not a successful status; no session");

pub const ALL: &[Scenario] = &[
    Scenario {
        shape: Some(requester),
        signing: Some(sign_response),
        ..Scenario::new(
            "status-requester",
            Family::Status,
            "Status Requester",
            "A signed Response with the top-level status Requester (the request was at fault), a StatusMessage, and no Assertion. The SP must show an error and create no session.",
            "saml-core 3.2.2.2 (Requester)",
            NOT_SUCCESS,
        )
    },
    Scenario {
        shape: Some(responder),
        signing: Some(sign_response),
        ..Scenario::new(
            "status-responder",
            Family::Status,
            "Status Responder",
            "A signed Response with the top-level status Responder (the IdP could not answer), a StatusMessage, and no Assertion.",
            "saml-core 3.2.2.2 (Responder)",
            NOT_SUCCESS,
        )
    },
    Scenario {
        shape: Some(authn_failed),
        signing: Some(sign_response),
        ..Scenario::new(
            "status-authn-failed",
            Family::Status,
            "Authentication failed",
            "A signed Response with the status Responder / AuthnFailed (the user could not be authenticated), a StatusMessage, and no Assertion.",
            "saml-core 3.2.2.2 (AuthnFailed)",
            NOT_SUCCESS,
        )
    },
    Scenario {
        shape: Some(no_passive),
        signing: Some(sign_response),
        ..Scenario::new(
            "status-no-passive",
            Family::Status,
            "Passive login impossible",
            "A signed Response with the status Responder / NoPassive, the answer to an IsPassive request when the user has no session at the IdP, a StatusMessage, and no Assertion.",
            "saml-core 3.2.2.2 (NoPassive), 3.4.1 (IsPassive)",
            NOT_SUCCESS,
        )
    },
    Scenario {
        shape: Some(request_denied),
        signing: Some(sign_response),
        ..Scenario::new(
            "status-request-denied",
            Family::Status,
            "Request denied",
            "A signed Response with the status Responder / RequestDenied (the IdP refuses to answer, e.g. the user may not use this SP), a StatusMessage, and no Assertion.",
            "saml-core 3.2.2.2 (RequestDenied)",
            NOT_SUCCESS,
        )
    },
    Scenario {
        shape: Some(unknown_principal),
        signing: Some(sign_response),
        ..Scenario::new(
            "status-unknown-principal",
            Family::Status,
            "Unknown user",
            "A signed Response with the status Responder / UnknownPrincipal (the IdP does not know the user), a StatusMessage, and no Assertion.",
            "saml-core 3.2.2.2 (UnknownPrincipal)",
            NOT_SUCCESS,
        )
    },
    Scenario {
        shape: Some(success_no_assertion),
        signing: Some(sign_response),
        ..Scenario::new(
            "success-no-assertion",
            Family::Status,
            "Success without an assertion",
            "A signed Response whose status is Success but which carries no Assertion: nothing says who logged in. The SP must not treat the status alone as a login.",
            "saml-profiles 4.1.4.2: a successful Response MUST contain at least one Assertion",
            Expected::Reject("the response contains no assertion; no session"),
        )
    },
];

/// Signs the Response whatever the SP's settings say (there is no Assertion to sign).
fn sign_response(plan: &mut SigningPlan) {
    plan.response = true;
}

/// Replaces the status and drops the Assertion.
fn fail(spec: &mut ResponseSpec, code: &str, sub_code: Option<&str>, message: &str) {
    spec.status = StatusSpec {
        code: code.to_owned(),
        sub_code: sub_code.map(str::to_owned),
        message: Some(message.to_owned()),
    };
    spec.assertion = None;
}

fn requester(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    fail(
        spec,
        ns::status::REQUESTER,
        None,
        "The request could not be processed.",
    );
}

fn responder(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    fail(
        spec,
        ns::status::RESPONDER,
        None,
        "The identity provider could not process the request.",
    );
}

fn authn_failed(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    fail(
        spec,
        ns::status::RESPONDER,
        Some(ns::status::AUTHN_FAILED),
        "The user could not be authenticated.",
    );
}

fn no_passive(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    fail(
        spec,
        ns::status::RESPONDER,
        Some(ns::status::NO_PASSIVE),
        "The user cannot be authenticated without interaction.",
    );
}

fn request_denied(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    fail(
        spec,
        ns::status::RESPONDER,
        Some(ns::status::REQUEST_DENIED),
        "The identity provider refuses to answer this request.",
    );
}

fn unknown_principal(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    fail(
        spec,
        ns::status::RESPONDER,
        Some(ns::status::UNKNOWN_PRINCIPAL),
        "The user is not known to the identity provider.",
    );
}

fn success_no_assertion(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    spec.assertion = None;
}

#[cfg(test)]
mod tests {
    use super::super::addressing::tests::{at, remove, shaped};
    use super::super::{find, testkit};
    use crate::saml::issue::ResponseProfile;
    use crate::saml::ns;
    use crate::saml::sp::Sign;
    use crate::saml::xml::{Element, Name};

    fn samlp(local: &'static str) -> Element {
        Element::new(Name::prefixed("samlp", ns::PROTOCOL, local))
    }

    #[test]
    fn error_statuses_replace_the_status_and_drop_the_assertion() {
        for (id, code, sub_code) in [
            ("status-requester", ns::status::REQUESTER, None),
            ("status-responder", ns::status::RESPONDER, None),
            (
                "status-authn-failed",
                ns::status::RESPONDER,
                Some("urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"),
            ),
            (
                "status-no-passive",
                ns::status::RESPONDER,
                Some("urn:oasis:names:tc:SAML:2.0:status:NoPassive"),
            ),
            (
                "status-request-denied",
                ns::status::RESPONDER,
                Some("urn:oasis:names:tc:SAML:2.0:status:RequestDenied"),
            ),
            (
                "status-unknown-principal",
                ns::status::RESPONDER,
                Some("urn:oasis:names:tc:SAML:2.0:status:UnknownPrincipal"),
            ),
        ] {
            let out = testkit::run(find(id).unwrap());
            assert_eq!(out.status.code, code, "{id}");
            assert_eq!(out.status.sub_code.as_deref(), sub_code, "{id}");
            let message = out.status.message.clone().expect("a StatusMessage");
            let doc = shaped(id, |r| {
                remove(r, "Assertion");
                let mut status_code = samlp("StatusCode").attr("Value", code);
                if let Some(sub) = sub_code {
                    status_code = status_code.child(samlp("StatusCode").attr("Value", sub));
                }
                let status = at(r, &["Status"]);
                *status = samlp("Status")
                    .child(status_code)
                    .child(samlp("StatusMessage").text(message.as_str()));
            });
            assert!(doc.first(ns::ASSERTION, "Assertion").is_none(), "{id}");
            assert_eq!(doc.attribute("InResponseTo"), Some(testkit::REQUEST_ID));
        }
    }

    #[test]
    fn success_no_assertion_keeps_success_and_drops_the_assertion() {
        let doc = shaped("success-no-assertion", |r| remove(r, "Assertion"));
        let code = doc
            .first(ns::PROTOCOL, "Status")
            .and_then(|s| s.first(ns::PROTOCOL, "StatusCode"))
            .and_then(|c| c.attribute("Value"));
        assert_eq!(code, Some(ns::status::SUCCESS));
    }

    #[test]
    fn the_response_is_signed_even_when_the_sp_wants_only_assertions_signed() {
        let profile = ResponseProfile {
            sign: Sign::Assertion,
            ..ResponseProfile::default()
        };
        for s in super::ALL {
            let doc = testkit::doc(&testkit::run_with(s, &profile).xml);
            testkit::verify(&doc, doc.attribute("ID").unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", s.id));
        }
    }
}
