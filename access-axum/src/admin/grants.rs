//! `GET /grants`, `PUT`/`DELETE /grants/{entitlement}/{role}` (dynamic mode): which roles of
//! the tenant are given which entitlements.

use access_core::model::ModelData;
use access_core::{AccessModel, EntitlementId, Grants, Stores};
use axum::Json;
use axum::extract::Path;
use serde_json::{Value, json};

use super::context::{Admin, AdminOf};
use crate::error::ApiError;

/// Every entitlement with the roles it is given to and the roles that grant it; the custom
/// roles.
fn grants_json(data: &ModelData, g: &Grants) -> Value {
    let entitlements: Vec<Value> = data
        .entitlements
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let id = EntitlementId(i as u16);
            json!({
                "entitlement": &*e.name,
                "entity": &*data.entities[e.entity as usize].name,
                "roles": g.role_names(data, e.entity, g.listed(id).unwrap_or_default()),
                "granted_by": g.role_names(data, e.entity, g.granting(id).unwrap_or_default()),
            })
        })
        .collect();
    let custom: Vec<Value> = g
        .custom_roles()
        .iter()
        .filter(|c| !c.deleted)
        .map(|c| {
            json!({
                "entity": &*data.entities[c.entity.0 as usize].name,
                "name": c.name,
                "index": c.index,
                "entitlements": g.entitlements_of(data, c.entity.0, c.index as usize),
            })
        })
        .collect();
    json!({ "entitlements": entitlements, "custom_roles": custom })
}

/// The roles `entitlement` is given to in `g` (`None` for an unknown entitlement).
fn given_to(data: &ModelData, g: &Grants, entitlement: &str) -> Option<Vec<String>> {
    let ei = data.entitlement_index(entitlement)?;
    let e = &data.entitlements[ei as usize];
    Some(g.role_names(data, e.entity, g.listed(EntitlementId(ei))?))
}

pub(super) async fn list<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
) -> Result<Json<Value>, ApiError> {
    let g = a.dynamic()?.tenant(&a.tenant).await?;
    Ok(Json(grants_json(a.data(), &g)))
}

async fn set<M: AccessModel, S: Stores + 'static>(
    a: Admin<M, S>,
    entitlement: String,
    role: String,
    on: bool,
) -> Result<Json<Value>, ApiError> {
    let dynamic = a.dynamic()?;
    let data = a.data();
    let before = dynamic
        .tenant(&a.tenant)
        .await
        .ok()
        .and_then(|g| given_to(data, &g, &entitlement));
    let g = if on {
        dynamic
            .grant(&a.tenant, &entitlement, &role, &a.actor)
            .await?
    } else {
        dynamic
            .revoke(&a.tenant, &entitlement, &role, &a.actor)
            .await?
    };
    // The change was accepted, so the entitlement is known.
    let after = given_to(data, &g, &entitlement).unwrap_or_default();
    a.record(
        if on { "grant" } else { "ungrant" },
        &format!("entitlement:{entitlement}"),
        json!({ "roles": before }),
        json!({ "roles": after }),
    )
    .await;
    Ok(Json(grants_json(data, &g)))
}

pub(super) async fn grant<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entitlement, role)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    set(a, entitlement, role, true).await
}

pub(super) async fn revoke<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entitlement, role)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    set(a, entitlement, role, false).await
}
