//! Golden files: what the engine writes with a fixed key, clock and IDs, kept under
//! `src/saml/testdata/` and compared byte for byte by the unit tests. `UPDATE_GOLDEN=1`
//! rewrites them (then review the difference before committing it).
#![cfg(test)]

use std::path::Path;

/// One directory of golden files under `src/saml/testdata/`.
pub struct Goldens {
    /// The directory, relative to `src/saml/testdata/` (`""` for that directory itself).
    pub dir: &'static str,
    /// Added to a test's name to make its file's name (`""` when the names carry it).
    pub extension: &'static str,
    /// How a failure refers to the file: "the golden file" or "its golden file".
    pub called: &'static str,
}

impl Goldens {
    /// Fails unless `actual` equals the golden file for `name`; with `UPDATE_GOLDEN` set,
    /// writes `actual` there first.
    pub fn check(&self, name: &str, actual: &str) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src/saml/testdata")
            .join(self.dir)
            .join(format!("{name}{}", self.extension));
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, actual).unwrap();
        }
        let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
            panic!(
                "{} is missing: run UPDATE_GOLDEN=1 cargo test",
                path.display()
            )
        });
        assert_eq!(
            actual, expected,
            "{name} differs from {}; review, then UPDATE_GOLDEN=1",
            self.called
        );
    }
}
