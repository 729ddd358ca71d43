//! A service provider's own SAML metadata (saml-metadata 2.4.4 SPSSODescriptor), read into
//! what the IdP needs to answer it.
//!
//! SP software publishes its entity ID, AssertionConsumerService endpoints, certificates and
//! flags in one XML document; reading it saves the registry's author from copying each value
//! by hand (and from copying one wrong). Only what the IdP uses is read: everything else
//! (Organization, ContactPerson, Extensions, a metadata Signature) is ignored, and nothing is
//! trusted because of a signature: the registry file is the trust decision.

use openssl::x509::X509;

use super::b64::decode_padded;
use super::ns;
use super::sp::{AcsEndpoint, Encryption, ServiceProvider};
use super::xml::reader::{self, Limits, ReadError};
use super::xml::Element;
use super::xmlenc::{DataEncryption, KeyTransport};

/// What an SP's metadata says about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpMetadata {
    pub entity_id: String,
    /// Every AssertionConsumerService, in document order, whatever its binding.
    pub acs: Vec<AcsEndpoint>,
    /// SingleLogoutService endpoints as `(Binding, Location)`, in document order.
    pub slo: Vec<(String, String)>,
    /// DER certificates of `KeyDescriptor`s with `use="signing"` or no `use`.
    pub signing_certificates: Vec<Vec<u8>>,
    /// DER certificates of `KeyDescriptor`s with `use="encryption"` or no `use`.
    pub encryption_certificates: Vec<Vec<u8>>,
    /// `md:EncryptionMethod` Algorithms of those KeyDescriptors, in document order: the
    /// algorithms the SP says it decrypts (saml-metadata 2.4.1.1).
    pub encryption_methods: Vec<String>,
    /// `NameIDFormat`s, in document order.
    pub name_id_formats: Vec<String>,
    pub authn_requests_signed: bool,
    pub want_assertions_signed: bool,
}

impl SpMetadata {
    /// The SP as the registry would hold it with nothing but this metadata: every setting the
    /// metadata does not speak about stays at its default.
    pub fn to_service_provider(&self) -> ServiceProvider {
        let mut sp = ServiceProvider::new(&self.entity_id);
        sp.acs = self.acs.clone();
        // Logout requests and responses are front-channel; SOAP or Artifact endpoints cannot be
        // reached from a browser.
        sp.slo_url = self
            .slo
            .iter()
            .find(|(b, _)| b == ns::binding::HTTP_POST || b == ns::binding::HTTP_REDIRECT)
            .map(|(_, location)| location.clone());
        sp.certificate = self.signing_certificates.first().cloned();
        sp.name_id.format = self.name_id_formats.first().cloned();
        sp.authn_requests_signed = self.authn_requests_signed;
        sp.want_assertions_signed = self.want_assertions_signed;
        sp.encryption = self.encryption();
        sp
    }

