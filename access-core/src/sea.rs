//! Row rules in SQL: a schema bound to a sea-orm entity turns its `where` rules into a
//! `Condition` added to every statement (feature `sea-orm`).
//!
//! [`row_filter`] evaluates an action's rule for the caller without a row: parts that do not
//! depend on the row (roles, `authenticated`, `fva`, ..) are decided now, `where` clauses become
//! column comparisons, and what needs the row in memory (dynamic checks, `entitlement(..)`) is
//! left to a check after the load ([`RowFilter::recheck`]). Under `any(..)`, a branch that
//! cannot be pushed down makes the whole `any` a load-then-check: the condition would otherwise
//! drop rows that the in-memory branch allows.

pub mod agree;
mod listing;
mod store;
mod wallet;
pub use listing::{Accessible, list_accessible};
pub use store::{SeaStore, migrate};
pub use wallet::SeaWallet;

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, Value};

use crate::engine::Principal;
use crate::schema::{
    Action, ListItem, PermissionCtx, Rule, Schema, Where, WhereValue, default_rule, evaluate_sync,
};

/// Types a `where` rule can compare in SQL: how the caller's id or tenant (strings) become a
/// value of the column's type.
///
/// # Examples
/// ```
/// use access_core::sea::SqlField;
/// use sea_orm::Value;
///
/// // The caller's id "42" against an integer column, a text column, a nullable column.
/// assert_eq!(i64::sql_value("42"), Some(Value::from(42i64)));
/// assert_eq!(String::sql_value("42"), Some(Value::from("42".to_owned())));
/// assert_eq!(<Option<i32>>::sql_value("42"), Some(Value::from(42i32)));
/// // A non-numeric id cannot equal any integer.
/// assert_eq!(i64::sql_value("alice"), None);
/// ```
#[diagnostic::on_unimplemented(
    message = "a `where` rule cannot compare a column of type `{Self}` in SQL",
    note = "`where` compares integers, strings, `bool` and `Option`s of them"
)]
pub trait SqlField {
    /// `raw` as a value of this column's type (`None`: it cannot equal any row).
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SqlField;
    /// use sea_orm::Value;
    ///
    /// assert_eq!(u8::sql_value("7"), Some(Value::from(7u8)));
    /// assert_eq!(u8::sql_value("300"), None); // out of range
    /// assert_eq!(bool::sql_value("true"), Some(Value::from(true)));
    /// ```
    fn sql_value(raw: &str) -> Option<Value>;
}

macro_rules! sql_int {
    ($($t:ty),*) => {$(
        impl SqlField for $t {
            fn sql_value(raw: &str) -> Option<Value> {
                raw.parse::<$t>().ok().map(Value::from)
            }
        }
    )*};
}
sql_int!(i8, i16, i32, i64, u8, u16, u32, u64);

impl SqlField for String {
    fn sql_value(raw: &str) -> Option<Value> {
        Some(Value::from(raw.to_owned()))
    }
}
impl SqlField for bool {
    fn sql_value(raw: &str) -> Option<Value> {
        raw.parse::<bool>().ok().map(Value::from)
    }
}
impl<T: SqlField> SqlField for Option<T> {
    fn sql_value(raw: &str) -> Option<Value> {
        T::sql_value(raw)
    }
}

