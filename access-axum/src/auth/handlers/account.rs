//! Account self-service: `PATCH me` (the profile), `POST password` (the current password
//! given; every session ends and this device continues in a new one), `POST email` and `POST email/confirm` (a new address applies
//! once its token is taken), `DELETE me` (the password again; the account and what belongs to
//! it go in one transaction).

use access_core::sea::write::{begin_write, retry_writes};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::email::TokenBody;
use super::me::shown;
use super::respond;
use crate::auth::caller::{current_record, with_password};
use crate::auth::extract::Client;
use crate::auth::identifiers::{normalize_email, normalize_username};
use crate::auth::passwords::check_policy;
use crate::auth::state::AuthState;
use crate::auth::tokens::unix_now;
use crate::auth::user::CurrentUser;
use crate::auth::{one_time, sessions};
use crate::config::LoginIdentifier;
use crate::db::{UserChange, one_time_token, profile, refresh_token, session};
use crate::error::{ApiError, JsonBody};

/// Fields of `PATCH me` that carry privileges or belong to another flow: never set here.
const PRIVILEGED: &[&str] = &[
    "id",
    "roles",
    "superuser",
    "active",
    "email_verified",
    "tenant",
    "password_hash",
    "password_changed_at",
    "created_at",
    "last_login_at",
];

/// The fields `PATCH me` sets.
const PROFILE: &[&str] = &["name", "username"];

/// What `PATCH me` will change, read and checked before anything is written.
struct ProfileChange {
    name: Option<Option<String>>,
    username: Option<Option<String>>,
}

fn profile_change(state: &AuthState, body: &Map<String, Value>) -> Result<ProfileChange, ApiError> {
    let privileged: Vec<String> = body
        .keys()
        .filter(|k| PRIVILEGED.contains(&k.as_str()))
        .map(|k| format!("`{k}`"))
        .collect();
    if !privileged.is_empty() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden_field",
            format!("you may not set {}", privileged.join(", ")),
        ));
    }
    if body.contains_key("email") {
        return Err(ApiError::invalid(
            "use_change_email",
            "change the address with `POST /auth/email`: it applies once the new address is verified",
        ));
    }
    if body.contains_key("password") {
        return Err(ApiError::invalid(
            "use_change_password",
            "change the password with `POST /auth/password`, giving the current one",
        ));
    }
    if let Some(k) = body.keys().find(|k| !PROFILE.contains(&k.as_str())) {
        return Err(ApiError::invalid(
            "unknown_field",
            access_core::unknown_message("field", k, "", PROFILE.iter().copied()),
        ));
    }
    let name = match body.get("name") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(n)) => {
            let n = n.trim();
            if n.chars().count() > 100 || n.chars().any(char::is_control) {
                return Err(ApiError::invalid(
                    "invalid_name",
                    "a name is at most 100 characters without control characters",
                ));
            }
            Some((!n.is_empty()).then(|| n.to_owned()))
        }
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_name",
                "`name` is a string or null",
            ));
        }
    };
    let username = match body.get("username") {
        None => None,
        Some(Value::Null) if state.config.accounts().identifiers == LoginIdentifier::Username => {
            return Err(ApiError::invalid(
                "invalid_username",
                "accounts sign in with their username: it cannot be removed",
            ));
        }
        Some(Value::Null) => Some(None),
        Some(Value::String(u)) => Some(Some(normalize_username(u).ok_or_else(|| {
            ApiError::invalid(
                "invalid_username",
                "a username is 3 to 64 of letters, digits, `_`, `.` and `-`",
            )
        })?)),
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_username",
                "`username` is a string or null",
            ));
        }
    };
    Ok(ProfileChange { name, username })
}

