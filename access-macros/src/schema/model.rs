//! The validated description of one `#[derive(Schema)]`, what expand.rs turns into code.
//!
//! Everything the derive can check has been checked: the shape of the struct, every key, field
//! names (in `where` and `id`), rule words, `where` values, `fva` seconds. The names of the model
//! (global roles, entitlements) are the exception: the derive cannot see the model, so expand.rs
//! emits them at their own spans and rustc checks them (see mod.rs).

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::ext::IdentExt;
use syn::{Generics, Ident, LitBool, LitInt, LitStr, Path, Type, Visibility};

/// One schema, ready to expand.
pub(super) struct Schema {
    pub ident: Ident,
    pub vis: Visibility,
    pub generics: Generics,
    /// `<crate>::__private`, where every generated path starts.
    pub private: TokenStream,
    /// The model `define_access!` declared.
    pub model: Path,
    /// The schema's name in messages.
    pub name: String,
    /// The row's id field, for `entitlement(..)` rules and generated routes.
    pub id_field: Option<Ident>,
    /// The sea-orm entity the fields are the columns of.
    pub entity: Option<Path>,
    /// The rule of each action, in [`ACTIONS`] order; `None` takes the model's default.
    pub actions: [Option<Rule>; 5],
    pub fields: Vec<Field>,
    pub views: Vec<View>,
}

/// The actions of a schema, in the order of [`Schema::actions`].
pub(super) const ACTIONS: [&str; 5] = ["create", "read", "list", "update", "delete"];

/// The actions of a field.
pub(super) const FIELD_ACTIONS: [&str; 2] = ["read", "write"];

/// A named field of the struct.
pub(super) struct Field {
    pub name: Ident,
    pub ty: Type,
    pub read: Option<Rule>,
    pub write: Option<Rule>,
    pub read_only: bool,
}

/// `view(Name = [role, ..])`: a masked type.
pub(super) struct View {
    pub name: Ident,
    pub roles: Vec<Ident>,
}

/// A checked permission rule.
pub(super) enum Rule {
    Public,
    Blocked,
    Authenticated,
    List(Vec<ListEntry>),
    Role(Ident),
    Entitlement(LitStr),
    All(Vec<Rule>),
    Any(Vec<Rule>),
    Where(Vec<Where>),
    /// Seconds since the second factor was verified (the literal parses as a `u64`).
    Fva(LitInt),
    Dynamic(Path),
    /// Checked in memory only, never turned into SQL or a policy.
    InMemory(Box<Rule>),
}

/// An entry of `[..]`.
pub(super) enum ListEntry {
    /// A bare identifier: a global role of the model.
    Role(Ident),
    /// A path: an async fn.
    Check(Path),
}

/// `field = value`, the field one of the struct's.
pub(super) struct Where {
    pub field: Ident,
    pub value: WhereValue,
}

pub(super) enum WhereValue {
    UserId,
    TenantId,
    Int(LitInt),
    Str(LitStr),
    Bool(LitBool),
}

/// `<krate>::__private`, `::access_core::__private` by default.
pub(super) fn private_path(krate: Option<&Path>) -> TokenStream {
    match krate {
        Some(k) => quote!(#k::__private),
        None => quote!(::access_core::__private),
    }
}

impl Schema {
    /// Every rule, actions first (in [`ACTIONS`] order), then each field's read and write.
    pub(crate) fn rules(&self) -> impl Iterator<Item = &Rule> {
        let fields = self.fields.iter().flat_map(|f| [&f.read, &f.write]);
        self.actions.iter().chain(fields).flatten()
    }

    /// The fields `RowFields::field` returns: those a `where` compares, then the id when a rule
    /// names an entitlement (the row's resource), each once, with their types.
    pub(crate) fn compared(&self) -> Vec<&Field> {
        let mut names: Vec<&Ident> = Vec::new();
        let mut entitlements = false;
        for rule in self.rules() {
            rule.visit(&mut |r| match r {
                Rule::Where(clauses) => names.extend(clauses.iter().map(|w| &w.field)),
                Rule::Entitlement(_) => entitlements = true,
                _ => {}
            });
        }
        if entitlements && let Some(id) = &self.id_field {
            names.push(id);
        }
        let mut out: Vec<&Field> = Vec::new();
        for n in names {
            if let Some(f) = self.fields.iter().find(|f| f.name == *n)
                && !out.iter().any(|o| o.name == *n)
            {
                out.push(f);
            }
        }
        out
    }
}

impl Rule {
    /// Calls `f` on this rule and every rule inside it, outermost first.
    pub(crate) fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Rule)) {
        f(self);
        match self {
            Rule::All(rules) | Rule::Any(rules) => rules.iter().for_each(|r| r.visit(f)),
            Rule::InMemory(r) => r.visit(f),
            _ => {}
        }
    }

    /// Whether holders of one of `roles` may read a field with this read rule, decided from the
    /// rule alone: rules that depend on the row or the engine are "no" (a view leaves the field
    /// out; the run-time redaction still applies to the full row).
    pub(crate) fn statically_readable(&self, roles: &[Ident]) -> bool {
        match self {
            Rule::Public | Rule::Authenticated => true,
            Rule::Role(r) => roles.contains(r),
            Rule::List(items) => items
                .iter()
                .any(|i| matches!(i, ListEntry::Role(r) if roles.contains(r))),
            Rule::Any(rs) => rs.iter().any(|r| r.statically_readable(roles)),
            Rule::All(rs) => rs.iter().all(|r| r.statically_readable(roles)),
            Rule::InMemory(r) => r.statically_readable(roles),
            Rule::Blocked
            | Rule::Where(_)
            | Rule::Entitlement(_)
            | Rule::Fva(_)
            | Rule::Dynamic(_) => false,
        }
    }
}

/// `ProductLine` → `product_line`.
pub(super) fn snake(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// A field's or rule's name as Rust and serde spell it: `r#type` → `type`.
pub(super) fn name(ident: &Ident) -> String {
    ident.unraw().to_string()
}

/// `self::path` → `"self::path"`.
pub(super) fn path_name(path: &Path) -> String {
    path.to_token_stream().to_string().replace(' ', "")
}
