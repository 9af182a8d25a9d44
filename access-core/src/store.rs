//! The stores the engine reads: role assignments, the resource hierarchy, subscriptions, usage
//! wallets and flags.
//!
//! Each store is a trait with async methods so that database implementations (sea-orm, behind
//! the `sea-orm` feature) and the in-memory [`crate::MemoryStore`] share one engine. The engine
//! needs all five; [`Stores`] is implemented for any type that implements them.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::model::{EntityTypeId, FlagId, LimitId, PlanId, RoleSet};
use crate::time::Timestamp;

/// A resource named in a request: its entity type and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Resource<'a> {
    /// The entity type.
    pub ty: EntityTypeId,
    /// The resource's id within its type.
    pub id: &'a str,
}

impl<'a> Resource<'a> {
    /// A resource of type `ty` (a generated `EntityType`, or an [`EntityTypeId`]).
    pub fn new(ty: impl Into<EntityTypeId>, id: &'a str) -> Self {
        Self { ty: ty.into(), id }
    }
    /// An owned copy.
    pub fn to_owned(self) -> ResourceRef {
        ResourceRef {
            ty: self.ty,
            id: Arc::from(self.id),
        }
    }
}

/// An owned resource reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResourceRef {
    /// The entity type.
    pub ty: EntityTypeId,
    /// The resource's id within its type.
    pub id: Arc<str>,
}

impl ResourceRef {
    /// A resource of type `ty`.
    pub fn new(ty: impl Into<EntityTypeId>, id: impl Into<Arc<str>>) -> Self {
        Self {
            ty: ty.into(),
            id: id.into(),
        }
    }
    /// Borrowed form.
    pub fn as_resource(&self) -> Resource<'_> {
        Resource {
            ty: self.ty,
            id: &self.id,
        }
    }
}

impl<'a> From<&'a ResourceRef> for Resource<'a> {
    fn from(r: &'a ResourceRef) -> Self {
        r.as_resource()
    }
}

/// What can go wrong in a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The change would make a resource its own ancestor.
    Cycle,
    /// A resource named in a change does not exist.
    NotFound,
    /// The store returned an ancestry that is not in topological order, or too large.
    InvalidAncestry,
    /// The backend failed (database error, ..).
    Backend,
    /// The request is malformed (too many pairs for `can_all`, ..).
    InvalidRequest,
}

/// A store failure. Its message is for logs; do not send it to clients.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError {
    /// What went wrong.
    pub kind: StoreErrorKind,
    /// Details for logs.
    pub message: String,
}

impl StoreError {
    /// An error of `kind` with a message for logs.
    pub fn new(kind: StoreErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store error ({:?}): {}", self.kind, self.message)
    }
}

impl std::error::Error for StoreError {}

/// Result of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// One resource of an [`Ancestry`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AncestryNode {
    /// Entity type.
    pub ty: EntityTypeId,
    /// Id, when the engine asked for ids ([`Ancestry::want_ids`]); empty otherwise.
    pub id: Option<Arc<str>>,
    /// The roles the user holds on this resource directly.
    pub roles: RoleSet,
    /// Range of this node's parents in [`Ancestry::parents`].
    pub parents: (u32, u32),
}

/// A resource, all its ancestors with their parent links, and the user's direct roles on each:
/// everything the roles and hierarchy layers need, fetched in one store call.
///
/// Node 0 is the resource itself. Nodes are in topological order: every parent index is greater
/// than the index of its child (the engine refuses anything else, so evaluation terminates on
/// any data).
#[derive(Clone, Debug, Default)]
pub struct Ancestry {
    /// Whether the store should fill in [`AncestryNode::id`] (for explanations).
    pub want_ids: bool,
    /// The time assignments are valid at (time-bound grants): the engine's
    /// [`AccessContext::at`](crate::AccessContext::at) when set, else the store reads the clock.
    pub at: Option<Timestamp>,
    /// Node 0 is the resource; the rest are its ancestors.
    pub nodes: Vec<AncestryNode>,
    /// Parent indices, referenced by ranges in the nodes.
    pub parents: Vec<u32>,
    /// Whether the resource itself exists in the store.
    pub found: bool,
}

impl Ancestry {
    /// Clears the nodes, keeping the buffers.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.parents.clear();
        self.found = false;
    }
    /// The parent indices of node `i`.
    #[inline]
    pub fn parents_of(&self, i: usize) -> &[u32] {
        let (start, len) = self.nodes[i].parents;
        self.parents
            .get(start as usize..(start + len) as usize)
            .unwrap_or(&[])
    }
}

