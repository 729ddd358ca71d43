//! Shared fixtures for scenario tests: fixed keys, a fixed clock, sequential IDs, a typical
//! AuthnRequest and user, and golden files under `src/saml/testdata/scenarios/`.
#![cfg(test)]

use std::sync::OnceLock;

use openssl::pkey::{PKey, Private, Public};
use time::macros::datetime;
use time::OffsetDateTime;

use super::{attacker_signers, Keys, Scenario};
use crate::saml::authn_request::{self, AuthnRequest};
use crate::saml::compare::{valid_counterpart, Recorder};
use crate::saml::dsig::tests::{test_ec_signer, test_signer};
use crate::saml::dsig::{verify_enveloped, Signer, VerifyError};
use crate::saml::issue::{
    issue, IdSource, Idp, IssueError, IssuedResponse, Login, ResponseProfile, SequentialIds,
};
use crate::saml::ns;
use crate::saml::principal::{Attribute, Principal};
use crate::saml::sp::{resolve_target, Encryption, Policy};
use crate::saml::xml::c14n::write_document;
use crate::saml::xml::reader::{parse, Limits};
use crate::saml::xml::{Element, Node};
use crate::saml::xmlenc::XENC;

pub const NOW: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);
pub const ACS: &str = "https://sp.example/acs";
pub const SP: &str = "https://sp.example/metadata";
pub const IDP: &str = "https://idp.example/metadata";
pub const REQUEST_ID: &str = "_req1";
pub const PREVIOUS_REQUEST_ID: &str = "_req0";

struct Fixture {
    idp: Signer,
    attacker: Signer,
    cloned: Signer,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let idp = test_signer();
        let (attacker, cloned) = attacker_signers(&idp).unwrap();
        Fixture {
            idp,
            attacker,
            cloned,
        }
    })
}

/// The same with an EC P-256 IdP key (the attacker's stays RSA).
fn ec_fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let idp = test_ec_signer();
        let (attacker, cloned) = attacker_signers(&idp).unwrap();
        Fixture {
            idp,
            attacker,
            cloned,
        }
    })
}

/// The EC P-256 IdP's public key.
pub fn ec_idp_key() -> PKey<Public> {
    ec_fixture().idp.certificate().public_key().unwrap()
}

/// [`try_run_with`] with the EC P-256 IdP key.
pub fn try_run_ec(
    scenario: &Scenario,
    profile: &ResponseProfile,
) -> Result<IssuedResponse, IssueError> {
    login_with(ec_fixture(), profile, |login, idp| {
        issue(login, idp, NOW, &mut SequentialIds::default(), scenario)
    })
}

/// The IdP's public key, as an SP is configured with it.
pub fn idp_key() -> PKey<Public> {
    fixture().idp.certificate().public_key().unwrap()
}

pub fn request() -> AuthnRequest {
    authn_request::parse(&format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{REQUEST_ID}" Version="2.0" IssueInstant="2026-01-02T03:04:00Z" AssertionConsumerServiceURL="{ACS}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>{SP}</saml:Issuer></samlp:AuthnRequest>"#
    ))
    .unwrap()
}

pub fn user() -> Principal {
    Principal {
        id: "alice".into(),
        email: "alice@acme-support.example".into(),
        display_name: "Alice Martin".into(),
        first_name: "Alice".into(),
        last_name: "Martin".into(),
        name_id: None,
        attributes: vec![Attribute {
            name: "role".into(),
            values: vec!["agent".into()],
        }],
    }
}

/// The SP's encryption key pair: the throwaway one of `tests/fixtures/xmlenc`.
const SP_ENCRYPTION_KEY: &[u8] = include_bytes!("../../../../tests/fixtures/xmlenc/sp.key");
const SP_ENCRYPTION_CERT: &[u8] = include_bytes!("../../../../tests/fixtures/xmlenc/sp.crt");

/// The private key the SP decrypts with.
pub fn sp_encryption_key() -> PKey<Private> {
    PKey::private_key_from_pem(SP_ENCRYPTION_KEY).unwrap()
}

/// The default profile, with the SP's encryption certificate known (encryption not enabled).
pub fn encryption_profile() -> ResponseProfile {
    let cert = openssl::x509::X509::from_pem(SP_ENCRYPTION_CERT).unwrap();
    ResponseProfile {
        encryption: Encryption {
            certificate: Some(cert.to_der().unwrap()),
            ..Encryption::default()
        },
        ..ResponseProfile::default()
    }
}

/// The response `scenario` produces for the standard login, with the default profile (and
/// the SP's encryption certificate, which only encryption scenarios use).
pub fn run(scenario: &Scenario) -> IssuedResponse {
    run_with(scenario, &encryption_profile())
}

pub fn run_with(scenario: &Scenario, profile: &ResponseProfile) -> IssuedResponse {
    try_run_with(scenario, profile).unwrap()
}

