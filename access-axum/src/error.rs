//! The crate's one rejection vocabulary: [`ApiError`] (a status and a JSON body that never
//! carries internals) and [`JsonBody`], a JSON extractor whose every rejection is an `ApiError`.
//!
//! Every handler and extractor of access-axum answers a failure through `ApiError`, so a 403
//! looks the same whether a route guard, the `Access` extractor, a CRUD route or the admin API
//! refused the request:
//!
//! ```json
//! { "error": "forbidden", "message": "`project:delete` is not allowed",
//!   "entitlement": "project:delete", "reasons": [ { "kind": "role_required", .. } ] }
//! ```

use access_core::sea::write::{Contention, DbFailure, classify};
use access_core::{
    AuthorizationError, AuthorizationFailure, Decision, Denial, FieldDenial, Reason, ReasonKind,
    StoreError, StoreErrorKind,
};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use sea_orm::DbErr;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// An error response: a status and a JSON body `{ "error": code, "message": .. }` (plus
/// `entitlement` and `reasons` for a 403, and a `Retry-After` header for a 429 or a 503) that
/// never carries internals.
///
/// # Examples
/// ```
/// use access_axum::ApiError;
/// async fn handler() -> Result<&'static str, ApiError> {
///     Err(ApiError::conflict("the name is taken"))
/// }
/// ```
#[derive(Debug)]
pub struct ApiError {
    /// The status.
    pub status: StatusCode,
    /// A stable code (`invalid_credentials`, `rate_limited`, ..).
    pub code: &'static str,
    /// A sentence for people.
    pub message: String,
    /// What a 403 or a 429 adds; boxed so that `Result<_, ApiError>` stays small.
    extra: Option<Box<Extra>>,
}

#[derive(Debug, Default)]
struct Extra {
    entitlement: Option<String>,
    reasons: Vec<Reason>,
    fields: Vec<FieldDenial>,
    retry_after: Option<u64>,
    /// A 503 for contention: another attempt of the transaction may succeed.
    contention: bool,
}

/// The JSON body of an [`ApiError`].
#[derive(Serialize)]
struct Body<'a> {
    error: &'static str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    entitlement: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Reasons::is_empty")]
    reasons: Reasons<'a>,
}

/// `reasons`: `check`'s reasons, or one `{ "field", "reason" }` per field a body may not set.
#[derive(Serialize)]
#[serde(untagged)]
enum Reasons<'a> {
    Check(&'a [Reason]),
    Fields(&'a [FieldDenial]),
}

impl Reasons<'_> {
    fn is_empty(&self) -> bool {
        match self {
            Self::Check(r) => r.is_empty(),
            Self::Fields(f) => f.is_empty(),
        }
    }
}

