//! The JUnit file parses (xml-rs), counts as the summary does, has one test case per scenario
//! with the right child, and carries what the SP sent intact but for what XML cannot hold.

use super::*;
use crate::audit::report::sample;
use xml::reader::{EventReader, XmlEvent};

/// An element as read back: name, attributes, text.
#[derive(Debug, Default, Clone)]
struct El {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<El>,
}

impl El {
    fn attr(&self, name: &str) -> &str {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("{} has no {name}: {:?}", self.name, self.attrs))
    }

    fn all(&self, name: &str) -> Vec<&El> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
}

/// The document read with xml-rs, which fails on anything not well-formed.
fn read(doc: &str) -> El {
    let mut stack = vec![El::default()];
    for event in EventReader::new(doc.as_bytes()) {
        match event.unwrap_or_else(|e| panic!("{e}\n{doc}")) {
            XmlEvent::StartElement {
                name, attributes, ..
            } => stack.push(El {
                name: name.local_name,
                attrs: attributes
                    .into_iter()
                    .map(|a| (a.name.local_name, a.value))
                    .collect(),
                ..El::default()
            }),
            XmlEvent::EndElement { .. } => {
                let done = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(done);
            }
            XmlEvent::Characters(t) | XmlEvent::CData(t) => {
                stack.last_mut().unwrap().text.push_str(&t)
            }
            _ => {}
        }
    }
    let mut root = stack.pop().unwrap();
    assert_eq!(root.children.len(), 1);
    root.children.remove(0)
}

fn suite(doc: &El) -> &El {
    assert_eq!(doc.name, "testsuites");
    let suites = doc.all("testsuite");
    assert_eq!(suites.len(), 1);
    suites[0]
}

fn case<'a>(suite: &'a El, id: &str) -> &'a El {
    suite
        .all("testcase")
        .into_iter()
        .find(|c| c.attr("name").starts_with(&format!("{id}: ")))
        .unwrap_or_else(|| panic!("no test case {id}"))
}

#[test]
fn one_suite_counts_as_the_summary_does() {
    let doc = read(&junit(&sample::report()));
    let suite = suite(&doc);
    assert_eq!(suite.attr("name"), "mock-idp audit");
    assert_eq!(suite.attr("tests"), "15");
    assert_eq!(suite.attr("failures"), "5", "4 findings, 1 incompatible");
    assert_eq!(suite.attr("errors"), "1");
    assert_eq!(suite.attr("skipped"), "4");
    assert_eq!(suite.attr("time"), "12.500");
    assert_eq!(suite.attr("timestamp"), "2026-12-06T11:00:00");
    assert_eq!(doc.attr("tests"), "15");
    assert_eq!(doc.attr("failures"), "5");

    let cases = suite.all("testcase");
    assert_eq!(cases.len(), 15);
    let count = |child: &str| {
        cases
            .iter()
            .filter(|c| c.children.iter().any(|e| e.name == child))
            .count()
    };
    assert_eq!(count("failure"), 5);
    assert_eq!(count("error"), 1);
    assert_eq!(count("skipped"), 4);
    assert_eq!(count("system-out"), 3, "2 policy, 1 harmless");
    assert_eq!(
        cases.iter().filter(|c| c.children.is_empty()).count(),
        2,
        "passed"
    );
    let props = &suite.all("properties")[0].children;
    assert!(props
        .iter()
        .any(|p| p.attr("name") == "sp" && p.attr("value") == "https://sp.test/login"));
}

