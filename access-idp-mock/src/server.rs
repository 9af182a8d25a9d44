//! The HTTP endpoints.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Query, State as AxState};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use crate::keys::{self, SigningKey};
use crate::{Flavor, Grant, Inner, Issued, MockUser, Twist};

/// How long an authorization code may wait for its token request.
const CODE_TTL: Duration = Duration::from_secs(60);
/// `expires_in` of the OIDC and GitHub forms' access tokens.
const TOKEN_TTL_SECS: u64 = 3600;
/// `expires_in` of the Discord form's access tokens (Discord's own: a week).
const DISCORD_TOKEN_TTL_SECS: u64 = 604_800;
/// How long an ID token is valid.
const ID_TOKEN_TTL_SECS: i64 = 300;

type Shared = AxState<Arc<Inner>>;

/// All the routes.
pub(crate) fn router(inner: Arc<Inner>) -> Router {
    Router::new()
        .route("/oidc/.well-known/openid-configuration", get(discovery))
        .route("/oidc/jwks", get(jwks))
        .route("/oidc/authorize", get(oidc_authorize))
        .route("/oidc/token", axum::routing::post(oidc_token))
        .route("/oidc/userinfo", get(userinfo).post(userinfo))
        .route("/github/login/oauth/authorize", get(github_authorize))
        .route(
            "/github/login/oauth/access_token",
            axum::routing::post(github_token),
        )
        .route("/github/api/user", get(github_user))
        .route("/github/api/user/emails", get(github_emails))
        .route("/discord/oauth2/authorize", get(discord_authorize))
        .route(
            "/discord/api/oauth2/token",
            axum::routing::post(discord_token),
        )
        .route("/discord/api/users/@me", get(discord_me))
        .with_state(inner)
}

// ---------------------------------------------------------------------------------------------
// Discovery and keys

async fn discovery(AxState(inner): Shared) -> Response {
    let iss = inner.issuer();
    no_store(Json(json!({
        "issuer": iss,
        "authorization_endpoint": format!("{iss}/authorize"),
        "token_endpoint": format!("{iss}/token"),
        "userinfo_endpoint": format!("{iss}/userinfo"),
        "jwks_uri": format!("{iss}/jwks"),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": ["openid", "email", "profile"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "nonce", "email", "email_verified", "name"
        ],
    })))
}

async fn jwks(AxState(inner): Shared) -> Response {
    inner.jwks_fetches.fetch_add(1, Ordering::SeqCst);
    let jwk = inner.state().key.jwk();
    no_store(Json(json!({ "keys": [jwk] })))
}

// ---------------------------------------------------------------------------------------------
// Authorization endpoint

/// The query of `/authorize` (all optional here: checked by hand, to answer as OAuth does).
#[derive(Deserialize)]
struct AuthorizeQuery {
    response_type: Option<String>,
    client_id: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    nonce: Option<String>,
}

async fn oidc_authorize(inner: Shared, q: Query<AuthorizeQuery>) -> Response {
    authorize(Flavor::Oidc, &inner.0, q.0)
}

async fn github_authorize(inner: Shared, q: Query<AuthorizeQuery>) -> Response {
    authorize(Flavor::GitHub, &inner.0, q.0)
}

async fn discord_authorize(inner: Shared, q: Query<AuthorizeQuery>) -> Response {
    authorize(Flavor::Discord, &inner.0, q.0)
}

/// Consents at once as the current user: 302 to `redirect_uri` with `code` and `state`.
fn authorize(flavor: Flavor, inner: &Inner, q: AuthorizeQuery) -> Response {
    let Some(client_id) = q.client_id.filter(|s| !s.is_empty()) else {
        return bad_page("client_id is missing");
    };
    let Some(redirect_uri) = q.redirect_uri.filter(|s| !s.is_empty()) else {
        return bad_page("redirect_uri is missing");
    };
    let mut st = inner.state();
    if !st.clients.is_empty() {
        match st.clients.get(&client_id) {
            None => return bad_page("unknown client_id"),
            Some(c) if !c.redirect_uris.contains(&redirect_uri) => {
                return bad_page("redirect_uri is not registered for this client");
            }
            Some(_) => {}
        }
    }
    let state = q.state.as_deref();
    if q.response_type.as_deref() != Some("code") {
        return redirect_error(
            &redirect_uri,
            "unsupported_response_type",
            "only response_type=code is supported",
            state,
        );
    }
    let Some(code_challenge) = q.code_challenge.filter(|s| !s.is_empty()) else {
        return redirect_error(
            &redirect_uri,
            "invalid_request",
            "code_challenge is required (PKCE)",
            state,
        );
    };
    if q.code_challenge_method.as_deref() != Some("S256") {
        return redirect_error(
            &redirect_uri,
            "invalid_request",
            "code_challenge_method must be S256",
            state,
        );
    }
    if std::mem::take(&mut st.deny_next) {
        return redirect_error(
            &redirect_uri,
            "access_denied",
            "the user denied the request",
            state,
        );
    }
    let code = random_token();
    let grant = Grant {
        client_id,
        redirect_uri: redirect_uri.clone(),
        code_challenge,
        nonce: if flavor == Flavor::Oidc {
            q.nonce
        } else {
            None
        },
        scope: q.scope,
        user: st.user.clone(),
        flavor,
        issued: Instant::now(),
    };
    st.codes.insert(code.clone(), grant);
    let mut params = vec![("code", code.as_str())];
    params.extend(state.map(|s| ("state", s)));
    redirect(&redirect_uri, &params)
}

