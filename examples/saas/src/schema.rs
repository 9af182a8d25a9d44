//! The example's tables, with row and field permissions checked against the model.

/// Documents of a tenant: published ones are public, the rest stay in the tenant; their owner
/// or an admin edits them; admins delete them; `notes` are for admins and editors.
pub mod document {
    use sea_orm::entity::prelude::*;

    /// A document.
    #[derive(
        Clone,
        Debug,
        PartialEq,
        DeriveEntityModel,
        access_core::Schema,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[sea_orm(table_name = "documents")]
    #[schema(access = crate::model::Access, entity = Entity, permission(
        create = authenticated,
        list   = any(where(published = true), where(tenant = user.tenant_id)),
        read   = any(where(published = true), where(tenant = user.tenant_id)),
        update = any(all(role(admin), where(tenant = user.tenant_id)),
                     all(where(tenant = user.tenant_id), where(owner_id = user.id))),
        delete = all(role(admin), where(tenant = user.tenant_id)),
    ))]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key)]
        #[serde(default)]
        pub id: i64,
        /// The tenant (organization) it belongs to.
        pub tenant: String,
        /// Its author.
        pub owner_id: i64,
        /// Title.
        pub title: String,
        /// Visible to everyone when published.
        pub published: bool,
        /// Internal notes: admins and editors only.
        #[schema(permission(read = [admin, editor]))]
        pub notes: String,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