/// A schema bound to a sea-orm entity (`#[schema(entity = Entity)]`).
///
/// # Examples
/// ```
/// use access_core::sea::SeaOrmSchema;
/// use sea_orm::{EntityName, Value};
///
/// # access_core::define_access! {
/// #     pub Access;
/// #     roles: [admin],
/// #     entity project { roles: [owner] }
/// #     entitlements { "project:edit" on project => roles [owner] }
/// # }
/// mod note {
///     use sea_orm::entity::prelude::*;
///
///     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema)]
///     #[sea_orm(table_name = "notes")]
///     #[schema(access = super::Access, name = "note", entity = Entity, permission(
///         list = where(owner_id = user.id),
///     ))]
///     pub struct Model {
///         #[sea_orm(primary_key)]
///         pub id: i64,
///         pub owner_id: i64,
///     }
///
///     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
///     pub enum Relation {}
///
///     impl ActiveModelBehavior for ActiveModel {}
/// }
///
/// fn table<T: SeaOrmSchema>() -> &'static str {
///     T::Entity::default().table_name()
/// }
///
/// # fn main() {
/// assert_eq!(table::<note::Model>(), "notes");
/// assert_eq!(note::Model::sql_value("owner_id", "42"), Some(Value::from(42i64)));
/// # }
/// ```
pub trait SeaOrmSchema: Schema {
    /// The entity whose columns the fields are.
    type Entity: EntityTrait;
    /// `raw` (the caller's id or tenant) as a value of `field`'s column type.
    ///
    /// # Examples
    /// ```
    /// # mod model {
    /// #     access_core::define_access! {
    /// #         pub Access;
    /// #         roles: [admin],
    /// #         entity project { roles: [owner] }
    /// #         entitlements { "project:edit" on project => roles [owner] }
    /// #     }
    /// # }
    /// # mod note {
    /// #     use sea_orm::entity::prelude::*;
    /// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema,
    /// #              serde::Serialize, serde::Deserialize)]
    /// #     #[sea_orm(table_name = "notes")]
    /// #     #[schema(access = super::model::Access, name = "note", entity = Entity, permission(
    /// #         create = authenticated,
    /// #         list   = any(role(admin), where(owner_id = user.id)),
    /// #         update = where(owner_id = user.id),
    /// #         delete = all(role(admin), where(archived = false)),
    /// #     ))]
    /// #     pub struct Model {
    /// #         #[sea_orm(primary_key)]
    /// #         pub id: i64,
    /// #         pub owner_id: i64,
    /// #         pub archived: bool,
    /// #     }
    /// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    /// #     pub enum Relation {}
    /// #     impl ActiveModelBehavior for ActiveModel {}
    /// # }
    /// # use model::Access;
    /// use access_core::sea::SeaOrmSchema;
    /// use sea_orm::Value;
    ///
    /// # fn main() {
    /// assert_eq!(note::Model::sql_value("owner_id", "7"), Some(Value::from(7i64)));
    /// assert_eq!(note::Model::sql_value("owner_id", "alice"), None);
    /// # }
    /// ```
    fn sql_value(field: &str, raw: &str) -> Option<Value>;
}

/// What to add to a statement for an action.
///
/// # Examples
/// ```
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin],
/// #         entity project { roles: [owner] }
/// #         entitlements { "project:edit" on project => roles [owner] }
/// #     }
/// # }
/// # mod note {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema,
/// #              serde::Serialize, serde::Deserialize)]
/// #     #[sea_orm(table_name = "notes")]
/// #     #[schema(access = super::model::Access, name = "note", entity = Entity, permission(
/// #         create = authenticated,
/// #         list   = any(role(admin), where(owner_id = user.id)),
/// #         update = where(owner_id = user.id),
/// #         delete = all(role(admin), where(archived = false)),
/// #     ))]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         pub owner_id: i64,
/// #         pub archived: bool,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # use model::Access;
/// use access_core::sea::row_filter;
/// use access_core::{AccessModel, Action, PermissionCtx, Principal};
/// use sea_orm::{DbBackend, EntityTrait, QueryFilter, QueryTrait};
///
/// # fn main() {
/// let bob = Principal::new("2");
/// let ctx = PermissionCtx::new(Access.data(), Some(&bob));
/// // update = where(owner_id = user.id)
/// let f = row_filter::<note::Model>(&ctx, Action::Update);
/// assert!(!f.recheck && !f.deny_all);
/// let sql = note::Entity::find().filter(f.condition).build(DbBackend::Sqlite).to_string();
/// assert!(sql.contains(r#""notes"."owner_id" = 2"#), "{sql}");
///
/// // Nobody signed in: no row can pass, the statement need not run.
/// let anonymous = PermissionCtx::new(Access.data(), None);
/// assert!(row_filter::<note::Model>(&anonymous, Action::Update).deny_all);
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct RowFilter {
    /// Add it to the statement's `WHERE` (for list, get, update and delete).
    pub condition: Condition,
    /// Whether rows must also be checked in memory after the load (part of the rule could not
    /// be expressed in SQL).
    pub recheck: bool,
    /// Whether no row can pass: the statement need not run.
    pub deny_all: bool,
}

