//! The `access_orgs` table: an organization's name and who founded it. Its id is the tenant
//! resource's id in the store (`organization:acme`), where membership lives (role assignments).

use sea_orm::entity::prelude::*;

/// One organization.
///
/// ```no_run
/// use access_axum::orgs::table;
/// use sea_orm::EntityTrait;
///
/// async fn name_of(db: &sea_orm::DatabaseConnection, id: &str) -> Option<String> {
///     table::Entity::find_by_id(id.to_owned()).one(db).await.ok()?.map(|o| o.name)
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
#[sea_orm(table_name = "access_orgs")]
pub struct Model {
    /// The tenant resource's id.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Its display name.
    pub name: String,
    /// The user who created it.
    pub created_by: String,
    /// When (Unix seconds).
    pub created_at: i64,
}

/// No relations.
///
/// ```
/// use sea_orm::Iterable;
/// assert_eq!(access_axum::orgs::table::Relation::iter().count(), 0);
/// ```
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
