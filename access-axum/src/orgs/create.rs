//! `POST /orgs`: a new organization, its founder its owner, in one write; and the writes the
//! server-side [`Api`](crate::api::Api) shares with the organization routes ([`create_org`],
//! [`add_member`]).

use access_core::sea::SeaStore;
use access_core::sea::write::{begin_write, retry_writes};
use access_core::{AccessModel, EntityTypeId, Resource, RoleSet, StoreErrorKind};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, Set};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{OrgsConfig, direct_roles, role_index, role_names, table, tenant_of};
use crate::auth::AuthState;
use crate::auth::tokens::unix_now;
use crate::authz::{Access, Authz};
use crate::error::{ApiError, JsonBody};

/// An organization as `POST /orgs` answers it: its id, its name and its founder's roles there.
///
/// ```
/// use access_axum::orgs::Organization;
///
/// let org = Organization { id: "acme".into(), name: "Acme".into(), roles: vec!["owner".into()] };
/// let body = serde_json::to_value(&org).unwrap();
/// assert_eq!(body, serde_json::json!({ "id": "acme", "name": "Acme", "roles": ["owner"] }));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Organization {
    /// Its id (in URLs, tokens and the store).
    pub id: String,
    /// Its display name, trimmed.
    pub name: String,
    /// The founder's roles there: the tenant's owner role.
    pub roles: Vec<String>,
}

/// The body of `POST /orgs`.
///
/// ```
/// use access_axum::orgs::NewOrganization;
///
/// let b: NewOrganization = serde_json::from_str(r#"{"name": "Acme", "id": "acme"}"#).unwrap();
/// assert_eq!((b.name.as_str(), b.id.as_deref()), ("Acme", Some("acme")));
/// ```
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrganization {
    /// Its display name: 1 to 100 characters, no control characters.
    pub name: String,
    /// Its id (`a-z`, `0-9`, `-`, `_`; 1 to 63, starting with a letter or digit); generated
    /// when left out.
    #[serde(default)]
    pub id: Option<String>,
}

/// Whether `id` may name an organization: it appears in URLs, tokens and the store.
fn valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    (1..=63).contains(&b.len())
        && b[0].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'_')
}

/// 16 lowercase letters and digits (80 bits): an id nobody chose.
fn generated_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let bytes = crate::auth::tokens::random_token().into_bytes();
    bytes
        .iter()
        .take(16)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

fn taken() -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        "org_exists",
        "an organization with this id exists",
    )
}

/// The organization `id` (generated when `None`) named `name`, `owner` its owner: the row, the
/// tenant resource, the owner's role and the audit record in one write. 422 `invalid_name` /
/// `invalid_id` before anything is written, 409 `org_exists` when the id is taken. What
/// `POST /orgs` and [`Api::create_org`](crate::api::Api::create_org) run.
pub(crate) async fn create_org<M: AccessModel>(
    auth: &AuthState,
    authz: &Authz<M, SeaStore>,
    owner: i64,
    id: Option<String>,
    name: &str,
) -> Result<Organization, ApiError> {
    let tenant = tenant_of(&**authz.model())?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "invalid_name",
            "the name is 1 to 100 characters without control characters",
        ));
    }
    let id = match id {
        Some(id) if valid_id(&id) => id,
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_id",
                "ids are 1 to 63 of `a-z`, `0-9`, `-` and `_`, starting with a letter or digit",
            ));
        }
        None => generated_id(),
    };
    let user = owner.to_string();
    let data = authz.model().data();
    let entity = &data.entities[usize::from(tenant.entity)];
    let owner_role = entity.roles[usize::from(tenant.owner)].to_string();
    let store = authz.stores();
    let (id_ref, user_ref, owner_ref) = (id.as_str(), user.as_str(), owner_role.as_str());
    // The row, the tenant resource and the owner's role in one transaction, a writer from the
    // start (run again on contention): a failure leaves no organization without an owner behind.
    let _turn = auth.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&auth.db).await?;
        let row = table::ActiveModel {
            id: Set(id_ref.to_owned()),
            name: Set(name.to_owned()),
            created_by: Set(user_ref.to_owned()),
            created_at: Set(unix_now()),
        };
        if let Err(e) = row.insert(&txn).await {
            return Err(match e.sql_err() {
                Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => taken(),
                _ => e.into(),
            });
        }
        let org = Resource::new(EntityTypeId(tenant.entity), id_ref);
        store
            .create_resource_in(&txn, org, &[])
            .await
            .map_err(|e| match e.kind {
                StoreErrorKind::AlreadyExists => taken(),
                _ => ApiError::store_failed("organizations: creating the tenant failed", e),
            })?;
        store
            .assign_in(&txn, user_ref, org, tenant.owner)
            .await
            .map_err(|e| ApiError::store_failed("organizations: the owner's role failed", e))?;
        crate::admin::audit::record(
            &txn,
            id_ref,
            user_ref,
            "create_org",
            &format!("{}:{id_ref}", entity.name),
            Value::Null,
            json!({ "name": name, "owner": user_ref, "role": owner_ref }),
        )
        .await;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(Organization {
        id,
        name: name.to_owned(),
        roles: vec![owner_role],
    })
}

