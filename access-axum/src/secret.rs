//! Passwords (argon2id), random tokens stored hashed, JWT access tokens.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm as ArgonAlg, Argon2, Params, Version};
use base64::Engine as _;
use jsonwebtoken::{Header, Validation};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::config::{Argon2Params, AuthConfig};

fn argon2(p: Argon2Params) -> Option<Argon2<'static>> {
    let params = Params::new(p.m_cost, p.t_cost, p.p_cost, None).ok()?;
    Some(Argon2::new(ArgonAlg::Argon2id, Version::V0x13, params))
}

/// Hashes `password` with the live parameters into a PHC string.
pub(crate) fn hash_password(password: &str, p: Argon2Params) -> Option<String> {
    argon2(p)?
        .hash_password(password.as_bytes())
        .ok()
        .map(|h| h.to_string())
}

/// What verifying a password found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Verified {
    /// Wrong password (or an unusable hash).
    No,
    /// Right password.
    Yes,
    /// Right password, hashed with other parameters than the live ones: store a new hash.
    YesRehash,
}

/// Verifies against a stored PHC string, with the parameters stored in it, unless they exceed
/// `max` (then the hash is refused without being computed: a hostile row cannot make the server
/// allocate gigabytes).
pub(crate) fn verify_password(
    password: &str,
    stored: &str,
    live: Argon2Params,
    max: Argon2Params,
) -> Verified {
    let Ok(hash) = PasswordHash::new(stored) else {
        return Verified::No;
    };
    let Ok(params) = Params::try_from(&hash) else {
        return Verified::No;
    };
    if params.m_cost() > max.m_cost || params.t_cost() > max.t_cost || params.p_cost() > max.p_cost
    {
        tracing::warn!("stored password hash has parameters above the cap; refused");
        return Verified::No;
    }
    let Some(a) = argon2(live) else {
        return Verified::No;
    };
    if a.verify_password(password.as_bytes(), &hash).is_err() {
        return Verified::No;
    }
    let same = hash.algorithm.as_str() == "argon2id"
        && params.m_cost() == live.m_cost
        && params.t_cost() == live.t_cost
        && params.p_cost() == live.p_cost;
    if same {
        Verified::Yes
    } else {
        Verified::YesRehash
    }
}

/// A hash with the live parameters of a password nobody has, verified for unknown identifiers
/// so a login takes as long whether the account exists or not.
pub(crate) fn dummy_hash(p: Argon2Params) -> String {
    let mut pw = [0u8; 24];
    rand::rng().fill_bytes(&mut pw);
    let pw = base64::engine::general_purpose::STANDARD_NO_PAD.encode(pw);
    hash_password(&pw, p).unwrap_or_default()
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

/// The claims of an access token. [`CurrentUser`](crate::CurrentUser) is built from them; custom
/// claims ([`AuthState::with_claims`](crate::AuthState::with_claims)) are flattened into the
/// token next to the registered ones and come back in `extra`.
///
/// # Examples
/// ```
/// use access_axum::Claims;
/// let json = serde_json::json!({
///     "sub": "42", "iss": "access", "aud": "access",
///     "exp": 1_700_000_060, "nbf": 1_700_000_000, "iat": 1_700_000_000,
///     "sid": "session-1", "roles": ["admin"], "plan": "pro",
/// });
/// let claims: Claims = serde_json::from_value(json.clone()).unwrap();
/// assert_eq!(claims.sub, "42");
/// assert_eq!(claims.roles, ["admin"]);
/// assert!(!claims.su); // absent: false
/// assert_eq!(claims.tenant, None);
/// // An unknown claim is a custom one.
/// assert_eq!(claims.extra["plan"], "pro");
/// // Serialized back, `extra` is flattened (and the absent tenant left out).
/// let mut back = serde_json::to_value(&claims).unwrap();
/// assert_eq!(back.as_object_mut().unwrap().remove("su"), Some(false.into()));
/// assert_eq!(back, json);
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
    /// Custom claims.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

#[cfg(test)]
pub(crate) fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

pub(crate) fn issue_access(config: &AuthConfig, mut claims: Claims, now: i64) -> Option<String> {
    claims.iss = config.issuer.clone();
    claims.aud = config.audience.clone();
    claims.iat = now;
    claims.nbf = now;
    claims.exp = now + config.access_ttl.as_secs() as i64;
    let mut header = Header::new(config.keys.algorithm);
    header.kid = Some(config.keys.kid.clone());
    jsonwebtoken::encode(&header, &claims, &config.keys.encoding).ok()
}

/// The validation rules of access tokens: signature with the configured algorithm only, `exp`,
/// `nbf`, `iss`, `aud` and `sub` required, leeway as configured.
pub(crate) fn validation(config: &AuthConfig) -> Validation {
    let mut v = Validation::new(config.keys.algorithm);
    v.algorithms = vec![config.keys.algorithm];
    v.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
    v.validate_exp = true;
    v.validate_nbf = true;
    v.validate_aud = true;
    v.leeway = config.leeway;
    v.set_issuer(&[&config.issuer]);
    v.set_audience(&[&config.audience]);
    v
}

/// Verifies an access token against rules built by [`validation`].
pub(crate) fn verify_with(config: &AuthConfig, v: &Validation, token: &str) -> Option<Claims> {
    jsonwebtoken::decode::<Claims>(token, &config.keys.decoding, v)
        .ok()
        .map(|d| d.claims)
}

/// Verifies an access token (building the rules; request paths use [`verify_with`]).
#[cfg(test)]
pub(crate) fn verify_access(config: &AuthConfig, token: &str) -> Option<Claims> {
    verify_with(config, &validation(config), token)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: Argon2Params = Argon2Params {
        m_cost: 256,
        t_cost: 1,
        p_cost: 1,
    };

    #[test]
    fn hashes_verify_and_ask_for_a_rehash_when_parameters_change() {
        let h = hash_password("correct horse", FAST).unwrap();
        assert!(h.starts_with("$argon2id$"));
        let max = Argon2Params::default();
        assert_eq!(
            verify_password("correct horse", &h, FAST, max),
            Verified::Yes
        );
        assert_eq!(verify_password("wrong", &h, FAST, max), Verified::No);
        let stronger = Argon2Params {
            m_cost: 512,
            ..FAST
        };
        assert_eq!(
            verify_password("correct horse", &h, stronger, max),
            Verified::YesRehash
        );
    }

    #[test]
    fn hashes_above_the_cap_are_refused_without_computing() {
        let h = hash_password(
            "pw",
            Argon2Params {
                m_cost: 1024,
                ..FAST
            },
        )
        .unwrap();
        let cap = Argon2Params {
            m_cost: 512,
            ..FAST
        };
        assert_eq!(verify_password("pw", &h, FAST, cap), Verified::No);
        assert_eq!(
            verify_password("pw", "not a phc string", FAST, cap),
            Verified::No
        );
    }

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
