//! Indentation lays tags out and changes nothing but the whitespace between two tags.

use super::*;

/// `s` without the whitespace-only runs between two tags: what indenting may change.
fn squeezed(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find('>') {
        out.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let space = rest.len() - rest.trim_start().len();
        if rest[space..].starts_with('<') {
            rest = &rest[space..];
        }
    }
    out.push_str(rest);
    out
}

fn same_text(xml: &str) -> String {
    let shown = indent(xml);
    assert_eq!(squeezed(&shown), squeezed(xml), "{shown}");
    shown
}

#[test]
fn tags_go_on_their_own_lines_and_text_stays_inline() {
    assert_eq!(
        same_text(r#"<?xml version="1.0"?><p:a xmlns:p="urn:p" x='1>2'><p:b>hi &amp; bye</p:b><p:c/><!--note--><p:d><p:e>x</p:e></p:d></p:a>"#),
        "<?xml version=\"1.0\"?>\n<p:a xmlns:p=\"urn:p\" x='1>2'>\n  <p:b>hi &amp; bye</p:b>\n  <p:c/>\n  <!--note-->\n  <p:d>\n    <p:e>x</p:e>\n  </p:d>\n</p:a>"
    );
}

#[test]
fn an_injected_comment_and_mixed_content_are_kept_exactly() {
    let xml = "<a><NameID>alice@example.com<!---->.evil.example</NameID><m>x<b/>y <![CDATA[<z>]]> </m></a>";
    assert_eq!(
        same_text(xml),
        "<a>\n  <NameID>alice@example.com<!---->.evil.example</NameID>\n  <m>x<b/>y <![CDATA[<z>]]> </m>\n</a>"
    );
}

#[test]
fn whitespace_only_elements_keep_their_whitespace() {
    assert_eq!(
        same_text("<a><b> </b><c></c></a>"),
        "<a>\n  <b> </b>\n  <c></c>\n</a>"
    );
}

#[test]
fn an_indented_message_is_laid_out_the_same() {
    let flat = "<a><b><c/></b></a>";
    let indented = "<a>\n    <b>\r\n\t<c/></b>\n</a>";
    assert_eq!(same_text(indented), indent(flat));
}

#[test]
fn broken_xml_is_shown_as_it_is() {
    for xml in [
        "<a><b",
        "<a>x < y</a>",
        "<a attr=\"unclosed>",
        "<!-- open",
        "<![CDATA[ open",
        "</a></b><c>",
        "text only",
        "",
        "  <a/>  ",
        "<!DOCTYPE a [<!ENTITY e \"v>\">]><a>&e;</a>",
    ] {
        same_text(xml);
    }
    assert_eq!(
        indent("<!DOCTYPE a [<!ENTITY e \"v\">]><a>&e;</a>"),
        "<!DOCTYPE a [<!ENTITY e \"v\">]>\n<a>&e;</a>"
    );
    assert_eq!(indent("</a></b><c>"), "</a>\n</b>\n<c>");
}

#[test]
fn multibyte_text_next_to_tags_is_whole() {
    assert_eq!(same_text("<a>é</a><b>日本</b>"), "<a>é</a>\n<b>日本</b>");
}

#[test]
fn deep_nesting_is_indented_no_further_than_the_cap() {
    let depth = 10_000;
    let xml = "<a>\n".repeat(depth);
    let out = indent(&xml);
    let widest = out
        .lines()
        .map(|l| l.len() - l.trim_start().len())
        .max()
        .unwrap();
    assert_eq!(widest, 2 * MAX_INDENT);
    assert!(out.len() < xml.len() + depth * (2 * MAX_INDENT + 1));
}
