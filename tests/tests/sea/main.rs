//! The sea-orm layer of access-core (`access_core::sea`), on SQLite in memory and sea-orm's mock
//! PostgreSQL connection: the assertions of the rustdoc examples whose setup (a model, a schema
//! bound to an entity, a database) moved here, one module per module of `access_core::sea`.
//! Run one module with `cargo test -p access-tests --test sea <module>::`.

mod agree;
mod listing;
mod read_cache;
mod rls;
mod row_filter;
mod store;
mod wallet;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, EntityTrait};

/// The model of the schema examples: a global role `admin`.
mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin],
        entity project { roles: [owner] }
        entitlements { "project:edit" on project => roles [owner] }
    }
}

/// The notes of the schema examples: owned rows, an `archived` flag, every kind of rule SQL can
/// express.
mod note {
    use sea_orm::entity::prelude::*;

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
    #[schema(access = crate::model::Access, name = "note", entity = Entity, permission(
        create = authenticated,
        list   = any(role(admin), where(owner_id = user.id)),
        update = where(owner_id = user.id),
        delete = all(role(admin), where(archived = false)),
    ))]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub owner_id: i64,
        pub archived: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An SQLite database in memory.
async fn sqlite() -> DatabaseConnection {
    Database::connect("sqlite::memory:").await.expect("sqlite")
}

/// An SQLite database in memory with `entity`'s table.
async fn sqlite_with<E: EntityTrait>(entity: E) -> DatabaseConnection {
    let db = sqlite().await;
    let schema = sea_orm::Schema::new(DbBackend::Sqlite);
    db.execute(&schema.create_table_from_entity(entity))
        .await
        .expect("table");
    db
}
