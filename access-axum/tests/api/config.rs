//! config: behaviour moved out of the doc examples and unit tests of `access_axum::config`.

use std::collections::HashMap;
use std::time::Duration;

use access_axum::config::{
    Argon2Params, CookieConfig, LoginIdentifier, PasswordPolicy, RateLimit, RateLimits, SameSite,
    TokenTransport, parse_duration,
};
use access_axum::db::UsersTable;
use access_axum::{AuthConfig, AuthPaths, AuthState, ConfigError, ConfigErrors, JwtKeys};
use axum::http::StatusCode;
use jsonwebtoken::Algorithm;

use crate::harness::*;

/// HMAC keys with the harness's literal test secret.
fn keys() -> JwtKeys {
    JwtKeys::hmac(Algorithm::HS256, SECRET).expect("keys")
}

/// A builder with [`keys`].
fn with_keys() -> access_axum::config::AuthConfigBuilder {
    AuthConfig::builder().keys(keys())
}

/// Argon2id parameters `(m, t, p)`.
fn argon(m_cost: u32, t_cost: u32, p_cost: u32) -> Argon2Params {
    Argon2Params {
        m_cost,
        t_cost,
        p_cost,
    }
}

/// A variable source over `pairs`, for `from_vars`.
fn vars(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let v: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| v.get(k).cloned()
}

/// A fresh folder under the system's temporary one, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("access-axum-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

// --- AuthConfig and its builder -------------------------------------------------------------

#[test]
fn defaults() {
    let c = with_keys().build().unwrap();
    assert_eq!(c.tokens().issuer, "access");
    assert_eq!(c.tokens().audience, "access");
    assert_eq!(c.tokens().access_ttl, Duration::from_secs(60));
    assert_eq!(c.tokens().refresh_ttl, Duration::from_secs(30 * 86_400));
    assert_eq!(c.sessions().refresh_grace, Duration::from_secs(10));
    assert_eq!(c.tokens().one_time_ttl, Duration::from_secs(3600));
    assert_eq!(c.tokens().leeway, 5);
    assert_eq!(c.http().base_path, "/auth");
    assert_eq!(c.http().paths, AuthPaths::default());
    assert_eq!(c.http().body_limit, 16 * 1024);
    assert!(c.http().allowed_origins.is_empty());
    assert_eq!(c.http().transport, TokenTransport::Both);
    assert_eq!(c.accounts().identifiers, LoginIdentifier::EmailOrUsername);
    assert_eq!(c.http().cookies.same_site, SameSite::Lax);
    assert_eq!(c.passwords().policy.min_len, 10);
    assert_eq!(c.passwords().argon2, Argon2Params::default());
    assert_eq!(c.http().rate_limits.login, RateLimits::default().login);
    assert!(c.accounts().registration);
    assert!(c.sessions().revoke_on_reset);
    assert_eq!(c.sessions().max, 50);
    assert_eq!(c.accounts().users, UsersTable::default());
}

