//! `POST passkeys/register/start` and `POST passkeys/register/finish`: a signed-in user adds a
//! discoverable passkey (a resident key, user verification required).

use access_core::sea::write::{begin_write, retry_writes};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, Set};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use webauthn_rs::prelude::{PasskeyRegistration, RegisterPublicKeyCredential, Uuid};

use super::{ceremony, config_of, invalid_credential, store};
use crate::auth::state::AuthState;
use crate::auth::tokens::unix_now;
use crate::auth::user::CurrentUser;
use crate::db::passkey;
use crate::error::{ApiError, JsonBody};

/// What a registration keeps between its start and its finish.
#[derive(Serialize, Deserialize)]
struct Registration {
    /// The user handle the new credential carries.
    handle: Uuid,
    state: PasskeyRegistration,
}

/// The longest passkey name, in characters.
const NAME_MAX: usize = 64;

pub(super) async fn start(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let config = config_of(&state)?;
    let u = state
        .config
        .accounts()
        .users
        .by_id(&state.db, user.id)
        .await?
        .filter(|u| u.active)
        .ok_or_else(ApiError::unauthenticated)?;
    let existing = store::of_user(&state.db, u.id).await?;
    let handle = store::user_handle(&existing);
    // The user's passkeys may not register again (the authenticator says so at once).
    let exclude = existing
        .iter()
        .map(store::decode)
        .map(|p| p.map(|p| p.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let label = u
        .email
        .clone()
        .or_else(|| u.username.clone())
        .unwrap_or_else(|| format!("user {}", u.id));
    let (challenge, reg) = config
        .webauthn
        .start_passkey_registration(handle, &label, &label, Some(exclude))
        .map_err(ApiError::internal)?;
    let mut options = serde_json::to_value(&challenge).map_err(ApiError::internal)?;
    require_resident_key(&mut options);
    let saved = Registration { handle, state: reg };
    let _turn = state.writers.serial().await?;
    let id = retry_writes(|| async {
        let txn = begin_write(&state.db).await?;
        let id = ceremony::store(&txn, ceremony::REGISTER, Some(u.id), &saved).await?;
        txn.commit().await?;
        Ok::<_, ApiError>(id)
    })
    .await?;
    Ok(Json(json!({ "ceremony": id, "options": options })))
}

/// Asks for a discoverable credential (a passkey the authenticator offers at sign-in without a
/// username): webauthn-rs's passkey registration leaves it to the authenticator.
fn require_resident_key(options: &mut Value) {
    if let Some(sel) = options
        .pointer_mut("/publicKey/authenticatorSelection")
        .and_then(Value::as_object_mut)
    {
        sel.insert("residentKey".into(), "required".into());
        sel.insert("requireResidentKey".into(), true.into());
        sel.insert("userVerification".into(), "required".into());
    }
}

#[derive(Deserialize)]
pub(super) struct FinishBody {
    ceremony: String,
    name: Option<String>,
    credential: Value,
}

pub(super) async fn finish(
    State(state): State<AuthState>,
    user: CurrentUser,
    JsonBody(body): JsonBody<FinishBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let config = config_of(&state)?;
    let credential: RegisterPublicKeyCredential =
        serde_json::from_value(body.credential).map_err(|_| invalid_credential())?;
    let name = match body.name.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) if n.chars().count() > NAME_MAX || n.chars().any(char::is_control) => {
            return Err(ApiError::invalid(
                "invalid_name",
                format!("a passkey name is 1 to {NAME_MAX} characters, without control characters"),
            ));
        }
        Some(n) => Some(n.to_owned()),
    };
    let Some(open) = ceremony::open::<Registration>(
        &state.db,
        &body.ceremony,
        |k| k == ceremony::REGISTER,
        Some(user.id),
    )
    .await?
    else {
        return Err(ceremony::invalid());
    };
    let verified = config
        .webauthn
        .finish_passkey_registration(&credential, &open.state.state);
    let handle = open.state.handle.to_string();
    let (key, stored) = match &verified {
        Ok(k) => (
            Some(store::credential_key(k.cred_id())),
            Some(serde_json::to_string(k).map_err(ApiError::internal)?),
        ),
        Err(_) => (None, None),
    };
    let _turn = state.writers.serial().await?;
    // Ok(Err(..)): a refusal, with the ceremony taken (committed) all the same.
    let row = retry_writes(|| async {
        let txn = begin_write(&state.db).await?;
        if !ceremony::take(&txn, &open.key).await? {
            return Ok(Err(ceremony::invalid()));
        }
        let (Some(key), Some(stored)) = (&key, &stored) else {
            txn.commit().await?;
            let why = verified.as_ref().err().map(ToString::to_string);
            return Ok(Err(store::rejected(&format!(
                "registration for user {}: {}",
                user.id,
                why.unwrap_or_default()
            ))));
        };
        if store::by_credential(&txn, key).await?.is_some() {
            txn.commit().await?;
            return Ok(Err(ApiError::new(
                StatusCode::CONFLICT,
                "passkey_exists",
                "this passkey is already registered",
            )));
        }
        let name = match &name {
            Some(n) => n.clone(),
            None => format!("Passkey {}", store::count(&txn, user.id).await? + 1),
        };
        let row = passkey::ActiveModel {
            user_id: Set(user.id),
            credential_id: Set(key.clone()),
            user_handle: Set(handle.clone()),
            passkey: Set(stored.clone()),
            name: Set(name),
            created_at: Set(unix_now()),
            last_used_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        txn.commit().await?;
        Ok::<_, ApiError>(Ok(row))
    })
    .await??;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": row.id, "name": row.name, "created_at": row.created_at })),
    ))
}
