//! The compiled model: the tables the engine reads.
//!
//! Every list is a `Cow<'static, [T]>` so that `define_access!` can emit the tables as `static`
//! data (`Cow::Borrowed(&[..])`, computed at compile time) while the run-time builder produces the
//! very same structure with `Cow::Owned` vectors.

use std::borrow::Cow;

mod tenant;
pub use tenant::TenantData;

/// A string of the model tables.
pub type Str = Cow<'static, str>;
/// A list of the model tables.
pub type List<T> = Cow<'static, [T]>;

/// The most roles an entity type (or the global role list) can declare: role sets are `u64`.
pub const MAX_ROLES: usize = 64;
/// The most flags a model can declare: flag sets are `u64`.
pub const MAX_FLAGS: usize = 64;
/// The most entity types a model can declare: the edge lookup is `entities²` entries.
pub const MAX_ENTITIES: usize = 1024;
/// The most (parent type, child type) pairs with `inherits` lines, and the most limits: the
/// tables index them with `u16` ([`NO_EDGE`] excluded).
pub const MAX_EDGES: usize = (u16::MAX - 1) as usize;
/// Marks "no edge" in [`ModelData::edge_lookup`].
pub const NO_EDGE: u16 = u16::MAX;

/// A set of roles of one entity type (bit `i` = role index `i`), or of global roles.
///
/// # Examples
/// ```
/// use access_model::RoleSet;
/// let mut set = RoleSet::EMPTY;
/// set.insert(0);
/// set.insert(2);
/// assert_eq!(set, RoleSet(0b101));
/// assert!(set.contains(2) && !set.contains(1));
/// assert_eq!(set.iter().collect::<Vec<_>>(), [0, 2]);
/// assert_eq!(set.len(), 2);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleSet(pub u64);

impl RoleSet {
    /// The empty set.
    pub const EMPTY: Self = Self(0);

    /// The set holding only role `index`; empty when `index` is 64 or more (a model has at
    /// most 64 roles per entity, so such an index names no role).
    ///
    /// # Examples
    /// ```
    /// use access_model::RoleSet;
    /// assert_eq!(RoleSet::single(3), RoleSet(0b1000));
    /// assert_eq!(RoleSet::single(3).iter().collect::<Vec<_>>(), [3]);
    /// assert!(RoleSet::single(64).is_empty());
    /// ```
    #[inline]
    pub const fn single(index: usize) -> Self {
        if index < 64 {
            Self(1u64 << index)
        } else {
            Self::EMPTY
        }
    }
    /// Whether role `index` is in the set.
    ///
    /// # Examples
    /// ```
    /// use access_model::RoleSet;
    /// let set = RoleSet(0b110);
    /// assert!(set.contains(1) && set.contains(2));
    /// assert!(!set.contains(0));
    /// assert!(!set.contains(64)); // out of range: never in the set
    /// ```
    #[inline]
    pub const fn contains(self, index: usize) -> bool {
        index < 64 && self.0 & (1u64 << index) != 0
    }
    /// Whether the set is empty.
    ///
    /// # Examples
    /// ```
    /// use access_model::RoleSet;
    /// assert!(RoleSet::EMPTY.is_empty());
    /// assert!(!RoleSet::single(0).is_empty());
    /// ```
    #[inline]
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Whether the two sets share a role.
    ///
    /// # Examples
    /// ```
    /// use access_model::RoleSet;
    /// let a = RoleSet(0b011);
    /// assert!(a.intersects(RoleSet(0b110)));
    /// assert!(!a.intersects(RoleSet(0b100)));
    /// assert!(!a.intersects(RoleSet::EMPTY));
    /// ```
    #[inline]
    pub const fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }
    /// The union.
    ///
    /// # Examples
    /// ```
    /// use access_model::RoleSet;
    /// assert_eq!(RoleSet(0b001).union(RoleSet(0b100)), RoleSet(0b101));
    /// ```
    #[inline]
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
    /// The intersection.
    ///
    /// # Examples
    /// ```
    /// use access_model::RoleSet;
    /// assert_eq!(RoleSet(0b011).intersection(RoleSet(0b110)), RoleSet(0b010));
    /// assert!(RoleSet(0b001).intersection(RoleSet(0b100)).is_empty());
    /// ```
    #[inline]
    #[must_use]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }
    /// Adds role `index`; an index of 64 or more names no role and changes nothing (as
    /// [`contains`](Self::contains) never finds it).
    ///
    /// # Examples
    /// ```
    /// use access_model::RoleSet;
    /// let mut set = RoleSet::EMPTY;
    /// set.insert(5);
    /// set.insert(5); // already there: no change
    /// assert_eq!(set, RoleSet::single(5));
    /// set.insert(64); // out of range: no change, no panic
    /// assert_eq!(set, RoleSet::single(5));
    /// ```
    #[inline]
    pub fn insert(&mut self, index: usize) {
        self.0 |= Self::single(index).0;
    }
    /// The indices in the set, ascending.
    ///
    /// # Examples
    /// ```
    /// use access_model::RoleSet;
    /// let set = RoleSet(0b1001).union(RoleSet::single(63));
    /// assert_eq!(set.iter().collect::<Vec<_>>(), [0, 3, 63]);
    /// assert_eq!(RoleSet::EMPTY.iter().count(), 0);
    /// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::RoleSet;
    /// assert_eq!(RoleSet(0b1011).len(), 3);
    /// assert_eq!(RoleSet::EMPTY.len(), 0);
    /// ```
    #[inline]
    pub const fn len(self) -> u32 {
        self.0.count_ones()
    }
}

