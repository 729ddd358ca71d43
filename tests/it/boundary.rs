//! The engine stays pure: no web framework, templates, config files, file system or network
//! under `src/saml`, and no clock or randomness (clippy.toml bans those calls outside
//! `server::clock`).

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

#[test]
fn the_engine_names_no_io_clock_or_web_crate() {
    let mut files = Vec::new();
    rust_files(&repo().join("src/saml"), &mut files);
    assert!(files.len() > 5);
    let mut offences = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        // Unit tests may read golden files: skip test-only files and test modules.
        if text.contains("#![cfg(test)]") {
            continue;
        }
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let code: String = code
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for word in FORBIDDEN {
            if code.contains(word) {
                offences.push(format!("{} names {word}", file.display()));
            }
        }
    }
    assert!(offences.is_empty(), "{offences:#?}");
}
