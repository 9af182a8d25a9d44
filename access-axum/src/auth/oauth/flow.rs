//! The flow: `GET oauth/{provider}` sends the browser to the provider, `GET
//! oauth/{provider}/callback` takes it back. Between the two the flow is a row of
//! `auth_oauth_flows` (its `state` hashed, the PKCE verifier, the `nonce`, where to go after,
//! the user who links), bound to the browser by a short-lived `HttpOnly` cookie, and taken once.

use std::sync::Arc;

use access_core::sea::write::{begin_write, retry_writes};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
use serde::Deserialize;
use serde_json::{Value, json};

use super::OAuth;
use super::accounts::{self, Outcome};
use super::provider::FlowSecrets;
use crate::auth::extract::Client;
use crate::auth::handlers::{respond, second_factor};
use crate::auth::state::AuthState;
use crate::auth::tokens::{random_token, secret_eq, token_hash, unix_now};
use crate::auth::user::MaybeUser;
use crate::auth::{rate_limit, sessions};
use crate::db::oauth_flow;
use crate::error::ApiError;

/// The browser-binding cookie's name.
const COOKIE: &str = "oauth_flow";

fn oauth_of(state: &AuthState) -> Result<&Arc<OAuth>, ApiError> {
    state
        .oauth
        .as_ref()
        .ok_or_else(|| ApiError::not_found("sign-in with providers is not enabled"))
}

/// `GET oauth/providers`.
pub(super) async fn providers(State(state): State<AuthState>) -> Result<Json<Value>, ApiError> {
    let o = oauth_of(&state)?;
    let base = &state.config.http().base_path;
    let items: Vec<Value> = o
        .config
        .providers()
        .iter()
        .map(|p| {
            json!({
                "name": p.name(),
                "label": p.label(),
                "start": format!("{base}/oauth/{}", p.name()),
            })
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

#[derive(Deserialize)]
pub(super) struct StartQuery {
    redirect: Option<String>,
    link: Option<String>,
}

fn invalid_redirect() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_redirect",
        "`redirect` must be a path of this site or an allowed origin",
    )
}

/// Where the browser may go afterwards: a path of this site (not `//host` nor `/\host`), or a
/// URL on this server's origin or an allowed one. `None`: `/`.
fn checked_redirect(o: &OAuth, target: Option<&str>) -> Result<String, ApiError> {
    let Some(t) = target.filter(|t| !t.is_empty()) else {
        return Ok("/".to_owned());
    };
    if t.chars().any(|c| c.is_control() || c == '\\') {
        return Err(invalid_redirect());
    }
    if t.starts_with('/') {
        return if t.starts_with("//") {
            Err(invalid_redirect())
        } else {
            Ok(t.to_owned())
        };
    }
    let url = openidconnect::url::Url::parse(t).map_err(|_| invalid_redirect())?;
    let origin = url.origin().ascii_serialization();
    let allowed = |o: &str| {
        openidconnect::url::Url::parse(o).is_ok_and(|u| u.origin().ascii_serialization() == origin)
    };
    if allowed(o.config.public_url()) || o.config.allowed_origins().iter().any(|o| allowed(o)) {
        Ok(t.to_owned())
    } else {
        Err(invalid_redirect())
    }
}

/// The callback URL registered with the provider.
fn callback_url(state: &AuthState, o: &OAuth, name: &str) -> String {
    format!(
        "{}{}/oauth/{name}/callback",
        o.config.public_url(),
        state.config.http().base_path
    )
}

/// The browser-binding cookie: `SameSite=Lax` whatever the token cookies use (the provider's
/// redirect back is a cross-site navigation, which `Strict` would strip), scoped to the flow's
/// paths, for the flow's lifetime (0 clears it).
fn binding_cookie(state: &AuthState, value: &str, max_age: u64) -> HeaderValue {
    let secure = if state.config.http().cookies.secure {
        "; Secure"
    } else {
        ""
    };
    let v = format!(
        "{}={value}; Path={}/oauth; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        cookie_name(state),
        state.config.http().base_path,
    );
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `__Secure-oauth_flow` over HTTPS (not `__Host-`, which demands `Path=/`), else `oauth_flow`.
fn cookie_name(state: &AuthState) -> String {
    if state.config.http().cookies.secure {
        format!("__Secure-{COOKIE}")
    } else {
        COOKIE.to_owned()
    }
}

fn cookie<'h>(state: &AuthState, headers: &'h HeaderMap) -> Option<&'h str> {
    crate::auth::cookie_value(headers, &cookie_name(state))
}

