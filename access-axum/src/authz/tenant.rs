//! Where the tenant of a request comes from ([`TenantFrom`]), and the membership check for a
//! tenant the request names.

use std::sync::Arc;
use std::time::Duration;

use access_core::{Ancestry, EntityTypeId, Resource, Stores};
use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::StatusCode;
use axum::http::request::Parts;

use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::ttl_cache::TtlCache;

/// Where the tenant of a request comes from (flags, plans, wallets, dynamic grants, row rules on
/// `user.tenant_id` and RLS claims are per tenant).
///
/// The token's tenant is trusted as issued. A tenant named by the request ([`Self::Header`],
/// [`Self::Path`], [`Self::ResourceAncestor`]) is accepted only when it is the token's tenant,
/// the user is a superuser, or the user holds a role (model or custom) directly on the tenant's
/// resource; otherwise the request is refused with 403 `not_a_member`. Membership is
/// remembered for [`Authz::active_ttl`](super::Authz::active_ttl). A role on a resource *below* the tenant (a project
/// shared with a guest) is not membership: a guest acts in their own tenant.
///
/// # Examples
///
/// The tenant from a path segment of the route (`/orgs/{org}/..`), or chosen by the
/// application:
///
/// ```
/// use access_axum::authz::{Authz, TenantFrom};
/// # mod m { access_core::define_access! { pub Model; entity organization { roles: [owner] } entitlements { "org:manage" on organization => roles [owner] } } } use m::*;
///
/// let from_path = TenantFrom::Path { param: "org", tenant: EntityType::Organization.into() };
/// let authz = Authz::new(Model, access_core::MemoryStore::new()).tenant_from(from_path);
///
/// // Trusted as returned: the function checks membership itself.
/// let own = TenantFrom::custom(|_parts, user| Some(format!("user-{}", user.id)));
/// ```
#[derive(Clone)]
pub enum TenantFrom {
    /// The `tenant` claim of the access token (the user's tenant).
    Token,
    /// A request header (`X-Tenant`) naming a resource of entity type `tenant` (an
    /// organization). The caller chooses it, so it is accepted only from a member: see
    /// [`TenantFrom`].
    Header {
        /// The header's name.
        header: &'static str,
        /// The tenant's entity type (`organization`).
        tenant: EntityTypeId,
    },
    /// A path parameter of the route (`/orgs/{org}/..` → `Path { param: "org", .. }`) naming a
    /// resource of entity type `tenant`. Accepted only from a member: see [`TenantFrom`].
    Path {
        /// The path parameter's name.
        param: &'static str,
        /// The tenant's entity type (`organization`).
        tenant: EntityTypeId,
    },
    /// The resource the route acts on: its id is path parameter `param`, of entity type
    /// `resource`; the tenant is the id of its ancestor of type `tenant` (or the resource itself
    /// when it is of that type). A resource the store does not know has no tenant. Accepted only
    /// from a member: see [`TenantFrom`].
    ResourceAncestor {
        /// The path parameter holding the resource's id.
        param: &'static str,
        /// The resource's entity type.
        resource: EntityTypeId,
        /// The tenant's entity type (`organization`).
        tenant: EntityTypeId,
    },
    /// The application decides from the request and the user ([`TenantFrom::custom`]); it is
    /// trusted as returned, so the function must itself check that the user belongs to the
    /// tenant it picks.
    Custom(TenantFn),
}

impl TenantFrom {
    /// [`TenantFrom::Custom`] with function `f`.
    ///
    /// ```
    /// use access_axum::authz::TenantFrom;
    ///
    /// // The subdomain (`acme.example.com`), when it is the token's own tenant.
    /// let from_host = TenantFrom::custom(|parts, user| {
    ///     let sub = parts.headers.get("host")?.to_str().ok()?.split('.').next()?;
    ///     (user.tenant.as_deref() == Some(sub)).then(|| sub.to_owned())
    /// });
    /// assert!(matches!(from_host, TenantFrom::Custom(_)));
    /// ```
    pub fn custom(
        f: impl Fn(&Parts, &CurrentUser) -> Option<String> + Send + Sync + 'static,
    ) -> Self {
        Self::Custom(TenantFn(Arc::new(f)))
    }
}

/// The application's function of [`TenantFrom::Custom`] (made by [`TenantFrom::custom`]): the
/// tenant of a request from its parts and its user.
///
/// ```
/// use access_axum::authz::{TenantFn, TenantFrom};
///
/// let TenantFrom::Custom(f) = TenantFrom::custom(|_parts, user| user.tenant.clone()) else {
///     unreachable!()
/// };
/// let shared: TenantFn = f.clone(); // cheap: the function is behind an `Arc`
/// assert_eq!(format!("{shared:?}"), "TenantFn");
/// ```
#[derive(Clone)]
pub struct TenantFn(Arc<TenantFnInner>);

type TenantFnInner = dyn Fn(&Parts, &CurrentUser) -> Option<String> + Send + Sync;

impl TenantFn {
    /// The tenant `f` picks for this request.
    fn call(&self, parts: &Parts, user: &CurrentUser) -> Option<String> {
        (self.0)(parts, user)
    }
}

impl std::fmt::Debug for TenantFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TenantFn")
    }
}

