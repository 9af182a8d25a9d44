//! Refresh tokens (`auth_refresh_tokens`), stored as SHA-256 hashes: a presented token is looked
//! up by its hash, and rotated (marked) when exchanged for a new one.
//!
//! # Examples
//! ```no_run
//! use access_axum::db::refresh_token;
//! use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
//! # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
//! let found: Option<refresh_token::Model> = refresh_token::Entity::find()
//!     .filter(refresh_token::Column::TokenHash.eq("9f86d081884c7d65"))
//!     .one(&db)
//!     .await?;
//! # Ok(()) }
//! ```

use sea_orm::entity::prelude::*;

/// One refresh token of a session.
///
/// ```
/// use access_axum::db::refresh_token;
/// // Presented again past the grace period after its rotation: a reuse, which revokes the session.
/// fn reused(t: &refresh_token::Model, now: i64, grace_secs: i64) -> bool {
///     t.rotated_at.is_some_and(|at| now - at > grace_secs)
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_refresh_tokens")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The session.
    #[sea_orm(indexed)]
    pub session_id: String,
    /// SHA-256 of the token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Issued (Unix seconds).
    pub created_at: i64,
    /// When it was exchanged for a new one (Unix seconds).
    #[sea_orm(nullable)]
    pub rotated_at: Option<i64>,
}

/// No relations are navigated: filter on `session_id` instead.
///
/// ```
/// use access_axum::db::refresh_token;
/// use sea_orm::Iterable;
/// assert_eq!(refresh_token::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
