//! [`Writers`]: how many CRUD write transactions hold a pooled connection at once.
//!
//! A CRUD write checks its rules inside its transaction, and the engine's store reads take
//! other connections from the same pool. With as many writes in flight as the pool has
//! connections, each would hold one and wait for another: none finishes until the pool's
//! acquire timeout. Admitting fewer writers than the pool has connections leaves the engine its
//! connections. On SQLite one writer at a time is what the database allows anyway.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{DatabaseConnection, DbBackend};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::ApiError;

/// Writers admitted by default on PostgreSQL and MySQL: half of the 8 connections the examples
/// open (keep it at most half the pool).
pub const DEFAULT_WRITERS: usize = 4;

/// How long a write waits for its turn before a 503 with `Retry-After`.
const WAIT: Duration = Duration::from_secs(10);

/// Admits at most `n` write transactions at once (cloning shares the count).
///
/// ```
/// let writers = access_axum::db::Writers::new(2);
/// assert_eq!(writers.limit(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct Writers {
    permits: Arc<Semaphore>,
    limit: usize,
    /// SQLite: every write transaction takes a turn, not only CRUD's.
    serial: bool,
}

impl Writers {
    /// At most `n` (at least 1) writers at once.
    ///
    /// ```
    /// assert_eq!(access_axum::db::Writers::new(0).limit(), 1);
    /// ```
    #[must_use]
    pub fn new(n: usize) -> Self {
        let limit = n.max(1);
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            serial: false,
        }
    }

    /// The default for `db`: 1 on SQLite (one writer holds its lock at a time), where the
    /// authentication writes (sessions, refresh rotation, sign-up, reset, verification) take a
    /// turn too, so writers of this process queue here instead of spinning on the database's
    /// busy timeout; [`DEFAULT_WRITERS`] otherwise.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), sea_orm::DbErr> {
    /// let db = access_axum::db::connect("sqlite://app.db?mode=rwc", 8).await?;
    /// assert_eq!(access_axum::db::Writers::for_database(&db).limit(), 1);
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn for_database(db: &DatabaseConnection) -> Self {
        match db.get_database_backend() {
            DbBackend::Sqlite => Self {
                serial: true,
                ..Self::new(1)
            },
            _ => Self::new(DEFAULT_WRITERS),
        }
    }

    /// How many writers are admitted at once.
    ///
    /// ```
    /// let writers = access_axum::db::Writers::new(4);
    /// assert_eq!(writers.clone().limit(), 4); // clones share the count
    /// ```
    #[must_use]
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// A turn for a write that reads nothing through the pool while it holds its transaction
    /// (authentication): taken on SQLite, where writes are serial anyway; none otherwise.
    pub(crate) async fn serial(&self) -> Result<Option<SemaphorePermit<'_>>, ApiError> {
        if self.serial {
            self.enter().await.map(Some)
        } else {
            Ok(None)
        }
    }

    /// Waits for a writer's turn; 503 `unavailable` with `Retry-After` after 10 s.
    pub(crate) async fn enter(&self) -> Result<SemaphorePermit<'_>, ApiError> {
        match tokio::time::timeout(WAIT, self.permits.acquire()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => {
                tracing::warn!(
                    limit = self.limit,
                    "no writer's turn within 10 s: answered 503"
                );
                Err(ApiError::unavailable(1))
            }
        }
    }
}
