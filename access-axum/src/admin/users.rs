//! `/users`: superusers list, search and change accounts (global roles, the superuser flag, the
//! active flag) and end their sessions. Only a signed-in user whose row says superuser and
//! active now gets in (403 `superuser_required` otherwise, whatever the token or the tenant's
//! entitlements say). Every change is one write transaction with its audit entry (tenant `""`,
//! target `user:{id}`); a refused request changes nothing.

use access_core::sea::write::{begin_write, retry_writes};
use access_core::{AccessModel, Stores, unknown_message};
use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{FromRef, FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query as Select};
use sea_orm::{Condition, ConnectionTrait};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::audit::record;
use crate::auth::AuthState;
use crate::auth::sessions::revoke_user;
use crate::auth::user::roles_of;
use crate::authz::Authz;
use crate::db::{UserChange, UsersTable, user};
use crate::error::{ApiError, JsonBody};

/// The longest search text of `GET /users?q=`.
const MAX_SEARCH: usize = 200;

/// The query of `GET /users`: `?q=acme&after=41&per_page=20`.
///
/// ```
/// use access_axum::admin::UsersQuery;
///
/// // The second page of the users whose email or username contains "acme".
/// let uri = "/users?q=acme&after=41&per_page=20".parse().unwrap();
/// let axum::extract::Query(q) = axum::extract::Query::<UsersQuery>::try_from_uri(&uri).unwrap();
/// assert_eq!(q.q.as_deref(), Some("acme"));
/// assert_eq!((q.after, q.per_page), (Some(41), Some(20)));
/// ```
#[derive(Debug, Default, Deserialize)]
pub struct UsersQuery {
    /// Text the email or the username contains (case-insensitive; at most 200 characters).
    pub q: Option<String>,
    /// The `next` of the previous page: users with a greater id.
    pub after: Option<i64>,
    /// Users per page, 1 to 200 (default 50).
    pub per_page: Option<u64>,
}

/// The body of `PATCH /users/{id}`: what to set, each field optional; any other field is a 422.
///
/// ```
/// use access_axum::admin::UserPatch;
///
/// // Global role `admin` and no other; superuser flag and active flag left as they are.
/// let p: UserPatch = serde_json::from_str(r#"{"roles": ["admin"]}"#).unwrap();
/// assert_eq!(p.roles.as_deref(), Some(&["admin".to_owned()][..]));
/// assert_eq!((p.superuser, p.active), (None, None));
/// // A misspelt field is refused, not ignored.
/// assert!(serde_json::from_str::<UserPatch>(r#"{"activ": false}"#).is_err());
/// ```
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// The user's global roles, replacing theirs (names of the model's global roles).
    pub roles: Option<Vec<String>>,
    /// Superuser or not.
    pub superuser: Option<bool>,
    /// Active or not; deactivating also ends every session of the user.
    pub active: Option<bool>,
}

/// A user as these routes answer it.
#[derive(Serialize)]
struct UserOut {
    id: i64,
    email: Option<String>,
    username: Option<String>,
    roles: Vec<String>,
    superuser: bool,
    active: bool,
    email_verified: bool,
    created_at: i64,
}

fn shown(u: &user::Model) -> Value {
    let out = UserOut {
        id: u.id,
        email: u.email.clone(),
        username: u.username.clone(),
        roles: roles_of(u),
        superuser: u.superuser,
        active: u.active,
        email_verified: u.email_verified,
        created_at: u.created_at,
    };
    serde_json::to_value(out).unwrap_or_default()
}

/// The caller, signed in (401 otherwise) and, as stored now, an active superuser (403
/// `superuser_required` otherwise): a demoted superuser is refused at once, even with a token
/// that still says `su`.
pub(super) struct Superuser {
    id: i64,
    auth: AuthState,
}

impl<St> FromRequestParts<St> for Superuser
where
    St: Send + Sync,
    AuthState: FromRef<St>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &St) -> Result<Self, ApiError> {
        let auth = AuthState::from_ref(state);
        let caller = crate::auth::extract::untyped(parts, &auth).await?;
        let row = auth
            .config
            .accounts()
            .users
            .by_id(&auth.db, caller.id)
            .await?;
        if !row.is_some_and(|u| u.superuser && u.active) {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "superuser_required",
                "only a superuser administers users",
            ));
        }
        Ok(Self {
            id: caller.id,
            auth,
        })
    }
}

