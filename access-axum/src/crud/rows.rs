//! One row by its id under the action's row rule, and the answers for a row the caller may not
//! act on: 404 for a row outside a row rule, 401/403 with the reasons for other refusals.

use access_core::schema::{Action, FieldValue, PermissionCtx, RowFields, Schema};
use access_core::sea::{SeaOrmSchema, row_filter};
use access_core::{Denial, ReasonKind};
use sea_orm::{ColumnTrait as _, Condition, ConnectionTrait, EntityTrait, QueryFilter as _};

use super::table::CrudModel;
use crate::error::ApiError;

/// A request body as the row it proposes, for the `where` clauses of a create rule: numbers,
/// strings and booleans compare as the row's fields would; anything else (or a missing field)
/// is null, which no `where` clause on a value matches.
pub(super) struct BodyRow(pub(super) serde_json::Value);

impl RowFields for BodyRow {
    fn field(&self, field: &str) -> FieldValue<'_> {
        match self.0.get(field) {
            Some(serde_json::Value::Number(n)) => {
                n.as_i64().map_or(FieldValue::Null, FieldValue::Int)
            }
            Some(serde_json::Value::String(s)) => FieldValue::Str(s),
            Some(serde_json::Value::Bool(b)) => FieldValue::Bool(*b),
            _ => FieldValue::Null,
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// Whether a row rule (rather than a role, say) refused.
pub(super) fn row_rule_failed(d: &Denial) -> bool {
    d.reasons
        .iter()
        .any(|r| r.kind == ReasonKind::RowRuleFailed)
}

/// 404 `not_found` for a row the caller may not see or that does not exist.
pub(super) fn no_such_row() -> ApiError {
    ApiError::not_found("no such row")
}

/// The action on this row: a row rule that fails is a 404 (the row is not the caller's to see),
/// any other refusal a 401/403 with the reasons.
pub(super) async fn authorize_row<T: Schema + Sync>(
    pctx: &PermissionCtx<'_>,
    row: &T,
    action: Action,
    signed_in: bool,
) -> Result<(), ApiError> {
    match T::authorize_action(&pctx.with_row(row), action).await {
        Ok(()) => Ok(()),
        Err(d) if row_rule_failed(&d) => Err(no_such_row()),
        Err(d) => Err(ApiError::denied(&d, signed_in)),
    }
}

/// No row to act on: not found, unless the action itself is refused whatever the row. A rule
/// that needs the row to be decided (a `where` clause, an `entitlement(..)` on the row's
/// resource) is not a refusal of a row that does not exist.
pub(super) async fn absent<T: Schema>(
    pctx: &PermissionCtx<'_>,
    action: Action,
    signed_in: bool,
) -> ApiError {
    match T::authorize_action(pctx, action).await {
        Err(d)
            if !row_rule_failed(&d)
                && !d
                    .reasons
                    .iter()
                    .all(|r| r.kind == ReasonKind::ResourceRequired) =>
        {
            ApiError::denied(&d, signed_in)
        }
        _ => no_such_row(),
    }
}

/// `WHERE id = ..`; `None` for an id no row can have (a 404).
pub(super) fn id_condition<E: EntityTrait, T: SeaOrmSchema<Entity = E>>(
    id: &str,
) -> Option<Condition> {
    // No stored id holds a NUL (PostgreSQL refuses the comparison itself): a 404.
    if id.contains('\0') {
        return None;
    }
    let field = T::PERMISSIONS.id_field;
    let col = field.parse::<E::Column>().ok()?;
    let v = T::sql_value(field, id)?;
    Some(Condition::all().add(col.eq(v)))
}

/// Loads the row with the id and the action's row filter; `None` is a 404.
pub(super) async fn load<E, T, C: ConnectionTrait>(
    db: &C,
    pctx: &PermissionCtx<'_>,
    action: Action,
    id: &str,
) -> Result<Option<T>, ApiError>
where
    E: EntityTrait<Model = T>,
    T: CrudModel<E>,
{
    let Some(by_id) = id_condition::<E, T>(id) else {
        return Ok(None);
    };
    let filter = row_filter::<T>(pctx, action);
    if filter.deny_all {
        return Ok(None);
    }
    E::find()
        .filter(by_id)
        .filter(filter.condition)
        .one(db)
        .await
        .map_err(ApiError::from)
}
