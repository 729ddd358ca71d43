//! Addressing and correlation: a response meant for another SP, from another IdP, or answering
//! a request this SP never sent (saml-profiles 4.1.4.2, saml-core 3.2.2, saml-bindings 3.5.5.2).
//!
//! Every value is changed before signing, so the signatures stay valid: an SP that accepts one
//! of these checks the signature but not what it covers.

use super::{Expected, Family, Scenario, ShapeContext};
use crate::saml::response::ResponseSpec;

/// The entity ID of an SP other than the one logging in.
const OTHER_SP: &str = "https://other-sp.example/metadata";
/// The ACS URL of that other SP.
const OTHER_ACS: &str = "https://other-sp.example/acs";
/// The entity ID of an IdP other than this one.
const OTHER_IDP: &str = "https://other-idp.example/metadata";
/// A request ID no SP was ever sent by this IdP.
const UNKNOWN_REQUEST: &str = "_never-issued-request-id";

pub const ALL: &[Scenario] = &[
    Scenario {
        shape: Some(wrong_audience),
        ..Scenario::new(
            "wrong-audience",
            Family::Addressing,
            "Audience of another SP",
            "The AudienceRestriction names another SP (https://other-sp.example/metadata) instead of this SP's entity ID; everything else is right and the signatures are valid. An SP that accepts it would accept an assertion issued to any other SP of the same IdP.",
            "saml-core 2.5.1.4 (AudienceRestriction); saml-profiles 4.1.4.2",
            Expected::Reject("the assertion's audience is not this SP"),
        )
    },
    Scenario {
        shape: Some(no_audience),
        ..Scenario::new(
            "no-audience",
            Family::Addressing,
            "No AudienceRestriction",
            "Conditions carries its validity window but no AudienceRestriction at all, so the assertion does not say which SP it is for. The Web SSO profile requires one naming the SP.",
            "saml-profiles 4.1.4.2: the assertion MUST contain an AudienceRestriction naming the SP",
            Expected::Reject("the assertion has no AudienceRestriction"),
        )
    },
    Scenario {
        shape: Some(wrong_recipient),
        ..Scenario::new(
            "wrong-recipient",
            Family::Addressing,
            "Recipient of another SP",
            "The bearer SubjectConfirmationData Recipient is another SP's ACS URL (https://other-sp.example/acs); the response is still posted to this SP's ACS with the right Destination.",
            "saml-profiles 4.1.4.2 (bearer Recipient); saml-core 2.4.1.2",
            Expected::Reject("the subject confirmation's Recipient is not this SP's ACS URL"),
        )
    },
    Scenario {
        shape: Some(wrong_destination),
        ..Scenario::new(
            "wrong-destination",
            Family::Addressing,
            "Destination of another SP",
            "The Response's Destination is another SP's ACS URL (https://other-sp.example/acs) while the form still posts to this SP's ACS: a response captured at one SP and replayed to another.",
            "saml-core 3.2.2 (Destination); saml-bindings 3.5.5.2",
            Expected::Reject("the Destination is not this SP's ACS URL"),
        )
    },
    Scenario {
        shape: Some(empty_destination),
        ..Scenario::new(
            "empty-destination",
            Family::Addressing,
            "Empty Destination",
            "The Response carries Destination=\"\". A signed response posted with HTTP-POST must name the URL it was sent to; an empty value must not pass as a match.",
            "saml-bindings 3.5.5.2 (Destination required on signed messages); saml-core 3.2.2",
            Expected::Reject("the Destination is empty"),
        )
    },
    Scenario {
        shape: Some(wrong_issuer),
        ..Scenario::new(
            "wrong-issuer",
            Family::Addressing,
            "Issuer of another IdP",
            "The Response and the Assertion both name another IdP (https://other-idp.example/metadata) as Issuer, yet are signed with this IdP's key. An SP must check the Issuer against the IdP it trusts, not only the key.",
            "saml-profiles 4.1.4.2 (Issuer MUST be the IdP's entity ID); saml-core 2.2.5",
            Expected::Reject("the issuer is not the configured IdP"),
        )
    },
    Scenario {
        shape: Some(issuer_mismatch),
        ..Scenario::new(
            "issuer-mismatch",
            Family::Addressing,
            "Assertion issuer differs from the Response's",
            "The Response's Issuer is this IdP; the Assertion's Issuer is another IdP (https://other-idp.example/metadata). An SP that checks only the outer Issuer consumes an assertion from an issuer it never checked.",
            "saml-profiles 4.1.4.2; Lasso CVE-2021-28091 (assertions from different issuers)",
            Expected::Reject("the assertion's issuer is not the configured IdP"),
        )
    },
    Scenario {
        shape: Some(wrong_in_response_to),
        ..Scenario::new(
            "wrong-in-response-to",
            Family::Addressing,
            "InResponseTo of a request never sent",
            "The Response and the bearer SubjectConfirmationData both answer a request ID this SP never issued (_never-issued-request-id), as a response injected from another login would.",
            "saml-profiles 4.1.4.2 (InResponseTo MUST match the request); saml-core 3.2.2",
            Expected::Reject("InResponseTo does not match a request this SP sent"),
        )
    },
    Scenario {
        shape: Some(in_response_to_mismatch),
        ..Scenario::new(
            "in-response-to-mismatch",
            Family::Addressing,
            "Subject confirmation answers another request",
            "The Response's InResponseTo is the right request ID; the bearer SubjectConfirmationData's InResponseTo is a request ID this SP never issued. SPs must check the one in the assertion too.",
            "saml-profiles 4.1.4.2 (bearer InResponseTo)",
            Expected::Reject("the subject confirmation's InResponseTo does not match the request"),
        )
    },
    Scenario {
        shape: Some(unsolicited),
        ..Scenario::new(
            "unsolicited",
            Family::Addressing,
            "Unsolicited response after a request",
            "No InResponseTo anywhere (neither on the Response nor on the bearer confirmation), as in IdP-initiated login, although this SP did send a request. Shows whether the SP accepts unsolicited responses.",
            "saml-profiles 4.1.5 (unsolicited responses); saml-profiles 4.1.4.2",
            Expected::Policy("rejected by SPs that allow only SP-initiated login; accepted by SPs that allow IdP-initiated (unsolicited) responses"),
        )
    },
    Scenario {
        shape: Some(wrong_sp_name_qualifier),
        ..Scenario::new(
            "wrong-sp-name-qualifier",
            Family::Addressing,
            "NameID qualified for another SP",
            "The NameID's SPNameQualifier names another SP (https://other-sp.example/metadata): the identifier was issued for that SP, not this one.",
            "saml-core 2.2.2 (SPNameQualifier), 8.3.7; python3-saml SP_NAME_QUALIFIER_NAME_MISMATCH",
            Expected::Reject("the NameID's SPNameQualifier is not this SP"),
        )
    },
];

