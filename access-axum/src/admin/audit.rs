//! The audit trail: one row per change made through the admin API (or recorded by the
//! application with [`record`]), in the `access_audit` table, listed by `GET /audit`.

use access_core::{AccessModel, Stores};
use axum::Json;
use axum::extract::Query;
use axum::http::StatusCode;
use sea_orm::entity::prelude::*;
use sea_orm::{QueryOrder, QuerySelect, Set};
use serde::Deserialize;
use serde_json::json;

use super::context::{Admin, AdminOf};
use crate::error::ApiError;

/// One change made through the admin API.
///
/// ```no_run
/// use access_axum::admin::audit;
/// use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
///
/// // Tenant acme's trail, newest first (what `GET /audit` lists).
/// async fn acme_trail(db: &sea_orm::DatabaseConnection) -> Result<Vec<audit::Model>, sea_orm::DbErr> {
///     let rows = audit::Entity::find().filter(audit::Column::Tenant.eq("acme"));
///     rows.order_by_desc(audit::Column::Id).all(db).await
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "access_audit")]
pub struct Model {
    /// Id (increasing).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant.
    #[sea_orm(indexed)]
    pub tenant: String,
    /// Who (user id).
    pub actor: String,
    /// What (`assign`, `revoke`, `move`, `plan`, `flag`, ..).
    pub action: String,
    /// On what (`project:p1`, `flag:beta`, ..).
    pub target: String,
    /// The state before, as JSON.
    pub before: String,
    /// The state after, as JSON.
    pub after: String,
    /// When (Unix seconds).
    pub at: i64,
}

/// No relations are navigated.
///
/// ```
/// use sea_orm::Iterable;
/// assert_eq!(access_axum::admin::audit::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Records one change: a `tracing` event and a row of the audit trail. A failure to record is
/// logged and the change stands (it happened). Pass a transaction to record the change with it.
///
/// ```no_run
/// # async fn example(db: &sea_orm::DatabaseConnection) {
/// use serde_json::json;
/// // The application's own admin change, in the same trail as the admin API's.
/// let (before, after) = (json!({ "name": "old" }), json!({ "name": "new" }));
/// access_axum::admin::audit::record(db, "acme", "7", "rename", "project:p1", before, after).await;
/// # }
/// ```
pub async fn record(
    db: &impl ConnectionTrait,
    tenant: &str,
    actor: &str,
    action: &str,
    target: &str,
    before: serde_json::Value,
    after: serde_json::Value,
) {
    tracing::info!(tenant, actor, action, target, %before, %after, "access: admin change");
    let row = ActiveModel {
        tenant: Set(tenant.to_owned()),
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        before: Set(before.to_string()),
        after: Set(after.to_string()),
        at: Set(access_core::time::now()),
        ..Default::default()
    };
    if let Err(e) = row.insert(db).await {
        tracing::error!(error = %e, tenant, action, "access: audit record failed");
    }
}

impl<M: AccessModel, S: Stores + 'static> Admin<M, S> {
    /// Records a change of this tenant by this caller.
    pub(super) async fn record(
        &self,
        action: &str,
        target: &str,
        before: serde_json::Value,
        after: serde_json::Value,
    ) {
        record(
            &self.db,
            &self.tenant,
            &self.actor,
            action,
            target,
            before,
            after,
        )
        .await;
    }
}

/// The query of `GET /audit`: `?page=2&per_page=10`.
///
/// ```
/// use access_axum::admin::audit::AuditPage;
///
/// let uri = "/audit?page=2&per_page=10".parse().unwrap();
/// let axum::extract::Query(p) = axum::extract::Query::<AuditPage>::try_from_uri(&uri).unwrap();
/// assert_eq!((p.page, p.per_page), (Some(2), Some(10)));
/// ```
#[derive(Debug, Deserialize)]
pub struct AuditPage {
    /// 1-based (default 1).
    pub page: Option<u64>,
    /// Rows per page (default 50, at most 200).
    pub per_page: Option<u64>,
}

/// `GET /audit`: the tenant's trail, newest first.
pub(super) async fn list<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Query(q): Query<AuditPage>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let per_page = q.per_page.unwrap_or(50).clamp(1, 200);
    let page = q.page.unwrap_or(1).max(1);
    let offset = (page - 1)
        .checked_mul(per_page)
        .filter(|o| *o <= i64::MAX as u64)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                "`page` is out of range",
            )
        })?;
    let rows = Entity::find()
        .filter(Column::Tenant.eq(a.tenant.clone()))
        .order_by_desc(Column::Id)
        .offset(offset)
        .limit(per_page)
        .all(&a.db)
        .await?;
    Ok(Json(
        json!({ "items": rows, "page": page, "per_page": per_page }),
    ))
}
