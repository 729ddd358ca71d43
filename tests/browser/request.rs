//! A handcrafted AuthnRequest, for what no well-behaved SP library sends.

use std::io::Write as _;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use flate2::write::DeflateEncoder;
use flate2::Compression;

pub struct AuthnRequest<'a> {
    pub id: &'a str,
    pub issuer: &'a str,
    pub provider_name: &'a str,
    pub acs: &'a str,
    /// Sent in a NameIDPolicy whose Format is `unspecified`, so that the user's own `name_id`
    /// becomes the NameID.
    pub sp_name_qualifier: &'a str,
}

impl AuthnRequest<'_> {
    #[allow(
        clippy::disallowed_methods,
        reason = "a test stands in for an SP, which stamps its requests with its own clock"
    )]
    pub fn xml(&self) -> String {
        let now = time::OffsetDateTime::now_utc()
            .format(time::macros::format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]Z"
            ))
            .unwrap();
        format!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{}" Version="2.0" IssueInstant="{now}" ProviderName="{}" AssertionConsumerServiceURL="{}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>{}</saml:Issuer><samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified" SPNameQualifier="{}" AllowCreate="true"/></samlp:AuthnRequest>"#,
            xml_escape(self.id),
            xml_escape(self.provider_name),
            xml_escape(self.acs),
            xml_escape(self.issuer),
            xml_escape(self.sp_name_qualifier),
        )
    }

    /// The URL a browser follows to send this request by the HTTP-Redirect binding: base64 of
    /// the raw-DEFLATEd XML, and the RelayState, in the query string of `sso`.
    pub fn redirect_url(&self, sso: &str, relay_state: &str) -> String {
        let mut deflate = DeflateEncoder::new(Vec::new(), Compression::default());
        deflate.write_all(self.xml().as_bytes()).unwrap();
        let encoded = B64.encode(deflate.finish().unwrap());
        format!(
            "{sso}?SAMLRequest={}&RelayState={}",
            percent_encode(&encoded),
            percent_encode(relay_state)
        )
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
