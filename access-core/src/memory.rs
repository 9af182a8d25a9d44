//! In-memory implementation of every store: for tests, examples, single-process apps, and the
//! nanosecond `can` path.

use std::cell::RefCell;
use std::future::{Future, ready};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use rustc_hash::FxHashMap;

use crate::model::{AccessModel, EntityTypeId, FlagId, LimitId, PlanId, RoleSet};
use crate::store::{
    Ancestry, AncestryNode, Charge, ClosureStore, FlagStore, Resource, ResourceRef, RoleCheck,
    RoleStore, StoreError, StoreErrorKind, StoreResult, Subscription, SubscriptionStore,
    TenantPlans, WalletStore,
};
use crate::time::Timestamp;

/// Most nodes an ancestry may hold; a deeper hierarchy is refused instead of exhausting memory.
pub const MAX_ANCESTRY: usize = 4_096;

/// Buffers of the ancestry walk, reused across calls on a thread.
#[derive(Debug, Default)]
struct Dfs {
    order: Vec<u32>,
    stack: Vec<(u32, usize)>,
    seen: Vec<u32>,
}

thread_local! {
    static DFS: RefCell<Dfs> = RefCell::new(Dfs::default());
}

#[derive(Debug)]
struct Node {
    ty: u16,
    id: Arc<str>,
    parents: Vec<u32>,
    children: Vec<u32>,
    alive: bool,
}

#[derive(Debug, Default)]
struct User {
    global: RoleSet,
    assignments: FxHashMap<u32, RoleSet>,
    /// Time-bound assignments (few; checked against the clock when present).
    timed: Vec<Timed>,
}

#[derive(Debug, Clone, Copy)]
struct Timed {
    node: u32,
    role: u16,
    from: Option<Timestamp>,
    until: Option<Timestamp>,
}

impl Timed {
    fn valid(&self, now: Timestamp) -> bool {
        self.from.is_none_or(|f| f <= now) && self.until.is_none_or(|u| now < u)
    }
}

impl User {
    /// The roles held on node `n` at `now` (`None`: no time-bound assignment to check).
    #[inline]
    fn roles_on(&self, n: u32, now: Option<Timestamp>) -> RoleSet {
        let mut r = self.assignments.get(&n).copied().unwrap_or_default();
        if let Some(now) = now {
            for t in &self.timed {
                if t.node == n && t.valid(now) {
                    r.insert(t.role as usize);
                }
            }
        }
        r
    }
}

#[derive(Debug, Default)]
struct Graph {
    /// Per entity type: id → node index.
    index: Vec<FxHashMap<Arc<str>, u32>>,
    nodes: Vec<Node>,
    users: FxHashMap<Arc<str>, User>,
}

/// (tenant, limit index, period start) → units used.
type WalletKey = (Arc<str>, u16, Timestamp);

#[derive(Debug, Default)]
struct Tenant {
    flags: RoleSet,
    plans: TenantPlans,
    /// (base plan group, subscription) so a new base plan replaces the one of its group.
    groups: Vec<u16>,
}

/// Every store in memory. Cheap to share: wrap it in an `Arc`.
///
/// It implements the async store traits, as a database store does, so the engine and code
/// generic over [`crate::Stores`] take it; its futures are complete when made, so
/// [`MemoryStore::ready`] also gives every method without `.await` (see [`crate::Ready`]).
///
/// # Examples
/// ```
/// use access_core::{EntityTypeId, MemoryStore, Resource};
///
/// let store = MemoryStore::new();
/// let (org, ws) = (Resource::new(EntityTypeId(0), "acme"), Resource::new(EntityTypeId(1), "ws-1"));
/// store.ready().add_resource(org, &[]).unwrap();
/// store.ready().add_resource(ws, &[org]).unwrap();
/// store.ready().assign("alice", org, 0).unwrap();
/// assert_eq!(store.ready().ancestors(ws).unwrap().len(), 1);
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    graph: RwLock<Graph>,
    tenants: RwLock<FxHashMap<Arc<str>, Tenant>>,
    wallets: Mutex<FxHashMap<WalletKey, u64>>,
    roles: RoleCheck,
}

fn poisoned() -> StoreError {
    StoreError::new(StoreErrorKind::Backend, "in-memory store lock poisoned")
}

