//! The model as written: a typed syntax tree with a location on every name.
//!
//! `define_access!` parses its tokens into a `ModelSpec<proc_macro2::Span>`; the run-time
//! builder fills a `ModelSpec<()>` (or any other location type, e.g. a line number of a file it
//! translated). Both hand it to [`crate::compile`], which validates it and computes the tables.

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Name<S> {
    /// The text of the name (`editor`, `"project:create"` without the quotes).
    pub text: String,
    /// Where it was written.
    pub span: S,
}

impl<S> Name<S> {
    /// A name at a location.
    pub fn new(text: impl Into<String>, span: S) -> Self {
        Self {
            text: text.into(),
            span,
        }
    }
}

impl Name<()> {
    /// A name without a location (run-time models).
    pub fn plain(text: impl Into<String>) -> Self {
        Self::new(text, ())
    }
}

/// The whole `define_access!` invocation.
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
    /// `default_permission: { create: [admin], read: public, .. }`.
    pub default_permission: Vec<ActionPermissionSpec<S>>,
    /// `superuser_bypasses_blocked: true`: superusers pass schema actions and fields marked
    /// `blocked` too (by default `blocked` stops everyone).
    pub superuser_bypasses_blocked: bool,
}

impl<S> ModelSpec<S> {
    /// An empty model named `name`.
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
            default_permission: Vec::new(),
            superuser_bypasses_blocked: false,
        }
    }
}

/// `entity project { roles: [..], implies: {..}, inherits: {..} }`.
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImpliesSpec<S> {
    /// The role that implies.
    pub from: Name<S>,
    /// The role implied.
    pub to: Name<S>,
}

/// `parent_entity:parent_role => role` inside `inherits`.
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequiresSpec<S> {
    /// The group of the base plans named.
    pub group: Name<S>,
    /// Base plans on which the add-on is valid.
    pub plans: Vec<Name<S>>,
}

/// `ai: "ai:generate" per month max 1000`.
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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionPermissionSpec<S> {
    /// `create`, `read`, `update`, `delete` or `list`.
    pub action: Name<S>,
    /// What the action needs.
    pub permission: PermissionSpec<S>,
}

/// A permission value of `default_permission`.
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
