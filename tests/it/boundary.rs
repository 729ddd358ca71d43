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
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
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
