//! The PostgreSQL row-level security bridge: with the generated policies applied and the
//! caller's claims set in the transaction, a query that forgets the row rule still returns only
//! the tenant's rows. Needs `ACCESS_TEST_POSTGRES_URL` (`.ci/run` sets it); skipped otherwise.

use access_core::sea::{rls_applies, rls_policies, set_claims};
use access_core::{AccessModel, Principal};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement, TransactionTrait};

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        entity product { roles: [owner] }
        entitlements { "product:read" on product => roles [owner] }
    }
}

mod product {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema)]
    #[sea_orm(table_name = "rls_products")]
    #[schema(access = crate::model::Access, entity = Entity, permission(
        list   = where(tenant = user.tenant_id),
        update = all(role(admin), where(tenant = user.tenant_id)),
        delete = blocked,
        create = authenticated,
    ))]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub tenant: String,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[tokio::test]
async fn rls_policies_hold_when_a_query_forgets_the_rule() {
    let Ok(url) = std::env::var("ACCESS_TEST_POSTGRES_URL") else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "rls_postgres: skipped, set ACCESS_TEST_POSTGRES_URL"
        );
        return;
    };
    let db = Database::connect(url).await.unwrap();
    let sql = |s: &str| Statement::from_string(DbBackend::Postgres, s.to_owned());
    let schema = format!("rls{}", std::process::id());
    for s in [
        format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
        format!("CREATE SCHEMA {schema}"),
        format!("CREATE TABLE {schema}.rls_products (id BIGSERIAL PRIMARY KEY, tenant TEXT NOT NULL, name TEXT NOT NULL)"),
        format!("INSERT INTO {schema}.rls_products (tenant, name) VALUES ('acme', 'a1'), ('acme', 'a2'), ('globex', 'g1')"),
        format!("ALTER TABLE {schema}.rls_products ENABLE ROW LEVEL SECURITY"),
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'access_app') THEN CREATE ROLE access_app; END IF; END $$".to_owned(),
        format!("GRANT USAGE ON SCHEMA {schema} TO access_app"),
        format!("GRANT SELECT, UPDATE, DELETE, INSERT ON {schema}.rls_products TO access_app"),
        format!("GRANT USAGE ON SEQUENCE {schema}.rls_products_id_seq TO access_app"),
    ] {
        db.execute_raw(sql(&s)).await.unwrap();
    }
    let data = model::Access.data();
    let policies = rls_policies::<product::Model>(data, "rls_products").unwrap();
    assert_eq!(policies.len(), 4);
    assert!(policies[0].contains("FOR SELECT USING"), "{}", policies[0]);
    for p in &policies {
        db.execute_unprepared(&format!("SET search_path TO {schema}; {p}"))
            .await
            .unwrap();
    }
    // The test connects as a superuser: the check says RLS would not apply to it.
    assert!(!rls_applies(&db).await.unwrap());

    let names = |tenant: Option<&'static str>, roles: &'static [usize]| {
        let db = db.clone();
        let schema = schema.clone();
        async move {
            let txn = db.begin().await.unwrap();
            txn.execute_raw(sql(&format!("SET LOCAL search_path TO {schema}")))
                .await
                .unwrap();
            txn.execute_raw(sql("SET LOCAL ROLE access_app"))
                .await
                .unwrap();
            let mut p = Principal::new("7");
            p.tenant = tenant.map(Into::into);
            for r in roles {
                p.global_roles.insert(*r);
            }
            set_claims(&txn, model::Access.data(), Some(&p))
                .await
                .unwrap();
            // No WHERE: the policy alone decides.
            let rows = txn
                .query_all_raw(sql("SELECT name FROM rls_products ORDER BY name"))
                .await
                .unwrap();
            let names: Vec<String> = rows
                .iter()
                .map(|r| r.try_get("", "name").unwrap())
                .collect();
            let updated = txn
                .execute_raw(sql("UPDATE rls_products SET name = name || '!'"))
                .await
                .unwrap()
                .rows_affected();
            let deleted = txn
                .execute_raw(sql("DELETE FROM rls_products"))
                .await
                .unwrap()
                .rows_affected();
            txn.rollback().await.unwrap();
            (names, updated, deleted)
        }
    };
    assert_eq!(
        names(Some("acme"), &[]).await,
        (vec!["a1".to_owned(), "a2".to_owned()], 0, 0)
    );
    assert_eq!(
        names(Some("globex"), &[0]).await,
        (vec!["g1".to_owned()], 1, 0)
    );
    assert_eq!(names(None, &[0]).await, (vec![], 0, 0));
    // INSERT: `create = authenticated` becomes a WITH CHECK on the caller's id.
    let insert = |user: Option<&'static str>| {
        let db = db.clone();
        let schema = schema.clone();
        async move {
            let txn = db.begin().await.unwrap();
            txn.execute_raw(sql(&format!("SET LOCAL search_path TO {schema}")))
                .await
                .unwrap();
            txn.execute_raw(sql("SET LOCAL ROLE access_app"))
                .await
                .unwrap();
            let p = user.map(|u| Principal::new(u).tenant("acme"));
            set_claims(&txn, model::Access.data(), p.as_ref())
                .await
                .unwrap();
            let r = txn
                .execute_raw(sql(
                    "INSERT INTO rls_products (tenant, name) VALUES ('acme', 'new')",
                ))
                .await;
            txn.rollback().await.unwrap();
            if let Err(e) = &r {
                eprintln!("insert refused: {e}");
            }
            r.is_ok()
        }
    };
    assert!(insert(Some("7")).await, "a signed-in caller may create");
    assert!(!insert(None).await, "an anonymous transaction may not");
    db.execute_raw(sql(&format!("DROP SCHEMA {schema} CASCADE")))
        .await
        .unwrap();
}

#[test]
fn rules_sql_cannot_express_are_errors_naming_them() {
    mod dynamic {
        use sea_orm::entity::prelude::*;
        pub async fn always(_: &access_core::PermissionCtx<'_>) -> bool {
            true
        }
        #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema)]
        #[sea_orm(table_name = "notes")]
        #[schema(access = crate::model::Access, entity = Entity, permission(list = in_memory(self::always)))]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
        }
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}
        impl ActiveModelBehavior for ActiveModel {}
    }
    let e = rls_policies::<dynamic::Model>(model::Access.data(), "notes").unwrap_err();
    assert!(e.0.contains("self::always"), "{e}");
}
