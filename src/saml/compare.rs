//! What a scenario (or an edit) changed: the valid response to the same login, and a line
//! comparison of two responses for people to read.
//!
//! The pipeline is deterministic given the clock and the IDs, so the valid counterpart of a
//! scenario response is the same login issued again with the same `now` and the IDs the first
//! run drew ([`Recorder`], then [`Replay`]): every difference between the two is the
//! scenario's doing (and the digests and signature values that cover it). The random bytes of
//! an encrypted assertion (content key, IV) are replayed too; only the RSA padding of the
//! wrapped key, which openssl draws itself, differs.

use std::collections::VecDeque;

use time::OffsetDateTime;

use super::issue::{self, IdSource, Idp, Login, SequentialIds};
use super::scenario::VALID;
use super::xml::pretty::pretty;
use super::xml::reader::{parse, Limits};

/// An [`IdSource`] that remembers what it handed out, for a [`Replay`].
#[derive(Debug)]
pub struct Recorder<I> {
    inner: I,
    drawn: Drawn,
}

/// What a [`Recorder`] handed out: IDs and random byte strings, each in order.
#[derive(Debug, Default)]
pub struct Drawn {
    ids: Vec<String>,
    random: Vec<Vec<u8>>,
}

impl<I: IdSource> Recorder<I> {
    pub fn new(inner: I) -> Self {
        Recorder {
            inner,
            drawn: Drawn::default(),
        }
    }

    /// What was drawn so far.
    pub fn into_drawn(self) -> Drawn {
        self.drawn
    }
}

impl<I: IdSource> IdSource for Recorder<I> {
    fn next_id(&mut self) -> String {
        let id = self.inner.next_id();
        self.drawn.ids.push(id.clone());
        id
    }

    fn next_guid_id(&mut self) -> String {
        let id = self.inner.next_guid_id();
        self.drawn.ids.push(id.clone());
        id
    }

    fn fill_random(&mut self, buf: &mut [u8]) {
        self.inner.fill_random(buf);
        self.drawn.random.push(buf.to_vec());
    }
}

/// Hands out recorded IDs again, in order (then `_id1`, `_id2`, ... should a run ask for
/// more than were recorded).
#[derive(Debug, Default)]
pub struct Replay {
    ids: VecDeque<String>,
    random: VecDeque<Vec<u8>>,
    spare: SequentialIds,
}

impl Replay {
    pub fn new(drawn: Drawn) -> Self {
        Replay {
            ids: drawn.ids.into(),
            random: drawn.random.into(),
            spare: SequentialIds::default(),
        }
    }
}

impl IdSource for Replay {
    fn next_id(&mut self) -> String {
        self.ids.pop_front().unwrap_or_else(|| self.spare.next_id())
    }

    fn next_guid_id(&mut self) -> String {
        self.ids
            .pop_front()
            .unwrap_or_else(|| self.spare.next_guid_id())
    }

    /// The recorded bytes when the next recording has the same length, else fresh ones.
    fn fill_random(&mut self, buf: &mut [u8]) {
        match self.random.pop_front() {
            Some(recorded) if recorded.len() == buf.len() => buf.copy_from_slice(&recorded),
            _ => self.spare.fill_random(buf),
        }
    }
}

/// The XML `login` gets without a scenario, at the same `now` and with the IDs a scenario run
/// drew (`drawn`, from a [`Recorder`]); `None` if it cannot be signed.
pub fn valid_counterpart(
    login: &Login<'_>,
    idp: &Idp<'_>,
    now: OffsetDateTime,
    drawn: Drawn,
) -> Option<String> {
    issue::issue(login, idp, now, &mut Replay::new(drawn), &VALID)
        .ok()
        .map(|r| r.xml)
}

/// How one line of a comparison relates the two sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Same,
    /// Only in the second document.
    Added,
    /// Only in the first.
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub change: Change,
    pub text: String,
}

impl Line {
    /// A DigestValue or SignatureValue: it differs whenever the signed content does, so it is
    /// a consequence of a change rather than the change itself (except when a scenario breaks
    /// exactly that value).
    pub fn is_signature_value(&self) -> bool {
        self.text.contains("DigestValue>") || self.text.contains("SignatureValue>")
    }
}

