//! A running server and a service provider to talk to it.

use std::io::Write;
use std::path::PathBuf;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use flate2::write::DeflateEncoder;
use flate2::Compression;

pub use crate::common::server::Server;

pub fn repo() -> PathBuf {
    crate::common::repo().to_owned()
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A server started with `registry` (YAML) as its `--sps` file, strict or not; the directory
/// holding the file lives as long as the returned guard.
pub fn server_with_registry(registry: &str, strict: bool) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sps.yaml");
    std::fs::write(&path, registry).unwrap();
    let mut args = vec!["--sps", path.to_str().unwrap()];
    if strict {
        args.push("--strict");
    }
    (Server::start_with(&args), dir)
}

/// `POST <path>` with a JSON body: the status and the JSON answer.
pub fn api_json(s: &Server, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
    let r = client().post(s.url(path)).json(&body).send().unwrap();
    (r.status().as_u16(), r.json().unwrap())
}

/// A service provider's AuthnRequest.
pub struct AuthnRequest {
    pub id: String,
    pub issuer: String,
    pub acs: String,
    pub extra_attrs: String,
    pub body: String,
}

impl AuthnRequest {
    pub fn new(id: &str) -> Self {
        AuthnRequest {
            id: id.into(),
            issuer: "https://sp.test/metadata".into(),
            acs: "https://sp.test/acs".into(),
            extra_attrs: String::new(),
            body: String::new(),
        }
    }

    pub fn xml(&self) -> String {
        format!(
            r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{}" Version="2.0" IssueInstant="2026-01-01T00:00:00Z" AssertionConsumerServiceURL="{}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" {}><saml:Issuer>{}</saml:Issuer>{}</samlp:AuthnRequest>"#,
            self.id, self.acs, self.extra_attrs, self.issuer, self.body
        )
    }

    /// HTTP-Redirect encoding: base64 of raw DEFLATE.
    pub fn redirect_param(&self) -> String {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::default());
        e.write_all(self.xml().as_bytes()).unwrap();
        B64.encode(e.finish().unwrap())
    }

    /// HTTP-POST encoding: base64 of the XML.
    pub fn post_param(&self) -> String {
        B64.encode(self.xml())
    }
}

/// The value of `<input ... name="NAME" value="...">` in a page, HTML-unescaped.
pub fn hidden(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = start + html[start..].find('"')?;
    Some(unescape(&html[start..end]))
}

pub fn unescape(s: &str) -> String {
    s.replace("&#x3D;", "=")
        .replace("&#x27;", "'")
        .replace("&#x60;", "`")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The `action` of the page's first form.
pub fn form_action(html: &str) -> Option<String> {
    let start = html.find("action=\"")? + "action=\"".len();
    let end = start + html[start..].find('"')?;
    Some(unescape(&html[start..end]))
}

pub fn decode_response(b64: &str) -> String {
    String::from_utf8(B64.decode(b64).unwrap()).unwrap()
}