#[test]
fn every_setter_lands_in_the_configuration() {
    let week = Duration::from_secs(7 * 86_400);
    let strict = CookieConfig {
        same_site: SameSite::Strict,
        ..CookieConfig::default()
    };
    let policy = PasswordPolicy {
        require_symbol: true,
        ..PasswordPolicy::default()
    };
    let stronger = Argon2Params {
        t_cost: 3,
        ..Argon2Params::default()
    };
    let limits = RateLimits {
        register: RateLimit {
            max: 2,
            window: Duration::from_secs(60),
        },
        ..RateLimits::default()
    };
    let users = UsersTable {
        table: "accounts".into(),
        email: "mail".into(),
        ..UsersTable::default()
    };
    let paths = AuthPaths {
        me: "/whoami".into(),
        register: "/sign-up".into(),
        ..AuthPaths::default()
    };
    let c = AuthConfig::builder()
        .keys(JwtKeys::hmac(Algorithm::HS384, &[9u8; 48]).unwrap())
        .issuer("https://id.example.com")
        .audience("api")
        .access_ttl(Duration::from_secs(300))
        .refresh_ttl(week)
        .refresh_grace(Duration::from_secs(2))
        .one_time_ttl(Duration::from_secs(900))
        .leeway(0)
        .transport(TokenTransport::Cookie)
        .cookies(strict)
        .identifiers(LoginIdentifier::Username)
        .password(policy)
        .argon2(stronger)
        .rate_limits(limits)
        .registration(false)
        .max_sessions(5)
        .body_limit(4096)
        .reset_revokes_sessions(false)
        .users(users)
        .base_path("/api/auth")
        .paths(paths)
        .allow_origin("https://app.example.com")
        .allow_origin("https://admin.example.com")
        .build()
        .unwrap();
    assert_eq!(c.tokens().keys.algorithm, Algorithm::HS384);
    assert_eq!(c.tokens().issuer, "https://id.example.com");
    assert_eq!(c.tokens().audience, "api");
    assert_eq!(c.tokens().access_ttl, Duration::from_secs(300));
    assert_eq!(c.tokens().refresh_ttl, week);
    assert_eq!(c.sessions().refresh_grace, Duration::from_secs(2));
    assert_eq!(c.tokens().one_time_ttl, Duration::from_secs(900));
    assert_eq!(c.tokens().leeway, 0);
    assert_eq!(c.http().transport, TokenTransport::Cookie);
    assert_eq!(c.http().cookies.same_site, SameSite::Strict);
    assert_eq!(c.accounts().identifiers, LoginIdentifier::Username);
    assert_eq!(
        c.passwords().policy.violations("nosymbolshere"),
        ["a symbol"]
    );
    assert_eq!(c.passwords().argon2.t_cost, 3);
    assert_eq!(c.http().rate_limits.register.max, 2);
    assert!(!c.accounts().registration);
    assert_eq!(c.sessions().max, 5);
    assert_eq!(c.http().body_limit, 4096);
    assert!(!c.sessions().revoke_on_reset);
    assert_eq!(c.accounts().users.table, "accounts");
    assert_eq!(c.accounts().users.email, "mail");
    assert_eq!(c.http().base_path, "/api/auth");
    assert_eq!(c.http().paths.me, "/whoami");
    assert_eq!(c.http().paths.register, "/sign-up");
    assert_eq!(
        c.http().allowed_origins,
        ["https://app.example.com", "https://admin.example.com"]
    );
}

#[test]
fn transport_and_identifiers_can_be_narrowed() {
    let api_only = with_keys().transport(TokenTransport::Body).build().unwrap();
    assert_eq!(api_only.http().transport, TokenTransport::Body);
    let by_email = with_keys()
        .identifiers(LoginIdentifier::Email)
        .build()
        .unwrap();
    assert_eq!(by_email.accounts().identifiers, LoginIdentifier::Email);
}

#[test]
fn password_policy_is_taken_as_given() {
    let policy = PasswordPolicy {
        min_len: 12,
        require_digit: true,
        ..PasswordPolicy::default()
    };
    let c = with_keys().password(policy).build().unwrap();
    assert_eq!(c.passwords().policy.min_len, 12);
    assert!(c.passwords().policy.require_digit);
}

#[test]
fn argon2_cost_and_its_cap() {
    let fast = argon(256, 1, 1);
    let c = with_keys().argon2(fast).build().unwrap();
    assert_eq!(c.passwords().argon2, fast);
    // Stored hashes costlier than this cap are refused without being computed.
    assert_eq!(c.passwords().argon2_max, argon(262_144, 10, 8));
    // The cap never falls below the configured cost.
    let huge = argon(1 << 20, 12, 16);
    assert_eq!(
        with_keys()
            .argon2(huge)
            .build()
            .unwrap()
            .passwords()
            .argon2_max,
        huge
    );
}

// --- build: every mistake at once, each naming what to set ------------------------------------

#[test]
fn no_signing_key_names_the_variables() {
    let errors = AuthConfig::builder().build().unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0],
        ConfigError::Missing {
            var: "JWT_SECRET",
            what: "signing key",
            hint: "(at least 32 bytes) or JWT_PRIVATE_KEY and JWT_PUBLIC_KEY",
        }
    );
    assert_eq!(
        errors[0].to_string(),
        "no signing key: set JWT_SECRET (at least 32 bytes) or JWT_PRIVATE_KEY and JWT_PUBLIC_KEY"
    );
    assert_eq!(errors[0].var(), Some("JWT_SECRET"));
}

