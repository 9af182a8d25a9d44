//! The example's tables, with row and field permissions checked against the model.

/// Documents of a tenant: a member writes them in their own tenant, as their own; published ones
/// are public, the rest stay in the tenant; their owner or an admin edits them; admins delete
/// them; `notes` are for admins and editors.
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
        create = where(tenant = user.tenant_id, owner_id = user.id),
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

/// Products of a tenant: only its members see them; admins and editors add and change them, in
/// their own tenant only; admins delete them. `cost` is for admins, `supplier` for admins and
/// editors (and only admins change it).
pub mod product {
    use sea_orm::entity::prelude::*;

    /// A product.
    #[derive(
        Clone,
        Debug,
        PartialEq,
        DeriveEntityModel,
        access_core::Schema,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[sea_orm(table_name = "products")]
    #[schema(access = crate::model::Access, entity = Entity, permission(
        create = all(any(role(admin), role(editor)), where(tenant = user.tenant_id)),
        list   = where(tenant = user.tenant_id),
        read   = where(tenant = user.tenant_id),
        update = all(any(role(admin), role(editor)), where(tenant = user.tenant_id)),
        delete = all(role(admin), where(tenant = user.tenant_id)),
    ))]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key)]
        #[serde(default)]
        pub id: i64,
        /// The tenant (organization) it belongs to.
        pub tenant: String,
        /// Name.
        pub name: String,
        /// Price in cents.
        pub price_cents: i64,
        /// What it costs us, in cents: admins only.
        #[schema(permission(read = [admin], write = [admin]))]
        pub cost_cents: i64,
        /// Who supplies it: admins and editors read it, admins change it.
        #[schema(permission(read = [admin, editor], write = [admin]))]
        pub supplier: String,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
