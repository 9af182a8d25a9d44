//! The model as written: a typed syntax tree with a location on every name.
//!
//! `define_access!` parses its tokens into a `ModelSpec<proc_macro2::Span>`; the run-time
//! builder fills a `ModelSpec<()>` (or any other location type, e.g. a line number of a file it
//! translated). Both hand it to [`crate::compile`], which validates it and computes the tables.

/// A name as written, with where it was written.
///
/// # Examples
/// ```
/// use access_model::Name;
/// let n = Name::new("editor", 12u32); // e.g. a line number
/// assert_eq!((n.text.as_str(), n.span), ("editor", 12));
/// assert_eq!(Name::plain("editor"), Name::new("editor", ()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name<S> {
    /// The text of the name (`editor`, `"project:create"` without the quotes).
    pub text: String,
    /// Where it was written.
    pub span: S,
}

impl<S> Name<S> {
    /// A name at a location.
    ///
    /// # Examples
    /// ```
    /// use access_model::Name;
    /// let n = Name::new(String::from("project"), (3usize, 7usize)); // (line, column)
    /// assert_eq!(n.text, "project");
    /// assert_eq!(n.span, (3, 7));
    /// ```
    pub fn new(text: impl Into<String>, span: S) -> Self {
        Self {
            text: text.into(),
            span,
        }
    }
}

impl Name<()> {
    /// A name without a location (run-time models).
    ///
    /// # Examples
    /// ```
    /// use access_model::Name;
    /// let n = Name::plain("viewer");
    /// assert_eq!(n.text, "viewer");
    /// assert_eq!(n.span, ());
    /// ```
    pub fn plain(text: impl Into<String>) -> Self {
        Self::new(text, ())
    }
}

/// The whole `define_access!` invocation.
///
/// # Examples
/// ```
/// use access_model::{EntitySpec, ModelSpec, Name, compile};
/// // Locations can be anything `Copy`: here, line numbers of a file.
/// let mut spec = ModelSpec::new(Name::new("Access", 1));
/// spec.entities.push(EntitySpec {
///     name: Name::new("project", 2),
///     roles: vec![Name::new("viewer", 3), Name::new("viewer", 4)],
///     implies: vec![],
///     inherits: vec![],
/// });
/// let err = compile(&spec).unwrap_err();
/// assert_eq!(err[0].span, 4);
/// assert_eq!(err[0].message, "duplicate role `viewer` on `project`");
/// spec.entities[0].roles.pop();
/// assert_eq!(compile(&spec).unwrap().entities[0].roles.len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelSpec<S> {
    /// Name of the generated model type (`Access`).
    pub name: Name<S>,
    /// Global roles held by a user account (`roles: [admin, editor, user]`).
    pub global_roles: Vec<Name<S>>,
    /// `default_role: user` (must be a global role).
    pub default_role: Option<Name<S>>,
    /// `entity name { .. }` blocks, in order.
    pub entities: Vec<EntitySpec<S>>,
    /// `flags: [..]`.
    pub flags: Vec<Name<S>>,
    /// `entitlements { .. }`.
    pub entitlements: Vec<EntitlementSpec<S>>,
    /// `plans { .. }`.
    pub plans: Vec<PlanSpec<S>>,
    /// `default_plan: free` (must be a base plan).
    pub default_plan: Option<Name<S>>,
    /// `tenant: organization { owner: owner, member: member }`: the entity type whose
    /// resources are the tenants (organizations), the role their creator gets, and the role an
    /// invitation gives when it names none.
    pub tenant: Option<TenantSpec<S>>,
    /// `default_permission: { create: [admin], read: public, .. }`.
    pub default_permission: Vec<ActionPermissionSpec<S>>,
    /// `superuser_bypasses_blocked: true`: superusers pass schema actions and fields marked
    /// `blocked` too (by default `blocked` stops everyone).
    pub superuser_bypasses_blocked: bool,
}

