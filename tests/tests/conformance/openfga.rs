//! OpenFGA: the DSL (schema 1.1), the consolidated check tests and the sample stores.

use std::path::Path;

use serde_yaml_ng::Value;

use super::ir::{self, Assertion, Case, Direct, Rel, Schema, Subject, Term, Tuple, TypeDef};

/// Parses the fitting subset of the DSL. Relations outside it are kept, marked unsupported.
pub fn parse_dsl(src: &str) -> Result<Schema, &'static str> {
    let mut schema = Schema::default();
    let mut in_condition = 0i32;
    for raw in src.lines() {
        // `#` starts a comment at a line's start or after whitespace; `group#member` is not one.
        let line = if raw.trim_start().starts_with('#') {
            ""
        } else if let Some(i) = raw.find(" #") {
            &raw[..i]
        } else {
            raw
        };
        let t = line.trim();
        if in_condition > 0 || t.starts_with("condition ") {
            in_condition += t.matches('{').count() as i32 - t.matches('}').count() as i32;
            continue;
        }
        if t.is_empty() || t == "model" || t.starts_with("schema ") || t == "relations" {
            continue;
        }
        if t.starts_with("module ") || t.starts_with("extend type ") {
            return Err("modular models");
        }
        if let Some(name) = t.strip_prefix("type ") {
            schema.types.push(TypeDef {
                name: name.trim().to_owned(),
                relations: Vec::new(),
            });
            continue;
        }
        let Some(def) = t.strip_prefix("define ") else {
            return Err("DSL outside the subset");
        };
        let Some((name, expr)) = def.split_once(':') else {
            return Err("DSL outside the subset");
        };
        let Some(ty) = schema.types.last_mut() else {
            return Err("DSL outside the subset");
        };
        ty.relations.push(relation(name.trim(), expr.trim()));
    }
    Ok(schema)
}

fn relation(name: &str, expr: &str) -> Rel {
    let mut rel = Rel {
        name: name.to_owned(),
        direct: Vec::new(),
        terms: Vec::new(),
        unsupported: None,
    };
    // Tokens: `[..]` lists whole, parentheses, words.
    let mut tokens: Vec<String> = Vec::new();
    let mut chars = expr.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '[' {
            let mut s = String::new();
            for c in chars.by_ref() {
                s.push(c);
                if c == ']' {
                    break;
                }
            }
            tokens.push(s);
        } else if c == '(' || c == ')' {
            tokens.push(c.to_string());
            chars.next();
        } else {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '(' || c == ')' || c == '[' {
                    break;
                }
                s.push(c);
                chars.next();
            }
            tokens.push(s);
        }
    }
    if tokens.iter().any(|t| t == "and") {
        rel.unsupported = Some("intersection");
        return rel;
    }
    if tokens.iter().any(|t| t == "but") {
        rel.unsupported = Some("exclusion");
        return rel;
    }
    let tokens: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| *t != "(" && *t != ")")
        .collect();
    for term in tokens.split(|t| *t == "or") {
        match term {
            [list] if list.starts_with('[') => {
                for item in list.trim_matches(['[', ']']).split(',') {
                    let item = item.trim();
                    if item.contains(" with ") {
                        // Conditional tuples: their tuples carry the condition and are tainted
                        // there; an unconditional `[user]` beside it still fits.
                        let ty = item.split(" with ").next().unwrap_or("").trim();
                        rel.direct.push(Direct {
                            ty: ty.to_owned(),
                            wildcard: false,
                        });
                    } else if item.contains('#') {
                        // A userset restriction: its tuples are tainted where they occur.
                    } else if let Some(ty) = item.strip_suffix(":*") {
                        // A wildcard restriction: likewise.
                        rel.direct.push(Direct {
                            ty: ty.to_owned(),
                            wildcard: true,
                        });
                    } else if !item.is_empty() {
                        rel.direct.push(Direct {
                            ty: item.to_owned(),
                            wildcard: false,
                        });
                    }
                }
            }
            [c] => rel.terms.push(Term::Computed((*c).to_owned())),
            [r, "from", ts] => rel.terms.push(Term::FromParent {
                tupleset: (*ts).to_owned(),
                relation: (*r).to_owned(),
            }),
            _ => {
                rel.unsupported = Some("DSL outside the subset");
                return rel;
            }
        }
    }
    rel
}

fn s(v: &Value, k: &str) -> Option<String> {
    v.get(k)?.as_str().map(str::to_owned)
}

