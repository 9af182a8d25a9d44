//! Organizations: the model's tenant entity (`tenant: organization { owner: owner, .. }` in
//! `define_access!`) as something users create, belong to and list. An organization is a
//! resource of the tenant type in the store, with a row in `access_orgs` for its name; its
//! members are the users holding roles on it. Its plan is the model's `default_plan` until one
//! is set through the admin API.
//!
//! | method and path | body | effect |
//! |---|---|---|
//! | `POST /orgs` | [`NewOrganization`] `{"name", "id"?}` | creates one (201); the caller becomes its owner; audited; [`OrgsConfig::created_by`] |
//! | `GET /orgs` | | the caller's organizations with their roles there; [`OrgsConfig::listed_with`] |
//! | `GET /orgs/{id}/members` | `?after=<user id>&per_page=50` | the members and their roles, by user id (keyset pages); members only (404 otherwise); [`OrgsConfig::members_seen_with`] |
//! | `PUT /orgs/{id}/members/{user}` | [`MemberRole`] `{"role"}` | makes `role` the member's only role there; managers only ([`OrgsConfig::managed_by`]) |
//! | `DELETE /orgs/{id}/members/{user}` | | removes the member; managers only |
//! | `POST /orgs/{id}/leave` | | the caller leaves; [`OrgsConfig::leaves_with`] |
//! | `POST /orgs/{id}/invitations` | [`NewInvitation`] `{"email", "role"?}` | invites the address: its token mailed (kind `invite`), stored hashed; with [`OrgsConfig::invites_with`], a unit of the entitlement's limits |
//! | `GET /orgs/{id}/invitations` | | the pending invitations; managers |
//! | `DELETE /orgs/{id}/invitations/{invitation}` | | revokes one; its inviter or managers |
//! | `GET /invitations` | | the caller's pending invitations (their verified address) |
//! | `POST /invitations/{key}/accept`, `/decline` | | `key`: the mailed token, or the id for the verified invitee; accepting grants the role |
//! | `POST /auth/tenant` | [`SwitchTenant`] `{"tenant"}` | moves the caller's session to an organization they hold a role on: new tokens (tenant claim, access set) for it, the refresh token rotated; the next login starts there |
//!
//! Tokens name one tenant at a time. A switch is remembered by the session (each refresh keeps
//! it) and by the user (the next login starts there). Membership is checked again at every
//! login and refresh ([`AuthState::with_tenant_check`], installed by
//! [`App::orgs`](crate::App::orgs)): a member who is removed keeps the access token they hold
//! until it expires (the access token's lifetime, 15 minutes by default) and gets tokens without
//! the tenant at their next refresh.
//!
//! Every route needs a signed-in user (401); a non-member gets 404 for every route of an
//! organization, whether it exists or not. Members are those who hold a role directly on the
//! organization: a guest on a project below it is not one (they neither list its members nor
//! switch into it). Each route checks what [`OrgsConfig`] configures, an entitlement of the
//! model on the organization (403 with the reasons for members without it); without one, the
//! owners manage the members and every member sees them and may leave.
//!
//! An organization keeps at least one owner: removing, demoting or the leaving of its last
//! owner is a 409 `last_owner` that changes nothing, even when owners change at
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
mod config;
mod create;
mod gate;
pub mod invitation;
mod invite;
mod members;
mod removal;
mod switch;
pub mod table;

pub use change::MemberRole;
pub use config::OrgsConfig;
pub use create::{NewOrganization, Organization};
pub(crate) use create::{add_member, create_org};
use gate::{caller_roles, check_in_org, may_manage, org_context, owners_only, require_in_org};
pub use invite::NewInvitation;
pub(crate) use removal::Memberships;
pub use switch::SwitchTenant;
pub(crate) use switch::membership_check;

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

/// `user`'s direct roles on the organization `id` (what membership is: see
/// [`roles_on`](crate::authz::roles_on)); none when it does not exist.
async fn direct_roles<M: AccessModel>(
    authz: &Authz<M, SeaStore>,
    t: access_core::TenantData,
    user: &str,
    id: &str,
) -> Result<access_core::RoleSet, crate::ApiError> {
    let org = access_core::Resource::new(access_core::EntityTypeId(t.entity), id);
    crate::authz::roles_on(&**authz.stores(), user, org)
        .await
        .map_err(|e| crate::ApiError::store_failed("organizations: the store failed", e))
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
