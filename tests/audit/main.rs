//! `mock-idp audit` and `mock-idp login` against live service providers the test starts
//! (`sps.rs`): python3-saml and node-saml with the settings of the scenario judges, whose
//! verdicts must agree with what `tests/scenarios/expectations.yaml` pins for those libraries,
//! and a careless SP that checks no signature. Then the ways an audit fails: the SP refuses
//! `valid`, the SP is down, a redirect leaves the allowed origins, the check never matches.
//!
//! The IdP is never started: the SPs know it by a base URL nobody serves
//! (`http://127.0.0.1:9`), and the audit answers their requests in-process with the key
//! in a temporary `--certs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test with its message"
)]

#[path = "../common/mod.rs"]
mod common;
mod sps;

use std::collections::BTreeMap;
use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use common::repo;
use sps::{Kind, Sp, SpKeys};

/// The base URL the SPs send their requests to; nothing listens there. The same site as the
/// SPs (127.0.0.1), as an IdP and SP on one machine are: browsers send SameSite=Lax cookies,
/// which python3-saml's SP keeps its login in, on a same-site POST only.
const IDP: &str = "http://127.0.0.1:9";

/// A temporary `--certs` with the fixture key pair, and the files an audit writes.
struct Workdir {
    dir: tempfile::TempDir,
    /// `--base-url`: what the SPs know the IdP by.
    idp: &'static str,
}

impl Workdir {
    fn new() -> Workdir {
        let dir = tempfile::tempdir().unwrap();
        let certs = dir.path().join("certs");
        fs::create_dir(&certs).unwrap();
        let keys = repo().join("tests/fixtures/keys");
        fs::copy(keys.join("test.key"), certs.join("idp.key")).unwrap();
        fs::copy(keys.join("test.crt"), certs.join("idp.crt")).unwrap();
        Workdir { dir, idp: IDP }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn idp_cert(&self) -> PathBuf {
        self.path("certs/idp.crt")
    }

    /// `mock-idp <global flags> <args>`.
    fn mock_idp(&self, registry: Option<&Path>, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mock-idp"));
        cmd.arg("--certs")
            .arg(self.path("certs"))
            .arg("--users")
            .arg(repo().join("users.yaml"))
            .args(["--base-url", self.idp]);
        if let Some(registry) = registry {
            cmd.arg("--sps").arg(registry);
        }
        cmd.args(args).env_remove("MOCK_IDP_BIND");
        cmd.output().unwrap()
    }

    /// `mock-idp audit` of `sp` with its `Logged in as (...)` check, writing every report.
    fn audit(&self, sp: &Sp, registry: Option<&Path>, extra: &[&str]) -> Audit {
        let (json, junit, html) = (
            self.path("report.json"),
            self.path("report.xml"),
            self.path("report.html"),
        );
        let mut args = vec![
            "audit",
            "--sp-login",
            &sp.login_url,
            "--check-url",
            &sp.check_url,
        ];
        let has_body = extra.contains(&"--check-body");
        if !has_body {
            args.extend(["--check-body", sp.logged_in]);
        }
        let paths =
            [json.clone(), junit.clone(), html.clone()].map(|p| p.to_str().unwrap().to_owned());
        args.extend(["--report-json", &paths[0], "--junit", &paths[1]]);
        args.extend(["--report-html", &paths[2]]);
        args.extend(extra);
        let output = self.mock_idp(registry, &args);
        let report = fs::read_to_string(&json)
            .ok()
            .map(|text| serde_json::from_str(&text).unwrap());
        Audit {
            output,
            report,
            junit: fs::read_to_string(&junit).ok(),
            html: fs::read_to_string(&html).ok(),
        }
    }
}

struct Audit {
    output: Output,
    report: Option<Value>,
    junit: Option<String>,
    html: Option<String>,
}

impl Audit {
    fn status(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }

    fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    fn report(&self) -> &Value {
        self.report.as_ref().unwrap_or_else(|| {
            panic!(
                "no JSON report; status {}\nstdout:\n{}\nstderr:\n{}",
                self.status(),
                self.stdout(),
                self.stderr()
            )
        })
    }

    fn results(&self) -> &[Value] {
        self.report()["results"].as_array().unwrap()
    }

    fn result(&self, id: &str) -> &Value {
        self.results()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("no result for {id}"))
    }
}

/// What `tests/scenarios` observed for `library`: scenario id → (`accepted`, tolerated either
/// way, the NameID read with `<user>` for the user's own).
fn pinned(library: &str) -> BTreeMap<String, (bool, bool, Option<String>)> {
    let text = fs::read_to_string(repo().join("tests/scenarios/expectations.yaml")).unwrap();
    let all: serde_yaml::Value = serde_yaml::from_str(&text).unwrap();
    let entries = all[library].as_sequence().unwrap();
    entries
        .iter()
        .map(|e| {
            (
                e["scenario"].as_str().unwrap().to_owned(),
                (
                    e["observed"] == "accepted",
                    e["unstable"].as_bool().unwrap_or(false),
                    e["read"]["nameid"].as_str().map(str::to_owned),
                ),
            )
        })
        .collect()
}

