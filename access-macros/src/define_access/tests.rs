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

/// Every expansion is Rust: a file of items (`compile_error!`s among them) that syn reads.
fn items(out: &str) -> syn::File {
    let tokens: TokenStream = out.parse().expect("the expansion lexes");
    match syn::parse2::<syn::File>(tokens) {
        Ok(file) => file,
        Err(e) => panic!("the expansion is not Rust ({e}):\n{out}"),
    }
}

/// The expansion of a model without errors: Rust, and no `compile_error!`.
fn assert_items(out: &str) {
    assert!(!out.contains("compile_error"), "{out}");
    items(out);
}

/// The variants of the generated enum `name`.
fn variants(out: &str, name: &str) -> Vec<String> {
    items(out)
        .items
        .iter()
        .find_map(|i| match i {
            syn::Item::Enum(e) if e.ident == name => {
                Some(e.variants.iter().map(|v| v.ident.to_string()).collect())
            }
            _ => None,
        })
        .unwrap_or_else(|| panic!("no enum {name}: {out}"))
}

#[test]
fn raw_model_name_expands() {
    // `r#Access` once made `__ACCESS_DATA_R#ACCESS`, which is no identifier: a panic.
    let out = expand(&VALID.replace("pub Access;", "pub r#Access;")).unwrap();
    assert_items(&out);
    assert!(
        out.contains("struct r#Access") || out.contains("struct Access"),
        "{out}"
    );
}

#[test]
fn keyword_names_become_raw_identifiers() {
    // Global roles are associated constants: a keyword is written `r#type`; as variants they
    // are UpperCamelCase (`Type`), which no keyword is.
    let src = VALID
        .replace(
            "roles: [admin, editor, user]",
            "roles: [admin, r#type, match, gen, user]",
        )
        .replace("entity organization", "entity r#type")
        .replace("organization:owner", "r#type:owner")
        .replace("roles: [manager, viewer]", "roles: [manager, viewer, r#fn]");
    let out = expand(&src).unwrap();
    assert_items(&out);
    for raw in ["const r#type", "const r#match", "const r#gen"] {
        assert!(out.contains(raw), "{raw}: {out}");
    }
    assert!(out.contains("enum TypeRole"), "{out}");
    assert!(!out.contains("const type"), "{out}");
}

#[test]
fn non_ascii_names_expand() {
    let src = VALID.replace(
        "roles: [manager, viewer]",
        "roles: [manager, viewer, lecteur_é]",
    );
    let out = expand(&src).unwrap();
    assert_items(&out);
    assert!(out.contains("Lecteuré"), "{out}");
}

#[test]
fn names_without_an_identifier_are_errors() {
    // `crate` has no `r#` form (no constant `Access::crate`); `self` becomes the variant `Self`;
    // `_1` becomes `1`, `__` nothing.
    let src = VALID.replace(
        "roles: [admin, editor, user]",
        "roles: [admin, crate, self, _1, __, ALL, user]",
    );
    let out = expand(&src).unwrap();
    assert_eq!(out.matches("compile_error").count(), 5, "{out}");
    for m in [
        "hide the generated constant `ALL`",
        "global role `crate` cannot name the constant",
        "variant `Self`",
        "`1` is not an identifier",
        "no letter or digit",
    ] {
        assert!(out.contains(m), "{m}: {out}");
    }
}

#[test]
fn one_mistake_keeps_every_item() {
    // The fallback names the items after what parsed: uses of them raise no second error.
    let out = expand(&VALID.replace("roles [viewer]", "roles [viewr]")).unwrap();
    assert_eq!(out.matches("compile_error").count(), 1, "{out}");
    for item in [
        "enum Entitlement",
        "ProjectRead",
        "enum EntityType",
        "enum Role",
        "enum Plan",
        "enum Flag",
        "enum Limit",
        "enum ProjectRole",
        "enum OrganizationRole",
        "mod entitlement",
        "AccessModel for Access",
        "const admin",
        "__ENTITLEMENTS",
    ] {
        assert!(out.contains(item), "{item}: {out}");
    }
}

#[test]
fn syntax_error_keeps_what_parsed_before_it() {
    let src = VALID.replace("default_plan: free,", "default_plan: free, oops ,");
    let out = expand(&src).unwrap();
    assert_eq!(out.matches("compile_error").count(), 1, "{out}");
    assert!(out.contains("unknown section `oops`"), "{out}");
    for item in [
        "ProjectRead",
        "enum ProjectRole",
        "AccessModel for Access",
        "Boost",
    ] {
        assert!(out.contains(item), "{item}: {out}");
    }
    // An error inside a block keeps the block's items before it.
    let src = VALID.replace(
        "\"ai:generate\" on project => roles [manager], flags [beta],",
        "\"ai:generate\" on project => roles [manager] flags",
    );
    let out = expand(&src).unwrap();
    assert_eq!(out.matches("compile_error").count(), 1, "{out}");
    assert!(
        out.contains("ProjectRead") && out.contains("AiGenerate"),
        "{out}"
    );
}

