//! Two `saas` server processes on different loopback ports share one PostgreSQL database: a
//! session revoked through one is refused by the other at the next refresh, a role granted
//! through one is honoured by the other at the next request, and 400 consuming requests spread
//! over both against a limit of 100 give exactly 100 successes.
//!
//! Needs `ACCESS_TEST_POSTGRES_URL` (`.ci/run` sets it); skipped without it.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

mod common;
use common::http;

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn start(db_url: &str, data: &std::path::Path) -> Server {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_saas"))
        .env("DATABASE_URL", db_url)
        .env("PORT", port.to_string())
        .env("JWT_SECRET", "multi-instance-test-secret-0123456789abcdef")
        .env("SAAS_DATA_DIR", data)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the saas server");
    let server = Server { child, port };
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if let Ok((200, _)) = http(port, "GET", "/health", None, None).await {
            return server;
        }
        assert!(Instant::now() < deadline, "the server did not come up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn login(port: u16, email: &str) -> (String, String, i64) {
    let (s, b) = http(
        port,
        "POST",
        "/auth/login",
        None,
        Some(json!({ "identifier": email, "password": "correct horse battery staple" })),
    )
    .await
    .unwrap();
    assert_eq!(s, 200, "{b}");
    (
        b["access_token"].as_str().unwrap().to_owned(),
        b["refresh_token"].as_str().unwrap().to_owned(),
        b["user"]["id"].as_i64().unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_one_postgres() {
    let Ok(url) = std::env::var("ACCESS_TEST_POSTGRES_URL") else {
        eprintln!("multi_instance: skipped, set ACCESS_TEST_POSTGRES_URL");
        return;
    };
    // A fresh database for this run.
    use sea_orm::ConnectionTrait;
    let name = format!(
        "saas_multi_{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    let admin = sea_orm::Database::connect(url.clone()).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let db_url = match url.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{name}"),
        None => panic!("ACCESS_TEST_POSTGRES_URL has no database name"),
    };
    let data = std::env::temp_dir().join(&name);
    // The first instance seeds; the second starts on the seeded database.
    let a = start(&db_url, &data).await;
    let b = start(&db_url, &data).await;

    // A session revoked through A is refused by B at the next refresh.
    let (access, refresh, _) = login(a.port, "vic@acme.test").await;
    let (s, body) = http(
        b.port,
        "POST",
        "/auth/refresh",
        None,
        Some(json!({ "refresh_token": refresh })),
    )
    .await
    .unwrap();
    assert_eq!(s, 200, "refresh works on the other instance: {body}");
    let refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let (s, _) = http(a.port, "POST", "/auth/logout", Some(&access), None)
        .await
        .unwrap();
    assert_eq!(s, 200);
    let (s, _) = http(
        b.port,
        "POST",
        "/auth/refresh",
        None,
        Some(json!({ "refresh_token": refresh })),
    )
    .await
    .unwrap();
    assert_eq!(s, 401, "revoked through A, refused by B");

    // A role granted through A is honoured by B at the next request.
    let (nora, _, nora_id) = login(b.port, "nora@acme.test").await;
    let (olga, _, _) = login(a.port, "olga@acme.test").await;
    let (s, _) = http(b.port, "GET", "/projects/website", Some(&nora), None)
        .await
        .unwrap();
    assert_eq!(s, 403);
    let (s, body) = http(
        a.port,
        "PUT",
        &format!("/admin/assignments/project/website/viewer/{nora_id}"),
        Some(&olga),
        None,
    )
    .await
    .unwrap();
    assert_eq!(s, 204, "{body}");
    let (s, _) = http(b.port, "GET", "/projects/website", Some(&nora), None)
        .await
        .unwrap();
    assert_eq!(s, 200, "granted through A, honoured by B");

    // 400 consuming requests over both instances against globex's limit of 100.
    let (gil, _, _) = login(a.port, "gil@globex.test").await;
    let mut tasks = Vec::new();
    for i in 0..400 {
        let port = if i % 2 == 0 { a.port } else { b.port };
        let gil = gil.clone();
        tasks.push(tokio::spawn(async move {
            http(port, "POST", "/projects/infra/ai", Some(&gil), None).await
        }));
        if i % 16 == 15 {
            tokio::task::yield_now().await;
        }
    }
    let (mut ok, mut limited) = (0, 0);
    for t in tasks {
        let (s, body) = t.await.unwrap().unwrap();
        match s {
            200 => ok += 1,
            403 if body["reasons"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| x["kind"] == "limit_reached")) =>
            {
                limited += 1
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((ok, limited), (100, 300));
    drop((a, b));
    let _ = std::fs::remove_dir_all(&data);
    let _ = admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await;
}
