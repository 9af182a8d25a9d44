//! The example server: authentication, authorization and the admin API over the saas model,
//! on a SQLite file by default or PostgreSQL with `DATABASE_URL`.

use std::net::SocketAddr;
use std::path::PathBuf;

use access_axum::auth::{OAuthConfig, OAuthProvider, PasskeyConfig};
use access_axum::authz::Access;
use access_axum::dynamic::DynamicGrants;
use access_axum::orgs::OrgsConfig;
use access_axum::{App, AppRouter, AuthConfig, JwtKeys};
use access_core::sea::SeaStore;
use access_core::{
    AccessModel, ClosureStore, FlagStore, Subscription, SubscriptionStore, TypedClosure, TypedRoles,
};
use access_idp_mock::MockIdp;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

mod backfill;
mod mail;
mod seed;
mod superuser;
use seed::{SEED_PASSWORD, SEED_USERS, seed, seeded};
pub use superuser::create_superuser;

use saas::model::{
    Access as Model, Entitlement, Flag, FolderRole, OrganizationRole, Plan, ProjectRole,
    WorkspaceRole, entitlement, resource,
};

type Stores = SeaStore;

#[access_axum::authorize("folder:read", resource = folder(id))]
async fn read_folder(access: Access<Model, Stores>, Path(id): Path<String>) -> Json<Value> {
    let _ = &access;
    Json(json!({ "folder": id }))
}

#[access_axum::authorize("export:pdf", resource = project(id))]
async fn export_pdf(access: Access<Model, Stores>, Path(id): Path<String>) -> Json<Value> {
    let _ = &access;
    Json(json!({ "exported": id, "format": "pdf" }))
}

#[access_axum::authorize("ai:generate", resource = project(id), consume)]
async fn generate(access: Access<Model, Stores>, Path(id): Path<String>) -> Json<Value> {
    let _ = &access;
    Json(json!({ "generated": id }))
}

