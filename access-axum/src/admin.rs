//! The admin API: role assignments (with optional validity windows), the resource hierarchy,
//! plans, add-ons, limit overrides and flags of the request's tenant, and, in dynamic mode, the
//! grants and custom roles of [`crate::dynamic`]. Every change is recorded in the
//! `access_audit` table (who, what, when, before, after) and logged as a `tracing` event.
//!
//! All routes work on the request's tenant and open for users who hold one entitlement of the
//! model on the tenant's resource (the resource of the entitlement's entity type whose id is the
//! tenant); superusers pass. Resources named in a change must be the tenant's resource or below
//! it (404 otherwise). Names the model does not declare are a 400 naming the nearest valid one.
//!
//! | method and path | body | effect |
//! |---|---|---|
//! | `PUT /assignments/{entity}/{id}/{role}/{user}` | optional `{"from": ts, "until": ts}` | gives the role (model or custom) |
//! | `DELETE /assignments/{entity}/{id}/{role}/{user}` | | takes it back |
//! | `PUT /resources/{entity}/{id}` | `{"parents": [{"entity", "id"}]}` | creates or moves a resource (its descendants move with it; 409 for a cycle) |
//! | `DELETE /resources/{entity}/{id}` | | deletes it (children lose it as a parent) |
//! | `PUT /plan` | `{"plan", "started_at"?, "ends_at"?}` | sets the base plan of the plan's group |
//! | `PUT /add-ons/{plan}` | `{"started_at"?, "ends_at"?}` | adds an add-on |
//! | `DELETE /add-ons/{plan}` | | removes it |
//! | `PUT /overrides/{limit}` | `{"max": n}` | sets the tenant's max (only raises) |
//! | `DELETE /overrides/{limit}` | | clears it |
//! | `PUT /flags/{flag}` / `DELETE /flags/{flag}` | | turns a flag on / off |
//! | `GET /audit` | `?page=1&per_page=50` | the tenant's audit trail, newest first |
//! | `GET /grants`, `PUT`/`DELETE /grants/{entitlement}/{role}`, `POST /roles`, `DELETE /roles/{entity}/{name}` | | dynamic mode, see [`crate::dynamic`] |

// Helpers here return the error response itself (`Result<T, Response>`), as axum handlers do;
// they run once per admin request, so the size of the error variant does not matter.
#![allow(clippy::result_large_err)]

use access_core::model::ModelData;
use access_core::{
    AccessContext, AccessModel, EntitlementId, EntityTypeId, FlagId, GrantError, GrantErrorKind,
    Grants, LimitId, PlanId, Resource, StoreErrorKind, Stores, Subscription, unknown_message,
};
use axum::extract::{FromRef, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, put};
use axum::{Json, Router};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, QueryOrder, QuerySelect, Set};
use serde::Deserialize;
use serde_json::{Value as Json_, json};

use crate::auth::AuthState;
use crate::authz::{Access, Authz, denied, store_failed};
use crate::dynamic::{ChangeError, DynamicGrants};
use crate::error::{ApiError, JsonBody};

/// The audit trail.
pub mod audit {
    use sea_orm::entity::prelude::*;

