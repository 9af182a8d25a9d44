//! Usage wallets in the database (SQLite or PostgreSQL through sea-orm): one counter row per
//! tenant, limit and period, consumed by one conditional statement.

use std::sync::Arc;

use sea_orm::sea_query::{Alias, ColumnDef, Expr, ExprTrait, Index, OnConflict, Query, Table};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use super::write::{begin_write, retry_writes};
use crate::model::{AccessModel, LimitId};
use crate::store::{Charge, StoreError, StoreErrorKind, StoreResult, WalletStore};
use crate::time::Timestamp;

const TABLE: &str = "access_wallets";

fn col(name: &str) -> Alias {
    Alias::new(name)
}

fn backend(e: DbErr) -> StoreError {
    StoreError::new(StoreErrorKind::Backend, e.to_string())
}

/// A [`WalletStore`] in the `access_wallets` table. Counters are keyed by the limit's name (so
/// reordering limits in the model keeps the counts), the tenant and the period's start.
///
/// Consuming one unit is one statement, exact under concurrency across connections and
/// processes:
///
/// ```sql
/// INSERT INTO access_wallets (tenant, limit_name, period_start, used) VALUES ($1, $2, $3, 1)
/// ON CONFLICT (tenant, limit_name, period_start)
/// DO UPDATE SET used = access_wallets.used + 1 WHERE access_wallets.used < $4
/// RETURNING used
/// ```
///
/// A new period is a new row, so periods roll over without a job. Charges on several limits are
/// consumed in one transaction, all or nothing.
///
/// # Examples
/// ```
/// use access_core::sea::SeaWallet;
/// use access_core::{Charge, LimitId, WalletStore};
///
/// access_core::define_access! {
///     pub Access;
///     entity project { roles: [owner] }
///     entitlements { "project:export" on project => roles [owner] }
///     plans {
///         free { group: main, features: ["project:export"],
///                limits: { exports: "project:export" per day max 1,
///                          pages: "project:export" per month max 10 } }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// let wallet = SeaWallet::new(&Access, db);
/// wallet.migrate().await.unwrap();
/// let exports = Charge { limit: LimitId(0), period_start: 0, max: 1 };
/// let pages = Charge { limit: LimitId(1), period_start: 0, max: 10 };
/// assert!(wallet.consume("acme", &[exports, pages]).await.unwrap());
/// // `exports` is at its max: nothing is consumed, `pages` included.
/// assert!(!wallet.consume("acme", &[exports, pages]).await.unwrap());
/// assert_eq!(wallet.used("acme", LimitId(1), 0).await.unwrap(), 1);
/// // The next day is a new row with a fresh counter.
/// let tomorrow = Charge { period_start: 86_400, ..exports };
/// assert!(wallet.consume("acme", &[tomorrow]).await.unwrap());
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct SeaWallet {
    db: DatabaseConnection,
    limits: Arc<[Arc<str>]>,
}

impl SeaWallet {
    /// Wallets of `model`'s limits in `db` (create the table with [`SeaWallet::migrate`]).
    ///
    /// # Examples
    /// ```
    /// use access_core::AccessModel;
    /// use access_core::sea::SeaWallet;
    /// use sea_orm::{Database, DbErr};
    ///
    /// async fn wallets<M: AccessModel>(model: &M, url: &str) -> Result<SeaWallet, DbErr> {
    ///     let wallet = SeaWallet::new(model, Database::connect(url).await?);
    ///     wallet.migrate().await?;
    ///     Ok(wallet)
    /// }
    /// ```
    pub fn new<M: AccessModel>(model: &M, db: DatabaseConnection) -> Self {
        Self {
            db,
            limits: model
                .data()
                .limits
                .iter()
                .map(|l| Arc::from(&*l.name))
                .collect(),
        }
    }

    /// Creates the table if it does not exist. Safe to call at every startup.
    ///
    /// # Errors
    /// The database refused the statement.
    ///
    /// # Examples
    /// ```
    /// use access_core::sea::SeaWallet;
    /// use sea_orm::DbErr;
    ///
    /// async fn startup(wallet: &SeaWallet) -> Result<(), DbErr> {
    ///     wallet.migrate().await // creates `access_wallets` when missing, keeps the counts
    /// }
    /// ```
    pub async fn migrate(&self) -> Result<(), DbErr> {
        migrate(&self.db).await
    }

