//! Sessions: opening one (its row, the oldest sessions revoked beyond the limit, its first
//! refresh token), signing the access token of a session, storing refresh tokens, and revoking.

use access_core::sea::write::{begin_write, retry_writes};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set,
};

use super::extract::Client;
use super::state::AuthState;
use super::tokens::{self, Claims, unix_now};
use super::user::roles_of;
use crate::db::{refresh_token, session, user};
use crate::error::ApiError;

/// Issued tokens, sent per the configured transport.
pub(crate) struct Tokens {
    pub(crate) access: String,
    pub(crate) refresh: String,
    pub(crate) session_id: String,
    pub(crate) expires_in: u64,
}

/// Opens a session for `u` and issues its first tokens; revokes the oldest sessions beyond the
/// limit. The rows are written in one transaction: a failure leaves no session behind and
/// revokes none.
pub(crate) async fn open(
    state: &AuthState,
    u: &user::Model,
    client: &Client,
) -> Result<Tokens, ApiError> {
    open_verified(state, u, client, None).await
}

/// Records a sign-in of `user_id` (`last_login_at`), after its session opened; a failure is
/// logged and the sign-in stands.
pub(crate) async fn record_login(state: &AuthState, user_id: i64) {
    let at = unix_now().into();
    let col = crate::db::profile::Column::LastLoginAt;
    if let Err(e) = crate::db::profile::set(&state.db, user_id, col, at).await {
        tracing::warn!(error = %e, user = user_id, "last login not recorded");
    }
}

/// [`open`] for a sign-in that passed a second factor at `mfa_at` (a passkey with user
/// verification): the session and its tokens carry it.
pub(crate) async fn open_verified(
    state: &AuthState,
    u: &user::Model,
    client: &Client,
    mfa_at: Option<i64>,
) -> Result<Tokens, ApiError> {
    // A writer from the start (SQLite: BEGIN IMMEDIATE; PostgreSQL: READ COMMITTED), run again
    // on contention: every attempt opens a new session id.
    let turn = state.writers.serial().await?;
    let (sid, refresh) = retry_writes(|| async {
        let txn = begin_write(&state.db).await?;
        let opened = open_in(&txn, state, u, client, mfa_at).await?;
        txn.commit().await?;
        Ok::<_, ApiError>(opened)
    })
    .await?;
    drop(turn); // signing (and access-set claims) reads only
    sign_tokens_with(state, u, &sid, refresh, mfa_at).await
}

/// The rows of a new session (session, oldest ones revoked, refresh token) on `db`, verified by
/// a second factor at `mfa_at` when given: the session id and the refresh token.
pub(crate) async fn open_in(
    db: &impl ConnectionTrait,
    state: &AuthState,
    u: &user::Model,
    client: &Client,
    mfa_at: Option<i64>,
) -> Result<(String, String), ApiError> {
    let config = &state.config;
    let now = unix_now();
    let sid = uuid::Uuid::new_v4().to_string();
    session::ActiveModel {
        id: Set(sid.clone()),
        user_id: Set(u.id),
        device: Set(client.device.clone()),
        ip: Set(client.ip.clone()),
        created_at: Set(now),
        last_active_at: Set(now),
        expires_at: Set(now + config.tokens().refresh_ttl.as_secs() as i64),
        revoked_at: Set(None),
        tenant: Set(None),
        mfa_at: Set(mfa_at),
    }
    .insert(db)
    .await?;
    let live = session::Entity::find()
        .filter(session::Column::UserId.eq(u.id))
        .filter(session::Column::RevokedAt.is_null())
        .order_by_desc(session::Column::CreatedAt)
        .all(db)
        .await?;
    if live.len() > config.sessions().max {
        let old: Vec<String> = live[config.sessions().max..]
            .iter()
            .map(|s| s.id.clone())
            .collect();
        session::Entity::update_many()
            .col_expr(session::Column::RevokedAt, Expr::value(now))
            .filter(session::Column::Id.is_in(old))
            .exec(db)
            .await?;
    }
    let refresh = store_refresh(db, &sid).await?;
    Ok((sid, refresh))
}

/// Session `sid`'s refresh tokens give way to a new one (returned), issued with a new access
/// token: a tenant switch, a step-up.
pub(crate) async fn rotate_refresh(
    db: &impl ConnectionTrait,
    sid: &str,
    now: i64,
) -> Result<String, ApiError> {
    refresh_token::Entity::update_many()
        .col_expr(refresh_token::Column::RotatedAt, Expr::value(now))
        .filter(refresh_token::Column::SessionId.eq(sid))
        .filter(refresh_token::Column::RotatedAt.is_null())
        .exec(db)
        .await?;
    store_refresh(db, sid).await
}