    /// One change made through the admin API.
    ///
    /// # Examples
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// use access_axum::admin::{self, audit};
    /// use sea_orm::EntityTrait;
    ///
    /// let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
    /// access_axum::migrate(&db).await.unwrap();
    /// let on = serde_json::json!({ "on": true });
    /// admin::record(&db, "acme", "7", "flag", "flag:beta", serde_json::Value::Null, on).await;
    /// let row: audit::Model = audit::Entity::find().one(&db).await.unwrap().unwrap();
    /// assert_eq!((row.tenant.as_str(), row.actor.as_str(), row.action.as_str()), ("acme", "7", "flag"));
    /// assert_eq!((row.before.as_str(), row.after.as_str()), ("null", r#"{"on":true}"#));
    /// # }
    /// ```
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, serde::Serialize)]
    #[sea_orm(table_name = "access_audit")]
    pub struct Model {
        /// Id (increasing).
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The tenant.
        #[sea_orm(indexed)]
        pub tenant: String,
        /// Who (user id).
        pub actor: String,
        /// What (`assign`, `revoke`, `move`, `plan`, `flag`, ..).
        pub action: String,
        /// On what (`project:p1`, `flag:beta`, ..).
        pub target: String,
        /// The state before, as JSON.
        pub before: String,
        /// The state after, as JSON.
        pub after: String,
        /// When (Unix seconds).
        pub at: i64,
    }

    /// No relations are navigated.
    ///
    /// # Examples
    ///
    /// ```
    /// use access_axum::admin::audit::Relation;
    /// use sea_orm::Iterable;
    /// assert_eq!(Relation::iter().count(), 0);
    /// ```
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Records one change. A failure to record is logged and the change stands (it happened).
///
/// # Examples
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use access_axum::admin::{self, audit};
/// use sea_orm::{EntityTrait, PaginatorTrait};
/// use serde_json::json;
///
/// let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// access_axum::migrate(&db).await.unwrap();
/// // The application's own admin change, in the same trail as the admin API's.
/// admin::record(&db, "acme", "7", "rename", "project:p1", json!({ "name": "old" }), json!({ "name": "new" })).await;
/// let rows = audit::Entity::find().all(&db).await.unwrap();
/// assert_eq!(rows.len(), 1);
/// assert_eq!(rows[0].target, "project:p1");
/// assert_eq!(rows[0].after, r#"{"name":"new"}"#);
///
/// // Without the table the record is lost (and logged); the call does not fail.
/// let bare = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// admin::record(&bare, "acme", "7", "rename", "project:p1", json!(null), json!(null)).await;
/// # }
/// ```
pub async fn record(
    db: &DatabaseConnection,
    tenant: &str,
    actor: &str,
    action: &str,
    target: &str,
    before: Json_,
    after: Json_,
) {
    tracing::info!(tenant, actor, action, target, %before, %after, "access: admin change");
    let row = audit::ActiveModel {
        tenant: Set(tenant.to_owned()),
        actor: Set(actor.to_owned()),
        action: Set(action.to_owned()),
        target: Set(target.to_owned()),
        before: Set(before.to_string()),
        after: Set(after.to_string()),
        at: Set(access_core::time::now()),
        ..Default::default()
    };
    if let Err(e) = row.insert(db).await {
        tracing::error!(error = %e, tenant, action, "access: audit record failed");
    }
}