/// Role assignments.
pub trait RoleStore: Send + Sync {
    /// Fills `out` with `resource`, its ancestors and their parent links, and the roles `user`
    /// holds directly on each (see [`Ancestry`]). A resource the store does not know is a single
    /// node without parents with `found = false`, holding the user's direct roles if any.
    fn ancestry(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// [`RoleStore::ancestry`] for many resources in one call (for `can_all`). The default
    /// calls `ancestry` per resource; database stores batch it.
    fn ancestries(
        &self,
        user: &str,
        resources: &[Resource<'_>],
        out: &mut Vec<Ancestry>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        async move {
            out.resize_with(resources.len(), Ancestry::default);
            for (r, a) in resources.iter().zip(out.iter_mut()) {
                a.clear();
                self.ancestry(user, *r, a).await?;
            }
            Ok(())
        }
    }

    /// Every direct assignment of `user`: resource and roles (for access sets).
    fn assignments(
        &self,
        user: &str,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, RoleSet)>>> + Send;

    /// The user's global roles as stored.
    fn global_roles(&self, user: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send;

    /// Gives `user` the role with index `role` of the resource's entity type.
    fn assign(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Gives `user` the role between `from` (inclusive) and `until` (exclusive); `None` is
    /// open-ended. An assignment that has expired stops counting at once, without a cleanup
    /// job. Assigning the same role again replaces the bounds. Stores without time-bound grants
    /// refuse bounds ([`StoreErrorKind::InvalidRequest`]).
    fn assign_during(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        async move {
            if from.is_some() || until.is_some() {
                return Err(StoreError::new(
                    StoreErrorKind::InvalidRequest,
                    "this store has no time-bound grants",
                ));
            }
            self.assign(user, resource, role).await
        }
    }

    /// Takes the role back. Revoking a role the user does not hold is not an error.
    fn revoke(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Sets the user's global roles.
    fn set_global_roles(
        &self,
        user: &str,
        roles: RoleSet,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// The resource hierarchy.
pub trait ClosureStore: Send + Sync {
    /// Creates `resource` under `parents` (which must exist). Re-creating an existing resource
    /// replaces its parents, like [`ClosureStore::set_parents`].
    fn add_resource(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Moves `resource` under `parents`; refuses ([`StoreErrorKind::Cycle`]) a move that would
    /// make it its own ancestor. Its descendants move with it.
    fn set_parents(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Deletes `resource` and the assignments on it; its children lose it as a parent.
    fn remove_resource(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Every ancestor of `resource` with its distance (1 = parent), nearest first.
    fn ancestors(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, u32)>>> + Send;
}

/// A tenant's subscription to one plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subscription {
    /// The plan.
    pub plan: PlanId,
    /// When it started: the anchor of its usage periods.
    pub started_at: Timestamp,
    /// When it ends (exclusive); `None` = open-ended.
    pub ends_at: Option<Timestamp>,
}

impl Subscription {
    /// An open-ended subscription to `plan` from `started_at`.
    pub fn new(plan: impl Into<PlanId>, started_at: Timestamp) -> Self {
        Self {
            plan: plan.into(),
            started_at,
            ends_at: None,
        }
    }
    /// The same subscription ending at `ends_at`.
    #[must_use]
    pub fn until(mut self, ends_at: Timestamp) -> Self {
        self.ends_at = Some(ends_at);
        self
    }
    /// Whether it is active at `now`.
    #[inline]
    pub fn active_at(&self, now: Timestamp) -> bool {
        self.started_at <= now && self.ends_at.is_none_or(|end| now < end)
    }
}

/// A tenant's plans: base plans (one per group), add-ons, and per-limit overrides.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TenantPlans {
    /// Base plans, at most one per group (the store keeps it so).
    pub base: Vec<Subscription>,
    /// Add-ons.
    pub add_ons: Vec<Subscription>,
    /// Per-limit maximums for this tenant. They only raise: the effective max is the larger of
    /// the plans' max and the override.
    pub overrides: Vec<(LimitId, u64)>,
}

/// Tenants' subscriptions.
pub trait SubscriptionStore: Send + Sync {
    /// The tenant's plans (empty for an unknown tenant).
    fn tenant_plans(&self, tenant: &str) -> impl Future<Output = StoreResult<TenantPlans>> + Send;

    /// Sets the tenant's base plan of `group` (index into the model's groups), replacing the
    /// one it had in that group.
    fn set_base_plan(
        &self,
        tenant: &str,
        group: u16,
        subscription: Subscription,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Adds an add-on (replacing the same add-on if present).
    fn add_add_on(
        &self,
        tenant: &str,
        subscription: Subscription,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Removes an add-on.
    fn remove_add_on(
        &self,
        tenant: &str,
        plan: PlanId,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    /// Sets (`Some`) or clears (`None`) the tenant's override of a limit.
    fn set_override(
        &self,
        tenant: &str,
        limit: LimitId,
        max: Option<u64>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// One unit of a limit to consume: which counter, in which period, up to which max.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Charge {
    /// The limit.
    pub limit: LimitId,
    /// Start of the current period (the counter's key).
    pub period_start: Timestamp,
    /// The most units the period allows.
    pub max: u64,
}

/// Usage counters.
pub trait WalletStore: Send + Sync {
    /// Units used of `limit` in the period starting at `period_start`.
    fn used(
        &self,
        tenant: &str,
        limit: LimitId,
        period_start: Timestamp,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Consumes one unit of every charge, all or nothing and atomically: returns `false` (and
    /// changes nothing) when any counter is at its max.
    fn consume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<bool>> + Send;

    /// Gives one unit of every charge back (never below zero).
    fn unconsume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Feature flags per tenant.
pub trait FlagStore: Send + Sync {
    /// The flags on for the tenant.
    fn tenant_flags(&self, tenant: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send;

    /// Turns a flag on or off for the tenant.
    fn set_flag(
        &self,
        tenant: &str,
        flag: FlagId,
        on: bool,
    ) -> impl Future<Output = StoreResult<()>> + Send;
}

/// Everything the engine needs, in one bound.
pub trait Stores: RoleStore + ClosureStore + SubscriptionStore + WalletStore + FlagStore {}

impl<T: RoleStore + ClosureStore + SubscriptionStore + WalletStore + FlagStore> Stores for T {}

/// The stores of `base` with the usage wallet of `wallet`: for example the in-memory roles and
/// hierarchy with wallets in a database ([`crate::sea::SeaWallet`]), so that usage limits are
/// exact across processes.
#[derive(Clone, Debug, Default)]
pub struct WithWallet<S, W> {
    /// Roles, hierarchy, subscriptions and flags.
    pub base: S,
    /// Usage counters.
    pub wallet: W,
}

impl<S, W> WithWallet<S, W> {
    /// `base` for everything but the wallet, `wallet` for usage.
    pub fn new(base: S, wallet: W) -> Self {
        Self { base, wallet }
    }
}

impl<S: RoleStore, W: Send + Sync> RoleStore for WithWallet<S, W> {
    fn ancestry(
        &self,
        user: &str,
        resource: Resource<'_>,
        out: &mut Ancestry,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.ancestry(user, resource, out)
    }
    fn ancestries(
        &self,
        user: &str,
        resources: &[Resource<'_>],
        out: &mut Vec<Ancestry>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.ancestries(user, resources, out)
    }
    fn assignments(
        &self,
        user: &str,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, RoleSet)>>> + Send {
        self.base.assignments(user)
    }
    fn global_roles(&self, user: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send {
        self.base.global_roles(user)
    }
    fn assign(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.assign(user, resource, role)
    }
    fn assign_during(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.assign_during(user, resource, role, from, until)
    }
    fn revoke(
        &self,
        user: &str,
        resource: Resource<'_>,
        role: u16,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.revoke(user, resource, role)
    }
    fn set_global_roles(
        &self,
        user: &str,
        roles: RoleSet,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.set_global_roles(user, roles)
    }
}

impl<S: ClosureStore, W: Send + Sync> ClosureStore for WithWallet<S, W> {
    fn add_resource(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.add_resource(resource, parents)
    }
    fn set_parents(
        &self,
        resource: Resource<'_>,
        parents: &[Resource<'_>],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.set_parents(resource, parents)
    }
    fn remove_resource(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.remove_resource(resource)
    }
    fn ancestors(
        &self,
        resource: Resource<'_>,
    ) -> impl Future<Output = StoreResult<Vec<(ResourceRef, u32)>>> + Send {
        self.base.ancestors(resource)
    }
}

impl<S: SubscriptionStore, W: Send + Sync> SubscriptionStore for WithWallet<S, W> {
    fn tenant_plans(&self, tenant: &str) -> impl Future<Output = StoreResult<TenantPlans>> + Send {
        self.base.tenant_plans(tenant)
    }
    fn set_base_plan(
        &self,
        tenant: &str,
        group: u16,
        subscription: Subscription,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.set_base_plan(tenant, group, subscription)
    }
    fn add_add_on(
        &self,
        tenant: &str,
        subscription: Subscription,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.add_add_on(tenant, subscription)
    }
    fn remove_add_on(
        &self,
        tenant: &str,
        plan: PlanId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.remove_add_on(tenant, plan)
    }
    fn set_override(
        &self,
        tenant: &str,
        limit: LimitId,
        max: Option<u64>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.set_override(tenant, limit, max)
    }
}

impl<S: FlagStore, W: Send + Sync> FlagStore for WithWallet<S, W> {
    fn tenant_flags(&self, tenant: &str) -> impl Future<Output = StoreResult<RoleSet>> + Send {
        self.base.tenant_flags(tenant)
    }
    fn set_flag(
        &self,
        tenant: &str,
        flag: FlagId,
        on: bool,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.base.set_flag(tenant, flag, on)
    }
}

impl<S: Send + Sync, W: WalletStore> WalletStore for WithWallet<S, W> {
    fn used(
        &self,
        tenant: &str,
        limit: LimitId,
        period_start: Timestamp,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        self.wallet.used(tenant, limit, period_start)
    }
    fn consume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<bool>> + Send {
        self.wallet.consume(tenant, charges)
    }
    fn unconsume(
        &self,
        tenant: &str,
        charges: &[Charge],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        self.wallet.unconsume(tenant, charges)
    }
}
