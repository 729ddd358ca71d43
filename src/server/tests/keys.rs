//! Unit tests of `keys`.

use super::*;
use std::os::unix::fs::PermissionsExt;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keys")
        .join(name)
}

#[test]
fn generates_pair_with_private_key_mode() {
    let dir = tempfile::tempdir().unwrap();
    let certs = dir.path().join("certs");
    let keys = load_or_generate(&certs, KeyKind::Rsa).unwrap();
    assert!(keys.generated);
    assert_eq!(keys.key_path, certs.join("idp.key"));
    assert_eq!(keys.cert_path, certs.join("idp.crt"));
    let mode = fs::metadata(&keys.key_path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let key_text = fs::read_to_string(&keys.key_path).unwrap();
    assert!(key_text.starts_with("-----BEGIN PRIVATE KEY-----"));
    let cert_text = fs::read_to_string(&keys.cert_path).unwrap();
    assert!(cert_text.starts_with("-----BEGIN CERTIFICATE-----"));
    // No temporary files are left behind.
    let names: Vec<_> = fs::read_dir(&certs)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn second_call_loads_same_pair_without_rewriting() {
    let dir = tempfile::tempdir().unwrap();
    let first = load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    let key_before = fs::read(&first.key_path).unwrap();
    let modified = fs::metadata(&first.key_path).unwrap().modified().unwrap();
    let second = load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    assert!(!second.generated);
    assert_eq!(
        first.signer.sha256_fingerprint(),
        second.signer.sha256_fingerprint()
    );
    assert_eq!(fs::read(&second.key_path).unwrap(), key_before);
    assert_eq!(
        fs::metadata(&second.key_path).unwrap().modified().unwrap(),
        modified
    );
}

#[test]
fn generated_certificate_is_self_signed_for_ten_years() {
    let dir = tempfile::tempdir().unwrap();
    let keys = load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    let cert = X509::from_pem(&fs::read(&keys.cert_path).unwrap()).unwrap();
    let public = cert.public_key().unwrap();
    assert!(cert.verify(&public).unwrap(), "not signed by its own key");
    assert_eq!(cert.issued(&cert), openssl::x509::X509VerifyResult::OK);
    assert_eq!(public.rsa().unwrap().size() * 8, 2048);
    let cn = cert
        .subject_name()
        .entries_by_nid(openssl::nid::Nid::COMMONNAME)
        .next()
        .unwrap();
    assert_eq!(cn.data().as_slice(), b"mock-idp");
    assert_eq!(
        cert.signature_algorithm().object().nid(),
        openssl::nid::Nid::SHA256WITHRSAENCRYPTION
    );

    let now = openssl::asn1::Asn1Time::days_from_now(0).unwrap();
    let before = now.diff(cert.not_before()).unwrap();
    assert!(
        before.days == 0 && before.secs < 0,
        "not_before should be slightly in the past"
    );
    let after = now.diff(cert.not_after()).unwrap();
    assert!(
        (3649..=3650).contains(&after.days),
        "valid for {} days",
        after.days
    );
    // The serial is random: two generated certificates differ.
    let other_dir = tempfile::tempdir().unwrap();
    let other = load_or_generate(other_dir.path(), KeyKind::Rsa).unwrap();
    let serial = |c: &X509| c.serial_number().to_bn().unwrap().to_vec();
    assert_ne!(serial(&cert), serial(other.signer.certificate()));
}

#[test]
fn ec_p256_pair_is_generated_and_self_signed_with_ecdsa_sha256() {
    let dir = tempfile::tempdir().unwrap();
    let keys = load_or_generate(dir.path(), KeyKind::EcP256).unwrap();
    assert!(keys.generated);
    assert_eq!(keys.signer.kind(), KeyKind::EcP256);
    let key_text = fs::read_to_string(&keys.key_path).unwrap();
    assert!(key_text.starts_with("-----BEGIN PRIVATE KEY-----"));
    let cert = X509::from_pem(&fs::read(&keys.cert_path).unwrap()).unwrap();
    let public = cert.public_key().unwrap();
    assert!(cert.verify(&public).unwrap(), "not signed by its own key");
    assert_eq!(
        public.ec_key().unwrap().group().curve_name(),
        Some(Nid::X9_62_PRIME256V1)
    );
    assert_eq!(
        cert.signature_algorithm().object().nid(),
        Nid::ECDSA_WITH_SHA256
    );
    // Fingerprints keep their form.
    assert_eq!(keys.signer.sha256_fingerprint().len(), 32 * 3 - 1);
    // Loaded again whatever the flag says: the key decides.
    let again = load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    assert!(!again.generated);
    assert_eq!(again.signer.kind(), KeyKind::EcP256);
    assert_eq!(
        again.signer.sha256_fingerprint(),
        keys.signer.sha256_fingerprint()
    );
}

#[test]
fn loads_a_sec1_ec_key_and_an_rsa_pair_under_the_ec_flag() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join(KEY_FILE),
        PKey::private_key_from_pem(&fs::read(fixture("test-ec.key")).unwrap())
            .unwrap()
            .ec_key()
            .unwrap()
            .private_key_to_pem()
            .unwrap(),
    )
    .unwrap();
    fs::copy(fixture("test-ec.crt"), dir.path().join(CERT_FILE)).unwrap();
    let sec1 = fs::read_to_string(dir.path().join(KEY_FILE)).unwrap();
    assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"));
    let keys = load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    assert_eq!(keys.signer.kind(), KeyKind::EcP256);

    let rsa = tempfile::tempdir().unwrap();
    fs::copy(fixture("test.key"), rsa.path().join(KEY_FILE)).unwrap();
    fs::copy(fixture("test.crt"), rsa.path().join(CERT_FILE)).unwrap();
    let keys = load_or_generate(rsa.path(), KeyKind::EcP256).unwrap();
    assert_eq!(keys.signer.kind(), KeyKind::Rsa);
}

