//! The development data the server seeds on its first start: organizations, workspaces,
//! projects and a user with each role of the model.

use access_axum::AppState;
use access_axum::db::UserChange;
use access_core::ModelEnum;

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
        "guest of acme; editor of workspace design, global role editor",
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
        "guest of acme; admin of workspace engineering",
        false,
    ),
    (
        "val@acme.test",
        "acme",
        "guest of acme; viewer of workspace design",
        false,
    ),
    (
        "fay@acme.test",
        "acme",
        "guest of acme; owner of folder brand",
        false,
    ),
    (
        "fin@acme.test",
        "acme",
        "guest of acme; viewer of folder brand",
        false,
    ),
    (
        "vic@acme.test",
        "acme",
        "guest of acme; viewer of project website",
        false,
    ),
    (
        "mia@acme.test",
        "acme",
        "guest of acme; manager of project app",
        false,
    ),
    (
        "cal@acme.test",
        "acme",
        "guest of acme; contributor to project app",
        false,
    ),
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

/// Seeds through the server-side API ([`AppState::api`](access_axum::AppState::api)) and the
/// store's typed methods: the users (verified, each with their tenant; root a superuser), the
/// organizations (their owners through `create_org`, their members through `add_member`), the
/// hierarchy, plans, flags and roles, then the rows of the example's tables. The users' ids, in
/// [`SEED_USERS`]'s order.
pub(super) async fn seed(app: &AppState<Model>) -> Result<Vec<(String, i64)>, String> {
    use resource::{Folder, Organization, Project, Workspace};
    let e = |e: access_core::StoreError| e.to_string();
    let failed = |e: access_axum::ApiError| format!("{} ({})", e.message, e.code);
    let (api, store) = (app.api(), app.authz().stores());
    let db = &app.auth().db;
    let users = &app.auth().config.accounts().users;
    let mut ids = Vec::new();
    for (email, tenant, _, superuser) in SEED_USERS {
        let u = if *superuser {
            api.create_superuser(email, SEED_PASSWORD)
                .await
                .map(|done| done.user().clone())
        } else {
            api.sign_up_verified(email, SEED_PASSWORD).await
        }
        .map_err(|e| format!("seeding {email}: {}", failed(e)))?;
        users
            .update(db, u.id, UserChange::Tenant(Some((*tenant).to_owned())))
            .await
            .map_err(|e| e.to_string())?;
        ids.push(((*email).to_owned(), u.id));
    }
    let user = |email: &str| {
        ids.iter()
            .find(|(e, _)| e == email)
            .map(|(_, i)| *i)
            .ok_or_else(|| format!("seeding: {email} is not a seeded user"))
    };
    let id = |email: &str| user(email).map(|i| i.to_string());
    // The organizations, each with its owner (named by their ids, as the page shows them).
    api.create_org(user("olga@acme.test")?, Some("acme"), "acme")
        .await
        .map_err(failed)?;
    api.create_org(user("gil@globex.test")?, Some("globex"), "globex")
        .await
        .map_err(failed)?;
    api.add_member(
        "acme",
        user("ada@acme.test")?,
        ModelEnum::as_str(OrganizationRole::Admin),
    )
    .await
    .map_err(failed)?;
    api.add_member(
        "acme",
        user("mel@acme.test")?,
        ModelEnum::as_str(OrganizationRole::Member),
    )
    .await
    .map_err(failed)?;
    // Those who hold roles below acme are its guests: in its tenant, nothing more there.
    for email in [
        "wes@acme.test",
        "abe@acme.test",
        "val@acme.test",
        "fay@acme.test",
        "fin@acme.test",
        "vic@acme.test",
        "mia@acme.test",
        "cal@acme.test",
    ] {
        api.add_member(
            "acme",
            user(email)?,
            ModelEnum::as_str(OrganizationRole::Guest),
        )
        .await
        .map_err(failed)?;
    }
    let (acme, globex) = (Organization::id("acme"), Organization::id("globex"));
    let (design, engineering, ops) = (
        Workspace::id("design"),
        Workspace::id("engineering"),
        Workspace::id("ops"),
    );
    let (website, app) = (Project::id("website"), Project::id("app"));
    let brand = Folder::id("brand");
    let now = access_core::time::now();
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
    // Each with the role enum of its resource's entity.
    store
        .grant_role(&id("wes@acme.test")?, design, WorkspaceRole::Editor)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("abe@acme.test")?, engineering, WorkspaceRole::Admin)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("val@acme.test")?, design, WorkspaceRole::Viewer)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("cal@acme.test")?, app, ProjectRole::Contributor)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("fay@acme.test")?, brand, FolderRole::Owner)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("fin@acme.test")?, brand, FolderRole::Viewer)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("vic@acme.test")?, website, ProjectRole::Viewer)
        .await
        .map_err(e)?;
    store
        .grant_role(&id("mia@acme.test")?, app, ProjectRole::Manager)
        .await
        .map_err(e)?;
    // Global roles (in the users table, carried by the token): ada is an admin, wes an editor.
    for (email, roles) in [("ada@acme.test", "admin"), ("wes@acme.test", "editor")] {
        users
            .update(db, user(email)?, UserChange::Roles(roles.to_owned()))
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
        .exec_without_returning(db)
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
        .exec_without_returning(db)
        .await
        .map_err(|e| e.to_string())?;
    }
    // Documents: two per tenant, one published.
    {
        let author = |email: &str| user(email);
        let docs = [
            (
                "acme",
                author("olga@acme.test")?,
                "Roadmap",
                false,
                "board only",
            ),
            (
                "acme",
                author("vic@acme.test")?,
                "Style guide",
                true,
                "draft 3",
            ),
            (
                "globex",
                author("gil@globex.test")?,
                "Ops runbook",
                false,
                "pager rota",
            ),
            ("globex", author("gil@globex.test")?, "Changelog", true, "-"),
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
            .exec_without_returning(db)
            .await
            .map_err(|e| e.to_string())?;
        }
    }
    Ok(ids)
}
