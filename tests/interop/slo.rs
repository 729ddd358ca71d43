//! Single logout with real SP libraries: python3-saml and @node-saml/node-saml log a user in,
//! then log out SP-initiated (they build and sign the LogoutRequest, by HTTP-Redirect and, with
//! an enveloped signature, by HTTP-POST; they judge our LogoutResponse) and IdP-initiated (they
//! judge our LogoutRequest and answer it), honestly and under each `slo-*` scenario. node-saml
//! and python3-saml registered with `slo_binding: post` (`tests/fixtures/slo/sps-post.yaml`)
//! also judge our LogoutRequest posted by an auto-submitting form.
//!
//! The drivers are `python/slo_sp.py` and `node/slo_sp.js`; the server runs with
//! `tests/fixtures/slo/sps.yaml`, which registers both SPs with their logout URLs and
//! certificates. Each driver prints one JSON line per case; the table below says what each
//! library does with each case, so a library that starts (or stops) accepting a broken message
//! fails the test. Where a library accepts a broken message, the table says so and why: that is
//! a finding about the library, not hidden here.

use std::collections::BTreeMap;
use std::fs;
use std::process::{Command, Stdio};

use serde_json::Value;

use super::{
    interop_dir, repo, start, truncate, wait_with_timeout, Server, Setup, Sp, DRIVER_TIMEOUT,
    RUN_TESTS_HINT,
};

/// What a library does with one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The library accepts it and the IdP completes the logout.
    Accepted,
    /// The library refuses it.
    Refused,
    /// The library accepts it; only the application's own check (NameID and SessionIndex
    /// against the SP's session) refuses it.
    AppRefuses,
    /// The library accepts a message a correct SP refuses.
    WronglyAccepted,
}

/// Every case a driver runs, with what a correct SP does.
const CASES: [&str; 16] = [
    "sp-initiated valid",
    "idp-initiated valid",
    "sp-initiated slo-unsigned",
    "sp-initiated slo-bad-signature",
    "sp-initiated slo-status-failure",
    "sp-initiated slo-wrong-in-response-to",
    "sp-initiated-post valid",
    "sp-initiated-post slo-unsigned",
    "sp-initiated-post slo-bad-signature",
    "sp-initiated-post slo-status-failure",
    "sp-initiated-post slo-wrong-in-response-to",
    "idp-initiated slo-unsigned",
    "idp-initiated slo-bad-signature",
    "idp-initiated slo-wrong-session-index",
    "idp-initiated slo-wrong-nameid",
    "idp-initiated slo-expired",
];

/// The cases of an SP registered with `slo_binding: post` (`--post-logout`): our LogoutRequest
/// arrives as a form with an enveloped signature.
const POST_CASES: [&str; 3] = [
    "idp-initiated-post valid",
    "idp-initiated-post slo-unsigned",
    "idp-initiated-post slo-bad-signature",
];

fn expected(library: &str, case: &str) -> Expect {
    match (library, case) {
        (
            _,
            "sp-initiated valid"
            | "sp-initiated-post valid"
            | "idp-initiated valid"
            | "idp-initiated-post valid",
        ) => Expect::Accepted,
        // Neither library knows the SP's sessions: process_slo and validateRedirectAsync return
        // the NameID and SessionIndex, and the application must compare them.
        (_, "idp-initiated slo-wrong-session-index" | "idp-initiated slo-wrong-nameid") => {
            Expect::AppRefuses
        }
        // Finding: node-saml 5.1.0's validateRedirectAsync checks a query signature only when
        // one is present (hasValidSignatureForRedirect returns true without a Signature
        // parameter), and has no option to require one for logout messages.
        ("node-saml", "sp-initiated slo-unsigned" | "idp-initiated slo-unsigned") => {
            Expect::WronglyAccepted
        }
        // Finding: node-saml 5.1.0's validatePostResponseAsync returns loggedOut for any
        // LogoutResponse whose signature verifies: it reads the status and InResponseTo of a
        // samlp:Response root only.
        (
            "node-saml",
            "sp-initiated-post slo-status-failure" | "sp-initiated-post slo-wrong-in-response-to",
        ) => Expect::WronglyAccepted,
        _ => Expect::Refused,
    }
}

