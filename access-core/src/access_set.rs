//! Access sets: every entitlement of a model with what the principal may do with it, in a
//! compact form that fits in a JWT claim and decodes without the model (only its names).

use std::fmt;

use access_model::ModelData;
use serde::Serialize;

/// The state of one entitlement in an access set (the first layer that denies it).
///
/// # Examples
/// ```
/// use access_core::AccessState;
///
/// // What a UI shows next to an entitlement.
/// fn hint(state: AccessState) -> &'static str {
///     match state {
///         AccessState::Allowed => "",
///         AccessState::RoleRequired => "ask an admin",
///         AccessState::FlagDisabled => "coming soon",
///         AccessState::PlanRequired => "upgrade",
///         AccessState::LimitReached => "try again later",
///     }
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum AccessState {
    /// Allowed somewhere in the tenant.
    Allowed = 0,
    /// The user holds no role that grants it anywhere.
    RoleRequired = 1,
    /// A flag it needs is off.
    FlagDisabled = 2,
    /// The tenant's plans do not include it.
    PlanRequired = 3,
    /// A limit gating it is used up.
    LimitReached = 4,
}

impl AccessState {
    const ALL: [Self; 5] = [
        Self::Allowed,
        Self::RoleRequired,
        Self::FlagDisabled,
        Self::PlanRequired,
        Self::LimitReached,
    ];
    /// The snake_case name.
    ///
    /// # Examples
    /// ```
    /// use access_core::AccessState;
    ///
    /// assert_eq!(AccessState::Allowed.as_str(), "allowed");
    /// assert_eq!(AccessState::PlanRequired.as_str(), "plan_required");
    /// // The same names as in JSON.
    /// assert_eq!(serde_json::to_string(&AccessState::LimitReached).unwrap(), "\"limit_reached\"");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allowed => "allowed",
            Self::RoleRequired => "role_required",
            Self::FlagDisabled => "flag_disabled",
            Self::PlanRequired => "plan_required",
            Self::LimitReached => "limit_reached",
        }
    }
}

/// Why an encoded access set could not be decoded.
///
/// # Examples
/// ```
/// use access_core::{AccessSet, DecodeError};
///
/// let names = ["project:read", "project:delete"];
/// let err = AccessSet::decode("not an access set", names).unwrap_err();
/// assert_eq!(err, DecodeError::Malformed);
/// assert_eq!(err.to_string(), "malformed access set");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// Not `a1.` followed by base64url.
    Malformed,
    /// Encoded for a different list of entitlements (another model or version).
    ModelMismatch,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Malformed => "malformed access set",
            Self::ModelMismatch => "access set was encoded for another model",
        })
    }
}

impl std::error::Error for DecodeError {}

/// Every entitlement of a model with its [`AccessState`] for one principal.
///
/// # Examples
/// ```
/// use access_core::{AccessContext, AccessModel, AccessSet, StoreResult, Stores};
///
/// // The server puts the set in a token claim ..
/// async fn claim<M: AccessModel, S: Stores>(ctx: &AccessContext<'_, M, S>) -> StoreResult<String> {
///     Ok(ctx.access_set().await?.encode())
/// }
///
/// // .. and the client reads it with the entitlement names alone.
/// fn can_delete(claim: &str) -> bool {
///     let names = ["project:read", "project:delete"];
///     AccessSet::decode(claim, names).is_ok_and(|set| set.can("project:delete"))
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessSet {
    names: Vec<String>,
    states: Vec<AccessState>,
}

const PREFIX: &str = "a1.";

/// FNV-1a over the entitlement names, newline separated: identifies the name list.
///
/// # Examples
/// ```
/// use access_core::fingerprint;
///
/// let a = fingerprint(["project:read", "project:delete"]);
/// assert_eq!(a, fingerprint(["project:read", "project:delete"]));
/// // Another list, or the same names in another order, gives another fingerprint.
/// assert_ne!(a, fingerprint(["project:delete", "project:read"]));
/// assert_ne!(a, fingerprint(["project:read"]));
/// // FNV-1a: the empty list is the offset basis.
/// assert_eq!(fingerprint(std::iter::empty::<&str>()), 0x811c_9dc5);
/// ```
pub fn fingerprint<'a>(names: impl IntoIterator<Item = &'a str>) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for n in names {
        for b in n.bytes().chain(std::iter::once(b'\n')) {
            h ^= u32::from(b);
            h = h.wrapping_mul(0x0100_0193);
        }
    }
    h
}