async fn my_access(access: Access<Model, Stores>) -> axum::response::Response {
    match access.access_set().await {
        Ok(set) => Json(json!({
            "access": set.encode(),
            "allowed": set.allowed().collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => {
            access_axum::ApiError::authorization_failed("the access set could not be read", e)
                .into_response()
        }
    }
}

async fn health() -> &'static str {
    "ok"
}

/// The workspaces the caller sees: those holding a project they may read, and those they may
/// create projects in; each with its organization and `__access` (`project:create` there).
async fn list_workspaces(access: Access<Model, Stores>) -> axum::response::Response {
    match workspaces_of(&access).await {
        Ok(items) => Json(json!({ "items": items })).into_response(),
        Err(e) => {
            eprintln!("error: listing workspaces: {e}");
            access_axum::ApiError::authorization_failed("listing workspaces", e).into_response()
        }
    }
}

async fn workspaces_of(access: &Access<Model, Stores>) -> Result<Vec<Value>, String> {
    use access_core::sea::list_accessible;
    use sea_orm::ConnectionTrait;
    use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
    use std::collections::BTreeMap;
    let db = access.ctx.stores().db();
    let text =
        |r: &sea_orm::QueryResult, c: &str| r.try_get::<String>("", c).map_err(|e| e.to_string());
    let mut found: BTreeMap<String, Option<String>> = BTreeMap::new();
    // Where the caller may create projects.
    let create = list_accessible(&access.ctx, Entitlement::ProjectCreate.into())
        .await
        .map_err(|e| e.to_string())?;
    let q = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("access_resources"))
        .and_where(Expr::col(Alias::new("ty")).eq("workspace"))
        .cond_where(create.condition(Alias::new("id")))
        .order_by(Alias::new("id"), sea_orm::sea_query::Order::Asc)
        .limit(200)
        .to_owned();
    for r in db.query_all(&q).await.map_err(|e| e.to_string())? {
        found.insert(text(&r, "id")?, None);
    }
    // The workspaces of the projects the caller may read.
    let read = list_accessible(&access.ctx, Entitlement::ProjectRead.into())
        .await
        .map_err(|e| e.to_string())?;
    let q = Query::select()
        .columns([Alias::new("child_id"), Alias::new("parent_id")])
        .from(Alias::new("access_parents"))
        .and_where(Expr::col(Alias::new("child_ty")).eq("project"))
        .and_where(Expr::col(Alias::new("parent_ty")).eq("workspace"))
        .cond_where(read.condition(Alias::new("child_id")))
        .order_by(Alias::new("child_id"), sea_orm::sea_query::Order::Asc)
        .limit(1000)
        .to_owned();
    let pairs: Vec<(String, String)> = db
        .query_all(&q)
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .map(|r| Ok((text(r, "child_id")?, text(r, "parent_id")?)))
        .collect::<Result<_, String>>()?;
    for chunk in pairs.chunks(access_core::MAX_BATCH) {
        // The listing is a superset when the model has two ways down to projects: `can` decides.
        let readable = if read.exact() {
            vec![true; chunk.len()]
        } else {
            let asked: Vec<_> = chunk
                .iter()
                .map(|(p, _)| (entitlement::ProjectRead, p))
                .collect();
            access.can_all(&asked).await.map_err(|e| e.to_string())?
        };
        for ((_, ws), ok) in chunk.iter().zip(readable) {
            if ok {
                found.entry(ws.clone()).or_default();
            }
        }
    }
    // Each workspace's organization, in one query.
    let ids: Vec<String> = found.keys().cloned().collect();
    if !ids.is_empty() {
        let q = Query::select()
            .columns([Alias::new("child_id"), Alias::new("parent_id")])
            .from(Alias::new("access_parents"))
            .and_where(Expr::col(Alias::new("child_ty")).eq("workspace"))
            .and_where(Expr::col(Alias::new("parent_ty")).eq("organization"))
            .and_where(Expr::col(Alias::new("child_id")).is_in(ids.clone()))
            .to_owned();
        for r in db.query_all(&q).await.map_err(|e| e.to_string())? {
            if let Some(org) = found.get_mut(&text(&r, "child_id")?) {
                *org = Some(text(&r, "parent_id")?);
            }
        }
    }
    let mut items = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(access_core::MAX_BATCH) {
        let asked: Vec<_> = chunk
            .iter()
            .map(|w| (entitlement::ProjectCreate, w))
            .collect();
        let may = access.can_all(&asked).await.map_err(|e| e.to_string())?;
        for (w, ok) in chunk.iter().zip(may) {
            items.push(json!({
                "id": w,
                "organization": found.get(w).cloned().flatten(),
                "__access": { "project:create": ok },
            }));
        }
    }
    items.sort_by(|a, b| {
        (a["organization"].as_str(), a["id"].as_str())
            .cmp(&(b["organization"].as_str(), b["id"].as_str()))
    });
    Ok(items)
}

async fn index() -> axum::response::Html<&'static str> {
    axum::response::Html(include_str!("../assets/index.html"))
}

async fn model_page() -> axum::response::Html<String> {
    let diagram = access_core::mermaid(Model.data());
    let escaped = diagram
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    axum::response::Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>The model</title></head>\
         <body style=\"font: 15px system-ui, sans-serif; margin: 2rem\"><h1>The saas model</h1>\
         <p><a href=\"/\">back</a> · <a href=\"/model.mmd\">Mermaid source</a> · <a href=\"/model.json\">permission matrix (JSON)</a></p>\
         <pre class=\"mermaid\">{escaped}</pre>\
         <script src=\"/model/mermaid.js\"></script>\
         <script>if (window.mermaid) mermaid.initialize({{ startOnLoad: true }});</script>\
         </body></html>"
    ))
}

/// Where the page gets Mermaid: a local copy when `SAAS_MERMAID_JS` names one (for machines
/// without the internet, and the browser test), else the CDN. Without either, the page shows the
/// diagram's source.
const MERMAID_CDN: &str = "https://cdn.jsdelivr.net/npm/mermaid@11.12.1/dist/mermaid.min.js";

