//! The saas app under concurrent load, on SQLite (a WAL file) and PostgreSQL: N clients, each a
//! user of its own, mix creates, updates of their own rows, deletes, lists and reads of
//! documents and projects (a project also joins and leaves the hierarchy in its row's
//! transaction), logins, token refreshes, organizations created, invitations sent (each a unit
//! of the free plan's 5 a month: 403 `limit_reached` after), tenant switches, profile changes,
//! step-ups with recovery codes (every fourth client has TOTP on, and its logins answer a
//! challenge; 5 tries per account, 429 after), sign-ins with the demo provider started (the
//! mock provider on loopback; 302) and callbacks with an unknown state (400), and a few
//! requests refused alone too (a missing row: 404, a malformed project id: 422). The run must end with no 5xx, no status other than the one
//! the same request gets alone, and every acknowledged write in the database afterwards, row by
//! row: created rows with their last acknowledged values, deleted rows gone (projects from the
//! hierarchy too), no row nobody was told about, each organization with its one owner and as
//! many invitations as were acknowledged, the last acknowledged display name.
//!
//! Sizes (`SAAS_LOAD`): unset, the CI size (64 clients × 8 requests, then 256 × 3, per
//! database); `full`, 64 × 100 then 256 × 40 (`SAAS_LOAD=full cargo test --release -p saas
//! --test load -- --nocapture`); or `CxR,CxR..`. Each phase has a hard time limit. Logins use
//! the harness's cheap argon2 (`TEST_ARGON2`: 256 KiB, one pass, one lane). PostgreSQL needs
//! `ACCESS_TEST_POSTGRES_URL` and is skipped, saying so, without it.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use access_core::sea::SeaStore;
use access_core::{TypedClosure as _, TypedRoles as _};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde_json::{Value, json};

#[path = "common/harness.rs"]
mod harness;
#[path = "common/keepalive.rs"]
mod keepalive;

use harness::{Session, TestDb};
use keepalive::Conn;
use saas::model::{OrganizationRole, WorkspaceRole, resource};
use saas::schema::{document, project};

/// Tenants the clients are spread over (each with an organization and a workspace the
/// tenant's clients administer): lists see other clients' rows, writes touch only one's own.
const TENANTS: usize = 8;

/// One phase: `clients` at once, `requests` each.
#[derive(Clone, Copy, Debug)]
struct Phase {
    clients: usize,
    requests: usize,
}

/// The phases `SAAS_LOAD` asks for.
fn phases() -> Vec<Phase> {
    let spec = std::env::var("SAAS_LOAD").unwrap_or_default();
    let spec = match spec.as_str() {
        "" => "64x8,256x3",
        "full" => "64x100,256x40",
        s => s,
    };
    spec.split(',')
        .map(|p| {
            let (c, r) = p
                .trim()
                .split_once('x')
                .unwrap_or_else(|| panic!("SAAS_LOAD: `{p}` is not CLIENTSxREQUESTS"));
            let n = |v: &str| -> usize {
                v.parse()
                    .ok()
                    .filter(|n| (1..=4096).contains(n))
                    .unwrap_or_else(|| panic!("SAAS_LOAD: `{v}` is not a count in 1..=4096"))
            };
            Phase {
                clients: n(c),
                requests: n(r),
            }
        })
        .collect()
}

/// The time limit of a phase: generous for a debug build on two cores (the CI size takes
/// about 5 s a phase there), still bounded. Clients send nothing new past it; the phase is
/// abandoned 45 s later (a request's own timeout is 40 s).
fn limit(p: Phase) -> Duration {
    Duration::from_secs(45 + (p.clients * p.requests / 50) as u64)
}

