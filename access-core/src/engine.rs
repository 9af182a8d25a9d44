//! The five-layer engine: flags → roles → hierarchy → plan → usage wallet.

use std::cell::RefCell;
use std::sync::Arc;

use access_model::{EdgeData, EntitlementData, EntityData, ModelData, PlanData};

use crate::decision::{
    AuthorizationError, AuthorizationFailure, Decision, GrantOption, GrantPath, GrantStep,
    GrantVia, LimitStatus, Reason, ReasonKind, ReasonMeta,
};
use crate::grants::Grants;
use crate::model::{AccessModel, EntitlementId, LimitId, RoleSet};
use crate::store::{
    Ancestry, Charge, Resource, StoreError, StoreErrorKind, StoreResult, Stores, TenantPlans,
};
use crate::time::{self, Timestamp};

/// Most pairs one `can_all` call takes.
pub const MAX_BATCH: usize = 100;

/// Who is asking.
///
/// # Examples
/// ```
/// use access_core::{AccessContext, MemoryStore, Principal, Resource};
/// # use access_core::{ClosureStore, RoleStore};
/// # access_core::define_access! {
/// #     pub Access;
/// #     entity workspace { roles: [admin, member] }
/// #     entity project {
/// #         roles: [manager, viewer],
/// #         implies: { manager => viewer },
/// #         inherits: { workspace:admin => manager, workspace:member => viewer },
/// #     }
/// #     entitlements {
/// #         "project:read"   on project => roles [viewer],
/// #         "project:delete" on project => roles [manager],
/// #     }
/// # }
/// # fn main() { access_core::block_on_ready(async {
/// # let store = MemoryStore::new();
/// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
/// # let p1 = Resource::new(EntityType::Project, "p1");
/// # store.add_resource(ws1, &[]).await.unwrap();
/// # store.add_resource(p1, &[ws1]).await.unwrap();
/// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
/// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
/// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
/// let vic = Principal::new("vic").tenant("acme");
/// assert_eq!(&*vic.id, "vic");
/// assert_eq!(vic.tenant.as_deref(), Some("acme"));
/// assert!(vic.active && !vic.superuser);
///
/// let ctx = AccessContext::new(&Access, &store, vic.clone());
/// assert!(ctx.can(Entitlement::ProjectRead, p1).await.unwrap());
/// // An inactive user is denied everything, a superuser allowed everything.
/// let ctx = AccessContext::new(&Access, &store, vic.active(false));
/// assert!(!ctx.can(Entitlement::ProjectRead, p1).await.unwrap());
/// let ctx = AccessContext::new(&Access, &store, Principal::new("root").superuser(true));
/// assert!(ctx.can(Entitlement::ProjectDelete, p1).await.unwrap());
/// # }).unwrap(); }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The user's id.
    pub id: Arc<str>,
    /// The tenant the request acts in (flags, plans and wallets are per tenant).
    pub tenant: Option<Arc<str>>,
    /// Global roles (bit `i` = the model's global role `i`).
    pub global_roles: RoleSet,
    /// Superusers pass every check.
    pub superuser: bool,
    /// Inactive users are always denied.
    pub active: bool,
    /// When the user last completed multi-factor authentication.
    pub mfa_verified_at: Option<Timestamp>,
}

impl Principal {
    /// An active, non-superuser user without tenant or global roles.
    ///
    /// # Examples
    /// ```
    /// use access_core::{Principal, RoleSet};
    ///
    /// let p = Principal::new("ann");
    /// assert_eq!(&*p.id, "ann");
    /// assert_eq!(p.tenant, None);
    /// assert_eq!(p.global_roles, RoleSet::EMPTY);
    /// assert!(p.active && !p.superuser);
    /// assert_eq!(p.mfa_verified_at, None);
    /// ```
    pub fn new(id: impl Into<Arc<str>>) -> Self {
        Self {
            id: id.into(),
            tenant: None,
            global_roles: RoleSet::EMPTY,
            superuser: false,
            active: true,
            mfa_verified_at: None,
        }
    }
    /// Sets the tenant.
    ///
    /// # Examples
    /// ```
    /// use access_core::Principal;
    ///
    /// let p = Principal::new("ann").tenant("acme");
    /// assert_eq!(p.tenant.as_deref(), Some("acme"));
    /// ```
    #[must_use]
    pub fn tenant(mut self, tenant: impl Into<Arc<str>>) -> Self {
        self.tenant = Some(tenant.into());
        self
    }
    /// Sets the global roles.
    ///
    /// # Examples
    /// ```
    /// use access_core::{Principal, RoleSet};
    ///
    /// access_core::define_access! {
    ///     pub Access;
    ///     roles: [admin, editor, user],
    ///     entity project { roles: [viewer] }
    ///     entitlements { "project:read" on project => roles [viewer] }
    /// }
    /// # fn main() {
    /// // Bit `i` is global role `i` (schemas check them for CRUD permissions).
    /// let roles = RoleSet::single(Role::Editor.index() as usize);
    /// let p = Principal::new("ann").global_roles(roles);
    /// assert!(p.global_roles.contains(1));
    /// assert!(!p.global_roles.contains(Role::Admin.index() as usize));
    /// # }
    /// ```
    #[must_use]
    pub fn global_roles(mut self, roles: RoleSet) -> Self {
        self.global_roles = roles;
        self
    }
    /// Makes the user a superuser (or not).
    ///
    /// # Examples
    /// ```
    /// use access_core::Principal;
    ///
    /// assert!(Principal::new("root").superuser(true).superuser);
    /// assert!(!Principal::new("ann").superuser);
    /// ```
    #[must_use]
    pub fn superuser(mut self, yes: bool) -> Self {
        self.superuser = yes;
        self
    }
    /// Marks the user active (or not).
    ///
    /// # Examples
    /// ```
    /// use access_core::Principal;
    ///
    /// let suspended = Principal::new("ann").active(false);
    /// assert!(!suspended.active);
    /// assert!(Principal::new("ann").active); // active by default
    /// ```
    #[must_use]
    pub fn active(mut self, yes: bool) -> Self {
        self.active = yes;
        self
    }
    /// Sets the time of the last MFA verification.
    ///
    /// # Examples
    /// ```
    /// use access_core::Principal;
    ///
    /// let now = access_core::time::now();
    /// let p = Principal::new("ann").mfa_verified_at(now - 60);
    /// assert_eq!(p.mfa_verified_at, Some(now - 60));
    /// ```
    #[must_use]
    pub fn mfa_verified_at(mut self, at: Timestamp) -> Self {
        self.mfa_verified_at = Some(at);
        self
    }
}

/// Units consumed by [`AccessContext::can_and_consume`]; give them back with
/// [`AccessContext::unconsume`] when the action fails.
///
/// # Examples
/// ```
/// use access_core::{AccessContext, MemoryStore, Principal, Resource};
/// # use access_core::{ClosureStore, RoleStore};
/// # access_core::define_access! {
/// #     pub Access;
/// #     entity project { roles: [member] }
/// #     entitlements { "ai:generate" on project => roles [member] }
/// #     plans {
/// #         free { group: main, features: ["ai:generate"],
/// #                limits: { ai: "ai:generate" per day max 2 } }
/// #     }
/// #     default_plan: free,
/// # }
/// # fn main() { access_core::block_on_ready(async {
/// # let store = MemoryStore::new();
/// # let p1 = Resource::new(EntityType::Project, "p1");
/// # store.add_resource(p1, &[]).await.unwrap();
/// # store.assign("ann", p1, ProjectRole::Member.index()).await.unwrap();
/// // The free plan allows 2 `ai:generate` a day; ann is a member of p1 in tenant `acme`.
/// const NOW: i64 = 1_750_000_000;
/// let ctx = AccessContext::new(&Access, &store, Principal::new("ann").tenant("acme")).at(NOW);
/// let used = ctx.can_and_consume(Entitlement::AiGenerate, p1).await.unwrap().unwrap();
/// assert_eq!(used.tenant.as_deref(), Some("acme"));
/// assert_eq!(used.charges.len(), 1);
/// assert_eq!(used.charges[0].limit, Limit::Ai.into());
/// assert_eq!(used.charges[0].max, 2);
/// // Give the unit back when the action it paid for fails.
/// ctx.unconsume(used).await.unwrap();
/// # }).unwrap(); }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "keep it to give the unit back with `unconsume` if the action fails"]
pub struct Consumption {
    /// The tenant charged (`None` when nothing was charged).
    pub tenant: Option<Arc<str>>,
    /// The counters charged.
    pub charges: Vec<Charge>,
}

