//! HTTP integration of `access-core` for axum: authentication endpoints (register, login,
//! logout, me, refresh with rotation, sessions, password reset, email verification, JWKS) with
//! JWT and argon2id, extractors (`CurrentUser`, `MaybeUser`), and error responses that never
//! leak internals. See `docs/authentication.md`.

pub mod admin;
pub mod auth;
pub mod authz;
pub mod config;
pub mod crud;
pub mod db;
pub mod dynamic;
mod secret;

pub use auth::{
    ApiError, AuthState, Authenticator, CurrentUser, JsonBody, Mailer, MaybeUser, NoMailer,
};
pub use config::{AuthConfig, AuthPaths, ConfigError, JwtKeys};
pub use secret::Claims;

use access_core::{AuthorizationError, AuthorizationFailure, Reason};
use serde::Serialize;

pub use access_core;
pub use access_macros::authorize;

/// The JSON body of an error response.
///
/// # Examples
/// ```
/// use access_axum::{ErrorBody, error_response};
/// use access_core::{AuthorizationError, AuthorizationFailure, Reason, ReasonKind, ReasonMeta};
/// let denied = AuthorizationError {
///     entitlement: "project:delete".into(),
///     user_id: "u1".into(),
///     reason: AuthorizationFailure::Denied(vec![Reason {
///         kind: ReasonKind::PlanRequired,
///         message: "upgrade".into(),
///         meta: ReasonMeta::None,
///     }]),
/// };
/// let (status, body): (u16, ErrorBody) = error_response(&denied);
/// assert_eq!(status, 403);
/// assert_eq!(body.error, "forbidden");
/// assert_eq!(body.message, "`project:delete` is not allowed");
/// let json = serde_json::to_value(&body).unwrap();
/// assert_eq!(json["reasons"].as_array().unwrap().len(), 1);
///
/// // Without reasons, the field is left out.
/// let body = ErrorBody { error: "internal", message: "oops".into(), reasons: vec![] };
/// assert_eq!(serde_json::to_value(&body).unwrap(), serde_json::json!({ "error": "internal", "message": "oops" }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// A stable machine-readable code (`forbidden`, `internal`).
    pub error: &'static str,
    /// A sentence for people.
    pub message: String,
    /// Why a request was denied (empty otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<Reason>,
}

/// The status and body for an authorization failure: 403 with the reasons when denied, 500
/// without details when a store failed (the store's message is for logs only).
///
/// # Examples
/// ```
/// use access_core::{AuthorizationError, AuthorizationFailure, StoreError, StoreErrorKind};
/// let err = AuthorizationError {
///     entitlement: "project:delete".into(),
///     user_id: "u1".into(),
///     reason: AuthorizationFailure::Store(StoreError::new(StoreErrorKind::Backend, "db password wrong")),
/// };
/// let (status, body) = access_axum::error_response(&err);
/// assert_eq!(status, 500);
/// assert!(!body.message.contains("password"));
/// ```
pub fn error_response(err: &AuthorizationError) -> (u16, ErrorBody) {
    match &err.reason {
        AuthorizationFailure::Denied(reasons) => (
            403,
            ErrorBody {
                error: "forbidden",
                message: format!("`{}` is not allowed", err.entitlement),
                reasons: reasons.clone(),
            },
        ),
        AuthorizationFailure::Store(_) => (
            500,
            ErrorBody {
                error: "internal",
                message: "the request could not be authorized".to_owned(),
                reasons: Vec::new(),
            },
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use access_core::{ReasonKind, ReasonMeta};

    #[test]
    fn denial_is_403_with_reasons() {
        let err = AuthorizationError {
            entitlement: "project:delete".into(),
            user_id: "u1".into(),
            reason: AuthorizationFailure::Denied(vec![Reason {
                kind: ReasonKind::PlanRequired,
                message: "upgrade".into(),
                meta: ReasonMeta::None,
            }]),
        };
        let (status, body) = error_response(&err);
        assert_eq!(status, 403);
        assert_eq!(body.reasons.len(), 1);
        assert_eq!(body.error, "forbidden");
    }
}
