//! One rule, three enforcers: a schema's row rules are checked in memory
//! ([`Schema::authorize_action`](crate::Schema::authorize_action)), pushed into SQL
//! ([`row_filter`]) and, on PostgreSQL, enforced by row-level security ([`rls_policies`]).
//! [`enforcers_agree`] checks on random rows that all three give the same answer, in one call
//! from a test.
//!
//! Test support, not part of the stable API: the module exists with the feature `testing`
//! (which turns on `sea-orm`). Enable it where the tests are, e.g.
//! `access-core = { workspace = true, features = ["testing"] }` under `[dev-dependencies]`.

use std::collections::BTreeSet;

use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, IntoActiveModel, QueryFilter, Statement,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value as Json;

use super::rls::{quote_ident, rls_policies, set_claims};
use super::row_filter::{SeaOrmSchema, row_filter};
use crate::model::{ModelData, RoleSet};
use crate::principal::Principal;
use crate::schema::{Action, PermissionCtx, Rule, WhereValue, default_rule};

/// What [`enforcers_agree`] checked.
///
/// # Examples
/// ```
/// use access_core::sea::agree::Agreement;
///
/// fn summary(r: &Agreement) -> String {
///     let rls = if r.rls { " (row-level security too)" } else { "" };
///     format!("{} rows, {} cases agree{rls}; {} rows allowed", r.rows, r.cases, r.allowed)
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Agreement {
    /// Random rows written.
    pub rows: usize,
    /// (principal, action) pairs compared.
    pub cases: usize,
    /// Whether row-level security took part (PostgreSQL with a role given).
    pub rls: bool,
    /// Rows allowed, summed over the cases (a check that the rows were not all denied).
    pub allowed: usize,
}

/// A spread of callers for a model: anonymous, users with each global role alone and none, in
/// two tenants, and a superuser.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::sea::agree::principals;
/// use access_core::RoleSet;
///
/// let model = ModelBuilder::new("Access")
///     .global_roles(["admin"])
///     .entity("doc", ["owner"])
///     .entitlement("doc:edit", "doc", ["owner"], [])
///     .build()
///     .unwrap();
/// let callers = principals(&model);
/// // Anonymous; per tenant a user without roles and one per global role; a superuser.
/// assert_eq!(callers.len(), 1 + 2 * 2 + 1);
/// assert!(callers[0].is_none());
/// let admin = callers[2].as_ref().unwrap();
/// assert_eq!((admin.tenant.as_deref(), admin.global_roles), (Some("acme"), RoleSet::single(0)));
/// assert!(callers.last().unwrap().as_ref().unwrap().superuser);
/// ```
pub fn principals(model: &ModelData) -> Vec<Option<Principal>> {
    let mut out = vec![None];
    let mut n = 0;
    for tenant in ["acme", "globex"] {
        for role in std::iter::once(None).chain((0..model.global_roles.len()).map(Some)) {
            n += 1;
            let mut roles = RoleSet::EMPTY;
            if let Some(r) = role {
                roles.insert(r);
            }
            out.push(Some(
                Principal::new(n.to_string())
                    .tenant(tenant)
                    .global_roles(roles),
            ));
        }
    }
    out.push(Some(Principal::new("999").tenant("acme").superuser(true)));
    out
}