/// Evaluates requests for one principal against a model and stores.
///
/// # Examples
/// ```
/// use access_core::{AccessContext, DynamicModel, MemoryStore, Principal, Resource, ClosureStore, RoleStore};
/// use access_core::model_builder::ModelBuilder;
/// # access_core::block_on_ready(async {
/// let model = DynamicModel::build(
///     ModelBuilder::new("Access")
///         .entity("project", ["viewer"])
///         .entitlement("project:read", "project", ["viewer"], [])
///         .spec(),
/// ).unwrap();
/// let project = model.entity_type("project").unwrap();
/// let read = model.entitlement("project:read").unwrap();
/// let store = MemoryStore::new();
/// store.add_resource(Resource::new(project, "p1"), &[]).await.unwrap();
/// store.assign("ann", Resource::new(project, "p1"), 0).await.unwrap();
/// let ctx = AccessContext::new(&model, &store, Principal::new("ann"));
/// assert!(ctx.can(read, Resource::new(project, "p1")).await.unwrap());
/// assert!(!ctx.can(read, Resource::new(project, "p2")).await.unwrap());
/// # }).unwrap();
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

/// Store reads remembered for the life of one context (one request): ancestries, the tenant's
/// flags and plans. Usage counters are never cached (they must be exact).
#[derive(Debug, Default)]
struct RequestCache {
    ancestries: std::sync::Mutex<Vec<(crate::store::ResourceRef, Ancestry)>>,
    flags: std::sync::Mutex<Option<RoleSet>>,
    plans: std::sync::Mutex<Option<TenantPlans>>,
}

/// Most ancestries one context remembers.
const CACHED_ANCESTRIES: usize = 256;

#[derive(Debug, Default)]
struct Scratch {
    ancestry: Ancestry,
    eff: Vec<RoleSet>,
}

thread_local! {
    // Boxed on purpose (clippy's `vec_box` assumes the boxes are never moved out): taking and
    // giving back a buffer set moves one pointer instead of the whole struct.
    #[allow(clippy::vec_box)]
    static POOL: RefCell<Vec<Box<Scratch>>> = const { RefCell::new(Vec::new()) };
}

/// Buffers for one evaluation, boxed so taking and giving them back moves one pointer.
fn take_scratch() -> Box<Scratch> {
    POOL.with(|p| p.borrow_mut().pop()).unwrap_or_default()
}

fn give_scratch(s: Box<Scratch>) {
    POOL.with(|p| {
        let mut p = p.borrow_mut();
        if p.len() < 8 {
            p.push(s);
        }
    });
}

/// `implies` closure of a role set on an entity type. Roles past the model's (custom roles of
/// dynamic mode) are kept as they are.
#[inline]
fn closure(entity: &EntityData, roles: RoleSet) -> RoleSet {
    let n = entity.implies.len();
    let mut out = if n >= 64 {
        RoleSet::EMPTY
    } else {
        RoleSet(roles.0 & !((1u64 << n) - 1))
    };
    for r in roles.iter() {
        if let Some(c) = entity.implies.get(r) {
            out = out.union(*c);
        }
    }
    out
}

/// Child roles given by parent roles through an edge.
#[inline]
fn carry(edge: &EdgeData, parent_roles: RoleSet) -> RoleSet {
    let mut out = RoleSet::EMPTY;
    for r in parent_roles.iter() {
        if let Some(c) = edge.map.get(r) {
            out = out.union(*c);
        }
    }
    out
}

/// Parent roles whose carried roles meet `needed`.
fn preimage(edge: &EdgeData, needed: RoleSet) -> RoleSet {
    let mut out = RoleSet::EMPTY;
    for (q, c) in edge.map.iter().enumerate() {
        if c.intersects(needed) {
            out.insert(q);
        }
    }
    out
}

fn bad_ancestry(msg: &str) -> StoreError {
    StoreError::new(StoreErrorKind::InvalidAncestry, msg)
}

/// Effective roles of every node of the ancestry, parents first (they have larger indices).
fn effective(data: &ModelData, a: &Ancestry, eff: &mut Vec<RoleSet>) -> StoreResult<RoleSet> {
    let n = a.nodes.len();
    eff.clear();
    eff.resize(n, RoleSet::EMPTY);
    for i in (0..n).rev() {
        let node = &a.nodes[i];
        let ty = node.ty.0;
        let Some(entity) = data.entities.get(ty as usize) else {
            continue;
        };
        let mut e = closure(entity, node.roles);
        for &p in a.parents_of(i) {
            let p = p as usize;
            if p <= i || p >= n {
                return Err(bad_ancestry("ancestry is not in topological order"));
            }
            if let Some(edge) = data.edge(a.nodes[p].ty.0, ty) {
                e = e.union(carry(edge, eff[p]));
            }
        }
        eff[i] = e;
    }
    Ok(eff.first().copied().unwrap_or_default())
}

fn role_name(data: &ModelData, grants: Option<&Grants>, ty: u16, role: usize) -> String {
    match grants {
        Some(g) => g.role_name(data, ty, role).map(str::to_owned),
        None => data
            .entities
            .get(ty as usize)
            .and_then(|e| e.roles.get(role))
            .map(|r| r.to_string()),
    }
    .unwrap_or_else(|| format!("#{role}"))
}

fn role_names(data: &ModelData, grants: Option<&Grants>, ty: u16, set: RoleSet) -> Vec<String> {
    set.iter().map(|r| role_name(data, grants, ty, r)).collect()
}

fn entity_name(data: &ModelData, ty: u16) -> String {
    data.entities
        .get(ty as usize)
        .map_or_else(|| format!("#{ty}"), |e| e.name.to_string())
}

/// A plan active for the tenant, with the anchor of its periods.
#[derive(Clone, Copy, Debug)]
struct ActivePlan {
    plan: u16,
    anchor: Timestamp,
    base: bool,
}

/// The tenant's active plans at `now`: valid base plans (the default plan for a group that has
/// none), then add-ons valid on them.
fn active_plans(data: &ModelData, plans: &TenantPlans, now: Timestamp) -> Vec<ActivePlan> {
    let mut out: Vec<ActivePlan> = Vec::new();
    let mut groups: Vec<u16> = Vec::new();
    for s in &plans.base {
        let Some(p) = data.plans.get(s.plan.0 as usize) else {
            continue;
        };
        let Some(g) = p.group else { continue };
        if s.active_at(now) && !groups.contains(&g) {
            groups.push(g);
            out.push(ActivePlan {
                plan: s.plan.0,
                anchor: s.started_at,
                base: true,
            });
        }
    }
    if let Some(d) = data.default_plan
        && let Some(g) = data.plans.get(d as usize).and_then(|p| p.group)
        && !groups.contains(&g)
    {
        out.push(ActivePlan {
            plan: d,
            anchor: 0,
            base: true,
        });
    }
    for s in &plans.add_ons {
        let Some(p) = data.plans.get(s.plan.0 as usize) else {
            continue;
        };
        let on_base =
            p.requires.is_empty() || out.iter().any(|b| b.base && p.requires.contains(&b.plan));
        if p.add_on && s.active_at(now) && on_base {
            out.push(ActivePlan {
                plan: s.plan.0,
                anchor: s.started_at,
                base: false,
            });
        }
    }
    out
}

fn plan(data: &ModelData, i: u16) -> Option<&PlanData> {
    data.plans.get(i as usize)
}

/// The max of `limit` for entitlement `ei` on the active plans, and the anchor of its periods.
/// A `None` max is unlimited: an active plan includes the entitlement without setting the limit.
/// `None` overall: no active plan is concerned (the plan layer decides).
fn limit_max(
    data: &ModelData,
    active: &[ActivePlan],
    overrides: &[(LimitId, u64)],
    ei: usize,
    limit: u16,
) -> Option<(Option<u64>, Timestamp)> {
    let mut max: Option<u64> = Some(0);
    // The period is anchored at one of the plans that count: a base plan before an add-on, then
    // the earliest start, then the first plan of the model, whatever order the store returned
    // them in (every store must agree on the wallet's period).
    let mut anchor: Option<(bool, Timestamp, u16)> = None;
    for a in active {
        let Some(p) = plan(data, a.plan) else {
            continue;
        };
        match p.limit_max(limit) {
            Some(m) => max = max.map(|x| x.saturating_add(m)),
            None if p.includes(ei) => max = None,
            None => continue,
        }
        let key = (!a.base, a.anchor, a.plan);
        if anchor.is_none_or(|k| key < k) {
            anchor = Some(key);
        }
    }
    let (_, anchor, _) = anchor?;
    if let Some((_, o)) = overrides.iter().find(|(l, _)| l.0 == limit) {
        max = max.map(|m| m.max(*o));
    }
    Some((max, anchor))
}

