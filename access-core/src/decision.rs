//! What `check` returns: the decision, every reason with its meta, and the grant path.

use std::fmt;

use serde::Serialize;

use crate::store::StoreError;
use crate::time::Timestamp;

/// Why a request was denied. The order of the variants is the order of [`Decision::reasons`]:
/// first what concerns the user themselves, then what a tenant admin can change (roles, then
/// flags), then billing (plans), then what time resolves (limits).
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
/// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
/// let d = vic.check(Entitlement::ProjectDelete, p1).await.unwrap();
/// // vic holds no granting role, and an admin of ws1 would have one.
/// assert_eq!(d.reasons[0].kind, ReasonKind::HierarchyDenied);
///
/// // The order of the variants is the order of the reasons.
/// assert!(ReasonKind::InactiveUser < ReasonKind::RoleRequired);
/// assert!(ReasonKind::FlagDisabled < ReasonKind::PlanRequired);
/// # }).unwrap(); }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    /// The user account is inactive: always denied.
    InactiveUser,
    /// The resource is not of the entitlement's entity type.
    WrongResourceType,
    /// The entitlement needs a tenant (flags or limits) and the request has none.
    TenantRequired,
    /// The user holds none of the roles that grant it on the resource, and no ancestor could
    /// give one.
    RoleRequired,
    /// The user holds no granting role on the resource nor, through `inherits`, on any of its
    /// ancestors ([`ReasonMeta::Roles::via`] lists what would).
    HierarchyDenied,
    /// A flag the entitlement needs is off for the tenant.
    FlagDisabled,
    /// None of the tenant's active plans includes the entitlement.
    PlanRequired,
    /// A limit gating the entitlement is used up for the current period.
    LimitReached,
    /// Schemas: the action needs a signed-in user.
    AuthenticationRequired,
    /// Schemas: the action or field is `blocked` for everyone.
    Blocked,
    /// Schemas: the rule needs multi-factor authentication verified recently (`fva`).
    MfaRequired,
    /// Schemas: the row does not match a `where` rule.
    RowRuleFailed,
    /// Schemas: a dynamic check (an application function) said no.
    DynamicCheckFailed,
    /// Schemas: an `entitlement(..)` rule has no resource to be checked on.
    ResourceRequired,
}

impl ReasonKind {
    /// The snake_case name used in JSON.
    ///
    /// # Examples
    /// ```
    /// use access_core::ReasonKind;
    ///
    /// assert_eq!(ReasonKind::HierarchyDenied.as_str(), "hierarchy_denied");
    /// assert_eq!(ReasonKind::LimitReached.to_string(), "limit_reached");
    /// assert_eq!(serde_json::to_string(&ReasonKind::MfaRequired).unwrap(), "\"mfa_required\"");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InactiveUser => "inactive_user",
            Self::WrongResourceType => "wrong_resource_type",
            Self::TenantRequired => "tenant_required",
            Self::RoleRequired => "role_required",
            Self::HierarchyDenied => "hierarchy_denied",
            Self::FlagDisabled => "flag_disabled",
            Self::PlanRequired => "plan_required",
            Self::LimitReached => "limit_reached",
            Self::AuthenticationRequired => "authentication_required",
            Self::Blocked => "blocked",
            Self::MfaRequired => "mfa_required",
            Self::RowRuleFailed => "row_rule_failed",
            Self::DynamicCheckFailed => "dynamic_check_failed",
            Self::ResourceRequired => "resource_required",
        }
    }
}

impl fmt::Display for ReasonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A role on an ancestor that would grant the entitlement through `inherits`.
///
/// # Examples
/// ```
/// use access_core::{AccessContext, MemoryStore, Principal, Resource};
/// use access_core::ReasonMeta;
/// use access_core::decision::GrantOption;
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
/// let d = vic.check(Entitlement::ProjectDelete, p1).await.unwrap();
/// let ReasonMeta::Roles { via, .. } = &d.reasons[0].meta else { panic!() };
/// let option = GrantOption {
///     entity: "workspace".into(),
///     resource: "ws1".into(),
///     roles: vec!["admin".into()],
/// };
/// assert_eq!(via, &[option]);
/// # }).unwrap(); }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantOption {
    /// Entity type of the ancestor.
    pub entity: String,
    /// Its id.
    pub resource: String,
    /// Roles of that type that would grant it there.
    pub roles: Vec<String>,
}

