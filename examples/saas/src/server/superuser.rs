//! `saas create-superuser EMAIL`: a superuser in the server's database, through the
//! server-side API ([`access_axum::api::Api::create_superuser`]).
//!
//! ```text
//! SAAS_SUPERUSER_PASSWORD='…' cargo run -p saas -- create-superuser ops@example.com
//! printf '%s\n' "$PASSWORD" | cargo run -p saas -- create-superuser ops@example.com
//! ```
//!
//! The password comes from `SAAS_SUPERUSER_PASSWORD`, else from the first line of stdin; never
//! from the command line (where `ps` and shell histories show it), and it is never printed. An
//! existing account with the address is made a superuser and keeps its password.

use std::io::{BufRead, IsTerminal as _};

use access_axum::AuthConfig;
use access_axum::api::Superuser;
use sea_orm::DatabaseConnection;

/// The environment variable holding the password.
const PASSWORD_VAR: &str = "SAAS_SUPERUSER_PASSWORD";

/// The password: `env` (the variable's value) when set, else the first line of `stdin`
/// without its line ending. Empty: refused.
fn password_from(env: Option<String>, stdin: &mut impl BufRead) -> Result<String, String> {
    let password = match env {
        Some(p) => p,
        None => {
            let mut line = String::new();
            stdin
                .read_line(&mut line)
                .map_err(|e| format!("reading the password from stdin: {e}"))?;
            line.trim_end_matches(['\n', '\r']).to_owned()
        }
    };
    if password.is_empty() {
        return Err(format!(
            "no password: set {PASSWORD_VAR} or write it on stdin (one line)"
        ));
    }
    Ok(password)
}

/// Makes `email` a superuser in the database of `db` (migrated first, as the server does):
/// the line saying what happened, which never holds the password.
async fn create_in(
    db: DatabaseConnection,
    store_db: DatabaseConnection,
    config: AuthConfig,
    email: &str,
    password: &str,
) -> Result<String, String> {
    let app = super::build(db, store_db, config, super::port()?, None, None).await?;
    let done = app
        .state()
        .api()
        .create_superuser(email, password)
        .await
        .map_err(|e| format!("{email}: {} ({})", e.message, e.code))?;
    let u = done.user();
    let email = u.email.as_deref().unwrap_or(email);
    Ok(match done {
        Superuser::Created(_) => format!("created superuser {email} (user {})", u.id),
        Superuser::Promoted(_) => format!(
            "made {email} (user {}) a superuser; its password is unchanged",
            u.id
        ),
        Superuser::Already(_) => format!(
            "{email} (user {}) is a superuser already; nothing changed",
            u.id
        ),
    })
}

/// `saas create-superuser EMAIL`: the database of `serve` (`DATABASE_URL` or the SQLite file
/// in the data directory), the password from [`PASSWORD_VAR`] or stdin; prints what happened.
///
/// ```text
/// $ SAAS_SUPERUSER_PASSWORD='…' cargo run -p saas -- create-superuser ops@example.com
/// created superuser ops@example.com (user 15)
/// $ cargo run -p saas -- create-superuser ada@acme.test < password.txt
/// made ada@acme.test (user 2) a superuser; its password is unchanged
/// ```
pub async fn create_superuser(email: &str) -> Result<String, String> {
    super::init_logs("warn");
    let env = std::env::var(PASSWORD_VAR).ok();
    let stdin = std::io::stdin();
    if env.is_none() && stdin.is_terminal() {
        eprint!("password for {email} (shown as typed; or set {PASSWORD_VAR}): ");
    }
    let password = password_from(env, &mut stdin.lock())?;
    let (db, store_db, _) = super::connect().await?;
    create_in(db, store_db, super::auth_config()?, email, &password).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use access_axum::JwtKeys;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    const PASSWORD: &str = "an operator's long password";

    fn config() -> AuthConfig {
        AuthConfig::builder()
            .keys(
                JwtKeys::hmac(
                    jsonwebtoken::Algorithm::HS256,
                    b"saas-superuser-test-secret-0123456789",
                )
                .unwrap(),
            )
            .argon2(access_axum::config::Argon2Params {
                m_cost: 256,
                t_cost: 1,
                p_cost: 1,
            })
            .build()
            .unwrap()
    }

    /// One request over a real connection: the status and the JSON body.
    async fn http(
        port: u16,
        method: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let body = body.to_string();
        let req = format!(
            "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut raw = String::new();
        s.read_to_string(&mut raw).await.unwrap();
        let status = raw[9..12].parse().unwrap();
        let json = raw.split_once("\r\n\r\n").map_or("", |(_, b)| b);
        (status, serde_json::from_str(json).unwrap_or_default())
    }

    #[test]
    fn the_password_comes_from_the_variable_else_from_one_line_of_stdin() {
        let mut none = std::io::Cursor::new("");
        assert_eq!(
            password_from(Some("from env".into()), &mut none).unwrap(),
            "from env"
        );
        let mut typed = std::io::Cursor::new("typed in\r\nsecond line\n");
        assert_eq!(password_from(None, &mut typed).unwrap(), "typed in");
        let err = password_from(None, &mut none).unwrap_err();
        assert!(err.contains(PASSWORD_VAR), "{err}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn create_superuser_then_log_in_over_http() {
        let dir = std::env::temp_dir().join(format!("saas-superuser-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("saas.db").display());
        let mut stdin = std::io::Cursor::new("");
        let password = password_from(Some(PASSWORD.to_owned()), &mut stdin).unwrap();

        let (db, store_db, _) = super::super::connect_to(url.clone()).await.unwrap();
        let said = create_in(db, store_db, config(), "Ops@Example.test", &password)
            .await
            .unwrap();
        assert!(
            said.starts_with("created superuser ops@example.test (user "),
            "{said}"
        );
        assert!(!said.contains(PASSWORD), "the password is never printed");
        // Again: nothing changes; a weak password is refused.
        let (db, store_db, _) = super::super::connect_to(url.clone()).await.unwrap();
        let again = create_in(db, store_db, config(), "ops@example.test", &password)
            .await
            .unwrap();
        assert!(again.contains("superuser already"), "{again}");
        let (db, store_db, _) = super::super::connect_to(url.clone()).await.unwrap();
        let weak = create_in(db, store_db, config(), "new@example.test", "short")
            .await
            .unwrap_err();
        assert!(
            weak.contains("weak_password") && !weak.contains("short"),
            "{weak}"
        );

        // The server over the same file: the superuser logs in.
        let (db, store_db, _) = super::super::connect_to(url).await.unwrap();
        let app = super::super::build(db, store_db, config(), 0, None, None)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app.into_make_service()).await;
        });
        let login = serde_json::json!({ "identifier": "ops@example.test", "password": PASSWORD });
        let (status, body) = http(port, "POST", "/auth/login", &login).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["user"]["superuser"], true, "{body}");
        assert_eq!(body["user"]["email_verified"], true, "{body}");
        let wrong = serde_json::json!({ "identifier": "ops@example.test", "password": "short" });
        assert_eq!(http(port, "POST", "/auth/login", &wrong).await.0, 401);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