impl AccessSet {
    pub(crate) fn new(data: &ModelData, states: Vec<AccessState>) -> Self {
        Self {
            names: data
                .entitlements
                .iter()
                .map(|e| e.name.to_string())
                .collect(),
            states,
        }
    }

    /// The state of the entitlement named `name` (`None` if the model has no such name).
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessSet, AccessState};
    ///
    /// fn upgrade_banner(set: &AccessSet) -> bool {
    ///     set.state("project:export") == Some(AccessState::PlanRequired)
    /// }
    /// ```
    pub fn state(&self, name: &str) -> Option<AccessState> {
        let i = self.names.iter().position(|n| n == name)?;
        self.states.get(i).copied()
    }

    /// Whether the entitlement named `name` is allowed.
    ///
    /// # Examples
    /// ```
    /// use access_core::AccessSet;
    ///
    /// fn show_delete_button(set: &AccessSet) -> bool {
    ///     set.can("project:delete")
    /// }
    /// ```
    pub fn can(&self, name: &str) -> bool {
        self.state(name) == Some(AccessState::Allowed)
    }

    /// `(name, state)` for every entitlement.
    ///
    /// # Examples
    /// ```
    /// use access_core::AccessSet;
    ///
    /// // `project:read=allowed,project:delete=role_required`
    /// fn summary(set: &AccessSet) -> String {
    ///     let states: Vec<String> = set.iter().map(|(name, s)| format!("{name}={}", s.as_str())).collect();
    ///     states.join(",")
    /// }
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, AccessState)> {
        self.names
            .iter()
            .map(|n| n.as_str())
            .zip(self.states.iter().copied())
    }

    /// Names of the allowed entitlements.
    ///
    /// # Examples
    /// ```
    /// use access_core::AccessSet;
    ///
    /// fn menu(set: &AccessSet) -> Vec<&str> {
    ///     set.allowed().collect()
    /// }
    /// ```
    pub fn allowed(&self) -> impl Iterator<Item = &str> {
        self.iter()
            .filter(|(_, s)| *s == AccessState::Allowed)
            .map(|(n, _)| n)
    }

    /// The compact form: `a1.` + base64url (no padding) of: entitlement count (u16 LE), the
    /// fingerprint of the names (u32 LE), then 3 bits per entitlement, least significant first.
    /// 200 entitlements take 111 characters (`a1.` and 108 of base64url).
    ///
    /// # Examples
    /// ```
    /// use access_core::AccessSet;
    ///
    /// // A JWT claim, or a header for a client.
    /// fn claim(set: &AccessSet) -> (&'static str, String) {
    ///     ("access", set.encode())
    /// }
    /// ```
    pub fn encode(&self) -> String {
        let n = self.states.len().min(u16::MAX as usize);
        let mut bytes = Vec::with_capacity(6 + (n * 3).div_ceil(8));
        bytes.extend_from_slice(&(n as u16).to_le_bytes());
        bytes.extend_from_slice(&fingerprint(self.names.iter().map(|s| s.as_str())).to_le_bytes());
        let mut acc: u32 = 0;
        let mut bits = 0;
        for s in &self.states[..n] {
            acc |= (*s as u32) << bits;
            bits += 3;
            while bits >= 8 {
                bytes.push(acc as u8);
                acc >>= 8;
                bits -= 8;
            }
        }
        if bits > 0 {
            bytes.push(acc as u8);
        }
        let mut out = String::from(PREFIX);
        base64url_encode(&bytes, &mut out);
        out
    }

    /// Decodes [`AccessSet::encode`]'s output against the model's entitlement names.
    ///
    /// # Errors
    /// [`DecodeError::Malformed`] for anything that is not an encoded set,
    /// [`DecodeError::ModelMismatch`] when it was encoded for other names.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessSet, DecodeError};
    ///
    /// // The client decodes with the model's entitlement names, in the model's order.
    /// fn decode(claim: &str) -> Result<AccessSet, DecodeError> {
    ///     AccessSet::decode(claim, ["project:read", "project:delete"])
    /// }
    /// assert_eq!(decode("not a claim"), Err(DecodeError::Malformed));
    /// ```
    pub fn decode<'a>(
        encoded: &str,
        names: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Result<Self, DecodeError> {
        let body = encoded.strip_prefix(PREFIX).ok_or(DecodeError::Malformed)?;
        let bytes = base64url_decode(body).ok_or(DecodeError::Malformed)?;
        if bytes.len() < 6 {
            return Err(DecodeError::Malformed);
        }
        let n = u16::from_le_bytes([bytes[0], bytes[1]]) as usize;
        let fp = u32::from_le_bytes([bytes[2], bytes[3], bytes[4], bytes[5]]);
        let names: Vec<String> = names.into_iter().map(str::to_owned).collect();
        if names.len() != n || fingerprint(names.iter().map(|s| s.as_str())) != fp {
            return Err(DecodeError::ModelMismatch);
        }
        let payload = &bytes[6..];
        if payload.len() != (n * 3).div_ceil(8) {
            return Err(DecodeError::Malformed);
        }
        let mut states = Vec::with_capacity(n);
        for i in 0..n {
            let bit = i * 3;
            let lo = u32::from(payload[bit / 8]);
            let hi = payload.get(bit / 8 + 1).map_or(0, |b| u32::from(*b));
            let v = ((lo | hi << 8) >> (bit % 8)) & 0b111;
            states.push(
                *AccessState::ALL
                    .get(v as usize)
                    .ok_or(DecodeError::Malformed)?,
            );
        }
        Ok(Self { names, states })
    }
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn base64url_encode(bytes: &[u8], out: &mut String) {
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let v = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for k in 0..chars {
            out.push(ALPHABET[((v >> (18 - 6 * k)) & 63) as usize] as char);
        }
    }
}

fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let vals: Option<Vec<u8>> = s
        .bytes()
        .map(|c| ALPHABET.iter().position(|a| *a == c).map(|p| p as u8))
        .collect();
    let vals = vals?;
    if vals.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(vals.len() * 3 / 4);
    for chunk in vals.chunks(4) {
        let mut v: u32 = 0;
        for (k, c) in chunk.iter().enumerate() {
            v |= u32::from(*c) << (18 - 6 * k);
        }
        let n = chunk.len() - 1;
        for k in 0..n {
            out.push((v >> (16 - 8 * k)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trips() {
        for len in 0..20 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let mut s = String::new();
            base64url_encode(&bytes, &mut s);
            assert_eq!(base64url_decode(&s).as_deref(), Some(&bytes[..]));
        }
        assert_eq!(base64url_decode("a"), None);
        assert_eq!(base64url_decode("a*"), None);
    }

    fn set(n: usize) -> AccessSet {
        AccessSet {
            names: (0..n).map(|i| format!("res{i}:act")).collect(),
            states: (0..n).map(|i| AccessState::ALL[(i * 7) % 5]).collect(),
        }
    }

    #[test]
    fn encode_decode_round_trips_and_is_compact() {
        for n in [0, 1, 7, 8, 200] {
            let s = set(n);
            let enc = s.encode();
            let dec = AccessSet::decode(&enc, s.names.iter().map(|x| x.as_str())).unwrap();
            assert_eq!(dec, s);
        }
        assert_eq!(set(200).encode().len(), 3 + 108);
    }

    /// The length is `3 + ⌈4·(6 + ⌈3n/8⌉)/3⌉` whatever the states: access-axum's default cap
    /// (2,048 characters) holds models of up to 4,072 entitlements.
    #[test]
    fn encoded_length_follows_the_formula() {
        let formula = |n: usize| 3 + (4 * (6 + (3 * n).div_ceil(8))).div_ceil(3);
        for n in [0, 1, 2, 3, 7, 8, 9, 200, 1000, 4072, 4073] {
            assert_eq!(set(n).encode().len(), formula(n), "{n} entitlements");
        }
        assert_eq!(set(4072).encode().len(), 2047);
        assert!(set(4073).encode().len() > 2048);
    }

    #[test]
    fn decode_refuses_other_models_and_garbage() {
        let s = set(10);
        let enc = s.encode();
        let other: Vec<String> = (0..10).map(|i| format!("x{i}:act")).collect();
        assert_eq!(
            AccessSet::decode(&enc, other.iter().map(|x| x.as_str())),
            Err(DecodeError::ModelMismatch)
        );
        let names = || s.names.iter().map(|x| x.as_str());
        assert_eq!(
            AccessSet::decode("b1.AAAA", names()),
            Err(DecodeError::Malformed)
        );
        assert_eq!(
            AccessSet::decode("a1.!!", names()),
            Err(DecodeError::Malformed)
        );
        assert_eq!(
            AccessSet::decode(&enc[..enc.len() - 2], names()),
            Err(DecodeError::Malformed)
        );
    }
}