// ---------------------------------------------------------------------------------------------
// Token endpoint

/// The form of a token request.
#[derive(Deserialize)]
struct TokenForm {
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

async fn oidc_token(inner: Shared, headers: HeaderMap, form: Form<TokenForm>) -> Response {
    token(Flavor::Oidc, &inner.0, &headers, form.0)
}

async fn github_token(inner: Shared, headers: HeaderMap, form: Form<TokenForm>) -> Response {
    token(Flavor::GitHub, &inner.0, &headers, form.0)
}

async fn discord_token(inner: Shared, headers: HeaderMap, form: Form<TokenForm>) -> Response {
    token(Flavor::Discord, &inner.0, &headers, form.0)
}

/// The ID token's claims.
#[derive(Serialize)]
struct IdClaims<'a> {
    iss: String,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    name: &'a str,
}

/// Redeems an authorization code.
fn token(flavor: Flavor, inner: &Inner, headers: &HeaderMap, form: TokenForm) -> Response {
    inner.token_requests.fetch_add(1, Ordering::SeqCst);
    let mut st = inner.state();
    if std::mem::take(&mut st.fail_next_token) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_grant",
            "the mock was told to fail this token request",
        );
    }

    // Client authentication: HTTP Basic (client_secret_basic) or the form (client_secret_post).
    let (client_id, secret) = match basic_credentials(headers) {
        Some(Ok((id, secret))) => {
            if form.client_id.as_ref().is_some_and(|f| *f != id) {
                return invalid_client("client_id in the form differs from the Basic credentials");
            }
            (id, Some(secret))
        }
        Some(Err(())) => return invalid_client("malformed Basic credentials"),
        None => match form.client_id {
            Some(id) => (id, form.client_secret),
            None => return invalid_client("no client authentication"),
        },
    };
    if !st.clients.is_empty() {
        match st.clients.get(&client_id) {
            None => return invalid_client("unknown client"),
            Some(c) if secret.as_deref() != Some(c.secret.as_str()) => {
                return invalid_client("wrong client secret");
            }
            Some(_) => {}
        }
    }

    if form.grant_type.as_deref() != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "only grant_type=authorization_code is supported",
        );
    }
    let Some(code) = form.code else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code is missing",
        );
    };
    // Single use: the code is gone whatever happens next.
    let Some(grant) = st.codes.remove(&code) else {
        return invalid_grant("unknown or already used code");
    };
    if grant.flavor != flavor {
        return invalid_grant("the code was issued by another endpoint");
    }
    if grant.issued.elapsed() > CODE_TTL {
        return invalid_grant("the code has expired");
    }
    if grant.client_id != client_id {
        return invalid_grant("the code was issued to another client");
    }
    if form.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        return invalid_grant("redirect_uri differs from the authorization request's");
    }
    let Some(verifier) = form.code_verifier else {
        return invalid_grant("code_verifier is missing");
    };
    let valid_verifier = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !valid_verifier
        || URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) != grant.code_challenge
    {
        return invalid_grant("code_verifier does not match the code_challenge");
    }

    let twist = st.twist.take();
    let access_token = random_token();
    let ttl = match flavor {
        Flavor::Discord => DISCORD_TOKEN_TTL_SECS,
        Flavor::Oidc | Flavor::GitHub => TOKEN_TTL_SECS,
    };
    st.tokens.insert(
        access_token.clone(),
        Issued {
            user: grant.user.clone(),
            flavor,
            expires: Instant::now() + Duration::from_secs(ttl),
        },
    );

    match flavor {
        Flavor::Oidc => {
            let mut body = json!({
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": ttl,
            });
            if let Some(scope) = &grant.scope {
                body["scope"] = json!(scope);
            }
            if twist != Some(Twist::NoIdToken) {
                match id_token(&mut st, &inner.base, &grant, twist) {
                    Ok(t) => body["id_token"] = json!(t),
                    Err(e) => {
                        return oauth_error(
                            StatusCode::INTERNAL_SERVER_ERROR,
                            "server_error",
                            &format!("could not sign the ID token: {e}"),
                        );
                    }
                }
            }
            no_store(Json(body))
        }
        Flavor::GitHub => {
            // GitHub separates the granted scopes with commas.
            let scope = grant
                .scope
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(",");
            let wants_json = headers
                .get_all(header::ACCEPT)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .any(|v| v.contains("application/json"));
            if wants_json {
                no_store(Json(json!({
                    "access_token": access_token,
                    "token_type": "bearer",
                    "scope": scope,
                })))
            } else {
                let body = form_urlencoded::Serializer::new(String::new())
                    .append_pair("access_token", &access_token)
                    .append_pair("scope", &scope)
                    .append_pair("token_type", "bearer")
                    .finish();
                no_store((
                    [(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(
                            "application/x-www-form-urlencoded; charset=utf-8",
                        ),
                    )],
                    body,
                ))
            }
        }
        Flavor::Discord => {
            let mut body = json!({
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": ttl,
            });
            if let Some(scope) = &grant.scope {
                body["scope"] = json!(scope);
            }
            no_store(Json(body))
        }
    }
}