/// The entitlement that opens the admin API: [`admin_router`] puts it in the extensions of
/// each of its requests, where the admin handlers find it. Applications do not build one.
///
/// # Examples
///
/// ```
/// use access_axum::admin::AdminConfig;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         entity organization { roles: [owner] }
/// #         entitlements { "organization:manage" on organization => roles [owner] }
/// #     }
/// # }
/// # use model::Access as Model;
///
/// // A request that did not come through `admin_router` has none.
/// let req = axum::http::Request::new(());
/// assert!(req.extensions().get::<AdminConfig<Model>>().is_none());
/// ```
pub struct AdminConfig<M: AccessModel> {
    entitlement: EntitlementId,
    _model: std::marker::PhantomData<fn() -> M>,
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

/// The admin API (see the module docs), opened by `entitlement` on the tenant's resource.
///
/// # Examples
///
/// ```
/// # use access_axum::authz::{Access, Authz};
/// # use access_axum::{AuthConfig, AuthState, JwtKeys};
/// # use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
/// # use axum::{Router, body::Body, extract::FromRef, http::{Request, StatusCode}};
/// # use tower::ServiceExt;
/// # mod model {
/// #     access_core::define_access! {
/// #         pub Access;
/// #         roles: [admin, user],
/// #         entity organization { roles: [owner, member] }
/// #         entity project {
/// #             roles: [manager, viewer],
/// #             implies: { manager => viewer },
/// #             inherits: { organization:owner => manager, organization:member => viewer },
/// #         }
/// #         entitlements {
/// #             "organization:manage" on organization => roles [owner],
/// #             "project:read"   on project => roles [viewer],
/// #             "project:delete" on project => roles [manager],
/// #         }
/// #     }
/// # }
/// # use model::{Access as Model, Entitlement, EntityType, OrganizationRole};
/// # // A literal secret, for the example only.
/// # const SECRET: &[u8] = b"example-only-secret-example-only-secret";
/// # /// Auth state over a fresh in-memory database.
/// # async fn auth_state() -> AuthState {
/// #     let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
/// #     access_axum::migrate(&db).await.unwrap();
/// #     let keys = JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, SECRET).unwrap();
/// #     let fast = access_axum::config::Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 };
/// #     AuthState::new(db, AuthConfig::builder().keys(keys).argon2(fast).build().unwrap())
/// # }
/// # /// Organization `acme` with project `p1`; user 1 owns acme, user 2 is a member.
/// # async fn stores() -> &'static MemoryStore {
/// #     let s: &'static MemoryStore = Box::leak(Box::new(MemoryStore::new()));
/// #     let acme = Resource::new(EntityType::Organization, "acme");
/// #     s.add_resource(acme, &[]).await.unwrap();
/// #     s.add_resource(Resource::new(EntityType::Project, "p1"), &[acme]).await.unwrap();
/// #     s.assign("1", acme, OrganizationRole::Owner.index()).await.unwrap();
/// #     s.assign("2", acme, OrganizationRole::Member.index()).await.unwrap();
/// #     s
/// # }
/// # /// An access token for user `id` of tenant `acme`, as `POST /auth/login` issues them.
/// # fn token(id: i64, roles: &[&str]) -> String {
/// #     let now = access_core::time::now();
/// #     let claims = access_axum::Claims {
/// #         sub: id.to_string(), iss: "access".into(), aud: "access".into(),
/// #         exp: now + 600, nbf: now, iat: now, sid: "s1".into(),
/// #         roles: roles.iter().map(|r| r.to_string()).collect(),
/// #         tenant: Some("acme".into()), su: false, extra: Default::default(),
/// #     };
/// #     let key = jsonwebtoken::EncodingKey::from_secret(SECRET);
/// #     jsonwebtoken::encode(&jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256), &claims, &key).unwrap()
/// # }
/// # /// Sends a request (with a bearer token when given); the status and the JSON body.
/// # async fn send(app: &Router, method: &str, uri: &str, token: Option<&str>) -> (StatusCode, serde_json::Value) {
/// #     let mut req = Request::builder().method(method).uri(uri);
/// #     if let Some(t) = token { req = req.header("authorization", format!("Bearer {t}")); }
/// #     let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
/// #     let status = res.status();
/// #     let bytes = axum::body::to_bytes(res.into_body(), usize::MAX).await.unwrap();
/// #     (status, serde_json::from_slice(&bytes).unwrap_or_default())
/// # }
/// # /// The user a valid token of user `id` (tenant `acme`) stands for.
/// # fn current_user(id: i64) -> access_axum::CurrentUser {
/// #     access_axum::CurrentUser {
/// #         id, session_id: "s1".into(), roles: vec![], tenant: Some("acme".into()), superuser: false,
/// #         issued_at: access_core::time::now(), via_cookie: false, claims: Default::default(),
/// #     }
/// # }
/// # #[derive(Clone)]
/// # struct AppState { auth: AuthState, authz: Authz<Model, MemoryStore> }
/// # impl FromRef<AppState> for AuthState { fn from_ref(s: &AppState) -> Self { s.auth.clone() } }
/// # impl FromRef<AppState> for Authz<Model, MemoryStore> { fn from_ref(s: &AppState) -> Self { s.authz.clone() } }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// use access_axum::admin::admin_router;
///
/// let stores = stores().await;
/// let state = AppState { auth: auth_state().await, authz: Authz::new(&Model, stores) };
/// let app = Router::new()
///     .nest("/admin", admin_router::<Model, MemoryStore, AppState>(Entitlement::OrganizationManage))
///     .with_state(state);
///
/// // User 1 owns organization acme, their token's tenant: they make user 7 a viewer of p1.
/// let owner = token(1, &[]);
/// let (status, _) = send(&app, "PUT", "/admin/assignments/project/p1/viewer/7", Some(&owner)).await;
/// assert_eq!(status, StatusCode::NO_CONTENT);
/// let p1 = Resource::new(EntityType::Project, "p1");
/// let seven = access_core::AccessContext::new(&Model, stores, access_core::Principal::new("7"));
/// assert!(seven.can(Entitlement::ProjectRead, p1).await.unwrap());
///
/// // The change is in the audit trail.
/// let (_, audit) = send(&app, "GET", "/admin/audit", Some(&owner)).await;
/// assert_eq!(audit["items"][0]["action"], "assign");
/// assert_eq!(audit["items"][0]["target"], "project:p1");
///
/// // A member of acme does not hold `organization:manage`.
/// let (status, _) = send(&app, "PUT", "/admin/assignments/project/p1/viewer/7", Some(&token(2, &[]))).await;
/// assert_eq!(status, StatusCode::FORBIDDEN);
/// // A role the model does not declare is a 400.
/// let (status, body) = send(&app, "PUT", "/admin/assignments/project/p1/editor/7", Some(&owner)).await;
/// assert_eq!(status, StatusCode::BAD_REQUEST);
/// assert_eq!(body["error"], "unknown_name");
/// // The grants routes answer 404 outside dynamic mode.
/// assert_eq!(send(&app, "GET", "/admin/grants", Some(&owner)).await.0, StatusCode::NOT_FOUND);
/// # }
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
            put(assign::<M, S>).delete(unassign::<M, S>),
        )
        .route(
            "/resources/{entity}/{id}",
            put(put_resource::<M, S>).delete(delete_resource::<M, S>),
        )
        .route("/plan", put(set_plan::<M, S>))
        .route(
            "/add-ons/{plan}",
            put(add_add_on::<M, S>).delete(remove_add_on::<M, S>),
        )
        .route(
            "/overrides/{limit}",
            put(set_override::<M, S>).delete(clear_override::<M, S>),
        )
        .route(
            "/flags/{flag}",
            put(flag_on::<M, S>).delete(flag_off::<M, S>),
        )
        .route("/audit", get(list_audit::<M, S>))
        .route("/grants", get(crate::dynamic::list_grants::<M, S>))
        .route(
            "/grants/{entitlement}/{role}",
            put(crate::dynamic::grant::<M, S>).delete(crate::dynamic::revoke::<M, S>),
        )
        .route(
            "/roles",
            axum::routing::post(crate::dynamic::create_role::<M, S>),
        )
        .route(
            "/roles/{entity}/{name}",
            delete(crate::dynamic::delete_role::<M, S>),
        )
        .layer(axum::Extension(AdminConfig::<M> {
            entitlement: entitlement.into(),
            _model: std::marker::PhantomData,
        }))
}

