//! Validate: every check the derive can make, all errors of one derive reported together, then
//! the [`Schema`] expand.rs consumes.
//!
//! Checked here: the shape of the input, every key (with a suggestion from
//! `access_model::suggest`), keys given twice, duplicate permissions, rule words, `where` fields
//! (against the struct) and values, `fva` seconds, `id = field`, `read_only` with `write`, empty
//! views, and with `entity = ..` that every action's rule can be enforced in SQL. Global roles
//! and entitlement names are the model's: rustc checks them at their spans (expand.rs).

use std::fmt::Display;

use access_model::{backticked, suggest, unknown_message};
use darling::error::Accumulator;
use proc_macro2::Span;
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{Data, DeriveInput, Fields, Ident, Lit, Path};

use super::attr::{
    FIELD_KEYS, Parsed, ParsedField, Permissions, RULE_WORDS, RuleAst, STRUCT_KEYS, UnknownKeys,
    WhereAst, WhereValueAst,
};
use super::model::{
    ACTIONS, FIELD_ACTIONS, Field, ListEntry, Rule, Schema, View, Where, WhereValue, name,
    path_name, private_path, snake,
};

const MISSING_ACCESS: &str =
    "missing `#[schema(access = <model>)]`: name the model `define_access!` declared";

/// The schema `input` describes, or every mistake in it.
pub(super) fn validate(input: &DeriveInput, parsed: &Parsed<'_>) -> darling::Result<Schema> {
    let mut v = Validator {
        errors: darling::Error::accumulator(),
        fields: &parsed.fields,
    };
    match &input.data {
        Data::Struct(s) if matches!(s.fields, Fields::Named(_)) => {}
        Data::Struct(_) => v.push(
            input.ident.span(),
            "`Schema` needs a struct with named fields",
        ),
        Data::Enum(e) => v.push(
            e.enum_token.span,
            "`Schema` can only be derived for structs",
        ),
        Data::Union(u) => v.push(
            u.union_token.span,
            "`Schema` can only be derived for structs",
        ),
    }

    let mut model = None;
    let (mut schema_name, mut id, mut entity, mut krate) = (None, None, None, None);
    let mut actions: [Option<Rule>; 5] = Default::default();
    let mut views = Vec::new();
    // A key that looks like `access` explains a missing `access`: report only the key.
    let mut misspelt_access = false;
    let mut access_given = false;
    match &parsed.attrs {
        Err(e) => v.errors.push(e.clone()),
        Ok(a) => {
            misspelt_access = a
                .unknown
                .0
                .iter()
                .any(|p| suggest(&path_name(p), STRUCT_KEYS) == Some("access"));
            v.unknown_keys(&a.unknown, "`schema` attribute", &STRUCT_KEYS);
            access_given = !a.access.is_empty();
            model = v.take("access", &a.access);
            schema_name = v.take("name", &a.name);
            id = v.take("id", &a.id);
            entity = v.take("entity", &a.entity);
            krate = v.take("crate", &a.krate);
            let mut seen = [false; 5];
            v.permissions(&a.permission, &ACTIONS, "action", |v, key, i, rule| {
                if seen[i] {
                    v.push(key.span(), format!("duplicate permission for `{key}`"));
                } else {
                    seen[i] = true;
                    actions[i] = rule;
                }
            });
            if entity.is_some() {
                for entry in a.permission.iter().flat_map(|p| &p.entries) {
                    v.not_sql(&entry.key, &entry.rule);
                }
            }
            for list in &a.view {
                v.errors.extend(list.errors.iter().cloned());
                for (view, roles) in &list.views {
                    if roles.is_empty() {
                        v.push(view.span(), "a view names at least one global role");
                    }
                    views.push(View {
                        name: view.clone(),
                        roles: roles.clone(),
                    });
                }
            }
        }
    }

    let fields: Vec<Field> = parsed.fields.iter().map(|f| v.field(f)).collect();

    // The struct's spelling of the id field, which expand.rs matches fields by.
    let id_field = match id {
        Some(id) => match fields.iter().find(|f| name(&f.name) == name(&id)) {
            Some(f) => Some(f.name.clone()),
            None => {
                let names: Vec<String> = fields.iter().map(|f| name(&f.name)).collect();
                let names = names.iter().map(String::as_str);
                v.push(id.span(), unknown_message("field", &name(&id), "", names));
                None
            }
        },
        None => fields
            .iter()
            .find(|f| name(&f.name) == "id")
            .map(|f| f.name.clone()),
    };

    if model.is_none()
        && parsed.attrs.is_ok()
        && !access_given
        && !misspelt_access
        && matches!(input.data, Data::Struct(_))
    {
        v.push(input.ident.span(), MISSING_ACCESS);
    }

    v.errors.finish()?;
    let Some(model) = model else {
        // Reported above; kept as an error rather than assumed.
        return Err(error(input.ident.span(), MISSING_ACCESS));
    };
    Ok(Schema {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        generics: input.generics.clone(),
        private: private_path(krate.as_ref()),
        model,
        name: schema_name.map_or_else(|| snake(&name(&input.ident)), |n| n.value()),
        id_field,
        entity,
        actions,
        fields,
        views,
    })
}

