//! Command-line and environment configuration, and the public URLs derived from it.
//!
//! Every flag can also be given as a `MOCK_IDP_*` environment variable, so the same binary runs
//! unchanged from a shell, a compose file or a CI job. The public base URL and entity ID are
//! only known once the listener is bound (with `--bind 127.0.0.1:0` the port is chosen by the
//! OS), which is why [`endpoints`] takes the bound address rather than reading `--bind`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::saml::dsig::KeyKind;
use crate::saml::sp::Policy;

/// The command line, each flag mirrored by an environment variable.
#[derive(Debug, Clone, Parser)]
#[command(name = "mock-idp", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on (`host:port`); port 0 picks a free port.
    #[arg(
        long,
        env = "MOCK_IDP_BIND",
        default_value = "127.0.0.1:7000",
        global = true
    )]
    pub bind: String,

    /// Public base URL the service providers reach this IdP at, e.g. `https://idp.test:7000`
    /// (default: http://<bound address>).
    #[arg(long, env = "MOCK_IDP_BASE_URL", global = true)]
    pub base_url: Option<String>,

    /// SAML entity ID of the IdP (default: <base URL>/metadata).
    #[arg(long, env = "MOCK_IDP_ENTITY_ID", global = true)]
    pub entity_id: Option<String>,

    /// The users file (YAML).
    #[arg(
        long,
        env = "MOCK_IDP_USERS",
        default_value = "./users.yaml",
        global = true
    )]
    pub users: PathBuf,

    /// Directory holding the signing key `idp.key` and certificate `idp.crt`; a new pair is
    /// generated there when both are missing.
    #[arg(long, env = "MOCK_IDP_CERTS", default_value = "./certs", global = true)]
    pub certs: PathBuf,

    /// The kind of key generated when the certs directory holds no pair: `rsa` (RSA-2048,
    /// rsa-sha256) or `ec-p256` (ECDSA P-256, ecdsa-sha256). An existing pair is loaded
    /// whatever its kind, and decides how responses are signed.
    #[arg(long, env = "MOCK_IDP_KEY_TYPE", value_enum, default_value_t = KeyType::Rsa)]
    pub key_type: KeyType,

    /// The service-provider registry (YAML); see docs/examples/. Without it every SP is
    /// answered as its request describes itself.
    #[arg(long, env = "MOCK_IDP_SPS", global = true)]
    pub sps: Option<PathBuf>,

    /// Refuse service providers and ACS URLs the registry does not list, instead of answering
    /// them with a warning.
    #[arg(long, env = "MOCK_IDP_STRICT", global = true)]
    pub strict: bool,

    /// Expect every SP to sign its AuthnRequests: the metadata says
    /// `WantAuthnRequestsSigned="true"`, unsigned requests get a warning, and `--strict` refuses
    /// them.
    #[arg(long, env = "MOCK_IDP_WANT_SIGNED_REQUESTS")]
    pub want_signed_requests: bool,

    /// Answer every SSO request at once as this user, without showing the picker (for
    /// browser-driven tests of an SP). A browser's own `/select` choice still wins.
    #[arg(long, env = "MOCK_IDP_AUTO_LOGIN", value_name = "USER")]
    pub auto_login: Option<String>,

    /// How log lines are written: `text` for people, `json` for machines. One line per
    /// answered login (SP, user, scenario, result); keys and secrets are never logged.
    #[arg(long, env = "MOCK_IDP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// The scenario `--auto-login` answers with (default: valid).
    #[arg(
        long,
        env = "MOCK_IDP_AUTO_SCENARIO",
        value_name = "SCENARIO",
        requires = "auto_login"
    )]
    pub auto_scenario: Option<String>,

    /// Hold every browser login on a review page where the response can be edited, then
    /// posted as typed or re-signed (the picker's "Review before posting" box starts ticked).
    #[arg(long, env = "MOCK_IDP_REVIEW")]
    pub review: bool,
}

