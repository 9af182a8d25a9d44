//! One mistake, one error: the type's `Schema` impl, its view and its sea-orm binding still
//! exist, so the code using them adds no errors of its own.

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

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema)]
    #[sea_orm(table_name = "products")]
    #[schema(access = crate::model::Access, entity = Entity, view(ProductForUser = [user]),
        permission(read = anny(where(owner_id = user.id))))]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub owner_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

fn name_of<T: access_core::Schema>() -> &'static str {
    T::PERMISSIONS.name
}

fn filter<T: access_core::sea::SeaOrmSchema>() {}

fn view(row: &product::Model, ctx: &access_core::PermissionCtx<'_>) -> Option<product::ProductForUser> {
    product::ProductForUser::of(row, ctx)
}

fn main() {
    let _ = name_of::<product::Model>();
    filter::<product::Model>();
    let _ = view;
}