/// An admin request: the checked tenant and what the handlers need.
pub(crate) struct Admin<M: AccessModel, S: Stores + 'static> {
    pub(crate) tenant: String,
    pub(crate) actor: String,
    pub(crate) ctx: AccessContext<'static, M, S>,
    pub(crate) authz: Authz<M, S>,
    pub(crate) db: DatabaseConnection,
    /// The entity type of the tenant's resource.
    pub(crate) tenant_type: u16,
}

impl<M: AccessModel, S: Stores + 'static> Admin<M, S> {
    pub(crate) fn data(&self) -> &'static ModelData {
        self.authz.model.data()
    }

    pub(crate) fn dynamic(&self) -> Result<&DynamicGrants, Response> {
        self.authz.dynamic.as_deref().ok_or_else(|| {
            ApiError::new(StatusCode::NOT_FOUND, "not_found", "dynamic mode is off").into_response()
        })
    }

    pub(crate) async fn record(&self, action: &str, target: &str, before: Json_, after: Json_) {
        record(
            &self.db,
            &self.tenant,
            &self.actor,
            action,
            target,
            before,
            after,
        )
        .await;
    }

    /// The tenant's grants (model roles and custom roles), for role names.
    async fn grants(&self) -> Result<Option<std::sync::Arc<Grants>>, Response> {
        match &self.authz.dynamic {
            Some(d) => d
                .tenant(&self.tenant)
                .await
                .map(Some)
                .map_err(|e| ChangeError::Db(e).into_response()),
            None => Ok(None),
        }
    }

    /// The entity type named `entity`.
    fn entity(&self, entity: &str) -> Result<u16, Response> {
        Grants::entity(self.data(), entity).map_err(refused)
    }

    /// `(ty, id)` must be the tenant's resource or below it.
    async fn in_tenant(&self, ty: u16, id: &str) -> Result<(), Response> {
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
            Err(_) => Err(store_failed()),
        }
    }
}

fn not_in_tenant() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such resource in this tenant",
    )
    .into_response()
}

fn refused(e: GrantError) -> Response {
    ChangeError::Refused(e).into_response()
}

fn unknown(what: &str, name: &str, valid: impl IntoIterator<Item = String>) -> Response {
    let valid: Vec<String> = valid.into_iter().collect();
    refused(GrantError {
        kind: GrantErrorKind::Unknown,
        message: unknown_message(what, name, "", valid.iter().map(String::as_str)),
    })
}

fn store_error(e: access_core::StoreError) -> Response {
    match e.kind {
        StoreErrorKind::Cycle => {
            ApiError::new(StatusCode::CONFLICT, "cycle", e.message).into_response()
        }
        StoreErrorKind::NotFound => not_in_tenant(),
        StoreErrorKind::InvalidRequest => {
            ApiError::new(StatusCode::BAD_REQUEST, "invalid", e.message).into_response()
        }
        _ => {
            tracing::error!(error = %e, "admin: store failed");
            store_failed()
        }
    }
}

/// The caller as an admin of the request's tenant.
pub(crate) struct AdminOf<M: AccessModel, S: Stores + 'static>(pub(crate) Admin<M, S>);

