//! The permission matrix: who may do what, rendered from a model's tables as Markdown (for a
//! reviewed file in the repository) and JSON (for tools).
//!
//! For each entitlement it lists every role, on the entitlement's entity type or on any type
//! above it, that grants it, with the shortest path that does (the declared role, `implies`
//! steps, `inherits` lines), and the flags, plans and limits that gate it.
//!
//! Keep `docs/permission-matrix.md` next to the model and compare it in a test
//! ([`check_file`]): every change to who may do what then shows in the pull request's diff.
//!
//! ```
//! use access_core::model_builder::ModelBuilder;
//! let data = ModelBuilder::new("Access")
//!     .entity("org", ["owner"])
//!     .entity("project", ["manager", "viewer"])
//!     .implies("project", "manager", "viewer")
//!     .inherits("project", "org", "owner", "manager")
//!     .entitlement("project:read", "project", ["viewer"], [])
//!     .build()
//!     .unwrap();
//! let md = access_core::matrix::markdown(&data);
//! assert!(md.contains("| `org:owner` | org:owner ⇒ project:manager → viewer |"));
//! ```

use std::collections::VecDeque;
use std::fmt::Write as _;

use access_model::ModelData;

/// One way to hold an entitlement: a role on some entity type and the path from it.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
///
/// let data = ModelBuilder::new("Access")
///     .entity("project", ["manager", "viewer"])
///     .implies("project", "manager", "viewer")
///     .entitlement("project:read", "project", ["viewer"], [])
///     .build()
///     .unwrap();
/// let manager = &access_core::matrix::rows(&data)[0].holders[0];
/// assert_eq!((manager.entity.as_str(), manager.role.as_str()), ("project", "manager"));
/// assert_eq!(manager.path, "project:manager → viewer");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Holder {
    /// The entity type the role is held on.
    pub entity: String,
    /// The role.
    pub role: String,
    /// The shortest path, as `entity:role` steps joined by `⇒` (inherits) and `→` (implies).
    pub path: String,
}

/// One entitlement's row of the matrix.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
///
/// let data = ModelBuilder::new("Access")
///     .entity("project", ["manager", "viewer"])
///     .implies("project", "manager", "viewer")
///     .entitlement("project:read", "project", ["viewer"], [])
///     .build()
///     .unwrap();
/// let row = &access_core::matrix::rows(&data)[0];
/// assert_eq!((row.entitlement.as_str(), row.entity.as_str()), ("project:read", "project"));
/// assert_eq!(row.roles, ["viewer"]);
/// assert_eq!(row.holders.len(), 2); // manager (through implies) and viewer
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// The entitlement.
    pub entitlement: String,
    /// Its entity type.
    pub entity: String,
    /// The roles listed in its declaration.
    pub roles: Vec<String>,
    /// Flags that must be on.
    pub flags: Vec<String>,
    /// Plans that include it (empty: not plan-gated).
    pub plans: Vec<String>,
    /// Limits that count it, as `name (per period)`.
    pub limits: Vec<String>,
    /// Every role that grants it, own type first, then the types above in declaration order.
    pub holders: Vec<Holder>,
}

