//! Who a request comes from: [`CurrentUser`] (or 401), [`MaybeUser`] (open routes), and the
//! `access_core` principal a user stands for. The extractors are in `extract.rs`.

use std::any::Any;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::db::user;

/// The custom claims of a token as they travel untyped: [`CurrentUser`]'s default.
pub(crate) type ClaimsMap = Map<String, Value>;

/// The authenticated user, from a valid access token (no database call). 401 otherwise.
///
/// `C` is the type of the custom claims ([`AuthState::with_claims`](crate::AuthState::with_claims)):
/// a JSON map by default, or a type of the application's, read from the token's claims. A token
/// whose claims do not fit `C` is refused like any invalid token (401 `unauthenticated`).
///
/// # Examples
/// ```
/// use access_axum::CurrentUser;
/// #[derive(serde::Deserialize)]
/// struct Plan { plan: String }
///
/// async fn whoami(user: CurrentUser<Plan>) -> String {
///     format!("user {} on plan {} (cookie: {})", user.id, user.claims.plan, user.via_cookie)
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CurrentUser<C = Map<String, Value>> {
    /// The user id.
    pub id: i64,
    /// The session.
    pub session_id: String,
    /// Global role names.
    pub roles: Vec<String>,
    /// Tenant.
    pub tenant: Option<String>,
    /// Superuser.
    pub superuser: bool,
    /// When the token was issued.
    pub issued_at: i64,
    /// When the session last passed a second factor (the token's `mfa` claim; Unix seconds):
    /// what `fva(..)` rules and [`require_mfa_within`](crate::AuthState::require_mfa_within) read.
    pub mfa_verified_at: Option<i64>,
    /// Whether the token came from a cookie (mutations then need the CSRF checks).
    pub via_cookie: bool,
    /// Custom claims ([`AuthState::with_claims`](crate::AuthState::with_claims)).
    pub claims: C,
}

impl CurrentUser {
    /// The user with its claims read as `C` (what the extractor of `CurrentUser<C>` does).
    /// For the default map it is the user itself, without a copy.
    ///
    /// # Errors
    /// The claims do not deserialize into `C`.
    ///
    /// # Examples
    /// ```
    /// use access_axum::CurrentUser;
    /// #[derive(serde::Deserialize)]
    /// struct Plan { plan: String }
    ///
    /// fn plan_of(user: CurrentUser) -> Option<String> {
    ///     user.into_typed::<Plan>().ok().map(|u| u.claims.plan)
    /// }
    /// ```
    pub fn into_typed<C: DeserializeOwned + 'static>(
        self,
    ) -> Result<CurrentUser<C>, serde_json::Error> {
        let claims = claims_as(self.claims)?;
        Ok(CurrentUser {
            id: self.id,
            session_id: self.session_id,
            roles: self.roles,
            tenant: self.tenant,
            superuser: self.superuser,
            issued_at: self.issued_at,
            mfa_verified_at: self.mfa_verified_at,
            via_cookie: self.via_cookie,
            claims,
        })
    }
}

impl<C: Serialize> CurrentUser<C> {
    /// The user with its claims as a JSON map: what an [`Authenticator`](crate::Authenticator)
    /// returns, so one with typed claims builds them typed and converts at the end.
    ///
    /// # Errors
    /// The claims do not serialize, or not to a JSON object (a struct or a map).
    ///
    /// # Examples
    /// ```
    /// use access_axum::CurrentUser;
    /// #[derive(serde::Serialize)]
    /// struct Plan { plan: String }
    ///
    /// fn api_key_user(id: i64) -> Result<CurrentUser, serde_json::Error> {
    ///     CurrentUser {
    ///         id, session_id: "api-key".into(), roles: vec![], tenant: None, superuser: false,
    ///         issued_at: 0, mfa_verified_at: None, via_cookie: false,
    ///         claims: Plan { plan: "pro".into() },
    ///     }
    ///     .into_untyped()
    /// }
    /// ```
    pub fn into_untyped(self) -> Result<CurrentUser, serde_json::Error> {
        let claims = claims_map(&self.claims)?;
        Ok(CurrentUser {
            id: self.id,
            session_id: self.session_id,
            roles: self.roles,
            tenant: self.tenant,
            superuser: self.superuser,
            issued_at: self.issued_at,
            mfa_verified_at: self.mfa_verified_at,
            via_cookie: self.via_cookie,
            claims,
        })
    }
}

