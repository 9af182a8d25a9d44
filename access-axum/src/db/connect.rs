//! [`connect`]: a pool set up for concurrent requests (on SQLite: WAL mode, foreign keys and a
//! busy timeout checked).

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
};

/// Connects a pool of `max_connections` (at least 2: a write's rules read the engine's store
/// while its transaction holds a connection) to `url`.
///
/// On SQLite (`sqlite://path?mode=rwc`) it puts the database in WAL mode, which the file keeps:
/// readers do not wait for the writer, nor the writer for readers. It checks what sqlx sets on
/// every connection: foreign keys enforced, and a busy timeout (sqlx's default 5 s), how long a
/// writer waits for the write lock. access-axum's writes take that lock at `BEGIN`
/// ([`begin_write`](access_core::sea::write::begin_write)) and are retried when it was not
/// free in time. An in-memory database keeps its `memory` journal. Other databases: the pool
/// as asked.
///
/// Without this, sea-orm opens a SQLite pool of one connection: every request, reads
/// included, waits for the one before. Statements are not logged (sqlx would log each at
/// `info`).
///
/// # Errors
/// The database could not be opened; SQLite refused WAL mode (another process has it open in
/// another journal mode), or a connection does not enforce foreign keys or has no busy timeout.
///
/// # Examples
/// ```no_run
/// # async fn run() -> Result<(), sea_orm::DbErr> {
/// let db = access_axum::db::connect("sqlite://data/app.db?mode=rwc", 8).await?;
/// access_axum::migrate(&db).await?;
/// # Ok(()) }
/// ```
pub async fn connect(url: &str, max_connections: u32) -> Result<DatabaseConnection, DbErr> {
    let mut opts = ConnectOptions::new(url);
    // Statements stay out of the log: the request log and the errors say what happened.
    opts.max_connections(max_connections.max(2))
        .sqlx_logging(false);
    let db = Database::connect(opts).await?;
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(db);
    }
    let mode: String = pragma(&db, "PRAGMA journal_mode = WAL").await?;
    if mode != "wal" && mode != "memory" {
        return Err(DbErr::Custom(format!(
            "SQLite kept journal_mode = {mode}, not WAL"
        )));
    }
    let foreign_keys: i64 = pragma(&db, "PRAGMA foreign_keys").await?;
    let busy_timeout: i64 = pragma(&db, "PRAGMA busy_timeout").await?;
    if foreign_keys != 1 || busy_timeout <= 0 {
        return Err(DbErr::Custom(format!(
            "SQLite connections have foreign_keys = {foreign_keys}, busy_timeout = {busy_timeout} ms"
        )));
    }
    Ok(db)
}

/// The one value a `PRAGMA` answers.
async fn pragma<T: sea_orm::TryGetable>(db: &DatabaseConnection, sql: &str) -> Result<T, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(DbBackend::Sqlite, sql))
        .await?
        .ok_or_else(|| DbErr::Custom(format!("`{sql}` answered nothing")))?;
    row.try_get_by_index(0)
}
