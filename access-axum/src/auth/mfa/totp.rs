//! TOTP as authenticator apps compute it (RFC 6238 with their defaults: HMAC-SHA-1, 6 digits,
//! 30-second steps): new secrets, the `otpauth://` URI and its QR code, and checking a code
//! against the current step ±1 (clock skew), later than the last accepted one (replays).

use qrcode::QrCode;
use qrcode::render::svg;
use rand::Rng as _;
use totp_rs::{Algorithm, Builder, Totp};

use crate::auth::tokens::secret_eq;
use crate::error::ApiError;

/// Seconds per step.
pub(super) const STEP: i64 = 30;
/// Digits per code.
const DIGITS: usize = 6;
/// Bytes of a secret (160 bits, RFC 4226's recommendation).
const SECRET_LEN: usize = 20;

/// A new random secret.
pub(super) fn new_secret() -> Vec<u8> {
    let mut b = vec![0u8; SECRET_LEN];
    rand::rng().fill_bytes(&mut b);
    b
}

/// The TOTP of `secret`, labelled `issuer:account` (neither may hold `:`: the caller's
/// configuration checked the issuer; the account's `:` are replaced).
fn totp(secret: &[u8], issuer: &str, account: &str) -> Result<Totp, ApiError> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_step_duration(STEP as u64)
        .with_skew(1)
        .with_secret(secret.to_vec())
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(issuer))
        .build()
        .map_err(|e| ApiError::internal(format!("TOTP: {e}")))
}

/// What enrolment shows: the secret in base32, the `otpauth://` URI, the URI as an SVG QR
/// code.
pub(super) fn enrolment(
    secret: &[u8],
    issuer: &str,
    account: &str,
) -> Result<(String, String, String), ApiError> {
    let t = totp(secret, issuer, account)?;
    let uri = t
        .to_url()
        .map_err(|e| ApiError::internal(format!("TOTP URI: {e}")))?;
    let svg = QrCode::new(uri.as_bytes())
        .map_err(|e| ApiError::internal(format!("QR code: {e}")))?
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .build();
    Ok((t.secret().to_base32(), uri, svg))
}

/// `code` without the spaces apps show in the middle, when it is 6 ASCII digits.
pub(super) fn normalize(code: &str) -> Option<String> {
    if code.len() > 32 {
        return None;
    }
    let c: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    (c.len() == DIGITS && c.bytes().all(|b| b.is_ascii_digit())).then_some(c)
}

/// The step `code` matches at `now`: the current one or one either side, and later than
/// `after` (the last accepted step). `None`: not a code, wrong, or replayed. Every candidate is
/// compared, in constant time.
pub(super) fn matching_step(
    secret: &[u8],
    code: &str,
    now: i64,
    after: Option<i64>,
) -> Result<Option<i64>, ApiError> {
    let Some(code) = normalize(code) else {
        return Ok(None);
    };
    let t = totp(secret, "-", "-")?;
    let current = now.div_euclid(STEP);
    let mut found = None;
    for step in current - 1..=current + 1 {
        let Ok(at) = u64::try_from(step * STEP) else {
            continue;
        };
        let expected = t.generate(at).to_string();
        let fresh = after.is_none_or(|a| step > a);
        if secret_eq(&expected, &code) && fresh && found.is_none() {
            found = Some(step);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238's SHA-1 test secret and vectors (the last 6 digits of its 8-digit codes).
    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn codes_match_the_rfc_vectors_with_one_step_of_skew() {
        // T = 59 s: 94287082 -> 287082.
        assert_eq!(
            matching_step(RFC_SECRET, "287082", 59, None).unwrap(),
            Some(1)
        );
        assert_eq!(
            matching_step(RFC_SECRET, "287 082", 59, None).unwrap(),
            Some(1)
        );
        // A step late or early still matches; two steps do not.
        assert_eq!(
            matching_step(RFC_SECRET, "287082", 89, None).unwrap(),
            Some(1)
        );
        assert_eq!(
            matching_step(RFC_SECRET, "287082", 5, None).unwrap(),
            Some(1)
        );
        assert_eq!(matching_step(RFC_SECRET, "287082", 95, None).unwrap(), None);
        // T = 1111111109: 07081804 -> 081804.
        assert_eq!(
            matching_step(RFC_SECRET, "081804", 1_111_111_109, None).unwrap(),
            Some(37_037_036)
        );
    }

    #[test]
    fn accepted_steps_and_bad_input_are_refused() {
        assert_eq!(
            matching_step(RFC_SECRET, "287082", 59, Some(1)).unwrap(),
            None
        );
        assert_eq!(
            matching_step(RFC_SECRET, "287082", 59, Some(0)).unwrap(),
            Some(1)
        );
        for bad in ["", "28708", "2870822", "28708a", "٢٨٧٠٨٢", "-287082"] {
            assert_eq!(
                matching_step(RFC_SECRET, bad, 59, None).unwrap(),
                None,
                "{bad}"
            );
        }
        assert_eq!(
            matching_step(RFC_SECRET, &"1".repeat(10_000), 59, None).unwrap(),
            None
        );
    }

    #[test]
    fn enrolment_shows_the_base32_secret_uri_and_svg() {
        let (b32, uri, svg) = enrolment(RFC_SECRET, "Example", "ada:x@example.com").unwrap();
        assert_eq!(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert!(
            uri.starts_with("otpauth://totp/Example:ada_x%40example.com?"),
            "{uri}"
        );
        assert!(uri.contains(&format!("secret={b32}")), "{uri}");
        assert!(uri.contains("issuer=Example"), "{uri}");
        assert!(svg.contains("<svg"), "{svg}");
    }
}
