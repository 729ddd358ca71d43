//! The HTML report (`--report-html`): one self-contained page, inline CSS, no script and no
//! external resource, so it can be archived as a CI artefact and opened anywhere.
//!
//! The page opens with what was audited (the SP, the IdP it trusts with its certificate
//! fingerprints, the user) and the totals; then every finding, worst first, with what the
//! scenario does, the rule or CVE, what a correct SP must do, the identity the SP took and the
//! messages exchanged; then the other outcomes in compact tables, their messages folded away
//! in `<details>`.
//!
//! Everything the SP or the messages chose is untrusted: it reaches the page only through
//! [`Esc`], which escapes it for text and double-quoted attributes alike. Nothing untrusted
//! becomes a link.

use std::fmt::{self, Write};

use super::indent::indent;
use super::{Exchange, Login, Outcome, Report, ScenarioResult};
use crate::audit::verdict::Verdict;

const STYLE: &str = include_str!("report.css");

/// The report as one HTML page.
pub fn html(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>SAML audit of {}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n",
        Esc(report.sp.target())
    );
    header(report, &mut out);
    out.push_str("<main>\n");
    findings(report, &mut out);
    others(report, &mut out);
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// `s`, escaped for HTML text and for a double-quoted attribute value. Control characters
/// other than tabs and line breaks, which HTML does not allow, become U+FFFD.
struct Esc<'a>(&'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(|c: char| {
            matches!(c, '&' | '<' | '>' | '"' | '\'')
                || c.is_control() && !matches!(c, '\t' | '\n' | '\r')
        }) {
            f.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            f.write_str(match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => "\u{FFFD}",
            })?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

fn header(report: &Report, out: &mut String) {
    let sp = &report.sp;
    let _ = writeln!(
        out,
        "<header>\n<h1>SAML audit of <span class=\"target\">{}</span></h1>",
        Esc(sp.target())
    );
    out.push_str("<dl class=\"facts\">\n");
    let mut fact = |name: &str, value: &str| {
        let _ = writeln!(out, "<dt>{name}</dt><dd>{}</dd>", Esc(value));
    };
    fact("Service provider", sp.target());
    fact(
        "Login",
        &format!("{}; logged in when: {}", sp.start, sp.check),
    );
    if let (Some(url), Some(id)) = (&sp.login_url, &sp.entity_id) {
        fact("SP login URL", url);
        fact("SP entity ID", id);
    }
    fact("IdP entity ID", &report.idp.entity_id);
    fact("IdP SSO URL", &report.idp.sso_url);
    fact("IdP certificate SHA-256", &report.idp.certificate_sha256);
    fact("IdP certificate SHA-1", &report.idp.certificate_sha1);
    let mut user = report.user.clone();
    if let Some(n) = &report.name_id {
        let _ = write!(user, ", NameID {n}");
    }
    if let Some(s) = &report.user_as_shown {
        let _ = write!(user, ", shown by the SP as {s}");
    }
    fact("User", &user);
    for warning in &report.warnings {
        fact("Note", warning);
    }
    fact(
        "Run",
        &format!(
            "{}, started {}, {:.1} s",
            report.tool, report.started, report.seconds
        ),
    );
    out.push_str("</dl>\n");

    let s = &report.summary;
    out.push_str("<ul class=\"totals\">\n");
    for (class, n, what) in [
        ("critical", s.critical, "critical"),
        ("high", s.high, "high"),
        ("medium", s.medium, "medium"),
        ("incompatible", s.incompatible, "incompatible"),
        (
            "error",
            s.errors,
            if s.errors == 1 { "error" } else { "errors" },
        ),
        ("policy", s.policy, "policy"),
        ("harmless", s.harmless, "harmless"),
        ("passed", s.passed, "passed"),
        ("skipped", s.skipped, "skipped"),
    ] {
        let zero = if n == 0 { " zero" } else { "" };
        let _ = writeln!(out, "<li class=\"{class}{zero}\"><b>{n}</b> {what}</li>");
    }
    let _ = writeln!(out, "<li class=\"total\"><b>{}</b> scenarios</li>", s.total);
    out.push_str("</ul>\n</header>\n");
}

fn findings(report: &Report, out: &mut String) {
    let found = report.findings();
    let _ = writeln!(
        out,
        "<section id=\"findings\">\n<h2>Findings ({})</h2>",
        found.len()
    );
    if found.is_empty() {
        out.push_str(
            "<p class=\"none\">None: the SP refused every response a correct SP refuses.</p>\n",
        );
    }
    for (severity, r) in found {
        let _ = writeln!(
            out,
            "<article class=\"finding {sev}\" id=\"s-{id}\">\n\
             <h3><span class=\"badge {sev}\">{sev}</span> {title} <code>{id}</code></h3>\n\
             <p class=\"what\">{what}</p>",
            sev = severity.id(),
            id = Esc(r.id),
            title = Esc(r.title),
            what = Esc(r.one_line()),
        );
        about(r, out);
        if let Some(login) = r.outcome.login() {
            messages(login, out);
        }
        out.push_str("</article>\n");
    }
    out.push_str("</section>\n");
}

