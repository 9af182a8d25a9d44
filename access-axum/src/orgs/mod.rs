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
//!
//! Every route needs a signed-in user (401). A model without a `tenant` answers 500 (the
//! server's configuration) and logs why.

use access_core::AccessModel;
use access_core::sea::SeaStore;
use axum::Router;
use axum::extract::FromRef;
use axum::routing::{get, post};

use crate::auth::AuthState;
use crate::authz::Authz;

mod create;
mod members;
pub mod table;

pub use create::NewOrganization;

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
/// let app: axum::Router<AppState> = axum::Router::new().merge(orgs_router::<Access, AppState>());
/// ```
pub fn orgs_router<M, St>() -> Router<St>
where
    M: AccessModel,
    St: Clone + Send + Sync + 'static,
    AuthState: FromRef<St>,
    Authz<M, SeaStore>: FromRef<St>,
{
    Router::new()
        .route("/orgs", post(create::create::<M>).get(members::mine::<M>))
        .route("/orgs/{id}/members", get(members::list::<M>))
}

/// The model's tenant, or a 500 naming the missing section in the log.
fn tenant_of<M: AccessModel>(model: &M) -> Result<access_core::TenantData, crate::ApiError> {
    model.data().tenant.ok_or_else(|| {
        crate::ApiError::internal(
            "organizations: the model declares no `tenant: <entity> { owner: <role> }`",
        )
    })
}
