//! `#[derive(Schema)]`: entity and field permissions.
//!
//! How names are checked against the model, which this derive cannot see (STYLE.md, Errors,
//! option 1): `define_access!` gives the model type one associated constant per global role,
//! and the derive emits a role written `admin` as `<model path>::admin` with the identifier's own
//! span. A typo is then rustc's "no associated item named `admn`" at the typo, with its correct
//! "similar name" fix, in any module or crate. Entitlement strings are checked by a `const`
//! (emitted at the string's span) that looks the name up in the model's name table at compile
//! time and fails with `unknown entitlement `x`, did you mean `y`?`. Field names are checked
//! here, against the struct.

use access_model::{backticked, suggest};
use proc_macro2::{Span, TokenStream};

use crate::respan;
use quote::{ToTokens, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{
    Data, DeriveInput, Fields, Ident, Lit, LitInt, LitStr, Path, Token, Type, bracketed,
    parenthesized,
};

const ACTIONS: [&str; 5] = ["create", "read", "list", "update", "delete"];
const FIELD_ACTIONS: [&str; 2] = ["read", "write"];
const RULE_WORDS: [&str; 10] = [
    "in_memory",
    "public",
    "blocked",
    "authenticated",
    "role",
    "entitlement",
    "all",
    "any",
    "where",
    "fva",
];

/// Errors collected across the whole derive, reported together.
#[derive(Default)]
struct Errors(Vec<syn::Error>);

impl Errors {
    fn push(&mut self, span: Span, msg: impl std::fmt::Display) {
        self.0.push(syn::Error::new(span, msg));
    }
}

/// A permission rule as written.
enum RuleAst {
    Public,
    Blocked,
    Authenticated,
    List(Vec<Path>),
    Role(Ident),
    Entitlement(LitStr),
    All(Vec<RuleAst>),
    Any(Vec<RuleAst>),
    Where(Vec<(Ident, WhereAst)>),
    Fva(LitInt),
    Dynamic(Path),
    /// `in_memory(rule)`: checked in memory only, never turned into SQL or a policy.
    InMemory(Box<RuleAst>),
}

/// The parts of a rule no SQL statement or policy can express, outside `in_memory(..)`: their
/// locations and why.
fn not_sql(r: &RuleAst, out: &mut Vec<(Span, String)>) {
    match r {
        RuleAst::InMemory(_) => {}
        RuleAst::Entitlement(lit) => out.push((
            lit.span(),
            format!(
                "`entitlement({:?})` asks the engine (roles through the hierarchy, plans, limits), which no SQL condition or policy can express",
                lit.value()
            ),
        )),
        RuleAst::Fva(n) => out.push((
            n.span(),
            "`fva(..)` depends on the session's last MFA time, which the database does not see".to_owned(),
        )),
        RuleAst::Dynamic(path) => out.push((
            path.span(),
            format!(
                "`{}` is a Rust function, which no SQL condition or policy can run",
                quote!(#path).to_string().replace(' ', "")
            ),
        )),
        RuleAst::List(items) => {
            for path in items.iter().filter(|p| p.get_ident().is_none()) {
                out.push((
                    path.span(),
                    format!(
                        "`{}` is a Rust function, which no SQL condition or policy can run",
                        quote!(#path).to_string().replace(' ', "")
                    ),
                ));
            }
        }
        RuleAst::All(rules) | RuleAst::Any(rules) => {
            for r in rules {
                not_sql(r, out);
            }
        }
        RuleAst::Public
        | RuleAst::Blocked
        | RuleAst::Authenticated
        | RuleAst::Role(_)
        | RuleAst::Where(_) => {}
    }
}

enum WhereAst {
    UserId,
    TenantId,
    Lit(Lit),
}

impl Parse for RuleAst {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(syn::token::Bracket) {
            let body;
            bracketed!(body in input);
            let items = Punctuated::<Path, Token![,]>::parse_terminated(&body)?;
            return Ok(RuleAst::List(items.into_iter().collect()));
        }
        if input.peek(Token![where]) {
            input.parse::<Token![where]>()?;
            let body;
            parenthesized!(body in input);
            let mut clauses = Vec::new();
            while !body.is_empty() {
                let field: Ident = body.parse()?;
                body.parse::<Token![=]>()?;
                let value = if body.peek(Ident) && body.peek2(Token![.]) {
                    let user: Ident = body.parse()?;
                    if user != "user" {
                        return Err(syn::Error::new(
                            user.span(),
                            "expected `user.id`, `user.tenant_id` or a literal",
                        ));
                    }
                    body.parse::<Token![.]>()?;
                    let what: Ident = body.parse()?;
                    match what.to_string().as_str() {
                        "id" => WhereAst::UserId,
                        "tenant_id" => WhereAst::TenantId,
                        other => {
                            let msg = match suggest(other, ["id", "tenant_id"]) {
                                Some(b) => {
                                    format!("unknown `user.{other}`, did you mean `user.{b}`?")
                                }
                                None => format!(
                                    "unknown `user.{other}`, expected `user.id` or `user.tenant_id`"
                                ),
                            };
                            return Err(syn::Error::new(what.span(), msg));
                        }
                    }
                } else {
                    WhereAst::Lit(body.parse()?)
                };
                clauses.push((field, value));
                if !body.is_empty() {
                    body.parse::<Token![,]>()?;
                }
            }
            return Ok(RuleAst::Where(clauses));
        }
        let path: Path = input.parse()?;
        let word = path.get_ident().map(Ident::to_string);
        match word.as_deref() {
            Some("public") => Ok(RuleAst::Public),
            Some("blocked") => Ok(RuleAst::Blocked),
            Some("authenticated") => Ok(RuleAst::Authenticated),
            Some(w @ ("role" | "entitlement" | "all" | "any" | "fva" | "in_memory")) => {
                let body;
                parenthesized!(body in input);
                match w {
                    "in_memory" => Ok(RuleAst::InMemory(Box::new(body.parse()?))),
                    "role" => Ok(RuleAst::Role(body.parse()?)),
                    "entitlement" => Ok(RuleAst::Entitlement(body.parse()?)),
                    "fva" => Ok(RuleAst::Fva(body.parse()?)),
                    _ => {
                        let rules = Punctuated::<RuleAst, Token![,]>::parse_terminated(&body)?;
                        let rules = rules.into_iter().collect();
                        Ok(if w == "all" {
                            RuleAst::All(rules)
                        } else {
                            RuleAst::Any(rules)
                        })
                    }
                }
            }
            _ => {
                if input.peek(syn::token::Paren) {
                    let w = word.unwrap_or_default();
                    let msg = match suggest(&w, RULE_WORDS) {
                        Some(b) => format!("unknown rule `{w}(..)`, did you mean `{b}`?"),
                        None => format!(
                            "unknown rule `{w}(..)`, expected one of {}",
                            backticked(RULE_WORDS)
                        ),
                    };
                    return Err(syn::Error::new(path.span(), msg));
                }
                Ok(RuleAst::Dynamic(path))
            }
        }
    }
}

/// `permission(key = rule, ..)` as written.
struct PermissionList(Vec<(Ident, RuleAst)>);

impl Parse for PermissionList {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut out = Vec::new();
        while !input.is_empty() {
            let key = input.call(syn::ext::IdentExt::parse_any)?;
            input.parse::<Token![=]>()?;
            out.push((key, input.parse()?));
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(Self(out))
    }
}

struct StructAttrs {
    krate: TokenStream,
    access: Option<Path>,
    name: Option<LitStr>,
    id: Option<Ident>,
    entity: Option<Path>,
    actions: Vec<(Ident, RuleAst)>,
    /// `view(ProductForUser = [user], ..)`: masked types per global role list.
    views: Vec<(Ident, Vec<Ident>)>,
}

/// Whether holders of one of `roles` may read a field whose read rule is `rule`, decided from
/// the attribute alone: rules that depend on the row or the engine are "no" (the view leaves
/// the field out; the run-time redaction still applies to the full row).
fn statically_readable(rule: Option<&RuleAst>, roles: &[Ident]) -> bool {
    let Some(rule) = rule else { return true };
    match rule {
        RuleAst::Public | RuleAst::Authenticated => true,
        RuleAst::Role(r) => roles.contains(r),
        RuleAst::List(items) => items
            .iter()
            .filter_map(Path::get_ident)
            .any(|i| roles.contains(i)),
        RuleAst::Any(rs) => rs.iter().any(|r| statically_readable(Some(r), roles)),
        RuleAst::All(rs) => rs.iter().all(|r| statically_readable(Some(r), roles)),
        RuleAst::InMemory(r) => statically_readable(Some(r), roles),
        RuleAst::Blocked
        | RuleAst::Where(_)
        | RuleAst::Entitlement(_)
        | RuleAst::Fva(_)
        | RuleAst::Dynamic(_) => false,
    }
}

struct FieldAttrs {
    read: Option<(Ident, RuleAst)>,
    write: Option<(Ident, RuleAst)>,
    read_only: Option<Ident>,
}

fn parse_struct_attrs(input: &DeriveInput, errors: &mut Errors) -> StructAttrs {
    let mut out = StructAttrs {
        krate: quote!(::access_core),
        access: None,
        name: None,
        id: None,
        entity: None,
        actions: Vec::new(),
        views: Vec::new(),
    };
    for attr in input.attrs.iter().filter(|a| a.path().is_ident("schema")) {
        let r = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(Ident::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "access" => out.access = Some(meta.value()?.parse()?),
                "name" => out.name = Some(meta.value()?.parse()?),
                "id" => out.id = Some(meta.value()?.parse()?),
                "entity" => out.entity = Some(meta.value()?.parse()?),
                "crate" => out.krate = meta.value()?.parse::<Path>()?.to_token_stream(),
                "view" => {
                    let body;
                    parenthesized!(body in meta.input);
                    while !body.is_empty() {
                        let name: Ident = body.parse()?;
                        body.parse::<Token![=]>()?;
                        let list;
                        bracketed!(list in body);
                        let roles = Punctuated::<Ident, Token![,]>::parse_terminated(&list)?;
                        if roles.is_empty() {
                            errors.push(name.span(), "a view names at least one global role");
                        }
                        out.views.push((name, roles.into_iter().collect()));
                        if !body.is_empty() {
                            body.parse::<Token![,]>()?;
                        }
                    }
                }
                "permission" => {
                    let body;
                    parenthesized!(body in meta.input);
                    let list: PermissionList = body.parse()?;
                    for (k, rule) in list.0 {
                        let ks = k.to_string();
                        if !ACTIONS.contains(&ks.as_str()) {
                            errors.push(k.span(), unknown("action", &ks, &ACTIONS));
                        } else if out.actions.iter().any(|(a, _)| *a == ks) {
                            errors.push(k.span(), format!("duplicate permission for `{ks}`"));
                        } else {
                            out.actions.push((k, rule));
                        }
                    }
                }
                _ => {
                    let keys = [
                        "access",
                        "name",
                        "id",
                        "entity",
                        "crate",
                        "permission",
                        "view",
                    ];
                    return Err(meta.error(unknown("`schema` attribute", &key, &keys)));
                }
            }
            Ok(())
        });
        if let Err(e) = r {
            errors.0.push(e);
        }
    }
    out
}

