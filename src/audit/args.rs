//! The command lines of `mock-idp audit` and `mock-idp login`. The IdP's own settings
//! (`--certs`, `--base-url`, `--entity-id`, `--users`, `--sps`) are the server's global flags,
//! so the SP's existing trust in this IdP applies unchanged.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

/// Where logins start and how they are followed; shared by `audit` and `login`.
#[derive(Debug, Clone, Args)]
pub struct Target {
    /// SP-initiated: the SP URL that starts a login (it redirects, or posts a form, to this
    /// IdP's SSO URL).
    #[arg(
        long,
        value_name = "URL",
        required_unless_present = "sp",
        conflicts_with = "sp"
    )]
    pub sp_login: Option<String>,

    /// IdP-initiated: the entity ID of an SP registered in --sps, sent unsolicited responses
    /// at its default ACS.
    #[arg(long, value_name = "ENTITY-ID")]
    pub sp: Option<String>,

    /// IdP-initiated: the RelayState sent with each response (default: the SP's registered
    /// `relay_state`; an empty value sends none).
    #[arg(long, value_name = "VALUE", requires = "sp")]
    pub relay_state: Option<String>,

    /// The user to log in (an id from --users; default: the first user).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,

    /// A page to GET after the login, with its cookies, to tell whether the SP logged the user
    /// in (default: the page the ACS post ends on).
    #[arg(long, value_name = "URL")]
    pub check_url: Option<String>,

    /// The status that page answers when logged in: a code, a list (200,204) or 2xx
    /// (default: 2xx).
    #[arg(long, value_name = "STATUS")]
    pub check_status: Option<String>,

    /// A regular expression that page's body matches when logged in. Its capture group (the
    /// one named `identity`, else the first) reads who is logged in.
    #[arg(long, value_name = "REGEX")]
    pub check_body: Option<String>,

    /// A cookie the SP sets when it logs the user in.
    #[arg(long, value_name = "NAME")]
    pub check_cookie: Option<String>,

    /// Another origin (scheme://host:port) the SP may redirect to; the SP's login URL, ACS
    /// URLs and --check-url are allowed already. Repeatable.
    #[arg(long, value_name = "URL")]
    pub allow_origin: Vec<String>,

    /// Seconds one HTTP request may take.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub timeout: u64,

    /// Accept any TLS certificate from the SP (self-signed certificates of test
    /// environments).
    #[arg(long)]
    pub insecure: bool,
}

/// `mock-idp audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub target: Target,

    /// Run only these scenarios or families (comma-separated or repeated; default: all).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Leave out these scenarios or families (comma-separated or repeated).
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub skip: Vec<String>,

    /// Write the report as JSON to this file.
    #[arg(long, value_name = "PATH")]
    pub report_json: Option<PathBuf>,

    /// Write a JUnit XML report to this file (one test case per scenario, findings as
    /// failures).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,

    /// Write a self-contained HTML report to this file.
    #[arg(long, value_name = "PATH")]
    pub report_html: Option<PathBuf>,

    /// Exit with status 1 when there are findings of this severity or above: `critical`,
    /// `high`, `medium`, or `any` (every finding, refused probe or scenario that could not
    /// run).
    #[arg(long, value_enum, default_value_t = FailOn::Any)]
    pub fail_on: FailOn,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    High,
    Medium,
    Any,
}

/// `mock-idp login`.
#[derive(Debug, Clone, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub target: Target,

    /// The scenario to answer with (default: valid).
    #[arg(long, value_name = "ID", default_value = "valid")]
    pub scenario: String,

    /// How to print the session's cookies: `json`, or `netscape` (the cookie file curl -b
    /// and wget --load-cookies read).
    #[arg(long, value_enum, default_value_t = CookieFormat::Json)]
    pub format: CookieFormat,

    /// Write the cookies to this file instead of standard output.
    #[arg(long, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// `--format` of `mock-idp login`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CookieFormat {
    Json,
    Netscape,
}
