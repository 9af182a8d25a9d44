//! Row rules pushed into SQL, against a real SQLite database through sea-orm: `where(owner_id =
//! user.id)` on list, get, update and delete only ever touches the caller's rows, and the
//! statements sea-orm builds carry the condition.

use access_core::sea::row_filter;
use access_core::{AccessModel, Action, PermissionCtx, Principal};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, Database, DatabaseConnection, DbBackend,
    EntityTrait, QueryFilter, QueryTrait, Set,
};

mod model {
    access_core::define_access! {
        pub Access;
        roles: [admin, user],
        entity product { roles: [owner] }
        entitlements { "product:manage" on product => roles [owner] }
    }
}

mod product {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema, serde::Serialize)]
    #[sea_orm(table_name = "products")]
    #[schema(access = crate::model::Access, entity = Entity, permission(
        create = authenticated,
        list   = where(owner_id = user.id),
        read   = where(owner_id = user.id),
        update = any(role(admin), where(owner_id = user.id)),
        delete = where(owner_id = user.id, archived = false),
    ))]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub owner_id: i64,
        pub name: String,
        pub archived: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A schema whose `any` has a branch SQL cannot express.
mod note {
    use sea_orm::entity::prelude::*;

    pub async fn is_even(ctx: &access_core::PermissionCtx<'_>) -> bool {
        ctx.row_as::<Model>().is_some_and(|m| m.id % 2 == 0)
    }

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema)]
    #[sea_orm(table_name = "notes")]
    #[schema(access = crate::model::Access, entity = Entity, permission(
        list = any(where(owner_id = user.id), in_memory(self::is_even)),
    ))]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub owner_id: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

async fn db() -> DatabaseConnection {
    let db = Database::connect("sqlite::memory:").await.expect("sqlite");
    let schema = sea_orm::Schema::new(DbBackend::Sqlite);
    db.execute(&schema.create_table_from_entity(product::Entity))
        .await
        .expect("table");
    for (id, owner, archived) in [(1, 1, false), (2, 1, true), (3, 2, false), (4, 1, false)] {
        product::ActiveModel {
            id: Set(id),
            owner_id: Set(owner),
            name: Set(format!("p{id}")),
            archived: Set(archived),
        }
        .insert(&db)
        .await
        .expect("insert");
    }
    db
}

fn ctx(p: Option<&Principal>) -> PermissionCtx<'_> {
    PermissionCtx::new(model::Access.data(), p)
}

fn admin(id: &str) -> Principal {
    let mut p = Principal::new(id);
    p.global_roles.insert(0);
    p
}

async fn names(db: &DatabaseConnection, c: sea_orm::Condition) -> Vec<String> {
    let mut v: Vec<String> = product::Entity::find()
        .filter(c)
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.name)
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn list_and_get_see_only_the_callers_rows() {
    let db = db().await;
    let one = Principal::new("1");
    let f = row_filter::<product::Model>(&ctx(Some(&one)), Action::List);
    assert!(!f.recheck && !f.deny_all);
    // The statement carries the condition, typed for the integer column.
    let sql = product::Entity::find()
        .filter(f.condition.clone())
        .build(DbBackend::Sqlite)
        .to_string();
    assert!(sql.contains(r#""products"."owner_id" = 1"#), "{sql}");
    assert_eq!(names(&db, f.condition).await, ["p1", "p2", "p4"]);

    let two = Principal::new("2");
    let f = row_filter::<product::Model>(&ctx(Some(&two)), Action::Read);
    assert_eq!(names(&db, f.condition.clone()).await, ["p3"]);
    // Another user's row: not found, not forbidden.
    let got = product::Entity::find_by_id(1)
        .filter(f.condition)
        .one(&db)
        .await
        .unwrap();
    assert!(got.is_none());
}

#[tokio::test]
async fn update_and_delete_touch_only_matching_rows() {
    let db = db().await;
    let two = Principal::new("2");
    let f = row_filter::<product::Model>(&ctx(Some(&two)), Action::Update);
    let stmt = product::Entity::update_many()
        .col_expr(product::Column::Name, Expr::value("hacked"))
        .filter(f.condition.clone())
        .filter(product::Column::Id.eq(1));
    let sql = stmt.clone().build(DbBackend::Sqlite).to_string();
    assert!(
        sql.starts_with("UPDATE") && sql.contains(r#""owner_id" = 2"#),
        "{sql}"
    );
    assert_eq!(stmt.exec(&db).await.unwrap().rows_affected, 0);
    assert_eq!(
        names(&db, sea_orm::Condition::all()).await,
        ["p1", "p2", "p3", "p4"]
    );

    // The owner's own row is updated.
    let res = product::Entity::update_many()
        .col_expr(product::Column::Name, Expr::value("mine"))
        .filter(f.condition)
        .filter(product::Column::Id.eq(3))
        .exec(&db)
        .await
        .unwrap();
    assert_eq!(res.rows_affected, 1);

    // delete = where(owner_id = user.id, archived = false)
    let one = Principal::new("1");
    let f = row_filter::<product::Model>(&ctx(Some(&one)), Action::Delete);
    let stmt = product::Entity::delete_many().filter(f.condition);
    let sql = stmt.clone().build(DbBackend::Sqlite).to_string();
    assert!(
        sql.starts_with("DELETE") && sql.contains(r#""archived" = FALSE"#),
        "{sql}"
    );
    assert_eq!(
        stmt.exec(&db).await.unwrap().rows_affected,
        2,
        "p1 and p4; p2 is archived"
    );
    assert_eq!(names(&db, sea_orm::Condition::all()).await, ["mine", "p2"]);
}

#[tokio::test]
async fn roles_anonymous_superusers_and_odd_ids() {
    let db = db().await;
    // `any(role(admin), ..)`: an admin's update has no condition at all.
    let a = admin("9");
    let f = row_filter::<product::Model>(&ctx(Some(&a)), Action::Update);
    assert_eq!(names(&db, f.condition).await.len(), 4);
    // Nobody signed in: `where(owner_id = user.id)` matches nothing; the statement need not run.
    let f = row_filter::<product::Model>(&ctx(None), Action::List);
    assert!(f.deny_all);
    assert!(names(&db, f.condition).await.is_empty());
    // A user id that is not an integer cannot equal an integer column.
    let odd = Principal::new("alice");
    let f = row_filter::<product::Model>(&ctx(Some(&odd)), Action::List);
    assert!(f.deny_all);
    // Superusers pass row rules.
    let mut root = Principal::new("0");
    root.superuser = true;
    let f = row_filter::<product::Model>(&ctx(Some(&root)), Action::List);
    assert_eq!(names(&db, f.condition).await.len(), 4);
    // Inactive users get nothing.
    let mut gone = Principal::new("1");
    gone.active = false;
    assert!(row_filter::<product::Model>(&ctx(Some(&gone)), Action::List).deny_all);
}

#[test]
fn a_branch_sql_cannot_express_makes_the_any_a_recheck() {
    let one = Principal::new("1");
    let f = row_filter::<note::Model>(&ctx(Some(&one)), Action::List);
    assert!(
        f.recheck,
        "the dynamic branch is evaluated in memory after the load"
    );
    let sql = note::Entity::find()
        .filter(f.condition)
        .build(DbBackend::Sqlite)
        .to_string();
    assert!(
        !sql.contains(r#""owner_id" ="#),
        "no condition may drop rows the dynamic branch allows: {sql}"
    );
}