    fn name(&self, limit: LimitId) -> StoreResult<&str> {
        self.limits
            .get(limit.0 as usize)
            .map(|s| &**s)
            .ok_or_else(|| {
                StoreError::new(
                    StoreErrorKind::InvalidRequest,
                    format!("limit #{} is not in the model", limit.0),
                )
            })
    }

    fn key(&self, tenant: &str, limit: LimitId, period_start: Timestamp) -> StoreResult<Expr> {
        Ok(Expr::col(col("tenant"))
            .eq(tenant)
            .and(Expr::col(col("limit_name")).eq(self.name(limit)?))
            .and(Expr::col(col("period_start")).eq(period_start)))
    }

    /// One unit of `c`: `true` when the counter was below its max and is now one higher.
    async fn consume_one<C: ConnectionTrait>(
        &self,
        db: &C,
        tenant: &str,
        c: &Charge,
    ) -> StoreResult<bool> {
        if c.max == 0 {
            return Ok(false);
        }
        let max = i64::try_from(c.max).unwrap_or(i64::MAX);
        let used = Expr::col((col(TABLE), col("used")));
        let stmt = Query::insert()
            .into_table(col(TABLE))
            .columns([
                col("tenant"),
                col("limit_name"),
                col("period_start"),
                col("used"),
            ])
            .values_panic([
                tenant.into(),
                self.name(c.limit)?.into(),
                c.period_start.into(),
                1i64.into(),
            ])
            .on_conflict(
                OnConflict::columns([col("tenant"), col("limit_name"), col("period_start")])
                    .value(col("used"), used.clone().add(1))
                    .action_and_where(used.lt(max))
                    .to_owned(),
            )
            .returning_col(col("used"))
            .to_owned();
        let row = db
            .query_one_raw(db.get_database_backend().build(&stmt))
            .await
            .map_err(backend)?;
        Ok(row.is_some())
    }
}

impl WalletStore for SeaWallet {
    async fn used(
        &self,
        tenant: &str,
        limit: LimitId,
        period_start: Timestamp,
    ) -> StoreResult<u64> {
        let stmt = Query::select()
            .column(col("used"))
            .from(col(TABLE))
            .cond_where(self.key(tenant, limit, period_start)?)
            .to_owned();
        let row = self.db.query_one(&stmt).await.map_err(backend)?;
        match row {
            None => Ok(0),
            Some(r) => {
                let used: i64 = r.try_get("", "used").map_err(backend)?;
                Ok(u64::try_from(used).unwrap_or(0))
            }
        }
    }

    async fn consume(&self, tenant: &str, charges: &[Charge]) -> StoreResult<bool> {
        match charges {
            [] => Ok(true),
            [one] => self.consume_one(&self.db, tenant, one).await,
            many => {
                let txn = retry_writes(|| begin_write(&self.db))
                    .await
                    .map_err(backend)?;
                for c in many {
                    if !self.consume_one(&txn, tenant, c).await? {
                        txn.rollback().await.map_err(backend)?;
                        return Ok(false);
                    }
                }
                txn.commit().await.map_err(backend)?;
                Ok(true)
            }
        }
    }

    async fn unconsume(&self, tenant: &str, charges: &[Charge]) -> StoreResult<()> {
        let txn = retry_writes(|| begin_write(&self.db))
            .await
            .map_err(backend)?;
        for c in charges {
            let stmt = Query::update()
                .table(col(TABLE))
                .value(col("used"), Expr::col(col("used")).sub(1))
                .cond_where(
                    self.key(tenant, c.limit, c.period_start)?
                        .and(Expr::col(col("used")).gt(0)),
                )
                .to_owned();
            txn.execute(&stmt).await.map_err(backend)?;
        }
        txn.commit().await.map_err(backend)?;
        Ok(())
    }
}

/// Creates the wallet's table when missing (what [`SeaWallet::migrate`] runs).
pub(crate) async fn migrate(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let t = Table::create()
        .table(col(TABLE))
        .if_not_exists()
        .col(ColumnDef::new(col("tenant")).string().not_null())
        .col(ColumnDef::new(col("limit_name")).string().not_null())
        .col(ColumnDef::new(col("period_start")).big_integer().not_null())
        .col(ColumnDef::new(col("used")).big_integer().not_null())
        .primary_key(
            Index::create()
                .col(col("tenant"))
                .col(col("limit_name"))
                .col(col("period_start")),
        )
        .to_owned();
    db.execute(&t).await?;
    Ok(())
}
