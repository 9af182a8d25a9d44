//! `POST verify-email` (takes the mailed token once) and `POST resend-verification` (a new
//! token mailed after answering, whether or not the account exists).

use access_core::sea::write::{begin_write, retry_writes};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;

use crate::auth::one_time;
use crate::auth::state::AuthState;
use crate::db::UserChange;
use crate::error::{ApiError, JsonBody};

/// `{ "email": .. }`.
#[derive(Deserialize)]
pub(super) struct EmailBody {
    pub(super) email: String,
}

/// `{ "token": .. }`: a mailed one-time token.
#[derive(Deserialize)]
pub(super) struct TokenBody {
    pub(super) token: String,
}

pub(super) async fn verify(
    State(state): State<AuthState>,
    JsonBody(body): JsonBody<TokenBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    // A writer from the start (SQLite: BEGIN IMMEDIATE; PostgreSQL: READ COMMITTED, the token
    // taken by one conditional statement), run again on contention.
    let (state, token) = (&state, body.token.as_str());
    let _turn = state.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&state.db).await?;
        let t = one_time::take(&txn, token, "verify").await?;
        state
            .config
            .accounts()
            .users
            .update(&txn, t.user_id, UserChange::EmailVerified(true))
            .await?;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(Json(serde_json::json!({ "verified": true })))
}

pub(super) async fn resend(
    State(state): State<AuthState>,
    JsonBody(body): JsonBody<EmailBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    one_time::mail_after_answering(state, &body.email, "verify", |u| !u.email_verified).await?;
    Ok(Json(serde_json::json!({ "sent": true })))
}
