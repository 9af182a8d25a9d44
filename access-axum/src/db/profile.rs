//! The `auth_profiles` table: what an account has beside its credentials (a display name, when
//! it last signed in, an address change waiting for its verification). Kept apart from the
//! users table, so an application's own users table needs no new column.

use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, Set};

/// One account's profile (a row appears at its first login or change).
///
/// ```
/// use access_axum::db::profile;
///
/// fn greeting(p: &profile::Model) -> String {
///     format!("hello, {}", p.name.as_deref().unwrap_or("there"))
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "auth_profiles")]
pub struct Model {
    /// The user's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: i64,
    /// Display name (`PATCH /auth/me {"name"}`).
    #[sea_orm(nullable)]
    pub name: Option<String>,
    /// The last successful login (Unix seconds).
    #[sea_orm(nullable)]
    pub last_login_at: Option<i64>,
    /// The address `POST /auth/email` asked for, until its verification is taken.
    #[sea_orm(nullable)]
    pub pending_email: Option<String>,
}

/// No relations.
///
/// ```
/// use sea_orm::Iterable;
/// assert_eq!(access_axum::db::profile::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Sets `column` of `user`'s profile to `value`, creating the row when missing.
pub(crate) async fn set(
    db: &impl ConnectionTrait,
    user: i64,
    column: Column,
    value: sea_orm::Value,
) -> Result<(), DbErr> {
    let mut row = ActiveModel {
        user_id: Set(user),
        name: Set(None),
        last_login_at: Set(None),
        pending_email: Set(None),
    };
    row.set(column, value);
    Entity::insert(row)
        .on_conflict(
            OnConflict::column(Column::UserId)
                .update_column(column)
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