impl MemoryStore {
    /// An empty store.
    ///
    /// # Examples
    /// ```
    /// use access_core::MemoryStore;
    ///
    /// let store = MemoryStore::new();
    /// assert_eq!(store.ready().assignments("ann"), Ok(vec![]));
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store that checks untyped role writes against `model`: `assign`,
    /// `assign_during` and `revoke` refuse an index that is not a role of the resource's entity
    /// type, naming the valid roles ([`check_role`](crate::check_role)). A store from
    /// [`MemoryStore::new`] knows no model and takes any index below 64.
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, Resource};
    ///
    /// access_core::define_access! {
    ///     pub Drive;
    ///     entity folder { roles: [editor, viewer] }
    ///     entitlements { "folder:read" on folder => roles [viewer] }
    /// }
    ///
    /// fn main() {
    ///     let store = MemoryStore::for_model(&Drive);
    ///     let f1 = Resource::new(EntityType::Folder, "f1");
    ///     store.ready().add_resource(f1, &[]).unwrap();
    ///     let err = store.ready().assign("ann", f1, 7).unwrap_err();
    ///     assert_eq!(err.message, "role 7 is not a role of `folder`: its roles are 0 `editor`, 1 `viewer`");
    /// }
    /// ```
    pub fn for_model<M: AccessModel>(model: &M) -> Self {
        Self {
            roles: RoleCheck::model(model.data()),
            ..Self::default()
        }
    }

    /// Lets role indices past the model's roles (up to 63) through: custom roles, created at run
    /// time, take them. Without a model ([`MemoryStore::new`]) every index below 64 passes anyway.
    ///
    /// # Examples
    /// ```
    /// use access_core::{MemoryStore, Resource};
    ///
    /// access_core::define_access! {
    ///     pub Drive;
    ///     entity folder { roles: [editor, viewer] }
    ///     entitlements { "folder:read" on folder => roles [viewer] }
    /// }
    ///
    /// fn main() {
    ///     let store = MemoryStore::for_model(&Drive).with_custom_roles();
    ///     let f1 = Resource::new(EntityType::Folder, "f1");
    ///     store.ready().add_resource(f1, &[]).unwrap();
    ///     store.ready().assign("ann", f1, 2).unwrap(); // the first custom role of `folder`
    /// }
    /// ```
    #[must_use]
    pub fn with_custom_roles(self) -> Self {
        Self {
            roles: self.roles.with_custom_roles(),
            ..self
        }
    }

    fn read(&self) -> StoreResult<RwLockReadGuard<'_, Graph>> {
        self.graph.read().map_err(|_| poisoned())
    }
    fn write(&self) -> StoreResult<RwLockWriteGuard<'_, Graph>> {
        self.graph.write().map_err(|_| poisoned())
    }

    fn fill_ancestry(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> StoreResult<()> {
        out.clear();
        let g = self.read()?;
        let u = g.users.get(user);
        let now = u
            .filter(|u| !u.timed.is_empty())
            .map(|_| out.at.unwrap_or_else(crate::time::now));
        let roles_on = |n: u32| u.map(|u| u.roles_on(n, now)).unwrap_or_default();
        let Some(start) = g.lookup(resource) else {
            out.nodes.push(AncestryNode {
                ty: resource.ty,
                id: out.want_ids.then(|| Arc::from(resource.id)),
                roles: RoleSet::EMPTY,
                parents: (0, 0),
            });
            return Ok(());
        };
        out.found = true;
        // Fast path: a chain (every node has at most one parent), the shape of most
        // hierarchies. No search needed: the chain is already in topological order.
        let mut n = start;
        loop {
            let node = &g.nodes[n as usize];
            match node.parents.as_slice() {
                [] | [_] if out.nodes.len() < MAX_ANCESTRY => {
                    let i = out.nodes.len() as u32;
                    let parents = if node.parents.is_empty() {
                        (i, 0)
                    } else {
                        out.parents.push(i + 1);
                        (out.parents.len() as u32 - 1, 1)
                    };
                    out.nodes.push(AncestryNode {
                        ty: EntityTypeId(node.ty),
                        id: out.want_ids.then(|| node.id.clone()),
                        roles: roles_on(n),
                        parents,
                    });
                    match node.parents.first() {
                        Some(&p) => n = p,
                        None => return Ok(()),
                    }
                }
                _ => break,
            }
        }
        // Several parents somewhere (or a chain too long): the general search below.
        out.nodes.clear();
        out.parents.clear();
        DFS.with(|d| {
            let mut d = d.borrow_mut();
            let Dfs { order, stack, seen } = &mut *d;
            order.clear();
            stack.clear();
            seen.clear();
            // Iterative DFS over parents; post-order, then reversed, gives a topological order
            // in which every parent comes after its children.
            stack.push((start, 0));
            seen.push(start);
            while let Some((n, next)) = stack.last_mut() {
                let node = &g.nodes[*n as usize];
                if let Some(&p) = node.parents.get(*next) {
                    *next += 1;
                    if !seen.contains(&p) {
                        if seen.len() >= MAX_ANCESTRY {
                            return Err(StoreError::new(
                                StoreErrorKind::InvalidAncestry,
                                format!("ancestry larger than {MAX_ANCESTRY} resources"),
                            ));
                        }
                        seen.push(p);
                        stack.push((p, 0));
                    }
                } else {
                    order.push(*n);
                    stack.pop();
                }
            }
            order.reverse();
            for &n in order.iter() {
                let node = &g.nodes[n as usize];
                let start = out.parents.len() as u32;
                for p in &node.parents {
                    if let Some(pos) = order.iter().position(|x| x == p) {
                        out.parents.push(pos as u32);
                    }
                }
                out.nodes.push(AncestryNode {
                    ty: EntityTypeId(node.ty),
                    id: out.want_ids.then(|| node.id.clone()),
                    roles: roles_on(n),
                    parents: (start, out.parents.len() as u32 - start),
                });
            }
            Ok(())
        })
    }

    fn with_tenant<R>(&self, tenant: &str, f: impl FnOnce(&mut Tenant) -> R) -> StoreResult<R> {
        let mut t = self.tenants.write().map_err(|_| poisoned())?;
        if let Some(x) = t.get_mut(tenant) {
            return Ok(f(x));
        }
        let x = t.entry(Arc::from(tenant)).or_default();
        Ok(f(x))
    }

    /// Units used of a limit by a tenant in a period (for tests and dashboards).
    ///
    /// # Examples
    /// ```
    /// use access_core::{Charge, LimitId, MemoryStore};
    ///
    /// let store = MemoryStore::new();
    /// let charge = Charge { limit: LimitId(0), period_start: 1_000, max: 2 };
    /// store.ready().consume("acme", &[charge]).unwrap();
    /// assert_eq!(store.usage("acme", LimitId(0), 1_000), 1);
    /// assert_eq!(store.usage("acme", LimitId(0), 2_000), 0); // another period
    /// ```
    pub fn usage(&self, tenant: &str, limit: LimitId, period_start: Timestamp) -> u64 {
        self.wallets
            .lock()
            .ok()
            .and_then(|w| w.get(&(Arc::from(tenant), limit.0, period_start)).copied())
            .unwrap_or(0)
    }
}

