//! Unit tests of the seeds' presets (Desk.com, DeskPRO, ServiceDesk Plus).

use time::Duration;

use super::*;
use crate::saml::dsig::{DigestAlgorithm, SignatureAlgorithm};
use crate::saml::sp::{ResponseStyle, Sign, Validity};

#[test]
fn desk() {
    let sp = service_provider(
        Preset::Desk,
        &PresetParams {
            site: Some("mysite".into()),
            ..params()
        },
    )
    .unwrap();
    assert_eq!(sp.entity_id, "mysite");
    assert_eq!(sp.name.as_deref(), Some("Desk.com"));
    assert_eq!(
        sp.acs,
        [AcsEndpoint {
            url: "https://mysite.desk.com/auth/saml/acs".into(),
            binding: ns::binding::HTTP_POST.into(),
            index: Some(0),
            is_default: Some(true),
        }]
    );
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.name_id.source, Some(NameIdSource::Email));
    assert_eq!(sp.style, ResponseStyle::Standard);
    assert_eq!(sp.audience, None);
}

#[test]
fn desk_with_cname_keeps_the_site_name_as_entity_id() {
    let sp = service_provider(
        Preset::Desk,
        &PresetParams {
            site: Some("mysite".into()),
            host: Some("support.example.com".into()),
            ..params()
        },
    )
    .unwrap();
    assert_eq!(sp.entity_id, "mysite");
    assert_eq!(sp.acs[0].url, "https://support.example.com/auth/saml/acs");
}

#[test]
fn desk_errors() {
    let e = service_provider(Preset::Desk, &params()).unwrap_err();
    assert_eq!(e.parameter(), "site");
    assert!(
        e.to_string().starts_with("the desk preset needs `site`"),
        "{e}"
    );
    let e = service_provider(
        Preset::Desk,
        &PresetParams {
            site: Some("mysite.desk.com".into()),
            ..params()
        },
    )
    .unwrap_err();
    assert_eq!(e.parameter(), "site");
    assert!(e.to_string().contains("a CNAME goes in `host`"), "{e}");
    let e = service_provider(
        Preset::Desk,
        &PresetParams {
            site: Some("mysite".into()),
            host: Some("https://support.example.com".into()),
            ..params()
        },
    )
    .unwrap_err();
    assert_eq!(e.parameter(), "host");
    assert!(e.to_string().contains("without https://"), "{e}");
    let e = service_provider(
        Preset::Desk,
        &PresetParams {
            site: Some("mysite".into()),
            org_id: Some("1".into()),
            ..params()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "`org_id` is not a parameter of the desk preset (it takes site and host)"
    );
}

#[test]
fn deskpro() {
    let sp = service_provider(
        Preset::DeskPro,
        &PresetParams {
            helpdesk: Some("https://acme.deskpro.com/".into()),
            ..params()
        },
    )
    .unwrap();
    assert_eq!(sp.entity_id, "https://acme.deskpro.com/saml/metadata/1.xml");
    assert_eq!(sp.name.as_deref(), Some("DeskPRO"));
    assert_eq!(
        sp.default_acs().map(|e| e.url.as_str()),
        Some("https://acme.deskpro.com/login/authenticate-callback/1")
    );
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.name_id.source, Some(NameIdSource::Email));
    let renamed: Vec<_> = sp
        .attributes
        .rename
        .iter()
        .map(|(f, t)| (f.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        renamed,
        [
            ("displayName", "name"),
            ("firstName", "first_name"),
            ("lastName", "last_name")
        ]
    );

    let sp = service_provider(
        Preset::DeskPro,
        &PresetParams {
            helpdesk: Some("https://support.acme.example/deskpro".into()),
            n: Some(3),
            ..params()
        },
    )
    .unwrap();
    assert_eq!(
        sp.entity_id,
        "https://support.acme.example/deskpro/saml/metadata/3.xml"
    );
    assert_eq!(
        sp.acs[0].url,
        "https://support.acme.example/deskpro/login/authenticate-callback/3"
    );
}

#[test]
fn deskpro_attributes_are_what_agent_creation_reads() {
    use crate::saml::issue::attributes_of;
    use crate::saml::principal::Principal;
    let sp = service_provider(
        Preset::DeskPro,
        &PresetParams {
            helpdesk: Some("https://acme.deskpro.com".into()),
            ..params()
        },
    )
    .unwrap();
    let alice = Principal {
        id: "alice".into(),
        email: "alice@example.com".into(),
        display_name: "Alice Martin".into(),
        first_name: "Alice".into(),
        last_name: "Martin".into(),
        name_id: None,
        attributes: Vec::new(),
    };
    let sent: Vec<_> = attributes_of(&alice, sp.style, &sp.attributes)
        .into_iter()
        .map(|a| (a.name, a.values))
        .collect();
    let expect = |n: &str, v: &str| (n.to_owned(), vec![v.to_owned()]);
    assert_eq!(
        sent,
        [
            expect("email", "alice@example.com"),
            expect("name", "Alice Martin"),
            expect("first_name", "Alice"),
            expect("last_name", "Martin"),
        ]
    );
}

#[test]
fn deskpro_errors() {
    let e = service_provider(Preset::DeskPro, &params()).unwrap_err();
    assert_eq!(e.parameter(), "helpdesk");
    let bad = |helpdesk: &str, n: Option<u32>| {
        service_provider(
            Preset::DeskPro,
            &PresetParams {
                helpdesk: Some(helpdesk.into()),
                n,
                ..params()
            },
        )
        .unwrap_err()
    };
    let e = bad("acme.deskpro.com", None);
    assert_eq!(e.parameter(), "helpdesk");
    assert!(e.to_string().contains("is not an http(s) URL"), "{e}");
    assert_eq!(
        bad("https://acme.deskpro.com/?x=1", None).parameter(),
        "helpdesk"
    );
    let e = bad("https://acme.deskpro.com", Some(0));
    assert_eq!(e.parameter(), "n");
    assert_eq!(
        e.to_string(),
        r#"n "0" (for the deskpro preset) is not a SAML app number: DeskPRO numbers them from 1"#
    );
}

#[test]
fn servicedesk_plus() {
    let sp = service_provider(
        Preset::ServiceDeskPlus,
        &PresetParams {
            org_id: Some("90000000000".into()),
            ..params()
        },
    )
    .unwrap();
    assert_eq!(sp.entity_id, "zoho.com");
    assert_eq!(sp.name.as_deref(), Some("ServiceDesk Plus (Zoho)"));
    assert_eq!(
        sp.default_acs().map(|e| e.url.as_str()),
        Some("https://accounts.zoho.com/signin/samlsp/90000000000")
    );
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.style, ResponseStyle::Adfs);
    assert_eq!(sp.sign, Sign::Assertion);
    assert_eq!(sp.algorithms.signature, SignatureAlgorithm::RsaSha256);
    assert_eq!(sp.algorithms.digest, DigestAlgorithm::Sha256);
    assert_eq!(sp.validity.assertion, Duration::hours(1));
    assert_eq!(sp.validity.confirmation, Duration::minutes(5));
    assert_eq!(sp.validity.session, Validity::default().session);
}

