//! A guarded `GET /projects/{id}` (JWT + `can` through the hierarchy + one SQLite read) against
//! the same handler unguarded (the SQLite read only), through the same kind of router; and a CRUD
//! list page of 20 projects with and without per-row `__access` (`Crud::row_access`: two
//! entitlements per row, 40 verdicts in one `can_all`).
//!
//! Run: `cargo bench -p access-axum --bench authz`. Results: docs/performance.md.

use std::hint::black_box;

use access_axum::authz::{Access, Authz};
use access_axum::config::Argon2Params;
use access_axum::crud::Crud;
use access_axum::{AuthConfig, AuthState, JwtKeys};
use access_core::{ClosureStore, MemoryStore, Resource, RoleStore};
use axum::Router;
use axum::body::Body;
use axum::extract::{FromRef, Path, State};
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use criterion::{Criterion, criterion_group, criterion_main};
use jsonwebtoken::Algorithm;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};
use tower::ServiceExt;

mod model {
    access_core::define_access! {
        pub Access;
        entity organization { roles: [owner, member] }
        entity project {
            roles: [manager, viewer],
            implies: { manager => viewer },
            inherits: { organization:owner => manager, organization:member => viewer },
        }
        entitlements {
            "project:read"   on project => roles [viewer],
            "project:delete" on project => roles [manager],
        }
    }
}

/// The projects table, for the CRUD routes.
mod project {
    use sea_orm::entity::prelude::*;

    #[derive(
        Clone,
        Debug,
        PartialEq,
        DeriveEntityModel,
        access_core::Schema,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[sea_orm(table_name = "projects")]
    #[schema(access = super::model::Access, entity = Entity, permission(
        create = blocked,
        list   = authenticated,
        read   = authenticated,
        update = blocked,
        delete = blocked,
    ))]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub name: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use model::{Access as Model, Entitlement, EntityType, OrganizationRole};

#[derive(Clone)]
struct AppState {
    auth: AuthState,
    authz: Authz<Model, MemoryStore>,
}

impl FromRef<AppState> for AuthState {
    fn from_ref(s: &AppState) -> Self {
        s.auth.clone()
    }
}
impl FromRef<AppState> for Authz<Model, MemoryStore> {
    fn from_ref(s: &AppState) -> Self {
        s.authz.clone()
    }
}

async fn read(db: &DatabaseConnection, id: &str) -> Option<String> {
    db.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "SELECT name FROM projects WHERE id = ?",
        [id.into()],
    ))
    .await
    .ok()??
    .try_get("", "name")
    .ok()
}

async fn unguarded(
    State(s): State<AppState>,
    Path(id): Path<String>,
) -> Result<String, StatusCode> {
    read(&s.auth.db, &id).await.ok_or(StatusCode::NOT_FOUND)
}

async fn guarded(
    State(s): State<AppState>,
    access: Access<Model, MemoryStore>,
    Path(id): Path<String>,
) -> Result<String, StatusCode> {
    let ok = access
        .can(
            Entitlement::ProjectRead,
            Resource::new(EntityType::Project, &id),
        )
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    if !ok {
        return Err(StatusCode::FORBIDDEN);
    }
    read(&s.auth.db, &id).await.ok_or(StatusCode::NOT_FOUND)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (router, token) = rt.block_on(async {
        let mut opts = ConnectOptions::new("sqlite::memory:");
        opts.max_connections(1);
        let db = Database::connect(opts).await.unwrap();
        access_axum::migrate(&db).await.unwrap();
        db.execute_unprepared("CREATE TABLE projects (id TEXT PRIMARY KEY, name TEXT NOT NULL)")
            .await
            .unwrap();
        let stores = std::sync::Arc::new(MemoryStore::new());
        let org = Resource::new(EntityType::Organization, "acme");
        stores.add_resource(org, &[]).await.unwrap();
        for i in 0..100 {
            let id = format!("p{i}");
            stores
                .add_resource(Resource::new(EntityType::Project, &id), &[org])
                .await
                .unwrap();
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "INSERT INTO projects (id, name) VALUES (?, ?)",
                [id.clone().into(), format!("project {i}").into()],
            ))
            .await
            .unwrap();
        }
        stores.assign("1", org, OrganizationRole::Member.index()).await.unwrap();
        let config = AuthConfig::builder()
            .keys(JwtKeys::hmac(Algorithm::HS256, b"bench-secret-bench-secret-bench-secret").unwrap())
            .argon2(Argon2Params { m_cost: 256, t_cost: 1, p_cost: 1 })
            .build()
            .unwrap();
        let auth = AuthState::new(db, config);
        let r = auth
            .router::<()>()
            .oneshot(
                Request::post("/auth/register")
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(
                        serde_json::json!({ "email": "m@example.com", "password": "correct horse battery" })
                            .to_string(),
                    ))
                    .unwrap(),
            )
            .await
            .unwrap();
        let bytes = http_body_util::BodyExt::collect(r.into_body()).await.unwrap().to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let state = AppState {
            auth,
            authz: Authz::new(Model, stores),
        };
        let router: Router = Router::new()
            .route("/open/projects/{id}", get(unguarded))
            .route("/projects/{id}", get(guarded))
            .nest(
                "/crud/projects",
                Crud::<project::Entity, Model, MemoryStore>::new().router::<AppState>(),
            )
            .nest(
                "/crud-access/projects",
                Crud::<project::Entity, Model, MemoryStore>::new()
                    .row_access([Entitlement::ProjectRead, Entitlement::ProjectDelete])
                    .router::<AppState>(),
            )
            .with_state(state);
        (router, v["access_token"].as_str().unwrap().to_owned())
    });
    let bearer = format!("Bearer {token}");
    let call = |path: String| {
        let req = Request::get(path)
            .header(header::AUTHORIZATION, bearer.as_str())
            .body(Body::empty())
            .unwrap();
        rt.block_on(router.clone().oneshot(req)).unwrap()
    };
    assert_eq!(call("/open/projects/p7".into()).status(), StatusCode::OK);
    assert_eq!(call("/projects/p7".into()).status(), StatusCode::OK);
    let mut i = 0usize;
    c.bench_function("http/get_project/unguarded", |b| {
        b.iter(|| {
            i = (i + 1) % 100;
            black_box(call(format!("/open/projects/p{i}")))
        })
    });
    c.bench_function("http/get_project/guarded", |b| {
        b.iter(|| {
            i = (i + 1) % 100;
            black_box(call(format!("/projects/p{i}")))
        })
    });
    // A page of 20 rows, without and with `__access` for two entitlements per row.
    let page = |prefix: &str| {
        let res = call(format!("{prefix}/projects?per_page=20&sort=name"));
        assert_eq!(res.status(), StatusCode::OK);
        res
    };
    let first = rt.block_on(http_body_util::BodyExt::collect(
        page("/crud-access").into_body(),
    ));
    let v: serde_json::Value = serde_json::from_slice(&first.unwrap().to_bytes()).unwrap();
    assert_eq!(v["items"].as_array().unwrap().len(), 20);
    assert_eq!(
        v["items"][0]["__access"],
        serde_json::json!({ "project:read": true, "project:delete": false })
    );
    c.bench_function("http/crud_list_20/plain", |b| {
        b.iter(|| black_box(page("/crud")))
    });
    c.bench_function("http/crud_list_20/row_access", |b| {
        b.iter(|| black_box(page("/crud-access")))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
