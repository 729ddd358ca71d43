//! A running server and a service provider to talk to it.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use flate2::write::DeflateEncoder;
use flate2::Compression;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `mock-idp --bind 127.0.0.1:0` with a fresh certificate directory; killed on drop.
pub struct Server {
    child: Child,
    pub base: String,
    pub banner: String,
    _certs: tempfile::TempDir,
    /// With [`Server::start_capturing_log`]: the thread collecting stderr.
    log: Option<std::thread::JoinHandle<String>>,
}

impl Server {
    pub fn start() -> Server {
        Self::start_with(&[])
    }

    pub fn start_with(extra: &[&str]) -> Server {
        Self::spawn(extra, false)
    }

    /// [`Server::start_with`], keeping what the server logs on stderr for
    /// [`Server::stop_and_read_log`] instead of passing it through.
    pub fn start_capturing_log(extra: &[&str]) -> Server {
        Self::spawn(extra, true)
    }

    /// Stops the server and returns everything it logged.
    pub fn stop_and_read_log(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.log
            .take()
            .map(|reader| reader.join().unwrap())
            .unwrap_or_default()
    }

    fn spawn(extra: &[&str], capture_log: bool) -> Server {
        let certs = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mock-idp"));
        cmd.args(["--bind", "127.0.0.1:0"]);
        if !extra.contains(&"--certs") {
            cmd.arg("--certs").arg(certs.path());
        }
        let child = cmd
            .arg("--users")
            .arg(repo().join("users.yaml"))
            .args(extra)
            .env_remove("MOCK_IDP_BASE_URL")
            .env_remove("MOCK_IDP_ENTITY_ID")
            .stdout(Stdio::piped())
            .stderr(if capture_log {
                Stdio::piped()
            } else {
                Stdio::inherit()
            })
            .spawn()
            .unwrap();
        // From here on, Drop kills and reaps the process whatever happens.
        let mut server = Server {
            child,
            base: String::new(),
            banner: String::new(),
            _certs: certs,
            log: None,
        };
        if let Some(stderr) = server.child.stderr.take() {
            server.log = Some(std::thread::spawn(move || {
                let mut log = String::new();
                let _ = std::io::Read::read_to_string(&mut BufReader::new(stderr), &mut log);
                log
            }));
        }
        let mut out = BufReader::new(server.child.stdout.take().unwrap());
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap_or(0) == 0 {
                panic!("mock-idp exited before listening:\n{}", server.banner);
            }
            server.banner.push_str(&line);
            if let Some(addr) = line.trim().strip_prefix("mock-idp listening on ") {
                server.base = addr.to_owned();
                // Keep draining stdout so the server never blocks on a full pipe.
                std::thread::spawn(move || for _ in out.lines() {});
                return server;
            }
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn certs_dir(&self) -> &Path {
        self._certs.path()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
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
