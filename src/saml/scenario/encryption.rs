//! Encrypted assertions: the IdP signs the assertion, encrypts it for the SP into a
//! `saml:EncryptedAssertion` (saml-core 2.3.4, 6.2), then signs the Response; each scenario
//! changes one thing about that (a legacy algorithm, the wrong certificate, no signature inside,
//! a plaintext assertion next to the encrypted one, the key placed elsewhere).
//!
//! All of them go through the `signing` hook, which sets the [`EncryptionPlan`]: encryption is
//! done by the pipeline, between the assertion's signature and the Response's. Except
//! `enc-wrong-key`, they encrypt for the SP's encryption certificate, so they need one (the
//! registry's `encryption:` or the SP's metadata); the algorithms not named by the scenario are
//! the SP's (by default aes256-cbc and rsa-oaep-mgf1p).

use super::{EncryptFor, Expected, Family, Scenario, Severity, SigningPlan};
use crate::saml::xmlenc::{DataEncryption, KeyTransport};

pub const ALL: &[Scenario] = &[
    Scenario {
        signing: Some(encrypt),
        ..Scenario::new(
            "enc-valid",
            Family::Encryption,
            "Encrypted assertion (valid)",
            "The assertion is signed, encrypted for the SP's encryption certificate with the SP's algorithms (aes256-cbc and rsa-oaep-mgf1p unless registered otherwise), and the Response signed over the EncryptedAssertion. Nothing is wrong: the control for the other encryption scenarios, showing the SP decrypts at all.",
            "saml-core 2.3.4 and 6.2 (sign, then encrypt); XML Encryption 1.1 sections 5.2.2 and 5.5.2",
            Expected::Accept,
        )
    },
    Scenario {
        signing: Some(encrypt_rsa_1_5),
        ..Scenario::new(
            "enc-rsa-1-5",
            Family::Encryption,
            "Key transport RSA PKCS#1 v1.5 (rsa-1_5)",
            "The content key is wrapped with RSA PKCS#1 v1.5 (xmlenc#rsa-1_5) instead of RSA-OAEP; everything else is as in enc-valid. An SP that decrypts it can be made a padding oracle (Bleichenbacher, and the \"backwards compatibility\" attacks on XML Encryption): its private key then decrypts, or signs, whatever an attacker wants. A correct SP refuses the algorithm before using its key.",
            "XML Encryption 1.1 section 5.5.1 (rsa-1_5 must not be used for new messages); Jager, Schinzel, Somorovsky, \"One Bad Apple: Backwards Compatibility Attacks on State-of-the-Art Cryptography\" (NDSS 2013); node-saml #584; CVE-2023-46809 (Node refuses PKCS#1 v1.5 decryption)",
            Expected::Reject("rsa-1_5 key transport is refused: decrypting it makes the SP a padding oracle"),
        )
    },
    Scenario {
        signing: Some(encrypt_3des),
        // A weak cipher the SP agrees to, not a response an attacker can forge.
        severity: Some(Severity::High),
        ..Scenario::new(
            "enc-3des",
            Family::Encryption,
            "Data encrypted with Triple DES (tripledes-cbc)",
            "The assertion is encrypted with xmlenc#tripledes-cbc (64-bit blocks) instead of AES; key transport, signatures and content as in enc-valid. Legacy IdPs still send it; a modern SP refuses it as it refuses SHA-1 signatures.",
            "XML Encryption 1.1 section 5.2.1 (3DES only for compatibility); NIST SP 800-131A Rev. 2 (3DES encryption disallowed after 2023); ruby-saml unsigned_message_des192_encrypted_signed_assertion",
            Expected::Reject("tripledes-cbc is a deprecated cipher: a modern SP refuses it"),
        )
    },
    Scenario {
        signing: Some(encrypt_for_attacker),
        ..Scenario::new(
            "enc-wrong-key",
            Family::Encryption,
            "Encrypted for another certificate",
            "The assertion is encrypted for the attacker's published certificate (src/saml/scenario/attacker.crt), not the SP's; the EncryptedKey says so in its KeyInfo. The SP holds no key that decrypts it. A correct SP fails cleanly, with one error whatever went wrong in decryption (a distinct error per failure is an oracle), and never falls back to anything else in the response.",
            "XML Encryption 1.1 section 6.1 (security: error reporting); saml-core 6.2",
            Expected::Reject("it cannot be decrypted with the SP's key"),
        )
    },
    Scenario {
        signing: Some(encrypt_unsigned),
        ..Scenario::new(
            "enc-unsigned-inner",
            Family::Encryption,
            "Encrypted, but nothing signed",
            "The assertion is encrypted for the SP but carries no signature, and the Response is unsigned too. Encryption is not authentication: the SP's encryption certificate is public (it is in its metadata), so anyone can write this response for any user. An SP that takes \"it decrypted with my key\" as proof of origin logs in whoever the attacker names.",
            "saml-profiles 4.1.3.5 (the assertion must be signed, directly or through the Response); saml-core 6.2; ruby-saml unsigned_message_encrypted_unsigned_assertion",
            Expected::Reject("nothing is signed: encryption for the SP's public certificate proves nothing about who wrote it"),
        )
    },
    Scenario {
        signing: Some(encrypt_and_keep_plaintext),
        ..Scenario::new(
            "enc-plus-plaintext",
            Family::Encryption,
            "An EncryptedAssertion and a plaintext Assertion",
            "The Response carries the EncryptedAssertion and, after it, a plaintext copy of the same assertion under its own ID, signed like the encrypted one; the Response signature covers both. An SP that wants encrypted assertions must not consume a plaintext one, and an SP that reads \"the assertion\" from a response with two may read either: one assertion per response is what SPs can safely handle.",
            "saml-core 6.2 (an SP requiring encryption refuses plaintext assertions); saml-profiles 4.1.4.2; python3-saml (\"The assertion of the Response is not encrypted and the SP require it\", and only one assertion is supported); reference catalogue enc-plus-plaintext",
            Expected::Reject("a response with both an encrypted and a plaintext assertion is ambiguous, and the plaintext one was not encrypted as required"),
        )
    },
    Scenario {
        signing: Some(encrypt_with_retrieval_method),
        ..Scenario::new(
            "enc-retrieval-method",
            Family::Encryption,
            "EncryptedKey reached through a RetrievalMethod",
            "The EncryptedKey is not inside the EncryptedData's KeyInfo but beside the EncryptedData, in the same EncryptedAssertion, with an Id; the EncryptedData's KeyInfo holds a ds:RetrievalMethod (Type EncryptedKey, URI \"#<Id>\") pointing at it, and the key a ReferenceList back. saml-core's EncryptedElementType allows exactly this, and some IdPs send it. A correct SP follows a same-document reference inside the EncryptedAssertion (and nothing else).",
            "saml-core 2.2.4 (EncryptedKey as a child of the encrypted element); XML Encryption 1.1 section 3.5 (ds:RetrievalMethod); ruby-saml response_with_retrieval_method; python3-saml UNSUPPORTED_RETRIEVAL_METHOD",
            Expected::Accept,
        )
    },
];