/// A set of flags (bit `i` = flag index `i`).
pub type FlagSet = RoleSet;

/// A usage period of a limit. Periods start at the plan's anchor (its start time).
///
/// # Examples
/// ```
/// use access_model::Period;
/// assert_eq!(Period::from_name("month"), Some(Period::Month));
/// assert_eq!(Period::Month.as_str(), "month");
/// // Every period round-trips through its name.
/// for p in Period::ALL {
///     assert_eq!(Period::from_name(p.as_str()), Some(p));
/// }
/// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::Period;
    /// assert_eq!(Period::Hour.as_str(), "hour");
    /// assert_eq!(Period::Quarter.as_str(), "quarter");
    /// ```
    pub const fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
    /// The period of a name written after `per`.
    ///
    /// # Examples
    /// ```
    /// use access_model::Period;
    /// assert_eq!(Period::from_name("year"), Some(Period::Year));
    /// assert_eq!(Period::from_name("week"), None);
    /// assert_eq!(Period::from_name("Day"), None); // names are lowercase
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        Self::NAMES
            .iter()
            .position(|n| *n == name)
            .map(|i| Self::ALL[i])
    }
}

/// What an action of a schema needs when the schema declares nothing
/// (`default_permission` of `define_access!`).
///
/// # Examples
/// ```
/// use access_model::{ModelBuilder, Name, Permission, PermissionSpec, RoleSet};
/// let data = ModelBuilder::new("Access")
///     .global_roles(["admin", "editor"])
///     .entity("project", ["viewer"])
///     .default_permission("read", PermissionSpec::Public(()))
///     .default_permission("update", PermissionSpec::Roles(vec![Name::plain("editor")]))
///     .build()
///     .unwrap();
/// assert_eq!(data.default_permission.read, Permission::Public);
/// assert_eq!(data.default_permission.update, Permission::Roles(RoleSet::single(1)));
/// ```
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
///
/// # Examples
/// ```
/// use access_model::{DefaultPermission, ModelBuilder, Permission, PermissionSpec};
/// // A model that says nothing gets the fallback.
/// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
/// assert_eq!(data.default_permission, DefaultPermission::FALLBACK);
/// assert_eq!(DefaultPermission::FALLBACK.read, Permission::Authenticated);
/// assert_eq!(DefaultPermission::FALLBACK.delete, Permission::Blocked);
/// // `list` defaults to what `read` says.
/// let data = ModelBuilder::new("Access")
///     .entity("project", ["viewer"])
///     .default_permission("read", PermissionSpec::Blocked(()))
///     .build()
///     .unwrap();
/// assert_eq!(data.default_permission.list, Permission::Blocked);
/// ```
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
///
/// # Examples
/// ```
/// use access_model::{ModelBuilder, RoleSet};
/// let data = ModelBuilder::new("Access")
///     .entity("workspace", ["admin"])
///     .entity("project", ["manager", "viewer"])
///     .implies("project", "manager", "viewer")
///     .inherits("project", "workspace", "admin", "manager")
///     .entitlement("project:read", "project", ["viewer"], [])
///     .build()
///     .unwrap();
/// let project = &data.entities[1];
/// assert_eq!(project.name, "project");
/// assert_eq!(*project.roles, ["manager", "viewer"]);
/// assert_eq!(*project.implies, [RoleSet(0b11), RoleSet(0b10)]);
/// assert_eq!(*project.parent_edges, [0]); // the workspace -> project edge
/// assert_eq!(*project.entitlements, [0]);
/// ```
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
///
/// # Examples
/// ```
/// use access_model::{ModelBuilder, RoleSet};
/// let data = ModelBuilder::new("Access")
///     .entity("workspace", ["admin", "member"])
///     .entity("project", ["manager", "viewer"])
///     .implies("workspace", "admin", "member")
///     .implies("project", "manager", "viewer")
///     .inherits("project", "workspace", "member", "viewer")
///     .inherits("project", "workspace", "admin", "manager")
///     .build()
///     .unwrap();
/// let edge = &data.edges[0];
/// assert_eq!((edge.parent, edge.child), (0, 1));
/// assert_eq!(*edge.lines, [(1, 1), (0, 0)]); // as written
/// // `admin` gets `manager` and, through `implies`, `viewer`; `member` gets `viewer`.
/// assert_eq!(*edge.map, [RoleSet(0b11), RoleSet(0b10)]);
/// ```
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
///
/// # Examples
/// ```
/// use access_model::{ModelBuilder, RoleSet};
/// let data = ModelBuilder::new("Access")
///     .flags(["beta"])
///     .entity("project", ["manager", "viewer"])
///     .implies("project", "manager", "viewer")
///     .entitlement("project:read", "project", ["viewer"], ["beta"])
///     .base_plan("pro", "main", ["project:read"])
///     .build()
///     .unwrap();
/// let e = &data.entitlements[0];
/// assert_eq!((&*e.name, e.entity), ("project:read", 0));
/// assert_eq!(e.roles, RoleSet::single(1)); // `viewer`, as listed
/// assert_eq!(e.granting, RoleSet(0b11)); // `manager` implies `viewer`
/// assert_eq!(e.flags, RoleSet::single(0));
/// assert!(e.plan_gated);
/// assert_eq!(*e.plans, [0]);
/// assert!(e.limits.is_empty());
/// ```
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
///
/// # Examples
/// ```
/// use access_model::ModelBuilder;
/// let data = ModelBuilder::new("Access")
///     .entity("project", ["viewer"])
///     .entitlement("project:read", "project", ["viewer"], [])
///     .entitlement("ai:generate", "project", ["viewer"], [])
///     .base_plan("pro", "main", ["ai:generate"])
///     .limit("pro", "ai", "ai:generate", "day", 50)
///     .build()
///     .unwrap();
/// let pro = &data.plans[0];
/// assert_eq!((&*pro.name, pro.group, pro.add_on), ("pro", Some(0), false));
/// assert_eq!(*pro.features, [0b10]); // entitlement 1, `ai:generate`
/// assert!(pro.includes(1) && !pro.includes(0));
/// assert_eq!(pro.limit_max(0), Some(50));
/// ```
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
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("project:read", "project", ["viewer"], [])
    ///     .entitlement("ai:generate", "project", ["viewer"], [])
    ///     .base_plan("pro", "main", ["ai:generate"])
    ///     .build()
    ///     .unwrap();
    /// let ai = data.entitlement_index("ai:generate").unwrap() as usize;
    /// assert!(data.plans[0].includes(ai));
    /// assert!(!data.plans[0].includes(0));
    /// assert!(!data.plans[0].includes(1000)); // out of range: not included
    /// ```
    #[inline]
    pub fn includes(&self, index: usize) -> bool {
        self.features
            .get(index / 64)
            .is_some_and(|w| w & (1u64 << (index % 64)) != 0)
    }
    /// The max this plan sets for `limit`, if any.
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("ai:generate", "project", ["viewer"], [])
    ///     .base_plan("free", "main", Vec::<&str>::new())
    ///     .base_plan("pro", "main", ["ai:generate"])
    ///     .limit("pro", "ai", "ai:generate", "month", 1000)
    ///     .build()
    ///     .unwrap();
    /// let ai = data.limit_index("ai").unwrap();
    /// assert_eq!(data.plans[1].limit_max(ai), Some(1000));
    /// assert_eq!(data.plans[0].limit_max(ai), None); // `free` sets no max
    /// ```
    pub fn limit_max(&self, limit: u16) -> Option<u64> {
        self.limits.iter().find(|l| l.limit == limit).map(|l| l.max)
    }
}