/// What the lines are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// Both documents indented element by element (as the inspector shows them).
    Elements,
    /// The bytes cut after each `>` and at line breaks: one side is not well-formed, is
    /// refused by the reader (a DOCTYPE, a processing instruction), or the two differ only in
    /// what the element tree does not keep (CDATA, what follows the root element).
    Bytes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub basis: Basis,
    /// Every line of both sides, in order: each removed line before the added ones replacing
    /// it.
    pub lines: Vec<Line>,
}

impl Comparison {
    /// How many lines are added or removed.
    pub fn changes(&self) -> usize {
        self.lines
            .iter()
            .filter(|l| l.change != Change::Same)
            .count()
    }
}

/// Largest table the line comparison fills (cells); beyond it, the differing middle is shown
/// as removed, then added, whole.
const MAX_CELLS: usize = 4_000_000;

/// `before` against `after`, line by line.
pub fn compare(before: &str, after: &str) -> Comparison {
    let indented = |xml: &str| {
        parse(
            xml.as_bytes(),
            Limits {
                max_depth: 128,
                max_attributes: 256,
                allow_cdata: true,
                max_namespaces: 32,
            },
        )
        .ok()
        .map(|el| pretty(&el))
    };
    match (indented(before), indented(after)) {
        (Some(a), Some(b)) if a != b || before == after => Comparison {
            basis: Basis::Elements,
            lines: diff(
                &a.lines().collect::<Vec<_>>(),
                &b.lines().collect::<Vec<_>>(),
            ),
        },
        _ => Comparison {
            basis: Basis::Bytes,
            lines: diff(&cut(before), &cut(after)),
        },
    }
}

