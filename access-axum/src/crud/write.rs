//! `POST /`, `PATCH /{id}` and `DELETE /{id}`. The rule of a write holds for the row before
//! and after it (PostgreSQL's `USING` and `WITH CHECK`): update and delete load the row and
//! write it in one transaction, the statement carries the id and the row rule, and the row as
//! stored must still satisfy the rule before the commit. After-hooks run in the transaction.
//!
//! Each write's transaction is a writer from its start (`BEGIN IMMEDIATE` on SQLite, `READ
//! COMMITTED` on PostgreSQL, whose re-check of the `UPDATE`'s and `DELETE`'s conditions on the
//! latest row is what the rule needs) and runs again, from `BEGIN` to `COMMIT` (before-hooks
//! and after-hooks included), when it fails for contention (`retry_writes`); contention that
//! outlasts the attempts is a 503 with `Retry-After`, never a 4xx. A write waits for its turn
//! among the writers the app admits at once ([`crate::db::Writers`]) before it begins: its rules
//! read the engine's store through the same pool while its transaction holds a connection.

use access_core::schema::{Action, PermissionCtx, Schema};
use access_core::sea::row_filter;
use access_core::sea::write::retry_writes;
use access_core::{AccessModel, Stores};
use axum::Json;
use axum::extract::{Extension, Path, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::{
    ActiveModelTrait as _, ConnectionTrait as _, IntoActiveModel as _, QueryFilter as _,
};

use super::context::Ctx;
use super::hooks::{Hooks, HooksExt};
use super::respond::{invalid_body, redacted, write_failed};
use super::rows::{
    BodyRow, absent, authorize_row, id_condition, load, no_such_row, row_rule_failed,
};
use super::table::Table;
use crate::error::{ApiError, read_json};

/// The body as JSON, within the configured size limit.
async fn body_json<M: AccessModel, S: Stores + 'static>(
    c: &Ctx<M, S>,
    req: Request,
) -> Result<serde_json::Value, ApiError> {
    let (parts, body) = req.into_parts();
    read_json(&parts.headers, body, c.body_limit()).await
}

pub(super) async fn create<E: Table, M: AccessModel, S: Stores + 'static>(
    Extension(HooksExt(hooks)): Extension<HooksExt<E::Model, M, S>>,
    c: Ctx<M, S>,
    req: Request,
) -> Result<Response, ApiError> {
    let pctx = c.permission_ctx();
    // Refused whatever the row (no role, not signed in): answered before reading the body.
    // A rule with `where` clauses is then checked on the row the body describes.
    if let Err(d) = <E::Model as Schema>::authorize_action(&pctx, Action::Create).await
        && !row_rule_failed(&d)
    {
        return Err(ApiError::denied(&d, c.signed_in()));
    }
    let json = body_json(&c, req).await?;
    // The new row must satisfy the create rule (PostgreSQL's `WITH CHECK`): a member cannot
    // create a row in another tenant or in someone else's name.
    let proposed = BodyRow(json.clone());
    let mut bctx = pctx.clone();
    bctx.row = Some(&proposed);
    if let Err(d) = <E::Model as Schema>::authorize_action(&bctx, Action::Create).await {
        // Rows compared with the caller (`user.id`, `user.tenant_id`) need one: signing in is
        // what would change the answer.
        if !c.signed_in() {
            return Err(ApiError::unauthenticated());
        }
        return Err(ApiError::denied(&d, true));
    }
    let denied = <E::Model as Schema>::check_write(&json, None, &pctx).await;
    if !denied.is_empty() {
        return Err(ApiError::forbidden_fields(denied));
    }
    hooks
        .before
        .run(Action::Create, || {
            c.hook::<E::Model>(Action::Create, None, None, Some(&json))
        })
        .await?;
    // The body must describe a row before any transaction starts.
    E::ActiveModel::from_json(json.clone())
        .map_err(|_| invalid_body("the body does not describe a row"))?;
    let (cr, pr, hr, jr) = (&c, &pctx, &*hooks, &json);
    let _turn = c.writer().await?;
    let row = retry_writes(|| insert_once::<E, M, S>(cr, pr, hr, jr)).await?;
    let v = redacted(&row, &pctx).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// One attempt of a create: insert, check the stored row, after-hooks, commit.
async fn insert_once<E: Table, M: AccessModel, S: Stores + 'static>(
    c: &Ctx<M, S>,
    pctx: &PermissionCtx<'_>,
    hooks: &Hooks<E::Model, M, S>,
    json: &serde_json::Value,
) -> Result<E::Model, ApiError> {
    let am = E::ActiveModel::from_json(json.clone())
        .map_err(|_| invalid_body("the body does not describe a row"))?;
    let txn = c.begin_write(hooks.rls).await?;
    let row = am.insert(&txn).await.map_err(|e| write_failed(&e))?;
    // As stored (with the database's defaults), the row still satisfies the rule; otherwise
    // the transaction is dropped, which rolls the insert back.
    if let Err(d) =
        <E::Model as Schema>::authorize_action(&pctx.with_row(&row), Action::Create).await
    {
        return Err(ApiError::denied(&d, c.signed_in()));
    }
    hooks
        .after
        .run_then_commit(txn, Action::Create, || {
            c.hook(Action::Create, None, Some(&row), Some(json))
        })
        .await?;
    Ok(row)
}