/// A limit's maximum in one plan.
///
/// # Examples
/// ```
/// use access_model::{ModelBuilder, PlanLimit};
/// let data = ModelBuilder::new("Access")
///     .entity("project", ["viewer"])
///     .entitlement("ai:generate", "project", ["viewer"], [])
///     .base_plan("pro", "main", ["ai:generate"])
///     .limit("pro", "ai", "ai:generate", "month", 1000)
///     .build()
///     .unwrap();
/// assert_eq!(*data.plans[0].limits, [PlanLimit { limit: 0, max: 1000 }]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanLimit {
    /// Index into [`ModelData::limits`].
    pub limit: u16,
    /// Units per period.
    pub max: u64,
}

/// One named limit (a usage counter).
///
/// # Examples
/// ```
/// use access_model::{LimitData, ModelBuilder, Period};
/// let data = ModelBuilder::new("Access")
///     .entity("project", ["viewer"])
///     .entitlement("ai:generate", "project", ["viewer"], [])
///     .base_plan("pro", "main", ["ai:generate"])
///     .base_plan("team", "main", ["ai:generate"])
///     .limit("pro", "ai", "ai:generate", "month", 1000)
///     .limit("team", "ai", "ai:generate", "month", 5000)
///     .build()
///     .unwrap();
/// // The same name in two plans is one counter.
/// assert_eq!(data.limits.len(), 1);
/// let LimitData { name, entitlement, period } = &data.limits[0];
/// assert_eq!((&**name, *entitlement, *period), ("ai", 0, Period::Month));
/// assert_eq!(*data.entitlements[0].limits, [0]);
/// ```
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
///
/// # Examples
/// ```
/// use access_model::{ModelBuilder, ModelData};
/// let data: ModelData = ModelBuilder::new("Access")
///     .global_roles(["admin", "user"])
///     .default_role("user")
///     .entity("workspace", ["admin"])
///     .entity("project", ["viewer"])
///     .inherits("project", "workspace", "admin", "viewer")
///     .entitlement("project:read", "project", ["viewer"], [])
///     .base_plan("free", "main", Vec::<&str>::new())
///     .default_plan("free")
///     .build()
///     .unwrap();
/// assert_eq!(data.name, "Access");
/// assert_eq!(data.default_role, data.global_role_index("user"));
/// assert_eq!(data.entities.len(), 2);
/// assert_eq!(data.edges.len(), 1);
/// assert_eq!(data.edge_lookup.len(), 2 * 2);
/// assert_eq!(data.default_plan, data.plan_index("free"));
/// ```
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
    /// Which entity type is the tenant, and its owner and member roles (`tenant: ..`).
    pub tenant: Option<TenantData>,
    /// Permissions for schemas that declare none.
    pub default_permission: DefaultPermission,
    /// Whether superusers pass `blocked` schema rules (`superuser_bypasses_blocked`).
    pub superuser_bypasses_blocked: bool,
}

