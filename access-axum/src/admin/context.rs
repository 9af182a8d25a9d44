//! The admin request: [`AdminConfig`] (the router's entitlement), [`AdminOf`] (lets in callers
//! who hold it on their tenant's resource and hands the handlers an [`Admin`]), and the answers
//! the handlers share.

use std::sync::Arc;

use access_core::model::ModelData;
use access_core::{
    AccessContext, AccessModel, EntitlementId, EntityTypeId, GrantError, GrantErrorKind, Grants,
    Resource, StoreError, StoreErrorKind, Stores, unknown_message,
};
use axum::extract::{FromRef, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use sea_orm::DatabaseConnection;

use crate::auth::AuthState;
use crate::authz::{Access, Authz};
use crate::dynamic::DynamicGrants;
use crate::error::ApiError;

/// The entitlement that opens the admin API: [`admin_router`](super::admin_router) puts it in
/// the extensions of each of its requests, where the admin handlers find it. Applications do
/// not build one.
///
/// ```
/// use access_axum::admin::AdminConfig;
/// use axum::http::Request;
/// # mod model { access_core::define_access! { pub Access; roles: [admin], entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
///
/// // Whether a request went through the admin router of `model::Access`.
/// fn via_admin_router<B>(req: &Request<B>) -> bool {
///     req.extensions().get::<AdminConfig<model::Access>>().is_some()
/// }
/// assert!(!via_admin_router(&Request::new(())));
/// ```
pub struct AdminConfig<M: AccessModel> {
    entitlement: EntitlementId,
    _model: std::marker::PhantomData<fn() -> M>,
}

impl<M: AccessModel> AdminConfig<M> {
    pub(super) fn new(entitlement: EntitlementId) -> Self {
        Self {
            entitlement,
            _model: std::marker::PhantomData,
        }
    }
}

impl<M: AccessModel> std::fmt::Debug for AdminConfig<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminConfig").finish_non_exhaustive()
    }
}

impl<M: AccessModel> Clone for AdminConfig<M> {
    fn clone(&self) -> Self {
        Self {
            entitlement: self.entitlement,
            _model: std::marker::PhantomData,
        }
    }
}

/// An admin request: the checked tenant and what the handlers need.
pub(super) struct Admin<M: AccessModel, S: Stores + 'static> {
    pub(super) tenant: String,
    pub(super) actor: String,
    pub(super) ctx: AccessContext<'static, M, S>,
    pub(super) authz: Authz<M, S>,
    pub(super) db: DatabaseConnection,
    /// The entity type of the tenant's resource.
    pub(super) tenant_type: u16,
}

impl<M: AccessModel, S: Stores + 'static> Admin<M, S> {
    pub(super) fn data(&self) -> &ModelData {
        self.authz.model().data()
    }

    /// The tenants' grants; 404 outside dynamic mode.
    pub(super) fn dynamic(&self) -> Result<&DynamicGrants, ApiError> {
        self.authz
            .dynamic_grants()
            .ok_or_else(|| ApiError::not_found("dynamic mode is off"))
    }

    /// The tenant's grants (model roles and custom roles) in dynamic mode, for role names.
    pub(super) async fn grants(&self) -> Result<Option<Arc<Grants>>, ApiError> {
        match self.authz.dynamic_grants() {
            Some(d) => Ok(Some(d.tenant(&self.tenant).await?)),
            None => Ok(None),
        }
    }

    /// The entity type named `entity`.
    pub(super) fn entity(&self, entity: &str) -> Result<u16, ApiError> {
        Ok(Grants::entity(self.data(), entity)?)
    }

    /// `(ty, id)` must be the tenant's resource or below it (404 otherwise).
    pub(super) async fn in_tenant(&self, ty: u16, id: &str) -> Result<(), ApiError> {
        if ty == self.tenant_type && id == self.tenant {
            return Ok(());
        }
        match self
            .ctx
            .stores()
            .ancestors(Resource::new(EntityTypeId(ty), id))
            .await
        {
            Ok(anc)
                if anc
                    .iter()
                    .any(|(a, _)| a.ty.0 == self.tenant_type && *a.id == self.tenant) =>
            {
                Ok(())
            }
            Ok(_) => Err(not_in_tenant()),
            Err(e) if e.kind == StoreErrorKind::NotFound => Err(not_in_tenant()),
            Err(e) => Err(ApiError::store_failed("admin: store failed", e)),
        }
    }
}

/// 404: a resource outside the request's tenant (or none at all).
pub(super) fn not_in_tenant() -> ApiError {
    ApiError::not_found("no such resource in this tenant")
}

/// 400 `invalid`: a change the admin API does not make.
pub(super) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid", message)
}

/// 400 `unknown_name`, naming the nearest of the `valid` names.
pub(super) fn unknown(what: &str, name: &str, valid: impl IntoIterator<Item = String>) -> ApiError {
    let valid: Vec<String> = valid.into_iter().collect();
    GrantError {
        kind: GrantErrorKind::Unknown,
        message: unknown_message(what, name, "", valid.iter().map(String::as_str)),
    }
    .into()
}

/// A store's refusal of a change: 409 `cycle`, 404 outside the tenant, 400 `invalid`; 500
/// without details when the store failed.
pub(super) fn store_error(e: StoreError) -> ApiError {
    match e.kind {
        StoreErrorKind::Cycle => ApiError::new(StatusCode::CONFLICT, "cycle", e.message),
        StoreErrorKind::NotFound => not_in_tenant(),
        StoreErrorKind::InvalidRequest => invalid(e.message),
        _ => ApiError::store_failed("admin: store failed", e),
    }
}

/// An optional JSON body: empty is the default; otherwise 400 when malformed, 422 when it does
/// not fit.
pub(super) fn optional_json<T: serde::de::DeserializeOwned + Default>(
    body: &[u8],
) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        let message = "the body does not fit this request";
        if e.is_data() {
            ApiError::invalid("invalid_body", message)
        } else {
            ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", message)
        }
    })
}

/// The caller as an admin of the request's tenant: signed in, with a tenant, holding the
/// router's entitlement on the tenant's resource (403 with the reasons otherwise).
pub(super) struct AdminOf<M: AccessModel, S: Stores + 'static>(pub(super) Admin<M, S>);

impl<St, M, S> FromRequestParts<St> for AdminOf<M, S>
where
    St: Send + Sync,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
    M: AccessModel,
    S: Stores + 'static,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, ApiError> {
        let access = Access::<M, S>::from_request_parts(parts, state).await?;
        let Some(cfg) = parts.extensions.get::<AdminConfig<M>>().cloned() else {
            return Err(ApiError::authorization_failed(
                "admin handler without its router's configuration",
                "no AdminConfig in the request",
            ));
        };
        let authz = Authz::<M, S>::from_ref(state);
        let auth = AuthState::from_ref(state);
        let Some(tenant) = access.ctx.principal().tenant.as_deref().map(str::to_owned) else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "tenant_required",
                "the request has no tenant",
            ));
        };
        let data = authz.model().data();
        let ei = cfg.entitlement;
        let tenant_type = data.entitlements[ei.0 as usize].entity;
        let on = Resource::new(EntityTypeId(tenant_type), &tenant);
        let decision = access
            .ctx
            .check(ei, on)
            .await
            .map_err(|e| ApiError::store_failed("admin: authorization failed", e))?;
        if !decision.allowed {
            return Err(ApiError::forbidden(&decision));
        }
        Ok(AdminOf(Admin {
            tenant,
            actor: access.user.id.to_string(),
            ctx: access.ctx,
            authz,
            db: auth.db.clone(),
            tenant_type,
        }))
    }
}
