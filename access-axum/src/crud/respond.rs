//! What the routes answer beyond [`ApiError`]: rows as JSON with `__access`
//! ([`Crud::row_access`](super::Crud::row_access), [`Crud::row_actions`](super::Crud::row_actions)),
//! and a write the database refused, by its cause.

use access_core::schema::{FieldValue, PermissionCtx, Schema};
use access_core::{AccessContext, AccessModel, EntitlementId, EntityTypeId, Resource, Stores};

use super::hooks::Hooks;
use crate::error::ApiError;

/// A write the database refused, by its cause ([`ApiError::database`]): a unique value taken
/// 409, a missing referenced row or a value the column does not take 422 naming the field
/// where known, contention or no connection 503 with `Retry-After`, anything else 500. Never
/// the database's text, which goes to the log.
pub(super) fn write_failed(e: &sea_orm::DbErr) -> ApiError {
    ApiError::database(e)
}

/// 422 `invalid_body`.
pub(super) fn invalid_body(msg: impl Into<String>) -> ApiError {
    ApiError::invalid("invalid_body", msg)
}

/// The row as the caller may see it.
pub(super) async fn redacted<T: Schema + serde::Serialize + Sync>(
    row: &T,
    pctx: &PermissionCtx<'_>,
) -> Result<serde_json::Value, ApiError> {
    row.redact(pctx).await.map_err(ApiError::internal)
}

/// The row's id as text (from its JSON form).
pub(super) fn row_id<T: serde::Serialize + Schema>(row: &T) -> String {
    let id_field = <T as Schema>::PERMISSIONS.id_field;
    // The derive exposes the id field when rules need it: read it without serializing the row.
    match row.field(id_field) {
        FieldValue::Str(s) => return s.to_owned(),
        FieldValue::Int(i) => return i.to_string(),
        FieldValue::Bool(_) | FieldValue::Null => {}
    }
    match serde_json::to_value(row)
        .ok()
        .and_then(|v| v.get(id_field).cloned())
    {
        Some(serde_json::Value::String(s)) => s,
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// Adds `__access` to each item (the rows' JSON, in the order of `rows`):
/// [`Crud::row_access`](super::Crud::row_access)'s entitlements through `can_all`,
/// [`Crud::row_actions`](super::Crud::row_actions)' rules per row.
pub(super) async fn annotate<T, M, S>(
    hooks: &Hooks<T, M, S>,
    engine: Option<&AccessContext<'static, M, S>>,
    pctx: &PermissionCtx<'_>,
    rows: &[T],
    items: &mut [serde_json::Value],
) -> Result<(), ApiError>
where
    T: Schema + serde::Serialize + Sync,
    M: AccessModel,
    S: Stores + 'static,
{
    if hooks.row_access.is_empty() && hooks.row_actions.is_empty() {
        return Ok(());
    }
    let data = pctx.model;
    let n = hooks.row_access.len();
    let mut verdicts = vec![false; rows.len() * n];
    if let Some(engine) = engine.filter(|_| n > 0) {
        let ids: Vec<String> = rows.iter().map(row_id).collect();
        let pairs: Vec<(EntitlementId, Resource<'_>)> = ids
            .iter()
            .flat_map(|id| {
                hooks.row_access.iter().map(move |e| {
                    let ty = data
                        .entitlements
                        .get(e.0 as usize)
                        .map_or(u16::MAX, |d| d.entity);
                    (*e, Resource::new(EntityTypeId(ty), id))
                })
            })
            .collect();
        for (c, chunk) in pairs.chunks(access_core::MAX_BATCH).enumerate() {
            let answers = engine.can_all(chunk).await.map_err(ApiError::internal)?;
            let at = c * access_core::MAX_BATCH;
            for (slot, ok) in verdicts[at..].iter_mut().zip(answers) {
                *slot = ok;
            }
        }
    }
    for (i, (row, item)) in rows.iter().zip(items.iter_mut()).enumerate() {
        let mut meta = serde_json::Map::new();
        for (k, e) in hooks.row_access.iter().enumerate() {
            if let Some(d) = data.entitlements.get(e.0 as usize) {
                meta.insert(d.name.to_string(), verdicts[i * n + k].into());
            }
        }
        if !hooks.row_actions.is_empty() {
            let rctx = pctx.with_row(row).verdicts_only();
            for a in &hooks.row_actions {
                let ok = T::authorize_action(&rctx, *a).await.is_ok();
                meta.insert(a.as_str().into(), ok.into());
            }
        }
        if let Some(obj) = item.as_object_mut() {
            obj.insert("__access".into(), meta.into());
        }
    }
    Ok(())
}
