//! Who a request comes from: [`CurrentUser`] (or 401), [`MaybeUser`] (open routes), and the
//! `access_core` principal a user stands for. The extractors are in `extract.rs`.

use crate::db::user;

/// The authenticated user, from a valid access token (no database call). 401 otherwise.
///
/// # Examples
/// ```
/// use access_axum::CurrentUser;
/// async fn whoami(user: CurrentUser) -> String {
///     format!("user {} (cookie: {})", user.id, user.via_cookie)
/// }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CurrentUser {
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
    /// Whether the token came from a cookie (mutations then need the CSRF checks).
    pub via_cookie: bool,
    /// Custom claims ([`AuthState::with_claims`](crate::AuthState::with_claims)).
    pub claims: serde_json::Map<String, serde_json::Value>,
}

impl CurrentUser {
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
        principal_for(
            model,
            self.id,
            self.roles.iter().map(String::as_str),
            self.tenant.as_deref(),
            self.superuser,
        )
    }
}

/// The authenticated user if there is one (a missing or invalid token is `None`).
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
pub struct MaybeUser(pub Option<CurrentUser>);

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
