//! The model drawn as a Mermaid flowchart: entity types with their roles, `implies` (dotted)
//! and `inherits` (solid) arrows, and entitlements with the roles that grant them, their flags
//! and the plans that include them.

use std::fmt::Write as _;

use access_model::ModelData;

fn node_id(entity: &str, role: &str) -> String {
    format!("{entity}__{role}")
}

fn ent_id(i: usize) -> String {
    format!("ent_{i}")
}

/// The Mermaid source of the model's diagram.
///
/// # Examples
/// ```
/// use access_core::{DynamicModel, AccessModel, model_builder::ModelBuilder};
/// let m = DynamicModel::build(
///     ModelBuilder::new("A")
///         .entity("project", ["manager", "viewer"])
///         .implies("project", "manager", "viewer")
///         .entitlement("project:read", "project", ["viewer"], [])
///         .spec(),
/// ).unwrap();
/// let src = access_core::mermaid(m.data());
/// assert!(src.starts_with("flowchart LR"));
/// assert!(src.contains("project__manager -.->|implies| project__viewer"));
/// ```
pub fn mermaid(data: &ModelData) -> String {
    let mut s = String::from("flowchart LR\n");
    for e in data.entities.iter() {
        let _ = writeln!(s, "  subgraph {}[\"{}\"]", e.name, e.name);
        for r in e.roles.iter() {
            let _ = writeln!(s, "    {}[\"{}\"]", node_id(&e.name, r), r);
        }
        let _ = writeln!(s, "  end");
    }
    // `implies`: only the direct lines, recovered from the closure (a → b when b is in a's
    // closure and no other role in between gives it).
    for e in data.entities.iter() {
        for (a, closure) in e.implies.iter().enumerate() {
            for b in closure.iter().filter(|b| *b != a) {
                let via_other = closure
                    .iter()
                    .any(|m| m != a && m != b && e.implies.get(m).is_some_and(|c| c.contains(b)));
                if !via_other {
                    let _ = writeln!(
                        s,
                        "  {} -.->|implies| {}",
                        node_id(&e.name, &e.roles[a]),
                        node_id(&e.name, &e.roles[b])
                    );
                }
            }
        }
    }
    for edge in data.edges.iter() {
        let (Some(p), Some(c)) = (
            data.entities.get(edge.parent as usize),
            data.entities.get(edge.child as usize),
        ) else {
            continue;
        };
        for &(pr, cr) in edge.lines.iter() {
            let (Some(pr), Some(cr)) = (p.roles.get(pr as usize), c.roles.get(cr as usize)) else {
                continue;
            };
            let _ = writeln!(
                s,
                "  {} -->|inherits| {}",
                node_id(&p.name, pr),
                node_id(&c.name, cr)
            );
        }
    }
    for (i, ent) in data.entitlements.iter().enumerate() {
        let mut label = ent.name.to_string();
        if !ent.flags.is_empty() {
            let flags: Vec<&str> = ent
                .flags
                .iter()
                .filter_map(|f| data.flags.get(f).map(|x| &**x))
                .collect();
            let _ = write!(label, "<br/>flags: {}", flags.join(", "));
        }
        if ent.plan_gated {
            let plans: Vec<&str> = ent
                .plans
                .iter()
                .filter_map(|p| data.plans.get(*p as usize).map(|x| &*x.name))
                .collect();
            let _ = write!(label, "<br/>plans: {}", plans.join(", "));
        }
        let _ = writeln!(s, "  {}{{{{\"{}\"}}}}", ent_id(i), label);
        let Some(e) = data.entities.get(ent.entity as usize) else {
            continue;
        };
        for r in ent.roles.iter() {
            if let Some(role) = e.roles.get(r) {
                let _ = writeln!(s, "  {} --> {}", node_id(&e.name, role), ent_id(i));
            }
        }
    }
    s
}