#[test]
fn leeway_above_a_minute_is_refused() {
    assert!(with_keys().leeway(60).build().is_ok());
    let errors = with_keys().leeway(61).build().unwrap_err();
    assert_eq!(
        errors.into_vec(),
        [ConfigError::Invalid {
            var: "leeway",
            reason: "above 60 s defeats short-lived tokens".into()
        }]
    );
}

#[test]
fn base_path_starts_with_a_slash_and_does_not_end_with_one() {
    for bad in ["auth", "/auth/"] {
        let errors = with_keys().base_path(bad).build().unwrap_err();
        assert_eq!(errors.len(), 1, "{bad}");
        assert_eq!(errors[0].var(), Some("base_path"));
        assert_eq!(
            errors[0].to_string(),
            "base_path must start with `/` and not end with one"
        );
    }
}

#[test]
fn mistakes_come_all_at_once() {
    let errors = with_keys()
        .leeway(3600)
        .base_path("auth")
        .build()
        .unwrap_err();
    assert_eq!(errors.len(), 2);
    let vars: Vec<_> = errors.iter().filter_map(ConfigError::var).collect();
    assert_eq!(vars, ["leeway", "base_path"]);
}

#[test]
fn zero_sessions_is_an_error_not_a_silent_one() {
    let errors = with_keys().max_sessions(0).build().unwrap_err();
    assert_eq!(errors[0].var(), Some("max_sessions"));
    assert!(errors[0].to_string().contains("max_sessions"));
    assert_eq!(errors[0].to_string(), "max_sessions must be at least 1");
}

#[test]
fn same_site_none_needs_secure() {
    let insecure = CookieConfig {
        secure: false,
        same_site: SameSite::None,
        host_prefix: false,
    };
    let errors = with_keys().cookies(insecure).build().unwrap_err();
    assert_eq!(errors.len(), 1);
    assert!(matches!(
        &errors[0],
        ConfigError::Conflict {
            var: "cookies.same_site",
            with: "cookies.secure",
            ..
        }
    ));
    assert!(
        errors[0]
            .to_string()
            .starts_with("SameSite=None cookies must be Secure"),
        "{}",
        errors[0]
    );
    // Secure, it is fine.
    let secure = CookieConfig {
        same_site: SameSite::None,
        ..CookieConfig::default()
    };
    assert!(with_keys().cookies(secure).build().is_ok());
}

#[test]
fn endpoint_paths_are_checked_and_distinct() {
    let clash = AuthPaths {
        logout: "/login".into(),
        ..AuthPaths::default()
    };
    let errors = with_keys().paths(clash).build().unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0],
        ConfigError::Conflict {
            var: "paths.logout",
            with: "paths.login",
            reason: "endpoint path `/login` is used twice".into(),
        }
    );
    assert!(
        errors[0]
            .to_string()
            .starts_with("endpoint path `/login` is used twice"),
        "{}",
        errors[0]
    );
    for bad in ["me", "/", "/me/"] {
        let paths = AuthPaths {
            me: bad.into(),
            ..AuthPaths::default()
        };
        let errors = with_keys().paths(paths).build().unwrap_err();
        assert_eq!(errors.len(), 1, "{bad}");
        assert_eq!(
            errors[0].to_string(),
            format!("paths.me `{bad}` must start with `/` and not end with one")
        );
    }
}