#[test]
fn an_ec_key_on_another_curve_is_refused_naming_the_file_and_the_curve() {
    let dir = tempfile::tempdir().unwrap();
    let group = EcGroup::from_curve_name(Nid::SECP384R1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut name = openssl::x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "p384").unwrap();
    let name = name.build();
    let mut b = openssl::x509::X509Builder::new().unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    b.sign(&key, MessageDigest::sha384()).unwrap();
    fs::write(
        dir.path().join(KEY_FILE),
        key.private_key_to_pem_pkcs8().unwrap(),
    )
    .unwrap();
    fs::write(dir.path().join(CERT_FILE), b.build().to_pem().unwrap()).unwrap();
    let err = load_or_generate(dir.path(), KeyKind::EcP256).unwrap_err();
    assert!(matches!(err, KeyError::BadKey { .. }), "{err}");
    let msg = err.to_string();
    let key_path = dir.path().join(KEY_FILE).display().to_string();
    assert!(msg.contains(&key_path), "{msg}");
    assert!(msg.contains("secp384r1") && msg.contains("P-256"), "{msg}");
}

#[test]
fn loads_existing_pkcs8_pair() {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(fixture("test.key"), dir.path().join(KEY_FILE)).unwrap();
    fs::copy(fixture("test.crt"), dir.path().join(CERT_FILE)).unwrap();
    let keys = load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    assert!(!keys.generated);
}

#[test]
fn loads_pkcs1_rsa_key() {
    let dir = tempfile::tempdir().unwrap();
    let generated = load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    let key = PKey::private_key_from_pem(&fs::read(&generated.key_path).unwrap()).unwrap();
    let pkcs1 = key.rsa().unwrap().private_key_to_pem().unwrap();
    assert!(pkcs1.starts_with(b"-----BEGIN RSA PRIVATE KEY-----"));
    fs::write(&generated.key_path, pkcs1).unwrap();
    let loaded = load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    assert!(!loaded.generated);
    assert_eq!(
        loaded.signer.sha1_fingerprint(),
        generated.signer.sha1_fingerprint()
    );
}