impl Graph {
    #[inline]
    fn lookup(&self, r: Resource<'_>) -> Option<u32> {
        self.index.get(r.ty.0 as usize)?.get(r.id).copied()
    }

    fn require(&self, r: Resource<'_>) -> StoreResult<u32> {
        self.lookup(r).ok_or_else(|| {
            StoreError::new(
                StoreErrorKind::NotFound,
                format!("resource {}:{} not found", r.ty.0, r.id),
            )
        })
    }

    /// Whether `target` is `from` or one of its ancestors.
    fn reaches(&self, from: u32, target: u32) -> bool {
        let mut stack = vec![from];
        let mut seen = vec![from];
        while let Some(n) = stack.pop() {
            if n == target {
                return true;
            }
            for &p in &self.nodes[n as usize].parents {
                if !seen.contains(&p) {
                    seen.push(p);
                    stack.push(p);
                }
            }
        }
        false
    }

    fn set_parents(&mut self, n: u32, parents: &[Resource<'_>]) -> StoreResult<()> {
        let mut ps = Vec::with_capacity(parents.len());
        for p in parents {
            let pi = self.require(*p)?;
            if self.reaches(pi, n) {
                return Err(StoreError::new(
                    StoreErrorKind::Cycle,
                    format!(
                        "{}:{} cannot be placed under {}:{}: it would become its own ancestor",
                        self.nodes[n as usize].ty, self.nodes[n as usize].id, p.ty.0, p.id
                    ),
                ));
            }
            if !ps.contains(&pi) {
                ps.push(pi);
            }
        }
        let old = std::mem::take(&mut self.nodes[n as usize].parents);
        for p in old {
            self.nodes[p as usize].children.retain(|c| *c != n);
        }
        for &p in &ps {
            self.nodes[p as usize].children.push(n);
        }
        self.nodes[n as usize].parents = ps;
        Ok(())
    }
}

impl RoleStore for MemoryStore {
    fn ancestry(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.fill_ancestry(user, resource, out))
    }