pub(super) async fn update<E: Table, M: AccessModel, S: Stores + 'static>(
    Extension(HooksExt(hooks)): Extension<HooksExt<E::Model, M, S>>,
    Path(id): Path<String>,
    c: Ctx<M, S>,
    req: Request,
) -> Result<Response, ApiError> {
    let pctx = c.permission_ctx();
    // The body first: no transaction (and pooled connection) waits on a slow client.
    let patch = body_json(&c, req).await?;
    let (cr, pr, hr, ir, br) = (&c, &pctx, &*hooks, id.as_str(), &patch);
    let _turn = c.writer().await?;
    let updated = retry_writes(|| update_once::<E, M, S>(cr, pr, hr, ir, br)).await?;
    let v = redacted(&updated, &pctx).await?;
    Ok(Json(v).into_response())
}

/// One attempt of an update: load and write in one transaction, check the row as written,
/// after-hooks, commit.
async fn update_once<E: Table, M: AccessModel, S: Stores + 'static>(
    c: &Ctx<M, S>,
    pctx: &PermissionCtx<'_>,
    hooks: &Hooks<E::Model, M, S>,
    id: &str,
    patch: &serde_json::Value,
) -> Result<E::Model, ApiError> {
    let txn = c.begin_write(hooks.rls).await?;
    let Some(row) = load::<E, E::Model, _>(&txn, pctx, Action::Update, id).await? else {
        return Err(absent::<E::Model>(pctx, Action::Update, c.signed_in()).await);
    };
    authorize_row(pctx, &row, Action::Update, c.signed_in()).await?;
    let denied = <E::Model as Schema>::check_write(patch, Some(&row), pctx).await;
    if !denied.is_empty() {
        return Err(ApiError::forbidden_fields(denied));
    }
    let mut am = row.clone().into_active_model();
    am.set_from_json(patch.clone())
        .map_err(|_| invalid_body("the body does not fit the row"))?;
    keep_unchanged_key::<E>(&mut am, &row);
    hooks
        .before
        .run(Action::Update, || {
            c.hook(Action::Update, Some(id), Some(&row), Some(patch))
        })
        .await?;
    // The write carries the id and the row rule: a row that stopped matching is not written.
    let filter = row_filter::<E::Model>(pctx, Action::Update);
    let by_id = id_condition::<E, E::Model>(id).ok_or_else(no_such_row)?;
    let write = E::update_many()
        .set(am)
        .filter(by_id.clone())
        .filter(filter.condition);
    // The row as written: in the UPDATE's own statement where the database can (`RETURNING`),
    // else read back. Not under row-level security, where PostgreSQL would hold `RETURNING`
    // to the select policy and fail the statement where the read-back finds no row.
    let updated = if txn.support_returning() && !hooks.rls {
        let rows = write
            .exec_with_returning(&txn)
            .await
            .map_err(|e| write_failed(&e))?;
        rows.into_iter().next().ok_or_else(no_such_row)?
    } else {
        let res = write.exec(&txn).await.map_err(|e| write_failed(&e))?;
        if res.rows_affected == 0 {
            return Err(no_such_row());
        }
        E::find()
            .filter(by_id)
            .one(&txn)
            .await?
            .ok_or_else(no_such_row)?
    };
    // The changed row must still satisfy the update rule (PostgreSQL's `WITH CHECK`): a row
    // cannot be moved out of the caller's reach, into another tenant say. Dropping the
    // transaction rolls the write back.
    if let Err(d) =
        <E::Model as Schema>::authorize_action(&pctx.with_row(&updated), Action::Update).await
    {
        return Err(ApiError::denied(&d, c.signed_in()));
    }
    hooks
        .after
        .run_then_commit(txn, Action::Update, || {
            c.hook(Action::Update, Some(id), Some(&updated), Some(patch))
        })
        .await?;
    Ok(updated)
}

