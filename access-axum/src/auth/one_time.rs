//! One-time tokens (email verification, password reset): stored as hashes, taken exactly once
//! before they expire, and mailed after the endpoint has answered.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

use axum::http::StatusCode;

use super::identifiers::normalize_email;
use super::rate_limit;
use super::state::AuthState;
use super::tokens::{self, unix_now};
use crate::db::{one_time_token, user};
use crate::error::ApiError;

/// A one-time token of `kind` for `u`, stored (as its hash) on `db`: the address to send it
/// to and the token, or `None` for an account without an address.
pub(crate) async fn store(
    db: &impl ConnectionTrait,
    state: &AuthState,
    u: &user::Model,
    kind: &'static str,
) -> Result<Option<(String, String)>, ApiError> {
    let Some(email) = &u.email else {
        return Ok(None);
    };
    let token = store_for(db, state, u.id, kind).await?;
    Ok(Some((email.clone(), token)))
}

/// A one-time token of `kind` for user `user_id`, stored (as its hash) on `db`; the caller
/// mails it where it belongs (the new address of an address change).
pub(crate) async fn store_for(
    db: &impl ConnectionTrait,
    state: &AuthState,
    user_id: i64,
    kind: &'static str,
) -> Result<String, ApiError> {
    let token = tokens::random_token();
    one_time_token::ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.to_owned()),
        token_hash: Set(tokens::token_hash(&token)),
        expires_at: Set(unix_now() + state.config.tokens().one_time_ttl.as_secs() as i64),
        used_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// 400 `invalid_token`: the one-time token is unknown, used or expired.
pub(crate) fn invalid_token() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_token",
        "the token is invalid or expired",
    )
}

/// Takes a one-time token of `kind`: exactly once, before it expires. 400 `invalid_token`
/// otherwise.
pub(crate) async fn take(
    db: &impl ConnectionTrait,
    token: &str,
    kind: &str,
) -> Result<one_time_token::Model, ApiError> {
    let invalid = invalid_token;
    let hash = tokens::token_hash(token);
    let t = one_time_token::Entity::find()
        .filter(one_time_token::Column::TokenHash.eq(hash.clone()))
        .filter(one_time_token::Column::Kind.eq(kind))
        .one(db)
        .await?
        .ok_or_else(invalid)?;
    let now = unix_now();
    if !tokens::secret_eq(&t.token_hash, &hash) || t.expires_at <= now || t.used_at.is_some() {
        return Err(invalid());
    }
    let won = one_time_token::Entity::update_many()
        .col_expr(one_time_token::Column::UsedAt, Expr::value(now))
        .filter(one_time_token::Column::Id.eq(t.id))
        .filter(one_time_token::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1;
    if !won {
        return Err(invalid());
    }
    Ok(t)
}

/// Counts the attempt against the address's rate limit (past it, nothing is sent and the
/// answer is the same), then lets the caller answer whether or not an account has the address. The lookup, the token and the mail run after the answer
/// (failures are logged), so its timing does not tell either: a token of `kind` is sent to the
/// account with the address when `wanted` says so.
pub(crate) async fn mail_after_answering(
    state: AuthState,
    email: &str,
    kind: &'static str,
    wanted: fn(&user::Model) -> bool,
) -> Result<(), ApiError> {
    let Some(email) = normalize_email(email) else {
        return Ok(());
    };
    // Past the limit the answer stays the same 200 (it tells nothing either), and no mail
    // leaves: the limit applies silently.
    match rate_limit::check(
        &state.db,
        format!("email:{email}"),
        state.config.http().rate_limits.email,
    )
    .await
    {
        Ok(()) => {}
        Err(e) if e.status == axum::http::StatusCode::TOO_MANY_REQUESTS => {
            tracing::debug!(kind, "rate limit reached: no mail sent");
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    tokio::spawn(async move {
        let sent = async {
            if let Some(u) = state
                .config
                .accounts()
                .users
                .by_email(&state.db, &email)
                .await?
                && wanted(&u)
                && let Some((to, token)) = store(&state.db, &state, &u, kind).await?
            {
                state.mailer.send(kind, &to, &token).await;
            }
            Ok::<(), ApiError>(())
        };
        if let Err(e) = sent.await {
            tracing::error!(error = %e.message, kind, "one-time token mail not sent");
        }
    });
    Ok(())
}