    fn assignments(
        &self,
        user: &str,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, RoleSet)>>> + Send {
        ready(self.read().map(|g| {
            let mut v: Vec<(ResourceRef, RoleSet)> = g
                .users
                .get(user)
                .map(|u| {
                    let now = (!u.timed.is_empty()).then(crate::time::now);
                    let mut nodes: Vec<u32> = u.assignments.keys().copied().collect();
                    nodes.extend(u.timed.iter().map(|t| t.node));
                    nodes.sort_unstable();
                    nodes.dedup();
                    nodes
                        .into_iter()
                        .map(|n| (n, u.roles_on(n, now)))
                        .filter(|(_, r)| !r.is_empty())
                        .map(|(n, r)| {
                            let node = &g.nodes[n as usize];
                            (ResourceRef::new(EntityTypeId(node.ty), node.id.clone()), r)
                        })
                        .collect()
                })
                .unwrap_or_default();
            v.sort();
            v
        }))
    }

    fn global_roles(&self, user: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send {
        ready(
            self.read()
                .map(|g| g.users.get(user).map(|u| u.global).unwrap_or_default()),
        )
    }

    fn assign(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            self.roles.check(resource, role)?;
            let mut g = self.write()?;
            let n = g.require(resource)?;
            let u = g.users.entry(Arc::from(user)).or_default();
            u.timed.retain(|t| !(t.node == n && t.role == role));
            u.assignments.entry(n).or_default().insert(role as usize);
            Ok(())
        })())
    }

    fn assign_during(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            self.roles.check(resource, role)?;
            let mut g = self.write()?;
            let n = g.require(resource)?;
            let u = g.users.entry(Arc::from(user)).or_default();
            u.timed.retain(|t| !(t.node == n && t.role == role));
            if let Some(r) = u.assignments.get_mut(&n) {
                r.0 &= !(1u64 << role);
            }
            if from.is_none() && until.is_none() {
                u.assignments.entry(n).or_default().insert(role as usize);
            } else {
                u.timed.push(Timed {
                    node: n,
                    role,
                    from,
                    until,
                });
            }
            Ok(())
        })())
    }

    fn revoke(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            self.roles.check(resource, role)?;
            let mut g = self.write()?;
            let Some(n) = g.lookup(resource) else {
                return Ok(());
            };
            if let Some(u) = g.users.get_mut(user) {
                u.timed.retain(|t| !(t.node == n && t.role == role));
                if let Some(r) = u.assignments.get_mut(&n) {
                    r.0 &= !(1u64.checked_shl(u32::from(role)).unwrap_or(0));
                    if r.is_empty() {
                        u.assignments.remove(&n);
                    }
                }
            }
            Ok(())
        })())
    }

    fn set_global_roles(
        &self,
        user: &str,
        roles: RoleSet,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.write().map(|mut g| {
            g.users.entry(Arc::from(user)).or_default().global = roles;
        }))
    }
}

impl ClosureStore for MemoryStore {
    fn add_resource(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            if resource.id.contains('\0') {
                // As the database stores: PostgreSQL text cannot hold NUL.
                return Err(StoreError::new(
                    StoreErrorKind::InvalidRequest,
                    "a resource id cannot contain NUL",
                ));
            }
            let mut g = self.write()?;
            // Check the parents before creating anything, so a refused call changes nothing.
            for p in parents {
                g.require(*p)?;
            }
            let n = match g.lookup(resource) {
                Some(n) => n,
                None => {
                    let n = u32::try_from(g.nodes.len()).map_err(|_| {
                        StoreError::new(StoreErrorKind::InvalidRequest, "too many resources")
                    })?;
                    let id: Arc<str> = Arc::from(resource.id);
                    g.nodes.push(Node {
                        ty: resource.ty.0,
                        id: id.clone(),
                        parents: Vec::new(),
                        children: Vec::new(),
                        alive: true,
                    });
                    let ty = resource.ty.0 as usize;
                    if g.index.len() <= ty {
                        g.index.resize_with(ty + 1, FxHashMap::default);
                    }
                    g.index[ty].insert(id, n);
                    n
                }
            };
            g.set_parents(n, parents)
        })())
    }

    fn set_parents(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let mut g = self.write()?;
            let n = g.require(resource)?;
            g.set_parents(n, parents)
        })())
    }

    fn remove_resource(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let mut g = self.write()?;
            let n = g.require(resource)?;
            g.set_parents(n, &[])?;
            let children = std::mem::take(&mut g.nodes[n as usize].children);
            for c in children {
                g.nodes[c as usize].parents.retain(|p| *p != n);
            }
            g.nodes[n as usize].alive = false;
            if let Some(ix) = g.index.get_mut(resource.ty.0 as usize) {
                ix.remove(resource.id);
            }
            for u in g.users.values_mut() {
                u.assignments.remove(&n);
                u.timed.retain(|t| t.node != n);
            }
            Ok(())
        })())
    }

    fn ancestors(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, u32)>>> + Send {
        ready((|| {
            let g = self.read()?;
            let n = g.require(resource)?;
            // Breadth-first: each ancestor at its shortest distance.
            let mut out: Vec<(ResourceRef, u32)> = Vec::new();
            let mut seen = vec![n];
            let mut frontier = vec![n];
            let mut depth = 0;
            while !frontier.is_empty() {
                depth += 1;
                let mut next = Vec::new();
                for f in frontier {
                    for &p in &g.nodes[f as usize].parents {
                        if !seen.contains(&p) {
                            seen.push(p);
                            next.push(p);
                            let node = &g.nodes[p as usize];
                            debug_assert!(node.alive);
                            out.push((
                                ResourceRef::new(EntityTypeId(node.ty), node.id.clone()),
                                depth,
                            ));
                        }
                    }
                }
                frontier = next;
            }
            Ok(out)
        })())
    }
}

