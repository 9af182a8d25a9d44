//! The macro never panics, whatever the tokens.

use proc_macro2::TokenStream;
use proptest::prelude::*;

const VALID: &str = r#"crate = ::access_core;
    /// doc
    pub Access;
    roles: [admin, editor, user],
    default_role: user,
    entity organization { roles: [owner, admin, member] }
    entity project {
        roles: [manager, viewer],
        implies: { manager => viewer },
        inherits: { organization:owner => manager, project:manager => manager },
    }
    flags: [beta],
    entitlements {
        "project:read" on project => roles [viewer],
        "ai:generate" on project => roles [manager], flags [beta],
    }
    plans {
        free { group: main, features: ["project:read"] }
        pro { group: main, features: ["project:read", "ai:generate"],
              limits: { ai: "ai:generate" per month max 10 } }
        boost { add_on, features: ["ai:generate"], limits: { ai: "ai:generate" per month max 5 },
                requires: main [pro] }
    }
    default_plan: free,
    default_permission: { create: [admin], read: public, delete: blocked },
"#;

fn expand(src: &str) -> Option<String> {
    let tokens: TokenStream = src.parse().ok()?;
    Some(super::expand(tokens).to_string())
}

#[test]
fn valid_model_expands_without_errors() {
    let out = expand(VALID).expect("tokens");
    assert!(!out.contains("compile_error"), "{out}");
    assert!(out.contains("enum Entitlement"));
    assert!(out.contains("ProjectRead"));
    assert!(out.contains("enum ProjectRole"));
}

#[test]
fn three_mistakes_give_three_errors() {
    let src = VALID
        .replace("roles [viewer]", "roles [viewr]")
        .replace("default_plan: free", "default_plan: fre")
        .replacen("per month", "per fortnight", 1);
    let out = expand(&src).unwrap();
    assert_eq!(out.matches("compile_error").count(), 3, "{out}");
}

const VOCAB: &[&str] = &[
    "roles",
    "default_role",
    "entity",
    "implies",
    "inherits",
    "flags",
    "entitlements",
    "on",
    "plans",
    "group",
    "add_on",
    "features",
    "limits",
    "per",
    "max",
    "requires",
    "default_plan",
    "default_permission",
    "public",
    "blocked",
    "authenticated",
    "admin",
    "project",
    "month",
    "\"project:read\"",
    "\"Bad Name\"",
    "\"a:b:c\"",
    "\"\"",
    "7",
    "18446744073709551616",
    "-1",
    ":",
    "=>",
    ",",
    ";",
    "=",
    "pub",
    "crate",
    "__",
    "_1",
    "r#type",
    "Self",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
];

fn arbitrary_tokens() -> impl Strategy<Value = String> {
    prop::collection::vec(0..VOCAB.len(), 0..80).prop_map(|ix| {
        // Keep delimiters balanced so the string lexes; unbalanced input never reaches a macro.
        let mut out = String::new();
        let mut stack: Vec<char> = Vec::new();
        for i in ix {
            let t = VOCAB[i];
            match t {
                "{" | "[" | "(" => stack.push(match t {
                    "{" => '}',
                    "[" => ']',
                    _ => ')',
                }),
                "}" | "]" | ")" => {
                    if let Some(c) = stack.pop() {
                        out.push(c);
                        out.push(' ');
                    }
                    continue;
                }
                _ => {}
            }
            out.push_str(t);
            out.push(' ');
        }
        while let Some(c) = stack.pop() {
            out.push(c);
        }
        out
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn never_panics_on_arbitrary_tokens(body in arbitrary_tokens(), with_header in any::<bool>()) {
        let src = if with_header { format!("crate = ::access_core; pub Access; {body}") } else { body };
        let _ = expand(&src);
    }

    #[test]
    fn never_panics_on_truncated_or_mutated_models(cut in 0..VALID.len(), drop in 0..VALID.len(), len in 0usize..20) {
        // Truncate, or cut a span out of the middle, of a valid model.
        let truncated: String = VALID.chars().take(cut).collect();
        let _ = expand(&truncated);
        let mut mutated: String = VALID.chars().take(drop).collect();
        mutated.extend(VALID.chars().skip(drop + len));
        let _ = expand(&mutated);
    }
}
