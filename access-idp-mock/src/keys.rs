//! RSA signing keys, generated at run time (no key material is kept in the repository).

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rsa::{KeyPair, KeySize};
use aws_lc_rs::signature::KeyPair as _;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rand::Rng as _;
use serde::Serialize;

/// An RS256 signing key with its key id and public JWK parameters.
pub(crate) struct SigningKey {
    /// The `kid` put in the JWT header and in the JWK.
    pub(crate) kid: String,
    /// The private key, as jsonwebtoken wants it.
    encoding: EncodingKey,
    /// The public modulus, base64url without padding.
    n: String,
    /// The public exponent, base64url without padding.
    e: String,
}

impl SigningKey {
    /// A fresh RSA 2048 key whose kid is `{prefix}-{random hex}`.
    pub(crate) fn generate(prefix: &str) -> std::io::Result<SigningKey> {
        let other = |what: &str| std::io::Error::other(format!("mock IdP: {what}"));
        let pair =
            KeyPair::generate(KeySize::Rsa2048).map_err(|_| other("RSA key generation failed"))?;
        let pkcs8 = pair
            .as_der()
            .map_err(|_| other("PKCS#8 export of the RSA key failed"))?;
        let pem = pem_encode("PRIVATE KEY", pkcs8.as_ref());
        let encoding = EncodingKey::from_rsa_pem(pem.as_bytes())
            .map_err(|e| other(&format!("jsonwebtoken refused the RSA key: {e}")))?;
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        let mut suffix = [0u8; 4];
        rand::rng().fill_bytes(&mut suffix);
        let suffix: String = suffix.iter().map(|b| format!("{b:02x}")).collect();
        Ok(SigningKey {
            kid: format!("{prefix}-{suffix}"),
            encoding,
            n,
            e,
        })
    }

    /// The public JWK (`kty` RSA, `use` sig, `alg` RS256).
    pub(crate) fn jwk(&self) -> serde_json::Value {
        serde_json::json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.kid,
            "n": self.n,
            "e": self.e,
        })
    }

    /// `claims` as an RS256 JWT signed by this key, with `kid` in the header.
    pub(crate) fn sign<T: Serialize>(
        &self,
        kid: &str,
        claims: &T,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding)
    }
}

/// An unsigned JWT (`alg` none): `base64url(header).base64url(claims).`
pub(crate) fn unsigned<T: Serialize>(claims: &T) -> String {
    let header = serde_json::json!({ "alg": "none", "typ": "JWT" });
    let part = |v: &[u8]| URL_SAFE_NO_PAD.encode(v);
    format!(
        "{}.{}.",
        part(header.to_string().as_bytes()),
        part(&serde_json::to_vec(claims).unwrap_or_default())
    )
}

/// `der` as a PEM block with `label`.
fn pem_encode(label: &str, der: &[u8]) -> String {
    let b = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
