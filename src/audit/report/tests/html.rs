//! The page stands alone, shows findings first with everything a reader needs, lists every
//! other outcome, and no markup the SP planted survives unescaped.

use super::*;
use crate::audit::report::sample;

/// The tags and attributes the page is written with; anything else came from outside.
const TAGS: [&str; 33] = [
    "!doctype", "html", "head", "meta", "title", "style", "body", "header", "main", "section",
    "article", "h1", "h2", "h3", "h4", "p", "span", "b", "code", "pre", "dl", "dt", "dd", "ul",
    "ol", "li", "details", "summary", "table", "thead", "tbody", "tr", "th",
];
const MORE_TAGS: [&str; 2] = ["td", "div"];
const ATTRIBUTES: [&str; 6] = ["lang", "charset", "name", "content", "class", "id"];

/// Every tag of `page`: its name and attribute names (lowercase).
fn tags(page: &str) -> Vec<(String, Vec<String>)> {
    let mut found = Vec::new();
    let mut rest = page;
    while let Some(at) = rest.find('<') {
        let tag = &rest[at + 1..];
        let end = tag.find('>').expect("every tag ends");
        let inner = tag[..end].trim_start_matches('/');
        let mut words = inner.split_whitespace();
        let name = words.next().unwrap_or_default().to_ascii_lowercase();
        // Attribute names: what precedes each `=` outside quotes.
        let mut attrs = Vec::new();
        let mut quoted = false;
        let mut word = String::new();
        for c in inner[name.len()..].chars() {
            match c {
                '"' => quoted = !quoted,
                '=' if !quoted => attrs.push(std::mem::take(&mut word).to_ascii_lowercase()),
                c if c.is_whitespace() && !quoted => word.clear(),
                c if !quoted => word.push(c),
                _ => {}
            }
        }
        assert!(!quoted, "an attribute value left open in <{inner}>");
        found.push((name, attrs));
        rest = &tag[end + 1..];
    }
    found
}

#[test]
fn no_markup_the_sp_planted_survives() {
    let report = sample::hostile();
    let page = html(&report);
    for (name, attrs) in tags(&page) {
        assert!(
            TAGS.contains(&name.as_str()) || MORE_TAGS.contains(&name.as_str()),
            "<{name}> in the page"
        );
        for a in attrs {
            assert!(ATTRIBUTES.contains(&a.as_str()), "{a}= on <{name}>");
        }
    }
    let lower = page.to_ascii_lowercase();
    assert!(!lower.contains("<script") && !lower.contains("<img"));
    assert!(!page.contains(sample::SCRIPT) && !page.contains(sample::IMG));
    // Each planted value is there, as text.
    let script = "&lt;script&gt;alert(1)&lt;/script&gt;";
    let img = "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;";
    let planted = format!("{script}{img}");
    for (where_, shown) in [
        ("the SP URL", format!("<code>GET https://sp.test/{planted}")),
        ("the identity", format!("<dd class=\"identity\">{planted}")),
        ("the RelayState", format!("RelayState: <code>{planted}")),
        ("an SP body", format!("<pre class=\"body\">{planted}")),
        (
            "the SP's error",
            format!("<td><code>replay</code></td><td>The same response twice</td><td>{planted}"),
        ),
        ("the response", format!("&lt;Response&gt;\n  {planted}")),
    ] {
        assert!(page.contains(&shown), "{where_}: {shown}");
    }
}

#[test]
fn escaping_covers_text_and_attributes() {
    assert_eq!(
        Esc("a&b<c>d\"e'f é").to_string(),
        "a&amp;b&lt;c&gt;d&quot;e&#39;f é"
    );
    assert_eq!(Esc("").to_string(), "");
    assert_eq!(
        Esc("a\u{0}\u{1b}[1m\u{7f}\u{85}\t\n\r日").to_string(),
        "a\u{fffd}\u{fffd}[1m\u{fffd}\u{fffd}\t\n\r日"
    );
}

#[test]
fn the_page_stands_alone() {
    let page = html(&sample::report());
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.ends_with("</html>\n"));
    for outside in [
        "<script",
        "<link",
        "src=",
        "href=",
        "url(",
        "@import",
        "http-equiv",
    ] {
        assert!(!page.contains(outside), "{outside}");
    }
    assert!(page.contains("<style>"));
}

