//! `/inspector`: the recent exchanges, newest first, each opening the decoded AuthnRequest and
//! the Response as posted, indented for reading, with download links for the exact bytes.

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use serde::Serialize;

use crate::saml::compare::{self, Basis, Change, Comparison};
use crate::saml::scenario;
use crate::saml::xml::pretty::pretty;
use crate::saml::xml::reader::{parse, Limits};
use crate::server::inspector::{Exchange, Review};

use super::error::PageError;
use super::{render, AppState};

#[derive(Serialize)]
struct Row {
    seq: u64,
    at: String,
    sp: String,
    user: String,
    scenario: &'static str,
    binding: &'static str,
    request_signature: String,
    status: String,
    /// Held for review, edited, re-signed.
    review: Option<&'static str>,
}

#[derive(Serialize)]
struct ListPage {
    exchanges: Vec<Row>,
}

fn row(e: &Exchange) -> Row {
    Row {
        seq: e.seq,
        at: crate::saml::response::format_instant(e.at),
        sp: e.sp.clone(),
        user: e.user.clone(),
        scenario: e.scenario,
        binding: e.binding,
        request_signature: e.request_signature.clone(),
        status: e.status.clone(),
        review: e.review.as_ref().map(Review::describe),
    }
}

pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, PageError> {
    let page = ListPage {
        exchanges: state.inspector.recent().iter().map(row).collect(),
    };
    html(render::page("inspector", &page).map_err(PageError::internal)?)
}

#[derive(Serialize)]
struct DetailPage {
    #[serde(flatten)]
    row: Row,
    acs_url: String,
    scenario_title: &'static str,
    scenario_explanation: &'static str,
    is_valid: bool,
    /// The messages' root element names (`AuthnRequest`, `Response`, `LogoutRequest`, ...).
    request_name: &'static str,
    response_name: &'static str,
    request: Option<String>,
    response: String,
    /// The response with what changed marked, shown instead of `response`.
    marked: Option<Marked>,
    /// After an edit: what the scenario changed in the response as issued.
    scenario_marked: Option<Marked>,
}

/// A response with the lines that differ from another marked.
#[derive(Serialize)]
struct Marked {
    /// What it is compared with.
    against: &'static str,
    changes: usize,
    /// Compared as bytes cut at tags rather than as indented elements.
    bytes: bool,
    lines: Vec<MarkedLine>,
}

#[derive(Serialize)]
struct MarkedLine {
    class: &'static str,
    mark: &'static str,
    text: String,
}

/// Longest line shown whole; the rest of a longer one is cut.
const MAX_LINE: usize = 2000;
/// A run of more added (or removed) lines than this shows its first [`RUN_SHOWN`].
const MAX_RUN: usize = 40;
const RUN_SHOWN: usize = 20;

fn marked(before: &str, after: &str, against: &'static str) -> Marked {
    let c: Comparison = compare::compare(before, after);
    let mut lines = Vec::new();
    for run in c.lines.chunk_by(|a, b| a.change == b.change) {
        let change = run[0].change;
        let long = change != Change::Same && run.len() > MAX_RUN;
        let shown = if long { &run[..RUN_SHOWN] } else { run };
        for l in shown {
            let (class, mark) = match (l.change, l.is_signature_value()) {
                (Change::Same, _) => ("d-same", "  "),
                (Change::Added, false) => ("d-add", "+ "),
                (Change::Added, true) => ("d-add d-sig", "+ "),
                (Change::Removed, false) => ("d-del", "- "),
                (Change::Removed, true) => ("d-del d-sig", "- "),
            };
            let text = match l.text.char_indices().nth(MAX_LINE) {
                Some((cut, _)) => format!("{}...", &l.text[..cut]),
                None => l.text.clone(),
            };
            lines.push(MarkedLine { class, mark, text });
        }
        if long {
            let what = if change == Change::Added {
                "added"
            } else {
                "removed"
            };
            lines.push(MarkedLine {
                class: "d-more",
                mark: "  ",
                text: format!("... {} more {what} lines", run.len() - RUN_SHOWN),
            });
        }
    }
    Marked {
        against,
        changes: c.changes(),
        bytes: c.basis == Basis::Bytes,
        lines,
    }
}

