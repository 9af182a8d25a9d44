//! The model's names for [`SeaStore`](super::SeaStore): the database stores names, not indices
//! (entity types, roles, plans, flags, limits), so adding or reordering declarations in the model
//! keeps the data meaningful. Custom roles of dynamic mode, which have no name in the model, are
//! stored as `#<index>`.

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::{EntityTypeId, ModelData, PlanId};
use crate::store::{StoreError, StoreErrorKind, StoreResult};

/// The model's tables, with hash maps for the names the hot path looks up (entity types and
/// roles); everything else is looked up in [`ModelData`] itself.
#[derive(Debug)]
pub(super) struct Names {
    pub(super) data: Arc<ModelData>,
    pub(super) entity_index: HashMap<String, u16>,
    role_index: Vec<HashMap<String, u16>>,
}

impl Names {
    /// Over `d`, shared with the store's role check.
    pub(super) fn new(d: Arc<ModelData>) -> Self {
        Self {
            entity_index: d
                .entities
                .iter()
                .enumerate()
                .map(|(i, e)| (e.name.to_string(), i as u16))
                .collect(),
            role_index: d
                .entities
                .iter()
                .map(|e| {
                    e.roles
                        .iter()
                        .enumerate()
                        .map(|(i, r)| (r.to_string(), i as u16))
                        .collect()
                })
                .collect(),
            data: d,
        }
    }

    pub(super) fn plan(&self, p: PlanId) -> StoreResult<&str> {
        self.data
            .plans
            .get(p.0 as usize)
            .map(|p| &*p.name)
            .ok_or_else(|| {
                StoreError::new(StoreErrorKind::InvalidRequest, "plan is not in the model")
            })
    }

    /// The group name of plan `p` (`None` for add-ons).
    pub(super) fn plan_group(&self, p: PlanId) -> Option<&str> {
        let g = self.data.plans.get(p.0 as usize)?.group?;
        self.data.groups.get(g as usize).map(|g| &**g)
    }

    pub(super) fn entity(&self, ty: EntityTypeId) -> StoreResult<&str> {
        self.data
            .entities
            .get(ty.0 as usize)
            .map(|e| &*e.name)
            .ok_or_else(|| {
                StoreError::new(
                    StoreErrorKind::InvalidRequest,
                    format!("entity type #{} is not in the model", ty.0),
                )
            })
    }

    pub(super) fn role_name(&self, ty: u16, role: u16) -> String {
        self.data
            .entities
            .get(ty as usize)
            .and_then(|e| e.roles.get(role as usize))
            .map_or_else(|| format!("#{role}"), |r| r.to_string())
    }

    pub(super) fn role_of(&self, ty: u16, name: &str) -> Option<u16> {
        if let Some(i) = self.role_index.get(ty as usize)?.get(name) {
            return Some(*i);
        }
        // A custom role is stored as `#index`, its index after the model's roles. An index the
        // model has since given to a role of its own is not read as that role: an assignment
        // of an old custom role never turns into a model role.
        let model_roles = self.data.entities.get(ty as usize)?.roles.len();
        name.strip_prefix('#')?
            .parse::<u16>()
            .ok()
            .filter(|i| usize::from(*i) >= model_roles && *i < 64)
    }
}
