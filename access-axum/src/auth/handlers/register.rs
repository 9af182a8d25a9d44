//! `POST register`: a new account, its verification mail and its first session.

use access_core::sea::write::{begin_write, retry_writes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::respond;
use crate::auth::extract::Client;
use crate::auth::identifiers::{normalize_email, normalize_username};
use crate::auth::passwords::check_policy;
use crate::auth::state::AuthState;
use crate::auth::tokens::unix_now;
use crate::auth::{one_time, rate_limit, sessions};
use crate::config::LoginIdentifier;
use crate::db::NewUser;
use crate::error::{ApiError, JsonBody};

#[derive(Deserialize)]
pub(super) struct RegisterBody {
    email: Option<String>,
    username: Option<String>,
    password: String,
}

fn already_registered() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "already_registered",
        "an account with this email or username exists",
    )
}

pub(super) async fn register(
    State(state): State<AuthState>,
    client: Client,
    JsonBody(body): JsonBody<RegisterBody>,
) -> Result<Response, ApiError> {
    let config = &state.config;
    if !config.accounts().registration {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "registration_closed",
            "registration is turned off",
        ));
    }
    rate_limit::check(
        &state.db,
        format!("register:ip:{}", client.ip),
        config.http().rate_limits.register,
    )
    .await?;
    let email = match &body.email {
        Some(e) => Some(
            normalize_email(e)
                .ok_or_else(|| ApiError::invalid("invalid_email", "the email is not valid"))?,
        ),
        None => None,
    };
    let username = match &body.username {
        Some(u) => Some(normalize_username(u).ok_or_else(|| {
            ApiError::invalid(
                "invalid_username",
                "usernames are 3 to 64 letters, digits, `_`, `.` or `-`",
            )
        })?),
        None => None,
    };
    let needs_email = config.accounts().identifiers == LoginIdentifier::Email;
    let needs_username = config.accounts().identifiers == LoginIdentifier::Username;
    if (email.is_none() && username.is_none())
        || (needs_email && email.is_none())
        || (needs_username && username.is_none())
    {
        return Err(ApiError::invalid(
            "missing_identifier",
            "give an email or a username",
        ));
    }
    // Sign-ups per address too, wherever they come from.
    if let Some(e) = &email {
        rate_limit::check(
            &state.db,
            format!("register:email:{e}"),
            config.http().rate_limits.register,
        )
        .await?;
    }
    check_policy(config, &body.password)?;
    let users = &config.accounts().users;
    let email_taken = match &email {
        Some(e) => users.taken(&state.db, true, e).await?,
        None => false,
    };
    let username_taken = match &username {
        Some(u) => users.taken(&state.db, false, u).await?,
        None => false,
    };
    if email_taken || username_taken {
        return Err(already_registered());
    }
    let hash = state.passwords.hash(body.password).await?;
    let new = NewUser {
        email,
        username,
        password_hash: hash,
        now: unix_now(),
    };
    // The account, its verification token and its first session in one transaction: a failure
    // leaves no account behind (a retry is not refused as `already_registered`).
    // A writer from the start (SQLite: BEGIN IMMEDIATE, its BEGIN retried on contention;
    // PostgreSQL: READ COMMITTED, the unique indexes decide between two registrations).
    let turn = state.writers.serial().await?;
    let txn = retry_writes(|| begin_write(&state.db)).await?;
    let u = users.insert(&txn, new).await.map_err(|e| {
        // A concurrent registration won the unique index.
        match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => already_registered(),
            _ => e.into(),
        }
    })?;
    let verify = one_time::store(&txn, &state, &u, "verify").await?;
    let (sid, refresh) = sessions::open_in(&txn, &state, &u, &client, None).await?;
    txn.commit().await?;
    drop(turn);
    if let Some((email, token)) = verify {
        state.mailer.send("verify", &email, &token).await;
    }
    let tokens = sessions::sign_tokens(&state, &u, &sid, refresh).await?;
    Ok(respond::tokens(
        config,
        StatusCode::CREATED,
        &tokens,
        Some(&u),
    ))
}