fn encrypt(p: &mut SigningPlan) {
    p.encryption.enabled = true;
}

fn encrypt_rsa_1_5(p: &mut SigningPlan) {
    encrypt(p);
    p.encryption.key_transport = KeyTransport::Rsa1_5;
}

fn encrypt_3des(p: &mut SigningPlan) {
    encrypt(p);
    p.encryption.data = DataEncryption::TripleDesCbc;
}

fn encrypt_for_attacker(p: &mut SigningPlan) {
    encrypt(p);
    p.encryption.recipient = EncryptFor::Attacker;
}

fn encrypt_unsigned(p: &mut SigningPlan) {
    encrypt(p);
    p.assertion = false;
    p.response = false;
}

fn encrypt_and_keep_plaintext(p: &mut SigningPlan) {
    encrypt(p);
    p.encryption.keep_plaintext = true;
}

fn encrypt_with_retrieval_method(p: &mut SigningPlan) {
    encrypt(p);
    p.encryption.retrieval_method = true;
}

#[cfg(test)]
mod tests {
    use super::super::{find, testkit};
    use super::*;
    use crate::saml::dsig::VerifyError;
    use crate::saml::issue::{IssueError, ResponseProfile};
    use crate::saml::ns;
    use crate::saml::sp::Encryption;
    use crate::saml::xml::Element;
    use crate::saml::xmlenc::{self, alg, AllowList, XmlencError, XENC};

