//! Tests of the HTTP-Redirect check: the signature over the raw query string.
#![cfg(test)]

use super::*;

#[test]
fn redirect_fixtures_verify_with_their_sps_certificate() {
    for f in redirect_fixtures() {
        assert!(redirect_is_signed(f.text), "{}", f.name);
        assert_eq!(
            verify_redirect(f.text, &right_key(f.sp)),
            Ok(Verified {
                algorithm: f.algorithm,
                digest: None
            }),
            "{}",
            f.name
        );
        assert_eq!(
            redirect_verdict(f.text, &[right_key(f.sp)]),
            SignatureStatus::Valid {
                algorithm: f.algorithm
            }
        );
    }
}

#[test]
fn redirect_fixtures_fail_with_another_certificate() {
    for f in redirect_fixtures() {
        for key in wrong_keys(f.sp) {
            assert_eq!(
                verify_redirect(f.text, &key),
                Err(RequestSignatureError::BadSignature),
                "{}",
                f.name
            );
        }
        // With the SP's certificates in rollover, any one of them will do.
        let mut keys = wrong_keys(f.sp);
        assert!(!redirect_verdict(f.text, &keys).is_valid());
        keys.push(right_key(f.sp));
        assert!(redirect_verdict(f.text, &keys).is_valid(), "{}", f.name);
    }
}

#[test]
fn redirect_fixtures_fail_after_one_byte_of_a_parameter_changes() {
    for f in redirect_fixtures() {
        let key = right_key(f.sp);
        let message = message_name(f.text);
        let value = &part(f.text, message)[message.len() + 1..];
        let flipped: String = value
            .char_indices()
            .map(|(i, c)| match (i, c) {
                (20, 'A') => 'B',
                (20, _) => 'A',
                (_, c) => c,
            })
            .collect();
        let relay = &part(f.text, "RelayState")["RelayState=".len()..];
        let cases = [
            replace_value(f.text, message, &flipped),
            replace_value(
                f.text,
                "RelayState",
                &relay.replacen("example", "exbmple", 1),
            ),
            replace_value(f.text, "RelayState", &format!("{relay}x")),
            without(f.text, "RelayState"),
        ];
        for tampered in cases {
            assert_ne!(tampered, f.text);
            assert_eq!(
                verify_redirect(&tampered, &key),
                Err(RequestSignatureError::BadSignature),
                "{}: {tampered}",
                f.name
            );
        }
        // Claiming another algorithm than the one signed with.
        let other = SignatureAlgorithm::ALL
            .into_iter()
            .find(|a| *a != f.algorithm)
            .unwrap();
        let claimed = replace_value(f.text, "SigAlg", &url_encode(other.uri()));
        assert_eq!(
            verify_redirect(&claimed, &key),
            Err(RequestSignatureError::BadSignature)
        );
    }
}

#[test]
fn node_saml_signs_a_relay_state_with_a_space_otherwise_than_it_sends_it() {
    let key = right_key(Sp::Node);
    let query = NODE_RELAY_STATE_SPACE;
    assert!(query.contains("&RelayState=after+login&"));
    assert_eq!(
        verify_redirect(query, &key),
        Err(RequestSignatureError::BadSignature)
    );
    // node-saml signed the value as querystring.stringify writes it.
    let as_signed = replace_value(query, "RelayState", "after%20login");
    assert_eq!(
        verify_redirect(&as_signed, &key),
        Ok(Verified {
            algorithm: SignatureAlgorithm::RsaSha256,
            digest: None
        })
    );
}

#[test]
fn redirect_fixtures_fail_after_one_byte_of_the_issuer_changes() {
    for f in redirect_fixtures() {
        let message = message_name(f.text);
        let raw = &part(f.text, message)[message.len() + 1..];
        let encoded = String::from_utf8(percent_decode(raw, true).unwrap()).unwrap();
        let xml = binding::decode(&encoded).unwrap().xml;
        let mut deflate = DeflateEncoder::new(Vec::new(), Compression::default());
        deflate.write_all(tamper_issuer(&xml).as_bytes()).unwrap();
        let repacked = url_encode(&STANDARD.encode(deflate.finish().unwrap()));
        let tampered = replace_value(f.text, message, &repacked);
        assert_eq!(
            verify_redirect(&tampered, &right_key(f.sp)),
            Err(RequestSignatureError::BadSignature),
            "{}",
            f.name
        );
    }
}

fn permutations<T: Clone>(items: &[T]) -> Vec<Vec<T>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, first.clone());
            out.push(p);
        }
    }
    out
}

