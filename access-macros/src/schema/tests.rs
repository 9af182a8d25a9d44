//! The derive's pipeline on token input: every error of one derive, keys in step with darling,
//! and no panic whatever the tokens.

use proc_macro2::TokenStream;
use proptest::prelude::*;

const VALID: &str = r#"
#[schema(access = crate::model::Access, name = "product", id = id, crate = ::access_core,
    view(ProductForUser = [user]),
    permission(
        create = [admin, self::owns],
        read   = public,
        list   = authenticated,
        update = any(role(admin), all(role(editor), where(owner_id = user.id, archived = false))),
        delete = all(role(admin), fva(300), in_memory(entitlement("product:update"))),
    ))]
pub struct Product {
    pub id: i64,
    pub owner_id: i64,
    pub archived: bool,
    #[schema(permission(read = [admin, editor], write = blocked))]
    pub supplier_email: String,
    #[schema(read_only)]
    pub created_at: i64,
}
"#;

fn derive(src: &str) -> Option<String> {
    let tokens: TokenStream = src.parse().ok()?;
    Some(super::derive(tokens).to_string())
}

fn errors(out: &str) -> usize {
    out.matches("compile_error").count()
}

#[test]
fn valid_schema_expands_without_errors() {
    let out = derive(VALID).unwrap();
    assert_eq!(errors(&out), 0, "{out}");
    assert!(
        out.contains("impl :: access_core :: __private :: Schema for Product"),
        "{out}"
    );
    assert!(out.contains("struct ProductForUser"), "{out}");
    assert!(out.contains("entitlement_index"), "{out}");
}

#[test]
fn two_mistakes_in_one_permission_are_both_reported() {
    // `rol` is the derive's error; `admn` is the model's, which the derive cannot see: the
    // fallback still emits it as `<model>::admn` for rustc to report.
    let src = "#[schema(access = Access, permission(read = rol(admin), delete = [admn]))]
        pub struct Post { pub id: i64 }";
    let out = derive(src).unwrap();
    assert!(
        out.contains("unknown rule `rol(..)`, did you mean `role`?"),
        "{out}"
    );
    assert_eq!(errors(&out), 1, "{out}");
    assert!(out.contains("Access :: admn"), "{out}");
    assert!(out.contains("Rule :: Blocked"), "the fallback impl: {out}");
}

#[test]
fn mistakes_in_every_place_are_collected() {
    let src = VALID
        .replace("name = \"product\"", "nme = \"product\"")
        .replace("fva(300)", "fva(\"300\")")
        .replace("owner_id = user.id", "ownr_id = user.tenant")
        .replace(
            "#[schema(read_only)]",
            "#[schema(readonly, permission(update = public))]",
        )
        .replace(
            "list   = authenticated",
            "list   = any(anny(public), role(admin) public)",
        );
    let out = derive(&src).unwrap();
    for m in [
        "unknown `schema` attribute `nme`, did you mean `name`?",
        "`fva` takes a number of seconds",
        "unknown field `ownr_id`, did you mean `owner_id`?",
        "unknown `user.tenant`, did you mean `user.tenant_id`?",
        "unknown `schema` field attribute `readonly`, did you mean `read_only`?",
        "unknown field action `update`, expected one of `read`, `write`",
        "unknown rule `anny(..)`, did you mean `any`?",
        "expected `,` after the rule",
    ] {
        assert!(out.contains(m), "{m}: {out}");
    }
    assert_eq!(errors(&out), 8, "{out}");
}

#[test]
fn every_key_is_one_darling_reads() {
    // The keys listed for suggestions are the keys darling's derive claims.
    for key in super::attr::STRUCT_KEYS {
        let src = VALID.replace("name = \"product\"", &format!("{key} = \"product\""));
        let out = derive(&src).unwrap();
        assert!(!out.contains("unknown `schema` attribute"), "{key}: {out}");
    }
    for key in super::attr::FIELD_KEYS {
        let src = VALID.replace("#[schema(read_only)]", &format!("#[schema({key})]"));
        let out = derive(&src).unwrap();
        assert!(
            !out.contains("unknown `schema` field attribute"),
            "{key}: {out}"
        );
    }
}

#[test]
fn several_schema_attributes_merge() {
    let src = VALID.replace(
        "#[schema(read_only)]",
        "#[schema(read_only)] #[schema(permission(read = public))]",
    );
    assert_eq!(errors(&derive(&src).unwrap()), 0);
}

#[test]
fn raw_field_names_are_the_serde_names() {
    let src = VALID
        .replace("pub archived: bool", "pub r#type: bool")
        .replace("archived = false", "r#type = false");
    let out = derive(&src).unwrap();
    assert_eq!(errors(&out), 0, "{out}");
    assert!(out.contains("\"type\" =>"), "{out}");
    assert!(!out.contains("\"r#type\""), "{out}");
}

#[test]
fn not_a_struct_gets_no_impls() {
    let out = derive("#[schema(access = Access)] enum E { A }").unwrap();
    assert_eq!(errors(&out), 1, "{out}");
    assert!(!out.contains("impl"), "{out}");
}

/// The words of the attribute grammar, spliced into valid input by the property below.
const VOCAB: &[&str] = &[
    "access",
    "permission",
    "view",
    "where",
    "all",
    "any",
    "role",
    "fva",
    "in_memory",
    "user",
    "id",
    "r#type",
    "crate",
    "self",
    "=",
    ",",
    ".",
    "::",
    "(",
    ")",
    "[",
    "]",
    "#",
    "\"x\"",
    "1.5",
    "-1",
    "99999999999999999999999",
    "é",
    "_",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the tokens, the derive returns tokens (errors are `compile_error!`s).
    #[test]
    fn never_panics(cut in 0usize..VALID.len(), words in prop::collection::vec(0..VOCAB.len(), 0..4)) {
        let mut src = VALID.to_owned();
        let mut at = cut;
        while !src.is_char_boundary(at) {
            at -= 1;
        }
        let insert: Vec<&str> = words.iter().map(|i| VOCAB[*i]).collect();
        src.insert_str(at, &format!(" {} ", insert.join(" ")));
        let _ = derive(&src);
    }

    #[test]
    fn truncated_input_never_panics(cut in 0usize..VALID.len()) {
        let mut at = cut;
        while !VALID.is_char_boundary(at) {
            at -= 1;
        }
        let _ = derive(&VALID[..at]);
    }
}
