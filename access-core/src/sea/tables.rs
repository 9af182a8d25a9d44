//! The tables of [`SeaStore`](super::SeaStore) and the raw SQL its stores run: the schema and
//! [`migrate`], `?` placeholders numbered for PostgreSQL, and the query helpers.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};

use crate::store::{Resource, StoreError, StoreErrorKind, StoreResult};

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS access_resources (ty VARCHAR(64) NOT NULL, id VARCHAR(255) NOT NULL, PRIMARY KEY (ty, id))",
    "CREATE TABLE IF NOT EXISTS access_parents (child_ty VARCHAR(64) NOT NULL, child_id VARCHAR(255) NOT NULL, parent_ty VARCHAR(64) NOT NULL, parent_id VARCHAR(255) NOT NULL, PRIMARY KEY (child_ty, child_id, parent_ty, parent_id))",
    "CREATE INDEX IF NOT EXISTS access_parents_parent ON access_parents (parent_ty, parent_id)",
    "CREATE TABLE IF NOT EXISTS access_closure (desc_ty VARCHAR(64) NOT NULL, desc_id VARCHAR(255) NOT NULL, anc_ty VARCHAR(64) NOT NULL, anc_id VARCHAR(255) NOT NULL, depth INTEGER NOT NULL, PRIMARY KEY (desc_ty, desc_id, anc_ty, anc_id))",
    // Below an ancestor, covering: listing reads descendants' ids from the index alone. It
    // replaces `access_closure_anc` (without `desc_id`) of databases made before.
    "CREATE INDEX IF NOT EXISTS access_closure_below ON access_closure (anc_ty, anc_id, desc_ty, desc_id)",
    "DROP INDEX IF EXISTS access_closure_anc",
    "CREATE TABLE IF NOT EXISTS access_assignments (user_id VARCHAR(255) NOT NULL, res_ty VARCHAR(64) NOT NULL, res_id VARCHAR(255) NOT NULL, role VARCHAR(64) NOT NULL, starts_at BIGINT NULL, expires_at BIGINT NULL, PRIMARY KEY (user_id, res_ty, res_id, role))",
    // Who holds roles on a resource, in user order (members by page); replaces
    // `access_assignments_res (res_ty, res_id)` of databases made before.
    "CREATE INDEX IF NOT EXISTS access_assignments_holders ON access_assignments (res_ty, res_id, user_id)",
    "DROP INDEX IF EXISTS access_assignments_res",
    "CREATE TABLE IF NOT EXISTS access_user_roles (user_id VARCHAR(255) NOT NULL, role VARCHAR(64) NOT NULL, PRIMARY KEY (user_id, role))",
    "CREATE TABLE IF NOT EXISTS access_subscriptions (tenant VARCHAR(255) NOT NULL, plan VARCHAR(64) NOT NULL, grp VARCHAR(64) NULL, started_at BIGINT NOT NULL, ends_at BIGINT NULL, PRIMARY KEY (tenant, plan))",
    "CREATE TABLE IF NOT EXISTS access_overrides (tenant VARCHAR(255) NOT NULL, limit_name VARCHAR(64) NOT NULL, max_units BIGINT NOT NULL, PRIMARY KEY (tenant, limit_name))",
    "CREATE TABLE IF NOT EXISTS access_flags (tenant VARCHAR(255) NOT NULL, flag VARCHAR(64) NOT NULL, PRIMARY KEY (tenant, flag))",
];

/// Creates every table of [`SeaStore`](super::SeaStore) and its wallet when missing, in `db`
/// (what [`SeaStore::migrate`](super::SeaStore::migrate) runs; the tables do not depend on the
/// model).
///
/// # Errors
/// The database refused a statement.
///
/// # Examples
/// ```
/// use sea_orm::{Database, DatabaseConnection, DbErr};
///
/// async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
///     let db = Database::connect(url).await?;
///     access_core::sea::migrate(&db).await?; // creates what is missing: safe at every startup
///     Ok(db)
/// }
/// ```
pub async fn migrate(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    for sql in SCHEMA {
        db.execute_unprepared(sql).await?;
    }
    super::wallet::migrate(db).await
}

/// A database error as a store error.
/// A database error as a store error: contention and lost connections are
/// [`StoreErrorKind::Unavailable`] (worth another attempt), the rest `Backend`.
pub(super) fn backend(e: DbErr) -> StoreError {
    let kind = match super::write::classify(&e) {
        super::write::DbFailure::Contention | super::write::DbFailure::Unavailable => {
            StoreErrorKind::Unavailable
        }
        _ => StoreErrorKind::Backend,
    };
    StoreError::new(kind, e.to_string())
}

/// `r` (of type name `ty`) is not in `access_resources`.
pub(super) fn not_found(r: Resource<'_>, ty: &str) -> StoreError {
    StoreError::new(
        StoreErrorKind::NotFound,
        format!("resource {ty}:{} not found", r.id),
    )
}

/// `?` placeholders, numbered for PostgreSQL.
fn stmt(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    if backend == DbBackend::Postgres {
        let mut out = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        Statement::from_sql_and_values(backend, out, values)
    } else {
        Statement::from_sql_and_values(backend, sql, values)
    }
}

/// Column `col` of `row`.
pub(super) fn get<T: sea_orm::TryGetable>(row: &QueryResult, col: &str) -> StoreResult<T> {
    row.try_get::<T>("", col).map_err(backend)
}

/// Whether an id can be stored: PostgreSQL text cannot hold NUL, so such an id names no
/// resource (reads) and is refused (writes) on every backend alike.
pub(super) fn storable(id: &str) -> bool {
    !id.contains('\0')
}

/// A text value.
pub(super) fn s(v: &str) -> Value {
    Value::from(v.to_owned())
}

/// The rows of `sql` (`?` placeholders) with `values`.
pub(super) async fn query<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> StoreResult<Vec<QueryResult>> {
    db.query_all_raw(stmt(db.get_database_backend(), sql, values))
        .await
        .map_err(backend)
}

/// Runs `sql` (`?` placeholders) with `values`; the rows it affected.
pub(super) async fn exec<C: ConnectionTrait>(
    db: &C,
    sql: &str,
    values: Vec<Value>,
) -> StoreResult<u64> {
    db.execute_raw(stmt(db.get_database_backend(), sql, values))
        .await
        .map(|r| r.rows_affected())
        .map_err(backend)
}

/// Whether resource `ty:id` exists.
pub(super) async fn exists<C: ConnectionTrait>(db: &C, ty: &str, id: &str) -> StoreResult<bool> {
    if !storable(id) {
        return Ok(false);
    }
    Ok(!query(
        db,
        "SELECT 1 AS x FROM access_resources WHERE ty = ? AND id = ?",
        vec![s(ty), s(id)],
    )
    .await?
    .is_empty())
}
