//! Every scenario of the catalogue, judged by real SAML software.
//!
//! One `mock-idp` is started on 127.0.0.1:0 and `GET /api/scenarios` gives the catalogue (no
//! list is kept here). Three judges go through all of it, each playing a service provider of
//! its own:
//! - python3-saml, strict, wanting the Response and the Assertion signed, and the xmlsec1
//!   command line, which verifies the signatures and nothing else: one Python process,
//!   `judges.py`;
//! - @node-saml/node-saml with secure settings: one Node process, `judge.js`.
//!
//! The judges' SPs are registered (`--sps`, written by [`start`]) with the encryption
//! certificate of `tests/fixtures/xmlenc` (`enabled: false`: plaintext unless a scenario
//! encrypts), and each judge holds its private key, so the encryption scenarios are decrypted
//! and judged like the others.
//!
//! For each scenario the SP library builds a fresh AuthnRequest, the response comes from
//! `POST /api/sso` with `scenario=<id>` (after a valid login to the same SP when the scenario
//! needs one), and the library validates it. The drivers stream one JSON line per verdict: the
//! library's decision, its message, and what it read (NameID, attributes) next to what the
//! response says.
//!
//! The test then holds the verdicts against the catalogue and against `expectations.yaml`,
//! which records every place a library parts from the catalogue (a finding about the library),
//! every policy verdict, and what each library read from the injection scenarios. Any change,
//! in a library or in a scenario, fails the test with the difference. `docs/scenarios.md` is
//! generated from the same data and must match. `UPDATE_DOCS=1` rewrites the page and
//! `UPDATE_EXPECTATIONS=1` the expectations (keeping the notes of entries that did not change).
//!
//! The tools come from `tests/run` (xmlsec1, python3-saml in `tests/interop/.venv`, node-saml
//! in `tests/interop/node/node_modules`); a missing tool fails the test with that advice.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic in a test is its failure message"
)]

#[path = "../common/mod.rs"]
mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use common::process::wait_until;
use common::repo;
use common::server::{Launch, Server};
use common::text::truncate;

/// The judges, in the order of the table columns.
const JUDGES: [&str; 3] = ["python3-saml", "node-saml", "xmlsec1"];
/// The judge that verifies signatures only.
const XMLSEC1: &str = "xmlsec1";
/// The catalogue must never shrink below this without the test saying so.
const MIN_SCENARIOS: usize = 70;
/// Who logs in.
const USER: &str = "alice";
/// The judges' SPs, as judges.py and judge.js name them; registered with an encryption
/// certificate.
const JUDGE_SPS: [&str; 3] = [
    "python3-saml-judge.example",
    "xmlsec1-judge.example",
    "node-saml-judge.example",
];

/// How long the drivers may take for the whole catalogue.
const DRIVER_TIMEOUT: Duration = Duration::from_secs(300);
const RUN_TESTS_HINT: &str =
    "run `tests/run` from the repository root once: it installs xmlsec1, python3-saml \
     (tests/interop/.venv) and @node-saml/node-saml (npm ci in tests/interop/node)";
const UPDATE_HINT: &str = "if the change is intended, run `UPDATE_DOCS=1 UPDATE_EXPECTATIONS=1 \
     cargo test --test scenarios`, then review the notes in tests/scenarios/expectations.yaml \
     and run `UPDATE_DOCS=1 cargo test --test scenarios` once more";

// Kinds of expectation entries.
const FINDING: &str = "finding";
const POLICY: &str = "policy";
const SIGNATURE_ONLY: &str = "signature-only";
const READING: &str = "reading";
/// Stands for a NameID that is not there.
const NO_NAMEID: &str = "(none)";

fn expectations_path() -> PathBuf {
    repo().join("tests/scenarios/expectations.yaml")
}

fn docs_path() -> PathBuf {
    repo().join("docs/scenarios.md")
}

/// The key pair the judges' SPs decrypt with.
fn sp_encryption(file: &str) -> PathBuf {
    repo().join("tests/fixtures/xmlenc").join(file)
}

/// The judges' SPs, each with its ACS and the encryption certificate.
fn registry() -> String {
    let mut out = String::from("service_providers:\n");
    for host in JUDGE_SPS {
        let _ = write!(
            out,
            "  - entity_id: https://{host}/metadata\n    acs: [{{ url: \"https://{host}/acs\" }}]\n    encryption: {{ certificate: {:?}, enabled: false }}\n",
            sp_encryption("sp.crt").display().to_string()
        );
    }
    out
}

fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

// ---------------------------------------------------------------------------------------------
// The server under test

/// Starts a `mock-idp` with the judges' registry, its log in a file for failure messages.
fn start() -> Server {
    let launch = Launch::new().log_to_file();
    let sps = launch.dir().join("sps.yaml");
    fs::write(&sps, registry()).expect("write the judges' registry");
    launch.arg("--sps").arg(&sps).start()
}

/// `GET path` on the server; fails the test unless it answers 2xx.
fn get(server: &Server, path: &str) -> String {
    let url = server.url(path);
    let resp = reqwest::blocking::get(&url).unwrap_or_else(|e| panic!("GET {url}: {e}"));
    let status = resp.status();
    let body = resp.text().unwrap_or_default();
    assert!(status.is_success(), "GET {url} -> {status}: {body}");
    body
}

// ---------------------------------------------------------------------------------------------
// The catalogue and the judges' lines

/// One entry of `GET /api/scenarios`.
#[derive(Debug, Clone, Deserialize)]
struct Scenario {
    id: String,
    family: String,
    family_title: String,
    title: String,
    explanation: String,
    rule: String,
    /// `accept`, `reject` or `policy`.
    verdict: String,
    reason: Option<String>,
    needs_previous_login: bool,
}