async fn mermaid_js() -> axum::response::Response {
    if let Some(path) = std::env::var_os("SAAS_MERMAID_JS") {
        return match tokio::fs::read(&path).await {
            Ok(js) => ([(header::CONTENT_TYPE, "text/javascript")], js).into_response(),
            Err(e) => {
                eprintln!(
                    "error: SAAS_MERMAID_JS: {}: {e}",
                    PathBuf::from(path).display()
                );
                StatusCode::NOT_FOUND.into_response()
            }
        };
    }
    axum::response::Redirect::temporary(MERMAID_CDN).into_response()
}

async fn model_mmd() -> String {
    access_core::mermaid(Model.data())
}

async fn model_json() -> Json<Value> {
    Json(access_core::matrix::json(Model.data()))
}

/// Where the server keeps its files (the SQLite database, a development secret).
fn data_dir() -> PathBuf {
    std::env::var_os("SAAS_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/saas-data"))
}

/// The JWT keys: from the environment, else (debug builds only) a development secret kept in
/// the data directory.
fn keys() -> Result<Option<JwtKeys>, String> {
    let has_env = ["JWT_SECRET", "JWT_PRIVATE_KEY", "JWT_PRIVATE_KEY_FILE"]
        .iter()
        .any(|k| std::env::var_os(k).is_some());
    keys_for(has_env, !cfg!(debug_assertions), &data_dir())
}

/// [`keys`] for a build (`release`) and an environment (`has_env`: a secret or key is set).
fn keys_for(
    has_env: bool,
    release: bool,
    dir: &std::path::Path,
) -> Result<Option<JwtKeys>, String> {
    if has_env {
        return Ok(None);
    }
    if release {
        return Err("JWT_SECRET is not set (a release build never makes one up)".into());
    }
    let path = dir.join("jwt-secret");
    let secret = match std::fs::read(&path) {
        Ok(s) if s.len() >= 32 => s,
        _ => {
            use rand::Rng as _;
            let mut s = [0u8; 48];
            rand::rng().fill_bytes(&mut s);
            let hex: String = s.iter().map(|b| format!("{b:02x}")).collect();
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            write_secret(&path, hex.as_bytes())?;
            eprintln!(
                "warning: JWT_SECRET is not set; generated a development secret in {} (debug builds only)",
                path.display()
            );
            hex.into_bytes()
        }
    };
    JwtKeys::hmac(jsonwebtoken::Algorithm::HS256, &secret)
        .map(Some)
        .map_err(|e| e.to_string())
}

/// The MFA key: `MFA_KEY` from the environment (read by the configuration), else (debug builds
/// only) a development key kept in the data directory.
fn mfa_key() -> Result<Option<[u8; 32]>, String> {
    let has_env = std::env::var_os("MFA_KEY").is_some();
    mfa_key_for(has_env, !cfg!(debug_assertions), &data_dir())
}

/// [`mfa_key`] for a build (`release`) and an environment (`has_env`: `MFA_KEY` is set). The
/// key encrypts the stored TOTP secrets: a new one makes every enrolled account enrol again, so
/// the development key is made once and read back afterwards.
fn mfa_key_for(
    has_env: bool,
    release: bool,
    dir: &std::path::Path,
) -> Result<Option<[u8; 32]>, String> {
    if has_env {
        return Ok(None);
    }
    if release {
        return Err(
            "MFA_KEY is not set (a release build never makes one up): set it to 32 random bytes, \
             base64 or hex (`openssl rand -base64 32`), and keep it: the TOTP secrets stored with \
             one key cannot be read with another"
                .into(),
        );
    }
    let path = dir.join("mfa-key");
    if let Some(key) = std::fs::read(&path).ok().and_then(|s| from_hex(&s)) {
        return Ok(Some(key));
    }
    use rand::Rng as _;
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    write_secret(&path, hex.as_bytes())?;
    eprintln!(
        "warning: MFA_KEY is not set; generated a development key in {} (debug builds only)",
        path.display()
    );
    Ok(Some(key))
}

