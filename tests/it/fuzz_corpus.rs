//! Replays the fuzzing inputs kept in `fuzz/` (the seeds and the minimised corpus of each
//! target) through the same functions the fuzz targets call, so that an input which once
//! crashed a parser, or found a new path through it, keeps being tried in every test run.

use std::fs;
use std::path::Path;

use crate::fuzz_targets;
use crate::support::repo;

/// What a fuzz target calls with its input.
type Target = fn(&[u8]);

#[test]
fn every_kept_fuzz_input_is_handled_without_a_panic() {
    let targets: [(&str, Target); 4] = [
        ("binding_decode", fuzz_targets::binding_decode),
        ("protocol_xml", fuzz_targets::protocol_xml),
        ("users_yaml", fuzz_targets::users_yaml),
        ("sps_yaml", fuzz_targets::sps_yaml),
    ];
    for (name, run) in targets {
        let mut replayed = 0;
        for kind in ["seeds", "corpus"] {
            let dir = repo().join("fuzz").join(kind).join(name);
            if !dir.is_dir() {
                continue;
            }
            for entry in fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                // A corpus being written by a running fuzzer changes under our feet.
                let Ok(data) = fs::read(&path) else {
                    continue;
                };
                replay(&path, &data, run);
                replayed += 1;
            }
        }
        assert!(replayed > 0, "fuzz/seeds/{name} holds no inputs");
    }
}

fn replay(path: &Path, data: &[u8], run: Target) {
    if std::panic::catch_unwind(|| run(data)).is_err() {
        panic!("{} makes the target panic", path.display());
    }
}
