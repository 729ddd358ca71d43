//! Unit tests of the request-signature checks, on requests that python3-saml, node-saml,
//! python-xmlsec and xml-crypto signed (tests/fixtures/signed-requests): the fixtures and
//! helpers here, the tests by binding in `redirect`, `posted` and `judgement`.
#![cfg(test)]

use std::io::Write as _;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use flate2::write::DeflateEncoder;
use flate2::Compression;
use openssl::hash::MessageDigest;
use openssl::pkey::Private;
use openssl::x509::X509;

use super::judgement::message_verdict;
use super::posted::{check_profile, document_index, verify_with_prefix_lists};
use super::redirect::percent_decode;
use super::*;
use crate::saml::dsig;
use crate::saml::ns::{self, alg};
use crate::saml::sp::ServiceProvider;
use crate::saml::xml::c14n::{canonicalize, count_elements, in_scope_namespaces, ExcC14n};
use crate::saml::xml::reader::{self, Limits};
use crate::saml::xml::Element;
use crate::saml::{authn_request, binding};

mod judgement;
mod posted;
mod redirect;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sp {
    Python,
    Node,
}

struct Fixture {
    name: &'static str,
    text: &'static str,
    sp: Sp,
    algorithm: SignatureAlgorithm,
    /// POST only: whether the signature carries an InclusiveNamespaces PrefixList.
    prefix_list: bool,
}

macro_rules! fixture {
    ($name:literal, $sp:ident, $alg:ident) => {
        fixture!($name, $sp, $alg, false)
    };
    ($name:literal, $sp:ident, $alg:ident, $prefix_list:expr) => {
        Fixture {
            name: $name,
            text: include_str!(concat!(
                "../../../../tests/fixtures/signed-requests/",
                $name
            )),
            sp: Sp::$sp,
            algorithm: SignatureAlgorithm::$alg,
            prefix_list: $prefix_list,
        }
    };
}

fn redirect_fixtures() -> Vec<Fixture> {
    vec![
        fixture!("python3-saml-redirect-rsa-sha256.query", Python, RsaSha256),
        fixture!("python3-saml-redirect-rsa-sha1.query", Python, RsaSha1),
        fixture!("python3-saml-redirect-rsa-sha512.query", Python, RsaSha512),
        fixture!(
            "python3-saml-logout-redirect-rsa-sha256.query",
            Python,
            RsaSha256
        ),
        fixture!("node-saml-redirect-rsa-sha256.query", Node, RsaSha256),
        fixture!("node-saml-redirect-rsa-sha1.query", Node, RsaSha1),
        fixture!("node-saml-redirect-rsa-sha512.query", Node, RsaSha512),
        fixture!(
            "node-saml-logout-redirect-rsa-sha256.query",
            Node,
            RsaSha256
        ),
        fixture!(
            "node-saml-logout-response-redirect-rsa-sha256.query",
            Node,
            RsaSha256
        ),
    ]
}

/// Signed by node-saml over other octets than the query it sends (see the README).
const NODE_RELAY_STATE_SPACE: &str = include_str!(
    "../../../../tests/fixtures/signed-requests/node-saml-redirect-relaystate-space.query"
);

fn posted_fixtures() -> Vec<Fixture> {
    vec![
        fixture!("python3-saml-post-rsa-sha256.xml", Python, RsaSha256),
        fixture!("python3-saml-post-rsa-sha1.xml", Python, RsaSha1),
        fixture!("python3-saml-logout-post-rsa-sha256.xml", Python, RsaSha256),
        fixture!(
            "python-xmlsec-inclusive-namespaces.xml",
            Python,
            RsaSha256,
            true
        ),
        fixture!(
            "python-xmlsec-default-namespace.xml",
            Python,
            RsaSha256,
            true
        ),
        fixture!("node-saml-post-rsa-sha256.xml", Node, RsaSha256),
        fixture!("node-saml-post-rsa-sha1.xml", Node, RsaSha1),
        fixture!("xml-crypto-inclusive-namespaces.xml", Node, RsaSha256, true),
    ]
}

const PYTHON_CERT: &str =
    include_str!("../../../../tests/fixtures/signed-requests/keys/python-sp.crt");
const NODE_CERT: &str = include_str!("../../../../tests/fixtures/signed-requests/keys/node-sp.crt");
const OTHER_CERT: &str =
    include_str!("../../../../tests/fixtures/signed-requests/keys/other-sp.crt");
