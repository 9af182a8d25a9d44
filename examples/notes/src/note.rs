//! A table with row and field rules.

use sea_orm::entity::prelude::*;

/// A note: its author reads and changes it; an admin may delete any; only admins see or set
/// `moderation_note`.
#[derive(
    Clone,
    Debug,
    PartialEq,
    DeriveEntityModel,
    access_core::Schema,
    serde::Serialize,
    serde::Deserialize,
)]
#[sea_orm(table_name = "notes")]
#[schema(access = crate::model::Access, entity = Entity, permission(
    create = where(author = user.id),
    list   = where(author = user.id),
    read   = where(author = user.id),
    update = where(author = user.id),
    delete = any(role(admin), where(author = user.id)),
))]
pub struct Model {
    /// Id.
    #[sea_orm(primary_key)]
    #[serde(default)]
    pub id: i64,
    /// The user who wrote it.
    pub author: i64,
    /// The text.
    pub body: String,
    /// For admins only; empty unless an admin sets it.
    #[serde(default)]
    #[sea_orm(default_value = "")]
    #[schema(permission(read = [admin], write = [admin]))]
    pub moderation_note: String,
}

/// No relations.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
