//! `POST login` (the same answer, and the same argon2 work, whether the account exists or not)
//! and `POST logout`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::ColumnTrait;
use serde::Deserialize;

use super::{respond, second_factor};
use crate::auth::extract::Client;
use crate::auth::identifiers::{normalize_email, normalize_username};
use crate::auth::passwords::Verified;
use crate::auth::state::AuthState;
use crate::auth::user::CurrentUser;
use crate::auth::{rate_limit, sessions};
use crate::config::LoginIdentifier;
use crate::db::{UserChange, session, user};
use crate::error::{ApiError, JsonBody};

#[derive(Deserialize)]
pub(super) struct LoginBody {
    identifier: Option<String>,
    email: Option<String>,
    username: Option<String>,
    password: String,
}

fn invalid_credentials() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "the identifier or the password is wrong",
    )
}

/// The account `identifier` names, per the configured login identifiers.
async fn find_by_identifier(
    state: &AuthState,
    identifier: &str,
) -> Result<Option<user::Model>, ApiError> {
    let config = &state.config;
    let by_email = matches!(
        config.accounts().identifiers,
        LoginIdentifier::Email | LoginIdentifier::EmailOrUsername
    );
    let by_username = matches!(
        config.accounts().identifiers,
        LoginIdentifier::Username | LoginIdentifier::EmailOrUsername
    );
    if by_email && let Some(e) = normalize_email(identifier) {
        return Ok(config.accounts().users.by_email(&state.db, &e).await?);
    }
    if by_username && let Some(u) = normalize_username(identifier) {
        return Ok(config.accounts().users.by_username(&state.db, &u).await?);
    }
    Ok(None)
}

pub(super) async fn login(
    State(state): State<AuthState>,
    client: Client,
    JsonBody(body): JsonBody<LoginBody>,
) -> Result<Response, ApiError> {
    let config = &state.config;
    let identifier = body
        .identifier
        .or(body.email)
        .or(body.username)
        .unwrap_or_default();
    let norm = identifier.trim().to_lowercase();
    rate_limit::check(
        &state.db,
        format!("login:id:{norm}"),
        config.http().rate_limits.login,
    )
    .await?;
    rate_limit::check(
        &state.db,
        format!("login:ip:{}", client.ip),
        config.http().rate_limits.login,
    )
    .await?;
    if body.password.len() > config.passwords().policy.max_len {
        return Err(invalid_credentials());
    }
    let Some(u) = find_by_identifier(&state, &identifier).await? else {
        // Same work as a real check, so timing does not reveal which accounts exist.
        state.passwords.verify_dummy(body.password).await?;
        return Err(invalid_credentials());
    };
    let verified = state
        .passwords
        .verify(body.password.clone(), u.password_hash.clone())
        .await?;
    if verified == Verified::No || !u.active {
        return Err(invalid_credentials());
    }
    if verified == Verified::YesRehash {
        let hash = state.passwords.hash(body.password).await?;
        config
            .accounts()
            .users
            .update(&state.db, u.id, UserChange::Password(hash, None))
            .await?;
    }
    // An account with a second factor: a challenge, no tokens yet (`POST mfa/challenge`).
    let methods = second_factor::methods_of(&state, &u).await?;
    if !methods.is_empty() {
        return second_factor::challenge(&state, &u, &client, methods).await;
    }
    let tokens = sessions::open(&state, &u, &client).await?;
    sessions::record_login(&state, u.id).await;
    Ok(respond::tokens(config, StatusCode::OK, &tokens, Some(&u)))
}

pub(super) async fn logout(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Response, ApiError> {
    sessions::revoke(
        &state.db,
        sea_orm::Condition::all()
            .add(session::Column::Id.eq(user.session_id.clone()))
            .add(session::Column::UserId.eq(user.id)),
    )
    .await?;
    let mut r = Json(serde_json::json!({ "logged_out": true })).into_response();
    respond::clear_cookies(&state.config, r.headers_mut());
    Ok(r)
}
