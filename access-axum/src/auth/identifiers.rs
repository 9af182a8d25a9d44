//! Login identifiers: emails and usernames as they are stored (trimmed, lowercase), or `None`
//! when they are not valid.

/// The normalized email, if `s` is one.
pub(crate) fn normalize_email(s: &str) -> Option<String> {
    let e = s.trim().to_lowercase();
    let (local, domain) = e.split_once('@')?;
    let ok = !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !e.chars().any(|c| c.is_whitespace() || c.is_control())
        && e.len() <= 254;
    ok.then_some(e)
}

/// The normalized username, if `s` is one (3 to 64 letters, digits, `_`, `.` or `-`).
pub(crate) fn normalize_username(s: &str) -> Option<String> {
    let u = s.trim().to_lowercase();
    let ok = (3..=64).contains(&u.len())
        && u.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    ok.then_some(u)
}