#[test]
fn servicedesk_plus_data_centres() {
    let at = |dc: &str| {
        let sp = service_provider(
            Preset::ServiceDeskPlus,
            &PresetParams {
                org_id: Some("123".into()),
                data_centre: Some(dc.into()),
                ..params()
            },
        )
        .unwrap();
        (sp.entity_id, sp.acs[0].url.clone())
    };
    assert_eq!(
        at("eu"),
        (
            "zoho.eu".into(),
            "https://accounts.zoho.eu/signin/samlsp/123".into()
        )
    );
    assert_eq!(at("com.au").0, "zoho.com.au");
    assert_eq!(
        at("ca"),
        (
            "zohocloud.ca".into(),
            "https://accounts.zohocloud.ca/signin/samlsp/123".into()
        )
    );
    assert_eq!(
        at("sa"),
        (
            "zoho.sa".into(),
            "https://accounts.zoho.sa/signin/samlsp/123".into()
        )
    );
    assert_eq!(
        at("ae"),
        (
            "zoho.ae".into(),
            "https://accounts.zoho.ae/signin/samlsp/123".into()
        )
    );
    for dc in ZOHO_DATA_CENTRES {
        assert!(at(dc).0.ends_with(dc));
    }
}

#[test]
fn servicedesk_plus_errors() {
    let e = service_provider(Preset::ServiceDeskPlus, &params()).unwrap_err();
    assert_eq!(e.parameter(), "org_id");
    assert!(matches!(e, PresetError::Missing { .. }));
    let e = service_provider(
        Preset::ServiceDeskPlus,
        &PresetParams {
            org_id: Some("900/../x".into()),
            ..params()
        },
    )
    .unwrap_err();
    assert_eq!(e.parameter(), "org_id");
    let e = service_provider(
        Preset::ServiceDeskPlus,
        &PresetParams {
            org_id: Some("900".into()),
            data_centre: Some("us".into()),
            ..params()
        },
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"data_centre "us" (for the servicedesk-plus preset) is not one of com, eu, in, com.au, com.cn, jp, uk, ca, sa, ae"#
    );
}
