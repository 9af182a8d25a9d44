//! Write transactions that do not fail for contention, and database errors by their cause.
//!
//! * [`begin_write`]: a transaction that will write. On SQLite it starts as a writer
//!   (`BEGIN IMMEDIATE`): a deferred transaction that reads and then writes fails at once with
//!   `SQLITE_BUSY` when another writer committed in between (WAL mode; the busy timeout does
//!   not apply), while `BEGIN IMMEDIATE` waits for the write lock (the busy timeout) before
//!   reading anything. On PostgreSQL it is `READ COMMITTED` (the server's default): every write
//!   path carries its own conditions in its statements (CRUD's `UPDATE .. WHERE id AND rule`, a
//!   conditional `UPDATE` that one refresh wins), which `READ COMMITTED` re-checks on the
//!   latest row version; hierarchy changes also take a transaction advisory lock (`SeaStore`).
//! * [`retry_writes`]: runs a whole transaction again (at most [`ATTEMPTS`] times, with a short
//!   jittered pause) while it fails for [`Contention`] (`SQLITE_BUSY`/`SQLITE_LOCKED`,
//!   PostgreSQL's serialization failure `40001`, deadlock `40P01`, lock timeout `55P03`).
//! * [`classify`]: a [`DbErr`] as a [`DbFailure`] (unique or foreign-key violation, a value the
//!   column does not take, contention, no connection, anything else), naming the column where
//!   the database does.
//!
//! # Examples
//! ```
//! use access_core::sea::write::{begin_write, retry_writes};
//! use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
//!
//! /// Renames a note; a busy database is waited for and the write retried.
//! async fn rename(db: &DatabaseConnection, id: i64, title: &str) -> Result<u64, DbErr> {
//!     retry_writes(|| async move {
//!         let txn = begin_write(db).await?;
//!         let sql = "UPDATE notes SET title = ? WHERE id = ?";
//!         let stmt = sea_orm::Statement::from_sql_and_values(
//!             txn.get_database_backend(), sql, [title.into(), id.into()]);
//!         let n = txn.execute_raw(stmt).await?.rows_affected();
//!         txn.commit().await?;
//!         Ok(n)
//!     })
//!     .await
//! }
//! ```

use std::future::Future;
use std::hash::{BuildHasher as _, Hasher as _, RandomState};
use std::time::Duration;

use sea_orm::sqlx;
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, RuntimeErr, SqliteTransactionMode, TransactionOptions,
    TransactionTrait,
};

/// How many times [`retry_writes`] runs a transaction before giving up. On SQLite each attempt
/// may first wait out the busy timeout (sqlx's default: 5 s) for the write lock.
pub const ATTEMPTS: u32 = 4;

/// What failed, by cause; see [`classify`].
///
/// ```
/// use access_core::sea::write::{DbFailure, classify};
/// let e = sea_orm::DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout);
/// assert_eq!(classify(&e), DbFailure::Unavailable);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DbFailure {
    /// A unique (or primary) key is taken; the column when the database names a single one.
    Unique {
        /// The column.
        field: Option<String>,
    },
    /// A referenced row is missing (or a referenced row is still referenced).
    ForeignKey {
        /// The column.
        field: Option<String>,
    },
    /// A value the column does not take: `NOT NULL`, `CHECK`, a type or a range.
    Rejected {
        /// The column.
        field: Option<String>,
    },
    /// Another transaction is in the way: busy or locked, a serialization failure, a deadlock,
    /// a lock timeout. Worth another attempt.
    Contention,
    /// No connection: the pool timed out or is closed, the connection failed, the server is
    /// shutting down or out of resources.
    Unavailable,
    /// Anything else (a bug, a schema out of date, ..).
    Other,
}

/// Whether an error is contention that another attempt of the transaction may not meet.
///
/// ```
/// use access_core::sea::write::Contention;
/// assert!(!sea_orm::DbErr::Custom("no".into()).is_contention());
/// ```
pub trait Contention {
    /// `true` for contention ([`DbFailure::Contention`]).
    ///
    /// ```
    /// use access_core::sea::write::Contention;
    /// let pool_gone = sea_orm::DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout);
    /// assert!(!pool_gone.is_contention()); // no connection: another attempt would wait again
    /// ```
    fn is_contention(&self) -> bool;
}

impl Contention for DbErr {
    fn is_contention(&self) -> bool {
        classify(self) == DbFailure::Contention
    }
}

