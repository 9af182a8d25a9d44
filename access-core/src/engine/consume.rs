//! `can_and_consume`: the layers of `can`, then one unit of every limit gating the entitlement
//! taken in one atomic store call; `unconsume` gives the units back.

use std::sync::Arc;

use super::AccessContext;
use super::ask::Question;
use crate::granted::{EntitlementMarker, Granted};
use crate::model::{AccessModel, EntitlementId};
use crate::store::{Charge, Resource, StoreResult, Stores};

/// Units consumed by [`AccessContext::can_and_consume`]; give them back with
/// [`AccessContext::unconsume`] when the action fails.
///
/// # Examples
/// ```
/// use access_core::Consumption;
///
/// fn describe(used: &Consumption) -> String {
///     let tenant = used.tenant.as_deref().unwrap_or("nobody");
///     format!("{} counter(s) charged to {tenant}", used.charges.len())
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use = "keep it to give the unit back with `unconsume` if the action fails"]
pub struct Consumption {
    /// The tenant charged (`None` when nothing was charged).
    pub tenant: Option<Arc<str>>,
    /// The counters charged.
    pub charges: Vec<Charge>,
}

impl Consumption {
    /// Nothing charged: allowed without a limit that counts.
    fn free() -> Self {
        Self {
            tenant: None,
            charges: Vec::new(),
        }
    }
}

impl<M: AccessModel, S: Stores> AccessContext<'_, M, S> {
    /// Runs the layers and, when allowed, consumes one unit of every limit gating the
    /// entitlement in one atomic store call (no gap between the check and the consumption).
    /// Returns `None` when denied (nothing consumed). The entitlement is the model's
    /// `Entitlement` enum or an [`EntitlementId`] (see [`Question`]).
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [member] } entitlements { "ai:generate" on project => roles [member] } plans { free { group: main, features: ["ai:generate"], limits: { ai: "ai:generate" per day max 2 } } } default_plan: free, } }
    /// # use model::*;
    /// use access_core::{AccessContext, Resource, StoreResult, Stores};
    ///
    /// async fn generate(ctx: &AccessContext<'_, Access, impl Stores>, p1: Resource<'_>) -> StoreResult<&'static str> {
    ///     match ctx.can_and_consume(Entitlement::AiGenerate, p1).await? {
    ///         // Keep the units to `unconsume` them if the work fails.
    ///         Some(_used) => Ok("generated"),
    ///         None => Ok("denied, or the day's units are used up"),
    ///     }
    /// }
    /// ```
    #[inline]
    pub fn can_and_consume<'r, E, R>(
        &self,
        entitlement: E,
        resource: R,
    ) -> impl Future<Output = StoreResult<Option<Consumption>>>
    where
        (E, R): Question<'r, M>,
    {
        let (entitlement, resource) = (entitlement, resource).parts();
        self.consume_parts(entitlement, resource)
    }

    /// `can_and_consume` on the parts of its question.
    async fn consume_parts(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<Option<Consumption>> {
        let out = self.consume_layers(entitlement, resource).await?;
        self.log(entitlement, resource, out.as_ref().err().copied());
        Ok(out.ok())
    }

    /// [`Self::can_and_consume`] for an entitlement given as a type: the proof and the units
    /// consumed, or `None` when denied.
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [member] } entitlements { "ai:generate" on project => roles [member] } plans { free { group: main, features: ["ai:generate"], limits: { ai: "ai:generate" per day max 2 } } } default_plan: free, } }
    /// # use model::*;
    /// use access_core::{AccessContext, Granted, Resource, StoreResult, Stores};
    ///
    /// fn generate(_proof: Granted<entitlement::AiGenerate>) -> Option<String> { None }
    ///
    /// async fn handler(ctx: &AccessContext<'_, Access, impl Stores>, p1: Resource<'_>) -> StoreResult<Option<String>> {
    ///     let Some((proof, used)) = ctx.consume_as::<entitlement::AiGenerate>(p1).await? else {
    ///         return Ok(None); // denied, or used up
    ///     };
    ///     let text = generate(proof);
    ///     if text.is_none() {
    ///         ctx.unconsume(used).await?; // the work failed: give the unit back
    ///     }
    ///     Ok(text)
    /// }
    /// ```
    pub async fn consume_as<E>(
        &self,
        resource: Resource<'_>,
    ) -> StoreResult<Option<(Granted<E>, Consumption)>>
    where
        E: EntitlementMarker<Model = M>,
    {
        Ok(self
            .consume_parts(E::id(), resource)
            .await?
            .map(|c| (Granted::issue(), c)))
    }

    /// The layers of `can_and_consume`: the units taken, or the layer that stopped it.
    async fn consume_layers(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
    ) -> StoreResult<Result<Consumption, &'static str>> {
        if !self.principal.active {
            return Ok(Err("inactive_user"));
        }
        if self.principal.superuser {
            return Ok(Ok(Consumption::free()));
        }
        let data = self.model.data();
        let ei = entitlement.0 as usize;
        let Some(ent) = data.entitlements.get(ei) else {
            return Ok(Err("wrong_resource_type"));
        };
        if resource.ty.0 != ent.entity {
            return Ok(Err("wrong_resource_type"));
        }
        if let Some(layer) = self.flags_and_roles(ei, ent, resource).await? {
            return Ok(Err(layer));
        }
        // Plan as `can` has it; the wallet's count is checked by the consume itself, atomically.
        let charges = match self.plan_and_charges(data, ei, ent).await? {
            Ok(charges) => charges,
            Err(layer) => return Ok(Err(layer)),
        };
        if charges.is_empty() {
            return Ok(Ok(Consumption::free()));
        }
        // A wallet is per tenant: without one there is nothing to count against.
        let Some(tenant) = self.principal.tenant.clone() else {
            return Ok(Err("tenant_required"));
        };
        if self.stores.consume(&tenant, &charges).await? {
            Ok(Ok(Consumption {
                tenant: Some(tenant),
                charges,
            }))
        } else {
            Ok(Err("limit_reached"))
        }
    }

    /// Gives back the units of a [`Consumption`] (when the action it paid for failed).
    ///
    /// # Errors
    /// A store failure.
    ///
    /// # Examples
    /// ```
    /// # mod model { access_core::define_access! { pub Access; entity project { roles: [member] } entitlements { "ai:generate" on project => roles [member] } plans { free { group: main, features: ["ai:generate"], limits: { ai: "ai:generate" per day max 2 } } } default_plan: free, } }
    /// # use model::*;
    /// use access_core::{AccessContext, Resource, StoreResult, Stores};
    ///
    /// async fn generate(ctx: &AccessContext<'_, Access, impl Stores>, p1: Resource<'_>) -> StoreResult<()> {
    ///     if let Some(used) = ctx.can_and_consume(Entitlement::AiGenerate, p1).await? {
    ///         let failed = true; // .. the work the unit paid for
    ///         if failed {
    ///             ctx.unconsume(used).await?;
    ///         }
    ///     }
    ///     Ok(())
    /// }
    /// ```
    pub async fn unconsume(&self, consumption: Consumption) -> StoreResult<()> {
        match consumption.tenant {
            Some(t) if !consumption.charges.is_empty() => {
                self.stores.unconsume(&t, &consumption.charges).await
            }
            _ => Ok(()),
        }
    }
}