/// 32 bytes from 64 hex digits (a development key file); none for anything else.
fn from_hex(s: &[u8]) -> Option<[u8; 32]> {
    let s = s.trim_ascii();
    if s.len() != 64 {
        return None;
    }
    let digit = |c: u8| {
        char::from(c)
            .to_digit(16)
            .and_then(|d| u8::try_from(d).ok())
    };
    let mut key = [0u8; 32];
    for (k, pair) in key.iter_mut().zip(s.chunks(2)) {
        *k = (digit(pair[0])? << 4) | digit(pair[1])?;
    }
    Some(key)
}

/// The passkeys' relying party: `WEBAUTHN_RP_ID` and `WEBAUTHN_ORIGIN` (and `WEBAUTHN_RP_NAME`)
/// when either is set, else `localhost` with the page at `http://localhost:{port}` (browsers
/// refuse an IP address as a relying party: open the page on localhost to use passkeys).
fn passkeys(port: u16) -> Result<PasskeyConfig, String> {
    let set = ["WEBAUTHN_RP_ID", "WEBAUTHN_ORIGIN"]
        .iter()
        .any(|k| std::env::var_os(k).is_some());
    if set {
        return PasskeyConfig::from_env().map_err(|e| e.to_string());
    }
    PasskeyConfig::new(
        "localhost",
        "access saas example",
        &format!("http://localhost:{port}"),
    )
    .map_err(|e| e.to_string())
}

/// `SAAS_DEMO_IDP` (`value`): `1` starts the demo identity provider; unset, empty or `0` does not.
fn demo_idp_on(value: Option<&str>) -> Result<bool, String> {
    match value.map(str::trim) {
        None | Some("" | "0" | "false" | "no" | "off") => Ok(false),
        Some("1" | "true" | "yes" | "on") => Ok(true),
        Some(other) => Err(format!(
            "SAAS_DEMO_IDP must be 1 (start the demo identity provider) or 0, not `{other}`"
        )),
    }
}

/// Sign-in with providers (OAuth 2.0, OpenID Connect), and what the server prints about it.
///
/// With `SAAS_DEMO_IDP=1`: the mock provider of `access-idp-mock` on `127.0.0.1`
/// (`SAAS_DEMO_IDP_PORT`, else a port the system picks), offered as "Demo IdP"; its client
/// `saas-demo` is registered there with a secret made now and this server's callback. Browsers
/// reach this server at `OAUTH_PUBLIC_URL`, else `http://127.0.0.1:{port}` (the callback is on
/// that address: open the page there, as the flow's cookie is bound to it). The other `OAUTH_*`
/// providers are not read then.
///
/// Else the providers of the environment ([`OAuthConfig::from_env`]: `OAUTH_PUBLIC_URL`,
/// `OAUTH_GOOGLE_CLIENT_ID` and `OAUTH_GOOGLE_CLIENT_SECRET`, `OAUTH_GITHUB_..`,
/// `OAUTH_DISCORD_..`, `OAUTH_<NAME>_ISSUER` for any OpenID Connect provider); none when no
/// provider is configured, and then no route is mounted.
async fn oauth(
    port: u16,
    base_path: &str,
) -> Result<(Option<OAuthConfig>, Option<String>), String> {
    if !demo_idp_on(std::env::var("SAAS_DEMO_IDP").ok().as_deref())? {
        let Some(config) = OAuthConfig::from_env().map_err(|e| e.to_string())? else {
            return Ok((None, None));
        };
        let names: Vec<&str> = config.providers().iter().map(|p| p.name()).collect();
        let said = format!(
            "Sign-in with providers: {} (each with the callback {}{base_path}/oauth/<name>/callback registered there).",
            names.join(", "),
            config.public_url()
        );
        return Ok((Some(config), Some(said)));
    }
    let idp_port = match std::env::var("SAAS_DEMO_IDP_PORT") {
        Ok(p) if !p.trim().is_empty() => p
            .trim()
            .parse()
            .map_err(|_| format!("SAAS_DEMO_IDP_PORT must be a port number, not `{p}`"))?,
        _ => 0,
    };
    let public = match std::env::var("OAUTH_PUBLIC_URL") {
        Ok(u) if !u.trim().is_empty() => {
            let u = u.trim().trim_end_matches('/');
            if !(u.starts_with("http://") || u.starts_with("https://")) {
                return Err(format!(
                    "OAUTH_PUBLIC_URL must be where browsers reach this server, such as http://localhost:{port}, not `{u}`"
                ));
            }
            u.to_owned()
        }
        _ => format!("http://127.0.0.1:{port}"),
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], idp_port));
    let idp = MockIdp::start_on(addr)
        .await
        .map_err(|e| format!("cannot start the demo identity provider on {addr}: {e}"))?;
    let secret: String = {
        use rand::Rng as _;
        let mut s = [0u8; 32];
        rand::rng().fill_bytes(&mut s);
        s.iter().map(|b| format!("{b:02x}")).collect()
    };
    idp.register_client(
        "saas-demo",
        &secret,
        &[format!("{public}{base_path}/oauth/demo/callback")],
    );
    let config = OAuthConfig::new(public.clone()).provider(
        OAuthProvider::oidc("demo", idp.issuer(), "saas-demo", secret).with_label("Demo IdP"),
    );
    let said = format!(
        "Demo IdP is on (SAAS_DEMO_IDP=1): a mock OpenID Connect provider at {}; \"Sign in with Demo IdP\" on {public}/ signs in as {} (made at the first sign-in).",
        idp.issuer(),
        idp.user().email
    );
    Ok((Some(config), Some(said)))
}