/// The fields `where` rules compare, with the literals they compare them to.
fn where_fields(rule: &Rule, out: &mut Vec<(&'static str, Vec<WhereValue>)>) {
    match rule {
        Rule::Where(clauses) => {
            for c in clauses.iter() {
                match out.iter_mut().find(|(f, _)| *f == c.field) {
                    Some((_, v)) => v.push(c.value),
                    None => out.push((c.field, vec![c.value])),
                }
            }
        }
        Rule::All(rs) | Rule::Any(rs) => rs.iter().for_each(|r| where_fields(r, out)),
        _ => {}
    }
}

/// Writes `rows` random rows (from `template`, the compared fields drawn from the callers' ids
/// and tenants, the rules' literals and values nobody has), then for every caller of
/// `principals` and each of `list`, `update` and `delete` compares the rows allowed in memory,
/// by the SQL condition, and (PostgreSQL, `rls_role` given) by row-level security: the
/// policies are (re)created on `table`, RLS is enabled and forced, and `rls_role` (created if
/// missing, a plain role) runs the statements without any `WHERE` of its own. The rows are
/// deleted afterwards.
///
/// For tests: it changes the table's policies. Actions whose rule has parts marked
/// `in_memory(..)` are compared in memory against SQL-plus-recheck only.
///
/// # Errors
/// The first disagreement (caller, action and the rows each enforcer allowed), or a database
/// error.
///
/// # Examples
/// ```
/// use access_core::AccessModel;
/// use access_core::sea::agree::{enforcers_agree, principals};
/// use sea_orm::{ConnectionTrait, Database, DbBackend, Schema};
///
/// access_core::define_access! {
///     pub Access;
///     roles: [admin],
///     entity project { roles: [owner] }
///     entitlements { "project:edit" on project => roles [owner] }
/// }
///
/// mod note {
///     use sea_orm::entity::prelude::*;
///
///     #[derive(Clone, Debug, PartialEq, DeriveEntityModel, access_core::Schema,
///              serde::Serialize, serde::Deserialize)]
///     #[sea_orm(table_name = "notes")]
///     #[schema(access = super::Access, entity = Entity, permission(
///         list   = any(role(admin), where(owner_id = user.id)),
///         update = where(owner_id = user.id),
///         delete = all(role(admin), where(archived = false)),
///     ))]
///     pub struct Model {
///         #[sea_orm(primary_key)]
///         pub id: i64,
///         pub owner_id: i64,
///         pub archived: bool,
///     }
///
///     #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
///     pub enum Relation {}
///
///     impl ActiveModelBehavior for ActiveModel {}
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let db = Database::connect("sqlite::memory:").await.unwrap();
/// let table = Schema::new(DbBackend::Sqlite).create_table_from_entity(note::Entity);
/// db.execute(&table).await.unwrap();
/// let template = note::Model { id: 0, owner_id: 0, archived: false };
/// let callers = principals(Access.data());
/// // `Err` names the first caller and action the enforcers disagree on.
/// let report = enforcers_agree(&db, Access.data(), "notes", &template, &callers, 20, 1, None)
///     .await
///     .unwrap();
/// assert!(report.allowed > 0);
/// # }
/// ```
#[allow(clippy::too_many_arguments)]
pub async fn enforcers_agree<T>(
    db: &DatabaseConnection,
    model: &ModelData,
    table: &str,
    template: &T,
    principals: &[Option<Principal>],
    rows: usize,
    seed: u64,
    rls_role: Option<&str>,
) -> Result<Agreement, String>
where
    T: SeaOrmSchema
        + Serialize
        + DeserializeOwned
        + Sync
        + IntoActiveModel<<T::Entity as EntityTrait>::ActiveModel>,
    T::Entity: EntityTrait<Model = T>,
    <T::Entity as EntityTrait>::ActiveModel:
        ActiveModelTrait<Entity = T::Entity> + ActiveModelBehavior + Send,
{
    let perms = T::PERMISSIONS;
    let actions = [Action::List, Action::Update, Action::Delete];
    let mut fields = Vec::new();
    for a in actions {
        let rule = perms
            .rule(a)
            .unwrap_or_else(|| default_rule(&model.default_permission, a));
        where_fields(&rule, &mut fields);
    }
    let base = serde_json::to_value(template).map_err(|e| e.to_string())?;
    let id_field = perms.id_field;
    let int_ids = base.get(id_field).is_some_and(Json::is_number);
    // The pools: callers' ids and tenants, the literals, and values nobody holds.
    let ids: Vec<String> = principals
        .iter()
        .flatten()
        .map(|p| p.id.to_string())
        .collect();
    let tenants: Vec<String> = principals
        .iter()
        .flatten()
        .filter_map(|p| p.tenant.as_deref().map(str::to_owned))
        .collect();
    let mut rng = seed | 1;
    let mut next = |n: usize| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        (rng % n.max(1) as u64) as usize
    };
    let mut written: Vec<Json> = Vec::new();
    for i in 0..rows {
        let mut row = base.clone();
        let obj = row
            .as_object_mut()
            .ok_or("the template is not a JSON object")?;
        obj.insert(
            id_field.to_owned(),
            if int_ids {
                Json::from(900_000_000 + i as i64)
            } else {
                Json::from(format!("agree-{seed}-{i}"))
            },
        );
        for (field, values) in &fields {
            let Some(current) = obj.get(*field) else {
                return Err(format!("the template has no field `{field}`"));
            };
            let mut pool: Vec<Json> = Vec::new();
            for v in values {
                match v {
                    WhereValue::UserId => pool.extend(ids.iter().map(|s| Json::from(s.clone()))),
                    WhereValue::TenantId => {
                        pool.extend(tenants.iter().map(|s| Json::from(s.clone())))
                    }
                    WhereValue::Int(n) => pool.push(Json::from(*n)),
                    WhereValue::Str(s) => pool.push(Json::from(*s)),
                    WhereValue::Bool(b) => pool.push(Json::from(*b)),
                }
            }
            pool.push(Json::from("nobody"));
            pool.push(Json::from(424_242));
            // Fit the field's type: numbers stay numbers, strings strings, booleans booleans.
            let fitted: Vec<Json> = pool
                .into_iter()
                .filter_map(|v| match (current, &v) {
                    (Json::Number(_), Json::String(s)) => s.parse::<i64>().ok().map(Json::from),
                    (Json::Number(_), Json::Number(_)) => Some(v),
                    (Json::String(_), Json::Number(n)) => Some(Json::from(n.to_string())),
                    (Json::String(_), Json::String(_)) => Some(v),
                    (Json::Bool(_), Json::Bool(_)) => Some(v),
                    (Json::Bool(_), _) => Some(Json::from(next(2) == 0)),
                    (Json::Null, _) => Some(v),
                    _ => None,
                })
                .collect();
            if !fitted.is_empty() {
                let pick = fitted[next(fitted.len())].clone();
                obj.insert((*field).to_owned(), pick);
            }
        }
        written.push(row);
    }
    let mut models: Vec<T> = Vec::with_capacity(written.len());
    for row in &written {
        let fit = |e: serde_json::Error| format!("a random row does not fit: {e}");
        let m: T = serde_json::from_value(row.clone()).map_err(fit)?;
        T::Entity::insert(m.into_active_model())
            .exec_without_returning(db)
            .await
            .map_err(|e| format!("insert: {e}"))?;
        models.push(serde_json::from_value(row.clone()).map_err(fit)?);
    }
    let key = |row: &Json| row.get(id_field).map(Json::to_string).unwrap_or_default();
    let all_ids: Vec<sea_orm::Value> = written
        .iter()
        .map(|r| match r.get(id_field) {
            Some(Json::Number(n)) => sea_orm::Value::from(n.as_i64().unwrap_or(0)),
            Some(Json::String(s)) => sea_orm::Value::from(s.clone()),
            _ => sea_orm::Value::from(String::new()),
        })
        .collect();
    let written_keys: BTreeSet<String> = written.iter().map(key).collect();
    let id_col: <T::Entity as EntityTrait>::Column = id_field
        .parse()
        .map_err(|_| format!("`{id_field}` is not a column"))?;
    let use_rls = rls_role.is_some() && db.get_database_backend() == DbBackend::Postgres;
    if let (true, Some(role)) = (use_rls, rls_role) {
        prepare_rls::<T>(db, model, table, role).await?;
    }
    let result = async {
        let mut report = Agreement {
            rows,
            cases: 0,
            rls: use_rls,
            allowed: 0,
        };
        for p in principals {
            let ctx = PermissionCtx::new(model, p.as_ref());
            for action in actions {
                // 1. In memory.
                let mut memory = BTreeSet::new();
                for (m, row) in models.iter().zip(&written) {
                    if T::authorize_action(&ctx.with_row(m), action).await.is_ok() {
                        memory.insert(key(row));
                    }
                }
                // 2. SQL.
                let filter = row_filter::<T>(&ctx, action);
                let mut sql = BTreeSet::new();
                if !filter.deny_all {
                    let found = T::Entity::find()
                        .filter(sea_orm::ColumnTrait::is_in(&id_col, all_ids.clone()))
                        .filter(filter.condition.clone())
                        .all(db)
                        .await
                        .map_err(|e| format!("select: {e}"))?;
                    for m in &found {
                        if filter.recheck
                            && T::authorize_action(&ctx.with_row(m), action).await.is_err()
                        {
                            continue;
                        }
                        let v = serde_json::to_value(m).map_err(|e| e.to_string())?;
                        sql.insert(key(&v));
                    }
                }
                let who = p.as_ref().map_or("anonymous".to_owned(), |p| {
                    format!("user {} of {:?} roles {:?}", p.id, p.tenant, p.global_roles)
                });
                if memory != sql {
                    return Err(format!(
                        "`{action}` for {who}: in memory {memory:?}, SQL {sql:?}"
                    ));
                }
                // 3. Row-level security, without any WHERE of our own.
                if let (true, Some(role)) = (use_rls, rls_role)
                    && !filter.recheck
                {
                    let rls =
                        rls_rows(db, model, table, role, id_field, action, p.as_ref()).await?;
                    let rls: BTreeSet<String> = rls
                        .into_iter()
                        .filter(|k| written_keys.contains(k))
                        .collect();
                    if memory != rls {
                        return Err(format!(
                            "`{action}` for {who}: in memory {memory:?}, row-level security {rls:?}"
                        ));
                    }
                }
                report.cases += 1;
                report.allowed += memory.len();
            }
        }
        Ok(report)
    }
    .await;
    // Clean up, whatever happened.
    T::Entity::delete_many()
        .filter(sea_orm::ColumnTrait::is_in(&id_col, all_ids))
        .exec(db)
        .await
        .map_err(|e| format!("cleanup: {e}"))?;
    result
}