/// What a response says, read by the driver independently of the judge.
#[derive(Debug, Clone, Default, Deserialize)]
struct Facts {
    nameid: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Clone, Deserialize)]
struct Prior {
    verdict: String,
    message: String,
}

/// One JSON line from a driver.
#[derive(Debug, Clone, Deserialize)]
struct Line {
    #[serde(rename = "type")]
    kind: String,
    judge: String,
    #[serde(default)]
    scenario: Option<String>,
    #[serde(default)]
    library: Option<String>,
    #[serde(default)]
    verdict: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    nameid: Option<String>,
    #[serde(default)]
    attributes: Option<BTreeMap<String, Vec<String>>>,
    #[serde(default)]
    xml: Option<Facts>,
    #[serde(default)]
    prior: Option<Prior>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    traceback: Option<String>,
}

/// A judge's verdict on one scenario.
#[derive(Debug, Clone)]
struct Observation {
    accepted: bool,
    message: String,
    nameid: Option<String>,
    attributes: BTreeMap<String, Vec<String>>,
    xml: Option<Facts>,
    prior: Option<Prior>,
}

impl Observation {
    fn verdict(&self) -> &'static str {
        if self.accepted {
            "accepted"
        } else {
            "rejected"
        }
    }
}

/// Everything the drivers said.
#[derive(Default)]
struct Run {
    libraries: BTreeMap<String, String>,
    observations: BTreeMap<(String, String), Observation>,
    done: BTreeSet<String>,
    problems: Vec<String>,
}

impl Run {
    fn take(&mut self, driver: &str, raw: &str) {
        let line: Line = match serde_json::from_str(raw) {
            Ok(line) => line,
            Err(e) => {
                self.problems.push(format!(
                    "{driver} printed a line that is not a verdict ({e}): {raw}"
                ));
                return;
            }
        };
        match line.kind.as_str() {
            "library" => {
                self.libraries.insert(
                    line.judge.clone(),
                    line.library.unwrap_or_else(|| line.judge.clone()),
                );
            }
            "done" => {
                self.done.insert(line.judge);
            }
            "error" => self.problems.push(format!(
                "{} could not judge {}: {}\n{}",
                line.judge,
                line.scenario.as_deref().unwrap_or("(before any scenario)"),
                line.error.unwrap_or_default(),
                line.traceback.unwrap_or_default()
            )),
            "verdict" => {
                let scenario = line.scenario.unwrap_or_default();
                let accepted = match line.verdict.as_deref() {
                    Some("accepted") => true,
                    Some("rejected") => false,
                    other => {
                        self.problems.push(format!(
                            "{} / {scenario}: verdict {other:?} is neither accepted nor rejected",
                            line.judge
                        ));
                        return;
                    }
                };
                let obs = Observation {
                    accepted,
                    message: line.message.unwrap_or_default(),
                    nameid: line.nameid,
                    attributes: line.attributes.unwrap_or_default(),
                    xml: line.xml,
                    prior: line.prior,
                };
                if self
                    .observations
                    .insert((line.judge.clone(), scenario.clone()), obs)
                    .is_some()
                {
                    self.problems
                        .push(format!("{} judged {scenario} twice", line.judge));
                }
            }
            other => self
                .problems
                .push(format!("{driver}: unknown line type {other:?}: {raw}")),
        }
    }

    fn get(&self, judge: &str, scenario: &str) -> Option<&Observation> {
        self.observations
            .get(&(judge.to_owned(), scenario.to_owned()))
    }
}

// ---------------------------------------------------------------------------------------------
// The drivers

struct Driver {
    name: &'static str,
    child: Child,
    stdout_path: PathBuf,
    stderr_path: PathBuf,
}

fn venv_python() -> PathBuf {
    repo().join("tests/interop/.venv/bin/python")
}

fn check_tools() {
    let python = venv_python();
    assert!(
        python.exists(),
        "{} does not exist: {RUN_TESTS_HINT}",
        python.display()
    );
    let node_saml =
        repo().join("tests/interop/node/node_modules/@node-saml/node-saml/package.json");
    assert!(
        node_saml.exists(),
        "{} does not exist: {RUN_TESTS_HINT}",
        node_saml.display()
    );
    let xmlsec1 = Command::new("xmlsec1")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(xmlsec1, "xmlsec1 is not on PATH: {RUN_TESTS_HINT}");
}

fn spawn(name: &'static str, mut cmd: Command, dir: &Path) -> Driver {
    let stdout_path = dir.join(format!("{name}.stdout"));
    let stderr_path = dir.join(format!("{name}.stderr"));
    let child = cmd
        .current_dir(repo())
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).expect("driver stdout file"))
        .stderr(fs::File::create(&stderr_path).expect("driver stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start the {name} driver ({e}): {RUN_TESTS_HINT}"));
    Driver {
        name,
        child,
        stdout_path,
        stderr_path,
    }
}

