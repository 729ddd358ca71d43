//! The registry loader's tests: what each step lays on, and every message a mistake gets, with
//! its file, line and field.

use super::*;
use crate::saml::dsig::Algorithms;
use crate::saml::dsig::{DigestAlgorithm, SignatureAlgorithm};
use crate::saml::ns;
use crate::saml::sp::Validity;
use crate::saml::sp::{AcsEndpoint, NameIdSource, ResponseStyle, Sign};
use crate::saml::xmlenc::{DataEncryption, KeyTransport};
use fields::SIGN_IDS;
use openssl::x509::X509;
use time::Duration;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    repo().join("tests/fixtures/sp-metadata")
}

fn ok(text: &str) -> Registry {
    match parse(text, "sps.yaml", &fixtures()) {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    }
}

fn err(text: &str) -> String {
    parse(text, "sps.yaml", &fixtures())
        .unwrap_err()
        .to_string()
}

fn assert_has(msg: &str, parts: &[&str]) {
    for p in parts {
        assert!(msg.contains(p), "{p:?} not in {msg:?}");
    }
}

fn der(pem_file: &str) -> Vec<u8> {
    let pem = std::fs::read(fixtures().join("keys").join(pem_file)).unwrap();
    X509::from_pem(&pem).unwrap().to_der().unwrap()
}

const PLAIN: &str = "\
service_providers:
  - entity_id: https://sp.example.com/metadata
    acs:
      - url: https://sp.example.com/acs
";

/// One SP whose other fields are `extra` (indented by four spaces).
fn one(extra: &str) -> String {
    format!("{PLAIN}{extra}")
}

#[test]
fn plain_sp_takes_defaults() {
    let r = ok(PLAIN);
    let sp = r.get("https://sp.example.com/metadata").unwrap();
    let mut expected = ServiceProvider::new("https://sp.example.com/metadata");
    expected.acs = vec![AcsEndpoint {
        url: "https://sp.example.com/acs".into(),
        binding: ns::binding::HTTP_POST.into(),
        index: None,
        is_default: None,
    }];
    assert_eq!(sp, &expected);
}

#[test]
fn every_field() {
    let text = r#"
service_providers:
  - entity_id: https://sp.example.com/metadata
    name: Example SP
    acs:
      - url: https://sp.example.com/acs
        index: 0
        default: true
      - url: https://sp.example.com/acs-redirect
        binding: redirect
        index: 1
      - url: https://sp.example.com/paos
        binding: urn:oasis:names:tc:SAML:2.0:bindings:PAOS
        index: 2
    slo_url: https://sp.example.com/slo
    name_id: { format: persistent, source: "attribute:employee_id" }
    audience: https://override.example.com
    sign: response
    signature_algorithm: rsa-sha512
    digest_algorithm: sha1
    attributes:
      drop: [locale]
      rename: { email: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", displayName: name }
      add: { department: Support, tags: [a, b], level: 3 }
    style: adfs
    validity: { assertion_seconds: 3600, confirmation_seconds: 60, not_before_skew_seconds: 0, session_seconds: 600 }
    authn_context: urn:federation:authentication:windows
    certificate: keys/python-sp.crt
"#;
    let r = ok(text);
    let sp = &r.all()[0];
    assert_eq!(sp.name.as_deref(), Some("Example SP"));
    let acs: Vec<_> = sp
        .acs
        .iter()
        .map(|e| (e.url.as_str(), e.binding.as_str(), e.index, e.is_default))
        .collect();
    assert_eq!(
        acs,
        [
            (
                "https://sp.example.com/acs",
                ns::binding::HTTP_POST,
                Some(0),
                Some(true)
            ),
            (
                "https://sp.example.com/acs-redirect",
                ns::binding::HTTP_REDIRECT,
                Some(1),
                None
            ),
            (
                "https://sp.example.com/paos",
                "urn:oasis:names:tc:SAML:2.0:bindings:PAOS",
                Some(2),
                None
            ),
        ]
    );
    assert_eq!(sp.slo_url.as_deref(), Some("https://sp.example.com/slo"));
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::PERSISTENT));
    assert_eq!(
        sp.name_id.source,
        Some(NameIdSource::Attribute("employee_id".into()))
    );
    assert_eq!(sp.audience.as_deref(), Some("https://override.example.com"));
    assert_eq!(sp.sign, Sign::Response);
    assert_eq!(
        sp.algorithms,
        Algorithms {
            signature: SignatureAlgorithm::RsaSha512,
            digest: DigestAlgorithm::Sha1
        }
    );
    assert_eq!(sp.attributes.drop, ["locale"]);
    assert_eq!(
        sp.attributes.rename,
        [
            (
                "email".to_owned(),
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress".to_owned()
            ),
            ("displayName".to_owned(), "name".to_owned())
        ]
    );
    let add: Vec<_> = sp
        .attributes
        .add
        .iter()
        .map(|(n, v)| (n.as_str(), v.join("|")))
        .collect();
    assert_eq!(
        add,
        [
            ("department", "Support".into()),
            ("tags", "a|b".into()),
            ("level", "3".into())
        ]
    );
    assert_eq!(sp.style, ResponseStyle::Adfs);
    assert_eq!(
        sp.validity,
        Validity {
            assertion: Duration::hours(1),
            confirmation: Duration::minutes(1),
            not_before_skew: Duration::ZERO,
            session: Duration::minutes(10),
        }
    );
    assert_eq!(sp.authn_context.as_deref(), Some(ns::AC_WINDOWS));
    assert_eq!(sp.certificate, Some(der("python-sp.crt")));
}