/// `GET oauth/{provider}`: 302 to the provider.
pub(super) async fn start(
    State(state): State<AuthState>,
    client: Client,
    MaybeUser(user): MaybeUser,
    Path(name): Path<String>,
    Query(q): Query<StartQuery>,
) -> Result<Response, ApiError> {
    let o = oauth_of(&state)?;
    let live = o.live(&name)?;
    rate_limit::check(
        &state.db,
        format!("oauth:ip:{}", client.ip),
        o.config.start_limit,
    )
    .await?;
    let redirect_to = checked_redirect(o, q.redirect.as_deref())?;
    let link_user = match q.link.as_deref() {
        None | Some("" | "0" | "false") => None,
        Some(_) => Some(user.ok_or_else(ApiError::unauthenticated)?.id),
    };
    let (flow_state, nonce, verifier, browser) = (
        random_token(),
        random_token(),
        random_token(),
        random_token(),
    );
    let redirect_uri = callback_url(&state, o, &name);
    let secrets = FlowSecrets {
        state: &flow_state,
        nonce: &nonce,
        verifier: &verifier,
        redirect_uri: &redirect_uri,
    };
    let target = live.authorize_url(o.http()?, &secrets).await?;
    let now = unix_now();
    let ttl = i64::try_from(o.config.flow_ttl.as_secs()).unwrap_or(600);
    let row = oauth_flow::ActiveModel {
        state_hash: Set(token_hash(&flow_state)),
        browser_hash: Set(token_hash(&browser)),
        provider: Set(name.clone()),
        pkce_verifier: Set(verifier.clone()),
        nonce: Set(nonce.clone()),
        redirect_to: Set(redirect_to),
        link_user: Set(link_user),
        created_at: Set(now),
        expires_at: Set(now + ttl),
        ..Default::default()
    };
    let (db, row) = (&state.db, &row);
    let _turn = state.writers.serial().await?;
    retry_writes(|| async move {
        let txn = begin_write(db).await?;
        // Flows nobody came back from.
        oauth_flow::Entity::delete_many()
            .filter(oauth_flow::Column::ExpiresAt.lt(now))
            .exec(&txn)
            .await?;
        row.clone().insert(&txn).await?;
        txn.commit().await?;
        Ok::<_, ApiError>(())
    })
    .await?;
    let mut r = (StatusCode::FOUND, [(header::LOCATION, target)]).into_response();
    r.headers_mut().append(
        header::SET_COOKIE,
        binding_cookie(&state, &browser, o.config.flow_ttl.as_secs()),
    );
    Ok(r)
}

#[derive(Deserialize)]
pub(super) struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn invalid_state() -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_state",
        "this sign-in was not started in this browser, was used already or expired: start again",
    )
}

