//! Rate-limit counters (`auth_rate_limits`): one fixed window per key, shared by every app
//! instance on the database.
//!
//! # Examples
//! ```no_run
//! use access_axum::db::rate_limit;
//! use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
//! # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
//! // Counters beyond 10 attempts.
//! let over: Vec<rate_limit::Model> = rate_limit::Entity::find()
//!     .filter(rate_limit::Column::Count.gt(10))
//!     .all(&db)
//!     .await?;
//! # Ok(()) }
//! ```

use sea_orm::entity::prelude::*;

/// One counter.
///
/// ```
/// use access_axum::db::rate_limit;
/// let counter = rate_limit::Model { key: "9f86d081884c7d65".into(), window_start: 1_700_000_000, count: 3 };
/// // At 1_700_000_030 it is in its 60 s window, within a limit of 5 attempts.
/// assert!(1_700_000_030 < counter.window_start + 60 && counter.count <= 5);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_rate_limits")]
pub struct Model {
    /// SHA-256 (hex) of `endpoint:kind:value`, such as `login:ip:192.0.2.1`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Window start (Unix seconds).
    pub window_start: i64,
    /// Attempts in the window.
    pub count: i64,
}

/// No relations are navigated: look counters up by `key`.
///
/// ```
/// use access_axum::db::rate_limit;
/// use sea_orm::Iterable;
/// assert_eq!(rate_limit::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
