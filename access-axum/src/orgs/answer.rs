//! The invited side: `GET /invitations` (those pending for the caller's verified address),
//! `POST /invitations/{key}/accept` and `POST /invitations/{key}/decline`, where `key` is the
//! mailed token or, for the account whose verified address was invited, the invitation's id.

use access_core::sea::SeaStore;
use access_core::sea::write::{begin_write, retry_writes};
use access_core::{AccessModel, EntityTypeId, Resource, StoreErrorKind};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use super::{invitation, role_index, table, tenant_of};
use crate::auth::AuthState;
use crate::auth::tokens::{secret_eq, token_hash, unix_now};
use crate::auth::user::CurrentUser;
use crate::authz::Authz;
use crate::db::{UserChange, user};
use crate::error::ApiError;

/// The caller's account row (a token without one: 401).
async fn account(auth: &AuthState, u: &CurrentUser) -> Result<user::Model, ApiError> {
    auth.config
        .accounts()
        .users
        .by_id(&auth.db, u.id)
        .await?
        .ok_or_else(ApiError::unauthenticated)
}

fn unverified() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "email_not_verified",
        "verify your e-mail address first: invitations are for verified addresses",
    )
}

fn no_invitation() -> ApiError {
    ApiError::not_found("no such invitation")
}

pub(super) async fn mine(
    user: CurrentUser,
    State(auth): State<AuthState>,
) -> Result<Json<Value>, ApiError> {
    let me = account(&auth, &user).await?;
    let Some(email) = me.email.filter(|_| me.email_verified) else {
        return Err(unverified());
    };
    let rows = invitation::Entity::find()
        .filter(invitation::Column::Email.eq(email))
        .filter(invitation::Column::Status.eq(invitation::PENDING))
        .filter(invitation::Column::ExpiresAt.gt(unix_now()))
        .order_by_asc(invitation::Column::Id)
        .all(&auth.db)
        .await?;
    let orgs = table::Entity::find()
        .filter(table::Column::Id.is_in(rows.iter().map(|r| r.org.clone())))
        .all(&auth.db)
        .await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let name = orgs.iter().find(|o| o.id == r.org).map(|o| o.name.as_str());
            json!({
                "id": r.id,
                "org": r.org,
                "name": name,
                "role": r.role,
                "invited_by": r.invited_by,
                "expires_at": r.expires_at,
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

/// The invitation `key` names, for the caller: by its mailed token (the token proves the
/// address, so an unverified account with that address may use it), or by its id for the
/// account whose verified address it was sent to. 404 when there is none for them, 403 for a
/// token sent to another address, 410 when it is no longer open.
async fn find(
    db: &impl ConnectionTrait,
    me: &user::Model,
    key: &str,
) -> Result<(invitation::Model, bool), ApiError> {
    let by_token = !(key.len() < 19 && key.bytes().all(|b| b.is_ascii_digit()));
    let row = if by_token {
        let hash = token_hash(key);
        invitation::Entity::find()
            .filter(invitation::Column::TokenHash.eq(hash.clone()))
            .one(db)
            .await?
            .filter(|r| secret_eq(&r.token_hash, &hash))
    } else {
        let id: i64 = key.parse().map_err(|_| no_invitation())?;
        invitation::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|r| me.email_verified && me.email.as_deref() == Some(r.email.as_str()))
    };
    let row = row.ok_or_else(no_invitation)?;
    if me.email.as_deref() != Some(row.email.as_str()) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "invitation_for_another_address",
            "this invitation was sent to another address: sign in with that address's account",
        ));
    }
    if row.status != invitation::PENDING {
        let (code, said) = match row.status.as_str() {
            "accepted" => (
                "invitation_used",
                "this invitation has been accepted already",
            ),
            "declined" => ("invitation_used", "this invitation has been declined"),
            "replaced" => (
                "invitation_replaced",
                "a newer invitation replaced this one: use the newest mail",
            ),
            _ => ("invitation_revoked", "this invitation has been revoked"),
        };
        return Err(ApiError::new(StatusCode::GONE, code, said));
    }
    if row.expires_at <= unix_now() {
        return Err(ApiError::new(
            StatusCode::GONE,
            "invitation_expired",
            "this invitation has expired: ask for a new one",
        ));
    }
    Ok((row, by_token))
}

