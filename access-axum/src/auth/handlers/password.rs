//! `POST forgot-password` (a reset token mailed after answering, whether or not the account
//! exists) and `POST reset-password` (single use; ends every session by default).

use access_core::sea::write::{begin_write, retry_writes};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use super::email::EmailBody;
use crate::auth::passwords::check_policy;
use crate::auth::state::AuthState;
use crate::auth::tokens::unix_now;
use crate::auth::{one_time, sessions};
use crate::db::UserChange;
use crate::error::{ApiError, JsonBody};

pub(super) async fn forgot(
    State(state): State<AuthState>,
    JsonBody(body): JsonBody<EmailBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    one_time::mail_after_answering(state, &body.email, "reset", |u| u.active).await?;
    Ok(Json(serde_json::json!({ "sent": true })))
}

#[derive(Deserialize)]
pub(super) struct ResetBody {
    token: String,
    password: String,
}

pub(super) async fn reset(
    State(state): State<AuthState>,
    JsonBody(body): JsonBody<ResetBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_policy(&state.config, &body.password)?;
    let hash = state.passwords.hash(body.password).await?;
    // Token, password and sessions change together or not at all: a failure does not burn the
    // token or leave sessions open.
    // A writer from the start (SQLite: BEGIN IMMEDIATE; PostgreSQL: READ COMMITTED, the token
    // taken by one conditional statement), run again on contention.
    let (state, token, hash) = (&state, body.token.as_str(), &hash);
    let _turn = state.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&state.db).await?;
        let t = one_time::take(&txn, token, "reset").await?;
        state
            .config
            .accounts()
            .users
            .update(
                &txn,
                t.user_id,
                UserChange::Password(hash.clone(), Some(unix_now())),
            )
            .await?;
        if state.config.sessions().revoke_on_reset {
            sessions::revoke_user(&txn, t.user_id).await?;
        }
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(Json(serde_json::json!({ "reset": true })))
}
