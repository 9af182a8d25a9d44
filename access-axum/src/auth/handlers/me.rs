//! `GET me`: the signed-in user, as stored now, with the profile.

use axum::Json;
use axum::extract::State;

use super::respond::UserOut;
use crate::auth::caller::current_record;
use crate::auth::state::AuthState;
use crate::auth::user::CurrentUser;
use crate::db::user;
use crate::error::ApiError;

pub(super) async fn me(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<serde_json::Value>, ApiError> {
    let u = current_record(&state, &user).await?;
    Ok(Json(shown(&state, &u).await?))
}

/// The user as `me` answers: the row's fields and the profile's (`name`, `last_login_at`).
pub(super) async fn shown(
    state: &AuthState,
    u: &user::Model,
) -> Result<serde_json::Value, ApiError> {
    use sea_orm::EntityTrait as _;
    let p = crate::db::profile::Entity::find_by_id(u.id)
        .one(&state.db)
        .await?;
    let mut out = serde_json::to_value(UserOut::from(u)).unwrap_or_default();
    if let Some(o) = out.as_object_mut() {
        o.insert(
            "name".into(),
            p.as_ref().and_then(|p| p.name.clone()).into(),
        );
        o.insert(
            "last_login_at".into(),
            p.and_then(|p| p.last_login_at).into(),
        );
    }
    Ok(out)
}
