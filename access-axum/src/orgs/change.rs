//! `PUT /orgs/{id}/members/{user}` (a member's role), `DELETE /orgs/{id}/members/{user}` and
//! `POST /orgs/{id}/leave`: one step each in the store, which keeps the organization an owner.

use access_core::sea::{RolesSet, SeaStore};
use access_core::{AccessModel, EntityTypeId, Resource, RoleSet, TenantData};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::{
    OrgsConfig, caller_roles, direct_roles, may_manage, no_org, owners_only, require_in_org,
    role_index, role_names, tenant_of,
};
use crate::auth::AuthState;
use crate::authz::{Access, Authz};
use crate::error::{ApiError, JsonBody};

/// The body of `PUT /orgs/{id}/members/{user}`.
///
/// ```
/// use access_axum::orgs::MemberRole;
///
/// let b: MemberRole = serde_json::from_str(r#"{"role": "admin"}"#).unwrap();
/// assert_eq!(b.role, "admin");
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberRole {
    /// A role of the tenant entity type: the member's only role there afterwards.
    pub role: String,
}

fn last_owner(owner: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "last_owner",
        format!("an organization keeps at least one {owner}: make another member {owner} first"),
    )
}

/// The target's direct roles on the organization; 404 when they are not a member.
async fn member_roles<M: AccessModel>(
    authz: &Authz<M, SeaStore>,
    t: TenantData,
    id: &str,
    user: &str,
) -> Result<RoleSet, ApiError> {
    let roles = direct_roles(authz, t, user, id).await?;
    if roles.is_empty() {
        return Err(ApiError::not_found("no such member"));
    }
    Ok(roles)
}

/// One organization's change: where, by whom.
struct Change<'a, M: AccessModel> {
    auth: &'a AuthState,
    authz: &'a Authz<M, SeaStore>,
    actor: String,
    t: TenantData,
    id: &'a str,
}

impl<M: AccessModel> Change<'_, M> {
    /// Sets `user`'s roles on the organization, keeping an owner; audited as `action`.
    async fn set(&self, user: &str, roles: RoleSet, action: &str) -> Result<RoleSet, ApiError> {
        let data = self.authz.model().data();
        let entity = &data.entities[usize::from(self.t.entity)];
        let org = Resource::new(EntityTypeId(self.t.entity), self.id);
        let names = |r: RoleSet| role_names(&**self.authz.model(), self.t, r);
        let done = self
            .authz
            .stores()
            .set_roles_keeping(user, org, roles, self.t.owner)
            .await
            .map_err(|e| match e.kind {
                access_core::StoreErrorKind::NotFound => no_org(),
                _ => ApiError::store_failed("organizations: the change failed", e),
            })?;
        match done {
            RolesSet::LastHolder => Err(last_owner(&entity.roles[usize::from(self.t.owner)])),
            RolesSet::Done { before } => {
                crate::admin::audit::record(
                    &self.auth.db,
                    self.id,
                    &self.actor,
                    action,
                    &format!("{}:{}", entity.name, self.id),
                    json!({ "user": user, "roles": names(before) }),
                    json!({ "user": user, "roles": names(roles) }),
                )
                .await;
                Ok(before)
            }
        }
    }
}

pub(super) async fn put<M: AccessModel>(
    access: Access<M, SeaStore>,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    axum::Extension(cfg): axum::Extension<OrgsConfig>,
    Path((id, user)): Path<(String, String)>,
    JsonBody(body): JsonBody<MemberRole>,
) -> Result<StatusCode, ApiError> {
    let t = tenant_of(&**authz.model())?;
    let mine = caller_roles(&access, &authz, t, &id).await?;
    may_manage(&access, &authz, &cfg, t, mine, &id).await?;
    let role = usize::from(role_index(&**authz.model(), t, &body.role)?);
    let theirs = member_roles(&authz, t, &id, &user).await?;
    if role == usize::from(t.owner) || theirs.contains(usize::from(t.owner)) {
        owners_only(&access, t, mine)?;
    }
    let change = Change {
        auth: &auth,
        authz: &authz,
        actor: access.user.id.to_string(),
        t,
        id: &id,
    };
    change
        .set(&user, RoleSet::single(role), "set_member_role")
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn delete<M: AccessModel>(
    access: Access<M, SeaStore>,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    axum::Extension(cfg): axum::Extension<OrgsConfig>,
    Path((id, user)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let t = tenant_of(&**authz.model())?;
    let mine = caller_roles(&access, &authz, t, &id).await?;
    may_manage(&access, &authz, &cfg, t, mine, &id).await?;
    if member_roles(&authz, t, &id, &user)
        .await?
        .contains(usize::from(t.owner))
    {
        owners_only(&access, t, mine)?;
    }
    let change = Change {
        auth: &auth,
        authz: &authz,
        actor: access.user.id.to_string(),
        t,
        id: &id,
    };
    change.set(&user, RoleSet::EMPTY, "remove_member").await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn leave<M: AccessModel>(
    access: Access<M, SeaStore>,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    axum::Extension(cfg): axum::Extension<OrgsConfig>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let t = tenant_of(&**authz.model())?;
    let me = access.user.id.to_string();
    if caller_roles(&access, &authz, t, &id).await?.is_empty() {
        // A superuser who is no member has nothing to leave.
        return Err(no_org());
    }
    require_in_org(&access, &authz, t, cfg.leave, &id).await?;
    let change = Change {
        auth: &auth,
        authz: &authz,
        actor: me.clone(),
        t,
        id: &id,
    };
    change.set(&me, RoleSet::EMPTY, "leave").await?;
    Ok(StatusCode::NO_CONTENT)
}