#[test]
fn the_header_names_the_sp_the_idp_and_the_user() {
    let page = html(&sample::report());
    let header = &page[page.find("<header>").unwrap()..page.find("</header>").unwrap()];
    for fact in [
        "<title>SAML audit of https://sp.test/login</title>",
        "<dt>IdP entity ID</dt><dd>https://idp.test/metadata</dd>",
        "<dt>IdP certificate SHA-256</dt><dd>01:23:45:67:89:AB</dd>",
        "<dt>IdP certificate SHA-1</dt><dd>AB:CD:EF:01</dd>",
        "<dd>alice, NameID alice@example.com, shown by the SP as alice@example.com</dd>",
        "<li class=\"critical\"><b>2</b> critical</li>",
        "<li class=\"harmless\"><b>1</b> harmless</li>",
        "<li class=\"total\"><b>15</b> scenarios</li>",
    ] {
        assert!(
            page.contains(fact) && (fact.starts_with("<title>") || header.contains(fact)),
            "{fact}"
        );
    }
}

#[test]
fn findings_come_first_worst_first_with_their_messages() {
    let page = html(&sample::report());
    let at = |s: &str| page.find(s).unwrap_or_else(|| panic!("{s}"));
    let order = [
        "id=\"findings\"",
        "id=\"s-xsw3\"",
        "id=\"s-unsigned\"",
        "id=\"s-wrong-recipient\"",
        "id=\"s-expired-assertion\"",
        "id=\"incompatible\"",
    ];
    for pair in order.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "{} before {}", pair[0], pair[1]);
    }
    let xsw3 = &page[at("id=\"s-xsw3\"")..at("id=\"s-unsigned\"")];
    for part in [
        "<span class=\"badge critical\">critical</span> Wrapped assertion before the signed one <code>xsw3</code>",
        "<p class=\"what\">accepted and logged in the attacker</p>",
        "<dd class=\"identity\">admin@acme-support.example (forged)</dd>",
        "<dt>Rule or CVE</dt><dd>SAML Core 2.0, section 5.4</dd>",
        "<dt>A correct SP</dt><dd>Refuses the response and logs nobody in.</dd>",
        "RelayState: <code>/home</code>",
        "<h4>SAMLRequest (decoded)</h4>\n<pre class=\"xml\">&lt;samlp:AuthnRequest",
        // Laid out, the injected comment kept where it was.
        "\n    &lt;saml:Subject&gt;\n      &lt;saml:NameID&gt;alice@example.com&lt;!----&gt;.evil.example&lt;/saml:NameID&gt;",
        "<code>POST https://sp.test/acs</code> → <b>302</b>",
        "<dt>Form</dt><dd>SAMLResponse, RelayState=/home</dd>",
        "<dt>Location</dt><dd>https://sp.test/home</dd>",
        "<dt>Cookies set</dt><dd>auth, csrf</dd>",
        "<summary>Body (",
        "<h4>What the check saw</h4>",
        "<code>GET https://sp.test/me</code> → <b>200</b>",
    ] {
        assert!(xsw3.contains(part), "{part}\n---\n{xsw3}");
    }
}

#[test]
fn every_other_outcome_is_in_its_table() {
    let page = html(&sample::report());
    for (section, ids) in [
        ("incompatible", &["multi-valued-attributes"][..]),
        ("errors", &["replay"]),
        ("policy", &["sha1-signature", "unsolicited"]),
        ("harmless", &["xsw1"]),
        ("passed", &["valid", "comment-in-nameid"]),
        (
            "skipped",
            &[
                "encrypted-aes-gcm",
                "xsw2",
                "not-before-future",
                "logout-unsigned",
            ],
        ),
    ] {
        let start = page
            .find(&format!("<section id=\"{section}\">"))
            .unwrap_or_else(|| panic!("{section}"));
        let body = &page[start..start + page[start..].find("</section>").unwrap()];
        assert!(body.contains(&format!("({})</h2>", ids.len())), "{section}");
        for id in ids {
            assert!(
                body.contains(&format!("<tr id=\"s-{id}\">")),
                "{id} in {section}"
            );
        }
    }
    assert!(page.contains("<b class=\"choice\">accepts</b> accepted"));
    assert!(page.contains("<b class=\"choice\">refuses</b> refused: 403"));
    assert!(page.contains("<td>https://sp.test/acs: connection refused<details>"));
}

#[test]
fn a_clean_audit_says_so() {
    let mut report = sample::report();
    report.results.retain(|r| r.id == "valid");
    report.summary = crate::audit::report::Summary::of(&report.results);
    let page = html(&report);
    assert!(page.contains("<h2>Findings (0)</h2>\n<p class=\"none\">"));
    assert!(!page.contains("<section id=\"skipped\">"));
}