#[test]
fn digest_follows_the_signature_algorithm_unless_written() {
    let sp = ok(&one("    signature_algorithm: rsa-sha1\n")).all()[0].clone();
    assert_eq!(sp.algorithms, Algorithms::from(SignatureAlgorithm::RsaSha1));
    let sp = ok(&one("    digest_algorithm: sha512\n")).all()[0].clone();
    assert_eq!(sp.algorithms.signature, SignatureAlgorithm::default());
    assert_eq!(sp.algorithms.digest, DigestAlgorithm::Sha512);
}

#[test]
fn presets_from_yaml() {
    let text = r#"service_providers:
  - preset: desk
    site: mysite
  - preset: deskpro
    helpdesk: https://acme.deskpro.com
    n: 2
  - preset: servicedesk-plus
    org_id: 90000000000
    data_centre: eu
"#;
    let r = ok(text);
    let ids: Vec<_> = r.all().iter().map(|sp| sp.entity_id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "mysite",
            "https://acme.deskpro.com/saml/metadata/2.xml",
            "zoho.eu"
        ]
    );
    let zoho = r.get("zoho.eu").unwrap();
    assert_eq!(
        zoho.acs[0].url,
        "https://accounts.zoho.eu/signin/samlsp/90000000000"
    );
    assert_eq!(zoho.style, ResponseStyle::Adfs);
    assert_eq!(zoho.name.as_deref(), Some("ServiceDesk Plus (Zoho)"));
}

#[test]
fn saas_presets_from_yaml_take_numbers_as_written_and_stay_overridable() {
    let text = r#"service_providers:
  - preset: zendesk
    subdomain: acme
  - preset: freshworks
    subdomain: acme
    saml_id: 881543301655492912
  - preset: atlassian
    saml_id: a1b2c3d4
  - preset: servicenow
    instance: acme
  - preset: salesforce
    my_domain: acme
    org_id: 00D5g000004abcD
  - preset: hubspot
    portal_id: 1234567
  - preset: helpscout
    connection: acme
  - preset: zammad
    host: support.example.com
    name: Zammad (staging)
    sign: both
    slo_url: https://support.example.com/any/slo
"#;
    let r = ok(text);
    let acs: Vec<_> = r.all().iter().map(|sp| sp.acs[0].url.as_str()).collect();
    assert_eq!(
        acs,
        [
            "https://acme.zendesk.com/access/saml",
            "https://acme.myfreshworks.com/sp/SAML/881543301655492912/callback",
            "https://auth.atlassian.com/login/callback?connection=saml-a1b2c3d4",
            "https://acme.service-now.com/navpage.do",
            "https://acme.my.salesforce.com?so=00D5g000004abcD",
            "https://api.hubspot.com/login-api/v1/saml/acs?portalId=1234567",
            "https://helpscout.auth0.com/login/callback?connection=acme-sso-saml",
            "https://support.example.com/auth/saml/callback",
        ]
    );
    let zammad = r
        .get("https://support.example.com/auth/saml/metadata")
        .unwrap();
    assert_eq!(zammad.name.as_deref(), Some("Zammad (staging)"));
    assert_eq!(
        zammad.sign,
        Sign::Both,
        "the registry's word over the preset's"
    );
    assert_eq!(
        zammad.slo_url.as_deref(),
        Some("https://support.example.com/any/slo")
    );
    assert_eq!(
        r.get("https://acme.service-now.com").unwrap().acs.len(),
        2,
        "navpage.do and consumer.do"
    );
}

#[test]
fn saas_preset_errors_name_the_parameter_and_its_line() {
    let msg = err("service_providers:\n  - preset: hubspot\n    portal_id: 12x\n");
    assert_eq!(
        msg,
        r#"sps.yaml line 3: service_providers[0].portal_id: portal_id "12x" (for the hubspot preset) is not a HubSpot portal ID: give the digits after portalId="#
    );
    let msg = err("service_providers:\n  - preset: salesforce\n    my_domain: acme\n");
    assert_has(
        &msg,
        &["sps.yaml line 2: service_providers[0].preset: the salesforce preset needs `org_id`"],
    );
    let msg =
        err("service_providers:\n  - preset: zendesk\n    subdomain: acme\n    instance: acme\n");
    assert_eq!(
        msg,
        "sps.yaml line 4: service_providers[0].instance: `instance` is not a parameter of the zendesk preset (it takes subdomain)"
    );
}

