//! `PUT`/`DELETE /flags/{flag}`: turns one of the model's flags on or off for the tenant.

use access_core::{AccessModel, FlagId, Stores};
use axum::extract::Path;
use axum::http::StatusCode;
use serde_json::json;

use super::context::{Admin, AdminOf, store_error, unknown};
use crate::error::ApiError;

async fn set<M: AccessModel, S: Stores + 'static>(
    a: Admin<M, S>,
    flag: String,
    on: bool,
) -> Result<StatusCode, ApiError> {
    let data = a.data();
    let Some(f) = data.flag_index(&flag) else {
        return Err(unknown(
            "flag",
            &flag,
            data.flags.iter().map(|f| f.to_string()),
        ));
    };
    let stores = a.ctx.stores();
    let before = stores
        .tenant_flags(&a.tenant)
        .await
        .map(|s| s.contains(f as usize))
        .ok();
    stores
        .set_flag(&a.tenant, FlagId(f), on)
        .await
        .map_err(store_error)?;
    a.record(
        "flag",
        &format!("flag:{flag}"),
        json!({ "on": before }),
        json!({ "on": on }),
    )
    .await;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn on<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(flag): Path<String>,
) -> Result<StatusCode, ApiError> {
    set(a, flag, true).await
}

pub(super) async fn off<M: AccessModel, S: Stores + 'static>(
    AdminOf(a): AdminOf<M, S>,
    Path(flag): Path<String>,
) -> Result<StatusCode, ApiError> {
    set(a, flag, false).await
}
