//! `GET me`: the signed-in user, as stored now.

use axum::Json;
use axum::extract::State;

use super::respond::UserOut;
use crate::auth::state::AuthState;
use crate::auth::user::CurrentUser;
use crate::db::user;
use crate::error::ApiError;

/// The user's row, if the account is active and the token is newer than the last password
/// change; 401 otherwise.
async fn current_record(state: &AuthState, user: &CurrentUser) -> Result<user::Model, ApiError> {
    let u = state
        .config
        .accounts()
        .users
        .by_id(&state.db, user.id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    if !u.active || user.issued_at < u.password_changed_at {
        return Err(ApiError::unauthenticated());
    }
    Ok(u)
}

pub(super) async fn me(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let u = current_record(&state, &user).await?;
    Ok(Json(
        serde_json::to_value(UserOut::from(&u)).unwrap_or_default(),
    ))
}