#[test]
fn a_shared_parameter_without_a_preset_names_every_preset_taking_it() {
    let msg = err(&one("    host: support.example.com\n"));
    assert_eq!(
        msg,
        "sps.yaml line 5: service_providers[0].host: `host` is a parameter of the desk and zammad presets: add `preset: desk` or `preset: zammad`, or remove it"
    );
    let msg = err(&one("    subdomain: acme\n"));
    assert_has(
        &msg,
        &["`subdomain` is a parameter of the zendesk and freshworks presets"],
    );
    let msg = err(&one("    portal_id: 1\n"));
    assert_eq!(
        msg,
        "sps.yaml line 5: service_providers[0].portal_id: `portal_id` is a parameter of the hubspot preset: add `preset: hubspot`, or remove it"
    );
}

#[test]
fn layering_preset_then_metadata_then_fields() {
    // The preset says ADFS style and email NameID; the metadata replaces the entity ID,
    // ACS and certificate; the fields written win over both.
    let text = r#"service_providers:
  - preset: servicedesk-plus
    org_id: "123"
    metadata: node-saml.xml
    sign: both
    validity: { confirmation_seconds: 30 }
    name_id: { source: id }
"#;
    let sp = ok(text).all()[0].clone();
    assert_eq!(sp.entity_id, "https://node-sp.example/metadata");
    assert_eq!(sp.acs[0].url, "https://node-sp.example/acs");
    assert_eq!(sp.certificate, Some(der("node-sp-signing.crt")));
    assert!(sp.authn_requests_signed);
    assert_eq!(sp.name.as_deref(), Some("ServiceDesk Plus (Zoho)"));
    assert_eq!(sp.style, ResponseStyle::Adfs);
    assert_eq!(sp.sign, Sign::Both);
    assert_eq!(sp.validity.assertion, Duration::hours(1));
    assert_eq!(sp.validity.confirmation, Duration::seconds(30));
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert_eq!(sp.name_id.source, Some(NameIdSource::Id));

    // An explicit entity ID and ACS list win over the metadata's; an explicit certificate
    // over its KeyDescriptor.
    let text = r#"service_providers:
  - metadata: python3-saml.xml
    entity_id: https://renamed.example/metadata
    acs: [{ url: "https://renamed.example/acs" }]
    certificate: keys/node-sp-encryption.crt
"#;
    let sp = ok(text).all()[0].clone();
    assert_eq!(sp.entity_id, "https://renamed.example/metadata");
    assert_eq!(sp.acs.len(), 1);
    assert_eq!(sp.acs[0].url, "https://renamed.example/acs");
    assert_eq!(sp.certificate, Some(der("node-sp-encryption.crt")));
    assert_eq!(sp.slo_url.as_deref(), Some("https://python-sp.example/sls"));
}

#[test]
fn preset_attributes_are_replaced_per_list() {
    let text = r#"service_providers:
  - preset: deskpro
    helpdesk: https://acme.deskpro.com
    attributes: { add: { team: L1 } }
  - preset: deskpro
    helpdesk: https://acme.deskpro.com
    n: 2
    attributes: { rename: { displayName: full_name } }
"#;
    let r = ok(text);
    let first = &r.all()[0].attributes;
    assert_eq!(first.rename.len(), 3, "the preset's renames stay");
    assert_eq!(first.add, [("team".to_owned(), vec!["L1".to_owned()])]);
    let second = &r.all()[1].attributes;
    assert_eq!(
        second.rename,
        [("displayName".to_owned(), "full_name".to_owned())]
    );
}

#[test]
fn metadata_fills_the_sp() {
    let sp = ok("service_providers:\n  - metadata: python3-saml.xml\n").all()[0].clone();
    assert_eq!(sp.entity_id, "https://python-sp.example/metadata");
    assert_eq!(
        sp.default_acs().map(|e| e.url.as_str()),
        Some("https://python-sp.example/acs")
    );
    assert_eq!(sp.certificate, Some(der("python-sp.crt")));
    assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
    assert!(sp.want_assertions_signed);
    assert_eq!(sp.name, None);
}

#[test]
fn relative_paths_are_taken_from_the_file_s_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::copy(
        fixtures().join("node-saml.xml"),
        dir.path().join("sub/md.xml"),
    )
    .unwrap();
    let yaml = dir.path().join("sps.yaml");
    std::fs::write(&yaml, "service_providers:\n  - metadata: sub/md.xml\n").unwrap();
    let r = load(&yaml).unwrap();
    assert!(r.get("https://node-sp.example/metadata").is_some());
}

#[test]
fn metadata_errors_name_both_files() {
    let msg = err("service_providers:\n  - metadata: missing.xml\n");
    assert_has(
        &msg,
        &[
            "sps.yaml line 2: service_providers[0].metadata: cannot read ",
            "missing.xml",
            "os error",
        ],
    );
    let dir = tempfile::tempdir().unwrap();
    let md = dir.path().join("bad.xml");
    std::fs::write(
        &md,
        r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="x"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"/></md:SPSSODescriptor></md:EntityDescriptor>"#,
    )
    .unwrap();
    let e = parse(
        "service_providers:\n  - metadata: bad.xml\n",
        "sps.yaml",
        dir.path(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "sps.yaml line 2: service_providers[0].metadata: {}: AssertionConsumerService #1 has no Location",
            md.display()
        )
    );
    let msg = err("service_providers:\n  - metadata: https://sp.example.com/metadata\n");
    assert_has(&msg, &["line 2", "not fetched"]);
}

