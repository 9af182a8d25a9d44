//! The example's page in headless Chromium, driven through the W3C WebDriver protocol
//! (`chromedriver`, Debian's `chromium-driver`): three users sign in, each sees the buttons their
//! access allows enabled (from the token's access set and each row's `__access`), one creates a
//! project, and a forbidden action shows the server's reasons; an owner invites a user of
//! another organization, who accepts on the page, switches to it, and sees the buttons of the
//! new access set. A second test, on `http://localhost` (passkeys are bound to a domain, never
//! to an IP address), covers MFA: an admin enrols an authenticator app on the page (the test
//! reads the key shown and computes the codes), sees her recovery codes once, registers a
//! passkey with WebDriver's virtual authenticator, deletes a product (which asks for a step-up),
//! signs out, signs in with the second step, and signs in with her passkey. A third, with the
//! demo identity provider on (`SAAS_DEMO_IDP=1`), signs in through it ("Sign in with Demo IdP":
//! the mock provider consents at once and the server's callback sends the browser back with the
//! token cookies), enrols an authenticator app, and signs in through the provider again, which
//! now asks for the second step on the page. Screenshots go to
//! `target/browser-screenshots/`. Skipped when `chromedriver` is not installed (`.ci/run`
//! installs it).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

mod common;
use common::http;

struct Proc(std::process::Child);
impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find(names: &[&str]) -> Option<String> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for n in names {
            let p = dir.join(n);
            if p.is_file() {
                return Some(p.display().to_string());
            }
        }
    }
    None
}

/// A WebDriver session.
struct Driver {
    port: u16,
    session: String,
}