enum Sql {
    True,
    False,
    Cond(Expr),
    /// Needs the row in memory.
    Unknown,
}

fn and(a: Sql, b: Sql) -> (Sql, bool) {
    match (a, b) {
        (Sql::False, _) | (_, Sql::False) => (Sql::False, false),
        (Sql::True, x) | (x, Sql::True) => (x, false),
        (Sql::Unknown, x) | (x, Sql::Unknown) => (x, true),
        (Sql::Cond(a), Sql::Cond(b)) => (Sql::Cond(a.and(b)), false),
    }
}

fn clause<T: SeaOrmSchema>(w: &Where, p: Option<&Principal>) -> Sql {
    let Ok(col) = w.field.parse::<<T::Entity as EntityTrait>::Column>() else {
        return Sql::Unknown;
    };
    let raw = match w.value {
        WhereValue::UserId => p.map(|p| p.id.to_string()),
        WhereValue::TenantId => p.and_then(|p| p.tenant.as_deref().map(str::to_owned)),
        WhereValue::Int(i) => return Sql::Cond(col.eq(i)),
        WhereValue::Str(s) => return Sql::Cond(col.eq(s)),
        WhereValue::Bool(b) => return Sql::Cond(col.eq(b)),
    };
    match raw.and_then(|r| T::sql_value(w.field, &r)) {
        Some(v) => Sql::Cond(col.eq(v)),
        None => Sql::False,
    }
}

/// `rule` for the caller, as SQL; the flag says a recheck in memory is needed.
fn to_sql<T: SeaOrmSchema>(rule: &Rule, ctx: &PermissionCtx<'_>) -> (Sql, bool) {
    let p = ctx.principal.filter(|p| p.active);
    match rule {
        Rule::Where(clauses) => {
            if p.is_some_and(|p| p.superuser) {
                return (Sql::True, false);
            }
            let mut acc = (Sql::True, false);
            for w in *clauses {
                let (s, r) = and(acc.0, clause::<T>(w, p));
                acc = (s, acc.1 || r);
            }
            acc
        }
        Rule::All(rules) => {
            let mut acc = (Sql::True, false);
            for r in *rules {
                let (s, rc) = to_sql::<T>(r, ctx);
                let (s, unknown) = and(acc.0, s);
                acc = (s, acc.1 || rc || unknown);
            }
            acc
        }
        Rule::Any(rules) => {
            let mut parts = Vec::new();
            for r in *rules {
                match to_sql::<T>(r, ctx) {
                    (Sql::True, false) => return (Sql::True, false),
                    (Sql::False, _) => {}
                    (Sql::Cond(c), false) => parts.push(c),
                    // A branch needing the row: load every row and check them in memory.
                    _ => return (Sql::True, true),
                }
            }
            match parts.into_iter().reduce(|a, b| a.or(b)) {
                Some(c) => (Sql::Cond(c), false),
                None => (Sql::False, false),
            }
        }
        Rule::List(entries) => {
            // Decided by roles when one matches; a dynamic check needs the row.
            if let Some(r) = evaluate_sync(rule, ctx) {
                return (if r.is_ok() { Sql::True } else { Sql::False }, false);
            }
            let has_checks = entries
                .iter()
                .any(|e| matches!((e.item)(ctx), ListItem::Check(_)));
            (if has_checks { Sql::True } else { Sql::False }, has_checks)
        }
        Rule::Entitlement { .. } | Rule::Dynamic(_) => (Sql::True, true),
        Rule::Public
        | Rule::Blocked
        | Rule::Authenticated
        | Rule::GlobalRoles(_)
        | Rule::Fva(_) => match evaluate_sync(rule, ctx) {
            Some(Ok(())) => (Sql::True, false),
            _ => (Sql::False, false),
        },
    }
}

