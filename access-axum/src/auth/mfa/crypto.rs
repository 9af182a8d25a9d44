//! Encryption of TOTP secrets at rest: AES-256-GCM with the configured MFA key, a random
//! 96-bit nonce per secret, the account bound in as associated data (a row copied to another
//! account does not open). Stored as base64 of `nonce ‖ ciphertext ‖ tag`.

use aws_lc_rs::aead::{AES_256_GCM, Aad, NONCE_LEN, Nonce, RandomizedNonceKey};
use base64::Engine as _;

use crate::config::MfaSettings;
use crate::error::ApiError;

/// The associated data of `user_id`'s secret.
fn aad(user_id: i64) -> Aad<Vec<u8>> {
    Aad::from(format!("auth_mfa_totp:{user_id}").into_bytes())
}

fn key(settings: &MfaSettings) -> Result<RandomizedNonceKey, ApiError> {
    RandomizedNonceKey::new(&AES_256_GCM, &settings.key)
        .map_err(|_| ApiError::internal("the MFA key is not an AES-256 key"))
}

/// `secret` of `user_id`, encrypted, as stored.
pub(super) fn seal(
    settings: &MfaSettings,
    user_id: i64,
    secret: &[u8],
) -> Result<String, ApiError> {
    let mut in_out = secret.to_vec();
    let nonce = key(settings)?
        .seal_in_place_append_tag(aad(user_id), &mut in_out)
        .map_err(|_| ApiError::internal("encrypting a TOTP secret failed"))?;
    let mut stored = nonce.as_ref().to_vec();
    stored.extend_from_slice(&in_out);
    Ok(base64::engine::general_purpose::STANDARD.encode(stored))
}

/// The secret of `user_id` stored as `stored`. A row that does not open (another key, another
/// account's row, a damaged value) is a server-side failure: 500, logged.
pub(super) fn open(
    settings: &MfaSettings,
    user_id: i64,
    stored: &str,
) -> Result<Vec<u8>, ApiError> {
    let fail = || {
        ApiError::internal(format!(
            "the TOTP secret of user {user_id} does not decrypt (was MFA_KEY changed?)"
        ))
    };
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(stored)
        .map_err(|_| fail())?;
    if bytes.len() < NONCE_LEN {
        return Err(fail());
    }
    let (nonce, sealed) = bytes.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| fail())?;
    let mut in_out = sealed.to_vec();
    let plain = key(settings)?
        .open_in_place(nonce, aad(user_id), &mut in_out)
        .map_err(|_| fail())?;
    Ok(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(fill: u8) -> MfaSettings {
        let mut key = [fill; 32];
        key[0] = 1;
        MfaSettings {
            key,
            issuer: "test".into(),
        }
    }

    #[test]
    fn sealed_secrets_open_for_their_account_and_key_only() {
        let s = settings(7);
        let secret = b"twenty bytes secret!";
        let stored = seal(&s, 42, secret).unwrap();
        assert_eq!(open(&s, 42, &stored).unwrap(), secret);
        // A fresh nonce each time.
        assert_ne!(seal(&s, 42, secret).unwrap(), stored);
        // Another account, another key, damaged values: refused, no panic.
        assert!(open(&s, 43, &stored).is_err());
        assert!(open(&settings(8), 42, &stored).is_err());
        assert!(open(&s, 42, "not base64!").is_err());
        assert!(open(&s, 42, "AAAA").is_err());
        let mut damaged = base64::engine::general_purpose::STANDARD
            .decode(&stored)
            .unwrap();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        let damaged = base64::engine::general_purpose::STANDARD.encode(damaged);
        assert!(open(&s, 42, &damaged).is_err());
    }
}
