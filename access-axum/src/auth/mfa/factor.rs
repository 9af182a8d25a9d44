//! Checking a second factor, for every caller in the crate (the MFA endpoints here, the login
//! challenge and step-up elsewhere): [`verify`] a TOTP or recovery code inside the caller's
//! write transaction, and list an account's [`methods`].

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::json;

use super::{crypto, recovery, settings, totp};
use crate::auth::state::AuthState;
use crate::auth::tokens::{secret_eq, unix_now};
use crate::db::{mfa_totp, recovery_code};
use crate::error::ApiError;

/// A second factor as the user typed it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Factor<'a> {
    /// A code of the authenticator app (6 digits; spaces ignored).
    Totp(&'a str),
    /// One of the account's recovery codes (dashes, spaces and case ignored).
    Recovery(&'a str),
}

impl<'a> Factor<'a> {
    /// `code` read as a TOTP code when it is 6 digits (spaces aside), else as a recovery code:
    /// for endpoints with one `code` field that takes either.
    pub(crate) fn guess(code: &'a str) -> Self {
        if totp::normalize(code).is_some() {
            Self::Totp(code)
        } else {
            Self::Recovery(code)
        }
    }
}

/// Which factor was accepted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Used {
    /// A TOTP code (its step is now spent).
    Totp,
    /// A recovery code (now used), with the unused codes left.
    Recovery {
        /// Unused recovery codes left.
        remaining: usize,
    },
}

/// Checks a second factor of `user_id` inside `txn` (a writer transaction): a TOTP code is
/// accepted once (its time step is stored; the same step again is refused), ±1 step of clock
/// skew; a recovery code is marked used. Ok(None): wrong, replayed or no such factor (nothing
/// written). Err: the database failed or MFA is not configured.
pub(crate) async fn verify(
    txn: &sea_orm::DatabaseTransaction,
    state: &AuthState,
    user_id: i64,
    factor: Factor<'_>,
) -> Result<Option<Used>, ApiError> {
    let settings = settings(state)?;
    let now = unix_now();
    match factor {
        Factor::Totp(code) => {
            let Some(row) = mfa_totp::Entity::find_by_id(user_id).one(txn).await? else {
                return Ok(None);
            };
            if row.confirmed_at.is_none() {
                return Ok(None);
            }
            let secret = crypto::open(settings, user_id, &row.secret)?;
            let Some(step) = totp::matching_step(&secret, code, now, row.last_step)? else {
                return Ok(None);
            };
            // Only a step later than the stored one: two requests racing with one code
            // accept it once.
            let won = spend_step(txn, user_id, step, false).await?;
            Ok(won.then_some(Used::Totp))
        }
        Factor::Recovery(code) => {
            let Some(hash) = recovery::hash(code) else {
                return Ok(None);
            };
            let Some(row) = recovery_code::Entity::find()
                .filter(recovery_code::Column::UserId.eq(user_id))
                .filter(recovery_code::Column::CodeHash.eq(hash.clone()))
                .filter(recovery_code::Column::UsedAt.is_null())
                .one(txn)
                .await?
            else {
                return Ok(None);
            };
            if !secret_eq(&row.code_hash, &hash) {
                return Ok(None);
            }
            let won = recovery_code::Entity::update_many()
                .col_expr(recovery_code::Column::UsedAt, Expr::value(now))
                .filter(recovery_code::Column::Id.eq(row.id))
                .filter(recovery_code::Column::UsedAt.is_null())
                .exec(txn)
                .await?
                .rows_affected
                == 1;
            if !won {
                return Ok(None);
            }
            let remaining = recovery::left(txn, user_id).await?;
            crate::admin::audit::record(
                txn,
                "",
                &user_id.to_string(),
                "use_recovery_code",
                &format!("user:{user_id}"),
                json!({ "recovery_codes_left": remaining + 1 }),
                json!({ "recovery_codes_left": remaining }),
            )
            .await;
            Ok(Some(Used::Recovery { remaining }))
        }
    }
}

/// Stores `step` as `user_id`'s last accepted step when it is later than the stored one, on a
/// confirmed enrolment, or with `confirming` on a pending one, which it confirms: whether the
/// row changed.
pub(super) async fn spend_step(
    db: &impl ConnectionTrait,
    user_id: i64,
    step: i64,
    confirming: bool,
) -> Result<bool, ApiError> {
    let mut update = mfa_totp::Entity::update_many()
        .col_expr(mfa_totp::Column::LastStep, Expr::value(step))
        .filter(mfa_totp::Column::UserId.eq(user_id))
        .filter(
            sea_orm::Condition::any()
                .add(mfa_totp::Column::LastStep.is_null())
                .add(mfa_totp::Column::LastStep.lt(step)),
        );
    update = if confirming {
        update
            .col_expr(mfa_totp::Column::ConfirmedAt, Expr::value(unix_now()))
            .filter(mfa_totp::Column::ConfirmedAt.is_null())
    } else {
        update.filter(mfa_totp::Column::ConfirmedAt.is_not_null())
    };
    Ok(update.exec(db).await?.rows_affected == 1)
}

/// Whether `user_id` has a confirmed TOTP enrolment.
pub(crate) async fn enabled(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i64,
) -> Result<bool, ApiError> {
    Ok(mfa_totp::Entity::find_by_id(user_id)
        .one(db)
        .await?
        .is_some_and(|r| r.confirmed_at.is_some()))
}

/// The second factors the account has confirmed: e.g. ["totp", "recovery_code"]; empty without MFA.
pub(crate) async fn methods(
    db: &impl sea_orm::ConnectionTrait,
    state: &AuthState,
    user_id: i64,
) -> Result<Vec<&'static str>, ApiError> {
    if state.config.mfa().is_none() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    if enabled(db, user_id).await? {
        out.push("totp");
    }
    if recovery::left(db, user_id).await? > 0 {
        out.push("recovery_code");
    }
    Ok(out)
}
