//! The live service providers `mock-idp audit` is tested against, each started on a free port
//! of 127.0.0.1 as a child process: python3-saml with the settings of the scenario judge
//! (`tests/browser/sp.py --judge-settings`), node-saml with the settings of its judge
//! (`node_sp.js`), and a careless SP that checks nothing (`careless_sp.py`). Each answers
//! `GET /login` with a redirect to `<IdP>/sso?SAMLRequest=...`, takes the response at
//! `POST /acs`, and says on `GET /` who the browser is logged in as ([`LOGGED_IN`]). The IdP is
//! never contacted by them: they are given its base URL and its certificate. [`registry`]
//! writes the `--sps` file that registers started SPs with the IdP.
#![allow(dead_code, reason = "each test uses only part of it")]

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::common::process::{wait_for_line, Process};
use crate::common::repo;

/// Over the body of `GET <check_url>`: matches when the browser is logged in, group 1 being
/// its NameID, HTML-escaped (`&amp;`, `&lt;`, `&gt;`, `&quot;`, `&#x27;` or `&#39;`). The same
/// for every SP here. A browser that is not logged in gets `<p id="session">Not logged in</p>`,
/// status 200 either way.
pub const LOGGED_IN: &str = r#"<p id="session">Logged in as ([^<]*)</p>"#;

const RUN_TESTS_HINT: &str = "run `tests/run` from the repository root once: it installs \
     python3-saml (tests/interop/.venv) and @node-saml/node-saml (npm ci in tests/interop/node)";

/// Which SP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// python3-saml, strict, with exactly the settings of the python3-saml judge of
    /// `tests/scenarios/judges.py`; decrypts with the SP key.
    Python3Saml,
    /// @node-saml/node-saml with exactly the settings of `tests/scenarios/judge.js`; decrypts
    /// with the SP key.
    NodeSaml,
    /// Verifies no signature, checks no time, audience, destination or InResponseTo, believes
    /// the first Assertion in document order and reads its NameID up to the first comment.
    Careless,
}

impl Kind {
    /// A short name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Python3Saml => "python3-saml",
            Kind::NodeSaml => "node-saml",
            Kind::Careless => "careless",
        }
    }

    /// The entity ID the SP is started with.
    pub fn entity_id(self) -> &'static str {
        match self {
            Kind::Python3Saml => "https://python3-saml-sp.audit.test/metadata",
            Kind::NodeSaml => "https://node-saml-sp.audit.test/metadata",
            Kind::Careless => "https://careless-sp.audit.test/metadata",
        }
    }

    /// The first words of the line the SP prints when it is ready, before its base URL.
    fn ready_prefix(self) -> &'static str {
        match self {
            Kind::Python3Saml => "browser-sp listening on ",
            Kind::NodeSaml => "node-sp listening on ",
            Kind::Careless => "careless-sp listening on ",
        }
    }
}

/// The key pair an SP decrypts EncryptedAssertions with: the private key stays with the SP,
/// the certificate goes to the IdP's registry.
#[derive(Debug, Clone)]
pub struct SpKeys {
    pub key: PathBuf,
    pub cert: PathBuf,
}

impl SpKeys {
    /// The throwaway encryption pair of `tests/fixtures/xmlenc`, the one the scenario judges
    /// hold.
    pub fn fixture() -> SpKeys {
        let dir = repo().join("tests/fixtures/xmlenc");
        SpKeys {
            key: dir.join("sp.key"),
            cert: dir.join("sp.crt"),
        }
    }
}

