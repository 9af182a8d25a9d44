//! `PUT`/`DELETE /assignments/{entity}/{id}/{role}/{user}`: a user's roles (model or custom) on
//! a resource of the tenant, with an optional validity window.

use access_core::{
    AccessModel, EntityTypeId, Grants, Resource, StoreError, StoreErrorKind, Stores,
};
use axum::body::Bytes;
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::context::{Admin, AdminOf, invalid, optional_json, store_error};
use crate::error::ApiError;

/// Optional validity window of an assignment: the body of
/// `PUT /assignments/{entity}/{id}/{role}/{user}` (an empty body is no window).
///
/// ```
/// use access_axum::admin::Window;
///
/// let w: Window = serde_json::from_str(r#"{"from": 1700000000, "until": 1800000000}"#).unwrap();
/// assert_eq!((w.from, w.until), (Some(1_700_000_000), Some(1_800_000_000)));
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// From (Unix seconds, inclusive).
    pub from: Option<i64>,
    /// Until (Unix seconds, exclusive).
    pub until: Option<i64>,
}

/// The entity type and the role named in the path, on a resource of the tenant.
async fn assignment<M: AccessModel, S: Stores + 'static>(
    a: &Admin<M, S>,
    entity: &str,
    id: &str,
    role: &str,
) -> Result<(EntityTypeId, u16), ApiError> {
    let ty = a.entity(entity)?;
    let r = match a.grants().await? {
        Some(g) => g.role(a.data(), ty, role)?,
        None => Grants::new(a.data()).role(a.data(), ty, role)?,
    };
    a.in_tenant(ty, id).await?;
    Ok((EntityTypeId(ty), r))
}

/// A store error of a role write. The role was resolved by name, so a store refusing a custom
/// role (an index past the model's roles) is the server's configuration, not the request's: a
/// store used with custom roles is built with `with_custom_roles()`.
fn role_write_failed<M: AccessModel, S: Stores + 'static>(
    a: &Admin<M, S>,
    ty: EntityTypeId,
    role: u16,
    e: StoreError,
) -> ApiError {
    let model_roles = a
        .data()
        .entities
        .get(usize::from(ty.0))
        .map_or(0, |e| e.roles.len());
    if e.kind == StoreErrorKind::InvalidRequest && usize::from(role) >= model_roles {
        return ApiError::authorization_failed(
            "admin: the store refused a custom role; build it with `with_custom_roles()`",
            e,
        );
    }
    store_error(e)
}

/// Whether `user` holds `role` directly on the resource.
async fn held<M: AccessModel, S: Stores + 'static>(
    a: &Admin<M, S>,
    user: &str,
    ty: EntityTypeId,
    id: &str,
    role: u16,
) -> bool {
    crate::authz::roles_on(a.ctx.stores(), user, Resource::new(ty, id))
        .await
        .is_ok_and(|roles| roles.contains(role as usize))
}

pub(super) async fn assign<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entity, id, role, user)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let w: Window = optional_json(&body)?;
    let (ty, r) = assignment(&a, &entity, &id, &role).await?;
    if let (Some(f), Some(u)) = (w.from, w.until)
        && f >= u
    {
        return Err(invalid("`from` must be before `until`"));
    }
    let before = held(&a, &user, ty, &id, r).await;
    a.ctx
        .stores()
        .assign_during(&user, Resource::new(ty, &id), r, w.from, w.until)
        .await
        .map_err(|e| role_write_failed(&a, ty, r, e))?;
    a.record(
        "assign",
        &format!("{entity}:{id}"),
        json!({ "user": user, "role": role, "held": before }),
        json!({ "user": user, "role": role, "held": true, "from": w.from, "until": w.until }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn unassign<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entity, id, role, user)): Path<(String, String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let (ty, r) = assignment(&a, &entity, &id, &role).await?;
    let before = held(&a, &user, ty, &id, r).await;
    a.ctx
        .stores()
        .revoke(&user, Resource::new(ty, &id), r)
        .await
        .map_err(|e| role_write_failed(&a, ty, r, e))?;
    a.record(
        "revoke",
        &format!("{entity}:{id}"),
        json!({ "user": user, "role": role, "held": before }),
        json!({ "user": user, "role": role, "held": false }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
