//! The compiled model: the tables the engine reads.
//!
//! Every list is a `Cow<'static, [T]>` so that `define_access!` can emit the tables as `static`
//! data (`Cow::Borrowed(&[..])`, computed at compile time) while the run-time builder produces the
//! very same structure with `Cow::Owned` vectors.

use std::borrow::Cow;

/// A string of the model tables.
pub type Str = Cow<'static, str>;
/// A list of the model tables.
pub type List<T> = Cow<'static, [T]>;

/// The most roles an entity type (or the global role list) can declare: role sets are `u64`.
pub const MAX_ROLES: usize = 64;
/// The most flags a model can declare: flag sets are `u64`.
pub const MAX_FLAGS: usize = 64;
/// Marks "no edge" in [`ModelData::edge_lookup`].
pub const NO_EDGE: u16 = u16::MAX;

/// A set of roles of one entity type (bit `i` = role index `i`), or of global roles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleSet(pub u64);

impl RoleSet {
    /// The empty set.
    pub const EMPTY: Self = Self(0);

    /// The set holding only role `index`.
    #[inline]
    pub const fn single(index: usize) -> Self {
        Self(1u64 << index)
    }
    /// Whether role `index` is in the set.
    #[inline]
    pub const fn contains(self, index: usize) -> bool {
        index < 64 && self.0 & (1u64 << index) != 0
    }
    /// Whether the set is empty.
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Whether the two sets share a role.
    #[inline]
    pub const fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
    /// The union.
    #[inline]
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
    /// The intersection.
    #[inline]
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }
    /// Adds role `index`.
    #[inline]
    pub fn insert(&mut self, index: usize) {
        self.0 |= 1u64 << index;
    }
    /// The indices in the set, ascending.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        let mut bits = self.0;
        std::iter::from_fn(move || {
            if bits == 0 {
                None
            } else {
                let i = bits.trailing_zeros() as usize;
                bits &= bits - 1;
                Some(i)
            }
        })
    }
    /// Number of roles in the set.
    #[inline]
    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }
}

/// A set of flags (bit `i` = flag index `i`).
pub type FlagSet = RoleSet;

/// A usage period of a limit. Periods start at the plan's anchor (its start time).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Period {
    /// One hour.
    Hour,
    /// One day.
    Day,
    /// One calendar month (same day of month as the anchor, clamped to the month's length).
    Month,
    /// Three calendar months.
    Quarter,
    /// Twelve calendar months.
    Year,
}

impl Period {
    /// Every period, in the order of the names below.
    pub const ALL: [Period; 5] = [
        Period::Hour,
        Period::Day,
        Period::Month,
        Period::Quarter,
        Period::Year,
    ];
    /// The names accepted after `per`.
    pub const NAMES: [&'static str; 5] = ["hour", "day", "month", "quarter", "year"];

    /// The period's name as written after `per`.
    pub const fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
    /// The period of a name written after `per`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| Self::ALL[i])
    }
}

/// What an action of a schema needs when the schema declares nothing
/// (`default_permission` of `define_access!`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Permission {
    /// No authentication needed.
    Public,
    /// Nobody may.
    Blocked,
    /// Any authenticated user.
    Authenticated,
    /// A user holding one of these global roles.
    Roles(RoleSet),
}

/// `default_permission` per action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DefaultPermission {
    /// Creating a row.
    pub create: Permission,
    /// Reading one row.
    pub read: Permission,
    /// Listing rows (defaults to `read`).
    pub list: Permission,
    /// Updating a row.
    pub update: Permission,
    /// Deleting a row.
    pub delete: Permission,
}

impl DefaultPermission {
    /// The action names `default_permission` accepts.
    pub const ACTIONS: [&'static str; 5] = ["create", "read", "list", "update", "delete"];

    /// When the model says nothing: reading is for authenticated users, writing is blocked.
    pub const FALLBACK: Self = Self {
        create: Permission::Blocked,
        read: Permission::Authenticated,
        list: Permission::Authenticated,
        update: Permission::Blocked,
        delete: Permission::Blocked,
    };
}

/// One entity type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityData {
    /// The entity type's name (`project`).
    pub name: Str,
    /// Its roles, by index.
    pub roles: List<Str>,
    /// Per role: the closure of `implies` from that role, the role itself included.
    pub implies: List<RoleSet>,
    /// Indices into [`ModelData::edges`] of the edges whose child is this type.
    pub parent_edges: List<u16>,
    /// Indices into [`ModelData::entitlements`] of the entitlements checked on this type.
    pub entitlements: List<u16>,
}

/// One (parent type → child type) edge of the hierarchy, from the `inherits` lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EdgeData {
    /// Parent entity type index.
    pub parent: u16,
    /// Child entity type index.
    pub child: u16,
    /// Per parent role: the child roles it grants, with `implies` folded in on both sides
    /// (closure of the parent role, then closure of the child roles).
    pub map: List<RoleSet>,
    /// The `inherits` lines as written: `(parent role, child role)`, for explanations.
    pub lines: List<(u8, u8)>,
}

