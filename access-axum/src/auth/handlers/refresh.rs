//! `POST refresh`: rotates the refresh token (from the body or the cookie) and issues a new
//! access token. Only the session's newest refresh token is accepted, or within the grace window
//! the one just before it; any other used token revokes the session (RFC 9700 §4.14.2).

use access_core::sea::write::{begin_write, retry_writes};
use axum::extract::State;
use axum::http::header::{self, HeaderMap};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Deserialize;

use super::respond;
use crate::auth::cookies::token_cookie;
use crate::auth::extract::Client;
use crate::auth::state::AuthState;
use crate::auth::tokens::{secret_eq, token_hash, unix_now};
use crate::auth::{csrf, rate_limit, sessions};
use crate::db::{refresh_token, session, user};
use crate::error::ApiError;

#[derive(Deserialize)]
struct RefreshBody {
    refresh_token: Option<String>,
}

/// The optional JSON body (the cookie may carry the token instead).
fn optional_body(headers: &HeaderMap, raw: &[u8]) -> Result<Option<RefreshBody>, ApiError> {
    if raw.is_empty() {
        return Ok(None);
    }
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send `Content-Type: application/json`",
        ));
    }
    serde_json::from_slice(raw).map(Some).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "the body is not valid JSON",
        )
    })
}

fn the_session(id: &str) -> Condition {
    Condition::all().add(session::Column::Id.eq(id))
}

pub(super) async fn refresh(
    State(state): State<AuthState>,
    client: Client,
    headers: HeaderMap,
    raw: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let config = &state.config;
    rate_limit::check(
        &state.db,
        format!("refresh:ip:{}", client.ip),
        config.http().rate_limits.refresh,
    )
    .await?;
    let token = match optional_body(&headers, &raw)?.and_then(|b| b.refresh_token) {
        Some(t) => t,
        None => {
            let t = token_cookie(config, &headers, "refresh_token")
                .ok_or_else(ApiError::unauthenticated)?;
            // A refresh driven by the cookie is a cookie-authenticated mutation.
            csrf::check(config, &Method::POST, &headers)?;
            t.to_owned()
        }
    };
    let hash = token_hash(&token);
    let rt = refresh_token::Entity::find()
        .filter(refresh_token::Column::TokenHash.eq(hash.clone()))
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    if !secret_eq(&rt.token_hash, &hash) {
        return Err(ApiError::unauthenticated());
    }
    let now = unix_now();
    let s = session::Entity::find_by_id(rt.session_id.clone())
        .one(&state.db)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    if s.revoked_at.is_some() || s.expires_at <= now {
        return Err(ApiError::unauthenticated());
    }
    let u = config
        .accounts()
        .users
        .by_id(&state.db, s.user_id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    if !u.active || s.created_at < u.password_changed_at {
        sessions::revoke(&state.db, the_session(&s.id)).await?;
        return Err(ApiError::unauthenticated());
    }
    // Rotate: exactly one request wins the conditional update; the old token is marked and the
    // new one stored together. A writer from the start (SQLite: BEGIN IMMEDIATE; PostgreSQL:
    // READ COMMITTED, whose re-check of the conditional update on the latest row picks the one
    // winner).
    let turn = state.writers.serial().await?;
    let txn = retry_writes(|| begin_write(&state.db)).await?;
    let won = refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now))
        .filter(refresh_token::Column::Id.eq(rt.id))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    // The family rule (RFC 9700 §4.14.2): the session's newest refresh token, or, within the
    // grace window after the newest was made, the one just before it (a concurrent refresh that
    // lost the race). Any other token was used before: someone else holds it, and the session
    // ends.
    let last_two = refresh_token::Entity::find()
        .filter(refresh_token::Column::SessionId.eq(s.id.clone()))
        .order_by_desc(refresh_token::Column::Id)
        .limit(2)
        .all(&txn)
        .await?;
    let grace = i64::try_from(config.sessions().refresh_grace.as_secs()).unwrap_or(i64::MAX);
    let accepted = match last_two.as_slice() {
        [newest, ..] if newest.id == rt.id => true,
        [newest, before] if before.id == rt.id => now - newest.created_at <= grace,
        _ => false,
    };
    if !accepted {
        tracing::warn!(session = %s.id, won, "refresh token reuse detected; session revoked");
        sessions::revoke(&txn, the_session(&s.id)).await?;
        txn.commit().await?;
        return Err(ApiError::unauthenticated());
    }
    session::Entity::update_many()
        .col_expr(session::Column::LastActiveAt, Expr::value(now))
        .filter(session::Column::Id.eq(s.id.clone()))
        .exec(&txn)
        .await?;
    let refresh = sessions::store_refresh(&txn, &s.id).await?;
    txn.commit().await?;
    drop(turn);
    // The session's tenant when it switched to one, else the user's.
    let u = user::Model {
        tenant: s.tenant.clone().or(u.tenant),
        ..u
    };
    let tokens = sessions::sign_tokens_with(&state, &u, &s.id, refresh, s.mfa_at).await?;
    Ok(respond::tokens(config, StatusCode::OK, &tokens, None))
}
