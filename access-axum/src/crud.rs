//! `crud_router::<E>()`: list, get, create, update (PATCH) and delete routes for a sea-orm
//! entity whose model derives `Schema` (with `entity = Entity`).
//!
//! Per request, in this order: authentication where the action is not public, the action's
//! permission, row rules in the SQL of every statement (UPDATE and DELETE included, so a row that
//! stops matching between load and write is not written), field redaction in every response,
//! field write checks on create and update. 404 for rows outside a row rule, 403 naming a
//! forbidden field, 422 for invalid bodies.

use std::marker::PhantomData;

use access_core::schema::{Action, PermissionCtx, Schema};
use access_core::sea::{SeaOrmSchema, row_filter};
use access_core::{AccessContext, AccessModel, Stores};
use axum::extract::{FromRef, FromRequestParts, Path, Query, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use sea_orm::{
    ActiveModelBehavior, ActiveModelTrait, ColumnTrait, Condition, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, TryIntoModel,
};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::auth::{ApiError, AuthState, CurrentUser};
use crate::authz::Authz;

/// What the routes need from the model type and its entity.
pub trait CrudModel<E: EntityTrait>:
    Schema + SeaOrmSchema<Entity = E> + serde::Serialize + DeserializeOwned + Send + Sync + Clone
{
}

impl<E: EntityTrait, T> CrudModel<E> for T where
    T: Schema
        + SeaOrmSchema<Entity = E>
        + serde::Serialize
        + DeserializeOwned
        + Send
        + Sync
        + Clone
{
}

/// Page parameters of `GET /`.
#[derive(Debug, Deserialize)]
pub struct PageQuery {
    /// 1-based page (default 1).
    pub page: Option<u64>,
    /// Rows per page (default 20, at most 100).
    pub per_page: Option<u64>,
}

fn denial(d: &access_core::Denial, signed_in: bool) -> Response {
    if !signed_in
        && d.reasons
            .iter()
            .any(|r| r.kind == access_core::ReasonKind::AuthenticationRequired)
    {
        return ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "valid credentials are required",
        )
        .into_response();
    }
    let body = serde_json::json!({
        "error": "forbidden",
        "message": d.to_string(),
        "reasons": d.reasons,
    });
    (StatusCode::FORBIDDEN, Json(body)).into_response()
}

fn row_rule_failed(d: &access_core::Denial) -> bool {
    d.reasons
        .iter()
        .any(|r| r.kind == access_core::ReasonKind::RowRuleFailed)
}

/// The action on this row: a row rule that fails is a 404 (the row is not the caller's to see),
/// any other refusal a 401/403 with the reasons.
async fn authorize_row<T: Schema + Sync>(
    pctx: &PermissionCtx<'_>,
    row: &T,
    action: Action,
    signed_in: bool,
) -> Result<(), Response> {
    match T::authorize_action(&pctx.with_row(row), action).await {
        Ok(()) => Ok(()),
        Err(d) if row_rule_failed(&d) => Err(not_found()),
        Err(d) => Err(denial(&d, signed_in)),
    }
}

/// No row to act on: not found, unless the action itself is refused whatever the row.
async fn absent<T: Schema>(pctx: &PermissionCtx<'_>, action: Action, signed_in: bool) -> Response {
    match T::authorize_action(pctx, action).await {
        Err(d) if !row_rule_failed(&d) => denial(&d, signed_in),
        _ => not_found(),
    }
}

fn not_found() -> Response {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such row").into_response()
}

fn internal(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "crud: database error");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "the request could not be completed",
    )
    .into_response()
}

/// The caller, if any, with a token that must be valid when present.
async fn caller(parts: &mut Parts, auth: &AuthState) -> Result<Option<CurrentUser>, Response> {
    match <CurrentUser as FromRequestParts<AuthState>>::from_request_parts(parts, auth).await {
        Ok(u) => Ok(Some(u)),
        Err(e) if e.status == StatusCode::UNAUTHORIZED && !has_credentials(parts) => Ok(None),
        Err(e) => Err(e.into_response()),
    }
}