/// What it reads: `Header(x-tenant: ..)`, `Path(org: ..)`, ...
impl std::fmt::Debug for TenantFrom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TenantFrom::Token => f.write_str("Token"),
            TenantFrom::Header { header, tenant } => write!(f, "Header({header}: {tenant:?})"),
            TenantFrom::Path { param, tenant } => write!(f, "Path({param}: {tenant:?})"),
            TenantFrom::ResourceAncestor {
                param,
                resource,
                tenant,
            } => write!(f, "ResourceAncestor({param}: {resource:?} → {tenant:?})"),
            TenantFrom::Custom(_) => f.write_str("Custom"),
        }
    }
}

/// Memberships in tenants named by requests, as read from the stores: (user, entity type,
/// tenant) → member.
pub(super) type Memberships = TtlCache<(i64, u16, String)>;

/// Where membership in a tenant named by the request is read, and remembered.
pub(super) struct Members<'a, S> {
    /// The stores holding the roles.
    pub(super) stores: &'a S,
    /// Answers already read.
    pub(super) cache: &'a Memberships,
    /// How long an answer is reused.
    pub(super) ttl: Duration,
}

impl TenantFrom {
    /// The tenant of this request for `user` (whose principal id is `user_id`), checked for
    /// membership when the request names it.
    pub(super) async fn resolve<S: Stores>(
        &self,
        parts: &mut Parts,
        user: &CurrentUser,
        user_id: &str,
        members: Members<'_, S>,
    ) -> Result<Option<String>, ApiError> {
        let header = |h: &str| {
            parts
                .headers
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        // The tenant, and the entity type whose resource it names when the caller chose it.
        let (tenant, chosen) = match self {
            TenantFrom::Token => (user.tenant.clone(), None),
            TenantFrom::Header { header: h, tenant } => (header(h), Some(*tenant)),
            TenantFrom::Path { param, tenant } => (path_param(parts, param).await, Some(*tenant)),
            TenantFrom::ResourceAncestor {
                param,
                resource,
                tenant,
            } => {
                let found = match path_param(parts, param).await {
                    Some(id) if resource == tenant => Some(id),
                    Some(id) => members
                        .stores
                        .ancestors(Resource::new(*resource, &id))
                        .await
                        .ok()
                        .and_then(|anc| {
                            anc.into_iter()
                                .find(|(r, _)| r.ty == *tenant)
                                .map(|(r, _)| r.id.to_string())
                        }),
                    None => None,
                };
                (found, Some(*tenant))
            }
            TenantFrom::Custom(f) => (f.call(parts, user), None),
        };
        if let (Some(t), Some(ty)) = (&tenant, chosen)
            && !members.member_of(user, user_id, ty, t).await?
        {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "not_a_member",
                "you hold no role in the tenant this request names",
            ));
        }
        Ok(tenant)
    }
}

impl<S: Stores> Members<'_, S> {
    /// Whether `user` belongs to tenant `tenant` named by the request (a header, a path segment
    /// or the resource acted on): it is the tenant of their token, they are a superuser, or they
    /// hold a role (model or custom) directly on the tenant's resource. Remembered for the
    /// ttl ([`Authz::active_ttl`](super::Authz::active_ttl), like the `active` flag).
    async fn member_of(
        &self,
        user: &CurrentUser,
        user_id: &str,
        ty: EntityTypeId,
        tenant: &str,
    ) -> Result<bool, ApiError> {
        if user.superuser || user.tenant.as_deref() == Some(tenant) {
            return Ok(true);
        }
        let key = (user.id, ty.0, tenant.to_owned());
        if let Some(member) = self.cache.get(&key, self.ttl) {
            return Ok(member);
        }
        let member = !roles_on(self.stores, user_id, Resource::new(ty, tenant))
            .await
            .map_err(|e| {
                ApiError::store_failed("the user's roles in the tenant could not be read", e)
            })?
            .is_empty();
        self.cache.put(key, member, self.ttl);
        Ok(member)
    }
}

/// The roles (model or custom) `user_id` holds directly on `tenant` now: none for a resource
/// the store does not know. Membership in a tenant is holding one of them. The one definition
/// the tenant a request names ([`TenantFrom`]), the organization routes and tenant switching
/// share: a role on a resource *below* the tenant (a project shared with a guest) is not
/// membership, so a guest never gets the tenant's rows through `where(tenant = user.tenant_id)`.
pub(crate) async fn roles_on<S: access_core::RoleStore + ?Sized>(
    stores: &S,
    user_id: &str,
    tenant: Resource<'_>,
) -> Result<access_core::RoleSet, access_core::StoreError> {
    let mut a = Ancestry {
        at: Some(access_core::time::now()),
        ..Default::default()
    };
    stores.ancestry(user_id, tenant, &mut a).await?;
    Ok(if a.found {
        a.nodes.first().map(|n| n.roles).unwrap_or_default()
    } else {
        access_core::RoleSet::default()
    })
}

/// The value of path parameter `name` of the matched route.
async fn path_param(parts: &mut Parts, name: &str) -> Option<String> {
    let params = RawPathParams::from_request_parts(parts, &()).await.ok()?;
    params
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}