/// The SAML protocol message `xml` is, by its root element, for headings.
fn message_name(xml: &str, default: &'static str) -> &'static str {
    const NAMES: [&str; 4] = [
        "LogoutRequest",
        "LogoutResponse",
        "AuthnRequest",
        "Response",
    ];
    let root = xml
        .split('<')
        .find(|t| !t.starts_with('?') && !t.starts_with('!') && !t.is_empty())
        .and_then(|t| t.split([' ', '>', '/']).next())
        .map(|q| q.rsplit(':').next().unwrap_or(q));
    NAMES
        .into_iter()
        .find(|n| root == Some(*n))
        .unwrap_or(default)
}

/// Indented XML, or the text as it is when it does not parse (malformed scenarios).
fn readable(xml: &str) -> String {
    parse(
        xml.as_bytes(),
        Limits {
            max_depth: 128,
            max_attributes: 256,
            ..Limits::default()
        },
    )
    .map_or_else(|_| xml.to_owned(), |el| pretty(&el))
}

fn find(state: &AppState, seq: u64) -> Result<Exchange, PageError> {
    state.inspector.get(seq).ok_or_else(|| {
        PageError::not_found(&format!(
            "/inspector/{seq} (only the recent exchanges are kept)"
        ))
    })
}

pub async fn detail(
    state: web::Data<AppState>,
    seq: web::Path<u64>,
) -> Result<HttpResponse, PageError> {
    let e = find(&state, *seq)?;
    let (scenario_title, scenario_explanation) = scenario::find(e.scenario)
        .map(|s| (s.title, s.explanation))
        .or_else(|| scenario::logout::find(e.scenario).map(|s| (s.title, s.explanation)))
        .unwrap_or_default();
    let issued = match &e.review {
        Some(Review::Posted {
            issued_xml: Some(issued),
            ..
        }) => Some(issued.as_str()),
        _ => None,
    };
    let against_valid = |xml: &str| {
        e.valid_xml.as_deref().map(|valid| {
            marked(
                valid,
                xml,
                "the valid response to the same login (same IDs and instant)",
            )
        })
    };
    let (marked, scenario_marked) = match issued {
        Some(issued) => (
            Some(marked(
                issued,
                &e.response_xml,
                "the response as issued, before the review",
            )),
            against_valid(issued),
        ),
        None => (against_valid(&e.response_xml), None),
    };
    let page = DetailPage {
        row: row(&e),
        acs_url: e.acs_url.clone(),
        scenario_title,
        scenario_explanation,
        is_valid: e.scenario == scenario::VALID.id,
        request_name: message_name(e.request_xml.as_deref().unwrap_or_default(), "AuthnRequest"),
        response_name: message_name(&e.response_xml, "Response"),
        request: e.request_xml.as_deref().map(readable),
        response: readable(&e.response_xml),
        marked,
        scenario_marked,
    };
    html(render::page("exchange", &page).map_err(PageError::internal)?)
}

pub async fn request_xml(
    state: web::Data<AppState>,
    seq: web::Path<u64>,
) -> Result<HttpResponse, PageError> {
    let e = find(&state, *seq)?;
    let xml = e.request_xml.ok_or_else(|| {
        PageError::not_found(&format!(
            "/inspector/{} (an IdP-initiated login has no request)",
            e.seq
        ))
    })?;
    Ok(download(xml, &format!("authn-request-{}.xml", e.seq)))
}

pub async fn response_xml(
    state: web::Data<AppState>,
    seq: web::Path<u64>,
) -> Result<HttpResponse, PageError> {
    let e = find(&state, *seq)?;
    Ok(download(e.response_xml, &format!("response-{}.xml", e.seq)))
}

fn download(body: String, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "application/xml; charset=utf-8"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body)
}

fn html(body: String) -> Result<HttpResponse, PageError> {
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body))
}