/// Runs both drivers over the whole catalogue, at the same time.
fn judge_all(server: &Server, catalogue_json: &str) -> Run {
    check_tools();
    let dir = tempfile::tempdir().expect("driver directory");
    let list = dir.path().join("scenarios.json");
    fs::write(&list, catalogue_json).expect("write the scenario list");
    let here = repo().join("tests/scenarios");

    let mut python = Command::new(venv_python());
    python
        .arg(here.join("judges.py"))
        .arg("--idp")
        .arg(&server.base)
        .arg("--scenarios")
        .arg(&list)
        .arg("--user")
        .arg(USER)
        .arg("--judges")
        .arg("python3-saml,xmlsec1")
        .arg("--sp-key")
        .arg(sp_encryption("sp.key"))
        .arg("--sp-cert")
        .arg(sp_encryption("sp.crt"))
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let mut node = Command::new("node");
    node.arg(here.join("judge.js"))
        .arg("--idp")
        .arg(&server.base)
        .arg("--scenarios")
        .arg(&list)
        .arg("--user")
        .arg(USER)
        .arg("--sp-key")
        .arg(sp_encryption("sp.key"));
    let mut drivers = vec![
        spawn("judges.py", python, dir.path()),
        spawn("judge.js", node, dir.path()),
    ];

    let deadline = Instant::now() + DRIVER_TIMEOUT;
    let mut run = Run::default();
    for d in &mut drivers {
        let status = wait_until(&mut d.child, deadline);
        let stdout = fs::read_to_string(&d.stdout_path).unwrap_or_default();
        let stderr = fs::read_to_string(&d.stderr_path).unwrap_or_default();
        // Kept for reading after the run: every verdict with its full message.
        let keep = Path::new(env!("CARGO_TARGET_TMPDIR")).join("scenarios");
        if fs::create_dir_all(&keep).is_ok() {
            let _ = fs::write(keep.join(format!("{}.jsonl", d.name)), &stdout);
        }
        for raw in stdout.lines().filter(|l| !l.trim().is_empty()) {
            run.take(d.name, raw);
        }
        if status.is_none_or(|s| !s.success()) {
            run.problems.push(format!(
                "the {} driver {} (a missing library shows here as an import error: \
                 {RUN_TESTS_HINT})\nstderr:\n{}\nmock-idp stderr:\n{}",
                d.name,
                match status {
                    None => format!("did not finish within {DRIVER_TIMEOUT:?}"),
                    Some(s) => format!("exited with {s}"),
                },
                truncate(&stderr, 4000),
                truncate(&server.stderr(), 2000)
            ));
        }
    }
    run
}

// ---------------------------------------------------------------------------------------------
// Expectations

/// What a library read, or what the response says instead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Read {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nameid: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    attributes: BTreeMap<String, Vec<String>>,
}

impl Read {
    fn is_empty(&self) -> bool {
        self.nameid.is_none() && self.attributes.is_empty()
    }
}

/// One recorded verdict of one library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    scenario: String,
    /// `accepted` or `rejected`.
    observed: String,
    /// `finding`, `policy`, `signature-only` or `reading`.
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    read: Option<Read>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signed: Option<Read>,
    /// The verdict depends on timing (the note says why): `observed` is the usual one, and
    /// the other one is tolerated. Set by hand, kept by `UPDATE_EXPECTATIONS=1`.
    #[serde(default, skip_serializing_if = "is_false")]
    unstable: bool,
    note: String,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Entry {
    /// Everything but the note: what the test compares.
    fn facts(&self) -> (&str, &str, &Option<Read>, &Option<Read>) {
        (&self.observed, &self.kind, &self.read, &self.signed)
    }

    fn describe(&self) -> String {
        let mut s = format!("{} ({})", self.observed, self.kind);
        if let Some(r) = &self.read {
            let _ = write!(s, ", read {}", describe_read(r));
        }
        if let Some(r) = &self.signed {
            let _ = write!(s, ", signed {}", describe_read(r));
        }
        if self.unstable {
            s.push_str(", unstable");
        }
        s
    }
}

fn describe_read(r: &Read) -> String {
    let mut parts = Vec::new();
    if let Some(n) = &r.nameid {
        parts.push(format!("NameID {n:?}"));
    }
    for (name, values) in &r.attributes {
        parts.push(format!("{name} {values:?}"));
    }
    parts.join(", ")
}

type Expectations = BTreeMap<String, Vec<Entry>>;

const EXPECTATIONS_HEADER: &str = "\
# How SP libraries judge mock-idp's failure scenarios, where that is worth recording: every
# verdict that differs from the catalogue's (GET /api/scenarios), every policy verdict, and what
# each library read from the injection scenarios (and any unusual NameID) it accepted. A verdict
# that matches the catalogue's accept/reject and reads nothing unusual has no entry.
#
# Checked by `cargo test --test scenarios`: the observed verdicts must equal these entries
# exactly (all but the notes). `UPDATE_EXPECTATIONS=1` rewrites the file from the observed
# verdicts; an entry whose facts did not change keeps its note, a new one gets a draft note to
# review. docs/scenarios.md shows the same data (`UPDATE_DOCS=1`).
#
# kind:
#   finding         the library does not do what a correct SP does: it accepts a response a
#                   correct SP refuses, refuses one a correct SP accepts, or reads a value other
#                   than the one the response carries
#   policy          the catalogue leaves the decision to the SP (verdict `policy`); this is what
#                   the library, with the settings used here, decides
#   signature-only  xmlsec1 verifies the signatures and nothing else: they hold, and the defect
#                   is in what a signature cannot tell (times, audience, addressing, ...)
#   reading         accepted as the catalogue expects, and what the library read is worth
#                   keeping (every injection scenario, and any NameID other than the user's
#                   usual one); `read` records it
# read:   the NameID the library returned, and the attributes whose values differ from its
#         reading of the `valid` scenario; <user> stands for the user's own NameID
# signed: what the response carries where the library read something else (XPath string values)
";

