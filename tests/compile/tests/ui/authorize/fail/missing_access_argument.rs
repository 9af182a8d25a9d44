use access_axum::authz::Access;
use access_core::MemoryStore;
use axum::extract::Path;

mod model {
    access_core::define_access! {
        pub Access;
        entity project { roles: [manager] }
        entitlements { "project:delete" on project => roles [manager] }
    }
}

#[access_axum::authorize("project:delete", resource = project(id))]
async fn delete_project(Path(id): Path<String>) -> String {
    id
}

fn main() {}