impl<'a, M: AccessModel, S: Stores> AccessContext<'a, M, S> {
    /// A context for `principal`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// assert!(ctx.can(Entitlement::ProjectRead, p1).await.unwrap());
    /// assert_eq!(&*ctx.principal().id, "vic");
    /// # }).unwrap(); }
    /// ```
    pub fn new(model: &'a M, stores: &'a S, principal: Principal) -> Self {
        Self {
            model: Held::Borrowed(model),
            stores: Held::Borrowed(stores),
            principal,
            now: None,
            grants: None,
            cache: None,
        }
    }

    /// A context that shares the model and the stores through [`Arc`]s instead of borrowing
    /// them: it lives as long as it is needed (`'static`), as a web framework's request
    /// extractor must.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use access_core::{AccessContext, MemoryStore, Principal};
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
    /// # use model::Access;
    /// let ctx: AccessContext<'static, Access, MemoryStore> =
    ///     AccessContext::shared(Arc::new(Access), Arc::new(MemoryStore::new()), Principal::new("vic"));
    /// ```
    pub fn shared(model: Arc<M>, stores: Arc<S>, principal: Principal) -> Self {
        Self {
            model: Held::Shared(model),
            stores: Held::Shared(stores),
            principal,
            now: None,
            grants: None,
            cache: None,
        }
    }

