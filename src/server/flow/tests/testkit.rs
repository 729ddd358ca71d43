//! What the flows' unit tests share: a state built as start-up builds it, with the fixture
//! signing key, two users and one registered SP, and AuthnRequests from that SP or another.
#![cfg(test)]

use std::sync::Arc;

use openssl::pkey::PKey;
use openssl::x509::X509;
use time::macros::datetime;
use time::OffsetDateTime;

use crate::saml::binding::{self, Binding};
use crate::saml::dsig::Signer;
use crate::saml::issue::SequentialIds;
use crate::saml::ns;
use crate::saml::sp::{AcsEndpoint, Policy, Registry, ServiceProvider};
use crate::server::config::Endpoints;
use crate::server::state::AppState;
use crate::server::users::Directory;

use super::judged::ReceivedRequest;
use super::login::{answer, Choices, Now};
use crate::saml::issue::IssuedResponse;

pub const T0: OffsetDateTime = datetime!(2026-01-02 03:04:05 UTC);
pub const BASE_URL: &str = "http://localhost:8000";
pub const SP: &str = "https://sp.example.com/metadata";
pub const ACS: &str = "https://sp.example.com/acs";
pub const OTHER_SP: &str = "https://other.example.org/sp";
pub const OTHER_ACS: &str = "https://other.example.org/acs";
pub const REQUEST_ID: &str = "_request-7";

const USERS: &str = "\
users:
  - id: alice
    email: alice@acme-support.example
    display_name: Alice Martin
    first_name: Alice
    last_name: Martin
  - id: bob
    email: bob@acme-support.example
    display_name: Bob Stone
    first_name: Bob
    last_name: Stone
";

fn signer() -> Signer {
    let key =
        PKey::private_key_from_pem(include_bytes!("../../../../tests/fixtures/keys/test.key"))
            .unwrap();
    let cert = X509::from_pem(include_bytes!("../../../../tests/fixtures/keys/test.crt")).unwrap();
    Signer::new(key, cert).unwrap()
}

/// The state with `SP` registered, under `policy`.
pub fn state(policy: Policy) -> AppState {
    let endpoints = Endpoints {
        base_url: BASE_URL.to_owned(),
        entity_id: format!("{BASE_URL}/metadata"),
    };
    let directory = Directory::parse(USERS, "users.yaml").unwrap();
    let mut sp = ServiceProvider::new(SP);
    sp.acs.push(AcsEndpoint {
        url: ACS.to_owned(),
        binding: ns::binding::HTTP_POST.to_owned(),
        index: Some(0),
        is_default: Some(true),
    });
    AppState::new(endpoints, signer(), directory)
        .unwrap()
        .with_registry(Registry::new(vec![sp]), policy)
}

/// An unsigned AuthnRequest from `issuer`, answered at `acs`, as the HTTP-POST binding
/// carries it (base64).
pub fn request(issuer: &str, acs: &str) -> String {
    let xml = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{REQUEST_ID}" Version="2.0" IssueInstant="2026-01-02T03:04:00Z" Destination="{BASE_URL}/sso" AssertionConsumerServiceURL="{acs}" ProtocolBinding="{}"><saml:Issuer>{issuer}</saml:Issuer></samlp:AuthnRequest>"#,
        ns::binding::HTTP_POST
    );
    binding::encode_post(&xml).into()
}

/// `request` received over HTTP-POST, before judging.
pub fn received(issuer: &str, acs: &str) -> ReceivedRequest {
    ReceivedRequest::receive(Some(&request(issuer, acs)), Some(Binding::Post)).unwrap()
}

/// `T0` with sequential IDs.
pub fn fixed_now() -> Now<SequentialIds> {
    Now {
        time: T0,
        ids: SequentialIds::default(),
    }
}

/// alice's `valid` login to the registered SP, at [`T0`] with sequential IDs.
pub fn valid_login(state: &AppState) -> Arc<IssuedResponse> {
    let (request, destination) = received(SP, ACS).judge(state).unwrap();
    answer(
        state,
        Some(&request),
        &destination,
        Some("alice"),
        &Choices::default(),
        None,
        fixed_now(),
    )
    .unwrap()
}