fn parse_field_attrs(field: &syn::Field, errors: &mut Errors) -> FieldAttrs {
    let mut out = FieldAttrs {
        read: None,
        write: None,
        read_only: None,
    };
    for attr in field.attrs.iter().filter(|a| a.path().is_ident("schema")) {
        let r = attr.parse_nested_meta(|meta| {
            let key = meta
                .path
                .get_ident()
                .map(Ident::to_string)
                .unwrap_or_default();
            match key.as_str() {
                "read_only" => {
                    out.read_only = meta.path.get_ident().cloned();
                }
                "permission" => {
                    let body;
                    parenthesized!(body in meta.input);
                    let list: PermissionList = body.parse()?;
                    for (k, rule) in list.0 {
                        let slot = match k.to_string().as_str() {
                            "read" => &mut out.read,
                            "write" => &mut out.write,
                            other => {
                                errors
                                    .push(k.span(), unknown("field action", other, &FIELD_ACTIONS));
                                continue;
                            }
                        };
                        if slot.is_some() {
                            errors.push(k.span(), format!("duplicate permission for `{k}`"));
                        } else {
                            *slot = Some((k, rule));
                        }
                    }
                }
                _ => {
                    let keys = ["permission", "read_only"];
                    return Err(meta.error(unknown("`schema` field attribute", &key, &keys)));
                }
            }
            Ok(())
        });
        if let Err(e) = r {
            errors.0.push(e);
        }
    }
    if let (Some(ro), Some((w, _))) = (&out.read_only, &out.write) {
        errors.push(
            w.span(),
            format!(
                "`write` on a field marked `{ro}`: nobody may set it; remove `read_only` or the `write` permission"
            ),
        );
    }
    out
}

