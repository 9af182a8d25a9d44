//! `POST /orgs/{id}/invitations` (invites an address, mails it a token, takes a unit of the
//! inviting entitlement's limits), `GET /orgs/{id}/invitations` (the pending ones) and
//! `DELETE /orgs/{id}/invitations/{invitation}` (revokes one).

use std::sync::Arc;

use access_core::sea::SeaStore;
use access_core::sea::write::{begin_write, retry_writes};
use access_core::{AccessModel, EntityTypeId, ReasonKind, Resource, TenantData};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    OrgsConfig, caller_roles, direct_roles, invitation, may_manage, org_context, owners_only,
    role_index, tenant_of,
};
use crate::auth::AuthState;
use crate::auth::identifiers::normalize_email;
use crate::auth::tokens::{random_token, token_hash, unix_now};
use crate::authz::{Access, Authz};
use crate::error::{ApiError, JsonBody};

/// The body of `POST /orgs/{id}/invitations`.
///
/// ```
/// use access_axum::orgs::NewInvitation;
///
/// let b: NewInvitation = serde_json::from_str(r#"{"email": "bob@example.com", "role": "admin"}"#).unwrap();
/// assert_eq!((b.email.as_str(), b.role.as_deref()), ("bob@example.com", Some("admin")));
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewInvitation {
    /// The address the token is mailed to; only the account with this verified address accepts.
    pub email: String,
    /// The role accepting grants: a role of the tenant entity; the model's tenant `member` role
    /// when left out.
    #[serde(default)]
    pub role: Option<String>,
}

/// An invitation as the organization's managers see it (no token: it is not stored).
fn shown(i: &invitation::Model) -> Value {
    json!({
        "id": i.id,
        "org": i.org,
        "email": i.email,
        "role": i.role,
        "invited_by": i.invited_by,
        "created_at": i.created_at,
        "expires_at": i.expires_at,
    })
}

/// The caller may invite to organization `id`: with [`OrgsConfig::invites_with`], the
/// entitlement there and a unit of each of its limits, charged to the organization's wallet
/// (returned, to give back if the invitation is not stored); else as they manage it.
async fn may_invite<M: AccessModel>(
    access: &Access<M, SeaStore>,
    authz: &Authz<M, SeaStore>,
    cfg: &OrgsConfig,
    t: TenantData,
    mine: access_core::RoleSet,
    id: &str,
) -> Result<
    Option<(
        access_core::AccessContext<'static, M, SeaStore>,
        access_core::Consumption,
    )>,
    ApiError,
> {
    let Some(ent) = cfg.invite else {
        may_manage(access, authz, cfg, t, mine, id).await?;
        return Ok(None);
    };
    // The organization's own wallet and plan, whichever tenant the caller's token names.
    let ctx = org_context(access, authz, id).await?;
    let org = Resource::new(EntityTypeId(t.entity), id);
    let failed = |e| ApiError::store_failed("invitations: the check failed", e);
    if let Some(used) = ctx.can_and_consume(ent, org).await.map_err(failed)? {
        return Ok(Some((ctx, used)));
    }
    let d = ctx.check(ent, org).await.map_err(failed)?;
    let limited = d.reasons.iter().any(|r| r.kind == ReasonKind::LimitReached);
    if limited || d.allowed {
        // `d.allowed`: the last unit went between the consume and the check.
        let mut e = ApiError::forbidden(&d);
        e.code = "limit_reached";
        return Err(e);
    }
    Err(ApiError::forbidden(&d))
}

pub(super) async fn create<M: AccessModel>(
    access: Access<M, SeaStore>,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    axum::Extension(cfg): axum::Extension<OrgsConfig>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<NewInvitation>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let t = tenant_of(&**authz.model())?;
    let mine = caller_roles(&access, &authz, t, &id).await?;
    let email = normalize_email(&body.email).ok_or_else(|| {
        ApiError::invalid("invalid_email", "the address is not an e-mail address")
    })?;
    let role = match (&body.role, t.member) {
        (Some(name), _) => role_index(&**authz.model(), t, name)?,
        (None, Some(member)) => member,
        (None, None) => {
            return Err(ApiError::invalid(
                "role_required",
                "name the role (the model's tenant declares no `member` role to default to)",
            ));
        }
    };
    if role == t.owner {
        owners_only(&access, t, mine)?;
    }
    // Someone already in: nothing to invite them to.
    if let Some(u) = auth
        .config
        .accounts()
        .users
        .by_email(&auth.db, &email)
        .await?
        && !direct_roles(&authz, t, &u.id.to_string(), &id)
            .await?
            .is_empty()
    {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "already_member",
            "the account with this address is a member already: change its role instead",
        ));
    }
    let used = may_invite(&access, &authz, &cfg, t, mine, &id).await?;
    let role_name = super::role_names(
        &**authz.model(),
        t,
        access_core::RoleSet::single(usize::from(role)),
    )
    .join("");
    let token = random_token();
    let stored = store(
        &auth,
        &cfg,
        &id,
        &email,
        &role_name,
        &access.user.id.to_string(),
        &token,
    )
    .await;
    let row = match stored {
        Ok(row) => row,
        Err(e) => {
            if let Some((ctx, used)) = used
                && let Err(back) = ctx.unconsume(used).await
            {
                tracing::error!(error = %back, org = %id, "invitations: the unit was not given back");
            }
            return Err(e);
        }
    };
    // The mail leaves after the answer; the token is in it and nowhere else.
    let mailer = Arc::clone(&auth.mailer);
    tokio::spawn(async move { mailer.send("invite", &email, &token).await });
    Ok((StatusCode::CREATED, Json(shown(&row))))
}