#[test]
fn each_outcome_has_its_child() {
    let doc = read(&junit(&sample::report()));
    let suite = suite(&doc);

    let xsw3 = case(suite, "xsw3");
    assert_eq!(xsw3.attr("classname"), "mock-idp.wrapping");
    assert_eq!(
        xsw3.attr("name"),
        "xsw3: Wrapped assertion before the signed one"
    );
    assert_eq!(xsw3.attr("time"), "0.125");
    let failure = &xsw3.children[0];
    assert_eq!(failure.name, "failure");
    assert_eq!(failure.attr("type"), "critical");
    assert_eq!(
        failure.attr("message"),
        "critical finding: accepted and logged in the attacker"
    );
    for part in [
        "What the scenario does",
        "Rule: SAML Core 2.0, section 5.4",
        "A correct SP: Refuses the response",
        "Identity taken: admin@acme-support.example (forged)",
        "  POST https://sp.test/acs -> 302, Location: https://sp.test/home, sets cookies: auth, csrf",
        "  check: GET https://sp.test/me -> 200",
    ] {
        assert!(failure.text.contains(part), "{part} in {}", failure.text);
    }
    assert_eq!(
        case(suite, "wrong-recipient").children[0].attr("type"),
        "high"
    );

    let probe = &case(suite, "multi-valued-attributes").children[0];
    assert_eq!(
        (probe.name.as_str(), probe.attr("type")),
        ("failure", "incompatible")
    );

    let error = &case(suite, "replay").children[0];
    assert_eq!(error.name, "error");
    assert_eq!(
        error.attr("message"),
        "https://sp.test/acs: connection refused"
    );

    let skipped = &case(suite, "logout-unsigned").children[0];
    assert_eq!(skipped.name, "skipped");
    assert!(skipped
        .attr("message")
        .starts_with("breaks logout messages"));

    let policy = &case(suite, "sha1-signature").children[0];
    assert_eq!(policy.name, "system-out");
    assert!(policy
        .text
        .starts_with("policy: the SP accepts this response"));
    let refused = &case(suite, "unsolicited").children[0];
    assert!(refused
        .text
        .starts_with("policy: the SP refuses this response"));
    let harmless = &case(suite, "xsw1").children[0];
    assert!(harmless.text.starts_with("harmless: "), "{}", harmless.text);
    assert!(harmless
        .text
        .contains("Identity taken: alice@example.com (the signed user)"));
}

#[test]
fn what_the_sp_sent_survives_but_for_what_xml_cannot_hold() {
    let report = sample::hostile();
    let doc = junit(&report);
    assert!(!doc.contains('\u{1b}') && !doc.contains('\u{0}') && !doc.contains('\u{7}'));
    let read = read(&doc);
    let suite = suite(&read);
    let failure = &case(suite, "xsw3").children[0];
    let expected = format!(
        "critical finding: accepted {}{}[31m&amp;]]>",
        sample::SCRIPT,
        sample::IMG
    );
    assert_eq!(failure.attr("message"), expected);
    assert!(failure
        .text
        .contains(&expected["critical finding: ".len()..]));
    assert_eq!(
        case(suite, "replay").children[0].attr("message"),
        &expected["critical finding: accepted ".len()..]
    );
}

#[test]
fn escaping_keeps_line_breaks_and_tabs_and_drops_forbidden_characters() {
    assert_eq!(attr("a\"<&>\t\n\r'"), "a&quot;&lt;&amp;&gt;&#9;&#10;&#13;'");
    assert_eq!(text("a\"<&>\t\n\r"), "a\"&lt;&amp;&gt;\t\n&#13;");
    assert_eq!(text("x\u{0}\u{8}\u{b}\u{1f}\u{fffe}\u{ffff}y"), "xy");
    assert_eq!(text("é\u{10000}\u{fffd}"), "é\u{10000}\u{fffd}");
    let doc = format!("<a b=\"{}\">{}</a>", attr("1\r\n2\t3"), text("x\r\ny\rz"));
    let el = read(&doc);
    assert_eq!(el.attr("b"), "1\r\n2\t3");
    assert_eq!(el.text, "x\r\ny\rz");
}

#[test]
fn a_timestamp_that_does_not_parse_is_kept() {
    assert_eq!(timestamp("2026-12-06T12:00:00Z"), "2026-12-06T12:00:00");
    assert_eq!(timestamp("yesterday"), "yesterday");
}