/// The details of a reason: what would fix it.
///
/// # Examples
/// ```
/// use access_core::{AccessContext, MemoryStore, Principal, Resource};
/// use access_core::ReasonMeta;
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
/// let d = vic.check(Entitlement::ProjectDelete, p1).await.unwrap();
/// match &d.reasons[0].meta {
///     ReasonMeta::Roles { entity, roles, via } => {
///         assert_eq!(entity, "project");
///         assert_eq!(roles, &["manager"]);
///         assert_eq!(via[0].roles, ["admin"]);
///     }
///     other => panic!("{other:?}"),
/// }
/// // Serialized with a `type` tag, for API clients.
/// let json = serde_json::to_value(&d.reasons[0].meta).unwrap();
/// assert_eq!(json["type"], "roles");
/// # }).unwrap(); }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReasonMeta {
    /// Nothing more to say.
    None,
    /// The entity type the entitlement needs.
    ResourceType {
        /// Expected type.
        expected: String,
        /// Type given.
        got: String,
    },
    /// Roles that would grant it.
    Roles {
        /// Entity type of the resource.
        entity: String,
        /// Roles on the resource itself (as declared; roles implying them work too).
        roles: Vec<String>,
        /// Roles on ancestors that would grant it through `inherits`.
        via: Vec<GrantOption>,
    },
    /// Flags that are off.
    Flags {
        /// Their names.
        flags: Vec<String>,
    },
    /// Plans that include the entitlement.
    Plans {
        /// Plans that would include it (add-ons too).
        plans: Vec<String>,
        /// The tenant's active plans.
        current: Vec<String>,
    },
    /// A used-up limit.
    Limit {
        /// The limit's name.
        limit: String,
        /// Units per period.
        max: u64,
        /// Units used in this period.
        used: u64,
        /// Units left (0 here).
        remaining: u64,
        /// When the period ends and the counter starts again.
        resets_at: Timestamp,
    },
}

/// One reason a request is denied.
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
/// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
/// let d = vic.check(Entitlement::ProjectDelete, p1).await.unwrap();
/// let reason = &d.reasons[0];
/// assert_eq!(reason.kind, ReasonKind::HierarchyDenied);
/// assert_eq!(
///     reason.message,
///     "`project:delete` needs the role `manager` on project:p1, or `admin` on workspace:ws1"
/// );
/// # }).unwrap(); }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The kind.
    pub kind: ReasonKind,
    /// A sentence for people (safe to show to the user).
    pub message: String,
    /// What would fix it.
    pub meta: ReasonMeta,
}

/// How one step of a grant path holds its role.
///
/// # Examples
/// ```
/// use access_core::{AccessContext, MemoryStore, Principal, Resource};
/// use access_core::GrantVia;
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
/// let d = ada.check(Entitlement::ProjectRead, p1).await.unwrap();
/// let via: Vec<GrantVia> = d.grant.unwrap().steps.iter().map(|s| s.via).collect();
/// // admin of ws1 (assigned) ⇒ manager of p1 (inherits) → viewer of p1 (implies)
/// assert_eq!(via, [GrantVia::Direct, GrantVia::Inherited, GrantVia::Implied]);
/// # }).unwrap(); }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantVia {
    /// Assigned directly.
    Direct,
    /// Implied by the previous step's role on the same resource (`implies`).
    Implied,
    /// Inherited from the previous step's role on a parent (`inherits`).
    Inherited,
}