/// Checks every judged login scenario of `audit` against what `tests/scenarios` pins for
/// `library`: a scenario without an entry is judged as the catalogue says.
fn agrees_with_scenario_suite(audit: &Audit, library: &str) {
    let pins = pinned(library);
    let user = audit.report()["name_id"].as_str().unwrap().to_owned();
    let mut disagreements = Vec::new();
    let mut judged = 0;
    for r in audit.results() {
        let id = r["id"].as_str().unwrap();
        if r["family"] == "logout" {
            // tests/scenarios pins logins only; each test checks the logouts it runs.
            continue;
        }
        match r["outcome"].as_str().unwrap() {
            "judged" => {}
            other => {
                disagreements.push(format!("{id}: {other} {}", r["error"]));
                continue;
            }
        }
        judged += 1;
        let accepted = r["logged_in"].as_bool().unwrap();
        let (expected, unstable, read) = match pins.get(id) {
            Some(pin) => pin.clone(),
            None => (r["expected"] == "accept", false, None),
        };
        if accepted != expected && !unstable {
            disagreements.push(format!(
                "{id}: the audit saw {}, tests/scenarios pins {} ({})",
                if accepted { "accepted" } else { "refused" },
                if expected { "accepted" } else { "rejected" },
                r["summary"]
            ));
        }
        if let (Some(read), true) = (read, accepted) {
            let read = read.replace("<user>", &user);
            // The SPs show the NameID trimmed: compare without surrounding blanks.
            if r["identity"].as_str().map(str::trim) != Some(read.trim()) {
                disagreements.push(format!(
                    "{id}: the SP showed {}, tests/scenarios pins the NameID {read:?}",
                    r["identity"]
                ));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{library}: the audit disagrees with tests/scenarios on {} of {judged} scenarios:\n{}\nstderr:\n{}",
        disagreements.len(),
        disagreements.join("\n"),
        audit.stderr()
    );
    assert!(judged >= 80, "{library}: only {judged} scenarios judged");
}

/// The findings of a report, as `id (severity)`.
fn findings(audit: &Audit) -> Vec<String> {
    audit
        .results()
        .iter()
        .filter(|r| r["verdict"] == "finding")
        .map(|r| {
            format!(
                "{} ({})",
                r["id"].as_str().unwrap(),
                r["finding_severity"].as_str().unwrap()
            )
        })
        .collect()
}

/// The JUnit file has one test case per result, findings and refused probes as failures.
fn junit_matches(audit: &Audit) {
    let junit = audit.junit.as_deref().expect("a JUnit report");
    let cases = junit.matches("<testcase ").count();
    assert_eq!(cases, audit.results().len(), "{junit}");
    let summary = &audit.report()["summary"];
    let failing = ["critical", "high", "medium", "incompatible"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap())
        .sum::<u64>();
    assert_eq!(junit.matches("<failure ").count() as u64, failing);
    let html = audit.html.as_deref().expect("an HTML report");
    assert!(html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"));
}

#[test]
fn python3_saml_agrees_with_the_scenario_suite() {
    let work = Workdir::new();
    let sp = sps::python3_saml(IDP, &work.idp_cert(), &SpKeys::fixture());
    let registry = sps::write_registry(&work.path("sps.yaml"), &[&sp], false);
    let audit = work.audit(&sp, Some(&registry), &[]);
    agrees_with_scenario_suite(&audit, "python3-saml");
    assert_eq!(
        audit.status(),
        1,
        "python3-saml has findings: {:?}",
        findings(&audit)
    );
    assert!(findings(&audit).contains(&"no-audience (high)".to_owned()));
    // The encryption scenarios ran: the SP has an encryption certificate in the registry.
    assert_eq!(audit.result("enc-valid")["verdict"], "passed");
    // python3-saml reads the whole commented NameID: the policy, not the victim.
    let comment = audit.result("nameid-comment");
    assert_eq!(comment["verdict"], "policy");
    assert_eq!(comment["took"], "signed");
    // Logout: python3-saml refuses unsigned, badly signed and expired LogoutRequests, and the
    // SP compares the NameID with its login; nothing compares the SessionIndex, so a request
    // for another session of the same user ends this one.
    let logout: Vec<(String, String)> = audit
        .results()
        .iter()
        .filter(|r| r["family"] == "logout")
        .map(|r| {
            let verdict = r["verdict"]
                .as_str()
                .or(r["reason"].as_str())
                .unwrap_or("error");
            let verdict: String = verdict.chars().take(40).collect();
            (
                r["id"].as_str().unwrap().to_owned(),
                verdict.trim().to_owned(),
            )
        })
        .collect();
    let responses_only = "breaks only the IdP's LogoutResponse to";
    assert_eq!(
        logout,
        [
            ("slo-unsigned", "passed"),
            ("slo-bad-signature", "passed"),
            ("slo-wrong-session-index", "finding"),
            ("slo-wrong-nameid", "passed"),
            ("slo-expired", "passed"),
            ("slo-status-failure", responses_only),
            ("slo-wrong-in-response-to", responses_only),
        ]
        .map(|(id, v)| (id.to_owned(), v.to_owned())),
        "{}",
        audit.stderr()
    );
    assert!(audit.result("slo-unsigned")["summary"]
        .as_str()
        .unwrap()
        .contains("kept its session"));
    junit_matches(&audit);
    let seconds = audit.report()["seconds"].as_f64().unwrap();
    println!(
        "python3-saml: {} scenarios in {seconds:.1} s",
        audit.results().len()
    );
    assert!(audit.stdout().contains("no-audience"), "{}", audit.stdout());
}

#[test]
fn node_saml_agrees_with_the_scenario_suite() {
    let work = Workdir::new();
    let sp = sps::node_saml(IDP, &work.idp_cert(), &SpKeys::fixture());
    let registry = sps::write_registry(&work.path("sps.yaml"), &[&sp], false);
    let audit = work.audit(&sp, Some(&registry), &[]);
    agrees_with_scenario_suite(&audit, "node-saml");
    assert_eq!(audit.status(), 1);
    assert!(findings(&audit).contains(&"wrong-recipient (high)".to_owned()));
    junit_matches(&audit);
    let seconds = audit.report()["seconds"].as_f64().unwrap();
    println!(
        "node-saml: {} scenarios in {seconds:.1} s",
        audit.results().len()
    );
}

#[test]
fn the_careless_sp_fails_every_signature_and_wrapping_scenario_critically() {
    let work = Workdir::new();
    let sp = sps::careless(IDP);
    // "Logged in" without a capture: acceptance is all the check sees.
    let audit = work.audit(&sp, None, &["--check-body", "Logged in as"]);
    assert_eq!(audit.status(), 1);
    let mut not_critical = Vec::new();
    for r in audit.results() {
        let family = r["family"].as_str().unwrap();
        if !matches!(family, "signature" | "wrapping") || r["expected"] != "reject" {
            continue;
        }
        if r["finding_severity"] != "critical" {
            not_critical.push(format!("{}: {}", r["id"], r["summary"]));
        }
    }
    // Its one check is the top-level status: a signed error response logs nobody in.
    assert_eq!(
        not_critical,
        [
            r#""signed-error-with-assertion": "refused (the body does not match /Logged in as/), as a correct SP does""#
        ],
    );
    // Without an encryption certificate in a registry, the encryption scenarios are skipped.
    let enc = audit.result("enc-valid");
    assert_eq!(enc["outcome"], "skipped");
    assert!(enc["reason"]
        .as_str()
        .unwrap()
        .contains("encryption certificate"));
}

#[test]
fn the_identity_the_sp_shows_tells_a_harmless_acceptance_from_the_attackers_login() {
    let work = Workdir::new();
    let sp = sps::careless(IDP);
    let audit = work.audit(&sp, None, &["--only", "xsw1,xsw3,nameid-comment,expired"]);
    let user = audit.report()["name_id"].as_str().unwrap().to_owned();
    assert_eq!(audit.report()["user_as_shown"], user.as_str());
    // The careless SP reads the first assertion in the document.
    let xsw3 = audit.result("xsw3");
    assert_eq!(xsw3["verdict"], "finding", "{xsw3}");
    assert_eq!(xsw3["took"], "forged");
    assert_eq!(xsw3["identity"], "admin@acme-support.example");
    let xsw1 = audit.result("xsw1");
    assert_eq!(xsw1["verdict"], "harmless", "{xsw1}");
    assert_eq!(xsw1["identity"], user.as_str());
    // It reads the NameID up to the comment: the victim's own account.
    let comment = audit.result("nameid-comment");
    assert_eq!(comment["verdict"], "finding");
    assert_eq!(comment["finding_severity"], "critical");
    assert_eq!(comment["took"], "forged");
    assert_eq!(audit.result("expired")["finding_severity"], "medium");
    assert_eq!(audit.results().len(), 5, "valid and the four chosen");
    assert_eq!(audit.report()["warnings"], serde_json::json!([]));
    assert_eq!(
        audit.report()["sp"]["entity_id"],
        "https://careless-sp.audit.test/metadata",
        "from the Issuer of its AuthnRequest"
    );

    // A capture that reads something other than the NameID cannot tell the attacker from the
    // user: identities are not compared, and the report says why.
    let blind = work.audit(
        &sp,
        None,
        &["--only", "xsw1,xsw3", "--check-body", "(Logged) in as"],
    );
    let warnings = blind.report()["warnings"].to_string();
    assert!(
        warnings.contains(r#"the SP shows the user as \"Logged\""#),
        "{warnings}"
    );
    assert_eq!(blind.result("xsw1")["finding_severity"], "critical");
    assert_eq!(blind.result("xsw3")["took"], "unseen");
    assert!(blind.stdout().contains("Note: the SP shows the user as"));
    // Any finding fails by default; --fail-on counts only what is at or above it.
    assert_eq!(audit.status(), 1);
    let only_expired = work.audit(&sp, None, &["--only", "expired", "--fail-on", "high"]);
    assert_eq!(only_expired.status(), 0, "{}", only_expired.stdout());
    assert_eq!(only_expired.report()["summary"]["medium"], 1);
}

#[test]
fn an_sp_that_refuses_valid_stops_the_audit_with_what_it_must_trust() {
    let work = Workdir::new();
    // The SP trusts another certificate than the one in --certs.
    let other = repo().join("tests/fixtures/keys/test-ec.crt");
    let sp = sps::python3_saml(IDP, &other, &SpKeys::fixture());
    let audit = work.audit(&sp, None, &[]);
    assert_eq!(audit.status(), 2, "{}", audit.stdout());
    let err = audit.stderr();
    assert!(err.contains("refused the `valid` response"), "{err}");
    assert!(err.contains("Rejected"), "the SP's own words: {err}");
    assert!(
        err.contains("entity ID http://127.0.0.1:9/metadata"),
        "{err}"
    );
    assert!(err.contains("SHA-1 "), "{err}");
    assert!(
        audit.report.is_none(),
        "no report of findings that mean nothing"
    );
}

#[test]
fn a_login_cookie_a_browser_keeps_from_the_cross_site_post_is_diagnosed() {
    let mut work = Workdir::new();
    work.idp = "http://idp.audit.test";
    // python3-saml's SP keeps the ID of its request in a SameSite=Lax cookie, and this IdP is
    // another site: a browser does not send that cookie with the auto-post page's POST.
    let sp = sps::python3_saml(work.idp, &work.idp_cert(), &SpKeys::fixture());
    let out = work.mock_idp(
        None,
        &[
            "audit",
            "--sp-login",
            &sp.login_url,
            "--check-url",
            &sp.check_url,
            "--check-body",
            sp.logged_in,
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no_login_in_progress"), "{err}");
    assert!(
        err.contains(
            "The post carried no browser_sp_login: the SP set it with SameSite=Lax or Strict"
        ),
        "{err}"
    );
}

#[test]
fn idp_initiated_logins_go_to_the_registered_acs() {
    let work = Workdir::new();
    let sp = sps::careless(IDP);
    let registry = sps::write_registry(&work.path("sps.yaml"), &[&sp], false);
    let audit = {
        let args = [
            "audit",
            "--sp",
            sp.entity_id.as_str(),
            "--relay-state",
            "https://app.example/after",
            "--check-url",
            &sp.check_url,
            "--check-body",
            sp.logged_in,
            "--only",
            "expired,wrong-audience",
        ];
        work.mock_idp(Some(&registry), &args)
    };
    let stdout = String::from_utf8_lossy(&audit.stdout);
    assert_eq!(
        audit.status.code(),
        Some(1),
        "{stdout}{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    assert!(stdout.contains("expired"), "{stdout}");
    assert!(stdout.contains("3 scenarios in"), "{stdout}");

    let out = work.mock_idp(
        Some(&registry),
        &["login", "--sp", &sp.entity_id, "--format", "netscape"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\tcareless_sp_login\t"));
}

#[test]
fn an_sp_with_a_self_signed_certificate_needs_insecure() {
    let work = Workdir::new();
    let keys = repo().join("tests/fixtures/keys");
    let tls = SpKeys {
        key: keys.join("test.key"),
        cert: keys.join("test.crt"),
    };
    let sp = sps::careless_over_tls(IDP, &tls);
    assert!(sp.login_url.starts_with("https://"), "{}", sp.login_url);
    let refused = work.audit(&sp, None, &["--only", "expired"]);
    assert_eq!(refused.status(), 2);
    let err = refused.stderr();
    assert!(err.contains(&format!("GET {}", sp.login_url)), "{err}");
    assert!(err.contains("certificate verify failed"), "{err}");
    assert!(err.contains("--insecure accepts any"), "{err}");
    let insecure = work.audit(&sp, None, &["--only", "expired", "--insecure"]);
    assert_eq!(insecure.status(), 1, "{}", insecure.stderr());
    assert_eq!(insecure.result("expired")["verdict"], "finding");
}

#[test]
fn an_sp_that_is_down_is_a_setup_error() {
    let work = Workdir::new();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let login = format!("http://127.0.0.1:{port}/login");
    let out = work.mock_idp(None, &["audit", "--sp-login", &login, "--check-body", "x"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("GET {login}")), "{err}");
    assert!(err.contains("refused: is the SP running?"), "{err}");
}

#[test]
fn an_sp_that_stops_answering_mid_audit_ends_it_with_errors_that_say_so() {
    let work = Workdir::new();
    // valid and expired are answered, then the SP is gone.
    let sp = sps::careless_stopping_after(IDP, 2);
    let audit = work.audit(
        &sp,
        None,
        &["--skip", "encryption,logout", "--timeout", "2"],
    );
    assert_eq!(audit.status(), 1, "{}", audit.stderr());
    let errors: Vec<&str> = audit
        .results()
        .iter()
        .filter(|r| r["outcome"] == "error")
        .map(|r| r["error"].as_str().unwrap())
        .collect();
    assert!(errors.len() > 70, "{errors:?}");
    // The SP went away while answering `expired` (reset, refused or cut short), then
    // three logins in a row found nobody at the login URL.
    let login = format!(
        "GET {}: the connection was refused: is the SP running?",
        sp.login_url
    );
    assert!(errors[0].contains(&sp.base), "{}", errors[0]);
    for e in &errors[1..4] {
        assert!(e.contains(&login), "{e}");
    }
    assert!(
        errors[4].starts_with("not run: the SP stopped answering (3 logins in a row"),
        "{}",
        errors[4]
    );
    assert!(errors[4..].iter().all(|e| e.starts_with("not run:")));
    assert_eq!(audit.report()["summary"]["errors"], errors.len());
}

#[test]
fn a_cookie_the_sp_set_before_the_login_proves_nothing() {
    let work = Workdir::new();
    // python3-saml's SP sets browser_sp_login when a login starts, to remember its request.
    let sp = sps::python3_saml(IDP, &work.idp_cert(), &SpKeys::fixture());
    let out = work.mock_idp(
        None,
        &[
            "audit",
            "--sp-login",
            &sp.login_url,
            "--check-cookie",
            "browser_sp_login",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("the SP has not set the cookie browser_sp_login"),
        "{err}"
    );
    // The careless SP sets its cookie when the ACS logs the user in: that one counts.
    let careless = sps::careless(IDP);
    let out = work.mock_idp(
        None,
        &[
            "audit",
            "--sp-login",
            &careless.login_url,
            "--check-cookie",
            "careless_sp_login",
            "--only",
            "expired",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_check_page_that_sends_the_browser_back_to_the_idp_means_not_logged_in() {
    let work = Workdir::new();
    // Logged out, GET / redirects to /login, which redirects to the IdP: the audit stops
    // there (it never contacts the IdP) and the check sees a redirect, not a login.
    let sp = sps::careless_bouncing(IDP);
    let audit = work.audit(
        &sp,
        None,
        &["--only", "signed-error-with-assertion,expired"],
    );
    assert_eq!(audit.report()["summary"]["errors"], 0, "{}", audit.stdout());
    let refused = audit.result("signed-error-with-assertion");
    assert_eq!(refused["verdict"], "passed", "{refused}");
    assert!(refused["summary"]
        .as_str()
        .unwrap()
        .contains("answered 302 where the check wants 2xx"));
    let check = &refused["login"]["check"];
    assert_eq!(check["status"], 302);
    assert!(check["location"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{IDP}/sso?SAMLRequest=")));
    assert_eq!(audit.result("expired")["verdict"], "finding");
}

#[test]
fn a_redirect_outside_the_allowed_origins_is_not_followed() {
    let work = Workdir::new();
    // This SP sends its requests to another IdP: a host the audit has no business visiting.
    let sp = sps::careless("http://elsewhere.test");
    let audit = work.audit(&sp, None, &[]);
    assert_eq!(audit.status(), 2);
    let err = audit.stderr();
    assert!(
        err.contains("redirects to http://elsewhere.test/sso?SAMLRequest="),
        "{err}"
    );
    assert!(
        err.contains("outside the origins this audit may visit"),
        "{err}"
    );
    assert!(err.contains("--allow-origin"), "{err}");
}

#[test]
fn a_check_that_never_matches_says_so() {
    let work = Workdir::new();
    let sp = sps::careless(IDP);
    let audit = work.audit(&sp, None, &["--check-body", "Welcome back"]);
    assert_eq!(audit.status(), 2);
    let err = audit.stderr();
    assert!(
        err.contains("the body does not match /Welcome back/"),
        "{err}"
    );
    assert!(err.contains("refused the `valid` response"), "{err}");
}

#[test]
fn bad_command_lines_are_setup_errors_that_say_what_is_wrong() {
    let work = Workdir::new();
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "audit",
                "--sp-login",
                "http://127.0.0.1:9/",
                "--check-body",
                "x",
                "--junit",
                "/no/such/dir/a.xml",
            ],
            "--junit /no/such/dir/a.xml: the directory /no/such/dir does not exist",
        ),
        (
            &["audit", "--sp-login", "http://127.0.0.1:9/login"],
            "no check",
        ),
        (
            &[
                "audit",
                "--sp-login",
                "http://127.0.0.1:9/login",
                "--check-body",
                "x",
                "--only",
                "nope",
            ],
            "\"nope\" is neither a scenario nor a family",
        ),
        (
            &["audit", "--sp-login", "/login", "--check-body", "x"],
            "--sp-login \"/login\" is not an absolute",
        ),
        (
            &[
                "audit",
                "--sp",
                "https://unknown.example",
                "--check-body",
                "x",
            ],
            "is not registered in --sps",
        ),
    ];
    for (args, says) in cases {
        let out = work.mock_idp(None, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mock-idp"))
        .arg("--certs")
        .arg(empty.path())
        .args([
            "audit",
            "--sp-login",
            "http://127.0.0.1:9/",
            "--check-body",
            "x",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds no signing key"), "{err}");
    assert!(
        fs::read_dir(empty.path()).unwrap().next().is_none(),
        "no key generated"
    );
}

#[test]
fn login_hands_over_the_sp_session_as_json_and_as_a_curl_cookie_file() {
    let work = Workdir::new();
    let sp = sps::node_saml(IDP, &work.idp_cert(), &SpKeys::fixture());
    let out = work.mock_idp(
        None,
        &[
            "login",
            "--sp-login",
            &sp.login_url,
            "--check-url",
            &sp.check_url,
            "--check-body",
            sp.logged_in,
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let session: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cookie = session["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "node_sp_login")
        .unwrap_or_else(|| panic!("{session}"));
    assert_eq!(session["user"], "alice");
    assert_eq!(session["identity"], "alice.martin@acme-support.example");

    // The cookie is the SP session: a client with it is logged in.
    let page = reqwest::blocking::Client::new()
        .get(&sp.check_url)
        .header(
            "Cookie",
            format!("node_sp_login={}", cookie["value"].as_str().unwrap()),
        )
        .send()
        .unwrap()
        .text()
        .unwrap();
    assert!(page.contains("Logged in as"), "{page}");

    let file = work.path("cookies.txt");
    let out = work.mock_idp(
        None,
        &[
            "login",
            "--sp-login",
            &sp.login_url,
            "--format",
            "netscape",
            "--output",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("# Netscape HTTP Cookie File\n"), "{text}");
    assert!(text.contains("\tnode_sp_login\t"), "{text}");

    // A scenario the SP refuses is no session: status 1, and why.
    let out = work.mock_idp(
        None,
        &[
            "login",
            "--sp-login",
            &sp.login_url,
            "--scenario",
            "expired",
            "--check-url",
            &sp.check_url,
            "--check-body",
            sp.logged_in,
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did not log"));
    drop(sp);
    let _ = Kind::Careless;
}
