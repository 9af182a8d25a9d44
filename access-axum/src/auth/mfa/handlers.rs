//! The MFA endpoints, mounted under the auth base path when MFA is configured:
//!
//! | endpoint | body | answer |
//! |---|---|---|
//! | `GET mfa` | | `{totp, recovery_codes_left}` |
//! | `POST mfa/totp` | `{password}` | `{secret, otpauth_uri, qr_svg}`: a pending enrolment |
//! | `POST mfa/totp/confirm` | `{code}` | `{enabled: true, recovery_codes}`: shown once |
//! | `DELETE mfa/totp` | `{password, code}` | 204: TOTP and the recovery codes removed |
//! | `POST mfa/recovery-codes` | `{password, code}` | `{recovery_codes}`: the old ones revoked |
//!
//! `code` is a TOTP code or, for `DELETE mfa/totp` and `POST mfa/recovery-codes`, a recovery
//! code (a lost phone). Code checks count against [`CODE_LIMIT`](super::CODE_LIMIT) per
//! account, password checks against the login limit per account. Every refusal leaves the
//! stored factors as they were.

use access_core::sea::write::{begin_write, retry_writes};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use serde::Deserialize;
use serde_json::{Value, json};

use super::factor::spend_step;
use super::{
    Factor, Used, count_attempt, crypto, enabled, forget, recovery, settings, totp, verify,
};
use crate::auth::caller::{current_record, with_password};
use crate::auth::state::AuthState;
use crate::auth::tokens::unix_now;
use crate::auth::user::CurrentUser;
use crate::db::mfa_totp;
use crate::error::{ApiError, JsonBody};

fn wrong_code() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "wrong_code",
        "the code is wrong or was used already: enter the app's current code or a recovery code",
    )
}

fn already_enabled() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "mfa_already_enabled",
        "an authenticator app is enabled already: remove it first (`DELETE` with a code)",
    )
}

fn not_enabled() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "mfa_not_enabled",
        "no authenticator app is enabled on this account",
    )
}

/// The pending enrolment; 409 without one or with a confirmed one.
fn pending_or_conflict(row: Option<mfa_totp::Model>) -> Result<mfa_totp::Model, ApiError> {
    match row {
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            "mfa_not_started",
            "no enrolment to confirm: start one with `POST /auth/mfa/totp`",
        )),
        Some(r) if r.confirmed_at.is_some() => Err(already_enabled()),
        Some(r) => Ok(r),
    }
}

