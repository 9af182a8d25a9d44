//! Signing in with a second factor and stepping up: the challenge `POST login` answers an
//! account with MFA with, `POST mfa/challenge` (the challenge and a factor: the tokens), and
//! `POST mfa/step-up` (signed in, a factor: new tokens whose `mfa` claim is now). A factor is a
//! TOTP code, a recovery code, or a passkey's assertion (its ceremony started by
//! `POST mfa/challenge/passkey` or `POST mfa/step-up/passkey`).

use access_core::sea::write::{begin_write, retry_writes};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use serde_json::json;

use super::respond;
use crate::auth::caller::current_record;
use crate::auth::extract::Client;
use crate::auth::mfa::{self, Factor, Used};
use crate::auth::state::AuthState;
use crate::auth::tokens::{random_token, secret_eq, token_hash, unix_now};
use crate::auth::user::CurrentUser;
use crate::auth::{passkeys, rate_limit, sessions};
use crate::db::{mfa_challenge, session, user};
use crate::error::{ApiError, JsonBody};

/// How long a login's challenge is open.
const CHALLENGE_TTL: i64 = 300;

/// The second factors `u` signs in with; empty when the account has none (or MFA is off). An
/// account with TOTP on may answer with one of its passkeys instead.
pub(crate) async fn methods_of(
    state: &AuthState,
    u: &user::Model,
) -> Result<Vec<&'static str>, ApiError> {
    if state.config.mfa().is_none() {
        return Ok(Vec::new());
    }
    let mut methods = mfa::methods(&state.db, state, u.id).await?;
    if !methods.is_empty()
        && state.passkeys.is_some()
        && passkeys::has_passkey(&state.db, u.id).await?
    {
        methods.push("passkey");
    }
    Ok(methods)
}

/// `POST login`'s answer for an account with a second factor: 200 with a challenge and the
/// methods, no tokens. The challenge is stored hashed, bound to the account and the client.
pub(crate) async fn challenge(
    state: &AuthState,
    u: &user::Model,
    client: &Client,
    methods: Vec<&'static str>,
) -> Result<Response, ApiError> {
    let token = issue_challenge(state, u, client).await?;
    Ok(Json(json!({
        "mfa_required": true,
        "challenge": token,
        "methods": methods,
        "expires_in": CHALLENGE_TTL,
    }))
    .into_response())
}

/// A new challenge for `u` signing in from `client` (stored hashed): the token to answer
/// `POST mfa/challenge` with. A sign-in with a provider hands it to the page.
pub(crate) async fn issue_challenge(
    state: &AuthState,
    u: &user::Model,
    client: &Client,
) -> Result<String, ApiError> {
    let token = random_token();
    let now = unix_now();
    let row = mfa_challenge::ActiveModel {
        token_hash: Set(token_hash(&token)),
        user_id: Set(u.id),
        device: Set(client.device.clone()),
        ip: Set(client.ip.clone()),
        created_at: Set(now),
        expires_at: Set(now + CHALLENGE_TTL),
        used_at: Set(None),
        ..Default::default()
    };
    let (state_ref, row) = (state, &row);
    let _turn = state.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&state_ref.db).await?;
        row.clone().insert(&txn).await?;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(token)
}

/// A passkey's answer: the ceremony its options came from and the browser's credential.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PasskeyAnswer {
    ceremony: String,
    credential: serde_json::Value,
}

/// A second factor in a body: `code` (authenticator app), `recovery_code` or `passkey`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FactorBody {
    #[serde(default)]
    challenge: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    recovery_code: Option<String>,
    #[serde(default)]
    passkey: Option<PasskeyAnswer>,
}

/// The factor a body gives.
enum Given<'a> {
    Code(Factor<'a>),
    Passkey(&'a PasskeyAnswer),
}

/// What passed.
enum Passed {
    Code(Used),
    Passkey,
}

impl FactorBody {
    /// The factor given: exactly one of `code`, `recovery_code` and `passkey`; 422 otherwise.
    fn factor(&self) -> Result<Given<'_>, ApiError> {
        match (&self.code, &self.recovery_code, &self.passkey) {
            (Some(c), None, None) => Ok(Given::Code(Factor::Totp(c))),
            (None, Some(r), None) => Ok(Given::Code(Factor::Recovery(r))),
            (None, None, Some(p)) => Ok(Given::Passkey(p)),
            _ => Err(ApiError::invalid(
                "invalid_body",
                "give one of `code` (from the authenticator app), `recovery_code` and `passkey`",
            )),
        }
    }
}

