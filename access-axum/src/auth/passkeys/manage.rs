//! `GET passkeys` (the caller's passkeys) and `DELETE passkeys/{id}` (one of them), and what
//! goes with a deleted account or a reset of its factors ([`forget`]).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use super::store;
use crate::auth::state::AuthState;
use crate::auth::user::CurrentUser;
use crate::db::{passkey, webauthn_ceremony};
use crate::error::ApiError;

pub(super) async fn list(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let rows = store::of_user(&state.db, user.id).await?;
    let list: Vec<Value> = rows
        .iter()
        .map(|p| {
            json!({
                "id": p.id, "name": p.name, "created_at": p.created_at,
                "last_used_at": p.last_used_at,
            })
        })
        .collect();
    Ok(Json(json!({ "passkeys": list })))
}

pub(super) async fn delete(
    State(state): State<AuthState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    // Another user's passkey answers as a missing one.
    let not_found = || ApiError::not_found("no such passkey");
    let id: i64 = id.parse().map_err(|_| not_found())?;
    let res = passkey::Entity::delete_many()
        .filter(passkey::Column::Id.eq(id))
        .filter(passkey::Column::UserId.eq(user.id))
        .exec(&state.db)
        .await?;
    if res.rows_affected == 0 {
        return Err(not_found());
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Removes every passkey and open ceremony of `user_id`, in `db`: what goes with a deleted
/// account, or with a superuser's reset of its factors. How many passkeys there were.
pub(crate) async fn forget(db: &impl ConnectionTrait, user_id: i64) -> Result<u64, ApiError> {
    let gone = passkey::Entity::delete_many()
        .filter(passkey::Column::UserId.eq(user_id))
        .exec(db)
        .await?
        .rows_affected;
    webauthn_ceremony::Entity::delete_many()
        .filter(webauthn_ceremony::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(gone)
}