#[test]
fn the_report_reads_as_sentences() {
    let one: ConfigErrors = AuthConfig::builder().build().unwrap_err();
    assert_eq!(
        one.to_string(),
        "the auth configuration is incomplete: no signing key: set JWT_SECRET (at least 32 bytes) or JWT_PRIVATE_KEY and JWT_PUBLIC_KEY"
    );
    // `main` returning `Box<dyn Error>` prints `Debug`: the same sentences.
    assert_eq!(format!("{one:?}"), one.to_string());
    let many = AuthConfig::builder()
        .from_vars(vars(&[("JWT_EXPIRES_IN", "soon")]))
        .build()
        .unwrap_err();
    assert_eq!(
        many.to_string(),
        "the auth configuration has 2 mistakes:\n\
         - JWT_EXPIRES_IN `soon` is not a duration (try `60s`, `30m`, `7d`)\n\
         - no signing key: set JWT_SECRET (at least 32 bytes) or JWT_PRIVATE_KEY and JWT_PUBLIC_KEY"
    );
    // `?` in a function returning `Box<dyn Error>`.
    fn start() -> Result<AuthConfig, Box<dyn std::error::Error>> {
        Ok(AuthConfig::builder().build()?)
    }
    assert!(start().unwrap_err().to_string().contains("JWT_SECRET"));
}

// --- the environment ----------------------------------------------------------------------------

#[test]
fn env_values_apply() {
    let c = AuthConfig::builder()
        .from_vars(vars(&[
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("JWT_EXPIRES_IN", "30m"),
            ("JWT_REFRESH_EXPIRES_IN", "7d"),
            ("JWT_ISSUER", "me"),
            ("JWT_AUDIENCE", "them"),
            ("AUTH_REGISTRATION", "off"),
        ]))
        .build()
        .unwrap();
    assert_eq!(c.tokens().access_ttl, Duration::from_secs(1800));
    assert_eq!(c.tokens().refresh_ttl, Duration::from_secs(7 * 86_400));
    assert_eq!(c.tokens().issuer, "me");
    assert_eq!(c.tokens().audience, "them");
    assert!(!c.accounts().registration);
    assert_eq!(c.tokens().leeway, 5);
    assert!(!format!("{:?}", c.tokens().keys).contains("0123"));
    // HMAC keys are named `hmac` unless JWT_KEY_ID names them.
    assert_eq!(c.tokens().keys.kid, "hmac");
    let named = AuthConfig::builder()
        .from_vars(vars(&[
            ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
            ("JWT_KEY_ID", "2026-11"),
        ]))
        .build()
        .unwrap();
    assert_eq!(named.tokens().keys.kid, "2026-11");
    // The example's variables.
    let c = AuthConfig::builder()
        .from_vars(vars(&[
            ("JWT_SECRET", "example-only-secret-0123456789abcdef"),
            ("JWT_EXPIRES_IN", "5m"),
            ("AUTH_REGISTRATION", "off"),
        ]))
        .build()
        .unwrap();
    assert_eq!(c.tokens().access_ttl, Duration::from_secs(300));
    assert!(!c.accounts().registration);
}

#[test]
fn values_set_before_the_environment_win() {
    let c = with_keys()
        .issuer("https://id.example.com")
        .access_ttl(Duration::from_secs(42))
        .registration(true)
        .from_vars(vars(&[
            ("JWT_SECRET", "another-secret-0123456789abcdef-0123"),
            ("JWT_KEY_ID", "from-env"),
            ("JWT_ISSUER", "env"),
            ("JWT_EXPIRES_IN", "soon"),
            ("AUTH_REGISTRATION", "off"),
        ]))
        .build()
        .unwrap();
    assert_eq!(c.tokens().issuer, "https://id.example.com");
    assert_eq!(c.tokens().access_ttl, Duration::from_secs(42));
    assert!(c.accounts().registration);
    assert_eq!(c.tokens().keys.kid, "hmac");
    // The same through the process environment.
    let c = with_keys()
        .issuer("https://id.example.com")
        .from_env()
        .build()
        .unwrap();
    assert_eq!(c.tokens().issuer, "https://id.example.com");
    assert_eq!(c.tokens().keys.kid, "hmac");
}

#[test]
fn short_secret_is_a_clear_error_without_the_secret() {
    let e = AuthConfig::builder()
        .from_vars(vars(&[("JWT_SECRET", "tooshort-s3cret")]))
        .build()
        .unwrap_err();
    assert_eq!(
        e[0],
        ConfigError::TooShort {
            var: "JWT_SECRET",
            min: 32,
            len: 15
        }
    );
    assert!(e[0].to_string().contains("at least 32 bytes"), "{e:?}");
    assert!(!e.to_string().contains("s3cret"));
}

