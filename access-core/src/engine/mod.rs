//! The five-layer engine: flags → roles → hierarchy → plan → usage wallet.
//!
//! An [`AccessContext`] evaluates requests for one principal (one request) against a model
//! and stores: [`can`](AccessContext::can) answers yes or no, [`check`](AccessContext::check)
//! says why, [`can_all`](AccessContext::can_all) answers many pairs with batched store reads,
//! [`can_and_consume`](AccessContext::can_and_consume) takes a unit of every usage limit with
//! the check, and [`access_set`](AccessContext::access_set) sums up every entitlement for a UI.
//!
//! ```
//! # use access_core::{AccessContext, MemoryStore, Principal, TypedClosure, TypedRoles};
//! # access_core::define_access! {
//! #     pub Access;
//! #     entity workspace { roles: [admin, member] }
//! #     entity project {
//! #         roles: [manager, viewer],
//! #         implies: { manager => viewer },
//! #         inherits: { workspace:admin => manager, workspace:member => viewer },
//! #     }
//! #     entitlements {
//! #         "project:read"   on project => roles [viewer],
//! #         "project:delete" on project => roles [manager],
//! #         "ai:generate"    on project => roles [manager],
//! #     }
//! #     plans {
//! #         free { group: main, features: ["ai:generate"],
//! #                limits: { ai: "ai:generate" per day max 1 } }
//! #     }
//! #     default_plan: free,
//! # }
//! # fn main() -> Result<(), access_core::StoreError> {
//! # access_core::block_on_ready(async {
//! // The model: workspace:admin ⇒ project:manager ⇒ project:viewer; one `ai:generate` a day.
//! let store = MemoryStore::new();
//! let (ws1, p1) = (resource::Workspace::id("ws1"), resource::Project::id("p1"));
//! store.add_root(ws1).await?;
//! store.add_child(p1, ws1).await?;
//! store.grant_role("ada", ws1, WorkspaceRole::Admin).await?;
//!
//! let ada = AccessContext::new(&Access, &store, Principal::new("ada").tenant("acme"));
//! assert!(ada.can(entitlement::ProjectRead, "p1").await?);
//! let d = ada.check(entitlement::ProjectDelete, "p1").await?;
//! assert_eq!(d.grant.unwrap().to_string(), "workspace:admin on ws1 → project:manager on p1");
//! assert!(ada.can_and_consume(entitlement::AiGenerate, "p1").await?.is_some());
//! assert!(ada.can_and_consume(entitlement::AiGenerate, "p1").await?.is_none()); // used up
//! # Ok(())
//! # })
//! # .expect("the in-memory store is always ready")
//! # }
//! ```

mod access_set;
mod ask;
mod batch;
mod cache;
mod can;
mod check;
mod consume;
mod explain;
mod held;
mod log;
mod now;
mod plans;
mod roles;

use std::sync::Arc;

pub use ask::{Ask, Question};
pub use batch::MAX_BATCH;
pub use consume::Consumption;

use crate::grants::Grants;
use crate::model::AccessModel;
use crate::principal::Principal;
use crate::store::Stores;
use crate::time::{self, Timestamp};
use cache::RequestCache;
use held::Held;

/// Evaluates requests for one principal against a model and stores.
///
/// Cheap to make and to clone: make one per request.
///
/// # Examples
/// ```
/// use access_core::{AccessContext, DynamicModel, MemoryStore, Principal};
/// use access_core::model_builder::ModelBuilder;
///
/// let builder = ModelBuilder::new("Access")
///     .entity("project", ["viewer"])
///     .entitlement("project:read", "project", ["viewer"], []);
/// let model = DynamicModel::build(builder.spec()).unwrap();
/// let store = MemoryStore::new();
/// let ctx = AccessContext::new(&model, &store, Principal::new("ann"));
/// ```
#[derive(Debug)]
pub struct AccessContext<'a, M: AccessModel, S: Stores> {
    model: Held<'a, M>,
    stores: Held<'a, S>,
    principal: Principal,
    now: Option<Timestamp>,
    grants: Option<Arc<Grants>>,
    cache: Option<Arc<RequestCache>>,
}

impl<M: AccessModel, S: Stores> Clone for AccessContext<'_, M, S> {
    fn clone(&self) -> Self {
        Self {
            model: self.model.clone(),
            stores: self.stores.clone(),
            principal: self.principal.clone(),
            now: self.now,
            grants: self.grants.clone(),
            cache: self.cache.clone(),
        }
    }
}