/// The ID token for `grant`, with `twist`'s fault if any (never called for `NoIdToken`).
fn id_token(
    st: &mut crate::State,
    base: &str,
    grant: &Grant,
    twist: Option<Twist>,
) -> Result<String, String> {
    let now = unix_now();
    let (iat, exp) = if twist == Some(Twist::Expired) {
        (now - 7200, now - 3600)
    } else {
        (now, now + ID_TOKEN_TTL_SECS)
    };
    let user: &MockUser = &grant.user;
    let claims = IdClaims {
        iss: if twist == Some(Twist::WrongIss) {
            format!("{base}/evil")
        } else {
            format!("{base}/oidc")
        },
        sub: &user.sub,
        aud: if twist == Some(Twist::WrongAud) {
            "someone-else"
        } else {
            &grant.client_id
        },
        exp,
        iat,
        nonce: if twist == Some(Twist::WrongNonce) {
            Some("not-the-nonce")
        } else {
            grant.nonce.as_deref()
        },
        // Left to userinfo, as some providers do.
        email: (twist != Some(Twist::NoEmailInIdToken)).then_some(user.email.as_str()),
        email_verified: (twist != Some(Twist::NoEmailInIdToken)).then_some(user.email_verified),
        name: &user.name,
    };
    match twist {
        Some(Twist::AlgNone) => Ok(keys::unsigned(&claims)),
        Some(t @ (Twist::OtherKey | Twist::OtherKeySameKid)) => {
            let foreign = match st.foreign_key.take() {
                Some(k) => k,
                None => SigningKey::generate("foreign-key").map_err(|e| e.to_string())?,
            };
            let kid = if t == Twist::OtherKey {
                foreign.kid.clone()
            } else {
                st.key.kid.clone()
            };
            let signed = foreign.sign(&kid, &claims).map_err(|e| e.to_string());
            st.foreign_key = Some(foreign);
            signed
        }
        _ => st.key.sign(&st.key.kid, &claims).map_err(|e| e.to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// User endpoints

async fn userinfo(AxState(inner): Shared, headers: HeaderMap) -> Response {
    let Some(user) = bearer_user(&inner, &headers, Flavor::Oidc, false) else {
        return (
            StatusCode::UNAUTHORIZED,
            [(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            )],
            Json(json!({ "error": "invalid_token" })),
        )
            .into_response();
    };
    Json(json!({
        "sub": user.sub,
        "email": user.email,
        "email_verified": user.email_verified,
        "name": user.name,
    }))
    .into_response()
}

/// GitHub's API answer for the token's user: `body(user)`, after GitHub's checks, a
/// `User-Agent` (403 without) and the token (401).
fn github_api(
    inner: &Inner,
    headers: &HeaderMap,
    body: impl FnOnce(MockUser) -> Value,
) -> Response {
    if !headers.contains_key(header::USER_AGENT) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "Request forbidden by administrative rules. Please make sure your request has a \
             User-Agent header (https://docs.github.com/en/rest/overview/resources-in-the-rest-api#user-agent-required).\n",
        )
            .into_response();
    }
    match bearer_user(inner, headers, Flavor::GitHub, true) {
        Some(user) => Json(body(user)).into_response(),
        None => (
            StatusCode::UNAUTHORIZED,
            Json(json!({
                "message": "Bad credentials",
                "documentation_url": "https://docs.github.com/rest",
                "status": "401",
            })),
        )
            .into_response(),
    }
}

async fn github_user(AxState(inner): Shared, headers: HeaderMap) -> Response {
    github_api(&inner, &headers, |user| {
        json!({
            "id": user.numeric_id(),
            "login": user.login,
            "name": user.name,
            "email": null,
            "type": "User",
        })
    })
}

async fn github_emails(AxState(inner): Shared, headers: HeaderMap) -> Response {
    github_api(&inner, &headers, |user| {
        json!([
            {
                "email": user.email,
                "primary": true,
                "verified": user.email_verified,
                "visibility": "private",
            },
            {
                "email": "other@example.com",
                "primary": false,
                "verified": true,
                "visibility": null,
            },
        ])
    })
}

async fn discord_me(AxState(inner): Shared, headers: HeaderMap) -> Response {
    let Some(user) = bearer_user(&inner, &headers, Flavor::Discord, false) else {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "message": "401: Unauthorized", "code": 0 })),
        )
            .into_response();
    };
    Json(json!({
        "id": user.numeric_id().to_string(),
        "username": user.login,
        "global_name": user.name,
        "discriminator": "0",
        "avatar": null,
        "email": user.email,
        "verified": user.email_verified,
    }))
    .into_response()
}