    fn run(id: &str) -> Element {
        testkit::doc(&testkit::run(find(id).unwrap()).xml)
    }

    fn encrypted(doc: &Element) -> Vec<&Element> {
        doc.elements_named(ns::ASSERTION, "EncryptedAssertion")
            .collect()
    }

    fn plaintext(doc: &Element) -> Vec<&Element> {
        doc.elements_named(ns::ASSERTION, "Assertion").collect()
    }

    /// The one EncryptedAssertion, decrypted with the SP's key, and the algorithms it names.
    fn open(doc: &Element, allowed: &AllowList) -> Result<Element, XmlencError> {
        let e = encrypted(doc);
        assert_eq!(e.len(), 1);
        xmlenc::decrypt_assertion(e[0], &testkit::sp_encryption_key(), allowed)
    }

    fn methods(doc: &Element) -> Vec<String> {
        let mut out = Vec::new();
        fn walk(e: &Element, out: &mut Vec<String>) {
            if e.name.is(XENC, "EncryptionMethod") {
                out.push(e.attribute("Algorithm").unwrap_or_default().to_owned());
            }
            for c in e.elements() {
                walk(c, out);
            }
        }
        walk(doc, &mut out);
        out
    }

    /// The decrypted assertion's own signature, checked in a document of its own.
    fn verify_inner(assertion: &Element) -> Result<(), VerifyError> {
        testkit::verify(assertion, assertion.attribute("ID").unwrap())
    }

    #[test]
    fn enc_valid_signs_encrypts_then_signs_the_response() {
        let doc = run("enc-valid");
        assert!(plaintext(&doc).is_empty());
        assert_eq!(methods(&doc), [alg::AES256_CBC, alg::RSA_OAEP_MGF1P]);
        // The Response signature covers the EncryptedAssertion.
        testkit::verify(&doc, doc.attribute("ID").unwrap()).unwrap();
        let a = open(&doc, &AllowList::modern()).unwrap();
        verify_inner(&a).unwrap();
        let ek = encrypted(&doc)[0]
            .first(XENC, "EncryptedData")
            .and_then(|d| d.first(ns::DSIG, "KeyInfo"))
            .and_then(|k| k.first(XENC, "EncryptedKey"))
            .unwrap();
        assert_eq!(ek.attribute("Recipient"), Some(testkit::SP));
    }

    #[test]
    fn legacy_algorithms_decrypt_only_when_allowed() {
        for (id, uri) in [
            ("enc-rsa-1-5", alg::RSA_1_5),
            ("enc-3des", alg::TRIPLEDES_CBC),
        ] {
            let doc = run(id);
            assert!(methods(&doc).contains(&uri.to_owned()), "{id}");
            assert_eq!(
                open(&doc, &AllowList::modern()),
                Err(XmlencError::RefusedAlgorithm(uri.into())),
                "{id}"
            );
            let a = open(&doc, &AllowList::all()).unwrap();
            verify_inner(&a).unwrap();
            testkit::verify(&doc, doc.attribute("ID").unwrap()).unwrap();
        }
    }

