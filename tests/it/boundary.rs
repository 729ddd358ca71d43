//! The engine stays pure: no web framework, templates, config files, file system or network
//! under `src/saml`, and no clock or randomness (clippy.toml bans those calls outside
//! `server::clock`). The flows under `src/server/flow` name no web framework or template engine,
//! so a login or a logout can be run without HTTP.

use std::fs;
use std::path::Path;

use crate::support::repo;

const FORBIDDEN: [&str; 8] = [
    "actix",
    "handlebars",
    "serde_yaml",
    "std::fs",
    "std::net",
    "now_utc",
    "rand_bytes",
    "std::env",
];

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `text` without its `#[cfg(test)]` items: a `mod x;` declaration up to its `;`, a block up
/// to the brace that closes it. What follows an item is kept, so code after a test module's
/// declaration is still read.
fn without_test_items(text: &str) -> String {
    const MARK: &str = "#[cfg(test)]";
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find(MARK) {
        out.push_str(&rest[..at]);
        let after = &rest[at + MARK.len()..];
        let semi = after.find(';');
        let open = after.find('{');
        let end = match (semi, open) {
            (Some(s), o) if o.is_none_or(|o| s < o) => s + 1,
            (_, Some(o)) => {
                let mut depth = 0usize;
                let mut end = after.len();
                for (i, c) in after[o..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = o + i + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            _ => after.len(),
        };
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// The words named outside test code in the `.rs` files under `dir`.
fn offences(dir: &str, min_files: usize, forbidden: &[&str]) -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&repo().join(dir), &mut files);
    assert!(
        files.len() >= min_files,
        "only {} source files under {dir}",
        files.len()
    );
    let mut offences = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        // Unit tests may read golden files: skip test-only files (a `tests.rs`, anything in a
        // `tests/` folder, or marked `#![cfg(test)]`) and test modules.
        let rel = file.strip_prefix(repo()).unwrap_or(&file);
        let in_tests = rel.file_name().is_some_and(|n| n == "tests.rs")
            || rel.components().any(|c| c.as_os_str() == "tests");
        if in_tests || text.contains("#![cfg(test)]") {
            continue;
        }
        let code = without_test_items(&text);
        let code: String = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for word in forbidden {
            if code.contains(word) {
                offences.push(format!("{} names {word}", file.display()));
            }
        }
    }
    offences
}

#[test]
fn the_engine_names_no_io_clock_or_web_crate() {
    let offences = offences("src/saml", 6, &FORBIDDEN);
    assert!(offences.is_empty(), "{offences:#?}");
}

#[test]
fn the_flows_name_no_web_framework_or_template_engine() {
    let offences = offences(
        "src/server/flow",
        2,
        &["actix", "handlebars", "HttpRequest", "HttpResponse"],
    );
    assert!(offences.is_empty(), "{offences:#?}");
}