/// The matrix of `data`, one row per entitlement in declaration order.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
///
/// let data = ModelBuilder::new("Access")
///     .entity("project", ["manager", "viewer"])
///     .implies("project", "manager", "viewer")
///     .entitlement("project:read", "project", ["viewer"], [])
///     .build()
///     .unwrap();
/// let rows = access_core::matrix::rows(&data);
/// let paths: Vec<&str> = rows[0].holders.iter().map(|h| h.path.as_str()).collect();
/// assert_eq!(paths, ["project:manager → viewer", "project:viewer"]);
/// ```
pub fn rows(data: &ModelData) -> Vec<Row> {
    data.entitlements
        .iter()
        .map(|e| {
            let target = e.entity as usize;
            let mut holders = Vec::new();
            for (t, ent) in data.entities.iter().enumerate() {
                for r in 0..ent.roles.len() {
                    if let Some(path) = path_to(data, (t, r), target, e.roles) {
                        holders.push((t != target, t, r, path));
                    }
                }
            }
            holders.sort_by_key(|(other, t, r, _)| (*other, *t, *r));
            Row {
                entitlement: e.name.to_string(),
                entity: data.entities[target].name.to_string(),
                roles: e
                    .roles
                    .iter()
                    .map(|r| data.entities[target].roles[r].to_string())
                    .collect(),
                flags: e.flags.iter().map(|f| data.flags[f].to_string()).collect(),
                plans: e
                    .plans
                    .iter()
                    .map(|p| data.plans[*p as usize].name.to_string())
                    .collect(),
                limits: e
                    .limits
                    .iter()
                    .map(|l| {
                        let l = &data.limits[*l as usize];
                        format!("{} (per {})", l.name, l.period.as_str())
                    })
                    .collect(),
                holders: holders
                    .into_iter()
                    .map(|(_, t, r, path)| Holder {
                        entity: data.entities[t].name.to_string(),
                        role: data.entities[t].roles[r].to_string(),
                        path,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// The shortest path from role `from` to a role in `listed` on type `target`: `implies` steps
/// within a type, written `inherits` lines between types.
fn path_to(
    data: &ModelData,
    from: (usize, usize),
    target: usize,
    listed: access_model::RoleSet,
) -> Option<String> {
    // Breadth-first over (type, role) states; each state remembers its predecessor.
    let mut seen: Vec<((usize, usize), Option<usize>, &'static str)> = vec![(from, None, "")];
    let mut queue = VecDeque::from([0usize]);
    while let Some(i) = queue.pop_front() {
        let ((t, r), _, _) = seen[i];
        if t == target && listed.contains(r) {
            // Rebuild the path.
            let mut steps = Vec::new();
            let mut at = Some(i);
            while let Some(j) = at {
                steps.push(j);
                at = seen[j].1;
            }
            steps.reverse();
            let mut out = String::new();
            for (k, &j) in steps.iter().enumerate() {
                let ((t, r), _, how) = seen[j];
                let e = &data.entities[t];
                if k == 0 {
                    let _ = write!(out, "{}:{}", e.name, e.roles[r]);
                } else if how == "implies" {
                    let _ = write!(out, " → {}", e.roles[r]);
                } else {
                    let _ = write!(out, " ⇒ {}:{}", e.name, e.roles[r]);
                }
            }
            return Some(out);
        }
        let mut next: Vec<((usize, usize), &'static str)> = Vec::new();
        // implies: the roles this one implies directly (the closure holds them all; taking
        // every implied role as one step keeps paths short).
        if let Some(c) = data.entities[t].implies.get(r) {
            for q in c.iter().filter(|&q| q != r) {
                next.push(((t, q), "implies"));
            }
        }
        for edge in data.edges.iter().filter(|e| e.parent as usize == t) {
            for &(pq, c) in edge.lines.iter() {
                if pq as usize == r {
                    next.push(((edge.child as usize, c as usize), "inherits"));
                }
            }
        }
        for (s, how) in next {
            if !seen.iter().any(|(x, _, _)| *x == s) {
                seen.push((s, Some(i), how));
                queue.push_back(seen.len() - 1);
            }
        }
    }
    None
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "—".to_owned()
    } else {
        v.iter()
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The matrix as Markdown: a gates table, then per entitlement every role that grants it and
/// how.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
///
/// let data = ModelBuilder::new("Access")
///     .entity("project", ["manager", "viewer"])
///     .implies("project", "manager", "viewer")
///     .entitlement("project:read", "project", ["viewer"], [])
///     .build()
///     .unwrap();
/// let md = access_core::matrix::markdown(&data);
/// assert!(md.starts_with("# Permission matrix of `Access`"));
/// assert!(md.contains("| `project:manager` | project:manager → viewer |"));
/// ```
pub fn markdown(data: &ModelData) -> String {
    let rows = rows(data);
    let mut out = String::new();
    let _ = writeln!(out, "# Permission matrix of `{}`\n", data.name);
    out.push_str(
        "Generated from the model (`access_core::matrix::markdown`); do not edit by hand.\n\
         `⇒` is an `inherits` line, `→` an `implies` step.\n\n",
    );
    out.push_str("## Gates\n\n| entitlement | on | roles | flags | plans | limits |\n|---|---|---|---|---|---|\n");
    for r in &rows {
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} | {} | {} |",
            r.entitlement,
            r.entity,
            list(&r.roles),
            list(&r.flags),
            if r.plans.is_empty() {
                "any plan".to_owned()
            } else {
                list(&r.plans)
            },
            list(&r.limits)
        );
    }
    out.push_str("\n## Who holds each entitlement\n");
    for r in &rows {
        let _ = writeln!(out, "\n### `{}` on `{}`\n", r.entitlement, r.entity);
        if r.holders.is_empty() {
            out.push_str("No role can obtain it.\n");
            continue;
        }
        out.push_str("| role | path |\n|---|---|\n");
        for h in &r.holders {
            let _ = writeln!(out, "| `{}:{}` | {} |", h.entity, h.role, h.path);
        }
    }
    out
}

/// The matrix as JSON: `{ "model": name, "entitlements": [Row, ..] }`.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
///
/// let data = ModelBuilder::new("Access")
///     .entity("project", ["manager", "viewer"])
///     .implies("project", "manager", "viewer")
///     .entitlement("project:read", "project", ["viewer"], [])
///     .build()
///     .unwrap();
/// let v = access_core::matrix::json(&data);
/// assert_eq!(v["model"], "Access");
/// assert_eq!(v["entitlements"][0]["holders"][0]["path"], "project:manager → viewer");
/// ```
pub fn json(data: &ModelData) -> serde_json::Value {
    serde_json::json!({ "model": &*data.name, "entitlements": rows(data) })
}

/// Compares `path` with the model's Markdown matrix. When they differ: with the environment
/// variable `ACCESS_UPDATE_MATRIX=1` the file is rewritten, otherwise the error holds a line
/// diff and how to regenerate (as insta and trybuild do).
///
/// # Errors
/// The file differs (or cannot be read/written).
///
/// # Examples
/// ```no_run
/// use access_core::model_builder::ModelBuilder;
///
/// // In a test next to the model: fails, with the diff, when the reviewed file is out of date.
/// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
/// let path = std::path::Path::new("docs/permission-matrix.md");
/// access_core::matrix::check_file(&data, path).unwrap();
/// ```
pub fn check_file(data: &ModelData, path: &std::path::Path) -> Result<(), String> {
    let have = std::fs::read_to_string(path).unwrap_or_default();
    match compare(data, &have) {
        Ok(()) => Ok(()),
        Err(_) if std::env::var("ACCESS_UPDATE_MATRIX").as_deref() == Ok("1") => {
            std::fs::write(path, markdown(data)).map_err(|e| format!("{}: {e}", path.display()))
        }
        Err(d) => Err(format!(
            "{} is out of date with the model; regenerate it with ACCESS_UPDATE_MATRIX=1 and review the change:\n{d}",
            path.display()
        )),
    }
}

/// Compares a rendered matrix with the model's; the error is the line diff (`-` only in
/// `current`, `+` only in the model's rendering).
///
/// # Errors
/// They differ.
///
/// # Examples
/// ```
/// use access_core::matrix::{compare, markdown};
/// use access_core::model_builder::ModelBuilder;
///
/// let data = ModelBuilder::new("Access").entity("project", ["viewer"]).build().unwrap();
/// assert_eq!(compare(&data, &markdown(&data)), Ok(()));
/// let diff = compare(&data, "# Permission matrix of `Access`\n").unwrap_err();
/// assert!(diff.starts_with('+') && !diff.contains("-# Permission matrix"));
/// ```
pub fn compare(data: &ModelData, current: &str) -> Result<(), String> {
    let want = markdown(data);
    if current == want {
        Ok(())
    } else {
        Err(diff(current, &want))
    }
}

/// A line diff: `-` lines only in `old`, `+` lines only in `new` (longest common subsequence).
///
/// # Examples
/// ```
/// use access_core::matrix::diff;
///
/// assert_eq!(diff("a\nb\nc\n", "a\nc\nd\n"), "-b\n+d\n");
/// assert_eq!(diff("same\n", "same\n"), "");
/// ```
pub fn diff(old: &str, new: &str) -> String {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let (n, m) = (a.len(), b.len());
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = String::new();
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            let _ = writeln!(out, "+{}", b[j]);
            j += 1;
        } else {
            let _ = writeln!(out, "-{}", a[i]);
            i += 1;
        }
    }
    out
}
