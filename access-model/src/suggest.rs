//! "Did you mean" suggestions and name lists for error messages.

/// The candidate closest to `name` (Jaro–Winkler similarity above 0.8, as darling does), never
/// `name` itself.
///
/// ```
/// assert_eq!(access_model::suggest("admn", ["owner", "admin"]), Some("admin"));
/// assert_eq!(access_model::suggest("zzz", ["owner", "admin"]), None);
/// ```
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let score = strsim::jaro_winkler(name, c);
        if score > 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// "`a`, `b`, `c`".
pub fn backticked<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let v: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    v.join(", ")
}