impl ModelData {
    /// The edge from `parent` type to `child` type, if the model has one.
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .entity("workspace", ["admin"])
    ///     .entity("project", ["viewer"])
    ///     .inherits("project", "workspace", "admin", "viewer")
    ///     .build()
    ///     .unwrap();
    /// let (ws, p) = (data.entity_index("workspace").unwrap(), data.entity_index("project").unwrap());
    /// assert_eq!(data.edge(ws, p).map(|e| e.child), Some(p));
    /// assert!(data.edge(p, ws).is_none()); // edges are directed
    /// assert!(data.edge(9, 9).is_none());
    /// ```
    #[inline]
    pub fn edge(&self, parent: u16, child: u16) -> Option<&EdgeData> {
        let n = self.entities.len();
        if parent as usize >= n || child as usize >= n {
            return None;
        }
        let i = *self.edge_lookup.get(parent as usize * n + child as usize)?;
        if i == NO_EDGE {
            None
        } else {
            self.edges.get(i as usize)
        }
    }
    /// Index of the entity type named `name`.
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .entity("workspace", ["admin"])
    ///     .entity("project", ["viewer"])
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(data.entity_index("project"), Some(1));
    /// assert_eq!(data.entity_index("task"), None);
    /// ```
    pub fn entity_index(&self, name: &str) -> Option<u16> {
        position(self.entities.iter().map(|e| &*e.name), name)
    }
    /// Index of the entitlement named `name`.
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("project:read", "project", ["viewer"], [])
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(data.entitlement_index("project:read"), Some(0));
    /// assert_eq!(data.entitlement_index("project:write"), None);
    /// ```
    pub fn entitlement_index(&self, name: &str) -> Option<u16> {
        position(self.entitlements.iter().map(|e| &*e.name), name)
    }
    /// Index of the plan named `name`.
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .base_plan("free", "main", Vec::<&str>::new())
    ///     .base_plan("pro", "main", Vec::<&str>::new())
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(data.plan_index("pro"), Some(1));
    /// assert_eq!(data.plan_index("enterprise"), None);
    /// ```
    pub fn plan_index(&self, name: &str) -> Option<u16> {
        position(self.plans.iter().map(|p| &*p.name), name)
    }
    /// Index of the flag named `name`.
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .flags(["beta", "legacy"])
    ///     .entity("project", ["viewer"])
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(data.flag_index("legacy"), Some(1));
    /// assert_eq!(data.flag_index("alpha"), None);
    /// ```
    pub fn flag_index(&self, name: &str) -> Option<u16> {
        position(self.flags.iter().map(|f| &**f), name)
    }
    /// Index of the global role named `name`.
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .global_roles(["admin", "user"])
    ///     .entity("project", ["viewer"])
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(data.global_role_index("admin"), Some(0));
    /// assert_eq!(data.global_role_index("viewer"), None); // an entity role, not a global one
    /// ```
    pub fn global_role_index(&self, name: &str) -> Option<u16> {
        position(self.global_roles.iter().map(|f| &**f), name)
    }
    /// Index of the role `role` of entity type `entity`.
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .entity("workspace", ["admin", "member"])
    ///     .entity("project", ["viewer"])
    ///     .build()
    ///     .unwrap();
    /// let ws = data.entity_index("workspace").unwrap();
    /// assert_eq!(data.role_index(ws, "member"), Some(1));
    /// assert_eq!(data.role_index(ws, "viewer"), None); // a role of `project`
    /// assert_eq!(data.role_index(7, "member"), None); // no such entity type
    /// ```
    pub fn role_index(&self, entity: u16, role: &str) -> Option<u16> {
        let e = self.entities.get(entity as usize)?;
        position(e.roles.iter().map(|r| &**r), role)
    }
    /// Index of the limit named `name`.
    ///
    /// # Examples
    /// ```
    /// use access_model::ModelBuilder;
    /// let data = ModelBuilder::new("Access")
    ///     .entity("project", ["viewer"])
    ///     .entitlement("ai:generate", "project", ["viewer"], [])
    ///     .base_plan("pro", "main", ["ai:generate"])
    ///     .limit("pro", "ai", "ai:generate", "hour", 10)
    ///     .build()
    ///     .unwrap();
    /// assert_eq!(data.limit_index("ai"), Some(0));
    /// assert_eq!(data.limit_index("storage"), None);
    /// ```
    pub fn limit_index(&self, name: &str) -> Option<u16> {
        position(self.limits.iter().map(|l| &*l.name), name)
    }
}

fn position<'a>(mut names: impl Iterator<Item = &'a str>, name: &str) -> Option<u16> {
    names.position(|n| n == name).map(|i| i as u16)
}

#[cfg(test)]
mod tests;
