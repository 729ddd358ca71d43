//! Unit tests of `salesforce`.

use super::*;
use crate::saml::dsig::SignatureAlgorithm;
use crate::saml::sp::Sign;

fn with(my_domain: &str, org_id: &str) -> PresetParams {
    PresetParams {
        my_domain: Some(my_domain.into()),
        org_id: Some(org_id.into()),
        ..params()
    }
}

#[test]
fn salesforce() {
    let sp = built(Preset::Salesforce, with("acme", "00D5g000004abcD"));
    assert_eq!(sp.entity_id, "https://acme.my.salesforce.com");
    assert_eq!(sp.name.as_deref(), Some("Salesforce (Service Cloud)"));
    assert_eq!(
        sp.acs,
        only_acs("https://acme.my.salesforce.com?so=00D5g000004abcD")
    );
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::UNSPECIFIED));
    assert_eq!(sp.name_id.source, Some(NameIdSource::Email));
    assert_eq!(sp.sign, Sign::Assertion);
    assert_eq!(sp.algorithms.signature, SignatureAlgorithm::RsaSha256);
    assert_eq!(sp.slo_url, None);
    assert_eq!(
        sent_attributes(&sp),
        pairs(&[
            ("User.Email", "alice@example.com"),
            ("displayName", "Alice Martin"),
            ("User.FirstName", "Alice"),
            ("User.LastName", "Martin"),
        ])
    );
    // A sandbox's My Domain has a second label.
    let sp = built(Preset::Salesforce, with("acme--uat.sandbox", "00D1"));
    assert_eq!(
        sp.acs[0].url,
        "https://acme--uat.sandbox.my.salesforce.com?so=00D1"
    );
}

#[test]
fn salesforce_errors() {
    let e = refused(
        Preset::Salesforce,
        PresetParams {
            my_domain: Some("acme".into()),
            ..params()
        },
    );
    assert_eq!(e.parameter(), "org_id");
    assert!(matches!(e, PresetError::Missing { .. }));
    let e = refused(Preset::Salesforce, with("acme.my.salesforce.com", "00D1"));
    assert_eq!(e.parameter(), "my_domain");
    assert!(e.to_string().contains("give the name alone"), "{e}");
    let e = refused(Preset::Salesforce, with("acme..x", "00D1"));
    assert_eq!(e.parameter(), "my_domain");
    let e = refused(Preset::Salesforce, with("acme", "00D1&so=2"));
    assert_eq!(
        e.to_string(),
        r#"org_id "00D1&so=2" (for the salesforce preset) is not a Salesforce organisation ID: use only its letters and digits"#
    );
}
