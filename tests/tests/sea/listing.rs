//! `list_accessible` and `Accessible`: the resources a user may act on, as a sub-query.

use access_core::sea::{Accessible, SeaStore, list_accessible};
use access_core::{AccessContext, ClosureStore, Principal, Resource, RoleStore};
use sea_orm::ConnectionTrait;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query};

mod model {
    access_core::define_access! {
        pub Access;
        entity project { roles: [owner] }
        entitlements { "project:read" on project => roles [owner] }
    }
}

use model::{Access, Entitlement, EntityType};

/// Projects p1, p2 and p3; ann owns `owned`.
async fn store(owned: &str) -> SeaStore {
    let store = SeaStore::new(&Access, crate::sqlite().await);
    store.migrate().await.unwrap();
    for id in ["p1", "p2", "p3"] {
        store
            .add_resource(Resource::new(EntityType::Project, id), &[])
            .await
            .unwrap();
    }
    store
        .assign("ann", Resource::new(EntityType::Project, owned), 0)
        .await
        .unwrap();
    store
}

/// Was the `Accessible` example.
#[tokio::test]
async fn the_answer_by_kind_of_caller() {
    let store = store("p1").await;
    let read = Entitlement::ProjectRead.into();
    let list = async |p: Principal| {
        list_accessible(&AccessContext::new(&Access, &store, p), read)
            .await
            .unwrap()
    };
    let root = list(Principal::new("root").superuser(true)).await;
    assert!(matches!(root, Accessible::All));
    let gone = list(Principal::new("ann").active(false)).await;
    assert!(matches!(gone, Accessible::Nothing));
    let ann = list(Principal::new("ann")).await;
    assert!(matches!(ann, Accessible::Where { exact: true, .. }));
}

/// Was the `list_accessible` example.
#[tokio::test]
async fn a_page_of_the_callers_projects() {
    let store = store("p2").await;
    let ctx = AccessContext::new(&Access, &store, Principal::new("ann"));
    let acc = list_accessible(&ctx, Entitlement::ProjectRead.into())
        .await
        .unwrap();
    assert!(acc.exact());
    // A query (here over the store's own table), filtered, ordered and paged.
    let page = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("access_resources"))
        .and_where(Expr::col(Alias::new("ty")).eq("project"))
        .cond_where(acc.condition(Alias::new("id")))
        .order_by(Alias::new("id"), Order::Asc)
        .limit(50)
        .to_owned();
    let rows = store.db().query_all(&page).await.unwrap();
    let ids: Vec<String> = rows.iter().map(|r| r.try_get("", "id").unwrap()).collect();
    assert_eq!(ids, ["p2"]);
}

/// The plan SQLite runs for `sql`, one line per step.
async fn plan(db: &sea_orm::DatabaseConnection, sql: &str) -> String {
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            format!("EXPLAIN QUERY PLAN {sql}"),
        ))
        .await
        .unwrap();
    let steps: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "detail").unwrap())
        .collect();
    steps.join("\n")
}

/// The listing starts from the user's assignments and reads the closure by ancestor: its cost
/// follows what the user may reach, not how many resources of the type there are (it walked
/// every project's closure rows before, 3.5 ms a page over 10,000 projects).
#[tokio::test]
async fn the_listing_reads_below_the_users_assignments_not_every_resource() {
    let store = store("p2").await;
    for i in 0..200 {
        store
            .add_resource(Resource::new(EntityType::Project, &format!("q{i}")), &[])
            .await
            .unwrap();
    }
    let ctx = AccessContext::new(&Access, &store, Principal::new("ann"));
    let acc = list_accessible(&ctx, Entitlement::ProjectRead.into())
        .await
        .unwrap();
    let page = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("access_resources"))
        .and_where(Expr::col(Alias::new("ty")).eq("project"))
        .cond_where(acc.condition(Alias::new("id")))
        .to_string(sea_orm::sea_query::SqliteQueryBuilder);
    let steps = plan(store.db(), &page).await;
    assert!(
        steps.contains("SEARCH a USING") && steps.contains("access_closure_below"),
        "{steps}"
    );
    assert!(
        !steps.contains("(desc_ty=?)"),
        "walks every project: {steps}"
    );
}

/// A database made before the covering index gets it, and loses the index it replaces.
#[tokio::test]
async fn migrate_replaces_the_older_closure_index() {
    let db = crate::sqlite().await;
    db.execute_unprepared(
        "CREATE TABLE access_closure (desc_ty VARCHAR(64) NOT NULL, desc_id VARCHAR(255) NOT NULL, anc_ty VARCHAR(64) NOT NULL, anc_id VARCHAR(255) NOT NULL, depth INTEGER NOT NULL, PRIMARY KEY (desc_ty, desc_id, anc_ty, anc_id)); \
         CREATE INDEX access_closure_anc ON access_closure (anc_ty, anc_id, desc_ty)",
    )
    .await
    .unwrap();
    access_core::sea::migrate(&db).await.unwrap();
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'access_closure' AND sql IS NOT NULL ORDER BY name",
        ))
        .await
        .unwrap();
    let names: Vec<String> = rows
        .iter()
        .map(|r| r.try_get("", "name").unwrap())
        .collect();
    assert_eq!(names, ["access_closure_below"]);
}
