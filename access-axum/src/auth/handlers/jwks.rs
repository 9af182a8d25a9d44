//! `GET .well-known/jwks.json`: the public key, for asymmetric algorithms (404 with HMAC).

use axum::Json;
use axum::extract::State;

use crate::auth::state::AuthState;
use crate::error::ApiError;

pub(super) async fn jwks(
    State(state): State<AuthState>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let keys = &state.config.tokens().keys;
    if !keys.is_asymmetric() {
        return Err(ApiError::not_found("no public keys (HMAC)"));
    }
    let mut jwk = jsonwebtoken::jwk::Jwk::from_encoding_key(&keys.encoding, keys.algorithm)
        .map_err(ApiError::internal)?;
    jwk.common.key_id = Some(keys.kid.clone());
    Ok(Json(serde_json::json!({ "keys": [jwk] })))
}
