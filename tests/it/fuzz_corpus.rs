//! Replays the fuzzing inputs kept in `fuzz/` (the seeds and the minimised corpus of each
//! target) through the same functions the fuzz targets call, so that an input which once
//! crashed a parser, or found a new path through it, keeps being tried in every test run.

use std::fs;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use mock_idp::saml::binding::{self, MessageParam};
use mock_idp::saml::dsig::{self, Algorithms, DigestAlgorithm, KeyInfoStyle, SignatureAlgorithm};
use mock_idp::saml::request_signature::{posted_verdict, redirect_verdict, SignatureStatus};
use mock_idp::saml::review;
use mock_idp::saml::xml::c14n::write_document;
use mock_idp::saml::xml::reader::{self, Limits};
use openssl::pkey::PKey;
use openssl::x509::X509;

use crate::fuzz_targets;
use crate::support::repo;

/// What a fuzz target calls with its input.
type Target = fn(&[u8]);

#[test]
fn every_kept_fuzz_input_is_handled_without_a_panic() {
    let targets: [(&str, Target); 8] = [
        ("binding_decode", fuzz_targets::binding_decode),
        ("protocol_xml", fuzz_targets::protocol_xml),
        ("users_yaml", fuzz_targets::users_yaml),
        ("sps_yaml", fuzz_targets::sps_yaml),
        ("redirect_signature", fuzz_targets::redirect_signature),
        ("posted_signature", fuzz_targets::posted_signature),
        ("sp_metadata", fuzz_targets::sp_metadata),
        ("review_xml", fuzz_targets::review_xml),
    ];
    // One thread per target: the corpora are replayed side by side.
    std::thread::scope(|scope| {
        for (name, run) in targets {
            scope.spawn(move || replay_target(name, run));
        }
    });
}

/// Replays the seeds and the corpus of target `name`.
fn replay_target(name: &str, run: Target) {
    let mut replayed = 0;
    for kind in ["seeds", "corpus"] {
        let dir = repo().join("fuzz").join(kind).join(name);
        if !dir.is_dir() {
            continue;
        }
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            // A corpus being written by a running fuzzer changes under our feet.
            let Ok(data) = fs::read(&path) else {
                continue;
            };
            replay(&path, &data, run);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "fuzz/seeds/{name} holds no inputs");
}

fn replay(path: &Path, data: &[u8], run: Target) {
    if std::panic::catch_unwind(|| run(data)).is_err() {
        panic!("{} makes the target panic", path.display());
    }
}

/// A signer of the key pair `<stem>.key` / `<stem>.crt` under the repository.
fn signer(stem: &str) -> dsig::Signer {
    let read = |ext: &str| fs::read(repo().join(format!("{stem}.{ext}"))).unwrap();
    let key = PKey::private_key_from_pem(&read("key")).unwrap();
    let cert = X509::from_pem(&read("crt")).unwrap();
    dsig::Signer::new(key, cert).unwrap()
}

