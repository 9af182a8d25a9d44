//! The `access_invitations` table: who was invited to which organization, with which role,
//! and what became of it. The token itself is mailed and never stored: only its hash.

use sea_orm::entity::prelude::*;

/// An invitation is `pending` until it is accepted, declined, revoked or replaced (a new
/// invitation of the same address to the same organization), or until it expires.
pub const PENDING: &str = "pending";

/// One invitation.
///
/// ```
/// use access_axum::orgs::invitation;
///
/// fn open(i: &invitation::Model, now: i64) -> bool {
///     i.status == invitation::PENDING && i.expires_at > now
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "access_invitations")]
pub struct Model {
    /// Its id (what `GET /invitations` and `GET /orgs/{id}/invitations` list).
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The organization's id.
    #[sea_orm(indexed)]
    pub org: String,
    /// The invited address, normalized (trimmed, lowercase).
    #[sea_orm(indexed)]
    pub email: String,
    /// The role on the organization that accepting grants.
    pub role: String,
    /// SHA-256 of the mailed token, hex.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// The inviting user's id.
    pub invited_by: String,
    /// `pending`, `accepted`, `declined`, `revoked` or `replaced`.
    pub status: String,
    /// Sent (Unix seconds).
    pub created_at: i64,
    /// The token is refused from then on (Unix seconds).
    pub expires_at: i64,
    /// Accepted, declined, revoked or replaced (Unix seconds).
    #[sea_orm(nullable)]
    pub ended_at: Option<i64>,
    /// Who accepted it (a user id).
    #[sea_orm(nullable)]
    pub accepted_by: Option<String>,
}

/// No relations.
///
/// ```
/// use sea_orm::Iterable;
/// assert_eq!(access_axum::orgs::invitation::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
