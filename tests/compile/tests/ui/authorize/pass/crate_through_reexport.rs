//! A crate that reaches access-axum only through a re-export names it with `crate = ..`: the
//! generated code goes through `web::ax::__private`, not `::access_axum`, `::axum` or
//! `::access_core`. (The tests crate depends on those crates, so this shows the path is used, not
//! that they are absent: a wrong `crate = ..` path fails to compile.)

mod web {
    pub use access_axum as ax;
}

use web::ax::access_core::MemoryStore;
use web::ax::authz::Access;

mod model {
    super::web::ax::access_core::define_access! {
        pub Access;
        entity project { roles: [manager] }
        entitlements {
            "project:delete" on project => roles [manager],
            "ai:generate" on project => roles [manager],
        }
    }
}

#[web::ax::authorize("project:delete", resource = project(id), crate = web::ax)]
async fn delete_project(access: Access<model::Access, MemoryStore>, id: String) -> String {
    let _ = &access;
    id
}

// The string form, options in another order.
#[web::ax::authorize("ai:generate", crate = "web::ax", consume, resource = project(id))]
async fn generate(access: Access<model::Access, MemoryStore>, id: u64) -> Result<String, String> {
    let _ = &access;
    if id == 0 {
        Err("no project 0".to_owned())
    } else {
        Ok(id.to_string())
    }
}

pub fn main() {
    let _ = delete_project;
    let _ = generate;
}