impl<S> ModelSpec<S> {
    /// An empty model named `name`.
    ///
    /// # Examples
    /// ```
    /// use access_model::{ErrorKind, ModelSpec, Name, compile};
    /// let spec = ModelSpec::new(Name::new("Access", 1));
    /// assert!(spec.entities.is_empty() && spec.default_role.is_none());
    /// assert!(!spec.superuser_bypasses_blocked);
    /// // Still empty: compiling reports it at the model's name.
    /// let err = compile(&spec).unwrap_err();
    /// assert_eq!((err[0].kind, err[0].span), (ErrorKind::Empty, 1));
    /// ```
    pub fn new(name: Name<S>) -> Self {
        Self {
            name,
            global_roles: Vec::new(),
            default_role: None,
            entities: Vec::new(),
            flags: Vec::new(),
            entitlements: Vec::new(),
            plans: Vec::new(),
            default_plan: None,
            tenant: None,
            default_permission: Vec::new(),
            superuser_bypasses_blocked: false,
        }
    }
}

/// `entity project { roles: [..], implies: {..}, inherits: {..} }`.
///
/// # Examples
/// ```
/// use access_model::{EntitySpec, ImpliesSpec, ModelSpec, Name, RoleSet, compile};
/// let mut spec = ModelSpec::new(Name::plain("Access"));
/// spec.entities.push(EntitySpec {
///     name: Name::plain("project"),
///     roles: vec![Name::plain("manager"), Name::plain("viewer")],
///     implies: vec![ImpliesSpec { from: Name::plain("manager"), to: Name::plain("viewer") }],
///     inherits: vec![],
/// });
/// let data = compile(&spec).unwrap();
/// assert_eq!(data.entities[0].name, "project");
/// assert_eq!(data.entities[0].implies[0], RoleSet(0b11));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntitySpec<S> {
    /// The entity type's name.
    pub name: Name<S>,
    /// Roles a user can hold on a resource of this type.
    pub roles: Vec<Name<S>>,
    /// `manager => contributor`: holding `from` on a resource also gives `to` on it.
    pub implies: Vec<ImpliesSpec<S>>,
    /// `workspace:admin => manager`: holding `parent_role` on a parent resource of type
    /// `parent_entity` gives `role` on this one. These lines define the hierarchy.
    pub inherits: Vec<InheritSpec<S>>,
}

/// `from => to` inside `implies`.
///
/// # Examples
/// ```
/// use access_model::{EntitySpec, ErrorKind, ImpliesSpec, ModelSpec, Name, compile};
/// let implies = |from, to, line| ImpliesSpec { from: Name::new(from, line), to: Name::new(to, line) };
/// let mut spec = ModelSpec::new(Name::new("Access", 1));
/// spec.entities.push(EntitySpec {
///     name: Name::new("project", 2),
///     roles: vec![Name::new("manager", 2), Name::new("viewer", 2)],
///     implies: vec![implies("manager", "viewer", 3), implies("viewer", "manager", 4)],
///     inherits: vec![],
/// });
/// // A cycle is reported once, at the line that closes it.
/// let err = compile(&spec).unwrap_err();
/// assert_eq!(err.len(), 1);
/// assert_eq!((err[0].kind, err[0].span), (ErrorKind::ImpliesCycle, 4));
/// assert_eq!(err[0].message, "cycle in `implies` of `project`: `manager` => `viewer` => `manager`");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImpliesSpec<S> {
    /// The role that implies.
    pub from: Name<S>,
    /// The role implied.
    pub to: Name<S>,
}

/// `parent_entity:parent_role => role` inside `inherits`.
///
/// # Examples
/// ```
/// use access_model::{EntitySpec, InheritSpec, ModelSpec, Name, compile};
/// let entity = |name, roles: &[&str], inherits| EntitySpec {
///     name: Name::plain(name),
///     roles: roles.iter().map(|r| Name::plain(*r)).collect(),
///     implies: vec![],
///     inherits,
/// };
/// let line = |role: &str| InheritSpec {
///     parent_entity: Name::plain("workspace"),
///     parent_role: Name::plain(role),
///     role: Name::plain("viewer"),
/// };
/// let mut spec = ModelSpec::new(Name::plain("Access"));
/// spec.entities.push(entity("workspace", &["owner"], vec![]));
/// spec.entities.push(entity("project", &["viewer"], vec![line("owner")]));
/// assert!(compile(&spec).unwrap().edge(0, 1).is_some());
/// spec.entities[1].inherits = vec![line("ownr")];
/// let err = compile(&spec).unwrap_err();
/// assert_eq!(err[0].message, "unknown role `ownr` on `workspace`, did you mean `owner`?");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InheritSpec<S> {
    /// The parent entity type.
    pub parent_entity: Name<S>,
    /// A role of the parent entity type.
    pub parent_role: Name<S>,
    /// A role of this entity type.
    pub role: Name<S>,
}