fn has_credentials(parts: &Parts) -> bool {
    parts
        .headers
        .contains_key(axum::http::header::AUTHORIZATION)
}

/// Routes for entity `E` under the router's path: `GET /`, `POST /`, `GET /{id}`,
/// `PATCH /{id}`, `DELETE /{id}`.
pub fn crud_router<E, M, S, St>() -> Router<St>
where
    E: EntityTrait,
    E::Model: CrudModel<E> + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel:
        ActiveModelTrait<Entity = E> + ActiveModelBehavior + TryIntoModel<E::Model> + Send + Sync,
    M: AccessModel,
    S: Stores + 'static,
    St: Clone + Send + Sync + 'static,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
{
    let _ = PhantomData::<(E, M, S)>;
    Router::new()
        .route("/", get(list::<E, M, S, St>).post(create::<E, M, S, St>))
        .route(
            "/{id}",
            get(read::<E, M, S, St>)
                .patch(update::<E, M, S, St>)
                .delete(remove::<E, M, S, St>),
        )
}

struct Ctx<M: AccessModel, S: Stores + 'static> {
    authz: Authz<M, S>,
    auth: AuthState,
    user: Option<CurrentUser>,
    principal: Option<access_core::Principal>,
    engine: Option<AccessContext<'static, M, S>>,
}

impl<M: AccessModel, S: Stores + 'static> Ctx<M, S> {
    async fn new<St>(parts: &mut Parts, state: &St) -> Result<Self, Response>
    where
        AuthState: FromRef<St>,
        Authz<M, S>: FromRef<St>,
    {
        let auth = AuthState::from_ref(state);
        let authz = Authz::<M, S>::from_ref(state);
        let user = caller(parts, &auth).await?;
        let principal = user.as_ref().map(|u| authz.principal(parts, u));
        let engine = match &principal {
            Some(p) => Some(
                authz
                    .context_for(p.clone())
                    .await
                    .map_err(IntoResponse::into_response)?,
            ),
            None => None,
        };
        Ok(Self {
            authz,
            auth,
            user,
            principal,
            engine,
        })
    }
    /// The schema context for the caller, answering `entitlement(..)` rules with the engine.
    fn permission_ctx(&self) -> PermissionCtx<'_> {
        let base = PermissionCtx::new(self.authz.model.data(), self.principal.as_ref());
        match &self.engine {
            Some(e) => base.with_entitlements(e),
            None => base,
        }
    }
}

fn id_condition<E: EntityTrait, T: SeaOrmSchema<Entity = E>>(id: &str) -> Option<Condition> {
    let field = T::PERMISSIONS.id_field;
    let col = field.parse::<E::Column>().ok()?;
    let v = T::sql_value(field, id)?;
    Some(Condition::all().add(col.eq(v)))
}

/// Loads the row with the id and the action's row filter; `None` is a 404.
async fn load<E, T>(
    auth: &AuthState,
    pctx: &PermissionCtx<'_>,
    action: Action,
    id: &str,
) -> Result<Option<T>, Response>
where
    E: EntityTrait<Model = T>,
    T: CrudModel<E>,
{
    let Some(by_id) = id_condition::<E, T>(id) else {
        return Ok(None);
    };
    let filter = row_filter::<T>(pctx, action);
    if filter.deny_all {
        return Ok(None);
    }
    let row = E::find()
        .filter(by_id)
        .filter(filter.condition)
        .one(&auth.db)
        .await
        .map_err(internal)?;
    Ok(row)
}

macro_rules! ctx_or_return {
    ($parts:ident, $state:ident) => {
        match Ctx::<M, S>::new(&mut $parts, &$state).await {
            Ok(c) => c,
            Err(r) => return r,
        }
    };
}