pub(super) async fn remove<E: Table, M: AccessModel, S: Stores + 'static>(
    Extension(HooksExt(hooks)): Extension<HooksExt<E::Model, M, S>>,
    Path(id): Path<String>,
    c: Ctx<M, S>,
) -> Result<StatusCode, ApiError> {
    let pctx = c.permission_ctx();
    let (cr, pr, hr, ir) = (&c, &pctx, &*hooks, id.as_str());
    let _turn = c.writer().await?;
    retry_writes(|| remove_once::<E, M, S>(cr, pr, hr, ir)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One attempt of a delete: load, before-hooks, delete, after-hooks, commit.
async fn remove_once<E: Table, M: AccessModel, S: Stores + 'static>(
    c: &Ctx<M, S>,
    pctx: &PermissionCtx<'_>,
    hooks: &Hooks<E::Model, M, S>,
    id: &str,
) -> Result<(), ApiError> {
    let txn = c.begin_write(hooks.rls).await?;
    let Some(row) = load::<E, E::Model, _>(&txn, pctx, Action::Delete, id).await? else {
        return Err(absent::<E::Model>(pctx, Action::Delete, c.signed_in()).await);
    };
    authorize_row(pctx, &row, Action::Delete, c.signed_in()).await?;
    let hook = || c.hook(Action::Delete, Some(id), Some(&row), None);
    hooks.before.run(Action::Delete, hook).await?;
    let filter = row_filter::<E::Model>(pctx, Action::Delete);
    let by_id = id_condition::<E, E::Model>(id).ok_or_else(no_such_row)?;
    // A row still referenced is refused by its cause (a foreign key: 422), not a 500.
    let res = E::delete_many()
        .filter(by_id)
        .filter(filter.condition)
        .exec(&txn)
        .await
        .map_err(|e| write_failed(&e))?;
    if res.rows_affected == 0 {
        return Err(no_such_row());
    }
    hooks.after.run_then_commit(txn, Action::Delete, hook).await
}

/// A primary key the patch leaves as it was is not written again (`SET id = ?` would rewrite the
/// key's index entry: on SQLite a page write and a sync on every update, even of one other
/// column). Only when another column is written, so the statement always sets something.
fn keep_unchanged_key<E: Table>(am: &mut <E as sea_orm::EntityTrait>::ActiveModel, row: &E::Model) {
    use sea_orm::{IdenStatic as _, Iterable as _, ModelTrait as _, PrimaryKeyToColumn as _};
    let keys: Vec<<E as sea_orm::EntityTrait>::Column> =
        <E as sea_orm::EntityTrait>::PrimaryKey::iter()
            .map(|k| k.into_column())
            .collect();
    let is_key =
        |c: &<E as sea_orm::EntityTrait>::Column| keys.iter().any(|k| k.as_str() == c.as_str());
    let other_written =
        <E as sea_orm::EntityTrait>::Column::iter().any(|c| !is_key(&c) && am.get(c).is_set());
    if !other_written {
        return;
    }
    for k in keys {
        if am.get(k).into_value() == Some(row.get(k)) {
            am.not_set(k);
        }
    }
}