/// `map` read as `C`: moved as it is when `C` is the map itself, deserialized otherwise.
pub(crate) fn claims_as<C: DeserializeOwned + 'static>(
    map: ClaimsMap,
) -> Result<C, serde_json::Error> {
    let mut slot = Some(map);
    if let Some(same) = (&mut slot as &mut dyn Any).downcast_mut::<Option<C>>()
        && let Some(claims) = same.take()
    {
        return Ok(claims);
    }
    serde_json::from_value(Value::Object(slot.unwrap_or_default()))
}

/// `claims` as a JSON map.
pub(crate) fn claims_map<C: Serialize + ?Sized>(
    claims: &C,
) -> Result<ClaimsMap, serde_json::Error> {
    match serde_json::to_value(claims)? {
        Value::Object(map) => Ok(map),
        other => {
            let kind = kind_of(&other);
            Err(serde::ser::Error::custom(format!(
                "custom claims must serialize to a JSON object (a struct or a map), not {kind}"
            )))
        }
    }
}

/// The JSON kind of `v`, for messages.
fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

impl<C> CurrentUser<C> {
    /// The user as an `access_core` principal: global roles resolved against `model` (unknown
    /// ones dropped), plus the model's `default_role`, which every signed-in account holds.
    ///
    /// # Examples
    /// ```
    /// use access_axum::CurrentUser;
    /// fn is_superuser(user: &CurrentUser, model: &access_core::ModelData) -> bool {
    ///     user.principal(model).superuser
    /// }
    /// ```
    pub fn principal(&self, model: &access_core::ModelData) -> access_core::Principal {
        let mut p = principal_for(
            model,
            self.id,
            self.roles.iter().map(String::as_str),
            self.tenant.as_deref(),
            self.superuser,
        );
        p.mfa_verified_at = self.mfa_verified_at;
        p
    }
}

/// The authenticated user if there is one (a missing or invalid token is `None`), with custom
/// claims of type `C` as in [`CurrentUser`].
///
/// # Examples
/// ```
/// use access_axum::MaybeUser;
/// async fn greet(MaybeUser(user): MaybeUser) -> String {
///     match user {
///         Some(u) => format!("hello, user {}", u.id),
///         None => "hello, stranger".to_owned(),
///     }
/// }
/// ```
#[derive(Clone, Debug)]
pub struct MaybeUser<C = Map<String, Value>>(pub Option<CurrentUser<C>>);

/// The principal for account `id`: global role names resolved against `model` (unknown ones
/// dropped) plus the model's `default_role`, which every signed-in account holds. Shared by
/// requests ([`CurrentUser::principal`]) and the access-set claim, so both see the same roles.
pub(crate) fn principal_for<'r>(
    model: &access_core::ModelData,
    id: i64,
    roles: impl IntoIterator<Item = &'r str>,
    tenant: Option<&str>,
    superuser: bool,
) -> access_core::Principal {
    let mut p = access_core::Principal::new(id.to_string());
    p.tenant = tenant.map(Into::into);
    p.superuser = superuser;
    for r in roles {
        if let Some(i) = model.global_role_index(r) {
            p.global_roles.insert(usize::from(i));
        }
    }
    if let Some(d) = model.default_role {
        p.global_roles.insert(usize::from(d));
    }
    p
}

/// The global role names of a user row (stored comma separated).
pub(crate) fn roles_of(u: &user::Model) -> Vec<String> {
    u.roles
        .split(',')
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect()
}