/// The user of a live access token of `flavor` in `Authorization: Bearer ..` (GitHub also
/// takes `token ..` when `token_scheme`).
fn bearer_user(
    inner: &Inner,
    headers: &HeaderMap,
    flavor: Flavor,
    token_scheme: bool,
) -> Option<MockUser> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let scheme_ok = scheme.eq_ignore_ascii_case("bearer")
        || (token_scheme && scheme.eq_ignore_ascii_case("token"));
    if !scheme_ok {
        return None;
    }
    let st = inner.state();
    let issued = st.tokens.get(token.trim())?;
    (issued.flavor == flavor && issued.expires > Instant::now()).then(|| issued.user.clone())
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Client credentials from `Authorization: Basic ..`: `None` without that header, `Err` when it
/// cannot be decoded. Both parts are form-urlencoded (RFC 6749 2.3.1).
fn basic_credentials(headers: &HeaderMap) -> Option<Result<(String, String), ()>> {
    let value = headers.get(header::AUTHORIZATION)?;
    let value = value.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decode = || {
        let raw = STANDARD.decode(rest.trim()).map_err(|_| ())?;
        let raw = String::from_utf8(raw).map_err(|_| ())?;
        let (id, secret) = raw.split_once(':').ok_or(())?;
        Ok((form_decode(id)?, form_decode(secret)?))
    };
    Some(decode())
}

/// Decodes `application/x-www-form-urlencoded` text (`+` is a space, `%XX` a byte).
fn form_decode(s: &str) -> Result<String, ()> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or(())?;
                let hex = std::str::from_utf8(hex).map_err(|_| ())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| ())?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| ())
}

/// A random opaque token (32 bytes, base64url).
fn random_token() -> String {
    let mut b = [0u8; 32];
    rand::rng().fill_bytes(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

/// Seconds since the Unix epoch.
fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}

/// `Cache-Control: no-store` and `Pragma: no-cache` on `r` (RFC 6749 5.1).
fn no_store(r: impl IntoResponse) -> Response {
    let mut r = r.into_response();
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

/// An OAuth error response (RFC 6749 5.2).
fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    no_store((
        status,
        Json(json!({ "error": error, "error_description": description })),
    ))
}

fn invalid_grant(description: &str) -> Response {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn invalid_client(description: &str) -> Response {
    let mut r = oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", description);
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"mock-idp\""),
    );
    r
}

/// A 400 page for an authorization request that must not be redirected back (unknown client
/// or redirect URI).
fn bad_page(why: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("mock IdP: invalid authorization request: {why}\n"),
    )
        .into_response()
}

/// 302 to `uri` with `params` added to its query.
fn redirect(uri: &str, params: &[(&str, &str)]) -> Response {
    // A redirect URI must not have a fragment (RFC 6749 3.1.2); one is dropped.
    let uri = uri.split('#').next().unwrap_or(uri);
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let sep = if uri.contains('?') { '&' } else { '?' };
    let location = format!("{uri}{sep}{query}");
    match HeaderValue::from_str(&location) {
        Ok(v) => (StatusCode::FOUND, [(header::LOCATION, v)]).into_response(),
        Err(_) => bad_page("redirect_uri cannot be put in a Location header"),
    }
}

/// 302 to `uri` with an OAuth error (and the request's `state`).
fn redirect_error(uri: &str, error: &str, description: &str, state: Option<&str>) -> Response {
    let mut params = vec![("error", error), ("error_description", description)];
    params.extend(state.map(|s| ("state", s)));
    redirect(uri, &params)
}
