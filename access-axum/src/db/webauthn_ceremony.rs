//! WebAuthn ceremonies in progress (`auth_webauthn_ceremonies`): the server-side state between
//! a passkey ceremony's start and its finish, taken once before it expires (5 minutes).
//!
//! # Examples
//! ```no_run
//! use access_axum::db::webauthn_ceremony;
//! use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
//! # async fn run(db: sea_orm::DatabaseConnection, now: i64) -> Result<(), sea_orm::DbErr> {
//! // Forget the ceremonies that can no longer finish.
//! webauthn_ceremony::Entity::delete_many()
//!     .filter(webauthn_ceremony::Column::ExpiresAt.lte(now))
//!     .exec(&db)
//!     .await?;
//! # Ok(()) }
//! ```

use sea_orm::entity::prelude::*;

/// A ceremony's state.
///
/// ```
/// use access_axum::db::webauthn_ceremony;
/// // What a finish accepts (besides the id's hash, the kind and the user).
/// fn open(c: &webauthn_ceremony::Model, now: i64) -> bool {
///     c.used_at.is_none() && now < c.expires_at
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_webauthn_ceremonies")]
pub struct Model {
    /// SHA-256 of the ceremony id given to the client, hex.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `register`, `login`, or the assertion of a signed-in user (`second_factor`, ..).
    pub kind: String,
    /// The user it is for (none for a discoverable sign-in).
    #[sea_orm(nullable)]
    pub user_id: Option<i64>,
    /// The serialized state of webauthn-rs (JSON): the challenge and what the answer must match.
    #[sea_orm(column_type = "Text")]
    pub state: String,
    /// Ends (Unix seconds).
    #[sea_orm(indexed)]
    pub expires_at: i64,
    /// Taken (Unix seconds).
    #[sea_orm(nullable)]
    pub used_at: Option<i64>,
}

/// No relations are navigated: filter on `user_id` instead.
///
/// ```
/// use access_axum::db::webauthn_ceremony;
/// use sea_orm::Iterable;
/// assert_eq!(webauthn_ceremony::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
