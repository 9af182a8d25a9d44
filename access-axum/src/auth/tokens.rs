//! Tokens: JWT access tokens ([`Claims`], issued and verified here) and opaque tokens (refresh,
//! reset and verification tokens: 256-bit random values stored as SHA-256 hashes).

use base64::Engine as _;
use jsonwebtoken::{Header, Validation};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::AuthConfig;

/// The claims of an access token. [`CurrentUser`](crate::CurrentUser) is built from them; custom
/// claims ([`AuthState::with_claims`](crate::AuthState::with_claims)) are flattened into the
/// token next to the registered ones and come back in `extra`.
///
/// # Examples
/// ```
/// use access_axum::Claims;
/// let json = serde_json::json!({
///     "sub": "42", "iss": "access", "aud": "access", "exp": 1_700_000_060,
///     "nbf": 1_700_000_000, "iat": 1_700_000_000, "sid": "session-1", "plan": "pro",
/// });
/// let claims: Claims = serde_json::from_value(json).unwrap();
/// assert_eq!(claims.extra["plan"], "pro"); // an unknown claim is a custom one
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expires (Unix seconds).
    pub exp: i64,
    /// Not before (Unix seconds).
    pub nbf: i64,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// The session.
    pub sid: String,
    /// Global role names.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Tenant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// Superuser.
    #[serde(default)]
    pub su: bool,
    /// When the session last passed a second factor (Unix seconds; none: never): `fva(..)`
    /// rules and [`require_mfa_within`](crate::AuthState::require_mfa_within) read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mfa: Option<i64>,
    /// Custom claims.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// The registered claims, which custom claims cannot shadow.
pub(crate) const REGISTERED: [&str; 11] = [
    "sub", "iss", "aud", "exp", "nbf", "iat", "sid", "roles", "tenant", "su", "mfa",
];

/// Now, in Unix seconds.
pub(crate) fn unix_now() -> i64 {
    access_core::time::now()
}

/// Signs `claims` as an access token issued at `now`, with the configured issuer, audience,
/// lifetime and key.
pub(crate) fn issue_access(config: &AuthConfig, mut claims: Claims, now: i64) -> Option<String> {
    claims.iss = config.tokens().issuer.clone();
    claims.aud = config.tokens().audience.clone();
    claims.iat = now;
    claims.nbf = now;
    claims.exp = now + config.tokens().access_ttl.as_secs() as i64;
    let mut header = Header::new(config.tokens().keys.algorithm);
    header.kid = Some(config.tokens().keys.kid.clone());
    header.typ = Some(ACCESS_TOKEN_TYPE.to_owned());
    jsonwebtoken::encode(&header, &claims, &config.tokens().keys.encoding).ok()
}

/// The `typ` of the access tokens this crate issues (RFC 9068): another JWT signed with the
/// same key (an ID token, a token of another kind) is not taken for one.
pub(crate) const ACCESS_TOKEN_TYPE: &str = "at+jwt";

/// Whether a JWT's `typ` is an access token's: `at+jwt` or `application/at+jwt`, in any case.
fn is_access_token_type(typ: Option<&str>) -> bool {
    typ.is_some_and(|t| {
        let t = t.to_ascii_lowercase();
        t == ACCESS_TOKEN_TYPE || t == "application/at+jwt"
    })
}

/// The validation rules of access tokens: signature with the configured algorithm only, `exp`,
/// `nbf`, `iss`, `aud` and `sub` required, leeway as configured.
pub(crate) fn validation(config: &AuthConfig) -> Validation {
    let mut v = Validation::new(config.tokens().keys.algorithm);
    v.algorithms = vec![config.tokens().keys.algorithm];
    v.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    v.validate_exp = true;
    v.validate_nbf = true;
    v.validate_aud = true;
    v.leeway = config.tokens().leeway;
    v.set_issuer(&[&config.tokens().issuer]);
    v.set_audience(&[&config.tokens().audience]);
    v
}

/// Verifies an access token against rules built by [`validation`].
pub(crate) fn verify_with(config: &AuthConfig, v: &Validation, token: &str) -> Option<Claims> {
    jsonwebtoken::decode::<Claims>(token, &config.tokens().keys.decoding, v)
        .ok()
        .filter(|d| is_access_token_type(d.header.typ.as_deref()))
        .map(|d| d.claims)
}

/// A random URL-safe token (256 bits).
pub(crate) fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// SHA-256 of a token, hex: what is stored and looked up. Tokens are 256-bit random values, so
/// a fast hash suffices; the lookup is by hash and the final comparison constant-time.
pub(crate) fn token_hash(token: &str) -> String {
    let d = Sha256::digest(token.as_bytes());
    let mut s = String::with_capacity(64);
    for b in d {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// Constant-time equality of two secrets.
pub(crate) fn secret_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_hashes_stable() {
        let (a, b) = (random_token(), random_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert!(secret_eq(&token_hash(&a), &token_hash(&a)));
        assert!(!secret_eq(&token_hash(&a), &token_hash(&b)));
    }
}
