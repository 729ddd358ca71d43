//! Encryption of a signed assertion for one SP: a fresh content key and IV from the caller's
//! randomness, the assertion's bytes under the data algorithm, the key wrapped with the SP's RSA
//! key, and the `saml:EncryptedAssertion` that carries both.

use openssl::encrypt::Encrypter;
use openssl::hash::MessageDigest;
use openssl::pkey::{HasPublic, PKeyRef};
use openssl::rsa::Padding;
use openssl::x509::X509;

use super::{
    digest_from_uri, ds, mgf_from_uri, unsupported, xenc, DataEncryption, EncryptionOptions,
    KeyPlacement, KeyTransport, Random, XmlencError, TYPE_ELEMENT, TYPE_ENCRYPTED_KEY, XENC11,
};
use crate::saml::b64::STANDARD as B64;
use crate::saml::ns;
use crate::saml::xml::c14n::write_document;
use crate::saml::xml::{Element, Name, Node};
use base64::Engine as _;

/// Encrypts `assertion` (already signed) for the holder of `recipient_cert`'s private key and
/// returns the `saml:EncryptedAssertion` to put where the assertion was.
///
/// `random` is called twice: first for the content key ([`DataEncryption::key_len`] bytes),
/// then for the IV ([`DataEncryption::iv_len`] bytes).
pub fn encrypt_assertion(
    assertion: &Element,
    recipient_cert: &X509,
    options: &EncryptionOptions,
    random: Random<'_>,
) -> Result<Element, XmlencError> {
    let public = recipient_cert.public_key()?;
    if public.rsa().is_err() {
        return Err(XmlencError::NotRsa);
    }
    let data = options.data;
    let mut key = vec![0u8; data.key_len()];
    random(&mut key);
    let mut iv = vec![0u8; data.iv_len()];
    random(&mut iv);
    let cipher_value = encrypt_data(data, &key, &iv, write_document(assertion).as_bytes())?;
    let wrapped = wrap_key(options.key_transport, &public, &key)?;

    let mut method = xenc("EncryptionMethod").attr("Algorithm", options.key_transport.uri());
    if let Some((digest, mgf)) = options.key_transport.oaep_params() {
        method = method.child(ds("DigestMethod").attr("Algorithm", digest));
        if let Some(mgf) = mgf {
            method = method.child(
                Element::new(Name::prefixed("xenc11", XENC11, "MGF")).attr("Algorithm", mgf),
            );
        }
    }
    let mut encrypted_key = xenc("EncryptedKey")
        .attr_opt("Recipient", options.recipient.clone())
        .child(method);
    if options.recipient_certificate {
        let der = B64.encode(recipient_cert.to_der()?);
        encrypted_key = encrypted_key
            .child(ds("KeyInfo").child(ds("X509Data").child(ds("X509Certificate").text(der))));
    }
    encrypted_key = encrypted_key.child(cipher_data(&wrapped));

    let encrypted_data = xenc("EncryptedData")
        .attr("Type", TYPE_ELEMENT)
        .child(xenc("EncryptionMethod").attr("Algorithm", data.uri()));
    let out = Element::new(Name::prefixed("saml", ns::ASSERTION, "EncryptedAssertion"));
    Ok(match &options.placement {
        KeyPlacement::Inline => out.child(
            encrypted_data
                .child(ds("KeyInfo").child(encrypted_key))
                .child(cipher_data(&cipher_value)),
        ),
        KeyPlacement::RetrievalMethod { data_id, key_id } => out
            .child(
                encrypted_data
                    .attr("Id", data_id.as_str())
                    .child(
                        ds("KeyInfo").child(
                            ds("RetrievalMethod")
                                .attr("Type", TYPE_ENCRYPTED_KEY)
                                .attr("URI", format!("#{key_id}")),
                        ),
                    )
                    .child(cipher_data(&cipher_value)),
            )
            .child(
                encrypted_key.attr("Id", key_id.as_str()).child(
                    xenc("ReferenceList")
                        .child(xenc("DataReference").attr("URI", format!("#{data_id}"))),
                ),
            ),
    })
}

/// Replaces the first `saml:Assertion` child of `response` by its encryption (see
/// [`encrypt_assertion`]). Returns whether there was one.
pub fn encrypt_assertion_in_place(
    response: &mut Element,
    recipient_cert: &X509,
    options: &EncryptionOptions,
    random: Random<'_>,
) -> Result<bool, XmlencError> {
    for node in &mut response.children {
        if let Node::Element(e) = node {
            if e.name.is(ns::ASSERTION, "Assertion") {
                let encrypted = encrypt_assertion(e, recipient_cert, options, random)?;
                *node = Node::Element(encrypted);
                return Ok(true);
            }
        }
    }
    Ok(false)
}

fn cipher_data(value: &[u8]) -> Element {
    xenc("CipherData").child(xenc("CipherValue").text(B64.encode(value)))
}

/// xmlenc-core1 5.2: the IV, then the ciphertext; for AES-GCM the 128-bit tag last.
fn encrypt_data(
    alg: DataEncryption,
    key: &[u8],
    iv: &[u8],
    plain: &[u8],
) -> Result<Vec<u8>, XmlencError> {
    let cipher = alg.cipher();
    let mut out = iv.to_vec();
    if alg.is_gcm() {
        let mut tag = [0u8; 16];
        let ct = openssl::symm::encrypt_aead(cipher, key, Some(iv), &[], plain, &mut tag)?;
        out.extend_from_slice(&ct);
        out.extend_from_slice(&tag);
    } else {
        // PKCS#7 padding: N bytes of value N, a special case of section 5.2's "N-1 arbitrary
        // bytes and a final byte N", and what every decryptor strips.
        out.extend_from_slice(&openssl::symm::encrypt(cipher, key, Some(iv), plain)?);
    }
    Ok(out)
}

/// xmlenc-core1 5.5: the content key encrypted with the recipient's public key.
fn wrap_key<T: HasPublic>(
    transport: KeyTransport,
    public: &PKeyRef<T>,
    key: &[u8],
) -> Result<Vec<u8>, XmlencError> {
    let mut enc = Encrypter::new(public)?;
    match transport.oaep_params() {
        Some((digest, mgf)) => {
            let md = digest_from_uri(digest).ok_or_else(|| unsupported(digest.to_owned()))?;
            let mgf = match mgf {
                Some(m) => mgf_from_uri(m).ok_or_else(|| unsupported(m.to_owned()))?,
                None => MessageDigest::sha1(),
            };
            enc.set_rsa_padding(Padding::PKCS1_OAEP)?;
            enc.set_rsa_oaep_md(md)?;
            enc.set_rsa_mgf1_md(mgf)?;
        }
        None => enc.set_rsa_padding(Padding::PKCS1)?,
    }
    let mut out = vec![0u8; enc.encrypt_len(key)?];
    let n = enc.encrypt(key, &mut out)?;
    out.truncate(n);
    Ok(out)
}