/// A metadata file whose endpoints the server would send browsers to, each Location
/// refused at load the way `slo_url:` and `acs:` are: the registry's file, line and field, the
/// metadata file, and which endpoint.
#[test]
fn a_metadata_endpoint_a_browser_must_not_be_sent_to_is_refused_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let md = |acs: &str, slo: &str| {
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://sp.example/md"><md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example/slo-post"/><md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="{slo}"/><md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{acs}" index="0"/></md:SPSSODescriptor></md:EntityDescriptor>"#
        )
    };
    let good = "https://sp.example/acs";
    for (name, acs, slo, what) in [
        (
            "js-slo.xml",
            good,
            "javascript:fetch('/inspector')",
            "SingleLogoutService #2: Location=\"javascript:fetch('/inspector')\" is not an absolute http(s) URL",
        ),
        (
            "crlf-slo.xml",
            good,
            "https://sp.example/slo&#13;&#10;Set-Cookie: a=b",
            "SingleLogoutService #2: Location=\"https://sp.example/slo\\r\\nSet-Cookie: a=b\" contains a control character",
        ),
        (
            "js-acs.xml",
            "javascript:alert(1)",
            "https://sp.example/slo",
            "AssertionConsumerService #1: Location=\"javascript:alert(1)\" is not an absolute http(s) URL",
        ),
        (
            "idn-slo.xml",
            good,
            "https://sp.example/déconnexion",
            "SingleLogoutService #2: Location=\"https://sp.example/déconnexion\" contains a character outside ASCII",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, md(acs, slo)).unwrap();
        let text = format!("service_providers:\n  - name: x\n    metadata: {name}\n");
        let e = parse(&text, "sps.yaml", dir.path()).unwrap_err().to_string();
        assert_has(
            &e,
            &[
                "sps.yaml line 3: service_providers[0].metadata: ",
                &path.display().to_string(),
                what,
            ],
        );
    }
    // The same endpoints, fit for a browser, load.
    std::fs::write(
        dir.path().join("fine.xml"),
        md(good, "https://sp.example/slo"),
    )
    .unwrap();
    let r = parse(
        "service_providers:\n  - metadata: fine.xml\n",
        "sps.yaml",
        dir.path(),
    )
    .unwrap();
    let sp = r.get("https://sp.example/md").unwrap();
    assert_eq!(sp.slo_url.as_deref(), Some("https://sp.example/slo"));
}

#[test]
fn slo_url_and_acs_pass_the_one_url_check() {
    for (extra, why) in [
        (
            "    slo_url: \"javascript:alert(1)\"\n",
            "is not an absolute http(s) URL",
        ),
        (
            "    slo_url: \"https://sp.example.com/slo\\r\\nX: y\"\n",
            "contains a control character",
        ),
        ("    slo_url: https://sp.example.com/ü\n", "outside ASCII"),
    ] {
        let msg = err(&one(extra));
        assert_has(&msg, &["line 5", "service_providers[0].slo_url", why]);
    }
    let msg = err("service_providers:\n  - entity_id: x\n    acs:\n      - url: \"https://sp.example.com/acs\\n\"\n");
    assert_has(
        &msg,
        &[
            "line 4",
            "service_providers[0].acs[0].url",
            "control character",
        ],
    );
}

#[test]
fn want_signed_requests_overrides_the_metadata() {
    assert!(!ok(PLAIN).all()[0].authn_requests_signed);
    let sp = ok(&one("    want_signed_requests: true\n")).all()[0].clone();
    assert!(sp.authn_requests_signed);
    // node-saml.xml says AuthnRequestsSigned="true"; the field written wins.
    let text = "service_providers:\n  - metadata: node-saml.xml\n    want_signed_requests: false\n";
    assert!(!ok(text).all()[0].authn_requests_signed);
    assert_has(
        &err(&one("    want_signed_requests: maybe\n")),
        &["want_signed_requests"],
    );
}

#[test]
fn certificate_inline_pem_and_files() {
    let pem = std::fs::read_to_string(fixtures().join("keys/node-sp-signing.crt")).unwrap();
    let indented: String = pem.lines().map(|l| format!("      {l}\n")).collect();
    let sp = ok(&one(&format!("    certificate: |\n{indented}"))).all()[0].clone();
    assert_eq!(sp.certificate, Some(der("node-sp-signing.crt")));

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sp.der"), der("python-sp.crt")).unwrap();
    let sp = parse(&one("    certificate: sp.der\n"), "sps.yaml", dir.path()).unwrap();
    assert_eq!(sp.all()[0].certificate, Some(der("python-sp.crt")));
}

