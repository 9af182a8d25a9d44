//! Signing keys: an HMAC secret, a PEM key pair, or a development pair kept on disk.

use std::fmt;
use std::path::Path;

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};

use super::error::ConfigError;

/// Signing keys: one algorithm family per key. `Debug` never shows key material.
///
/// # Examples
/// ```
/// use access_axum::JwtKeys;
/// use jsonwebtoken::Algorithm;
/// // A literal secret, for this example only: read real ones from the environment.
/// let keys = JwtKeys::hmac(Algorithm::HS256, b"example-only-secret-0123456789abcdef").unwrap();
/// assert_eq!(keys.kid, "hmac");
/// ```
#[derive(Clone)]
pub struct JwtKeys {
    /// The algorithm.
    pub algorithm: Algorithm,
    pub(crate) encoding: EncodingKey,
    pub(crate) decoding: DecodingKey,
    /// Key id put in headers and the JWKS.
    pub kid: String,
}

impl fmt::Debug for JwtKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtKeys")
            .field("algorithm", &self.algorithm)
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

fn is_hmac(algorithm: Algorithm) -> bool {
    matches!(
        algorithm,
        Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512
    )
}

impl JwtKeys {
    /// HMAC keys (HS256/384/512), named `hmac`. The secret must be at least 32 bytes.
    ///
    /// # Errors
    /// A secret shorter than the hash's output ([`ConfigError::TooShort`]: 32 bytes for HS256,
    /// 48 for HS384, 64 for HS512) or a non-HMAC algorithm.
    ///
    /// # Examples
    /// ```
    /// use access_axum::JwtKeys;
    /// use jsonwebtoken::Algorithm;
    /// // A literal secret, for this example only: read real ones from the environment.
    /// let keys = JwtKeys::hmac(Algorithm::HS512, &[7u8; 64]).unwrap();
    /// ```
    pub fn hmac(algorithm: Algorithm, secret: &[u8]) -> Result<Self, ConfigError> {
        if !is_hmac(algorithm) {
            return Err(ConfigError::invalid(
                "JWT_ALGORITHM",
                format!("`{algorithm:?}` is not an HMAC algorithm"),
            ));
        }
        // At least the hash's output size (RFC 7518 §3.2): 256, 384 or 512 bits.
        let min = match algorithm {
            Algorithm::HS384 => 48,
            Algorithm::HS512 => 64,
            _ => 32,
        };
        if secret.len() < min {
            return Err(ConfigError::TooShort {
                var: "JWT_SECRET",
                min,
                len: secret.len(),
            });
        }
        Ok(Self {
            algorithm,
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            kid: "hmac".to_owned(),
        })
    }

    /// Asymmetric keys from PEM (RS256/384/512 with RSA keys, ES256/384 with EC keys).
    ///
    /// # Errors
    /// A key that does not parse or does not fit the algorithm.
    ///
    /// # Examples
    /// ```no_run
    /// use access_axum::JwtKeys;
    /// use jsonwebtoken::Algorithm;
    /// let private = std::fs::read("keys/jwt-private.pem").unwrap();
    /// let public = std::fs::read("keys/jwt-public.pem").unwrap();
    /// let keys = JwtKeys::pem(Algorithm::ES256, &private, &public, "2026-11").unwrap();
    /// ```
    pub fn pem(
        algorithm: Algorithm,
        private_pem: &[u8],
        public_pem: &[u8],
        kid: impl Into<String>,
    ) -> Result<Self, ConfigError> {
        let not =
            |var, kind| move |_| ConfigError::invalid(var, format!("is not an {kind} PEM key"));
        let (encoding, decoding) = match algorithm {
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 => (
                EncodingKey::from_rsa_pem(private_pem).map_err(not("JWT_PRIVATE_KEY", "RSA"))?,
                DecodingKey::from_rsa_pem(public_pem).map_err(not("JWT_PUBLIC_KEY", "RSA"))?,
            ),
            Algorithm::ES256 | Algorithm::ES384 => (
                EncodingKey::from_ec_pem(private_pem).map_err(not("JWT_PRIVATE_KEY", "EC"))?,
                DecodingKey::from_ec_pem(public_pem).map_err(not("JWT_PUBLIC_KEY", "EC"))?,
            ),
            other => {
                return Err(ConfigError::invalid(
                    "JWT_ALGORITHM",
                    format!("`{other:?}` is not supported with PEM keys"),
                ));
            }
        };
        Ok(Self {
            algorithm,
            encoding,
            decoding,
            kid: kid.into(),
        })
    }

    /// Development keys: an ES256 (P-256) key pair named `dev-1`, kept in `dir`
    /// (`jwt-private.pem`, mode 0600, and `jwt-public.pem`) and generated on first use. Keep
    /// `dir` out of version control (the project ignores `/.dev/`); production keys come from
    /// the environment.
    ///
    /// # Errors
    /// The folder cannot be written or holds keys that do not parse.
    ///
    /// # Examples
    /// ```no_run
    /// use access_axum::JwtKeys;
    /// let keys = JwtKeys::development(std::path::Path::new(".dev")).unwrap();
    /// ```
    pub fn development(dir: &Path) -> Result<Self, ConfigError> {
        let private = dir.join("jwt-private.pem");
        let public = dir.join("jwt-public.pem");
        if !private.exists() || !public.exists() {
            use aws_lc_rs::encoding::{AsDer, PublicKeyX509Der};
            use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
            let failed = |step| move |_| ConfigError::KeyGeneration { step };
            let kp = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
                .map_err(failed("generate a development key pair"))?;
            let pkcs8 = kp
                .to_pkcs8v1()
                .map_err(failed("encode the development key"))?;
            let spki: PublicKeyX509Der<'_> = kp
                .public_key()
                .as_der()
                .map_err(failed("encode the development public key"))?;
            std::fs::create_dir_all(dir).map_err(|e| ConfigError::io(None, dir, "created", &e))?;
            write_private(
                &private,
                pem_encode("PRIVATE KEY", pkcs8.as_ref()).as_bytes(),
            )?;
            std::fs::write(&public, pem_encode("PUBLIC KEY", spki.as_ref()))
                .map_err(|e| ConfigError::io(None, &public, "written", &e))?;
            tracing::warn!(dir = %dir.display(), "generated a development JWT key pair");
        }
        let read = |p: &Path| std::fs::read(p).map_err(|e| ConfigError::io(None, p, "read", &e));
        Self::pem(Algorithm::ES256, &read(&private)?, &read(&public)?, "dev-1")
    }

    /// Whether the keys are asymmetric (then a JWKS is served).
    ///
    /// # Examples
    /// ```
    /// use access_axum::JwtKeys;
    /// use jsonwebtoken::Algorithm;
    /// let hmac = JwtKeys::hmac(Algorithm::HS256, &[7u8; 32]).unwrap();
    /// assert!(!hmac.is_asymmetric());
    /// ```
    pub fn is_asymmetric(&self) -> bool {
        !is_hmac(self.algorithm)
    }
}

/// `der` as a PEM block with `label`.
fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Writes `bytes` to `path`, readable by the owner only (mode 0600 on Unix).
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    use std::io::Write as _;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(0o600);
    }
    o.open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| ConfigError::io(None, path, "written", &e))
}