/// The filter `T`'s rule for `action` puts on statements for the caller in `ctx`.
///
/// # Examples
/// ```
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin],
/// #         entity project { roles: [owner] }
/// #         entitlements { "project:edit" on project => roles [owner] }
/// #     }
/// # }
/// # mod note {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema,
/// #              serde::Serialize, serde::Deserialize)]
/// #     #[sea_orm(table_name = "notes")]
/// #     #[schema(access = super::model::Access, name = "note", entity = Entity, permission(
/// #         create = authenticated,
/// #         list   = any(role(admin), where(owner_id = user.id)),
/// #         update = where(owner_id = user.id),
/// #         delete = all(role(admin), where(archived = false)),
/// #     ))]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         pub owner_id: i64,
/// #         pub archived: bool,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # use model::Access;
/// use access_core::sea::row_filter;
/// use access_core::{AccessModel, Action, PermissionCtx, Principal, RoleSet};
/// use sea_orm::{ActiveModelTrait, EntityTrait, QueryFilter, Set};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// # let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// # let schema = sea_orm::Schema::new(sea_orm::DbBackend::Sqlite);
/// # sea_orm::ConnectionTrait::execute(&db, &schema.create_table_from_entity(note::Entity))
/// #     .await
/// #     .unwrap();
/// for (id, owner_id, archived) in [(1, 1, false), (2, 2, false), (3, 2, true)] {
///     note::ActiveModel { id: Set(id), owner_id: Set(owner_id), archived: Set(archived) }
///         .insert(&db)
///         .await
///         .unwrap();
/// }
/// let ids = |rows: Vec<note::Model>| rows.into_iter().map(|n| n.id).collect::<Vec<_>>();
///
/// // list = any(role(admin), where(owner_id = user.id))
/// let bob = Principal::new("2");
/// let ctx = PermissionCtx::new(Access.data(), Some(&bob));
/// let filter = row_filter::<note::Model>(&ctx, Action::List);
/// let rows = note::Entity::find().filter(filter.condition).all(&db).await.unwrap();
/// assert_eq!(ids(rows), [2, 3]);
///
/// // delete = all(role(admin), where(archived = false))
/// let admin = Principal::new("9").global_roles(RoleSet::single(0));
/// let ctx = PermissionCtx::new(Access.data(), Some(&admin));
/// let filter = row_filter::<note::Model>(&ctx, Action::Delete);
/// let deleted = note::Entity::delete_many().filter(filter.condition).exec(&db).await.unwrap();
/// assert_eq!(deleted.rows_affected, 2);
/// assert_eq!(ids(note::Entity::find().all(&db).await.unwrap()), [3]);
/// # }
/// ```
pub fn row_filter<T: SeaOrmSchema>(ctx: &PermissionCtx<'_>, action: Action) -> RowFilter {
    if ctx.principal.is_some_and(|p| !p.active) {
        return deny_all();
    }
    let rule = T::PERMISSIONS
        .rule(action)
        .unwrap_or_else(|| default_rule(&ctx.model.default_permission, action));
    match to_sql::<T>(&rule, ctx) {
        (Sql::True, recheck) => RowFilter {
            condition: Condition::all(),
            recheck,
            deny_all: false,
        },
        (Sql::False, _) => deny_all(),
        (Sql::Cond(c), recheck) => RowFilter {
            condition: Condition::all().add(c),
            recheck,
            deny_all: false,
        },
        (Sql::Unknown, _) => RowFilter {
            condition: Condition::all(),
            recheck: true,
            deny_all: false,
        },
    }
}

fn deny_all() -> RowFilter {
    RowFilter {
        condition: Condition::all().add(Expr::val(1).eq(0)),
        recheck: false,
        deny_all: true,
    }
}

