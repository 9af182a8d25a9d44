//! "Did you mean" suggestions and name lists for error messages.

/// The candidate closest to `name` (Jaro–Winkler similarity above 0.8, as darling does), never
/// `name` itself.
///
/// ```
/// assert_eq!(access_model::suggest("admn", ["owner", "admin"]), Some("admin"));
/// assert_eq!(access_model::suggest("por", ["free", "pro"]), Some("pro"));
/// assert_eq!(access_model::suggest("zzz", ["owner", "admin"]), None);
/// ```
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let mut score = strsim::jaro_winkler(name, c);
        // One edit or one swap of neighbours (`por` for `pro`) is a typo whatever the length;
        // Jaro–Winkler alone misses it in short names.
        if name.chars().count() > 1 && strsim::osa_distance(name, c) == 1 {
            score = score.max(0.9);
        }
        if score > 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// "`a`, `b`, `c`".
///
/// ```
/// assert_eq!(access_model::backticked(["a", "b", "c"]), "`a`, `b`, `c`");
/// assert_eq!(access_model::backticked([]), "");
/// ```
pub fn backticked<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let v: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    v.join(", ")
}

/// ``unknown <what> `<name>`<context>, did you mean `x`?``, or ``, expected one of ..``, or
/// ``: none is declared``: the one wording of every unknown-name error, in both macros and the
/// builder.
///
/// ```
/// let m = access_model::unknown_message("role", "admn", " on `project`", ["admin", "viewer"]);
/// assert_eq!(m, "unknown role `admn` on `project`, did you mean `admin`?");
/// ```
pub fn unknown_message<'a>(
    what: &str,
    name: &str,
    context: &str,
    valid: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match suggest(name, valid.clone()) {
        Some(best) => format!("unknown {what} `{name}`{context}, did you mean `{best}`?"),
        None => {
            let list = backticked(valid);
            if list.is_empty() {
                format!("unknown {what} `{name}`{context}: none is declared")
            } else {
                format!("unknown {what} `{name}`{context}, expected one of {list}")
            }
        }
    }
}
