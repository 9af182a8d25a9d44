//! In-memory implementation of every store: for tests, examples, single-process apps, and the
//! nanosecond `can` path.

mod chain;
mod fill;
mod graph;
mod key;

use std::future::{Future, ready};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};

use rustc_hash::FxHashMap;

use crate::model::{AccessModel, EntityTypeId, FlagId, LimitId, PlanId, RoleSet};
use crate::store::{
    Ancestry, AtOnce, Charge, ClosureStore, FlagStore, Resource, ResourceRef, RoleCheck, RoleStore,
    StoreError, StoreErrorKind, StoreResult, Subscription, SubscriptionStore, TenantPlans,
    WalletStore,
};
use crate::time::Timestamp;
#[cfg_attr(not(feature = "sea-orm"), allow(unused_imports))]
pub(crate) use graph::MAX_ANCESTRY;
use graph::{Graph, Timed};
use key::Key;

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
            roles: RoleCheck::model(Arc::new(model.data().clone())),
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

impl AtOnce for MemoryStore {
    #[inline]
    fn ancestry_now(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> StoreResult<()> {
        self.read().and_then(|g| g.fill(user, resource, out))
    }

    fn tenant_flags_now(&self, tenant: &str) -> StoreResult<RoleSet> {
        self.tenants
            .read()
            .map_err(|_| poisoned())
            .map(|t| t.get(tenant).map(|t| t.flags).unwrap_or_default())
    }

    fn tenant_plans_now(&self, tenant: &str) -> StoreResult<TenantPlans> {
        self.tenants
            .read()
            .map_err(|_| poisoned())
            .map(|t| t.get(tenant).map(|t| t.plans.clone()).unwrap_or_default())
    }

    fn used_now(&self, tenant: &str, limit: LimitId, period_start: Timestamp) -> StoreResult<u64> {
        Ok(self.usage(tenant, limit, period_start))
    }
}

impl RoleStore for MemoryStore {
    #[inline]
    fn at_once(&self) -> Option<&dyn AtOnce> {
        Some(self)
    }

    fn ancestry(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.ancestry_now(user, resource, out))
    }

    fn assignments(
        &self,
        user: &str,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, RoleSet)>>> + Send {
        ready(self.read().map(|g| {
            let mut v: Vec<(ResourceRef, RoleSet)> = g
                .users
                .get(user.as_bytes())
                .map(|u| {
                    let now = (!u.timed.is_empty()).then(crate::time::now);
                    let mut nodes: Vec<u32> = u.assignments.iter().map(|(n, _)| n).collect();
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

    fn holders(
        &self,
        resource: Resource<'_>,
        after: Option<&str>,
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<(String, RoleSet)>>> + Send {
        ready(self.read().map(|g| {
            let Some(n) = g.lookup(resource) else {
                return Vec::new();
            };
            let now = crate::time::now();
            let mut v: Vec<(String, RoleSet)> = g
                .users
                .iter()
                .filter_map(|(k, u)| {
                    let id = std::str::from_utf8(k.bytes()).ok()?;
                    if after.is_some_and(|a| id <= a) {
                        return None;
                    }
                    let roles = u.roles_on(n, (!u.timed.is_empty()).then_some(now));
                    (!roles.is_empty()).then(|| (id.to_owned(), roles))
                })
                .collect();
            v.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            v.truncate(limit);
            v
        }))
    }

    fn global_roles(&self, user: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send {
        ready(self.read().map(|g| {
            g.users
                .get(user.as_bytes())
                .map(|u| u.global)
                .unwrap_or_default()
        }))
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
            let u = g.users.entry(Key::new(user)).or_default();
            u.timed.retain(|t| !(t.node == n && t.role == role));
            u.assignments.insert(n, role as usize);
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
            let u = g.users.entry(Key::new(user)).or_default();
            u.timed.retain(|t| !(t.node == n && t.role == role));
            u.assignments.remove_role(n, role);
            if from.is_none() && until.is_none() {
                u.assignments.insert(n, role as usize);
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
            if let Some(u) = g.users.get_mut(user.as_bytes()) {
                u.timed.retain(|t| !(t.node == n && t.role == role));
                u.assignments.remove_role(n, role);
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
            g.users.entry(Key::new(user)).or_default().global = roles;
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
                    if u32::try_from(g.nodes.len()).is_err() {
                        return Err(StoreError::new(
                            StoreErrorKind::InvalidRequest,
                            "too many resources",
                        ));
                    }
                    let id: Arc<str> = Arc::from(resource.id);
                    let n = g.push(resource.ty.0, id.clone());
                    let ty = resource.ty.0 as usize;
                    if g.index.len() <= ty {
                        g.index.resize_with(ty + 1, FxHashMap::default);
                    }
                    g.index[ty].insert(Key::new(resource.id), n);
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
            g.remove(n)?;
            if let Some(ix) = g.index.get_mut(resource.ty.0 as usize) {
                ix.remove(resource.id.as_bytes());
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
        ready(self.tenant_plans_now(tenant))
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
        ready(self.tenant_flags_now(tenant))
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