impl ApiError {
    /// An error with a status, a stable code and a sentence.
    ///
    /// ```
    /// use access_axum::ApiError;
    /// use axum::http::StatusCode;
    /// let e = ApiError::new(StatusCode::FORBIDDEN, "read_only", "this workspace is read-only");
    /// assert_eq!((e.status, e.code), (StatusCode::FORBIDDEN, "read_only"));
    /// ```
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            extra: None,
        }
    }

    /// 401 `unauthenticated`: no valid credentials.
    ///
    /// ```
    /// let e = access_axum::ApiError::unauthenticated();
    /// assert_eq!((e.status.as_u16(), e.code), (401, "unauthenticated"));
    /// ```
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "valid credentials are required",
        )
    }

    /// 403 `forbidden` for a denied [`Decision`], with its entitlement and reasons.
    ///
    /// ```
    /// use access_axum::ApiError;
    /// fn require(decision: &access_core::Decision) -> Result<(), ApiError> {
    ///     if decision.allowed { Ok(()) } else { Err(ApiError::forbidden(decision)) }
    /// }
    /// ```
    pub fn forbidden(decision: &Decision) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!("`{}` is not allowed", decision.entitlement),
        )
        .with(Extra {
            entitlement: Some(decision.entitlement.clone()),
            reasons: decision.reasons.clone(),
            ..Extra::default()
        })
    }

    /// A schema's refusal of an action: 503 `unavailable` with `Retry-After` when a rule could
    /// not be evaluated (a reason `check_failed`: a store failed), 401 when the caller is not
    /// signed in and the rule needs them to be, 403 `mfa_required` when only a recent second
    /// factor is missing (`fva`), else 403 `forbidden` with the reasons.
    ///
    /// ```
    /// use access_axum::ApiError;
    /// fn refuse(denial: &access_core::Denial, signed_in: bool) -> ApiError {
    ///     ApiError::denied(denial, signed_in)
    /// }
    /// ```
    pub fn denied(denial: &Denial, signed_in: bool) -> Self {
        if denial
            .reasons
            .iter()
            .any(|r| r.kind == ReasonKind::CheckFailed)
        {
            // A rule could not be evaluated (a store failed): unknown, not "no".
            tracing::warn!(denial = %denial, "a rule could not be checked: answered 503");
            return Self::unavailable(1);
        }
        let needs_sign_in = denial
            .reasons
            .iter()
            .any(|r| r.kind == ReasonKind::AuthenticationRequired);
        if !signed_in && needs_sign_in {
            return Self::unauthenticated();
        }
        // Only a second factor is missing: `mfa_required`, so a client knows to prompt for a
        // step-up (the reason's `meta.max_age` says how recent it must be) and retry.
        let only_mfa = !denial.reasons.is_empty()
            && denial
                .reasons
                .iter()
                .all(|r| r.kind == ReasonKind::MfaRequired);
        let code = if only_mfa {
            "mfa_required"
        } else {
            "forbidden"
        };
        Self::new(StatusCode::FORBIDDEN, code, denial.to_string()).with(Extra {
            reasons: denial.reasons.clone(),
            ..Extra::default()
        })
    }

    /// 403 `forbidden_field`: the body sets fields the caller may not write; the body names
    /// them (`fields`) with why (`reasons`: `{ "field", "reason" }`).
    ///
    /// ```
    /// let e = access_axum::ApiError::forbidden_fields(Vec::new());
    /// assert_eq!((e.status.as_u16(), e.code), (403, "forbidden_field"));
    /// ```
    pub fn forbidden_fields(denied: Vec<FieldDenial>) -> Self {
        if denied
            .iter()
            .any(|d| d.reason.kind == ReasonKind::CheckFailed)
        {
            tracing::warn!("a field rule could not be checked: answered 503");
            return Self::unavailable(1);
        }
        let named: Vec<String> = denied.iter().map(|d| format!("`{}`", d.field)).collect();
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden_field",
            format!("you may not set {}", named.join(", ")),
        )
        .with(Extra {
            fields: denied,
            ..Extra::default()
        })
    }

    /// 404 `not_found`.
    ///
    /// ```
    /// let e = access_axum::ApiError::not_found("no such note");
    /// assert_eq!((e.status.as_u16(), e.code), (404, "not_found"));
    /// ```
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409 `conflict`.
    ///
    /// ```
    /// let e = access_axum::ApiError::conflict("the name is taken");
    /// assert_eq!((e.status.as_u16(), e.message.as_str()), (409, "the name is taken"));
    /// ```
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 422 with a code naming what is wrong with the input.
    ///
    /// ```
    /// let e = access_axum::ApiError::invalid("invalid_email", "not an e-mail address");
    /// assert_eq!((e.status.as_u16(), e.code), (422, "invalid_email"));
    /// ```
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
    }

    /// 429 `rate_limited`, with `Retry-After: seconds`.
    ///
    /// ```
    /// let e = access_axum::ApiError::rate_limited(30);
    /// assert_eq!((e.status.as_u16(), e.retry_after()), (429, Some(30)));
    /// ```
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many attempts; try again later",
        )
        .with(Extra {
            retry_after: Some(retry_after_secs),
            ..Extra::default()
        })
    }

    /// 503 `unavailable`, with `Retry-After: seconds`: the database is busy or out of reach;
    /// the same request may succeed shortly.
    ///
    /// ```
    /// let e = access_axum::ApiError::unavailable(1);
    /// assert_eq!((e.status.as_u16(), e.code, e.retry_after()), (503, "unavailable", Some(1)));
    /// ```
    pub fn unavailable(retry_after_secs: u64) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the service is busy; try again shortly",
        )
        .with(Extra {
            retry_after: Some(retry_after_secs),
            ..Extra::default()
        })
    }

    /// A database error answered by its cause ([`classify`]): a unique value taken 409
    /// `conflict`; a missing referenced row or a value the column does not take 422
    /// `invalid_body` naming the field where the database does; contention (busy, locked, a
    /// serialization failure or deadlock) or no connection (pool timeout, connection lost)
    /// 503 `unavailable` with `Retry-After: 1`; anything else 500 `internal`. The database's
    /// text goes to the log only (`debug` for the 4xx, `warn` for the 503, `error` for the 500).
    ///
    /// ```
    /// use sea_orm::{ConnAcquireErr, DbErr};
    /// let e = access_axum::ApiError::database(&DbErr::ConnectionAcquire(ConnAcquireErr::Timeout));
    /// assert_eq!((e.status.as_u16(), e.retry_after()), (503, Some(1)));
    /// ```
    pub fn database(e: &DbErr) -> Self {
        let named = |field: &Option<String>, what: &str, default: &str| match field {
            Some(f) => format!("`{f}` {what}"),
            None => default.to_owned(),
        };
        let failure = classify(e);
        match &failure {
            DbFailure::Unique { .. }
            | DbFailure::ForeignKey { .. }
            | DbFailure::Rejected { .. } => {
                tracing::debug!(error = %e, "the database refused a write")
            }
            DbFailure::Contention | DbFailure::Unavailable => {
                tracing::warn!(error = %e, cause = ?failure, "database unavailable; answered 503")
            }
            _ => {}
        }
        match failure {
            DbFailure::Unique { field } => {
                Self::conflict(named(&field, "is taken", "a unique value is taken"))
            }
            DbFailure::ForeignKey { field } => Self::invalid(
                "invalid_body",
                named(
                    &field,
                    "refers to a missing row",
                    "a referenced row is missing, or other rows refer to this one",
                ),
            ),
            DbFailure::Rejected { field } => Self::invalid(
                "invalid_body",
                named(
                    &field,
                    "does not take this value",
                    "a value is not one the row takes",
                ),
            ),
            DbFailure::Contention => {
                let mut e = Self::unavailable(1);
                if let Some(x) = e.extra.as_mut() {
                    x.contention = true;
                }
                e
            }
            DbFailure::Unavailable => Self::unavailable(1),
            _ => Self::internal(e),
        }
    }

    /// 500 `internal`: `e` goes to the log, never to the client.
    ///
    /// ```
    /// let e = access_axum::ApiError::internal("connection refused by 10.0.0.5");
    /// assert!(!e.message.contains("10.0.0.5"));
    /// ```
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the request could not be completed",
        )
    }

    /// 500 `internal` when authorization itself failed (a store error): `what` and `e` go to
    /// the log.
    ///
    /// ```
    /// let e = access_axum::ApiError::authorization_failed("roles store", "timeout");
    /// assert_eq!((e.status.as_u16(), e.code), (500, "internal"));
    /// ```
    pub fn authorization_failed(what: &str, e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "{what}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the request could not be authorized",
        )
    }

    /// A store failure during authorization: 503 `unavailable` with `Retry-After` when the store
    /// is busy or unreachable ([`StoreErrorKind::Unavailable`]), else 500 `internal`; `what` and
    /// `e` go to the log.
    ///
    /// ```
    /// use access_core::{StoreError, StoreErrorKind};
    ///
    /// let busy = StoreError::new(StoreErrorKind::Unavailable, "database is locked");
    /// let e = access_axum::ApiError::store_failed("roles store", busy);
    /// assert_eq!((e.status.as_u16(), e.code), (503, "unavailable"));
    /// ```
    pub fn store_failed(what: &str, e: StoreError) -> Self {
        if e.kind == StoreErrorKind::Unavailable {
            tracing::warn!(error = %e, "{what}: answered 503");
            return Self::unavailable(1);
        }
        Self::authorization_failed(what, e)
    }

    fn with(mut self, extra: Extra) -> Self {
        self.extra = Some(Box::new(extra));
        self
    }

    /// The reasons of a 403 (empty otherwise).
    ///
    /// ```
    /// assert!(access_axum::ApiError::conflict("taken").reasons().is_empty());
    /// ```
    pub fn reasons(&self) -> &[Reason] {
        self.extra.as_ref().map_or(&[], |e| &e.reasons)
    }

    /// The `Retry-After` of a 429 or a 503, in seconds.
    ///
    /// ```
    /// assert_eq!(access_axum::ApiError::conflict("taken").retry_after(), None);
    /// ```
    pub fn retry_after(&self) -> Option<u64> {
        self.extra.as_ref().and_then(|e| e.retry_after)
    }
}