pub fn try_run_with(
    scenario: &Scenario,
    profile: &ResponseProfile,
) -> Result<IssuedResponse, IssueError> {
    with_login(profile, |login, idp| {
        issue(login, idp, NOW, &mut SequentialIds::default(), scenario)
    })
}

/// `scenario`'s response, with IDs from `_id11` on, and the valid response to the same login
/// (see [`crate::saml::compare`]).
pub fn with_valid_counterpart(scenario: &Scenario) -> (String, String) {
    with_login(&ResponseProfile::default(), |login, idp| {
        let mut ids = SequentialIds::default();
        for _ in 0..10 {
            ids.next_id();
        }
        let mut recorder = Recorder::new(ids);
        let broken = issue(login, idp, NOW, &mut recorder, scenario).unwrap();
        let valid = valid_counterpart(login, idp, NOW, recorder.into_drawn()).unwrap();
        (broken.xml, valid)
    })
}

/// Runs `f` with the standard login and the fixed keys.
pub fn with_login<T>(profile: &ResponseProfile, run: impl FnOnce(&Login<'_>, &Idp<'_>) -> T) -> T {
    login_with(fixture(), profile, run)
}

fn login_with<T>(
    f: &Fixture,
    profile: &ResponseProfile,
    run: impl FnOnce(&Login<'_>, &Idp<'_>) -> T,
) -> T {
    let idp = Idp {
        entity_id: IDP,
        adfs_entity_id: "http://idp.example/adfs/services/trust",
        keys: Keys {
            idp: &f.idp,
            attacker: &f.attacker,
            cloned: &f.cloned,
        },
        persistent_secret: b"k",
    };
    let req = request();
    let target = resolve_target(Some(&req), None, Policy::Permissive)
        .unwrap()
        .target;
    let principal = user();
    let login = Login {
        request: Some(&req),
        target: &target,
        principal: &principal,
        profile,
        previous_request_id: Some(PREVIOUS_REQUEST_ID),
        session: None,
    };
    run(&login, &idp)
}

/// `xml` with what cannot be reproduced replaced by a note: an RSA-wrapped content key
/// (openssl randomises its padding) and, when the Response signature covers one, that
/// signature's digest and value. Everything else, the data ciphertext included (its key and IV
/// come from the sequential IDs), is compared as it is.
pub fn stable(xml: &str) -> String {
    if !xml.contains("EncryptedKey") {
        return xml.to_owned();
    }
    fn set_text(e: &mut Element, text: &str) {
        e.children = vec![Node::Text(text.to_owned())];
    }
    fn mask_keys(e: &mut Element) {
        for c in e.children.iter_mut() {
            if let Node::Element(c) = c {
                if c.name.is(XENC, "EncryptedKey") {
                    for cd in c.children.iter_mut() {
                        if let Node::Element(cd) = cd {
                            if cd.name.is(XENC, "CipherData") {
                                for cv in cd.children.iter_mut() {
                                    if let Node::Element(cv) = cv {
                                        set_text(cv, "(RSA-wrapped content key: random padding)");
                                    }
                                }
                            }
                        }
                    }
                }
                mask_keys(c);
            }
        }
    }
    let mut root = doc(xml);
    mask_keys(&mut root);
    for n in root.children.iter_mut() {
        let Node::Element(sig) = n else { continue };
        if !sig.name.is(ns::DSIG, "Signature") {
            continue;
        }
        for part in sig.children.iter_mut() {
            let Node::Element(part) = part else { continue };
            if part.name.is(ns::DSIG, "SignatureValue") {
                set_text(part, "(over the wrapped content key)");
            }
            if part.name.is(ns::DSIG, "SignedInfo") {
                for r in part.children.iter_mut() {
                    let Node::Element(r) = r else { continue };
                    for d in r.children.iter_mut() {
                        if let Node::Element(d) = d {
                            if d.name.is(ns::DSIG, "DigestValue") {
                                set_text(d, "(over the wrapped content key)");
                            }
                        }
                    }
                }
            }
        }
    }
    write_document(&root)
}

/// Parses a response (panics on malformed XML: use only on well-formed scenarios).
pub fn doc(xml: &str) -> Element {
    parse(
        xml.as_bytes(),
        Limits {
            max_depth: 64,
            max_attributes: 64,
            ..Limits::default()
        },
    )
    .unwrap()
}

/// Verifies the signature of the element with `id` with the IdP's key.
pub fn verify(doc: &Element, id: &str) -> Result<(), VerifyError> {
    verify_enveloped(doc, id, &idp_key())
}

/// Compares with `src/saml/testdata/scenarios/<name>.xml`; `UPDATE_GOLDEN=1` rewrites it.
pub fn golden(name: &str, actual: &str) {
    crate::saml::golden::Goldens {
        dir: "scenarios",
        extension: ".xml",
        called: "its golden file",
    }
    .check(name, actual);
}