/// What the scenario is and what a correct SP does, with the identity the SP took.
fn about(r: &ScenarioResult, out: &mut String) {
    let _ = writeln!(out, "<p>{}</p>\n<dl class=\"about\">", Esc(r.explanation));
    if let Some(identity) = r.identity_taken() {
        let _ = writeln!(
            out,
            "<dt>Identity taken</dt><dd class=\"identity\">{}</dd>",
            Esc(&identity)
        );
    }
    let _ = writeln!(out, "<dt>Rule or CVE</dt><dd>{}</dd>", Esc(r.rule));
    if let Some(c) = r.correct_sp {
        let _ = writeln!(out, "<dt>A correct SP</dt><dd>{}</dd>", Esc(c));
    }
    let _ = writeln!(out, "<dt>Family</dt><dd>{}</dd>\n</dl>", Esc(r.family));
}

/// The messages of one login, folded away: the decoded request, the response, each HTTP
/// exchange and what the check saw.
fn messages(login: &Login, out: &mut String) {
    out.push_str("<details class=\"messages\">\n<summary>Exchanged messages</summary>\n");
    if let Some(rs) = &login.relay_state {
        let _ = writeln!(out, "<p>RelayState: <code>{}</code></p>", Esc(rs));
    }
    for (name, xml) in [
        ("SAMLRequest (decoded)", &login.saml_request),
        ("SAMLResponse", &login.saml_response),
    ] {
        if let Some(xml) = xml {
            let _ = writeln!(
                out,
                "<h4>{name}</h4>\n<pre class=\"xml\">{}</pre>",
                Esc(&indent(xml))
            );
        }
    }
    if !login.exchanges.is_empty() {
        out.push_str("<h4>HTTP exchanges</h4>\n<ol class=\"exchanges\">\n");
        for e in &login.exchanges {
            out.push_str("<li>");
            exchange(e, out);
            out.push_str("</li>\n");
        }
        out.push_str("</ol>\n");
    }
    if let Some(e) = &login.check {
        out.push_str("<h4>What the check saw</h4>\n<div class=\"check\">");
        exchange(e, out);
        out.push_str("</div>\n");
    }
    out.push_str("</details>\n");
}

fn exchange(e: &Exchange, out: &mut String) {
    let status = e
        .status
        .map_or_else(|| "no answer".to_owned(), |s| s.to_string());
    let _ = writeln!(
        out,
        "<p class=\"request\"><code>{} {}</code> → <b>{}</b></p>",
        Esc(e.method),
        Esc(&e.url),
        status
    );
    let mut rows = Vec::new();
    if !e.form.is_empty() {
        let form: Vec<String> = e
            .form
            .iter()
            .map(|(n, v)| {
                if v.is_empty() {
                    n.clone()
                } else {
                    format!("{n}={v}")
                }
            })
            .collect();
        rows.push(("Form", form.join(", ")));
    }
    if let Some(l) = &e.location {
        rows.push(("Location", l.clone()));
    }
    if !e.set_cookies.is_empty() {
        rows.push(("Cookies set", e.set_cookies.join(", ")));
    }
    if !e.withheld_cookies.is_empty() {
        rows.push(("Cookies withheld (SameSite)", e.withheld_cookies.join(", ")));
    }
    if !rows.is_empty() {
        out.push_str("<dl class=\"exchange\">");
        for (name, value) in rows {
            let _ = write!(out, "<dt>{name}</dt><dd>{}</dd>", Esc(&value));
        }
        out.push_str("</dl>\n");
    }
    if !e.body.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Body ({} characters)</summary><pre class=\"body\">{}</pre></details>",
            e.body.chars().count(),
            Esc(&e.body)
        );
    }
}

/// Every outcome but findings, each kind in its table.
fn others(report: &Report, out: &mut String) {
    let results = |verdict: &str| report.judged(verdict);
    table(
        "incompatible",
        "Incompatible: refused where a correct SP accepts",
        &results("incompatible"),
        out,
    );
    let errors: Vec<_> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Error { .. }))
        .collect();
    table("errors", "Errors: not run to the end", &errors, out);
    table(
        "policy",
        "Policy choices: the catalogue leaves these to the SP",
        &results("policy"),
        out,
    );
    table(
        "harmless",
        "Harmless: accepted, but the SP took the signed user's identity",
        &results("harmless"),
        out,
    );
    table("passed", "Passed", &results("passed"), out);
    let skipped: Vec<_> = report
        .results
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Skipped { .. }))
        .collect();
    table("skipped", "Skipped", &skipped, out);
}

/// A compact table of `results`: id, title, what happened; the rest folded in `<details>`.
fn table(id: &str, heading: &str, results: &[&ScenarioResult], out: &mut String) {
    if results.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<section id=\"{id}\">\n<h2>{heading} ({})</h2>\n<table>\n\
         <thead><tr><th>Scenario</th><th>Title</th><th>What happened</th></tr></thead>\n<tbody>",
        results.len()
    );
    for r in results {
        let choice = match r.verdict() {
            Some(Verdict::Policy { accepted: true }) => "<b class=\"choice\">accepts</b> ",
            Some(Verdict::Policy { accepted: false }) => "<b class=\"choice\">refuses</b> ",
            _ => "",
        };
        let _ = write!(
            out,
            "<tr id=\"s-{id}\"><td><code>{id}</code></td><td>{title}</td><td>{choice}{what}",
            id = Esc(r.id),
            title = Esc(r.title),
            what = Esc(r.one_line()),
        );
        if !matches!(r.outcome, Outcome::Skipped { .. }) {
            out.push_str("<details><summary>Details</summary>\n");
            about(r, out);
            if let Some(login) = r.outcome.login() {
                messages(login, out);
            }
            out.push_str("</details>");
        }
        out.push_str("</td></tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

#[cfg(test)]
#[path = "tests/html.rs"]
mod tests;