fn error(span: Span, msg: impl Display) -> darling::Error {
    syn::Error::new(span, msg).into()
}

struct Validator<'a> {
    errors: Accumulator,
    /// The struct's named fields, for `where(..)`.
    fields: &'a [ParsedField<'a>],
}

impl Validator<'_> {
    fn push(&mut self, span: Span, msg: impl Display) {
        self.errors.push(error(span, msg));
    }

    /// The value of a key given once; a repeated key and a value of the wrong form reported.
    fn take<T: Clone + ToTokens>(&mut self, key: &str, values: &[darling::Result<T>]) -> Option<T> {
        for again in values.iter().skip(1) {
            let span = match again {
                Ok(v) => v.span(),
                Err(e) => e.span(),
            };
            self.push(span, format!("`{key}` is given twice"));
        }
        match values.first()? {
            Ok(v) => Some(v.clone()),
            Err(e) => {
                self.errors.push(e.clone());
                None
            }
        }
    }

    fn unknown_keys(&mut self, keys: &UnknownKeys, what: &str, valid: &[&str]) {
        for path in &keys.0 {
            let msg = unknown_message(what, &path_name(path), "", valid.iter().copied());
            self.push(path.span(), msg);
        }
    }

    /// Checks every entry of `lists` (keys among `valid`, rules) and hands each entry with a
    /// valid key to `accept` with the key's index and the rule (`None` when it has mistakes).
    fn permissions(
        &mut self,
        lists: &[Permissions],
        valid: &[&str],
        what: &str,
        mut accept: impl FnMut(&mut Self, &Ident, usize, Option<Rule>),
    ) {
        for list in lists {
            self.errors.extend(list.errors.iter().cloned());
            for entry in &list.entries {
                let key = entry.key.to_string();
                let index = valid.iter().position(|a| *a == key);
                if index.is_none() {
                    let msg = unknown_message(what, &key, "", valid.iter().copied());
                    self.push(entry.key.span(), msg);
                }
                let rule = self.rule(&entry.rule);
                if let Some(i) = index {
                    accept(self, &entry.key, i, rule);
                }
            }
        }
    }

    fn field(&mut self, f: &ParsedField<'_>) -> Field {
        let mut out = Field {
            name: f.name.clone(),
            ty: f.ty.clone(),
            read: None,
            write: None,
            read_only: false,
        };
        let attrs = match &f.attrs {
            Ok(a) => a,
            Err(e) => {
                self.errors.push(e.clone());
                return out;
            }
        };
        self.unknown_keys(&attrs.unknown, "`schema` field attribute", &FIELD_KEYS);
        out.read_only = attrs.read_only.is_present();
        let mut seen = [false; 2];
        let mut write_key = None;
        self.permissions(
            &attrs.permission,
            &FIELD_ACTIONS,
            "field action",
            |v, key, i, rule| {
                if seen[i] {
                    v.push(key.span(), format!("duplicate permission for `{key}`"));
                    return;
                }
                seen[i] = true;
                if i == 0 {
                    out.read = rule;
                } else {
                    write_key = Some(key.span());
                    out.write = rule;
                }
            },
        );
        if out.read_only
            && let Some(span) = write_key
        {
            self.push(
                span,
                "`write` on a field marked `read_only`: nobody may set it; remove `read_only` or the `write` permission",
            );
        }
        out
    }

    /// The checked rule, or `None` when it has mistakes (all of them reported).
    fn rule(&mut self, r: &RuleAst) -> Option<Rule> {
        Some(match r {
            RuleAst::Public => Rule::Public,
            RuleAst::Blocked => Rule::Blocked,
            RuleAst::Authenticated => Rule::Authenticated,
            RuleAst::List(items) => Rule::List(
                items
                    .iter()
                    .map(|p| match p.get_ident() {
                        Some(role) => ListEntry::Role(role.clone()),
                        None => ListEntry::Check(p.clone()),
                    })
                    .collect(),
            ),
            RuleAst::Role(role) => Rule::Role(role.clone()),
            RuleAst::Entitlement(lit) => Rule::Entitlement(lit.clone()),
            RuleAst::All(rules) => Rule::All(self.rules(rules)?),
            RuleAst::Any(rules) => Rule::Any(self.rules(rules)?),
            RuleAst::Where(clauses) => {
                let checked: Vec<Option<Where>> =
                    clauses.iter().map(|c| self.where_clause(c)).collect();
                Rule::Where(checked.into_iter().collect::<Option<_>>()?)
            }
            RuleAst::Fva(Lit::Int(secs)) if secs.base10_parse::<u64>().is_ok() => {
                Rule::Fva(secs.clone())
            }
            RuleAst::Fva(other) => {
                self.push(
                    other.span(),
                    "`fva` takes a number of seconds, like `fva(300)`",
                );
                return None;
            }
            RuleAst::Dynamic(path) => Rule::Dynamic(path.clone()),
            RuleAst::InMemory(inner) => Rule::InMemory(Box::new(self.rule(inner)?)),
            RuleAst::UnknownCall(path) => {
                let w = path_name(path);
                let msg = match suggest(&w, RULE_WORDS) {
                    Some(b) => format!("unknown rule `{w}(..)`, did you mean `{b}`?"),
                    None => format!(
                        "unknown rule `{w}(..)`, expected one of {}",
                        backticked(RULE_WORDS)
                    ),
                };
                self.push(path.span(), msg);
                return None;
            }
            RuleAst::Invalid(e) => {
                self.errors.push(e.clone());
                return None;
            }
        })
    }

    /// Every rule checked (not only up to the first with a mistake).
    fn rules(&mut self, rules: &[RuleAst]) -> Option<Vec<Rule>> {
        let checked: Vec<Option<Rule>> = rules.iter().map(|r| self.rule(r)).collect();
        checked.into_iter().collect()
    }

    fn where_clause(&mut self, w: &WhereAst) -> Option<Where> {
        let field = self.fields.iter().find(|f| name(f.name) == name(&w.field));
        if field.is_none() {
            let names: Vec<String> = self.fields.iter().map(|f| name(f.name)).collect();
            let msg = unknown_message(
                "field",
                &name(&w.field),
                "",
                names.iter().map(String::as_str),
            );
            self.push(w.field.span(), msg);
        }
        let value = match &w.value {
            WhereValueAst::Member(base, _) if base != "user" => {
                self.push(
                    base.span(),
                    "expected `user.id`, `user.tenant_id` or a literal",
                );
                None
            }
            WhereValueAst::Member(_, what) if what == "id" => Some(WhereValue::UserId),
            WhereValueAst::Member(_, what) if what == "tenant_id" => Some(WhereValue::TenantId),
            WhereValueAst::Member(_, what) => {
                let other = what.to_string();
                let msg = match suggest(&other, ["id", "tenant_id"]) {
                    Some(b) => format!("unknown `user.{other}`, did you mean `user.{b}`?"),
                    None => {
                        format!("unknown `user.{other}`, expected `user.id` or `user.tenant_id`")
                    }
                };
                self.push(what.span(), msg);
                None
            }
            WhereValueAst::Lit(Lit::Int(i)) => Some(WhereValue::Int(i.clone())),
            WhereValueAst::Lit(Lit::Str(s)) => Some(WhereValue::Str(s.clone())),
            WhereValueAst::Lit(Lit::Bool(b)) => Some(WhereValue::Bool(b.clone())),
            WhereValueAst::Lit(other) => {
                self.push(
                    other.span(),
                    "a `where` value is `user.id`, `user.tenant_id`, an integer, a string or a bool",
                );
                None
            }
        };
        Some(Where {
            // The struct's spelling, which `RowFields` reads.
            field: field?.name.clone(),
            value: value?,
        })
    }

    /// With `entity = ..`: the parts of the rule of `key` no SQL statement or policy can
    /// express, outside `in_memory(..)`, each an error at its location.
    fn not_sql(&mut self, key: &Ident, rule: &RuleAst) {
        let mut found: Vec<(Span, String)> = Vec::new();
        not_sql(rule, &mut found);
        for (span, why) in found {
            self.push(
                span,
                format!(
                    "`{key}` of a schema bound to a table cannot be enforced in SQL: {why}; write `in_memory(..)` around it to check it in memory only (the database and its row-level security will not enforce it)"
                ),
            );
        }
    }
}