fn read_expectations() -> Expectations {
    let path = expectations_path();
    match fs::read_to_string(&path) {
        Ok(text) => serde_yaml::from_str::<Option<Expectations>>(&text)
            .unwrap_or_else(|e| panic!("{} is not valid: {e}", path.display()))
            .unwrap_or_default(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Expectations::new(),
        Err(e) => panic!("cannot read {}: {e}", path.display()),
    }
}

fn render_expectations(actual: &Expectations) -> String {
    let mut out = String::from(EXPECTATIONS_HEADER);
    for judge in JUDGES {
        let entries = actual.get(judge).cloned().unwrap_or_default();
        let one = BTreeMap::from([(judge.to_owned(), entries)]);
        out.push('\n');
        out.push_str(&serde_yaml::to_string(&one).expect("expectations serialise"));
    }
    out
}

/// Replaces the user's own NameID with `<user>`.
fn placeholder(s: &str, user: &str) -> String {
    if user.is_empty() {
        s.to_owned()
    } else {
        s.replace(user, "<user>")
    }
}

fn placeholder_read(r: &Read, user: &str) -> Read {
    Read {
        nameid: r.nameid.as_deref().map(|n| placeholder(n, user)),
        attributes: r
            .attributes
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(|x| placeholder(x, user)).collect()))
            .collect(),
    }
}

/// Same text, or the same text without surrounding white space (trimming is allowed).
fn same_text(read: &str, signed: &str) -> bool {
    read == signed || read == signed.trim()
}

/// Where an accepted response was read differently from what it carries: (read, signed).
fn misread(obs: &Observation) -> Option<(Read, Read)> {
    let xml = obs.xml.as_ref()?;
    let mut read = Read::default();
    let mut signed = Read::default();
    let nameid_ok = match (obs.nameid.as_deref(), xml.nameid.as_deref()) {
        (Some(r), Some(s)) => same_text(r, s),
        (r, s) => r == s,
    };
    if !nameid_ok {
        read.nameid = Some(obs.nameid.clone().unwrap_or_else(|| NO_NAMEID.into()));
        signed.nameid = Some(xml.nameid.clone().unwrap_or_else(|| NO_NAMEID.into()));
    }
    for (name, values) in &obs.attributes {
        let Some(carried) = xml.attributes.get(name) else {
            continue;
        };
        let same = values.len() == carried.len()
            && values.iter().zip(carried).all(|(r, s)| same_text(r, s));
        if !same {
            read.attributes.insert(name.clone(), values.clone());
            signed.attributes.insert(name.clone(), carried.clone());
        }
    }
    (!read.is_empty()).then_some((read, signed))
}

/// The reading of `valid` by one judge: the NameID that stands for `<user>`, and the NameID
/// and attributes other readings are compared with.
struct Baseline {
    user: String,
    nameid: Option<String>,
    attributes: BTreeMap<String, Vec<String>>,
}

fn baseline(run: &Run, judge: &str) -> Baseline {
    let valid = run.get(judge, "valid");
    let user = valid
        .and_then(|o| o.xml.as_ref())
        .and_then(|x| x.nameid.clone())
        .or_else(|| valid.and_then(|o| o.nameid.clone()))
        .unwrap_or_default();
    Baseline {
        user,
        nameid: valid.and_then(|o| o.nameid.clone()),
        attributes: valid.map(|o| o.attributes.clone()).unwrap_or_default(),
    }
}

/// The entry a judge's verdict calls for (with an empty note), or None when it matches the
/// catalogue and there is nothing to record.
fn derive(judge: &str, s: &Scenario, obs: &Observation, base: &Baseline) -> Option<Entry> {
    let reader = judge != XMLSEC1;
    let mis = if reader && obs.accepted {
        misread(obs)
    } else {
        None
    };
    // What an accepted response made the library read, when that is worth recording: always
    // for the injection family, and wherever the NameID is not the user's usual one.
    let worth_reading = reader
        && obs.accepted
        && (s.family == "injection"
            || mis.is_some()
            || obs.nameid.as_deref() != base.nameid.as_deref());
    let kind = if mis.is_some() {
        FINDING
    } else {
        match (s.verdict.as_str(), obs.accepted) {
            ("accept", true) if worth_reading => READING,
            ("accept", true) | ("reject", false) => return None,
            ("accept", false) => FINDING,
            ("reject", true) if !reader => SIGNATURE_ONLY,
            ("reject", true) => FINDING,
            ("policy", _) => POLICY,
            (other, _) => panic!("scenario {}: unknown verdict {other:?}", s.id),
        }
    };
    let read = worth_reading.then(|| {
        let mut attributes: BTreeMap<String, Vec<String>> = obs
            .attributes
            .iter()
            .filter(|(k, v)| base.attributes.get(*k) != Some(*v))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some((r, _)) = &mis {
            attributes.extend(r.attributes.clone());
        }
        placeholder_read(
            &Read {
                nameid: Some(obs.nameid.clone().unwrap_or_else(|| NO_NAMEID.into())),
                attributes,
            },
            &base.user,
        )
    });
    Some(Entry {
        scenario: s.id.clone(),
        observed: obs.verdict().to_owned(),
        kind: kind.to_owned(),
        read,
        signed: mis.map(|(_, signed)| placeholder_read(&signed, &base.user)),
        unstable: false,
        note: String::new(),
    })
}

/// A first note for a new entry, to be reviewed.
fn draft_note(judge: &str, e: &Entry, s: &Scenario, obs: &Observation) -> String {
    let reason = s.reason.as_deref().unwrap_or("");
    match e.kind.as_str() {
        FINDING if e.signed.is_some() => format!(
            "reads {} where the response carries {}",
            describe_read(e.read.as_ref().unwrap_or(&Read::default())),
            describe_read(e.signed.as_ref().unwrap_or(&Read::default()))
        ),
        FINDING if obs.accepted => format!("a correct SP refuses it: {reason}"),
        FINDING => format!("a correct SP accepts it; refused with: {}", obs.message),
        SIGNATURE_ONLY => {
            "the defect is not in the signatures, and xmlsec1 judges nothing else".into()
        }
        POLICY if obs.accepted && judge == XMLSEC1 => "the policy is the SP's to apply".into(),
        POLICY if obs.accepted => {
            "accepted (draft note: say which setting or behaviour decides)".into()
        }
        POLICY => format!("refused: {}", obs.message),
        _ => "reads what the response carries".into(),
    }
}

