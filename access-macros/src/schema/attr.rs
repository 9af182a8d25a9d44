//! Parse: the `#[schema(..)]` attributes as written, read with darling.
//!
//! Nothing here knows what a name means (an action, a field, a `where` value): validate.rs does.
//! The keys are darling's (`FromDeriveInput` on the struct, `FromField` on each field); the
//! permission rules have a grammar of their own (`where(..)` is not a Rust expression), read by
//! [`RuleAst`]'s parser from the tokens darling hands over. A rule that does not parse keeps its
//! error in its place ([`RuleAst::Invalid`]): the other entries of the same attribute are still
//! checked, and the names they use are still checked by rustc (fallback.rs), so every mistake of
//! one attribute is reported.

use darling::ast::{MetaNameValueInvalidExpr, NestedMeta};
use darling::util::Flag;
use darling::{FromDeriveInput, FromField, FromMeta};
use proc_macro2::{TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::discouraged::Speculative;
use syn::parse::{Parse, ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{
    Data, DeriveInput, Ident, Lit, LitStr, Meta, Path, Token, Type, bracketed, parenthesized,
};

/// The keys of `#[schema(..)]` on the struct: the fields of [`StructAttrs`].
pub(super) const STRUCT_KEYS: [&str; 7] = [
    "access",
    "name",
    "id",
    "entity",
    "crate",
    "permission",
    "view",
];

/// The keys of `#[schema(..)]` on a field: the fields of [`FieldAttrs`].
pub(super) const FIELD_KEYS: [&str; 2] = ["permission", "read_only"];

/// The words a rule can start with: the ones validate suggests from for `anny(..)`.
pub(super) const RULE_WORDS: [&str; 10] = [
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

/// `#[schema(..)]` on the struct. Every key is read as often as it is given, and a value of the
/// wrong form is kept as its error: validate reports repeated keys and bad values with the rest,
/// so darling fails only on what is no key at all (a literal).
#[derive(FromDeriveInput)]
#[darling(attributes(schema))]
pub(super) struct StructAttrs {
    #[darling(multiple)]
    pub access: Vec<darling::Result<Path>>,
    #[darling(multiple)]
    pub name: Vec<darling::Result<LitStr>>,
    #[darling(multiple)]
    pub id: Vec<darling::Result<Ident>>,
    #[darling(multiple)]
    pub entity: Vec<darling::Result<Path>>,
    #[darling(multiple, rename = "crate")]
    pub krate: Vec<darling::Result<Path>>,
    /// Every `permission(..)`, in order (several `#[schema]` attributes may each have one).
    #[darling(multiple)]
    pub permission: Vec<Permissions>,
    #[darling(multiple)]
    pub view: Vec<Views>,
    #[darling(flatten)]
    pub unknown: UnknownKeys,
}

/// `#[schema(..)]` on a field.
#[derive(FromField)]
#[darling(attributes(schema))]
pub(super) struct FieldAttrs {
    pub read_only: Flag,
    #[darling(multiple)]
    pub permission: Vec<Permissions>,
    #[darling(flatten)]
    pub unknown: UnknownKeys,
}

/// The keys darling did not claim, for validate to report with a suggestion (darling's own
/// suggestions are off: the workspace has one algorithm, `access_model::suggest`).
#[derive(Default)]
pub(super) struct UnknownKeys(pub Vec<Path>);

impl FromMeta for UnknownKeys {
    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        let paths = items.iter().filter_map(|item| match item {
            NestedMeta::Meta(m) => Some(m.path().clone()),
            NestedMeta::NameValueInvalidExpr(m) => Some(m.path.clone()),
            // darling reports literals before they get here.
            NestedMeta::Lit(_) => None,
        });
        Ok(Self(paths.collect()))
    }
}

/// `permission(key = rule, ..)`: the entries as written, keys unchecked. Never fails: what did
/// not parse is in `errors` or in an entry's rule.
#[derive(Default)]
pub(super) struct Permissions {
    pub entries: Vec<Entry>,
    pub errors: Vec<darling::Error>,
}

/// `key = rule`.
pub(super) struct Entry {
    pub key: Ident,
    pub rule: RuleAst,
}

impl FromMeta for Permissions {
    fn from_meta(item: &Meta) -> darling::Result<Self> {
        let mut out = Self::default();
        match item {
            // Not darling's `NestedMeta` list: it reads a value as a Rust expression first, which
            // `any(.., where(..))` is not, and a failure inside parentheses fails the whole list.
            Meta::List(list) => {
                let parsed = (|input: ParseStream<'_>| -> syn::Result<()> {
                    entries(input, &mut out);
                    Ok(())
                })
                .parse2(list.tokens.clone());
                if let Err(e) = parsed {
                    out.errors.extend(e.into_iter().map(darling::Error::from));
                }
            }
            _ => out
                .errors
                .push(darling::Error::custom(PERMISSION_FORM).with_span(item)),
        }
        Ok(out)
    }

    fn from_invalid_expr(item: &MetaNameValueInvalidExpr) -> darling::Result<Self> {
        Ok(Self {
            entries: Vec::new(),
            errors: vec![darling::Error::custom(PERMISSION_FORM).with_span(item)],
        })
    }
}

const PERMISSION_FORM: &str = "expected `permission(<action> = <rule>, ..)`";

/// `key = rule, ..` into `out`: an entry with a mistake is kept as its error and the next one is
/// read.
fn entries(input: ParseStream<'_>, out: &mut Permissions) {
    while !input.is_empty() {
        match entry(input) {
            Ok(e) => out.entries.push(e),
            Err(e) => {
                out.errors.push(e.into());
                skip_to_comma(input);
            }
        }
        if input.parse::<Option<Token![,]>>().is_err() {
            break;
        }
    }
}

fn entry(input: ParseStream<'_>) -> syn::Result<Entry> {
    let key = input.call(Ident::parse_any)?;
    let Some(eq) = input.parse::<Option<Token![=]>>()? else {
        return Err(syn::Error::new(
            key.span(),
            format!("expected `{key} = <rule>`"),
        ));
    };
    if input.is_empty() || input.peek(Token![,]) {
        return Err(syn::Error::new(eq.span(), "expected a rule after `=`"));
    }
    Ok(Entry {
        key,
        rule: recovering_rule(input),
    })
}

/// `view(Name = [role, ..], ..)`. Never fails: what did not parse is in `errors`.
#[derive(Default)]
pub(super) struct Views {
    pub views: Vec<(Ident, Vec<Ident>)>,
    pub errors: Vec<darling::Error>,
}

impl FromMeta for Views {
    fn from_meta(item: &Meta) -> darling::Result<Self> {
        let mut out = Self::default();
        let parsed = match item {
            Meta::List(list) => parse_views.parse2(list.tokens.clone()),
            _ => Err(syn::Error::new(item.span(), VIEW_FORM)),
        };
        match parsed {
            Ok(views) => out.views = views,
            Err(e) => out.errors.extend(e.into_iter().map(darling::Error::from)),
        }
        Ok(out)
    }

    fn from_invalid_expr(item: &MetaNameValueInvalidExpr) -> darling::Result<Self> {
        Ok(Self {
            views: Vec::new(),
            errors: vec![darling::Error::custom(VIEW_FORM).with_span(item)],
        })
    }
}

const VIEW_FORM: &str = "expected `view(<TypeName> = [<global role>, ..], ..)`";

fn parse_views(input: ParseStream<'_>) -> syn::Result<Vec<(Ident, Vec<Ident>)>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let name: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let list;
        bracketed!(list in input);
        let roles = list.parse_terminated(Ident::parse, Token![,])?;
        out.push((name, roles.into_iter().collect()));
        if !input.is_empty() {
            input.parse::<Token![,]>()?;
        }
    }
    Ok(out)
}

