//! `SeaStore::with_read_cache`: what `can` reads is remembered across requests, and what this
//! process writes through the store is seen at once, including a resource created in the
//! application's own transaction; writes made elsewhere are seen after `clear_read_cache` or
//! within the time to live.

use std::time::Duration;

use access_core::sea::SeaStore;
use access_core::{AccessContext, ClosureStore, FlagId, FlagStore, Principal, Resource, RoleStore};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, TransactionTrait};

mod model {
    access_core::define_access! {
        pub Access;
        entity workspace { roles: [admin] }
        entity project { roles: [owner], inherits: { workspace:admin => owner } }
        flags: [beta],
        entitlements {
            "project:edit" on project => roles [owner],
            "project:try" on project => roles [owner], flags [beta],
        }
    }
}

use model::{Access, Entitlement, EntityType};

/// An SQLite file in WAL mode with several connections (a read can run beside an open write
/// transaction, as in production), removed when dropped.
struct File(std::path::PathBuf);

impl Drop for File {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut p = self.0.clone().into_os_string();
            p.push(suffix);
            let _ = std::fs::remove_file(p);
        }
    }
}

async fn database() -> (DatabaseConnection, File) {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let path = std::env::temp_dir().join(format!(
        "access-read-cache-{}-{nanos}.db",
        std::process::id()
    ));
    let mut opts = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
    opts.max_connections(4).sqlx_logging(false);
    let db = Database::connect(opts).await.unwrap();
    db.execute_unprepared("PRAGMA journal_mode = WAL")
        .await
        .unwrap();
    (db, File(path))
}

fn ws() -> Resource<'static> {
    Resource::new(EntityType::Workspace, "w1")
}

fn project(id: &str) -> Resource<'_> {
    Resource::new(EntityType::Project, id)
}

async fn can(store: &SeaStore, user: &str, e: Entitlement, id: &str) -> bool {
    let principal = Principal::new(user).tenant("acme");
    AccessContext::new(&Access, store, principal)
        .can(e, project(id))
        .await
        .unwrap()
}

/// The store with a cache, and a second store on the same database without one: another
/// instance of the application.
async fn stores(ttl: Duration) -> (SeaStore, SeaStore, File) {
    let (db, file) = database().await;
    let cached = SeaStore::new(&Access, db.clone()).with_read_cache(ttl);
    cached.migrate().await.unwrap();
    cached.add_resource(ws(), &[]).await.unwrap();
    cached.add_resource(project("p1"), &[ws()]).await.unwrap();
    (cached, SeaStore::new(&Access, db), file)
}

#[tokio::test]
async fn grants_and_revocations_through_the_store_are_seen_at_once() {
    let (store, elsewhere, _file) = stores(Duration::from_secs(3600)).await;
    assert!(!can(&store, "ann", Entitlement::ProjectEdit, "p1").await);
    store.assign("ann", ws(), 0).await.unwrap();
    assert!(can(&store, "ann", Entitlement::ProjectEdit, "p1").await);
    // A clone shares the cache: its writes count too.
    store.clone().revoke("ann", ws(), 0).await.unwrap();
    assert!(!can(&store, "ann", Entitlement::ProjectEdit, "p1").await);

    // Another instance's grant is not seen from the cache (it is remembered)...
    elsewhere.assign("ann", ws(), 0).await.unwrap();
    assert!(!can(&store, "ann", Entitlement::ProjectEdit, "p1").await);
    // ...until the cache is cleared, or its time to live passes.
    store.clear_read_cache();
    assert!(can(&store, "ann", Entitlement::ProjectEdit, "p1").await);
}

#[tokio::test]
async fn tenant_flags_set_through_the_store_are_seen_at_once() {
    let (store, _elsewhere, _file) = stores(Duration::from_secs(3600)).await;
    store.assign("ann", ws(), 0).await.unwrap();
    assert!(!can(&store, "ann", Entitlement::ProjectTry, "p1").await);
    store.set_flag("acme", FlagId(0), true).await.unwrap();
    assert!(can(&store, "ann", Entitlement::ProjectTry, "p1").await);
    store.set_flag("acme", FlagId(0), false).await.unwrap();
    assert!(!can(&store, "ann", Entitlement::ProjectTry, "p1").await);
}

#[tokio::test]
async fn writes_made_elsewhere_are_seen_within_the_time_to_live() {
    let ttl = Duration::from_millis(300);
    let (store, elsewhere, _file) = stores(ttl).await;
    assert!(!can(&store, "bo", Entitlement::ProjectEdit, "p1").await);
    elsewhere.assign("bo", ws(), 0).await.unwrap();
    tokio::time::sleep(ttl + Duration::from_millis(50)).await;
    assert!(can(&store, "bo", Entitlement::ProjectEdit, "p1").await);
}

#[tokio::test]
async fn a_resource_created_in_the_applications_transaction_is_seen_once_committed() {
    let (store, _elsewhere, _file) = stores(Duration::from_secs(3600)).await;
    store.assign("cy", ws(), 0).await.unwrap();
    assert!(!can(&store, "cy", Entitlement::ProjectEdit, "p2").await);
    let txn = store.db().begin().await.unwrap();
    store
        .create_resource_in(&txn, project("p2"), &[ws()])
        .await
        .unwrap();
    // Asked before the commit: not there yet (another connection does not see it), and what
    // this read finds must not be remembered past the commit.
    assert!(!can(&store, "cy", Entitlement::ProjectEdit, "p2").await);
    txn.commit().await.unwrap();
    assert!(can(&store, "cy", Entitlement::ProjectEdit, "p2").await);
}
