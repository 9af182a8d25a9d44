//! `rls_policies`, `RlsError`, `set_claims` and `rls_applies`: the PostgreSQL row-level security
//! bridge, its statements checked as text and against sea-orm's mock PostgreSQL connection.

use std::collections::BTreeMap;

use access_core::sea::{RlsError, rls_applies, rls_policies, set_claims};
use access_core::{AccessModel, Principal, RoleSet};
use sea_orm::{DbBackend, MockDatabase, MockExecResult, Value};

use crate::model::Access;
use crate::note;

/// A schema whose `delete` needs the session's MFA time.
mod vault {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema)]
    #[sea_orm(table_name = "vaults")]
    #[schema(access = crate::model::Access, entity = Entity, permission(
        delete = all(role(admin), in_memory(fva(300))),
    ))]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Was the `RlsError` example.
#[test]
fn a_rule_on_the_session_has_no_policy() {
    let err: RlsError = rls_policies::<vault::Model>(Access.data(), "vaults").unwrap_err();
    assert_eq!(
        err.to_string(),
        "`delete`: `fva` depends on the session's MFA time, not on the row"
    );
}

/// Was the `rls_policies` example.
#[test]
fn one_policy_per_command() {
    let policies = rls_policies::<note::Model>(Access.data(), "notes").unwrap();
    assert_eq!(policies.len(), 4); // SELECT, UPDATE, DELETE, INSERT
    assert!(
        policies[0]
            .starts_with(r#"CREATE POLICY "access_note_select" ON "notes" FOR SELECT USING ("#)
    );
    // update = where(owner_id = user.id)
    assert!(policies[1].contains(r#""owner_id"::text = current_setting('access.sub', true)"#));
    assert!(policies[3].contains("FOR INSERT WITH CHECK"));
}

/// Was the `set_claims` example.
#[tokio::test]
async fn claims_are_bound_parameters() {
    // A mock PostgreSQL connection records the statement.
    let db = MockDatabase::new(DbBackend::Postgres)
        .append_exec_results([MockExecResult::default()])
        .into_connection();
    let alice = Principal::new("7")
        .tenant("acme")
        .global_roles(RoleSet::single(0));
    set_claims(&db, Access.data(), Some(&alice)).await.unwrap();

    let log = db.into_transaction_log();
    let stmt = &log[0].statements()[0];
    assert!(stmt.sql.contains("set_config('access.sub', $1, true)"));
    let values: Vec<Value> = ["7", "acme", "admin", "false"]
        .into_iter()
        .map(|v| Value::from(v.to_owned()))
        .collect();
    assert_eq!(stmt.values.as_ref().unwrap().0, values);
}

/// Was the `rls_applies` example.
#[tokio::test]
async fn a_role_with_bypassrls_is_reported() {
    // What PostgreSQL answers for a role with BYPASSRLS, and for a plain role.
    let db = MockDatabase::new(DbBackend::Postgres)
        .append_query_results([[BTreeMap::from([("bypass", Value::from(true))])]])
        .append_query_results([[BTreeMap::from([("bypass", Value::from(false))])]])
        .into_connection();
    assert!(!rls_applies(&db).await.unwrap());
    assert!(rls_applies(&db).await.unwrap());
}