/// Why a rule has no row-level security policy.
///
/// # Examples
/// ```
/// use access_core::AccessModel;
/// use access_core::sea::{RlsError, rls_policies};
///
/// # access_core::define_access! {
/// #     pub Access;
/// #     roles: [admin],
/// #     entity project { roles: [owner] }
/// #     entitlements { "project:edit" on project => roles [owner] }
/// # }
/// mod vault {
///     use sea_orm::entity::prelude::*;
///
///     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema)]
///     #[sea_orm(table_name = "vaults")]
///     #[schema(access = super::Access, entity = Entity, permission(
///         delete = all(role(admin), in_memory(fva(300))),
///     ))]
///     pub struct Model {
///         #[sea_orm(primary_key)]
///         pub id: i64,
///     }
///
///     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
///     pub enum Relation {}
///
///     impl ActiveModelBehavior for ActiveModel {}
/// }
///
/// # fn main() {
/// let err: RlsError = rls_policies::<vault::Model>(Access.data(), "vaults").unwrap_err();
/// assert_eq!(err.to_string(), "`delete`: `fva` depends on the session's MFA time, not on the row");
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RlsError(pub String);

impl std::fmt::Display for RlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RlsError {}

fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn quote_lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

const SUB: &str = "current_setting('access.sub', true)";
const TENANT: &str = "current_setting('access.tenant_id', true)";
const ROLES: &str = "string_to_array(coalesce(current_setting('access.roles', true), ''), ',')";

fn rule_sql(rule: &Rule, ctx: &PermissionCtx<'_>) -> Result<String, RlsError> {
    let roles_sql = |roles: crate::RoleSet| -> String {
        let names: Vec<String> = roles
            .iter()
            .filter_map(|r| ctx.model.global_roles.get(r).map(|n| quote_lit(n)))
            .collect();
        if names.is_empty() {
            "false".to_owned()
        } else {
            format!("{ROLES} && ARRAY[{}]::text[]", names.join(", "))
        }
    };
    Ok(match rule {
        Rule::Public => "true".to_owned(),
        Rule::Blocked => "false".to_owned(),
        Rule::Authenticated => format!("coalesce({SUB}, '') <> ''"),
        Rule::GlobalRoles(roles) => roles_sql(*roles),
        Rule::List(entries) => {
            let mut roles = crate::RoleSet::EMPTY;
            for e in *entries {
                match (e.item)(ctx) {
                    ListItem::Role(r) => roles.insert(r as usize),
                    ListItem::Check(_) => {
                        return Err(RlsError(format!(
                            "the dynamic check `{}` cannot be expressed in SQL",
                            e.name
                        )));
                    }
                }
            }
            roles_sql(roles)
        }
        Rule::Where(clauses) => {
            let parts: Vec<String> = clauses
                .iter()
                .map(|w| {
                    let col = quote_ident(w.field);
                    match w.value {
                        WhereValue::UserId => format!("{col}::text = {SUB}"),
                        WhereValue::TenantId => format!("{col}::text = {TENANT}"),
                        WhereValue::Int(i) => format!("{col} = {i}"),
                        WhereValue::Str(s) => format!("{col} = {}", quote_lit(s)),
                        WhereValue::Bool(b) => format!("{col} = {b}"),
                    }
                })
                .collect();
            format!("({})", parts.join(" AND "))
        }
        Rule::All(rules) => {
            let parts: Result<Vec<String>, RlsError> =
                rules.iter().map(|r| rule_sql(r, ctx)).collect();
            format!("({})", parts?.join(" AND "))
        }
        Rule::Any(rules) => {
            let parts: Result<Vec<String>, RlsError> =
                rules.iter().map(|r| rule_sql(r, ctx)).collect();
            format!("({})", parts?.join(" OR "))
        }
        Rule::Fva(_) => {
            return Err(RlsError(
                "`fva` depends on the session's MFA time, not on the row".to_owned(),
            ));
        }
        Rule::Entitlement { name, .. } => {
            return Err(RlsError(format!(
                "`entitlement(\"{name}\")` goes through the engine and cannot be expressed in SQL"
            )));
        }
        Rule::Dynamic(c) => {
            return Err(RlsError(format!(
                "the dynamic check `{}` cannot be expressed in SQL",
                c.name
            )));
        }
    })
}

