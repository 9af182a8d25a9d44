//! `POST /orgs`: a new organization, its founder its owner, in one write.

use access_core::sea::SeaStore;
use access_core::sea::write::{begin_write, retry_writes};
use access_core::{AccessModel, EntityTypeId, Resource, StoreErrorKind};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sea_orm::{ActiveModelTrait, Set};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{table, tenant_of};
use crate::auth::AuthState;
use crate::auth::tokens::unix_now;
use crate::authz::{Access, Authz};
use crate::error::{ApiError, JsonBody};

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

pub(super) async fn create<M: AccessModel>(
    access: Access<M, SeaStore>,
    State(auth): State<AuthState>,
    State(authz): State<Authz<M, SeaStore>>,
    JsonBody(body): JsonBody<NewOrganization>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let tenant = tenant_of(&**authz.model())?;
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "invalid_name",
            "the name is 1 to 100 characters without control characters",
        ));
    }
    let id = match body.id {
        Some(id) if valid_id(&id) => id,
        Some(_) => {
            return Err(ApiError::invalid(
                "invalid_id",
                "ids are 1 to 63 of `a-z`, `0-9`, `-` and `_`, starting with a letter or digit",
            ));
        }
        None => generated_id(),
    };
    let user = access.user.id.to_string();
    let org = Resource::new(EntityTypeId(tenant.entity), &id);
    let store = authz.stores();
    // The row, the tenant resource and the owner's role in one transaction, a writer from the
    // start: a failure leaves no organization without an owner behind.
    let turn = auth.writers.serial().await?;
    let txn = retry_writes(|| begin_write(&auth.db)).await?;
    let row = table::ActiveModel {
        id: Set(id.clone()),
        name: Set(name.to_owned()),
        created_by: Set(user.clone()),
        created_at: Set(unix_now()),
    };
    if let Err(e) = row.insert(&txn).await {
        return Err(match e.sql_err() {
            Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => taken(),
            _ => e.into(),
        });
    }
    store
        .create_resource_in(&txn, org, &[])
        .await
        .map_err(|e| match e.kind {
            StoreErrorKind::AlreadyExists => taken(),
            _ => ApiError::store_failed("organizations: creating the tenant failed", e),
        })?;
    store
        .assign_in(&txn, &user, org, tenant.owner)
        .await
        .map_err(|e| ApiError::store_failed("organizations: the owner's role failed", e))?;
    let owner = authz.model().data().entities[usize::from(tenant.entity)].roles
        [usize::from(tenant.owner)]
    .to_string();
    crate::admin::audit::record(
        &txn,
        &id,
        &user,
        "create_org",
        &format!(
            "{}:{id}",
            authz.model().data().entities[usize::from(tenant.entity)].name
        ),
        Value::Null,
        json!({ "name": name, "owner": user, "role": owner }),
    )
    .await;
    txn.commit().await?;
    drop(turn);
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "name": name, "roles": [owner] })),
    ))
}