// ---------------------------------------------------------------------------------------------
// The page

const DOCS_INTRO: &str = "\
# Failure scenarios

mock-idp can answer a login with a deliberately broken response, so a service provider's
SAML checks can be tested one by one: an expired assertion, another audience, a signature by an
untrusted key, a wrapped assertion, a comment inside the NameID, a replayed response, and so
on. Each scenario keeps the login live (current times, the right InResponseTo, the right ACS
URL) and changes exactly one thing. The catalogue says what a correct SP does with each
response: **accept** it, **reject** it, or decide by a stated **policy** (clock-skew
allowance, legacy algorithms, provisioning of unknown users, ...).

## Choosing a scenario

- On the login page (the user picker), the **Scenario** selector lists the catalogue by
  family; `valid` is the default.
- In the API, add `\"scenario\": \"<id>\"` to the body of `POST /api/sso` or
  `POST /api/idp-initiated`.
- For browser-driven tests without the picker, `GET /select?user=<id>&scenario=<id>` sets the
  next login of that browser (add `sticky=1` to keep it), and `--auto-login <user>` with
  `--auto-scenario <id>` sets it for the whole server.
- `GET /api/scenarios` returns the catalogue as JSON: id, family, title, explanation, rule,
  verdict, reason, severity (for a scenario a correct SP rejects: `critical`, `high` or
  `medium`, how much it matters when an SP accepts it), forged (whose identity a vulnerable SP
  takes: `attacker` or `truncated`), and `needs_previous_login` for the
  scenarios (`replay`, `reused-request-id`) that answer with something from an earlier login to
  the same SP: log in once with `valid` first.
- The encryption scenarios (`enc-*`, except `enc-wrong-key`) encrypt the assertion for the
  SP's encryption certificate, which must be known: `encryption:` under the SP in the `--sps`
  file, or its metadata's `KeyDescriptor use=\"encryption\"`; `GET /api/scenarios` marks them
  with `needs_encryption_certificate`, and without a certificate they answer 400.
- `mock-idp audit` runs the whole catalogue through a live SP's own login and reports what it
  accepted, with the identity it took ([audit.md](audit.md)).

## How the verdicts below were produced

`cargo test --test scenarios` starts mock-idp, reads the catalogue from `GET /api/scenarios`,
and has three judges go through every scenario. Each plays a service provider that builds a
fresh AuthnRequest, gets the response from `POST /api/sso` with the scenario, and validates it
(after a valid login to the same SP when the scenario needs one):

";

const DOCS_JUDGES: &str = "\
The libraries' verdicts are recorded in `tests/scenarios/expectations.yaml` wherever they
differ from the catalogue's (a **finding** about the library, not a failure of mock-idp), for
every policy scenario, and for what each library read from the injection scenarios. The test
fails when a verdict changes, so an upgrade of a library, or a change to a scenario, shows up
as a difference to review.

To regenerate this page after a change to the catalogue or to a library:

```sh
UPDATE_DOCS=1 UPDATE_EXPECTATIONS=1 cargo test --test scenarios   # rewrite both from the run
# review the notes in tests/scenarios/expectations.yaml, then
UPDATE_DOCS=1 cargo test --test scenarios                          # carry the notes here
cargo test --test scenarios                                        # must pass unchanged
```

In the tables, a library's verdict is *accepted* (it logged the user in) or *rejected*; for
xmlsec1, *signature ok* or *signature rejected*. A **finding** (the library does not do what a
correct SP does) carries its note in the table. Under each table, every scenario lists each
library's message, and every verdict recorded in the expectations with its kind (**finding**,
*policy*, *reading*, *signature-only*) and note; *unstable* marks a verdict that depends on
timing, shown as it usually comes out.
";

/// Markdown-safe text: no HTML, no table breaks.
fn md(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('|', "\\|")
        .replace('\n', " ")
}

fn verdict_word(judge: &str, accepted: bool) -> &'static str {
    match (judge == XMLSEC1, accepted) {
        (true, true) => "signature ok",
        (true, false) => "signature rejected",
        (false, true) => "accepted",
        (false, false) => "rejected",
    }
}

struct Judged<'a> {
    scenarios: &'a [Scenario],
    run: &'a Run,
    entries: BTreeMap<(String, String), Entry>,
}

