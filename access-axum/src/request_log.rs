//! The request log: one line per request with its method, matched path (`/documents/{id}`, never
//! the ids), status, latency and the user id once authenticated; never headers, so no tokens,
//! passwords or cookies. [`App`](crate::App) installs it; an app with its own router adds
//! [`request_log`] as a layer.
//!
//! Levels: a 5xx at `error`, a 403/401 denial at `info`, other 4xx refusals of bad input at
//! `debug`, the rest at `info`; the target is `access_axum::request`, so
//! `RUST_LOG=access_axum::request=warn` keeps only server errors.
//!
//! ```no_run
//! let app = axum::Router::new()
//!     .route("/health", axum::routing::get(|| async { "ok" }))
//!     .layer(access_axum::request_log());
//! # let _: axum::Router = app;
//! ```

use std::time::Duration;

use axum::extract::MatchedPath;
use axum::http::{Request, Response, StatusCode};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::trace::{MakeSpan, OnResponse, TraceLayer};
use tracing::{Level, Span, field};

/// The log target of request lines.
pub const TARGET: &str = "access_axum::request";

/// The request log layer (see the module docs).
pub type RequestLog =
    TraceLayer<SharedClassifier<ServerErrorsAsFailures>, RequestSpan, (), LogResponse, (), (), ()>;

/// The request log layer: a `tower-http` trace layer with the request's span and one line per
/// response.
///
/// ```
/// let layer: access_axum::RequestLog = access_axum::request_log();
/// # let _ = layer;
/// ```
#[must_use]
pub fn request_log() -> RequestLog {
    TraceLayer::new_for_http()
        .make_span_with(RequestSpan)
        .on_request(())
        .on_response(LogResponse)
        .on_body_chunk(())
        .on_eos(())
        .on_failure(())
}

/// Makes the request's span `request{method, path, user}`; `user` is recorded by the extractors
/// once the caller is authenticated ([`record_user`]).
///
/// ```
/// use tower_http::trace::MakeSpan;
/// let request = axum::http::Request::new(());
/// let span = access_axum::request_log::RequestSpan.make_span(&request);
/// # let _ = span;
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let path = request
            .extensions()
            .get::<MatchedPath>()
            .map_or("-", MatchedPath::as_str);
        tracing::info_span!(
            target: TARGET,
            "request",
            method = %request.method(),
            path = %path,
            user = field::Empty,
        )
    }
}

/// Logs one line per response at the level its status calls for ([`level`]).
///
/// ```
/// use tower_http::trace::OnResponse;
/// let response = axum::http::Response::new(());
/// let span = tracing::Span::none();
/// access_axum::request_log::LogResponse.on_response(&response, std::time::Duration::ZERO, &span);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct LogResponse;

impl<B> OnResponse<B> for LogResponse {
    fn on_response(self, response: &Response<B>, latency: Duration, span: &Span) {
        let status = response.status();
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        let _in = span.enter();
        match level(status) {
            Level::ERROR => {
                tracing::error!(target: TARGET, status = status.as_u16(), latency_us = micros, "server error");
            }
            Level::DEBUG => {
                tracing::debug!(target: TARGET, status = status.as_u16(), latency_us = micros, "refused");
            }
            _ if status == StatusCode::FORBIDDEN || status == StatusCode::UNAUTHORIZED => {
                tracing::info!(target: TARGET, status = status.as_u16(), latency_us = micros, "denied");
            }
            _ => {
                tracing::info!(target: TARGET, status = status.as_u16(), latency_us = micros, "done")
            }
        }
    }
}

/// The level a response of `status` is logged at.
///
/// ```
/// use access_axum::request_log::level;
/// use axum::http::StatusCode;
/// use tracing::Level;
/// assert_eq!(level(StatusCode::SERVICE_UNAVAILABLE), Level::ERROR);
/// assert_eq!(level(StatusCode::FORBIDDEN), Level::INFO); // a denial
/// assert_eq!(level(StatusCode::UNPROCESSABLE_ENTITY), Level::DEBUG); // refused input
/// ```
#[must_use]
pub fn level(status: StatusCode) -> Level {
    if status.is_server_error() {
        Level::ERROR
    } else if status.is_client_error()
        && status != StatusCode::FORBIDDEN
        && status != StatusCode::UNAUTHORIZED
    {
        Level::DEBUG
    } else {
        Level::INFO
    }
}

/// Records the authenticated user's id on the current request span (a no-op outside one).
///
/// ```
/// access_axum::request_log::record_user("42"); // outside a request: nothing happens
/// ```
pub fn record_user(user_id: impl std::fmt::Display) {
    Span::current().record("user", field::display(user_id));
}