/// One at a time: the two databases' tests would otherwise share the two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn logs() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_sqlite() {
    logs();
    let _one = ONE_AT_A_TIME.lock().await;
    let mut failed = Vec::new();
    for p in phases() {
        let db = TestDb::sqlite("load").await;
        failed.extend(run(db, p).await);
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_postgres() {
    logs();
    let _one = ONE_AT_A_TIME.lock().await;
    let mut failed = Vec::new();
    for p in phases() {
        let Some(db) = TestDb::postgres("load").await else {
            return;
        };
        failed.extend(run(db, p).await);
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

/// What one client does, and what the same request answers alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    CreateDoc,
    UpdateDoc,
    DeleteDoc,
    ListDocs,
    ReadDoc,
    CreateProject,
    UpdateProject,
    DeleteProject,
    ListProjects,
    ReadProject,
    Login,
    Refresh,
    /// `GET /documents/{id}` of no row: 404.
    Missing,
    /// `POST /projects` with a malformed id: 422.
    Malformed,
    /// `POST /orgs`: an organization of the client's, the client its owner.
    CreateOrg,
    /// `POST /orgs/{id}/invitations` to one of the client's organizations: a unit of the free
    /// plan's 5 a month, 403 `limit_reached` after.
    Invite,
    /// `GET /orgs`.
    ListOrgs,
    /// `PATCH /auth/me {"name"}`.
    PatchMe,
    /// `POST /auth/tenant` to the client's tenant: new tokens.
    Switch,
    /// `POST /auth/mfa/step-up` with the next recovery code: new tokens for a client with TOTP
    /// (401 `wrong_code` without); 429 after the account's 5 tries in 15 minutes.
    StepUp,
    /// `GET /auth/mfa`: the client's factors.
    MfaStatus,
    /// `GET /auth/oauth/demo`: a sign-in with the demo provider starts (its flow stored): 302.
    ProviderStart,
    /// `GET /auth/oauth/demo/callback` with a `state` no flow has: 400 `invalid_state` (the
    /// take of the flow is a write all the same).
    ProviderCallback,
}

/// Per 100 requests.
const MIX: &[(Op, u32)] = &[
    (Op::CreateDoc, 12),
    (Op::UpdateDoc, 12),
    (Op::DeleteDoc, 6),
    (Op::ListDocs, 7),
    (Op::ReadDoc, 4),
    (Op::CreateProject, 8),
    (Op::UpdateProject, 8),
    (Op::DeleteProject, 4),
    (Op::ListProjects, 6),
    (Op::ReadProject, 3),
    (Op::Login, 4),
    (Op::Refresh, 5),
    (Op::Missing, 2),
    (Op::Malformed, 2),
    (Op::CreateOrg, 2),
    (Op::Invite, 4),
    (Op::ListOrgs, 2),
    (Op::PatchMe, 2),
    (Op::Switch, 2),
    (Op::StepUp, 2),
    (Op::MfaStatus, 1),
    (Op::ProviderStart, 1),
    (Op::ProviderCallback, 1),
];

/// Every how many clients one has TOTP (enrolled at setup; its logins answer a challenge).
const MFA_EVERY: usize = 4;

/// Second-factor tries an account has in 15 minutes.
const MFA_TRIES: u32 = 5;

/// Invitations an organization on the free plan sends a month (the model's
/// `invites: "members:invite" per month max 5`).
const FREE_INVITES: u32 = 5;

/// A small deterministic generator (xorshift64*), one per client.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn op(&mut self) -> Op {
        let mut r = (self.next() % 100) as u32;
        for &(op, w) in MIX {
            if r < w {
                return op;
            }
            r -= w;
        }
        Op::ListDocs
    }
    fn pick<T: Clone>(&mut self, xs: &[T]) -> Option<T> {
        (!xs.is_empty()).then(|| xs[(self.next() % xs.len() as u64) as usize].clone())
    }
}

/// One client's user and what it was told.
struct Client {
    k: usize,
    email: String,
    tenant: String,
    workspace: String,
    session: Session,
    /// Document id → its last acknowledged title, `None` once its delete was acknowledged.
    docs: BTreeMap<i64, Option<String>>,
    /// Project id → its last acknowledged name, `None` once deleted.
    projects: BTreeMap<String, Option<String>>,
    /// Rows whose last write was not acknowledged (their state is unknown).
    unsure: BTreeSet<String>,
    /// A create was not acknowledged: a row nobody was told about may exist.
    unsure_create: bool,
    /// The client's organizations → invitations acknowledged there; `None` when one was not
    /// acknowledged (its count is unknown).
    orgs: BTreeMap<String, Option<u32>>,
    /// The last display name acknowledged (`Some(None)`: unknown, a change went unanswered).
    name: Option<Option<String>>,
    /// Recovery codes not used yet (a client with TOTP; empty without).
    recovery: Vec<String>,
    /// Whether the client has TOTP on.
    mfa: bool,
    /// Second-factor tries so far (`None` once one went unanswered: the count is unknown).
    mfa_tries: Option<u32>,
    /// Recovery codes acknowledged as used.
    recovery_used: usize,
}

