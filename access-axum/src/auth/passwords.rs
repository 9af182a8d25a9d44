//! Passwords: argon2id hashing and verification on tokio's blocking pool, the dummy hash an
//! unknown account is verified against (so a login takes as long whether the account exists or
//! not), the password policy check, and the count of verifications run, by parameters.

use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm as ArgonAlg, Argon2, Params, Version};
use base64::Engine as _;
use rand::Rng as _;

use crate::config::{Argon2Params, AuthConfig};
use crate::error::ApiError;

fn argon2(p: Argon2Params) -> Option<Argon2<'static>> {
    let params = Params::new(p.m_cost, p.t_cost, p.p_cost, None).ok()?;
    Some(Argon2::new(ArgonAlg::Argon2id, Version::V0x13, params))
}

/// Hashes `password` with the live parameters into a PHC string.
fn hash_password(password: &str, p: Argon2Params) -> Option<String> {
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
/// allocate gigabytes). Also returns the parameters of the argon2 computation that ran, if one
/// did.
fn verify_password(
    password: &str,
    stored: &str,
    live: Argon2Params,
    max: Argon2Params,
) -> (Verified, Option<Argon2Params>) {
    let Ok(hash) = PasswordHash::new(stored) else {
        return (Verified::No, None);
    };
    let Ok(params) = Params::try_from(&hash) else {
        return (Verified::No, None);
    };
    if params.m_cost() > max.m_cost || params.t_cost() > max.t_cost || params.p_cost() > max.p_cost
    {
        tracing::warn!("stored password hash has parameters above the cap; refused");
        return (Verified::No, None);
    }
    let Some(a) = argon2(live) else {
        return (Verified::No, None);
    };
    let computed = Argon2Params {
        m_cost: params.m_cost(),
        t_cost: params.t_cost(),
        p_cost: params.p_cost(),
    };
    if a.verify_password(password.as_bytes(), &hash).is_err() {
        return (Verified::No, Some(computed));
    }
    let verified = if hash.algorithm.as_str() == "argon2id" && computed == live {
        Verified::Yes
    } else {
        Verified::YesRehash
    };
    (verified, Some(computed))
}

/// A hash with the live parameters of a password nobody has.
fn dummy_hash(p: Argon2Params) -> String {
    let mut pw = [0u8; 24];
    rand::rng().fill_bytes(&mut pw);
    let pw = base64::engine::general_purpose::STANDARD_NO_PAD.encode(pw);
    hash_password(&pw, p).unwrap_or_default()
}

/// The argon2 verifications run, counted by the parameters they ran with.
#[derive(Debug, Default)]
struct Verifications(Mutex<Vec<(Argon2Params, u64)>>);

impl Verifications {
    fn record(&self, p: Argon2Params) {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match counts.iter_mut().find(|(q, _)| *q == p) {
            Some((_, n)) => *n += 1,
            None => counts.push((p, 1)),
        }
    }

    fn snapshot(&self) -> Vec<(Argon2Params, u64)> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Hashing and verification with the configured parameters, off the async threads.
#[derive(Clone, Debug)]
pub(crate) struct Passwords {
    live: Argon2Params,
    max: Argon2Params,
    /// Verified for unknown identifiers, so they cost one verification like known ones.
    dummy: Arc<str>,
    verifications: Arc<Verifications>,
    /// Argon2 computations at once: what bounds hashing's memory.
    slots: Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
}

impl Passwords {
    /// Hashing with `config`'s parameters (computes the dummy hash once).
    pub(crate) fn new(config: &AuthConfig) -> Self {
        Self {
            live: config.passwords().argon2,
            max: config.passwords().argon2_max,
            dummy: dummy_hash(config.passwords().argon2).into(),
            verifications: Arc::default(),
            slots: Arc::new(tokio::sync::Semaphore::new(
                config.passwords().hashing_slots,
            )),
            wait: config.passwords().hashing_wait,
        }
    }

    /// A hashing slot, waited for at most the configured time; then 503 with `Retry-After`.
    async fn slot(&self) -> Result<tokio::sync::OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(self.wait, Arc::clone(&self.slots).acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) | Err(_) => {
                tracing::warn!(
                    wait_ms = self.wait.as_millis() as u64,
                    "password hashing: every slot busy; answered 503"
                );
                Err(ApiError::unavailable(1))
            }
        }
    }

    /// A PHC string of `password` with the live parameters.
    pub(crate) async fn hash(&self, password: String) -> Result<String, ApiError> {
        let live = self.live;
        let slot = self.slot().await?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            hash_password(&password, live)
        })
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::internal("password hashing failed"))
    }

    /// Whether `password` matches `stored` (and whether to store a new hash). An empty `stored`
    /// (an account without a password) is never matched, after the same work as any other.
    pub(crate) async fn verify(
        &self,
        password: String,
        stored: String,
    ) -> Result<Verified, ApiError> {
        let (live, max) = (self.live, self.max);
        // An account without a password (made through a provider): the dummy's work, and no.
        let none = stored.is_empty();
        let stored = if none { self.dummy.to_string() } else { stored };
        let slot = self.slot().await?;
        let (verified, computed) = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            verify_password(&password, &stored, live, max)
        })
        .await
        .map_err(ApiError::internal)?;
        let verified = if none { Verified::No } else { verified };
        if let Some(p) = computed {
            self.verifications.record(p);
        }
        Ok(verified)
    }

    /// The same work as [`verify`](Self::verify) for an identifier without an account.
    pub(crate) async fn verify_dummy(&self, password: String) -> Result<(), ApiError> {
        self.verify(password, self.dummy.to_string()).await?;
        Ok(())
    }

    /// The verifications run so far, by parameters.
    pub(crate) fn verifications(&self) -> Vec<(Argon2Params, u64)> {
        self.verifications.snapshot()
    }
}

/// 422 naming every rule of the password policy `password` breaks.
pub(crate) fn check_policy(config: &AuthConfig, password: &str) -> Result<(), ApiError> {
    let violations = config.passwords().policy.violations(password);
    if violations.is_empty() {
        return Ok(());
    }
    Err(ApiError::invalid(
        "weak_password",
        format!("the password needs {}", violations.join(", ")),
    ))
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
            (Verified::Yes, Some(FAST))
        );
        assert_eq!(
            verify_password("wrong", &h, FAST, max),
            (Verified::No, Some(FAST))
        );
        let stronger = Argon2Params {
            m_cost: 512,
            ..FAST
        };
        // Verified with the stored parameters, not the live ones.
        assert_eq!(
            verify_password("correct horse", &h, stronger, max),
            (Verified::YesRehash, Some(FAST))
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
        assert_eq!(verify_password("pw", &h, FAST, cap), (Verified::No, None));
        assert_eq!(
            verify_password("pw", "not a phc string", FAST, cap),
            (Verified::No, None)
        );
    }

    #[test]
    fn the_dummy_hash_has_the_live_parameters() {
        let (verified, computed) = verify_password("anything", &dummy_hash(FAST), FAST, FAST);
        assert_eq!((verified, computed), (Verified::No, Some(FAST)));
    }
}