impl<St, M, S> axum::extract::FromRequestParts<St> for AdminOf<M, S>
where
    St: Send + Sync,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
    M: AccessModel,
    S: Stores + 'static,
{
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &St,
    ) -> Result<Self, Response> {
        let access = Access::<M, S>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let Some(cfg) = parts.extensions.get::<AdminConfig<M>>().cloned() else {
            tracing::error!("admin handler without its router's configuration");
            return Err(store_failed());
        };
        let authz = Authz::<M, S>::from_ref(state);
        let auth = AuthState::from_ref(state);
        let Some(tenant) = access.ctx.principal().tenant.as_deref().map(str::to_owned) else {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "tenant_required",
                "the request has no tenant",
            )
            .into_response());
        };
        let data = authz.model.data();
        let ei = cfg.entitlement;
        let tenant_type = data.entitlements[ei.0 as usize].entity;
        let on = Resource::new(EntityTypeId(tenant_type), &tenant);
        match access.ctx.check_id(ei, on).await {
            Ok(d) if d.allowed => {}
            Ok(d) => return Err(denied(&d)),
            Err(_) => return Err(store_failed()),
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

macro_rules! try_r {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

/// An optional JSON body: empty is the default; otherwise 400 when malformed, 422 when it does
/// not fit.
fn optional_json<T: serde::de::DeserializeOwned + Default>(body: &[u8]) -> Result<T, Response> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(body).map_err(|e| {
        let (status, code) = if e.is_data() {
            (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body")
        } else {
            (StatusCode::BAD_REQUEST, "malformed_json")
        };
        ApiError::new(status, code, "the body does not fit this request").into_response()
    })
}

/// Optional validity window of an assignment: the body of
/// `PUT /assignments/{entity}/{id}/{role}/{user}` (an empty body is no window).
///
/// # Examples
///
/// ```
/// use access_axum::admin::Window;
///
/// let w: Window = serde_json::from_str(r#"{"from": 1700000000, "until": 1800000000}"#).unwrap();
/// assert_eq!((w.from, w.until), (Some(1_700_000_000), Some(1_800_000_000)));
/// let open: Window = serde_json::from_str(r#"{"until": 1800000000}"#).unwrap();
/// assert_eq!(open.from, None);
/// assert!(serde_json::from_str::<Window>(r#"{"to": 1}"#).is_err()); // unknown field
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    /// From (Unix seconds, inclusive).
    pub from: Option<i64>,
    /// Until (Unix seconds, exclusive).
    pub until: Option<i64>,
}

async fn assignment<M: AccessModel, S: Stores + 'static>(
    a: &Admin<M, S>,
    entity: &str,
    id: &str,
    role: &str,
) -> Result<(EntityTypeId, u16), Response> {
    let ty = a.entity(entity)?;
    let g = a.grants().await?;
    let r = match &g {
        Some(g) => g.role(a.data(), ty, role).map_err(refused)?,
        None => Grants::new(a.data())
            .role(a.data(), ty, role)
            .map_err(refused)?,
    };
    a.in_tenant(ty, id).await?;
    Ok((EntityTypeId(ty), r))
}

async fn held<M: AccessModel, S: Stores + 'static>(
    a: &Admin<M, S>,
    user: &str,
    ty: EntityTypeId,
    id: &str,
    role: u16,
) -> bool {
    // The user's direct roles on the resource: node 0 of its ancestry (one store call, not
    // every assignment the user has).
    let mut anc = access_core::Ancestry::default();
    a.ctx
        .stores()
        .ancestry(user, Resource::new(ty, id), &mut anc)
        .await
        .is_ok_and(|()| {
            anc.nodes
                .first()
                .is_some_and(|n| n.roles.contains(role as usize))
        })
}

async fn assign<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entity, id, role, user)): Path<(String, String, String, String)>,
    body: axum::body::Bytes,
) -> Response {
    let w: Window = try_r!(optional_json(&body));
    let (ty, r) = try_r!(assignment(&a, &entity, &id, &role).await);
    if let (Some(f), Some(u)) = (w.from, w.until)
        && f >= u
    {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "`from` must be before `until`",
        )
        .into_response();
    }
    let before = held(&a, &user, ty, &id, r).await;
    let res = a
        .ctx
        .stores()
        .assign_during(&user, Resource::new(ty, &id), r, w.from, w.until)
        .await;
    if let Err(e) = res {
        return store_error(e);
    }
    a.record(
        "assign",
        &format!("{entity}:{id}"),
        json!({ "user": user, "role": role, "held": before }),
        json!({ "user": user, "role": role, "held": true, "from": w.from, "until": w.until }),
    )
    .await;
    StatusCode::NO_CONTENT.into_response()
}