#[test]
fn encryption_block_certificate_algorithms_and_switch() {
    use crate::saml::sp::Encryption;
    let sp = ok(&one(
        "    encryption:\n      certificate: keys/node-sp-encryption.crt\n      data: aes128-gcm\n      key_transport: rsa-oaep\n",
    ))
    .all()[0]
        .clone();
    assert_eq!(
        sp.encryption,
        Encryption {
            certificate: Some(der("node-sp-encryption.crt")),
            data: DataEncryption::Aes128Gcm,
            key_transport: KeyTransport::RsaOaep,
            enabled: true,
        }
    );
    let pem = std::fs::read_to_string(fixtures().join("keys/python-sp.crt")).unwrap();
    let indented: String = pem.lines().map(|l| format!("        {l}\n")).collect();
    let sp = ok(&one(&format!(
        "    encryption:\n      enabled: false\n      certificate: |\n{indented}"
    )))
    .all()[0]
        .clone();
    assert_eq!(sp.encryption.certificate, Some(der("python-sp.crt")));
    assert!(!sp.encryption.enabled);
    assert_eq!(sp.encryption.data, DataEncryption::Aes256Cbc);
    assert_eq!(sp.encryption.key_transport, KeyTransport::RsaOaepMgf1p);
}

#[test]
fn metadata_gives_the_encryption_certificate_and_an_empty_block_switches_it_on() {
    let from_md = |extra: &str| {
        ok(&format!(
            "service_providers:\n  - metadata: node-saml.xml\n{extra}"
        ))
        .all()[0]
            .clone()
            .encryption
    };
    let e = from_md("");
    assert_eq!(e.certificate, Some(der("node-sp-encryption.crt")));
    assert_eq!(e.data, DataEncryption::Aes256Gcm);
    assert!(!e.enabled);
    let e = from_md("    encryption: {}\n");
    assert!(e.enabled);
    assert_eq!(e.data, DataEncryption::Aes256Gcm);
    let e = from_md("    encryption: { data: aes256-cbc }\n");
    assert_eq!(e.data, DataEncryption::Aes256Cbc);
    assert!(e.enabled);
}

#[test]
fn encryption_errors_say_what_to_give() {
    let msg = err(&one("    encryption: { data: aes256-gcm }\n"));
    assert_has(
        &msg,
        &[
            "sps.yaml line 5: service_providers[0].encryption: no encryption certificate",
            "`certificate`",
            "KeyDescriptor use=\"encryption\"",
        ],
    );
    let with_cert = |more: &str| {
        err(&one(&format!(
            "    encryption:\n      certificate: keys/python-sp.crt\n{more}"
        )))
    };
    assert_has(
        &with_cert("      data: tripledes-cbc\n"),
        &[
            "line 7",
            "service_providers[0].encryption.data: \"tripledes-cbc\" is not one of aes128-cbc, aes256-cbc, aes128-gcm, aes256-gcm",
        ],
    );
    assert_has(
        &with_cert("      key_transport: rsa-1_5\n"),
        &[
            "line 7",
            "service_providers[0].encryption.key_transport: \"rsa-1_5\" is not one of rsa-oaep-mgf1p, rsa-oaep",
        ],
    );
    assert_has(
        &with_cert("      key: x\n"),
        &["line 7", "unknown field `key`"],
    );
    let msg = err(&one("    encryption:\n      certificate: nope.crt\n"));
    assert_has(
        &msg,
        &[
            "line 6",
            "service_providers[0].encryption.certificate",
            "cannot read",
        ],
    );
}

#[test]
fn an_encryption_certificate_must_hold_an_rsa_key() {
    let dir = tempfile::tempdir().unwrap();
    let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
    let key =
        openssl::pkey::PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap();
    let mut b = openssl::x509::X509Builder::new().unwrap();
    b.set_pubkey(&key).unwrap();
    let now = openssl::asn1::Asn1Time::days_from_now(0).unwrap();
    b.set_not_before(&now).unwrap();
    b.set_not_after(&now).unwrap();
    b.sign(&key, openssl::hash::MessageDigest::sha256())
        .unwrap();
    std::fs::write(dir.path().join("ec.crt"), b.build().to_pem().unwrap()).unwrap();
    let msg = parse(
        &one("    encryption:\n      certificate: ec.crt\n"),
        "sps.yaml",
        dir.path(),
    )
    .unwrap_err()
    .to_string();
    assert_has(
        &msg,
        &[
            "line 6",
            "service_providers[0].encryption.certificate: the certificate's key is not RSA",
        ],
    );
}

#[test]
fn bad_certificates_name_their_source() {
    let msg = err(&one(
        "    certificate: |\n      -----BEGIN CERTIFICATE-----\n      AAAA\n      -----END CERTIFICATE-----\n",
    ));
    assert_has(
        &msg,
        &[
            "sps.yaml line 5: service_providers[0].certificate: the inline PEM block is not an X.509 certificate",
        ],
    );
    let msg = err(&one("    certificate: keys/python-sp.key\n"));
    assert_has(
        &msg,
        &[
            "line 5",
            "service_providers[0].certificate",
            "python-sp.key is not an X.509 certificate",
        ],
    );
    let msg = err(&one("    certificate: nope.crt\n"));
    assert_has(&msg, &["line 5", "cannot read", "nope.crt", "os error"]);
}

