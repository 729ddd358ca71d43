//! Every registry in `docs/examples/` as a user would run it: `mock-idp --sps <file>` starts,
//! and each SP it registers gets, from `POST /api/idp-initiated`, a signed response addressed
//! to its default ACS byte for byte (query string included), for its entity ID. A preset's
//! example says in its header what the preset gives (`#   entity ID   <value>`,
//! `#   ACS         <url>`); those values are the first SP's, as written.

use std::path::PathBuf;

use mock_idp::saml::dsig::verify_enveloped;
use mock_idp::saml::ns;
use mock_idp::saml::sp::ServiceProvider;
use mock_idp::saml::xml::reader::{parse, Limits};
use mock_idp::saml::xml::Element;
use mock_idp::server::sps;
use openssl::pkey::{PKey, Public};
use openssl::x509::X509;
use serde_json::{json, Value};

use crate::common::server::Launch;
use crate::support::{client, decode_response, repo, Server};

/// The YAML files of `docs/examples/`, by name.
fn registries() -> Vec<PathBuf> {
    let dir = repo().join("docs/examples");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

fn key(s: &Server) -> PKey<Public> {
    let pem = std::fs::read(s.certs_dir().join("idp.crt")).unwrap();
    X509::from_pem(&pem).unwrap().public_key().unwrap()
}

/// The element at `path` below `e`, each step the first child of that name in the assertion
/// namespace.
fn below<'a>(e: &'a Element, path: &[&str]) -> Option<&'a Element> {
    path.iter()
        .try_fold(e, |at, local| at.first(ns::ASSERTION, local))
}

/// Logs alice in to `sp` IdP-initiated and checks the response: where it goes, for whom, and
/// that what the SP's settings sign is signed by the IdP's key.
fn answers(s: &Server, file: &str, sp: &ServiceProvider) {
    let who = format!("{file}: {}", sp.entity_id);
    let r = client()
        .post(s.url("/api/idp-initiated"))
        .json(&json!({"sp": sp.entity_id, "user": "alice"}))
        .send()
        .unwrap();
    let status = r.status().as_u16();
    let v: Value = r.json().unwrap();
    assert_eq!(status, 200, "{who}: {v}");
    let acs = &sp.default_acs().unwrap().url;
    assert_eq!(v["acs_url"].as_str(), Some(acs.as_str()), "{who}");
    let xml = decode_response(v["SAMLResponse"].as_str().unwrap());
    let doc = parse(xml.as_bytes(), Limits::default()).unwrap();
    assert_eq!(doc.attribute("Destination"), Some(acs.as_str()), "{who}");

    let key = key(s);
    let mut signatures = 0;
    if sp.sign.response() {
        verify_enveloped(&doc, doc.attribute("ID").unwrap(), &key)
            .unwrap_or_else(|e| panic!("{who}: the response's signature: {e}"));
        signatures += 1;
    }
    match doc.first(ns::ASSERTION, "Assertion") {
        Some(assertion) => {
            let audience = sp.audience.as_deref().unwrap_or(&sp.entity_id);
            let audience_at = ["Conditions", "AudienceRestriction", "Audience"];
            assert_eq!(
                below(assertion, &audience_at).map(Element::text_content),
                Some(audience.to_owned()),
                "{who}"
            );
            let confirmation_at = ["Subject", "SubjectConfirmation", "SubjectConfirmationData"];
            assert_eq!(
                below(assertion, &confirmation_at).and_then(|d| d.attribute("Recipient")),
                Some(acs.as_str()),
                "{who}"
            );
            if sp.sign.assertion() {
                verify_enveloped(&doc, assertion.attribute("ID").unwrap(), &key)
                    .unwrap_or_else(|e| panic!("{who}: the assertion's signature: {e}"));
                signatures += 1;
            }
        }
        // Encrypted for the SP: what can be checked without its key is that it is there.
        None => assert!(
            doc.first(ns::ASSERTION, "EncryptedAssertion").is_some(),
            "{who}: no assertion"
        ),
    }
    assert!(signatures > 0, "{who}: nothing signed");
}

/// The value a header line `#   <label>   <value> ...` gives, when the file has one.
fn header_value(text: &str, label: &str) -> Option<String> {
    let prefix = format!("#   {label} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|rest| rest.split_whitespace().next())
        .map(str::to_owned)
}

#[test]
fn every_preset_has_an_example_registering_it_first_with_its_urls_in_the_header() {
    for preset in mock_idp::saml::presets::Preset::ALL {
        let path = crate::support::repo().join(format!("docs/examples/{}.yaml", preset.id()));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{}: {e}: every preset needs an example", path.display()));
        let first = text
            .lines()
            .find_map(|l| l.trim_start().strip_prefix("- preset:"))
            .map(|rest| rest.split('#').next().unwrap_or("").trim().to_owned());
        assert_eq!(first.as_deref(), Some(preset.id()), "{}", path.display());
        for label in ["entity ID", "ACS"] {
            assert!(
                header_value(&text, label).is_some(),
                "{}: no `#   {label}` header line",
                path.display()
            );
        }
    }
}

#[test]
fn every_example_registry_starts_and_answers_a_login_for_each_sp() {
    let files = registries();
    assert!(files.len() >= 12, "only {} examples", files.len());
    // One key pair for every server, generated by the first.
    let certs = tempfile::tempdir().unwrap();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let registry = sps::load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert!(!registry.is_empty(), "{file}");
        let text = std::fs::read_to_string(&path).unwrap();
        let first = &registry.all()[0];
        if let Some(id) = header_value(&text, "entity ID") {
            assert_eq!(id, first.entity_id, "{file}: the header's entity ID");
        }
        if let Some(url) = header_value(&text, "ACS") {
            assert_eq!(
                Some(url.as_str()),
                first.default_acs().map(|e| e.url.as_str()),
                "{file}: the header's ACS"
            );
        }
        let s = Launch::new()
            .certs(certs.path())
            .arg("--sps")
            .arg(&path)
            .start();
        for sp in registry.all() {
            answers(&s, &file, sp);
        }
    }
}
