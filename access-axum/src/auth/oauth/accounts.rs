//! Provider accounts and users: who a provider's sign-in is ([`resolve`]: the linked user, a
//! verified address's account, or a new user), the caller's linked providers (`GET
//! oauth/accounts`) and unlinking one (`DELETE oauth/accounts/{provider}`), never the last way
//! to sign in.

use access_core::sea::write::{begin_write, retry_writes};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, Set,
};
use serde_json::{Value, json};

use super::provider::Identity;
use crate::auth::caller::current_record;
use crate::auth::state::AuthState;
use crate::auth::tokens::unix_now;
use crate::auth::user::CurrentUser;
use crate::db::{NewUser, UserChange, oauth_account, user};
use crate::error::ApiError;

/// What a provider's callback comes to.
pub(crate) enum Outcome {
    /// Sign in as this user.
    SignIn(user::Model),
    /// The signed-in user who started the flow now has this provider linked.
    Linked,
}

fn link_required(label: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "link_required",
        format!(
            "an account with this address exists: sign in to it, then link {label} from your account settings"
        ),
    )
}

/// Who signs in (or what gets linked) for `id` at provider `name`, in one write transaction:
/// - linking (`link_user`): the provider account joins that user, unless another user has it
///   (409 `linked_elsewhere`);
/// - a linked provider account: its user;
/// - an address the provider verified that a local account holds, verified too: linked to it;
///   any other address match: 409 `link_required` (sign in, then link), nothing written;
/// - else a new user (without a password; its address verified when the provider says so),
///   unless registration is off (403 `registration_closed`);
/// - a disabled account: 403 `account_inactive`, nothing written.
pub(crate) async fn resolve(
    state: &AuthState,
    name: &str,
    label: &str,
    id: &Identity,
    link_user: Option<i64>,
) -> Result<Outcome, ApiError> {
    let _turn = state.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&state.db).await?;
        let out = resolve_in(&txn, state, name, label, id, link_user).await?;
        if let Outcome::SignIn(u) = &out
            && !u.active
        {
            // Rolled back: a disabled account gains no link either.
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "account_inactive",
                "this account is disabled",
            ));
        }
        txn.commit().await?;
        Ok::<_, ApiError>(out)
    })
    .await
}

async fn resolve_in(
    txn: &impl ConnectionTrait,
    state: &AuthState,
    name: &str,
    label: &str,
    id: &Identity,
    link_user: Option<i64>,
) -> Result<Outcome, ApiError> {
    let users = &state.config.accounts().users;
    let now = unix_now();
    let linked = oauth_account::Entity::find()
        .filter(oauth_account::Column::Provider.eq(name))
        .filter(oauth_account::Column::Subject.eq(&id.subject))
        .one(txn)
        .await?;
    if let Some(a) = &linked {
        let mut touched: oauth_account::ActiveModel = a.clone().into();
        touched.last_used_at = Set(now);
        touched.update(txn).await?;
    }
    if let Some(uid) = link_user {
        return match linked {
            Some(a) if a.user_id != uid => Err(ApiError::new(
                StatusCode::CONFLICT,
                "linked_elsewhere",
                format!("this {label} account signs in to another account"),
            )),
            Some(_) => Ok(Outcome::Linked),
            None => {
                insert_link(txn, name, id, uid, now).await?;
                Ok(Outcome::Linked)
            }
        };
    }
    if let Some(a) = linked {
        let u = users
            .by_id(txn, a.user_id)
            .await?
            .ok_or_else(|| ApiError::internal("a provider account linked to no user"))?;
        return Ok(Outcome::SignIn(u));
    }
    if let Some(email) = &id.email
        && let Some(local) = users.by_email(txn, email).await?
    {
        if !(id.email_verified && local.email_verified) {
            return Err(link_required(label));
        }
        insert_link(txn, name, id, local.id, now).await?;
        return Ok(Outcome::SignIn(local));
    }
    if !state.config.accounts().registration {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "registration_closed",
            "registration is turned off: an existing account can link this provider from its settings",
        ));
    }
    let new = NewUser {
        email: id.email.clone(),
        username: None,
        // No password until the user sets one (`POST password` without a current one).
        password_hash: String::new(),
        now,
    };
    let mut u = users.insert(txn, new).await?;
    if id.email_verified && u.email.is_some() {
        users
            .update(txn, u.id, UserChange::EmailVerified(true))
            .await?;
        u.email_verified = true;
    }
    insert_link(txn, name, id, u.id, now).await?;
    Ok(Outcome::SignIn(u))
}

