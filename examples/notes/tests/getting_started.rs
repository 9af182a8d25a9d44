//! docs/getting-started.md's application, built and served as the guide shows it: the guide's
//! code blocks are this package's files, the server runs on SQLite with only `JWT_SECRET` set,
//! and a client registers, logs in, creates a note and lists notes through HTTP on loopback.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

#[path = "../../saas/tests/common/mod.rs"]
mod common;
use common::http;

/// The server, killed when the test ends.
struct Server(std::process::Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A directory of the test's own, removed when dropped (also when the test fails).
struct TempDir(std::path::PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl std::ops::Deref for TempDir {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

fn temp_dir(name: &str) -> TempDir {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    TempDir(dir)
}

fn notes(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_notes"));
    cmd.current_dir(dir)
        .env_remove("JWT_SECRET")
        .env_remove("JWT_PRIVATE_KEY")
        .env_remove("JWT_PUBLIC_KEY")
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/notes.db?mode=rwc", dir.display()),
        )
        .env("ADDR", "127.0.0.1:0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

#[test]
fn the_guide_shows_this_packages_code() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let guide = std::fs::read_to_string(root.join("../../docs/getting-started.md")).unwrap();
    for file in ["src/model.rs", "src/note.rs", "src/main.rs"] {
        let code = std::fs::read_to_string(root.join(file)).unwrap();
        assert!(
            guide.contains(&code),
            "docs/getting-started.md shows {file} as it is"
        );
    }
    let main = std::fs::read_to_string(root.join("src/main.rs")).unwrap();
    let server = main
        .lines()
        .skip_while(|l| !l.starts_with("#[tokio::main]"))
        .count();
    assert!(server <= 25, "the server is {server} lines");
}

#[test]
fn without_a_secret_it_says_what_to_set() {
    let dir = temp_dir("notes-no-secret");
    let out = notes(&dir).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("JWT_SECRET"), "{stderr}");
}

#[tokio::test]
async fn register_login_create_list() {
    let dir = temp_dir("notes-guide");
    let mut child = notes(&dir)
        .env("JWT_SECRET", "getting-started-test-secret-0123456789abcdef")
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _server = Server(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the server prints where it listens");
    let port: u16 = line
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));

    let ada = json!({ "email": "ada@example.com", "password": "correct horse battery" });
    let (status, body) = http(port, "POST", "/auth/register", None, Some(ada.clone()))
        .await
        .unwrap();
    assert_eq!(status, 201, "{body}");
    let (status, body) = http(port, "POST", "/auth/login", None, Some(ada))
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let token = body["access_token"].as_str().unwrap().to_owned();
    let id = body["user"]["id"].as_i64().unwrap();

    let note = json!({ "author": id, "body": "first note" });
    let (status, created) = http(port, "POST", "/notes", Some(&token), Some(note))
        .await
        .unwrap();
    assert_eq!(status, 201, "{created}");
    // A field only admins may set: 403, nothing written.
    let note = json!({ "author": id, "body": "x", "moderation_note": "mine" });
    let (status, body) = http(port, "POST", "/notes", Some(&token), Some(note))
        .await
        .unwrap();
    assert_eq!(
        (status, body["error"].as_str()),
        (403, Some("forbidden_field")),
        "{body}"
    );
    assert_eq!(body["fields"], json!(["moderation_note"]));

    let (status, list) = http(port, "GET", "/notes", Some(&token), None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{list}");
    let rows = list["items"].as_array().unwrap_or_else(|| panic!("{list}"));
    assert_eq!(rows.len(), 1, "{list}");
    assert_eq!(rows[0]["body"], "first note");
    assert!(rows[0].get("moderation_note").is_none(), "{list}");

    // Another user sees none of ada's notes, and cannot write one in her name.
    let bob = json!({ "email": "bob@example.com", "password": "correct horse battery" });
    let (_, body) = http(port, "POST", "/auth/register", None, Some(bob))
        .await
        .unwrap();
    let bob_token = body["access_token"].as_str().unwrap().to_owned();
    let (status, list) = http(port, "GET", "/notes", Some(&bob_token), None)
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");
    let forged = json!({ "author": id, "body": "in ada's name" });
    let (status, _) = http(port, "POST", "/notes", Some(&bob_token), Some(forged))
        .await
        .unwrap();
    assert_eq!(status, 403);
    // Without credentials the rule matches no row: an empty page.
    let (status, list) = http(port, "GET", "/notes", None, None).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(0), "{list}");
    drop(_server);
}
