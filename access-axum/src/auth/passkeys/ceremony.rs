//! Ceremonies kept server-side (`auth_webauthn_ceremonies`): started with a random id (stored
//! as its hash) and webauthn-rs's state, read back at the finish by id, kind and user, and
//! taken once (a conditional `UPDATE .. WHERE used_at IS NULL`) before they expire.

use axum::http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::auth::tokens::{self, unix_now};
use crate::db::webauthn_ceremony;
use crate::error::ApiError;

/// How long a ceremony may take, start to finish (WebAuthn's recommended timeout).
pub(super) const TTL_SECS: i64 = 300;

/// Registering a passkey (a signed-in user).
pub(super) const REGISTER: &str = "register";
/// A discoverable sign-in (no user until the answer names one).
pub(super) const LOGIN: &str = "login";
/// A login's second factor: [`super::start_for_user`].
pub(crate) const SECOND_FACTOR: &str = "second_factor";
/// A signed-in user's step-up: [`super::start_for_user`].
pub(crate) const STEP_UP: &str = "step_up";

/// 400 `invalid_ceremony`: unknown, expired, already used, or of another kind or user.
pub(super) fn invalid() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_ceremony",
        "the passkey ceremony is unknown, expired or already used; start again",
    )
}

/// Stores a ceremony of `kind` for `user` with `state`: the id to give the client. Ceremonies
/// that can no longer finish are deleted on the way.
pub(super) async fn store<T: Serialize>(
    db: &impl ConnectionTrait,
    kind: &str,
    user: Option<i64>,
    state: &T,
) -> Result<String, ApiError> {
    let now = unix_now();
    webauthn_ceremony::Entity::delete_many()
        .filter(webauthn_ceremony::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?;
    let state = serde_json::to_string(state).map_err(ApiError::internal)?;
    let id = tokens::random_token();
    webauthn_ceremony::ActiveModel {
        id: Set(tokens::token_hash(&id)),
        kind: Set(kind.to_owned()),
        user_id: Set(user),
        state: Set(state),
        expires_at: Set(now + TTL_SECS),
        used_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(id)
}

/// A ceremony open for a finish: its stored id (hash) and state.
pub(super) struct Open<T> {
    pub(super) key: String,
    pub(super) state: T,
}

/// The open ceremony `id` when it is of a kind `kind_ok` accepts and for `user` (`None`: a
/// ceremony without one): not expired, not used. Nothing is written.
pub(super) async fn open<T: DeserializeOwned>(
    db: &impl ConnectionTrait,
    id: &str,
    kind_ok: impl Fn(&str) -> bool,
    user: Option<i64>,
) -> Result<Option<Open<T>>, ApiError> {
    if id.is_empty() || id.len() > 128 {
        return Ok(None);
    }
    let key = tokens::token_hash(id);
    let Some(row) = webauthn_ceremony::Entity::find_by_id(key.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if !tokens::secret_eq(&row.id, &key)
        || !kind_ok(&row.kind)
        || row.user_id != user
        || row.used_at.is_some()
        || row.expires_at <= unix_now()
    {
        return Ok(None);
    }
    // A state that no longer reads (another version of webauthn-rs) is a ceremony to restart.
    match serde_json::from_str(&row.state) {
        Ok(state) => Ok(Some(Open { key, state })),
        Err(e) => {
            tracing::warn!(error = %e, kind = row.kind, "passkey ceremony state unreadable");
            Ok(None)
        }
    }
}

/// Takes the ceremony stored as `key`: whether this call did (it was open and unused).
pub(super) async fn take(db: &impl ConnectionTrait, key: &str) -> Result<bool, ApiError> {
    let now = unix_now();
    let res = webauthn_ceremony::Entity::update_many()
        .col_expr(webauthn_ceremony::Column::UsedAt, Expr::value(now))
        .filter(webauthn_ceremony::Column::Id.eq(key))
        .filter(webauthn_ceremony::Column::UsedAt.is_null())
        .filter(webauthn_ceremony::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}
