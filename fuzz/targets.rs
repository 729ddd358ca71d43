//! What each fuzz target feeds its input to. Shared by the fuzz targets in `fuzz_targets/`
//! and by `tests/it/fuzz_corpus.rs`, which replays the kept corpus in every test run.
//!
//! Each function must return (with any error) and never panic, whatever the bytes.
#![allow(dead_code, reason = "each fuzz target calls one of these functions")]

use std::path::Path;
use std::sync::LazyLock;

use mock_idp::saml::dsig::Signer;
use mock_idp::saml::request_signature::{
    posted_verdict, redirect_is_signed, redirect_signed_octets, redirect_verdict,
    refuse_duplicate_parameters,
};
use mock_idp::saml::{authn_request, binding, browser_url, logout, review, sp, sp_metadata};
use mock_idp::server::{sps, users};
use openssl::pkey::{PKey, Public};
use openssl::x509::X509;

/// The certificates a received request's signature is checked with: the two SPs that signed
/// the real requests of `tests/fixtures/signed-requests` (RSA), and the EC P-256 key of
/// `fuzz/keys` that signed the other seeds. Read once, never per input.
static SP_KEYS: LazyLock<Vec<PKey<Public>>> = LazyLock::new(|| {
    [
        include_str!("../tests/fixtures/signed-requests/keys/python-sp.crt"),
        include_str!("../tests/fixtures/signed-requests/keys/node-sp.crt"),
        include_str!("keys/ec-p256.crt"),
    ]
    .iter()
    .map(|pem| {
        X509::from_pem(pem.as_bytes())
            .and_then(|cert| cert.public_key())
            .expect("a committed fuzzing certificate")
    })
    .collect()
});

/// The IdP's signer for re-signing an edited response: EC P-256 (`fuzz/keys`), whose
/// signatures cost far less than RSA's, so an input with many signatures stays cheap.
static SIGNER: LazyLock<Signer> = LazyLock::new(|| {
    let key = PKey::private_key_from_pem(include_bytes!("keys/ec-p256.key"))
        .expect("the committed fuzzing key");
    let cert = X509::from_pem(include_bytes!("keys/ec-p256.crt"))
        .expect("the committed fuzzing certificate");
    Signer::new(key, cert).expect("an EC P-256 signer")
});

/// A `SAMLRequest` parameter as received: base64, maybe deflated, then the AuthnRequest.
pub fn binding_decode(data: &[u8]) {
    let Ok(param) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(decoded) = binding::decode(param) {
        let _ = authn_request::parse(&decoded.xml);
    }
}

/// Decoded XML, read as each kind of message an SP sends us, and as SP metadata.
pub fn protocol_xml(data: &[u8]) {
    let Ok(xml) = std::str::from_utf8(data) else {
        return;
    };
    let _ = authn_request::parse(xml);
    let _ = logout::parse_logout_request(xml);
    let _ = logout::parse_logout_response(xml);
    let _ = sp_metadata::parse(xml);
}

/// A users file.
pub fn users_yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = users::parse(text, "users.yaml");
}

/// A service-provider registry. Files it names are looked up in a directory that does not
/// exist; inputs naming device or proc files are skipped, as reading them may never end.
pub fn sps_yaml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if text.contains("/dev") || text.contains("/proc") || text.contains("/sys") {
        return;
    }
    let _ = sps::parse(text, "sps.yaml", Path::new("/nonexistent-mock-idp-fuzz"));
}

/// The raw query string of an HTTP-Redirect request, as received (after `?`, not decoded):
/// the parameter checks, the signed octets, and the verdict with the SPs' keys and with none.
pub fn redirect_signature(data: &[u8]) {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    let _ = redirect_is_signed(query);
    if let Err(e) = refuse_duplicate_parameters(query) {
        let _ = e.to_string();
    }
    if let Err(e) = redirect_signed_octets(query) {
        let _ = e.to_string();
    }
    let _ = format!("{:?}", redirect_verdict(query, &SP_KEYS));
    let _ = format!("{:?}", redirect_verdict(query, &[]));
}

/// The decoded XML of a POSTed request or response with an enveloped signature: the profile
/// checks, exc-c14n (with InclusiveNamespaces too), the digest and the signature value.
pub fn posted_signature(data: &[u8]) {
    let Ok(xml) = std::str::from_utf8(data) else {
        return;
    };
    let _ = format!("{:?}", posted_verdict(xml, &SP_KEYS));
    let _ = format!("{:?}", posted_verdict(xml, &[]));
}

/// An SP's metadata file, then what the registry does with what it says: the SP it makes,
/// the check of every URL a browser would be sent to, the ACS of an IdP-initiated login, the
/// signing certificate's key.
pub fn sp_metadata(data: &[u8]) {
    let Ok(xml) = std::str::from_utf8(data) else {
        return;
    };
    let md = match sp_metadata::parse(xml) {
        Ok(md) => md,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    let sp = md.to_service_provider();
    let urls = sp.acs.iter().map(|e| e.url.as_str());
    let urls = urls.chain(md.slo.iter().map(|(_, location)| location.as_str()));
    for url in urls.chain(sp.slo_url.as_deref()) {
        if let Some(problem) = browser_url::problem(url) {
            let _ = format!("{} {problem}", browser_url::shown(url));
        }
        let _ = browser_url::normalised(url);
    }
    for policy in [sp::Policy::Permissive, sp::Policy::Strict] {
        if let Err(e) = sp::resolve_target(None, Some(&sp), policy) {
            let _ = e.to_string();
        }
    }
    if let Some(der) = &sp.certificate {
        let _ = X509::from_der(der).and_then(|cert| cert.public_key());
    }
}

/// The text of the review page as a person posts it back: shown indented, the signed
/// elements listed, posted as typed, and re-signed with the fixed EC signer.
pub fn review_xml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let shown = review::editable(text);
    let _ = review::as_typed(text);
    let _ = review::as_typed(&shown);
    for signed in review::signed_elements(text) {
        let _ = signed
            .algorithms
            .map(|a| format!("{}, {} digest", a.signature.id(), a.digest.id()));
    }
    let algorithms = review::original_algorithms(text);
    if let Err(e) = review::resign(text, algorithms, &SIGNER) {
        let _ = e.to_string();
    }
}
