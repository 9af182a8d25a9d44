//! Organizations: the model's tenant entity (`tenant: organization { owner: owner, .. }` in
//! `define_access!`) as something users create, belong to and list. An organization is a
//! resource of the tenant type in the store, with a row in `access_orgs` for its name; its
//! members are the users holding roles on it. Its plan is the model's `default_plan` until one
//! is set through the admin API.
//!
//! | method and path | body | effect |
//! |---|---|---|
//! | `POST /orgs` | [`NewOrganization`] `{"name", "id"?}` | creates one (201); the caller becomes its owner; audited |
//! | `GET /orgs` | | the caller's organizations with their roles there |
//! | `GET /orgs/{id}/members` | `?after=<user id>&per_page=50` | the members and their roles, by user id (keyset pages); members only (404 otherwise) |
//! | `PUT /orgs/{id}/members/{user}` | [`MemberRole`] `{"role"}` | makes `role` the member's only role there; managers only |
//! | `DELETE /orgs/{id}/members/{user}` | | removes the member; managers only |
//! | `POST /orgs/{id}/leave` | | the caller leaves |
//! | `POST /orgs/{id}/invitations` | [`NewInvitation`] `{"email", "role"?}` | invites the address: its token mailed (kind `invite`), stored hashed; with [`OrgsConfig::invites_with`], a unit of the entitlement's limits |
//! | `GET /orgs/{id}/invitations` | | the pending invitations; managers |
//! | `DELETE /orgs/{id}/invitations/{invitation}` | | revokes one; its inviter or managers |
//! | `GET /invitations` | | the caller's pending invitations (their verified address) |
//! | `POST /invitations/{key}/accept`, `/decline` | | `key`: the mailed token, or the id for the verified invitee; accepting grants the role |
//! | `POST /auth/tenant` | [`SwitchTenant`] `{"tenant"}` | moves the caller's session to an organization they hold a role on (or below): new tokens (tenant claim, access set) for it, the refresh token rotated; the next login starts there |
//!
//! Tokens name one tenant at a time. A switch is remembered by the session (each refresh keeps
//! it) and by the user (the next login starts there). Membership is checked again at every
//! login and refresh ([`AuthState::with_tenant_check`], installed by
//! [`App::orgs`](crate::App::orgs)): a member who is removed keeps the access token they hold
//! until it expires (the access token's lifetime, 15 minutes by default) and gets tokens without
//! the tenant at their next refresh.
//!
//! Every route needs a signed-in user (401); a non-member gets 404 for every route of an
//! organization, whether it exists or not. Who manages the members: the holders of
//! [`OrgsConfig::managed_by`]'s entitlement on the organization, by default its owners (403 for
//! other members). An organization keeps at least one owner: removing, demoting or the leaving
//! of its last owner is a 409 `last_owner` that changes nothing, even when owners change at
//! once (one step in the store, [`SeaStore::set_roles_keeping`]). Every change is recorded in
//! the audit trail under the organization's id. A model without a `tenant` answers 500 (the
//! server's configuration) and logs why; [`App::orgs`](crate::App::orgs) refuses to build.

use access_core::AccessModel;
use access_core::sea::SeaStore;
use axum::Router;
use axum::extract::FromRef;
use axum::routing::{delete, get, post, put};

use crate::auth::AuthState;
use crate::authz::Authz;

mod answer;
mod change;
mod create;
pub mod invitation;
mod invite;
mod members;
mod removal;
mod switch;
pub mod table;

pub use change::MemberRole;
pub use create::{NewOrganization, Organization};
pub(crate) use create::{add_member, create_org};
pub use invite::NewInvitation;
pub(crate) use removal::Memberships;
pub use switch::SwitchTenant;
pub(crate) use switch::membership_check;

/// Who manages an organization's members and who invites ([`orgs_router`]).
///
/// ```
/// use access_axum::orgs::OrgsConfig;
/// use access_core::EntitlementId;
/// use std::time::Duration;
///
/// let owners_only = OrgsConfig::default(); // the tenant's owner role, invitations for 7 days
/// let by_entitlement = OrgsConfig::default()
///     .managed_by(EntitlementId(0))
///     .invites_with(EntitlementId(1))
///     .invitations_expire_after(Duration::from_secs(2 * 24 * 3600));
/// assert_ne!(owners_only, by_entitlement);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OrgsConfig {
    manage: Option<access_core::EntitlementId>,
    invite: Option<access_core::EntitlementId>,
    invitation_ttl: std::time::Duration,
}

