//! The signed-in caller's account, checked: what the endpoints that read or change their own
//! account start from ([`current_record`]), with the current password when the change asks for
//! it ([`with_password`]).

use axum::http::StatusCode;

use super::passwords::Verified;
use super::rate_limit;
use super::state::AuthState;
use super::user::CurrentUser;
use crate::db::user;
use crate::error::ApiError;

/// The caller's row, when the account is active and the token newer than the last password
/// change; 401 otherwise.
pub(crate) async fn current_record(
    state: &AuthState,
    user: &CurrentUser,
) -> Result<user::Model, ApiError> {
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

/// How recent a sign-in stands for the password of an account without one (seconds).
pub(crate) const FRESH_SIGN_IN: i64 = 600;

/// The caller's session began (signed in) within [`FRESH_SIGN_IN`]; 403
/// `reauthentication_required` otherwise.
async fn fresh_sign_in(state: &AuthState, user: &CurrentUser) -> Result<(), ApiError> {
    use sea_orm::EntityTrait as _;
    let began = crate::db::session::Entity::find_by_id(user.session_id.clone())
        .one(&state.db)
        .await?
        .map(|s| s.created_at);
    match began {
        Some(t) if super::tokens::unix_now() - t <= FRESH_SIGN_IN => Ok(()),
        _ => Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "reauthentication_required",
            "this account has no password: sign in again with its provider, then retry within 10 minutes",
        )),
    }
}

/// 403 `wrong_password`: the current password given to confirm a change is not the account's.
pub(crate) fn wrong_password() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "wrong_password",
        "the current password is wrong",
    )
}

/// The caller's row after checking `password` against it, rate limited per account with the
/// login limit (key `password:{id}`, shared by every endpoint that takes the current password).
pub(crate) async fn with_password(
    state: &AuthState,
    user: &CurrentUser,
    password: String,
) -> Result<user::Model, ApiError> {
    rate_limit::check(
        &state.db,
        format!("password:{}", user.id),
        state.config.http().rate_limits.login,
    )
    .await?;
    let u = current_record(state, user).await?;
    if u.password_hash.is_empty() {
        // An account made through a provider has no password to give: a sign-in of this
        // session in the last minutes stands for it.
        return fresh_sign_in(state, user).await.map(|()| u);
    }
    if password.is_empty() {
        return Err(ApiError::invalid(
            "password_required",
            "give the account's current password",
        ));
    }
    match state
        .passwords
        .verify(password, u.password_hash.clone())
        .await?
    {
        Verified::No => Err(wrong_password()),
        _ => Ok(u),
    }
}
