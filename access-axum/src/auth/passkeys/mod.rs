//! Passkeys (WebAuthn, through `webauthn-rs`): registering discoverable credentials, listing
//! and deleting them, signing in with one (no password, no username), and a signed-in user's
//! assertion for the second-factor and step-up flows. Mounted under the auth base path when
//! [`AuthState::with_passkeys`](crate::AuthState::with_passkeys) installed a [`PasskeyConfig`];
//! the guide is `docs/passkeys.md`.
//!
//! Every ceremony's state stays on the server (`auth_webauthn_ceremonies`): the client holds an
//! opaque id, taken once, within 5 minutes, by the kind and user it was started for.
//!
//! | file | holds |
//! |---|---|
//! | `ceremony.rs` | ceremonies: stored hashed, read back, taken once |
//! | `store.rs` | stored passkeys; recording an assertion (counter, last use) with its ceremony |
//! | `register.rs` | `POST passkeys/register/start`, `POST passkeys/register/finish` |
//! | `manage.rs` | `GET passkeys`, `DELETE passkeys/{id}`; the account-removal hook |
//! | `login.rs` | `POST passkeys/login/start`, `POST passkeys/login/finish` |
//! | `user.rs` | a signed-in user's assertion: [`start_for_user`], [`finish_for_user`], [`has_passkey`] |

mod ceremony;
mod login;
mod manage;
mod register;
mod store;
mod user;

// A passkey sign-in answers exactly as a password sign-in does.
use crate::auth::handlers::respond;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};

pub use crate::config::passkeys::PasskeyConfig;
pub(crate) use ceremony::{SECOND_FACTOR, STEP_UP};
pub(crate) use manage::forget;

use crate::auth::state::AuthState;
use crate::error::ApiError;

/// The passkey routes (relative to the auth base path), or none without a [`PasskeyConfig`].
pub(crate) fn routes(state: &AuthState) -> Router<AuthState> {
    if state.passkeys.is_none() {
        return Router::new();
    }
    Router::new()
        .route("/passkeys", get(manage::list))
        .route("/passkeys/{id}", delete(manage::delete))
        .route("/passkeys/register/start", post(register::start))
        .route("/passkeys/register/finish", post(register::finish))
        .route("/passkeys/login/start", post(login::start))
        .route("/passkeys/login/finish", post(login::finish))
}

/// The installed configuration (404 without one: the routes are not mounted then).
fn config_of(state: &AuthState) -> Result<&PasskeyConfig, ApiError> {
    state
        .passkeys
        .as_ref()
        .ok_or_else(|| ApiError::not_found("passkeys are not enabled"))
}

/// 422 `invalid_credential`: the `credential` field is not a WebAuthn credential's JSON.
fn invalid_credential() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_credential",
        "`credential` is not a WebAuthn credential (the JSON of the browser's PublicKeyCredential)",
    )
}

/// Starts a passkey assertion for `user_id` (their credentials only): the ceremony id and the
/// options (`{ "publicKey": .. }`, for `navigator.credentials.get`). `kind` names the flow
/// (`second_factor`, `step_up`, ..; not `register` or `login`) and is stored with the
/// ceremony. 400 `no_passkey` when the account has none ([`has_passkey`]). Takes a writer's
/// turn: call it outside a write transaction.
pub(crate) async fn start_for_user(
    state: &AuthState,
    user_id: i64,
    kind: &'static str,
) -> Result<(String, serde_json::Value), ApiError> {
    user::start(state, user_id, kind).await
}

/// Finishes it inside `txn`: Ok(true) when `credential` is a valid assertion by one of
/// `user_id`'s passkeys for that ceremony (taken once; the passkey's counter and last use
/// recorded); Ok(false) otherwise (nothing written; the reason is logged at debug, a counter
/// that went backwards at warn). Reads and writes through `txn` only.
pub(crate) async fn finish_for_user(
    txn: &sea_orm::DatabaseTransaction,
    state: &AuthState,
    user_id: i64,
    ceremony: &str,
    credential: &serde_json::Value,
) -> Result<bool, ApiError> {
    user::finish(txn, state, user_id, ceremony, credential).await
}

/// How many passkeys the account has.
pub(crate) async fn count(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i64,
) -> Result<u64, ApiError> {
    store::count(db, user_id).await
}

/// Whether the account has at least one passkey.
pub(crate) async fn has_passkey(
    db: &impl sea_orm::ConnectionTrait,
    user_id: i64,
) -> Result<bool, ApiError> {
    user::has_passkey(db, user_id).await
}