/// [`ApiError::database`]: the error by its cause.
impl From<DbErr> for ApiError {
    fn from(e: DbErr) -> Self {
        Self::database(&e)
    }
}

/// A 503 for contention ([`ApiError::database`] of a busy or locked database, a serialization
/// failure, a deadlock) is worth another attempt of the transaction
/// ([`retry_writes`](access_core::sea::write::retry_writes)).
impl Contention for ApiError {
    fn is_contention(&self) -> bool {
        self.extra.as_ref().is_some_and(|x| x.contention)
    }
}

/// 403 with the reasons when denied, 500 without details when a store failed.
impl From<AuthorizationError> for ApiError {
    fn from(e: AuthorizationError) -> Self {
        match e.reason {
            AuthorizationFailure::Denied(reasons) => Self::new(
                StatusCode::FORBIDDEN,
                "forbidden",
                format!("`{}` is not allowed", e.entitlement),
            )
            .with(Extra {
                entitlement: Some(e.entitlement),
                reasons,
                ..Extra::default()
            }),
            AuthorizationFailure::Store(s) => Self::store_failed("authorization store failed", s),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let extra = self.extra.as_deref();
        let (fields, reasons) = match extra {
            Some(x) if !x.fields.is_empty() => (
                Some(x.fields.iter().map(|f| f.field.as_str()).collect()),
                Reasons::Fields(&x.fields),
            ),
            Some(x) => (None, Reasons::Check(&x.reasons)),
            None => (None, Reasons::Check(&[])),
        };
        let body = Body {
            error: self.code,
            message: &self.message,
            entitlement: extra.and_then(|x| x.entitlement.as_deref()),
            fields,
            reasons,
        };
        let mut r = (self.status, Json(body)).into_response();
        let headers: &mut HeaderMap = r.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(secs) = self.retry_after() {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        r
    }
}

/// A JSON body whose every rejection is a JSON error: 415 without `application/json`, 413 when
/// too large, 400 when malformed, 422 when it does not fit the expected shape.
///
/// # Examples
/// ```
/// use access_axum::JsonBody;
///
/// #[derive(serde::Deserialize)]
/// struct Rename { name: String }
///
/// async fn rename(JsonBody(body): JsonBody<Rename>) -> String {
///     format!("renamed to {}", body.name)
/// }
/// let app: axum::Router = axum::Router::new().route("/rename", axum::routing::post(rename));
/// ```
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(e) => Err(match e {
                JsonRejection::MissingJsonContentType(_) => unsupported_media_type(),
                JsonRejection::JsonSyntaxError(_) => malformed_json(),
                JsonRejection::JsonDataError(_) => {
                    ApiError::invalid("invalid_body", "the body does not have the expected fields")
                }
                JsonRejection::BytesRejection(b) if b.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    too_large()
                }
                _ => ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_body",
                    "the body could not be read",
                ),
            }),
        }
    }
}

fn unsupported_media_type() -> ApiError {
    ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        "send `Content-Type: application/json`",
    )
}

fn malformed_json() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        "the body is not valid JSON",
    )
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "body_too_large",
        "the body is too large",
    )
}

/// Reads a JSON body with a size limit: 415 without `application/json`, 413 beyond the limit,
/// 400 when malformed.
pub(crate) async fn read_json(
    headers: &HeaderMap,
    body: axum::body::Body,
    limit: usize,
) -> Result<serde_json::Value, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(unsupported_media_type());
    }
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| too_large())?;
    serde_json::from_slice(&bytes).map_err(|_| malformed_json())
}
