//! Rules SQL cannot express, marked `in_memory(..)`: the schema compiles and they are checked in
//! memory after the load.

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
    #[schema(access = super::model::Access, entity = Entity, permission(
        read   = where(owner_id = user.id),
        update = any(where(owner_id = user.id), in_memory(entitlement("product:update"))),
        delete = all(role(admin), in_memory(self::is_friday)),
        create = in_memory(fva(300)),
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

pub fn main() {
    use access_core::Schema;
    assert!(product::Model::PERMISSIONS.update.is_some());
}
