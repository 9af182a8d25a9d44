//! The stored passkeys (`auth_passkeys`): looking them up, and recording a verified assertion
//! (the new signature counter, the last use) together with taking its ceremony, all or nothing.

use axum::http::StatusCode;
use base64::Engine as _;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use webauthn_rs::prelude::{AuthenticationResult, Passkey, Uuid, WebauthnError};

use super::ceremony;
use crate::auth::tokens::unix_now;
use crate::db::passkey;
use crate::error::ApiError;

/// The stored form of a credential id: base64url without padding.
pub(super) fn credential_key(id: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(id)
}

/// The passkeys of `user`, oldest first.
pub(super) async fn of_user(
    db: &impl ConnectionTrait,
    user: i64,
) -> Result<Vec<passkey::Model>, ApiError> {
    Ok(passkey::Entity::find()
        .filter(passkey::Column::UserId.eq(user))
        .order_by_asc(passkey::Column::Id)
        .all(db)
        .await?)
}

/// How many passkeys `user` has.
pub(super) async fn count(db: &impl ConnectionTrait, user: i64) -> Result<u64, ApiError> {
    Ok(passkey::Entity::find()
        .filter(passkey::Column::UserId.eq(user))
        .count(db)
        .await?)
}

/// The passkey with credential id `key` ([`credential_key`]).
pub(super) async fn by_credential(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<passkey::Model>, ApiError> {
    Ok(passkey::Entity::find()
        .filter(passkey::Column::CredentialId.eq(key))
        .one(db)
        .await?)
}

/// The user handle of `user`'s passkeys, or a new random one for a first passkey.
pub(super) fn user_handle(existing: &[passkey::Model]) -> Uuid {
    existing
        .iter()
        .find_map(|p| Uuid::parse_str(&p.user_handle).ok())
        .unwrap_or_else(Uuid::new_v4)
}

/// The row's key, for webauthn-rs.
pub(super) fn decode(row: &passkey::Model) -> Result<Passkey, ApiError> {
    serde_json::from_str(&row.passkey)
        .map_err(|e| ApiError::internal(format!("stored passkey {} does not read: {e}", row.id)))
}

/// Logs (at debug) why a passkey was refused.
pub(super) fn refusal(why: &str) {
    tracing::debug!(target: "access::auth", reason = why, "passkey refused");
}

/// 401 `passkey_rejected`; `why` goes to the log (debug) only.
pub(super) fn rejected(why: &str) -> ApiError {
    refusal(why);
    rejection()
}

/// 401 `passkey_rejected`, the reason logged already.
pub(super) fn rejection() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "passkey_rejected",
        "the passkey was not accepted",
    )
}

/// Logs why webauthn-rs refused an assertion by `row`: a counter that did not increase (the
/// sign of a cloned authenticator) at warn, anything else at debug.
pub(super) fn assertion_refusal(row: &passkey::Model, e: &WebauthnError) {
    if matches!(e, WebauthnError::CredentialPossibleCompromise) {
        tracing::warn!(
            target: "access::auth",
            user = row.user_id,
            passkey = row.id,
            "passkey signature counter did not increase: possibly a cloned authenticator; refused"
        );
    }
    refusal(&format!("assertion by passkey {}: {e}", row.id));
}

/// Takes the ceremony stored as `ceremony_key` and records the verified assertion `result` on
/// `row` (its counter and backup flags, its last use), in a savepoint of `db`: both or neither.
/// `false` (nothing written) when the ceremony was taken meanwhile or the stored passkey changed
/// since it was read (another assertion by the same credential raced this one).
pub(super) async fn record_assertion(
    db: &DatabaseTransaction,
    ceremony_key: &str,
    row: &passkey::Model,
    result: &AuthenticationResult,
) -> Result<bool, ApiError> {
    let mut key = decode(row)?;
    if result.counter() != 0 && result.counter() <= key_counter(row) {
        // webauthn-rs refuses it already (its counter check); kept here as the rule of record.
        return Ok(false);
    }
    key.update_credential(result);
    let updated = serde_json::to_string(&key).map_err(ApiError::internal)?;
    let sp = db.begin().await?;
    if !ceremony::take(&sp, ceremony_key).await? {
        return Ok(false);
    }
    let res = passkey::Entity::update_many()
        .col_expr(passkey::Column::Passkey, Expr::value(updated))
        .col_expr(passkey::Column::LastUsedAt, Expr::value(unix_now()))
        .filter(passkey::Column::Id.eq(row.id))
        .filter(passkey::Column::Passkey.eq(row.passkey.clone()))
        .exec(&sp)
        .await?;
    if res.rows_affected != 1 {
        return Ok(false);
    }
    sp.commit().await?;
    Ok(true)
}

/// The signature counter stored with `row` (0 when the stored JSON has none).
fn key_counter(row: &passkey::Model) -> u32 {
    serde_json::from_str::<serde_json::Value>(&row.passkey)
        .ok()
        .and_then(|v| {
            v.pointer("/cred/counter")
                .and_then(serde_json::Value::as_u64)
        })
        .and_then(|c| u32::try_from(c).ok())
        .unwrap_or(0)
}
