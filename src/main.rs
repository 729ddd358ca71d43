//! The `mock-idp` binary: reads the configuration, the signing key and the users, binds the
//! listener, prints where everything is, and runs the server.
//!
//! Start-up failures print `error: ...` with their causes and exit with status 2 (the status
//! clap uses for a bad command line), so a script can tell "never started" from "crashed".

use std::io::{IsTerminal as _, Write as _};
use std::net::{SocketAddr, TcpListener};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Parser as _;

use mock_idp::audit;
use mock_idp::saml::sp::Registry;
use mock_idp::server::config::{self, Cli, Command, Config, Endpoints, LogFormat};
use mock_idp::server::flow::select;
use mock_idp::server::healthcheck;
use mock_idp::server::keys::{self, LoadedKeys};
use mock_idp::server::sps;
use mock_idp::server::state::AppState;
use mock_idp::server::users::{self, Directory};
use mock_idp::server::web;

/// mimalloc rather than the C library's allocator: building and dropping the XML trees of each
/// response is allocation-heavy, glibc's malloc took about 15 % of the server's CPU under load,
/// and musl's, which the static container image would otherwise use, is slower still.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Status for anything that stops the server from starting.
const STARTUP_FAILURE: u8 = 2;
/// Status for a server that started and then failed.
const RUNTIME_FAILURE: u8 = 1;
/// The banner names at most this many users; a long file would bury the rest of it.
const USERS_SHOWN: usize = 10;

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    let command = cli.command.take();
    if let Some(Command::Healthcheck) = command {
        return match healthcheck::check(&cli.bind) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("unhealthy: {e}");
                ExitCode::from(RUNTIME_FAILURE)
            }
        };
    }
    let config = Config::from(cli);
    // Commands that act on an SP rather than serve: their own exit statuses (docs/audit.md).
    match command {
        Some(Command::Audit(args)) => return ExitCode::from(audit::cli::audit(&config, &args)),
        Some(Command::Login(args)) => return ExitCode::from(audit::cli::login(&config, &args)),
        _ => {}
    }
    init_logging(config.log_format);
    let (listener, state) = match start(&config) {
        Ok(started) => started,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(STARTUP_FAILURE);
        }
    };
    let system = actix_web::rt::System::new();
    match system.block_on(web::serve(listener, state)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: the server stopped: {e}");
            ExitCode::from(RUNTIME_FAILURE)
        }
    }
}

/// Everything up to a bound listener and a ready state; the banner is printed last, so its
/// final line (which tests wait for) only appears once the server can take connections.
fn start(config: &Config) -> anyhow::Result<(TcpListener, AppState)> {
    let keys = keys::load_or_generate(&config.certs, config.key_type)
        .context("loading the signing key")?;
    if keys.generated {
        // Every SP set up with this certificate rejects responses signed by the next one, so a
        // key that silently changes on each container start is worth a loud line.
        tracing::warn!(
            "generated a new signing key and certificate in {}: they are ephemeral unless that \
             directory is kept; in a container, mount a volume at /certs (MOCK_IDP_CERTS) or \
             SPs set up with this certificate will reject the next one",
            config.certs.display()
        );
    }
    let directory = users::load(&config.users)?;
    let registry = sps::load_configured(config.sps.as_deref())?;
    let listener = TcpListener::bind(&config.bind)
        .with_context(|| format!("cannot listen on {}", config.bind))?;
    let bound = listener
        .local_addr()
        .with_context(|| format!("cannot read the address bound for {}", config.bind))?;
    let endpoints = config::endpoints(config, bound)?;

    let banner = banner(&endpoints, &keys, &directory, &registry, config, bound);
    // AppState::new prepares the attacker keys of the failure scenarios (its error says so);
    // the context is the one start-up has always given it.
    let state = AppState::new(endpoints, keys.signer, directory)
        .context("preparing the web pages")?
        .with_registry(registry, config.policy())
        .with_signed_requests(config.want_signed_requests)
        .with_review(config.review);
    let state = match &config.auto_login {
        Some(user) => select::with_auto_login(state, user, config.auto_scenario.as_deref())
            .context(
                "--auto-login (MOCK_IDP_AUTO_LOGIN) / --auto-scenario (MOCK_IDP_AUTO_SCENARIO)",
            )?,
        None => state,
    };
    print_banner(&banner);
    Ok((listener, state))
}

