//! One rule, three enforcers, for the example's schemas: on random rows, what the rules allow in
//! memory, what their SQL conditions select, and (PostgreSQL) what row-level security lets
//! through agree for every caller. SQLite always; PostgreSQL with `ACCESS_TEST_POSTGRES_URL`.

use access_core::AccessModel;
use access_core::sea::agree::{enforcers_agree, principals};
use saas::model::Access;
use saas::schema::document;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};

fn template() -> document::Model {
    document::Model {
        id: 0,
        tenant: "acme".into(),
        owner_id: 1,
        title: "t".into(),
        published: false,
        notes: "n".into(),
    }
}

async fn run(db: &DatabaseConnection, rls_role: Option<&str>) {
    let schema = sea_orm::Schema::new(db.get_database_backend());
    db.execute(&schema.create_table_from_entity(document::Entity))
        .await
        .unwrap();
    let data = Access.data();
    for seed in [1, 2, 3] {
        let report = enforcers_agree(
            db,
            data,
            "documents",
            &template(),
            &principals(data),
            120,
            seed,
            rls_role,
        )
        .await
        .unwrap_or_else(|e| panic!("the enforcers disagree (seed {seed}): {e}"));
        assert_eq!(report.rls, rls_role.is_some());
        assert!(report.cases >= 20, "{report:?}");
        assert!(
            report.allowed > 0 && report.allowed < report.cases * report.rows,
            "{report:?}"
        );
    }
}

#[tokio::test]
async fn on_sqlite_memory_and_sql_agree() {
    let mut opts = ConnectOptions::new("sqlite::memory:");
    opts.max_connections(1);
    run(&Database::connect(opts).await.unwrap(), None).await;
}

#[tokio::test]
async fn on_postgres_memory_sql_and_rls_agree() {
    let Ok(url) = std::env::var("ACCESS_TEST_POSTGRES_URL") else {
        eprintln!("enforcers: PostgreSQL skipped, set ACCESS_TEST_POSTGRES_URL");
        return;
    };
    let schema = format!(
        "agree{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    let admin = Database::connect(url.clone()).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE SCHEMA {schema}"))
        .await
        .unwrap();
    let mut opts = ConnectOptions::new(url);
    opts.max_connections(2)
        .set_schema_search_path(schema.clone());
    run(
        &Database::connect(opts).await.unwrap(),
        Some("access_agree"),
    )
    .await;
    let _ = admin
        .execute_unprepared(&format!("DROP SCHEMA {schema} CASCADE"))
        .await;
}