/// `CREATE POLICY` statements (PostgreSQL) for `T`'s `read`/`list` (SELECT), `update` and
/// `delete` rules and `create` (INSERT ... WITH CHECK) on `table`, reading the caller from the
/// transaction-local settings [`set_claims`] writes (`access.sub`, `access.tenant_id`,
/// `access.roles`, `access.superuser`; superusers pass). Run them with `ALTER TABLE .. ENABLE
/// ROW LEVEL SECURITY`; a rule SQL cannot express is an error naming it.
///
/// # Errors
/// The first rule that has no SQL form.
///
/// # Examples
/// ```
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin],
/// #         entity project { roles: [owner] }
/// #         entitlements { "project:edit" on project => roles [owner] }
/// #     }
/// # }
/// # mod note {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema,
/// #              serde::Serialize, serde::Deserialize)]
/// #     #[sea_orm(table_name = "notes")]
/// #     #[schema(access = super::model::Access, name = "note", entity = Entity, permission(
/// #         create = authenticated,
/// #         list   = any(role(admin), where(owner_id = user.id)),
/// #         update = where(owner_id = user.id),
/// #         delete = all(role(admin), where(archived = false)),
/// #     ))]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         pub owner_id: i64,
/// #         pub archived: bool,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # use model::Access;
/// use access_core::AccessModel;
/// use access_core::sea::rls_policies;
///
/// # fn main() {
/// let policies = rls_policies::<note::Model>(Access.data(), "notes").unwrap();
/// assert_eq!(policies.len(), 4); // SELECT, UPDATE, DELETE, INSERT
/// assert!(policies[0].starts_with(r#"CREATE POLICY "access_note_select" ON "notes" FOR SELECT USING ("#));
/// // update = where(owner_id = user.id)
/// assert!(policies[1].contains(r#""owner_id"::text = current_setting('access.sub', true)"#));
/// assert!(policies[3].contains("FOR INSERT WITH CHECK"));
/// # }
/// ```
pub fn rls_policies<T: SeaOrmSchema>(
    model: &crate::ModelData,
    table: &str,
) -> Result<Vec<String>, RlsError> {
    let ctx = PermissionCtx::new(model, None);
    let su = "coalesce(current_setting('access.superuser', true), '') = 'true'";
    let mut out = Vec::new();
    let schema = T::PERMISSIONS.name;
    for (action, command) in [
        (Action::List, "SELECT"),
        (Action::Update, "UPDATE"),
        (Action::Delete, "DELETE"),
        (Action::Create, "INSERT"),
    ] {
        let rule = T::PERMISSIONS
            .rule(action)
            .unwrap_or_else(|| default_rule(&model.default_permission, action));
        let expr = rule_sql(&rule, &ctx).map_err(|e| RlsError(format!("`{action}`: {e}")))?;
        let name = quote_ident(&format!("access_{schema}_{}", command.to_lowercase()));
        let clause = if command == "INSERT" {
            "WITH CHECK"
        } else {
            "USING"
        };
        out.push(format!(
            "CREATE POLICY {name} ON {} FOR {command} {clause} ({su} OR {expr})",
            quote_ident(table)
        ));
    }
    Ok(out)
}

