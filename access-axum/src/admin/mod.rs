//! The admin API of a tenant: role assignments (with optional validity windows), the resource
//! hierarchy, plans, add-ons, limit overrides and flags and, in dynamic mode
//! ([`crate::dynamic`]), the grants and custom roles. Every change is recorded in the
//! [`audit`] trail (who, what, when, before, after) and logged as a `tracing` event.
//!
//! All routes but `/users` (below) work on the request's tenant and open for users who hold one
//! entitlement of the model on the tenant's resource (the resource of the entitlement's entity
//! type whose id is the tenant); superusers pass. Resources named in a change must be the
//! tenant's resource or below it (404 otherwise). Names the model does not declare are a 400
//! `unknown_name` naming the nearest valid one, and nothing changes.
//!
//! | method and path | body | effect |
//! |---|---|---|
//! | `PUT /assignments/{entity}/{id}/{role}/{user}` | optional [`Window`] `{"from": ts, "until": ts}` | gives the role (model or custom) |
//! | `DELETE /assignments/{entity}/{id}/{role}/{user}` | | takes it back |
//! | `PUT /resources/{entity}/{id}` | [`Placement`] `{"parents": [{"entity", "id"}]}` | creates (201) or moves (200) a resource (its descendants move with it; 409 for a cycle) |
//! | `DELETE /resources/{entity}/{id}` | | deletes it (children lose it as a parent) |
//! | `PUT /plan` | [`PlanBody`] `{"plan", "started_at"?, "ends_at"?}` | sets the base plan of the plan's group |
//! | `PUT /add-ons/{plan}` | optional [`AddOnBody`] `{"started_at"?, "ends_at"?}` | adds an add-on |
//! | `DELETE /add-ons/{plan}` | | removes it |
//! | `PUT /overrides/{limit}` | [`OverrideBody`] `{"max": n}` | sets the tenant's max (only raises) |
//! | `DELETE /overrides/{limit}` | | clears it |
//! | `PUT /flags/{flag}` / `DELETE /flags/{flag}` | | turns a flag on / off |
//! | `GET /audit` | [`AuditPage`](audit::AuditPage) `?page=1&per_page=50` | the tenant's audit trail, newest first |
//! | `GET /grants` | | dynamic mode: every entitlement with the roles it is given to and the roles that grant it; the custom roles |
//! | `PUT`/`DELETE /grants/{entitlement}/{role}` | | dynamic mode: gives the entitlement to the role / takes it back |
//! | `POST /roles` | [`NewRole`] `{"entity", "name", "entitlements": [..]}` | dynamic mode: creates a custom role (201) |
//! | `DELETE /roles/{entity}/{name}` | | dynamic mode: deletes a custom role |
//!
//! The grants and roles routes answer 404 outside dynamic mode.
//!
//! The `/users` routes administer accounts across tenants: they need no tenant and no
//! entitlement, only a signed-in user who is an active superuser as stored now (401 without
//! sign-in, 403 `superuser_required` otherwise). Their changes go to the audit trail under
//! tenant `""` (docs/user-admin.md).
//!
//! | method and path | body | effect |
//! |---|---|---|
//! | `GET /users` | [`UsersQuery`] `?q=&after=&per_page=50` | a page of users by id, `{"items", "next"}` (422 `invalid_query`) |
//! | `GET /users/{id}` | | one user (404) |
//! | `PATCH /users/{id}` | [`UserPatch`] `{"roles"?, "superuser"?, "active"?}` | sets them in one transaction; deactivating ends the user's sessions (422 `unknown_role`, 409 `last_superuser`) |
//! | `DELETE /users/{id}/sessions` | | ends every session of the user (204) |
//! | `DELETE /users/{id}/mfa` | | removes every second factor of the user (TOTP, recovery codes, passkeys) and ends their sessions (204) |

use access_core::{AccessModel, Stores};
use axum::Router;
use axum::extract::FromRef;
use axum::routing::{delete, get, post, put};

use crate::auth::AuthState;
use crate::authz::Authz;

mod assignments;
pub mod audit;
mod context;
mod flags;
mod grants;
mod plans;
mod resources;
mod roles;
mod users;

pub use assignments::Window;
pub use context::AdminConfig;
pub use plans::{AddOnBody, OverrideBody, PlanBody};
pub use resources::{Placement, ResourceBody};
pub use roles::NewRole;
pub use users::{UserPatch, UsersQuery};

/// The admin API (see the module docs), opened by `entitlement` on the tenant's resource (the
/// `/users` routes by being a superuser). Mount it under a prefix with `Router::nest`.
///
/// ```
/// use access_axum::admin::admin_router;
/// use access_axum::{AuthState, authz::Authz};
/// use access_core::MemoryStore;
/// use axum::extract::FromRef;
///
/// mod model {
///     access_core::define_access! {
///         pub Access;
///         entity organization { roles: [owner, member] }
///         entitlements { "organization:manage" on organization => roles [owner] }
///     }
/// }
/// use model::{Access, Entitlement};
///
/// #[derive(Clone)]
/// struct AppState { auth: AuthState, authz: Authz<Access, MemoryStore> }
/// impl FromRef<AppState> for AuthState { fn from_ref(s: &AppState) -> Self { s.auth.clone() } }
/// impl FromRef<AppState> for Authz<Access, MemoryStore> { fn from_ref(s: &AppState) -> Self { s.authz.clone() } }
///
/// // The owners of the tenant's organization administer the tenant.
/// let admin = admin_router::<Access, MemoryStore, AppState>(Entitlement::OrganizationManage);
/// let app: axum::Router<AppState> = axum::Router::new().nest("/admin", admin);
/// ```
pub fn admin_router<M, S, St>(entitlement: M::Entitlement) -> Router<St>
where
    M: AccessModel,
    M::Entitlement: Send + Sync + 'static,
    S: Stores + 'static,
    St: Clone + Send + Sync + 'static,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
{
    Router::new()
        .route(
            "/assignments/{entity}/{id}/{role}/{user}",
            put(assignments::assign::<M, S>).delete(assignments::unassign::<M, S>),
        )
        .route(
            "/resources/{entity}/{id}",
            put(resources::put::<M, S>).delete(resources::delete::<M, S>),
        )
        .route("/plan", put(plans::set_plan::<M, S>))
        .route(
            "/add-ons/{plan}",
            put(plans::add_add_on::<M, S>).delete(plans::remove_add_on::<M, S>),
        )
        .route(
            "/overrides/{limit}",
            put(plans::set_override::<M, S>).delete(plans::clear_override::<M, S>),
        )
        .route(
            "/flags/{flag}",
            put(flags::on::<M, S>).delete(flags::off::<M, S>),
        )
        .route("/audit", get(audit::list::<M, S>))
        .route("/grants", get(grants::list::<M, S>))
        .route(
            "/grants/{entitlement}/{role}",
            put(grants::grant::<M, S>).delete(grants::revoke::<M, S>),
        )
        .route("/roles", post(roles::create::<M, S>))
        .route("/roles/{entity}/{name}", delete(roles::delete::<M, S>))
        .route("/users", get(users::list))
        .route(
            "/users/{id}",
            get(users::get_one).patch(users::update::<M, S>),
        )
        .route("/users/{id}/sessions", delete(users::revoke_sessions))
        .route("/users/{id}/mfa", delete(users::reset_factors))
        .layer(axum::Extension(AdminConfig::<M>::new(entitlement.into())))
}
