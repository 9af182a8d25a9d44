//! Cleanup: the rows that only ever accumulate, deleted once they can matter no more: ended
//! sessions and their refresh tokens, used or expired one-time tokens, second-factor
//! challenges, passkey ceremonies and provider sign-ins in progress, ended or expired
//! invitations, old rate-limit windows, and usage periods older than the retention the
//! application sets.
//!
//! [`cleanup_once`] runs one pass at a time the caller gives (tests control the clock);
//! [`spawn_cleanup`] runs it in the background every [`Cleanup::every`] (one hour by default),
//! which [`App::cleanup`](crate::App::cleanup) starts. Every deletion is a `DELETE .. WHERE` in a
//! write transaction of its own (a writer from the start on SQLite, retried on contention), so
//! several instances may clean at once: each row goes once, and nobody fails.
//!
//! ```no_run
//! use std::time::Duration;
//! use access_axum::cleanup::Cleanup;
//!
//! // Every 30 minutes; usage counters kept two years after their period.
//! let cleanup = Cleanup::default()
//!     .every(Duration::from_secs(1800))
//!     .keep_usage_for(Duration::from_secs(2 * 365 * 86_400));
//! # let _ = cleanup;
//! ```

use std::time::Duration;

use access_core::sea::write::{begin_write, retry_writes};
use access_core::{ModelData, Period};
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr};

use crate::db::{
    mfa_challenge, oauth_flow, one_time_token, rate_limit, refresh_token, session,
    webauthn_ceremony,
};

/// How often the background cleanup runs, and what it keeps.
///
/// ```
/// use access_axum::cleanup::Cleanup;
/// let c = Cleanup::default();
/// assert_eq!(c.interval().as_secs(), 3600);
/// assert_eq!(c.usage_retention(), None); // usage counters are kept
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cleanup {
    every: Duration,
    keep_usage: Option<Duration>,
    keep_rate_limits: Duration,
}

impl Default for Cleanup {
    fn default() -> Self {
        Self {
            every: Duration::from_secs(3600),
            keep_usage: None,
            keep_rate_limits: Duration::from_secs(86_400),
        }
    }
}

impl Cleanup {
    /// Runs every `interval` (one hour by default; at least a second).
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = access_axum::cleanup::Cleanup::default().every(Duration::from_secs(600));
    /// assert_eq!(c.interval(), Duration::from_secs(600));
    /// ```
    #[must_use]
    pub fn every(mut self, interval: Duration) -> Self {
        self.every = interval.max(Duration::from_secs(1));
        self
    }

    /// Deletes usage counters (`access_wallets`) once their period has been over for
    /// `retention`; by default they are kept. The current period is never touched, whatever
    /// its length.
    ///
    /// ```
    /// use std::time::Duration;
    /// let year = Duration::from_secs(365 * 86_400);
    /// let c = access_axum::cleanup::Cleanup::default().keep_usage_for(year);
    /// assert_eq!(c.usage_retention(), Some(year));
    /// ```
    #[must_use]
    pub fn keep_usage_for(mut self, retention: Duration) -> Self {
        self.keep_usage = Some(retention);
        self
    }

    /// Rate-limit windows that started longer ago than this are deleted (one day by default;
    /// set it above the longest window the application configures).
    ///
    /// ```
    /// use std::time::Duration;
    /// let c = access_axum::cleanup::Cleanup::default().keep_rate_limits_for(Duration::from_secs(7 * 86_400));
    /// # let _ = c;
    /// ```
    #[must_use]
    pub fn keep_rate_limits_for(mut self, age: Duration) -> Self {
        self.keep_rate_limits = age;
        self
    }

    /// How often it runs.
    ///
    /// ```
    /// assert_eq!(access_axum::cleanup::Cleanup::default().interval().as_secs(), 3600);
    /// ```
    pub fn interval(&self) -> Duration {
        self.every
    }

    /// How long usage counters are kept after their period.
    ///
    /// ```
    /// assert_eq!(access_axum::cleanup::Cleanup::default().usage_retention(), None);
    /// ```
    pub fn usage_retention(&self) -> Option<Duration> {
        self.keep_usage
    }
}

