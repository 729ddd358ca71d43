//! The JUnit XML report (`--junit`), the file CI dashboards read (Jenkins, GitLab, the GitHub
//! test-report actions): one test suite, one test case per scenario.
//!
//! - A finding is a `<failure>` whose `type` is its severity; a compatibility probe the SP
//!   refused is a `<failure type="incompatible">`.
//! - A login that could not be run to the end is an `<error>`; a scenario not run is
//!   `<skipped>`.
//! - Passed, harmless and policy outcomes pass; the last two say what happened in
//!   `<system-out>`.
//!
//! Everything from the SP is escaped, and characters XML 1.0 does not allow (control
//! characters an SP page may hold) are left out, so the file always parses.

use std::fmt::Write;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use super::{Exchange, Login, Outcome, Report, ScenarioResult};
use crate::audit::verdict::Verdict;

/// The name of the test suite.
pub const SUITE: &str = "mock-idp audit";

/// `report` as a JUnit XML document, ending with a line break.
pub fn junit(report: &Report) -> String {
    let s = &report.summary;
    let failures = s.critical + s.high + s.medium + s.incompatible;
    let counts = format!(
        "tests=\"{}\" failures=\"{failures}\" errors=\"{}\" skipped=\"{}\" time=\"{:.3}\"",
        s.total, s.errors, s.skipped, report.seconds
    );
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"{SUITE}\" {counts}>");
    let _ = writeln!(
        out,
        "  <testsuite name=\"{SUITE}\" {counts} timestamp=\"{}\">",
        attr(&timestamp(&report.started))
    );
    out.push_str("    <properties>\n");
    for (name, value) in [
        ("tool", report.tool.as_str()),
        ("sp", report.sp.target()),
        ("sp.start", report.sp.start),
        ("sp.check", report.sp.check.as_str()),
        ("idp.entity_id", report.idp.entity_id.as_str()),
        (
            "idp.certificate_sha256",
            report.idp.certificate_sha256.as_str(),
        ),
        ("user", report.user.as_str()),
    ] {
        let _ = writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            attr(value)
        );
    }
    out.push_str("    </properties>\n");
    for r in &report.results {
        testcase(r, &mut out);
    }
    out.push_str("  </testsuite>\n</testsuites>\n");
    out
}

fn testcase(r: &ScenarioResult, out: &mut String) {
    let _ = write!(
        out,
        "    <testcase classname=\"mock-idp.{}\" name=\"{}: {}\" time=\"{:.3}\"",
        attr(r.family),
        attr(r.id),
        attr(r.title),
        r.seconds
    );
    match child(r) {
        None => out.push_str("/>\n"),
        Some(child) => {
            let _ = write!(out, ">\n      {child}\n    </testcase>\n");
        }
    }
}

/// What the test case holds: nothing for a pass, else its failure, error, skip or output.
fn child(r: &ScenarioResult) -> Option<String> {
    let failure = |kind: &str, message: &str, body: &str| {
        format!(
            "<failure message=\"{}\" type=\"{kind}\">{}</failure>",
            attr(message),
            text(body)
        )
    };
    let output = |body: &str| format!("<system-out>{}</system-out>", text(body));
    Some(match &r.outcome {
        Outcome::Skipped { reason } => format!("<skipped message=\"{}\"/>", attr(reason)),
        Outcome::Error { error, login } => format!(
            "<error message=\"{}\" type=\"error\">{}</error>",
            attr(error),
            text(&details(r, None, Some(login)))
        ),
        Outcome::Judged {
            verdict,
            summary,
            login,
            ..
        } => match verdict {
            Verdict::Passed => return None,
            Verdict::Finding { severity } => failure(
                severity.id(),
                &format!("{} finding: {summary}", severity.id()),
                &details(r, Some(summary), Some(login)),
            ),
            Verdict::Incompatible => failure(
                "incompatible",
                &format!("incompatible: {summary}"),
                &details(r, Some(summary), Some(login)),
            ),
            Verdict::Harmless => output(&format!(
                "harmless: the SP accepted a response it must refuse, but took the signed user's identity: {summary}\n\n{}",
                details(r, None, None)
            )),
            Verdict::Policy { accepted } => output(&format!(
                "policy: the SP {} this response: {summary}\n\n{}",
                if *accepted { "accepts" } else { "refuses" },
                details(r, None, None)
            )),
        },
    })
}

/// What a person reading the CI log needs: what happened, what the scenario is, what a correct
/// SP does, the identity the SP took and, for a failure, the HTTP exchanges.
fn details(r: &ScenarioResult, summary: Option<&str>, login: Option<&Login>) -> String {
    let mut out = String::new();
    if let Some(s) = summary {
        let _ = writeln!(out, "{s}\n");
    }
    let _ = writeln!(out, "{}\n", r.explanation);
    let _ = writeln!(out, "Rule: {}", r.rule);
    if let Some(c) = r.correct_sp {
        let _ = writeln!(out, "A correct SP: {c}");
    }
    if let Some(i) = r.identity_taken() {
        let _ = writeln!(out, "Identity taken: {i}");
    }
    if let Some(login) = login {
        if !login.exchanges.is_empty() || login.check.is_some() {
            out.push_str("\nHTTP exchanges:\n");
        }
        for e in &login.exchanges {
            exchange("", e, &mut out);
        }
        if let Some(e) = &login.check {
            exchange("check: ", e, &mut out);
        }
    }
    out.trim_end().to_owned()
}

fn exchange(label: &str, e: &Exchange, out: &mut String) {
    let _ = write!(out, "  {label}{} {} -> ", e.method, e.url);
    match e.status {
        Some(s) => {
            let _ = write!(out, "{s}");
        }
        None => out.push_str("no answer"),
    }
    if let Some(l) = &e.location {
        let _ = write!(out, ", Location: {l}");
    }
    if !e.set_cookies.is_empty() {
        let _ = write!(out, ", sets cookies: {}", e.set_cookies.join(", "));
    }
    out.push('\n');
}

/// `started` (RFC 3339) in UTC without an offset, as the JUnit schema's `timestamp` has it;
/// as given if it does not parse.
fn timestamp(started: &str) -> String {
    OffsetDateTime::parse(started, &Rfc3339)
        .ok()
        .and_then(|t| {
            t.to_offset(UtcOffset::UTC)
                .format(format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second]"
                ))
                .ok()
        })
        .unwrap_or_else(|| started.to_owned())
}

/// Whether XML 1.0 allows `c` in a document (section 2.2, `Char`).
fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// `s` for a double-quoted attribute value: markup escaped, and tabs and line breaks as
/// character references, which attribute normalisation would otherwise turn into spaces.
fn attr(s: &str) -> String {
    escape(s, true)
}

/// `s` for element content.
fn text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, in_attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().filter(|c| allowed(*c)) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A parser turns a literal CR (and CR LF) into LF.
            '\r' => out.push_str("&#13;"),
            '"' if in_attribute => out.push_str("&quot;"),
            '\t' if in_attribute => out.push_str("&#9;"),
            '\n' if in_attribute => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[path = "tests/junit.rs"]
mod tests;