impl Default for OrgsConfig {
    fn default() -> Self {
        Self {
            manage: None,
            invite: None,
            invitation_ttl: std::time::Duration::from_secs(7 * 24 * 3600),
        }
    }
}

impl OrgsConfig {
    /// Members who hold `entitlement` on the organization manage its members (its model's
    /// `organization:manage`, say), instead of its owners alone.
    ///
    /// ```
    /// use access_axum::orgs::OrgsConfig;
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner, admin] } entitlements { "organization:manage" on organization => roles [owner, admin] } tenant: organization { owner: owner }, } }
    /// let cfg = OrgsConfig::default().managed_by(model::Entitlement::OrganizationManage);
    /// # let _ = cfg;
    /// ```
    #[must_use]
    pub fn managed_by(mut self, entitlement: impl Into<access_core::EntitlementId>) -> Self {
        self.manage = Some(entitlement.into());
        self
    }

    /// Members who hold `entitlement` on the organization invite (instead of those who manage
    /// it), and each invitation takes a unit of the limits on it (`can_and_consume`, in the
    /// organization's wallet): the model's `invites: "members:invite" per month max 5` counts
    /// invitations.
    ///
    /// ```
    /// use access_axum::orgs::OrgsConfig;
    /// # mod model { access_core::define_access! { pub Access; entity organization { roles: [owner, admin] } entitlements { "members:invite" on organization => roles [owner, admin] } plans { free { group: main, features: ["members:invite"], limits: { invites: "members:invite" per month max 5 } } } default_plan: free, tenant: organization { owner: owner }, } }
    /// let cfg = OrgsConfig::default().invites_with(model::Entitlement::MembersInvite);
    /// # let _ = cfg;
    /// ```
    #[must_use]
    pub fn invites_with(mut self, entitlement: impl Into<access_core::EntitlementId>) -> Self {
        self.invite = Some(entitlement.into());
        self
    }

    /// How long an invitation's token is accepted (7 days by default).
    ///
    /// ```
    /// use access_axum::orgs::OrgsConfig;
    /// let cfg = OrgsConfig::default().invitations_expire_after(std::time::Duration::from_secs(86_400));
    /// # let _ = cfg;
    /// ```
    #[must_use]
    pub fn invitations_expire_after(mut self, ttl: std::time::Duration) -> Self {
        self.invitation_ttl = ttl;
        self
    }
}

/// The organization routes (see the module docs). Mount them at the root or under a prefix.
///
/// ```
/// use access_axum::{AuthState, authz::Authz, orgs::orgs_router};
/// use access_core::sea::SeaStore;
/// use axum::extract::FromRef;
///
/// mod model {
///     access_core::define_access! {
///         pub Access;
///         entity organization { roles: [owner, member] }
///         entitlements { "organization:manage" on organization => roles [owner] }
///         tenant: organization { owner: owner, member: member },
///     }
/// }
/// use model::Access;
///
/// #[derive(Clone)]
/// struct AppState { auth: AuthState, authz: Authz<Access, SeaStore> }
/// impl FromRef<AppState> for AuthState { fn from_ref(s: &AppState) -> Self { s.auth.clone() } }
/// impl FromRef<AppState> for Authz<Access, SeaStore> { fn from_ref(s: &AppState) -> Self { s.authz.clone() } }
///
/// let routes = orgs_router::<Access, AppState>(Default::default());
/// let app: axum::Router<AppState> = axum::Router::new().merge(routes);
/// ```
pub fn orgs_router<M, St>(config: OrgsConfig) -> Router<St>
where
    M: AccessModel,
    St: Clone + Send + Sync + 'static,
    AuthState: FromRef<St>,
    Authz<M, SeaStore>: FromRef<St>,
{
    Router::new()
        .route("/orgs", post(create::create::<M>).get(members::mine::<M>))
        .route("/orgs/{id}/members", get(members::list::<M>))
        .route(
            "/orgs/{id}/members/{user}",
            put(change::put::<M>).delete(change::delete::<M>),
        )
        .route("/orgs/{id}/leave", post(change::leave::<M>))
        .route(
            "/orgs/{id}/invitations",
            post(invite::create::<M>).get(invite::list::<M>),
        )
        .route(
            "/orgs/{id}/invitations/{invitation}",
            delete(invite::revoke::<M>),
        )
        .route("/invitations", get(answer::mine))
        .route("/invitations/{key}/accept", post(answer::accept::<M>))
        .route("/invitations/{key}/decline", post(answer::decline::<M>))
        .route("/auth/tenant", post(switch::switch::<M>))
        .layer(axum::Extension(config))
}