impl Superuser {
    fn users(&self) -> &UsersTable {
        &self.auth.config.accounts().users
    }
}

fn no_such_user() -> ApiError {
    ApiError::not_found("no such user")
}

/// The id of `/users/{id}`: anything but an integer names no user.
fn user_id(raw: &str) -> Result<i64, ApiError> {
    raw.parse().map_err(|_| no_such_user())
}

fn invalid_query(message: impl Into<String>) -> ApiError {
    ApiError::invalid("invalid_query", message)
}

/// `GET /users`: one page of users by id, with the id to continue `after` (`null` at the end).
pub(super) async fn list(
    su: Superuser,
    query: Result<Query<UsersQuery>, QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(|_| {
        invalid_query("`q` is text, `after` an integer id, `per_page` an integer from 1 to 200")
    })?;
    let per_page = q.per_page.unwrap_or(50);
    if !(1..=200).contains(&per_page) {
        return Err(invalid_query("`per_page` is from 1 to 200"));
    }
    let search = q.q.as_deref();
    if search.is_some_and(|s| s.chars().count() > MAX_SEARCH || s.contains('\0')) {
        // No stored email or username holds a NUL (PostgreSQL cannot even compare with one).
        return Err(invalid_query(
            "`q` is at most 200 characters, without NUL characters",
        ));
    }
    // One more than asked for tells whether there is a next page.
    let mut rows = su
        .users()
        .page(&su.auth.db, search, q.after.unwrap_or(0), per_page + 1)
        .await?;
    let next = if rows.len() as u64 > per_page {
        rows.truncate(per_page as usize);
        rows.last().map(|u| u.id)
    } else {
        None
    };
    let items: Vec<Value> = rows.iter().map(shown).collect();
    Ok(Json(json!({ "items": items, "next": next })))
}

/// `GET /users/{id}`.
pub(super) async fn get_one(
    su: Superuser,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = user_id(&id)?;
    let u = su.users().by_id(&su.auth.db, id).await?;
    Ok(Json(shown(&u.ok_or_else(no_such_user)?)))
}

/// The model's global role names in `wanted`, each once, comma-joined as the users table
/// stores them; 422 `unknown_role` naming the nearest for a name the model does not declare.
fn role_list(model: &access_core::ModelData, wanted: &[String]) -> Result<String, ApiError> {
    let mut out: Vec<&str> = Vec::new();
    for name in wanted {
        if model.global_role_index(name).is_none() {
            let valid = model.global_roles.iter().map(|r| &**r);
            return Err(ApiError::invalid(
                "unknown_role",
                unknown_message("global role", name, "", valid),
            ));
        }
        if !out.contains(&name.as_str()) {
            out.push(name);
        }
    }
    Ok(out.join(","))
}

/// The active superusers other than `id`, with `id`'s row locked too (`FOR UPDATE` in id order
/// outside SQLite, whose write transactions run one at a time): two requests that each take
/// away one of the last two superusers cannot both pass.
async fn other_superusers(
    db: &impl ConnectionTrait,
    users: &UsersTable,
    id: i64,
) -> Result<usize, ApiError> {
    let col = |c: &str| Expr::col(Alias::new(c));
    let stmt = Select::select()
        .columns([&users.id, &users.superuser, &users.active].map(Alias::new))
        .from(Alias::new(&users.table))
        .cond_where(
            Condition::any().add(col(&users.id).eq(id)).add(
                Condition::all()
                    .add(col(&users.superuser).eq(true))
                    .add(col(&users.active).eq(true)),
            ),
        )
        .order_by(Alias::new(&users.id), sea_orm::Order::Asc)
        .lock_exclusive()
        .to_owned();
    let mut n = 0;
    for r in db.query_all(&stmt).await? {
        let (rid, su, active): (i64, bool, bool) = (
            r.try_get("", &users.id)?,
            r.try_get("", &users.superuser)?,
            r.try_get("", &users.active)?,
        );
        n += usize::from(rid != id && su && active);
    }
    Ok(n)
}

