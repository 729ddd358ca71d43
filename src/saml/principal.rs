//! The person the IdP asserts: what a users file entry becomes once it is validated.

/// One attribute value list, in the order the users file gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// The attribute `Name`: a short name (`role`) or a URI
    /// (`http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress`).
    pub name: String,
    pub values: Vec<String>,
}

/// A user that can be logged in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Stable, unique id (used in the API, forms and persistent NameIDs).
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub first_name: String,
    pub last_name: String,
    /// A NameID value of this user's own, sent when the SP asks for no particular format
    /// (or for `unspecified`). `None`: the email is sent.
    pub name_id: Option<String>,
    /// Free attributes, sent after the built-in ones.
    pub attributes: Vec<Attribute>,
}
