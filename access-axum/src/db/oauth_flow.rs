//! The `auth_oauth_flows` table: sign-ins with a provider in progress, between the redirect to
//! the provider and its callback. Taken once.

use sea_orm::entity::prelude::*;

/// One flow: its `state` (stored hashed, the key the callback brings back), the browser it was
/// started in (the hash of a cookie set then), the PKCE verifier and the `nonce` the callback
/// needs, where to go afterwards, and the signed-in user when it links a provider.
///
/// ```
/// use access_axum::db::oauth_flow;
///
/// fn open(f: &oauth_flow::Model, now: i64) -> bool {
///     now < f.expires_at
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_oauth_flows")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// SHA-256 of `state`, hex.
    #[sea_orm(unique)]
    pub state_hash: String,
    /// SHA-256 of the browser cookie set when the flow started, hex.
    pub browser_hash: String,
    /// The provider's configured name.
    pub provider: String,
    /// The PKCE code verifier (the provider saw only its SHA-256).
    pub pkce_verifier: String,
    /// The `nonce` the ID token must carry (OpenID Connect).
    pub nonce: String,
    /// Where the browser goes after the callback (checked against the allow-list at the start).
    pub redirect_to: String,
    /// The signed-in user who links a provider; none for a sign-in.
    #[sea_orm(nullable)]
    pub link_user: Option<i64>,
    /// Started (Unix seconds).
    pub created_at: i64,
    /// Refused from then on (Unix seconds).
    #[sea_orm(indexed)]
    pub expires_at: i64,
}

/// No relations.
///
/// ```
/// use sea_orm::Iterable;
/// assert_eq!(access_axum::db::oauth_flow::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