impl SubscriptionStore for MemoryStore {
    fn tenant_plans(&self, tenant: &str) -> impl Future<Output = StoreResult<TenantPlans>> + Send {
        ready(
            self.tenants
                .read()
                .map_err(|_| poisoned())
                .map(|t| t.get(tenant).map(|t| t.plans.clone()).unwrap_or_default()),
        )
    }

    fn set_base_plan(
        &self,
        tenant: &str,
        group: u16,
        subscription: Subscription,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.with_tenant(tenant, |t| {
            if let Some(i) = t.groups.iter().position(|g| *g == group) {
                t.plans.base[i] = subscription;
            } else {
                t.groups.push(group);
                t.plans.base.push(subscription);
            }
        }))
    }

    fn add_add_on(
        &self,
        tenant: &str,
        subscription: Subscription,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.with_tenant(tenant, |t| {
            t.plans.add_ons.retain(|s| s.plan != subscription.plan);
            t.plans.add_ons.push(subscription);
        }))
    }

    fn remove_add_on(
        &self,
        tenant: &str,
        plan: PlanId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.with_tenant(tenant, |t| t.plans.add_ons.retain(|s| s.plan != plan)))
    }

    fn set_override(
        &self,
        tenant: &str,
        limit: LimitId,
        max: Option<u64>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.with_tenant(tenant, |t| {
            t.plans.overrides.retain(|(l, _)| *l != limit);
            if let Some(max) = max {
                t.plans.overrides.push((limit, max));
            }
        }))
    }
}

impl WalletStore for MemoryStore {
    fn used(
        &self,
        tenant: &str,
        limit: LimitId,
        period_start: Timestamp,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        ready(Ok(self.usage(tenant, limit, period_start)))
    }

    fn consume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<bool>> + Send {
        ready((|| {
            let mut w = self.wallets.lock().map_err(|_| poisoned())?;
            let t: Arc<str> = Arc::from(tenant);
            let room = charges.iter().all(|c| {
                w.get(&(t.clone(), c.limit.0, c.period_start))
                    .copied()
                    .unwrap_or(0)
                    < c.max
            });
            if room {
                for c in charges {
                    *w.entry((t.clone(), c.limit.0, c.period_start)).or_insert(0) += 1;
                }
            }
            Ok(room)
        })())
    }

    fn unconsume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let mut w = self.wallets.lock().map_err(|_| poisoned())?;
            let t: Arc<str> = Arc::from(tenant);
            for c in charges {
                if let Some(u) = w.get_mut(&(t.clone(), c.limit.0, c.period_start)) {
                    *u = u.saturating_sub(1);
                }
            }
            Ok(())
        })())
    }
}

impl FlagStore for MemoryStore {
    fn tenant_flags(&self, tenant: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send {
        ready(
            self.tenants
                .read()
                .map_err(|_| poisoned())
                .map(|t| t.get(tenant).map(|t| t.flags).unwrap_or_default()),
        )
    }

    fn set_flag(
        &self,
        tenant: &str,
        flag: FlagId,
        on: bool,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(if flag.0 >= 64 {
            Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                format!("flag index {} out of range", flag.0),
            ))
        } else {
            self.with_tenant(tenant, |t| {
                if on {
                    t.flags.insert(flag.0 as usize);
                } else {
                    t.flags.0 &= !(1u64 << flag.0);
                }
            })
        })
    }
}