/// A new refresh token for session `sid`, stored (as its hash) on `db`.
pub(crate) async fn store_refresh(
    db: &impl ConnectionTrait,
    sid: &str,
) -> Result<String, ApiError> {
    let refresh = tokens::random_token();
    refresh_token::ActiveModel {
        session_id: Set(sid.to_owned()),
        token_hash: Set(tokens::token_hash(&refresh)),
        created_at: Set(unix_now()),
        rotated_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(refresh)
}

/// The access token for `u` in session `sid` (with the custom claims, computed after any
/// transaction is committed), next to its refresh token.
pub(crate) async fn sign_tokens(
    state: &AuthState,
    u: &user::Model,
    sid: &str,
    refresh: String,
) -> Result<Tokens, ApiError> {
    sign_tokens_with(state, u, sid, refresh, None).await
}

/// [`sign_tokens`] for a session that passed a second factor at `mfa_at` (the `mfa` claim).
pub(crate) async fn sign_tokens_with(
    state: &AuthState,
    u: &user::Model,
    sid: &str,
    refresh: String,
    mfa_at: Option<i64>,
) -> Result<Tokens, ApiError> {
    let config = &state.config;
    // A tenant the user no longer belongs to is left out (the tenant check of the
    // organizations, when the application has them).
    let mut u = u.clone();
    if let Some(t) = u.tenant.clone()
        && !state.in_tenant(u.id, &t).await
    {
        u.tenant = None;
    }
    let u = &u;
    let claims = Claims {
        extra: state.custom_claims(u).await,
        sub: u.id.to_string(),
        iss: String::new(),
        aud: String::new(),
        exp: 0,
        nbf: 0,
        iat: 0,
        sid: sid.to_owned(),
        roles: roles_of(u),
        tenant: u.tenant.clone(),
        su: u.superuser,
        mfa: mfa_at,
    };
    let access = tokens::issue_access(config, claims, unix_now())
        .ok_or_else(|| ApiError::internal("token signing failed"))?;
    Ok(Tokens {
        access,
        refresh,
        session_id: sid.to_owned(),
        expires_in: config.tokens().access_ttl.as_secs(),
    })
}

/// Revokes every live session of user `id`: how many.
pub(crate) async fn revoke_user(db: &impl ConnectionTrait, id: i64) -> Result<u64, ApiError> {
    revoke(db, Condition::all().add(session::Column::UserId.eq(id))).await
}

/// The live sessions of user `id`, the most recently active first.
pub(crate) async fn live(
    db: &impl ConnectionTrait,
    id: i64,
) -> Result<Vec<session::Model>, ApiError> {
    Ok(session::Entity::find()
        .filter(session::Column::UserId.eq(id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(unix_now()))
        .order_by_desc(session::Column::LastActiveAt)
        .all(db)
        .await?)
}

/// Revokes the live sessions matching `filter`: how many.
pub(crate) async fn revoke(db: &impl ConnectionTrait, filter: Condition) -> Result<u64, ApiError> {
    let res = session::Entity::update_many()
        .col_expr(session::Column::RevokedAt, Expr::value(unix_now()))
        .filter(filter)
        .filter(session::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Switches session `sid` of user `user_id` to `tenant` (the caller checked that the user
/// belongs to it): the session and the user's last tenant (which the next login picks) in one
/// write, the session's refresh tokens rotated, and new tokens for the tenant. 401 when the
/// session is gone.
pub(crate) async fn switch_tenant(
    state: &AuthState,
    user_id: i64,
    sid: &str,
    tenant: &str,
) -> Result<Tokens, ApiError> {
    let now = unix_now();
    let turn = state.writers.serial().await?;
    let txn = retry_writes(|| begin_write(&state.db)).await?;
    let live = session::Entity::update_many()
        .col_expr(session::Column::Tenant, Expr::value(tenant))
        .col_expr(session::Column::LastActiveAt, Expr::value(now))
        .filter(session::Column::Id.eq(sid))
        .filter(session::Column::UserId.eq(user_id))
        .filter(session::Column::RevokedAt.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .exec(&txn)
        .await?
        .rows_affected
        == 1;
    if !live {
        return Err(ApiError::unauthenticated());
    }
    let users = &state.config.accounts().users;
    users
        .update(
            &txn,
            user_id,
            crate::db::UserChange::Tenant(Some(tenant.to_owned())),
        )
        .await?;
    let refresh = rotate_refresh(&txn, sid, now).await?;
    let u = users
        .by_id(&txn, user_id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    let mfa_at = session::Entity::find_by_id(sid.to_owned())
        .one(&txn)
        .await?
        .and_then(|s| s.mfa_at);
    txn.commit().await?;
    drop(turn);
    sign_tokens_with(state, &u, sid, refresh, mfa_at).await
}
