//! The text of an SP's answer, as a diagnosis quotes it.

use super::*;

#[test]
fn the_text_of_a_page_leaves_out_markup_scripts_and_styles() {
    let page = "<html><head><style>p { color: red }</style><SCRIPT>var x = '<b>';</SCRIPT></head>\
        <body><h1>Rejected</h1><p>invalid_response &amp; <em>Signature</em>\n\n  validation failed</p></body></html>";
    assert_eq!(
        text_of(page),
        "Rejected invalid_response & Signature validation failed"
    );
    assert_eq!(text_of("plain text"), "plain text");
    assert_eq!(text_of("<unclosed"), "");
    let long = "word ".repeat(200);
    let cut = text_of(&long);
    assert!(cut.ends_with('…') && cut.chars().count() == 401, "{cut}");
}