async fn prepare_rls<T: SeaOrmSchema>(
    db: &DatabaseConnection,
    model: &ModelData,
    table: &str,
    role: &str,
) -> Result<(), String> {
    let policies = rls_policies::<T>(model, table).map_err(|e| e.0)?;
    let t = quote_ident(table);
    let r = quote_ident(role);
    let lit = role.replace('\'', "''");
    let mut stmts = vec![format!(
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{lit}') THEN CREATE ROLE {r}; END IF; END $$"
    )];
    for cmd in ["select", "update", "delete", "insert"] {
        stmts.push(format!(
            "DROP POLICY IF EXISTS {} ON {t}",
            quote_ident(&format!("access_{}_{cmd}", T::PERMISSIONS.name))
        ));
    }
    stmts.extend(policies);
    stmts.push(format!("ALTER TABLE {t} ENABLE ROW LEVEL SECURITY"));
    stmts.push("SELECT current_schema()".to_owned());
    for s in stmts {
        db.execute_unprepared(&s)
            .await
            .map_err(|e| format!("{s}: {e}"))?;
    }
    let schema: String = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT current_schema() AS s",
        ))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no schema")?
        .try_get("", "s")
        .map_err(|e| e.to_string())?;
    for s in [
        format!("GRANT USAGE ON SCHEMA {} TO {r}", quote_ident(&schema)),
        format!("GRANT SELECT, INSERT, UPDATE, DELETE ON {t} TO {r}"),
    ] {
        db.execute_unprepared(&s)
            .await
            .map_err(|e| format!("{s}: {e}"))?;
    }
    Ok(())
}

