//! Users and their credentials (`auth_users`). Every query of the endpoints goes through
//! [`UsersTable`](super::UsersTable), so applications can keep users in their own table.
//!
//! # Examples
//! ```no_run
//! use access_axum::db::user;
//! use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
//! # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
//! let ada: Option<user::Model> = user::Entity::find()
//!     .filter(user::Column::Email.eq("ada@example.com"))
//!     .one(&db)
//!     .await?;
//! # Ok(()) }
//! ```

use sea_orm::entity::prelude::*;

/// A user account.
///
/// ```
/// use access_axum::db::user;
/// fn describe(u: &user::Model) -> String {
///     let name = u.email.as_deref().or(u.username.as_deref()).unwrap_or("?");
///     let roles: Vec<&str> = u.roles.split(',').filter(|r| !r.is_empty()).collect();
///     format!("{name} (#{}), roles {roles:?}, active: {}", u.id, u.active)
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_users")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Normalized email (trimmed, lowercase), unique.
    #[sea_orm(unique, nullable)]
    pub email: Option<String>,
    /// Normalized username (trimmed, lowercase), unique.
    #[sea_orm(unique, nullable)]
    pub username: Option<String>,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Inactive users cannot log in or refresh.
    pub active: bool,
    /// Whether the email was verified.
    pub email_verified: bool,
    /// Global role names, comma separated.
    pub roles: String,
    /// The user's tenant.
    #[sea_orm(nullable)]
    pub tenant: Option<String>,
    /// Superusers pass every check.
    pub superuser: bool,
    /// When the password last changed (Unix seconds): older tokens are refused.
    pub password_changed_at: i64,
    /// Created (Unix seconds).
    pub created_at: i64,
}

/// No relations are navigated: other tables filter on the user's `id`.
///
/// ```
/// use access_axum::db::user;
/// use sea_orm::Iterable;
/// assert_eq!(user::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