async fn list<E, M, S, St>(
    State(state): State<St>,
    Query(q): Query<PageQuery>,
    req: axum::extract::Request,
) -> Response
where
    E: EntityTrait,
    E::Model: CrudModel<E>,
    M: AccessModel,
    S: Stores + 'static,
    St: Clone + Send + Sync + 'static,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
{
    let (mut parts, _) = req.into_parts();
    let c = ctx_or_return!(parts, state);
    let pctx = c.permission_ctx();
    if let Err(d) = <E::Model as Schema>::authorize_action(&pctx, Action::List).await {
        // Row-dependent rules are checked per row below; others decide here.
        if !row_rule_failed(&d) {
            return denial(&d, c.user.is_some());
        }
    }
    let filter = row_filter::<E::Model>(&pctx, Action::List);
    let per_page = q.per_page.unwrap_or(20).clamp(1, 100);
    let page = q.page.unwrap_or(1).max(1);
    if filter.deny_all {
        return Json(serde_json::json!({ "items": [], "page": page, "per_page": per_page }))
            .into_response();
    }
    let rows = match E::find()
        .filter(filter.condition)
        .paginate(&c.auth.db, per_page)
        .fetch_page(page - 1)
        .await
    {
        Ok(r) => r,
        Err(e) => return internal(e),
    };
    let mut items = Vec::new();
    for row in &rows {
        let rctx = pctx.with_row(row);
        if filter.recheck
            && <E::Model as Schema>::authorize_action(&rctx, Action::List)
                .await
                .is_err()
        {
            continue;
        }
        match row.redact(&pctx).await {
            Ok(v) => items.push(v),
            Err(e) => return internal(e),
        }
    }
    Json(serde_json::json!({ "items": items, "page": page, "per_page": per_page })).into_response()
}

async fn read<E, M, S, St>(
    State(state): State<St>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Response
where
    E: EntityTrait,
    E::Model: CrudModel<E>,
    M: AccessModel,
    S: Stores + 'static,
    St: Clone + Send + Sync + 'static,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
{
    let (mut parts, _) = req.into_parts();
    let c = ctx_or_return!(parts, state);
    let pctx = c.permission_ctx();
    let row = match load::<E, E::Model>(&c.auth, &pctx, Action::Read, &id).await {
        Ok(Some(r)) => r,
        Ok(None) => return not_found(),
        Err(r) => return r,
    };
    if let Err(r) = authorize_row::<E::Model>(&pctx, &row, Action::Read, c.user.is_some()).await {
        return r;
    }
    match row.redact(&pctx).await {
        Ok(v) => Json(v).into_response(),
        Err(e) => internal(e),
    }
}

fn forbidden_fields(denied: &[access_core::FieldDenial]) -> Response {
    let fields: Vec<&str> = denied.iter().map(|d| d.field.as_str()).collect();
    let body = serde_json::json!({
        "error": "forbidden_field",
        "message": format!("you may not set {}", fields.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join(", ")),
        "fields": fields,
        "reasons": denied,
    });
    (StatusCode::FORBIDDEN, Json(body)).into_response()
}

fn invalid(msg: impl Into<String>) -> Response {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", msg).into_response()
}

async fn create<E, M, S, St>(State(state): State<St>, req: axum::extract::Request) -> Response
where
    E: EntityTrait,
    E::Model: CrudModel<E> + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel:
        ActiveModelTrait<Entity = E> + ActiveModelBehavior + TryIntoModel<E::Model> + Send + Sync,
    M: AccessModel,
    S: Stores + 'static,
    St: Clone + Send + Sync + 'static,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
{
    let (mut parts, body) = req.into_parts();
    let c = ctx_or_return!(parts, state);
    let pctx = c.permission_ctx();
    if let Err(d) = <E::Model as Schema>::authorize_action(&pctx, Action::Create).await {
        return denial(&d, c.user.is_some());
    }
    let json: serde_json::Value =
        match crate::auth::read_json(&parts, body, c.auth.config.body_limit).await {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
    let denied = <E::Model as Schema>::check_write(&json, None, &pctx).await;
    if !denied.is_empty() {
        return forbidden_fields(&denied);
    }
    let am = match E::ActiveModel::from_json(json) {
        Ok(am) => am,
        Err(_) => return invalid("the body does not describe a row"),
    };
    match am.insert(&c.auth.db).await {
        Ok(row) => match row.redact(&pctx).await {
            Ok(v) => (StatusCode::CREATED, Json(v)).into_response(),
            Err(e) => internal(e),
        },
        Err(e) => invalid(format!("the row could not be stored: {}", short(&e))),
    }
}

fn short(e: &sea_orm::DbErr) -> &'static str {
    match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => "a unique value is taken",
        Some(sea_orm::SqlErr::ForeignKeyConstraintViolation(_)) => "a referenced row is missing",
        _ => "invalid values",
    }
}