fn run_driver(library: &str, mut cmd: Command, base: &str, cases: &[&str]) -> Vec<Value> {
    let keys = repo().join("tests/fixtures/signed-requests/keys");
    let out = tempfile::tempdir().expect("driver output directory");
    let stdout_path = out.path().join("stdout");
    let stderr_path = out.path().join("stderr");
    let mut child = cmd
        .arg("--idp")
        .arg(base)
        .arg("--keys")
        .arg(&keys)
        .current_dir(interop_dir())
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the {library} driver ({e}): {RUN_TESTS_HINT}"));
    let status = wait_with_timeout(&mut child, DRIVER_TIMEOUT);
    let stdout = fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop");
    if fs::create_dir_all(&dir).is_ok() {
        let _ = fs::write(dir.join(format!("slo-{library}.jsonl")), &stdout);
    }
    let lines: Vec<Value> = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    assert!(
        status.is_some_and(|s| s.success()) && lines.len() == cases.len(),
        "the {library} logout driver failed (exit {status:?}; a missing library shows here as \
         an import error: {RUN_TESTS_HINT})\nstdout:\n{}\nstderr:\n{}",
        truncate(&stdout, 6000),
        truncate(&stderr, 3000)
    );
    lines
}

fn judge(library: &str, lines: &[Value], server: &Server, cases: &[&str]) {
    let by_case: BTreeMap<&str, &Value> = lines
        .iter()
        .filter_map(|l| l["case"].as_str().map(|c| (c, l)))
        .collect();
    let mut problems = Vec::new();
    for case in cases.iter().copied() {
        let Some(line) = by_case.get(case) else {
            problems.push(format!("{case}: no verdict"));
            continue;
        };
        for c in line["checks"].as_array().into_iter().flatten() {
            if c["ok"] != Value::Bool(true) {
                problems.push(format!(
                    "{case}: check {} failed: {}",
                    c["name"], c["detail"]
                ));
            }
        }
        let library_accepted = line["library_accepted"] == Value::Bool(true);
        let app_accepted = line["app_accepted"] == Value::Bool(true);
        let idp = line["idp_result"].as_str().unwrap_or_default();
        let observed = match (library_accepted, app_accepted) {
            (true, true) if case.ends_with(" valid") => Expect::Accepted,
            (true, true) => Expect::WronglyAccepted,
            (true, false) => Expect::AppRefuses,
            (false, _) => Expect::Refused,
        };
        let want = expected(library, case);
        if observed != want {
            problems.push(format!(
                "{case}: expected {want:?}, observed {observed:?} ({})",
                line["library_error"]
            ));
        }
        // What the IdP did: an SP-initiated logout always ends the IdP session; an
        // IdP-initiated one records the SP's answer, or its silence.
        let idp_ok = match (line["flow"].as_str(), app_accepted) {
            (Some("sp-initiated"), _) => idp == "logged out",
            (_, true) => idp == "success",
            (_, false) => idp == "no answer",
        };
        if !idp_ok {
            problems.push(format!("{case}: the IdP's side: {idp}"));
        }
        println!(
            "{library:<14} {case:<40} library {} app {} idp {idp}{}",
            if library_accepted {
                "accepts"
            } else {
                "refuses"
            },
            if app_accepted { "accepts" } else { "refuses" },
            line["library_error"]
                .as_str()
                .map(|e| format!(" ({e})"))
                .unwrap_or_default()
        );
    }
    assert!(
        problems.is_empty(),
        "{library} single logout:\n  {}\nmock-idp stderr:\n{}",
        problems.join("\n  "),
        truncate(&server.stderr(), 3000)
    );
}

fn setup() -> Setup {
    Setup::registry("../slo/sps.yaml")
}

fn single_logout(sp: Sp) {
    let library = sp.name();
    let cmd = sp.installed("slo_sp.py", "slo_sp.js");
    let server = start(setup());
    let lines = run_driver(library, cmd, &server.base, &CASES);
    judge(library, &lines, &server, &CASES);
}

/// An SP whose logout endpoint takes only HTTP-POST is told of an IdP-initiated logout by an
/// auto-submitting form: node-saml's validatePostRequestAsync, and python3-saml's validate_sign
/// and LogoutRequest.is_valid, accept our signed LogoutRequest and refuse it unsigned or with a
/// broken signature.
fn posted_logout_request(sp: Sp) {
    let library = sp.name();
    let mut cmd = sp.installed("slo_sp.py", "slo_sp.js");
    cmd.arg("--post-logout");
    let server = start(Setup::registry("../slo/sps-post.yaml"));
    let lines = run_driver(library, cmd, &server.base, &POST_CASES);
    judge(library, &lines, &server, &POST_CASES);
}

each_sp! {
    single_logout: python3_saml_single_logout, node_saml_single_logout;
    posted_logout_request: python3_saml_accepts_a_posted_logout_request, node_saml_accepts_a_posted_logout_request;
}
