//! The saas example: a multi-tenant model (organizations → workspaces → projects, plans,
//! flags, limits), served over HTTP or explored from the command line.
//!
//! ```text
//! cargo run -p saas                                   # the HTTP server (same as `serve`)
//! cargo run -p saas -- serve                          # 127.0.0.1:$PORT (3000), see server.rs
//! SAAS_DEMO_IDP=1 cargo run -p saas                  # with a demo identity provider ("Sign in with Demo IdP")
//! cargo run -p saas -- tour                           # diagram + a tour of decisions
//! cargo run -p saas -- check olga project:delete project:app   # exit 0 allowed, 1 denied
//! cargo run -p saas -- mermaid                        # only the diagram
//! cargo run -p saas -- create-superuser EMAIL         # password: $SAAS_SUPERUSER_PASSWORD or stdin
//! ```
//!
//! `tour`, `check` and `mermaid` use an in-memory store seeded here; the server keeps its data
//! in a database (see `server.rs`). `create-superuser` makes a superuser in the server's
//! database (`DATABASE_URL`, else the SQLite file `serve` uses), or makes the account with that
//! email one (its password unchanged); it reads the password from `SAAS_SUPERUSER_PASSWORD`,
//! else from the first line of stdin, never from the command line, and never prints it.

use std::process::ExitCode;

use access_core::{
    AccessContext, AccessModel, MemoryStore, Principal, Question, Resource, StoreResult,
    Subscription,
};

mod server;

use saas::model;

use model::{
    Access, Entitlement, EntityType, Flag, OrganizationRole, Plan, ProjectRole, WorkspaceRole,
    resource,
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

fn seed(store: &MemoryStore) -> StoreResult<()> {
    use resource::{Folder, Organization, Project, Workspace};
    let store = store.ready();
    let (acme, globex) = (Organization::id("acme"), Organization::id("globex"));
    let (design, engineering, ops) = (
        Workspace::id("design"),
        Workspace::id("engineering"),
        Workspace::id("ops"),
    );
    let (website, app) = (Project::id("website"), Project::id("app"));
    let assets = Folder::id("assets");
    store.add_root(acme)?;
    store.add_root(globex)?;
    store.add_child(design, acme)?;
    store.add_child(engineering, acme)?;
    store.add_child(ops, globex)?;
    store.add_child(website, design)?;
    store.add_child(app, engineering)?;
    store.add_child(Project::id("api"), engineering)?;
    store.add_child(Project::id("infra"), ops)?;
    store.add_child(assets, design)?;
    store.add_child(Folder::id("logos"), assets)?;

    store.grant_role("olga", acme, OrganizationRole::Owner)?;
    store.grant_role("ada", acme, OrganizationRole::Admin)?;
    store.grant_role("wes", design, WorkspaceRole::Editor)?;
    store.grant_role("vic", website, ProjectRole::Viewer)?;
    store.grant_role("mia", app, ProjectRole::Manager)?;
    store.grant_role("gus", globex, OrganizationRole::Member)?;

    let main = 0; // the only plan group, `main`
    store.set_base_plan("acme", main, Subscription::new(Plan::Pro, PLAN_START))?;
    store.add_add_on("acme", Subscription::new(Plan::AiBoost, PLAN_START))?;
    store.set_flag("acme", Flag::BetaAi.into(), true)?;
    // globex stays on the default plan (free) with every flag off.
    Ok(())
}

fn principal(id: &str) -> Option<Principal> {
    let u = USERS.iter().find(|u| u.id == id)?;
    Some(Principal::new(u.id).tenant(u.tenant).superuser(u.superuser))
}

/// Asks one question for `user` and prints the decision: typed (`entitlement::ProjectDelete`
/// with the project's id) in the tour, by value (`Entitlement` with a `Resource`) for `check`,
/// whose entitlement and resource type come from the command line.
fn explain<'r, E, R>(
    store: &MemoryStore,
    user: &str,
    entitlement: E,
    resource: R,
) -> Result<bool, String>
where
    (E, R): Question<'r, Access>,
{
    let p = principal(user).ok_or_else(|| {
        let known: Vec<&str> = USERS.iter().map(|u| u.id).collect();
        format!(
            "unknown user `{user}`, expected one of {}",
            known.join(", ")
        )
    })?;
    // The names, for the printout: the question's entitlement index and resource.
    let question = (entitlement, resource);
    let (index, on) = question.parts();
    let ctx = AccessContext::new(&Access, store, p);
    let d = ctx
        .ready()
        .check(question.0, question.1)
        .map_err(|e| e.to_string())?;
    let data = Access.data();
    let name = &data.entitlements[usize::from(index.0)].name;
    let ty = &data.entities[usize::from(on.ty.0)].name;
    let verdict = if d.allowed { "ALLOW" } else { "DENY " };
    println!("{verdict} {user} {name} on {ty}:{}", on.id);
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
    "usage: saas [serve | tour | mermaid | check <user> <entitlement> <type>:<id> | create-superuser <email>]"
        .to_owned()
}

#[tokio::main]
async fn main() -> ExitCode {
    let store = MemoryStore::new();
    if let Err(e) = seed(&store) {
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
        ["create-superuser", email] => match server::create_superuser(email).await {
            Ok(said) => {
                println!("{said}");
                ExitCode::SUCCESS
            }
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
            let tour = || -> Result<(), String> {
                use model::entitlement::*;
                explain(&store, "olga", ProjectDelete, "app")?;
                explain(&store, "wes", ProjectRead, "website")?;
                explain(&store, "wes", ProjectDelete, "website")?;
                explain(&store, "vic", ExportPdf, "website")?;
                explain(&store, "mia", AiGenerate, "app")?;
                explain(&store, "gus", AiGenerate, "infra")?;
                explain(&store, "wes", FolderRead, "logos")?;
                explain(&store, "root", MembersInvite, "globex")?;
                Ok(())
            };
            if let Err(e) = tour() {
                eprintln!("error: {e}");
                return ExitCode::FAILURE;
            }
            println!("\nAsk your own: cargo run -p saas -- check <user> <entitlement> <type>:<id>");
            ExitCode::SUCCESS
        }
        ["mermaid"] => {
            print!("{}", access_core::mermaid(Access.data()));
            ExitCode::SUCCESS
        }
        ["check", user, entitlement, resource] => {
            let run = || {
                let ent: Entitlement = entitlement
                    .parse()
                    .map_err(|e: access_core::UnknownName| e.to_string())?;
                // The entity type is read from the command line: the question is by value.
                let (ty, id) = parse_resource(resource)?;
                explain(&store, user, ent, Resource::new(ty, id))
            };
            match run() {
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