/// [`OrgsConfig::created_by`]: the caller holds one of its global roles (superusers pass);
/// 403 `forbidden` naming them otherwise.
fn may_create<M: AccessModel>(
    access: &Access<M, SeaStore>,
    model: &M,
    cfg: &OrgsConfig,
) -> Result<(), ApiError> {
    let Some(roles) = cfg.create else {
        return Ok(());
    };
    let p = access.ctx.principal();
    if p.superuser || p.global_roles.intersects(roles) {
        return Ok(());
    }
    let names: Vec<String> = roles
        .iter()
        .filter_map(|r| model.data().global_roles.get(r))
        .map(|n| format!("`{n}`"))
        .collect();
    Err(ApiError::new(
        StatusCode::FORBIDDEN,
        "forbidden",
        format!(
            "creating an organization needs one of the global roles {}",
            names.join(", ")
        ),
    ))
}

pub(super) async fn create<M: AccessModel>(
    access: Access<M, SeaStore>,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    axum::Extension(cfg): axum::Extension<OrgsConfig>,
    JsonBody(body): JsonBody<NewOrganization>,
) -> Result<(StatusCode, Json<Organization>), ApiError> {
    may_create(&access, &**authz.model(), &cfg)?;
    let org = create_org(&auth, &authz, access.user.id, body.id, &body.name).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

/// Who made a change made by the server itself (not by a signed-in user) in the audit trail.
pub(crate) const SERVER_ACTOR: &str = "server";

/// Grants `user` the tenant role `role` on the organization `id` (what the member held before
/// stays), audited as `add_member` by [`SERVER_ACTOR`]: the member's roles there afterwards.
/// 422 `unknown_role`, 404 when the user or the organization does not exist; nothing is
/// written then.
pub(crate) async fn add_member<M: AccessModel>(
    auth: &AuthState,
    authz: &Authz<M, SeaStore>,
    id: &str,
    user: i64,
    role: &str,
) -> Result<Vec<String>, ApiError> {
    let tenant = tenant_of(&**authz.model())?;
    let role = role_index(&**authz.model(), tenant, role)?;
    if auth
        .config
        .accounts()
        .users
        .by_id(&auth.db, user)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("no such user"));
    }
    let uid = user.to_string();
    let before = direct_roles(authz, tenant, &uid, id).await?;
    let after = before.union(RoleSet::single(usize::from(role)));
    let model = &**authz.model();
    let entity = &model.data().entities[usize::from(tenant.entity)];
    let names = |r: RoleSet| role_names(model, tenant, r);
    let (uid, store) = (uid.as_str(), authz.stores());
    let _turn = auth.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(&auth.db).await?;
        let org = Resource::new(EntityTypeId(tenant.entity), id);
        store
            .assign_in(&txn, uid, org, role)
            .await
            .map_err(|e| match e.kind {
                StoreErrorKind::NotFound => ApiError::not_found("no such organization"),
                _ => ApiError::store_failed("organizations: the member's role failed", e),
            })?;
        crate::admin::audit::record(
            &txn,
            id,
            SERVER_ACTOR,
            "add_member",
            &format!("{}:{id}", entity.name),
            json!({ "user": uid, "roles": names(before) }),
            json!({ "user": uid, "roles": names(after) }),
        )
        .await;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    Ok(names(after))
}
