//! `row_filter`, `RowFilter`, `SeaOrmSchema` and `SqlField`: a schema's rules as the condition
//! of a statement.

use access_core::sea::{SeaOrmSchema, row_filter};
use access_core::{AccessModel, Action, PermissionCtx, Principal, RoleSet};
use sea_orm::{
    ActiveModelTrait, DatabaseConnection, DbBackend, EntityName, EntityTrait, QueryFilter,
    QueryTrait, Set, Value,
};

use crate::model::Access;
use crate::note;

fn table<T: SeaOrmSchema>() -> &'static str {
    T::Entity::default().table_name()
}

/// Notes 1 (owner 1), 2 (owner 2) and 3 (owner 2, archived).
async fn notes() -> DatabaseConnection {
    let db = crate::sqlite_with(note::Entity).await;
    for (id, owner_id, archived) in [(1, 1, false), (2, 2, false), (3, 2, true)] {
        note::ActiveModel {
            id: Set(id),
            owner_id: Set(owner_id),
            archived: Set(archived),
        }
        .insert(&db)
        .await
        .unwrap();
    }
    db
}

async fn ids(db: &DatabaseConnection) -> Vec<i64> {
    let rows = note::Entity::find().all(db).await.unwrap();
    rows.into_iter().map(|n| n.id).collect()
}

/// Was the `SeaOrmSchema` and `SeaOrmSchema::sql_value` examples.
#[test]
fn the_schema_knows_its_table_and_column_types() {
    assert_eq!(table::<note::Model>(), "notes");
    assert_eq!(
        note::Model::sql_value("owner_id", "42"),
        Some(Value::from(42i64))
    );
    assert_eq!(
        note::Model::sql_value("owner_id", "7"),
        Some(Value::from(7i64))
    );
    // A non-numeric id cannot equal an integer column.
    assert_eq!(note::Model::sql_value("owner_id", "alice"), None);
}

/// Was the `RowFilter` example.
#[test]
fn update_is_a_condition_on_the_owner_column() {
    let bob = Principal::new("2");
    let ctx = PermissionCtx::new(Access.data(), Some(&bob));
    // update = where(owner_id = user.id)
    let f = row_filter::<note::Model>(&ctx, Action::Update);
    assert!(!f.recheck && !f.deny_all);
    let sql = note::Entity::find()
        .filter(f.condition)
        .build(DbBackend::Sqlite)
        .to_string();
    assert!(sql.contains(r#""notes"."owner_id" = 2"#), "{sql}");

    // Nobody signed in: no row can pass, the statement need not run.
    let anonymous = PermissionCtx::new(Access.data(), None);
    assert!(row_filter::<note::Model>(&anonymous, Action::Update).deny_all);
}

/// Was the `row_filter` example.
#[tokio::test]
async fn list_and_delete_run_on_sqlite() {
    let db = notes().await;

    // list = any(role(admin), where(owner_id = user.id))
    let bob = Principal::new("2");
    let ctx = PermissionCtx::new(Access.data(), Some(&bob));
    let filter = row_filter::<note::Model>(&ctx, Action::List);
    let rows = note::Entity::find()
        .filter(filter.condition)
        .all(&db)
        .await
        .unwrap();
    assert_eq!(rows.iter().map(|n| n.id).collect::<Vec<_>>(), [2, 3]);

    // delete = all(role(admin), where(archived = false))
    let admin = Principal::new("9").global_roles(RoleSet::single(0));
    let ctx = PermissionCtx::new(Access.data(), Some(&admin));
    let filter = row_filter::<note::Model>(&ctx, Action::Delete);
    let deleted = note::Entity::delete_many()
        .filter(filter.condition)
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(deleted.rows_affected, 2);
    assert_eq!(ids(&db).await, [3]);
}
