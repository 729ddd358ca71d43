//! The IdP's SAML metadata (saml-metadata 2.4.3 IDPSSODescriptor).
//!
//! Only endpoints that answer are advertised: single sign-on and single logout, each over
//! HTTP-Redirect and HTTP-POST.

use super::dsig::Signer;
use super::ns::{self, binding, nameid};
use super::xml::c14n::write_document;
use super::xml::{Element, Name};

/// What the metadata describes.
pub struct IdpDescription<'a> {
    pub entity_id: &'a str,
    /// The single sign-on endpoint (both bindings).
    pub sso_url: &'a str,
    /// The single logout endpoint (both bindings).
    pub slo_url: &'a str,
    pub signer: &'a Signer,
    /// `WantAuthnRequestsSigned`: SPs are expected to sign their AuthnRequests.
    pub want_authn_requests_signed: bool,
}

/// The NameID formats we can produce, in order of preference.
pub const NAME_ID_FORMATS: [&str; 5] = [
    nameid::EMAIL,
    nameid::PERSISTENT,
    nameid::TRANSIENT,
    nameid::UNSPECIFIED,
    nameid::X509_SUBJECT,
];

fn md(local: &'static str) -> Element {
    Element::new(Name::prefixed("md", ns::METADATA, local))
}

fn ds(local: &'static str) -> Element {
    Element::new(Name::prefixed("ds", ns::DSIG, local))
}

/// The `md:EntityDescriptor` document.
pub fn idp_metadata(d: &IdpDescription<'_>) -> String {
    let mut sso = md("IDPSSODescriptor")
        .attr("protocolSupportEnumeration", ns::PROTOCOL)
        .attr(
            "WantAuthnRequestsSigned",
            if d.want_authn_requests_signed {
                "true"
            } else {
                "false"
            },
        )
        .child(
            md("KeyDescriptor")
                .attr("use", "signing")
                .child(ds("KeyInfo").child(
                    ds("X509Data").child(ds("X509Certificate").text(d.signer.certificate_base64())),
                )),
        );
    // saml-metadata 2.4.2: SingleLogoutService comes before NameIDFormat.
    for b in [binding::HTTP_REDIRECT, binding::HTTP_POST] {
        sso = sso.child(
            md("SingleLogoutService")
                .attr("Binding", b)
                .attr("Location", d.slo_url),
        );
    }
    for format in NAME_ID_FORMATS {
        sso = sso.child(md("NameIDFormat").text(format));
    }
    for b in [binding::HTTP_REDIRECT, binding::HTTP_POST] {
        sso = sso.child(
            md("SingleSignOnService")
                .attr("Binding", b)
                .attr("Location", d.sso_url),
        );
    }
    let doc = md("EntityDescriptor")
        .attr("entityID", d.entity_id)
        .child(sso);
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}\n",
        write_document(&doc)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::dsig::tests::test_signer;
    use crate::saml::xml::reader::{parse, Limits};

    #[test]
    fn single_logout_is_advertised_for_both_bindings_in_schema_order() {
        let signer = test_signer();
        let xml = idp_metadata(&IdpDescription {
            entity_id: "https://idp.example/metadata",
            sso_url: "https://idp.example/sso",
            slo_url: "https://idp.example/slo",
            signer: &signer,
            want_authn_requests_signed: false,
        });
        let body = xml.split_once('\n').unwrap().1;
        let doc = parse(body.as_bytes(), Limits::default()).unwrap();
        let idp = doc.first(ns::METADATA, "IDPSSODescriptor").unwrap();
        let order: Vec<String> = idp
            .elements()
            .map(|e| {
                let b = e.attribute("Binding").unwrap_or_default();
                format!(
                    "{} {}",
                    e.name.local,
                    b.rsplit(':').next().unwrap_or_default()
                )
            })
            .collect();
        let mut expected = vec!["KeyDescriptor ".to_owned()];
        expected.push("SingleLogoutService HTTP-Redirect".into());
        expected.push("SingleLogoutService HTTP-POST".into());
        expected.extend(NAME_ID_FORMATS.iter().map(|_| "NameIDFormat ".to_owned()));
        expected.push("SingleSignOnService HTTP-Redirect".into());
        expected.push("SingleSignOnService HTTP-POST".into());
        assert_eq!(order, expected);
        for slo in idp.elements_named(ns::METADATA, "SingleLogoutService") {
            assert_eq!(slo.attribute("Location"), Some("https://idp.example/slo"));
        }
    }
}
