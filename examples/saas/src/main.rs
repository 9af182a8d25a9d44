//! The saas example: a multi-tenant model (organizations → workspaces → projects, plans,
//! flags, limits), served over HTTP or explored from the command line.
//!
//! ```text
//! cargo run -p saas                                   # the HTTP server (same as `serve`)
//! cargo run -p saas -- serve                          # 127.0.0.1:$PORT (3000), see server.rs
//! cargo run -p saas -- tour                           # diagram + a tour of decisions
//! cargo run -p saas -- check olga project:delete project:app   # exit 0 allowed, 1 denied
//! cargo run -p saas -- mermaid                        # only the diagram
//! ```
//!
//! `tour`, `check` and `mermaid` use an in-memory store seeded here; the server keeps its data
//! in a database (see `server.rs`).

use std::process::ExitCode;

use access_core::{
    AccessContext, AccessModel, ClosureStore, FlagStore, MemoryStore, Principal, Resource,
    RoleStore, Subscription, SubscriptionStore,
};

mod server;

use saas::model;

use model::{
    Access, Entitlement, EntityType, Flag, OrganizationRole, Plan, ProjectRole, WorkspaceRole,
};

/// A seeded user: id, tenant, superuser.
struct User {
    id: &'static str,
    tenant: &'static str,
    superuser: bool,
    about: &'static str,
}

const USERS: &[User] = &[
    User {
        id: "olga",
        tenant: "acme",
        superuser: false,
        about: "owner of organization acme",
    },
    User {
        id: "ada",
        tenant: "acme",
        superuser: false,
        about: "admin of organization acme",
    },
    User {
        id: "wes",
        tenant: "acme",
        superuser: false,
        about: "editor of workspace design",
    },
    User {
        id: "vic",
        tenant: "acme",
        superuser: false,
        about: "viewer of project website",
    },
    User {
        id: "mia",
        tenant: "acme",
        superuser: false,
        about: "manager of project app",
    },
    User {
        id: "gus",
        tenant: "globex",
        superuser: false,
        about: "member of organization globex",
    },
    User {
        id: "root",
        tenant: "acme",
        superuser: true,
        about: "superuser",
    },
];

/// 2026-01-01T00:00:00Z: when acme's subscription started.
const PLAN_START: i64 = 1_767_225_600;

async fn seed(store: &MemoryStore) -> Result<(), access_core::StoreError> {
    use EntityType::*;
    let r = Resource::new;
    store.add_resource(r(Organization, "acme"), &[]).await?;
    store.add_resource(r(Organization, "globex"), &[]).await?;
    store
        .add_resource(r(Workspace, "design"), &[r(Organization, "acme")])
        .await?;
    store
        .add_resource(r(Workspace, "engineering"), &[r(Organization, "acme")])
        .await?;
    store
        .add_resource(r(Workspace, "ops"), &[r(Organization, "globex")])
        .await?;
    store
        .add_resource(r(Project, "website"), &[r(Workspace, "design")])
        .await?;
    store
        .add_resource(r(Project, "app"), &[r(Workspace, "engineering")])
        .await?;
    store
        .add_resource(r(Project, "api"), &[r(Workspace, "engineering")])
        .await?;
    store
        .add_resource(r(Project, "infra"), &[r(Workspace, "ops")])
        .await?;
    store
        .add_resource(r(Folder, "assets"), &[r(Workspace, "design")])
        .await?;
    store
        .add_resource(r(Folder, "logos"), &[r(Folder, "assets")])
        .await?;

    store
        .assign(
            "olga",
            r(Organization, "acme"),
            OrganizationRole::Owner.index(),
        )
        .await?;
    store
        .assign(
            "ada",
            r(Organization, "acme"),
            OrganizationRole::Admin.index(),
        )
        .await?;
    store
        .assign("wes", r(Workspace, "design"), WorkspaceRole::Editor.index())
        .await?;
    store
        .assign("vic", r(Project, "website"), ProjectRole::Viewer.index())
        .await?;
    store
        .assign("mia", r(Project, "app"), ProjectRole::Manager.index())
        .await?;
    store
        .assign(
            "gus",
            r(Organization, "globex"),
            OrganizationRole::Member.index(),
        )
        .await?;

    let main = 0; // the only plan group, `main`
    store
        .set_base_plan("acme", main, Subscription::new(Plan::Pro, PLAN_START))
        .await?;
    store
        .add_add_on("acme", Subscription::new(Plan::AiBoost, PLAN_START))
        .await?;
    store.set_flag("acme", Flag::BetaAi.into(), true).await?;
    // globex stays on the default plan (free) with every flag off.
    Ok(())
}

