//! Where tokens travel: the `Authorization: Bearer` header, and the `access_token` and
//! `refresh_token` cookies (read and set per the configured transport).

use axum::http::header::{self, HeaderMap, HeaderValue};

use crate::config::{AuthConfig, SameSite, TokenTransport};

/// The bearer token of the `Authorization` header.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The token cookie `base` (`access_token`, `refresh_token`) under the configured name, unless
/// the transport is `Body`, where cookies are not read.
pub(crate) fn token_cookie<'h>(
    config: &AuthConfig,
    headers: &'h HeaderMap,
    base: &str,
) -> Option<&'h str> {
    if config.http().transport == TokenTransport::Body {
        return None;
    }
    cookie_value(headers, &config.http().cookies.name(base))
}

/// The value of the cookie `name` in the request's `Cookie` headers.
pub(crate) fn cookie_value<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value for the token cookie `base` (HttpOnly, with the configured SameSite
/// and Secure); `max_age` 0 clears it.
pub(crate) fn set_cookie(
    config: &AuthConfig,
    base: &str,
    value: &str,
    max_age: u64,
) -> HeaderValue {
    let c = &config.http().cookies;
    let same_site = match c.same_site {
        SameSite::Strict => "Strict",
        SameSite::Lax => "Lax",
        SameSite::None => "None",
    };
    let secure = if c.secure { "; Secure" } else { "" };
    let v = format!(
        "{}={value}; Path=/; HttpOnly; SameSite={same_site}; Max-Age={max_age}{secure}",
        c.name(base)
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}
