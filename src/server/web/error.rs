//! The only place HTTP status codes are chosen: errors become an HTML page (browser
//! endpoints) or a JSON body (the API), saying what was wrong and, where it helps, what to do.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use super::render;
use crate::server::flow::{Classified, Fault, FaultKind};

/// The status a kind of failure is answered with.
fn status_of(kind: FaultKind) -> StatusCode {
    match kind {
        FaultKind::BadInput => StatusCode::BAD_REQUEST,
        FaultKind::Refused => StatusCode::FORBIDDEN,
        FaultKind::NotFound => StatusCode::NOT_FOUND,
        FaultKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// An error shown to a person.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PageError(Fault);

impl PageError {
    pub fn not_found(path: &str) -> Self {
        PageError(Fault::not_found(path))
    }

    pub fn internal(detail: String) -> Self {
        PageError(Fault::internal(detail))
    }
}

impl From<Fault> for PageError {
    fn from(fault: Fault) -> Self {
        PageError(fault)
    }
}

// `PageError` is not `Classified`, so this does not overlap `From<Fault>` or `From<PageError>`.
impl<E: Classified> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(Fault::from(e))
    }
}

#[derive(Serialize)]
struct ErrorPage<'a> {
    status: u16,
    title: &'a str,
    detail: &'a str,
    hint: Option<&'a str>,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        status_of(self.0.kind)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        let fault = &self.0;
        tracing::warn!(
            status = status.as_u16(),
            title = fault.title,
            "{}",
            fault.detail
        );
        let data = ErrorPage {
            status: status.as_u16(),
            title: fault.title,
            detail: &fault.detail,
            hint: fault.hint,
        };
        match render::page("error", &data) {
            Ok(html) => HttpResponse::build(status)
                .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
                .body(html),
            Err(_) => HttpResponse::build(status)
                .insert_header((header::CONTENT_TYPE, "text/plain; charset=utf-8"))
                .body(self.to_string()),
        }
    }
}

/// An error returned to a program: `{"error": "..."}`.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct ApiError {
    status: StatusCode,
    error: String,
}

impl<E: Classified> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError {
            status: status_of(e.kind()),
            error: e.to_string(),
        }
    }
}

impl ApiError {
    /// A failure of this server, not of the call (HTTP 500).
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            error: detail.to_string(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        tracing::warn!(status = self.status.as_u16(), "{}", self.error);
        HttpResponse::build(self.status).json(serde_json::json!({ "error": self.error }))
    }
}

/// Largest request body accepted (a POSTed AuthnRequest is far smaller).
pub const MAX_BODY: usize = 1024 * 1024;

/// Gives the bare 413 that actix answers an oversized body with a text saying what the limit
/// is, for browsers and scripts alike.
pub fn body_too_large<B>(
    res: actix_web::dev::ServiceResponse<B>,
) -> actix_web::Result<actix_web::middleware::ErrorHandlerResponse<B>> {
    let (req, _) = res.into_parts();
    let response = HttpResponse::build(StatusCode::PAYLOAD_TOO_LARGE)
        .content_type("text/plain; charset=utf-8")
        .body(format!(
            "the request body is larger than {MAX_BODY} bytes, the most accepted; a SAMLRequest \
             is far smaller\n"
        ));
    Ok(actix_web::middleware::ErrorHandlerResponse::Response(
        actix_web::dev::ServiceResponse::new(req, response).map_into_right_body(),
    ))
}