/// `"project:create" on workspace => roles [admin, editor], flags [beta]`.
///
/// # Examples
/// ```
/// use access_model::{EntitlementSpec, ModelBuilder, Name, compile};
/// let mut spec = ModelBuilder::new("Access")
///     .entity("workspace", ["admin"])
///     .entity("project", ["viewer"])
///     .into_spec();
/// spec.entitlements.push(EntitlementSpec {
///     name: Name::plain("project:read"),
///     entity: Name::plain("project"),
///     roles: vec![Name::plain("viewer")],
///     flags: vec![],
/// });
/// assert_eq!(compile(&spec).unwrap().entitlements[0].name, "project:read");
/// // Roles must be roles of the entity type the entitlement is checked on.
/// spec.entitlements[0].roles = vec![Name::plain("admin")];
/// let err = compile(&spec).unwrap_err();
/// assert_eq!(
///     err[0].message,
///     "unknown role `admin` on `project`: `admin` is a role of `workspace`, expected one of \
///      `viewer` (a parent's role reaches `project` through `inherits`)"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntitlementSpec<S> {
    /// `resource:action`, lowercase snake case on both sides.
    pub name: Name<S>,
    /// The entity type the entitlement is checked on.
    pub entity: Name<S>,
    /// Roles of that entity type that grant it (each one's `implies` closure too).
    pub roles: Vec<Name<S>>,
    /// Flags that must all be on for the tenant.
    pub flags: Vec<Name<S>>,
}

/// One plan inside `plans { .. }`.
///
/// # Examples
/// ```
/// use access_model::{ErrorKind, ModelBuilder, Name, PlanSpec, compile};
/// let mut spec = ModelBuilder::new("Access").entity("project", ["viewer"]).into_spec();
/// spec.plans.push(PlanSpec {
///     name: Name::plain("pro"),
///     group: Some(Name::plain("main")),
///     add_on: None,
///     features: vec![],
///     limits: vec![],
///     requires: None,
/// });
/// assert_eq!(compile(&spec).unwrap().plans[0].group, Some(0));
/// // A base plan needs a group.
/// spec.plans[0].group = None;
/// let err = compile(&spec).unwrap_err();
/// assert_eq!(err[0].kind, ErrorKind::BaseWithoutGroup);
/// // An add-on has none.
/// spec.plans[0].add_on = Some(());
/// assert!(compile(&spec).unwrap().plans[0].add_on);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanSpec<S> {
    /// The plan's name.
    pub name: Name<S>,
    /// `group: main`: a base plan's group (one active base plan per group). Required for base
    /// plans, refused on add-ons.
    pub group: Option<Name<S>>,
    /// `add_on` was written (its location).
    pub add_on: Option<S>,
    /// `features: ["ai:generate", ..]`: entitlements this plan includes.
    pub features: Vec<Name<S>>,
    /// `limits: { ai: "ai:generate" per month max 1000 }`.
    pub limits: Vec<LimitSpec<S>>,
    /// `requires: main [pro, enterprise]` (add-ons only).
    pub requires: Option<RequiresSpec<S>>,
}

/// `requires: main [pro, enterprise]`.
///
/// # Examples
/// ```
/// use access_model::{ModelBuilder, Name, RequiresSpec, compile};
/// let mut spec = ModelBuilder::new("Access")
///     .entity("project", ["viewer"])
///     .base_plan("free", "main", Vec::<&str>::new())
///     .base_plan("pro", "main", Vec::<&str>::new())
///     .add_on("ai", Vec::<&str>::new(), None::<(&str, Vec<&str>)>)
///     .into_spec();
/// spec.plans[2].requires = Some(RequiresSpec {
///     group: Name::plain("main"),
///     plans: vec![Name::plain("pro")],
/// });
/// assert_eq!(*compile(&spec).unwrap().plans[2].requires, [1]);
/// spec.plans[2].requires.as_mut().unwrap().group = Name::plain("mian");
/// let err = compile(&spec).unwrap_err();
/// assert_eq!(err[0].message, "unknown plan group `mian`, did you mean `main`?");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequiresSpec<S> {
    /// The group of the base plans named.
    pub group: Name<S>,
    /// Base plans on which the add-on is valid.
    pub plans: Vec<Name<S>>,
}