async fn unassign<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entity, id, role, user)): Path<(String, String, String, String)>,
) -> Response {
    let (ty, r) = try_r!(assignment(&a, &entity, &id, &role).await);
    let before = held(&a, &user, ty, &id, r).await;
    if let Err(e) = a
        .ctx
        .stores()
        .revoke(&user, Resource::new(ty, &id), r)
        .await
    {
        return store_error(e);
    }
    a.record(
        "revoke",
        &format!("{entity}:{id}"),
        json!({ "user": user, "role": role, "held": before }),
        json!({ "user": user, "role": role, "held": false }),
    )
    .await;
    StatusCode::NO_CONTENT.into_response()
}

/// A resource reference in a body.
///
/// # Examples
///
/// ```
/// use access_axum::admin::ResourceBody;
///
/// let r: ResourceBody = serde_json::from_str(r#"{"entity": "workspace", "id": "ws1"}"#).unwrap();
/// assert_eq!((r.entity.as_str(), r.id.as_str()), ("workspace", "ws1"));
/// assert!(serde_json::from_str::<ResourceBody>(r#"{"entity": "workspace"}"#).is_err());
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceBody {
    /// Entity type.
    pub entity: String,
    /// Id.
    pub id: String,
}

/// Body of `PUT /resources/{entity}/{id}`.
///
/// # Examples
///
/// ```
/// use access_axum::admin::Placement;
///
/// let body = r#"{"parents": [{"entity": "organization", "id": "acme"}]}"#;
/// let p: Placement = serde_json::from_str(body).unwrap();
/// assert_eq!(p.parents.len(), 1);
/// assert_eq!(p.parents[0].id, "acme");
/// assert!(serde_json::from_str::<Placement>("{}").is_err()); // `parents` is required
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Placement {
    /// The new parents (empty: a root; only the tenant's own resource can be one).
    pub parents: Vec<ResourceBody>,
}

/// The direct parents of a resource, named as audit targets are (`workspace:design`).
async fn parents_of<S: Stores>(
    data: &access_core::ModelData,
    s: &S,
    ty: EntityTypeId,
    id: &str,
) -> Json_ {
    match s.ancestors(Resource::new(ty, id)).await {
        Ok(a) => json!(
            a.iter()
                .filter(|(_, d)| *d == 1)
                .map(|(r, _)| {
                    let entity = data
                        .entities
                        .get(r.ty.0 as usize)
                        .map_or_else(|| format!("#{}", r.ty.0), |e| e.name.to_string());
                    format!("{entity}:{}", r.id)
                })
                .collect::<Vec<_>>()
        ),
        Err(_) => Json_::Null,
    }
}

async fn put_resource<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entity, id)): Path<(String, String)>,
    JsonBody(body): JsonBody<Placement>,
) -> Response {
    let ty = try_r!(a.entity(&entity));
    let mut parents = Vec::with_capacity(body.parents.len());
    for p in &body.parents {
        let pt = try_r!(a.entity(&p.entity));
        try_r!(a.in_tenant(pt, &p.id).await);
        parents.push((EntityTypeId(pt), p.id.as_str()));
    }
    if parents.is_empty() && !(ty == a.tenant_type && id == a.tenant) {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "a resource of the tenant needs a parent in the tenant",
        )
        .into_response();
    }
    let stores = a.ctx.stores();
    let exists = stores
        .ancestors(Resource::new(EntityTypeId(ty), &id))
        .await
        .is_ok();
    // A resource that exists must be the tenant's; a new one is placed under the tenant's
    // parents checked above (or is the tenant's own resource).
    if exists {
        try_r!(a.in_tenant(ty, &id).await);
    }
    let before = if exists {
        parents_of(a.data(), stores, EntityTypeId(ty), &id).await
    } else {
        Json_::Null
    };
    let ps: Vec<Resource<'_>> = parents.iter().map(|(t, i)| Resource::new(*t, i)).collect();
    let res = if exists {
        stores
            .set_parents(Resource::new(EntityTypeId(ty), &id), &ps)
            .await
    } else {
        stores
            .add_resource(Resource::new(EntityTypeId(ty), &id), &ps)
            .await
    };
    if let Err(e) = res {
        return store_error(e);
    }
    let after = parents_of(a.data(), stores, EntityTypeId(ty), &id).await;
    a.record(
        if exists { "move" } else { "create" },
        &format!("{entity}:{id}"),
        before,
        after,
    )
    .await;
    (if exists {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    })
    .into_response()
}

async fn delete_resource<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path((entity, id)): Path<(String, String)>,
) -> Response {
    let ty = try_r!(a.entity(&entity));
    if ty == a.tenant_type && id == a.tenant {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            "the tenant's own resource cannot be deleted through its admin API",
        )
        .into_response();
    }
    try_r!(a.in_tenant(ty, &id).await);
    let stores = a.ctx.stores();
    let before = parents_of(a.data(), stores, EntityTypeId(ty), &id).await;
    if let Err(e) = stores
        .remove_resource(Resource::new(EntityTypeId(ty), &id))
        .await
    {
        return store_error(e);
    }
    a.record("delete", &format!("{entity}:{id}"), before, Json_::Null)
        .await;
    StatusCode::NO_CONTENT.into_response()
}

