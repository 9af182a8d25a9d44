//! What the endpoints answer with: a user as JSON, and issued tokens in the body and cookies
//! per the configured transport.

use axum::Json;
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::auth::cookies::set_cookie;
use crate::auth::sessions::Tokens;
use crate::auth::user::roles_of;
use crate::config::{AuthConfig, TokenTransport};
use crate::db::user;

/// A user as the endpoints return it.
#[derive(Serialize)]
pub(crate) struct UserOut {
    id: i64,
    email: Option<String>,
    username: Option<String>,
    email_verified: bool,
    roles: Vec<String>,
    tenant: Option<String>,
    superuser: bool,
}

impl From<&user::Model> for UserOut {
    fn from(u: &user::Model) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            username: u.username.clone(),
            email_verified: u.email_verified,
            roles: roles_of(u),
            tenant: u.tenant.clone(),
            superuser: u.superuser,
        }
    }
}

/// `status` with the tokens (and `user`, if given) in the body unless the transport is
/// `Cookie`, and in cookies unless it is `Body`.
pub(crate) fn tokens(
    config: &AuthConfig,
    status: StatusCode,
    t: &Tokens,
    user: Option<&user::Model>,
) -> Response {
    tokens_with(config, status, t, user, serde_json::Map::new())
}

/// [`tokens`] with more fields in the body (`recovery_codes_left`, ..).
pub(crate) fn tokens_with(
    config: &AuthConfig,
    status: StatusCode,
    t: &Tokens,
    user: Option<&user::Model>,
    mut body: serde_json::Map<String, serde_json::Value>,
) -> Response {
    if config.http().transport != TokenTransport::Cookie {
        body.insert("access_token".into(), t.access.clone().into());
        body.insert("refresh_token".into(), t.refresh.clone().into());
        body.insert("token_type".into(), "Bearer".into());
    }
    body.insert("expires_in".into(), t.expires_in.into());
    body.insert("session_id".into(), t.session_id.clone().into());
    if let Some(u) = user {
        body.insert(
            "user".into(),
            serde_json::to_value(UserOut::from(u)).unwrap_or_default(),
        );
    }
    let mut r = (status, Json(serde_json::Value::Object(body))).into_response();
    if config.http().transport != TokenTransport::Body {
        let h = r.headers_mut();
        h.append(
            header::SET_COOKIE,
            set_cookie(
                config,
                "access_token",
                &t.access,
                config.tokens().access_ttl.as_secs(),
            ),
        );
        h.append(
            header::SET_COOKIE,
            set_cookie(
                config,
                "refresh_token",
                &t.refresh,
                config.tokens().refresh_ttl.as_secs(),
            ),
        );
    }
    r
}

/// Clears the token cookies on `headers` (unless the transport is `Body`).
pub(crate) fn clear_cookies(config: &AuthConfig, headers: &mut HeaderMap) {
    if config.http().transport != TokenTransport::Body {
        headers.append(
            header::SET_COOKIE,
            set_cookie(config, "access_token", "", 0),
        );
        headers.append(
            header::SET_COOKIE,
            set_cookie(config, "refresh_token", "", 0),
        );
    }
}