#[test]
fn missing_key_and_bad_duration_are_reported_together() {
    let e = AuthConfig::builder()
        .from_vars(vars(&[("JWT_EXPIRES_IN", "soon")]))
        .build()
        .unwrap_err();
    assert_eq!(e.len(), 2, "{e:?}");
    assert_eq!(
        e[0],
        ConfigError::Invalid {
            var: "JWT_EXPIRES_IN",
            reason: "`soon` is not a duration (try `60s`, `30m`, `7d`)".into()
        }
    );
}

#[test]
fn every_mistake_is_reported_none_with_the_secret() {
    let bad = vars(&[("JWT_SECRET", "hunter2"), ("JWT_EXPIRES_IN", "soon")]);
    let errors = AuthConfig::builder().from_vars(bad).build().unwrap_err();
    assert_eq!(errors.len(), 3); // short secret, bad duration, so no key
    assert!(errors.iter().all(|e| !e.to_string().contains("hunter2")));
    assert!(!format!("{errors:?}").contains("hunter2"));
}

#[test]
fn bad_environment_values_name_their_variable() {
    let cases = [
        (
            ("AUTH_REGISTRATION", "maybe"),
            "AUTH_REGISTRATION must be `on` or `off`",
        ),
        (
            ("JWT_REFRESH_EXPIRES_IN", "0"),
            "JWT_REFRESH_EXPIRES_IN `0` must be longer than zero",
        ),
        (
            ("JWT_ALGORITHM", "none"),
            "JWT_ALGORITHM `none` is not one of HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384",
        ),
    ];
    for ((var, value), message) in cases {
        let errors = AuthConfig::builder()
            .from_vars(vars(&[
                ("JWT_SECRET", "0123456789abcdef0123456789abcdef"),
                (var, value),
            ]))
            .build()
            .unwrap_err();
        assert_eq!(errors[0].var(), Some(var));
        assert_eq!(errors[0].to_string(), message);
    }
}

#[test]
fn half_a_key_pair_names_the_other_half() {
    let errors = AuthConfig::builder()
        .from_vars(vars(&[
            ("JWT_ALGORITHM", "ES256"),
            ("JWT_PRIVATE_KEY", "-----BEGIN PRIVATE KEY-----"),
        ]))
        .build()
        .unwrap_err();
    assert_eq!(errors[0].var(), Some("JWT_PUBLIC_KEY"));
    assert_eq!(
        errors[0].to_string(),
        "no JWT public key: set JWT_PUBLIC_KEY (or JWT_PUBLIC_KEY_FILE) to go with JWT_PRIVATE_KEY"
    );
    let errors = AuthConfig::builder()
        .from_vars(vars(&[
            ("JWT_ALGORITHM", "RS256"),
            (
                "JWT_PUBLIC_KEY_FILE",
                "/nonexistent/access-axum/jwt-public.pem",
            ),
        ]))
        .build()
        .unwrap_err();
    assert!(matches!(
        &errors[0],
        ConfigError::Io {
            var: Some("JWT_PUBLIC_KEY_FILE"),
            action: "read",
            ..
        }
    ));
    assert!(
        errors[0].to_string().starts_with(
            "JWT_PUBLIC_KEY_FILE `/nonexistent/access-axum/jwt-public.pem` cannot be read: "
        ),
        "{}",
        errors[0]
    );
}

#[test]
fn pem_keys_from_files() {
    let dir = TempDir::new("config-pem-files");
    JwtKeys::development(&dir.0).unwrap();
    let private = dir.0.join("jwt-private.pem");
    let public = dir.0.join("jwt-public.pem");
    let c = AuthConfig::builder()
        .from_vars(vars(&[
            ("JWT_ALGORITHM", "ES256"),
            ("JWT_PRIVATE_KEY_FILE", private.to_str().unwrap()),
            ("JWT_PUBLIC_KEY_FILE", public.to_str().unwrap()),
        ]))
        .build()
        .unwrap();
    assert_eq!(c.tokens().keys.algorithm, Algorithm::ES256);
    assert_eq!(c.tokens().keys.kid, "key-1"); // the default kid of PEM keys
    assert!(c.tokens().keys.is_asymmetric());
}

