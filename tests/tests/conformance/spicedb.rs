//! SpiceDB: the schema language and the consistency test configs (`schema`, `relationships`,
//! `assertions`).

use std::path::Path;

use serde_yaml_ng::Value;

use super::ir::{Assertion, Case, Direct, Rel, Schema, Subject, Term, Tuple, TypeDef};

/// Removes `// ..` and `/* .. */` comments.
fn strip_comments(src: &str) -> String {
    let mut out = String::new();
    let mut rest = src;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("/*") {
            rest = r.split_once("*/").map_or("", |(_, r)| r);
        } else if let Some(r) = rest.strip_prefix("//") {
            rest = r.split_once('\n').map_or("", |(_, r)| r);
            out.push('\n');
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Parses the fitting subset of a schema. Definitions outside it are kept, marked unsupported.
pub fn parse_schema(src: &str) -> Result<Schema, &'static str> {
    let src = strip_comments(src);
    let mut schema = Schema::default();
    let mut rest = src.as_str();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        if let Some(r) = rest.strip_prefix("use ") {
            rest = r.split_once('\n').map_or("", |(_, r)| r);
            continue;
        }
        // `definition name { .. }` or `caveat name(..) { .. }`: find the block.
        let Some(open) = rest.find('{') else {
            return Err("schema outside the subset");
        };
        let head = rest[..open].trim().to_owned();
        let mut depth = 0;
        let mut close = None;
        for (i, c) in rest[open..].char_indices() {
            match c {
                '{' => depth += 1,
                '}' => {
                    depth -= 1;
                    if depth == 0 {
                        close = Some(open + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(close) = close else {
            return Err("schema outside the subset");
        };
        let body = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if head.starts_with("caveat ") {
            continue;
        }
        let Some(name) = head.strip_prefix("definition ") else {
            return Err("schema outside the subset");
        };
        let mut ty = TypeDef {
            name: name.trim().to_owned(),
            relations: Vec::new(),
        };
        // Statements: one a line, continued while parentheses are open.
        let mut stmt = String::new();
        for line in body.lines() {
            stmt.push(' ');
            stmt.push_str(line.trim());
            if stmt.matches('(').count() > stmt.matches(')').count() {
                continue;
            }
            let s = std::mem::take(&mut stmt);
            let s = s.trim();
            if s.is_empty() {
                continue;
            }
            if let Some(r) = s.strip_prefix("relation ") {
                let Some((n, types)) = r.split_once(':') else {
                    return Err("schema outside the subset");
                };
                ty.relations.push(relation(n.trim(), types));
            } else if let Some(p) = s.strip_prefix("permission ") {
                let Some((n, expr)) = p.split_once('=') else {
                    return Err("schema outside the subset");
                };
                ty.relations.push(permission(n.trim(), expr));
            } else {
                return Err("schema outside the subset");
            }
        }
        schema.types.push(ty);
    }
    Ok(schema)
}

fn relation(name: &str, types: &str) -> Rel {
    let mut rel = Rel {
        name: name.to_owned(),
        direct: Vec::new(),
        terms: Vec::new(),
        unsupported: None,
    };
    for t in types.split('|') {
        let t = t.trim();
        // `user with caveat` / `with expiration`: tuples carry it and are tainted there.
        let t = t.split(" with ").next().unwrap_or("").trim();
        if t.contains('#') {
            continue; // userset restriction: tainted at its tuples
        }
        let (t, wildcard) = match t.strip_suffix(":*") {
            Some(t) => (t, true),
            None => (t, false),
        };
        if !t.is_empty() {
            rel.direct.push(Direct {
                ty: t.to_owned(),
                wildcard,
            });
        }
    }
    rel
}

fn permission(name: &str, expr: &str) -> Rel {
    let mut rel = Rel {
        name: name.to_owned(),
        direct: Vec::new(),
        terms: Vec::new(),
        unsupported: None,
    };
    let e = expr.trim();
    if e.contains('&') {
        rel.unsupported = Some("intersection");
        return rel;
    }
    if e.contains(" - ") || e.contains(")-") || e.contains("-(") {
        rel.unsupported = Some("exclusion");
        return rel;
    }
    if e.contains(".all(") {
        rel.unsupported = Some("intersection");
        return rel;
    }
    if e.split(|c: char| !c.is_alphanumeric() && c != '_')
        .any(|w| w == "nil" || w == "self")
    {
        rel.unsupported = Some("nil or self");
        return rel;
    }
    let flat: String = e.chars().filter(|c| *c != '(' && *c != ')').collect();
    for term in flat.split('+') {
        let term = term.trim();
        if let Some((ts, r)) = term.split_once("->") {
            rel.terms.push(Term::FromParent {
                tupleset: ts.trim().to_owned(),
                relation: r.trim().to_owned(),
            });
        } else if let Some((ts, r)) = term.split_once(".any") {
            rel.terms.push(Term::FromParent {
                tupleset: ts.trim().to_owned(),
                relation: r.trim().to_owned(),
            });
        } else if !term.is_empty() && term.chars().all(|c| c.is_alphanumeric() || c == '_') {
            rel.terms.push(Term::Computed(term.to_owned()));
        } else {
            rel.unsupported = Some("schema outside the subset");
            return rel;
        }
    }
    rel
}

/// `resource:id#relation@subject:id[#relation][[caveat or expiration]]`.
fn relationship(line: &str) -> Option<Tuple> {
    let line = line.trim();
    let (line, unsupported) = match line.split_once('[') {
        Some((l, extra)) if extra.starts_with("expiration") => (l, Some("expiration")),
        Some((l, _)) => (l, Some("conditions/caveats")),
        None => (line, None),
    };
    let (res, subject) = line.split_once('@')?;
    let (object, relation) = res.split_once('#')?;
    Some(Tuple {
        object: Subject::parse(object)?,
        relation: relation.trim().to_owned(),
        subject: Subject::parse(subject)?,
        unsupported,
    })
}

/// One test config.
pub fn config(path: &Path) -> Vec<Case> {
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let Ok(doc) = serde_yaml_ng::from_str::<Value>(&text) else {
        return Vec::new();
    };
    let schema = doc
        .get("schema")
        .and_then(Value::as_str)
        .map_or(Err("no schema"), parse_schema);
    let rels = doc
        .get("relationships")
        .and_then(Value::as_str)
        .unwrap_or("");
    let tuples: Vec<Tuple> = rels
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .filter_map(relationship)
        .collect();
    let mut assertions = Vec::new();
    let a = doc.get("assertions");
    for (key, expected, unsupported) in [
        ("assertTrue", true, None),
        ("assertFalse", false, None),
        ("assertCaveated", true, Some("conditions/caveats")),
    ] {
        let Some(list) = a.and_then(|a| a.get(key)).and_then(Value::as_sequence) else {
            continue;
        };
        for item in list {
            let Some(s) = item.as_str() else { continue };
            let (s, unsupported) = match s.split_once(" with ") {
                Some((s, _)) => (s, Some("conditions/caveats")),
                None => (s, unsupported),
            };
            let Some(t) = relationship(s) else { continue };
            assertions.push(Assertion {
                object: t.object,
                relation: t.relation,
                user: t.subject,
                expected,
                origin: "check",
                unsupported: unsupported.or(t.unsupported),
            });
        }
    }
    vec![Case {
        name,
        schema,
        tuples,
        assertions,
    }]
}