/// A permission rule as written.
pub(super) enum RuleAst {
    Public,
    Blocked,
    Authenticated,
    /// `[admin, self::check]`: a bare identifier names a global role, a path an async fn.
    List(Vec<Path>),
    Role(Ident),
    Entitlement(LitStr),
    All(Vec<RuleAst>),
    Any(Vec<RuleAst>),
    Where(Vec<WhereAst>),
    /// `fva(300)`: the literal as written, checked by validate.
    Fva(Lit),
    /// `self::path::to::check`.
    Dynamic(Path),
    /// `in_memory(rule)`: checked in memory only, never turned into SQL or a policy.
    InMemory(Box<RuleAst>),
    /// `anny(..)`: a call of a rule word that does not exist.
    UnknownCall(Path),
    /// What did not parse, with why.
    Invalid(darling::Error),
}

/// `field = value` in `where(..)`.
pub(super) struct WhereAst {
    pub field: Ident,
    pub value: WhereValueAst,
}

pub(super) enum WhereValueAst {
    /// `user.id`: the two identifiers as written.
    Member(Ident, Ident),
    Lit(Lit),
}

fn rule(input: ParseStream<'_>) -> syn::Result<RuleAst> {
    if input.peek(syn::token::Bracket) {
        let body;
        bracketed!(body in input);
        let items = body.parse_terminated(Path::parse, Token![,])?;
        return Ok(RuleAst::List(items.into_iter().collect()));
    }
    if input.peek(Token![where]) {
        input.parse::<Token![where]>()?;
        let body;
        parenthesized!(body in input);
        let clauses = body.parse_terminated(where_clause, Token![,])?;
        return Ok(RuleAst::Where(clauses.into_iter().collect()));
    }
    let path: Path = input.parse()?;
    let word = path.get_ident().map(Ident::to_string);
    if !input.peek(syn::token::Paren) {
        return Ok(match word.as_deref() {
            Some("public") => RuleAst::Public,
            Some("blocked") => RuleAst::Blocked,
            Some("authenticated") => RuleAst::Authenticated,
            _ => RuleAst::Dynamic(path),
        });
    }
    let body;
    parenthesized!(body in input);
    let parsed = match word.as_deref() {
        Some("in_memory") => RuleAst::InMemory(Box::new(rule(&body)?)),
        Some("role") => RuleAst::Role(body.parse()?),
        Some("entitlement") => RuleAst::Entitlement(body.parse()?),
        Some("fva") => RuleAst::Fva(body.parse()?),
        Some("all") => RuleAst::All(rules(&body)),
        Some("any") => RuleAst::Any(rules(&body)),
        _ => {
            // The arguments are not read: the error is the name.
            body.parse::<TokenStream>()?;
            RuleAst::UnknownCall(path)
        }
    };
    if !body.is_empty() {
        return Err(match parsed {
            RuleAst::Role(_) => body
                .error("`role(..)` names one global role; `[admin, editor]` allows any of several"),
            _ => body.error("expected `)`"),
        });
    }
    Ok(parsed)
}

