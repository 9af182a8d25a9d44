//! The development data the server seeds on its first start: organizations, workspaces,
//! projects and a user with each role of the model.

use super::*;

/// The seeded users: email, tenant, what they are, superuser.
pub const SEED_USERS: &[(&str, &str, &str, bool)] = &[
    (
        "olga@acme.test",
        "acme",
        "owner of organization acme",
        false,
    ),
    (
        "ada@acme.test",
        "acme",
        "admin of organization acme, global role admin",
        false,
    ),
    (
        "wes@acme.test",
        "acme",
        "editor of workspace design, global role editor",
        false,
    ),
    (
        "mel@acme.test",
        "acme",
        "member of organization acme",
        false,
    ),
    (
        "abe@acme.test",
        "acme",
        "admin of workspace engineering",
        false,
    ),
    ("val@acme.test", "acme", "viewer of workspace design", false),
    ("fay@acme.test", "acme", "owner of folder brand", false),
    ("fin@acme.test", "acme", "viewer of folder brand", false),
    ("vic@acme.test", "acme", "viewer of project website", false),
    ("mia@acme.test", "acme", "manager of project app", false),
    ("cal@acme.test", "acme", "contributor to project app", false),
    (
        "nora@acme.test",
        "acme",
        "member of acme without any role yet",
        false,
    ),
    (
        "gil@globex.test",
        "globex",
        "owner of organization globex",
        false,
    ),
    ("root@example.test", "acme", "superuser", true),
];

/// Every seeded user's password (development data).
pub const SEED_PASSWORD: &str = "correct horse battery staple";

pub(super) async fn seeded(store: &SeaStore) -> bool {
    store
        .ancestors(resource::Organization::id("acme").into())
        .await
        .is_ok()
}