#[test]
fn redirect_parameters_in_any_order_still_verify() {
    for f in redirect_fixtures() {
        let key = right_key(f.sp);
        let all = permutations(&parts(f.text));
        assert_eq!(all.len(), 24, "{}", f.name);
        for order in all {
            let query = order.join("&");
            verify_redirect(&query, &key).unwrap();
            // The leading '?' and other parameters are ignored.
            verify_redirect(&format!("?{query}&foo=bar"), &key).unwrap();
        }
    }
}

#[test]
fn duplicated_redirect_parameters_are_refused() {
    for f in redirect_fixtures() {
        refuse_duplicate_parameters(f.text).unwrap();
        for p in parts(f.text) {
            let name = REDIRECT_PARAMETERS
                .into_iter()
                .find(|n| p.starts_with(&format!("{n}=")))
                .unwrap();
            for query in [format!("{}&{p}", f.text), format!("{p}&{}", f.text)] {
                assert_eq!(
                    refuse_duplicate_parameters(&query),
                    Err(RequestSignatureError::DuplicateParameter(name))
                );
                assert_eq!(
                    verify_redirect(&query, &right_key(f.sp)),
                    Err(RequestSignatureError::DuplicateParameter(name))
                );
                assert!(matches!(
                    redirect_verdict(&query, &[right_key(f.sp)]),
                    SignatureStatus::Invalid { .. }
                ));
            }
        }
        // A percent-encoded name is the same parameter to a form decoder.
        let disguised = format!("{}&Relay%53tate=elsewhere", f.text);
        assert_eq!(
            verify_redirect(&disguised, &right_key(f.sp)),
            Err(RequestSignatureError::DuplicateParameter("RelayState"))
        );
    }
}

#[test]
fn unsigned_and_half_signed_queries() {
    let f = &redirect_fixtures()[0];
    let key = right_key(f.sp);
    let unsigned = without(&without(f.text, "Signature"), "SigAlg");
    assert!(!redirect_is_signed(&unsigned));
    assert_eq!(
        verify_redirect(&unsigned, &key),
        Err(RequestSignatureError::Unsigned)
    );
    assert_eq!(
        redirect_verdict(&unsigned, std::slice::from_ref(&key)),
        SignatureStatus::Unsigned
    );
    assert_eq!(redirect_verdict(&unsigned, &[]), SignatureStatus::Unsigned);
    assert_eq!(
        redirect_verdict(f.text, &[]),
        SignatureStatus::NoCertificate
    );

    assert_eq!(
        redirect_signed_octets(&unsigned),
        Err(RequestSignatureError::Unsigned)
    );

    let no_sig_alg = without(f.text, "SigAlg");
    assert!(redirect_is_signed(&no_sig_alg));
    assert_eq!(
        verify_redirect(&no_sig_alg, &key),
        Err(RequestSignatureError::Incomplete {
            present: "Signature",
            missing: "SigAlg"
        })
    );
    let no_signature = without(f.text, "Signature");
    assert!(redirect_is_signed(&no_signature));
    assert_eq!(
        verify_redirect(&no_signature, &key),
        Err(RequestSignatureError::Incomplete {
            present: "SigAlg",
            missing: "Signature"
        })
    );
    let both = format!("{}&SAMLResponse=abc", f.text);
    assert_eq!(
        verify_redirect(&both, &key),
        Err(RequestSignatureError::TwoMessages)
    );
    let neither = without(f.text, "SAMLRequest");
    assert_eq!(
        verify_redirect(&neither, &key),
        Err(RequestSignatureError::NoMessage)
    );
    let garbled = replace_value(f.text, "Signature", "%zz");
    assert_eq!(
        verify_redirect(&garbled, &key),
        Err(RequestSignatureError::BadEncoding("Signature"))
    );
    let short = replace_value(f.text, "Signature", "AAAA");
    assert_eq!(
        verify_redirect(&short, &key),
        Err(RequestSignatureError::BadSignature)
    );
}

#[test]
fn dsa_and_ecdsa_are_reported_as_unsupported() {
    let f = &redirect_fixtures()[0];
    for uri in alg::DSA_OR_ECDSA {
        assert!(is_dsa_or_ecdsa(uri));
        let query = replace_value(f.text, "SigAlg", &url_encode(uri));
        let err = verify_redirect(&query, &right_key(f.sp)).unwrap_err();
        assert_eq!(
            err,
            RequestSignatureError::UnsupportedSignatureAlgorithm(uri.to_owned())
        );
        assert!(err
            .to_string()
            .contains("DSA and other ECDSA methods are not supported"));
    }
    let ec = ec_public(&ec_key());
    let err = verify_redirect(f.text, &ec).unwrap_err();
    assert!(
        matches!(err, RequestSignatureError::WrongKeyKind { .. }),
        "{err}"
    );
    assert!(err.to_string().contains("an EC P-256 key"), "{err}");
}

