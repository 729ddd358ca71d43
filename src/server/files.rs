//! Reading the files the configuration names (users, service providers, SP metadata,
//! certificates): whole, as UTF-8 text, and never more than [`MAX_CONFIG_FILE`] bytes, so a
//! wrong path (a disk image, /dev/zero) fails at once with a message instead of filling memory.

use std::fs::File;
use std::io::{self, Read as _};
use std::path::Path;

/// Largest configuration file read.
pub const MAX_CONFIG_FILE: u64 = 16 * 1024 * 1024;

/// Reads `path` as text, refusing files over [`MAX_CONFIG_FILE`] bytes.
pub fn read_text(path: &Path) -> io::Result<String> {
    let mut text = String::new();
    File::open(path)?
        .take(MAX_CONFIG_FILE + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > MAX_CONFIG_FILE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("larger than {MAX_CONFIG_FILE} bytes, the most read for a configuration file"),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_small_files_and_refuses_endless_ones() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("users.yaml");
        std::fs::write(&small, "users: []\n").unwrap();
        assert_eq!(read_text(&small).unwrap(), "users: []\n");
        let endless = read_text(Path::new("/dev/zero")).unwrap_err();
        assert!(
            endless.to_string().contains("larger than 16777216 bytes"),
            "{endless}"
        );
    }
}
