//! The `auth_oauth_accounts` table: which account of which provider signs in as which user.

use sea_orm::entity::prelude::*;

/// One provider account linked to a user: the provider's name (as configured) and its subject
/// (the provider's stable id of the person), unique together.
///
/// ```
/// use access_axum::db::oauth_account;
///
/// fn label(a: &oauth_account::Model) -> String {
///     format!("{} ({})", a.provider, a.email.as_deref().unwrap_or("no address"))
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_oauth_accounts")]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The provider's configured name (`google`, `github`, ..).
    pub provider: String,
    /// The provider's id of the person (`sub`, or GitHub's and Discord's user id).
    pub subject: String,
    /// The user it signs in as.
    #[sea_orm(indexed)]
    pub user_id: i64,
    /// The address the provider gave when it was linked.
    #[sea_orm(nullable)]
    pub email: Option<String>,
    /// Linked (Unix seconds).
    pub created_at: i64,
    /// Last signed in with (Unix seconds).
    pub last_used_at: i64,
}

/// No relations.
///
/// ```
/// use sea_orm::Iterable;
/// assert_eq!(access_axum::db::oauth_account::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