fn principal(id: &str) -> Option<Principal> {
    let u = USERS.iter().find(|u| u.id == id)?;
    Some(Principal::new(u.id).tenant(u.tenant).superuser(u.superuser))
}

async fn explain(
    store: &MemoryStore,
    user: &str,
    entitlement: Entitlement,
    ty: EntityType,
    id: &str,
) -> Result<bool, String> {
    let p = principal(user).ok_or_else(|| {
        let known: Vec<&str> = USERS.iter().map(|u| u.id).collect();
        format!(
            "unknown user `{user}`, expected one of {}",
            known.join(", ")
        )
    })?;
    let ctx = AccessContext::new(&Access, store, p);
    let d = ctx
        .check(entitlement, Resource::new(ty, id))
        .await
        .map_err(|e| e.to_string())?;
    let verdict = if d.allowed { "ALLOW" } else { "DENY " };
    println!("{verdict} {user} {entitlement} on {ty}:{id}");
    if let Some(g) = &d.grant {
        println!("      via {g}");
    }
    for r in &d.reasons {
        println!("      {}: {}", r.kind, r.message);
    }
    for l in &d.limits {
        match (l.max, l.remaining) {
            (Some(max), Some(left)) => {
                println!(
                    "      limit {}: {} of {max} used, {left} left",
                    l.limit, l.used
                )
            }
            _ => println!("      limit {}: unlimited on this plan", l.limit),
        }
    }
    Ok(d.allowed)
}

fn parse_resource(s: &str) -> Result<(EntityType, &str), String> {
    let (ty, id) = s
        .split_once(':')
        .ok_or_else(|| format!("expected <type>:<id>, got `{s}`"))?;
    let ty: EntityType = ty
        .parse()
        .map_err(|e: access_core::UnknownName| e.to_string())?;
    if id.is_empty() {
        return Err(format!("missing id in `{s}`"));
    }
    Ok((ty, id))
}

fn usage() -> String {
    "usage: saas [serve | tour | mermaid | check <user> <entitlement> <type>:<id>]".to_owned()
}

#[tokio::main]
async fn main() -> ExitCode {
    let store = MemoryStore::new();
    if let Err(e) = seed(&store).await {
        eprintln!("error: seeding failed: {e}");
        return ExitCode::FAILURE;
    }
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        [] | ["serve"] => match server::serve().await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        },
        ["tour"] => {
            println!("```mermaid\n{}```\n", access_core::mermaid(Access.data()));
            println!("Seeded users:");
            for u in USERS {
                println!("  {:5} ({}) {}", u.id, u.tenant, u.about);
            }
            println!("\nDecisions:");
            use EntityType::*;
            let tour: [(&str, Entitlement, EntityType, &str); 8] = [
                ("olga", Entitlement::ProjectDelete, Project, "app"),
                ("wes", Entitlement::ProjectRead, Project, "website"),
                ("wes", Entitlement::ProjectDelete, Project, "website"),
                ("vic", Entitlement::ExportPdf, Project, "website"),
                ("mia", Entitlement::AiGenerate, Project, "app"),
                ("gus", Entitlement::AiGenerate, Project, "infra"),
                ("wes", Entitlement::FolderRead, Folder, "logos"),
                ("root", Entitlement::MembersInvite, Organization, "globex"),
            ];
            for (user, ent, ty, id) in tour {
                if let Err(e) = explain(&store, user, ent, ty, id).await {
                    eprintln!("error: {e}");
                    return ExitCode::FAILURE;
                }
            }
            println!("\nAsk your own: cargo run -p saas -- check <user> <entitlement> <type>:<id>");
            ExitCode::SUCCESS
        }
        ["mermaid"] => {
            print!("{}", access_core::mermaid(Access.data()));
            ExitCode::SUCCESS
        }
        ["check", user, entitlement, resource] => {
            let run = async {
                let ent: Entitlement = entitlement
                    .parse()
                    .map_err(|e: access_core::UnknownName| e.to_string())?;
                let (ty, id) = parse_resource(resource)?;
                explain(&store, user, ent, ty, id).await
            };
            match run.await {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::from(1),
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        _ => {
            eprintln!("{}", usage());
            ExitCode::from(2)
        }
    }
}
