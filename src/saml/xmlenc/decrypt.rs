//! The recipient's side, for our tests and for checks of what we send: an EncryptedAssertion
//! decrypted with the SP's private key, accepting only the algorithms of an [`AllowList`].

use openssl::encrypt::Decrypter;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Padding;
use openssl::symm::{Crypter, Mode};

use super::{
    digest_from_uri, mgf_from_uri, unsupported, AllowList, DataEncryption, KeyTransport,
    XmlencError, TYPE_ELEMENT, TYPE_ENCRYPTED_KEY, XENC, XENC11,
};
use crate::saml::b64::decode_padded;
use crate::saml::ns;
use crate::saml::xml::reader::{self, Limits};
use crate::saml::xml::Element;

/// Decrypts a `saml:EncryptedAssertion` with `key`, accepting only the algorithms of `allowed`,
/// and parses the plaintext, which must be one `saml:Assertion`.
pub fn decrypt_assertion(
    encrypted: &Element,
    key: &PKey<Private>,
    allowed: &AllowList,
) -> Result<Element, XmlencError> {
    let xml = decrypt_xml(encrypted, key, allowed)?;
    let el = reader::parse(xml.as_bytes(), Limits::default())
        .map_err(|e| XmlencError::NotAnAssertion(e.to_string()))?;
    if !el.name.is(ns::ASSERTION, "Assertion") {
        return Err(XmlencError::NotAnAssertion(format!(
            "the root element is {}",
            el.name.qualified()
        )));
    }
    Ok(el)
}