/// `--key-type`: the kind of a generated signing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyType {
    Rsa,
    #[value(name = "ec-p256")]
    EcP256,
}

impl From<KeyType> for KeyKind {
    fn from(t: KeyType) -> Self {
        match t {
            KeyType::Rsa => KeyKind::Rsa,
            KeyType::EcP256 => KeyKind::EcP256,
        }
    }
}

/// The log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// What to do instead of serving.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Ask the server at --bind (MOCK_IDP_BIND) for /healthz; exit 0 when it answers 200.
    /// For container health checks: no shell or curl needed.
    Healthcheck,
    /// Run the failure-scenario catalogue through a live SP's login, as a browser without
    /// JavaScript, and report which broken responses it accepted (docs/audit.md).
    Audit(Box<crate::audit::args::AuditArgs>),
    /// Log in to an SP as a user, without a browser, and print the session's cookies (JSON or
    /// a Netscape cookie file) for a test suite to reuse.
    Login(Box<crate::audit::args::LoginArgs>),
}

/// The validated-at-use settings the server starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub bind: String,
    pub base_url: Option<String>,
    pub entity_id: Option<String>,
    pub users: PathBuf,
    pub certs: PathBuf,
    /// The kind of key generated when `certs` holds none.
    pub key_type: KeyKind,
    pub sps: Option<PathBuf>,
    pub strict: bool,
    pub auto_login: Option<String>,
    pub auto_scenario: Option<String>,
    pub log_format: LogFormat,
    pub want_signed_requests: bool,
    pub review: bool,
}

impl Config {
    /// `--strict`: refuse what the registry does not list.
    pub fn policy(&self) -> Policy {
        if self.strict {
            Policy::Strict
        } else {
            Policy::Permissive
        }
    }
}

impl From<Cli> for Config {
    fn from(cli: Cli) -> Self {
        Config {
            bind: cli.bind,
            base_url: cli.base_url,
            entity_id: cli.entity_id,
            users: cli.users,
            certs: cli.certs,
            key_type: cli.key_type.into(),
            sps: cli.sps,
            strict: cli.strict,
            auto_login: cli.auto_login.filter(|u| !u.is_empty()),
            auto_scenario: cli.auto_scenario.filter(|s| !s.is_empty()),
            log_format: cli.log_format,
            want_signed_requests: cli.want_signed_requests,
            review: cli.review,
        }
    }
}

/// Where the IdP is reached and what it calls itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// Absolute `http(s)://host[:port][/path]` with no trailing `/`, so paths are appended as
    /// `format!("{base_url}/sso")`.
    pub base_url: String,
    pub entity_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("--base-url (MOCK_IDP_BASE_URL) {value:?} is not an absolute http(s) URL: {reason}")]
    BaseUrl { value: String, reason: &'static str },
    #[error("--entity-id (MOCK_IDP_ENTITY_ID) {value:?} is not usable: {reason}")]
    EntityId { value: String, reason: &'static str },
}

/// Works out the public base URL and entity ID for a server bound at `bound`.
pub fn endpoints(config: &Config, bound: SocketAddr) -> Result<Endpoints, ConfigError> {
    let base_url = match non_blank(config.base_url.as_deref()) {
        Some(value) => checked_base_url(value)?,
        None => default_base_url(bound),
    };
    let entity_id = match non_blank(config.entity_id.as_deref()) {
        Some(value) => checked_entity_id(value)?,
        None => format!("{base_url}/metadata"),
    };
    Ok(Endpoints {
        base_url,
        entity_id,
    })
}

/// An empty value counts as unset: compose files and CI templates routinely export
/// `MOCK_IDP_BASE_URL=` to mean "not configured".
fn non_blank(value: Option<&str>) -> Option<&str> {
    value.filter(|v| !v.trim().is_empty())
}

fn default_base_url(bound: SocketAddr) -> String {
    // A wildcard address is where the server listens, not somewhere a browser can go;
    // `localhost` is what a person on the same machine would type.
    if bound.ip().is_unspecified() {
        format!("http://localhost:{}", bound.port())
    } else {
        // SocketAddr's Display already brackets IPv6 addresses, as URLs require.
        format!("http://{bound}")
    }
}

fn checked_base_url(value: &str) -> Result<String, ConfigError> {
    let fail = |reason| ConfigError::BaseUrl {
        value: value.to_owned(),
        reason,
    };
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(fail("it contains spaces or control characters"));
    }
    let lower = value.to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &value["http://".len()..]
    } else if lower.starts_with("https://") {
        &value["https://".len()..]
    } else {
        return Err(fail("it must start with http:// or https://"));
    };
    // Paths such as `/metadata` are appended to the base URL, which a query or fragment would
    // swallow.
    if value.contains(['?', '#']) {
        return Err(fail("it must not have a query or fragment"));
    }
    let authority = rest.split('/').next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(fail("it has no host"));
    }
    Ok(value.trim_end_matches('/').to_owned())
}

