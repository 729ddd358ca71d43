//! The one classification of a failed flow that the edge needs: what kind of failure it is,
//! a title, what was wrong and, where it helps, what to do. The web layer maps [`FaultKind`]
//! to an HTTP status and nothing else does.

/// Whose failure it is, and so which status the edge answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// The request is malformed, or asks for something that cannot be done (400).
    BadInput,
    /// Well formed, but refused by policy, as strict mode refuses an unregistered SP (403).
    Refused,
    /// Nothing is there (404).
    NotFound,
    /// Our own failure, not the sender's (500).
    Internal,
}

/// An error a flow returns, classified for the edge.
pub trait Classified: std::error::Error {
    fn kind(&self) -> FaultKind;
    /// A short heading for the error page.
    fn title(&self) -> &'static str;
    /// What the reader can do about it, where there is something to say.
    fn hint(&self) -> Option<&'static str> {
        None
    }
}

/// A classified failure with its text, ready for the edge to show. `detail` is the error's
/// `Display`: what was wrong, naming the offending value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{title}: {detail}")]
pub struct Fault {
    pub kind: FaultKind,
    pub title: &'static str,
    pub detail: String,
    pub hint: Option<&'static str>,
}

impl Fault {
    pub fn not_found(path: &str) -> Self {
        Fault {
            kind: FaultKind::NotFound,
            title: "Not found",
            detail: format!("there is nothing at {path}"),
            hint: Some("the home page lists every endpoint"),
        }
    }

    pub fn internal(detail: String) -> Self {
        Fault {
            kind: FaultKind::Internal,
            title: "Internal error",
            detail,
            hint: None,
        }
    }
}

// `Fault` itself is deliberately not `Classified`, so this does not overlap `From<Fault>`.
impl<E: Classified> From<E> for Fault {
    fn from(e: E) -> Self {
        Fault {
            kind: e.kind(),
            title: e.title(),
            detail: e.to_string(),
            hint: e.hint(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("the thing {0:?} is refused")]
    struct Refusal(&'static str);

    impl Classified for Refusal {
        fn kind(&self) -> FaultKind {
            FaultKind::Refused
        }
        fn title(&self) -> &'static str {
            "Refused"
        }
        fn hint(&self) -> Option<&'static str> {
            Some("ask nicely")
        }
    }

    #[test]
    fn a_classified_error_keeps_its_kind_title_text_and_hint() {
        let fault = Fault::from(Refusal("x"));
        assert_eq!(fault.kind, FaultKind::Refused);
        assert_eq!(fault.title, "Refused");
        assert_eq!(fault.detail, "the thing \"x\" is refused");
        assert_eq!(fault.hint, Some("ask nicely"));
        assert_eq!(fault.to_string(), "Refused: the thing \"x\" is refused");
    }

    #[test]
    fn not_found_names_the_path() {
        let fault = Fault::not_found("/nope");
        assert_eq!(fault.kind, FaultKind::NotFound);
        assert_eq!(fault.detail, "there is nothing at /nope");
    }
}