/// Decrypts a `saml:EncryptedAssertion` with `key` to the plaintext bytes, as text (what
/// [`encrypt_assertion`](super::encrypt_assertion) wrote with
/// [`write_document`](crate::saml::xml::c14n::write_document)), accepting only the algorithms of
/// `allowed`. An inline EncryptedKey is tried first, then one a RetrievalMethod points at; when
/// several are inline, the first that decrypts wins.
pub fn decrypt_xml(
    encrypted: &Element,
    key: &PKey<Private>,
    allowed: &AllowList,
) -> Result<String, XmlencError> {
    if !encrypted.name.is(ns::ASSERTION, "EncryptedAssertion") {
        return Err(XmlencError::Malformed("not a saml:EncryptedAssertion"));
    }
    if key.rsa().is_err() {
        return Err(XmlencError::NotRsa);
    }
    let mut all = encrypted.elements_named(XENC, "EncryptedData");
    let data = all
        .next()
        .ok_or(XmlencError::Malformed("no EncryptedData"))?;
    if all.next().is_some() {
        return Err(XmlencError::Malformed("more than one EncryptedData"));
    }
    if data.attribute("Type").is_some_and(|t| t != TYPE_ELEMENT) {
        return Err(XmlencError::Malformed(
            "the EncryptedData's Type is not Element",
        ));
    }
    let method = algorithm_of(data)?;
    let data_alg =
        DataEncryption::from_uri(method).ok_or_else(|| unsupported(method.to_owned()))?;
    if !allowed.data.contains(&data_alg) {
        return Err(XmlencError::RefusedAlgorithm(method.to_owned()));
    }
    let key_info = data
        .first(ns::DSIG, "KeyInfo")
        .ok_or(XmlencError::Malformed("the EncryptedData has no KeyInfo"))?;
    let mut keys: Vec<&Element> = key_info.elements_named(XENC, "EncryptedKey").collect();
    for rm in key_info.elements_named(ns::DSIG, "RetrievalMethod") {
        if rm.attribute("Type") != Some(TYPE_ENCRYPTED_KEY) {
            return Err(XmlencError::Malformed(
                "a RetrievalMethod does not point at an EncryptedKey",
            ));
        }
        // Same-document references only, and only to a sibling of the EncryptedData.
        let id = rm
            .attribute("URI")
            .and_then(|u| u.strip_prefix('#'))
            .ok_or(XmlencError::Malformed(
                "a RetrievalMethod URI is not a same-document reference",
            ))?;
        let target = encrypted
            .elements_named(XENC, "EncryptedKey")
            .find(|k| k.attribute("Id") == Some(id))
            .ok_or(XmlencError::Malformed(
                "no EncryptedKey with the RetrievalMethod's Id",
            ))?;
        keys.push(target);
    }
    let mut first_error = None;
    let mut content_key = None;
    for k in keys {
        match unwrap_key(k, key, allowed) {
            Ok(v) => {
                content_key = Some(v);
                break;
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    let content_key = match (content_key, first_error) {
        (Some(k), _) => k,
        (None, Some(e)) => return Err(e),
        (None, None) => return Err(XmlencError::Malformed("no EncryptedKey")),
    };
    if content_key.len() != data_alg.key_len() {
        return Err(XmlencError::KeySize {
            algorithm: data_alg.uri(),
            expected: data_alg.key_len(),
            got: content_key.len(),
        });
    }
    let cipher_value = cipher_value_of(data)?;
    let plain = decrypt_data(data_alg, &content_key, &cipher_value)?;
    String::from_utf8(plain).map_err(|_| XmlencError::NotAnAssertion("not UTF-8".into()))
}

pub(super) fn algorithm_of(el: &Element) -> Result<&str, XmlencError> {
    el.first(XENC, "EncryptionMethod")
        .and_then(|m| m.attribute("Algorithm"))
        .ok_or(XmlencError::Malformed("no EncryptionMethod Algorithm"))
}

/// The bytes of `el`'s `CipherData/CipherValue` (a `CipherReference` is refused: xmlenc-core1
/// 3.3.1 lets it fetch arbitrary URIs).
pub(super) fn cipher_value_of(el: &Element) -> Result<Vec<u8>, XmlencError> {
    let cd = el
        .first(XENC, "CipherData")
        .ok_or(XmlencError::Malformed("no CipherData"))?;
    let cv = cd.first(XENC, "CipherValue").ok_or(XmlencError::Malformed(
        "no CipherValue (CipherReference is not supported)",
    ))?;
    decode_padded(&cv.text_content())
        .map_err(|_| XmlencError::Malformed("CipherValue is not base64"))
}

pub(super) fn decrypt_data(
    alg: DataEncryption,
    key: &[u8],
    data: &[u8],
) -> Result<Vec<u8>, XmlencError> {
    let cipher = alg.cipher();
    let iv_len = alg.iv_len();
    if alg.is_gcm() {
        if data.len() < iv_len + 16 {
            return Err(XmlencError::Decryption("shorter than the IV and the tag"));
        }
        let (iv, rest) = data.split_at(iv_len);
        let (ct, tag) = rest.split_at(rest.len() - 16);
        return openssl::symm::decrypt_aead(cipher, key, Some(iv), &[], ct, tag)
            .map_err(|_| XmlencError::Decryption("the GCM authentication tag does not match"));
    }
    let block = cipher.block_size();
    if data.len() < iv_len + block || (data.len() - iv_len) % block != 0 {
        return Err(XmlencError::Decryption(
            "not an IV and a whole number of blocks",
        ));
    }
    let (iv, ct) = data.split_at(iv_len);
    let mut c = Crypter::new(cipher, Mode::Decrypt, key, Some(iv))?;
    // Section 5.2 padding is not PKCS#7 (the bytes before the last are arbitrary), so it is
    // stripped here rather than checked by openssl.
    c.pad(false);
    let mut out = vec![0u8; ct.len() + block];
    let mut n = c.update(ct, &mut out)?;
    n += c.finalize(&mut out[n..])?;
    out.truncate(n);
    let pad = usize::from(out.last().copied().unwrap_or(0));
    if pad == 0 || pad > block || pad > out.len() {
        return Err(XmlencError::Decryption("bad padding"));
    }
    out.truncate(out.len() - pad);
    Ok(out)
}

/// The content key of one `xenc:EncryptedKey`, read as xmlenc-core1 5.5.2 says: for
/// rsa-oaep-mgf1p the MGF is MGF1-SHA-1 and an `xenc11:MGF` is an error; `ds:DigestMethod`
/// defaults to SHA-1; `OAEPparams` is the OAEP label.
fn unwrap_key(
    encrypted_key: &Element,
    key: &PKey<Private>,
    allowed: &AllowList,
) -> Result<Vec<u8>, XmlencError> {
    let method_el = encrypted_key
        .first(XENC, "EncryptionMethod")
        .ok_or(XmlencError::Malformed(
            "the EncryptedKey has no EncryptionMethod",
        ))?;
    let uri = method_el
        .attribute("Algorithm")
        .ok_or(XmlencError::Malformed("no EncryptionMethod Algorithm"))?;
    let transport = KeyTransport::from_uri(uri).ok_or_else(|| unsupported(uri.to_owned()))?;
    if !allowed.key_transport.contains(&transport) {
        return Err(XmlencError::RefusedAlgorithm(uri.to_owned()));
    }
    let wrapped = cipher_value_of(encrypted_key)?;
    let mut dec = Decrypter::new(key)?;
    if transport == KeyTransport::Rsa1_5 {
        dec.set_rsa_padding(Padding::PKCS1)?;
    } else {
        let digest = match method_el.first(ns::DSIG, "DigestMethod") {
            None => MessageDigest::sha1(),
            Some(d) => {
                let u = d
                    .attribute("Algorithm")
                    .ok_or(XmlencError::Malformed("no DigestMethod Algorithm"))?;
                digest_from_uri(u).ok_or_else(|| unsupported(u.to_owned()))?
            }
        };
        let mgf = match (transport, method_el.first(XENC11, "MGF")) {
            (_, None) => MessageDigest::sha1(),
            (KeyTransport::RsaOaepMgf1p, Some(_)) => {
                return Err(XmlencError::Malformed(
                    "rsa-oaep-mgf1p must not carry an MGF element",
                ))
            }
            (_, Some(m)) => {
                let u = m
                    .attribute("Algorithm")
                    .ok_or(XmlencError::Malformed("no MGF Algorithm"))?;
                mgf_from_uri(u).ok_or_else(|| unsupported(u.to_owned()))?
            }
        };
        dec.set_rsa_padding(Padding::PKCS1_OAEP)?;
        dec.set_rsa_oaep_md(digest)?;
        dec.set_rsa_mgf1_md(mgf)?;
        if let Some(p) = method_el.first(XENC, "OAEPparams") {
            let label = decode_padded(&p.text_content())
                .map_err(|_| XmlencError::Malformed("OAEPparams is not base64"))?;
            dec.set_rsa_oaep_label(&label)?;
        }
    }
    let mut out = vec![0u8; dec.decrypt_len(&wrapped)?];
    // Any failure here, whatever openssl says, is "not for this key": a decryptor that tells
    // the reasons apart is a padding oracle.
    let n = dec
        .decrypt(&wrapped, &mut out)
        .map_err(|_| XmlencError::KeyTransport)?;
    out.truncate(n);
    Ok(out)
}