fn seq<'a>(v: &'a Value, k: &str) -> &'a [Value] {
    v.get(k)
        .and_then(Value::as_sequence)
        .map_or(&[], Vec::as_slice)
}

fn tuple(v: &Value) -> Option<Tuple> {
    let object = Subject::parse(&s(v, "object")?)?;
    let subject = Subject::parse(&s(v, "user")?)?;
    Some(Tuple {
        object,
        relation: s(v, "relation")?.trim().to_owned(),
        subject,
        unsupported: v.get("condition").map(|_| "conditions/caveats"),
    })
}

/// `consolidated_1_1_tests.yaml`: tests of stages; tuples accumulate across a test's stages.
pub fn consolidated(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).expect("readable corpus");
    let doc: Value = serde_yaml_ng::from_str(&text).expect("valid YAML");
    let mut cases = Vec::new();
    for test in seq(&doc, "tests") {
        let name = s(test, "name").unwrap_or_default();
        let mut tuples: Vec<Tuple> = Vec::new();
        for (i, stage) in seq(test, "stages").iter().enumerate() {
            let schema = parse_dsl(&s(stage, "model").unwrap_or_default());
            tuples.extend(seq(stage, "tuples").iter().filter_map(tuple));
            let mut assertions = Vec::new();
            for a in seq(stage, "checkAssertions") {
                let Some(t) = a.get("tuple").and_then(tuple) else {
                    continue;
                };
                let unsupported = if a.get("errorCode").is_some() {
                    Some("expects an error")
                } else if !seq(a, "contextualTuples").is_empty() {
                    Some("contextual tuples")
                } else if a.get("context").is_some() {
                    Some("conditions/caveats")
                } else {
                    None
                };
                assertions.push(Assertion {
                    object: t.object,
                    relation: t.relation,
                    user: t.subject,
                    expected: a
                        .get("expectation")
                        .and_then(Value::as_bool)
                        .unwrap_or(false),
                    origin: "check",
                    unsupported,
                });
            }
            for a in seq(stage, "listObjectsAssertions") {
                let Some(req) = a.get("request") else {
                    continue;
                };
                let (Some(user), Some(ty), Some(relation)) =
                    (s(req, "user"), s(req, "type"), s(req, "relation"))
                else {
                    continue;
                };
                let Some(user) = Subject::parse(&user) else {
                    continue;
                };
                let unsupported = list_unsupported(a, req);
                let listed: Vec<String> = seq(a, "expectation")
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect();
                assertions.extend(ir::list_objects(
                    &tuples,
                    &user,
                    &ty,
                    &relation,
                    &listed,
                    unsupported,
                ));
            }
            for a in seq(stage, "listUsersAssertions") {
                let Some(req) = a.get("request") else {
                    continue;
                };
                let (Some(object), Some(relation)) = (s(req, "object"), s(req, "relation")) else {
                    continue;
                };
                let Some(object) = Subject::parse(&object) else {
                    continue;
                };
                let filters: Vec<String> = seq(req, "filters")
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect();
                let mut unsupported = list_unsupported(a, req);
                if filters.len() != 1 || filters[0].contains('#') {
                    unsupported = unsupported.or(Some("userset subjects"));
                }
                let listed: Vec<String> = seq(a, "expectation")
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect();
                assertions.extend(ir::list_users(
                    &tuples,
                    &object,
                    &relation,
                    filters.first().map_or("", String::as_str),
                    &listed,
                    unsupported,
                ));
            }
            cases.push(Case {
                name: format!("{name} (stage {})", i + 1),
                schema,
                tuples: tuples.clone(),
                assertions,
            });
        }
    }
    cases
}

fn list_unsupported(a: &Value, req: &Value) -> Option<&'static str> {
    if a.get("errorCode").is_some() {
        Some("expects an error")
    } else if !seq(req, "contextualTuples").is_empty() || !seq(a, "contextualTuples").is_empty() {
        Some("contextual tuples")
    } else if req.get("context").is_some() || a.get("context").is_some() {
        Some("conditions/caveats")
    } else {
        None
    }
}

