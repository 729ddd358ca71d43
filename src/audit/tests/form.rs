//! Finding the SP's auto-submitting form whatever way its page is written.

use super::*;

#[test]
fn the_auto_post_form_of_a_typical_sp_is_found_with_its_hidden_fields() {
    let page = r#"<!DOCTYPE html><html><body onload="document.forms[0].submit()">
<!-- <form action="https://decoy.example/"> -->
<script>var s = "<form action='https://script.example/'>";</script>
<FORM METHOD="POST" Action="https://idp.test/sso?x=1&amp;y=2">
  <input type="hidden" name="SAMLRequest" value="PHNhbWxwOkF1dGhuUmVxdWVzdA=="/>
  <input type=hidden name=RelayState value='https://sp.test/app?a=1&amp;b=&#x2F;c&#47;'>
  <noscript><input type="submit" value="Continue"></noscript>
</FORM></body></html>"#;
    let found = forms(page);
    assert_eq!(found.len(), 1, "{found:?}");
    let form = &found[0];
    assert_eq!(form.action, "https://idp.test/sso?x=1&y=2");
    assert_eq!(form.method, "post");
    assert_eq!(
        form.field("SAMLRequest"),
        Some("PHNhbWxwOkF1dGhuUmVxdWVzdA==")
    );
    assert_eq!(
        form.field("RelayState"),
        Some("https://sp.test/app?a=1&b=/c/")
    );
    assert_eq!(
        form.fields.len(),
        2,
        "the unnamed submit button is no field"
    );
}

#[test]
fn fields_outside_a_form_and_broken_markup_are_ignored() {
    assert!(forms("<input name=a value=b><p>x < y</p><").is_empty());
    let found = forms(
        "<form><input name=a value=1></form><input name=b><form action=/x><input name=c value",
    );
    assert_eq!(found.len(), 2);
    assert_eq!(found[0].fields, [("a".into(), "1".into())]);
    assert_eq!(found[0].method, "get");
    assert_eq!(found[1].action, "/x");
    assert_eq!(found[1].fields, [("c".into(), String::new())]);
}

#[test]
fn character_references_decode_and_unknown_ones_stay_as_written() {
    assert_eq!(decode("a&amp;b&lt;&#60;&#x3c;&quot;&apos;"), "a&b<<<\"'");
    assert_eq!(decode("&unknown; & &#xZZ; &"), "&unknown; & &#xZZ; &");
    assert_eq!(decode("&#1114112;"), "&#1114112;", "not a character");
}

#[test]
fn a_megabyte_of_ampersands_decodes_to_itself() {
    // Each `&` once looked for a `;` to the end of the text: minutes for this one.
    let text = "&".repeat(1 << 20);
    assert_eq!(decode(&text), text);
    assert_eq!(decode(&format!("{text}&amp;")).len(), text.len() + 1);
    assert_eq!(
        decode("&#x41 ;&#x41;"),
        "&#x41 ;A",
        "a reference ends at its `;`"
    );
}
