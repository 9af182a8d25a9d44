//! `POST /auth/tenant`: the caller's session moves to one of their organizations, with new
//! tokens for it; and the membership check that keeps tokens to the user's organizations.

use access_core::sea::SeaStore;
use access_core::{AccessModel, ClosureStore, EntityTypeId, Resource, StoreErrorKind};
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

use super::tenant_of;
use crate::auth::AuthState;
use crate::auth::user::CurrentUser;
use crate::authz::Authz;
use crate::error::{ApiError, JsonBody};

/// The body of `POST /auth/tenant`.
///
/// ```
/// use access_axum::orgs::SwitchTenant;
///
/// let b: SwitchTenant = serde_json::from_str(r#"{"tenant": "acme"}"#).unwrap();
/// assert_eq!(b.tenant, "acme");
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchTenant {
    /// The organization's id.
    pub tenant: String,
}

/// Whether `user` is a member of the organization `id` of the tenant type `ty`: holds a role
/// directly on it ([`roles_on`](crate::authz::roles_on); a guest on a project below it is not).
async fn member<M: AccessModel>(
    authz: &Authz<M, SeaStore>,
    ty: u16,
    user: &str,
    id: &str,
) -> Result<bool, access_core::StoreError> {
    let org = Resource::new(EntityTypeId(ty), id);
    Ok(!crate::authz::roles_on(&**authz.stores(), user, org)
        .await?
        .is_empty())
}

/// The check [`AuthState::with_tenant_check`] runs for [`App::orgs`](crate::App::orgs): the
/// user holds a role on the tenant's organization. A store failure keeps the
/// tenant out.
pub(crate) fn membership_check<M: AccessModel>(
    authz: Authz<M, SeaStore>,
    t: access_core::TenantData,
) -> impl Fn(i64, String) -> std::pin::Pin<Box<dyn Future<Output = bool> + Send>> + Send + Sync + 'static
{
    move |user: i64, tenant: String| {
        let authz = authz.clone();
        Box::pin(async move {
            match member(&authz, t.entity, &user.to_string(), &tenant).await {
                Ok(yes) => yes,
                Err(e) => {
                    tracing::warn!(error = %e, "organizations: the tenant check failed; the token carries no tenant");
                    false
                }
            }
        })
    }
}

pub(super) async fn switch<M: AccessModel>(
    user: CurrentUser,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    JsonBody(body): JsonBody<SwitchTenant>,
) -> Result<Response, ApiError> {
    let t = tenant_of(&**authz.model())?;
    let failed = |e| ApiError::store_failed("organizations: the store failed", e);
    let allowed = if user.superuser {
        // Superusers enter any organization that exists.
        match authz
            .stores()
            .ancestors(Resource::new(EntityTypeId(t.entity), &body.tenant))
            .await
        {
            Ok(_) => true,
            Err(e) if e.kind == StoreErrorKind::NotFound => false,
            Err(e) => return Err(failed(e)),
        }
    } else {
        member(&authz, t.entity, &user.id.to_string(), &body.tenant)
            .await
            .map_err(failed)?
    };
    if !allowed {
        // The same answer whether it exists or not.
        return Err(ApiError::not_found("no such organization"));
    }
    crate::auth::handlers::switch_tenant(&auth, user.id, &user.session_id, &body.tenant).await
}
