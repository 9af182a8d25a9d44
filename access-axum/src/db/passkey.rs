//! Passkeys (`auth_passkeys`): the WebAuthn credentials users register to sign in without a
//! password (`/auth/passkeys/...`), one row per credential.
//!
//! # Examples
//! ```no_run
//! use access_axum::db::passkey;
//! use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
//! # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
//! // The passkeys of user 7.
//! let keys: Vec<passkey::Model> = passkey::Entity::find()
//!     .filter(passkey::Column::UserId.eq(7))
//!     .all(&db)
//!     .await?;
//! # Ok(()) }
//! ```

use sea_orm::entity::prelude::*;

/// A registered passkey.
///
/// ```
/// use access_axum::db::passkey;
/// // What `GET /auth/passkeys` shows of a row (never the key itself).
/// fn shown(p: &passkey::Model) -> (i64, &str, i64, Option<i64>) {
///     (p.id, p.name.as_str(), p.created_at, p.last_used_at)
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_passkeys")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The user.
    #[sea_orm(indexed)]
    pub user_id: i64,
    /// The credential id (base64url, no padding), unique across users.
    #[sea_orm(unique)]
    pub credential_id: String,
    /// The WebAuthn user handle the credential carries (a random UUID per user, shared by their
    /// passkeys): a discoverable sign-in must present the same.
    pub user_handle: String,
    /// The serialized `webauthn_rs::prelude::Passkey` (JSON): public key, signature counter,
    /// backup flags.
    #[sea_orm(column_type = "Text")]
    pub passkey: String,
    /// A name its owner gave it (`MacBook`, `YubiKey`).
    pub name: String,
    /// Registered (Unix seconds).
    pub created_at: i64,
    /// Last sign-in or second factor with it (Unix seconds).
    #[sea_orm(nullable)]
    pub last_used_at: Option<i64>,
}

/// No relations are navigated: filter on `user_id` instead.
///
/// ```
/// use access_axum::db::passkey;
/// use sea_orm::Iterable;
/// assert_eq!(passkey::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
