//! `POST /roles`, `DELETE /roles/{entity}/{name}` (dynamic mode): the tenant's custom roles.

use access_core::{AccessModel, Stores};
use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::context::AdminOf;
use crate::error::{ApiError, JsonBody};

/// Body of `POST /roles`: a custom role made of entitlements of its entity type.
///
/// ```
/// use access_axum::admin::NewRole;
///
/// let body = r#"{"entity": "project", "name": "auditor", "entitlements": ["project:read"]}"#;
/// let role: NewRole = serde_json::from_str(body).unwrap();
/// assert_eq!((role.entity.as_str(), role.name.as_str()), ("project", "auditor"));
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRole {
    /// The entity type.
    pub entity: String,
    /// The role's name.
    pub name: String,
    /// Entitlements of that entity type.
    #[serde(default)]
    pub entitlements: Vec<String>,
}

/// Creates a custom role: 201 with its index.
pub(super) async fn create<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    JsonBody(body): JsonBody<NewRole>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let dynamic = a.dynamic()?;
    let ents: Vec<&str> = body.entitlements.iter().map(String::as_str).collect();
    let index = dynamic
        .create_role(&a.tenant, &body.entity, &body.name, &ents, &a.actor)
        .await?;
    let after = json!({
        "entity": body.entity,
        "name": body.name,
        "index": index,
        "entitlements": body.entitlements,
    });
    a.record(
        "create_role",
        &format!("role:{}:{}", body.entity, body.name),
        Value::Null,
        after.clone(),
    )
    .await;
    Ok((StatusCode::CREATED, Json(after)))
}

/// Deletes a custom role: it grants nothing from then on.
pub(super) async fn delete<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entity, name)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    a.dynamic()?
        .delete_role(&a.tenant, &entity, &name, &a.actor)
        .await?;
    a.record(
        "delete_role",
        &format!("role:{entity}:{name}"),
        json!({ "name": name }),
        Value::Null,
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}
