//! `GET /{id}`: the row if the `read` rule allows it (404 for rows outside a row rule),
//! redacted.

use access_core::schema::Action;
use access_core::{AccessModel, Stores};
use axum::Json;
use axum::extract::{Extension, Path};
use axum::response::{IntoResponse, Response};

use super::context::Ctx;
use super::hooks::HooksExt;
use super::respond::{annotate, redacted};
use super::rows::{absent, authorize_row, load};
use super::table::Table;
use crate::error::ApiError;

pub(super) async fn read<E: Table, M: AccessModel, S: Stores + 'static>(
    Extension(HooksExt(hooks)): Extension<HooksExt<E::Model, M, S>>,
    Path(id): Path<String>,
    c: Ctx<M, S>,
) -> Result<Response, ApiError> {
    let pctx = c.permission_ctx();
    let loaded = if hooks.rls {
        let txn = c.begin_read(true).await?;
        load::<E, E::Model, _>(&txn, &pctx, Action::Read, &id).await?
    } else {
        load::<E, E::Model, _>(c.db(), &pctx, Action::Read, &id).await?
    };
    let Some(row) = loaded else {
        // As update and delete: a refusal whatever the row (a second factor too old, a role)
        // says so; a row rule that drops the row is a 404.
        return Err(absent::<E::Model>(&pctx, Action::Read, c.signed_in()).await);
    };
    authorize_row(&pctx, &row, Action::Read, c.signed_in()).await?;
    let hook = || c.hook(Action::Read, Some(&id), Some(&row), None);
    hooks.before.run(Action::Read, hook).await?;
    hooks.after.run(Action::Read, hook).await?;
    let mut item = [redacted(&row, &pctx).await?];
    annotate(
        &hooks,
        c.engine(),
        &pctx,
        std::slice::from_ref(&row),
        &mut item,
    )
    .await?;
    let [v] = item;
    Ok(Json(v).into_response())
}