/// Sets the caller's claims as transaction-local settings for row-level security policies.
/// Call it first in each request's transaction (values are bound parameters, never spliced).
///
/// # Errors
/// The database refused the statement.
///
/// # Examples
/// ```
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin],
/// #         entity project { roles: [owner] }
/// #         entitlements { "project:edit" on project => roles [owner] }
/// #     }
/// # }
/// # mod note {
/// #     use sea_orm::entity::prelude::*;
/// #     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema,
/// #              serde::Serialize, serde::Deserialize)]
/// #     #[sea_orm(table_name = "notes")]
/// #     #[schema(access = super::model::Access, name = "note", entity = Entity, permission(
/// #         create = authenticated,
/// #         list   = any(role(admin), where(owner_id = user.id)),
/// #         update = where(owner_id = user.id),
/// #         delete = all(role(admin), where(archived = false)),
/// #     ))]
/// #     pub struct Model {
/// #         #[sea_orm(primary_key)]
/// #         pub id: i64,
/// #         pub owner_id: i64,
/// #         pub archived: bool,
/// #     }
/// #     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
/// #     pub enum Relation {}
/// #     impl ActiveModelBehavior for ActiveModel {}
/// # }
/// # use model::Access;
/// use access_core::sea::set_claims;
/// use access_core::{AccessModel, Principal, RoleSet};
/// use sea_orm::{DbBackend, MockDatabase, MockExecResult, Value};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // A mock PostgreSQL connection records the statement.
/// let db = MockDatabase::new(DbBackend::Postgres)
///     .append_exec_results([MockExecResult::default()])
///     .into_connection();
/// let alice = Principal::new("7").tenant("acme").global_roles(RoleSet::single(0));
/// set_claims(&db, Access.data(), Some(&alice)).await.unwrap();
///
/// let log = db.into_transaction_log();
/// let stmt = &log[0].statements()[0];
/// assert!(stmt.sql.contains("set_config('access.sub', $1, true)"));
/// let values: Vec<Value> = ["7", "acme", "admin", "false"]
///     .into_iter()
///     .map(|v| Value::from(v.to_owned()))
///     .collect();
/// assert_eq!(stmt.values.as_ref().unwrap().0, values);
/// # }
/// ```
pub async fn set_claims<C: sea_orm::ConnectionTrait>(
    txn: &C,
    model: &crate::ModelData,
    principal: Option<&Principal>,
) -> Result<(), sea_orm::DbErr> {
    let (sub, tenant, roles, su) = match principal.filter(|p| p.active) {
        Some(p) => {
            let roles: Vec<&str> = p
                .global_roles
                .iter()
                .filter_map(|r| model.global_roles.get(r).map(|n| &**n))
                .collect();
            (
                p.id.to_string(),
                p.tenant.as_deref().unwrap_or("").to_owned(),
                roles.join(","),
                p.superuser.to_string(),
            )
        }
        None => (
            String::new(),
            String::new(),
            String::new(),
            "false".to_owned(),
        ),
    };
    txn.execute_raw(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT set_config('access.sub', $1, true), set_config('access.tenant_id', $2, true), \
         set_config('access.roles', $3, true), set_config('access.superuser', $4, true)",
        [sub.into(), tenant.into(), roles.into(), su.into()],
    ))
    .await?;
    Ok(())
}

/// Whether row-level security applies to the connection's role: `false` (with a warning
/// logged) when it is a superuser or has `BYPASSRLS`. Call it at startup.
///
/// # Errors
/// The database refused the query.
///
/// # Examples
/// ```
/// use std::collections::BTreeMap;
///
/// use access_core::sea::rls_applies;
/// use sea_orm::{DbBackend, MockDatabase, Value};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // What PostgreSQL answers for a role with BYPASSRLS, and for a plain role.
/// let db = MockDatabase::new(DbBackend::Postgres)
///     .append_query_results([[BTreeMap::from([("bypass", Value::from(true))])]])
///     .append_query_results([[BTreeMap::from([("bypass", Value::from(false))])]])
///     .into_connection();
/// assert!(!rls_applies(&db).await.unwrap());
/// assert!(rls_applies(&db).await.unwrap());
/// # }
/// ```
pub async fn rls_applies<C: sea_orm::ConnectionTrait>(db: &C) -> Result<bool, sea_orm::DbErr> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT (rolsuper OR rolbypassrls) AS bypass FROM pg_roles WHERE rolname = current_user",
        ))
        .await?;
    let bypass: bool = row.map_or(Ok(false), |r| r.try_get("", "bypass"))?;
    if bypass {
        tracing::warn!(
            "the database role is a superuser or has BYPASSRLS: row-level security policies will not apply"
        );
    }
    Ok(!bypass)
}
