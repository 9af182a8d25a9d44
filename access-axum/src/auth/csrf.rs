//! CSRF defence for cookie-authenticated mutations: a custom header browsers do not send
//! cross-site without a preflight, and an `Origin` (or `Referer`) that is the request's own host
//! or an allowed origin.

use axum::http::header::{self, HeaderMap};
use axum::http::{Method, StatusCode};

use crate::config::AuthConfig;
use crate::error::ApiError;

/// 403 `csrf` when a cookie-authenticated request with `method` and `headers` fails the checks.
pub(crate) fn check(
    config: &AuthConfig,
    method: &Method,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    if passes(config, method, headers) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "csrf",
        "cookie-authenticated changes need the `X-Requested-With` header and a matching origin",
    ))
}

fn passes(config: &AuthConfig, method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    if !headers.contains_key("x-requested-with") {
        return false;
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|o| o.to_str().ok());
    match origin {
        // Same-origin requests without Origin (older clients) pass on the custom header alone.
        None => true,
        Some(o) => {
            let authority = o
                .split("://")
                .nth(1)
                .map(|rest| rest.split('/').next().unwrap_or(""));
            authority.is_some_and(|a| Some(a) == host)
                || config
                    .http()
                    .allowed_origins
                    .iter()
                    .any(|allowed| o == allowed || o.starts_with(&format!("{allowed}/")))
        }
    }
}