pub(super) async fn patch_me(
    State(state): State<AuthState>,
    user: CurrentUser,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let change = profile_change(&state, &body)?;
    let u = current_record(&state, &user).await?;
    let (state, change, id) = (&state, &change, u.id);
    let _turn = state.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&state.db).await?;
        let users = &state.config.accounts().users;
        if let Some(username) = &change.username {
            if let Some(name) = username
                && users
                    .by_username(&txn, name)
                    .await?
                    .is_some_and(|o| o.id != id)
            {
                return Err(ApiError::new(
                    StatusCode::CONFLICT,
                    "username_taken",
                    "another account has this username",
                ));
            }
            users
                .update(&txn, id, UserChange::Username(username.clone()))
                .await?;
        }
        if let Some(name) = &change.name {
            profile::set(&txn, id, profile::Column::Name, name.clone().into()).await?;
        }
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    let u = current_record(state, &user).await?;
    Ok(Json(shown(state, &u).await?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct PasswordChange {
    /// Empty for an account without a password yet (made through a provider).
    #[serde(default)]
    current_password: String,
    new_password: String,
}

pub(super) async fn change_password(
    State(state): State<AuthState>,
    user: CurrentUser,
    client: Client,
    JsonBody(body): JsonBody<PasswordChange>,
) -> Result<Response, ApiError> {
    check_policy(&state.config, &body.new_password)?;
    let u = with_password(&state, &user, body.current_password).await?;
    let hash = state.passwords.hash(body.new_password).await?;
    let now = unix_now();
    let (state_ref, u_ref, client, hash) = (&state, &u, &client, &hash);
    let _turn = state.writers.serial().await?;
    let (sid, refresh) = retry_writes(|| async move {
        let txn = begin_write(&state_ref.db).await?;
        state_ref
            .config
            .accounts()
            .users
            .update(
                &txn,
                u_ref.id,
                UserChange::Password(hash.clone(), Some(now)),
            )
            .await?;
        // Every session ends (refresh refuses sessions older than the change); this device
        // continues in a new one, as a login would open it.
        sessions::revoke_user(&txn, u_ref.id).await?;
        let opened = sessions::open_in(&txn, state_ref, u_ref, client, None).await?;
        txn.commit().await?;
        Ok::<_, ApiError>(opened)
    })
    .await?;
    let tokens = sessions::sign_tokens(&state, &u, &sid, refresh).await?;
    Ok(respond::tokens(
        &state.config,
        StatusCode::OK,
        &tokens,
        Some(&u),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct EmailChange {
    email: String,
    /// Empty for an account without a password (a recent sign-in stands for it).
    #[serde(default)]
    password: String,
}

fn email_taken() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "email_taken",
        "another account has this address",
    )
}

pub(super) async fn change_email(
    State(state): State<AuthState>,
    user: CurrentUser,
    JsonBody(body): JsonBody<EmailChange>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let new = normalize_email(&body.email)
        .ok_or_else(|| ApiError::invalid("invalid_email", "the email is not valid"))?;
    let u = with_password(&state, &user, body.password).await?;
    if u.email.as_deref() == Some(new.as_str()) {
        return Err(ApiError::invalid(
            "same_email",
            "this is the account's address already",
        ));
    }
    let (state_ref, u_ref, new_ref) = (&state, &u, new.as_str());
    let _turn = state.writers.serial().await?;
    let token = retry_writes(|| async move {
        let txn = begin_write(&state_ref.db).await?;
        if state_ref
            .config
            .accounts()
            .users
            .by_email(&txn, new_ref)
            .await?
            .is_some()
        {
            return Err(email_taken());
        }
        profile::set(
            &txn,
            u_ref.id,
            profile::Column::PendingEmail,
            Some(new_ref.to_owned()).into(),
        )
        .await?;
        // The token goes to the new address.
        let token = one_time::store_for(&txn, state_ref, u_ref.id, "change_email").await?;
        txn.commit().await?;
        Ok::<_, ApiError>(token)
    })
    .await?;
    state.mailer.send("change_email", &new, &token).await;
    if let Some(old) = &u.email {
        // A notice to the address being replaced; its third argument is the new address.
        state.mailer.send("email_changing", old, &new).await;
    }
    Ok((StatusCode::ACCEPTED, Json(json!({ "sent": true }))))
}

pub(super) async fn confirm_email(
    State(state): State<AuthState>,
    JsonBody(body): JsonBody<TokenBody>,
) -> Result<Json<Value>, ApiError> {
    let (state, token) = (&state, body.token.as_str());
    let _turn = state.writers.serial().await?;
    let email = retry_writes(|| async move {
        let txn = begin_write(&state.db).await?;
        let t = one_time::take(&txn, token, "change_email").await?;
        let pending = profile::Entity::find_by_id(t.user_id)
            .one(&txn)
            .await?
            .and_then(|p| p.pending_email)
            .ok_or_else(one_time::invalid_token)?;
        let users = &state.config.accounts().users;
        if users.by_email(&txn, &pending).await?.is_some() {
            return Err(email_taken());
        }
        users
            .update(&txn, t.user_id, UserChange::Email(pending.clone()))
            .await?;
        profile::set(
            &txn,
            t.user_id,
            profile::Column::PendingEmail,
            None::<String>.into(),
        )
        .await?;
        txn.commit().await?;
        Ok::<_, ApiError>(pending)
    })
    .await?;
    Ok(Json(json!({ "email": email, "email_verified": true })))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Deletion {
    /// Empty for an account without a password (a recent sign-in stands for it).
    #[serde(default)]
    password: String,
}

/// Deletes everything of account `id` in authentication's tables, in `txn`.
async fn forget(txn: &impl ConnectionTrait, id: i64) -> Result<(), ApiError> {
    let sids: Vec<String> = session::Entity::find()
        .select_only()
        .column(session::Column::Id)
        .filter(session::Column::UserId.eq(id))
        .into_tuple()
        .all(txn)
        .await?;
    refresh_token::Entity::delete_many()
        .filter(refresh_token::Column::SessionId.is_in(sids))
        .exec(txn)
        .await?;
    session::Entity::delete_many()
        .filter(session::Column::UserId.eq(id))
        .exec(txn)
        .await?;
    one_time_token::Entity::delete_many()
        .filter(one_time_token::Column::UserId.eq(id))
        .exec(txn)
        .await?;
    profile::Entity::delete_by_id(id).exec(txn).await?;
    crate::auth::factors::forget_all(txn, id).await?;
    crate::auth::oauth::forget(txn, id).await?;
    Ok(())
}

pub(super) async fn delete_me(
    State(state): State<AuthState>,
    user: CurrentUser,
    JsonBody(body): JsonBody<Deletion>,
) -> Result<Response, ApiError> {
    let u = with_password(&state, &user, body.password).await?;
    let (state_ref, u_ref) = (&state, &u);
    let _turn = state.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&state_ref.db).await?;
        for removal in &state_ref.removals {
            removal.remove(&txn, u_ref).await?;
        }
        forget(&txn, u_ref.id).await?;
        state_ref
            .config
            .accounts()
            .users
            .delete(&txn, u_ref.id)
            .await?;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    tracing::info!(user = u.id, "account deleted by its owner");
    let mut r = axum::response::IntoResponse::into_response(StatusCode::NO_CONTENT);
    respond::clear_cookies(&state.config, r.headers_mut());
    Ok(r)
}