/// One entitlement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntitlementData {
    /// `resource:action`.
    pub name: Str,
    /// The entity type it is checked on.
    pub entity: u16,
    /// The roles listed in the declaration.
    pub roles: RoleSet,
    /// Every role that grants it: the roles whose `implies` closure meets [`Self::roles`].
    pub granting: RoleSet,
    /// Flags that must all be on.
    pub flags: FlagSet,
    /// Whether some plan lists it in `features` (then the tenant's plans must include it).
    pub plan_gated: bool,
    /// Plans whose features include it.
    pub plans: List<u16>,
    /// Limits gating it (indices into [`ModelData::limits`]).
    pub limits: List<u16>,
}

/// One plan (a base plan of a group, or an add-on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanData {
    /// The plan's name.
    pub name: Str,
    /// Base plans: the group (index into [`ModelData::groups`]); add-ons: `None`.
    pub group: Option<u16>,
    /// Whether it is an add-on.
    pub add_on: bool,
    /// Add-ons: the base plans it is valid on (empty = any base plan).
    pub requires: List<u16>,
    /// Entitlements included, as a bitset over entitlement indices (`words[i / 64] >> (i % 64)`).
    pub features: List<u64>,
    /// The limits this plan sets.
    pub limits: List<PlanLimit>,
}

impl PlanData {
    /// Whether the plan includes entitlement `index`.
    #[inline]
    pub fn includes(&self, index: usize) -> bool {
        self.features
            .get(index / 64)
            .is_some_and(|w| w & (1u64 << (index % 64)) != 0)
    }
    /// The max this plan sets for `limit`, if any.
    pub fn limit_max(&self, limit: u16) -> Option<u64> {
        self.limits.iter().find(|l| l.limit == limit).map(|l| l.max)
    }
}

/// A limit's maximum in one plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanLimit {
    /// Index into [`ModelData::limits`].
    pub limit: u16,
    /// Units per period.
    pub max: u64,
}

/// One named limit (a usage counter).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitData {
    /// The limit's name (`ai`).
    pub name: Str,
    /// The entitlement it gates.
    pub entitlement: u16,
    /// Its period.
    pub period: Period,
}

/// The compiled model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelData {
    /// Name of the model type.
    pub name: Str,
    /// Global roles.
    pub global_roles: List<Str>,
    /// Index of the default global role.
    pub default_role: Option<u16>,
    /// Entity types.
    pub entities: List<EntityData>,
    /// Hierarchy edges.
    pub edges: List<EdgeData>,
    /// Dense `entities.len() × entities.len()` table: `edge_lookup[parent * n + child]` is the
    /// edge index, or [`NO_EDGE`].
    pub edge_lookup: List<u16>,
    /// Flags.
    pub flags: List<Str>,
    /// Entitlements.
    pub entitlements: List<EntitlementData>,
    /// Plan groups.
    pub groups: List<Str>,
    /// Plans.
    pub plans: List<PlanData>,
    /// Limits.
    pub limits: List<LimitData>,
    /// Index of the default base plan.
    pub default_plan: Option<u16>,
    /// Permissions for schemas that declare none.
    pub default_permission: DefaultPermission,
    /// Whether superusers pass `blocked` schema rules (`superuser_bypasses_blocked`).
    pub superuser_bypasses_blocked: bool,
}

impl ModelData {
    /// The edge from `parent` type to `child` type, if the model has one.
    #[inline]
    pub fn edge(&self, parent: u16, child: u16) -> Option<&EdgeData> {
        let n = self.entities.len();
        let i = *self.edge_lookup.get(parent as usize * n + child as usize)?;
        if i == NO_EDGE {
            None
        } else {
            self.edges.get(i as usize)
        }
    }
    /// Index of the entity type named `name`.
    pub fn entity_index(&self, name: &str) -> Option<u16> {
        position(self.entities.iter().map(|e| &*e.name), name)
    }
    /// Index of the entitlement named `name`.
    pub fn entitlement_index(&self, name: &str) -> Option<u16> {
        position(self.entitlements.iter().map(|e| &*e.name), name)
    }
    /// Index of the plan named `name`.
    pub fn plan_index(&self, name: &str) -> Option<u16> {
        position(self.plans.iter().map(|p| &*p.name), name)
    }
    /// Index of the flag named `name`.
    pub fn flag_index(&self, name: &str) -> Option<u16> {
        position(self.flags.iter().map(|f| &**f), name)
    }
    /// Index of the global role named `name`.
    pub fn global_role_index(&self, name: &str) -> Option<u16> {
        position(self.global_roles.iter().map(|f| &**f), name)
    }
    /// Index of the role `role` of entity type `entity`.
    pub fn role_index(&self, entity: u16, role: &str) -> Option<u16> {
        let e = self.entities.get(entity as usize)?;
        position(e.roles.iter().map(|r| &**r), role)
    }
    /// Index of the limit named `name`.
    pub fn limit_index(&self, name: &str) -> Option<u16> {
        position(self.limits.iter().map(|l| &*l.name), name)
    }
}

fn position<'a>(mut names: impl Iterator<Item = &'a str>, name: &str) -> Option<u16> {
    names.position(|n| n == name).map(|i| i as u16)
}
