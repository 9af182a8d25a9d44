//! Who may do what to an organization: membership (404 for everyone else), the configured
//! entitlements checked in the organization's own context, and the owners' own business.

use std::sync::Arc;

use access_core::sea::SeaStore;
use access_core::{
    AccessContext, AccessModel, Decision, EntitlementId, EntityTypeId, Resource, RoleSet,
    TenantData,
};
use axum::http::StatusCode;

use super::{OrgsConfig, direct_roles, no_org};
use crate::authz::{Access, Authz};
use crate::error::ApiError;

/// The caller's direct roles on the organization `id`; 404 for a non-member, who learns
/// nothing (superusers pass, with no roles).
pub(super) async fn caller_roles<M: AccessModel>(
    access: &Access<M, SeaStore>,
    authz: &Authz<M, SeaStore>,
    t: TenantData,
    id: &str,
) -> Result<RoleSet, ApiError> {
    let roles = direct_roles(authz, t, &access.user.id.to_string(), id).await?;
    if roles.is_empty() && !access.user.superuser {
        return Err(no_org());
    }
    Ok(roles)
}

/// The caller's engine context in the organization `id`: its plan, flags, wallet and grants,
/// whichever tenant the caller's token names.
pub(super) async fn org_context<M: AccessModel>(
    access: &Access<M, SeaStore>,
    authz: &Authz<M, SeaStore>,
    id: &str,
) -> Result<AccessContext<'static, M, SeaStore>, ApiError> {
    let mut p = access.ctx.principal().clone();
    p.tenant = Some(Arc::from(id));
    authz.context_for(p).await
}

/// The check of `ent` on the organization `id` in its own context ([`org_context`]).
pub(super) async fn check_in_org<M: AccessModel>(
    access: &Access<M, SeaStore>,
    authz: &Authz<M, SeaStore>,
    t: TenantData,
    ent: EntitlementId,
    id: &str,
) -> Result<Decision, ApiError> {
    let ctx = org_context(access, authz, id).await?;
    let on = Resource::new(EntityTypeId(t.entity), id);
    ctx.check(ent, on)
        .await
        .map_err(|e| ApiError::store_failed("organizations: the check failed", e))
}

/// The caller holds `ent` on the organization `id` when one is configured (superusers pass);
/// 403 with the reasons of the check otherwise.
pub(super) async fn require_in_org<M: AccessModel>(
    access: &Access<M, SeaStore>,
    authz: &Authz<M, SeaStore>,
    t: TenantData,
    ent: Option<EntitlementId>,
    id: &str,
) -> Result<(), ApiError> {
    let Some(ent) = ent else { return Ok(()) };
    if access.user.superuser {
        return Ok(());
    }
    let d = check_in_org(access, authz, t, ent, id).await?;
    if d.allowed {
        Ok(())
    } else {
        Err(ApiError::forbidden(&d))
    }
}

/// The caller may manage the organization's members: [`OrgsConfig::managed_by`]'s entitlement
/// there, or by default its owner role (superusers pass). A member who may not: 403.
pub(super) async fn may_manage<M: AccessModel>(
    access: &Access<M, SeaStore>,
    authz: &Authz<M, SeaStore>,
    cfg: &OrgsConfig,
    t: TenantData,
    mine: RoleSet,
    id: &str,
) -> Result<(), ApiError> {
    if cfg.manage.is_some() || access.user.superuser || mine.contains(usize::from(t.owner)) {
        return require_in_org(access, authz, t, cfg.manage, id).await;
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        "only the organization's owners manage its members",
    ))
}

/// Owners' business: making someone an owner, or changing an owner's roles, needs the caller
/// to be an owner there (or a superuser), whatever entitlement opens the rest. 403 otherwise.
pub(super) fn owners_only<M: AccessModel>(
    access: &Access<M, SeaStore>,
    t: TenantData,
    mine: RoleSet,
) -> Result<(), ApiError> {
    if access.user.superuser || mine.contains(usize::from(t.owner)) {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "owners_only",
        "only the organization's owners make owners or change an owner's roles",
    ))
}