fn checked_entity_id(value: &str) -> Result<String, ConfigError> {
    // saml-core 8.3.6: an entity identifier is a URI of at most 1024 characters.
    if value.chars().count() > 1024 {
        return Err(ConfigError::EntityId {
            value: value.to_owned(),
            reason: "it is longer than the 1024 characters SAML allows",
        });
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ConfigError::EntityId {
            value: value.to_owned(),
            reason: "it contains spaces or control characters",
        });
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn config(base_url: Option<&str>, entity_id: Option<&str>) -> Config {
        Config {
            bind: "127.0.0.1:7000".into(),
            base_url: base_url.map(str::to_owned),
            entity_id: entity_id.map(str::to_owned),
            users: "./users.yaml".into(),
            certs: "./certs".into(),
            key_type: KeyKind::Rsa,
            sps: None,
            strict: false,
            auto_login: None,
            auto_scenario: None,
            log_format: LogFormat::Text,
            want_signed_requests: false,
            review: false,
        }
    }

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn cli_defaults() {
        let cli = Cli::try_parse_from(["mock-idp"]).unwrap();
        let c = Config::from(cli);
        // The environment could override defaults; only assert when it does not.
        if std::env::var_os("MOCK_IDP_BIND").is_none() {
            assert_eq!(c.bind, "127.0.0.1:7000");
        }
        if std::env::var_os("MOCK_IDP_USERS").is_none() {
            assert_eq!(c.users, PathBuf::from("./users.yaml"));
        }
        if std::env::var_os("MOCK_IDP_CERTS").is_none() {
            assert_eq!(c.certs, PathBuf::from("./certs"));
        }
        if std::env::var_os("MOCK_IDP_KEY_TYPE").is_none() {
            assert_eq!(c.key_type, KeyKind::Rsa);
        }
    }

    #[test]
    fn cli_flags() {
        let cli = Cli::try_parse_from([
            "mock-idp",
            "--bind",
            "0.0.0.0:8080",
            "--base-url",
            "https://idp.test/",
            "--entity-id",
            "urn:test:idp",
            "--users",
            "u.yaml",
            "--certs",
            "/tmp/c",
            "--key-type",
            "ec-p256",
        ])
        .unwrap();
        let c = Config::from(cli);
        assert_eq!(c.bind, "0.0.0.0:8080");
        assert_eq!(c.base_url.as_deref(), Some("https://idp.test/"));
        assert_eq!(c.entity_id.as_deref(), Some("urn:test:idp"));
        assert_eq!(c.users, PathBuf::from("u.yaml"));
        assert_eq!(c.certs, PathBuf::from("/tmp/c"));
        assert_eq!(c.key_type, KeyKind::EcP256);
    }

    #[test]
    fn key_type_names_its_values_when_wrong() {
        let err = Cli::try_parse_from(["mock-idp", "--key-type", "ec-p384"]).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("rsa") && msg.contains("ec-p256"), "{msg}");
    }

    #[test]
    fn help_lists_env_vars() {
        let help = Cli::command().render_long_help().to_string();
        for var in [
            "MOCK_IDP_BIND",
            "MOCK_IDP_BASE_URL",
            "MOCK_IDP_ENTITY_ID",
            "MOCK_IDP_USERS",
            "MOCK_IDP_CERTS",
            "MOCK_IDP_KEY_TYPE",
            "MOCK_IDP_WANT_SIGNED_REQUESTS",
        ] {
            assert!(help.contains(var), "{var} missing from:\n{help}");
        }
    }

    #[test]
    fn defaults_follow_bound_address() {
        let e = endpoints(&config(None, None), addr("127.0.0.1:7000")).unwrap();
        assert_eq!(e.base_url, "http://127.0.0.1:7000");
        assert_eq!(e.entity_id, "http://127.0.0.1:7000/metadata");
    }

    #[test]
    fn unspecified_address_becomes_localhost() {
        let e = endpoints(&config(None, None), addr("0.0.0.0:7000")).unwrap();
        assert_eq!(e.base_url, "http://localhost:7000");
        let e = endpoints(&config(None, None), addr("[::]:7001")).unwrap();
        assert_eq!(e.base_url, "http://localhost:7001");
    }

    #[test]
    fn ipv6_is_bracketed() {
        let e = endpoints(&config(None, None), addr("[::1]:7000")).unwrap();
        assert_eq!(e.base_url, "http://[::1]:7000");
    }

    #[test]
    fn base_url_trailing_slashes_removed() {
        let e = endpoints(
            &config(Some("https://idp.example.com/saml//"), None),
            addr("127.0.0.1:1"),
        )
        .unwrap();
        assert_eq!(e.base_url, "https://idp.example.com/saml");
        assert_eq!(e.entity_id, "https://idp.example.com/saml/metadata");
    }

    #[test]
    fn explicit_entity_id_wins() {
        let e = endpoints(
            &config(Some("http://localhost:9000"), Some("urn:mock-idp:test")),
            addr("127.0.0.1:1"),
        )
        .unwrap();
        assert_eq!(e.base_url, "http://localhost:9000");
        assert_eq!(e.entity_id, "urn:mock-idp:test");
    }

    #[test]
    fn blank_values_count_as_unset() {
        let e = endpoints(&config(Some(""), Some("  ")), addr("127.0.0.1:7000")).unwrap();
        assert_eq!(e.base_url, "http://127.0.0.1:7000");
        assert_eq!(e.entity_id, "http://127.0.0.1:7000/metadata");
    }

    #[test]
    fn bad_base_urls_rejected() {
        for bad in [
            "idp.example.com",
            "ftp://idp.example.com",
            "http://",
            "https:///path",
            "http://:8080",
            "http://idp.example.com/?x=1",
            "http://idp.example.com/#top",
            "http://idp example.com",
        ] {
            let err = endpoints(&config(Some(bad), None), addr("127.0.0.1:1")).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, ConfigError::BaseUrl { .. }), "{bad}: {msg}");
            assert!(msg.contains("--base-url"), "{msg}");
            assert!(msg.contains("MOCK_IDP_BASE_URL"), "{msg}");
            assert!(msg.contains(bad), "{msg}");
        }
    }

    #[test]
    fn https_and_uppercase_scheme_accepted() {
        let e = endpoints(
            &config(Some("HTTPS://IdP.test:8443"), None),
            addr("127.0.0.1:1"),
        )
        .unwrap();
        assert_eq!(e.base_url, "HTTPS://IdP.test:8443");
    }

    #[test]
    fn bad_entity_id_rejected() {
        let err = endpoints(&config(None, Some("has space")), addr("127.0.0.1:1")).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("--entity-id") && msg.contains("has space"),
            "{msg}"
        );
        let long = "x".repeat(1025);
        assert!(endpoints(&config(None, Some(&long)), addr("127.0.0.1:1")).is_err());
    }
}