/// `GET mfa`: the caller's second factors.
pub(crate) async fn factors(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let u = current_record(&state, &user).await?;
    let totp = enabled(&state.db, u.id).await?;
    let left = recovery::left(&state.db, u.id).await?;
    Ok(Json(json!({
        "totp": totp,
        "recovery_codes_left": left,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordBody {
    /// Empty for an account without a password (a recent sign-in stands for it).
    #[serde(default)]
    password: String,
}

/// `POST mfa/totp {password}`: a new pending enrolment (replacing a pending one), shown once.
pub(crate) async fn enrol(
    State(state): State<AuthState>,
    user: CurrentUser,
    JsonBody(body): JsonBody<PasswordBody>,
) -> Result<Json<Value>, ApiError> {
    let settings = settings(&state)?;
    let u = with_password(&state, &user, body.password).await?;
    let secret = totp::new_secret();
    let sealed = crypto::seal(settings, u.id, &secret)?;
    let label = u
        .email
        .clone()
        .or_else(|| u.username.clone())
        .unwrap_or_else(|| format!("user {}", u.id));
    let (base32, uri, svg) = totp::enrolment(&secret, &settings.issuer, &label)?;
    let (state_ref, id, sealed) = (&state, u.id, &sealed);
    let _turn = state.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&state_ref.db).await?;
        if let Some(row) = mfa_totp::Entity::find_by_id(id).one(&txn).await? {
            if row.confirmed_at.is_some() {
                return Err(already_enabled());
            }
            mfa_totp::Entity::delete_by_id(id).exec(&txn).await?;
        }
        mfa_totp::ActiveModel {
            user_id: Set(id),
            secret: Set(sealed.clone()),
            confirmed_at: Set(None),
            last_step: Set(None),
            created_at: Set(unix_now()),
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(Json(json!({
        "secret": base32,
        "otpauth_uri": uri,
        "qr_svg": svg,
    })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CodeBody {
    code: String,
}

/// `POST mfa/totp/confirm {code}`: the pending enrolment becomes active with a right code,
/// and ten recovery codes are made and shown once.
pub(crate) async fn confirm(
    State(state): State<AuthState>,
    user: CurrentUser,
    JsonBody(body): JsonBody<CodeBody>,
) -> Result<Json<Value>, ApiError> {
    let settings = settings(&state)?;
    let u = current_record(&state, &user).await?;
    // Nothing to confirm is answered without counting an attempt (and checked again below).
    pending_or_conflict(mfa_totp::Entity::find_by_id(u.id).one(&state.db).await?)?;
    count_attempt(&state, u.id).await?;
    let codes = recovery::generate();
    let (state_ref, id, code, codes_ref) = (&state, u.id, body.code.as_str(), &codes);
    let _turn = state.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&state_ref.db).await?;
        let row = pending_or_conflict(mfa_totp::Entity::find_by_id(id).one(&txn).await?)?;
        let secret = crypto::open(settings, id, &row.secret)?;
        let now = unix_now();
        let step = totp::matching_step(&secret, code, now, row.last_step)?.ok_or_else(|| {
            ApiError::invalid(
                "invalid_code",
                "the code does not match: enter the 6 digits the app shows now (check the device's clock)",
            )
        })?;
        if !spend_step(&txn, id, step, true).await? {
            return Err(already_enabled());
        }
        recovery::replace(&txn, id, codes_ref, now).await?;
        crate::admin::audit::record(
            &txn,
            "",
            &id.to_string(),
            "enable_mfa",
            &format!("user:{id}"),
            json!({ "totp": false }),
            json!({ "totp": true, "recovery_codes_left": codes_ref.len() }),
        )
        .await;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(Json(json!({ "enabled": true, "recovery_codes": codes })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PasswordAndCode {
    /// Empty for an account without a password (a recent sign-in stands for it).
    #[serde(default)]
    password: String,
    code: String,
}

/// What a checked `{password, code}` allows.
#[derive(Clone, Copy)]
enum Then<'a> {
    /// Remove TOTP and the recovery codes.
    Remove,
    /// Replace the recovery codes with these.
    Regenerate(&'a [String]),
}

/// Checks the password, then (counted) the code, then does `then` in the transaction that
/// spends the code: 409 without a confirmed enrolment, 403 on a wrong password or code.
async fn with_password_and_code(
    state: &AuthState,
    user: &CurrentUser,
    body: PasswordAndCode,
    then: Then<'_>,
) -> Result<(), ApiError> {
    settings(state)?;
    let u = with_password(state, user, body.password).await?;
    // Nothing to check is answered without counting an attempt (and checked again below).
    if !enabled(&state.db, u.id).await? {
        return Err(not_enabled());
    }
    count_attempt(state, u.id).await?;
    let (id, code) = (u.id, body.code.as_str());
    let _turn = state.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&state.db).await?;
        if !enabled(&txn, id).await? {
            return Err(not_enabled());
        }
        let with = match verify(&txn, state, id, Factor::guess(code)).await? {
            None => return Err(wrong_code()),
            Some(Used::Totp) => "totp",
            Some(Used::Recovery { .. }) => "recovery_code",
        };
        let left = recovery::left(&txn, id).await?;
        let (action, after) = match then {
            Then::Remove => {
                forget(&txn, id).await?;
                (
                    "disable_mfa",
                    json!({ "totp": false, "recovery_codes_left": 0, "with": with }),
                )
            }
            Then::Regenerate(codes) => {
                recovery::replace(&txn, id, codes, unix_now()).await?;
                (
                    "regenerate_recovery_codes",
                    json!({ "totp": true, "recovery_codes_left": codes.len(), "with": with }),
                )
            }
        };
        crate::admin::audit::record(
            &txn,
            "",
            &id.to_string(),
            action,
            &format!("user:{id}"),
            json!({ "totp": true, "recovery_codes_left": left }),
            after,
        )
        .await;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await
}

/// `DELETE mfa/totp {password, code}`: removes TOTP and the recovery codes.
pub(crate) async fn remove(
    State(state): State<AuthState>,
    user: CurrentUser,
    JsonBody(body): JsonBody<PasswordAndCode>,
) -> Result<Response, ApiError> {
    with_password_and_code(&state, &user, body, Then::Remove).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST mfa/recovery-codes {password, code}`: ten new recovery codes, shown once; the old ones
/// stop working.
pub(crate) async fn regenerate(
    State(state): State<AuthState>,
    user: CurrentUser,
    JsonBody(body): JsonBody<PasswordAndCode>,
) -> Result<Json<Value>, ApiError> {
    let codes = recovery::generate();
    with_password_and_code(&state, &user, body, Then::Regenerate(&codes)).await?;
    Ok(Json(json!({ "recovery_codes": codes })))
}
