//! The pipeline on token streams: errors collected, paths through `crate = ..`, no panic on any
//! input.

use proc_macro2::TokenStream;
use proptest::prelude::*;

use super::expand;

const HANDLER: &str = "async fn h(access: Access<M, S>, id: String) -> String { id }";

fn run(attr: &str, item: &str) -> String {
    let (Ok(attr), Ok(item)) = (attr.parse::<TokenStream>(), item.parse::<TokenStream>()) else {
        return String::new();
    };
    expand(attr, item).to_string()
}

fn errors(out: &str) -> usize {
    out.matches("compile_error").count()
}

#[test]
fn a_valid_attribute_expands_through_access_axum_by_default() {
    let out = run(r#""project:delete", resource = project(id)"#, HANDLER);
    assert_eq!(errors(&out), 0, "{out}");
    assert!(
        out.contains(":: access_axum :: __private :: Response"),
        "{out}"
    );
    assert!(
        !out.contains(":: axum ::") && !out.contains(":: access_core ::"),
        "{out}"
    );
}

#[test]
fn crate_names_the_path_in_both_forms() {
    for attr in [
        r#""p:d", resource = p(id), crate = web::ax"#,
        r#""p:d", crate = "web::ax", resource = p(id), consume"#,
    ] {
        let out = run(attr, HANDLER);
        assert_eq!(errors(&out), 0, "{out}");
        assert!(
            out.contains("web :: ax :: __private :: EntitlementId"),
            "{out}"
        );
        assert!(!out.contains("access_axum"), "{out}");
    }
}

#[test]
fn every_mistake_of_the_attribute_and_the_handler_is_reported() {
    let out = run(
        r#""p:d", resourse = p(id), consum, crate = "not a path", consume, consume"#,
        "fn h(id: String) -> String { id }",
    );
    // `resourse`, `consum`, the crate string, the second `consume`, not async, no `Access`.
    assert_eq!(errors(&out), 6, "{out}");
    assert!(out.contains("did you mean `resource`"), "{out}");
    assert!(out.contains("did you mean `consume`"), "{out}");
    assert!(out.contains("duplicate `consume`"), "{out}");
    assert!(out.contains("needs an `async fn`"), "{out}");
    assert!(out.contains("needs an argument `access"), "{out}");
    // The handler is emitted unchanged beside the errors.
    assert!(out.contains("fn h (id : String) -> String { id }"), "{out}");
}

#[test]
fn missing_parts_are_named() {
    let out = run("", HANDLER);
    assert_eq!(errors(&out), 1, "{out}");
    assert!(
        out.contains("expected the entitlement and the resource"),
        "{out}"
    );
    let out = run(r#""p:d""#, HANDLER);
    assert!(
        out.contains("expected `, resource = <entity>(<id>)`"),
        "{out}"
    );
    let out = run("resource = p(id)", HANDLER);
    assert!(out.contains("expected the entitlement first"), "{out}");
    let out = run(r#""p:d",, resource = p(id)"#, HANDLER);
    assert!(
        out.contains("expected an option between the commas"),
        "{out}"
    );
    let out = run(r#""p:d", resource = p(id)"#, "struct S;");
    assert!(out.contains("goes on an `async fn` handler"), "{out}");
}

const WORDS: &[&str] = &[
    "\"p:d\"",
    "resource",
    "consume",
    "crate",
    "=",
    ",",
    "p",
    "(",
    ")",
    "id",
    "::",
    "web",
    "\"web::ax\"",
    "\"\"",
    "r#type",
    "1",
    "[",
    "]",
    "{",
    "}",
    "#",
    "async",
    "fn",
    "h",
    "->",
    "Access",
    "<",
    ">",
    "M",
    "S",
    ";",
    "é",
];

proptest! {
    /// Any attribute and any item: an expansion or errors, never a panic.
    #[test]
    fn never_panics(
        attr in proptest::collection::vec(proptest::sample::select(WORDS), 0..12),
        item in proptest::collection::vec(proptest::sample::select(WORDS), 0..16),
        handler in any::<bool>(),
    ) {
        let item = if handler { HANDLER.to_owned() } else { item.join(" ") };
        let _ = run(&attr.join(" "), &item);
    }
}