/// Checks `given` for `user_id` inside `txn`: what passed, or `None` (nothing written).
async fn check(
    txn: &sea_orm::DatabaseTransaction,
    state: &AuthState,
    user_id: i64,
    given: &Given<'_>,
) -> Result<Option<Passed>, ApiError> {
    match given {
        Given::Code(f) => {
            if state.config.mfa().is_none() {
                return Ok(None);
            }
            Ok(mfa::verify(txn, state, user_id, *f)
                .await?
                .map(Passed::Code))
        }
        Given::Passkey(p) => {
            if state.passkeys.is_none() {
                return Ok(None);
            }
            let ok =
                passkeys::finish_for_user(txn, state, user_id, &p.ceremony, &p.credential).await?;
            Ok(ok.then_some(Passed::Passkey))
        }
    }
}

fn invalid_challenge() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_challenge",
        "the challenge is invalid or expired: sign in again",
    )
}

fn wrong_code() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        "wrong_code",
        "the code is wrong, used already, or not one of this account's",
    )
}

/// What the answer says of the factor used: with a recovery code, how many are left.
fn said(passed: Passed) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    if let Passed::Code(Used::Recovery { remaining }) = passed {
        out.insert("recovery_codes_left".into(), remaining.into());
    }
    out
}

/// The open challenge `token` names, for the client that presents it: each use counts against
/// the challenge's and the account's budgets (5 per 15 minutes; 429 past them); 401
/// `invalid_challenge` for an unknown, used, expired or another client's challenge.
async fn open_challenge(
    state: &AuthState,
    token: &str,
    client: &Client,
) -> Result<mfa_challenge::Model, ApiError> {
    let hash = token_hash(token);
    let now = unix_now();
    let c = mfa_challenge::Entity::find()
        .filter(mfa_challenge::Column::TokenHash.eq(hash.clone()))
        .one(&state.db)
        .await?
        .filter(|c| secret_eq(&c.token_hash, &hash))
        .ok_or_else(invalid_challenge)?;
    // Counted before anything is checked: 5 tries per challenge and per account (the
    // account's budget is shared with every endpoint that checks a code).
    rate_limit::check(&state.db, format!("mfa:challenge:{hash}"), mfa::CODE_LIMIT).await?;
    mfa::count_attempt(state, c.user_id).await?;
    // Bound to the login that issued it: the same client, still open.
    let same_client = secret_eq(&c.device, &client.device) && secret_eq(&c.ip, &client.ip);
    if c.used_at.is_some() || c.expires_at <= now || !same_client {
        return Err(invalid_challenge());
    }
    Ok(c)
}

/// `{ "challenge" }`: a login's challenge, to start a passkey ceremony for it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChallengeBody {
    challenge: String,
}

/// `POST mfa/challenge/passkey {challenge}`: the options of a passkey assertion for the
/// challenge's account (`{ceremony, options}`); the answer goes to `POST mfa/challenge` as
/// `{challenge, passkey: {ceremony, credential}}`. Counts as a try of the challenge.
pub(super) async fn challenge_passkey(
    State(state): State<AuthState>,
    client: Client,
    JsonBody(body): JsonBody<ChallengeBody>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let c = open_challenge(&state, &body.challenge, &client).await?;
    let (ceremony, options) =
        passkeys::start_for_user(&state, c.user_id, passkeys::SECOND_FACTOR).await?;
    Ok(Json(json!({ "ceremony": ceremony, "options": options })))
}

/// `POST mfa/step-up/passkey` (signed in): the options of a passkey assertion for a step-up
/// (`{ceremony, options}`); the answer goes to `POST mfa/step-up` as `{passkey: {..}}`.
pub(super) async fn step_up_passkey(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (ceremony, options) = passkeys::start_for_user(&state, user.id, passkeys::STEP_UP).await?;
    Ok(Json(json!({ "ceremony": ceremony, "options": options })))
}

