//! Email verification and password reset tokens (`auth_one_time_tokens`), stored as SHA-256
//! hashes, used once before they expire.
//!
//! # Examples
//! ```no_run
//! use access_axum::db::one_time_token;
//! use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
//! # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
//! // Unused reset tokens of user 7.
//! let pending: Vec<one_time_token::Model> = one_time_token::Entity::find()
//!     .filter(one_time_token::Column::UserId.eq(7))
//!     .filter(one_time_token::Column::Kind.eq("reset"))
//!     .filter(one_time_token::Column::UsedAt.is_null())
//!     .all(&db)
//!     .await?;
//! # Ok(()) }
//! ```

use sea_orm::entity::prelude::*;

/// A single-use token.
///
/// ```
/// use access_axum::db::one_time_token;
/// // What the verify and reset endpoints accept (besides a matching hash).
/// fn usable(t: &one_time_token::Model, kind: &str, now: i64) -> bool {
///     t.kind == kind && t.used_at.is_none() && now < t.expires_at
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_one_time_tokens")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The user.
    pub user_id: i64,
    /// `verify` or `reset`.
    pub kind: String,
    /// SHA-256 of the token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Ends (Unix seconds).
    pub expires_at: i64,
    /// Used (Unix seconds).
    #[sea_orm(nullable)]
    pub used_at: Option<i64>,
}

/// No relations are navigated: filter on `user_id` instead.
///
/// ```
/// use access_axum::db::one_time_token;
/// use sea_orm::Iterable;
/// assert_eq!(one_time_token::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