/// Ends `row` as `status` if it is still pending; 410 when another request ended it first.
async fn end(
    db: &impl ConnectionTrait,
    row: &invitation::Model,
    status: &str,
    by: &str,
    now: i64,
) -> Result<(), ApiError> {
    let done = invitation::Entity::update_many()
        .col_expr(invitation::Column::Status, Expr::value(status))
        .col_expr(invitation::Column::EndedAt, Expr::value(now))
        .col_expr(invitation::Column::AcceptedBy, Expr::value(by))
        .filter(invitation::Column::Id.eq(row.id))
        .filter(invitation::Column::Status.eq(invitation::PENDING))
        .filter(invitation::Column::ExpiresAt.gt(now))
        .exec(db)
        .await?
        .rows_affected;
    if done == 1 {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::GONE,
            "invitation_used",
            "this invitation is no longer open",
        ))
    }
}

pub(super) async fn accept<M: AccessModel>(
    user: CurrentUser,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    Path(key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let t = tenant_of(&**authz.model())?;
    let me = account(&auth, &user).await?;
    if !me.active {
        return Err(ApiError::unauthenticated());
    }
    let uid = me.id.to_string();
    let (auth, authz, me, key, uid) = (&auth, &authz, &me, key.as_str(), uid.as_str());
    let _turn = auth.writers.serial().await?;
    let row = retry_writes(|| async move {
        let txn = begin_write(&auth.db).await?;
        let (row, by_token) = find(&txn, me, key).await?;
        if !by_token && !me.email_verified {
            return Err(unverified());
        }
        let role = role_index(&**authz.model(), t, &row.role).map_err(|_| {
            ApiError::new(
                StatusCode::GONE,
                "invitation_revoked",
                "the role this invitation grants no longer exists",
            )
        })?;
        let now = unix_now();
        end(&txn, &row, "accepted", uid, now).await?;
        let org = Resource::new(EntityTypeId(t.entity), &row.org);
        authz
            .stores()
            .assign_in(&txn, uid, org, role)
            .await
            .map_err(|e| match e.kind {
                StoreErrorKind::NotFound => ApiError::new(
                    StatusCode::GONE,
                    "invitation_revoked",
                    "the organization no longer exists",
                ),
                _ => ApiError::store_failed("invitations: the role failed", e),
            })?;
        if !me.email_verified {
            // The mailed token proves the address.
            auth.config
                .accounts()
                .users
                .update(&txn, me.id, UserChange::EmailVerified(true))
                .await?;
        }
        crate::admin::audit::record(
            &txn,
            &row.org,
            uid,
            "accept_invitation",
            &format!("invitation:{}", row.id),
            json!({ "status": invitation::PENDING }),
            json!({ "status": "accepted", "user": uid, "role": row.role }),
        )
        .await;
        txn.commit().await?;
        Ok::<_, ApiError>(row)
    })
    .await?;
    Ok(Json(json!({ "org": row.org, "role": row.role })))
}

pub(super) async fn decline<M: AccessModel>(
    user: CurrentUser,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    Path(key): Path<String>,
) -> Result<StatusCode, ApiError> {
    tenant_of(&**authz.model())?;
    let me = account(&auth, &user).await?;
    let uid = me.id.to_string();
    let (auth, me, key, uid) = (&auth, &me, key.as_str(), uid.as_str());
    let _turn = auth.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&auth.db).await?;
        let (row, by_token) = find(&txn, me, key).await?;
        if !by_token && !me.email_verified {
            return Err(unverified());
        }
        end(&txn, &row, "declined", uid, unix_now()).await?;
        crate::admin::audit::record(
            &txn,
            &row.org,
            uid,
            "decline_invitation",
            &format!("invitation:{}", row.id),
            json!({ "status": invitation::PENDING }),
            json!({ "status": "declined" }),
        )
        .await;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
