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
use super::binding::Binding;
use super::browser_url::{self, UrlProblem};
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
        // reached from a browser. HTTP-Redirect where the SP offers it, else HTTP-POST.
        let endpoint = |binding: &str| self.slo.iter().find(|(b, _)| b == binding);
        let (slo_binding, slo) = match endpoint(ns::binding::HTTP_REDIRECT) {
            Some(e) => (Binding::Redirect, Some(e)),
            None => (Binding::Post, endpoint(ns::binding::HTTP_POST)),
        };
        if let Some((_, location)) = slo {
            sp.slo_url = Some(location.clone());
            sp.slo_binding = slo_binding;
        }
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
    /// An endpoint's Location a browser could not safely be sent to ([`browser_url`]).
    #[error("{element} #{number}: Location={shown} {problem}", shown = browser_url::shown(.value))]
    BadLocation {
        element: &'static str,
        number: usize,
        value: String,
        problem: UrlProblem,
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
        let url = location(e, ACS, number)?;
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
        let location = location(e, SLO, i + 1)?;
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

/// An endpoint's Location: the server sends browsers there (the ACS as a form's action, the
/// logout endpoint as a redirect or a form's action), so it passes [`browser_url::problem`].
fn location(e: &Element, element: &'static str, number: usize) -> Result<String, SpMetadataError> {
    let url = required(e, element, number, "Location")?;
    match browser_url::problem(&url) {
        None => Ok(url),
        Some(problem) => Err(SpMetadataError::BadLocation {
            element,
            number,
            value: url,
            problem,
        }),
    }
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
#[path = "tests/sp_metadata.rs"]
mod tests;