pub(super) async fn seed(store: &SeaStore, auth: &AuthState) -> Result<Vec<(String, i64)>, String> {
    use resource::{Folder, Organization, Project, Workspace};
    let e = |e: access_core::StoreError| e.to_string();
    let (acme, globex) = (Organization::id("acme"), Organization::id("globex"));
    let (design, engineering, ops) = (
        Workspace::id("design"),
        Workspace::id("engineering"),
        Workspace::id("ops"),
    );
    let (website, app) = (Project::id("website"), Project::id("app"));
    let brand = Folder::id("brand");
    let now = access_core::time::now();
    store.add_root(acme).await.map_err(e)?;
    store.add_root(globex).await.map_err(e)?;
    store.add_child(design, acme).await.map_err(e)?;
    store.add_child(engineering, acme).await.map_err(e)?;
    store.add_child(ops, globex).await.map_err(e)?;
    store.add_child(website, design).await.map_err(e)?;
    store.add_child(brand, design).await.map_err(e)?;
    store.add_child(app, engineering).await.map_err(e)?;
    store
        .add_child(Project::id("api"), engineering)
        .await
        .map_err(e)?;
    store
        .add_child(Project::id("infra"), ops)
        .await
        .map_err(e)?;
    let main = 0;
    store
        .set_base_plan("acme", main, Subscription::new(Plan::Pro, now))
        .await
        .map_err(e)?;
    store
        .add_add_on("acme", Subscription::new(Plan::AiBoost, now))
        .await
        .map_err(e)?;
    store
        .set_base_plan("globex", main, Subscription::new(Plan::Pro, now))
        .await
        .map_err(e)?;
    for t in ["acme", "globex"] {
        store
            .set_flag(t, Flag::BetaAi.into(), true)
            .await
            .map_err(e)?;
        store
            .set_flag(t, Flag::PdfExport.into(), true)
            .await
            .map_err(e)?;
    }
    let routes = auth.router::<()>();
    let mut ids = Vec::new();
    for (email, tenant, _, superuser) in SEED_USERS {
        let req = Request::post("/auth/register")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({ "email": email, "password": SEED_PASSWORD }).to_string(),
            ))
            .map_err(|e| e.to_string())?;
        let resp = routes
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| e.to_string())?;
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .map_err(|e| e.to_string())?;
        if status != StatusCode::CREATED {
            return Err(format!(
                "seeding {email}: {status} {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        let v: Value = serde_json::from_slice(&bytes).map_err(|e| e.to_string())?;
        let id = v["user"]["id"].as_i64().ok_or("no user id")?;
        user::Entity::update_many()
            .col_expr(user::Column::Tenant, Expr::value(*tenant))
            .col_expr(user::Column::Superuser, Expr::value(*superuser))
            .col_expr(user::Column::EmailVerified, Expr::value(true))
            .filter(user::Column::Id.eq(id))
            .exec(&auth.db)
            .await
            .map_err(|e| e.to_string())?;
        ids.push(((*email).to_owned(), id));
    }
    let id = |email: &str| {
        ids.iter()
            .find(|(e, _)| e == email)
            .map(|(_, i)| i.to_string())
            .unwrap_or_default()
    };
    // Each with the role enum of its resource's entity.
    store
        .grant_role(&id("olga@acme.test"), acme, OrganizationRole::Owner)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("ada@acme.test"), acme, OrganizationRole::Admin)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("wes@acme.test"), design, WorkspaceRole::Editor)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("mel@acme.test"), acme, OrganizationRole::Member)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("abe@acme.test"), engineering, WorkspaceRole::Admin)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("val@acme.test"), design, WorkspaceRole::Viewer)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("cal@acme.test"), app, ProjectRole::Contributor)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("fay@acme.test"), brand, FolderRole::Owner)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("fin@acme.test"), brand, FolderRole::Viewer)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("vic@acme.test"), website, ProjectRole::Viewer)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("mia@acme.test"), app, ProjectRole::Manager)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("gil@globex.test"), globex, OrganizationRole::Owner)
        .await
        .map_err(e)?;
    // Global roles (in the users table, carried by the token): ada is an admin, wes an editor.
    for (email, roles) in [("ada@acme.test", "admin"), ("wes@acme.test", "editor")] {
        user::Entity::update_many()
            .col_expr(user::Column::Roles, Expr::value(roles))
            .filter(user::Column::Email.eq(email))
            .exec(&auth.db)
            .await
            .map_err(|e| e.to_string())?;
    }
    // The projects' rows (their places in the hierarchy were added above).
    for (id, workspace, name) in [
        ("website", "design", "Website"),
        ("app", "engineering", "Mobile app"),
        ("api", "engineering", "Public API"),
        ("infra", "ops", "Infrastructure"),
    ] {
        use sea_orm::{ActiveValue::Set, EntityTrait};
        saas::schema::project::Entity::insert(saas::schema::project::ActiveModel {
            id: Set(id.to_owned()),
            workspace: Set(workspace.to_owned()),
            name: Set(name.to_owned()),
        })
        .exec_without_returning(&auth.db)
        .await
        .map_err(|e| e.to_string())?;
    }
    // Products: two for acme, one for globex.
    for (tenant, name, price, cost, supplier) in [
        ("acme", "Widget", 1_200, 700, "parts@widgets.test"),
        ("acme", "Gadget", 4_500, 3_100, "sales@gadgets.test"),
        ("globex", "Sprocket", 800, 350, "orders@sprockets.test"),
    ] {
        use sea_orm::{ActiveValue::Set, EntityTrait};
        saas::schema::product::Entity::insert(saas::schema::product::ActiveModel {
            tenant: Set(tenant.to_owned()),
            name: Set(name.to_owned()),
            price_cents: Set(price),
            cost_cents: Set(cost),
            supplier: Set(supplier.to_owned()),
            ..Default::default()
        })
        .exec_without_returning(&auth.db)
        .await
        .map_err(|e| e.to_string())?;
    }
    // Documents: two per tenant, one published.
    {
        let author = |email: &str| id(email).parse::<i64>().unwrap_or(0);
        let docs = [
            (
                "acme",
                author("olga@acme.test"),
                "Roadmap",
                false,
                "board only",
            ),
            (
                "acme",
                author("vic@acme.test"),
                "Style guide",
                true,
                "draft 3",
            ),
            (
                "globex",
                author("gil@globex.test"),
                "Ops runbook",
                false,
                "pager rota",
            ),
            ("globex", author("gil@globex.test"), "Changelog", true, "-"),
        ];
        for (tenant, owner, title, published, notes) in docs {
            use sea_orm::{ActiveValue::Set, EntityTrait};
            saas::schema::document::Entity::insert(saas::schema::document::ActiveModel {
                tenant: Set(tenant.to_owned()),
                owner_id: Set(owner),
                title: Set(title.to_owned()),
                published: Set(published),
                notes: Set(notes.to_owned()),
                ..Default::default()
            })
            .exec_without_returning(&auth.db)
            .await
            .map_err(|e| e.to_string())?;
        }
    }
    Ok(ids)
}
