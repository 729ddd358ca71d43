//! Replacing a few ASCII bytes of a string by entities, as the XML writers and the HTML pages
//! do, fast on what they mostly write: long runs with nothing to replace (base64 digests,
//! signatures, certificates and whole responses, IDs, URLs). A leaf: this module uses nothing
//! else of the crate.

/// Bytes looked at together when looking for one to replace.
const CHUNK: usize = 32;

/// Appends `s` to `out` with each byte of `special` replaced by `entity(byte)`; every other
/// byte is copied, in runs. `special` holds ASCII bytes only, so the runs are always cut at
/// character boundaries.
///
/// A chunk of bytes is first tested against all of `special` at once, without an early exit,
/// which the compiler turns into vector compares; only a chunk holding a special byte, and
/// the last bytes, too few for a chunk, are walked a byte at a time.
pub fn escape_into<const N: usize>(
    s: &str,
    out: &mut String,
    special: [u8; N],
    entity: impl Fn(u8) -> &'static str,
) {
    let bytes = s.as_bytes();
    let is_special = |b: u8| special.iter().fold(false, |any, &x| any | (b == x));
    let mut run = 0;
    let mut i = 0;
    while i < bytes.len() {
        if let Some(chunk) = bytes
            .get(i..i + CHUNK)
            .and_then(|c| <&[u8; CHUNK]>::try_from(c).ok())
        {
            // One pass over the chunk per special byte: each pass is a fixed-length
            // reduction, which is vectorised whatever the number of special bytes.
            let found = special.iter().fold(false, |any, &x| {
                any | chunk.iter().fold(false, |f, &b| f | (b == x))
            });
            if !found {
                i += CHUNK;
                continue;
            }
        }
        let b = bytes[i];
        if is_special(b) {
            out.push_str(&s[run..i]);
            out.push_str(entity(b));
            run = i + 1;
        }
        i += 1;
    }
    out.push_str(&s[run..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain byte-at-a-time version the chunked one must agree with.
    fn one_at_a_time(s: &str, special: &[u8], entity: impl Fn(u8) -> &'static str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match u8::try_from(c).ok().filter(|b| special.contains(b)) {
                Some(b) => out.push_str(entity(b)),
                None => out.push(c),
            }
        }
        out
    }

    fn entity(b: u8) -> &'static str {
        match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            _ => "&#xD;",
        }
    }

    #[test]
    fn agrees_with_replacing_one_character_at_a_time() {
        let special = [b'&', b'<', b'\r'];
        let long_plain = "QUJDRA+/=".repeat(20);
        let mut cases = vec![
            String::new(),
            "&".into(),
            "plain".into(),
            long_plain.clone(),
            format!("{long_plain}&"),
            format!("&{long_plain}"),
            format!("{long_plain}<{long_plain}\r\n{long_plain}"),
            "<<<&&&\r\r".repeat(9),
            "h\u{e9}llo w\u{f6}rld \u{1F600} & <tag> \r\n".repeat(5),
        ];
        // A special byte at every position around a chunk's edges.
        for at in 0..(3 * CHUNK) {
            let mut s = "x".repeat(3 * CHUNK);
            s.replace_range(at..=at, "&");
            cases.push(s);
        }
        for s in &cases {
            let mut out = String::from("kept:");
            escape_into(s, &mut out, special, entity);
            assert_eq!(
                out,
                format!("kept:{}", one_at_a_time(s, &special, entity)),
                "{s:?}"
            );
        }
    }
}
