use access_axum::authz::Access;
use access_core::MemoryStore;
use axum::extract::Path;

mod model {
    access_core::define_access! {
        pub Access;
        entity project { roles: [manager] }
        entitlements { "project:delete" on project => roles [manager], "ai:generate" on project => roles [manager] }
    }
}

/// A guarded handler, a consuming one returning a `Result`, both usable as axum handlers.
#[access_axum::authorize("project:delete", resource = project(id))]
async fn delete_project(
    access: Access<model::Access, MemoryStore>,
    Path(id): Path<String>,
) -> String {
    let _ = &access;
    id
}

#[access_axum::authorize("ai:generate", resource = project(id), consume)]
async fn generate(
    access: Access<model::Access, MemoryStore>,
    Path(id): Path<u64>,
) -> Result<String, axum::http::StatusCode> {
    let _ = &access;
    if id == 0 {
        return Err(axum::http::StatusCode::BAD_REQUEST);
    }
    Ok(id.to_string())
}

#[derive(Clone)]
struct AppState {
    auth: access_axum::AuthState,
    authz: access_axum::authz::Authz<model::Access, MemoryStore>,
}

impl axum::extract::FromRef<AppState> for access_axum::AuthState {
    fn from_ref(s: &AppState) -> Self {
        s.auth.clone()
    }
}

impl axum::extract::FromRef<AppState> for access_axum::authz::Authz<model::Access, MemoryStore> {
    fn from_ref(s: &AppState) -> Self {
        s.authz.clone()
    }
}

pub fn main() {
    let _router: axum::Router<AppState> = axum::Router::new()
        .route("/projects/{id}", axum::routing::delete(delete_project))
        .route("/projects/{id}/generate", axum::routing::post(generate));
}
