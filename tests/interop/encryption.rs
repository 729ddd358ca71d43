//! Encrypted assertions, decrypted by real SP software: every data encryption (aes128-cbc,
//! aes256-cbc, aes128-gcm, aes256-gcm) with every key transport (rsa-oaep-mgf1p and xmlenc11
//! rsa-oaep with SHA-256), chosen per login through `POST /api/sso` for SPs registered with an
//! encryption certificate (`tests/fixtures/sps/encryption.yaml`, the key pair of
//! `tests/fixtures/xmlenc`).
//!
//! - `python/encryption.py`: python3-saml (strict, wanting encrypted and signed assertions and a
//!   signed Response) and the xmlsec1 command line (`--decrypt`, then both signatures);
//! - `node/encryption.js`: @node-saml/node-saml with `decryptionPvk`.
//!
//! The matrix each library gives is held against [`supported`]: a combination it stops
//! decrypting, or starts to, fails the test with the library's message. libxmlsec1 1.2 (under
//! python3-saml and the xmlsec1 CLI) and xml-encryption 3 (under node-saml) do not implement
//! xmlenc11#rsa-oaep, so those four combinations are refused by all three; the refusals are
//! printed and kept in `target/tmp/interop/encryption-<driver>.jsonl`.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use super::{
    interop_dir, repo, start, truncate, wait_with_timeout, Setup, Sp, DRIVER_TIMEOUT,
    RUN_TESTS_HINT,
};

const DATA: [&str; 4] = ["aes128-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm"];
const KEY_TRANSPORT: [&str; 2] = ["rsa-oaep-mgf1p", "rsa-oaep"];

/// Whether `judge` is known to decrypt this combination.
fn supported(judge: &str, _data: &str, key_transport: &str) -> bool {
    match judge {
        // libxmlsec1 1.2 and xml-encryption 3.1 know only rsa-oaep-mgf1p (and rsa-1_5).
        "python3-saml" | "xmlsec1" | "node-saml" => key_transport == "rsa-oaep-mgf1p",
        _ => false,
    }
}

fn combos() -> Value {
    let all: Vec<Value> = DATA
        .iter()
        .flat_map(|d| KEY_TRANSPORT.iter().map(move |k| json!([d, k])))
        .collect();
    Value::Array(all)
}

fn xmlenc_fixture(name: &str) -> String {
    repo()
        .join("tests/fixtures/xmlenc")
        .join(name)
        .display()
        .to_string()
}

/// Runs a driver against a server with the encryption registry; its JSON lines.
fn run(name: &str, mut cmd: Command) -> Vec<Value> {
    let server = start(Setup::registry("encryption.yaml"));
    let out = tempfile::tempdir().expect("driver output directory");
    let stdout_path = out.path().join("stdout");
    let stderr_path = out.path().join("stderr");
    let mut child = cmd
        .arg("--idp")
        .arg(&server.base)
        .arg("--sp-key")
        .arg(xmlenc_fixture("sp.key"))
        .arg("--combos")
        .arg(combos().to_string())
        .current_dir(interop_dir())
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).expect("stdout file"))
        .stderr(fs::File::create(&stderr_path).expect("stderr file"))
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {name} ({e}): {RUN_TESTS_HINT}"));
    let status = wait_with_timeout(&mut child, DRIVER_TIMEOUT);
    let stdout = fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = fs::read_to_string(&stderr_path).unwrap_or_default();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop");
    if fs::create_dir_all(&dir).is_ok() {
        let _ = fs::write(dir.join(format!("encryption-{name}.jsonl")), &stdout);
    }
    assert!(
        status.is_some_and(|s| s.success()),
        "{name} failed ({status:?}; a missing library shows here as an import error: \
         {RUN_TESTS_HINT})\nstdout:\n{}\nstderr:\n{}\nmock-idp stderr:\n{}",
        truncate(&stdout, 3000),
        truncate(&stderr, 3000),
        truncate(&server.stderr(), 3000)
    );
    stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{name}: {e}: {l}")))
        .collect()
}

/// Holds every verdict of `judges` against [`supported`], printing the matrix.
fn check(judges: &[&str], verdicts: &[Value]) {
    let mut problems = Vec::new();
    for judge in judges {
        let library = verdicts
            .iter()
            .find(|v| v["judge"] == *judge)
            .and_then(|v| v["library"].as_str())
            .unwrap_or(judge);
        println!("[{library}] encrypted assertions (data x key transport):");
        for d in DATA {
            for k in KEY_TRANSPORT {
                let Some(v) = verdicts
                    .iter()
                    .find(|v| v["judge"] == *judge && v["data"] == d && v["key_transport"] == k)
                else {
                    problems.push(format!("{judge}: no verdict for {d} + {k}"));
                    continue;
                };
                let accepted = v["accepted"] == json!(true);
                let message = v["message"].as_str().unwrap_or_default();
                println!(
                    "  {d:<11} {k:<15} {}{}",
                    if accepted {
                        "decrypted, accepted"
                    } else {
                        "refused"
                    },
                    if accepted {
                        String::new()
                    } else {
                        format!(": {message}")
                    }
                );
                if accepted != supported(judge, d, k) {
                    problems.push(format!(
                        "{judge} {} {d} + {k} (expected {}): {message}",
                        if accepted { "accepted" } else { "refused" },
                        if supported(judge, d, k) {
                            "accepted"
                        } else {
                            "refused"
                        }
                    ));
                }
                if accepted {
                    // What was sent is what was asked for.
                    let algorithms = v["algorithms"].as_array().cloned().unwrap_or_default();
                    let names = |id: &str| {
                        let fragment = format!("#{id}");
                        algorithms
                            .iter()
                            .any(|a| a.as_str().is_some_and(|a| a.ends_with(&fragment)))
                    };
                    let as_asked = algorithms.is_empty() || (names(d) && names(k));
                    if !as_asked {
                        problems.push(format!(
                            "{judge} {d} + {k}: the response names {algorithms:?}"
                        ));
                    }
                } else if message.trim().is_empty() {
                    problems.push(format!("{judge} refused {d} + {k} without a message"));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// python3-saml's driver judges with the xmlsec1 command line as well.
fn decrypt_every_combination(sp: Sp) {
    let mut cmd = sp.installed("encryption.py", "encryption.js");
    if sp == Sp::Python3Saml {
        cmd.arg("--sp-cert")
            .arg(xmlenc_fixture("sp.crt"))
            .env("PYTHONDONTWRITEBYTECODE", "1");
    }
    let verdicts = run(sp.either("python", "node"), cmd);
    let judges: &[&str] = sp.either(&["python3-saml", "xmlsec1"], &["node-saml"]);
    check(judges, &verdicts);
}

each_sp! {
    decrypt_every_combination:
        python3_saml_and_xmlsec1_decrypt_every_combination_they_support,
        node_saml_decrypts_every_combination_it_supports;
}
