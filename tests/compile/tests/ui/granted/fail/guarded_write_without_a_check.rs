//! The CRUD layer's guarded writes ask for a grant: without a check there is nothing to pass.

access_core::define_access! {
    pub Access;
    entity project { roles: [manager] }
    entitlements { "project:delete" on project => roles [manager] }
}

mod project {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "projects")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

async fn remove(db: &sea_orm::DatabaseConnection) {
    use sea_orm::IntoActiveModel;
    let row = project::Model { id: "p1".into() }.into_active_model();
    let _ = access_axum::crud::guarded::delete::<project::Entity, entitlement::ProjectDelete>(
        db,
        row,
        (),
    )
    .await;
}

fn main() {
    let _ = remove;
}