/// `ai: "ai:generate" per month max 1000`.
///
/// # Examples
/// ```
/// use access_model::{ErrorKind, LimitSpec, ModelBuilder, Name, compile};
/// let mut spec = ModelBuilder::new("Access")
///     .entity("project", ["viewer"])
///     .entitlement("ai:generate", "project", ["viewer"], [])
///     .base_plan("free", "main", Vec::<&str>::new())
///     .base_plan("pro", "main", ["ai:generate"])
///     .into_spec();
/// let limit = LimitSpec {
///     name: Name::plain("ai"),
///     entitlement: Name::plain("ai:generate"),
///     period: Name::plain("month"),
///     max: 1000,
///     max_span: (),
/// };
/// spec.plans[1].limits.push(limit.clone());
/// assert_eq!(compile(&spec).unwrap().plans[1].limit_max(0), Some(1000));
/// // A limit gates an entitlement its plan includes.
/// spec.plans[0].limits.push(limit);
/// let err = compile(&spec).unwrap_err();
/// assert_eq!(err[0].kind, ErrorKind::LimitNotInPlan);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitSpec<S> {
    /// The limit's name; the same name in several plans is the same counter.
    pub name: Name<S>,
    /// The entitlement it gates: each successful consume uses one unit.
    pub entitlement: Name<S>,
    /// `hour`, `day`, `month`, `quarter` or `year`.
    pub period: Name<S>,
    /// Units per period.
    pub max: u64,
    /// Where `max`'s number was written.
    pub max_span: S,
}

/// `read: public` inside `default_permission`.
///
/// # Examples
/// ```
/// use access_model::{ActionPermissionSpec, ModelBuilder, Name, Permission, PermissionSpec, compile};
/// let mut spec = ModelBuilder::new("Access").entity("project", ["viewer"]).into_spec();
/// let read = ActionPermissionSpec {
///     action: Name::plain("read"),
///     permission: PermissionSpec::Public(()),
/// };
/// spec.default_permission.push(read.clone());
/// assert_eq!(compile(&spec).unwrap().default_permission.read, Permission::Public);
/// spec.default_permission.push(read);
/// let err = compile(&spec).unwrap_err();
/// assert_eq!(err[0].message, "duplicate action `read` in `default_permission`");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionPermissionSpec<S> {
    /// `create`, `read`, `update`, `delete` or `list`.
    pub action: Name<S>,
    /// What the action needs.
    pub permission: PermissionSpec<S>,
}

/// A permission value of `default_permission`.
///
/// # Examples
/// ```
/// use access_model::{ModelBuilder, Name, Permission, PermissionSpec, RoleSet};
/// let b = ModelBuilder::new("Access")
///     .global_roles(["admin", "editor"])
///     .entity("project", ["viewer"]);
/// let roles = |names: &[&str]| PermissionSpec::Roles(names.iter().map(|n| Name::plain(*n)).collect());
/// let data = b.clone()
///     .default_permission("create", roles(&["admin", "editor"]))
///     .default_permission("delete", PermissionSpec::Blocked(()))
///     .build()
///     .unwrap();
/// assert_eq!(data.default_permission.create, Permission::Roles(RoleSet(0b11)));
/// assert_eq!(data.default_permission.delete, Permission::Blocked);
/// let err = b.default_permission("create", roles(&["admn"])).build().unwrap_err();
/// assert_eq!(err[0].message, "unknown global role `admn`, did you mean `admin`?");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PermissionSpec<S> {
    /// No authentication needed.
    Public(S),
    /// Nobody.
    Blocked(S),
    /// Any authenticated user.
    Authenticated(S),
    /// Users holding one of these global roles.
    Roles(Vec<Name<S>>),
}

/// `tenant: organization { owner: owner, member: member }`.
///
/// # Examples
/// ```
/// use access_model::{ModelBuilder, TenantData};
/// let data = ModelBuilder::new("Access")
///     .entity("organization", ["owner", "member"])
///     .tenant("organization", "owner", Some("member"))
///     .build()
///     .unwrap();
/// assert_eq!(data.tenant, Some(TenantData { entity: 0, owner: 0, member: Some(1) }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantSpec<S> {
    /// The tenant entity type (`organization`).
    pub entity: Name<S>,
    /// Its role the creator of a tenant gets, of which a tenant keeps at least one holder.
    pub owner: Name<S>,
    /// Its role an invitation gives when it names none.
    pub member: Option<Name<S>>,
}