/// Starts a transaction that will write: `BEGIN IMMEDIATE` on SQLite, `READ COMMITTED` on
/// PostgreSQL (see the [module](self) for why), the backend's default elsewhere. Inside a
/// transaction it is a savepoint (the outer transaction decided). Run it inside
/// [`retry_writes`]: on SQLite a `BEGIN IMMEDIATE` that waited out the busy timeout is
/// [`Contention`].
///
/// # Errors
/// `BEGIN`'s error.
///
/// ```
/// use access_core::sea::write::begin_write;
/// async fn touch(db: &sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
///     let txn = begin_write(db).await?;
///     txn.commit().await
/// }
/// ```
pub async fn begin_write<C>(db: &C) -> Result<C::Transaction, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let options = match db.get_database_backend() {
        DbBackend::Sqlite => TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        },
        // PostgreSQL: READ COMMITTED, the server's default, without a `SET TRANSACTION` round
        // trip (and valid for a savepoint too).
        _ => TransactionOptions::default(),
    };
    db.begin_with_options(options).await
}

/// Runs `attempt` (a whole transaction: begin, statements, commit) again while it fails for
/// [`Contention`], at most [`ATTEMPTS`] times with a jittered pause of a few milliseconds
/// (doubling, under 100 ms); any other result is returned at once.
///
/// # Errors
/// The last attempt's error.
///
/// ```
/// use access_core::sea::write::{ATTEMPTS, retry_writes};
/// # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// let mut runs = 0;
/// let busy = || sea_orm::DbErr::Custom("not contention".into());
/// let r: Result<(), _> = retry_writes(|| { runs += 1; async { Err(busy()) } }).await;
/// assert!(r.is_err() && runs == 1); // not contention: not retried
/// # let _ = ATTEMPTS; });
/// ```
pub async fn retry_writes<T, E, F, Fut>(mut attempt: F) -> Result<T, E>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
    E: Contention,
{
    let mut n = 1;
    loop {
        match attempt().await {
            Err(e) if n < ATTEMPTS && e.is_contention() => {
                tokio::time::sleep(pause(n)).await;
                n += 1;
            }
            done => return done,
        }
    }
}

/// The pause after attempt `n` (from 1): `2^n` ms plus up to as much again, at most 100 ms.
fn pause(n: u32) -> Duration {
    let base = 1u64 << n.min(6);
    // A fresh `RandomState` is keyed differently each time: its hash of nothing is the jitter.
    let jitter = RandomState::new().build_hasher().finish() % base;
    Duration::from_millis((base + jitter).min(100))
}

/// The cause of `e`; see [`DbFailure`].
///
/// ```
/// use access_core::sea::write::{DbFailure, classify};
/// assert_eq!(classify(&sea_orm::DbErr::RecordNotUpdated), DbFailure::Other);
/// ```
pub fn classify(e: &DbErr) -> DbFailure {
    match e {
        DbErr::ConnectionAcquire(_) => DbFailure::Unavailable,
        DbErr::Conn(r) => match runtime(r) {
            f @ (DbFailure::Contention | DbFailure::Unavailable) => f,
            _ => DbFailure::Unavailable,
        },
        DbErr::Exec(r) | DbErr::Query(r) => runtime(r),
        _ => DbFailure::Other,
    }
}

fn runtime(r: &RuntimeErr) -> DbFailure {
    match r {
        RuntimeErr::SqlxError(e) => match &**e {
            sqlx::Error::Database(d) => database(d.as_ref()),
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::WorkerCrashed => DbFailure::Unavailable,
            _ => DbFailure::Other,
        },
        _ => DbFailure::Other,
    }
}

/// An error the database returned: PostgreSQL's SQLSTATE (five characters, often all digits)
/// or SQLite's (extended) result code (a number under 10 000).
fn database(d: &dyn sqlx::error::DatabaseError) -> DbFailure {
    let code = d.code().unwrap_or_default();
    if code.len() == 5 {
        return postgres(&code, d.message());
    }
    match code.parse::<i64>() {
        Ok(n) => sqlite(n, d.message()),
        Err(_) => DbFailure::Other,
    }
}

/// <https://www.sqlite.org/rescode.html>
fn sqlite(code: i64, message: &str) -> DbFailure {
    // The column after the constraint's name: `NOT NULL constraint failed: notes.title`.
    let after = |prefix: &str| message.strip_prefix(prefix).and_then(single_column);
    match (code & 0xff, code) {
        // SQLITE_BUSY (and _SNAPSHOT, _TIMEOUT, ..), SQLITE_LOCKED.
        (5 | 6, _) => DbFailure::Contention,
        // SQLITE_CONSTRAINT_PRIMARYKEY, _UNIQUE.
        (19, 1555 | 2067) => DbFailure::Unique {
            field: after("UNIQUE constraint failed: "),
        },
        // SQLITE_CONSTRAINT_FOREIGNKEY: SQLite does not say which.
        (19, 787) => DbFailure::ForeignKey { field: None },
        // SQLITE_CONSTRAINT_NOTNULL.
        (19, 1299) => DbFailure::Rejected {
            field: after("NOT NULL constraint failed: "),
        },
        // SQLITE_CONSTRAINT_DATATYPE (STRICT tables): `cannot store TEXT value in INTEGER
        // column notes.size`.
        (19, 3091) => DbFailure::Rejected {
            field: message
                .rsplit_once(" column ")
                .and_then(|(_, c)| single_column(c)),
        },
        // Any other constraint (CHECK, ..), SQLITE_TOOBIG, SQLITE_MISMATCH, SQLITE_RANGE.
        (19 | 18 | 20 | 25, _) => DbFailure::Rejected { field: None },
        // SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_PROTOCOL.
        (10 | 13 | 14 | 15, _) => DbFailure::Unavailable,
        _ => DbFailure::Other,
    }
}

