//! `check` and `authorize`: every layer evaluated, every reason of a denial, and the grant path
//! of an allowed request.

use access_model::{EntitlementData, ModelData};

use super::AccessContext;
use super::ask::Question;
use super::explain::{
    flag_reason, grant_path, limit_reason, plan_reason, reason, role_reason, tenant_reason,
    wrong_type_reason,
};
use super::plans::{active_plans, limit_max, plan_includes};
use super::roles::{effective, give_scratch, take_scratch};
use crate::decision::{
    AuthorizationError, AuthorizationFailure, Decision, GrantPath, LimitStatus, Reason, ReasonKind,
};
use crate::granted::{EntitlementMarker, Granted};
use crate::model::{AccessModel, EntitlementId, LimitId, RoleSet};
use crate::store::{Resource, StoreResult, Stores};
use crate::time;

impl<M: AccessModel, S: Stores> AccessContext<'_, M, S> {
    /// Evaluates every layer and returns every reason, with meta, and the grant path when
    /// allowed. The entitlement is the model's `Entitlement` enum or an [`EntitlementId`] (see
    /// [`Question`]); an id outside the model is denied with the reason `wrong_resource_type`.
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [manager] } entitlements { "project:delete" on project => roles [manager] } } }
    /// # use model::*;
    /// use access_core::{AccessContext, Resource, StoreResult, Stores};
    ///
    /// async fn explain(ctx: &AccessContext<'_, Access, impl Stores>, p1: Resource<'_>) -> StoreResult<()> {
    ///     let d = ctx.check(Entitlement::ProjectDelete, p1).await?;
    ///     match &d.grant {
    ///         // e.g. "workspace:admin on ws1 → project:manager on p1"
    ///         Some(path) => println!("allowed via {path}"),
    ///         None => d.reasons.iter().for_each(|r| println!("{}: {}", r.kind, r.message)),
    ///     }
    ///     Ok(())
    /// }
    /// ```
    #[inline]
    pub fn check<'r, E, R>(
        &self,
        entitlement: E,
        resource: R,
    ) -> impl Future<Output = StoreResult<Decision>>
    where
        (E, R): Question<'r, M>,
    {
        let (entitlement, resource) = (entitlement, resource).parts();
        self.check_parts(entitlement, resource)
    }

    /// `check` on the parts of its question.
    async fn check_parts(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<Decision> {
        let data = self.model.data();
        let ei = entitlement.0 as usize;
        let name = data
            .entitlements
            .get(ei)
            .map_or_else(|| format!("#{ei}"), |e| e.name.to_string());
        let mut d = Decision {
            allowed: false,
            entitlement: name,
            reasons: Vec::new(),
            grant: None,
            limits: Vec::new(),
        };
        let p = &self.principal;
        if !p.active {
            d.reasons.push(reason(
                ReasonKind::InactiveUser,
                "the user account is inactive",
            ));
            self.log_decision(entitlement, resource, &d);
            return Ok(d);
        }
        if p.superuser {
            d.allowed = true;
            d.grant = Some(GrantPath {
                superuser: true,
                steps: Vec::new(),
            });
            self.log_decision(entitlement, resource, &d);
            return Ok(d);
        }
        let Some(ent) = data.entitlements.get(ei) else {
            d.reasons.push(reason(
                ReasonKind::WrongResourceType,
                "the entitlement is not part of this model",
            ));
            self.log_decision(entitlement, resource, &d);
            return Ok(d);
        };
        if resource.ty.0 != ent.entity {
            let r = wrong_type_reason(data, &d.entitlement, ent.entity, resource.ty.0);
            d.reasons.push(r);
            self.log_decision(entitlement, resource, &d);
            return Ok(d);
        }
        // 1. flags
        if !ent.flags.is_empty() {
            let on = match self.tenant() {
                Some(t) => self.cached_flags(t).await?,
                None => RoleSet::EMPTY,
            };
            let off = RoleSet(ent.flags.0 & !on.0);
            if !off.is_empty() {
                d.reasons.push(flag_reason(data, off));
            }
        }
        // 2 + 3. roles and hierarchy
        let grant = match self.roles_outcome(data, ei, ent, resource).await? {
            Ok(g) => Some(g),
            Err(r) => {
                d.reasons.push(r);
                None
            }
        };
        // 4 + 5. plan and wallet
        self.plans_and_limits(data, ei, ent, &mut d).await?;
        d.reasons.sort_by_key(|r| r.kind);
        d.allowed = d.reasons.is_empty();
        if d.allowed {
            d.grant = grant;
        }
        self.log_decision(entitlement, resource, &d);
        Ok(d)
    }

    /// Whether the tenant-wide layers (flags, plan, usage limits) allow `entitlement` on any
    /// resource: `check`'s reasons other than the roles', without reading an ancestry. For
    /// [`crate::sea::list_accessible`], whose roles layer becomes SQL.
    #[cfg(feature = "sea-orm")]
    pub(crate) async fn tenant_layers_allow(
        &self,
        entitlement: EntitlementId,
    ) -> StoreResult<bool> {
        let data = self.model.data();
        let ei = entitlement.0 as usize;
        let Some(ent) = data.entitlements.get(ei) else {
            return Ok(false);
        };
        if !ent.flags.is_empty() {
            let on = match self.tenant() {
                Some(t) => self.cached_flags(t).await?,
                None => RoleSet::EMPTY,
            };
            if on.intersection(ent.flags) != ent.flags {
                return Ok(false);
            }
        }
        let mut d = Decision {
            allowed: false,
            entitlement: ent.name.to_string(),
            reasons: Vec::new(),
            grant: None,
            limits: Vec::new(),
        };
        self.plans_and_limits(data, ei, ent, &mut d).await?;
        Ok(d.reasons.is_empty())
    }

    /// Layers 2 and 3 of `check`: the grant path, or the reason naming the roles that would
    /// grant it on the resource and its ancestors.
    async fn roles_outcome(
        &self,
        data: &ModelData,
        ei: usize,
        ent: &EntitlementData,
        resource: Resource<'_>,
    ) -> StoreResult<Result<GrantPath, Reason>> {
        let mut s = take_scratch();
        s.ancestry.want_ids = true;
        s.ancestry.compact = false;
        s.ancestry.at = self.now;
        let fetched = self.fetch_ancestry(resource, &mut s.ancestry).await;
        let result = fetched.and_then(|()| effective(data, &s.ancestry, &mut s.eff));
        let outcome = result.map(|eff| {
            let Some(entity) = data.entities.get(ent.entity as usize) else {
                return Err(reason(
                    ReasonKind::WrongResourceType,
                    "the entitlement's entity type is not part of this model",
                ));
            };
            let grants = self.grants.as_deref();
            let listed = self.listed(ei, ent);
            if eff.intersects(self.granting(ei, ent)) {
                Ok(grant_path(data, grants, &s.ancestry, &s.eff, listed))
            } else {
                let needed = (self.granting(ei, ent), listed);
                let tenant = self.principal.tenant.as_deref();
                Err(role_reason(
                    data,
                    grants,
                    entity,
                    ent,
                    needed,
                    &s.ancestry,
                    tenant,
                ))
            }
        });
        give_scratch(s);
        outcome
    }

    /// Layers 4 and 5 of `check`: the plan reason, and the status (and reason) of each limit.
    async fn plans_and_limits(
        &self,
        data: &ModelData,
        ei: usize,
        ent: &EntitlementData,
        d: &mut Decision,
    ) -> StoreResult<()> {
        if !ent.plan_gated && ent.limits.is_empty() {
            return Ok(());
        }
        let tenant = self.tenant();
        let now = self.now();
        let plans = self.plans_or_default().await?;
        let active = active_plans(data, &plans, now);
        if ent.plan_gated && !active.iter().any(|a| plan_includes(data, a.plan, ei)) {
            d.reasons
                .push(plan_reason(data, &d.entitlement, ent, &active));
        }
        for &l in ent.limits.iter() {
            let Some(limit) = data.limits.get(l as usize) else {
                continue;
            };
            let Some((max, anchor)) = limit_max(data, &active, &plans.overrides, ei, l) else {
                continue;
            };
            let start = time::period_start(limit.period, anchor, now);
            let end = time::period_end(limit.period, anchor, start);
            let used = match tenant {
                Some(t) => self.stores.used(t, LimitId(l), start).await?,
                None => 0,
            };
            if max.is_some() && tenant.is_none() {
                d.reasons.push(tenant_reason(limit));
            } else if let Some(m) = max
                && used >= m
            {
                d.reasons.push(limit_reason(limit, m, used, end));
            }
            d.limits.push(LimitStatus {
                limit: limit.name.to_string(),
                max,
                used,
                remaining: max.map(|m| m.saturating_sub(used)),
                period_start: start,
                resets_at: end,
            });
        }
        Ok(())
    }

    /// Like [`AccessContext::check`], as a `Result` (the same question).
    ///
    /// # Errors
    /// [`AuthorizationError`] with every reason, or the store failure.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [manager] } entitlements { "project:delete" on project => roles [manager] } } }
    /// # use model::*;
    /// use access_core::{AccessContext, AuthorizationError, Resource, Stores};
    ///
    /// async fn delete(ctx: &AccessContext<'_, Access, impl Stores>, p1: Resource<'_>) -> Result<(), AuthorizationError> {
    ///     ctx.authorize(Entitlement::ProjectDelete, p1).await?;
    ///     // .. delete the project
    ///     Ok(())
    /// }
    /// ```
    pub async fn authorize<'r, E, R>(
        &self,
        entitlement: E,
        resource: R,
    ) -> Result<(), AuthorizationError>
    where
        (E, R): Question<'r, M>,
    {
        let (entitlement, resource) = (entitlement, resource).parts();
        let err = |reason| AuthorizationError {
            entitlement: self
                .model
                .data()
                .entitlements
                .get(entitlement.0 as usize)
                .map_or_else(String::new, |e| e.name.to_string()),
            user_id: self.principal.id.to_string(),
            reason,
        };
        match self.check_parts(entitlement, resource).await {
            Ok(d) if d.allowed => Ok(()),
            Ok(d) => Err(err(AuthorizationFailure::Denied(d.reasons))),
            Err(e) => Err(err(AuthorizationFailure::Store(e))),
        }
    }

    /// [`Self::authorize`] for an entitlement given as a type; the `Ok` value is the proof
    /// ([`Granted`]) that data-changing functions can ask for.
    ///
    /// # Errors
    /// [`AuthorizationError`] with every reason, or the store failure.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [manager] } entitlements { "project:delete" on project => roles [manager] } } }
    /// # use model::*;
    /// use access_core::{AccessContext, AuthorizationError, Granted, Resource, Stores};
    ///
    /// fn delete_project(_proof: Granted<entitlement::ProjectDelete>) { /* .. */ }
    ///
    /// async fn handler(ctx: &AccessContext<'_, Access, impl Stores>, p1: Resource<'_>) -> Result<(), AuthorizationError> {
    ///     let proof = ctx.authorize_as::<entitlement::ProjectDelete>(p1).await?;
    ///     delete_project(proof);
    ///     Ok(())
    /// }
    /// ```
    pub async fn authorize_as<E>(
        &self,
        resource: Resource<'_>,
    ) -> Result<Granted<E>, AuthorizationError>
    where
        E: EntitlementMarker<Model = M>,
    {
        let err = |reason| AuthorizationError {
            entitlement: E::NAME.to_owned(),
            user_id: self.principal.id.to_string(),
            reason,
        };
        match self.check_parts(E::id(), resource).await {
            Ok(d) if d.allowed => Ok(Granted::issue()),
            Ok(d) => Err(err(AuthorizationFailure::Denied(d.reasons))),
            Err(e) => Err(err(AuthorizationFailure::Store(e))),
        }
    }
}
