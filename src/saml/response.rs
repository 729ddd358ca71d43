//! The Response as data ([`ResponseSpec`]) and as an XML tree ([`build`]).
//!
//! A spec holds every value the Response will carry, already decided: IDs, instants, the
//! NameID, the audience. Building the tree from it makes no choices, so a scenario that wants a
//! different value edits the spec and the signature still covers what is sent.

use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

use super::nameid::NameId;
use super::ns::{self, attrname};
use super::sp::ResponseStyle;
use super::xml::{Element, Name};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseSpec {
    /// How the XML is written; see [`build`].
    pub style: ResponseStyle,
    pub id: String,
    /// `2.0`; anything else only in deliberately broken responses.
    pub version: String,
    pub issue_instant: OffsetDateTime,
    pub destination: String,
    /// `None` for an unsolicited (IdP-initiated) response.
    pub in_response_to: Option<String>,
    pub issuer: String,
    pub status: StatusSpec,
    pub assertion: Option<AssertionSpec>,
}

/// `samlp:Status` (saml-core 3.2.2.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusSpec {
    pub code: String,
    pub sub_code: Option<String>,
    pub message: Option<String>,
}

impl StatusSpec {
    pub fn success() -> Self {
        StatusSpec {
            code: ns::status::SUCCESS.to_owned(),
            sub_code: None,
            message: None,
        }
    }

