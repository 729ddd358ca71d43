//! The web layer: translates HTTP into flow calls and their results into pages and JSON. Each
//! handler parses the request (parameters, cookie values, one clock read), calls one use case
//! of [`crate::server::flow`] and renders what it returns.
//!
//! The whole URL map is [`routes`]; each endpoint family has its own file; `error` is the only
//! place HTTP status codes are chosen; `render` holds the templates.

mod api;
mod cookies;
mod error;
mod inspector;
mod pages;
mod plain_logout;
mod post;
mod render;
mod response_options;
mod review;
mod scenario_list;
mod select;
mod session;
mod signature;
mod slo;
mod sso;

use std::net::TcpListener;

use actix_web::{web, App, HttpServer};

pub use crate::server::flow::login::LoginError;
pub use crate::server::state::{AppState, StateError};

/// The public URL map (README "Endpoints" documents each).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(pages::home))
        .route("/metadata", web::get().to(pages::metadata))
        .route("/certs/idp.crt", web::get().to(pages::certificate))
        .route("/healthz", web::get().to(pages::healthz))
        .route("/sso", web::get().to(sso::redirect_binding))
        .route("/sso", web::post().to(sso::post_binding))
        .route("/sso/login", web::post().to(sso::login))
        .route("/sso/idp-initiated", web::get().to(sso::idp_initiated))
        .route("/sso/review", web::post().to(review::post))
        .route("/slo", web::get().to(slo::redirect_binding))
        .route("/slo", web::post().to(slo::post_binding))
        .route("/slo/idp-initiated", web::post().to(slo::idp_initiated))
        .route("/slo/finish", web::post().to(slo::finish_now))
        .route("/slo/status", web::get().to(slo::status))
        .route("/slo/select", web::get().to(slo::select))
        .route("/logout", web::get().to(plain_logout::log_out))
        .route("/select", web::get().to(select::select))
        .route("/inspector", web::get().to(inspector::list))
        // AD FS paths, for SPs configured by an AD FS guide (ServiceDesk Plus): sign-in and,
        // for logout messages, sign-out.
        .route("/adfs/ls/", web::get().to(slo::adfs_redirect_binding))
        .route("/adfs/ls/", web::post().to(slo::adfs_post_binding))
        .route("/adfs/ls", web::get().to(slo::adfs_redirect_binding))
        .route("/adfs/ls", web::post().to(slo::adfs_post_binding))
        .route(
            pages::FEDERATION_METADATA,
            web::get().to(pages::federation_metadata),
        )
        .route("/api/sso", web::post().to(api::sso))
        .route("/api/idp-initiated", web::post().to(api::idp_initiated))
        .route("/api/users", web::get().to(api::users))
        .route("/api/scenarios", web::get().to(api::scenarios))
        // Paths with a parameter last: each request is tried against the paths in order, and
        // these are matched by a regular expression.
        .route("/inspector/{seq}", web::get().to(inspector::detail))
        .route(
            "/inspector/{seq}/request.xml",
            web::get().to(inspector::request_xml),
        )
        .route(
            "/inspector/{seq}/response.xml",
            web::get().to(inspector::response_xml),
        )
        .default_service(web::to(pages::not_found));
}

/// Serves until SIGINT/SIGTERM; in-flight requests are allowed to finish.
pub async fn serve(listener: TcpListener, state: AppState) -> std::io::Result<()> {
    let state = web::Data::new(state);
    HttpServer::new(move || {
        App::new()
            .wrap(actix_web::middleware::ErrorHandlers::new().handler(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                error::body_too_large,
            ))
            .app_data(state.clone())
            .app_data(web::PayloadConfig::new(error::MAX_BODY))
            .configure(routes)
    })
    .listen(listener)?
    .run()
    .await
}