/// <https://www.postgresql.org/docs/current/errcodes-appendix.html>
fn postgres(code: &str, message: &str) -> DbFailure {
    match code {
        "23505" => DbFailure::Unique { field: None },
        "23503" => DbFailure::ForeignKey { field: None },
        // not_null_violation: `null value in column "title" of relation "notes" violates ..`.
        "23502" => DbFailure::Rejected {
            field: message
                .strip_prefix("null value in column \"")
                .and_then(|m| m.split_once('"'))
                .map(|(c, _)| c.to_owned()),
        },
        "40001" | "40P01" | "55P03" => DbFailure::Contention,
        // too_many_connections and other insufficient resources, the server shutting down,
        // cannot connect now, a statement timeout.
        "57P01" | "57P02" | "57P03" | "57014" => DbFailure::Unavailable,
        // Integrity constraints (CHECK, exclusion, ..) and data exceptions (a type, a range, a
        // string too long).
        _ if code.starts_with("23") || code.starts_with("22") => {
            DbFailure::Rejected { field: None }
        }
        _ if code.starts_with("08") || code.starts_with("53") => DbFailure::Unavailable,
        _ => DbFailure::Other,
    }
}

/// `table.column` (one column; several are `a.x, a.y`) as `column`.
fn single_column(s: &str) -> Option<String> {
    if s.contains(',') {
        return None;
    }
    let c = s.rsplit_once('.').map_or(s, |(_, c)| c).trim();
    (!c.is_empty() && c.chars().all(|ch| ch.is_alphanumeric() || ch == '_')).then(|| c.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_codes_by_cause() {
        let f = |code, msg| sqlite(code, msg);
        assert_eq!(f(5, "database is locked"), DbFailure::Contention);
        assert_eq!(f(517, "database is locked"), DbFailure::Contention);
        assert_eq!(f(6, "database table is locked"), DbFailure::Contention);
        assert_eq!(
            f(2067, "UNIQUE constraint failed: notes.slug"),
            DbFailure::Unique {
                field: Some("slug".into())
            }
        );
        assert_eq!(
            f(2067, "UNIQUE constraint failed: notes.a, notes.b"),
            DbFailure::Unique { field: None }
        );
        assert_eq!(
            f(1299, "NOT NULL constraint failed: notes.title"),
            DbFailure::Rejected {
                field: Some("title".into())
            }
        );
        assert_eq!(
            f(3091, "cannot store TEXT value in INTEGER column notes.size"),
            DbFailure::Rejected {
                field: Some("size".into())
            }
        );
        assert_eq!(
            f(275, "CHECK constraint failed: x"),
            DbFailure::Rejected { field: None }
        );
        assert_eq!(
            f(787, "FOREIGN KEY constraint failed"),
            DbFailure::ForeignKey { field: None }
        );
        assert_eq!(f(1, "no such table: notes"), DbFailure::Other);
    }

    #[test]
    fn postgres_codes_by_cause() {
        let nn =
            "null value in column \"title\" of relation \"notes\" violates not-null constraint";
        assert_eq!(
            postgres("23502", nn),
            DbFailure::Rejected {
                field: Some("title".into())
            }
        );
        assert_eq!(
            postgres("23514", "check"),
            DbFailure::Rejected { field: None }
        );
        assert_eq!(
            postgres("22P02", "invalid input"),
            DbFailure::Rejected { field: None }
        );
        assert_eq!(postgres("40P01", "deadlock"), DbFailure::Contention);
        assert_eq!(postgres("08006", "gone"), DbFailure::Unavailable);
        assert_eq!(postgres("42P01", "no such relation"), DbFailure::Other);
    }

    #[test]
    fn pauses_grow_and_stay_short() {
        for n in 1..=ATTEMPTS + 3 {
            let p = pause(n);
            assert!(p >= Duration::from_millis(1u64 << n.min(6)).min(Duration::from_millis(100)));
            assert!(p <= Duration::from_millis(100), "{p:?}");
        }
    }
}
