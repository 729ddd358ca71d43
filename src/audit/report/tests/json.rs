//! The JSON report reads back as JSON and has the keys a CI script reads.

use super::*;
use serde_json::Value;

use crate::audit::report::sample;

fn value(report: &Report) -> Value {
    let text = json(report);
    assert!(text.ends_with("}\n"));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn it_has_the_keys_a_ci_script_reads() {
    let v = value(&sample::report());
    assert_eq!(v["summary"]["critical"], 2);
    assert_eq!(v["summary"]["high"], 1);
    assert_eq!(v["summary"]["skipped"], 4);
    assert_eq!(v["idp"]["certificate_sha256"], "01:23:45:67:89:AB");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 15);
    let by_id = |id: &str| results.iter().find(|r| r["id"] == id).unwrap();

    let xsw3 = by_id("xsw3");
    assert_eq!(xsw3["outcome"], "judged");
    assert_eq!(xsw3["verdict"], "finding");
    assert_eq!(xsw3["finding_severity"], "critical");
    assert_eq!(xsw3["took"], "forged");
    assert_eq!(xsw3["identity"], "admin@acme-support.example");
    assert_eq!(xsw3["login"]["exchanges"][1]["status"], 302);
    assert_eq!(xsw3["login"]["exchanges"][1]["form"][1][0], "RelayState");

    for (id, verdict) in [
        ("valid", "passed"),
        ("xsw1", "harmless"),
        ("multi-valued-attributes", "incompatible"),
        ("sha1-signature", "policy"),
    ] {
        assert_eq!(by_id(id)["verdict"], verdict, "{id}");
    }
    assert_eq!(by_id("sha1-signature")["accepted"], true);
    assert_eq!(by_id("unsolicited")["accepted"], false);
    assert!(by_id("valid").get("accepted").is_none());

    let replay = by_id("replay");
    assert_eq!(replay["outcome"], "error");
    assert_eq!(replay["error"], "https://sp.test/acs: connection refused");
    let skipped = by_id("logout-unsigned");
    assert_eq!(skipped["outcome"], "skipped");
    assert!(skipped["reason"]
        .as_str()
        .unwrap()
        .contains("no logout URL"));
    assert!(results.iter().all(|r| r["outcome"].is_string()));
}

#[test]
fn whatever_the_sp_sent_reads_back_unchanged() {
    let report = sample::hostile();
    let v = value(&report);
    assert_eq!(v["user_as_shown"], report.user_as_shown.unwrap().as_str());
}