fn banner(
    endpoints: &Endpoints,
    keys: &LoadedKeys,
    directory: &Directory,
    registry: &Registry,
    config: &Config,
    bound: SocketAddr,
) -> Vec<String> {
    let base = &endpoints.base_url;
    let origin = if keys.generated {
        "generated now"
    } else {
        "loaded"
    };
    let users = directory.users();
    let mut names: Vec<&str> = users
        .iter()
        .take(USERS_SHOWN)
        .map(|u| u.id.as_str())
        .collect();
    let more = users.len().saturating_sub(USERS_SHOWN);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    if names.is_empty() {
        names.push("(none)");
    }

    let mut lines = vec![
        format!(
            "mock-idp {}: a test IdP that logs anyone in; do not expose it to untrusted networks",
            env!("CARGO_PKG_VERSION")
        ),
        format!("  Entity ID      {}", endpoints.entity_id),
        format!("  Metadata URL   {base}/metadata"),
        format!("  SSO URL        {base}/sso   (HTTP-Redirect and HTTP-POST)"),
        format!(
            "  Certificate    {} ({origin})   also at {base}/certs/idp.crt",
            keys.cert_path.display()
        ),
        format!("  Key            {}", key_line(keys, config)),
        format!("  SHA-1          {}", keys.signer.sha1_fingerprint()),
        format!("  SHA-256        {}", keys.signer.sha256_fingerprint()),
        format!(
            "  Users          {} from {}: {}{more}",
            users.len(),
            config.users.display(),
            names.join(", ")
        ),
    ];
    let sps: Vec<&str> = registry
        .all()
        .iter()
        .map(|sp| sp.entity_id.as_str())
        .collect();
    lines.push(match &config.sps {
        Some(path) => format!(
            "  SPs            {} from {}: {}",
            sps.len(),
            path.display(),
            sps.join(", ")
        ),
        None => "  SPs            none registered (--sps); any SP is answered at the ACS its request names".to_owned(),
    });
    lines.push(format!(
        "  Policy         {}",
        if config.strict {
            "strict: unregistered SPs and ACS URLs are refused"
        } else {
            "permissive: unregistered SPs are answered, with a warning"
        }
    ));
    if config.want_signed_requests {
        lines.push(
            "  Requests       signed AuthnRequests wanted (WantAuthnRequestsSigned): unsigned ones are warned about, and refused with --strict".to_owned(),
        );
    }
    if let Some(user) = &config.auto_login {
        lines.push(format!(
            "  Auto-login     every SSO request is answered as {user}, scenario {}, without the picker",
            config.auto_scenario.as_deref().unwrap_or("valid")
        ));
    }
    if config.review {
        lines.push(
            "  Review         browser logins stop on a page to edit the response before it is posted"
                .to_owned(),
        );
    }
    if !bound.ip().is_loopback() {
        lines.push(format!(
            "warning: {} is reachable from other machines, and anyone who reaches it can sign in \
             as any user; bind to 127.0.0.1 unless that is intended",
            bound.ip()
        ));
    }
    // Tests read this exact line to learn the port; keep it last and unchanged.
    lines.push(format!("mock-idp listening on http://{bound}"));
    lines
}

/// The key's kind and what it signs with; a `--key-type` that the loaded key contradicts is
/// noted, since it only shapes a generated pair.
fn key_line(keys: &LoadedKeys, config: &Config) -> String {
    let kind = keys.signer.kind();
    let mut line = format!("{kind}, signs with {}", kind.default_algorithm().id());
    if kind != config.key_type {
        line.push_str(&format!(
            "   (--key-type {} applies only when a new pair is generated; the loaded key is {kind})",
            config.key_type.id()
        ));
    }
    line
}

/// Log lines go to stderr; stdout carries the banner, whose last line tests wait for.
fn init_logging(format: LogFormat) {
    // Colour codes only for a terminal: a log file or a CI log keeps plain text.
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    // A second initialisation is the only failure, and there is none: ignore it.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

fn print_banner(lines: &[String]) {
    let mut out = std::io::stdout().lock();
    // The banner is informational: with stdout closed the server is still worth running, so a
    // failed write is not a reason to stop.
    for line in lines {
        let _ = writeln!(out, "{line}");
    }
    // Whoever waits for the listening line may be reading a pipe, which is block-buffered.
    let _ = out.flush();
}