/// What went wrong, by kind.
#[derive(Default)]
struct Tally {
    requests: usize,
    by_op: BTreeMap<String, usize>,
    server_errors: Vec<String>,
    unexpected: Vec<String>,
    transport: Vec<String>,
    bad_bodies: Vec<String>,
}

impl Tally {
    fn merge(&mut self, o: Tally) {
        self.requests += o.requests;
        for (k, v) in o.by_op {
            *self.by_op.entry(k).or_default() += v;
        }
        self.server_errors.extend(o.server_errors);
        self.unexpected.extend(o.unexpected);
        self.transport.extend(o.transport);
        self.bad_bodies.extend(o.bad_bodies);
    }
}

/// One phase on a fresh database: what went wrong, if anything (every phase runs, so the
/// report has them all).
async fn run(tdb: TestDb, phase: Phase) -> Option<String> {
    let backend = tdb.backend;
    let db = tdb.db.clone();
    let server = harness::serve(db.clone(), tdb.store_db.clone()).await;
    let setup = Instant::now();
    let clients = setup_clients(&server.stores, &db, server.port, phase.clients).await;
    let setup = setup.elapsed();

    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients.len());
    for c in clients {
        let port = server.port;
        tasks.push(tokio::spawn(drive(
            c,
            port,
            phase.requests,
            started + limit(phase),
        )));
    }
    let joined = tokio::time::timeout(limit(phase) + Duration::from_secs(45), async {
        let mut out = Vec::with_capacity(tasks.len());
        for t in tasks {
            out.push(t.await.expect("a client task panicked"));
        }
        out
    })
    .await;
    let Ok(done) = joined else {
        drop(server);
        tdb.drop_db().await;
        return Some(format!(
            "{backend} {}x{}: not finished within {:?}",
            phase.clients,
            phase.requests,
            limit(phase) + Duration::from_secs(45)
        ));
    };
    let elapsed = started.elapsed();
    let mut tally = Tally::default();
    let mut clients = Vec::with_capacity(done.len());
    for (c, t) in done {
        tally.merge(t);
        clients.push(c);
    }
    let (lost, checked) = verify(&db, &clients).await;
    eprintln!(
        "load {backend} {}x{}: {} requests in {:.2?} ({:.0}/s; setup {:.2?}), {checked} rows \
         checked; 5xx {}, unexpected status {}, transport errors or unfinished {}, bad bodies {}, lost writes {}; \
         by op {:?}",
        phase.clients,
        phase.requests,
        tally.requests,
        elapsed,
        tally.requests as f64 / elapsed.as_secs_f64(),
        setup,
        tally.server_errors.len(),
        tally.unexpected.len(),
        tally.transport.len(),
        tally.bad_bodies.len(),
        lost.len(),
        tally.by_op,
    );
    let sample = |v: &[String]| v.iter().take(8).cloned().collect::<Vec<_>>().join("\n  ");
    let failed = !(tally.server_errors.is_empty()
        && tally.unexpected.is_empty()
        && tally.transport.is_empty()
        && tally.bad_bodies.is_empty()
        && lost.is_empty());
    drop(server);
    tdb.drop_db().await;
    if checked == 0 {
        return Some(format!("{backend}: the run wrote no rows to check"));
    }
    failed.then(|| {
        format!(
        "{backend} {}x{}:\n 5xx:\n  {}\n unexpected status:\n  {}\n transport or unfinished:\n  {}\n bad \
         bodies:\n  {}\n lost writes:\n  {}",
        phase.clients,
        phase.requests,
        sample(&tally.server_errors),
        sample(&tally.unexpected),
        sample(&tally.transport),
        sample(&tally.bad_bodies),
        sample(&lost),
    )
    })
}