impl<'a, M: AccessModel, S: Stores> AccessContext<'a, M, S> {
    /// A context for `principal`.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
    /// # use model::Access;
    /// use access_core::{AccessContext, MemoryStore, Principal};
    ///
    /// let store = MemoryStore::new();
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("vic").tenant("acme"));
    /// assert_eq!(&*ctx.principal().id, "vic");
    /// ```
    pub fn new(model: &'a M, stores: &'a S, principal: Principal) -> Self {
        Self::hold(Held::Borrowed(model), Held::Borrowed(stores), principal)
    }

    /// A context that shares the model and the stores through [`Arc`]s instead of borrowing
    /// them: it lives as long as it is needed (`'static`), as a web framework's request
    /// extractor must.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
    /// # use model::Access;
    /// use std::sync::Arc;
    /// use access_core::{AccessContext, MemoryStore, Principal};
    ///
    /// let (model, store) = (Arc::new(Access), Arc::new(MemoryStore::new()));
    /// let ctx: AccessContext<'static, Access, MemoryStore> =
    ///     AccessContext::shared(model, store, Principal::new("vic"));
    /// ```
    pub fn shared(model: Arc<M>, stores: Arc<S>, principal: Principal) -> Self {
        Self::hold(Held::Shared(model), Held::Shared(stores), principal)
    }

    fn hold(model: Held<'a, M>, stores: Held<'a, S>, principal: Principal) -> Self {
        Self {
            model,
            stores,
            principal,
            now: None,
            grants: None,
            cache: None,
        }
    }

    /// Dynamic mode: reads which roles grant each entitlement from `grants` (the tenant's
    /// grants and custom roles) instead of the model's compiled tables.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [manager, viewer] } entitlements { "project:delete" on project => roles [manager] } } }
    /// # use model::Access;
    /// use std::sync::Arc;
    /// use access_core::{AccessContext, AccessModel, Grants, MemoryStore, Principal};
    ///
    /// // Tenant acme lets project viewers delete.
    /// let mut grants = Grants::new(Access.data());
    /// grants.grant(Access.data(), "project:delete", "viewer").unwrap();
    /// let store = MemoryStore::new();
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("vic").tenant("acme"))
    ///     .with_grants(Arc::new(grants));
    /// ```
    #[must_use]
    pub fn with_grants(mut self, grants: Arc<Grants>) -> Self {
        self.grants = Some(grants);
        self
    }

    /// Evaluates as if the time were `now` (plans, periods, time-bound assignments). Defaults
    /// to the clock at each call.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, Stores};
    ///
    /// // What the user could do a day ago.
    /// fn yesterday<'a, M: AccessModel, S: Stores>(ctx: AccessContext<'a, M, S>) -> AccessContext<'a, M, S> {
    ///     ctx.at(access_core::time::now() - 86_400)
    /// }
    /// ```
    #[must_use]
    pub fn at(mut self, now: Timestamp) -> Self {
        // Time-bound assignments make what the cache holds depend on the time: another time
        // gets a fresh cache.
        if self.cache.is_some() && self.now != Some(now) {
            self.cache = Some(Arc::default());
        }
        self.now = Some(now);
        self
    }

    /// The time of evaluation: [`Self::at`]'s, else the clock.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, Stores};
    ///
    /// fn is_replay<M: AccessModel, S: Stores>(ctx: &AccessContext<'_, M, S>) -> bool {
    ///     ctx.now_or_clock() < access_core::time::now()
    /// }
    /// ```
    pub fn now_or_clock(&self) -> Timestamp {
        self.now()
    }

    /// The grants of dynamic mode, if set.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, Stores};
    ///
    /// fn mode<M: AccessModel, S: Stores>(ctx: &AccessContext<'_, M, S>) -> &'static str {
    ///     if ctx.grants().is_some() { "the tenant's grants" } else { "the model's tables" }
    /// }
    /// ```
    pub fn grants(&self) -> Option<&Grants> {
        self.grants.as_deref()
    }

    /// The principal.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, Stores};
    ///
    /// fn audit_line<M: AccessModel, S: Stores>(ctx: &AccessContext<'_, M, S>, what: &str) -> String {
    ///     let p = ctx.principal();
    ///     format!("{} in {:?}: {what}", p.id, p.tenant)
    /// }
    /// ```
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The model.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, Stores};
    ///
    /// fn model_name<M: AccessModel, S: Stores>(ctx: &AccessContext<'_, M, S>) -> String {
    ///     ctx.model().data().name.to_string()
    /// }
    /// ```
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The stores.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, RoleStore, StoreResult, Stores};
    ///
    /// // The same stores, e.g. to count the user's assignments.
    /// async fn assignments<M: AccessModel, S: Stores>(ctx: &AccessContext<'_, M, S>) -> StoreResult<usize> {
    ///     Ok(ctx.stores().assignments(&ctx.principal().id).await?.len())
    /// }
    /// ```
    pub fn stores(&self) -> &S {
        &self.stores
    }

    fn now(&self) -> Timestamp {
        self.now.unwrap_or_else(time::now)
    }

    fn tenant(&self) -> Option<&str> {
        self.principal.tenant.as_deref()
    }
}