impl Judged<'_> {
    fn entry(&self, judge: &str, scenario: &str) -> Option<&Entry> {
        self.entries.get(&(judge.to_owned(), scenario.to_owned()))
    }

    fn findings(&self) -> usize {
        self.entries.values().filter(|e| e.kind == FINDING).count()
    }

    /// The verdict to show: the recorded one for an unstable entry, so the page is stable.
    fn shown(&self, judge: &str, id: &str) -> Option<bool> {
        match self.entry(judge, id) {
            Some(e) if e.unstable => Some(e.observed == "accepted"),
            _ => self.run.get(judge, id).map(|o| o.accepted),
        }
    }

    fn cell(&self, judge: &str, s: &Scenario) -> String {
        let Some(accepted) = self.shown(judge, &s.id) else {
            return "not judged".into();
        };
        let word = verdict_word(judge, accepted);
        match self.entry(judge, &s.id) {
            Some(e) if e.unstable => format!("{word} (unstable, see below)"),
            Some(e) if e.kind == FINDING => format!("**{word}** (finding: {})", md(&e.note)),
            Some(Entry {
                read: Some(r),
                kind,
                ..
            }) if kind == READING || kind == POLICY => {
                let code = |v: &str| {
                    format!(
                        "`{}`",
                        v.replace('\n', "\\n").replace('`', "'").replace('|', "\\|")
                    )
                };
                let mut cell = word.to_owned();
                if let Some(n) = &r.nameid {
                    let _ = write!(cell, " as {}", code(n));
                }
                for (name, values) in &r.attributes {
                    let values: Vec<String> = values.iter().map(|v| code(v)).collect();
                    let _ = write!(cell, ", {} {}", md(name), values.join(" "));
                }
                cell
            }
            _ => word.to_owned(),
        }
    }

    fn docs(&self) -> String {
        let mut out = String::from(DOCS_INTRO);
        let describe = |judge: &str| -> String {
            let library = self
                .run
                .libraries
                .get(judge)
                .cloned()
                .unwrap_or_else(|| judge.to_owned());
            match judge {
                "python3-saml" => format!(
                    "- **{library}**, strict mode, wanting the Response and the Assertion signed \
                     (with the IdP certificate), a NameID and an AttributeStatement; it checks \
                     times (with its fixed 300 s drift), audience, Destination, Recipient and \
                     InResponseTo. Its SP holds the private key of the encryption certificate \
                     registered for it, so it decrypts encrypted assertions (without requiring \
                     them).\n"
                ),
                "node-saml" => format!(
                    "- **{library}**, with the IdP certificate and issuer, its audience, the \
                     Response and the Assertion signatures wanted, `validateInResponseTo: \
                     \"always\"` (with its in-memory cache of request IDs, shared by all the \
                     logins of the run) and `acceptedClockSkewMs: 1000`; with `decryptionPvk`, \
                     the private key of the encryption certificate registered for it.\n"
                ),
                _ => format!(
                    "- **{library}**, verifying each signature on the Response and on its \
                     Assertions with the IdP certificate (`--pubkey-cert-pem`, so KeyInfo is \
                     ignored). It judges the signature layer only: for a response whose \
                     signatures hold but whose content is wrong its verdict is *signature ok*, \
                     recorded as `signature-only`. An EncryptedAssertion is decrypted first \
                     (`xmlsec1 --decrypt` with the SP's key, whatever the algorithms), then the \
                     decrypted assertion's signature is verified; the Response signature is \
                     verified as sent, over the EncryptedAssertion.\n"
                ),
            }
        };
        for judge in JUDGES {
            out.push_str(&describe(judge));
        }
        out.push('\n');
        out.push_str(DOCS_JUDGES);

        let mut families: Vec<(&str, &str)> = Vec::new();
        for s in self.scenarios {
            if !families.iter().any(|(f, _)| *f == s.family) {
                families.push((&s.family, &s.family_title));
            }
        }
        let _ = writeln!(
            out,
            "\n## Findings\n\n{} scenarios in {} families; {} findings about the libraries:\n",
            self.scenarios.len(),
            families.len(),
            self.findings()
        );
        let _ = writeln!(
            out,
            "| library | scenario | verdict | note |\n|---|---|---|---|"
        );
        for judge in JUDGES {
            for s in self.scenarios {
                let Some(e) = self.entry(judge, &s.id) else {
                    continue;
                };
                if e.kind == FINDING || e.unstable {
                    let verdict = verdict_word(judge, e.observed == "accepted");
                    let verdict = if e.unstable {
                        format!("{verdict} (unstable)")
                    } else {
                        format!("{verdict} (expected: {})", s.verdict)
                    };
                    let _ = writeln!(
                        out,
                        "| {judge} | `{}` | {verdict} | {} |",
                        s.id,
                        md(&e.note)
                    );
                }
            }
        }
        for (family, title) in families {
            let _ = writeln!(out, "\n## {} (`{family}`)\n", md(title));
            let _ = writeln!(
                out,
                "| scenario | expected | {} |\n|---|---|{}",
                JUDGES.join(" | "),
                "---|".repeat(JUDGES.len())
            );
            let members: Vec<&Scenario> = self
                .scenarios
                .iter()
                .filter(|s| s.family == family)
                .collect();
            for s in &members {
                let cells: Vec<String> = JUDGES.iter().map(|j| self.cell(j, s)).collect();
                let _ = writeln!(
                    out,
                    "| `{}` {} | {} | {} |",
                    s.id,
                    md(&s.title),
                    s.verdict,
                    cells.join(" | ")
                );
            }
            for s in &members {
                let _ = writeln!(out, "\n### `{}`: {}\n", s.id, md(&s.title));
                let _ = writeln!(out, "{}\n", md(&s.explanation));
                let _ = writeln!(out, "- Rule: {}", md(&s.rule));
                match s.reason.as_deref() {
                    Some(r) => {
                        let _ = writeln!(out, "- Expected: **{}**: {}", s.verdict, md(r));
                    }
                    None => {
                        let _ = writeln!(out, "- Expected: **{}**", s.verdict);
                    }
                }
                if s.needs_previous_login {
                    let _ = writeln!(out, "- Needs a previous login to the same SP.");
                }
                for judge in JUDGES {
                    let (Some(obs), Some(accepted)) =
                        (self.run.get(judge, &s.id), self.shown(judge, &s.id))
                    else {
                        let _ = writeln!(out, "- {judge}: not judged");
                        continue;
                    };
                    let unstable = self.entry(judge, &s.id).is_some_and(|e| e.unstable);
                    let mut line = format!("- {judge}: {}", verdict_word(judge, accepted));
                    if !accepted && !unstable {
                        let _ = write!(line, " ({})", md(&obs.message));
                    }
                    if let Some(e) = self.entry(judge, &s.id) {
                        if let Some(r) = &e.read {
                            let _ = write!(line, "; read {}", md(&describe_read(r)));
                        }
                        if let Some(r) = &e.signed {
                            let _ = write!(
                                line,
                                " where the response carries {}",
                                md(&describe_read(r))
                            );
                        }
                        let label = match (e.kind.as_str(), e.unstable) {
                            (FINDING, _) => "**finding**".to_owned(),
                            (kind, true) => format!("*{kind}, unstable*"),
                            (kind, false) => format!("*{kind}*"),
                        };
                        let _ = write!(line, ". {label}: {}", md(&e.note));
                    }
                    let _ = writeln!(out, "{line}");
                }
            }
        }
        out
    }

    /// The scenario x library table, and the last line.
    fn summary(&self, elapsed: Duration) -> String {
        let width = self
            .scenarios
            .iter()
            .map(|s| s.id.len())
            .max()
            .unwrap_or(8)
            .max(8);
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nscenario verdicts (expected by the catalogue, then each library; \
             ! finding, ~ policy, = reading, s signature only, ? unstable):"
        );
        let _ = writeln!(
            out,
            "  {:<width$}  {:<8}  {}",
            "scenario",
            "expected",
            JUDGES.map(|j| format!("{j:<20}")).join("  ")
        );
        for s in self.scenarios {
            let cells = JUDGES.map(|j| {
                let Some(obs) = self.run.get(j, &s.id) else {
                    return format!("{:<20}", "-");
                };
                let entry = self.entry(j, &s.id);
                let mark = match entry.map(|e| e.kind.as_str()) {
                    _ if entry.is_some_and(|e| e.unstable) => " ?",
                    Some(FINDING) => " !",
                    Some(POLICY) => " ~",
                    Some(READING) => " =",
                    Some(SIGNATURE_ONLY) => " s",
                    _ => "",
                };
                format!("{:<20}", format!("{}{mark}", verdict_word(j, obs.accepted)))
            });
            let _ = writeln!(
                out,
                "  {:<width$}  {:<8}  {}",
                s.id,
                s.verdict,
                cells.join("  ")
            );
        }
        let libraries: Vec<&str> = JUDGES
            .iter()
            .filter_map(|j| self.run.libraries.get(*j).map(String::as_str))
            .collect();
        let _ = writeln!(out, "  {}", libraries.join("; "));
        let _ = writeln!(out, "  judged in {:.1} s", elapsed.as_secs_f64());
        let _ = writeln!(
            out,
            "scenarios: {} judged, {} findings",
            self.scenarios.len(),
            self.findings()
        );
        out
    }
}