#[test]
fn unknown_enum_values_list_the_allowed_ones() {
    let cases = [
        (
            "    sign: maybe\n",
            r#"sps.yaml line 5: service_providers[0].sign: "maybe" is not one of assertion, response, both, none"#,
        ),
        (
            "    style: okta\n",
            r#"sps.yaml line 5: service_providers[0].style: "okta" is not one of standard, adfs"#,
        ),
        (
            "    signature_algorithm: rsa-md5\n",
            r#"sps.yaml line 5: service_providers[0].signature_algorithm: "rsa-md5" is not one of rsa-sha1, rsa-sha256, rsa-sha384, rsa-sha512, ecdsa-sha256"#,
        ),
        (
            "    digest_algorithm: md5\n",
            r#"sps.yaml line 5: service_providers[0].digest_algorithm: "md5" is not one of sha1, sha256, sha384, sha512"#,
        ),
        (
            "    name_id:\n      format: mail\n",
            r#"sps.yaml line 6: service_providers[0].name_id.format: "mail" is not one of email, persistent, transient, unspecified, x509 or a URN"#,
        ),
        (
            "    name_id: { source: \"attribute:\" }\n",
            r#"sps.yaml line 5: service_providers[0].name_id.source: "attribute:" is not one of email, id, persistent, transient or attribute:<name>"#,
        ),
        (
            "    preset: kayako\n",
            r#"sps.yaml line 5: service_providers[0].preset: "kayako" is not one of atlassian, desk, deskpro, freshworks, helpscout, hubspot, salesforce, servicedesk-plus, servicenow, zammad, zendesk"#,
        ),
    ];
    for (extra, expected) in cases {
        assert_eq!(err(&one(extra)), expected);
    }
    let msg = err(&PLAIN.replace(
        "      - url: https://sp.example.com/acs\n",
        "      - url: https://sp.example.com/acs\n        binding: artifact\n",
    ));
    assert_eq!(
        msg,
        r#"sps.yaml line 5: service_providers[0].acs[0].binding: "artifact" is not one of post, redirect or a binding URN"#
    );
}

#[test]
fn sign_ids_cover_every_variant() {
    let mut listed = SIGN_IDS.to_vec();
    let mut all: Vec<_> = Sign::ALL.iter().map(|s| s.id()).collect();
    listed.sort_unstable();
    all.sort_unstable();
    assert_eq!(listed, all);
}

#[test]
fn acs_urls_must_be_absolute_http() {
    let msg = err(&PLAIN.replace("https://sp.example.com/acs", "/acs"));
    assert_eq!(
        msg,
        r#"sps.yaml line 4: service_providers[0].acs[0].url: "/acs" is not an absolute http(s) URL"#
    );
    let msg = err(&PLAIN.replace("https://sp.example.com/acs", "https:///acs"));
    assert_has(&msg, &["line 4", "acs[0].url", "no host"]);
    let msg = err(&one("    slo_url: ftp://sp.example.com/slo\n"));
    assert_has(&msg, &["line 5", "service_providers[0].slo_url", "http(s)"]);
}

#[test]
fn an_sp_needs_an_http_post_acs() {
    let msg = err(&PLAIN.replace(
        "      - url: https://sp.example.com/acs\n",
        "      - url: https://sp.example.com/acs\n        binding: redirect\n",
    ));
    assert_eq!(
        msg,
        "sps.yaml line 4: service_providers[0].acs: https://sp.example.com/metadata has no HTTP-POST AssertionConsumerService: a service provider must have one, since responses are posted to it"
    );
    let msg = err("service_providers:\n  - entity_id: x\n    name: X\n");
    assert_has(
        &msg,
        &["sps.yaml line 2: service_providers[0]: x (X) has no HTTP-POST"],
    );
    let msg =
        err(&one("    acs: []\n")
            .replace("    acs:\n      - url: https://sp.example.com/acs\n", ""));
    assert_has(
        &msg,
        &["line 3", "service_providers[0].acs", "no HTTP-POST"],
    );
}

#[test]
fn duplicate_acs_index_is_rejected() {
    let text = "\
service_providers:
  - entity_id: https://sp.example.com/metadata
    acs:
      - url: https://sp.example.com/a
        index: 1
      - url: https://sp.example.com/b
        index: 1
";
    assert_eq!(
        err(text),
        "sps.yaml line 7: service_providers[0].acs[1].index: index 1 is used twice (also by endpoint #1 line 5): each ACS endpoint needs its own"
    );
}