fn seed_dir(target: &str) -> PathBuf {
    let dir = repo().join("fuzz/seeds").join(target);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the signed seeds of `redirect_signature`, `posted_signature` and `review_xml` that
/// the SP libraries' fixtures do not cover: signed here, with the EC P-256 key of `fuzz/keys`
/// and the python3-saml fixture key, which the targets verify with, so the fuzzer starts from
/// inputs that reach the signature check itself; and the review page's indented text of each
/// golden response. Run by hand after changing a key or a fixture:
/// `cargo test --test it write_fuzz_seeds -- --ignored`.
#[test]
#[ignore = "rewrites files under fuzz/seeds"]
fn write_fuzz_seeds() {
    let ec = signer("fuzz/keys/ec-p256");
    let rsa = signer("tests/fixtures/signed-requests/keys/python-sp");
    let keys = [
        ec.certificate().public_key().unwrap(),
        rsa.certificate().public_key().unwrap(),
    ];
    let messages = [
        (
            "authn-request",
            "tests/fixtures/requests/python3-saml-redirect.xml",
            MessageParam::SamlRequest,
        ),
        (
            "authn-request-node",
            "tests/fixtures/requests/node-saml-post.xml",
            MessageParam::SamlRequest,
        ),
        (
            "logout-request",
            "src/saml/testdata/logout/python3-saml-logout-request.xml",
            MessageParam::SamlRequest,
        ),
        (
            "logout-response",
            "src/saml/testdata/logout/node-saml-logout-response.xml",
            MessageParam::SamlResponse,
        ),
    ];
    let signings = [
        (
            "ecdsa-sha256",
            &ec,
            Algorithms {
                signature: SignatureAlgorithm::EcdsaSha256,
                digest: DigestAlgorithm::Sha256,
            },
        ),
        (
            "rsa-sha384",
            &rsa,
            Algorithms {
                signature: SignatureAlgorithm::RsaSha384,
                digest: DigestAlgorithm::Sha384,
            },
        ),
        (
            "rsa-sha512-sha1",
            &rsa,
            Algorithms {
                signature: SignatureAlgorithm::RsaSha512,
                digest: DigestAlgorithm::Sha1,
            },
        ),
    ];
    let valid = |status: SignatureStatus, what: &str| {
        assert!(
            matches!(status, SignatureStatus::Valid { .. }),
            "{what}: {status:?}"
        );
    };
    for (name, path, param) in messages {
        let xml = fs::read_to_string(repo().join(path)).unwrap();
        for (alg_name, signer, algorithms) in signings {
            // HTTP-Redirect: the query a library sends, with and without a RelayState.
            let relay =
                (name == "authn-request").then_some("https://sp.example/after login?next=/über");
            let query = binding::encode_redirect(
                &xml,
                param,
                relay,
                Some((signer as &dyn dsig::QuerySigner, algorithms.signature)),
            )
            .unwrap();
            valid(redirect_verdict(&query, &keys), name);
            let file = format!("{name}-{alg_name}.query");
            fs::write(seed_dir("redirect_signature").join(file), &query).unwrap();

            // HTTP-POST: the document with an enveloped signature after its Issuer.
            let mut root = reader::parse(xml.as_bytes(), Limits::default()).unwrap();
            let id = root.attribute("ID").unwrap().to_owned();
            dsig::sign_enveloped(&mut root, &id, algorithms, signer, KeyInfoStyle::Prefixed)
                .unwrap();
            let signed = write_document(&root);
            valid(posted_verdict(&signed, &keys), name);
            let file = format!("{name}-{alg_name}.xml");
            fs::write(seed_dir("posted_signature").join(file), &signed).unwrap();
        }
    }
    // An ECDSA value over HTTP-Redirect in DER, as Node's crypto.sign writes it.
    let xml = fs::read_to_string(repo().join(messages[0].1)).unwrap();
    let query = binding::encode_redirect(
        &xml,
        MessageParam::SamlRequest,
        None,
        Some((
            &ec as &dyn dsig::QuerySigner,
            SignatureAlgorithm::EcdsaSha256,
        )),
    )
    .unwrap();
    let (signed, value) = query.split_once("&Signature=").unwrap();
    let raw = STANDARD.decode(percent_decoded(value)).unwrap();
    let der = dsig::ecdsa_raw_to_der(&raw, dsig::P256_FIELD_BYTES).unwrap();
    let query = format!(
        "{signed}&Signature={}",
        binding::form_urlencode(&STANDARD.encode(der))
    );
    valid(redirect_verdict(&query, &keys), "DER");
    fs::write(
        seed_dir("redirect_signature").join("authn-request-ecdsa-sha256-der.query"),
        &query,
    )
    .unwrap();

    // The review page shows each response indented; that text is what comes back edited.
    for entry in fs::read_dir(repo().join("src/saml/testdata")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "xml") {
            let shown = review::editable(&fs::read_to_string(&path).unwrap());
            let name = path.file_stem().unwrap().to_string_lossy();
            fs::write(
                seed_dir("review_xml").join(format!("{name}.shown.xml")),
                shown,
            )
            .unwrap();
        }
    }
}

/// `%XX` escapes of a form-encoded base64 value decoded.
fn percent_decoded(value: &str) -> String {
    let mut out = Vec::new();
    let bytes = value.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&value[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}