/// A started SP; dropping it kills the process.
pub struct Sp {
    // Field order is drop order: the process before the directory holding its log.
    pub process: Process,
    pub kind: Kind,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// Where a login starts: `GET` redirects (302) to `<IdP>/sso?SAMLRequest=...`; a
    /// `RelayState` query parameter is passed along.
    pub login_url: String,
    /// Where to look after a login: `GET` answers 200 with a body [`LOGGED_IN`] matches when
    /// the browser is logged in.
    pub check_url: String,
    /// Where the response is posted (form-encoded `SAMLResponse`, `RelayState`): a login
    /// redirects (302) to `/` and sets the session cookie; a refusal answers 403 `Rejected:
    /// <why>` and ends the login the browser held; the careless SP answers 400 to what is not
    /// base64 or not XML.
    pub acs_url: String,
    /// Where the IdP's LogoutRequests go (HTTP-Redirect): python3-saml's `/sls`, which
    /// validates the request strictly, ends the login and answers with a LogoutResponse.
    /// `None` for the SPs without single logout.
    pub slo_url: Option<String>,
    pub entity_id: String,
    /// The regex of [`LOGGED_IN`].
    pub logged_in: &'static str,
    /// The certificate the IdP encrypts assertions for; `None` for an SP that decrypts nothing.
    pub encryption_cert: Option<PathBuf>,
    dir: tempfile::TempDir,
}

impl Sp {
    /// What the SP wrote on stderr so far, for a failure message.
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("stderr")).unwrap_or_default()
    }
}

/// python3-saml with the judge's settings, trusting `idp_cert` (a PEM file) for the IdP at
/// `idp_base`, decrypting with `keys`.
pub fn python3_saml(idp_base: &str, idp_cert: &Path, keys: &SpKeys) -> Sp {
    start(Kind::Python3Saml, idp_base, Some(idp_cert), Some(keys))
}

/// node-saml with the judge's settings, trusting `idp_cert` (a PEM file) for the IdP at
/// `idp_base`, decrypting with `keys`.
pub fn node_saml(idp_base: &str, idp_cert: &Path, keys: &SpKeys) -> Sp {
    start(Kind::NodeSaml, idp_base, Some(idp_cert), Some(keys))
}

/// The careless SP, sending its requests to the IdP at `idp_base` (it needs no certificate).
pub fn careless(idp_base: &str) -> Sp {
    start(Kind::Careless, idp_base, None, None)
}

/// The careless SP over HTTPS, with `tls` as its server certificate and key.
pub fn careless_over_tls(idp_base: &str, tls: &SpKeys) -> Sp {
    let args = [
        OsStr::new("--tls-cert"),
        tls.cert.as_os_str(),
        OsStr::new("--tls-key"),
        tls.key.as_os_str(),
    ];
    start_with(Kind::Careless, idp_base, None, None, &args)
}

/// The careless SP whose check page sends a browser that is not logged in back to `/login`,
/// and so on to the IdP, as many SPs do.
pub fn careless_bouncing(idp_base: &str) -> Sp {
    start_with(
        Kind::Careless,
        idp_base,
        None,
        None,
        &[OsStr::new("--bounce")],
    )
}

/// The careless SP, which exits (as a crashed SP would) once it has answered `posts` posts to
/// its ACS.
pub fn careless_stopping_after(idp_base: &str, posts: usize) -> Sp {
    let posts = posts.to_string();
    let args = [OsStr::new("--stop-after"), OsStr::new(&posts)];
    start_with(Kind::Careless, idp_base, None, None, &args)
}

fn needs(kind: Kind, what: &str) -> ! {
    panic!("the {} SP needs {what}", kind.name())
}

fn require(path: &Path, what: &str) {
    assert!(
        path.exists(),
        "{} is missing: the audit tests need {what}; {RUN_TESTS_HINT}",
        path.display()
    );
}

/// Starts `kind`; fails the test if a tool is missing, a file it needs is not given, or the SP
/// does not say it is ready.
pub fn start(kind: Kind, idp_base: &str, idp_cert: Option<&Path>, keys: Option<&SpKeys>) -> Sp {
    start_with(kind, idp_base, idp_cert, keys, &[])
}