async fn insert_link(
    txn: &impl ConnectionTrait,
    name: &str,
    id: &Identity,
    user_id: i64,
    now: i64,
) -> Result<(), ApiError> {
    oauth_account::ActiveModel {
        provider: Set(name.to_owned()),
        subject: Set(id.subject.clone()),
        user_id: Set(user_id),
        email: Set(id.email.clone()),
        created_at: Set(now),
        last_used_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// The ways `u` signs in: a password, passkeys, linked providers.
async fn ways_to_sign_in(db: &impl ConnectionTrait, u: &user::Model) -> Result<u64, ApiError> {
    let password = u64::from(!u.password_hash.is_empty());
    let passkeys = crate::auth::passkeys::count(db, u.id).await?;
    let providers = oauth_account::Entity::find()
        .filter(oauth_account::Column::UserId.eq(u.id))
        .count(db)
        .await?;
    Ok(password + passkeys + providers)
}

/// `GET oauth/accounts`: the caller's linked providers.
pub(super) async fn list(
    State(state): State<AuthState>,
    user: CurrentUser,
) -> Result<Json<Value>, ApiError> {
    let u = current_record(&state, &user).await?;
    let rows = oauth_account::Entity::find()
        .filter(oauth_account::Column::UserId.eq(u.id))
        .order_by_asc(oauth_account::Column::Id)
        .all(&state.db)
        .await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|a| {
            json!({
                "provider": a.provider,
                "email": a.email,
                "created_at": a.created_at,
                "last_used_at": a.last_used_at,
            })
        })
        .collect();
    Ok(Json(
        json!({ "items": items, "has_password": !u.password_hash.is_empty() }),
    ))
}

/// `DELETE oauth/accounts/{provider}`: unlinks it; 404 when it is not linked, 409
/// `last_sign_in_method` when nothing else would sign the user in.
pub(super) async fn unlink(
    State(state): State<AuthState>,
    user: CurrentUser,
    Path(provider): Path<String>,
) -> Result<StatusCode, ApiError> {
    let u = current_record(&state, &user).await?;
    let (state_ref, u_ref, provider_ref) = (&state, &u, provider.as_str());
    let _turn = state.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&state_ref.db).await?;
        let rows = oauth_account::Entity::find()
            .filter(oauth_account::Column::UserId.eq(u_ref.id))
            .filter(oauth_account::Column::Provider.eq(provider_ref))
            .all(&txn)
            .await?;
        if rows.is_empty() {
            return Err(ApiError::not_found("no such linked provider"));
        }
        let ways = ways_to_sign_in(&txn, u_ref).await?;
        if ways <= rows.len() as u64 {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "last_sign_in_method",
                "this is the account's only way to sign in: set a password or link another provider first",
            ));
        }
        oauth_account::Entity::delete_many()
            .filter(oauth_account::Column::UserId.eq(u_ref.id))
            .filter(oauth_account::Column::Provider.eq(provider_ref))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes every provider account of user `id` (its account is being deleted).
pub(crate) async fn forget(db: &impl ConnectionTrait, id: i64) -> Result<u64, ApiError> {
    Ok(oauth_account::Entity::delete_many()
        .filter(oauth_account::Column::UserId.eq(id))
        .exec(db)
        .await?
        .rows_affected)
}