/// The model's tenant, or a 500 naming the missing section in the log.
fn tenant_of<M: AccessModel>(model: &M) -> Result<access_core::TenantData, crate::ApiError> {
    model.data().tenant.ok_or_else(|| {
        crate::ApiError::internal(
            "organizations: the model declares no `tenant: <entity> { owner: <role> }`",
        )
    })
}

/// 404: an organization the caller is not in, or none at all (the same answer).
fn no_org() -> crate::ApiError {
    crate::ApiError::not_found("no such organization")
}

/// `user`'s direct roles on the organization `id`: node 0 of its ancestry, one store call.
async fn direct_roles<M: AccessModel>(
    authz: &Authz<M, SeaStore>,
    t: access_core::TenantData,
    user: &str,
    id: &str,
) -> Result<access_core::RoleSet, crate::ApiError> {
    use access_core::RoleStore as _;
    let mut anc = access_core::Ancestry::default();
    let org = access_core::Resource::new(access_core::EntityTypeId(t.entity), id);
    authz
        .stores()
        .ancestry(user, org, &mut anc)
        .await
        .map_err(|e| crate::ApiError::store_failed("organizations: the store failed", e))?;
    Ok(anc.nodes.first().map(|n| n.roles).unwrap_or_default())
}

/// The caller's direct roles on the organization `id`; 404 for a non-member, who learns
/// nothing (superusers pass, with no roles).
async fn caller_roles<M: AccessModel>(
    access: &crate::authz::Access<M, SeaStore>,
    authz: &Authz<M, SeaStore>,
    t: access_core::TenantData,
    id: &str,
) -> Result<access_core::RoleSet, crate::ApiError> {
    let roles = direct_roles(authz, t, &access.user.id.to_string(), id).await?;
    if roles.is_empty() && !access.user.superuser {
        return Err(no_org());
    }
    Ok(roles)
}

/// The names of `roles` on the tenant type.
fn role_names<M: AccessModel>(
    model: &M,
    t: access_core::TenantData,
    roles: access_core::RoleSet,
) -> Vec<String> {
    let e = &model.data().entities[usize::from(t.entity)];
    roles
        .iter()
        .filter_map(|r| e.roles.get(r).map(ToString::to_string))
        .collect()
}

/// The caller may manage the organization's members: the configured entitlement there, or by
/// default its owner role (superusers pass). A member who may not: 403 with the reasons.
async fn may_manage<M: AccessModel>(
    access: &crate::authz::Access<M, SeaStore>,
    cfg: &OrgsConfig,
    t: access_core::TenantData,
    mine: access_core::RoleSet,
    id: &str,
) -> Result<(), crate::ApiError> {
    if access.user.superuser {
        return Ok(());
    }
    match cfg.manage {
        Some(ent) => {
            let on = access_core::Resource::new(access_core::EntityTypeId(t.entity), id);
            let d =
                access.ctx.check(ent, on).await.map_err(|e| {
                    crate::ApiError::store_failed("organizations: the check failed", e)
                })?;
            if d.allowed {
                Ok(())
            } else {
                Err(crate::ApiError::forbidden(&d))
            }
        }
        None if mine.contains(usize::from(t.owner)) => Ok(()),
        None => Err(crate::ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "forbidden",
            "only the organization's owners manage its members",
        )),
    }
}

/// Owners' business: making someone an owner, or changing an owner's roles, needs the caller
/// to be an owner there (or a superuser), whatever entitlement opens the rest. 403 otherwise.
fn owners_only<M: AccessModel>(
    access: &crate::authz::Access<M, SeaStore>,
    t: access_core::TenantData,
    mine: access_core::RoleSet,
) -> Result<(), crate::ApiError> {
    if access.user.superuser || mine.contains(usize::from(t.owner)) {
        return Ok(());
    }
    Err(crate::ApiError::new(
        axum::http::StatusCode::FORBIDDEN,
        "owners_only",
        "only the organization's owners make owners or change an owner's roles",
    ))
}

/// The index of the tenant entity's role `name`; 400 `unknown_role` naming the roles.
fn role_index<M: AccessModel>(
    model: &M,
    t: access_core::TenantData,
    name: &str,
) -> Result<u16, crate::ApiError> {
    let data = model.data();
    let entity = &data.entities[usize::from(t.entity)];
    match data.role_index(t.entity, name) {
        Some(i) => Ok(i),
        None => Err(crate::ApiError::invalid(
            "unknown_role",
            access_core::unknown_message(
                "role",
                name,
                &format!(" of `{}`", entity.name),
                entity.roles.iter().map(|r| &**r),
            ),
        )),
    }
}