/// Stores the invitation (its token's hash), replacing a pending one of the same address to
/// the same organization, with its audit entry: one write.
async fn store(
    auth: &AuthState,
    cfg: &OrgsConfig,
    org: &str,
    email: &str,
    role: &str,
    by: &str,
    token: &str,
) -> Result<invitation::Model, ApiError> {
    let now = unix_now();
    let expires =
        now.saturating_add(i64::try_from(cfg.invitation_ttl.as_secs()).unwrap_or(i64::MAX));
    let _turn = auth.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&auth.db).await?;
        let replaced = invitation::Entity::update_many()
            .col_expr(invitation::Column::Status, Expr::value("replaced"))
            .col_expr(invitation::Column::EndedAt, Expr::value(now))
            .filter(invitation::Column::Org.eq(org))
            .filter(invitation::Column::Email.eq(email))
            .filter(invitation::Column::Status.eq(invitation::PENDING))
            .exec(&txn)
            .await?
            .rows_affected;
        let row = invitation::ActiveModel {
            org: Set(org.to_owned()),
            email: Set(email.to_owned()),
            role: Set(role.to_owned()),
            token_hash: Set(token_hash(token)),
            invited_by: Set(by.to_owned()),
            status: Set(invitation::PENDING.to_owned()),
            created_at: Set(now),
            expires_at: Set(expires),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        crate::admin::audit::record(
            &txn,
            org,
            by,
            "invite",
            &format!("invitation:{}", row.id),
            Value::Null,
            json!({ "email": email, "role": role, "replaced": replaced }),
        )
        .await;
        txn.commit().await?;
        Ok::<_, ApiError>(row)
    })
    .await
}

pub(super) async fn list<M: AccessModel>(
    access: Access<M, SeaStore>,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    axum::Extension(cfg): axum::Extension<OrgsConfig>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let t = tenant_of(&**authz.model())?;
    let mine = caller_roles(&access, &authz, t, &id).await?;
    may_manage(&access, &authz, &cfg, t, mine, &id).await?;
    let rows = invitation::Entity::find()
        .filter(invitation::Column::Org.eq(id.as_str()))
        .filter(invitation::Column::Status.eq(invitation::PENDING))
        .filter(invitation::Column::ExpiresAt.gt(unix_now()))
        .order_by_asc(invitation::Column::Id)
        .all(&auth.db)
        .await?;
    Ok(Json(
        json!({ "items": rows.iter().map(shown).collect::<Vec<_>>() }),
    ))
}

pub(super) async fn revoke<M: AccessModel>(
    access: Access<M, SeaStore>,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    axum::Extension(cfg): axum::Extension<OrgsConfig>,
    Path((id, invitation_id)): Path<(String, i64)>,
) -> Result<StatusCode, ApiError> {
    let t = tenant_of(&**authz.model())?;
    let mine = caller_roles(&access, &authz, t, &id).await?;
    let me = access.user.id.to_string();
    let gone = || ApiError::not_found("no such pending invitation");
    let row = invitation::Entity::find_by_id(invitation_id)
        .filter(invitation::Column::Org.eq(id.as_str()))
        .one(&auth.db)
        .await?
        .filter(|r| r.status == invitation::PENDING)
        .ok_or_else(gone)?;
    // Its inviter takes it back; else those who manage the members.
    if row.invited_by != me {
        may_manage(&access, &authz, &cfg, t, mine, &id).await?;
    }
    let now = unix_now();
    let (auth, me, id) = (&auth, me.as_str(), id.as_str());
    let _turn = auth.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&auth.db).await?;
        let done = invitation::Entity::update_many()
            .col_expr(invitation::Column::Status, Expr::value("revoked"))
            .col_expr(invitation::Column::EndedAt, Expr::value(now))
            .filter(invitation::Column::Id.eq(invitation_id))
            .filter(invitation::Column::Status.eq(invitation::PENDING))
            .exec(&txn)
            .await?
            .rows_affected;
        if done != 1 {
            return Err(gone());
        }
        crate::admin::audit::record(
            &txn,
            id,
            me,
            "revoke_invitation",
            &format!("invitation:{invitation_id}"),
            json!({ "status": invitation::PENDING }),
            json!({ "status": "revoked" }),
        )
        .await;
        txn.commit().await?;
        Ok(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