/// `PATCH /users/{id}`: sets the global roles, the superuser flag and the active flag in one
/// transaction; deactivating ends the user's sessions. 409 `last_superuser` when the change
/// would leave no active superuser.
pub(super) async fn update<M: AccessModel, S: Stores + 'static>(
    su: Superuser,
    State(authz): State<Authz<M, S>>,
    Path(id): Path<String>,
    JsonBody(patch): JsonBody<UserPatch>,
) -> Result<Json<Value>, ApiError> {
    let id = user_id(&id)?;
    let roles = match &patch.roles {
        Some(r) => Some(role_list(authz.model().data(), r)?),
        None => None,
    };
    let (su, roles, patch) = (&su, &roles, &patch);
    let _turn = su.auth.writers.serial().await?;
    let after = retry_writes(|| async move {
        let users = su.users();
        let txn = begin_write(&su.auth.db).await?;
        let others = other_superusers(&txn, users, id).await?;
        let before = users.by_id(&txn, id).await?.ok_or_else(no_such_user)?;
        let stays =
            patch.superuser.unwrap_or(before.superuser) && patch.active.unwrap_or(before.active);
        if before.superuser && before.active && !stays && others == 0 {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "last_superuser",
                "this is the last active superuser: make another one first",
            ));
        }
        if let Some(r) = roles {
            users.update(&txn, id, UserChange::Roles(r.clone())).await?;
        }
        if let Some(v) = patch.superuser {
            users.update(&txn, id, UserChange::Superuser(v)).await?;
        }
        let mut ended = 0;
        if let Some(v) = patch.active {
            users.update(&txn, id, UserChange::Active(v)).await?;
            if !v {
                ended = revoke_user(&txn, id).await?;
            }
        }
        let after = users.by_id(&txn, id).await?.ok_or_else(no_such_user)?;
        if after != before || ended > 0 {
            let mut now = shown(&after);
            now["sessions_revoked"] = ended.into();
            let (actor, target) = (su.id.to_string(), format!("user:{id}"));
            record(&txn, "", &actor, "set_user", &target, shown(&before), now).await;
        }
        txn.commit().await?;
        Ok::<_, ApiError>(after)
    })
    .await?;
    Ok(Json(shown(&after)))
}

/// `DELETE /users/{id}/sessions`: ends every session of the user (their refresh tokens stop
/// working; access tokens run out on their own).
pub(super) async fn revoke_sessions(
    su: Superuser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = user_id(&id)?;
    let su = &su;
    let _turn = su.auth.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&su.auth.db).await?;
        if su.users().by_id(&txn, id).await?.is_none() {
            return Err(no_such_user());
        }
        let ended = revoke_user(&txn, id).await?;
        let (actor, target) = (su.id.to_string(), format!("user:{id}"));
        let (before, after) = (json!({ "sessions": ended }), json!({ "sessions": 0 }));
        record(
            &txn,
            "",
            &actor,
            "revoke_user_sessions",
            &target,
            before,
            after,
        )
        .await;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `DELETE /users/{id}/mfa`: removes every second factor of the user (TOTP and recovery codes,
/// passkeys, open login challenges) and ends their sessions, for someone who lost them all;
/// audited as `reset_user_mfa`. They sign in with their password again and enrol anew.
pub(super) async fn reset_factors(
    su: Superuser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = user_id(&id)?;
    let su = &su;
    let _turn = su.auth.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&su.auth.db).await?;
        if su.users().by_id(&txn, id).await?.is_none() {
            return Err(no_such_user());
        }
        let gone = crate::auth::factors::forget_all(&txn, id).await?;
        let (totp, passkeys) = (gone.totp, gone.passkeys);
        let ended = revoke_user(&txn, id).await?;
        let (actor, target) = (su.id.to_string(), format!("user:{id}"));
        let before = json!({ "totp": totp, "passkeys": passkeys, "sessions": ended });
        let after = json!({ "totp": false, "passkeys": 0, "sessions": 0 });
        record(&txn, "", &actor, "reset_user_mfa", &target, before, after).await;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
