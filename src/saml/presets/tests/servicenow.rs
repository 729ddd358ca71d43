//! Unit tests of `servicenow`.

use super::*;
use crate::saml::sp::Sign;

fn with(instance: &str) -> PresetParams {
    PresetParams {
        instance: Some(instance.into()),
        ..params()
    }
}

#[test]
fn servicenow() {
    let sp = built(Preset::ServiceNow, with("acme"));
    assert_eq!(sp.entity_id, "https://acme.service-now.com");
    assert_eq!(sp.name.as_deref(), Some("ServiceNow"));
    assert_eq!(
        sp.acs,
        [
            AcsEndpoint {
                url: "https://acme.service-now.com/navpage.do".into(),
                binding: ns::binding::HTTP_POST.into(),
                index: Some(0),
                is_default: Some(true),
            },
            AcsEndpoint {
                url: "https://acme.service-now.com/consumer.do".into(),
                binding: ns::binding::HTTP_POST.into(),
                index: Some(1),
                is_default: None,
            },
        ]
    );
    assert_eq!(
        sp.default_acs().map(|e| e.url.as_str()),
        Some("https://acme.service-now.com/navpage.do")
    );
    assert_eq!(
        sp.slo_url.as_deref(),
        Some("https://acme.service-now.com/navpage.do")
    );
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.name_id.source, Some(NameIdSource::Email));
    assert_eq!(sp.sign, Sign::Assertion);
    assert_eq!(sp.attributes, AttributeMap::default());
}

#[test]
fn servicenow_errors() {
    let e = refused(Preset::ServiceNow, params());
    assert_eq!(
        e.to_string(),
        "the servicenow preset needs `instance`: the instance name, e.g. `acme` for acme.service-now.com"
    );
    let e = refused(Preset::ServiceNow, with("acme.service-now.com"));
    assert_eq!(e.parameter(), "instance");
    assert!(e.to_string().contains("give the name alone"), "{e}");
    let e = refused(Preset::ServiceNow, with("acme_dev"));
    assert_eq!(
        e.to_string(),
        r#"instance "acme_dev" (for the servicenow preset) is not a DNS label: use only letters, digits and inner hyphens, as in acme.service-now.com"#
    );
}
