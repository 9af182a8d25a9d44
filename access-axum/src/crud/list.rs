//! `GET /`: the rows the `list` rule allows (its `where` clauses in the SQL), filtered, sorted
//! and paged ([`query`]), each redacted.

use std::collections::BTreeMap;

use access_core::schema::{Action, Schema};
use access_core::sea::row_filter;
use access_core::{AccessModel, EntityTypeId, Resource, Stores};
use axum::Json;
use axum::extract::{Extension, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::sea_query::ColumnType;
use sea_orm::{ColumnTrait as _, QueryFilter as _, QueryOrder as _, QuerySelect as _};
use serde::Deserialize;

use super::context::Ctx;
use super::hooks::{Hook, HooksExt};
use super::query;
use super::respond::{annotate, redacted, row_id};
use super::rows::row_rule_failed;
use super::table::Table;
use crate::error::ApiError;

/// Page parameters of `GET /`.
///
/// # Examples
///
/// ```
/// use access_axum::crud::PageQuery;
/// use axum::extract::Query;
///
/// let Query(q) = Query::<PageQuery>::try_from_uri(&"/products?page=3&per_page=50".parse().unwrap()).unwrap();
/// assert_eq!((q.page, q.per_page), (Some(3), Some(50)));
/// ```
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// 1-based page (default 1).
    pub page: Option<u64>,
    /// Rows per page (default 20, at most 100).
    pub per_page: Option<u64>,
}

/// Rows per page unless `per_page` says otherwise.
const PER_PAGE: u64 = 20;
/// Most rows per page.
const MAX_PER_PAGE: u64 = 100;

/// `page` and `per_page` from the query: 400 `invalid_query` for anything but a positive
/// integer or for an offset SQL cannot take.
fn paging(params: &BTreeMap<String, String>) -> Result<(u64, u64), ApiError> {
    let number = |k: &str| -> Result<Option<u64>, ApiError> {
        params
            .get(k)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| invalid_query(format!("`{k}` takes a positive integer")))
            })
            .transpose()
    };
    let per_page = number("per_page")?;
    let page = number("page")?;
    let (per_page, page) = (
        per_page.unwrap_or(PER_PAGE).clamp(1, MAX_PER_PAGE),
        page.unwrap_or(1).max(1),
    );
    // An offset SQL cannot take (or that overflows) is the caller's mistake, not a crash.
    if (page - 1)
        .checked_mul(per_page)
        .is_none_or(|o| o > i64::MAX as u64)
    {
        return Err(invalid_query("`page` is out of range"));
    }
    Ok((page, per_page))
}

fn invalid_query(msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", msg)
}

/// One page: `{ "items": [..], "page": .., "per_page": .. }`.
fn page_of(items: Vec<serde_json::Value>, page: u64, per_page: u64) -> Response {
    /// Serialized as it stands (`json!` would copy every item into a new value first).
    #[derive(serde::Serialize)]
    struct Page {
        items: Vec<serde_json::Value>,
        page: u64,
        per_page: u64,
    }
    Json(Page {
        items,
        page,
        per_page,
    })
    .into_response()
}

pub(super) async fn list<E: Table, M: AccessModel, S: Stores + 'static>(
    Extension(HooksExt(hooks)): Extension<HooksExt<E::Model, M, S>>,
    Query(params): Query<BTreeMap<String, String>>,
    c: Ctx<M, S>,
) -> Result<Response, ApiError> {
    let pctx = c.permission_ctx();
    if let Err(d) = <E::Model as Schema>::authorize_action(&pctx, Action::List).await
        // Row-dependent rules are checked per row below; others decide here.
        && !row_rule_failed(&d)
    {
        return Err(ApiError::denied(&d, c.signed_in()));
    }
    let (page, per_page) = paging(&params)?;
    // Which fields may be queried matters only when the request filters or sorts.
    let queryable = if params.keys().any(|k| k != "page" && k != "per_page") {
        <E::Model as Schema>::queryable_fields(&pctx).await
    } else {
        Vec::new()
    };
    let all: Vec<&'static str> = <E::Model as Schema>::PERMISSIONS
        .fields
        .iter()
        .map(|f| f.name)
        .collect();
    let q = query::parse::<E>(&params, &queryable, &all)?;
    hooks
        .before
        .run(Action::List, || c.hook(Action::List, None, None, None))
        .await?;
    let filter = row_filter::<E::Model>(&pctx, Action::List);
    if filter.deny_all {
        return Ok(page_of(Vec::new(), page, per_page));
    }
    let mut select = E::find().filter(filter.condition).filter(q.condition);
    let mut recheck_with = None;
    if let Some(ent) = hooks.listing {
        let Some(engine) = c.engine() else {
            return Ok(page_of(Vec::new(), page, per_page));
        };
        let acc = access_core::sea::list_accessible(engine, ent)
            .await
            .map_err(ApiError::internal)?;
        let id_field = <E::Model as Schema>::PERMISSIONS.id_field;
        let col = id_field
            .parse::<E::Column>()
            .map_err(|_| ApiError::internal("the schema's id field is not a column"))?;
        let int = matches!(
            col.def().get_column_type(),
            ColumnType::Integer | ColumnType::BigInteger | ColumnType::SmallInteger
        );
        let cond = if int {
            acc.condition_int((E::default(), col))
        } else {
            acc.condition((E::default(), col))
        };
        if !acc.exact() {
            recheck_with = Some((engine, ent));
        }
        select = select.filter(cond);
    }
    for (field, order) in &q.order {
        if let Ok(col) = field.parse::<E::Column>() {
            select = select.order_by(col, order.clone());
        }
    }
    // A stable order for paging: the id last.
    if let Ok(col) = <E::Model as Schema>::PERMISSIONS
        .id_field
        .parse::<E::Column>()
    {
        select = select.order_by_asc(col);
    }
    // The page's bounds on the statement itself (a paginator would copy the statement to add
    // them, and the copy and the original are both freed per request).
    let select = select
        .limit(per_page)
        .offset((page - 1).saturating_mul(per_page));
    let fetched = if hooks.rls {
        let txn = c.begin_read(true).await?;
        select.all(&txn).await
    } else {
        select.all(c.db()).await
    };
    let rows = fetched?;
    let mut kept = Vec::with_capacity(rows.len());
    for row in rows {
        // Rows that fail are skipped, not explained.
        let rctx = pctx.with_row(&row).verdicts_only();
        if filter.recheck
            && <E::Model as Schema>::authorize_action(&rctx, Action::List)
                .await
                .is_err()
        {
            continue;
        }
        if let Some((engine, ent)) = recheck_with {
            let data = pctx.model;
            let ty = EntityTypeId(data.entitlements[ent.0 as usize].entity);
            let id = row_id::<E::Model>(&row);
            if !engine
                .can(ent, Resource::new(ty, &id))
                .await
                .map_err(ApiError::internal)?
            {
                continue;
            }
        }
        kept.push(row);
    }
    hooks
        .after
        .run(Action::List, || Hook {
            rows: kept.clone(),
            ..c.hook::<E::Model>(Action::List, None, None, None)
        })
        .await?;
    let mut items = Vec::with_capacity(kept.len());
    for row in &kept {
        items.push(redacted(row, &pctx).await?);
    }
    annotate(&hooks, c.engine(), &pctx, &kept, &mut items).await?;
    Ok(page_of(items, page, per_page))
}
