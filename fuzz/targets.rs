//! What each fuzz target feeds its input to. Shared by the fuzz targets in `fuzz_targets/`
//! and by `tests/it/fuzz_corpus.rs`, which replays the kept corpus in every test run.
//!
//! Each function must return (with any error) and never panic, whatever the bytes.
#![allow(dead_code, reason = "each fuzz target calls one of these functions")]

use std::path::Path;

use mock_idp::saml::{authn_request, binding, logout, sp_metadata};
use mock_idp::server::{sps, users};

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