/// What one pass deleted, by kind.
///
/// ```
/// let c = access_axum::cleanup::Cleaned::default();
/// assert_eq!((c.sessions, c.total()), (0, 0));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cleaned {
    /// Expired or revoked sessions.
    pub sessions: u64,
    /// Refresh tokens of those sessions.
    pub refresh_tokens: u64,
    /// Used or expired verification and reset tokens.
    pub one_time_tokens: u64,
    /// Expired second-factor challenges, passkey ceremonies and provider sign-ins in progress.
    pub ceremonies: u64,
    /// Invitations accepted, declined, revoked, replaced or expired.
    pub invitations: u64,
    /// Rate-limit windows long over.
    pub rate_limits: u64,
    /// Usage periods over for longer than the retention.
    pub usage_periods: u64,
}

impl Cleaned {
    /// Every row deleted.
    ///
    /// ```
    /// assert_eq!(access_axum::cleanup::Cleaned::default().total(), 0);
    /// ```
    pub fn total(&self) -> u64 {
        self.sessions
            + self.refresh_tokens
            + self.one_time_tokens
            + self.ceremonies
            + self.invitations
            + self.rate_limits
            + self.usage_periods
    }
}

/// Runs `statement`'s deletion in a write transaction of its own (retried on contention): the
/// rows deleted.
async fn delete(
    db: &DatabaseConnection,
    statement: sea_orm::sea_query::DeleteStatement,
) -> Result<u64, DbErr> {
    let statement = &statement;
    retry_writes(|| async move {
        let txn = begin_write(db).await?;
        let n = txn.execute(statement).await?.rows_affected();
        txn.commit().await?;
        Ok::<_, DbErr>(n)
    })
    .await
}

/// The longest a period of this kind lasts (seconds).
fn longest(p: Period) -> i64 {
    const DAY: i64 = 86_400;
    match p {
        Period::Hour => 3600,
        Period::Day => DAY,
        Period::Month => 31 * DAY,
        Period::Quarter => 92 * DAY,
        Period::Year => 366 * DAY,
    }
}