/// The ids the policies let `role` see (`list`), update or delete, in a transaction rolled back.
async fn rls_rows(
    db: &DatabaseConnection,
    model: &ModelData,
    table: &str,
    role: &str,
    id_field: &str,
    action: Action,
    p: Option<&Principal>,
) -> Result<Vec<String>, String> {
    let txn = super::write::begin_write(db)
        .await
        .map_err(|e| e.to_string())?;
    txn.execute_unprepared(&format!("SET LOCAL ROLE {}", quote_ident(role)))
        .await
        .map_err(|e| e.to_string())?;
    set_claims(&txn, model, p)
        .await
        .map_err(|e| e.to_string())?;
    let id = quote_ident(id_field);
    let t = quote_ident(table);
    let sql = match action {
        Action::Update => format!("UPDATE {t} SET {id} = {id} RETURNING {id}::text AS k"),
        Action::Delete => format!("DELETE FROM {t} RETURNING {id}::text AS k"),
        _ => format!("SELECT {id}::text AS k FROM {t}"),
    };
    let rows = txn
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .map_err(|e| e.to_string())?;
    txn.rollback().await.map_err(|e| e.to_string())?;
    rows.iter()
        .map(|r| {
            let k: String = r.try_get("", "k").map_err(|e| e.to_string())?;
            // Keys as JSON renders them (strings quoted).
            Ok(if k.parse::<i64>().is_ok() {
                k
            } else {
                Json::from(k).to_string()
            })
        })
        .collect()
}
