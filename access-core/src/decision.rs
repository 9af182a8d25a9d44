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
/// use access_core::{Decision, ReasonKind};
///
/// // Who can lift the first reason of a denial.
/// fn who_can_fix(d: &Decision) -> &'static str {
///     match d.reasons.first().map(|r| r.kind) {
///         None => "nobody needs to",
///         Some(ReasonKind::RoleRequired | ReasonKind::HierarchyDenied) => "a tenant admin",
///         Some(ReasonKind::PlanRequired) => "billing",
///         Some(_) => "someone else",
///     }
/// }
/// assert!(ReasonKind::InactiveUser < ReasonKind::RoleRequired); // the order of the reasons
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
    /// Schemas: an `entitlement(..)` rule could not be evaluated because a store failed: the
    /// answer is unknown, not "no" (access-axum answers 503 with `Retry-After`, never 403).
    CheckFailed,
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
            Self::CheckFailed => "check_failed",
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
/// use access_core::ReasonMeta;
///
/// // "ask for `admin` on workspace:ws1", for each ancestor that could grant it.
/// fn ask_for(meta: &ReasonMeta) -> Vec<String> {
///     let ReasonMeta::Roles { via, .. } = meta else {
///         return Vec::new();
///     };
///     via.iter().map(|o| format!("ask for {:?} on {}:{}", o.roles, o.entity, o.resource)).collect()
/// }
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
/// use access_core::ReasonMeta;
///
/// fn hint(meta: &ReasonMeta) -> String {
///     match meta {
///         ReasonMeta::Roles { entity, roles, .. } => format!("needs {roles:?} on the {entity}"),
///         ReasonMeta::Plans { plans, .. } => format!("upgrade to {}", plans.join(" or ")),
///         ReasonMeta::Limit { resets_at, .. } => format!("try again after {resets_at}"),
///         _ => String::new(),
///     }
/// }
/// // Serialized with a `type` tag, for API clients.
/// assert_eq!(serde_json::to_value(ReasonMeta::None).unwrap()["type"], "none");
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
    /// A second factor is needed: verified within the last `max_age` seconds (an `fva(..)`
    /// rule, or a route's `require_mfa_within`). A client prompts for it (step-up) and retries.
    Mfa {
        /// How recent the verification must be, in seconds.
        max_age: u64,
    },
}

/// One reason a request is denied.
///
/// # Examples
/// ```
/// use access_core::{Reason, ReasonKind, ReasonMeta};
///
/// let reason = Reason {
///     kind: ReasonKind::RoleRequired,
///     message: "`project:delete` needs the role `manager` on project:p1".into(),
///     meta: ReasonMeta::None,
/// };
/// assert_eq!(reason.kind.as_str(), "role_required");
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

impl Reason {
    /// `mfa_required`: a second factor verified within the last `max_age` seconds is needed
    /// (an `fva(..)` rule; a route's recent-factor guard). Its `meta` carries `max_age`.
    ///
    /// # Examples
    /// ```
    /// use access_core::{Reason, ReasonKind, ReasonMeta};
    ///
    /// let r = Reason::mfa_required(300);
    /// assert_eq!(r.kind, ReasonKind::MfaRequired);
    /// assert_eq!(r.meta, ReasonMeta::Mfa { max_age: 300 });
    /// ```
    pub fn mfa_required(max_age: u64) -> Self {
        Self {
            kind: ReasonKind::MfaRequired,
            message: format!("verify your second factor (needed within the last {max_age} s)"),
            meta: ReasonMeta::Mfa { max_age },
        }
    }
}

/// How one step of a grant path holds its role.
///
/// # Examples
/// ```
/// use access_core::{GrantPath, GrantVia};
///
/// // Whether the role was given on the resource itself rather than through an ancestor.
/// fn held_here(path: &GrantPath) -> bool {
///     path.steps.iter().all(|s| s.via != GrantVia::Inherited)
/// }
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
/// use access_core::GrantStep;
///
/// // Where the assignment that grants it was made: the first step.
/// fn assigned_on(steps: &[GrantStep]) -> Option<String> {
///     steps.first().map(|s| format!("{}:{} on {}", s.entity, s.role, s.resource))
/// }
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
/// use access_core::{GrantPath, GrantStep, GrantVia};
///
/// let step = |entity: &str, resource: &str, role: &str, via| GrantStep {
///     entity: entity.into(),
///     resource: resource.into(),
///     role: role.into(),
///     via,
/// };
/// let steps = vec![
///     step("workspace", "ws1", "admin", GrantVia::Direct),
///     step("project", "p1", "manager", GrantVia::Inherited),
/// ];
/// let path = GrantPath { superuser: false, steps };
/// assert_eq!(path.to_string(), "workspace:admin on ws1 → project:manager on p1");
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
/// use access_core::Decision;
///
/// // `X-RateLimit-Remaining`: the fewest units left on the limits of a decision.
/// fn remaining(d: &Decision) -> Option<u64> {
///     d.limits.iter().filter_map(|l| l.remaining).min()
/// }
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
/// Its `Display` is one line for a log: ``allowed `project:read` via project:viewer on p1``,
/// or ``denied `project:delete`; hierarchy_denied: ..`` with every reason.
///
/// # Examples
/// ```
/// use access_core::{Decision, ReasonKind};
///
/// fn status(d: &Decision) -> u16 {
///     match d.reasons.first().map(|r| r.kind) {
///         None => 200,
///         Some(ReasonKind::LimitReached) => 429,
///         Some(_) => 403,
///     }
/// }
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
/// use access_core::{AuthorizationError, AuthorizationFailure};
///
/// fn status(err: &AuthorizationError) -> u16 {
///     match &err.reason {
///         AuthorizationFailure::Denied(_) => 403,
///         AuthorizationFailure::Store(_) => 500, // nothing was decided
///     }
/// }
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
/// use access_core::{AuthorizationError, AuthorizationFailure, StoreError, StoreErrorKind};
///
/// let err = AuthorizationError {
///     entitlement: "project:delete".into(),
///     user_id: "vic".into(),
///     reason: AuthorizationFailure::Store(StoreError::new(StoreErrorKind::Backend, "down")),
/// };
/// assert!(err.to_string().starts_with("`project:delete` for user `vic` could not be decided"));
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
    /// use access_core::AuthorizationError;
    ///
    /// fn first_reason(err: &AuthorizationError) -> Option<&str> {
    ///     err.reasons().first().map(|r| r.message.as_str())
    /// }
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
