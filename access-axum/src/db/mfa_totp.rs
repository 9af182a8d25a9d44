//! The `auth_mfa_totp` table: one authenticator app per account, its secret encrypted with the
//! configured MFA key (AES-256-GCM; `nonce ‖ ciphertext`, base64), the enrolment's
//! confirmation, and the last accepted time step (a code is accepted once).
//!
//! # Examples
//! ```no_run
//! use access_axum::db::mfa_totp;
//! use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
//! # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
//! // How many accounts have a confirmed authenticator app.
//! let enabled = mfa_totp::Entity::find()
//!     .filter(mfa_totp::Column::ConfirmedAt.is_not_null())
//!     .all(&db)
//!     .await?
//!     .len();
//! # Ok(()) }
//! ```

use sea_orm::entity::prelude::*;

/// One account's TOTP factor (a row appears at `POST /auth/mfa/totp`, goes with
/// `DELETE /auth/mfa/totp`).
///
/// ```
/// use access_axum::db::mfa_totp;
/// // What the login asks for: a confirmed enrolment.
/// fn enabled(row: &mfa_totp::Model) -> bool {
///     row.confirmed_at.is_some()
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_mfa_totp")]
pub struct Model {
    /// The user's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// The TOTP secret, encrypted: base64 of the 12-byte nonce followed by the AES-256-GCM
    /// ciphertext and tag. Never stored in clear.
    pub secret: String,
    /// When a first code confirmed the enrolment (Unix seconds); none: still pending.
    #[sea_orm(nullable)]
    pub confirmed_at: Option<i64>,
    /// The last accepted time step (Unix seconds / 30): that step and earlier ones are refused.
    #[sea_orm(nullable)]
    pub last_step: Option<i64>,
    /// When the enrolment started (Unix seconds).
    pub created_at: i64,
}

/// No relations.
///
/// ```
/// use sea_orm::Iterable;
/// assert_eq!(access_axum::db::mfa_totp::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
