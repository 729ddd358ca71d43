//! The only place HTTP status codes are chosen: errors become an HTML page (browser
//! endpoints) or a JSON body (the API), saying what was wrong and, where it helps, what to do.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use super::login::LoginError;
use super::render;
use super::review::ReviewError;
use super::slo::LogoutFlowError;

/// An error shown to a person.
#[derive(Debug, thiserror::Error)]
#[error("{title}: {detail}")]
pub struct PageError {
    status: StatusCode,
    title: &'static str,
    detail: String,
    hint: Option<&'static str>,
}

impl PageError {
    pub fn not_found(path: &str) -> Self {
        PageError {
            status: StatusCode::NOT_FOUND,
            title: "Not found",
            detail: format!("there is nothing at {path}"),
            hint: Some("the home page lists every endpoint"),
        }
    }

    pub fn internal(detail: String) -> Self {
        PageError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            title: "Internal error",
            detail,
            hint: None,
        }
    }
}

impl From<LoginError> for PageError {
    fn from(e: LoginError) -> Self {
        PageError {
            status: status_of(&e),
            title: e.title(),
            detail: e.to_string(),
            hint: e.hint(),
        }
    }
}

impl From<ReviewError> for PageError {
    fn from(e: ReviewError) -> Self {
        PageError {
            status: if e.is_internal() {
                StatusCode::INTERNAL_SERVER_ERROR
            } else {
                StatusCode::BAD_REQUEST
            },
            title: e.title(),
            detail: e.to_string(),
            hint: e.hint(),
        }
    }
}

impl From<LogoutFlowError> for PageError {
    fn from(e: LogoutFlowError) -> Self {
        let status = if e.is_internal() {
            StatusCode::INTERNAL_SERVER_ERROR
        } else if e.is_refusal() {
            StatusCode::FORBIDDEN
        } else {
            StatusCode::BAD_REQUEST
        };
        PageError {
            status,
            title: e.title(),
            detail: e.to_string(),
            hint: e.hint(),
        }
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
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        tracing::warn!(
            status = self.status.as_u16(),
            title = self.title,
            "{}",
            self.detail
        );
        let data = ErrorPage {
            status: self.status.as_u16(),
            title: self.title,
            detail: &self.detail,
            hint: self.hint,
        };
        match render::page("error", &data) {
            Ok(html) => HttpResponse::build(self.status)
                .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
                .body(html),
            Err(_) => HttpResponse::build(self.status)
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

impl From<LoginError> for ApiError {
    fn from(e: LoginError) -> Self {
        ApiError {
            status: status_of(&e),
            error: e.to_string(),
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

fn status_of(e: &LoginError) -> StatusCode {
    match e {
        LoginError::Issue(_) => StatusCode::INTERNAL_SERVER_ERROR,
        _ if e.is_refusal() => StatusCode::FORBIDDEN,
        _ => StatusCode::BAD_REQUEST,
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