fn write_secret(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
        .and_then(|mut f| f.write_all(bytes))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The database the server uses: `DATABASE_URL`, else the SQLite file in the data directory
/// (made when missing).
fn database_url() -> Result<String, String> {
    match std::env::var("DATABASE_URL") {
        Ok(u) => Ok(u),
        Err(_) => {
            let dir = data_dir();
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            Ok(format!(
                "sqlite://{}?mode=rwc",
                dir.join("saas.db").display()
            ))
        }
    }
}

/// The app's pool, the engine store's own pool (a request holding a transaction on the first
/// never waits for its rules' reads behind other requests' transactions), and the URL as shown.
async fn connect() -> Result<(DatabaseConnection, DatabaseConnection, String), String> {
    connect_to(database_url()?).await
}

/// [`connect`] to `url`.
async fn connect_to(
    url: String,
) -> Result<(DatabaseConnection, DatabaseConnection, String), String> {
    // WAL mode on SQLite, 8 connections: reads do not wait for writes.
    let db = access_axum::db::connect(&url, 8)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let store_db = access_axum::db::connect(&url, 8)
        .await
        .map_err(|e| format!("cannot open the database: {e}"))?;
    let shown = match url.split_once('@') {
        Some((scheme, rest)) if url.starts_with("postgres") => {
            format!(
                "{}://…@{rest}",
                scheme.split("://").next().unwrap_or("postgres")
            )
        }
        _ => url,
    };
    Ok((db, store_db, shown))
}

/// The authentication configuration: the environment's, with the keys of [`keys`] and MFA on
/// ([`mfa_key`]; the issuer authenticator apps show is `MFA_ISSUER`, else `access saas`).
fn auth_config() -> Result<AuthConfig, String> {
    let mut builder = AuthConfig::builder();
    if let Some(k) = keys()? {
        builder = builder.keys(k);
    }
    if let Some(key) = mfa_key()? {
        builder = builder.mfa_key(key);
    }
    if std::env::var_os("MFA_ISSUER").is_none() {
        builder = builder.mfa_issuer("access saas");
    }
    builder.from_env().build().map_err(|errs| errs.to_string())
}

/// `PORT`, 3000 by default.
fn port() -> Result<u16, String> {
    Ok(std::env::var("PORT")
        .ok()
        .map(|p| {
            p.parse()
                .map_err(|_| format!("PORT must be a port number, not `{p}`"))
        })
        .transpose()?
        .unwrap_or(3000))
}

/// Logs to stderr, filtered by `RUST_LOG` (else `default`).
fn init_logs(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// The application over `db` (and the store's pool `store_db`): its routes, migrations, and
/// the project rows of the hierarchy ([`backfill`]); mails link to `port`; the passkey routes
/// with `passkeys`, the provider routes with `oauth` ([`oauth`]).
async fn build(
    db: DatabaseConnection,
    store_db: DatabaseConnection,
    config: AuthConfig,
    port: u16,
    passkeys: Option<PasskeyConfig>,
    oauth: Option<OAuthConfig>,
) -> Result<AppRouter<Model>, String> {
    let stores = std::sync::Arc::new(SeaStore::new(&Model, store_db).with_custom_roles());
    let grants = DynamicGrants::new(&Model, db.clone());
    let routes = Router::new()
        .route("/health", get(health))
        .route("/", get(index))
        .route("/model", get(model_page))
        .route("/model/mermaid.js", get(mermaid_js))
        .route("/model.mmd", get(model_mmd))
        .route("/model.json", get(model_json))
        .route("/workspaces", get(list_workspaces))
        .route("/folders/{id}", get(read_folder))
        .route("/projects/{id}/export", post(export_pdf))
        .route("/projects/{id}/ai", post(generate))
        .route("/me/access", get(my_access));
    // Migrations, stores, authentication, the CRUD routes of the example's tables (with their
    // row and field rules, `saas::schema`) and the admin API, in one call.
    let app = App::new(Model, db.clone())
        .config(config)
        .auth(move |auth| {
            let auth = auth.with_mailer(mail::LoggedMail {
                base: format!("http://127.0.0.1:{port}"),
            });
            let auth = match passkeys {
                Some(p) => auth.with_passkeys(p),
                None => auth,
            };
            match oauth {
                Some(o) => auth.with_oauth(o),
                None => auth,
            }
        })
        .stores(stores.clone())
        .authz(|authz| authz.dynamic(grants))
        .access_set_claims() // access tokens carry the user's access set, for the page
        .access_js()
        .routes(routes)
        .crud_with("/projects", saas::projects::crud(stores.clone()))
        .crud::<saas::schema::document::Entity>("/documents")
        .crud::<saas::schema::product::Entity>("/products")
        .admin("/admin", Entitlement::OrganizationManage)
        // Organizations are the tenants: POST/GET /orgs, their members, roles and leaving.
        // Each route checks the model: users (every account) and admins create them, holders
        // of `members:read` see the members, of `organization:manage` manage them; invitations
        // take a unit of `members:invite` (5 a month on the free plan).
        .orgs_with(
            OrgsConfig::default()
                .created_by([Model::user, Model::admin])
                .members_seen_with(Entitlement::MembersRead)
                .managed_by(Entitlement::OrganizationManage)
                .invites_with(Entitlement::MembersInvite),
        )
        // Ended sessions, used tokens, old invitations and rate-limit windows go every hour;
        // usage counters a year after their period.
        .cleanup(
            access_axum::cleanup::Cleanup::default()
                .keep_usage_for(std::time::Duration::from_secs(365 * 86_400)),
        )
        .build()
        .await
        .map_err(|e| e.to_string())?;
    backfill::project_rows(&db)
        .await
        .map_err(|e| format!("migration: {e}"))?;
    Ok(app)
}

/// Runs the server until it is stopped.
pub async fn serve() -> Result<(), String> {
    // Logs to stderr, filtered by `RUST_LOG` (default `info`: one line per request, denials,
    // server errors with their cause; `RUST_LOG=debug` adds refused bad input).
    init_logs("info");
    let (db, store_db, shown) = connect().await?;
    let config = auth_config()?;
    let port = port()?;
    let passkeys = passkeys(port)?;
    let (oauth, oauth_said) = oauth(port, &config.http().base_path).await?;
    let app = build(db, store_db, config, port, Some(passkeys.clone()), oauth).await?;
    let fresh = !seeded(app.state().authz().stores()).await;
    let seeded_users = if fresh {
        if std::env::var("SAAS_SEED").as_deref() == Ok("0") {
            Vec::new()
        } else {
            seed(app.state()).await?
        }
    } else {
        Vec::new()
    };
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let base = format!("http://{addr}");
    println!("saas example listening on {base} (database: {shown})");
    if !seeded_users.is_empty() {
        println!("\nSeeded (password for everyone: `{SEED_PASSWORD}`):");
        for ((email, id), (_, tenant, about, _)) in seeded_users.iter().zip(SEED_USERS) {
            println!("  {email:20} id {id:<3} tenant {tenant:7} {about}");
        }
        println!(
            "  organization acme on plan pro + ai_boost: workspaces design (project website, folder brand), engineering (app, api)"
        );
        println!("  organization globex on plan pro: workspace ops (infra)");
    }
    println!("\nTry:");
    println!(
        "  TOKEN=$(curl -s {base}/auth/login -H 'content-type: application/json' -d '{{\"identifier\":\"vic@acme.test\",\"password\":\"{SEED_PASSWORD}\"}}' | sed 's/.*\"access_token\":\"\\([^\"]*\\)\".*/\\1/')"
    );
    println!(
        "  curl -s {base}/workspaces -H \"authorization: Bearer $TOKEN\"   # her organizations and workspaces"
    );
    println!(
        "  curl -s {base}/projects -H \"authorization: Bearer $TOKEN\"   # the projects she may read, with per-row __access"
    );
    println!("  curl -s {base}/projects/website -H \"authorization: Bearer $TOKEN\"");
    println!(
        "  curl -s -X DELETE {base}/projects/website -H \"authorization: Bearer $TOKEN\"   # denied, with the reasons"
    );
    println!(
        "  curl -s -X POST {base}/projects -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' -d '{{\"id\":\"brochure\",\"workspace\":\"design\",\"name\":\"Brochure\"}}'   # denied: project:create on design"
    );
    println!(
        "  curl -s -X POST {base}/projects/website/export -H \"authorization: Bearer $TOKEN\"   # plan-gated (pro)"
    );
    println!("  curl -s {base}/me/access -H \"authorization: Bearer $TOKEN\"");
    println!(
        "  curl -s -X POST {base}/orgs -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' -d '{{\"name\":\"Initech\",\"id\":\"initech\"}}'   # a new organization, she its owner"
    );
    println!(
        "  curl -s {base}/orgs -H \"authorization: Bearer $TOKEN\"   # her organizations and her roles there"
    );
    println!(
        "  curl -s -X POST {base}/auth/tenant -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' -d '{{\"tenant\":\"initech\"}}'   # tokens for initech (its access set)"
    );
    println!(
        "  curl -s -X POST {base}/orgs/initech/invitations -H \"authorization: Bearer $TOKEN\" -H 'content-type: application/json' -d '{{\"email\":\"sam@example.com\",\"role\":\"member\"}}'   # an invitation (its link is in this log; 5 a month on the free plan)"
    );
    println!(
        "  curl -s '{base}/documents?sort=title' -H \"authorization: Bearer $TOKEN\"   # row and field rules"
    );
    println!(
        "  curl -s '{base}/products?sort=name' -H \"authorization: Bearer $TOKEN\"   # only those of acme, without cost and supplier for vic"
    );
    println!(
        "  curl -s {base}/auth/mfa -H \"authorization: Bearer $TOKEN\"   # her second factors: none yet (enrol on the page)"
    );
    println!(
        "\nMFA is on: enrol an authenticator app or a passkey under Security on the page (passkeys on {}/ only); deleting a product asks for a second factor from the last 5 minutes (an app's code, or a passkey sign-in).",
        passkeys.origin()
    );
    if let Some(said) = oauth_said {
        println!("\n{said}");
    }
    println!("\nOpen {base}/ in a browser to sign in, and {base}/model for the model's diagram.");
    // The client address feeds the per-IP rate limits and the sessions list.
    axum::serve(listener, app.into_make_service())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