    /// The first encryption certificate with an RSA key (the only kind XML Encryption key
    /// transport here uses), and the first data and key-transport algorithms among the SP's
    /// EncryptionMethod hints that are not legacy; encryption stays off until the registry
    /// turns it on.
    pub fn encryption(&self) -> Encryption {
        let is_rsa = |der: &&Vec<u8>| {
            X509::from_der(der)
                .ok()
                .and_then(|c| c.public_key().ok())
                .is_some_and(|k| k.rsa().is_ok())
        };
        let hint = |m: &String| m.trim().to_owned();
        Encryption {
            certificate: self.encryption_certificates.iter().find(is_rsa).cloned(),
            data: self
                .encryption_methods
                .iter()
                .filter_map(|m| DataEncryption::from_uri(&hint(m)))
                .find(|a| !a.is_legacy())
                .unwrap_or_default(),
            key_transport: self
                .encryption_methods
                .iter()
                .filter_map(|m| KeyTransport::from_uri(&hint(m)))
                .find(|a| !a.is_legacy())
                .unwrap_or_default(),
            enabled: false,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SpMetadataError {
    #[error("the metadata is not readable XML: {0}")]
    Xml(#[from] ReadError),
    #[error(
        "the root element is {0}, not md:EntityDescriptor or md:EntitiesDescriptor in the SAML 2.0 metadata namespace"
    )]
    NotMetadata(String),
    #[error("md:EntitiesDescriptor holds no md:EntityDescriptor with an md:SPSSODescriptor")]
    NoServiceProvider,
    #[error(
        "md:EntitiesDescriptor holds {count} md:EntityDescriptors with an md:SPSSODescriptor ({entity_ids}); give the metadata of one service provider"
    )]
    SeveralServiceProviders { count: usize, entity_ids: String },
    #[error("md:EntityDescriptor has no entityID")]
    NoEntityId,
    #[error("md:EntityDescriptor {0} has no md:SPSSODescriptor: it does not describe a service provider")]
    NoSpDescriptor(String),
    #[error(
        "md:EntityDescriptor {0} has an md:SPSSODescriptor, but none whose protocolSupportEnumeration lists SAML 2.0 ({proto})",
        proto = ns::PROTOCOL
    )]
    NoSaml2(String),
    #[error("{element} #{number} has no {attribute}")]
    MissingAttribute {
        element: &'static str,
        /// 1-based position among the elements of that name.
        number: usize,
        attribute: &'static str,
    },
    #[error("{element} #{number}: {attribute}={value:?} is not {expected}")]
    BadAttribute {
        element: &'static str,
        number: usize,
        attribute: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error("SPSSODescriptor: {attribute}={value:?} is not an xs:boolean (true, false, 1 or 0)")]
    BadFlag {
        attribute: &'static str,
        value: String,
    },
    #[error("KeyDescriptor #{number}: the ds:X509Certificate is not base64: {problem}")]
    CertificateBase64 { number: usize, problem: String },
    #[error(
        "KeyDescriptor #{number}: the ds:X509Certificate is not an X.509 certificate: {problem}"
    )]
    CertificateDer { number: usize, problem: String },
}

