//! [`MfaSettings`]: the key that encrypts TOTP secrets at rest and the issuer name
//! authenticator apps show. MFA is on when the setting is present.

use std::fmt;

use base64::Engine as _;

use super::error::ConfigError;

/// The second-factor setting ([`AuthConfig::mfa`](crate::AuthConfig::mfa)): with it, the MFA
/// routes (`/auth/mfa`, `/auth/mfa/totp`, ..) are mounted and accounts may enrol an
/// authenticator app.
///
/// `key` encrypts the TOTP secrets at rest (AES-256-GCM): keep it out of the database, and
/// keep it — the stored secrets cannot be read without it. `issuer` is the name the
/// authenticator app shows next to the account (no `:`). Its `Debug` never shows the key.
///
/// A debug build may make up a development key the way the examples make up a development
/// JWT secret (random bytes kept in a file of the working folder); a release build reads
/// `MFA_KEY`.
///
/// # Examples
/// ```
/// use access_axum::{AuthConfig, JwtKeys, config::MfaSettings};
/// // Literal keys, for this example only: read them from the environment.
/// let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, &[7u8; 32]).unwrap();
/// let key: [u8; 32] = std::array::from_fn(|i| (i as u8) ^ 0x5c);
/// let mfa = MfaSettings { key, issuer: "Example".into() };
/// let config = AuthConfig::builder().keys(keys).mfa(mfa).build().unwrap();
/// assert_eq!(config.mfa().unwrap().issuer, "Example");
/// assert!(format!("{:?}", config.mfa()).contains("<redacted>")); // never the key
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct MfaSettings {
    /// AES-256-GCM key of the stored TOTP secrets (`MFA_KEY`: 32 bytes, base64 or hex).
    pub key: [u8; 32],
    /// Shown by authenticator apps (`MFA_ISSUER`; default `access`): no `:`, 1 to 64
    /// characters.
    pub issuer: String,
}

impl fmt::Debug for MfaSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MfaSettings")
            .field("key", &"<redacted>")
            .field("issuer", &self.issuer)
            .finish()
    }
}

/// The issuer when none is set.
pub(super) const DEFAULT_ISSUER: &str = "access";

/// Checks an issuer name: 1 to 64 characters, no `:` (the otpauth label's separator), no
/// control characters.
pub(super) fn check_issuer(var: &'static str, issuer: &str) -> Result<(), ConfigError> {
    if issuer.trim().is_empty() || issuer.chars().count() > 64 {
        return Err(ConfigError::invalid(var, "must be 1 to 64 characters"));
    }
    if issuer.contains(':') || issuer.chars().any(char::is_control) {
        return Err(ConfigError::invalid(
            var,
            "must not contain `:` or control characters (authenticator apps split on `:`)",
        ));
    }
    Ok(())
}

/// Checks a key: not all one byte (a placeholder, not a key).
pub(super) fn check_key(var: &'static str, key: &[u8; 32]) -> Result<(), ConfigError> {
    if key.iter().all(|b| *b == key[0]) {
        return Err(ConfigError::invalid(
            var,
            "is one byte repeated: generate 32 random bytes (`openssl rand -base64 32`)",
        ));
    }
    Ok(())
}

/// `MFA_KEY`'s value: 64 hex digits or the base64 (standard or URL-safe, padded or not) of 32
/// bytes. The error names the variable and the length found, never the value.
pub(super) fn parse_key(var: &'static str, value: &str) -> Result<[u8; 32], ConfigError> {
    let v = value.trim();
    let bytes = if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex(v)
    } else {
        let t = v.trim_end_matches('=');
        base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(t)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(t))
            .map_err(|_| {
                ConfigError::invalid(
                    var,
                    "must be 32 bytes in base64 or hex (64 hex digits); it is neither",
                )
            })?
    };
    let len = bytes.len();
    let key: [u8; 32] = bytes.try_into().map_err(|_| {
        ConfigError::invalid(
            var,
            format!("must be 32 bytes in base64 or hex (it decodes to {len} bytes)"),
        )
    })?;
    check_key(var, &key)?;
    Ok(key)
}

/// The bytes of an even-length string of hex digits (checked by the caller).
fn hex(s: &str) -> Vec<u8> {
    let digit = |b: u8| match b {
        b'0'..=b'9' => b - b'0',
        b'a'..=b'f' => b - b'a' + 10,
        _ => b - b'A' + 10,
    };
    s.as_bytes()
        .chunks(2)
        .map(|p| (digit(p[0]) << 4) | digit(p[1]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_hex_and_base64_only_at_32_bytes() {
        let raw: Vec<u8> = (0u8..32).collect();
        let hexed: String = raw.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(parse_key("MFA_KEY", &hexed).unwrap().to_vec(), raw);
        assert_eq!(
            parse_key("MFA_KEY", &hexed.to_uppercase())
                .unwrap()
                .to_vec(),
            raw
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode(&raw);
        assert_eq!(parse_key("MFA_KEY", &b64).unwrap().to_vec(), raw);
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&raw);
        assert_eq!(parse_key("MFA_KEY", &url).unwrap().to_vec(), raw);
        let short = base64::engine::general_purpose::STANDARD.encode(&raw[..16]);
        let e = parse_key("MFA_KEY", &short).unwrap_err();
        assert_eq!(e.var(), Some("MFA_KEY"));
        assert!(e.to_string().contains("16 bytes"), "{e}");
        assert!(parse_key("MFA_KEY", "not a key!").is_err());
        assert!(parse_key("MFA_KEY", &"00".repeat(32)).is_err());
    }

    #[test]
    fn issuers_have_no_colon() {
        assert!(check_issuer("MFA_ISSUER", "Example Inc.").is_ok());
        assert!(check_issuer("MFA_ISSUER", "a:b").is_err());
        assert!(check_issuer("MFA_ISSUER", " ").is_err());
        assert!(check_issuer("MFA_ISSUER", &"x".repeat(65)).is_err());
    }
}