    /// Remembers store reads (ancestries, the tenant's flags and plans) for the life of this
    /// context and its clones, so repeated checks in one request read the database once. Usage
    /// counters are always read fresh. For database stores; the in-memory store gains nothing.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// // One context per request: the second check reads the ancestry from the cache.
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("ada")).with_cache();
    /// assert!(ctx.can(Entitlement::ProjectRead, p1).await.unwrap());
    /// assert!(ctx.can(Entitlement::ProjectDelete, p1).await.unwrap());
    /// # }).unwrap(); }
    /// ```
    #[must_use]
    pub fn with_cache(mut self) -> Self {
        self.cache = Some(Arc::default());
        self
    }

    async fn fetch_ancestry(&self, resource: Resource<'_>, out: &mut Ancestry) -> StoreResult<()> {
        let Some(c) = &self.cache else {
            return self
                .stores
                .ancestry(&self.principal.id, resource, out)
                .await;
        };
        if let Ok(list) = c.ancestries.lock()
            && let Some((_, a)) = list
                .iter()
                .find(|(r, _)| r.ty == resource.ty && &*r.id == resource.id)
        {
            out.clone_from(a);
            return Ok(());
        }
        out.want_ids = true;
        self.stores
            .ancestry(&self.principal.id, resource, out)
            .await?;
        if let Ok(mut list) = c.ancestries.lock()
            && list.len() < CACHED_ANCESTRIES
        {
            list.push((resource.to_owned(), out.clone()));
        }
        Ok(())
    }

    async fn cached_flags(&self, tenant: &str) -> StoreResult<RoleSet> {
        if let Some(c) = &self.cache
            && let Ok(f) = c.flags.lock()
            && let Some(f) = *f
        {
            return Ok(f);
        }
        let f = self.stores.tenant_flags(tenant).await?;
        if let Some(c) = &self.cache
            && let Ok(mut slot) = c.flags.lock()
        {
            *slot = Some(f);
        }
        Ok(f)
    }

    async fn cached_plans(&self, tenant: &str) -> StoreResult<TenantPlans> {
        if let Some(c) = &self.cache
            && let Ok(p) = c.plans.lock()
            && let Some(p) = p.as_ref()
        {
            return Ok(p.clone());
        }
        let p = self.stores.tenant_plans(tenant).await?;
        if let Some(c) = &self.cache
            && let Ok(mut slot) = c.plans.lock()
        {
            *slot = Some(p.clone());
        }
        Ok(p)
    }

    /// Dynamic mode: reads which roles grant each entitlement from `grants` (the tenant's
    /// grants and custom roles) instead of the model's compiled tables.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// use access_core::{AccessModel, Grants};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let vic = AccessContext::new(&Access, &store, Principal::new("vic").tenant("acme"));
    /// assert!(!vic.can(Entitlement::ProjectDelete, p1).await.unwrap());
    ///
    /// // Tenant acme lets project viewers delete.
    /// let mut grants = Grants::new(Access.data());
    /// grants.grant(Access.data(), "project:delete", "viewer").unwrap();
    /// let vic = vic.with_grants(Arc::new(grants));
    /// assert!(vic.can(Entitlement::ProjectDelete, p1).await.unwrap());
    /// # }).unwrap(); }
    /// ```
    #[must_use]
    pub fn with_grants(mut self, grants: Arc<Grants>) -> Self {
        self.grants = Some(grants);
        self
    }

    /// The time of evaluation: [`Self::at`]'s, else the clock.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// let before = access_core::time::now();
    /// assert!(ctx.now_or_clock() >= before);
    /// assert_eq!(ctx.at(1_000).now_or_clock(), 1_000);
    /// # }).unwrap(); }
    /// ```
    pub fn now_or_clock(&self) -> Timestamp {
        self.now()
    }

    /// The grants of dynamic mode, if set.
    ///
    /// # Examples
    /// ```
    /// use std::sync::Arc;
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// use access_core::{AccessModel, Grants};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// assert!(ctx.grants().is_none()); // static mode
    ///
    /// let grants = Arc::new(Grants::new(Access.data()));
    /// let ctx = ctx.with_grants(grants.clone());
    /// assert_eq!(ctx.grants(), Some(&*grants));
    /// # }).unwrap(); }
    /// ```
    pub fn grants(&self) -> Option<&Grants> {
        self.grants.as_deref()
    }

    /// The roles that grant entitlement `ei`: the model's table, or the dynamic grants.
    #[inline]
    fn granting(&self, ei: usize, ent: &EntitlementData) -> RoleSet {
        match &self.grants {
            None => ent.granting,
            Some(g) => g
                .granting(EntitlementId(ei as u16))
                .unwrap_or(RoleSet::EMPTY),
        }
    }

    /// The roles entitlement `ei` is given to directly.
    fn listed(&self, ei: usize, ent: &EntitlementData) -> RoleSet {
        match &self.grants {
            None => ent.roles,
            Some(g) => g.listed(EntitlementId(ei as u16)).unwrap_or(RoleSet::EMPTY),
        }
    }

    /// Evaluates as if the time were `now` (plans, periods). Defaults to the clock at each call.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// // tom is a viewer of p1 for one day only.
    /// const T: i64 = 1_750_000_000;
    /// let viewer = ProjectRole::Viewer.index();
    /// store.assign_during("tom", p1, viewer, Some(T), Some(T + 86_400)).await.unwrap();
    /// let tom = AccessContext::new(&Access, &store, Principal::new("tom"));
    /// assert!(tom.clone().at(T + 3_600).can(Entitlement::ProjectRead, p1).await.unwrap());
    /// assert!(!tom.clone().at(T + 86_400).can(Entitlement::ProjectRead, p1).await.unwrap());
    /// assert!(!tom.at(T - 1).can(Entitlement::ProjectRead, p1).await.unwrap());
    /// # }).unwrap(); }
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

    /// The principal.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("vic").tenant("acme"));
    /// assert_eq!(ctx.principal(), &Principal::new("vic").tenant("acme"));
    /// # }).unwrap(); }
    /// ```
    pub fn principal(&self) -> &Principal {
        &self.principal
    }

    /// The model.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// use access_core::AccessModel;
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// assert_eq!(&*ctx.model().data().name, "Access");
    /// # }).unwrap(); }
    /// ```
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The stores.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// // The same stores, e.g. to read a user's assignments.
    /// let assignments = ctx.stores().assignments("vic").await.unwrap();
    /// assert_eq!(assignments.len(), 1);
    /// assert!(std::ptr::eq(ctx.stores(), &store));
    /// # }).unwrap(); }
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

    /// Whether the principal may exercise `entitlement` on `resource`. Stops at the first
    /// failing layer.
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let ada = AccessContext::new(&Access, &store, Principal::new("ada"));
    /// // admin of ws1 ⇒ manager of p1 → viewer of p1
    /// assert!(ada.can(Entitlement::ProjectDelete, p1).await.unwrap());
    /// assert!(ada.can(Entitlement::ProjectRead, p1).await.unwrap());
    ///
    /// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// assert!(vic.can(Entitlement::ProjectRead, p1).await.unwrap());
    /// assert!(!vic.can(Entitlement::ProjectDelete, p1).await.unwrap());
    /// // Checked on the wrong entity type: denied.
    /// assert!(!ada.can(Entitlement::ProjectRead, ws1).await.unwrap());
    /// # }).unwrap(); }
    /// ```
    pub async fn can(
        &self,
        entitlement: M::Entitlement,
        resource: Resource<'_>,
    ) -> StoreResult<bool> {
        self.can_id(entitlement.into(), resource).await
    }

    /// [`Self::can`] by entitlement index, for code that holds ids rather than the model's
    /// enum (schemas, dynamic models). An index outside the model is denied.
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// use access_core::EntitlementId;
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// let read = EntitlementId::from(Entitlement::ProjectRead);
    /// assert!(vic.can_id(read, p1).await.unwrap());
    /// assert!(!vic.can_id(EntitlementId(99), p1).await.unwrap()); // not in the model
    /// # }).unwrap(); }
    /// ```
    pub async fn can_id(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<bool> {
        let stopped = self.can_layers(entitlement, resource).await?;
        self.log(entitlement, resource, stopped);
        Ok(stopped.is_none())
    }

    /// Decision logging: a denial is an `INFO` event, an allowed request a `DEBUG` event, both
    /// with target `access::decision` (enable all decisions with
    /// `RUST_LOG=access::decision=debug`).
    #[inline]
    fn log(&self, entitlement: EntitlementId, resource: Resource<'_>, stopped: Option<&str>) {
        match stopped {
            Some(layer) => tracing::info!(
                target: "access::decision",
                user = %self.principal.id,
                tenant = self.principal.tenant.as_deref(),
                entitlement = self.entitlement_name(entitlement),
                resource_type = self.entity_type_name(resource.ty.0),
                resource_id = resource.id,
                decision = "deny",
                reasons = layer,
            ),
            None => tracing::debug!(
                target: "access::decision",
                user = %self.principal.id,
                tenant = self.principal.tenant.as_deref(),
                entitlement = self.entitlement_name(entitlement),
                resource_type = self.entity_type_name(resource.ty.0),
                resource_id = resource.id,
                decision = "allow",
            ),
        }
    }

    fn entitlement_name(&self, e: EntitlementId) -> &str {
        self.model
            .data()
            .entitlements
            .get(e.0 as usize)
            .map_or("?", |e| &e.name)
    }

    fn entity_type_name(&self, ty: u16) -> &str {
        self.model
            .data()
            .entities
            .get(ty as usize)
            .map_or("?", |e| &e.name)
    }

    /// The layers of `can`: `None` when allowed, else the layer that stopped it.
    async fn can_layers(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<Option<&'static str>> {
        let p = &self.principal;
        if !p.active {
            return Ok(Some("inactive_user"));
        }
        if p.superuser {
            return Ok(None);
        }
        let data = self.model.data();
        let ei = entitlement.0 as usize;
        let Some(ent) = data.entitlements.get(ei) else {
            return Ok(Some("wrong_resource_type"));
        };
        if resource.ty.0 != ent.entity {
            return Ok(Some("wrong_resource_type"));
        }
        if let Some(layer) = self.flags_and_roles(ei, ent, resource).await? {
            return Ok(Some(layer));
        }
        // 4 + 5. plan and wallet
        self.plan_and_wallet_ok(data, ei, ent).await
    }

    /// Layers 1–3 (flags, roles on the resource and through its ancestry), shared by `can` and
    /// `can_and_consume` so both deny for the same first reason.
    async fn flags_and_roles(
        &self,
        ei: usize,
        ent: &EntitlementData,
        resource: Resource<'_>,
    ) -> StoreResult<Option<&'static str>> {
        let data = self.model.data();
        // 1. flags
        if !ent.flags.is_empty() {
            let Some(t) = self.tenant() else {
                return Ok(Some("flag_disabled"));
            };
            let on = self.cached_flags(t).await?;
            if on.intersection(ent.flags) != ent.flags {
                return Ok(Some("flag_disabled"));
            }
        }
        // 2 + 3. roles on the resource and through its ancestry
        let mut s = take_scratch();
        s.ancestry.want_ids = false;
        s.ancestry.at = self.now;
        let fetched = self.fetch_ancestry(resource, &mut s.ancestry).await;
        let eff = fetched.and_then(|()| effective(data, &s.ancestry, &mut s.eff));
        give_scratch(s);
        if !eff?.intersects(self.granting(ei, ent)) {
            return Ok(Some("role_required"));
        }
        Ok(None)
    }

    async fn plan_and_wallet_ok(
        &self,
        data: &ModelData,
        ei: usize,
        ent: &EntitlementData,
    ) -> StoreResult<Option<&'static str>> {
        let charges = match self.plan_and_charges(data, ei, ent).await? {
            Ok(charges) => charges,
            Err(layer) => return Ok(Some(layer)),
        };
        if charges.is_empty() {
            return Ok(None);
        }
        let Some(t) = self.tenant() else {
            return Ok(Some("tenant_required"));
        };
        for c in &charges {
            if self.stores.used(t, c.limit, c.period_start).await? >= c.max {
                return Ok(Some("limit_reached"));
            }
        }
        Ok(None)
    }

    /// The tenant's plans; the model's default plans without a tenant.
    async fn plans_or_default(&self) -> StoreResult<TenantPlans> {
        match self.tenant() {
            Some(t) => self.cached_plans(t).await,
            None => Ok(TenantPlans::default()),
        }
    }

    /// Layer 4 (`plan_required`), then what layer 5 counts: one charge per limit of the
    /// entitlement that has a max on the active plans (none when unlimited). Shared by `can`,
    /// which compares the counters, and `can_and_consume`, which takes a unit of each.
    async fn plan_and_charges(
        &self,
        data: &ModelData,
        ei: usize,
        ent: &EntitlementData,
    ) -> StoreResult<Result<Vec<Charge>, &'static str>> {
        if !ent.plan_gated && ent.limits.is_empty() {
            return Ok(Ok(Vec::new()));
        }
        let now = self.now();
        let plans = self.plans_or_default().await?;
        let active = active_plans(data, &plans, now);
        if ent.plan_gated && !active.iter().any(|a| plan_includes(data, a.plan, ei)) {
            return Ok(Err("plan_required"));
        }
        let mut charges = Vec::new();
        for &l in ent.limits.iter() {
            let Some((Some(max), anchor)) = limit_max(data, &active, &plans.overrides, ei, l)
            else {
                continue;
            };
            let Some(limit) = data.limits.get(l as usize) else {
                continue;
            };
            charges.push(Charge {
                limit: LimitId(l),
                period_start: time::period_start(limit.period, anchor, now),
                max,
            });
        }
        Ok(Ok(charges))
    }

    /// Evaluates every layer and returns every reason, with meta, and the grant path when
    /// allowed.
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// use access_core::ReasonKind;
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let ada = AccessContext::new(&Access, &store, Principal::new("ada"));
    /// let d = ada.check(Entitlement::ProjectDelete, p1).await.unwrap();
    /// assert!(d.allowed);
    /// let path = d.grant.unwrap().to_string();
    /// assert_eq!(path, "workspace:admin on ws1 → project:manager on p1");
    ///
    /// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// let d = vic.check(Entitlement::ProjectDelete, p1).await.unwrap();
    /// assert!(!d.allowed);
    /// assert_eq!(d.reasons.len(), 1);
    /// assert_eq!(d.reasons[0].kind, ReasonKind::HierarchyDenied);
    /// assert_eq!(
    ///     d.reasons[0].message,
    ///     "`project:delete` needs the role `manager` on project:p1, or `admin` on workspace:ws1"
    /// );
    /// # }).unwrap(); }
    /// ```
    pub async fn check(
        &self,
        entitlement: M::Entitlement,
        resource: Resource<'_>,
    ) -> StoreResult<Decision> {
        self.check_id(entitlement.into(), resource).await
    }

    /// [`Self::check`] by entitlement index (generated guards, dynamic models).
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// use access_core::{EntitlementId, ReasonKind};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// let d = vic.check_id(Entitlement::ProjectRead.into(), p1).await.unwrap();
    /// assert!(d.allowed);
    ///
    /// let d = vic.check_id(EntitlementId(99), p1).await.unwrap();
    /// assert!(!d.allowed);
    /// assert_eq!(d.entitlement, "#99");
    /// assert_eq!(d.reasons[0].kind, ReasonKind::WrongResourceType);
    /// # }).unwrap(); }
    /// ```
    pub async fn check_id(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<Decision> {
        let data = self.model.data();
        let ei = entitlement.0 as usize;
        let name = data
            .entitlements
            .get(ei)
            .map_or_else(|| format!("#{ei}"), |e| e.name.to_string());
        let mut d = Decision {
            allowed: false,
            entitlement: name,
            reasons: Vec::new(),
            grant: None,
            limits: Vec::new(),
        };
        let p = &self.principal;
        let reason = |kind, message: String, meta| Reason {
            kind,
            message,
            meta,
        };
        if !p.active {
            d.reasons.push(reason(
                ReasonKind::InactiveUser,
                "the user account is inactive".into(),
                ReasonMeta::None,
            ));
            self.log_decision(entitlement, resource, &d);
            return Ok(d);
        }
        if p.superuser {
            d.allowed = true;
            d.grant = Some(GrantPath {
                superuser: true,
                steps: Vec::new(),
            });
            self.log_decision(entitlement, resource, &d);
            return Ok(d);
        }
        let Some(ent) = data.entitlements.get(ei) else {
            d.reasons.push(reason(
                ReasonKind::WrongResourceType,
                "the entitlement is not part of this model".into(),
                ReasonMeta::None,
            ));
            self.log_decision(entitlement, resource, &d);
            return Ok(d);
        };
        let ent_entity = data.entities.get(ent.entity as usize);
        if resource.ty.0 != ent.entity {
            let expected = entity_name(data, ent.entity);
            let got = entity_name(data, resource.ty.0);
            d.reasons.push(reason(
                ReasonKind::WrongResourceType,
                format!(
                    "`{}` is checked on a `{expected}`, not a `{got}`",
                    d.entitlement
                ),
                ReasonMeta::ResourceType { expected, got },
            ));
            self.log_decision(entitlement, resource, &d);
            return Ok(d);
        }
        let tenant = self.tenant();
        let now = self.now();
        // 1. flags
        if !ent.flags.is_empty() {
            let on = match tenant {
                Some(t) => self.cached_flags(t).await?,
                None => RoleSet::EMPTY,
            };
            let off = RoleSet(ent.flags.0 & !on.0);
            if !off.is_empty() {
                let flags: Vec<String> = off
                    .iter()
                    .filter_map(|f| data.flags.get(f).map(|s| s.to_string()))
                    .collect();
                d.reasons.push(reason(
                    ReasonKind::FlagDisabled,
                    format!("the feature flag {} is off", backticked(&flags)),
                    ReasonMeta::Flags { flags },
                ));
            }
        }
        // 2 + 3. roles and hierarchy
        let mut s = take_scratch();
        s.ancestry.want_ids = true;
        s.ancestry.at = self.now;
        let fetched = self.fetch_ancestry(resource, &mut s.ancestry).await;
        let result = fetched.and_then(|()| effective(data, &s.ancestry, &mut s.eff));
        let roles_outcome = result.map(|eff| {
            if let Some(entity) = ent_entity {
                let grants = self.grants.as_deref();
                let listed = self.listed(ei, ent);
                if eff.intersects(self.granting(ei, ent)) {
                    Ok(grant_path(data, grants, &s.ancestry, &s.eff, listed))
                } else {
                    let needed = (self.granting(ei, ent), listed);
                    let tenant = self.principal.tenant.as_deref();
                    Err(role_reason(
                        data,
                        grants,
                        entity,
                        ent,
                        needed,
                        &s.ancestry,
                        tenant,
                    ))
                }
            } else {
                Err(reason(
                    ReasonKind::WrongResourceType,
                    "the entitlement's entity type is not part of this model".into(),
                    ReasonMeta::None,
                ))
            }
        });
        give_scratch(s);
        let grant = match roles_outcome? {
            Ok(g) => Some(g),
            Err(r) => {
                d.reasons.push(r);
                None
            }
        };
        // 4 + 5. plan and wallet
        if ent.plan_gated || !ent.limits.is_empty() {
            let plans = self.plans_or_default().await?;
            let active = active_plans(data, &plans, now);
            if ent.plan_gated && !active.iter().any(|a| plan_includes(data, a.plan, ei)) {
                let plans: Vec<String> = ent
                    .plans
                    .iter()
                    .filter_map(|&i| plan(data, i).map(|p| p.name.to_string()))
                    .collect();
                let current: Vec<String> = active
                    .iter()
                    .filter_map(|a| plan(data, a.plan).map(|p| p.name.to_string()))
                    .collect();
                d.reasons.push(reason(
                    ReasonKind::PlanRequired,
                    format!(
                        "`{}` is included in {}, not in the current plan",
                        d.entitlement,
                        backticked(&plans)
                    ),
                    ReasonMeta::Plans { plans, current },
                ));
            }
            for &l in ent.limits.iter() {
                let Some(limit) = data.limits.get(l as usize) else {
                    continue;
                };
                let Some((max, anchor)) = limit_max(data, &active, &plans.overrides, ei, l) else {
                    continue;
                };
                let start = time::period_start(limit.period, anchor, now);
                let end = time::period_end(limit.period, anchor, start);
                let used = match tenant {
                    Some(t) => self.stores.used(t, LimitId(l), start).await?,
                    None => 0,
                };
                if max.is_some() && tenant.is_none() {
                    d.reasons.push(reason(
                        ReasonKind::TenantRequired,
                        format!(
                            "limit `{}` is counted per tenant and the request has none",
                            limit.name
                        ),
                        ReasonMeta::None,
                    ));
                } else if let Some(m) = max
                    && used >= m
                {
                    d.reasons.push(reason(
                        ReasonKind::LimitReached,
                        format!(
                            "limit `{}` is used up for this {} ({used} of {m})",
                            limit.name,
                            limit.period.as_str()
                        ),
                        ReasonMeta::Limit {
                            limit: limit.name.to_string(),
                            max: m,
                            used,
                            remaining: 0,
                            resets_at: end,
                        },
                    ));
                }
                d.limits.push(LimitStatus {
                    limit: limit.name.to_string(),
                    max,
                    used,
                    remaining: max.map(|m| m.saturating_sub(used)),
                    period_start: start,
                    resets_at: end,
                });
            }
        }
        d.reasons.sort_by_key(|r| r.kind);
        d.allowed = d.reasons.is_empty();
        if d.allowed {
            d.grant = grant;
        }
        self.log_decision(entitlement, resource, &d);
        Ok(d)
    }

    fn log_decision(&self, entitlement: EntitlementId, resource: Resource<'_>, d: &Decision) {
        if d.allowed {
            self.log(entitlement, resource, None);
        } else if tracing::enabled!(target: "access::decision", tracing::Level::INFO) {
            let kinds: Vec<&str> = d.reasons.iter().map(|r| r.kind.as_str()).collect();
            let messages: Vec<&str> = d.reasons.iter().map(|r| r.message.as_str()).collect();
            tracing::info!(
                target: "access::decision",
                user = %self.principal.id,
                tenant = self.principal.tenant.as_deref(),
                entitlement = d.entitlement.as_str(),
                resource_type = self.entity_type_name(resource.ty.0),
                resource_id = resource.id,
                decision = "deny",
                reasons = kinds.join(",").as_str(),
                messages = ?messages,
            );
        }
    }

    /// Like [`AccessContext::check`], as a `Result`.
    ///
    /// # Errors
    /// [`AuthorizationError`] with every reason, or the store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let ada = AccessContext::new(&Access, &store, Principal::new("ada"));
    /// assert_eq!(ada.authorize(Entitlement::ProjectDelete, p1).await, Ok(()));
    ///
    /// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// let err = vic.authorize(Entitlement::ProjectDelete, p1).await.unwrap_err();
    /// assert_eq!(err.user_id, "vic");
    /// assert_eq!(err.reasons().len(), 1);
    /// # }).unwrap(); }
    /// ```
    pub async fn authorize(
        &self,
        entitlement: M::Entitlement,
        resource: Resource<'_>,
    ) -> Result<(), AuthorizationError> {
        let err = |reason| AuthorizationError {
            entitlement: self
                .model
                .data()
                .entitlements
                .get(entitlement.into().0 as usize)
                .map_or_else(String::new, |e| e.name.to_string()),
            user_id: self.principal.id.to_string(),
            reason,
        };
        match self.check(entitlement, resource).await {
            Ok(d) if d.allowed => Ok(()),
            Ok(d) => Err(err(AuthorizationFailure::Denied(d.reasons))),
            Err(e) => Err(err(AuthorizationFailure::Store(e))),
        }
    }

    /// [`Self::authorize`] for an entitlement given as a type; the `Ok` value is the proof
    /// ([`crate::Granted`]) that data-changing functions can ask for.
    ///
    /// # Errors
    /// [`AuthorizationError`] with every reason, or the store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// use access_core::Granted;
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// fn delete_project(_proof: Granted<entitlement::ProjectDelete>) -> bool {
    ///     true
    /// }
    ///
    /// let ada = AccessContext::new(&Access, &store, Principal::new("ada"));
    /// let proof = ada.authorize_as::<entitlement::ProjectDelete>(p1).await.unwrap();
    /// assert!(delete_project(proof));
    ///
    /// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// let err = vic.authorize_as::<entitlement::ProjectDelete>(p1).await.unwrap_err();
    /// assert_eq!(err.entitlement, "project:delete");
    /// # }).unwrap(); }
    /// ```
    pub async fn authorize_as<E>(
        &self,
        resource: Resource<'_>,
    ) -> Result<crate::Granted<E>, AuthorizationError>
    where
        E: crate::EntitlementMarker<Model = M>,
    {
        let err = |reason| AuthorizationError {
            entitlement: E::NAME.to_owned(),
            user_id: self.principal.id.to_string(),
            reason,
        };
        match self.check_id(E::id(), resource).await {
            Ok(d) if d.allowed => Ok(crate::Granted::issue()),
            Ok(d) => Err(err(AuthorizationFailure::Denied(d.reasons))),
            Err(e) => Err(err(AuthorizationFailure::Store(e))),
        }
    }

    /// [`Self::can_and_consume`] for an entitlement given as a type: the proof and the units
    /// consumed, or `None` when denied.
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity project { roles: [member] }
    /// #     entitlements { "ai:generate" on project => roles [member] }
    /// #     plans {
    /// #         free { group: main, features: ["ai:generate"],
    /// #                limits: { ai: "ai:generate" per day max 2 } }
    /// #     }
    /// #     default_plan: free,
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(p1, &[]).await.unwrap();
    /// # store.assign("ann", p1, ProjectRole::Member.index()).await.unwrap();
    /// // The free plan allows 2 `ai:generate` a day; ann is a member of p1 in tenant `acme`.
    /// const NOW: i64 = 1_750_000_000;
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("ann").tenant("acme")).at(NOW);
    /// for _ in 0..2 {
    ///     let granted = ctx.consume_as::<entitlement::AiGenerate>(p1).await.unwrap();
    ///     let (proof, used) = granted.unwrap();
    ///     assert_eq!(proof.entitlement(), "ai:generate");
    ///     assert_eq!(used.charges.len(), 1);
    /// }
    /// // The daily limit is used up: no proof.
    /// assert!(ctx.consume_as::<entitlement::AiGenerate>(p1).await.unwrap().is_none());
    /// # }).unwrap(); }
    /// ```
    pub async fn consume_as<E>(
        &self,
        resource: Resource<'_>,
    ) -> StoreResult<Option<(crate::Granted<E>, Consumption)>>
    where
        E: crate::EntitlementMarker<Model = M>,
    {
        Ok(self
            .can_and_consume_id(E::id(), resource)
            .await?
            .map(|c| (crate::Granted::issue(), c)))
    }

    /// [`AccessContext::can`] for up to [`MAX_BATCH`] pairs, with batched store calls: one
    /// ancestry fetch for all resources, one flag fetch, one plan fetch, and one usage read per
    /// distinct counter.
    ///
    /// # Errors
    /// More than [`MAX_BATCH`] pairs, or a store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// use access_core::{MAX_BATCH, StoreErrorKind};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// let answers = vic
    ///     .can_all(&[(Entitlement::ProjectRead, p1), (Entitlement::ProjectDelete, p1)])
    ///     .await
    ///     .unwrap();
    /// assert_eq!(answers, [true, false]);
    ///
    /// let too_many = vec![(Entitlement::ProjectRead, p1); MAX_BATCH + 1];
    /// let err = vic.can_all(&too_many).await.unwrap_err();
    /// assert_eq!(err.kind, StoreErrorKind::InvalidRequest);
    /// # }).unwrap(); }
    /// ```
    pub async fn can_all(
        &self,
        pairs: &[(M::Entitlement, Resource<'_>)],
    ) -> StoreResult<Vec<bool>> {
        self.batch(pairs).await
    }

    /// [`AccessContext::can_all`] by entitlement id, for code that holds ids rather than the
    /// generated enum (an id outside the model is `false`, as [`AccessContext::can_id`] has it).
    ///
    /// # Errors
    /// More than [`MAX_BATCH`] pairs, or a store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, EntitlementId, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity project { roles: [manager, viewer], implies: { manager => viewer } }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(p1, &[]).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // vic is a viewer of p1.
    /// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// let read = EntitlementId::from(Entitlement::ProjectRead);
    /// let delete = EntitlementId::from(Entitlement::ProjectDelete);
    /// let answers = vic.can_all_id(&[(read, p1), (delete, p1), (EntitlementId(99), p1)]).await;
    /// assert_eq!(answers.unwrap(), [true, false, false]);
    /// # }).unwrap(); }
    /// ```
    pub async fn can_all_id(
        &self,
        pairs: &[(EntitlementId, Resource<'_>)],
    ) -> StoreResult<Vec<bool>> {
        self.batch(pairs).await
    }

    /// [`AccessContext::can_all`] for any entitlement type (the enum or ids), without copying
    /// the pairs.
    async fn batch<E: Copy + Into<EntitlementId>>(
        &self,
        pairs: &[(E, Resource<'_>)],
    ) -> StoreResult<Vec<bool>> {
        if pairs.len() > MAX_BATCH {
            return Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                format!(
                    "can_all takes at most {MAX_BATCH} pairs, got {}",
                    pairs.len()
                ),
            ));
        }
        let p = &self.principal;
        if !p.active || p.superuser {
            return Ok(vec![p.active; pairs.len()]);
        }
        let data = self.model.data();
        let ents: Vec<Option<&EntitlementData>> = pairs
            .iter()
            .map(|(e, r)| {
                data.entitlements
                    .get(Into::<EntitlementId>::into(*e).0 as usize)
                    .filter(|ent| ent.entity == r.ty.0)
            })
            .collect();
        let tenant = self.tenant();
        let need_flags = ents.iter().flatten().any(|e| !e.flags.is_empty());
        let flags = match (need_flags, tenant) {
            (true, Some(t)) => self.cached_flags(t).await?,
            _ => RoleSet::EMPTY,
        };
        // Only the pairs that can be allowed at all reach the store: a pair of the wrong type
        // is `false`, as `can` has it, not an error for the whole batch.
        let mut slot = vec![usize::MAX; pairs.len()];
        let mut resources: Vec<Resource<'_>> = Vec::with_capacity(pairs.len());
        for (i, (_, r)) in pairs.iter().enumerate() {
            if ents[i].is_some() {
                slot[i] = resources.len();
                resources.push(*r);
            }
        }
        let mut ancestries = Vec::new();
        ancestries.resize_with(resources.len(), || Ancestry {
            at: self.now,
            ..Ancestry::default()
        });
        self.stores
            .ancestries(&p.id, &resources, &mut ancestries)
            .await?;
        let need_plans = ents
            .iter()
            .flatten()
            .any(|e| e.plan_gated || !e.limits.is_empty());
        let now = self.now();
        let plans = match (need_plans, tenant) {
            (true, Some(t)) => self.cached_plans(t).await?,
            _ => TenantPlans::default(),
        };
        let active = if need_plans {
            active_plans(data, &plans, now)
        } else {
            Vec::new()
        };
        let mut used_cache: Vec<(u16, Timestamp, u64)> = Vec::new();
        let mut eff_buf = Vec::new();
        let mut out = Vec::with_capacity(pairs.len());
        for (i, (e, _)) in pairs.iter().enumerate() {
            let Some(ent) = ents[i] else {
                out.push(false);
                continue;
            };
            let ei = Into::<EntitlementId>::into(*e).0 as usize;
            if !ent.flags.is_empty()
                && (tenant.is_none() || flags.intersection(ent.flags) != ent.flags)
            {
                out.push(false);
                continue;
            }
            let Some(a) = ancestries.get(slot[i]) else {
                return Err(bad_ancestry(
                    "store returned fewer ancestries than resources",
                ));
            };
            if !effective(data, a, &mut eff_buf)?.intersects(self.granting(ei, ent)) {
                out.push(false);
                continue;
            }
            if ent.plan_gated && !active.iter().any(|a| plan_includes(data, a.plan, ei)) {
                out.push(false);
                continue;
            }
            let mut ok = true;
            for &l in ent.limits.iter() {
                let Some((Some(max), anchor)) = limit_max(data, &active, &plans.overrides, ei, l)
                else {
                    continue;
                };
                let Some(limit) = data.limits.get(l as usize) else {
                    continue;
                };
                let Some(t) = tenant else {
                    ok = false;
                    break;
                };
                let start = time::period_start(limit.period, anchor, now);
                let used = match used_cache
                    .iter()
                    .find(|(cl, cs, _)| *cl == l && *cs == start)
                {
                    Some((_, _, u)) => *u,
                    None => {
                        let u = self.stores.used(t, LimitId(l), start).await?;
                        used_cache.push((l, start, u));
                        u
                    }
                };
                if used >= max {
                    ok = false;
                    break;
                }
            }
            out.push(ok);
        }
        for ((e, r), ok) in pairs.iter().zip(&out) {
            self.log((*e).into(), *r, (!ok).then_some("denied"));
        }
        Ok(out)
    }

    /// Runs the layers and, when allowed, consumes one unit of every limit gating the
    /// entitlement in one atomic store call (no gap between the check and the consumption).
    /// Returns `None` when denied (nothing consumed).
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity project { roles: [member] }
    /// #     entitlements { "ai:generate" on project => roles [member] }
    /// #     plans {
    /// #         free { group: main, features: ["ai:generate"],
    /// #                limits: { ai: "ai:generate" per day max 2 } }
    /// #     }
    /// #     default_plan: free,
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(p1, &[]).await.unwrap();
    /// # store.assign("ann", p1, ProjectRole::Member.index()).await.unwrap();
    /// // The free plan allows 2 `ai:generate` a day; ann is a member of p1 in tenant `acme`.
    /// const NOW: i64 = 1_750_000_000;
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("ann").tenant("acme")).at(NOW);
    /// // Two units a day, each taken atomically with the check.
    /// assert!(ctx.can_and_consume(Entitlement::AiGenerate, p1).await.unwrap().is_some());
    /// assert!(ctx.can_and_consume(Entitlement::AiGenerate, p1).await.unwrap().is_some());
    /// assert!(ctx.can_and_consume(Entitlement::AiGenerate, p1).await.unwrap().is_none());
    /// let today = NOW - NOW % 86_400;
    /// assert_eq!(store.usage("acme", Limit::Ai.into(), today), 2);
    /// // The next day has a fresh counter.
    /// let tomorrow = ctx.clone().at(NOW + 86_400);
    /// assert!(tomorrow.can_and_consume(Entitlement::AiGenerate, p1).await.unwrap().is_some());
    /// # }).unwrap(); }
    /// ```
    pub async fn can_and_consume(
        &self,
        entitlement: M::Entitlement,
        resource: Resource<'_>,
    ) -> StoreResult<Option<Consumption>> {
        self.can_and_consume_id(entitlement.into(), resource).await
    }

    /// [`Self::can_and_consume`] by entitlement index (generated guards, dynamic models).
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// use access_core::EntitlementId;
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity project { roles: [member] }
    /// #     entitlements { "ai:generate" on project => roles [member] }
    /// #     plans {
    /// #         free { group: main, features: ["ai:generate"],
    /// #                limits: { ai: "ai:generate" per day max 2 } }
    /// #     }
    /// #     default_plan: free,
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(p1, &[]).await.unwrap();
    /// # store.assign("ann", p1, ProjectRole::Member.index()).await.unwrap();
    /// // The free plan allows 2 `ai:generate` a day; ann is a member of p1 in tenant `acme`.
    /// const NOW: i64 = 1_750_000_000;
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("ann").tenant("acme")).at(NOW);
    /// let ai = EntitlementId::from(Entitlement::AiGenerate);
    /// assert!(ctx.can_and_consume_id(ai, p1).await.unwrap().is_some());
    /// let today = NOW - NOW % 86_400;
    /// assert_eq!(store.usage("acme", Limit::Ai.into(), today), 1);
    /// // A user without a role consumes nothing.
    /// let bob = AccessContext::new(&Access, &store, Principal::new("bob").tenant("acme")).at(NOW);
    /// assert!(bob.can_and_consume_id(ai, p1).await.unwrap().is_none());
    /// assert_eq!(store.usage("acme", Limit::Ai.into(), today), 1);
    /// # }).unwrap(); }
    /// ```
    pub async fn can_and_consume_id(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<Option<Consumption>> {
        let out = self.consume_layers(entitlement, resource).await?;
        self.log(entitlement, resource, out.as_ref().err().copied());
        Ok(out.ok())
    }

    async fn consume_layers(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<Result<Consumption, &'static str>> {
        if !self.principal.active {
            return Ok(Err("inactive_user"));
        }
        if self.principal.superuser {
            return Ok(Ok(Consumption {
                tenant: None,
                charges: Vec::new(),
            }));
        }
        let data = self.model.data();
        let ei = entitlement.0 as usize;
        let Some(ent) = data.entitlements.get(ei) else {
            return Ok(Err("wrong_resource_type"));
        };
        if resource.ty.0 != ent.entity {
            return Ok(Err("wrong_resource_type"));
        }
        if let Some(layer) = self.flags_and_roles(ei, ent, resource).await? {
            return Ok(Err(layer));
        }
        // Plan as `can` has it; the wallet's count is checked by the consume itself, atomically.
        let charges = match self.plan_and_charges(data, ei, ent).await? {
            Ok(charges) => charges,
            Err(layer) => return Ok(Err(layer)),
        };
        if charges.is_empty() {
            return Ok(Ok(Consumption {
                tenant: None,
                charges,
            }));
        }
        // A wallet is per tenant: without one there is nothing to count against.
        let Some(tenant) = self.principal.tenant.clone() else {
            return Ok(Err("tenant_required"));
        };
        if self.stores.consume(&tenant, &charges).await? {
            Ok(Ok(Consumption {
                tenant: Some(tenant),
                charges,
            }))
        } else {
            Ok(Err("limit_reached"))
        }
    }

    /// Gives back the units of a [`Consumption`] (when the action it paid for failed).
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity project { roles: [member] }
    /// #     entitlements { "ai:generate" on project => roles [member] }
    /// #     plans {
    /// #         free { group: main, features: ["ai:generate"],
    /// #                limits: { ai: "ai:generate" per day max 2 } }
    /// #     }
    /// #     default_plan: free,
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(p1, &[]).await.unwrap();
    /// # store.assign("ann", p1, ProjectRole::Member.index()).await.unwrap();
    /// // The free plan allows 2 `ai:generate` a day; ann is a member of p1 in tenant `acme`.
    /// const NOW: i64 = 1_750_000_000;
    /// let ctx = AccessContext::new(&Access, &store, Principal::new("ann").tenant("acme")).at(NOW);
    /// let first = ctx.can_and_consume(Entitlement::AiGenerate, p1).await.unwrap().unwrap();
    /// let _second = ctx.can_and_consume(Entitlement::AiGenerate, p1).await.unwrap().unwrap();
    /// assert!(!ctx.can(Entitlement::AiGenerate, p1).await.unwrap());
    /// // The action the first unit paid for failed: give it back.
    /// ctx.unconsume(first).await.unwrap();
    /// assert!(ctx.can(Entitlement::AiGenerate, p1).await.unwrap());
    /// # }).unwrap(); }
    /// ```
    pub async fn unconsume(&self, consumption: Consumption) -> StoreResult<()> {
        match consumption.tenant {
            Some(t) if !consumption.charges.is_empty() => {
                self.stores.unconsume(&t, &consumption.charges).await
            }
            _ => Ok(()),
        }
    }

    /// Every entitlement of the model, as the principal may use it somewhere in the tenant:
    /// allowed if some resource the user holds a role on (or one below it in the hierarchy)
    /// would grant it and the tenant's flags, plans and limits allow it. For UI hints; the
    /// server re-checks each request.
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, MemoryStore, Principal, Resource};
    /// use access_core::AccessState;
    /// # use access_core::{ClosureStore, RoleStore};
    /// # access_core::define_access! {
    /// #     pub Access;
    /// #     entity workspace { roles: [admin, member] }
    /// #     entity project {
    /// #         roles: [manager, viewer],
    /// #         implies: { manager => viewer },
    /// #         inherits: { workspace:admin => manager, workspace:member => viewer },
    /// #     }
    /// #     entitlements {
    /// #         "project:read"   on project => roles [viewer],
    /// #         "project:delete" on project => roles [manager],
    /// #     }
    /// # }
    /// # fn main() { access_core::block_on_ready(async {
    /// # let store = MemoryStore::new();
    /// # let ws1 = Resource::new(EntityType::Workspace, "ws1");
    /// # let p1 = Resource::new(EntityType::Project, "p1");
    /// # store.add_resource(ws1, &[]).await.unwrap();
    /// # store.add_resource(p1, &[ws1]).await.unwrap();
    /// # store.assign("ada", ws1, WorkspaceRole::Admin.index()).await.unwrap();
    /// # store.assign("vic", p1, ProjectRole::Viewer.index()).await.unwrap();
    /// // ws1 ⊃ p1; ada is an admin of ws1, vic a viewer of p1.
    /// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
    /// let set = vic.access_set().await.unwrap();
    /// assert!(set.can("project:read"));
    /// assert_eq!(set.state("project:delete"), Some(AccessState::RoleRequired));
    ///
    /// let ada = AccessContext::new(&Access, &store, Principal::new("ada"));
    /// let set = ada.access_set().await.unwrap();
    /// assert_eq!(set.allowed().collect::<Vec<_>>(), ["project:read", "project:delete"]);
    /// # }).unwrap(); }
    /// ```
    pub async fn access_set(&self) -> StoreResult<crate::AccessSet> {
        use crate::access_set::AccessState;
        let data = self.model.data();
        let p = &self.principal;
        let n = data.entitlements.len();
        if !p.active {
            return Ok(crate::AccessSet::new(
                data,
                vec![AccessState::RoleRequired; n],
            ));
        }
        if p.superuser {
            return Ok(crate::AccessSet::new(data, vec![AccessState::Allowed; n]));
        }
        // Roles the user could hold on some resource of each type.
        let mut possible = vec![RoleSet::EMPTY; data.entities.len()];
        for (r, roles) in self.stores.assignments(&p.id).await? {
            if let Some(e) = data.entities.get(r.ty.0 as usize) {
                possible[r.ty.0 as usize] = possible[r.ty.0 as usize].union(closure(e, roles));
            }
        }
        // Carry them down the type graph until nothing changes (monotone, so it terminates).
        for _ in 0..=data.entities.len() {
            let mut changed = false;
            for edge in data.edges.iter() {
                let add = carry(edge, possible[edge.parent as usize]);
                let c = &mut possible[edge.child as usize];
                if !add.is_empty() && c.union(add) != *c {
                    *c = c.union(add);
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        let tenant = self.tenant();
        let flags = match tenant {
            Some(t) => self.cached_flags(t).await?,
            None => RoleSet::EMPTY,
        };
        let plans = self.plans_or_default().await?;
        let now = self.now();
        let active = active_plans(data, &plans, now);
        let mut states = Vec::with_capacity(n);
        for (ei, ent) in data.entitlements.iter().enumerate() {
            let state = if !possible
                .get(ent.entity as usize)
                .is_some_and(|r| r.intersects(self.granting(ei, ent)))
            {
                AccessState::RoleRequired
            } else if !ent.flags.is_empty() && flags.intersection(ent.flags) != ent.flags {
                AccessState::FlagDisabled
            } else if ent.plan_gated && !active.iter().any(|a| plan_includes(data, a.plan, ei)) {
                AccessState::PlanRequired
            } else {
                let mut state = AccessState::Allowed;
                for &l in ent.limits.iter() {
                    let Some((Some(max), anchor)) =
                        limit_max(data, &active, &plans.overrides, ei, l)
                    else {
                        continue;
                    };
                    let Some(limit) = data.limits.get(l as usize) else {
                        continue;
                    };
                    let used = match tenant {
                        Some(t) => {
                            let start = time::period_start(limit.period, anchor, now);
                            self.stores.used(t, LimitId(l), start).await?
                        }
                        None => u64::MAX,
                    };
                    if used >= max {
                        state = AccessState::LimitReached;
                        break;
                    }
                }
                state
            };
            states.push(state);
        }
        Ok(crate::AccessSet::new(data, states))
    }
}

#[inline]
fn plan_includes(data: &ModelData, plan_index: u16, ei: usize) -> bool {
    plan(data, plan_index).is_some_and(|p| p.includes(ei))
}

fn backticked(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn node_id(a: &Ancestry, i: usize) -> String {
    a.nodes[i].id.as_deref().unwrap_or("?").to_string()
}

/// The path that gives a role in `target` on node 0, from the direct assignment down.
fn grant_path(
    data: &ModelData,
    grants: Option<&Grants>,
    a: &Ancestry,
    eff: &[RoleSet],
    target: RoleSet,
) -> GrantPath {
    let mut steps_rev: Vec<GrantStep> = Vec::new();
    let mut i = 0usize;
    let Some(mut role) = eff
        .first()
        .and_then(|e| e.intersection(target).iter().next())
    else {
        return GrantPath {
            superuser: false,
            steps: Vec::new(),
        };
    };
    // Each step moves to a parent (a larger index), so the loop ends.
    loop {
        let node = &a.nodes[i];
        let Some(entity) = data.entities.get(node.ty.0 as usize) else {
            break;
        };
        let step = |role: usize, via| GrantStep {
            entity: entity.name.to_string(),
            resource: node_id(a, i),
            role: role_name(data, grants, node.ty.0, role),
            via,
        };
        // Held here directly (possibly through `implies`)?
        if let Some(d) = node
            .roles
            .iter()
            .find(|&d| d == role || entity.implies.get(d).is_some_and(|c| c.contains(role)))
        {
            if d != role {
                steps_rev.push(step(role, GrantVia::Implied));
            }
            steps_rev.push(step(d, GrantVia::Direct));
            break;
        }
        // Otherwise inherited from a parent, through a written `inherits` line (parent role
        // `pq` => child role `c`) and then, if `c` is not the role itself, `implies`.
        let mut next = None;
        for &p in a.parents_of(i) {
            let p = p as usize;
            let Some(edge) = data.edge(a.nodes[p].ty.0, node.ty.0) else {
                continue;
            };
            let line = edge.lines.iter().find(|(pq, c)| {
                eff[p].contains(*pq as usize)
                    && entity
                        .implies
                        .get(*c as usize)
                        .is_some_and(|x| x.contains(role))
            });
            if let Some(&(pq, c)) = line {
                next = Some((p, pq as usize, c as usize));
                break;
            }
        }
        match next {
            Some((p, pq, c)) if p > i => {
                if c != role {
                    steps_rev.push(step(role, GrantVia::Implied));
                }
                steps_rev.push(step(c, GrantVia::Inherited));
                i = p;
                role = pq;
            }
            _ => {
                steps_rev.push(step(role, GrantVia::Inherited));
                break;
            }
        }
    }
    steps_rev.reverse();
    GrantPath {
        superuser: false,
        steps: steps_rev,
    }
}

/// The role reason of a denial: the roles needed on the resource and, through the actual
/// ancestry, on each ancestor. For a user of a tenant asking about a resource outside it (no
/// root of the ancestry is the tenant), the ancestors are not named: a 403 must not map another
/// tenant's hierarchy.
fn role_reason(
    data: &ModelData,
    grants: Option<&Grants>,
    entity: &EntityData,
    ent: &EntitlementData,
    (granting, listed): (RoleSet, RoleSet),
    a: &Ancestry,
    tenant: Option<&str>,
) -> Reason {
    let outside = tenant.is_some_and(|t| {
        !(0..a.nodes.len())
            .any(|i| a.parents_of(i).is_empty() && a.nodes[i].id.as_deref() == Some(t))
    });
    let n = a.nodes.len();
    let mut needed = vec![RoleSet::EMPTY; n];
    if let Some(first) = needed.first_mut() {
        *first = granting;
    }
    // Children come before parents: push each node's needs to its parents.
    for i in 0..n {
        if needed[i].is_empty() {
            continue;
        }
        for &p in a.parents_of(i) {
            let p = p as usize;
            if p > i
                && p < n
                && let Some(edge) = data.edge(a.nodes[p].ty.0, a.nodes[i].ty.0)
            {
                needed[p] = needed[p].union(preimage(edge, needed[i]));
            }
        }
    }
    let via: Vec<GrantOption> = (1..n)
        .filter(|&j| !outside && !needed[j].is_empty())
        .filter_map(|j| {
            let ty = a.nodes[j].ty.0;
            let e = data.entities.get(ty as usize)?;
            Some(GrantOption {
                entity: e.name.to_string(),
                resource: node_id(a, j),
                roles: role_names(data, grants, ty, needed[j]),
            })
        })
        .collect();
    let roles = role_names(data, grants, ent.entity, listed);
    let above = (1..n).any(|j| !needed[j].is_empty());
    let kind = if !above {
        ReasonKind::RoleRequired
    } else {
        ReasonKind::HierarchyDenied
    };
    let on = a.nodes.first().and_then(|n| n.id.as_deref()).unwrap_or("?");
    let mut message = format!(
        "`{}` needs the role {} on {}:{on}",
        ent.name,
        backticked(&roles),
        entity.name
    );
    if !via.is_empty() {
        let opts: Vec<String> = via
            .iter()
            .map(|o| format!("{} on {}:{}", backticked(&o.roles), o.entity, o.resource))
            .collect();
        message.push_str(&format!(", or {}", opts.join(", or ")));
    }
    Reason {
        kind,
        message,
        meta: ReasonMeta::Roles {
            entity: entity.name.to_string(),
            roles,
            via,
        },
    }
}

/// The model or the stores of an [`AccessContext`]: borrowed, or shared through an [`Arc`].
enum Held<'a, T> {
    Borrowed(&'a T),
    Shared(Arc<T>),
}

impl<T> Clone for Held<'_, T> {
    fn clone(&self) -> Self {
        match self {
            Self::Borrowed(t) => Self::Borrowed(t),
            Self::Shared(t) => Self::Shared(Arc::clone(t)),
        }
    }
}

impl<T: std::fmt::Debug> std::fmt::Debug for Held<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        (**self).fmt(f)
    }
}

impl<T> std::ops::Deref for Held<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        match self {
            Self::Borrowed(t) => t,
            Self::Shared(t) => t,
        }
    }
}
