//! What a rule is evaluated against ([`PermissionCtx`]: who, when, which row or resource) and
//! who answers its `entitlement(..)` rules ([`EntitlementCheck`]).

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use super::row::RowFields;
use crate::decision::Reason;
use crate::model::{EntitlementId, ModelData};
use crate::principal::Principal;
use crate::store::{Resource, StoreResult};
use crate::time::Timestamp;

/// Checks entitlements for `entitlement(..)` rules: implemented by
/// [`AccessContext`](crate::AccessContext).
///
/// # Examples
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
///
/// use access_core::schema::EntitlementCheck;
/// use access_core::{EntitlementId, Resource, StoreResult};
///
/// /// Allows everything on resources whose id starts with `public-`.
/// struct PublicOnly;
/// impl EntitlementCheck for PublicOnly {
///     fn can_entitlement<'a>(
///         &'a self,
///         _entitlement: EntitlementId,
///         resource: Resource<'a>,
///     ) -> Pin<Box<dyn Future<Output = StoreResult<bool>> + Send + 'a>> {
///         Box::pin(async move { Ok(resource.id.starts_with("public-")) })
///     }
/// }
/// // Given to a context with `PermissionCtx::with_entitlements(&PublicOnly)`.
/// ```
pub trait EntitlementCheck: Sync {
    /// Whether the caller holds `entitlement` on `resource`.
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::EntitlementCheck;
    /// use access_core::{AccessContext, AccessModel, EntitlementId, Resource, Stores};
    ///
    /// // An `AccessContext` answers with its five-layer check.
    /// async fn may<M: AccessModel, S: Stores + Sync>(
    ///     access: &AccessContext<'_, M, S>,
    ///     entitlement: EntitlementId,
    ///     resource: Resource<'_>,
    /// ) -> bool {
    ///     access.can_entitlement(entitlement, resource).await == Ok(true)
    /// }
    /// ```
    fn can_entitlement<'a>(
        &'a self,
        entitlement: EntitlementId,
        resource: Resource<'a>,
    ) -> Pin<Box<dyn Future<Output = StoreResult<bool>> + Send + 'a>>;

    /// Why the caller may not exercise `entitlement` on `resource` (every reason, with what
    /// would fix it), asked only after [`EntitlementCheck::can_entitlement`] said no, so that an
    /// `entitlement(..)` rule's denial says what `check` would. `None` (the default) keeps the
    /// rule's own sentence (`hierarchy_denied`: "… is not granted on …").
    ///
    /// # Examples
    /// ```
    /// use access_core::schema::EntitlementCheck;
    /// use access_core::{AccessContext, AccessModel, EntitlementId, Resource, Stores};
    ///
    /// // What would allow it, in the words of `check` ("needs the role `manager`", ..).
    /// async fn why_not<M: AccessModel, S: Stores + Sync>(
    ///     access: &AccessContext<'_, M, S>,
    ///     entitlement: EntitlementId,
    ///     resource: Resource<'_>,
    /// ) -> Vec<String> {
    ///     let reasons = access.explain_entitlement(entitlement, resource).await;
    ///     reasons.unwrap_or_default().into_iter().map(|r| r.message).collect()
    /// }
    /// ```
    fn explain_entitlement<'a>(
        &'a self,
        entitlement: EntitlementId,
        resource: Resource<'a>,
    ) -> Pin<Box<dyn Future<Output = Option<Vec<Reason>>> + Send + 'a>> {
        let _ = (entitlement, resource);
        Box::pin(async { None })
    }
}

impl<M: crate::model::AccessModel, S: crate::store::Stores + Sync> EntitlementCheck
    for crate::engine::AccessContext<'_, M, S>
{
    fn can_entitlement<'a>(
        &'a self,
        entitlement: EntitlementId,
        resource: Resource<'a>,
    ) -> Pin<Box<dyn Future<Output = StoreResult<bool>> + Send + 'a>> {
        Box::pin(self.can(entitlement, resource))
    }

    fn explain_entitlement<'a>(
        &'a self,
        entitlement: EntitlementId,
        resource: Resource<'a>,
    ) -> Pin<Box<dyn Future<Output = Option<Vec<Reason>>> + Send + 'a>> {
        Box::pin(async move {
            let d = self.check(entitlement, resource).await.ok()?;
            (!d.allowed && !d.reasons.is_empty()).then_some(d.reasons)
        })
    }
}

/// What a rule is evaluated against.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{Rule, evaluate_sync};
/// use access_core::{PermissionCtx, Principal, RoleSet};
///
/// let model = ModelBuilder::new("Access")
///     .global_roles(["admin"])
///     .entity("doc", ["owner"])
///     .build()
///     .unwrap();
/// let admin = Principal::new("a").global_roles(RoleSet::single(0));
/// let ctx = PermissionCtx::new(&model, Some(&admin));
/// assert!(evaluate_sync(&Rule::GlobalRoles(RoleSet::single(0)), &ctx).unwrap().is_ok());
/// ```
#[derive(Clone)]
pub struct PermissionCtx<'a> {
    /// The signed-in user, if any.
    pub principal: Option<&'a Principal>,
    /// The model (global role names, entitlements, `default_permission`).
    pub model: &'a ModelData,
    /// When (for `fva`).
    pub now: Timestamp,
    /// The row, when the action has one.
    pub row: Option<&'a dyn RowFields>,
    /// The resource `entitlement(..)` rules are checked on; by default the row's id on the
    /// entitlement's entity type.
    pub resource: Option<Resource<'a>>,
    /// Answers `entitlement(..)` rules; without one they deny.
    pub entitlements: Option<&'a dyn EntitlementCheck>,
    /// The row's id field (for `entitlement(..)` rules on the row).
    pub(super) id_field: &'static str,
    /// Whether a denied `entitlement(..)` rule asks for `check`'s reasons
    /// ([`PermissionCtx::verdicts_only`]).
    pub(super) explain: bool,
}

