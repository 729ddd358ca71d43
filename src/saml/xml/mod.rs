//! A small XML tree, its canonical writer and its reader.
//!
//! The engine builds every document it sends as a [`Element`] tree and writes it with
//! [`c14n`], which emits Exclusive XML Canonicalization 1.0 (without comments) *by construction*:
//! namespace declarations are never stored in the tree, they are derived from the prefixes each
//! element and attribute visibly uses, exactly where exc-c14n renders them. So the bytes we send
//! are the canonical bytes, and any subtree written as an apex is the canonical form a verifier
//! computes for it. That is what lets a signature be computed over what we write.
//!
//! [`reader`] turns received bytes (AuthnRequests, and our own output in tests) into the same
//! tree, refusing DTDs and processing instructions. The one exception to "no declarations in
//! the tree" is a received request whose signature is checked: it is read keeping the
//! declarations written on each element, since an InclusiveNamespaces PrefixList renders
//! declarations no element uses ([`reader::parse_keeping_declarations`]). The writers ignore
//! them.

pub mod c14n;
pub mod pretty;
pub mod reader;
mod tree;

pub use tree::{Element, Name, Node};
