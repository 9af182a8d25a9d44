//! `can`: the five layers in order, stopping at the first that denies.

use std::pin::Pin;
use std::task::{Context, Poll};

use access_model::{EntitlementData, ModelData};

use super::AccessContext;
use super::ask::Question;
use super::roles::{Scratch, effective, give_scratch, take_scratch};
use crate::model::{AccessModel, EntitlementId};
use crate::store::{AtOnce, Resource, StoreError, StoreErrorKind, StoreResult, Stores};

impl<M: AccessModel, S: Stores> AccessContext<'_, M, S> {
    /// Whether the principal may exercise `entitlement` on `resource`. Stops at the first
    /// failing layer. The entitlement is the model's `Entitlement` enum or an
    /// [`EntitlementId`] (see [`Question`]); an id outside the model is denied.
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [viewer] } entitlements { "project:read" on project => roles [viewer] } } }
    /// # use model::*;
    /// use access_core::{AccessContext, Resource, StoreResult, Stores};
    ///
    /// async fn show(ctx: &AccessContext<'_, Access, impl Stores>, id: &str) -> StoreResult<String> {
    ///     let project = Resource::new(EntityType::Project, id);
    ///     if !ctx.can(Entitlement::ProjectRead, project).await? {
    ///         return Ok("403".into());
    ///     }
    ///     Ok(format!("project {id}"))
    /// }
    /// ```
    #[inline]
    pub fn can<'r, E, R>(
        &self,
        entitlement: E,
        resource: R,
    ) -> impl Future<Output = StoreResult<bool>>
    where
        (E, R): Question<'r, M>,
    {
        let (entitlement, resource) = (entitlement, resource).parts();
        // A store that answers at once is asked on the first poll, without a future per layer;
        // any other through the async layers, boxed so that `can`'s future stays a few words
        // whichever path it takes (it is moved into whatever polls it).
        match self.at_once() {
            Some(store) => CanFuture::Now {
                ctx: self,
                store,
                entitlement,
                resource,
            },
            None => CanFuture::Later(Box::pin(self.can_parts(entitlement, resource))),
        }
    }

    /// `can` on the parts of its question, through the async layers.
    async fn can_parts(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<bool> {
        let stopped = self.can_layers(entitlement, resource).await?;
        self.log(entitlement, resource, stopped);
        Ok(stopped.is_none())
    }

    /// What `can` settles before any store is read: an inactive user (denied), a superuser
    /// (allowed), an entitlement outside the model or of another entity type (denied), each as
    /// `Err(stopped)`; else the entitlement, for the layers.
    #[inline]
    pub(super) fn before_layers(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> Result<(usize, &EntitlementData), Option<&'static str>> {
        let p = &self.principal;
        if !p.active {
            return Err(Some("inactive_user"));
        }
        if p.superuser {
            return Err(None);
        }
        let ei = entitlement.0 as usize;
        match self.model.data().entitlements.get(ei) {
            Some(ent) if resource.ty.0 == ent.entity => Ok((ei, ent)),
            _ => Err(Some("wrong_resource_type")),
        }
    }

    /// The layers of `can`: `None` when allowed, else the layer that stopped it.
    async fn can_layers(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<Option<&'static str>> {
        let (ei, ent) = match self.before_layers(entitlement, resource) {
            Ok(found) => found,
            Err(stopped) => return Ok(stopped),
        };
        if let Some(layer) = self.flags_and_roles(ei, ent, resource).await? {
            return Ok(Some(layer));
        }
        // 4 + 5. plan and wallet
        self.plan_and_wallet_ok(self.model.data(), ei, ent).await
    }

    /// Layers 1–3 (flags, roles on the resource and through its ancestry), shared by `can` and
    /// `can_and_consume` so both deny for the same first reason.
    pub(super) async fn flags_and_roles(
        &self,
        ei: usize,
        ent: &EntitlementData,
        resource: Resource<'_>,
    ) -> StoreResult<Option<&'static str>> {
        // 1. flags
        if !ent.flags.is_empty() {
            let Some(t) = self.tenant() else {
                return Ok(Some("flag_disabled"));
            };
            let on = self.cached_flags(t).await?;
            if on.intersection(ent.flags) != ent.flags {
                return Ok(Some("flag_disabled"));
            }
        }
        // 2 + 3. roles on the resource and through its ancestry
        let mut s = self.scratch_for_can();
        let fetched = self.fetch_ancestry(resource, &mut s.ancestry).await;
        self.roles_layer(ei, ent, s, fetched)
    }

    /// Buffers for `can`'s ancestry: compact, without ids, as of the context's time.
    pub(super) fn scratch_for_can(&self) -> Box<Scratch> {
        let mut s = take_scratch();
        // Cleared here too: a store that does not clear would leave another store's folded runs.
        s.ancestry.clear();
        s.ancestry.want_ids = false;
        s.ancestry.compact = true;
        s.ancestry.at = self.now;
        s
    }

    /// Layers 2 and 3 on the ancestry just fetched into `s` (given back to the pool here).
    pub(super) fn roles_layer(
        &self,
        ei: usize,
        ent: &EntitlementData,
        mut s: Box<Scratch>,
        fetched: StoreResult<()>,
    ) -> StoreResult<Option<&'static str>> {
        let data = self.model.data();
        let eff = fetched.and_then(|()| effective(data, &s.ancestry, &mut s.eff));
        give_scratch(s);
        if !eff?.intersects(self.granting(ei, ent)) {
            return Ok(Some("role_required"));
        }
        Ok(None)
    }

    /// Layers 4 and 5 of `can`: the plan, then each counter against its max.
    async fn plan_and_wallet_ok(
        &self,
        data: &ModelData,
        ei: usize,
        ent: &EntitlementData,
    ) -> StoreResult<Option<&'static str>> {
        let charges = match self.plan_and_charges(data, ei, ent).await? {
            Ok(charges) => charges,
            Err(layer) => return Ok(Some(layer)),
        };
        if charges.is_empty() {
            return Ok(None);
        }
        let Some(t) = self.tenant() else {
            return Ok(Some("tenant_required"));
        };
        for c in &charges {
            if self.stores.used(t, c.limit, c.period_start).await? >= c.max {
                return Ok(Some("limit_reached"));
            }
        }
        Ok(None)
    }
}

/// `can`'s future: the question, answered on the first poll by a store that answers at once, or
/// the async layers' future (boxed).
enum CanFuture<'c, 'a, 'r, M: AccessModel, S: Stores, F> {
    Now {
        ctx: &'c AccessContext<'a, M, S>,
        store: &'c dyn AtOnce,
        entitlement: EntitlementId,
        resource: Resource<'r>,
    },
    Later(Pin<Box<F>>),
    Done,
}

impl<M: AccessModel, S: Stores, F: Future<Output = StoreResult<bool>>> Future
    for CanFuture<'_, '_, '_, M, S, F>
{
    type Output = StoreResult<bool>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<StoreResult<bool>> {
        let this = self.get_mut();
        if let CanFuture::Later(f) = this {
            return f.as_mut().poll(cx);
        }
        match std::mem::replace(this, CanFuture::Done) {
            CanFuture::Now {
                ctx,
                store,
                entitlement,
                resource,
            } => Poll::Ready(ctx.answer_now(store, entitlement, resource)),
            _ => Poll::Ready(Err(StoreError::new(
                StoreErrorKind::InvalidRequest,
                "`can`'s future polled after it completed",
            ))),
        }
    }
}
