//! A schema bound to a table: every rule must become SQL and a policy too, or be marked
//! `in_memory(..)`.

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        entity product { roles: [manager] }
        entitlements { "product:update" on product => roles [manager] }
    }
}

mod product {
    use sea_orm::entity::prelude::*;

    pub async fn is_friday(_: &access_core::PermissionCtx<'_>) -> bool {
        false
    }

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema)]
    #[sea_orm(table_name = "products")]
    #[schema(access = crate::model::Access, entity = Entity, permission(
        read   = where(owner_id = user.id),
        update = any(where(owner_id = user.id), entitlement("product:update")),
        delete = all(role(admin), self::is_friday),
        create = fva(300),
    ))]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub owner_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn main() {}