/// Reads the metadata of one SP: an `md:EntityDescriptor`, or an `md:EntitiesDescriptor`
/// holding exactly one EntityDescriptor with an SPSSODescriptor (as federation tools export a
/// single entity).
pub fn parse(xml: &str) -> Result<SpMetadata, SpMetadataError> {
    let root = reader::parse(xml.as_bytes(), Limits::default())?;
    let entity = if root.name.is(ns::METADATA, "EntityDescriptor") {
        &root
    } else if root.name.is(ns::METADATA, "EntitiesDescriptor") {
        let mut found = Vec::new();
        collect_sp_entities(&root, &mut found);
        match found.as_slice() {
            [] => return Err(SpMetadataError::NoServiceProvider),
            [one] => *one,
            many => {
                return Err(SpMetadataError::SeveralServiceProviders {
                    count: many.len(),
                    entity_ids: many
                        .iter()
                        .map(|e| e.attribute("entityID").unwrap_or("without entityID"))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        }
    } else {
        let ns = root.name.ns.as_deref().unwrap_or("no namespace");
        return Err(SpMetadataError::NotMetadata(format!(
            "{} ({ns})",
            root.name.qualified()
        )));
    };
    read_entity(entity)
}

/// EntityDescriptors with an SPSSODescriptor, at any depth (EntitiesDescriptors nest).
fn collect_sp_entities<'a>(group: &'a Element, out: &mut Vec<&'a Element>) {
    for child in group.elements() {
        if child.name.is(ns::METADATA, "EntityDescriptor") {
            if child.first(ns::METADATA, "SPSSODescriptor").is_some() {
                out.push(child);
            }
        } else if child.name.is(ns::METADATA, "EntitiesDescriptor") {
            collect_sp_entities(child, out);
        }
    }
}

fn read_entity(entity: &Element) -> Result<SpMetadata, SpMetadataError> {
    let entity_id = entity
        .attribute("entityID")
        .filter(|id| !id.trim().is_empty())
        .ok_or(SpMetadataError::NoEntityId)?
        .to_owned();
    let mut descriptors = entity
        .elements_named(ns::METADATA, "SPSSODescriptor")
        .peekable();
    if descriptors.peek().is_none() {
        return Err(SpMetadataError::NoSpDescriptor(entity_id));
    }
    // An entity may describe SAML 1.1 and SAML 2.0 roles side by side; only 2.0 is ours.
    let sp = descriptors
        .find(|d| {
            d.attribute("protocolSupportEnumeration")
                .is_some_and(|p| p.split_whitespace().any(|u| u == ns::PROTOCOL))
        })
        .ok_or_else(|| SpMetadataError::NoSaml2(entity_id.clone()))?;

    let mut acs = Vec::new();
    for (i, e) in sp
        .elements_named(ns::METADATA, "AssertionConsumerService")
        .enumerate()
    {
        const ACS: &str = "AssertionConsumerService";
        let number = i + 1;
        let binding = required(e, ACS, number, "Binding")?;
        let url = required(e, ACS, number, "Location")?;
        let index = match e.attribute("index") {
            None => None,
            Some(v) => {
                Some(
                    v.trim()
                        .parse::<u16>()
                        .map_err(|_| SpMetadataError::BadAttribute {
                            element: ACS,
                            number,
                            attribute: "index",
                            value: v.to_owned(),
                            expected: "a whole number from 0 to 65535",
                        })?,
                )
            }
        };
        let is_default = match e.attribute("isDefault") {
            None => None,
            Some(v) => Some(xs_boolean(v).ok_or_else(|| SpMetadataError::BadAttribute {
                element: ACS,
                number,
                attribute: "isDefault",
                value: v.to_owned(),
                expected: "an xs:boolean (true, false, 1 or 0)",
            })?),
        };
        acs.push(AcsEndpoint {
            url,
            binding,
            index,
            is_default,
        });
    }

    let mut slo = Vec::new();
    for (i, e) in sp
        .elements_named(ns::METADATA, "SingleLogoutService")
        .enumerate()
    {
        const SLO: &str = "SingleLogoutService";
        let binding = required(e, SLO, i + 1, "Binding")?;
        let location = required(e, SLO, i + 1, "Location")?;
        slo.push((binding, location));
    }

    let mut signing_certificates = Vec::new();
    let mut encryption_certificates = Vec::new();
    let mut encryption_methods = Vec::new();
    for (i, kd) in sp.elements_named(ns::METADATA, "KeyDescriptor").enumerate() {
        let number = i + 1;
        let (signing, encryption) = match kd.attribute("use").map(str::trim) {
            None => (true, true),
            Some("signing") => (true, false),
            Some("encryption") => (false, true),
            Some(other) => {
                return Err(SpMetadataError::BadAttribute {
                    element: "KeyDescriptor",
                    number,
                    attribute: "use",
                    value: other.to_owned(),
                    expected: "signing or encryption",
                })
            }
        };
        // A KeyDescriptor may carry only a KeyName or KeyValue; without a certificate there is
        // nothing the IdP could use, so it is passed over.
        let certs = kd
            .elements_named(ns::DSIG, "KeyInfo")
            .flat_map(|ki| ki.elements_named(ns::DSIG, "X509Data"))
            .flat_map(|xd| xd.elements_named(ns::DSIG, "X509Certificate"));
        for cert in certs {
            let der = certificate_der(&cert.text_content(), number)?;
            if signing {
                signing_certificates.push(der.clone());
            }
            if encryption {
                encryption_certificates.push(der);
            }
        }
        if encryption {
            encryption_methods.extend(
                kd.elements_named(ns::METADATA, "EncryptionMethod")
                    .filter_map(|m| m.attribute("Algorithm"))
                    .map(str::to_owned),
            );
        }
    }

    let name_id_formats = sp
        .elements_named(ns::METADATA, "NameIDFormat")
        .map(|e| e.text_content().trim().to_owned())
        .filter(|f| !f.is_empty())
        .collect();

    Ok(SpMetadata {
        entity_id,
        acs,
        slo,
        signing_certificates,
        encryption_certificates,
        encryption_methods,
        name_id_formats,
        authn_requests_signed: flag(sp, "AuthnRequestsSigned")?,
        want_assertions_signed: flag(sp, "WantAssertionsSigned")?,
    })
}

/// A required, non-blank attribute.
fn required(
    e: &Element,
    element: &'static str,
    number: usize,
    attribute: &'static str,
) -> Result<String, SpMetadataError> {
    e.attribute(attribute)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .ok_or(SpMetadataError::MissingAttribute {
            element,
            number,
            attribute,
        })
}

/// An optional xs:boolean flag of the SPSSODescriptor; absent means false (its schema default).
fn flag(sp: &Element, attribute: &'static str) -> Result<bool, SpMetadataError> {
    match sp.attribute(attribute) {
        None => Ok(false),
        Some(v) => xs_boolean(v).ok_or_else(|| SpMetadataError::BadFlag {
            attribute,
            value: v.to_owned(),
        }),
    }
}

/// xs:boolean's lexical space, after whitespace collapsing.
fn xs_boolean(v: &str) -> Option<bool> {
    match v.trim() {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `ds:X509Certificate` text to DER. SP libraries wrap the base64 at 64 columns (node-saml,
/// python3-saml when signing) or not at all; every kind of whitespace is dropped (Unicode's,
/// not only the ASCII whitespace [`decode_padded`] drops).
fn certificate_der(text: &str, number: usize) -> Result<Vec<u8>, SpMetadataError> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let der = decode_padded(&compact).map_err(|e| SpMetadataError::CertificateBase64 {
        number,
        problem: e.to_string(),
    })?;
    // Checked here so that a truncated paste is reported against the metadata, not later
    // when a signed request fails to verify.
    X509::from_der(&der).map_err(|e| SpMetadataError::CertificateDer {
        number,
        problem: e.to_string(),
    })?;
    Ok(der)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::b64::STANDARD as B64;
    use base64::Engine as _;

    const PYTHON: &str = include_str!("../../tests/fixtures/sp-metadata/python3-saml.xml");
    const PYTHON_SIGNED: &str =
        include_str!("../../tests/fixtures/sp-metadata/python3-saml-signed-encrypted.xml");
    const NODE: &str = include_str!("../../tests/fixtures/sp-metadata/node-saml.xml");
    const NODE_DEFAULTS: &str =
        include_str!("../../tests/fixtures/sp-metadata/node-saml-defaults.xml");
    const PYTHON_CERT: &str = include_str!("../../tests/fixtures/sp-metadata/keys/python-sp.crt");
    const NODE_SIGNING_CERT: &str =
        include_str!("../../tests/fixtures/sp-metadata/keys/node-sp-signing.crt");
    const NODE_ENCRYPTION_CERT: &str =
        include_str!("../../tests/fixtures/sp-metadata/keys/node-sp-encryption.crt");

    fn der(pem: &str) -> Vec<u8> {
        X509::from_pem(pem.as_bytes()).unwrap().to_der().unwrap()
    }

    /// A certificate as base64, for hand-written metadata.
    fn cert_b64() -> String {
        B64.encode(der(PYTHON_CERT))
    }

    fn entity(sp_body: &str) -> String {
        format!(
            r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://sp.example.com/metadata">
  <md:SPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">{sp_body}</md:SPSSODescriptor>
</md:EntityDescriptor>"#
        )
    }

    const POST_ACS: &str = r#"<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/acs" index="0"/>"#;

    #[test]
    fn python3_saml_fixture() {
        let md = parse(PYTHON).unwrap();
        assert_eq!(md.entity_id, "https://python-sp.example/metadata");
        assert_eq!(
            md.acs,
            [AcsEndpoint {
                url: "https://python-sp.example/acs".into(),
                binding: ns::binding::HTTP_POST.into(),
                index: Some(1),
                is_default: None,
            }]
        );
        assert_eq!(
            md.slo,
            [(
                ns::binding::HTTP_REDIRECT.to_owned(),
                "https://python-sp.example/sls".to_owned()
            )]
        );
        assert_eq!(md.signing_certificates, [der(PYTHON_CERT)]);
        assert!(md.encryption_certificates.is_empty());
        assert_eq!(md.name_id_formats, [ns::nameid::EMAIL]);
        assert!(md.authn_requests_signed);
        assert!(md.want_assertions_signed);
    }

    #[test]
    fn the_encryption_certificate_and_the_first_usable_hints_are_taken_but_not_switched_on() {
        let md = parse(NODE).unwrap();
        assert_eq!(
            md.encryption_methods,
            [
                "http://www.w3.org/2009/xmlenc11#aes256-gcm",
                "http://www.w3.org/2009/xmlenc11#aes128-gcm",
                "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
                "http://www.w3.org/2001/04/xmlenc#aes128-cbc"
            ]
        );
        let e = md.to_service_provider().encryption;
        assert_eq!(e.certificate, Some(der(NODE_ENCRYPTION_CERT)));
        assert_eq!(e.data, DataEncryption::Aes256Gcm);
        assert_eq!(e.key_transport, KeyTransport::RsaOaepMgf1p);
        assert!(!e.enabled);

        // Legacy hints are passed over; a key transport hint is honoured; a certificate
        // without an RSA key cannot carry a content key.
        let ec = {
            let group =
                openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap();
            let key =
                openssl::pkey::PKey::from_ec_key(openssl::ec::EcKey::generate(&group).unwrap())
                    .unwrap();
            let mut b = openssl::x509::X509Builder::new().unwrap();
            b.set_pubkey(&key).unwrap();
            let now = openssl::asn1::Asn1Time::days_from_now(0).unwrap();
            b.set_not_before(&now).unwrap();
            b.set_not_after(&now).unwrap();
            b.sign(&key, openssl::hash::MessageDigest::sha256())
                .unwrap();
            B64.encode(b.build().to_der().unwrap())
        };
        let key_descriptor = |cert: &str, methods: &[&str]| {
            let methods: String = methods
                .iter()
                .map(|m| format!(r#"<md:EncryptionMethod Algorithm="{m}"/>"#))
                .collect();
            format!(
                r#"<md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{cert}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>{methods}</md:KeyDescriptor>"#
            )
        };
        let xml = entity(&format!(
            "{}{}{POST_ACS}",
            key_descriptor(&ec, &[]),
            key_descriptor(
                &cert_b64(),
                &[
                    "http://www.w3.org/2001/04/xmlenc#tripledes-cbc",
                    "http://www.w3.org/2001/04/xmlenc#rsa-1_5",
                    "http://www.w3.org/2009/xmlenc11#rsa-oaep",
                    "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
                ]
            )
        ));
        let e = parse(&xml).unwrap().encryption();
        assert_eq!(e.certificate, Some(der(PYTHON_CERT)));
        assert_eq!(e.data, DataEncryption::Aes128Cbc);
        assert_eq!(e.key_transport, KeyTransport::RsaOaep);
        // Signing-only keys are no encryption keys.
        let xml = entity(&format!(
            r#"<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>{POST_ACS}"#,
            cert_b64()
        ));
        assert_eq!(parse(&xml).unwrap().encryption(), Encryption::default());
    }

    #[test]
    fn python3_saml_signed_metadata_with_encryption_key() {
        let md = parse(PYTHON_SIGNED).unwrap();
        assert_eq!(md.entity_id, "https://python-sp.example/metadata");
        // The metadata's own ds:Signature carries a certificate too; it is not a KeyDescriptor.
        assert_eq!(md.signing_certificates, [der(PYTHON_CERT)]);
        assert_eq!(md.encryption_certificates, [der(PYTHON_CERT)]);
        assert_eq!(md.acs.len(), 1);
    }

    #[test]
    fn node_saml_fixture() {
        let md = parse(NODE).unwrap();
        assert_eq!(md.entity_id, "https://node-sp.example/metadata");
        assert_eq!(
            md.acs,
            [AcsEndpoint {
                url: "https://node-sp.example/acs".into(),
                binding: ns::binding::HTTP_POST.into(),
                index: Some(1),
                is_default: Some(true),
            }]
        );
        assert_eq!(
            md.slo,
            [(
                ns::binding::HTTP_POST.to_owned(),
                "https://node-sp.example/logout/callback".to_owned()
            )]
        );
        // node-saml wraps the base64 at 64 columns.
        assert_eq!(md.signing_certificates, [der(NODE_SIGNING_CERT)]);
        assert_eq!(md.encryption_certificates, [der(NODE_ENCRYPTION_CERT)]);
        assert_eq!(md.name_id_formats, [ns::nameid::EMAIL]);
        assert!(md.authn_requests_signed);
        assert!(md.want_assertions_signed);
    }

    #[test]
    fn node_saml_defaults_fixture() {
        let md = parse(NODE_DEFAULTS).unwrap();
        assert!(md.signing_certificates.is_empty());
        assert!(md.encryption_certificates.is_empty());
        assert!(md.slo.is_empty());
        assert!(!md.authn_requests_signed);
        assert!(md.want_assertions_signed);
        let sp = md.to_service_provider();
        assert_eq!(sp.certificate, None);
        assert_eq!(sp.slo_url, None);
    }

    #[test]
    fn to_service_provider_takes_what_the_metadata_says() {
        let sp = parse(NODE).unwrap().to_service_provider();
        assert_eq!(sp.entity_id, "https://node-sp.example/metadata");
        assert_eq!(sp.name, None);
        assert_eq!(
            sp.default_acs().map(|e| e.url.as_str()),
            Some("https://node-sp.example/acs")
        );
        assert_eq!(
            sp.slo_url.as_deref(),
            Some("https://node-sp.example/logout/callback")
        );
        assert_eq!(sp.certificate, Some(der(NODE_SIGNING_CERT)));
        assert_eq!(sp.name_id.format.as_deref(), Some(ns::nameid::EMAIL));
        assert_eq!(sp.name_id.source, None);
        assert!(sp.authn_requests_signed);
        assert!(sp.want_assertions_signed);
        // Everything else is the default.
        let plain = ServiceProvider::new(&sp.entity_id);
        assert_eq!(sp.sign, plain.sign);
        assert_eq!(sp.style, plain.style);
        assert_eq!(sp.algorithms, plain.algorithms);
    }

    #[test]
    fn slo_url_skips_back_channel_bindings() {
        let xml = entity(&format!(
            r#"<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:SOAP" Location="https://sp.example.com/soap"/>
<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://sp.example.com/slo"/>{POST_ACS}"#
        ));
        let md = parse(&xml).unwrap();
        assert_eq!(md.slo.len(), 2);
        assert_eq!(
            md.to_service_provider().slo_url.as_deref(),
            Some("https://sp.example.com/slo")
        );
    }

    #[test]
    fn reads_every_acs_with_index_and_default() {
        let xml = entity(
            r#"
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact" Location="https://sp.example.com/art" index="0"/>
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location=" https://sp.example.com/a " index=" 3 " isDefault="0"/>
<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://sp.example.com/b" index="7" isDefault="true"/>"#,
        );
        let md = parse(&xml).unwrap();
        let got: Vec<_> = md
            .acs
            .iter()
            .map(|e| (e.url.as_str(), e.index, e.is_default))
            .collect();
        assert_eq!(
            got,
            [
                ("https://sp.example.com/art", Some(0), None),
                ("https://sp.example.com/a", Some(3), Some(false)),
                ("https://sp.example.com/b", Some(7), Some(true)),
            ]
        );
        assert_eq!(
            md.to_service_provider()
                .default_acs()
                .map(|e| e.url.as_str()),
            Some("https://sp.example.com/b")
        );
        assert!(!md.authn_requests_signed);
        assert!(!md.want_assertions_signed);
    }

    #[test]
    fn key_descriptor_without_use_is_both() {
        let xml = entity(&format!(
            r#"<md:KeyDescriptor><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
{}
</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
<md:KeyDescriptor use="signing"><ds:KeyInfo><ds:KeyName>only a name</ds:KeyName></ds:KeyInfo></md:KeyDescriptor>{POST_ACS}"#,
            cert_b64()
        ));
        let md = parse(&xml).unwrap();
        assert_eq!(md.signing_certificates, [der(PYTHON_CERT)]);
        assert_eq!(md.encryption_certificates, [der(PYTHON_CERT)]);
    }

    #[test]
    fn entities_descriptor_with_one_sp() {
        let xml = format!(
            r#"<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">
  <EntityDescriptor entityID="https://idp.example.com"><IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></EntityDescriptor>
  <EntitiesDescriptor>{}</EntitiesDescriptor>
</EntitiesDescriptor>"#,
            entity(POST_ACS)
        );
        let md = parse(&xml).unwrap();
        assert_eq!(md.entity_id, "https://sp.example.com/metadata");
    }

    #[test]
    fn entities_descriptor_with_several_sps_is_refused() {
        let one = entity(POST_ACS);
        let two = one.replace("sp.example.com/metadata", "other.example.com/metadata");
        let xml = format!(
            r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">{one}{two}</md:EntitiesDescriptor>"#
        );
        let err = parse(&xml).unwrap_err();
        assert!(matches!(
            err,
            SpMetadataError::SeveralServiceProviders { count: 2, .. }
        ));
        let msg = err.to_string();
        assert!(msg.contains("holds 2"), "{msg}");
        assert!(msg.contains("https://other.example.com/metadata"), "{msg}");

        let empty = r#"<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"/>"#;
        assert_eq!(parse(empty), Err(SpMetadataError::NoServiceProvider));
    }

    #[test]
    fn not_metadata_is_refused() {
        let msg = parse("<html/>").unwrap_err().to_string();
        assert!(msg.contains("root element is html (no namespace)"), "{msg}");
        let msg = parse(r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:1.0:metadata"/>"#)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("not md:EntityDescriptor"), "{msg}");
        assert!(matches!(parse("not xml"), Err(SpMetadataError::Xml(_))));
        assert!(matches!(
            parse("<!DOCTYPE x><x/>"),
            Err(SpMetadataError::Xml(ReadError::Doctype))
        ));
    }

    #[test]
    fn entity_without_id_or_sp_role_is_refused() {
        let xml = entity(POST_ACS).replace(r#"entityID="https://sp.example.com/metadata""#, "");
        assert_eq!(parse(&xml), Err(SpMetadataError::NoEntityId));
        let idp = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/></md:EntityDescriptor>"#;
        let msg = parse(idp).unwrap_err().to_string();
        assert_eq!(
            msg,
            "md:EntityDescriptor https://idp.example.com has no md:SPSSODescriptor: it does not describe a service provider"
        );
        let saml11 = entity(POST_ACS).replace(
            r#"protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol""#,
            r#"protocolSupportEnumeration="urn:oasis:names:tc:SAML:1.1:protocol""#,
        );
        assert!(matches!(parse(&saml11), Err(SpMetadataError::NoSaml2(_))));
    }

    #[test]
    fn acs_errors_name_element_number_and_attribute() {
        let xml = entity(&format!(
            r#"{POST_ACS}<md:AssertionConsumerService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" index="1"/>"#
        ));
        assert_eq!(
            parse(&xml).unwrap_err().to_string(),
            "AssertionConsumerService #2 has no Location"
        );
        let xml = entity(r#"<md:AssertionConsumerService Location="https://sp.example.com/acs"/>"#);
        assert_eq!(
            parse(&xml).unwrap_err().to_string(),
            "AssertionConsumerService #1 has no Binding"
        );
        let xml = entity(&POST_ACS.replace(r#"index="0""#, r#"index="-1""#));
        assert_eq!(
            parse(&xml).unwrap_err().to_string(),
            r#"AssertionConsumerService #1: index="-1" is not a whole number from 0 to 65535"#
        );
        let xml = entity(&POST_ACS.replace(r#"index="0""#, r#"isDefault="yes""#));
        assert!(parse(&xml)
            .unwrap_err()
            .to_string()
            .contains(r#"isDefault="yes" is not an xs:boolean"#));
        let xml = entity(&format!(
            r#"<md:SingleLogoutService Location="https://sp.example.com/slo"/>{POST_ACS}"#
        ));
        assert_eq!(
            parse(&xml).unwrap_err().to_string(),
            "SingleLogoutService #1 has no Binding"
        );
    }

    #[test]
    fn bad_flags_and_key_descriptors_are_refused() {
        let xml = entity(POST_ACS).replace(
            "protocolSupportEnumeration=",
            r#"WantAssertionsSigned="True" protocolSupportEnumeration="#,
        );
        assert_eq!(
            parse(&xml).unwrap_err().to_string(),
            r#"SPSSODescriptor: WantAssertionsSigned="True" is not an xs:boolean (true, false, 1 or 0)"#
        );
        let key = |use_attr: &str, b64: &str| {
            entity(&format!(
                r#"<md:KeyDescriptor {use_attr}><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>{POST_ACS}"#
            ))
        };
        let msg = parse(&key(r#"use="both""#, &cert_b64()))
            .unwrap_err()
            .to_string();
        assert_eq!(
            msg,
            r#"KeyDescriptor #1: use="both" is not signing or encryption"#
        );
        let msg = parse(&key("", "not base64!")).unwrap_err().to_string();
        assert!(
            msg.starts_with("KeyDescriptor #1: the ds:X509Certificate is not base64"),
            "{msg}"
        );
        let truncated = &cert_b64()[..400];
        let msg = parse(&key("", truncated)).unwrap_err().to_string();
        assert!(
            msg.starts_with("KeyDescriptor #1: the ds:X509Certificate is not an X.509 certificate"),
            "{msg}"
        );
    }

    #[test]
    fn every_fixture_is_documented_and_parses() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sp-metadata");
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml") {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                assert!(
                    readme.contains(&format!("| `{name}` |")),
                    "{name} has no row in README.md"
                );
                let md = parse(&std::fs::read_to_string(&path).unwrap())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert!(md.to_service_provider().default_acs().is_some(), "{name}");
                seen += 1;
            }
        }
        assert_eq!(seen, 4);
    }

    #[test]
    fn an_sp_without_acs_parses_and_leaves_the_check_to_the_registry() {
        let md = parse(&entity("")).unwrap();
        assert!(md.acs.is_empty());
        assert!(md.to_service_provider().default_acs().is_none());
    }
}
