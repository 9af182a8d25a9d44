//! The saas example: a multi-tenant model (organizations → workspaces → projects, plans, flags,
//! limits) and a server over it (`cargo run -p saas`).

pub mod model;
pub mod projects;
pub mod schema;
