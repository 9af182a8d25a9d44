//! The `auth_recovery_codes` table: an account's one-time recovery codes (ten, made when its
//! TOTP enrolment is confirmed or at a regeneration), stored as SHA-256 hashes, each used once.
//!
//! # Examples
//! ```no_run
//! use access_axum::db::recovery_code;
//! use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
//! # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
//! // The unused codes user 7 has left.
//! let left = recovery_code::Entity::find()
//!     .filter(recovery_code::Column::UserId.eq(7))
//!     .filter(recovery_code::Column::UsedAt.is_null())
//!     .count(&db)
//!     .await?;
//! # Ok(()) }
//! ```

use sea_orm::entity::prelude::*;

/// One recovery code.
///
/// ```
/// use access_axum::db::recovery_code;
/// fn usable(code: &recovery_code::Model) -> bool {
///     code.used_at.is_none()
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_recovery_codes")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The user.
    #[sea_orm(indexed)]
    pub user_id: i64,
    /// SHA-256 of the code (lowercase, without separators), hex.
    pub code_hash: String,
    /// Used (Unix seconds).
    #[sea_orm(nullable)]
    pub used_at: Option<i64>,
    /// Made (Unix seconds).
    pub created_at: i64,
}

/// No relations are navigated: filter on `user_id` instead.
///
/// ```
/// use sea_orm::Iterable;
/// assert_eq!(access_axum::db::recovery_code::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
