//! `cargo run -p saas` as a new user would run it: a fresh data directory, no secrets set (the
//! binary `cargo run -p saas` runs, as the test build compiled it). The
//! server must listen, print what it seeded and ready-to-paste `curl` commands, and each command,
//! run as printed in bash (with curl on the machine), must answer as its comment says. The page, the model diagram and
//! the JavaScript decoder are served; with `node` on the machine, the decoder reads the access
//! set out of a real token and agrees with the server.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::{get_text, http};

/// Another client, for the logins past the per-address limit of ten in five minutes (Linux
/// answers on all of 127.0.0.0/8).
const OTHER_CLIENT: [u8; 4] = [127, 0, 0, 2];

/// The server, killed with its children when the test ends.
struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        for pid in children_of(self.0.id()) {
            let _ = Command::new("kill")
                .args(["-KILL", &pid.to_string()])
                .status();
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The processes whose parent is `parent` (Linux's /proc; none elsewhere).
fn children_of(parent: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| {
        let pid: u32 = e.ok()?.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // pid (comm) state ppid ...: the command may hold spaces, so read after its `)`.
        let ppid: u32 = stat
            .rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()?;
        (ppid == parent).then_some(pid)
    })
    .collect()
}

/// What `cargo run -p saas` runs: the package's one binary, started in the workspace. The test
/// build has already compiled it (`CARGO_BIN_EXE_saas`); running `cargo run` here would build the
/// whole dependency tree a second time, with the features of `saas` alone instead of the
/// workspace's, for the same program.
fn cargo_run_saas() -> Command {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains("cargo run -p saas "),
        "the README's quick start runs the example with `cargo run -p saas`"
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_saas"));
    cmd.current_dir(root).stdin(Stdio::null());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_start_as_a_new_user() {
    let dir = std::env::temp_dir().join(format!(
        "saas-quick-start-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut spawned = cargo_run_saas()
        .env_remove("JWT_SECRET")
        .env_remove("MFA_KEY")
        .env_remove("WEBAUTHN_RP_ID")
        .env_remove("WEBAUTHN_ORIGIN")
        .env_remove("SAAS_MERMAID_JS")
        .env_remove("DATABASE_URL")
        .env("SAAS_DATA_DIR", &dir)
        .env("PORT", port.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = spawned.stdout.take().unwrap();
    let stderr = spawned.stderr.take().unwrap();
    let _guard = Child(spawned);
    let warnings = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let w = warnings.clone();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            w.lock().unwrap().push(line);
        }
    });
    // Read what it prints until the last line of its introduction.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // Seeding.
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut printed = Vec::new();
    while !printed
        .iter()
        .any(|l: &String| l.contains("/model for the model's diagram"))
    {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(l) => printed.push(l),
            Err(_) => panic!(
                "the server printed {printed:#?} and stopped; stderr: {:#?}",
                warnings.lock().unwrap()
            ),
        }
    }
    let text = printed.join("\n");
    assert!(
        text.contains(&format!("listening on http://127.0.0.1:{port}")),
        "{text}"
    );
    assert!(
        text.contains("vic@acme.test"),
        "the seeded users are listed: {text}"
    );
    assert!(text.contains("superuser"), "{text}");
    for needle in [
        "/auth/login",
        "/projects -H",
        "-X DELETE",
        "/export",
        "/me/access",
    ] {
        assert!(
            text.contains(needle),
            "a curl command with `{needle}` is printed: {text}"
        );
    }
    // A development secret was written, readable only by its owner, with a warning.
    let secret = dir.join("jwt-secret");
    assert!(secret.exists());
    let wanted = format!(
        "warning: JWT_SECRET is not set; generated a development secret in {} (debug builds only)",
        secret.display()
    );
    // Printed before the server listens; its reader thread may lag a little.
    let warned_by = Instant::now() + Duration::from_secs(5);
    while !warnings.lock().unwrap().iter().any(|l| l == &wanted) && Instant::now() < warned_by {
        std::thread::sleep(Duration::from_millis(50));
    }
    let warned = warnings.lock().unwrap().join("\n");
    assert!(
        warned.contains(&format!(
            "warning: JWT_SECRET is not set; generated a development secret in {} (debug builds only)",
            secret.display()
        )),
        "{warned}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&secret).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the secret file is private");
    }
    // MFA is on, with a development key made the same way (MFA_KEY is not set).
    let mfa_key = dir.join("mfa-key");
    assert_eq!(std::fs::read(&mfa_key).unwrap().len(), 64, "32 bytes, hex");
    let wanted = format!(
        "warning: MFA_KEY is not set; generated a development key in {} (debug builds only)",
        mfa_key.display()
    );
    let warned_by = Instant::now() + Duration::from_secs(5);
    while !warnings.lock().unwrap().iter().any(|l| l == &wanted) && Instant::now() < warned_by {
        std::thread::sleep(Duration::from_millis(50));
    }
    let warned = warnings.lock().unwrap().join("\n");
    assert!(warned.contains(&wanted), "{warned}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&mfa_key).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the key file is private");
    }
    assert!(text.contains("MFA is on"), "{text}");

    // The printed commands, pasted into a shell as they are (with curl on the machine).
    if Command::new("curl").arg("--version").output().is_ok() {
        run_printed_commands(&text);
    } else {
        eprintln!("quick_start: curl not found, the printed commands are not run as printed");
    }

    // Their equivalents, and what the page's buttons rely on.
    let (s, login) = http(
        port,
        "POST",
        "/auth/login",
        None,
        Some(json!({ "identifier": "vic@acme.test", "password": "correct horse battery staple" })),
    )
    .await
    .unwrap();
    assert_eq!(s, 200, "{login}");
    let mut token = login["access_token"].as_str().unwrap().to_owned();
    if login["user"]["tenant"] != "acme" {
        // The printed commands switched her to initech, where her next login starts: back to
        // acme, as a user would with the switcher.
        let (s, back) = http(
            port,
            "POST",
            "/auth/tenant",
            Some(&token),
            Some(json!({ "tenant": "acme" })),
        )
        .await
        .unwrap();
        assert_eq!(s, 200, "{back}");
        token = back["access_token"].as_str().unwrap().to_owned();
    }
    let (s, list) = http(port, "GET", "/projects", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(s, 200, "{list}");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "vic sees the one project she views: {list}");
    assert_eq!(items[0]["id"], "website");
    assert_eq!(items[0]["workspace"], "design");
    assert_eq!(
        items[0]["__access"],
        json!({ "project:delete": false, "export:pdf": true, "ai:generate": false, "update": false })
    );
    let (s, b) = http(port, "DELETE", "/projects/website", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(s, 403, "the delete is denied");
    assert_eq!(
        b["reasons"][0]["kind"], "hierarchy_denied",
        "with its reasons: {b}"
    );
    let (s, _) = http(port, "POST", "/projects/website/export", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(s, 200, "export is in acme's pro plan");
    let (s, me) = http(port, "GET", "/me/access", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(s, 200);
    assert!(me["access"].as_str().unwrap().starts_with("a1."));

    // Projects through the CRUD routes: wes (editor of design) creates one there, not in
    // engineering; it joins the hierarchy (olga, owner of acme, may delete it), and leaves it
    // when deleted.
    let wes = login_as(port, "wes@acme.test").await;
    let brochure = json!({ "id": "brochure", "workspace": "design", "name": "Brochure" });
    let (s, b) = http(port, "POST", "/projects", Some(&wes), Some(brochure))
        .await
        .unwrap();
    assert_eq!(s, 201, "{b}");
    let elsewhere = json!({ "id": "x", "workspace": "engineering", "name": "X" });
    let (s, b) = http(port, "POST", "/projects", Some(&wes), Some(elsewhere))
        .await
        .unwrap();
    assert_eq!(s, 403, "{b}");
    let (s, b) = http(
        port,
        "PATCH",
        "/projects/brochure",
        Some(&wes),
        Some(json!({ "workspace": "engineering" })),
    )
    .await
    .unwrap();
    assert_eq!((s, b["fields"].clone()), (403, json!(["workspace"])), "{b}");
    let olga = login_as(port, "olga@acme.test").await;
    let (s, b) = http(port, "GET", "/projects/brochure", Some(&olga), None)
        .await
        .unwrap();
    assert_eq!(
        (s, b["__access"]["project:delete"].clone()),
        (200, json!(true)),
        "{b}"
    );
    let (s, _) = http(port, "DELETE", "/projects/brochure", Some(&olga), None)
        .await
        .unwrap();
    assert_eq!(s, 204);
    let (s, _) = http(port, "GET", "/projects/brochure", Some(&olga), None)
        .await
        .unwrap();
    assert_eq!(s, 404);
    // Each seeded role shows: mel (member of acme) sees both workspaces of acme, creates in
    // neither; abe (admin of engineering) creates there; val (viewer of design) reads its
    // projects; cal (contributor to app) may generate there but not delete.
    let mel = login_from(OTHER_CLIENT, port, "mel@acme.test").await;
    let (_, w) = http(port, "GET", "/workspaces", Some(&mel), None)
        .await
        .unwrap();
    assert_eq!(strings(&w, "id"), ["design", "engineering"], "{w}");
    assert!(
        w["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["__access"]["project:create"] == false)
    );
    let abe = login_from(OTHER_CLIENT, port, "abe@acme.test").await;
    let (_, w) = http(port, "GET", "/workspaces", Some(&abe), None)
        .await
        .unwrap();
    assert_eq!(
        w["items"],
        json!([{ "id": "engineering", "organization": "acme", "__access": { "project:create": true } }])
    );
    let val = login_from(OTHER_CLIENT, port, "val@acme.test").await;
    let (_, list) = http(port, "GET", "/projects", Some(&val), None)
        .await
        .unwrap();
    assert_eq!(strings(&list, "id"), ["website"], "{list}");
    let cal = login_from(OTHER_CLIENT, port, "cal@acme.test").await;
    let (_, app) = http(port, "GET", "/projects/app", Some(&cal), None)
        .await
        .unwrap();
    assert_eq!(
        app["__access"],
        json!({ "project:delete": false, "export:pdf": true, "ai:generate": true, "update": true })
    );
    // Folders: fay owns brand, fin views it, val views it through workspace design; vic (a
    // project's viewer) does not.
    let fay = login_from(OTHER_CLIENT, port, "fay@acme.test").await;
    let fin = login_from(OTHER_CLIENT, port, "fin@acme.test").await;
    for (who, t, status) in [
        ("fay", &fay, 200),
        ("fin", &fin, 200),
        ("val", &val, 200),
        ("vic", &token, 403),
    ] {
        let (s, b) = http(port, "GET", "/folders/brand", Some(t), None)
            .await
            .unwrap();
        assert_eq!(s, status, "{who}: {b}");
        if status == 200 {
            assert_eq!(b["folder"], "brand");
        } else {
            assert_eq!(b["reasons"][0]["kind"], "hierarchy_denied", "{b}");
        }
    }

    // The CRUD routes: acme's documents and everyone's published ones; `notes` hidden from a
    // user without the admin or editor role.
    let (s, docs) = http(port, "GET", "/documents?sort=title", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(s, 200, "{docs}");
    let titles = strings(&docs, "title");
    assert_eq!(titles, ["Changelog", "Roadmap", "Style guide"]);
    assert!(docs["items"][0].get("notes").is_none(), "{docs}");
    assert!(text.contains("/documents"), "{text}");

    // A member writes documents in her tenant as herself, not elsewhere or as someone else.
    let vic_id = login["user"]["id"]
        .as_i64()
        .expect("the login answer names the user");
    let doc = json!({ "tenant": "acme", "owner_id": vic_id, "title": "Notes", "published": false, "notes": "" });
    let (s, b) = http(port, "POST", "/documents", Some(&token), Some(doc.clone()))
        .await
        .unwrap();
    assert_eq!(s, 201, "{b}");
    for (field, value) in [("tenant", json!("globex")), ("owner_id", json!(vic_id + 1))] {
        let mut other = doc.clone();
        other[field] = value;
        let (s, b) = http(port, "POST", "/documents", Some(&token), Some(other))
            .await
            .unwrap();
        assert_eq!(
            (s, b["reasons"][0]["kind"].clone()),
            (403, json!("row_rule_failed")),
            "{field}: {b}"
        );
    }

    // Products: the tenant's only, with field rules by global role.
    let (s, products) = http(port, "GET", "/products?sort=name", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(s, 200, "{products}");
    let names = strings(&products, "name");
    assert_eq!(
        names,
        ["Gadget", "Widget"],
        "acme's products only: {products}"
    );
    let first = &products["items"][0];
    assert!(
        first.get("cost_cents").is_none() && first.get("supplier").is_none(),
        "vic has neither role: {products}"
    );
    assert!(text.contains("/products"), "{text}");
    let widget = json!({ "tenant": "acme", "name": "Bolt", "price_cents": 10, "cost_cents": 4, "supplier": "x@bolts.test" });
    let (s, b) = http(
        port,
        "POST",
        "/products",
        Some(&token),
        Some(widget.clone()),
    )
    .await
    .unwrap();
    assert_eq!(
        (s, b["reasons"][0]["kind"].clone()),
        (403, json!("role_required")),
        "{b}"
    );
    // wes (global editor) reads the supplier, not the cost; may not set the cost.
    let (s, products) = http(port, "GET", "/products?sort=name", Some(&wes), None)
        .await
        .unwrap();
    assert_eq!(s, 200, "{products}");
    assert!(
        products["items"][0].get("supplier").is_some()
            && products["items"][0].get("cost_cents").is_none(),
        "{products}"
    );
    let (s, b) = http(port, "POST", "/products", Some(&wes), Some(widget.clone()))
        .await
        .unwrap();
    assert_eq!(s, 403, "the cost is written by admins only: {b}");
    // ada (global admin) creates in her tenant, not in another one, and cannot move a row out.
    let ada = login_as(port, "ada@acme.test").await;
    let (s, created) = http(port, "POST", "/products", Some(&ada), Some(widget.clone()))
        .await
        .unwrap();
    assert_eq!(s, 201, "{created}");
    assert_eq!(created["cost_cents"], 4, "admins read the cost: {created}");
    let mut elsewhere = widget.clone();
    elsewhere["tenant"] = json!("globex");
    let (s, b) = http(port, "POST", "/products", Some(&ada), Some(elsewhere))
        .await
        .unwrap();
    assert_eq!(
        (s, b["reasons"][0]["kind"].clone()),
        (403, json!("row_rule_failed")),
        "{b}"
    );
    let id = created["id"].as_i64().unwrap();
    let (s, b) = http(
        port,
        "PATCH",
        &format!("/products/{id}"),
        Some(&ada),
        Some(json!({ "tenant": "globex" })),
    )
    .await
    .unwrap();
    assert_eq!(
        (s, b["reasons"][0]["kind"].clone()),
        (403, json!("row_rule_failed")),
        "{b}"
    );
    let gil = login_as(port, "gil@globex.test").await;
    let (s, globex) = http(port, "GET", "/products", Some(&gil), None)
        .await
        .unwrap();
    assert_eq!(s, 200);
    let names = strings(&globex, "name");
    assert_eq!(
        names,
        ["Sprocket"],
        "nothing of acme's reached globex: {globex}"
    );

    // The page, the model, the decoder.
    let (s, page) = get_text(port, "/").await;
    assert_eq!(s, 200);
    assert!(page.contains("<form id=\"login\">") && page.contains("/auth/access.js"));
    let (s, model) = get_text(port, "/model").await;
    assert_eq!(s, 200);
    assert!(model.contains("class=\"mermaid\""), "{model}");
    // Without a local copy, the page's mermaid.js comes from the CDN (pinned release).
    let (s, _) = http(port, "GET", "/model/mermaid.js", None, None)
        .await
        .unwrap();
    assert_eq!(s, 307);
    assert!(model.contains("src=\"/model/mermaid.js\""), "{model}");
    let (s, mmd) = get_text(port, "/model.mmd").await;
    assert_eq!(s, 200);
    assert!(mmd.starts_with("flowchart LR\n"), "{mmd}");
    let (s, js) = get_text(port, "/auth/access.js").await;
    assert_eq!(s, 200);
    assert!(
        js.contains("\"project:delete\""),
        "the model's names are built in"
    );

    // The decoder in JavaScript agrees with the server on a real token.
    if Command::new("node").arg("--version").output().is_ok() {
        let js_path = dir.join("access.js");
        std::fs::write(&js_path, &js).unwrap();
        let script = format!(
            "const A = require({path:?}); const a = A.fromToken({token:?}); \
             const bare = 'x.' + Buffer.from(JSON.stringify({{sub: '1'}})).toString('base64url') + '.y'; \
             let thrown = ''; try {{ A.fromToken(bare); }} catch (e) {{ thrown = e.message; }} \
             console.log(JSON.stringify({{allowed: a.allowed(), del: a.check('project:delete'), read: a.can('project:read'), \
             inToken: A.inToken({token:?}), bare: A.inToken(bare), thrown}}));",
            path = js_path.display().to_string()
        );
        let out = Command::new("node").arg("-e").arg(script).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["allowed"], me["allowed"], "JS decoder vs server");
        assert_eq!(v["del"], "role_required");
        assert_eq!(v["read"], true);
        assert_eq!(v["inToken"], true);
        assert_eq!(v["bare"], false, "a token the server left the claim out of");
        assert!(
            v["thrown"].as_str().unwrap().contains("GET /me/access"),
            "{v}"
        );
    } else {
        // CI (`.ci/run` sets ACCESS_CI) installs node: there the check may not skip.
        assert!(
            std::env::var_os("ACCESS_CI").is_none(),
            "quick_start: node not found, and ACCESS_CI requires the JavaScript decoder check"
        );
        eprintln!("quick_start: node not found, the JavaScript decoder check is skipped");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs every printed command in `bash` as a user would paste it (the `TOKEN=…` line first),
/// and checks each answer. Every printed `curl` command must have its check here.
fn run_printed_commands(text: &str) {
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let login = lines
        .iter()
        .find(|l| l.starts_with("TOKEN=$(curl"))
        .expect("a login command is printed");
    let curl_home = std::env::temp_dir().join(format!("saas-curl-{}", std::process::id()));
    std::fs::create_dir_all(&curl_home).unwrap();
    std::fs::write(curl_home.join(".curlrc"), "max-time = 30\n").unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(format!("{login}\nprintf %s \"$TOKEN\""))
        .env("CURL_HOME", &curl_home)
        .output()
        .unwrap();
    let token = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        token.split('.').count(),
        3,
        "the login command yields a token: {token}"
    );
    type Check = fn(&Value);
    let checks: Vec<(&str, Check)> = vec![
        ("curl -s http://127.0.0.1:PORT/workspaces ", |b| {
            assert_eq!(
                b["items"],
                json!([{ "id": "design", "organization": "acme", "__access": { "project:create": false } }])
            );
        }),
        ("curl -s http://127.0.0.1:PORT/projects ", |b| {
            assert_eq!(strings(b, "id"), ["website"]);
            assert_eq!(b["items"][0]["__access"]["project:delete"], false);
            assert_eq!(b["items"][0]["__access"]["export:pdf"], true);
        }),
        ("curl -s http://127.0.0.1:PORT/projects/website ", |b| {
            assert_eq!(
                (b["id"].as_str(), b["name"].as_str()),
                (Some("website"), Some("Website"))
            );
        }),
        (
            "curl -s -X DELETE http://127.0.0.1:PORT/projects/website ",
            |b| {
                assert_eq!(b["error"], "forbidden");
                assert_eq!(b["reasons"][0]["kind"], "hierarchy_denied");
                let why = b["reasons"][0]["message"].as_str().unwrap();
                assert!(why.contains("needs the role `manager`"), "{why}");
            },
        ),
        ("curl -s -X POST http://127.0.0.1:PORT/projects ", |b| {
            assert_eq!(b["error"], "forbidden");
            assert_eq!(b["reasons"][0]["kind"], "dynamic_check_failed");
        }),
        (
            "curl -s -X POST http://127.0.0.1:PORT/projects/website/export ",
            |b| {
                assert_eq!(b, &json!({ "exported": "website", "format": "pdf" }));
            },
        ),
        ("curl -s http://127.0.0.1:PORT/me/access ", |b| {
            assert!(b["access"].as_str().unwrap().starts_with("a1."));
            assert_eq!(b["allowed"], json!(["project:read", "export:pdf"]));
        }),
        ("curl -s -X POST http://127.0.0.1:PORT/orgs ", |b| {
            assert_eq!(
                b,
                &json!({ "id": "initech", "name": "Initech", "roles": ["owner"] })
            );
        }),
        ("curl -s -X POST http://127.0.0.1:PORT/auth/tenant ", |b| {
            use base64::Engine as _;
            let token = b["access_token"].as_str().expect("an access token");
            let payload = token.split('.').nth(1).unwrap();
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap();
            let claims: Value = serde_json::from_slice(&bytes).unwrap();
            assert_eq!(claims["tenant"], "initech", "{claims}");
        }),
        (
            "curl -s -X POST http://127.0.0.1:PORT/orgs/initech/invitations ",
            |b| {
                assert_eq!(
                    (b["org"].as_str(), b["email"].as_str(), b["role"].as_str()),
                    (Some("initech"), Some("sam@example.com"), Some("member")),
                    "{b}"
                );
                assert!(b.get("token").is_none(), "the token is only mailed: {b}");
            },
        ),
        ("curl -s http://127.0.0.1:PORT/orgs ", |b| {
            let items = b["items"].as_array().unwrap();
            assert!(
                items.contains(&json!({ "id": "initech", "name": "Initech", "roles": ["owner"] })),
                "{b}"
            );
        }),
        (
            "curl -s 'http://127.0.0.1:PORT/documents?sort=title' ",
            |b| {
                assert_eq!(strings(b, "title"), ["Changelog", "Roadmap", "Style guide"]);
            },
        ),
        ("curl -s 'http://127.0.0.1:PORT/products?sort=name' ", |b| {
            assert_eq!(strings(b, "name"), ["Gadget", "Widget"]);
            assert!(b["items"][0].get("cost_cents").is_none());
        }),
        ("curl -s http://127.0.0.1:PORT/auth/mfa ", |b| {
            assert_eq!(b, &json!({ "totp": false, "recovery_codes_left": 0 }));
        }),
    ];
    let commands: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| l.starts_with("curl "))
        .collect();
    assert_eq!(
        commands.len(),
        checks.len(),
        "every printed command has a check: {commands:#?}"
    );
    // Every check is used by exactly one command (curl, configured above, gives up on a
    // stalled server and reads no ~/.curlrc of the user's).
    let mut used = std::collections::BTreeSet::new();
    for cmd in commands {
        let shape = cmd
            .split("127.0.0.1:")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part.to_owned()
                } else {
                    format!(
                        "127.0.0.1:PORT{}",
                        part.trim_start_matches(|c: char| c.is_ascii_digit())
                    )
                }
            })
            .collect::<String>();
        let matching: Vec<usize> = (0..checks.len())
            .filter(|&i| shape.starts_with(checks[i].0))
            .collect();
        assert_eq!(matching.len(), 1, "one check for `{cmd}`");
        assert!(
            used.insert(matching[0]),
            "two commands share the check of `{cmd}`"
        );
        let out = Command::new("bash")
            .arg("-c")
            .arg(cmd)
            .env("TOKEN", &token)
            .env("CURL_HOME", &curl_home)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "`{cmd}` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let body: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!("`{cmd}` answered {}", String::from_utf8_lossy(&out.stdout))
        });
        (checks[matching[0]].1)(&body);
    }
}

/// Signs in as a seeded user; the access token.
async fn login_as(port: u16, email: &str) -> String {
    login_from([127, 0, 0, 1], port, email).await
}

/// Signs in as a seeded user from a client address (logins are rate-limited per address: ten
/// in five minutes).
async fn login_from(from: [u8; 4], port: u16, email: &str) -> String {
    let (s, login) = common::http_from(
        from,
        port,
        "POST",
        "/auth/login",
        None,
        Some(json!({ "identifier": email, "password": "correct horse battery staple" })),
    )
    .await
    .unwrap();
    assert_eq!(s, 200, "{login}");
    login["access_token"].as_str().unwrap().to_owned()
}

/// The `field` of every item of a list answer.
fn strings<'a>(list: &'a Value, field: &str) -> Vec<&'a str> {
    list["items"]
        .as_array()
        .expect("a list answer")
        .iter()
        .map(|i| i[field].as_str().expect("a string field"))
        .collect()
}