// ---------------------------------------------------------------------------------------------
// The test

/// The catalogue without the `logout` family.
fn without_logout_scenarios(json: &str) -> String {
    let all: Vec<serde_json::Value> =
        serde_json::from_str(json).expect("GET /api/scenarios is a JSON array");
    let logins: Vec<_> = all
        .into_iter()
        .filter(|s| s["family"] != "logout")
        .collect();
    serde_json::to_string(&logins).expect("the catalogue serialises")
}

#[test]
fn every_scenario_judged_by_every_library() {
    let started = Instant::now();
    let server = start();
    // Logout scenarios break LogoutRequests and LogoutResponses, not a login (POST /api/sso
    // refuses them); tests/it/slo.rs and the interop slo tests judge them.
    let catalogue_json = without_logout_scenarios(&get(&server, "/api/scenarios"));
    let scenarios: Vec<Scenario> =
        serde_json::from_str(&catalogue_json).expect("GET /api/scenarios is a JSON array");
    let run = judge_all(&server, &catalogue_json);
    let mut problems = run.problems.clone();

    // Every judge judged every scenario.
    if scenarios.len() < MIN_SCENARIOS {
        problems.push(format!(
            "the catalogue has {} scenarios; at least {MIN_SCENARIOS} were expected",
            scenarios.len()
        ));
    }
    for judge in JUDGES {
        if !run.done.contains(judge) {
            problems.push(format!("{judge} did not finish the catalogue"));
        }
        let missing: Vec<&str> = scenarios
            .iter()
            .filter(|s| run.get(judge, &s.id).is_none())
            .map(|s| s.id.as_str())
            .collect();
        if !missing.is_empty() {
            problems.push(format!("{judge} has no verdict for {}", missing.join(", ")));
        }
    }
    let ids: BTreeSet<&str> = scenarios.iter().map(|s| s.id.as_str()).collect();
    for (judge, id) in run.observations.keys() {
        if !ids.contains(id.as_str()) {
            problems.push(format!(
                "{judge} judged {id}, which is not in the catalogue"
            ));
        }
    }

    // Each verdict is sound on its own: a refusal says why, a prior login went through.
    for ((judge, id), obs) in &run.observations {
        if !obs.accepted && obs.message.trim().is_empty() {
            problems.push(format!("{judge} rejected {id} without a message"));
        }
        if let Some(prior) = &obs.prior {
            if prior.verdict != "accepted" {
                problems.push(format!(
                    "{judge} / {id}: the valid login made first was {}: {}",
                    prior.verdict, prior.message
                ));
            }
        }
    }

    // What the run calls for, with the notes of the file where the facts did not change.
    let file = read_expectations();
    let mut file_entries: BTreeMap<(String, String), Entry> = BTreeMap::new();
    for (judge, entries) in &file {
        if !JUDGES.contains(&judge.as_str()) {
            problems.push(format!("expectations.yaml: unknown library {judge}"));
        }
        for e in entries {
            if e.note.trim().is_empty() {
                problems.push(format!(
                    "expectations.yaml: {judge} / {}: the note is empty",
                    e.scenario
                ));
            }
            if file_entries
                .insert((judge.clone(), e.scenario.clone()), e.clone())
                .is_some()
            {
                problems.push(format!(
                    "expectations.yaml: {judge} / {} is listed twice",
                    e.scenario
                ));
            }
        }
    }
    let mut actual = Expectations::new();
    let mut entries = BTreeMap::new();
    let mut unstable = Vec::new();
    for judge in JUDGES {
        let base = baseline(&run, judge);
        let mut list = Vec::new();
        for s in &scenarios {
            let Some(obs) = run.get(judge, &s.id) else {
                continue;
            };
            let key = (judge.to_owned(), s.id.clone());
            let derived = derive(judge, s, obs, &base);
            // An entry marked unstable stands for either verdict.
            let e = match (file_entries.get(&key), derived) {
                (Some(old), _) if old.unstable => old.clone(),
                (_, None) => continue,
                (Some(old), Some(mut e)) if old.facts() == e.facts() => {
                    e.note.clone_from(&old.note);
                    if e.note.trim().is_empty() {
                        e.note = draft_note(judge, &e, s, obs);
                    }
                    e
                }
                (_, Some(mut e)) => {
                    e.note = draft_note(judge, &e, s, obs);
                    e
                }
            };
            if e.unstable && e.observed != obs.verdict() {
                unstable.push(format!(
                    "{judge} / {}: {} this time (usually {}): {}",
                    s.id,
                    obs.verdict(),
                    e.observed,
                    e.note
                ));
            }
            entries.insert((judge.to_owned(), s.id.clone()), e.clone());
            list.push(e);
        }
        actual.insert(judge.to_owned(), list);
    }

    // The catalogue's verdicts hold, except where the expectations record otherwise.
    let update_expectations = flag("UPDATE_EXPECTATIONS");
    for s in &scenarios {
        for judge in ["python3-saml", "node-saml"] {
            let Some(obs) = run.get(judge, &s.id) else {
                continue;
            };
            let recorded = if update_expectations {
                &entries
            } else {
                &file_entries
            };
            let listed = recorded
                .get(&(judge.to_owned(), s.id.clone()))
                .is_some_and(|e| {
                    (e.unstable || e.observed == obs.verdict()) && !e.note.trim().is_empty()
                });
            let wrong = match s.verdict.as_str() {
                "accept" => !obs.accepted,
                "reject" => obs.accepted,
                _ => false,
            };
            if wrong && !listed {
                problems.push(format!(
                    "{judge} {} {} (catalogue: {}), and expectations.yaml does not record it: {}",
                    obs.verdict(),
                    s.id,
                    s.verdict,
                    if obs.accepted {
                        s.reason.clone().unwrap_or_default()
                    } else {
                        obs.message.clone()
                    }
                ));
            }
        }
    }

    // The observed verdicts equal the expectations exactly.
    let mut diff = Vec::new();
    for (key, e) in &entries {
        match file_entries.get(key) {
            None => diff.push(format!(
                "  + {} / {}: {} ({})",
                key.0,
                key.1,
                e.describe(),
                match run.get(&key.0, &key.1) {
                    Some(o) if !o.accepted => format!("refused with: {}", o.message),
                    _ => e.note.clone(),
                }
            )),
            Some(old) if old.facts() != e.facts() => diff.push(format!(
                "  ~ {} / {}: recorded {}, observed {}",
                key.0,
                key.1,
                old.describe(),
                e.describe()
            )),
            Some(_) => {}
        }
    }
    for (key, old) in &file_entries {
        if !entries.contains_key(key) {
            let now = match run.get(&key.0, &key.1) {
                Some(o) => format!("now {}, as the catalogue says", o.verdict()),
                None => "no longer judged (not in the catalogue?)".into(),
            };
            diff.push(format!(
                "  - {} / {}: recorded {}; {now}",
                key.0,
                key.1,
                old.describe()
            ));
        }
    }
    let rendered = render_expectations(&actual);
    if update_expectations {
        if fs::read_to_string(expectations_path()).ok().as_deref() != Some(&rendered) {
            fs::write(expectations_path(), &rendered).expect("write expectations.yaml");
        }
    } else if !diff.is_empty() {
        problems.push(format!(
            "the verdicts differ from tests/scenarios/expectations.yaml ({} entries):\n{}\n{UPDATE_HINT}",
            diff.len(),
            diff.join("\n")
        ));
    }

    // The page.
    let judged = Judged {
        scenarios: &scenarios,
        run: &run,
        entries,
    };
    let page = judged.docs();
    if flag("UPDATE_DOCS") {
        if fs::read_to_string(docs_path()).ok().as_deref() != Some(&page) {
            fs::write(docs_path(), &page).expect("write docs/scenarios.md");
        }
    } else if fs::read_to_string(docs_path()).ok().as_deref() != Some(&page) {
        let old = fs::read_to_string(docs_path()).unwrap_or_default();
        let first = old
            .lines()
            .zip(page.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(old.lines().count().min(page.lines().count()));
        problems.push(format!(
            "docs/scenarios.md is not what the catalogue and the verdicts give (first difference \
             at line {}:\n  committed: {:?}\n  generated: {:?}); run `UPDATE_DOCS=1 cargo test \
             --test scenarios` (with UPDATE_EXPECTATIONS=1 too if the verdicts changed)",
            first + 1,
            old.lines().nth(first).unwrap_or("(end of file)"),
            page.lines().nth(first).unwrap_or("(end of file)")
        ));
    }

    // The table goes to the terminal even when the harness captures output.
    let mut summary = judged.summary(started.elapsed());
    for u in &unstable {
        let _ = writeln!(summary, "  unstable verdict: {u}");
    }
    let _ = std::io::stderr().lock().write_all(summary.as_bytes());

    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}