/// `xml` cut after every `>` and at every line break.
fn cut(xml: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in xml.char_indices() {
        match c {
            '>' => {
                out.push(&xml[start..=i]);
                start = i + 1;
            }
            '\n' => {
                out.push(&xml[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if start < xml.len() {
        out.push(&xml[start..]);
    }
    out
}

/// A shortest edit script between `a` and `b` (longest common subsequence), with common
/// prefix and suffix taken off first.
fn diff(a: &[&str], b: &[&str]) -> Vec<Line> {
    let same = |t: &str| Line {
        change: Change::Same,
        text: t.to_owned(),
    };
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut out: Vec<Line> = a[..prefix].iter().map(|t| same(t)).collect();
    out.extend(middle(ma, mb));
    out.extend(a[a.len() - suffix..].iter().map(|t| same(t)));
    out
}

fn middle(a: &[&str], b: &[&str]) -> Vec<Line> {
    let line = |change, t: &str| Line {
        change,
        text: t.to_owned(),
    };
    let (n, m) = (a.len(), b.len());
    if (n + 1).saturating_mul(m + 1) > MAX_CELLS {
        return a
            .iter()
            .map(|t| line(Change::Removed, t))
            .chain(b.iter().map(|t| line(Change::Added, t)))
            .collect();
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let w = m + 1;
    let mut lcs = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * w + j] = if a[i] == b[j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(n + m);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(line(Change::Same, a[i]));
            i += 1;
            j += 1;
        } else if i < n && (j == m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
            out.push(line(Change::Removed, a[i]));
            i += 1;
        } else {
            out.push(line(Change::Added, b[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::saml::scenario::{find, testkit};

    fn changed(c: &Comparison) -> Vec<(Change, &str)> {
        c.lines
            .iter()
            .filter(|l| l.change != Change::Same)
            .map(|l| (l.change, l.text.trim()))
            .collect()
    }

    #[test]
    fn the_valid_counterpart_of_valid_is_the_same_bytes_with_the_same_ids() {
        let (issued, valid) = testkit::with_valid_counterpart(&VALID);
        assert!(
            issued.contains(r#"ID="_id11""#),
            "IDs from the recorded source"
        );
        assert_eq!(issued, valid);
        let mut replay = Replay::new(Drawn {
            ids: vec!["_a".into()],
            random: vec![vec![7, 7]],
        });
        assert_eq!(
            (replay.next_guid_id(), replay.next_id()),
            ("_a".to_owned(), "_id1".to_owned()),
            "then fresh ones"
        );
        let (mut two, mut three) = ([0u8; 2], [0u8; 3]);
        replay.fill_random(&mut two);
        replay.fill_random(&mut three);
        assert_eq!(
            (two, three),
            ([7, 7], [0, 1, 2]),
            "recorded bytes, then fresh ones"
        );
    }

    #[test]
    fn an_encrypted_response_replays_with_the_same_content_key_and_iv() {
        /// Random bytes that a fresh `SequentialIds` would not give.
        struct Fives(SequentialIds);
        impl IdSource for Fives {
            fn next_id(&mut self) -> String {
                self.0.next_id()
            }
            fn fill_random(&mut self, buf: &mut [u8]) {
                buf.fill(5);
            }
        }
        let mut profile = testkit::encryption_profile();
        profile.encryption.enabled = true;
        let (issued, valid) = testkit::with_login(&profile, |login, idp| {
            let mut recorder = Recorder::new(Fives(SequentialIds::default()));
            let issued = issue::issue(login, idp, testkit::NOW, &mut recorder, &VALID).unwrap();
            let valid = valid_counterpart(login, idp, testkit::NOW, recorder.into_drawn()).unwrap();
            (issued.xml, valid)
        });
        assert!(issued.contains("EncryptedAssertion"));
        assert_eq!(testkit::stable(&issued), testkit::stable(&valid));
    }

    #[test]
    fn expired_differs_from_its_valid_counterpart_in_the_two_not_on_or_after_lines() {
        let expired = find("expired").unwrap();
        let (broken, valid) = testkit::with_valid_counterpart(expired);
        let c = compare(&valid, &broken);
        assert_eq!(c.basis, Basis::Elements);
        let content: Vec<_> = c
            .lines
            .iter()
            .filter(|l| l.change != Change::Same && !l.is_signature_value())
            .collect();
        assert_eq!(content.len(), 4, "{content:#?}");
        assert!(content.iter().all(|l| l.text.contains("NotOnOrAfter")));
        assert!(content
            .iter()
            .any(|l| l.change == Change::Added && l.text.contains("<saml:Conditions ")));
        assert!(content.iter().any(
            |l| l.change == Change::Added && l.text.contains("<saml:SubjectConfirmationData ")
        ));
    }

    #[test]
    fn tampered_name_id_differs_in_the_name_id_only() {
        let s = find("tampered-nameid").unwrap();
        let (broken, valid) = testkit::with_valid_counterpart(s);
        let c = compare(&valid, &broken);
        let got = changed(&c);
        assert_eq!(got.len(), 2, "{got:#?}");
        assert_eq!(got[0].0, Change::Removed);
        assert!(got[0]
            .1
            .contains(">alice@acme-support.example</saml:NameID>"));
        assert_eq!(got[1].0, Change::Added);
        assert!(got[1]
            .1
            .contains(">admin@acme-support.example</saml:NameID>"));
    }

    #[test]
    fn bytes_the_tree_does_not_keep_are_compared_as_bytes() {
        for id in ["doctype-entity", "nameid-cdata", "malformed-xml"] {
            let s = find(id).unwrap();
            let (broken, valid) = testkit::with_valid_counterpart(s);
            let c = compare(&valid, &broken);
            assert_eq!(c.basis, Basis::Bytes, "{id}");
            assert!(c.changes() > 0, "{id}");
        }
        let same = testkit::run(&VALID).xml;
        assert_eq!(compare(&same, &same).changes(), 0);
        assert_eq!(compare(&same, &same).basis, Basis::Elements);
    }

    #[test]
    fn the_edit_script_is_minimal_and_ordered() {
        let c = diff(&["a", "b", "c", "d"], &["a", "x", "c", "d", "e"]);
        let got: Vec<_> = c.iter().map(|l| (l.change, l.text.as_str())).collect();
        assert_eq!(
            got,
            [
                (Change::Same, "a"),
                (Change::Removed, "b"),
                (Change::Added, "x"),
                (Change::Same, "c"),
                (Change::Same, "d"),
                (Change::Added, "e"),
            ]
        );
        assert_eq!(cut("<a>x\ny</a>"), ["<a>", "x", "y</a>"]);
    }
}