#[test]
fn durations() {
    assert_eq!(parse_duration("30m"), Ok(Duration::from_secs(1800)));
    assert_eq!(parse_duration("90"), Ok(Duration::from_secs(90)));
    assert_eq!(parse_duration("60s"), Ok(Duration::from_secs(60)));
    assert_eq!(parse_duration("12h"), Ok(Duration::from_secs(12 * 3600)));
    assert_eq!(parse_duration(" 7d "), Ok(Duration::from_secs(7 * 86_400)));
    assert!(parse_duration("soon").is_err());
    assert!(parse_duration("5w").is_err());
    assert!(parse_duration("0").is_err());
    assert!(parse_duration("99999999999999999d").is_err());
    assert_eq!(
        parse_duration("soon").unwrap_err().to_string(),
        "value `soon` is not a duration (try `60s`, `30m`, `7d`)"
    );
}

// --- keys ---------------------------------------------------------------------------------------

#[test]
fn hmac_keys() {
    let keys = JwtKeys::hmac(Algorithm::HS256, SECRET).unwrap();
    assert_eq!(keys.algorithm, Algorithm::HS256);
    assert_eq!(keys.kid, "hmac");
    assert!(!keys.is_asymmetric());
    // `Debug` never shows key material.
    assert!(!format!("{keys:?}").contains("example-only"));
    let keys = JwtKeys::hmac(Algorithm::HS512, &[7u8; 64]).unwrap();
    assert_eq!(keys.algorithm, Algorithm::HS512);
    let short = JwtKeys::hmac(Algorithm::HS256, b"too short").unwrap_err();
    assert_eq!(
        short.to_string(),
        "JWT_SECRET must be at least 32 bytes (it is 9)"
    );
    let not_hmac = JwtKeys::hmac(Algorithm::ES256, &[7u8; 64]).unwrap_err();
    assert_eq!(
        not_hmac.to_string(),
        "JWT_ALGORITHM `ES256` is not an HMAC algorithm"
    );
}

#[test]
fn pem_keys_fit_their_algorithm() {
    let dir = TempDir::new("config-pem");
    JwtKeys::development(&dir.0).unwrap();
    let private = std::fs::read(dir.0.join("jwt-private.pem")).unwrap();
    let public = std::fs::read(dir.0.join("jwt-public.pem")).unwrap();
    let keys = JwtKeys::pem(Algorithm::ES256, &private, &public, "key-1").unwrap();
    assert_eq!(keys.kid, "key-1");
    assert!(keys.is_asymmetric());
    // An EC key does not fit an RSA algorithm.
    let err = JwtKeys::pem(Algorithm::RS256, &private, &public, "key-1").unwrap_err();
    assert_eq!(err.to_string(), "JWT_PRIVATE_KEY is not an RSA PEM key");
    let err = JwtKeys::pem(Algorithm::ES256, &private, b"garbage", "key-1").unwrap_err();
    assert_eq!(err.to_string(), "JWT_PUBLIC_KEY is not an EC PEM key");
    let err = JwtKeys::pem(Algorithm::HS256, &private, &public, "key-1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "JWT_ALGORITHM `HS256` is not supported with PEM keys"
    );
}