/// One pass at time `now` (Unix seconds) over `db`, whose usage counters belong to `model`.
///
/// ```no_run
/// # mod model { access_core::define_access! { pub Access; entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
/// use access_axum::cleanup::{Cleanup, cleanup_once};
/// use access_core::AccessModel as _;
/// # async fn run(db: sea_orm::DatabaseConnection) -> Result<(), sea_orm::DbErr> {
/// let now = 1_900_000_000; // Unix seconds
/// let done = cleanup_once(&db, model::Access.data(), now, &Cleanup::default()).await?;
/// println!("{} rows deleted", done.total());
/// # Ok(()) }
/// ```
///
/// # Errors
/// A statement the database refused (the passes before it stand).
pub async fn cleanup_once(
    db: &DatabaseConnection,
    model: &ModelData,
    now: i64,
    config: &Cleanup,
) -> Result<Cleaned, DbErr> {
    let secs = |d: Duration| i64::try_from(d.as_secs()).unwrap_or(i64::MAX);
    let mut out = Cleaned::default();
    // Refresh tokens first: those of sessions that are over, then the sessions.
    let over = Condition::any()
        .add(session::Column::ExpiresAt.lte(now))
        .add(session::Column::RevokedAt.is_not_null());
    let ended = Query::select()
        .column(session::Column::Id)
        .from(session::Entity)
        .cond_where(over.clone())
        .to_owned();
    out.refresh_tokens = delete(
        db,
        Query::delete()
            .from_table(refresh_token::Entity)
            .cond_where(refresh_token::Column::SessionId.in_subquery(ended))
            .to_owned(),
    )
    .await?;
    out.sessions = delete(
        db,
        Query::delete()
            .from_table(session::Entity)
            .cond_where(over)
            .to_owned(),
    )
    .await?;
    out.one_time_tokens = delete(
        db,
        Query::delete()
            .from_table(one_time_token::Entity)
            .cond_where(
                Condition::any()
                    .add(one_time_token::Column::UsedAt.is_not_null())
                    .add(one_time_token::Column::ExpiresAt.lte(now)),
            )
            .to_owned(),
    )
    .await?;
    out.ceremonies = delete(
        db,
        Query::delete()
            .from_table(mfa_challenge::Entity)
            .cond_where(
                Condition::any()
                    .add(mfa_challenge::Column::UsedAt.is_not_null())
                    .add(mfa_challenge::Column::ExpiresAt.lte(now)),
            )
            .to_owned(),
    )
    .await?
        + delete(
            db,
            Query::delete()
                .from_table(webauthn_ceremony::Entity)
                .cond_where(
                    Condition::any()
                        .add(webauthn_ceremony::Column::UsedAt.is_not_null())
                        .add(webauthn_ceremony::Column::ExpiresAt.lte(now)),
                )
                .to_owned(),
        )
        .await?
        + delete(
            db,
            Query::delete()
                .from_table(oauth_flow::Entity)
                .cond_where(oauth_flow::Column::ExpiresAt.lte(now))
                .to_owned(),
        )
        .await?;
    {
        use crate::orgs::invitation;
        out.invitations = delete(
            db,
            Query::delete()
                .from_table(invitation::Entity)
                .cond_where(
                    Condition::any()
                        .add(invitation::Column::Status.ne("pending"))
                        .add(invitation::Column::ExpiresAt.lte(now)),
                )
                .to_owned(),
        )
        .await?;
    }
    out.rate_limits = delete(
        db,
        Query::delete()
            .from_table(rate_limit::Entity)
            .cond_where(rate_limit::Column::WindowStart.lt(now - secs(config.keep_rate_limits)))
            .to_owned(),
    )
    .await?;
    if let Some(keep) = config.keep_usage {
        // Per limit of the model: periods whose end (at the latest, start + the longest such
        // period) is more than `keep` ago. Counters of limits the model no longer has: a year.
        let wallets = Alias::new("access_wallets");
        let (name, start) = (Alias::new("limit_name"), Alias::new("period_start"));
        let mut known = Vec::new();
        for l in model.limits.iter() {
            known.push(l.name.to_string());
            let before = now - secs(keep) - longest(l.period);
            out.usage_periods += delete(
                db,
                Query::delete()
                    .from_table(wallets.clone())
                    .cond_where(
                        Condition::all()
                            .add(Expr::col(name.clone()).eq(l.name.to_string()))
                            .add(Expr::col(start.clone()).lt(before)),
                    )
                    .to_owned(),
            )
            .await?;
        }
        let before = now - secs(keep) - longest(Period::Year);
        out.usage_periods += delete(
            db,
            Query::delete()
                .from_table(wallets)
                .cond_where(
                    Condition::all()
                        .add(Expr::col(name).is_not_in(known))
                        .add(Expr::col(start).lt(before)),
                )
                .to_owned(),
        )
        .await?;
    }
    Ok(out)
}

/// Runs [`cleanup_once`] now and then every [`Cleanup::every`], in the background, until the
/// runtime stops (or the handle is aborted). A failed pass is logged and the next one runs.
///
/// ```no_run
/// # mod model { access_core::define_access! { pub Access; entity org { roles: [owner] } entitlements { "org:manage" on org => roles [owner] } } }
/// use access_axum::cleanup::{Cleanup, spawn_cleanup};
/// use access_core::AccessModel as _;
/// # async fn run(db: sea_orm::DatabaseConnection) {
/// let task = spawn_cleanup(db, model::Access.data().clone(), Cleanup::default());
/// # task.abort();
/// # }
/// ```
pub fn spawn_cleanup(
    db: DatabaseConnection,
    model: ModelData,
    config: Cleanup,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let now = crate::auth::tokens::unix_now();
            match cleanup_once(&db, &model, now, &config).await {
                Ok(c) if c.total() > 0 => tracing::info!(?c, "cleanup: deleted {} rows", c.total()),
                Ok(_) => tracing::debug!("cleanup: nothing to delete"),
                Err(e) => tracing::warn!(error = %e, "cleanup: a pass failed; the next one runs"),
            }
            tokio::time::sleep(config.every).await;
        }
    })
}