#[test]
fn duplicates_and_malformed_names_are_left_out_of_the_fallback() {
    let src = VALID
        .replace("flags: [beta]", "flags: [beta, beta]")
        .replace(
            "\"project:read\" on project => roles [viewer],",
            "\"project:read\" on project => roles [viewer], \"Bad-Name\" on project => roles [viewer],",
        );
    let out = expand(&src).unwrap();
    assert_eq!(out.matches("compile_error").count(), 2, "{out}");
    assert_eq!(variants(&out, "Flag"), ["Beta"]);
    assert_eq!(variants(&out, "Entitlement"), ["ProjectRead", "AiGenerate"]);
    assert_eq!(variants(&out, "ProjectRole"), ["Manager", "Viewer"]);
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
    "tenant",
    "owner",
    "member",
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
    "r#Access",
    "r#match",
    "type",
    "match",
    "gen",
    "crate",
    "self",
    "super",
    "Self",
    "_",
    "lecteur_é",
    "r#self_",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
];

/// Names in every form a model can write: plain, raw, keywords (strict, reserved, 2024's `gen`,
/// those `r#` cannot escape), non-ASCII, underscores.
const NAMES: &[&str] = &[
    "r#type",
    "type",
    "r#match",
    "match",
    "gen",
    "r#gen",
    "r#async",
    "try",
    "union",
    "crate",
    "self",
    "super",
    "Self",
    "_",
    "_x",
    "__",
    "_1",
    "x_",
    "lecteur_é",
    "é",
    "r#Self_",
    "abstract",
    "r#yield",
    "static",
    "ALL",
    "Role",
    "a1",
    "A",
];

/// Names declared in `VALID` outside string literals (a name is replaced everywhere it occurs).
const WORDS: &[&str] = &[
    "admin",
    "editor",
    "user",
    "organization",
    "owner",
    "member",
    "manager",
    "viewer",
    "beta",
    "free",
    "pro",
    "boost",
    "main",
];

/// `src` with every occurrence of the identifier `word` replaced by `with`.
fn replace_word(src: &str, word: &str, with: &str) -> String {
    let is_ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '#');
    let mut out = String::new();
    let mut rest = src;
    while let Some(i) = rest.find(word) {
        let before = rest[..i]
            .chars()
            .next_back()
            .or_else(|| out.chars().next_back());
        let after = rest[i + word.len()..].chars().next();
        out.push_str(&rest[..i]);
        out.push_str(if is_ident(before) || is_ident(after) {
            word
        } else {
            with
        });
        rest = &rest[i + word.len()..];
    }
    out.push_str(rest);
    out
}

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
    fn never_panics_on_arbitrary_tokens(body in arbitrary_tokens(), header in 0usize..4) {
        let src = match header {
            0 => body,
            1 => format!("crate = ::access_core; pub Access; {body}"),
            2 => format!("crate = ::access_core; pub r#Access; {body}"),
            _ => format!("crate = ::access_core; pub(crate) r#type; {body}"),
        };
        if let Some(out) = expand(&src) {
            items(&out);
        }
    }

    #[test]
    fn any_name_makes_rust_or_an_error(
        name in prop::sample::select(NAMES),
        word in prop::sample::select(WORDS),
    ) {
        // A valid model with one name replaced everywhere it occurs: the expansion is either
        // errors, or items that are Rust.
        if let Some(out) = expand(&replace_word(VALID, word, name)) {
            items(&out);
        }
    }

    #[test]
    fn never_panics_on_truncated_or_mutated_models(cut in 0..VALID.len(), drop in 0..VALID.len(), len in 0usize..20) {
        // Truncate, or cut a span out of the middle, of a valid model.
        // With the header intact (the `macro_rules!` front writes it), the expansion is Rust.
        let header = "crate = ::access_core;";
        let truncated: String = VALID.chars().take(cut).collect();
        if let Some(out) = expand(&truncated)
            && truncated.starts_with(header)
        {
            items(&out);
        }
        let mut mutated: String = VALID.chars().take(drop).collect();
        mutated.extend(VALID.chars().skip(drop + len));
        if let Some(out) = expand(&mutated)
            && mutated.starts_with(header)
        {
            items(&out);
        }
    }
}

#[test]
fn a_tenant_mistake_is_reported_with_the_others() {
    let src = VALID
        .replace(
            "default_plan: free,",
            "default_plan: fre, tenant: organization { owner: ownr },",
        )
        .replace("roles [viewer]", "roles [viewr]");
    let out = expand(&src).unwrap();
    assert_eq!(out.matches("compile_error").count(), 3, "{out}");
    assert!(out.contains("did you mean `owner`"), "{out}");
}
