//! `GET sessions` (the user's live sessions), `DELETE sessions/{id}` (end one of them) and
//! `DELETE sessions` (end every other).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, Condition};

use crate::auth::sessions::revoke;
use crate::auth::state::AuthState;
use crate::auth::user::CurrentUser;
use crate::db::session;
use crate::error::ApiError;

pub(super) async fn list(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let rows = crate::auth::sessions::live(&state.db, user.id).await?;
    let list: Vec<serde_json::Value> = rows
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id, "device": s.device, "ip": s.ip, "created_at": s.created_at,
                "last_active_at": s.last_active_at, "current": s.id == user.session_id,
            })
        })
        .collect();
    Ok(Json(serde_json::json!({ "sessions": list })))
}

pub(super) async fn revoke_one(
    State(state): State<AuthState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let not_found = || ApiError::not_found("no such session");
    if id.contains('\0') {
        // No stored id has one (PostgreSQL cannot even compare with it).
        return Err(not_found());
    }
    let n = revoke(
        &state.db,
        Condition::all()
            .add(session::Column::Id.eq(id))
            .add(session::Column::UserId.eq(user.id)),
    )
    .await?;
    if n == 0 {
        return Err(not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn revoke_others(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let n = revoke(
        &state.db,
        Condition::all()
            .add(session::Column::UserId.eq(user.id))
            .add(session::Column::Id.ne(user.session_id.clone())),
    )
    .await?;
    Ok(Json(serde_json::json!({ "revoked": n })))
}
