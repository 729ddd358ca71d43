//! The element tree shared by the writer and the reader.

use std::borrow::Cow;

use crate::saml::ns::XMLNS;

/// A name part: borrowed for the names this crate writes (string constants), owned for names
/// read from input.
pub type Part = Cow<'static, str>;

/// A qualified name: the namespace it is in and the prefix it is written with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    /// `None`: written unprefixed (the default namespace for an element; no namespace for an
    /// attribute).
    pub prefix: Option<Part>,
    /// The namespace URI; `None` for no namespace.
    pub ns: Option<Part>,
    pub local: Part,
}

impl Name {
    /// An unprefixed name in no namespace (the usual attribute name).
    pub fn local(local: impl Into<Part>) -> Self {
        Name {
            prefix: None,
            ns: None,
            local: local.into(),
        }
    }

    /// A name in `ns`, written with `prefix`.
    pub fn prefixed(prefix: impl Into<Part>, ns: impl Into<Part>, local: impl Into<Part>) -> Self {
        Name {
            prefix: Some(prefix.into()),
            ns: Some(ns.into()),
            local: local.into(),
        }
    }

    /// An unprefixed element name in `ns`, which is then the default namespace.
    pub fn default_ns(ns: impl Into<Part>, local: impl Into<Part>) -> Self {
        Name {
            prefix: None,
            ns: Some(ns.into()),
            local: local.into(),
        }
    }

    /// The name under which a received element keeps its declaration of `prefix` (`""`: the
    /// default namespace): `xmlns:prefix`, or `xmlns`, in the [`XMLNS`] namespace.
    pub fn declaration(prefix: &str) -> Self {
        if prefix.is_empty() {
            Name::default_ns(XMLNS, "xmlns")
        } else {
            Name::prefixed("xmlns", XMLNS, prefix.to_owned())
        }
    }

    /// Whether this attribute name is a namespace declaration kept by the reader (see
    /// [`Element::declarations`]) rather than an attribute.
    pub fn is_declaration(&self) -> bool {
        self.ns.as_deref() == Some(XMLNS)
    }

    /// Whether this name is `{ns}local`, whatever its prefix.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns.as_deref() == Some(ns) && self.local == local
    }

    /// `prefix:local` or `local`.
    pub fn qualified(&self) -> String {
        let mut out = String::new();
        self.write_qualified(&mut out);
        out
    }

    /// Appends [`Name::qualified`] to `out`, without an intermediate string: the writers call
    /// this for every tag and attribute.
    pub fn write_qualified(&self, out: &mut String) {
        if let Some(p) = &self.prefix {
            out.push_str(p);
            out.push(':');
        }
        out.push_str(&self.local);
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Node {
    Element(Element),
    Text(String),
    /// Kept so that comments in received input, or deliberately injected ones, can be
    /// represented; exclusive canonicalisation without comments drops them.
    Comment(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub name: Name,
    /// In document order; the canonical writer sorts them. A tree read with
    /// [`super::reader::parse_keeping_declarations`] also holds here the namespace declarations
    /// written on the element ([`Name::is_declaration`]); the writers derive their own and
    /// never write these.
    pub attrs: Vec<(Name, String)>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn new(name: Name) -> Self {
        Element {
            name,
            attrs: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Adds an unprefixed attribute (builder style).
    pub fn attr(mut self, local: &'static str, value: impl Into<String>) -> Self {
        self.set_attr(local, value);
        self
    }

    /// Adds an unprefixed attribute only when `value` is present.
    pub fn attr_opt(self, local: &'static str, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.attr(local, v),
            None => self,
        }
    }

    /// Sets (or replaces) an unprefixed attribute.
    pub fn set_attr(&mut self, local: &'static str, value: impl Into<String>) {
        let value = value.into();
        match self
            .attrs
            .iter_mut()
            .find(|(n, _)| n.ns.is_none() && n.local == local)
        {
            Some((_, v)) => *v = value,
            None => self.attrs.push((Name::local(local), value)),
        }
    }

    /// Appends a child element (builder style).
    pub fn child(mut self, el: Element) -> Self {
        self.children.push(Node::Element(el));
        self
    }

    /// Appends a text node (builder style).
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.children.push(Node::Text(text.into()));
        self
    }

    /// The value of the unprefixed attribute `local`.
    pub fn attribute(&self, local: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n.ns.is_none() && n.local == local)
            .map(|(_, v)| v.as_str())
    }

    /// The namespace declarations written on this element, as `(prefix, URI)` with `""` for
    /// the default namespace, when the tree was read keeping them; none otherwise, and none in
    /// a tree we build.
    pub fn declarations(&self) -> impl Iterator<Item = (&str, &str)> {
        self.attrs
            .iter()
            .filter(|(name, _)| name.is_declaration())
            .map(|(name, uri)| match name.prefix {
                Some(_) => (name.local.as_ref(), uri.as_str()),
                None => ("", uri.as_str()),
            })
    }

    /// Child elements, in order.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            _ => None,
        })
    }

    /// Child elements named `{ns}local`.
    pub fn elements_named<'a>(
        &'a self,
        ns: &'a str,
        local: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name.is(ns, local))
    }

    /// The first child element named `{ns}local`.
    pub fn first(&self, ns: &str, local: &str) -> Option<&Element> {
        self.elements().find(|e| e.name.is(ns, local))
    }

    /// The concatenated text content of this element's own text children.
    pub fn text_content(&self) -> String {
        self.children
            .iter()
            .filter_map(|n| match n {
                Node::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    /// Inserts `el` as a child right after the first child element named `{ns}local`, or as
    /// the first child when there is none. Used to place a Signature after the Issuer
    /// (saml-core 5.4.1 wants it there; schema order says Issuer, Signature, ...).
    pub fn insert_after_first(&mut self, ns: &str, local: &str, el: Element) {
        let pos = self
            .children
            .iter()
            .position(|n| matches!(n, Node::Element(e) if e.name.is(ns, local)))
            .map_or(0, |p| p + 1);
        self.children.insert(pos, Node::Element(el));
    }

    /// Depth-first search for the element whose unprefixed `ID` attribute is `id`.
    pub fn find_by_id(&self, id: &str) -> Option<&Element> {
        if self.attribute("ID") == Some(id) {
            return Some(self);
        }
        self.elements().find_map(|e| e.find_by_id(id))
    }

    /// Mutable variant of [`Element::find_by_id`].
    pub fn find_by_id_mut(&mut self, id: &str) -> Option<&mut Element> {
        if self.attribute("ID") == Some(id) {
            return Some(self);
        }
        self.children.iter_mut().find_map(|n| match n {
            Node::Element(e) => e.find_by_id_mut(id),
            _ => None,
        })
    }
}