async fn update<E, M, S, St>(
    State(state): State<St>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Response
where
    E: EntityTrait,
    E::Model: CrudModel<E> + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel:
        ActiveModelTrait<Entity = E> + ActiveModelBehavior + TryIntoModel<E::Model> + Send + Sync,
    M: AccessModel,
    S: Stores + 'static,
    St: Clone + Send + Sync + 'static,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
{
    let (mut parts, body) = req.into_parts();
    let c = ctx_or_return!(parts, state);
    let pctx = c.permission_ctx();
    let row = match load::<E, E::Model>(&c.auth, &pctx, Action::Update, &id).await {
        Ok(Some(r)) => r,
        Ok(None) => return absent::<E::Model>(&pctx, Action::Update, c.user.is_some()).await,
        Err(r) => return r,
    };
    if let Err(r) = authorize_row::<E::Model>(&pctx, &row, Action::Update, c.user.is_some()).await {
        return r;
    }
    let patch: serde_json::Value =
        match crate::auth::read_json(&parts, body, c.auth.config.body_limit).await {
            Ok(v) => v,
            Err(e) => return e.into_response(),
        };
    let denied = <E::Model as Schema>::check_write(&patch, Some(&row), &pctx).await;
    if !denied.is_empty() {
        return forbidden_fields(&denied);
    }
    let mut am = row.clone().into_active_model();
    if am.set_from_json(patch).is_err() {
        return invalid("the body does not fit the row");
    }
    // The write carries the id and the row rule: a row that stopped matching is not written.
    let filter = row_filter::<E::Model>(&pctx, Action::Update);
    let Some(by_id) = id_condition::<E, E::Model>(&id) else {
        return not_found();
    };
    let res = E::update_many()
        .set(am)
        .filter(by_id.clone())
        .filter(filter.condition)
        .exec(&c.auth.db)
        .await;
    match res {
        Ok(r) if r.rows_affected == 0 => not_found(),
        Ok(_) => match E::find().filter(by_id).one(&c.auth.db).await {
            Ok(Some(updated)) => match updated.redact(&pctx).await {
                Ok(v) => Json(v).into_response(),
                Err(e) => internal(e),
            },
            Ok(None) => not_found(),
            Err(e) => internal(e),
        },
        Err(e) => invalid(format!("the row could not be stored: {}", short(&e))),
    }
}

async fn remove<E, M, S, St>(
    State(state): State<St>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Response
where
    E: EntityTrait,
    E::Model: CrudModel<E>,
    M: AccessModel,
    S: Stores + 'static,
    St: Clone + Send + Sync + 'static,
    AuthState: FromRef<St>,
    Authz<M, S>: FromRef<St>,
{
    let (mut parts, _) = req.into_parts();
    let c = ctx_or_return!(parts, state);
    let pctx = c.permission_ctx();
    let row = match load::<E, E::Model>(&c.auth, &pctx, Action::Delete, &id).await {
        Ok(Some(r)) => r,
        Ok(None) => return absent::<E::Model>(&pctx, Action::Delete, c.user.is_some()).await,
        Err(r) => return r,
    };
    if let Err(r) = authorize_row::<E::Model>(&pctx, &row, Action::Delete, c.user.is_some()).await {
        return r;
    }
    let filter = row_filter::<E::Model>(&pctx, Action::Delete);
    let Some(by_id) = id_condition::<E, E::Model>(&id) else {
        return not_found();
    };
    match E::delete_many()
        .filter(by_id)
        .filter(filter.condition)
        .exec(&c.auth.db)
        .await
    {
        Ok(r) if r.rows_affected == 0 => not_found(),
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => internal(e),
    }
}
