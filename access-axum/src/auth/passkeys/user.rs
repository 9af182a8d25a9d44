//! A signed-in user's own assertion (second factor, step-up), for the flows that ask for one:
//! [`super::start_for_user`], [`super::finish_for_user`], [`super::has_passkey`].

use access_core::sea::write::{begin_write, retry_writes};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter};
use webauthn_rs::prelude::{PasskeyAuthentication, PublicKeyCredential};

use super::{ceremony, config_of, store};
use crate::auth::state::AuthState;
use crate::db::passkey;
use crate::error::ApiError;

/// Whether `kind` is one of a user's assertions (not a registration, not a sign-in).
fn assertion_kind(kind: &str) -> bool {
    kind != ceremony::REGISTER && kind != ceremony::LOGIN
}

pub(super) async fn start(
    state: &AuthState,
    user_id: i64,
    kind: &'static str,
) -> Result<(String, serde_json::Value), ApiError> {
    let config = config_of(state)?;
    if !assertion_kind(kind) {
        return Err(ApiError::internal(format!(
            "start_for_user: `{kind}` is not an assertion kind"
        )));
    }
    let keys = store::of_user(&state.db, user_id)
        .await?
        .iter()
        .map(store::decode)
        .collect::<Result<Vec<_>, _>>()?;
    if keys.is_empty() {
        return Err(ApiError::new(
            axum::http::StatusCode::BAD_REQUEST,
            "no_passkey",
            "the account has no passkey",
        ));
    }
    let (challenge, auth) = config
        .webauthn
        .start_passkey_authentication(&keys)
        .map_err(ApiError::internal)?;
    let options = serde_json::to_value(&challenge).map_err(ApiError::internal)?;
    let _turn = state.writers.serial().await?;
    let id = retry_writes(|| async {
        let txn = begin_write(&state.db).await?;
        let id = ceremony::store(&txn, kind, Some(user_id), &auth).await?;
        txn.commit().await?;
        Ok::<_, ApiError>(id)
    })
    .await?;
    Ok((id, options))
}

pub(super) async fn finish(
    txn: &DatabaseTransaction,
    state: &AuthState,
    user_id: i64,
    id: &str,
    credential: &serde_json::Value,
) -> Result<bool, ApiError> {
    let config = config_of(state)?;
    let Ok(credential) = serde_json::from_value::<PublicKeyCredential>(credential.clone()) else {
        store::refusal("a malformed credential");
        return Ok(false);
    };
    let Some(open) =
        ceremony::open::<PasskeyAuthentication>(txn, id, assertion_kind, Some(user_id)).await?
    else {
        tracing::debug!(target: "access::auth", user = user_id, "passkey ceremony not open");
        return Ok(false);
    };
    let key = store::credential_key(credential.get_credential_id());
    let Some(row) = passkey::Entity::find()
        .filter(passkey::Column::CredentialId.eq(key))
        .filter(passkey::Column::UserId.eq(user_id))
        .one(txn)
        .await?
    else {
        store::refusal(&format!("a credential that is not user {user_id}'s"));
        return Ok(false);
    };
    let result = match config
        .webauthn
        .finish_passkey_authentication(&credential, &open.state)
    {
        Ok(r) => r,
        Err(e) => {
            store::assertion_refusal(&row, &e);
            return Ok(false);
        }
    };
    store::record_assertion(txn, &open.key, &row, &result).await
}

pub(super) async fn has_passkey(db: &impl ConnectionTrait, user_id: i64) -> Result<bool, ApiError> {
    Ok(store::count(db, user_id).await? > 0)
}
