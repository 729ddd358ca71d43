//! Issuing one signed response: the whole engine pipeline (plan, build, canonicalise, digest,
//! sign, serialise, base64) for each signing choice with the RSA-2048 key, and both signed with
//! an EC P-256 key (ecdsa-sha256). See docs/benchmarks.md for results and how they compare with
//! `openssl speed rsa2048` and `openssl speed ecdsap256` on the same machine.

#![allow(
    clippy::expect_used,
    reason = "a benchmark with broken fixtures should stop loudly"
)]

use criterion::{criterion_group, criterion_main, Criterion};
use mock_idp::saml::authn_request;
use mock_idp::saml::dsig::{SignatureAlgorithm, Signer};
use mock_idp::saml::issue::{self, Idp, Login, ResponseProfile, SequentialIds};
use mock_idp::saml::principal::{Attribute, Principal};
use mock_idp::saml::scenario::{attacker_signers, Keys, VALID};
use mock_idp::saml::sp::{resolve_target, Policy, Sign};
use openssl::pkey::PKey;
use openssl::x509::X509;
use time::macros::datetime;

const REQUEST: &str = r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_bench" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" AssertionConsumerServiceURL="https://sp.example/acs"><saml:Issuer>https://sp.example/metadata</saml:Issuer></samlp:AuthnRequest>"#;

fn bench(c: &mut Criterion) {
    let key = PKey::private_key_from_pem(include_bytes!("../tests/fixtures/keys/test.key"))
        .expect("fixture key");
    let cert =
        X509::from_pem(include_bytes!("../tests/fixtures/keys/test.crt")).expect("fixture cert");
    let signer = Signer::new(key, cert).expect("matching pair");
    let request = authn_request::parse(REQUEST).expect("request");
    let target = resolve_target(Some(&request), None, Policy::Permissive)
        .expect("target")
        .target;
    let principal = Principal {
        id: "alice".into(),
        email: "alice@acme-support.example".into(),
        display_name: "Alice Martin".into(),
        first_name: "Alice".into(),
        last_name: "Martin".into(),
        name_id: None,
        attributes: vec![Attribute {
            name: "groups".into(),
            values: vec!["agents".into(), "billing".into()],
        }],
    };
    let (attacker, cloned) = attacker_signers(&signer).expect("attacker keys");
    let idp = Idp {
        entity_id: "https://idp.example/metadata",
        adfs_entity_id: "http://idp.example/adfs/services/trust",
        keys: Keys {
            idp: &signer,
            attacker: &attacker,
            cloned: &cloned,
        },
        persistent_secret: b"k",
    };
    let now = datetime!(2026-01-01 00:00:01 UTC);

    let mut group = c.benchmark_group("issue");
    for (name, sign) in [
        ("both-signed", Sign::Both),
        ("assertion-signed", Sign::Assertion),
    ] {
        let profile = ResponseProfile {
            sign,
            algorithms: SignatureAlgorithm::RsaSha256.into(),
            ..ResponseProfile::default()
        };
        let login = Login {
            request: Some(&request),
            target: &target,
            principal: &principal,
            profile: &profile,
            previous_request_id: None,
            session: None,
        };
        group.bench_function(name, |b| {
            b.iter(|| {
                issue::issue(&login, &idp, now, &mut SequentialIds::default(), &VALID)
                    .expect("issued")
            })
        });
    }

    // The same response, both signed, by an EC P-256 IdP key.
    let ec_key = PKey::private_key_from_pem(include_bytes!("../tests/fixtures/keys/test-ec.key"))
        .expect("fixture EC key");
    let ec_cert = X509::from_pem(include_bytes!("../tests/fixtures/keys/test-ec.crt"))
        .expect("fixture EC cert");
    let ec_signer = Signer::new(ec_key, ec_cert).expect("matching EC pair");
    let (ec_attacker, ec_cloned) = attacker_signers(&ec_signer).expect("attacker keys");
    let ec_idp = Idp {
        keys: Keys {
            idp: &ec_signer,
            attacker: &ec_attacker,
            cloned: &ec_cloned,
        },
        ..idp
    };
    let profile = ResponseProfile {
        sign: Sign::Both,
        algorithms: SignatureAlgorithm::EcdsaSha256.into(),
        ..ResponseProfile::default()
    };
    let login = Login {
        request: Some(&request),
        target: &target,
        principal: &principal,
        profile: &profile,
        previous_request_id: None,
        session: None,
    };
    group.bench_function("both-signed-ecdsa-p256", |b| {
        b.iter(|| {
            issue::issue(&login, &ec_idp, now, &mut SequentialIds::default(), &VALID)
                .expect("issued")
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
