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
        .ancestors(Resource::new(EntityType::Organization, "acme"))
        .await
        .is_ok()
}

pub(super) async fn seed(store: &SeaStore, auth: &AuthState) -> Result<Vec<(String, i64)>, String> {
    let e = |e: access_core::StoreError| e.to_string();
    let org = |id| Resource::new(EntityType::Organization, id);
    let ws = |id| Resource::new(EntityType::Workspace, id);
    let proj = |id| Resource::new(EntityType::Project, id);
    let now = access_core::time::now();
    store.add_resource(org("acme"), &[]).await.map_err(e)?;
    store.add_resource(org("globex"), &[]).await.map_err(e)?;
    store
        .add_resource(ws("design"), &[org("acme")])
        .await
        .map_err(e)?;
    store
        .add_resource(ws("engineering"), &[org("acme")])
        .await
        .map_err(e)?;
    store
        .add_resource(ws("ops"), &[org("globex")])
        .await
        .map_err(e)?;
    store
        .add_resource(proj("website"), &[ws("design")])
        .await
        .map_err(e)?;
    store
        .add_resource(Resource::new(EntityType::Folder, "brand"), &[ws("design")])
        .await
        .map_err(e)?;
    store
        .add_resource(proj("app"), &[ws("engineering")])
        .await
        .map_err(e)?;
    store
        .add_resource(proj("api"), &[ws("engineering")])
        .await
        .map_err(e)?;
    store
        .add_resource(proj("infra"), &[ws("ops")])
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
    let app = auth.router::<()>();
    let mut ids = Vec::new();
    for (email, tenant, _, superuser) in SEED_USERS {
        let req = Request::post("/auth/register")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({ "email": email, "password": SEED_PASSWORD }).to_string(),
            ))
            .map_err(|e| e.to_string())?;
        let resp = app.clone().oneshot(req).await.map_err(|e| e.to_string())?;
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
    let grants = [
        (
            id("olga@acme.test"),
            org("acme"),
            OrganizationRole::Owner.index(),
        ),
        (
            id("ada@acme.test"),
            org("acme"),
            OrganizationRole::Admin.index(),
        ),
        (
            id("wes@acme.test"),
            ws("design"),
            WorkspaceRole::Editor.index(),
        ),
        (
            id("mel@acme.test"),
            org("acme"),
            OrganizationRole::Member.index(),
        ),
        (
            id("abe@acme.test"),
            ws("engineering"),
            WorkspaceRole::Admin.index(),
        ),
        (
            id("val@acme.test"),
            ws("design"),
            WorkspaceRole::Viewer.index(),
        ),
        (
            id("cal@acme.test"),
            proj("app"),
            ProjectRole::Contributor.index(),
        ),
        (
            id("fay@acme.test"),
            Resource::new(EntityType::Folder, "brand"),
            FolderRole::Owner.index(),
        ),
        (
            id("fin@acme.test"),
            Resource::new(EntityType::Folder, "brand"),
            FolderRole::Viewer.index(),
        ),
        (
            id("vic@acme.test"),
            proj("website"),
            ProjectRole::Viewer.index(),
        ),
        (
            id("mia@acme.test"),
            proj("app"),
            ProjectRole::Manager.index(),
        ),
        (
            id("gil@globex.test"),
            org("globex"),
            OrganizationRole::Owner.index(),
        ),
    ];
    for (user, r, role) in grants {
        store.assign(&user, r, role).await.map_err(e)?;
    }
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
