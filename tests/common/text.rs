//! Long outputs made short enough for a failure message.

/// `s` cut to at most `max` bytes (at a character boundary), saying how much was left out.
pub fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} more bytes)", &s[..end], s.len() - end)
}