/// The tenants' organizations and workspaces, and one user per client: global role `admin`
/// in its tenant (documents: create own, update own, delete), a guest of its organization and
/// admin of its tenant's workspace
/// (projects: create, update, delete), signed in.
async fn setup_clients(
    stores: &SeaStore,
    db: &DatabaseConnection,
    port: u16,
    n: usize,
) -> Vec<Client> {
    for t in 0..TENANTS {
        let (org, ws) = (format!("lt{t}"), format!("lw{t}"));
        let org = resource::Organization::id(&org);
        stores.add_root(org).await.expect("an organization");
        stores
            .add_child(resource::Workspace::id(&ws), org)
            .await
            .expect("a workspace");
    }
    let mut conn = Conn::new(port);
    let mut clients = Vec::with_capacity(n);
    for k in 0..n {
        let (tenant, workspace) = (format!("lt{}", k % TENANTS), format!("lw{}", k % TENANTS));
        let email = format!("c{k}@load.test");
        let id = harness::register(&mut conn, db, &email, &tenant, "admin").await;
        stores
            .grant_role(
                &id.to_string(),
                resource::Workspace::id(&workspace),
                WorkspaceRole::Admin,
            )
            .await
            .expect("a workspace role");
        // A guest of its organization: in its tenant (membership is a role on it).
        stores
            .grant_role(
                &id.to_string(),
                resource::Organization::id(&tenant),
                OrganizationRole::Guest,
            )
            .await
            .expect("a guest of the tenant");
        let r = harness::login(&mut conn, &email).await.expect("log in");
        assert_eq!(r.status, 200, "log in {email}: {}", r.body);
        let session = harness::session(id, &r.body).expect("tokens");
        let (mfa, recovery) = if k % MFA_EVERY == 0 {
            (true, enrol_totp(&mut conn, &session.access).await)
        } else {
            (false, Vec::new())
        };
        clients.push(Client {
            k,
            email,
            tenant,
            workspace,
            session,
            docs: BTreeMap::new(),
            projects: BTreeMap::new(),
            unsure: BTreeSet::new(),
            unsure_create: false,
            orgs: BTreeMap::new(),
            name: None,
            recovery,
            mfa,
            // The enrolment's confirmation was the first try.
            mfa_tries: Some(u32::from(mfa)),
            recovery_used: 0,
        });
    }
    clients
}

/// Turns TOTP on for the signed-in client (`token`): its ten recovery codes.
async fn enrol_totp(conn: &mut Conn, token: &str) -> Vec<String> {
    let body = json!({ "password": harness::PASSWORD });
    let r = conn
        .send("POST", "/auth/mfa/totp", Some(token), Some(&body))
        .await
        .expect("enrol");
    assert_eq!(r.status, 200, "enrol: {}", r.body);
    let secret = totp_rs::Secret::try_from_base32(r.body["secret"].as_str().expect("secret"))
        .expect("base32");
    let totp = totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .expect("totp");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs();
    let code = json!({ "code": totp.generate(now).to_string() });
    let r = conn
        .send("POST", "/auth/mfa/totp/confirm", Some(token), Some(&code))
        .await
        .expect("confirm");
    assert_eq!(r.status, 200, "confirm: {}", r.body);
    r.body["recovery_codes"]
        .as_array()
        .expect("recovery codes")
        .iter()
        .map(|c| c.as_str().expect("a code").to_owned())
        .collect()
}

fn live<K: Clone>(m: &BTreeMap<K, Option<String>>) -> Vec<K> {
    m.iter()
        .filter(|(_, v)| v.is_some())
        .map(|(k, _)| k.clone())
        .collect()
}

