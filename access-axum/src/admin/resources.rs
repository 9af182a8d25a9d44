//! `PUT`/`DELETE /resources/{entity}/{id}`: the tenant's part of the resource hierarchy.

use access_core::model::ModelData;
use access_core::{AccessModel, EntityTypeId, Resource, Stores};
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::context::{AdminOf, invalid, store_error};
use crate::error::{ApiError, JsonBody};

/// A resource reference in a body.
///
/// ```
/// use access_axum::admin::ResourceBody;
///
/// let r: ResourceBody = serde_json::from_str(r#"{"entity": "workspace", "id": "ws1"}"#).unwrap();
/// assert_eq!((r.entity.as_str(), r.id.as_str()), ("workspace", "ws1"));
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceBody {
    /// Entity type.
    pub entity: String,
    /// Id.
    pub id: String,
}

/// Body of `PUT /resources/{entity}/{id}`.
///
/// ```
/// use access_axum::admin::Placement;
///
/// let body = r#"{"parents": [{"entity": "organization", "id": "acme"}]}"#;
/// let p: Placement = serde_json::from_str(body).unwrap();
/// assert_eq!(p.parents[0].id, "acme");
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// The new parents (empty: a root; only the tenant's own resource can be one).
    pub parents: Vec<ResourceBody>,
}

/// The direct parents of a resource, named as audit targets are (`workspace:design`).
async fn parents_of<S: Stores>(data: &ModelData, s: &S, ty: EntityTypeId, id: &str) -> Value {
    match s.ancestors(Resource::new(ty, id)).await {
        Ok(a) => json!(
            a.iter()
                .filter(|(_, d)| *d == 1)
                .map(|(r, _)| {
                    let entity = data
                        .entities
                        .get(r.ty.0 as usize)
                        .map_or_else(|| format!("#{}", r.ty.0), |e| e.name.to_string());
                    format!("{entity}:{}", r.id)
                })
                .collect::<Vec<_>>()
        ),
        Err(_) => Value::Null,
    }
}

/// Creates (201) or moves (200) a resource of the tenant.
pub(super) async fn put<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entity, id)): Path<(String, String)>,
    JsonBody(body): JsonBody<Placement>,
) -> Result<StatusCode, ApiError> {
    let ty = a.entity(&entity)?;
    let mut parents = Vec::with_capacity(body.parents.len());
    for p in &body.parents {
        let pt = a.entity(&p.entity)?;
        a.in_tenant(pt, &p.id).await?;
        parents.push((EntityTypeId(pt), p.id.as_str()));
    }
    if parents.is_empty() && !(ty == a.tenant_type && id == a.tenant) {
        return Err(invalid(
            "a resource of the tenant needs a parent in the tenant",
        ));
    }
    let stores = a.ctx.stores();
    let this = Resource::new(EntityTypeId(ty), &id);
    let exists = stores.ancestors(this).await.is_ok();
    // A resource that exists must be the tenant's; a new one is placed under the tenant's
    // parents checked above (or is the tenant's own resource).
    let before = if exists {
        a.in_tenant(ty, &id).await?;
        parents_of(a.data(), stores, EntityTypeId(ty), &id).await
    } else {
        Value::Null
    };
    let ps: Vec<Resource<'_>> = parents.iter().map(|(t, i)| Resource::new(*t, i)).collect();
    if exists {
        stores.set_parents(this, &ps).await
    } else {
        stores.add_resource(this, &ps).await
    }
    .map_err(store_error)?;
    let after = parents_of(a.data(), stores, EntityTypeId(ty), &id).await;
    let action = if exists { "move" } else { "create" };
    a.record(action, &format!("{entity}:{id}"), before, after)
        .await;
    Ok(if exists {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    })
}

/// Deletes a resource of the tenant (its children lose it as a parent).
pub(super) async fn delete<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entity, id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let ty = a.entity(&entity)?;
    if ty == a.tenant_type && id == a.tenant {
        return Err(invalid(
            "the tenant's own resource cannot be deleted through its admin API",
        ));
    }
    a.in_tenant(ty, &id).await?;
    let stores = a.ctx.stores();
    let before = parents_of(a.data(), stores, EntityTypeId(ty), &id).await;
    stores
        .remove_resource(Resource::new(EntityTypeId(ty), &id))
        .await
        .map_err(store_error)?;
    a.record("delete", &format!("{entity}:{id}"), before, Value::Null)
        .await;
    Ok(StatusCode::NO_CONTENT)
}
