//! Row rules as a sea-orm [`Condition`]: an action's rule evaluated for the caller without a row,
//! the parts that need the row pushed down as column comparisons.

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, Value};

use crate::principal::Principal;
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

/// A schema bound to a sea-orm entity (`#[schema(entity = Entity)]`); the derive implements it.
/// The [module example](crate::sea) declares one.
///
/// # Examples
/// ```
/// use access_core::sea::SeaOrmSchema;
/// use sea_orm::EntityName;
///
/// // The table whose statements a schema's rules filter.
/// fn table<T: SeaOrmSchema>() -> &'static str {
///     T::Entity::default().table_name()
/// }
/// ```
pub trait SeaOrmSchema: Schema {
    /// The entity whose columns the fields are.
    type Entity: EntityTrait;
    /// `raw` (the caller's id or tenant) as a value of `field`'s column type.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SeaOrmSchema;
    /// use sea_orm::Value;
    ///
    /// // The caller's id as a value of the `owner_id` column (`None`: no row can hold it).
    /// fn owner<T: SeaOrmSchema>(user_id: &str) -> Option<Value> {
    ///     T::sql_value("owner_id", user_id)
    /// }
    /// ```
    fn sql_value(field: &str, raw: &str) -> Option<Value>;
}

/// What to add to a statement for an action, from [`row_filter`].
///
/// # Examples
/// ```
/// use access_core::sea::{SeaOrmSchema, row_filter};
/// use access_core::{Action, PermissionCtx, Schema};
/// use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QueryFilter};
///
/// /// Loads the rows the caller may update: the condition in SQL, then the rest of the rule.
/// async fn editable<T>(db: &DatabaseConnection, ctx: &PermissionCtx<'_>) -> Result<Vec<T>, DbErr>
/// where
///     T: SeaOrmSchema,
///     T::Entity: EntityTrait<Model = T>,
/// {
///     let filter = row_filter::<T>(ctx, Action::Update);
///     let mut rows = T::Entity::find().filter(filter.condition).all(db).await?;
///     if filter.recheck {
///         let mut kept = Vec::new();
///         for row in rows {
///             if T::authorize_action(&ctx.with_row(&row), Action::Update).await.is_ok() {
///                 kept.push(row);
///             }
///         }
///         rows = kept;
///     }
///     Ok(rows)
/// }
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
        Rule::Public | Rule::Blocked | Rule::Authenticated | Rule::GlobalRoles(_) => {
            match evaluate_sync(rule, ctx) {
                Some(Ok(())) => (Sql::True, false),
                _ => (Sql::False, false),
            }
        }
        // A second factor too old is not "no such row" but "step up": the row is loaded (when
        // the rest of the rule lets it) and the check after the load answers `mfa_required`,
        // so a client knows to prompt. Under `all(where(..), fva(..))` the row is needed to
        // tell the two apart: `crud::rows::absent` alone would call it a 404.
        Rule::Fva(_) => match evaluate_sync(rule, ctx) {
            Some(Ok(())) => (Sql::True, false),
            _ => (Sql::True, true),
        },
    }
}

/// The filter `T`'s rule for `action` puts on statements for the caller in `ctx`.
///
/// The rule is evaluated without a row: parts that do not depend on the row (roles,
/// `authenticated`, `fva`, ..) are decided now, `where` clauses become column comparisons, and
/// what needs the row in memory (dynamic checks, `entitlement(..)`) is left to a check after the
/// load ([`RowFilter::recheck`]). Under `any(..)`, a branch that cannot be pushed down makes the
/// whole `any` a load-then-check: the condition would otherwise drop rows that the in-memory
/// branch allows.
///
/// # Examples
/// ```
/// use access_core::sea::{SeaOrmSchema, row_filter};
/// use access_core::{Action, PermissionCtx};
/// use sea_orm::{DatabaseConnection, DbErr, EntityTrait, QueryFilter};
///
/// /// Deletes the rows the caller may delete (a rule SQL can express in full).
/// async fn delete_allowed<T>(db: &DatabaseConnection, ctx: &PermissionCtx<'_>) -> Result<u64, DbErr>
/// where
///     T: SeaOrmSchema,
/// {
///     let filter = row_filter::<T>(ctx, Action::Delete);
///     if filter.deny_all {
///         return Ok(0); // no row can pass: the statement need not run
///     }
///     let done = T::Entity::delete_many().filter(filter.condition).exec(db).await?;
///     Ok(done.rows_affected)
/// }
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