impl fmt::Debug for PermissionCtx<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermissionCtx")
            .field("principal", &self.principal)
            .field("now", &self.now)
            .field("resource", &self.resource)
            .finish_non_exhaustive()
    }
}

impl<'a> PermissionCtx<'a> {
    /// A context for `principal` (`None`: nobody is signed in) on `model`'s tables, now.
    ///
    /// # Examples
    /// ```
    /// use access_core::model_builder::ModelBuilder;
    /// use access_core::{PermissionCtx, Principal};
    ///
    /// let model = ModelBuilder::new("Access").entity("doc", ["owner"]).build().unwrap();
    /// let user = Principal::new("u1");
    /// let ctx = PermissionCtx::new(&model, Some(&user));
    /// assert_eq!(ctx.principal, Some(&user));
    /// ```
    pub fn new(model: &'a ModelData, principal: Option<&'a Principal>) -> Self {
        Self {
            principal,
            model,
            now: crate::time::now(),
            row: None,
            resource: None,
            entitlements: None,
            id_field: "",
            explain: true,
        }
    }
    /// At another time.
    ///
    /// # Examples
    /// ```
    /// use access_core::model_builder::ModelBuilder;
    /// use access_core::schema::{Rule, evaluate_sync};
    /// use access_core::{PermissionCtx, Principal};
    ///
    /// let model = ModelBuilder::new("Access").entity("doc", ["owner"]).build().unwrap();
    /// // fva(300): the second factor verified within 5 minutes.
    /// let user = Principal::new("u1").mfa_verified_at(1_000);
    /// let ctx = PermissionCtx::new(&model, Some(&user));
    /// assert!(evaluate_sync(&Rule::Fva(300), &ctx.clone().at(1_200)).unwrap().is_ok());
    /// assert!(evaluate_sync(&Rule::Fva(300), &ctx.at(1_400)).unwrap().is_err());
    /// ```
    #[must_use]
    pub fn at(mut self, now: Timestamp) -> Self {
        self.now = now;
        self
    }
    /// With an entitlement checker (an `AccessContext` for the same principal); without one,
    /// `entitlement(..)` rules deny.
    ///
    /// # Examples
    /// ```
    /// use access_core::{AccessContext, AccessModel, PermissionCtx, Stores};
    ///
    /// // A request's context, its `entitlement(..)` rules answered by the engine.
    /// fn permission_ctx<'a, M: AccessModel, S: Stores + Sync>(
    ///     access: &'a AccessContext<'a, M, S>,
    /// ) -> PermissionCtx<'a> {
    ///     PermissionCtx::new(access.model().data(), Some(access.principal()))
    ///         .with_entitlements(access)
    /// }
    /// ```
    #[must_use]
    pub fn with_entitlements(mut self, checker: &'a dyn EntitlementCheck) -> Self {
        self.entitlements = Some(checker);
        self
    }
    /// Checks `entitlement(..)` rules on this resource instead of the row's id.
    ///
    /// # Examples
    /// ```
    /// use access_core::model_builder::ModelBuilder;
    /// use access_core::{EntityTypeId, PermissionCtx, Resource};
    ///
    /// let model = ModelBuilder::new("Access").entity("doc", ["owner"]).build().unwrap();
    /// let folder = Resource::new(EntityTypeId(0), "folder-1");
    /// let ctx = PermissionCtx::new(&model, None).on_resource(folder);
    /// assert_eq!(ctx.resource, Some(folder));
    /// ```
    #[must_use]
    pub fn on_resource(mut self, resource: Resource<'a>) -> Self {
        self.resource = Some(resource);
        self
    }
    /// Denials without `check`'s reasons: a denied `entitlement(..)` rule keeps its own sentence
    /// ("`project:delete` is not granted on project:p1") instead of asking
    /// [`EntitlementCheck::explain_entitlement`] (a second store read). For callers that only
    /// need the verdict, such as a list filtering rows.
    ///
    /// # Examples
    /// ```
    /// use access_core::model_builder::ModelBuilder;
    /// use access_core::PermissionCtx;
    ///
    /// let model = ModelBuilder::new("Access").entity("doc", ["owner"]).build().unwrap();
    /// let for_listing = PermissionCtx::new(&model, None).verdicts_only();
    /// ```
    #[must_use]
    pub fn verdicts_only(mut self) -> Self {
        self.explain = false;
        self
    }
    /// The row as its own type, for dynamic checks:
    /// `ctx.row_as::<Product>().is_some_and(|p| p.owner_id == ..)`.
    ///
    /// # Examples
    /// ```
    /// # access_core::define_access! { pub Access; entity project { roles: [owner] } entitlements { "project:edit" on project => roles [owner] } }
    /// use access_core::{AccessModel, PermissionCtx};
    ///
    /// #[derive(access_core::Schema)]
    /// #[schema(access = Access)]
    /// pub struct Note {
    ///     pub id: i64,
    ///     pub body: String,
    /// }
    ///
    /// fn main() {
    ///     let ctx = PermissionCtx::new(Access.data(), None);
    ///     let note = Note { id: 1, body: "short".into() };
    ///     assert_eq!(ctx.with_row(&note).row_as::<Note>().map(|n| n.body.len()), Some(5));
    /// }
    /// ```
    pub fn row_as<T: 'static>(&self) -> Option<&'a T> {
        self.row.and_then(|r| r.as_any().downcast_ref())
    }
    pub(super) fn active_principal(&self) -> Option<&'a Principal> {
        self.principal.filter(|p| p.active)
    }
}
