//! Unit tests of the validation rules.
use crate::builder::ModelBuilder;

fn messages(b: ModelBuilder) -> Vec<String> {
    super::compile(&b.into_spec())
        .unwrap_err()
        .into_iter()
        .map(|e| e.message)
        .collect()
}

#[test]
fn non_ascii_names_are_accepted() {
    // Rust identifiers may have non-ASCII letters; the model refuses none of them.
    let data = ModelBuilder::new("Accès")
        .entity("projet", ["lecteur_é", "rédacteur"])
        .implies("projet", "rédacteur", "lecteur_é")
        .entitlement("projet:lire", "projet", ["lecteur_é"], [])
        .build()
        .unwrap();
    assert_eq!(data.role_index(0, "lecteur_é"), Some(0));
    assert!(data.entitlements[0].granting.contains(1));
}

#[test]
fn a_malformed_entitlement_name_says_what_is_wrong() {
    let names = [
        (
            "Project-Delete",
            "it has no `:` between resource and action",
        ),
        ("a:b:c", "it has more than one `:`"),
        (":read", "the resource is empty"),
        ("project:", "the action is empty"),
        (
            "Project:read",
            "the resource `Project` starts with `P`, not a lowercase ASCII letter",
        ),
        (
            "project:1read",
            "the action `1read` starts with `1`, not a lowercase ASCII letter",
        ),
        (
            "projet:lire_é",
            "the action `lire_é` contains `é`; after its first letter a part has lowercase ASCII letters, digits and `_`",
        ),
        (
            "project:re-ad",
            "the action `re-ad` contains `-`; after its first letter a part has lowercase ASCII letters, digits and `_`",
        ),
    ];
    for (name, problem) in names {
        let b = ModelBuilder::new("Access")
            .entity("project", ["viewer"])
            .entitlement(name, "project", ["viewer"], []);
        assert_eq!(
            messages(b),
            [format!(
                "malformed entitlement name `{name}`: {problem}; expected `resource:action` in lowercase ASCII snake case, like `project:read`"
            )],
            "{name}"
        );
    }
    for name in ["project:read", "a1:b_2", "x:y"] {
        let b = ModelBuilder::new("Access")
            .entity("project", ["viewer"])
            .entitlement(name, "project", ["viewer"], []);
        assert!(b.build().is_ok(), "{name}");
    }
}

#[test]
fn too_many_entities_is_an_error_not_a_huge_table() {
    let mut b = ModelBuilder::new("Big");
    for i in 0..=crate::data::MAX_ENTITIES {
        b = b.entity(format!("e{i}"), ["r"]);
    }
    assert_eq!(
        messages(b),
        ["too many entities: at most 1024 are supported"]
    );
}

#[test]
fn too_many_inheriting_type_pairs_is_an_error_not_a_wrapped_index() {
    // 257 types, each inheriting from every other: 257 × 256 = 65,792 pairs.
    let n = 257;
    let mut b = ModelBuilder::new("Dense");
    for i in 0..n {
        b = b.entity(format!("e{i}"), ["r"]);
    }
    for c in 0..n {
        for p in (0..n).filter(|p| *p != c) {
            b = b.inherits(&format!("e{c}"), &format!("e{p}"), "r", "r");
        }
    }
    assert_eq!(
        messages(b),
        ["too many pairs of entity types with `inherits` lines: at most 65534 are supported"]
    );
}