fn unknown(what: &str, name: &str, valid: &[&str]) -> String {
    access_model::unknown_message(what, name, "", valid.iter().copied())
}

struct Gen<'a> {
    p: TokenStream,
    model: &'a Path,
    fields: &'a [(Ident, Type)],
    /// Fields a `where` compares (name, type), for `RowFields`.
    compared: Vec<(Ident, Type)>,
    /// `const _` items checking entitlement names.
    checks: Vec<TokenStream>,
    errors: &'a mut Errors,
    uses_entitlements: bool,
}

impl Gen<'_> {
    fn rule(&mut self, r: &RuleAst) -> TokenStream {
        let p = &self.p.clone();
        let model = self.model;
        match r {
            RuleAst::Public => quote!(#p::Rule::Public),
            RuleAst::Blocked => quote!(#p::Rule::Blocked),
            RuleAst::Authenticated => quote!(#p::Rule::Authenticated),
            RuleAst::Role(role) => {
                let c = quote_spanned!(role.span()=> #model::#role);
                quote!(#p::Rule::GlobalRoles(#p::RoleSet::single((#c).0 as usize)))
            }
            RuleAst::List(items) => {
                let entries = items.iter().map(|item| {
                    let name = item.to_token_stream().to_string().replace(' ', "");
                    // A bare identifier names a global role of the model; a path (`self::f`,
                    // `crate::checks::f`) names an async fn.
                    let value = match item.get_ident() {
                        Some(role) => quote_spanned!(role.span()=> #model::#role),
                        None => quote_spanned!(item.span()=> #item),
                    };
                    quote! {
                        #p::ListEntry {
                            name: #name,
                            item: {
                                fn __entry<'a>(ctx: &'a #p::PermissionCtx<'a>) -> #p::ListItem<'a> {
                                    #p::IntoListItem::into_list_item(#value, ctx)
                                }
                                __entry
                            },
                        }
                    }
                });
                quote!(#p::Rule::List(&[#( #entries ),*]))
            }
            RuleAst::Entitlement(lit) => {
                self.uses_entitlements = true;
                // Every token of the checking call at the string's span, so a compile-time
                // failure points at the string.
                let check = respan(
                    quote!(#p::entitlement_index(#model::__ENTITLEMENTS, #lit)),
                    lit.span(),
                );
                self.checks.push(quote!(const _: u16 = #check;));
                // The value itself does not fail a second time (the check above reports).
                quote!(#p::Rule::Entitlement {
                    id: #p::EntitlementId(#p::entitlement_lookup(#model::__ENTITLEMENTS, #lit)),
                    name: #lit,
                })
            }
            RuleAst::All(rules) | RuleAst::Any(rules) => {
                let inner: Vec<TokenStream> = rules.iter().map(|r| self.rule(r)).collect();
                if matches!(r, RuleAst::All(_)) {
                    quote!(#p::Rule::All(&[#( #inner ),*]))
                } else {
                    quote!(#p::Rule::Any(&[#( #inner ),*]))
                }
            }
            RuleAst::Where(clauses) => {
                let mut out = Vec::new();
                for (field, value) in clauses {
                    let f = field.to_string();
                    match self.fields.iter().find(|(n, _)| *n == f) {
                        None => {
                            let names: Vec<String> =
                                self.fields.iter().map(|(n, _)| n.to_string()).collect();
                            let names: Vec<&str> = names.iter().map(String::as_str).collect();
                            self.errors.push(field.span(), unknown("field", &f, &names));
                            continue;
                        }
                        Some((n, ty)) => {
                            if !self.compared.iter().any(|(c, _)| c == n) {
                                self.compared.push((n.clone(), ty.clone()));
                            }
                        }
                    }
                    let v = match value {
                        WhereAst::UserId => quote!(#p::WhereValue::UserId),
                        WhereAst::TenantId => quote!(#p::WhereValue::TenantId),
                        WhereAst::Lit(Lit::Int(i)) => quote!(#p::WhereValue::Int(#i)),
                        WhereAst::Lit(Lit::Str(s)) => quote!(#p::WhereValue::Str(#s)),
                        WhereAst::Lit(Lit::Bool(b)) => quote!(#p::WhereValue::Bool(#b)),
                        WhereAst::Lit(other) => {
                            self.errors.push(
                                other.span(),
                                "a `where` value is `user.id`, `user.tenant_id`, an integer, a string or a bool",
                            );
                            continue;
                        }
                    };
                    out.push(quote!(#p::Where { field: #f, value: #v }));
                }
                quote!(#p::Rule::Where(&[#( #out ),*]))
            }
            RuleAst::InMemory(inner) => self.rule(inner),
            RuleAst::Fva(secs) => {
                if secs.base10_parse::<u64>().is_err() {
                    self.errors
                        .push(secs.span(), "`fva` takes a number of seconds");
                }
                quote!(#p::Rule::Fva(#secs))
            }
            RuleAst::Dynamic(path) => {
                let name = path.to_token_stream().to_string().replace(' ', "");
                let call = quote_spanned!(path.span()=> #p::dynamic_check(#path, ctx));
                quote! {
                    #p::Rule::Dynamic(#p::NamedCheck {
                        name: #name,
                        check: {
                            fn __check<'a>(ctx: &'a #p::PermissionCtx<'a>) -> #p::CheckFuture<'a> {
                                #call
                            }
                            __check
                        },
                    })
                }
            }
        }
    }
}

pub(crate) fn derive(input: TokenStream) -> TokenStream {
    let input: DeriveInput = match syn::parse2(input) {
        Ok(i) => i,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let ident = &input.ident;
    let fields: Vec<(Ident, Type, &syn::Field)> = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => named
                .named
                .iter()
                .filter_map(|f| Some((f.ident.clone()?, f.ty.clone(), f)))
                .collect(),
            _ => {
                errors.push(ident.span(), "`Schema` needs a struct with named fields");
                Vec::new()
            }
        },
        Data::Enum(e) => {
            errors.push(
                e.enum_token.span,
                "`Schema` can only be derived for structs",
            );
            Vec::new()
        }
        Data::Union(u) => {
            errors.push(
                u.union_token.span,
                "`Schema` can only be derived for structs",
            );
            Vec::new()
        }
    };
    let attrs = parse_struct_attrs(&input, &mut errors);
    let field_attrs: Vec<FieldAttrs> = fields
        .iter()
        .map(|(_, _, f)| parse_field_attrs(f, &mut errors))
        .collect();
    let krate = attrs.krate.clone();
    let p = quote!(#krate::__private);
    let Some(model) = attrs.access.clone() else {
        if !matches!(input.data, Data::Struct(_)) || !errors.0.is_empty() {
            return fallback(&p, &input, errors);
        }
        errors.push(
            ident.span(),
            "missing `#[schema(access = <model>)]`: name the model `define_access!` declared",
        );
        return fallback(&p, &input, errors);
    };
    let plain: Vec<(Ident, Type)> = fields
        .iter()
        .map(|(i, t, _)| (i.clone(), t.clone()))
        .collect();
    let mut g = Gen {
        p: p.clone(),
        model: &model,
        fields: &plain,
        compared: Vec::new(),
        checks: Vec::new(),
        errors: &mut errors,
        uses_entitlements: false,
    };
    let action = |g: &mut Gen<'_>, name: &str| -> TokenStream {
        match attrs.actions.iter().find(|(k, _)| *k == name) {
            Some((_, r)) => {
                let r = g.rule(r);
                quote!(#p::Option::Some(#r))
            }
            None => quote!(#p::Option::None),
        }
    };
    let [create, read, list, update, delete] = ACTIONS.map(|a| action(&mut g, a));
    // One rule, three enforcers: bound to a table, every action's rule must also become an SQL
    // condition and a row-level security policy, unless marked `in_memory(..)`.
    if attrs.entity.is_some() {
        for (key, rule) in &attrs.actions {
            let mut found = Vec::new();
            not_sql(rule, &mut found);
            for (span, why) in found {
                g.errors.push(
                    span,
                    format!(
                        "`{key}` of a schema bound to a table cannot be enforced in SQL: {why}; write `in_memory(..)` around it to check it in memory only (the database and its row-level security will not enforce it)"
                    ),
                );
            }
        }
    }
    let mut field_perms = Vec::new();
    for ((name, _, _), fa) in fields.iter().zip(&field_attrs) {
        let read = match &fa.read {
            Some((_, r)) => {
                let r = g.rule(r);
                quote!(#p::Option::Some(#r))
            }
            None => quote!(#p::Option::None),
        };
        let write = match &fa.write {
            Some((_, r)) => {
                let r = g.rule(r);
                quote!(#p::Option::Some(#r))
            }
            None => quote!(#p::Option::None),
        };
        let read_only = fa.read_only.is_some();
        let n = name.to_string();
        field_perms.push(quote! {
            #p::FieldPermission { name: #n, read: #read, write: #write, read_only: #read_only }
        });
    }
    // The row id, for `entitlement(..)` rules on the row.
    let id_field = match &attrs.id {
        Some(id) => {
            if !plain.iter().any(|(n, _)| n == id) {
                let names: Vec<String> = plain.iter().map(|(n, _)| n.to_string()).collect();
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                g.errors
                    .push(id.span(), unknown("field", &id.to_string(), &names));
            }
            Some(id.clone())
        }
        None => plain
            .iter()
            .find(|(n, _)| n == "id")
            .map(|(n, _)| n.clone()),
    };
    if g.uses_entitlements
        && let Some(id) = &id_field
        && let Some((n, t)) = plain.iter().find(|(n, _)| n == id)
        && !g.compared.iter().any(|(c, _)| c == n)
    {
        g.compared.push((n.clone(), t.clone()));
    }
    let compared = std::mem::take(&mut g.compared);
    let checks = std::mem::take(&mut g.checks);
    if !errors.0.is_empty() {
        return fallback(&p, &input, errors);
    }
    let name = attrs
        .name
        .as_ref()
        .map_or_else(|| snake(&ident.to_string()), LitStr::value);
    let id_name = id_field.map_or_else(String::new, |i| i.to_string());
    let arms = compared.iter().map(|(f, ty)| {
        let n = f.to_string();
        let value = quote_spanned!(ty.span()=> <#ty as #p::AsFieldValue>::as_field_value(&self.#f));
        quote!(#n => #value,)
    });
    let field_names: Vec<String> = plain.iter().map(|(n, _)| n.to_string()).collect();
    let field_idx = 0..field_names.len();
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    // Bound to a sea-orm entity: `where` rules become conditions on its columns.
    let sea = attrs.entity.as_ref().map(|entity| {
        // The id field too: generated routes look rows up by it.
        let mut sql_fields = compared.clone();
        if let Some((n, t)) = plain.iter().find(|(n, _)| *n == id_name)
            && !sql_fields.iter().any(|(c, _)| c == n)
        {
            sql_fields.push((n.clone(), t.clone()));
        }
        let arms = sql_fields.iter().map(|(f, ty)| {
            let n = f.to_string();
            let value = quote_spanned!(ty.span()=> <#ty as #p::SqlField>::sql_value(raw));
            quote!(#n => #value,)
        });
        quote! {
            #[automatically_derived]
            impl #impl_g #p::SeaOrmSchema for #ident #ty_g #where_g {
                type Entity = #entity;
                fn sql_value(field: &str, raw: &str) -> #p::Option<#p::SeaValue> {
                    match field {
                        #( #arms )*
                        _ => #p::None,
                    }
                }
            }
        }
    });
    // Masked types: per view, the fields its roles may read whatever the row.
    let serde_path = format!("{}", quote!(#p::serde)).replace(' ', "");
    let vis = &input.vis;
    let views = attrs.views.iter().map(|(view, roles)| {
        let kept: Vec<(&Ident, &Type)> = fields
            .iter()
            .zip(&field_attrs)
            .filter(|(_, fa)| statically_readable(fa.read.as_ref().map(|(_, r)| r), roles))
            .map(|((n, t, _), _)| (n, t))
            .collect();
        let names = kept.iter().map(|(n, _)| *n);
        let names2 = kept.iter().map(|(n, _)| *n);
        let types = kept.iter().map(|(_, t)| *t);
        let role_strs: Vec<String> = roles.iter().map(Ident::to_string).collect();
        let role_consts = roles
            .iter()
            .map(|r| quote_spanned!(r.span()=> (#model::#r).0 as usize));
        let doc = format!(
            "The view of `{ident}` for the global roles {}: only the fields they may read whatever the row.",
            role_strs.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
        );
        // Views are response types: they serialize (their fields must).
        let ser = quote!(#[derive(#p::serde::Serialize)] #[serde(crate = #serde_path)]);
        quote! {
            #[doc = #doc]
            #[derive(Clone, Debug, PartialEq)]
            #ser
            #vis struct #view {
                #( pub #names: #types, )*
            }

            #[automatically_derived]
            #[allow(dead_code)]
            impl #view {
                /// The global roles this view is for.
                pub const ROLES: &'static [&'static str] = &[#( #role_strs ),*];

                /// The view of `row` for the caller of `ctx`, when they hold one of the view's
                /// roles (or are a superuser); `None` otherwise.
                pub fn of(row: &#ident, ctx: &#p::PermissionCtx<'_>) -> #p::Option<Self> {
                    let p = ctx.principal?;
                    let holds = p.active
                        && (p.superuser || [#( #role_consts ),*].iter().any(|r| p.global_roles.contains(*r)));
                    if !holds {
                        return #p::None;
                    }
                    #p::Some(Self { #( #names2: ::core::clone::Clone::clone(&row.#names2), )* })
                }
            }
        }
    });

    quote! {
        #( #checks )*
        #sea
        #( #views )*

        #[automatically_derived]
        impl #impl_g #p::RowFields for #ident #ty_g #where_g {
            fn field(&self, field: &str) -> #p::FieldValue<'_> {
                match field {
                    #( #arms )*
                    _ => #p::FieldValue::Null,
                }
            }
            fn as_any(&self) -> &dyn ::core::any::Any {
                self
            }
        }

        #[automatically_derived]
        impl #impl_g #p::Schema for #ident #ty_g #where_g {
            const PERMISSIONS: &'static #p::SchemaPermissions = &#p::SchemaPermissions {
                name: #name,
                id_field: #id_name,
                create: #create,
                read: #read,
                list: #list,
                update: #update,
                delete: #delete,
                fields: &[#( #field_perms ),*],
                field_index: {
                    fn __field_index(name: &str) -> #p::Option<usize> {
                        match name {
                            #( #field_names => #p::Some(#field_idx), )*
                            _ => #p::None,
                        }
                    }
                    __field_index
                },
            };
        }
    }
}

/// On errors: the errors, plus impls with no permissions (everything `blocked`), so code using
/// `T: Schema` does not add errors of its own.
fn fallback(p: &TokenStream, input: &DeriveInput, errors: Errors) -> TokenStream {
    let errors = errors.0.iter().map(syn::Error::to_compile_error);
    let ident = &input.ident;
    let (impl_g, ty_g, where_g) = input.generics.split_for_impl();
    let body = if matches!(input.data, Data::Struct(_)) {
        quote! {
            #[automatically_derived]
            impl #impl_g #p::RowFields for #ident #ty_g #where_g {
                fn field(&self, _: &str) -> #p::FieldValue<'_> {
                    #p::FieldValue::Null
                }
                fn as_any(&self) -> &dyn ::core::any::Any {
                    self
                }
            }
            #[automatically_derived]
            impl #impl_g #p::Schema for #ident #ty_g #where_g {
                const PERMISSIONS: &'static #p::SchemaPermissions = &#p::SchemaPermissions {
                    name: "",
                    id_field: "",
                    create: #p::Option::Some(#p::Rule::Blocked),
                    read: #p::Option::Some(#p::Rule::Blocked),
                    list: #p::Option::Some(#p::Rule::Blocked),
                    update: #p::Option::Some(#p::Rule::Blocked),
                    delete: #p::Option::Some(#p::Rule::Blocked),
                    fields: &[],
                    field_index: {
                        fn __field_index(_: &str) -> #p::Option<usize> {
                            #p::None
                        }
                        __field_index
                    },
                };
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        #( #errors )*
        #body
    }
}

/// `ProductLine` → `product_line`.
fn snake(s: &str) -> String {
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