#[test]
fn development_keys_are_generated_once_and_kept() {
    let dir = TempDir::new("config-dev-keys");
    let keys = JwtKeys::development(&dir.0).unwrap();
    assert_eq!(
        (keys.algorithm, keys.kid.as_str()),
        (Algorithm::ES256, "dev-1")
    );
    assert!(keys.is_asymmetric());
    let private = dir.0.join("jwt-private.pem");
    assert!(private.exists() && dir.0.join("jwt-public.pem").exists());
    // Later calls reuse the pair.
    let first = std::fs::read(&private).unwrap();
    JwtKeys::development(&dir.0).unwrap();
    assert_eq!(std::fs::read(&private).unwrap(), first, "reused");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn development_keys_in_an_unwritable_place_name_the_path() {
    let file = TempDir::new("config-dev-keys-file");
    std::fs::write(&file.0, b"not a folder").unwrap();
    let err = JwtKeys::development(&file.0.join("keys")).unwrap_err();
    assert!(matches!(err, ConfigError::Io { var: None, .. }), "{err:?}");
    assert!(err.to_string().contains("cannot be created"), "{err}");
    let _ = std::fs::remove_file(&file.0);
}

#[tokio::test]
async fn tokens_signed_with_development_keys_verify() {
    let dir = TempDir::new("config-dev-tokens");
    let config = AuthConfig::builder()
        .keys(JwtKeys::development(&dir.0).unwrap())
        .argon2(argon(256, 1, 1))
        .build()
        .unwrap();
    let app: axum::Router = AuthState::new(db().await, config).router();
    let token = sign_up(&app, "ada@example.com").await;
    let (status, me) = send(&app, "GET", "/auth/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    // The public key is published.
    let (status, jwks) = send(&app, "GET", "/auth/.well-known/jwks.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(jwks["keys"][0]["kid"], "dev-1", "{jwks}");
}

// --- policy and http values ---------------------------------------------------------------------

#[test]
fn password_policy_lists_every_violation() {
    let p = PasswordPolicy {
        require_digit: true,
        require_upper: true,
        ..PasswordPolicy::default()
    };
    assert_eq!(
        p.violations("short"),
        ["at least 10 characters", "an uppercase letter", "a digit"]
    );
    assert!(p.violations("Long enough 1").is_empty());
    assert_eq!(PasswordPolicy::default().max_len, 256);
    let all = PasswordPolicy {
        min_len: 1,
        max_len: 4,
        require_lower: true,
        require_upper: true,
        require_digit: true,
        require_symbol: true,
    };
    assert_eq!(
        all.violations("ABCDE"),
        [
            "at most 4 bytes",
            "a lowercase letter",
            "a digit",
            "a symbol"
        ]
    );
}

#[test]
fn rate_limit_defaults() {
    let d = RateLimits::default();
    let per = |max, secs| RateLimit {
        max,
        window: Duration::from_secs(secs),
    };
    // 10 logins per 5 minutes, 20 sign-ups per hour, 120 refreshes per minute, 5 emails per hour.
    assert_eq!(d.login, per(10, 300));
    assert_eq!(d.register, per(20, 3600));
    assert_eq!(d.refresh, per(120, 60));
    assert_eq!(d.email, per(5, 3600));
    let limits = RateLimits {
        login: per(3, 60),
        ..RateLimits::default()
    };
    assert_eq!(limits.login.max, 3);
    assert_ne!(limits.login, RateLimits::default().login);
}

#[test]
fn argon2_defaults_follow_owasp() {
    assert_eq!(Argon2Params::default(), argon(19_456, 2, 1));
}

#[test]
fn cookies() {
    let c = CookieConfig::default();
    assert!(c.secure && c.host_prefix);
    assert_eq!(c.same_site, SameSite::Lax);
    assert_eq!(c.name("access_token"), "__Host-access_token");
    let unprefixed = CookieConfig {
        host_prefix: false,
        ..c.clone()
    };
    assert_eq!(unprefixed.name("refresh_token"), "refresh_token");
    // Plain-HTTP development: no `Secure`, so no `__Host-` prefix either.
    let dev = CookieConfig {
        secure: false,
        ..CookieConfig::default()
    };
    assert_eq!(dev.name("access_token"), "access_token");
}

#[test]
fn auth_paths_defaults() {
    let p = AuthPaths::default();
    assert_eq!(p.register, "/register");
    assert_eq!(p.login, "/login");
    assert_eq!(p.jwks, "/.well-known/jwks.json");
}

#[test]
fn hmac_secrets_are_at_least_the_hash_s_output() {
    for (alg, min) in [
        (Algorithm::HS256, 32),
        (Algorithm::HS384, 48),
        (Algorithm::HS512, 64),
    ] {
        let short = JwtKeys::hmac(alg, &vec![7u8; min - 1]).unwrap_err();
        assert_eq!(
            short,
            access_axum::ConfigError::TooShort {
                var: "JWT_SECRET",
                min,
                len: min - 1
            },
            "{alg:?}"
        );
        assert!(JwtKeys::hmac(alg, &vec![7u8; min]).is_ok(), "{alg:?}");
    }
}