#[test]
fn ecdsa_redirect_signatures_verify_as_r_s_and_as_der() {
    let key = ec_key();
    let octets = format!(
        "SAMLRequest=fZBBa%2Bz&RelayState=r&SigAlg={}",
        url_encode(alg::ECDSA_SHA256)
    );
    // r||s, as xmlsec (python3-saml, OpenSAML) and our own QuerySigner write it.
    let raw = dsig::sign_value(&key, SignatureAlgorithm::EcdsaSha256, octets.as_bytes()).unwrap();
    assert_eq!(raw.len(), 64);
    let query = format!("{octets}&Signature={}", url_encode(&STANDARD.encode(&raw)));
    let verified = verify_redirect(&query, &ec_public(&key)).unwrap();
    assert_eq!(verified.algorithm, SignatureAlgorithm::EcdsaSha256);
    // DER, as a plain crypto API writes it.
    let der = dsig::ecdsa_raw_to_der(&raw, 32).unwrap();
    let query = format!("{octets}&Signature={}", url_encode(&STANDARD.encode(&der)));
    verify_redirect(&query, &ec_public(&key)).unwrap();
    // Another EC key, and an RSA certificate, do not verify it.
    assert_eq!(
        verify_redirect(&query, &ec_public(&ec_key())),
        Err(RequestSignatureError::BadSignature)
    );
    assert!(matches!(
        verify_redirect(&query, &test_public_key()),
        Err(RequestSignatureError::WrongKeyKind { .. })
    ));
}

fn sign_octets(octets: &str, algorithm: SignatureAlgorithm) -> String {
    let key = test_key();
    let mut signer = openssl::sign::Signer::new(algorithm.message_digest(), &key).unwrap();
    signer.update(octets.as_bytes()).unwrap();
    url_encode(&STANDARD.encode(signer.sign_to_vec().unwrap()))
}

#[test]
fn values_are_verified_as_received_never_re_encoded() {
    // An SP that writes lower-case hex (ADFS does) and %20 for a space.
    let octets = "SAMLRequest=fZBBa%2bz&RelayState=a%20b%2fc&SigAlg=http%3a%2f%2fwww.w3.org%2f2001%2f04%2fxmldsig-more%23rsa-sha256";
    let signature = sign_octets(octets, SignatureAlgorithm::RsaSha256);
    let query = format!("{octets}&Signature={signature}");
    assert_eq!(redirect_signed_octets(&query).unwrap(), octets);
    verify_redirect(&query, &test_public_key()).unwrap();
    // The same values decoded and encoded again, as a framework would: not what was signed.
    let re_encoded = format!(
        "SAMLRequest=fZBBa%2Bz&RelayState=a+b%2Fc&SigAlg={}&Signature={signature}",
        url_encode(alg::RSA_SHA256)
    );
    assert_eq!(
        verify_redirect(&re_encoded, &test_public_key()),
        Err(RequestSignatureError::BadSignature)
    );
    // A '+' the sender left unescaped in the Signature is base64's, not a space.
    let plus = format!("{octets}&Signature={}", signature.replace("%2B", "+"));
    verify_redirect(&plus, &test_public_key()).unwrap();
}

#[test]
fn relay_state_is_signed_only_when_present() {
    let octets = "SAMLResponse=abc&SigAlg=http%3A%2F%2Fwww.w3.org%2F2000%2F09%2Fxmldsig%23rsa-sha1";
    let query = format!(
        "Signature={}&{octets}",
        sign_octets(octets, SignatureAlgorithm::RsaSha1)
    );
    assert_eq!(
        verify_redirect(&query, &test_public_key()),
        Ok(Verified {
            algorithm: SignatureAlgorithm::RsaSha1,
            digest: None
        })
    );
    // An empty RelayState is present, and so part of the octets.
    assert_eq!(
        verify_redirect(&format!("{query}&RelayState="), &test_public_key()),
        Err(RequestSignatureError::BadSignature)
    );
}

#[test]
fn percent_escapes_are_exactly_two_hex_digits() {
    assert_eq!(percent_decode("a%2Fb%2f", false), Some(b"a/b/".to_vec()));
    for bad in ["%+F", "%-1", "%G0", "% 1", "%1", "%", "a%2"] {
        assert_eq!(percent_decode(bad, false), None, "{bad}");
    }
}
