//! `SeaStore` and `migrate`: the tables, the connection, and resources created or removed in the
//! application's transaction.

use access_core::sea::SeaStore;
use access_core::{ClosureStore, EntityTypeId, Resource, StoreErrorKind};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};

mod model {
    access_core::define_access! {
        pub Access;
        entity workspace { roles: [admin] }
        entity project { roles: [owner], inherits: { workspace:admin => owner } }
        entitlements { "project:edit" on project => roles [owner] }
    }
}

use model::{Access, EntityType};

async fn store() -> SeaStore {
    let store = SeaStore::new(&Access, crate::sqlite().await);
    store.migrate().await.unwrap();
    store
}

/// Was the `SeaStore::new` example.
#[tokio::test]
async fn entity_types_are_stored_by_name() {
    let store = store().await;
    store
        .add_resource(Resource::new(EntityType::Project, "p1"), &[])
        .await
        .unwrap();
    // An entity type the model lacks is refused.
    let err = store
        .add_resource(Resource::new(EntityTypeId(9), "x"), &[])
        .await
        .unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::InvalidRequest);
}

/// Was the `SeaStore::migrate` and `sea::migrate` examples.
#[tokio::test]
async fn migrate_again_changes_nothing() {
    let store = store().await;
    store.migrate().await.unwrap(); // again at the next startup
    access_core::sea::migrate(store.db()).await.unwrap();
    access_core::sea::migrate(store.db()).await.unwrap();
    let tables = store
        .db()
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'access_%'",
        ))
        .await
        .unwrap();
    assert!(tables.len() >= 8);

    // The function alone, on a fresh database.
    let db = crate::sqlite().await;
    access_core::sea::migrate(&db).await.unwrap();
    access_core::sea::migrate(&db).await.unwrap();
}

/// Was the `SeaStore::db` example.
#[tokio::test]
async fn db_is_the_stores_database() {
    let store = store().await;
    store
        .add_resource(Resource::new(EntityType::Project, "p1"), &[])
        .await
        .unwrap();
    let row = store
        .db()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT ty, id FROM access_resources",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<String>("", "ty").unwrap(), "project");
    assert_eq!(row.try_get::<String>("", "id").unwrap(), "p1");
}

/// Was the `SeaStore::create_resource_in` example.
#[tokio::test]
async fn create_resource_in_follows_the_transaction() {
    let store = store().await;
    let db = store.db().clone();
    let ws1 = Resource::new(EntityType::Workspace, "ws1");
    let ws2 = Resource::new(EntityType::Workspace, "ws2");
    let p1 = Resource::new(EntityType::Project, "p1");
    let p2 = Resource::new(EntityType::Project, "p2");
    store.add_resource(ws1, &[]).await.unwrap();
    store.add_resource(ws2, &[]).await.unwrap();

    // Rolled back with the transaction it was written in.
    let txn = db.begin().await.unwrap();
    store.create_resource_in(&txn, p1, &[ws1]).await.unwrap();
    txn.rollback().await.unwrap();
    assert!(store.ancestors(p1).await.is_err());
    // Committed with it.
    let txn = db.begin().await.unwrap();
    store.create_resource_in(&txn, p2, &[ws1]).await.unwrap();
    txn.commit().await.unwrap();
    assert_eq!(&*store.ancestors(p2).await.unwrap()[0].0.id, "ws1");
    // Once it exists, it is not created again (nor moved).
    let err = store.create_resource_in(&db, p2, &[ws2]).await.unwrap_err();
    assert_eq!(err.kind, StoreErrorKind::AlreadyExists);
    assert_eq!(&*store.ancestors(p2).await.unwrap()[0].0.id, "ws1");
}

/// Was the `SeaStore::remove_resource_in` example.
#[tokio::test]
async fn remove_resource_in_commits_with_the_transaction() {
    let store = store().await;
    let db = store.db().clone();
    let p1 = Resource::new(EntityType::Project, "p1");
    store.add_resource(p1, &[]).await.unwrap();
    let txn = db.begin().await.unwrap();
    store.remove_resource_in(&txn, p1).await.unwrap();
    txn.commit().await.unwrap();
    assert!(store.ancestors(p1).await.is_err());
}