#[test]
fn missing_key_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    fs::remove_file(dir.path().join(KEY_FILE)).unwrap();
    let err = load_or_generate(dir.path(), KeyKind::Rsa).unwrap_err();
    assert!(matches!(err, KeyError::MissingKey { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("idp.crt exists but") && msg.contains("idp.key is missing"),
        "{msg}"
    );
    assert!(msg.contains("remove both"), "{msg}");
    // Nothing was generated in its place.
    assert!(!dir.path().join(KEY_FILE).exists());
}

#[test]
fn missing_cert_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    fs::remove_file(dir.path().join(CERT_FILE)).unwrap();
    let err = load_or_generate(dir.path(), KeyKind::Rsa).unwrap_err();
    assert!(matches!(err, KeyError::MissingCert { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("idp.key exists but") && msg.contains("idp.crt is missing"),
        "{msg}"
    );
}

#[test]
fn mismatched_pair_is_an_error() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    load_or_generate(a.path(), KeyKind::Rsa).unwrap();
    load_or_generate(b.path(), KeyKind::Rsa).unwrap();
    fs::copy(b.path().join(CERT_FILE), a.path().join(CERT_FILE)).unwrap();
    let err = load_or_generate(a.path(), KeyKind::Rsa).unwrap_err();
    assert!(matches!(err, KeyError::Mismatch { .. }), "{err}");
    let msg = err.to_string();
    let key = a.path().join(KEY_FILE);
    let cert = a.path().join(CERT_FILE);
    assert!(msg.contains(&key.display().to_string()), "{msg}");
    assert!(msg.contains(&cert.display().to_string()), "{msg}");
}

#[test]
fn garbage_key_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    let key = dir.path().join(KEY_FILE);
    fs::write(
        &key,
        "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let err = load_or_generate(dir.path(), KeyKind::Rsa).unwrap_err();
    assert!(matches!(err, KeyError::BadKey { .. }), "{err}");
    assert!(
        err.to_string().contains(&key.display().to_string()),
        "{err}"
    );
}

#[test]
fn garbage_cert_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    let cert = dir.path().join(CERT_FILE);
    fs::write(&cert, "hello").unwrap();
    let err = load_or_generate(dir.path(), KeyKind::Rsa).unwrap_err();
    assert!(matches!(err, KeyError::BadCert { .. }), "{err}");
    assert!(
        err.to_string().contains(&cert.display().to_string()),
        "{err}"
    );
}

#[test]
fn encrypted_key_is_refused_without_prompting() {
    let dir = tempfile::tempdir().unwrap();
    let generated = load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    let key = PKey::private_key_from_pem(&fs::read(&generated.key_path).unwrap()).unwrap();
    let encrypted = key
        .private_key_to_pem_pkcs8_passphrase(openssl::symm::Cipher::aes_256_cbc(), b"secret")
        .unwrap();
    fs::write(&generated.key_path, encrypted).unwrap();
    let err = load_or_generate(dir.path(), KeyKind::Rsa).unwrap_err();
    assert!(matches!(err, KeyError::BadKey { .. }), "{err}");
    assert!(err.to_string().contains("encrypted"), "{err}");
}

#[test]
fn never_overwrites_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(KEY_FILE);
    fs::write(&path, "original").unwrap();
    let err = write_new(&path, b"new", 0o600).unwrap_err();
    assert!(matches!(err, KeyError::AppearedMeanwhile { .. }), "{err}");
    assert_eq!(fs::read_to_string(&path).unwrap(), "original");
    let names: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "temporary file left behind: {names:?}");
}

#[test]
fn a_dangling_symlink_is_reported_as_what_it_is() {
    for name in [KEY_FILE, CERT_FILE] {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join(name);
        let target = dir.path().join("gone").join(name);
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let err = load_or_generate(dir.path(), KeyKind::default()).unwrap_err();
        assert!(
            matches!(err, KeyError::DanglingLink { .. }),
            "{name}: {err}"
        );
        let text = err.to_string();
        assert!(
            text.starts_with(&format!(
                "{} is a symbolic link to {}, which does not exist",
                link.display(),
                target.display()
            )),
            "{text}"
        );
        assert!(!text.contains("appeared"), "{text}");
        // Nothing was written beside it, and the link is left as it was.
        assert_eq!(fs::read_link(&link).unwrap(), target);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{name}: {names:?}");
        // Writing a new file in its place says the same.
        let err = write_new(&link, b"new", 0o600).unwrap_err();
        assert!(matches!(err, KeyError::DanglingLink { .. }), "{err}");
    }
}

#[test]
fn errors_never_contain_key_material() {
    let dir = tempfile::tempdir().unwrap();
    let generated = load_or_generate(dir.path(), KeyKind::Rsa).unwrap();
    let key_text = fs::read_to_string(&generated.key_path).unwrap();
    let body_line = key_text.lines().nth(1).unwrap().to_owned();
    // Corrupt the key a little, so openssl reads it and fails.
    fs::write(
        &generated.key_path,
        key_text.replacen(&body_line, "AAAA", 1),
    )
    .unwrap();
    let err = load_or_generate(dir.path(), KeyKind::Rsa).unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(&body_line), "{shown}");
}