pub(super) async fn answer_challenge(
    State(state): State<AuthState>,
    client: Client,
    JsonBody(body): JsonBody<FactorBody>,
) -> Result<Response, ApiError> {
    let factor = body.factor()?;
    let token = body.challenge.as_deref().ok_or_else(|| {
        ApiError::invalid(
            "invalid_body",
            "`challenge` is the one `POST /auth/login` gave",
        )
    })?;
    let c = open_challenge(&state, token, &client).await?;
    let now = unix_now();
    let users = &state.config.accounts().users;
    let u = users
        .by_id(&state.db, c.user_id)
        .await?
        .filter(|u| u.active)
        .ok_or_else(invalid_challenge)?;
    let factor = &factor;
    let (state_ref, u_ref, client_ref, c_ref) = (&state, &u, &client, &c);
    let _turn = state.writers.serial().await?;
    let (used, sid, refresh) = retry_writes(|| async move {
        let txn = begin_write(&state_ref.db).await?;
        let Some(used) = check(&txn, state_ref, u_ref.id, factor).await? else {
            return Err(wrong_code());
        };
        let taken = mfa_challenge::Entity::update_many()
            .col_expr(mfa_challenge::Column::UsedAt, Expr::value(now))
            .filter(mfa_challenge::Column::Id.eq(c_ref.id))
            .filter(mfa_challenge::Column::UsedAt.is_null())
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !taken {
            return Err(invalid_challenge());
        }
        let (sid, refresh) =
            sessions::open_in(&txn, state_ref, u_ref, client_ref, Some(now)).await?;
        txn.commit().await?;
        Ok::<_, ApiError>((used, sid, refresh))
    })
    .await?;
    sessions::record_login(&state, u.id).await;
    let tokens = sessions::sign_tokens_with(&state, &u, &sid, refresh, Some(now)).await?;
    Ok(respond::tokens_with(
        &state.config,
        StatusCode::OK,
        &tokens,
        Some(&u),
        said(used),
    ))
}

pub(super) async fn step_up(
    State(state): State<AuthState>,
    user: CurrentUser,
    JsonBody(body): JsonBody<FactorBody>,
) -> Result<Response, ApiError> {
    if body.challenge.is_some() {
        return Err(ApiError::invalid(
            "invalid_body",
            "a step-up takes `code` or `recovery_code`, no challenge",
        ));
    }
    let factor = body.factor()?;
    mfa::count_attempt(&state, user.id).await?;
    let u = current_record(&state, &user).await?;
    let now = unix_now();
    let factor = &factor;
    let (state_ref, u_ref, sid) = (&state, &u, user.session_id.as_str());
    let _turn = state.writers.serial().await?;
    let (used, refresh, tenant) = retry_writes(|| async move {
        let txn = begin_write(&state_ref.db).await?;
        let Some(used) = check(&txn, state_ref, u_ref.id, factor).await? else {
            return Err(wrong_code());
        };
        let live = session::Entity::update_many()
            .col_expr(session::Column::MfaAt, Expr::value(now))
            .col_expr(session::Column::LastActiveAt, Expr::value(now))
            .filter(session::Column::Id.eq(sid))
            .filter(session::Column::UserId.eq(u_ref.id))
            .filter(session::Column::RevokedAt.is_null())
            .filter(session::Column::ExpiresAt.gt(now))
            .exec(&txn)
            .await?
            .rows_affected
            == 1;
        if !live {
            return Err(ApiError::unauthenticated());
        }
        let refresh = sessions::rotate_refresh(&txn, sid, now).await?;
        let tenant = session::Entity::find_by_id(sid.to_owned())
            .one(&txn)
            .await?
            .and_then(|s| s.tenant);
        txn.commit().await?;
        Ok::<_, ApiError>((used, refresh, tenant))
    })
    .await?;
    // The session's tenant when it switched to one, else the user's (as refresh has it).
    let u = user::Model {
        tenant: tenant.or(u.tenant),
        ..u
    };
    let tokens = sessions::sign_tokens_with(&state, &u, sid, refresh, Some(now)).await?;
    Ok(respond::tokens_with(
        &state.config,
        StatusCode::OK,
        &tokens,
        None,
        said(used),
    ))
}
