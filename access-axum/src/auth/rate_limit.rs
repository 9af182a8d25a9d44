//! Rate limits: fixed-window counters in the database (one upsert per attempt), so they hold
//! across app instances. Beyond the limit: 429 with `Retry-After` = the seconds left in the
//! window.

use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};

use super::tokens::{token_hash, unix_now};
use crate::config::RateLimit;
use crate::db::rate_limit;
use crate::error::ApiError;

/// Counts an attempt against `limit` for `key` (stored hashed); 429 beyond it.
pub(crate) async fn check(
    db: &DatabaseConnection,
    key: String,
    limit: RateLimit,
) -> Result<(), ApiError> {
    let now = unix_now();
    let window = Ord::max(limit.window.as_secs(), 1) as i64;
    let start = now - now.rem_euclid(window);
    let key = token_hash(&key);
    let stale = Expr::col((rate_limit::Entity, rate_limit::Column::WindowStart)).lt(start);
    let stmt = Query::insert()
        .into_table(rate_limit::Entity)
        .columns([
            rate_limit::Column::Key,
            rate_limit::Column::WindowStart,
            rate_limit::Column::Count,
        ])
        .values_panic([key.into(), start.into(), 1i64.into()])
        .on_conflict(
            OnConflict::column(rate_limit::Column::Key)
                .value(
                    rate_limit::Column::Count,
                    Expr::case(stale.clone(), 1i64).finally(
                        Expr::col((rate_limit::Entity, rate_limit::Column::Count)).add(1i64),
                    ),
                )
                .value(
                    rate_limit::Column::WindowStart,
                    Expr::case(stale, start).finally(Expr::col((
                        rate_limit::Entity,
                        rate_limit::Column::WindowStart,
                    ))),
                )
                .to_owned(),
        )
        .returning_col(rate_limit::Column::Count)
        .to_owned();
    let row = db.query_one(&stmt).await?;
    let count: i64 = row
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(i64::MAX);
    if count > i64::from(limit.max) {
        let left = u64::try_from(start + window - now).unwrap_or(1);
        return Err(ApiError::rate_limited(Ord::max(left, 1)));
    }
    Ok(())
}