#[test]
fn duplicate_entity_ids_name_both_lines() {
    let text = "\
service_providers:
  - entity_id: mysite
    acs: [{ url: https://a.example/acs }]
  - preset: desk
    site: mysite
";
    assert_eq!(
        err(text),
        r#"sps.yaml line 4: service_providers[1].preset: duplicate entity ID "mysite", already used by service_providers[0].entity_id line 2"#
    );
    let text = "\
service_providers:
  - metadata: node-saml.xml
  - metadata: node-saml-defaults.xml
";
    assert_has(
        &err(text),
        &[
            "line 3: service_providers[1].metadata: duplicate entity ID",
            "service_providers[0].metadata line 2",
        ],
    );
}

#[test]
fn entity_id_is_required_and_not_blank() {
    let msg =
        err("service_providers:\n  - name: Nobody\n    acs: [{url: https://a.example/acs}]\n");
    assert_eq!(
        msg,
        "sps.yaml line 2: service_providers[0]: no entity_id: give `entity_id`, a `preset` or a `metadata` file"
    );
    let msg = err(&PLAIN.replace("https://sp.example.com/metadata", "\"  \""));
    assert_eq!(
        msg,
        "sps.yaml line 2: service_providers[0].entity_id: must not be empty"
    );
    let msg = err(&PLAIN.replace("https://sp.example.com/metadata", "\"a\\x01b\""));
    assert_has(&msg, &["line 2", "U+0001"]);
}

#[test]
fn preset_parameter_errors_point_at_the_parameter() {
    let msg = err("service_providers:\n  - preset: desk\n");
    assert_has(
        &msg,
        &["sps.yaml line 2: service_providers[0].preset: the desk preset needs `site`"],
    );
    let msg = err(
        "service_providers:\n  - preset: servicedesk-plus\n    org_id: 1\n    data_centre: us\n",
    );
    assert_has(
        &msg,
        &[
            "sps.yaml line 4: service_providers[0].data_centre: data_centre \"us\"",
            "com, eu, in",
        ],
    );
    let msg =
        err("service_providers:\n  - preset: desk\n    site: a\n    helpdesk: https://x.example\n");
    assert_has(
        &msg,
        &[
            "line 4: service_providers[0].helpdesk: `helpdesk` is not a parameter of the desk preset",
        ],
    );
    let msg = err(&one("    site: mysite\n"));
    assert_eq!(
        msg,
        "sps.yaml line 5: service_providers[0].site: `site` is a parameter of the desk and atlassian presets: add `preset: desk` or `preset: atlassian`, or remove it"
    );
}

#[test]
fn validity_must_be_positive() {
    let msg = err(&one("    validity:\n      assertion_seconds: 0\n"));
    assert_has(
        &msg,
        &[
            "line 6",
            "service_providers[0].validity.assertion_seconds",
            "at least 1",
        ],
    );
    let msg = err(&one("    validity: { session_seconds: -5 }\n"));
    assert_has(
        &msg,
        &["line 5", "service_providers[0].validity.session_seconds"],
    );
}

#[test]
fn attribute_map_errors() {
    let msg = err(&one(
        "    attributes:\n      rename: { email: mail, email: e }\n",
    ));
    assert_has(
        &msg,
        &[
            "line 6",
            "service_providers[0].attributes.rename.email",
            "renamed twice",
        ],
    );
    let msg = err(&one(
        "    attributes:\n      add:\n        team: \"\\x02\"\n",
    ));
    assert_has(
        &msg,
        &[
            "line 7",
            "service_providers[0].attributes.add.team",
            "U+0002",
        ],
    );
    let msg = err(&one("    attributes:\n      drop: [\"\"]\n"));
    assert_has(
        &msg,
        &[
            "line 6",
            "service_providers[0].attributes.drop[0]",
            "must not be empty",
        ],
    );
}

#[test]
fn attribute_name_formats_by_short_name_or_uri() {
    let r = ok(&one(
        "    attributes:\n      rename: { email: User.Email }\n      name_format:\n        User.Email: unspecified\n        firstName: basic\n        lastName: uri\n        team: urn:example:format\n",
    ));
    let sp = &r.all()[0];
    let formats: Vec<_> = sp
        .attribute_name_formats
        .iter()
        .map(|(n, f)| (n.as_str(), f.as_str()))
        .collect();
    assert_eq!(
        formats,
        [
            ("User.Email", ns::attrname::UNSPECIFIED),
            ("firstName", ns::attrname::BASIC),
            ("lastName", ns::attrname::URI),
            ("team", "urn:example:format"),
        ]
    );
    assert_eq!(sp.attributes.rename.len(), 1, "the other lists stay");
    assert!(ok(PLAIN).all()[0].attribute_name_formats.is_empty());
}

#[test]
fn attribute_name_format_errors_name_line_and_attribute() {
    let msg = err(&one(
        "    attributes:\n      name_format:\n        email: plain\n",
    ));
    assert_has(
        &msg,
        &[
            "sps.yaml line 7",
            "service_providers[0].attributes.name_format.email",
            "\"plain\" is not one of basic, uri, unspecified or a URI",
        ],
    );
    let msg = err(&one(
        "    attributes:\n      name_format: { email: \"urn:a b\" }\n",
    ));
    assert_has(
        &msg,
        &[
            "line 6",
            "service_providers[0].attributes.name_format.email",
            "not one of",
        ],
    );
    let msg = err(&one(
        "    attributes:\n      name_format:\n        email: basic\n        email: uri\n",
    ));
    assert_has(
        &msg,
        &[
            "line 8",
            "service_providers[0].attributes.name_format.email",
            "listed twice",
        ],
    );
}

#[test]
fn a_default_relay_state_is_kept_as_written() {
    let r = ok(&one(
        "    relay_state: https://site.atlassian.net/?a=1&b=2\n",
    ));
    assert_eq!(
        r.all()[0].relay_state.as_deref(),
        Some("https://site.atlassian.net/?a=1&b=2")
    );
    assert_eq!(ok(PLAIN).all()[0].relay_state, None);
}

#[test]
fn a_default_relay_state_must_be_carriable() {
    let msg = err(&one("    relay_state: \"\"\n"));
    assert_has(
        &msg,
        &[
            "sps.yaml line 5",
            "service_providers[0].relay_state",
            "must not be empty",
        ],
    );
    let long = "x".repeat(crate::server::flow::login::MAX_RELAY_STATE + 1);
    let msg = err(&one(&format!("    name: A\n    relay_state: {long}\n")));
    assert_has(
        &msg,
        &[
            "sps.yaml line 6",
            "service_providers[0].relay_state",
            "is 8193 bytes; a RelayState carries at most 8192",
        ],
    );
    let msg = err(&one("    relay_state: \"a\\x07\"\n"));
    assert_has(
        &msg,
        &["line 5", "service_providers[0].relay_state", "U+0007"],
    );
    let msg = err(&one("    relay_state: [a]\n"));
    assert_has(
        &msg,
        &["line 5", "service_providers[0].relay_state", "invalid type"],
    );
}

#[test]
fn unknown_fields_and_wrong_types_name_line_and_field() {
    let msg = err(&one("    signing: both\n"));
    assert_has(
        &msg,
        &[
            "sps.yaml line 5",
            "service_providers[0]",
            "unknown field `signing`",
        ],
    );
    let msg = err(&one("    validity: { assertion: 5 }\n"));
    assert_has(&msg, &["line 5", "unknown field `assertion`"]);
    let msg =
        err(&one("    acs: yes\n")
            .replace("    acs:\n      - url: https://sp.example.com/acs\n", ""));
    assert_has(
        &msg,
        &["line 3", "service_providers[0].acs", "invalid type"],
    );
    let msg = err("sps:\n  - entity_id: a\n");
    assert_has(&msg, &["sps.yaml line 1", "unknown field `sps`"]);
    let msg = err("- entity_id: a\n");
    assert_has(
        &msg,
        &["line 1", "a mapping with a `service_providers:` list"],
    );
}

#[test]
fn syntax_error_names_line() {
    let msg = err(&one("    name: a: b\n"));
    assert_has(
        &msg,
        &["sps.yaml line 5 column", "mapping values are not allowed"],
    );
}

#[test]
fn a_file_listing_nothing_is_an_error() {
    for (text, line) in [
        ("", ""),
        ("# nothing yet\n", ""),
        ("service_providers: []\n", " line 1"),
        ("# none\nservice_providers:\n", " line 2"),
        ("{}\n", ""),
    ] {
        let e = parse(text, "sps.yaml", Path::new(".")).unwrap_err();
        assert!(matches!(e, SpsError::Empty { .. }), "{text:?}: {e}");
        assert_eq!(
            e.to_string(),
            format!("sps.yaml{line}: the file lists no service providers: list at least one under a top-level `service_providers:` key"),
            "{text:?}"
        );
    }
}

#[test]
fn read_failure_names_file_and_os_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.yaml");
    let msg = load(&path).unwrap_err().to_string();
    assert_has(&msg, &[&path.display().to_string(), "os error"]);
}

#[test]
fn shipped_examples_load() {
    let dir = repo().join("docs/examples");
    let mut loaded = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let registry = load(&path).unwrap_or_else(|e| panic!("{e}"));
            assert!(!registry.is_empty(), "{}", path.display());
            loaded += 1;
        }
    }
    assert!(loaded >= 5, "only {loaded} examples in {}", dir.display());
}

#[test]
fn slo_binding_from_the_field_or_the_metadata() {
    use crate::saml::binding::Binding;
    let binding = |text: &str| ok(text).all()[0].slo_binding;
    assert_eq!(binding(PLAIN), Binding::Redirect);
    let with = |b: &str| {
        one(&format!(
            "    slo_url: https://sp.example.com/slo\n    slo_binding: {b}\n"
        ))
    };
    assert_eq!(binding(&with("post")), Binding::Post);
    assert_eq!(binding(&with("redirect")), Binding::Redirect);
    assert_eq!(binding(&with(ns::binding::HTTP_POST)), Binding::Post);
    // node-saml's metadata offers logout only by HTTP-POST; a field still wins over it.
    let node = "service_providers:\n  - metadata: node-saml.xml\n";
    assert_eq!(binding(node), Binding::Post);
    assert_eq!(
        binding(&format!("{node}    slo_binding: redirect\n")),
        Binding::Redirect
    );
    let msg = err(&with("soap"));
    assert_has(
        &msg,
        &[
            "service_providers[0].slo_binding",
            "\"soap\"",
            "redirect, post",
        ],
    );
}