fn not_sql(r: &RuleAst, out: &mut Vec<(Span, String)>) {
    let rust_fn = |path: &Path| {
        (
            path.span(),
            format!(
                "`{}` is a Rust function, which no SQL condition or policy can run",
                path_name(path)
            ),
        )
    };
    match r {
        RuleAst::Entitlement(lit) => out.push((
            lit.span(),
            format!(
                "`entitlement({:?})` asks the engine (roles through the hierarchy, plans, limits), which no SQL condition or policy can express",
                lit.value()
            ),
        )),
        RuleAst::Fva(n) => out.push((
            n.span(),
            "`fva(..)` depends on the session's last MFA time, which the database does not see"
                .to_owned(),
        )),
        RuleAst::Dynamic(path) => out.push(rust_fn(path)),
        RuleAst::List(items) => {
            out.extend(items.iter().filter(|p| p.get_ident().is_none()).map(rust_fn));
        }
        RuleAst::All(rules) | RuleAst::Any(rules) => {
            for r in rules {
                not_sql(r, out);
            }
        }
        RuleAst::InMemory(_)
        | RuleAst::Public
        | RuleAst::Blocked
        | RuleAst::Authenticated
        | RuleAst::Role(_)
        | RuleAst::Where(_)
        | RuleAst::UnknownCall(_)
        | RuleAst::Invalid(_) => {}
    }
}
