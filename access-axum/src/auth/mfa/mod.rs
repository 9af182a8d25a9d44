//! The second factor: TOTP (authenticator apps) and recovery codes, on when the configuration
//! has [`MfaSettings`](crate::config::MfaSettings) (`MFA_KEY`). The guide is `docs/mfa.md`.
//!
//! | file | holds |
//! |---|---|
//! | `crypto.rs` | the TOTP secrets encrypted at rest (AES-256-GCM, the account as associated data) |
//! | `totp.rs` | secrets, the `otpauth://` URI and QR code, checking a code (±1 step, replays) |
//! | `recovery.rs` | recovery codes: made ten at a time, stored hashed, used once |
//! | `factor.rs` | [`verify`] a second factor in a write transaction, an account's [`methods`] |
//! | `handlers.rs` | `GET mfa`, `POST`/`DELETE mfa/totp`, `POST mfa/totp/confirm`, `POST mfa/recovery-codes` |

mod crypto;
mod factor;
pub(crate) mod handlers;
mod recovery;
mod totp;

use std::time::Duration;

use sea_orm::{ConnectionTrait, EntityTrait};

pub(crate) use factor::{Factor, Used, enabled, methods, verify};

use super::state::AuthState;
use crate::config::{MfaSettings, RateLimit};
use crate::db::mfa_totp;
use crate::error::ApiError;

/// Code checks allowed per account: 5 per 15 minutes (a 6-digit code has a million values).
pub(crate) const CODE_LIMIT: RateLimit = RateLimit {
    max: 5,
    window: Duration::from_secs(900),
};

/// Counts a second-factor attempt of `user_id` (every endpoint that checks a code, the login
/// challenge too: one budget per account); 429 with `Retry-After` beyond [`CODE_LIMIT`]. Call
/// it outside the write transaction.
pub(crate) async fn count_attempt(state: &AuthState, user_id: i64) -> Result<(), ApiError> {
    super::rate_limit::check(&state.db, format!("mfa:user:{user_id}"), CODE_LIMIT).await
}

/// The MFA setting; 500 when MFA is off (the routes are mounted only with it, and callers ask
/// [`methods`] first).
fn settings(state: &AuthState) -> Result<&MfaSettings, ApiError> {
    state
        .config
        .mfa()
        .ok_or_else(|| ApiError::internal("a second factor was checked but MFA is not configured"))
}

/// Removes every second factor of `user_id` (its TOTP enrolment and recovery codes), in `db`:
/// what goes with a deleted account.
pub(crate) async fn forget(db: &impl ConnectionTrait, user_id: i64) -> Result<(), ApiError> {
    mfa_totp::Entity::delete_by_id(user_id).exec(db).await?;
    recovery::remove(db, user_id).await
}