fn plan_index(data: &ModelData, name: &str) -> Result<u16, Response> {
    data.plan_index(name)
        .ok_or_else(|| unknown("plan", name, data.plans.iter().map(|p| p.name.to_string())))
}

async fn plans_json<M: AccessModel, S: Stores + 'static>(a: &Admin<M, S>) -> Json_ {
    let data = a.data();
    match a.ctx.stores().tenant_plans(&a.tenant).await {
        Ok(p) => {
            let name = |s: &Subscription| data.plans[s.plan.0 as usize].name.to_string();
            json!({
                "base": p.base.iter().map(|s| json!({ "plan": name(s), "started_at": s.started_at, "ends_at": s.ends_at })).collect::<Vec<_>>(),
                "add_ons": p.add_ons.iter().map(|s| json!({ "plan": name(s), "started_at": s.started_at, "ends_at": s.ends_at })).collect::<Vec<_>>(),
                "overrides": p.overrides.iter().map(|(l, m)| json!({ "limit": &*data.limits[l.0 as usize].name, "max": m })).collect::<Vec<_>>(),
            })
        }
        Err(_) => Json_::Null,
    }
}

/// A change to the tenant's plans: runs `op` between two snapshots, records both, answers with
/// the new state.
async fn plan_change<M: AccessModel, S: Stores + 'static>(
    a: &Admin<M, S>,
    action: &str,
    target: String,
    op: impl std::future::Future<Output = access_core::StoreResult<()>>,
) -> Response {
    let before = plans_json(a).await;
    if let Err(e) = op.await {
        return store_error(e);
    }
    let after = plans_json(a).await;
    a.record(action, &target, before, after.clone()).await;
    Json(after).into_response()
}

/// Body of `PUT /plan`.
///
/// # Examples
///
/// ```
/// use access_axum::admin::PlanBody;
///
/// let b: PlanBody = serde_json::from_str(r#"{"plan": "pro", "ends_at": 1800000000}"#).unwrap();
/// assert_eq!(b.plan, "pro");
/// assert_eq!((b.started_at, b.ends_at), (None, Some(1_800_000_000)));
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// A base plan.
    pub plan: String,
    /// Start (Unix seconds; default now): the anchor of its periods.
    pub started_at: Option<i64>,
    /// End (exclusive), if any.
    pub ends_at: Option<i64>,
}

fn subscription(plan: u16, started_at: Option<i64>, ends_at: Option<i64>) -> Subscription {
    Subscription {
        plan: PlanId(plan),
        started_at: started_at.unwrap_or_else(access_core::time::now),
        ends_at,
    }
}

async fn set_plan<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    JsonBody(body): JsonBody<PlanBody>,
) -> Response {
    let data = a.data();
    let p = try_r!(plan_index(data, &body.plan));
    let Some(group) = data.plans[p as usize].group else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!(
                "`{}` is an add-on: use PUT /add-ons/{}",
                body.plan, body.plan
            ),
        )
        .into_response();
    };
    let sub = subscription(p, body.started_at, body.ends_at);
    let op = a.ctx.stores().set_base_plan(&a.tenant, group, sub);
    plan_change(&a, "plan", format!("plan:{}", body.plan), op).await
}

/// Body of `PUT /add-ons/{plan}` (an empty body is the default: from now, no end).
///
/// # Examples
///
/// ```
/// use access_axum::admin::AddOnBody;
///
/// let b: AddOnBody = serde_json::from_str(r#"{"started_at": 1700000000}"#).unwrap();
/// assert_eq!((b.started_at, b.ends_at), (Some(1_700_000_000), None));
/// let d = AddOnBody::default();
/// assert!(d.started_at.is_none() && d.ends_at.is_none());
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddOnBody {
    /// Start (Unix seconds; default now).
    pub started_at: Option<i64>,
    /// End (exclusive), if any.
    pub ends_at: Option<i64>,
}

async fn add_add_on<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(plan): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let b: AddOnBody = try_r!(optional_json(&body));
    let data = a.data();
    let p = try_r!(plan_index(data, &plan));
    if !data.plans[p as usize].add_on {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid",
            format!("`{plan}` is a base plan: use PUT /plan"),
        )
        .into_response();
    }
    let op = a
        .ctx
        .stores()
        .add_add_on(&a.tenant, subscription(p, b.started_at, b.ends_at));
    plan_change(&a, "add_on", format!("plan:{plan}"), op).await
}

