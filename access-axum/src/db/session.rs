//! Login sessions (`auth_sessions`), one per device: what `GET /auth/sessions` lists and
//! logging out revokes.
//!
//! # Examples
//! ```no_run
//! use access_axum::db::session;
//! use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
//! # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
//! // The live sessions of user 7.
//! let live: Vec<session::Model> = session::Entity::find()
//!     .filter(session::Column::UserId.eq(7))
//!     .filter(session::Column::RevokedAt.is_null())
//!     .all(&db)
//!     .await?;
//! # Ok(()) }
//! ```

use sea_orm::entity::prelude::*;

/// A session.
///
/// ```
/// use access_axum::db::session;
/// // What `POST /auth/refresh` accepts.
/// fn live(s: &session::Model, now: i64) -> bool {
///     s.revoked_at.is_none() && now < s.expires_at
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_sessions")]
pub struct Model {
    /// Random id (UUID).
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The user.
    #[sea_orm(indexed)]
    pub user_id: i64,
    /// From the User-Agent.
    pub device: String,
    /// Client IP.
    pub ip: String,
    /// Created (Unix seconds).
    pub created_at: i64,
    /// Last refresh (Unix seconds).
    pub last_active_at: i64,
    /// Ends (Unix seconds).
    pub expires_at: i64,
    /// Revoked (Unix seconds).
    #[sea_orm(nullable)]
    pub revoked_at: Option<i64>,
    /// The tenant this session switched to (`POST /auth/tenant`); none: the user's.
    #[sea_orm(nullable)]
    pub tenant: Option<String>,
    /// When the session last passed a second factor (Unix seconds): its access tokens carry it
    /// (`mfa` claim) for `fva` rules and `require_mfa_within`.
    #[sea_orm(nullable)]
    pub mfa_at: Option<i64>,
}

/// No relations are navigated: filter on `user_id` instead.
///
/// ```
/// use access_axum::db::session;
/// use sea_orm::Iterable;
/// assert_eq!(session::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