fn wrong_audience(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(c) = spec.assertion.as_mut().and_then(|a| a.conditions.as_mut()) {
        c.audiences = vec![OTHER_SP.to_owned()];
    }
}

fn no_audience(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(c) = spec.assertion.as_mut().and_then(|a| a.conditions.as_mut()) {
        c.audiences.clear();
    }
}

fn wrong_recipient(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(c) = spec
        .assertion
        .as_mut()
        .and_then(|a| a.confirmation.as_mut())
    {
        OTHER_ACS.clone_into(&mut c.recipient);
    }
}

fn wrong_destination(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    OTHER_ACS.clone_into(&mut spec.destination);
}

fn empty_destination(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    spec.destination.clear();
}

fn wrong_issuer(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    OTHER_IDP.clone_into(&mut spec.issuer);
    if let Some(a) = &mut spec.assertion {
        OTHER_IDP.clone_into(&mut a.issuer);
    }
}

fn issuer_mismatch(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(a) = &mut spec.assertion {
        OTHER_IDP.clone_into(&mut a.issuer);
    }
}

/// Sets the Response's InResponseTo to `response` and the bearer confirmation's to `subject`.
fn set_in_response_to(spec: &mut ResponseSpec, response: Option<&str>, subject: Option<&str>) {
    spec.in_response_to = response.map(str::to_owned);
    if let Some(c) = spec
        .assertion
        .as_mut()
        .and_then(|a| a.confirmation.as_mut())
    {
        c.in_response_to = subject.map(str::to_owned);
    }
}

fn wrong_in_response_to(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    set_in_response_to(spec, Some(UNKNOWN_REQUEST), Some(UNKNOWN_REQUEST));
}

fn in_response_to_mismatch(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(c) = spec
        .assertion
        .as_mut()
        .and_then(|a| a.confirmation.as_mut())
    {
        c.in_response_to = Some(UNKNOWN_REQUEST.to_owned());
    }
}

fn unsolicited(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    set_in_response_to(spec, None, None);
}

fn wrong_sp_name_qualifier(spec: &mut ResponseSpec, _: &ShapeContext<'_>) {
    if let Some(n) = spec.assertion.as_mut().and_then(|a| a.name_id.as_mut()) {
        n.sp_name_qualifier = Some(OTHER_SP.to_owned());
    }
}