/// One step of a grant path: a role held on a resource.
///
/// # Examples
/// ```
/// use access_core::{AccessContext, MemoryStore, Principal, Resource};
/// use access_core::{GrantStep, GrantVia};
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
/// let steps = d.grant.unwrap().steps;
/// assert_eq!(
///     steps[0],
///     GrantStep {
///         entity: "workspace".into(),
///         resource: "ws1".into(),
///         role: "admin".into(),
///         via: GrantVia::Direct,
///     }
/// );
/// assert_eq!((steps[1].role.as_str(), steps[1].via), ("manager", GrantVia::Inherited));
/// # }).unwrap(); }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantStep {
    /// Entity type.
    pub entity: String,
    /// The resource's id.
    pub resource: String,
    /// The role held there.
    pub role: String,
    /// How it is held.
    pub via: GrantVia,
}

/// Why a request was allowed: from the assignment that started it to the role that grants the
/// entitlement on the resource.
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
/// let path = ada.check(Entitlement::ProjectDelete, p1).await.unwrap().grant.unwrap();
/// assert!(!path.superuser);
/// assert_eq!(path.to_string(), "workspace:admin on ws1 → project:manager on p1");
///
/// let root = AccessContext::new(&Access, &store, Principal::new("root").superuser(true));
/// let path = root.check(Entitlement::ProjectDelete, p1).await.unwrap().grant.unwrap();
/// assert!(path.superuser && path.steps.is_empty());
/// assert_eq!(path.to_string(), "superuser");
/// # }).unwrap(); }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GrantPath {
    /// The user is a superuser: every check passes.
    pub superuser: bool,
    /// The steps, the direct assignment first.
    pub steps: Vec<GrantStep>,
}

impl fmt::Display for GrantPath {
    /// `organization:owner on acme → workspace:admin on ws-1 → project:manager on p-1`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.superuser {
            return f.write_str("superuser");
        }
        for (i, s) in self.steps.iter().enumerate() {
            if i > 0 {
                f.write_str(" → ")?;
            }
            write!(f, "{}:{} on {}", s.entity, s.role, s.resource)?;
        }
        Ok(())
    }
}

/// Usage of one limit gating the entitlement.
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
/// let d = ctx.check(Entitlement::AiGenerate, p1).await.unwrap();
/// let ai = &d.limits[0];
/// assert_eq!(ai.limit, "ai");
/// assert_eq!((ai.max, ai.used, ai.remaining), (Some(2), 0, Some(2)));
/// // A daily period (the default plan's periods are anchored at 0).
/// assert_eq!(ai.period_start, NOW - NOW % 86_400);
/// assert_eq!(ai.resets_at, ai.period_start + 86_400);
/// # }).unwrap(); }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LimitStatus {
    /// The limit's name.
    pub limit: String,
    /// Units per period (`None` = unlimited on the tenant's plans).
    pub max: Option<u64>,
    /// Units used this period.
    pub used: u64,
    /// Units left (`None` = unlimited).
    pub remaining: Option<u64>,
    /// Start of the current period.
    pub period_start: Timestamp,
    /// End of the current period.
    pub resets_at: Timestamp,
}

/// The full answer of `check`.
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
/// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
/// let read = vic.check(Entitlement::ProjectRead, p1).await.unwrap();
/// assert!(read.allowed && read.reasons.is_empty());
/// assert_eq!(read.to_string(), "allowed `project:read` via project:viewer on p1");
///
/// let delete = vic.check(Entitlement::ProjectDelete, p1).await.unwrap();
/// assert!(!delete.allowed && delete.grant.is_none());
/// assert_eq!(delete.entitlement, "project:delete");
/// assert_eq!(delete.reasons[0].kind, ReasonKind::HierarchyDenied);
/// assert!(delete.to_string().starts_with("denied `project:delete`; hierarchy_denied: "));
/// # }).unwrap(); }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// Whether the request is allowed.
    pub allowed: bool,
    /// The entitlement asked about.
    pub entitlement: String,
    /// Every reason it is denied, ordered by [`ReasonKind`]; empty when allowed.
    pub reasons: Vec<Reason>,
    /// When allowed: how.
    pub grant: Option<GrantPath>,
    /// Usage of the limits gating the entitlement.
    pub limits: Vec<LimitStatus>,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.allowed {
            write!(f, "allowed `{}`", self.entitlement)?;
            if let Some(g) = &self.grant {
                write!(f, " via {g}")?;
            }
            Ok(())
        } else {
            write!(f, "denied `{}`", self.entitlement)?;
            for r in &self.reasons {
                write!(f, "; {}: {}", r.kind, r.message)?;
            }
            Ok(())
        }
    }
}

