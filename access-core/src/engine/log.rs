//! Decision logging: a denial is an `INFO` event, an allowed request a `DEBUG` event, both
//! with target `access::decision` (enable all decisions with
//! `RUST_LOG=access::decision=debug`).

use super::AccessContext;
use crate::decision::Decision;
use crate::model::{AccessModel, EntitlementId};
use crate::store::{Resource, Stores};

impl<M: AccessModel, S: Stores> AccessContext<'_, M, S> {
    /// Logs the answer of `can` and friends: `stopped` names the layer that denied.
    #[inline]
    pub(super) fn log(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
        stopped: Option<&str>,
    ) {
        match stopped {
            Some(layer) => tracing::info!(
                target: "access::decision",
                user = %self.principal.id,
                tenant = self.principal.tenant.as_deref(),
                entitlement = self.entitlement_name(entitlement),
                resource_type = self.entity_type_name(resource.ty.0),
                resource_id = resource.id,
                decision = "deny",
                reasons = layer,
            ),
            None => tracing::debug!(
                target: "access::decision",
                user = %self.principal.id,
                tenant = self.principal.tenant.as_deref(),
                entitlement = self.entitlement_name(entitlement),
                resource_type = self.entity_type_name(resource.ty.0),
                resource_id = resource.id,
                decision = "allow",
            ),
        }
    }

    /// Logs a [`Decision`] of `check`: a denial with every reason's kind and message.
    pub(super) fn log_decision(
        &self,
        entitlement: EntitlementId,
        resource: Resource<'_>,
        d: &Decision,
    ) {
        if d.allowed {
            self.log(entitlement, resource, None);
        } else if tracing::enabled!(target: "access::decision", tracing::Level::INFO) {
            let kinds: Vec<&str> = d.reasons.iter().map(|r| r.kind.as_str()).collect();
            let messages: Vec<&str> = d.reasons.iter().map(|r| r.message.as_str()).collect();
            tracing::info!(
                target: "access::decision",
                user = %self.principal.id,
                tenant = self.principal.tenant.as_deref(),
                entitlement = d.entitlement.as_str(),
                resource_type = self.entity_type_name(resource.ty.0),
                resource_id = resource.id,
                decision = "deny",
                reasons = kinds.join(",").as_str(),
                messages = ?messages,
            );
        }
    }

    fn entitlement_name(&self, e: EntitlementId) -> &str {
        self.model
            .data()
            .entitlements
            .get(e.0 as usize)
            .map_or("?", |e| &e.name)
    }

    fn entity_type_name(&self, ty: u16) -> &str {
        self.model
            .data()
            .entities
            .get(ty as usize)
            .map_or("?", |e| &e.name)
    }
}
