//! Model names → Rust identifiers: the one place that decides which identifier a name becomes.
//!
//! A model name is an identifier's text (the parser reads `r#type` as `type`) or an entitlement
//! string (`"project:read"`). Variants are UpperCamelCase (`ProjectRead`); global roles keep
//! their name as an associated constant, written `r#type` when the name is a keyword. Nothing
//! here panics: a name that no identifier can carry is `None`, and `validate` reports it.

use proc_macro2::{Ident, Span};

/// `project:create` → `ProjectCreate`, `beta_ai` → `BetaAi`, `lecteur_é` → `Lecteuré` (ASCII
/// letters are capitalized, other characters kept as written).
pub(crate) fn camel(name: &str) -> String {
    name.split([':', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// Whether `s` is an identifier by Rust's rules: `XID_Start` or `_`, then `XID_Continue`, and
/// not `_` alone. Keywords count (they are identifiers that need `r#`).
pub(crate) fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => {
            (first == '_' || unicode_ident::is_xid_start(first))
                && chars.all(unicode_ident::is_xid_continue)
                && s != "_"
        }
        None => false,
    }
}

/// Keywords that `r#` cannot escape: no item can be named after them.
pub(crate) const UNESCAPABLE: [&str; 4] = ["crate", "self", "Self", "super"];

/// Strict and reserved keywords of every edition (2024's `gen` included): names written `r#..`.
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

/// The identifier `name` is written as in generated code: itself, `r#name` for a keyword, or
/// `None` when no identifier can carry it (not an identifier, or `crate`, `self`, `super`,
/// `Self`).
pub(crate) fn ident(name: &str) -> Option<Ident> {
    if !is_ident(name) || UNESCAPABLE.contains(&name) {
        return None;
    }
    Some(if KEYWORDS.contains(&name) {
        Ident::new_raw(name, Span::call_site())
    } else {
        Ident::new(name, Span::call_site())
    })
}

/// Associated constants of every generated enum (`Role::ALL`): a variant of that name would
/// shadow them.
pub(crate) const ENUM_CONSTS: [&str; 2] = ["ALL", "NAMES"];

/// The variant `name` becomes (`project:read` → `ProjectRead`), if it is an identifier that
/// the generated enum leaves free.
pub(crate) fn variant(name: &str) -> Option<Ident> {
    let v = camel(name);
    if ENUM_CONSTS.contains(&v.as_str()) {
        return None;
    }
    ident(&v)
}