impl Driver {
    async fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("/session/{}{path}", self.session);
        let (s, v) = http(self.port, method, &url, None, body).await.unwrap();
        assert_eq!(s, 200, "{method} {url}: {v}");
        v["value"].clone()
    }
    async fn element(&self, css: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let url = format!("/session/{}/element", self.session);
            let (s, v) = http(
                self.port,
                "POST",
                &url,
                None,
                Some(json!({ "using": "css selector", "value": css })),
            )
            .await
            .unwrap();
            if s == 200 {
                let obj = v["value"].as_object().unwrap();
                return obj.values().next().unwrap().as_str().unwrap().to_owned();
            }
            assert!(Instant::now() < deadline, "no element `{css}`: {v}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    async fn enabled(&self, css: &str) -> bool {
        let e = self.element(css).await;
        self.cmd("GET", &format!("/element/{e}/enabled"), None)
            .await
            .as_bool()
            .unwrap()
    }
    async fn click(&self, css: &str) {
        let e = self.element(css).await;
        self.cmd("POST", &format!("/element/{e}/click"), Some(json!({})))
            .await;
    }
    async fn text(&self, css: &str) -> String {
        let e = self.element(css).await;
        self.cmd("GET", &format!("/element/{e}/text"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
    async fn fill(&self, css: &str, value: &str) {
        let e = self.element(css).await;
        self.cmd("POST", &format!("/element/{e}/clear"), Some(json!({})))
            .await;
        self.cmd(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": value })),
        )
        .await;
    }
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let t = self.text(css).await;
            if t.contains(needle) {
                return t;
            }
            assert!(
                Instant::now() < deadline,
                "`{css}` never said `{needle}`: {t}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    /// Opens the page and signs in as a seeded user.
    async fn sign_in(&self, base: &str, email: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": base }))).await;
        self.fill("#email", email).await;
        self.fill("#password", "correct horse battery staple").await;
        self.click("#signin").await;
        self.wait_text("#who", email).await;
    }
    async fn screenshot(&self, name: &str) {
        let png = self.cmd("GET", "/screenshot", None).await;
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../target/browser-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let bytes = decode_base64(png.as_str().unwrap());
        std::fs::write(dir.join(format!("{name}.png")), bytes).unwrap();
    }
}

fn decode_base64(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=' && !c.is_ascii_whitespace()) {
        let Some(v) = A.iter().position(|a| *a == c) else {
            continue;
        };
        acc = (acc << 6) | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

async fn wait_for(port: u16, path: &str) {
    let deadline = Instant::now() + Duration::from_secs(180);
    while !matches!(http(port, "GET", path, None, None).await, Ok((200, _))) {
        assert!(Instant::now() < deadline, "nothing answers on {port}{path}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// One browser at a time: two servers and two Chromiums at once on a 2-core machine slow each
/// other past the tests' waits.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The server on a fresh data directory and a headless Chromium driven by chromedriver; none
/// when chromedriver is not installed.
struct Browser {
    d: Driver,
    wd_port: u16,
    app_port: u16,
    dir: std::path::PathBuf,
    _app: Proc,
    _wd: Proc,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Browser {
    async fn start(name: &str) -> Option<Browser> {
        Browser::start_with(name, &[]).await
    }

    /// [`start`](Self::start), the server with the variables `env` besides (`SAAS_DEMO_IDP`).
    async fn start_with(name: &str, env: &[(&str, &str)]) -> Option<Browser> {
        let Some(driver_bin) = find(&["chromedriver", "chromium-driver"]) else {
            // CI (`.ci/run` sets ACCESS_CI) installs chromedriver: there the test may not skip.
            assert!(
                std::env::var_os("ACCESS_CI").is_none(),
                "browser: chromedriver is not installed, and ACCESS_CI requires the browser tests"
            );
            eprintln!("browser: skipped, chromedriver is not installed");
            return None;
        };
        let turn = ONE_AT_A_TIME.lock().await;
        let dir = std::env::temp_dir().join(format!(
            "saas-browser-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let app_port = free_port();
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("server.log");
        // MFA on with the development key the server makes in its data directory; passkeys
        // for http://localhost:{app_port}; sign-in with providers only as `env` says.
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_saas"));
        cmd.env_remove("DATABASE_URL")
            .env_remove("MFA_KEY")
            .env_remove("WEBAUTHN_RP_ID")
            .env_remove("WEBAUTHN_ORIGIN")
            .env_remove("SAAS_DEMO_IDP")
            .env_remove("SAAS_DEMO_IDP_PORT");
        for (k, _) in std::env::vars_os() {
            if k.to_str().is_some_and(|k| k.starts_with("OAUTH_")) {
                cmd.env_remove(k);
            }
        }
        let mut app = Proc(
            cmd.env("JWT_SECRET", "browser-test-secret-0123456789abcdef0123")
                .env("SAAS_DATA_DIR", &dir)
                .env("PORT", app_port.to_string())
                .envs(env.iter().copied())
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .unwrap(),
        );
        let wd_port = free_port();
        let wd = Proc(
            Command::new(&driver_bin)
                .arg(format!("--port={wd_port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        let deadline = Instant::now() + Duration::from_secs(180);
        while !matches!(
            http(app_port, "GET", "/health", None, None).await,
            Ok((200, _))
        ) {
            let exited = app.0.try_wait().unwrap();
            assert!(
                exited.is_none() && Instant::now() < deadline,
                "the server did not start ({exited:?}): {}",
                std::fs::read_to_string(&log).unwrap_or_default()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        wait_for(wd_port, "/status").await;
        let mut args = vec![
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1200,900",
        ];
        if std::env::var_os("CI_CHROMIUM_SHM").is_none() {
            args.push("--disable-dev-shm-usage");
        }
        let (s, v) = http(
            wd_port,
            "POST",
            "/session",
            None,
            Some(json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": { "args": args }
            }}})),
        )
        .await
        .unwrap();
        assert_eq!(s, 200, "new session: {v}");
        let d = Driver {
            port: wd_port,
            session: v["value"]["sessionId"].as_str().unwrap().to_owned(),
        };
        Some(Browser {
            d,
            wd_port,
            app_port,
            dir,
            _app: app,
            _wd: wd,
            _turn: turn,
        })
    }

    /// Closes the browser; the processes stop when `self` drops.
    async fn end(self) {
        let _ = http(
            self.wd_port,
            "DELETE",
            &format!("/session/{}", self.d.session),
            None,
            None,
        )
        .await;
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_see_their_own_buttons() {
    let Some(b) = Browser::start("buttons").await else {
        return;
    };
    let d = &b.d;
    let base = format!("http://127.0.0.1:{}/", b.app_port);

    // vic: viewer of project website. Export yes; delete, rename, AI no; no new project (the
    // access set says `role_required`); the forced delete shows why.
    d.sign_in(&base, "vic@acme.test").await;
    d.element("#delete-website").await;
    assert!(!d.enabled("#delete-website").await, "vic cannot delete");
    assert!(d.enabled("#export-website").await, "vic can export");
    assert!(!d.enabled("#ai-website").await, "vic is no contributor");
    assert!(!d.enabled("#rename-website").await, "vic cannot rename");
    assert!(!d.enabled("#new-project").await, "vic creates no project");
    assert!(
        d.text("#new-hint").await.contains("role_required"),
        "the access set says why"
    );
    let places = d.wait_text("#places", "acme").await;
    assert!(places.contains("acme: design"), "{places}");
    let allowed = d.text("#allowed").await;
    assert!(
        allowed.contains("project:read") && !allowed.contains("project:delete"),
        "{allowed}"
    );
    // On an IP address the page offers no passkeys (a browser refuses them there) and says
    // where to go instead.
    let hint = d.wait_text("#passkey-hint", "localhost").await;
    assert!(!d.enabled("#passkey-add").await, "{hint}");
    d.click("#force-website").await;
    let answer = d.wait_text("#answer", "403").await;
    assert!(answer.contains("hierarchy_denied"), "{answer}");
    assert!(
        answer.contains("needs the role `manager`"),
        "the server's reason: {answer}"
    );
    d.screenshot("vic").await;

    // mia: manager of project app. Delete and AI enabled there; still no new project.
    d.sign_in(&base, "mia@acme.test").await;
    d.element("#delete-app").await;
    assert!(d.enabled("#delete-app").await, "mia manages app");
    assert!(d.enabled("#ai-app").await, "mia may generate on app");
    assert!(d.enabled("#rename-app").await, "mia may rename app");
    assert!(
        !d.enabled("#new-project").await,
        "mia has no workspace role"
    );
    d.screenshot("mia").await;
    d.click("#ai-app").await;
    let answer = d.wait_text("#answer", "200").await;
    assert!(answer.contains("generated"), "{answer}");

    // wes: editor of workspace design. The access set enables "New project"; the project he
    // creates appears with the buttons an editor gets (rename yes, delete no).
    d.sign_in(&base, "wes@acme.test").await;
    d.element("#rename-website").await;
    assert!(d.enabled("#new-project").await, "wes may create projects");
    d.wait_text("#new-workspace", "design").await;
    d.fill("#new-id", "brochure").await;
    d.fill("#new-name", "Brochure").await;
    d.click("#new-project").await;
    let answer = d.wait_text("#answer", "ok").await;
    assert!(answer.starts_with("201"), "{answer}");
    d.element("#rename-brochure").await;
    assert!(d.enabled("#rename-brochure").await, "an editor renames");
    assert!(!d.enabled("#delete-brochure").await, "but does not delete");
    d.screenshot("wes").await;

    // olga (owner of acme) invites gil (owner of globex) as a member of acme; gil sees the
    // invitation on the page, accepts it, switches to acme, and the buttons follow the new
    // access set: he invites in globex, not in acme.
    d.sign_in(&base, "olga@acme.test").await;
    d.wait_text("#tenant", "acme").await;
    d.wait_text("#orgs", "acme").await;
    assert!(d.enabled("#invite").await, "an owner invites");
    d.fill("#invite-email", "gil@globex.test").await;
    d.click("#invite").await;
    let answer = d.wait_text("#answer", "201").await;
    assert!(answer.contains("gil@globex.test"), "{answer}");
    d.screenshot("olga-invites").await;

    d.sign_in(&base, "gil@globex.test").await;
    d.wait_text("#tenant", "globex").await;
    assert!(
        d.enabled("#invite").await,
        "gil invites in globex, which he owns"
    );
    d.wait_text("#invitations", "acme as member").await;
    d.click("#invitations button[id^='accept-']").await;
    let answer = d.wait_text("#answer", "200").await;
    assert!(answer.contains("acme"), "{answer}");
    d.wait_text("#orgs", "member").await;
    d.click("#switch-acme").await;
    d.wait_text("#tenant", "acme").await;
    let hint = d.wait_text("#invite-hint", "members:invite").await;
    assert!(
        !d.enabled("#invite").await,
        "a member of acme does not invite: {hint}"
    );
    d.wait_text("#members", "owner").await;
    d.screenshot("gil-in-acme").await;

    // The model, drawn by Mermaid from the diagram the server generates: with a local copy of
    // mermaid.js (`SAAS_MERMAID_JS`, which `.ci/run` provides) it must render without a syntax
    // error; without one the page shows the source.
    if std::env::var_os("SAAS_MERMAID_JS").is_some() {
        d.cmd(
            "POST",
            "/url",
            Some(json!({ "url": format!("{base}model") })),
        )
        .await;
        d.element("pre.mermaid svg").await;
        let drawn = d.text("pre.mermaid").await;
        assert!(!drawn.contains("Syntax error"), "{drawn}");
        for name in ["organization", "workspace", "folder", "project"] {
            assert!(drawn.contains(name), "`{name}` is drawn: {drawn}");
        }
        d.screenshot("model").await;
    } else {
        eprintln!("browser: SAAS_MERMAID_JS is not set, the diagram's rendering is not checked");
    }

    b.end().await;
}

/// The current TOTP time step (30 s).
fn step_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 30
}

/// A code of `secret` (base32, as the page shows it) the server has not seen: for the step
/// after the last one used (`last`), which the server accepts from one step before it (±1 step
/// of skew). Waits for that step when needed: a code is accepted once, and only for a later step
/// than the last accepted one.
async fn fresh_code(secret: &str, last: &mut u64) -> String {
    let step = (step_now() + 1).max(*last + 1);
    while step_now() + 1 < step {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    *last = step;
    let totp = totp_rs::Builder::new()
        .with_secret(totp_rs::Secret::try_from_base32(secret).expect("a base32 key"))
        .build()
        .expect("SHA-1, 6 digits, 30 s");
    totp.generate(step * 30).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_enrols_a_second_factor_and_steps_up() {
    let Some(b) = Browser::start("mfa").await else {
        return;
    };
    let d = &b.d;
    let base = format!("http://localhost:{}/", b.app_port);

    // ada: admin of acme (global role admin), who may delete acme's products, with a second
    // factor from the last 5 minutes. She has none yet.
    d.sign_in(&base, "ada@acme.test").await;
    d.wait_text("#factors", "Authenticator app: off").await;
    d.wait_text("#products", "Gadget").await;

    // Enrolment: the password, then the QR code and the key; the app's code turns it on.
    d.fill("#totp-password", "correct horse battery staple")
        .await;
    d.click("#totp-start").await;
    d.element("#totp-qr svg").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let secret = loop {
        let t = d.text("#totp-secret").await;
        if !t.is_empty() || Instant::now() > deadline {
            break t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        secret.len() >= 26 && secret.bytes().all(|c| c.is_ascii_alphanumeric()),
        "a base32 key is shown: {secret}"
    );
    d.screenshot("mfa-enrol").await;
    let mut last = 0;
    let code = fresh_code(&secret, &mut last).await;
    d.fill("#totp-code", &code).await;
    d.click("#totp-confirm").await;
    let codes = d.wait_text("#recovery-codes", "-").await;
    let codes: Vec<&str> = codes.lines().collect();
    assert_eq!(codes.len(), 10, "ten recovery codes: {codes:?}");
    assert!(
        codes
            .iter()
            .all(|c| c.len() == 19 && c.split('-').count() == 4),
        "{codes:?}"
    );
    d.wait_text("#factors", "recovery codes left: 10").await;
    d.screenshot("mfa-recovery-codes").await;
    d.click("#recovery-done").await;
    assert_eq!(d.text("#recovery").await, "", "shown once, then gone");

    // A passkey, through the browser's virtual authenticator (WebDriver's WebAuthn extension):
    // a platform authenticator that holds discoverable credentials and verifies its user.
    let authenticator = d
        .cmd(
            "POST",
            "/webauthn/authenticator",
            Some(json!({
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": true,
                "hasUserVerification": true,
                "isUserVerified": true,
            })),
        )
        .await;
    assert!(authenticator.is_string(), "{authenticator}");
    assert!(d.enabled("#passkey-add").await, "passkeys on localhost");
    d.fill("#passkey-name", "Laptop").await;
    d.click("#passkey-add").await;
    d.wait_text("#answer", "201").await;
    d.wait_text("#passkeys", "Laptop").await;

    // The sensitive action: her session passed no second factor (the password only), so the
    // server answers 403 mfa_required; the page asks for a code, steps up and deletes.
    d.click("#products button[id^='delete-product-']").await;
    let why = d.wait_text("#stepup-why", "delete Gadget").await;
    assert!(why.contains("300 s"), "{why}");
    let answer = d.wait_text("#answer", "403").await;
    assert!(answer.contains("mfa_required"), "{answer}");
    d.screenshot("mfa-step-up").await;
    let code = fresh_code(&secret, &mut last).await;
    d.fill("#stepup-code", &code).await;
    d.click("#stepup-submit").await;
    d.wait_text("#answer", "204").await;
    assert_eq!(d.text("#stepup").await, "", "the prompt is gone");
    let products = d.wait_text("#products", "Widget").await;
    assert!(!products.contains("Gadget"), "deleted: {products}");

    // Signing out, then in again: the password gives a second step, not tokens.
    d.click("#signout").await;
    d.wait_text("#who", "signed out").await;
    d.fill("#email", "ada@acme.test").await;
    d.fill("#password", "correct horse battery staple").await;
    d.click("#signin").await;
    d.wait_text("#mfa-step", "Second step").await;
    assert_eq!(
        d.text("#app").await,
        "",
        "nothing is shown before the second step"
    );
    d.screenshot("mfa-second-step").await;
    let code = fresh_code(&secret, &mut last).await;
    d.fill("#mfa-code", &code).await;
    d.click("#mfa-submit").await;
    d.wait_text("#who", "signed in as ada@acme.test").await;
    assert_eq!(d.text("#mfa-step").await, "");
    // That sign-in passed a second factor: the delete goes through without asking.
    d.click("#products button[id^='delete-product-']").await;
    d.wait_text("#answer", "204").await;
    assert_eq!(d.text("#stepup").await, "", "no step-up asked");
    d.wait_text("#products", "none").await;
    d.screenshot("mfa-signed-in").await;

    // Signing in with the passkey: no password, no code.
    d.click("#signout").await;
    d.wait_text("#who", "signed out").await;
    d.click("#passkey-signin").await;
    d.wait_text("#who", "signed in as ada@acme.test").await;
    d.wait_text("#passkeys", "Laptop").await;
    d.screenshot("mfa-passkey").await;

    b.end().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_signs_in_with_the_demo_identity_provider() {
    let Some(b) = Browser::start_with("oauth", &[("SAAS_DEMO_IDP", "1")]).await else {
        return;
    };
    let d = &b.d;
    // On 127.0.0.1: the server's public address, where the provider sends the browser back.
    let base = format!("http://127.0.0.1:{}/", b.app_port);

    // The page offers the provider the server configured; its button leaves for the provider,
    // which consents at once and sends the browser back through the server's callback (303 to
    // `/` with the token cookies); the page takes the session from the refresh cookie. The
    // first sign-in makes the account.
    d.cmd("POST", "/url", Some(json!({ "url": base }))).await;
    let label = d.wait_text("#oauth-demo", "Sign in with Demo IdP").await;
    assert_eq!(label, "Sign in with Demo IdP");
    d.click("#oauth-demo").await;
    d.wait_text("#who", "signed in as demo@idp.test").await;
    let url = d.cmd("GET", "/url", None).await;
    assert_eq!(url.as_str(), Some(base.as_str()), "back on the page");
    d.wait_text("#tenant", "no organization").await;
    d.wait_text("#factors", "Authenticator app: off").await;
    d.screenshot("oauth-signed-in").await;

    // Signing out ends it; a page opened afresh is signed out (the session comes back only
    // from a provider).
    d.click("#signout").await;
    d.wait_text("#who", "signed out").await;
    d.cmd("POST", "/url", Some(json!({ "url": base }))).await;
    d.element("#oauth-demo").await;
    assert_eq!(d.text("#who").await, "");

    // With a second factor, the provider's sign-in asks for it on the page. The account has no
    // password: its fresh sign-in stands for one when enrolling the authenticator app.
    d.click("#oauth-demo").await;
    d.wait_text("#who", "signed in as demo@idp.test").await;
    d.click("#totp-start").await;
    d.element("#totp-qr svg").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    let secret = loop {
        let t = d.text("#totp-secret").await;
        if !t.is_empty() || Instant::now() > deadline {
            break t;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut last = 0;
    let code = fresh_code(&secret, &mut last).await;
    d.fill("#totp-code", &code).await;
    d.click("#totp-confirm").await;
    let codes = d.wait_text("#recovery-codes", "-").await;
    let recovery = codes.lines().next().unwrap().to_owned();
    d.click("#recovery-done").await;
    d.click("#signout").await;
    d.wait_text("#who", "signed out").await;
    d.click("#oauth-demo").await;
    d.wait_text("#mfa-step", "Second step").await;
    assert_eq!(
        d.text("#app").await,
        "",
        "nothing is shown before the second step"
    );
    let url = d.cmd("GET", "/url", None).await;
    assert_eq!(
        url.as_str(),
        Some(base.as_str()),
        "the challenge is out of the address bar"
    );
    d.screenshot("oauth-second-step").await;
    d.fill("#mfa-code", &recovery).await;
    d.click("#mfa-submit").await;
    d.wait_text("#who", "signed in as demo@idp.test").await;
    d.wait_text("#factors", "recovery codes left: 9").await;

    b.end().await;
}