    #[test]
    fn enc_wrong_key_is_for_the_attacker_certificate() {
        let doc = run("enc-wrong-key");
        assert_eq!(
            open(&doc, &AllowList::all()),
            Err(XmlencError::KeyTransport)
        );
        let attacker = openssl::x509::X509::from_pem(include_bytes!("attacker.crt")).unwrap();
        let b64 = base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            attacker.to_der().unwrap(),
        );
        assert!(testkit::run(find("enc-wrong-key").unwrap())
            .xml
            .contains(&b64));
        testkit::verify(&doc, doc.attribute("ID").unwrap()).unwrap();
    }

    #[test]
    fn enc_unsigned_inner_signs_nothing() {
        let doc = run("enc-unsigned-inner");
        assert_eq!(
            testkit::verify(&doc, doc.attribute("ID").unwrap()),
            Err(VerifyError::Unsigned)
        );
        let a = open(&doc, &AllowList::modern()).unwrap();
        assert!(a.first(ns::DSIG, "Signature").is_none());
        assert_eq!(verify_inner(&a), Err(VerifyError::Unsigned));
    }

    #[test]
    fn enc_plus_plaintext_has_both_each_signed_with_its_own_id() {
        let doc = run("enc-plus-plaintext");
        let names: Vec<_> = doc.elements().map(|e| e.name.local.as_ref()).collect();
        assert_eq!(
            names,
            [
                "Issuer",
                "Signature",
                "Status",
                "EncryptedAssertion",
                "Assertion"
            ]
        );
        testkit::verify(&doc, doc.attribute("ID").unwrap()).unwrap();
        let inner = open(&doc, &AllowList::modern()).unwrap();
        verify_inner(&inner).unwrap();
        let plain = plaintext(&doc)[0];
        verify_inner(plain).unwrap();
        assert_ne!(inner.attribute("ID"), plain.attribute("ID"));
        let subject = |a: &Element| {
            a.first(ns::ASSERTION, "Subject")
                .and_then(|s| s.first(ns::ASSERTION, "NameID"))
                .map(Element::text_content)
        };
        assert_eq!(subject(&inner), subject(plain));
    }

    #[test]
    fn enc_retrieval_method_puts_the_key_beside_the_data() {
        let doc = run("enc-retrieval-method");
        let ea = encrypted(&doc)[0];
        let names: Vec<_> = ea.elements().map(|e| e.name.local.as_ref()).collect();
        assert_eq!(names, ["EncryptedData", "EncryptedKey"]);
        let rm = ea
            .first(XENC, "EncryptedData")
            .and_then(|d| d.first(ns::DSIG, "KeyInfo"))
            .and_then(|k| k.first(ns::DSIG, "RetrievalMethod"))
            .unwrap();
        let key_id = ea.first(XENC, "EncryptedKey").unwrap().attribute("Id");
        assert_eq!(
            rm.attribute("URI").and_then(|u| u.strip_prefix('#')),
            key_id
        );
        verify_inner(&open(&doc, &AllowList::modern()).unwrap()).unwrap();
    }

    #[test]
    fn the_scenarios_that_encrypt_for_the_sp_need_its_certificate() {
        for s in ALL {
            assert_eq!(s.encrypts_for_sp(), s.id != "enc-wrong-key", "{}", s.id);
            if !s.encrypts_for_sp() {
                continue;
            }
            let err = testkit::try_run_with(s, &ResponseProfile::default()).unwrap_err();
            assert!(
                matches!(&err, IssueError::NoEncryptionCertificate(sp) if sp == testkit::SP),
                "{}: {err}",
                s.id
            );
            assert!(err.to_string().contains("encryption: { certificate:"));
        }
        assert!(!find("valid").unwrap().encrypts_for_sp());
    }

    #[test]
    fn the_sp_s_algorithms_apply_unless_the_scenario_names_its_own() {
        let profile = ResponseProfile {
            encryption: Encryption {
                data: DataEncryption::Aes128Gcm,
                key_transport: KeyTransport::RsaOaep,
                ..testkit::encryption_profile().encryption
            },
            ..Default::default()
        };
        let doc = |id: &str| testkit::doc(&testkit::run_with(find(id).unwrap(), &profile).xml);
        assert_eq!(methods(&doc("enc-valid")), [alg::AES128_GCM, alg::RSA_OAEP]);
        assert_eq!(
            methods(&doc("enc-3des")),
            [alg::TRIPLEDES_CBC, alg::RSA_OAEP]
        );
        assert_eq!(
            methods(&doc("enc-rsa-1-5")),
            [alg::AES128_GCM, alg::RSA_1_5]
        );
    }

    #[test]
    fn per_login_encryption_refuses_scenarios_that_rewrite_the_signed_response() {
        let mut profile = testkit::encryption_profile();
        profile.encryption.enabled = true;
        let err = testkit::try_run_with(find("xsw1").unwrap(), &profile).unwrap_err();
        assert!(
            matches!(err, IssueError::EncryptionConflict("xsw1")),
            "{err}"
        );
        // A scenario that only shapes or plans the signing is encrypted like valid.
        let doc = testkit::doc(&testkit::run_with(find("expired").unwrap(), &profile).xml);
        assert_eq!(encrypted(&doc).len(), 1);
        let doc = testkit::doc(&testkit::run_with(find("sha1").unwrap(), &profile).xml);
        verify_inner(&open(&doc, &AllowList::modern()).unwrap()).unwrap();
    }
}