/// Shared by the families whose scenarios change values before signing: compare a scenario's
/// response with the valid one, signatures aside.
#[cfg(test)]
pub(in crate::saml::scenario) mod tests {
    use super::super::{find, testkit, VALID};
    use crate::saml::issue::ResponseProfile;
    use crate::saml::ns;
    use crate::saml::sp::ResponseStyle;
    use crate::saml::xml::c14n::canonicalize;
    use crate::saml::xml::{Element, Node};

    /// Removes every ds:Signature, at any depth.
    pub(in crate::saml::scenario) fn strip_signatures(el: &mut Element) {
        el.children
            .retain(|n| !matches!(n, Node::Element(e) if e.name.is(ns::DSIG, "Signature")));
        for n in &mut el.children {
            if let Node::Element(e) = n {
                strip_signatures(e);
            }
        }
    }

    /// The descendant reached by following child elements with these local names.
    pub(in crate::saml::scenario) fn at<'a>(el: &'a mut Element, path: &[&str]) -> &'a mut Element {
        path.iter().fold(el, |el, local| {
            el.children
                .iter_mut()
                .find_map(|n| match n {
                    Node::Element(e) if e.name.local == *local => Some(e),
                    _ => None,
                })
                .unwrap_or_else(|| panic!("no {local} on the path {path:?}"))
        })
    }

    /// Removes the child elements of `el` named `local`.
    pub(in crate::saml::scenario) fn remove(el: &mut Element, local: &str) {
        el.children
            .retain(|n| !matches!(n, Node::Element(e) if e.name.local == local));
    }

    /// Removes the unprefixed attribute `local`.
    pub(in crate::saml::scenario) fn remove_attr(el: &mut Element, local: &str) {
        el.attrs.retain(|(n, _)| n.ns.is_some() || n.local != local);
    }

    /// Replaces the text content of `el`.
    pub(in crate::saml::scenario) fn set_text(el: &mut Element, text: &str) {
        el.children = vec![Node::Text(text.to_owned())];
    }

    /// The valid response, parsed and without its signatures.
    pub(in crate::saml::scenario) fn valid_unsigned() -> Element {
        let mut valid = testkit::doc(&testkit::run(&VALID).xml);
        strip_signatures(&mut valid);
        valid
    }

    /// Runs the scenario `id`; checks that the Response signature and, when there is an
    /// Assertion, the Assertion signature verify with the IdP key, and that signatures aside
    /// the response is the valid one with `edit` applied (and `edit` changes something).
    /// Returns the parsed response.
    pub(in crate::saml::scenario) fn shaped(id: &str, edit: impl FnOnce(&mut Element)) -> Element {
        let scenario = find(id).unwrap_or_else(|| panic!("no scenario {id}"));
        let doc = testkit::doc(&testkit::run(scenario).xml);
        testkit::verify(&doc, doc.attribute("ID").unwrap()).unwrap();
        if let Some(a) = doc.first(ns::ASSERTION, "Assertion") {
            testkit::verify(&doc, a.attribute("ID").unwrap()).unwrap();
        }
        let valid = valid_unsigned();
        let mut expected = valid.clone();
        edit(&mut expected);
        assert_ne!(
            canonicalize(&expected),
            canonicalize(&valid),
            "{id}: the edit changes nothing"
        );
        let mut actual = doc.clone();
        strip_signatures(&mut actual);
        assert_eq!(
            canonicalize(&actual),
            canonicalize(&expected),
            "{id} differs from the valid response in more than the intended way"
        );
        doc
    }

    #[test]
    fn signatures_stay_valid_in_the_adfs_style_too() {
        let adfs = ResponseProfile {
            style: ResponseStyle::Adfs,
            ..ResponseProfile::default()
        };
        let valid = testkit::run_with(&VALID, &adfs).xml;
        for s in super::ALL {
            let xml = testkit::run_with(s, &adfs).xml;
            assert_ne!(xml, valid, "{}", s.id);
            let doc = testkit::doc(&xml);
            testkit::verify(&doc, doc.attribute("ID").unwrap()).unwrap();
            let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
            testkit::verify(&doc, a.attribute("ID").unwrap()).unwrap();
        }
    }

    const SCD: &[&str] = &[
        "Assertion",
        "Subject",
        "SubjectConfirmation",
        "SubjectConfirmationData",
    ];

    #[test]
    fn wrong_audience_names_another_sp() {
        let doc = shaped("wrong-audience", |r| {
            let audience = at(
                r,
                &["Assertion", "Conditions", "AudienceRestriction", "Audience"],
            );
            set_text(audience, super::OTHER_SP);
        });
        let a = doc.first(ns::ASSERTION, "Assertion").unwrap();
        let audience = a
            .first(ns::ASSERTION, "Conditions")
            .and_then(|c| c.first(ns::ASSERTION, "AudienceRestriction"))
            .and_then(|r| r.first(ns::ASSERTION, "Audience"))
            .unwrap();
        assert_eq!(audience.text_content(), "https://other-sp.example/metadata");
        assert_ne!(audience.text_content(), testkit::SP);
    }

    #[test]
    fn no_audience_keeps_conditions_without_restriction() {
        let doc = shaped("no-audience", |r| {
            remove(at(r, &["Assertion", "Conditions"]), "AudienceRestriction")
        });
        let conditions = doc
            .first(ns::ASSERTION, "Assertion")
            .and_then(|a| a.first(ns::ASSERTION, "Conditions"))
            .unwrap();
        assert!(conditions.attribute("NotOnOrAfter").is_some());
        assert_eq!(conditions.elements().count(), 0);
    }

    #[test]
    fn wrong_recipient_changes_only_the_recipient() {
        shaped("wrong-recipient", |r| {
            at(r, SCD).set_attr("Recipient", super::OTHER_ACS)
        });
        // Still posted to this SP's ACS.
        let out = testkit::run(find("wrong-recipient").unwrap());
        assert_eq!(out.acs_url, testkit::ACS);
    }

    #[test]
    fn destinations_change_only_the_destination_and_the_post_target_stays() {
        for (id, destination) in [
            ("wrong-destination", "https://other-sp.example/acs"),
            ("empty-destination", ""),
        ] {
            let doc = shaped(id, |r| r.set_attr("Destination", destination));
            assert_eq!(doc.attribute("Destination"), Some(destination), "{id}");
            assert_eq!(testkit::run(find(id).unwrap()).acs_url, testkit::ACS);
        }
        let xml = testkit::run(find("empty-destination").unwrap()).xml;
        assert!(xml.starts_with(r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Destination="" ID="#));
    }

    #[test]
    fn wrong_issuer_changes_both_issuers_and_keeps_the_idp_signatures() {
        shaped("wrong-issuer", |r| {
            set_text(at(r, &["Issuer"]), super::OTHER_IDP);
            set_text(at(r, &["Assertion", "Issuer"]), super::OTHER_IDP);
        });
    }

    #[test]
    fn issuer_mismatch_changes_only_the_assertion_issuer() {
        let doc = shaped("issuer-mismatch", |r| {
            set_text(at(r, &["Assertion", "Issuer"]), super::OTHER_IDP)
        });
        assert_eq!(
            doc.first(ns::ASSERTION, "Issuer").unwrap().text_content(),
            testkit::IDP
        );
    }

    #[test]
    fn in_response_to_scenarios_answer_the_intended_requests() {
        let unknown = "_never-issued-request-id";
        shaped("wrong-in-response-to", |r| {
            r.set_attr("InResponseTo", unknown);
            at(r, SCD).set_attr("InResponseTo", unknown);
        });
        let doc = shaped("in-response-to-mismatch", |r| {
            at(r, SCD).set_attr("InResponseTo", unknown)
        });
        assert_eq!(doc.attribute("InResponseTo"), Some(testkit::REQUEST_ID));
    }

    #[test]
    fn unsolicited_has_no_in_response_to_anywhere() {
        shaped("unsolicited", |r| {
            remove_attr(r, "InResponseTo");
            remove_attr(at(r, SCD), "InResponseTo");
        });
        let out = testkit::run(find("unsolicited").unwrap());
        assert!(!out.xml.contains("InResponseTo"));
        assert_eq!(out.request_id, None);
    }

    #[test]
    fn wrong_sp_name_qualifier_qualifies_the_name_id_for_another_sp() {
        let doc = shaped("wrong-sp-name-qualifier", |r| {
            at(r, &["Assertion", "Subject", "NameID"]).set_attr("SPNameQualifier", super::OTHER_SP)
        });
        let name_id = doc
            .first(ns::ASSERTION, "Assertion")
            .and_then(|a| a.first(ns::ASSERTION, "Subject"))
            .and_then(|s| s.first(ns::ASSERTION, "NameID"))
            .unwrap();
        assert_eq!(name_id.text_content(), "alice@acme-support.example");
    }
}
