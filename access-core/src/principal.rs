//! Who is asking: the user an [`AccessContext`](crate::AccessContext) evaluates for.

use std::sync::Arc;

use crate::model::RoleSet;
use crate::time::Timestamp;

/// Who is asking.
///
/// Built once per request from the authenticated session and handed to
/// [`AccessContext::new`](crate::AccessContext::new). An inactive user is denied everything; a
/// superuser is allowed everything.
///
/// # Examples
/// ```
/// use access_core::Principal;
///
/// let vic = Principal::new("vic").tenant("acme");
/// assert_eq!(&*vic.id, "vic");
/// assert_eq!(vic.tenant.as_deref(), Some("acme"));
/// assert!(vic.active && !vic.superuser);
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
    /// use access_core::Principal;
    ///
    /// let p = Principal::new("ann");
    /// assert!(p.active && !p.superuser);
    /// assert_eq!(p.tenant, None);
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
    /// // Bit `i` is the model's global role `i`: `Role::Editor.index()` of `define_access!`.
    /// let editor = RoleSet::single(1);
    /// let p = Principal::new("ann").global_roles(editor);
    /// assert!(p.global_roles.contains(1));
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

/// Whether a second factor verified at `verified_at` is at most `max_age` seconds old at `now`
/// (one in the future is not): what `fva(..)` rules and recent-factor guards ask.
///
/// # Examples
/// ```
/// use access_core::mfa_recent;
///
/// assert!(mfa_recent(Some(1_000), 1_200, 300));
/// assert!(!mfa_recent(Some(1_000), 1_400, 300));
/// assert!(!mfa_recent(None, 1_000, 300));
/// ```
pub fn mfa_recent(verified_at: Option<Timestamp>, now: Timestamp, max_age: u64) -> bool {
    verified_at.is_some_and(|t| t <= now && now.abs_diff(t) <= max_age)
}
