//! `GET /orgs` (the caller's organizations) and `GET /orgs/{id}/members` (an organization's
//! members, a page at a time).

use std::collections::BTreeMap;

use access_core::sea::SeaStore;
use access_core::{AccessModel, EntityTypeId, Resource, RoleSet, RoleStore};
use axum::Json;
use axum::extract::{Path, Query, State};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::{OrgsConfig, caller_roles, check_in_org, require_in_org, role_names, table, tenant_of};
use crate::auth::AuthState;
use crate::authz::{Access, Authz};
use crate::error::ApiError;

/// Most members on one page, and the page size when none is asked for.
const MAX_PER_PAGE: usize = 200;
const PER_PAGE: usize = 50;

fn store_failed(e: access_core::StoreError) -> ApiError {
    ApiError::store_failed("organizations: the store failed", e)
}

pub(super) async fn mine<M: AccessModel>(
    access: Access<M, SeaStore>,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    axum::extract::Extension(cfg): axum::extract::Extension<OrgsConfig>,
) -> Result<Json<Value>, ApiError> {
    let tenant = tenant_of(&**authz.model())?;
    let held = authz
        .stores()
        .assignments(&access.user.id.to_string())
        .await
        .map_err(store_failed)?;
    let mut orgs: Vec<(String, RoleSet)> = held
        .into_iter()
        .filter(|(r, _)| r.ty.0 == tenant.entity)
        .map(|(r, roles)| (r.id.to_string(), roles))
        .collect();
    if let Some(ent) = cfg.list.filter(|_| !access.user.superuser) {
        // Each in its own context (its plan and flags): one check per organization held.
        let mut shown = Vec::with_capacity(orgs.len());
        for (id, roles) in orgs {
            if check_in_org(&access, &authz, tenant, ent, &id)
                .await?
                .allowed
            {
                shown.push((id, roles));
            }
        }
        orgs = shown;
    }
    let ids: Vec<String> = orgs.iter().map(|(id, _)| id.clone()).collect();
    let rows = table::Entity::find()
        .filter(table::Column::Id.is_in(ids))
        .all(&auth.db)
        .await?;
    let named: BTreeMap<String, String> = rows.into_iter().map(|o| (o.id, o.name)).collect();
    let items: Vec<Value> = orgs
        .into_iter()
        .map(|(id, roles)| {
            // An organization made through the admin API or the store has no row: its id
            // stands for its name.
            let name = named.get(&id).cloned().unwrap_or_else(|| id.clone());
            json!({ "id": id, "name": name, "roles": role_names(&**authz.model(), tenant, roles) })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

pub(super) async fn list<M: AccessModel>(
    access: Access<M, SeaStore>,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    axum::extract::Extension(cfg): axum::extract::Extension<OrgsConfig>,
    Path(id): Path<String>,
    Query(params): Query<BTreeMap<String, String>>,
) -> Result<Json<Value>, ApiError> {
    let tenant = tenant_of(&**authz.model())?;
    let per_page = match params.get("per_page") {
        None => PER_PAGE,
        Some(p) => p
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_PER_PAGE).contains(n))
            .ok_or_else(|| {
                ApiError::invalid(
                    "invalid_query",
                    format!("`per_page` is a number from 1 to {MAX_PER_PAGE}"),
                )
            })?,
    };
    if let Some(k) = params.keys().find(|k| *k != "per_page" && *k != "after") {
        return Err(ApiError::invalid(
            "invalid_query",
            format!("unknown parameter `{k}`: expected `after` or `per_page`"),
        ));
    }
    let after = params.get("after").map(String::as_str);
    let org = Resource::new(EntityTypeId(tenant.entity), &id);
    let store = authz.stores();
    // Members only: anyone else learns nothing, not even whether it exists.
    caller_roles(&access, &authz, tenant, &id).await?;
    require_in_org(&access, &authz, tenant, cfg.members, &id).await?;
    let page = store
        .holders(org, after, per_page)
        .await
        .map_err(store_failed)?;
    let next = (page.len() == per_page).then(|| page.last().map(|(u, _)| u.clone()));
    // Each member's address, in one query (a holder without an account row has none).
    let ids: Vec<i64> = page.iter().filter_map(|(u, _)| u.parse().ok()).collect();
    let emails: BTreeMap<String, Option<String>> = auth
        .config
        .accounts()
        .users
        .by_ids(&auth.db, &ids)
        .await?
        .into_iter()
        .map(|u| (u.id.to_string(), u.email))
        .collect();
    let items: Vec<Value> = page
        .into_iter()
        .map(|(user, roles)| {
            let email = emails.get(&user).cloned().flatten();
            json!({ "user": user, "email": email, "roles": role_names(&**authz.model(), tenant, roles) })
        })
        .collect();
    Ok(Json(json!({ "items": items, "next": next.flatten() })))
}