    pub fn is_success(&self) -> bool {
        self.code == ns::status::SUCCESS
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssertionSpec {
    pub id: String,
    /// `2.0`; anything else only in deliberately broken responses.
    pub version: String,
    pub issue_instant: OffsetDateTime,
    pub issuer: String,
    /// The parts below are always present in an honest assertion; scenarios remove them.
    pub name_id: Option<NameId>,
    pub confirmation: Option<ConfirmationSpec>,
    pub conditions: Option<ConditionsSpec>,
    pub authn: Option<AuthnSpec>,
    pub attributes: Vec<AttributeSpec>,
}

/// The bearer `SubjectConfirmationData` (saml-profiles 4.1.4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmationSpec {
    pub in_response_to: Option<String>,
    pub recipient: String,
    /// Forbidden on bearer confirmations; set only by a scenario.
    pub not_before: Option<OffsetDateTime>,
    pub not_on_or_after: OffsetDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionsSpec {
    pub not_before: OffsetDateTime,
    pub not_on_or_after: OffsetDateTime,
    pub audiences: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnSpec {
    pub instant: OffsetDateTime,
    pub session_index: String,
    pub session_not_on_or_after: Option<OffsetDateTime>,
    pub class_ref: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeSpec {
    pub name: String,
    pub name_format: Option<String>,
    pub values: Vec<String>,
}

impl AttributeSpec {
    /// An attribute whose NameFormat follows from its name: `uri` for URIs and URNs,
    /// `basic` otherwise (saml-core 8.2.2, 8.2.3).
    pub fn new(name: &str, values: Vec<String>) -> Self {
        let format = if name.contains(':') {
            attrname::URI
        } else {
            attrname::BASIC
        };
        AttributeSpec {
            name: name.to_owned(),
            name_format: Some(format.to_owned()),
            values,
        }
    }
}

const INSTANT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
const INSTANT_MILLIS: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// xs:dateTime in UTC with a `Z`, whole seconds: the form every SP library parses.
///
/// Written here for years 0 to 9999, as `time` writes them with [`INSTANT`] (which it still
/// does for other years): `time` interprets the format description on every call, and a
/// response holds half a dozen instants.
pub fn format_instant(t: OffsetDateTime) -> String {
    let t = t.to_offset(UtcOffset::UTC);
    let year = match u32::try_from(t.year()) {
        Ok(year) if year <= 9999 => year,
        _ => return t.format(INSTANT).unwrap_or_default(),
    };
    let (hour, minute, second) = t.to_hms();
    let mut out = String::with_capacity(20);
    let mut push = |n: u32, width: u32, then: char| {
        for place in (0..width).rev() {
            let digit = n / 10u32.pow(place) % 10;
            out.push(char::from_digit(digit, 10).unwrap_or('0'));
        }
        out.push(then);
    };
    push(year, 4, '-');
    push(u32::from(u8::from(t.month())), 2, '-');
    push(u32::from(t.day()), 2, 'T');
    push(u32::from(hour), 2, ':');
    push(u32::from(minute), 2, ':');
    push(u32::from(second), 2, 'Z');
    out
}

/// An instant as `style` writes it: AD FS adds milliseconds.
fn instant(style: ResponseStyle, t: OffsetDateTime) -> String {
    match style {
        ResponseStyle::Standard => format_instant(t),
        ResponseStyle::Adfs => t
            .to_offset(UtcOffset::UTC)
            .format(INSTANT_MILLIS)
            .unwrap_or_default(),
    }
}

fn samlp(local: &'static str) -> Element {
    Element::new(Name::prefixed("samlp", ns::PROTOCOL, local))
}

/// An element of the assertion namespace: `saml:`-prefixed, or in the default namespace as
/// AD FS writes it.
fn saml_in(style: ResponseStyle, local: &'static str) -> Element {
    match style {
        ResponseStyle::Standard => Element::new(Name::prefixed("saml", ns::ASSERTION, local)),
        ResponseStyle::Adfs => Element::new(Name::default_ns(ns::ASSERTION, local)),
    }
}

/// The unsigned Response tree, children in schema order. Signatures are inserted later
/// right after each Issuer.
///
/// The AD FS style (as in the ServiceDesk Plus guide's sample and Microsoft's published
/// responses) differs only in form: `Consent` on the Response, the Issuer and the Assertion in
/// the default namespace, instants with milliseconds, and AttributeStatement before
/// AuthnStatement.
pub fn build(spec: &ResponseSpec) -> Element {
    let style = spec.style;
    let saml = |local: &'static str| saml_in(style, local);
    let mut status_code = samlp("StatusCode").attr("Value", spec.status.code.as_str());
    if let Some(sub) = &spec.status.sub_code {
        status_code = status_code.child(samlp("StatusCode").attr("Value", sub.as_str()));
    }
    let mut status = samlp("Status").child(status_code);
    if let Some(msg) = &spec.status.message {
        status = status.child(samlp("StatusMessage").text(msg.as_str()));
    }
    let mut response = samlp("Response")
        .attr("ID", spec.id.as_str())
        .attr("Version", spec.version.as_str())
        .attr("IssueInstant", instant(style, spec.issue_instant))
        .attr("Destination", spec.destination.as_str())
        .attr_opt(
            "Consent",
            (style == ResponseStyle::Adfs).then_some(ns::CONSENT_UNSPECIFIED),
        )
        .attr_opt("InResponseTo", spec.in_response_to.as_deref())
        .child(saml("Issuer").text(spec.issuer.as_str()))
        .child(status);
    if let Some(a) = &spec.assertion {
        response = response.child(build_assertion(style, a));
    }
    response
}

fn build_assertion(style: ResponseStyle, a: &AssertionSpec) -> Element {
    let saml = |local: &'static str| saml_in(style, local);
    let at = |t: OffsetDateTime| instant(style, t);
    let mut subject = saml("Subject");
    if let Some(n) = &a.name_id {
        subject = subject.child(
            saml("NameID")
                .attr("Format", n.format.as_str())
                .attr_opt("NameQualifier", n.name_qualifier.as_deref())
                .attr_opt("SPNameQualifier", n.sp_name_qualifier.as_deref())
                .text(n.value.as_str()),
        );
    }
    if let Some(c) = &a.confirmation {
        subject = subject.child(
            saml("SubjectConfirmation")
                .attr("Method", ns::CM_BEARER)
                .child(
                    saml("SubjectConfirmationData")
                        .attr_opt("InResponseTo", c.in_response_to.as_deref())
                        .attr_opt("NotBefore", c.not_before.map(at))
                        .attr("NotOnOrAfter", at(c.not_on_or_after))
                        .attr("Recipient", c.recipient.as_str()),
                ),
        );
    }
    let mut assertion = saml("Assertion")
        .attr("ID", a.id.as_str())
        .attr("Version", a.version.as_str())
        .attr("IssueInstant", at(a.issue_instant))
        .child(saml("Issuer").text(a.issuer.as_str()));
    if !subject.children.is_empty() {
        assertion = assertion.child(subject);
    }
    if let Some(c) = &a.conditions {
        let mut conditions = saml("Conditions")
            .attr("NotBefore", at(c.not_before))
            .attr("NotOnOrAfter", at(c.not_on_or_after));
        if !c.audiences.is_empty() {
            let mut restriction = saml("AudienceRestriction");
            for audience in &c.audiences {
                restriction = restriction.child(saml("Audience").text(audience.as_str()));
            }
            conditions = conditions.child(restriction);
        }
        assertion = assertion.child(conditions);
    }
    let authn = a.authn.as_ref().map(|s| {
        saml("AuthnStatement")
            .attr("AuthnInstant", at(s.instant))
            .attr("SessionIndex", s.session_index.as_str())
            .attr_opt("SessionNotOnOrAfter", s.session_not_on_or_after.map(at))
            .child(
                saml("AuthnContext").child(saml("AuthnContextClassRef").text(s.class_ref.as_str())),
            )
    });
    // Schema order puts statements in any order; AD FS writes the AttributeStatement first.
    let (before, after) = match style {
        ResponseStyle::Standard => (authn, None),
        ResponseStyle::Adfs => (None, authn),
    };
    if let Some(statement) = before {
        assertion = assertion.child(statement);
    }
    if !a.attributes.is_empty() {
        let mut statement = saml("AttributeStatement");
        for attr in &a.attributes {
            let mut el = saml("Attribute")
                .attr("Name", attr.name.as_str())
                .attr_opt("NameFormat", attr.name_format.as_deref());
            for v in &attr.values {
                el = el.child(saml("AttributeValue").text(v.as_str()));
            }
            statement = statement.child(el);
        }
        assertion = assertion.child(statement);
    }
    if let Some(statement) = after {
        assertion = assertion.child(statement);
    }
    assertion
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn instants_are_utc_with_z_and_whole_seconds() {
        assert_eq!(
            format_instant(datetime!(2026-11-25 13:04:05.678 +02:00)),
            "2026-11-25T11:04:05Z"
        );
    }

    #[test]
    fn instants_are_written_as_time_writes_them() {
        let time_writes = |t: OffsetDateTime| {
            t.to_offset(UtcOffset::UTC)
                .format(INSTANT)
                .expect("formats")
        };
        let mut t = datetime!(0000-01-01 00:00:00 UTC);
        // Steps that land on every field's edges over the years 0 to 9999.
        let step = time::Duration::seconds(86_399 * 367 + 3_599);
        while t.year() < 9999 {
            assert_eq!(format_instant(t), time_writes(t));
            t += step;
        }
        for t in [
            datetime!(9999-12-31 23:59:59.999 UTC),
            datetime!(1999-12-31 23:59:59.5 -00:30),
            datetime!(2000-02-29 12:00:00 +14:00),
            datetime!(-0001-06-01 00:00:00 UTC),
            datetime!(-9999-01-01 00:00:00 UTC),
        ] {
            assert_eq!(format_instant(t), time_writes(t), "{t}");
        }
    }

    #[test]
    fn attribute_name_format_follows_the_name() {
        assert_eq!(
            AttributeSpec::new("email", vec![]).name_format.as_deref(),
            Some(attrname::BASIC)
        );
        assert_eq!(
            AttributeSpec::new(
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn",
                vec![]
            )
            .name_format
            .as_deref(),
            Some(attrname::URI)
        );
    }
}
