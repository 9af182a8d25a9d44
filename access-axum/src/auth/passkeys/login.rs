//! `POST passkeys/login/start` and `POST passkeys/login/finish`: a sign-in without a password or
//! a username (a discoverable credential names its user), answered as `POST login` answers.

use access_core::sea::write::{begin_write, retry_writes};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};
use webauthn_rs::prelude::{DiscoverableAuthentication, DiscoverableKey, PublicKeyCredential};

use super::{ceremony, config_of, invalid_credential, respond, store};
use crate::auth::extract::Client;
use crate::auth::state::AuthState;
use crate::auth::tokens::unix_now;
use crate::auth::{rate_limit, sessions};
use crate::error::{ApiError, JsonBody};

pub(super) async fn start(
    State(state): State<AuthState>,
    client: Client,
) -> Result<Json<Value>, ApiError> {
    let config = config_of(&state)?;
    // Each start stores a row: as many as logins may be tried.
    rate_limit::check(
        &state.db,
        format!("passkey-start:ip:{}", client.ip),
        state.config.http().rate_limits.login,
    )
    .await?;
    let (challenge, auth) = config
        .webauthn
        .start_discoverable_authentication()
        .map_err(ApiError::internal)?;
    let mut options = serde_json::to_value(&challenge).map_err(ApiError::internal)?;
    // webauthn-rs asks for conditional mediation (autofill); the page chooses: a sign-in button
    // calls `navigator.credentials.get` as is, an autofill field adds `mediation: "conditional"`.
    if let Some(o) = options.as_object_mut() {
        o.remove("mediation");
    }
    let _turn = state.writers.serial().await?;
    let id = retry_writes(|| async {
        let txn = begin_write(&state.db).await?;
        let id = ceremony::store(&txn, ceremony::LOGIN, None, &auth).await?;
        txn.commit().await?;
        Ok::<_, ApiError>(id)
    })
    .await?;
    Ok(Json(json!({ "ceremony": id, "options": options })))
}

#[derive(Deserialize)]
pub(super) struct FinishBody {
    ceremony: String,
    credential: Value,
}

pub(super) async fn finish(
    State(state): State<AuthState>,
    client: Client,
    JsonBody(body): JsonBody<FinishBody>,
) -> Result<Response, ApiError> {
    let config = config_of(&state)?;
    rate_limit::check(
        &state.db,
        format!("login:ip:{}", client.ip),
        state.config.http().rate_limits.login,
    )
    .await?;
    let credential: PublicKeyCredential =
        serde_json::from_value(body.credential).map_err(|_| invalid_credential())?;
    let Some(open) = ceremony::open::<DiscoverableAuthentication>(
        &state.db,
        &body.ceremony,
        |k| k == ceremony::LOGIN,
        None,
    )
    .await?
    else {
        return Err(ceremony::invalid());
    };
    // Who the credential names, and whether it is theirs; then webauthn-rs's checks.
    let checked = async {
        let (handle, cred_id) = config
            .webauthn
            .identify_discoverable_authentication(&credential)
            .map_err(|e| store::rejected(&format!("no user handle: {e}")))?;
        let key = store::credential_key(cred_id);
        let row = store::by_credential(&state.db, &key)
            .await?
            .ok_or_else(|| store::rejected("a credential registered to no one"))?;
        if row.user_handle != handle.to_string() {
            return Err(store::rejected(&format!(
                "passkey {} presented with another user handle",
                row.id
            )));
        }
        let passkey = store::decode(&row)?;
        let result = config
            .webauthn
            .finish_discoverable_authentication(
                &credential,
                open.state.clone(),
                &[DiscoverableKey::from(&passkey)],
            )
            .map_err(|e| {
                store::assertion_refusal(&row, &e);
                store::rejection()
            })?;
        let u = state
            .config
            .accounts()
            .users
            .by_id(&state.db, row.user_id)
            .await?
            .ok_or_else(|| store::rejected(&format!("passkey {} of a removed user", row.id)))?;
        if !u.active {
            return Err(store::rejected(&format!("user {} is inactive", u.id)));
        }
        Ok((row, result, u))
    }
    .await;
    let turn = state.writers.serial().await?;
    let recorded = retry_writes(|| async {
        let txn = begin_write(&state.db).await?;
        let out = match &checked {
            // A refused answer uses the ceremony up all the same.
            Err(_) => ceremony::take(&txn, &open.key).await.map(|_| false),
            Ok((row, result, _)) => store::record_assertion(&txn, &open.key, row, result).await,
        }?;
        txn.commit().await?;
        Ok::<_, ApiError>(out)
    })
    .await?;
    drop(turn);
    let (_, _, u) = checked?;
    if !recorded {
        // Taken by a concurrent finish, or the passkey changed under it: not this answer's.
        return Err(ceremony::invalid());
    }
    // A passkey with user verification is two factors (the device, and the PIN or biometric
    // that unlocks it): the session counts as verified now, for `fva(..)` and step-ups.
    let tokens = sessions::open_verified(&state, &u, &client, Some(unix_now())).await?;
    sessions::record_login(&state, u.id).await;
    Ok(respond::tokens(
        &state.config,
        StatusCode::OK,
        &tokens,
        Some(&u),
    ))
}