const XMLSEC1_VERDICTS: &str =
    include_str!("../../../../tests/fixtures/signed-requests/xmlsec1-verdicts.tsv");

fn key_of(pem: &str) -> PKey<Public> {
    X509::from_pem(pem.as_bytes())
        .unwrap()
        .public_key()
        .unwrap()
}

fn right_key(sp: Sp) -> PKey<Public> {
    key_of(match sp {
        Sp::Python => PYTHON_CERT,
        Sp::Node => NODE_CERT,
    })
}

/// Every certificate but the signer's.
fn wrong_keys(sp: Sp) -> Vec<PKey<Public>> {
    let other_library = match sp {
        Sp::Python => NODE_CERT,
        Sp::Node => PYTHON_CERT,
    };
    vec![key_of(OTHER_CERT), key_of(other_library)]
}

/// The signing key of tests/fixtures/keys, for queries built here.
fn test_key() -> PKey<Private> {
    PKey::private_key_from_pem(include_bytes!("../../../../tests/fixtures/keys/test.key")).unwrap()
}

fn test_public_key() -> PKey<Public> {
    key_of(include_str!("../../../../tests/fixtures/keys/test.crt"))
}

/// One byte of the Issuer changed, as xmlsec1_check.py changes it.
fn tamper_issuer(xml: &str) -> String {
    edit(xml, "sp.example/metadata<", "sp.exbmple/metadata<")
}

/// The copies xmlsec1_check.py makes, by its names for them.
fn variant(xml: &str, name: &str) -> String {
    match name {
        "original" => xml.to_owned(),
        "tampered" => tamper_issuer(xml),
        "comment" => edit(xml, "sp.example/metadata<", "sp.example/<!--x-->metadata<"),
        "reformatted" => edit(xml, " Version=\"2.0\"", "\n    Version=\"2.0\""),
        other => panic!("variant {other}"),
    }
}

fn edit(xml: &str, from: &str, to: &str) -> String {
    assert!(xml.contains(from), "{from:?} is not in the document");
    xml.replacen(from, to, 1)
}

fn parts(query: &str) -> Vec<&str> {
    query.split('&').collect()
}

fn part<'a>(query: &'a str, name: &str) -> &'a str {
    parts(query)
        .into_iter()
        .find(|p| p.starts_with(&format!("{name}=")))
        .unwrap()
}

fn without(query: &str, name: &str) -> String {
    parts(query)
        .into_iter()
        .filter(|p| !p.starts_with(&format!("{name}=")))
        .collect::<Vec<_>>()
        .join("&")
}

fn replace_value(query: &str, name: &str, value: &str) -> String {
    parts(query)
        .into_iter()
        .map(|p| {
            if p.starts_with(&format!("{name}=")) {
                format!("{name}={value}")
            } else {
                p.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encoding of everything but the RFC 3986 unreserved characters.
fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn message_name(query: &str) -> &'static str {
    if query.starts_with("SAMLResponse=") || query.contains("&SAMLResponse=") {
        "SAMLResponse"
    } else {
        "SAMLRequest"
    }
}

#[test]
fn every_fixture_file_is_in_a_table_and_every_post_fixture_in_the_xmlsec1_verdicts() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signed-requests");
    let mut known: Vec<&str> = redirect_fixtures()
        .iter()
        .chain(posted_fixtures().iter())
        .map(|f| f.name)
        .collect();
    known.push("node-saml-redirect-relaystate-space.query");
    let mut seen = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".query") || name.ends_with(".xml") {
            assert!(known.contains(&name.as_str()), "{name} is in no table");
            seen += 1;
        }
    }
    assert_eq!(seen, known.len());
    for f in posted_fixtures() {
        let rows = XMLSEC1_VERDICTS
            .lines()
            .filter(|l| l.split('\t').next() == Some(f.name))
            .count();
        assert_eq!(rows, 5, "{} has {rows} xmlsec1 rows", f.name);
    }
}

fn ec_key() -> PKey<openssl::pkey::Private> {
    let group = openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
    PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap()).unwrap()
}

fn ec_public(key: &PKey<openssl::pkey::Private>) -> PKey<Public> {
    PKey::public_key_from_der(&key.public_key_to_der().unwrap()).unwrap()
}

fn posted(name: &str) -> Fixture {
    posted_fixtures()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap()
}

fn der(pem: &str) -> Vec<u8> {
    X509::from_pem(pem.as_bytes()).unwrap().to_der().unwrap()
}