/// Runs one client's requests, one at a time on one kept-alive connection.
async fn drive(mut c: Client, port: u16, requests: usize, until: Instant) -> (Client, Tally) {
    let mut rng = Rng((c.k as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut conn = Conn::new(port);
    let mut t = Tally::default();
    for i in 0..requests {
        if Instant::now() > until {
            t.transport.push(format!(
                "client {}: stopped at request {i} of {requests}: the phase's time limit",
                c.k
            ));
            break;
        }
        let mut op = rng.op();
        let (doc, proj) = (rng.pick(&live(&c.docs)), rng.pick(&live(&c.projects)));
        let known: Vec<String> = c
            .orgs
            .iter()
            .filter(|(_, n)| n.is_some())
            .map(|(o, _)| o.clone())
            .collect();
        let org = rng.pick(&known);
        op = match op {
            Op::Invite if org.is_none() => Op::CreateOrg,
            Op::StepUp if c.mfa_tries.is_none() => Op::MfaStatus,
            Op::UpdateDoc | Op::DeleteDoc | Op::ReadDoc if doc.is_none() => Op::CreateDoc,
            Op::UpdateProject | Op::DeleteProject | Op::ReadProject if proj.is_none() => {
                Op::CreateProject
            }
            o => o,
        };
        let token = c.session.access.clone();
        let auth = Some(token.as_str());
        let text = format!("c{}-r{i}", c.k);
        let (method, path, body, expect): (&str, String, Option<Value>, u16) = match op {
            Op::CreateDoc => (
                "POST",
                "/documents".into(),
                Some(json!({ "tenant": c.tenant, "owner_id": c.session.user_id,
                             "title": text, "published": false, "notes": "n" })),
                201,
            ),
            Op::UpdateDoc => (
                "PATCH",
                format!("/documents/{}", doc.unwrap_or_default()),
                Some(json!({ "title": text })),
                200,
            ),
            Op::DeleteDoc => (
                "DELETE",
                format!("/documents/{}", doc.unwrap_or_default()),
                None,
                204,
            ),
            Op::ListDocs => ("GET", "/documents?per_page=20".into(), None, 200),
            Op::ReadDoc => (
                "GET",
                format!("/documents/{}", doc.unwrap_or_default()),
                None,
                200,
            ),
            Op::CreateProject => (
                "POST",
                "/projects".into(),
                Some(json!({ "id": text, "workspace": c.workspace, "name": text })),
                201,
            ),
            Op::UpdateProject => (
                "PATCH",
                format!("/projects/{}", proj.clone().unwrap_or_default()),
                Some(json!({ "name": text })),
                200,
            ),
            Op::DeleteProject => (
                "DELETE",
                format!("/projects/{}", proj.clone().unwrap_or_default()),
                None,
                204,
            ),
            Op::ListProjects => ("GET", "/projects?per_page=20".into(), None, 200),
            Op::ReadProject => (
                "GET",
                format!("/projects/{}", proj.clone().unwrap_or_default()),
                None,
                200,
            ),
            Op::Login => (
                "POST",
                "/auth/login".into(),
                Some(json!({ "identifier": c.email, "password": harness::PASSWORD })),
                200,
            ),
            Op::Refresh => (
                "POST",
                "/auth/refresh".into(),
                Some(json!({ "refresh_token": c.session.refresh })),
                200,
            ),
            Op::Missing => ("GET", "/documents/999999999".into(), None, 404),
            Op::CreateOrg => (
                "POST",
                "/orgs".into(),
                Some(json!({ "id": text, "name": text })),
                201,
            ),
            Op::Invite => {
                let sent = org
                    .as_ref()
                    .and_then(|o| c.orgs.get(o).copied().flatten())
                    .unwrap_or_default();
                (
                    "POST",
                    format!("/orgs/{}/invitations", org.clone().unwrap_or_default()),
                    Some(json!({ "email": format!("{text}@invited.test"), "role": "member" })),
                    if sent < FREE_INVITES { 201 } else { 403 },
                )
            }
            Op::ListOrgs => ("GET", "/orgs".into(), None, 200),
            Op::PatchMe => (
                "PATCH",
                "/auth/me".into(),
                Some(json!({ "name": text })),
                200,
            ),
            Op::Switch => (
                "POST",
                "/auth/tenant".into(),
                Some(json!({ "tenant": c.tenant })),
                200,
            ),
            Op::StepUp => {
                let code = c
                    .recovery
                    .last()
                    .cloned()
                    .unwrap_or_else(|| "0000-0000-0000-0000".into());
                let expect = match c.mfa_tries {
                    Some(n) if n >= MFA_TRIES => 429,
                    _ if c.mfa && !c.recovery.is_empty() => 200,
                    _ => 401,
                };
                (
                    "POST",
                    "/auth/mfa/step-up".into(),
                    Some(json!({ "recovery_code": code })),
                    expect,
                )
            }
            Op::MfaStatus => ("GET", "/auth/mfa".into(), None, 200),
            Op::ProviderStart => ("GET", "/auth/oauth/demo?redirect=/".into(), None, 302),
            Op::ProviderCallback => (
                "GET",
                format!("/auth/oauth/demo/callback?code=c&state={text}"),
                None,
                400,
            ),
            Op::Malformed => (
                "POST",
                "/projects".into(),
                Some(json!({ "id": "Not An Id", "workspace": c.workspace, "name": "x" })),
                422,
            ),
        };
        let auth = match op {
            Op::Login | Op::Refresh | Op::ProviderStart | Op::ProviderCallback => None,
            _ => auth,
        };
        t.requests += 1;
        *t.by_op.entry(format!("{op:?}")).or_default() += 1;
        let what = format!(
            "client {} {method} {path} {}",
            c.k,
            body.clone().unwrap_or_default()
        );
        let reply = match conn.send(method, &path, auth, body.as_ref()).await {
            Ok(r) => r,
            Err(e) => {
                t.transport.push(format!("{what}: {e}"));
                note_unsure(&mut c, op, doc, proj, org.as_deref());
                continue;
            }
        };
        if reply.status != expect {
            let line = format!("{what}: {} {} (alone: {expect})", reply.status, reply.body);
            if reply.status >= 500 {
                t.server_errors.push(line);
            } else {
                t.unexpected.push(line);
            }
            note_unsure(&mut c, op, doc, proj, org.as_deref());
            continue;
        }
        let b = &reply.body;
        let mut bad = |why: &str| t.bad_bodies.push(format!("{what}: {why}: {b}"));
        match op {
            Op::CreateDoc => match b["id"].as_i64() {
                Some(id) if b["title"] == text.as_str() => {
                    c.docs.insert(id, Some(text));
                }
                _ => {
                    c.unsure_create = true;
                    bad("no id or another title");
                }
            },
            Op::UpdateDoc => {
                if let Some(id) = doc {
                    c.docs.insert(id, Some(text.clone()));
                }
                if b["title"] != text.as_str() {
                    bad("another title");
                }
            }
            Op::DeleteDoc => {
                if let Some(id) = doc {
                    c.docs.insert(id, None);
                }
            }
            Op::CreateProject => {
                c.projects.insert(text.clone(), Some(text.clone()));
                if b["id"] != text.as_str() {
                    bad("another id");
                }
            }
            Op::UpdateProject => {
                if let Some(id) = proj {
                    c.projects.insert(id, Some(text.clone()));
                }
                if b["name"] != text.as_str() {
                    bad("another name");
                }
            }
            Op::DeleteProject => {
                if let Some(id) = proj {
                    c.projects.insert(id, None);
                }
            }
            Op::ListDocs | Op::ListProjects => {
                let items = b["items"].as_array();
                if items.is_none_or(|i| i.len() > 20) {
                    bad("not a page of at most 20");
                } else if op == Op::ListProjects
                    && items.is_some_and(|i| i.iter().any(|r| !r["__access"].is_object()))
                {
                    bad("a project without __access");
                }
            }
            Op::ReadDoc if b["id"].as_i64() != doc => bad("another row"),
            Op::ReadProject if b["id"].as_str() != proj.as_deref() => bad("another row"),
            // A client with TOTP is answered a challenge, no tokens: its session stays.
            Op::Login
                if c.mfa && (b["mfa_required"] != true || b.get("access_token").is_some()) =>
            {
                bad("not a challenge");
            }
            Op::Login if c.mfa => {}
            Op::Login | Op::Refresh | Op::Switch => match harness::session(c.session.user_id, b) {
                Some(s) => c.session = s,
                None => bad("no tokens"),
            },
            Op::StepUp => {
                c.mfa_tries = c.mfa_tries.map(|n| n + 1);
                if expect == 200 {
                    c.recovery.pop();
                    c.recovery_used += 1;
                    match harness::session(c.session.user_id, b) {
                        Some(s) => c.session = s,
                        None => bad("no tokens"),
                    }
                    if b["recovery_codes_left"] != 10 - c.recovery_used {
                        bad("another count of recovery codes left");
                    }
                }
            }
            Op::MfaStatus => {
                let left = if c.mfa { 10 - c.recovery_used } else { 0 };
                let known = c.mfa_tries.is_some();
                if b["totp"] != c.mfa || (known && b["recovery_codes_left"] != left) {
                    bad("other factors");
                }
            }
            Op::CreateOrg => {
                c.orgs.insert(text.clone(), Some(0));
                if b["id"] != text.as_str() || b["roles"] != json!(["owner"]) {
                    bad("another id, or not its owner");
                }
            }
            Op::Invite if expect == 201 => {
                if let Some(n) = org
                    .as_ref()
                    .and_then(|o| c.orgs.get_mut(o))
                    .and_then(|n| n.as_mut())
                {
                    *n += 1;
                }
                if b["org"].as_str() != org.as_deref() {
                    bad("another organization");
                }
            }
            Op::Invite if b["error"] != "limit_reached" => bad("not limit_reached"),
            Op::ListOrgs if !b["items"].is_array() => bad("no items"),
            Op::PatchMe => {
                c.name = Some(Some(text.clone()));
                if b["name"] != text.as_str() {
                    bad("another name");
                }
            }
            _ => {}
        }
    }
    (c, t)
}

/// The rows of `table` whose columns have the values of `wheres`.
async fn count(db: &DatabaseConnection, table: &str, wheres: &[(&str, &str)]) -> i64 {
    let mut q = Query::select();
    q.expr(Expr::col(Alias::new(wheres[0].0)).count())
        .from(Alias::new(table));
    for (col, value) in wheres {
        q.and_where(Expr::col(Alias::new(*col)).eq(*value));
    }
    db.query_one(&q)
        .await
        .expect("count")
        .and_then(|r| r.try_get_by_index::<i64>(0).ok())
        .unwrap_or(-1)
}

/// A write whose answer was not the acknowledgement: its row's state is unknown.
fn note_unsure(c: &mut Client, op: Op, doc: Option<i64>, proj: Option<String>, org: Option<&str>) {
    match op {
        Op::CreateDoc | Op::CreateProject | Op::CreateOrg => c.unsure_create = true,
        Op::Invite => {
            if let Some(n) = org.and_then(|o| c.orgs.get_mut(o)) {
                *n = None;
            }
        }
        Op::PatchMe => c.name = Some(None),
        Op::StepUp => c.mfa_tries = None,
        Op::UpdateDoc | Op::DeleteDoc => {
            if let Some(id) = doc {
                c.unsure.insert(format!("doc {id}"));
            }
        }
        Op::UpdateProject | Op::DeleteProject => {
            if let Some(id) = proj {
                c.unsure.insert(format!("project {id}"));
            }
        }
        _ => {}
    }
}

/// Each client's rows in the database against what it was told: the lost (or phantom) writes,
/// and how many rows were checked.
async fn verify(db: &DatabaseConnection, clients: &[Client]) -> (Vec<String>, usize) {
    let mut lost = Vec::new();
    let mut checked = 0;
    // Projects: rows, resources and their workspace, for every client at once.
    let rows: BTreeMap<String, String> = project::Entity::find()
        .all(db)
        .await
        .expect("read the projects")
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let text = |r: &sea_orm::QueryResult, c: &str| r.try_get::<String>("", c).unwrap_or_default();
    let q = Query::select()
        .column(Alias::new("id"))
        .from(Alias::new("access_resources"))
        .and_where(Expr::col(Alias::new("ty")).eq("project"))
        .to_owned();
    let resources: BTreeSet<String> = db
        .query_all(&q)
        .await
        .expect("read the resources")
        .iter()
        .map(|r| text(r, "id"))
        .collect();
    let q = Query::select()
        .columns([Alias::new("child_id"), Alias::new("parent_id")])
        .from(Alias::new("access_parents"))
        .and_where(Expr::col(Alias::new("child_ty")).eq("project"))
        .and_where(Expr::col(Alias::new("parent_ty")).eq("workspace"))
        .to_owned();
    let parents: BTreeMap<String, String> = db
        .query_all(&q)
        .await
        .expect("read the hierarchy")
        .iter()
        .map(|r| (text(r, "child_id"), text(r, "parent_id")))
        .collect();
    for c in clients {
        let unsure = |what: String| c.unsure.contains(&what);
        // Documents, by owner.
        let stored: BTreeMap<i64, String> = document::Entity::find()
            .filter(document::Column::OwnerId.eq(c.session.user_id))
            .all(db)
            .await
            .expect("read the documents")
            .into_iter()
            .map(|d| (d.id, d.title))
            .collect();
        for (id, told) in &c.docs {
            checked += 1;
            if unsure(format!("doc {id}")) {
                continue;
            }
            match (told, stored.get(id)) {
                (Some(t), Some(s)) if t == s => {}
                (None, None) => {}
                (t, s) => lost.push(format!(
                    "client {} document {id}: acknowledged {t:?}, stored {s:?}",
                    c.k
                )),
            }
        }
        if !c.unsure_create {
            for id in stored.keys().filter(|id| !c.docs.contains_key(id)) {
                lost.push(format!(
                    "client {} document {id}: stored, never acknowledged",
                    c.k
                ));
            }
        }
        // Projects, by id prefix.
        let prefix = format!("c{}-", c.k);
        for (id, told) in &c.projects {
            checked += 1;
            if unsure(format!("project {id}")) {
                continue;
            }
            let (row, placed) = (rows.get(id), parents.get(id));
            let ok = match told {
                Some(name) => {
                    row == Some(name) && resources.contains(id) && placed == Some(&c.workspace)
                }
                None => row.is_none() && !resources.contains(id) && placed.is_none(),
            };
            if !ok {
                lost.push(format!(
                    "client {} project {id}: acknowledged {told:?}; stored row {row:?}, \
                     resource {}, under {placed:?}",
                    c.k,
                    resources.contains(id)
                ));
            }
        }
        if !c.unsure_create {
            let extra = rows
                .keys()
                .chain(resources.iter())
                .filter(|id| id.starts_with(&prefix) && !c.projects.contains_key(*id))
                .collect::<BTreeSet<_>>();
            for id in extra {
                lost.push(format!(
                    "client {} project {id}: stored, never acknowledged",
                    c.k
                ));
            }
        }
        // Organizations: each acknowledged one stored, the client its only owner, as many
        // invitations pending there as were acknowledged; the display name last acknowledged.
        for (org, sent) in &c.orgs {
            checked += 1;
            let stored = count(db, "access_orgs", &[("id", org)]).await;
            let invited = count(db, "access_invitations", &[("org", org)]).await;
            let owners = count(
                db,
                "access_assignments",
                &[
                    ("res_ty", "organization"),
                    ("res_id", org),
                    ("role", "owner"),
                ],
            )
            .await;
            if stored != 1 || owners != 1 || sent.is_some_and(|n| i64::from(n) != invited) {
                lost.push(format!(
                    "client {} organization {org}: stored {stored}, owners {owners}, \
                     invitations {invited} (acknowledged {sent:?})",
                    c.k
                ));
            }
        }
        // Recovery codes: as many used as step-ups were acknowledged.
        if c.mfa && c.mfa_tries.is_some() {
            checked += 1;
            let q = Query::select()
                .expr(Expr::col(Alias::new("id")).count())
                .from(Alias::new("auth_recovery_codes"))
                .and_where(Expr::col(Alias::new("user_id")).eq(c.session.user_id))
                .and_where(Expr::col(Alias::new("used_at")).is_not_null())
                .to_owned();
            let used = db
                .query_one(&q)
                .await
                .expect("recovery codes")
                .and_then(|r| r.try_get_by_index::<i64>(0).ok())
                .unwrap_or(-1);
            if used != c.recovery_used as i64 {
                lost.push(format!(
                    "client {} recovery codes: {} step-ups acknowledged, {used} codes used",
                    c.k, c.recovery_used
                ));
            }
        }
        if let Some(Some(name)) = &c.name {
            checked += 1;
            let q = Query::select()
                .column(Alias::new("name"))
                .from(Alias::new("auth_profiles"))
                .and_where(Expr::col(Alias::new("user_id")).eq(c.session.user_id))
                .to_owned();
            let stored = db
                .query_one(&q)
                .await
                .expect("profile")
                .and_then(|r| r.try_get::<Option<String>>("", "name").ok().flatten());
            if stored.as_deref() != Some(name.as_str()) {
                lost.push(format!(
                    "client {} name: acknowledged {name}, stored {stored:?}",
                    c.k
                ));
            }
        }
    }
    (lost, checked)
}