fn start_with(
    kind: Kind,
    idp_base: &str,
    idp_cert: Option<&Path>,
    keys: Option<&SpKeys>,
    extra: &[&OsStr],
) -> Sp {
    let here = repo().join("tests/audit");
    let mut cmd = match kind {
        Kind::Python3Saml => {
            let python = repo().join("tests/interop/.venv/bin/python");
            require(&python, "python3-saml's virtualenv");
            let (Some(cert), Some(keys)) = (idp_cert, keys) else {
                needs(kind, "the IdP certificate and the SP keys")
            };
            let mut cmd = Command::new(python);
            cmd.arg(repo().join("tests/browser/sp.py"))
                .args(["--judge-settings", "--idp", idp_base, "--idp-cert"])
                .arg(cert)
                .arg("--sp-key")
                .arg(&keys.key)
                .arg("--sp-cert")
                .arg(&keys.cert);
            cmd
        }
        Kind::NodeSaml => {
            require(
                &repo().join("tests/interop/node/node_modules/@node-saml/node-saml"),
                "@node-saml/node-saml",
            );
            let (Some(cert), Some(keys)) = (idp_cert, keys) else {
                needs(kind, "the IdP certificate and the SP keys")
            };
            let mut cmd = Command::new("node");
            cmd.arg(here.join("node_sp.js"))
                .args(["--idp", idp_base, "--idp-cert"])
                .arg(cert)
                .arg("--sp-key")
                .arg(&keys.key);
            cmd
        }
        Kind::Careless => {
            let mut cmd = Command::new("python3");
            cmd.arg(here.join("careless_sp.py"))
                .args(["--idp", idp_base]);
            cmd.args(extra);
            cmd
        }
    };
    cmd.args(["--entity-id", kind.entity_id()]);

    let dir = tempfile::tempdir().expect("a temporary directory for the SP's log");
    let stderr_path = dir.path().join("stderr");
    let stderr = fs::File::create(&stderr_path)
        .unwrap_or_else(|e| panic!("creating {}: {e}", stderr_path.display()));
    let child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .unwrap_or_else(|e| panic!("starting the {} SP ({cmd:?}): {e}", kind.name()));
    let mut process = Process::from(child);
    let (base, _) = wait_for_line(
        &format!("the {} SP", kind.name()),
        &mut process.child,
        kind.ready_prefix(),
        Some(&stderr_path),
    );
    Sp {
        process,
        kind,
        login_url: format!("{base}/login"),
        check_url: format!("{base}/"),
        acs_url: format!("{base}/acs"),
        slo_url: (kind == Kind::Python3Saml).then(|| format!("{base}/sls")),
        base,
        entity_id: kind.entity_id().to_owned(),
        logged_in: LOGGED_IN,
        encryption_cert: match kind {
            Kind::Careless => None,
            Kind::Python3Saml | Kind::NodeSaml => keys.map(|k| k.cert.clone()),
        },
        dir,
    }
}

/// The `--sps` registry listing `sps`: each with its entity ID, its ACS (HTTP-POST), its logout
/// URL if it has one, and, for
/// an SP that decrypts, its encryption certificate, so that the IdP can encrypt for it.
/// `encrypt_always` false keeps the certificate for the encryption scenarios but sends
/// plaintext otherwise (`enabled: false`, as the scenario judges are registered); true
/// encrypts every assertion.
pub fn registry(sps: &[&Sp], encrypt_always: bool) -> String {
    let mut out = String::from("service_providers:\n");
    for sp in sps {
        let _ = write!(
            out,
            "  - entity_id: {:?}\n    name: {:?}\n    acs: [{{ url: {:?} }}]\n",
            sp.entity_id,
            format!("{} SP", sp.kind.name()),
            sp.acs_url
        );
        if let Some(slo) = &sp.slo_url {
            let _ = writeln!(out, "    slo_url: {slo:?}");
        }
        if let Some(cert) = &sp.encryption_cert {
            let _ = writeln!(
                out,
                "    encryption: {{ certificate: {:?}, enabled: {encrypt_always} }}",
                cert.display().to_string()
            );
        }
    }
    out
}

/// Writes [`registry`] to `path` (for `--sps`) and returns the path.
pub fn write_registry(path: &Path, sps: &[&Sp], encrypt_always: bool) -> PathBuf {
    fs::write(path, registry(sps, encrypt_always))
        .unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    path.to_owned()
}