async fn remove_add_on<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(plan): Path<String>,
) -> Response {
    let p = try_r!(plan_index(a.data(), &plan));
    let op = a.ctx.stores().remove_add_on(&a.tenant, PlanId(p));
    plan_change(&a, "remove_add_on", format!("plan:{plan}"), op).await
}

fn limit_index(data: &ModelData, name: &str) -> Result<u16, Response> {
    data.limit_index(name).ok_or_else(|| {
        unknown(
            "limit",
            name,
            data.limits.iter().map(|l| l.name.to_string()),
        )
    })
}

/// Body of `PUT /overrides/{limit}`.
///
/// # Examples
///
/// ```
/// use access_axum::admin::OverrideBody;
///
/// let b: OverrideBody = serde_json::from_str(r#"{"max": 500}"#).unwrap();
/// assert_eq!(b.max, 500);
/// assert!(serde_json::from_str::<OverrideBody>(r#"{"max": -1}"#).is_err());
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideBody {
    /// Units per period for this tenant (the larger of this and the plans' wins).
    pub max: u64,
}

async fn set_override<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(limit): Path<String>,
    JsonBody(body): JsonBody<OverrideBody>,
) -> Response {
    let l = try_r!(limit_index(a.data(), &limit));
    let op = a
        .ctx
        .stores()
        .set_override(&a.tenant, LimitId(l), Some(body.max));
    plan_change(&a, "override", format!("limit:{limit}"), op).await
}

async fn clear_override<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(limit): Path<String>,
) -> Response {
    let l = try_r!(limit_index(a.data(), &limit));
    let op = a.ctx.stores().set_override(&a.tenant, LimitId(l), None);
    plan_change(&a, "override", format!("limit:{limit}"), op).await
}

async fn set_flag<M: AccessModel, S: Stores + 'static>(
    a: Admin<M, S>,
    flag: String,
    on: bool,
) -> Response {
    let data = a.data();
    let Some(f) = data.flag_index(&flag) else {
        return unknown("flag", &flag, data.flags.iter().map(|f| f.to_string()));
    };
    let stores = a.ctx.stores();
    let before = stores
        .tenant_flags(&a.tenant)
        .await
        .map(|s| s.contains(f as usize))
        .ok();
    if let Err(e) = stores.set_flag(&a.tenant, FlagId(f), on).await {
        return store_error(e);
    }
    a.record(
        "flag",
        &format!("flag:{flag}"),
        json!({ "on": before }),
        json!({ "on": on }),
    )
    .await;
    StatusCode::NO_CONTENT.into_response()
}

async fn flag_on<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(flag): Path<String>,
) -> Response {
    set_flag(a, flag, true).await
}

async fn flag_off<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(flag): Path<String>,
) -> Response {
    set_flag(a, flag, false).await
}

/// Page of `GET /audit`.
///
/// # Examples
///
/// ```
/// use access_axum::admin::AuditPage;
/// use axum::extract::Query;
///
/// let uri = "/audit?page=2&per_page=10".parse().unwrap();
/// let Query(p) = Query::<AuditPage>::try_from_uri(&uri).unwrap();
/// assert_eq!((p.page, p.per_page), (Some(2), Some(10)));
/// let Query(d) = Query::<AuditPage>::try_from_uri(&"/audit".parse().unwrap()).unwrap();
/// assert!(d.page.is_none() && d.per_page.is_none());
/// ```
#[derive(Debug, Deserialize)]
pub struct AuditPage {
    /// 1-based (default 1).
    pub page: Option<u64>,
    /// Rows per page (default 50, at most 200).
    pub per_page: Option<u64>,
}

async fn list_audit<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Query(q): Query<AuditPage>,
) -> Response {
    let per_page = q.per_page.unwrap_or(50).clamp(1, 200);
    let page = q.page.unwrap_or(1).max(1);
    let Some(offset) = (page - 1)
        .checked_mul(per_page)
        .filter(|o| *o <= i64::MAX as u64)
    else {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "`page` is out of range",
        )
        .into_response();
    };
    let rows = audit::Entity::find()
        .filter(audit::Column::Tenant.eq(a.tenant.clone()))
        .order_by_desc(audit::Column::Id)
        .offset(offset)
        .limit(per_page)
        .all(&a.db)
        .await;
    match rows {
        Ok(rows) => {
            Json(json!({ "items": rows, "page": page, "per_page": per_page })).into_response()
        }
        Err(e) => ChangeError::Db(e).into_response(),
    }
}