/// The flow `state` names, taken (deleted) whatever comes next: one callback per flow. 400
/// `invalid_state` for none, another provider's, an expired one, or another browser's.
async fn take(
    state: &AuthState,
    name: &str,
    flow_state: Option<&str>,
    browser: Option<&str>,
) -> Result<oauth_flow::Model, ApiError> {
    let Some(flow_state) = flow_state.filter(|s| !s.is_empty()) else {
        return Err(invalid_state());
    };
    let hash = token_hash(flow_state);
    let (db, hash_ref) = (&state.db, &hash);
    let _turn = state.writers.serial().await?;
    let row = retry_writes(|| async move {
        let txn = begin_write(db).await?;
        let row = oauth_flow::Entity::find()
            .filter(oauth_flow::Column::StateHash.eq(hash_ref.as_str()))
            .one(&txn)
            .await?;
        if let Some(r) = &row {
            oauth_flow::Entity::delete_by_id(r.id).exec(&txn).await?;
        }
        txn.commit().await?;
        Ok::<_, ApiError>(row)
    })
    .await?;
    let Some(row) = row else {
        return Err(invalid_state());
    };
    let same_browser = browser.is_some_and(|b| secret_eq(&token_hash(b), &row.browser_hash));
    if row.provider != name || row.expires_at <= unix_now() || !same_browser {
        return Err(invalid_state());
    }
    Ok(row)
}

/// Whether the client asked for JSON (a page finishing the flow itself) rather than a redirect.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// 303 to `to`, the binding cookie cleared.
fn see_other(state: &AuthState, to: &str) -> Response {
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    r.headers_mut()
        .append(header::SET_COOKIE, binding_cookie(state, "", 0));
    r
}

/// `GET oauth/{provider}/callback`.
pub(super) async fn callback(
    State(state): State<AuthState>,
    client: Client,
    Path(name): Path<String>,
    Query(q): Query<CallbackQuery>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let o = oauth_of(&state)?;
    let live = o.live(&name)?;
    let flow = take(&state, &name, q.state.as_deref(), cookie(&state, &headers)).await?;
    let label = live.p.label();
    if let Some(error) = q.error.as_deref() {
        tracing::info!(provider = %name, error, "sign-in with a provider: the provider answered an error");
        return Err(if error == "access_denied" {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "access_denied",
                format!("signing in with {label} was cancelled at {label}"),
            )
        } else {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "provider_error",
                format!("{label} refused the sign-in: start again"),
            )
        });
    }
    let Some(code) = q.code.as_deref().filter(|c| !c.is_empty()) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_callback",
            "the provider's answer carries no code: start again",
        ));
    };
    let redirect_uri = callback_url(&state, o, &name);
    let secrets = FlowSecrets {
        state: q.state.as_deref().unwrap_or_default(),
        nonce: &flow.nonce,
        verifier: &flow.pkce_verifier,
        redirect_uri: &redirect_uri,
    };
    let identity = live.identify(o.http()?, &secrets, code).await?;
    let json = wants_json(&headers);
    let u = match accounts::resolve(&state, &name, label, &identity, flow.link_user).await? {
        Outcome::Linked if json => {
            return Ok(Json(json!({ "linked": name })).into_response());
        }
        Outcome::Linked => return Ok(see_other(&state, &flow.redirect_to)),
        Outcome::SignIn(u) => u,
    };
    // An account with a second factor answers its challenge first, as after a password.
    let methods = second_factor::methods_of(&state, &u).await?;
    if !methods.is_empty() {
        if json {
            return second_factor::challenge(&state, &u, &client, methods).await;
        }
        let token = second_factor::issue_challenge(&state, &u, &client).await?;
        let base = flow.redirect_to.split('#').next().unwrap_or("/");
        let to = format!("{base}#mfa_challenge={token}&methods={}", methods.join(","));
        return Ok(see_other(&state, &to));
    }
    let tokens = sessions::open(&state, &u, &client).await?;
    sessions::record_login(&state, u.id).await;
    let signed_in = respond::tokens(&state.config, StatusCode::OK, &tokens, Some(&u));
    if json {
        return Ok(signed_in);
    }
    let mut r = see_other(&state, &flow.redirect_to);
    for c in signed_in.headers().get_all(header::SET_COOKIE) {
        r.headers_mut().append(header::SET_COOKIE, c.clone());
    }
    Ok(r)
}