/// `rule, rule, ..` inside `all(..)`/`any(..)`: a rule that does not parse is kept as its
/// error and the next one is read, so `any(rol(admin), role(admn))` reports both.
fn rules(input: ParseStream<'_>) -> Vec<RuleAst> {
    let mut out = Vec::new();
    while !input.is_empty() {
        out.push(recovering_rule(input));
        if input.parse::<Option<Token![,]>>().is_err() {
            break;
        }
    }
    out
}

/// One rule up to the next `,` or the end; a rule with a mistake is its error, and `input` is
/// moved past it. On a fork, so what a failed attempt leaves unread inside parentheses is not
/// reported a second time.
fn recovering_rule(input: ParseStream<'_>) -> RuleAst {
    let fork = input.fork();
    match rule(&fork) {
        Ok(r) if fork.is_empty() || fork.peek(Token![,]) => {
            input.advance_to(&fork);
            r
        }
        Ok(_) => {
            skip_to_comma(input);
            RuleAst::Invalid(syn::Error::new(fork.span(), "expected `,` after the rule").into())
        }
        Err(e) => {
            skip_to_comma(input);
            RuleAst::Invalid(e.into())
        }
    }
}

/// Moves `input` to its next `,` (commas inside groups do not count) or its end.
fn skip_to_comma(input: ParseStream<'_>) {
    let skipped = input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tt, next)) = rest.token_tree() {
            if matches!(&tt, TokenTree::Punct(p) if p.as_char() == ',') {
                break;
            }
            rest = next;
        }
        Ok(((), rest))
    });
    // `step` with a closure that cannot fail does not fail.
    debug_assert!(skipped.is_ok());
}

fn where_clause(input: ParseStream<'_>) -> syn::Result<WhereAst> {
    let field: Ident = input.parse()?;
    input.parse::<Token![=]>()?;
    let value = if input.peek(Ident) && input.peek2(Token![.]) {
        let base: Ident = input.parse()?;
        input.parse::<Token![.]>()?;
        WhereValueAst::Member(base, input.parse()?)
    } else {
        WhereValueAst::Lit(input.parse()?)
    };
    Ok(WhereAst { field, value })
}

/// The attributes of one derive input, as written.
pub(super) struct Parsed<'a> {
    /// `Err` when darling refused the struct's attributes (a repeated key, a literal as a key).
    pub attrs: darling::Result<StructAttrs>,
    /// The named fields with their attributes; empty unless the input is a struct with named
    /// fields.
    pub fields: Vec<ParsedField<'a>>,
}

pub(super) struct ParsedField<'a> {
    pub name: &'a Ident,
    pub ty: &'a Type,
    pub attrs: darling::Result<FieldAttrs>,
}

/// Reads every `#[schema(..)]` of `input`.
pub(super) fn parse(input: &DeriveInput) -> Parsed<'_> {
    let fields = match &input.data {
        Data::Struct(s) => s
            .fields
            .iter()
            .filter_map(|f| {
                Some(ParsedField {
                    name: f.ident.as_ref()?,
                    ty: &f.ty,
                    attrs: FieldAttrs::from_field(f),
                })
            })
            .collect(),
        Data::Enum(_) | Data::Union(_) => Vec::new(),
    };
    Parsed {
        attrs: StructAttrs::from_derive_input(input),
        fields,
    }
}