/// One `store.fga.yaml` (the `fga model test` format).
pub fn store(path: &Path) -> Vec<Case> {
    let dir = path.parent().expect("a file in a folder");
    let text = std::fs::read_to_string(path).expect("readable corpus");
    let doc: Value = match serde_yaml_ng::from_str(&text) {
        Ok(d) => d,
        Err(_) => return Vec::new(),
    };
    let model_src = match (s(&doc, "model"), s(&doc, "model_file")) {
        (Some(m), _) => Ok(m),
        (None, Some(f)) if f.ends_with(".fga") => {
            std::fs::read_to_string(dir.join(f)).map_err(|_| "model file missing")
        }
        (None, Some(_)) => Err("modular models"),
        (None, None) => Err("no model"),
    };
    let schema = model_src.and_then(|m| parse_dsl(&m));
    let mut tuples: Vec<Tuple> = seq(&doc, "tuples").iter().filter_map(tuple).collect();
    let mut files: Vec<String> = seq(&doc, "tuple_files")
        .iter()
        .filter_map(|x| x.as_str().map(str::to_owned))
        .collect();
    files.extend(s(&doc, "tuple_file"));
    for f in files {
        if let Ok(t) = std::fs::read_to_string(dir.join(&f))
            && let Ok(v) = serde_yaml_ng::from_str::<Value>(&t)
            && let Some(list) = v.as_sequence()
        {
            tuples.extend(list.iter().filter_map(tuple));
        }
    }
    let name = path
        .strip_prefix(dir.parent().unwrap_or(dir))
        .unwrap_or(path)
        .display()
        .to_string();
    let mut cases = Vec::new();
    for test in seq(&doc, "tests") {
        let mut tuples = tuples.clone();
        tuples.extend(seq(test, "tuples").iter().filter_map(tuple));
        let mut assertions = Vec::new();
        for c in seq(test, "check") {
            let (Some(user), Some(object)) = (s(c, "user"), s(c, "object")) else {
                continue;
            };
            let (Some(user), Some(object)) = (Subject::parse(&user), Subject::parse(&object))
            else {
                continue;
            };
            let unsupported = if c.get("context").is_some() {
                Some("conditions/caveats")
            } else if !seq(c, "contextual_tuples").is_empty() {
                Some("contextual tuples")
            } else {
                None
            };
            if let Some(map) = c.get("assertions").and_then(Value::as_mapping) {
                for (rel, exp) in map {
                    let (Some(rel), Some(exp)) = (rel.as_str(), exp.as_bool()) else {
                        continue;
                    };
                    assertions.push(Assertion {
                        object: object.clone(),
                        relation: rel.to_owned(),
                        user: user.clone(),
                        expected: exp,
                        origin: "check",
                        unsupported,
                    });
                }
            }
        }
        for l in seq(test, "list_objects") {
            let (Some(user), Some(ty)) = (s(l, "user"), s(l, "type")) else {
                continue;
            };
            let Some(user) = Subject::parse(&user) else {
                continue;
            };
            let unsupported = if l.get("context").is_some() {
                Some("conditions/caveats")
            } else if !seq(l, "contextual_tuples").is_empty() {
                Some("contextual tuples")
            } else {
                None
            };
            if let Some(map) = l.get("assertions").and_then(Value::as_mapping) {
                for (rel, objs) in map {
                    let Some(rel) = rel.as_str() else { continue };
                    let listed: Vec<String> = objs
                        .as_sequence()
                        .map(|v| {
                            v.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default();
                    assertions.extend(ir::list_objects(
                        &tuples,
                        &user,
                        &ty,
                        rel,
                        &listed,
                        unsupported,
                    ));
                }
            }
        }
        for l in seq(test, "list_users") {
            let Some(object) = s(l, "object").and_then(|o| Subject::parse(&o)) else {
                continue;
            };
            let filters = seq(l, "user_filter");
            let filter_ty = filters
                .first()
                .and_then(|f| s(f, "type"))
                .unwrap_or_default();
            let mut unsupported = if l.get("context").is_some() {
                Some("conditions/caveats")
            } else if !seq(l, "contextual_tuples").is_empty() {
                Some("contextual tuples")
            } else {
                None
            };
            if filters.len() != 1 || filters[0].get("relation").is_some() {
                unsupported = unsupported.or(Some("userset subjects"));
            }
            if let Some(map) = l.get("assertions").and_then(Value::as_mapping) {
                for (rel, v) in map {
                    let Some(rel) = rel.as_str() else { continue };
                    let listed: Vec<String> = seq(v, "users")
                        .iter()
                        .filter_map(|x| x.as_str().map(str::to_owned))
                        .collect();
                    assertions.extend(ir::list_users(
                        &tuples,
                        &object,
                        rel,
                        &filter_ty,
                        &listed,
                        unsupported,
                    ));
                }
            }
        }
        cases.push(Case {
            name: format!("{name}: {}", s(test, "name").unwrap_or_default()),
            schema: schema.clone(),
            tuples,
            assertions,
        });
    }
    cases
}
