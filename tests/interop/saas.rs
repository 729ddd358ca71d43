//! The eight SaaS presets (Zendesk, Freshworks, Atlassian, ServiceNow, Salesforce, HubSpot, Help
//! Scout, Zammad), each judged by an SP library configured the way that product documents its
//! IdP set-up: its entity ID, its ACS URL with any query string, its NameID format, the parts it
//! requires signed, SHA-256, and the certificate or the fingerprint it stores.
//!
//! The server runs with `tests/fixtures/sps/saas-presets.yaml` under `--strict`, so the ACS
//! URLs are matched as registered. Per product each driver (`python/saas_sp.py` for
//! python3-saml, `node/saas_sp.js` for @node-saml/node-saml, both set up from the products
//! written from their docs in `python/saas.py`) logs in SP-initiated (the library's
//! AuthnRequest through `POST /api/sso`, the response validated against the request ID) and
//! IdP-initiated (`POST /api/idp-initiated` without a RelayState: the SP's registered one must
//! arrive intact, and the library accepts the unsolicited response); for the products whose ACS
//! carries a query string, AuthnRequests naming the same ACS with another query are refused;
//! trusting another key refuses the accepted response. node-saml has no fingerprint setting:
//! for Zendesk and Zammad it trusts the certificate, python3-saml the fingerprint.

use std::collections::BTreeSet;
use std::fs;
use std::process::Stdio;

use serde_json::Value;

use super::{assert_flows, python_script, run_driver, sps_fixture, Setup, Sp, Who, RUN_TESTS_HINT};

const FIXTURE: &str = "saas-presets.yaml";
const PRESETS: [&str; 8] = [
    "zendesk",
    "freshworks",
    "atlassian",
    "servicenow",
    "salesforce",
    "hubspot",
    "helpscout",
    "zammad",
];

/// `sp`'s library configured as `preset`'s product documents it: at least `sp_logins`
/// SP-initiated logins and the IdP-initiated ones (two through python3-saml: the API and the
/// picker's link; one through node-saml: the API) accepted.
fn judge(sp: Sp, preset: &str, sp_logins: usize) {
    assert!(PRESETS.contains(&preset), "{preset} is not a SaaS preset");
    let mut cmd = sp.installed("saas_sp.py", "saas_sp.js");
    if sp == Sp::NodeSaml {
        cmd.arg("--products").arg(products().to_string());
    }
    let v = run_driver(
        sp.driver(),
        cmd,
        preset,
        Who::Alice,
        Setup::strict(FIXTURE),
        &[("--banner-sha1", "SHA-1"), ("--banner-sha256", "SHA-256")],
    );
    assert_flows(&v, Who::Alice, sp_logins, sp.either(2, 1));
}

fn zendesk(sp: Sp) {
    judge(sp, "zendesk", 1);
}

fn freshworks(sp: Sp) {
    judge(sp, "freshworks", 1);
}

fn atlassian(sp: Sp) {
    judge(sp, "atlassian", 1);
}

/// Both of ServiceNow's ACS URLs, navpage.do (the default) and consumer.do.
fn servicenow(sp: Sp) {
    judge(sp, "servicenow", 2);
}

fn salesforce(sp: Sp) {
    judge(sp, "salesforce", 1);
}

fn hubspot(sp: Sp) {
    judge(sp, "hubspot", 1);
}

fn helpscout(sp: Sp) {
    judge(sp, "helpscout", 1);
}

fn zammad(sp: Sp) {
    judge(sp, "zammad", 1);
}

each_sp! {
    zendesk: saas_python3_saml_zendesk, saas_node_saml_zendesk;
    freshworks: saas_python3_saml_freshworks, saas_node_saml_freshworks;
    atlassian: saas_python3_saml_atlassian, saas_node_saml_atlassian;
    servicenow: saas_python3_saml_servicenow, saas_node_saml_servicenow;
    salesforce: saas_python3_saml_salesforce, saas_node_saml_salesforce;
    hubspot: saas_python3_saml_hubspot, saas_node_saml_hubspot;
    helpscout: saas_python3_saml_helpscout, saas_node_saml_helpscout;
    zammad: saas_python3_saml_zammad, saas_node_saml_zammad;
}

/// `python/saas.py`'s table as JSON.
fn products() -> Value {
    let mut cmd = python_script("saas.py")
        .unwrap_or_else(|why| panic!("python is not set up ({why}): {RUN_TESTS_HINT}"));
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .expect("run python/saas.py");
    assert!(
        out.status.success(),
        "python/saas.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("python/saas.py prints JSON")
}

/// The `service_providers:` entries of a registry file.
pub fn entries(path: &std::path::Path) -> Vec<serde_yaml::Value> {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: serde_yaml::Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    doc["service_providers"]
        .as_sequence()
        .cloned()
        .unwrap_or_else(|| panic!("{} has no `service_providers:` list", path.display()))
}

/// The fixture registers each SaaS preset once, with the parameters of its example in
/// `docs/examples/` and the RelayState the driver's table expects; the table covers exactly
/// those products, and every query-string ACS product has its refused variants.
#[test]
fn saas_fixture_agrees_with_the_products_and_the_examples() {
    let table = products();
    let fixture = entries(&sps_fixture(FIXTURE));
    let listed: Vec<&str> = fixture
        .iter()
        .map(|e| e["preset"].as_str().expect("every entry names a preset"))
        .collect();
    assert_eq!(
        listed, PRESETS,
        "{FIXTURE} lists each SaaS preset once, in order"
    );
    let in_table: BTreeSet<&str> = table
        .as_object()
        .expect("the table is an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(in_table, PRESETS.into_iter().collect(), "python/saas.py");

    for entry in &fixture {
        let preset = entry["preset"].as_str().unwrap_or_default();
        let product = &table[preset];
        assert_eq!(
            entry["relay_state"].as_str(),
            product["relay_state"].as_str(),
            "{preset}: the registered RelayState and the one the driver expects"
        );
        let example = repo_example(preset);
        let first = entries(&example)
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{} registers nothing", example.display()));
        let mapping = first.as_mapping().expect("an entry is a mapping");
        for (key, value) in mapping {
            assert_eq!(
                &entry[key],
                value,
                "{preset}: `{}` differs from {}",
                key.as_str().unwrap_or("?"),
                example.display()
            );
        }
        let acs = product["acs"].as_str().unwrap_or_default();
        let variants = product["query_variants"].as_array().map_or(0, Vec::len);
        if acs.contains('?') {
            assert!(variants >= 3, "{preset}: {variants} refused ACS variants");
            let (path, _) = acs.split_once('?').unwrap_or_default();
            for v in product["query_variants"].as_array().into_iter().flatten() {
                let v = v.as_str().unwrap_or_default();
                assert!(
                    v != acs && v.split('?').next() == Some(path),
                    "{preset}: {v} does not differ from {acs} in the query only"
                );
            }
        } else {
            assert_eq!(variants, 0, "{preset}: its ACS has no query string");
        }
    }
}

fn repo_example(preset: &str) -> std::path::PathBuf {
    super::repo()
        .join("docs")
        .join("examples")
        .join(format!("{preset}.yaml"))
}