/// Why `authorize` failed.
///
/// # Examples
/// ```
/// use access_core::{AccessContext, MemoryStore, Principal, Resource};
/// use access_core::{AuthorizationFailure, ReasonKind};
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
/// let err = vic.authorize(Entitlement::ProjectDelete, p1).await.unwrap_err();
/// match &err.reason {
///     AuthorizationFailure::Denied(reasons) => {
///         assert_eq!(reasons[0].kind, ReasonKind::HierarchyDenied)
///     }
///     AuthorizationFailure::Store(e) => panic!("store failed: {e}"),
/// }
/// # }).unwrap(); }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizationFailure {
    /// Denied, with every reason.
    Denied(Vec<Reason>),
    /// A store failed; nothing was decided.
    Store(StoreError),
}

/// The error of [`crate::AccessContext::authorize`].
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
/// let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
/// let err = vic.authorize(Entitlement::ProjectDelete, p1).await.unwrap_err();
/// assert_eq!(err.entitlement, "project:delete");
/// assert_eq!(err.user_id, "vic");
/// let text = err.to_string();
/// assert!(text.starts_with("`project:delete` denied to user `vic`; hierarchy_denied: "));
/// # }).unwrap(); }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationError {
    /// The entitlement asked about.
    pub entitlement: String,
    /// The user.
    pub user_id: String,
    /// Why.
    pub reason: AuthorizationFailure,
}

impl AuthorizationError {
    /// The reasons of a denial (empty for a store failure).
    ///
    /// # Examples
    /// ```
    /// use access_core::{AuthorizationError, AuthorizationFailure, Reason, ReasonKind, ReasonMeta};
    /// use access_core::{StoreError, StoreErrorKind};
    ///
    /// let reason = Reason {
    ///     kind: ReasonKind::RoleRequired,
    ///     message: "`project:delete` needs the role `manager` on project:p1".into(),
    ///     meta: ReasonMeta::None,
    /// };
    /// let denied = AuthorizationError {
    ///     entitlement: "project:delete".into(),
    ///     user_id: "vic".into(),
    ///     reason: AuthorizationFailure::Denied(vec![reason.clone()]),
    /// };
    /// assert_eq!(denied.reasons(), &[reason]);
    ///
    /// // A store failure decided nothing: no reasons.
    /// let failed = AuthorizationError {
    ///     reason: AuthorizationFailure::Store(StoreError::new(StoreErrorKind::Backend, "down")),
    ///     ..denied
    /// };
    /// assert!(failed.reasons().is_empty());
    /// ```
    pub fn reasons(&self) -> &[Reason] {
        match &self.reason {
            AuthorizationFailure::Denied(r) => r,
            AuthorizationFailure::Store(_) => &[],
        }
    }
}

impl fmt::Display for AuthorizationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.reason {
            AuthorizationFailure::Denied(reasons) => {
                write!(
                    f,
                    "`{}` denied to user `{}`",
                    self.entitlement, self.user_id
                )?;
                for r in reasons {
                    write!(f, "; {}: {}", r.kind, r.message)?;
                }
                Ok(())
            }
            AuthorizationFailure::Store(e) => write!(
                f,
                "`{}` for user `{}` could not be decided: {e}",
                self.entitlement, self.user_id
            ),
        }
    }
}

impl std::error::Error for AuthorizationError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.reason {
            AuthorizationFailure::Store(e) => Some(e),
            AuthorizationFailure::Denied(_) => None,
        }
    }
}
