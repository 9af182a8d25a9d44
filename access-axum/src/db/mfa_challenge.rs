//! The `auth_mfa_challenges` table: a login that passed its password and waits for the second
//! factor. The challenge itself is given to the client once; only its hash is stored.

use sea_orm::entity::prelude::*;

/// One login's challenge: single use, short-lived, bound to the account and to the client
/// (device and address) that logged in.
///
/// ```
/// use access_axum::db::mfa_challenge;
///
/// fn open(c: &mfa_challenge::Model, now: i64) -> bool {
///     c.used_at.is_none() && now < c.expires_at
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_mfa_challenges")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 of the challenge, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The account whose password was given.
    #[sea_orm(indexed)]
    pub user_id: i64,
    /// The login's User-Agent.
    pub device: String,
    /// The login's client address.
    pub ip: String,
    /// Issued (Unix seconds).
    pub created_at: i64,
    /// Refused from then on (Unix seconds).
    pub expires_at: i64,
    /// Taken (Unix seconds).
    #[sea_orm(nullable)]
    pub used_at: Option<i64>,
}

/// No relations.
///
/// ```
/// use sea_orm::Iterable;
/// assert_eq!(access_axum::db::mfa_challenge::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
