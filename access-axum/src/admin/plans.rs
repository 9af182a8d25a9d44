//! `PUT /plan`, `PUT`/`DELETE /add-ons/{plan}`, `PUT`/`DELETE /overrides/{limit}`: the
//! tenant's plans, add-ons and limit overrides. Each answers with the tenant's new plans.

use access_core::model::ModelData;
use access_core::{AccessModel, LimitId, PlanId, StoreResult, Stores, Subscription};
use axum::Json;
use axum::body::Bytes;
use axum::extract::Path;
use serde::Deserialize;
use serde_json::{Value, json};

use super::context::{Admin, AdminOf, invalid, optional_json, store_error, unknown};
use crate::error::{ApiError, JsonBody};

/// Body of `PUT /plan`.
///
/// ```
/// use access_axum::admin::PlanBody;
///
/// let b: PlanBody = serde_json::from_str(r#"{"plan": "pro", "ends_at": 1800000000}"#).unwrap();
/// assert_eq!((b.plan.as_str(), b.started_at, b.ends_at), ("pro", None, Some(1_800_000_000)));
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// A base plan.
    pub plan: String,
    /// Start (Unix seconds; default now): the anchor of its periods.
    pub started_at: Option<i64>,
    /// End (exclusive), if any.
    pub ends_at: Option<i64>,
}

/// Body of `PUT /add-ons/{plan}` (an empty body is the default: from now, no end).
///
/// ```
/// use access_axum::admin::AddOnBody;
///
/// let b: AddOnBody = serde_json::from_str(r#"{"started_at": 1700000000}"#).unwrap();
/// assert_eq!((b.started_at, b.ends_at), (Some(1_700_000_000), None));
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddOnBody {
    /// Start (Unix seconds; default now).
    pub started_at: Option<i64>,
    /// End (exclusive), if any.
    pub ends_at: Option<i64>,
}

/// Body of `PUT /overrides/{limit}`.
///
/// ```
/// use access_axum::admin::OverrideBody;
///
/// let b: OverrideBody = serde_json::from_str(r#"{"max": 500}"#).unwrap();
/// assert_eq!(b.max, 500);
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverrideBody {
    /// Units per period for this tenant (the larger of this and the plans' wins).
    pub max: u64,
}

fn plan_index(data: &ModelData, name: &str) -> Result<u16, ApiError> {
    data.plan_index(name)
        .ok_or_else(|| unknown("plan", name, data.plans.iter().map(|p| p.name.to_string())))
}

fn limit_index(data: &ModelData, name: &str) -> Result<u16, ApiError> {
    data.limit_index(name).ok_or_else(|| {
        unknown(
            "limit",
            name,
            data.limits.iter().map(|l| l.name.to_string()),
        )
    })
}

/// The tenant's plans, add-ons and overrides, by name.
async fn plans_json<M: AccessModel, S: Stores + 'static>(a: &Admin<M, S>) -> Value {
    let data = a.data();
    match a.ctx.stores().tenant_plans(&a.tenant).await {
        Ok(p) => {
            let name = |s: &Subscription| data.plans[s.plan.0 as usize].name.to_string();
            json!({
                "base": p.base.iter().map(|s| json!({ "plan": name(s), "started_at": s.started_at, "ends_at": s.ends_at })).collect::<Vec<_>>(),
                "add_ons": p.add_ons.iter().map(|s| json!({ "plan": name(s), "started_at": s.started_at, "ends_at": s.ends_at })).collect::<Vec<_>>(),
                "overrides": p.overrides.iter().map(|(l, m)| json!({ "limit": &*data.limits[l.0 as usize].name, "max": m })).collect::<Vec<_>>(),
            })
        }
        Err(_) => Value::Null,
    }
}

/// A change to the tenant's plans: runs `op` between two snapshots, records both, answers with
/// the new state.
async fn plan_change<M: AccessModel, S: Stores + 'static>(
    a: &Admin<M, S>,
    action: &str,
    target: String,
    op: impl Future<Output = StoreResult<()>>,
) -> Result<Json<Value>, ApiError> {
    let before = plans_json(a).await;
    op.await.map_err(store_error)?;
    let after = plans_json(a).await;
    a.record(action, &target, before, after.clone()).await;
    Ok(Json(after))
}

fn subscription(plan: u16, started_at: Option<i64>, ends_at: Option<i64>) -> Subscription {
    Subscription {
        plan: PlanId(plan),
        started_at: started_at.unwrap_or_else(access_core::time::now),
        ends_at,
    }
}

/// Sets the base plan of the plan's group.
pub(super) async fn set_plan<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    JsonBody(body): JsonBody<PlanBody>,
) -> Result<Json<Value>, ApiError> {
    let data = a.data();
    let p = plan_index(data, &body.plan)?;
    let Some(group) = data.plans[p as usize].group else {
        let plan = &body.plan;
        return Err(invalid(format!(
            "`{plan}` is an add-on: use PUT /add-ons/{plan}"
        )));
    };
    let sub = subscription(p, body.started_at, body.ends_at);
    let op = a.ctx.stores().set_base_plan(&a.tenant, group, sub);
    plan_change(&a, "plan", format!("plan:{}", body.plan), op).await
}

pub(super) async fn add_add_on<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(plan): Path<String>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let b: AddOnBody = optional_json(&body)?;
    let data = a.data();
    let p = plan_index(data, &plan)?;
    if !data.plans[p as usize].add_on {
        return Err(invalid(format!("`{plan}` is a base plan: use PUT /plan")));
    }
    let op = a
        .ctx
        .stores()
        .add_add_on(&a.tenant, subscription(p, b.started_at, b.ends_at));
    plan_change(&a, "add_on", format!("plan:{plan}"), op).await
}

pub(super) async fn remove_add_on<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(plan): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let p = plan_index(a.data(), &plan)?;
    let op = a.ctx.stores().remove_add_on(&a.tenant, PlanId(p));
    plan_change(&a, "remove_add_on", format!("plan:{plan}"), op).await
}

pub(super) async fn set_override<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(limit): Path<String>,
    JsonBody(body): JsonBody<OverrideBody>,
) -> Result<Json<Value>, ApiError> {
    let l = limit_index(a.data(), &limit)?;
    let op = a
        .ctx
        .stores()
        .set_override(&a.tenant, LimitId(l), Some(body.max));
    plan_change(&a, "override", format!("limit:{limit}"), op).await
}

pub(super) async fn clear_override<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(limit): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let l = limit_index(a.data(), &limit)?;
    let op = a.ctx.stores().set_override(&a.tenant, LimitId(l), None);
    plan_change(&a, "override", format!("limit:{limit}"), op).await
}
