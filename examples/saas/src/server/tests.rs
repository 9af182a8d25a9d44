use super::{demo_idp_on, keys_for, mfa_key_for};

fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("saas-keys-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn a_release_build_refuses_to_start_without_a_secret() {
    let dir = fresh_dir("release");
    let err = keys_for(false, true, &dir).unwrap_err();
    assert!(err.contains("JWT_SECRET is not set"), "{err}");
    assert!(!dir.exists(), "nothing is written");
    // With a secret in the environment, the configuration reads it.
    assert!(keys_for(true, true, &dir).unwrap().is_none());
}

#[test]
fn a_debug_build_makes_a_private_development_secret_once() {
    let dir = fresh_dir("debug");
    assert!(keys_for(false, false, &dir).unwrap().is_some());
    let path = dir.join("jwt-secret");
    let first = std::fs::read(&path).unwrap();
    assert_eq!(first.len(), 96, "48 random bytes, hex");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
    }
    // The next start reuses it (tokens survive a restart).
    assert!(keys_for(false, false, &dir).unwrap().is_some());
    assert_eq!(std::fs::read(&path).unwrap(), first);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_release_build_refuses_to_start_without_an_mfa_key() {
    let dir = fresh_dir("mfa-release");
    let err = mfa_key_for(false, true, &dir).unwrap_err();
    assert!(err.contains("MFA_KEY is not set"), "{err}");
    assert!(!dir.exists(), "nothing is written");
    // With MFA_KEY in the environment, the configuration reads it.
    assert!(mfa_key_for(true, true, &dir).unwrap().is_none());
}

#[test]
fn a_debug_build_makes_a_private_development_mfa_key_once() {
    let dir = fresh_dir("mfa-debug");
    let key = mfa_key_for(false, false, &dir).unwrap().unwrap();
    let path = dir.join("mfa-key");
    let first = std::fs::read(&path).unwrap();
    assert_eq!(first.len(), 64, "32 random bytes, hex");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0);
    }
    // The next start reads the same key back (the stored TOTP secrets stay readable).
    assert_eq!(mfa_key_for(false, false, &dir).unwrap(), Some(key));
    assert_eq!(std::fs::read(&path).unwrap(), first);
    // A damaged file is replaced.
    std::fs::write(&path, b"not a key").unwrap();
    assert!(mfa_key_for(false, false, &dir).unwrap().is_some());
    assert_eq!(std::fs::read(&path).unwrap().len(), 64);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn saas_demo_idp_is_one_or_zero() {
    for off in [None, Some(""), Some("0"), Some("false")] {
        assert!(!demo_idp_on(off).unwrap(), "{off:?}");
    }
    for on in [Some("1"), Some(" 1 "), Some("true")] {
        assert!(demo_idp_on(on).unwrap(), "{on:?}");
    }
    let err = demo_idp_on(Some("maybe")).unwrap_err();
    assert!(err.contains("SAAS_DEMO_IDP must be 1"), "{err}");
}
