//! Tokens → `ModelSpec<Span>`: syntax only. Names are resolved by `access_model::compile`.
//!
//! A syntax error ends parsing but keeps what was read before it (each entity, entitlement and
//! plan as far as it got), so the fallback can still name it.

use access_model::LintKind;
use access_model::{
    ActionPermissionSpec, EntitlementSpec, EntitySpec, ImpliesSpec, InheritSpec, LimitSpec,
    ModelSpec, Name, PermissionSpec, PlanSpec, RequiresSpec, TenantSpec,
};
use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream, Parser};
use syn::{Attribute, Ident, LitInt, LitStr, Token, Visibility, braced, bracketed};

mod kw {
    syn::custom_keyword!(roles);
    syn::custom_keyword!(default_role);
    syn::custom_keyword!(entity);
    syn::custom_keyword!(implies);
    syn::custom_keyword!(inherits);
    syn::custom_keyword!(flags);
    syn::custom_keyword!(entitlements);
    syn::custom_keyword!(on);
    syn::custom_keyword!(plans);
    syn::custom_keyword!(group);
    syn::custom_keyword!(add_on);
    syn::custom_keyword!(features);
    syn::custom_keyword!(limits);
    syn::custom_keyword!(per);
    syn::custom_keyword!(max);
    syn::custom_keyword!(requires);
    syn::custom_keyword!(default_plan);
    syn::custom_keyword!(tenant);
    syn::custom_keyword!(owner);
    syn::custom_keyword!(member);
    syn::custom_keyword!(default_permission);
    syn::custom_keyword!(superuser_bypasses_blocked);
    syn::custom_keyword!(lints);
    syn::custom_keyword!(public);
    syn::custom_keyword!(blocked);
    syn::custom_keyword!(authenticated);
}

/// The parsed invocation.
pub(crate) struct Input {
    /// The runtime crate path (`$crate` of the `define_access!` front), as tokens.
    pub krate: TokenStream,
    /// Attributes (doc comments) of the model type.
    pub attrs: Vec<Attribute>,
    /// Visibility of the generated items.
    pub vis: Visibility,
    /// The model type's name.
    pub ident: Ident,
    /// The model as written.
    pub spec: ModelSpec<Span>,
    /// Errors that do not stop parsing (a section written twice, a missing section).
    pub errors: Vec<syn::Error>,
    /// `lints: { idle_role: deny, .. }`: the level of each lint named.
    pub lint_levels: Vec<(LintKind, LintLevel)>,
    /// Whether every section parsed; if not, `errors` ends with the syntax error and `spec`
    /// holds what came before it.
    pub complete: bool,
}

/// What a lint does when it finds something.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LintLevel {
    /// Nothing.
    Allow,
    /// A warning at the offending token (the default).
    Warn,
    /// A compile error at the offending token.
    Deny,
}

/// `{ name: allow | warn | deny, .. }` after `lints:`.
fn lint_levels(
    input: ParseStream<'_>,
    errors: &mut Vec<syn::Error>,
) -> syn::Result<Vec<(LintKind, LintLevel)>> {
    let body;
    braced!(body in input);
    let mut out = Vec::new();
    while !body.is_empty() {
        let lint = Ident::parse_any(&body)?;
        body.parse::<Token![:]>()?;
        let level = Ident::parse_any(&body)?;
        let kind = LintKind::from_name(&lint.to_string());
        if kind.is_none() {
            errors.push(syn::Error::new(
                lint.span(),
                access_model::unknown_message(
                    "lint",
                    &lint.to_string(),
                    "",
                    LintKind::ALL.iter().map(|k| k.name()),
                ),
            ));
        }
        let lvl = match level.to_string().as_str() {
            "allow" => Some(LintLevel::Allow),
            "warn" => Some(LintLevel::Warn),
            "deny" => Some(LintLevel::Deny),
            other => {
                errors.push(syn::Error::new(
                    level.span(),
                    access_model::unknown_message(
                        "lint level",
                        other,
                        "",
                        ["allow", "warn", "deny"],
                    ),
                ));
                None
            }
        };
        if let (Some(k), Some(l)) = (kind, lvl) {
            out.push((k, l));
        }
        comma(&body)?;
    }
    Ok(out)
}

fn name(i: &Ident) -> Name<Span> {
    Name::new(i.unraw().to_string(), i.span())
}

fn lit_name(l: &LitStr) -> Name<Span> {
    Name::new(l.value(), l.span())
}

/// `[a, b, c]`, trailing comma allowed.
fn ident_list(input: ParseStream<'_>) -> syn::Result<Vec<Name<Span>>> {
    let content;
    bracketed!(content in input);
    let list = content.parse_terminated(Ident::parse_any, Token![,])?;
    Ok(list.iter().map(name).collect())
}

/// `["a:b", "c:d"]`, trailing comma allowed.
fn lit_list(input: ParseStream<'_>) -> syn::Result<Vec<Name<Span>>> {
    let content;
    bracketed!(content in input);
    let list = content.parse_terminated(<LitStr as Parse>::parse, Token![,])?;
    Ok(list.iter().map(lit_name).collect())
}

/// An optional `,` between items.
fn comma(input: ParseStream<'_>) -> syn::Result<()> {
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

/// Records a section; a repeat is an error at its keyword.
fn once(
    seen: &mut Vec<&'static str>,
    section: &'static str,
    span: Span,
    errors: &mut Vec<syn::Error>,
) {
    if seen.contains(&section) {
        errors.push(syn::Error::new(
            span,
            format!("duplicate `{section}` section: each section is written once"),
        ));
    } else {
        seen.push(section);
    }
}

/// The sections of a model, in the order the docs present them.
const SECTIONS: &[&str] = &[
    "roles",
    "default_role",
    "entity",
    "flags",
    "entitlements",
    "plans",
    "default_plan",
    "tenant",
    "default_permission",
    "superuser_bypasses_blocked",
    "lints",
];

/// Tokens → [`Input`]. At a syntax error in the sections, the error and the model as far as it
/// parsed (`complete: false`); an error before the model's name is the only error.
pub(crate) fn parse(tokens: TokenStream) -> syn::Result<Input> {
    let mut recovered = None;
    let parsed = Parser::parse2(
        |input: ParseStream<'_>| {
            let i = Input::parse(input)?;
            if i.complete {
                Ok(Some(i))
            } else {
                recovered = Some(i);
                Ok(None)
            }
        },
        tokens,
    );
    match recovered {
        // syn may add "unexpected token" for what the recovery skipped: the first error is
        // the one that says what is wrong.
        Some(i) => Ok(i),
        None => parsed?.ok_or_else(|| syn::Error::new(Span::call_site(), "no model")),
    }
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `crate = <path>;` from the `macro_rules!` front.
        input.parse::<Token![crate]>()?;
        input.parse::<Token![=]>()?;
        let mut krate = TokenStream::new();
        while !input.peek(Token![;]) {
            if input.is_empty() {
                return Err(input.error("expected `;` after the crate path"));
            }
            krate.extend(std::iter::once(input.parse::<proc_macro2::TokenTree>()?));
        }
        input.parse::<Token![;]>()?;

        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        if !input.peek(Ident) || !input.peek2(Token![;]) {
            return Err(input.error(
                "expected the model's name first, as in `pub Access;`, before the sections",
            ));
        }
        let ident: Ident = input.parse()?;
        input.parse::<Token![;]>()?;

        let mut s = Sections {
            spec: ModelSpec::new(name(&ident)),
            errors: Vec::new(),
            seen: Vec::new(),
            saw_entitlements: false,
            levels: Vec::new(),
        };
        let complete = match sections(input, &mut s) {
            Ok(()) => true,
            Err(e) => {
                s.errors.push(e);
                skip_rest(input)?;
                false
            }
        };
        if complete && !s.saw_entitlements {
            s.errors.push(syn::Error::new(
                ident.span(),
                format!(
                    "missing `entitlements` section in model `{}`: add `entitlements {{ \"resource:action\" on <entity> => roles [..], }}`",
                    s.spec.name.text
                ),
            ));
        }
        Ok(Self {
            krate,
            attrs,
            vis,
            ident,
            spec: s.spec,
            errors: s.errors,
            lint_levels: s.levels,
            complete,
        })
    }
}

/// What the sections fill in, kept when a later section has a syntax error.
struct Sections {
    spec: ModelSpec<Span>,
    errors: Vec<syn::Error>,
    seen: Vec<&'static str>,
    saw_entitlements: bool,
    levels: Vec<(LintKind, LintLevel)>,
}

/// Every token left in `input`, skipped.
fn skip_rest(input: ParseStream<'_>) -> syn::Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((_, next)) = rest.token_tree() {
            rest = next;
        }
        Ok(((), rest))
    })
}

/// The sections after the model's name, each read into `s` as far as it goes.
fn sections(input: ParseStream<'_>, s: &mut Sections) -> syn::Result<()> {
    let spec = &mut s.spec;
    let (seen, errors) = (&mut s.seen, &mut s.errors);
    while !input.is_empty() {
        let look = input.lookahead1();
        if look.peek(kw::roles) {
            let k: kw::roles = input.parse()?;
            once(seen, "roles", k.span, errors);
            input.parse::<Token![:]>()?;
            spec.global_roles.extend(ident_list(input)?);
        } else if look.peek(kw::default_role) {
            let k: kw::default_role = input.parse()?;
            once(seen, "default_role", k.span, errors);
            input.parse::<Token![:]>()?;
            spec.default_role = Some(name(&Ident::parse_any(input)?));
        } else if look.peek(kw::entity) {
            input.parse::<kw::entity>()?;
            entity(input, &mut spec.entities)?;
        } else if look.peek(kw::flags) {
            let k: kw::flags = input.parse()?;
            once(seen, "flags", k.span, errors);
            input.parse::<Token![:]>()?;
            spec.flags.extend(ident_list(input)?);
        } else if look.peek(kw::entitlements) {
            let k: kw::entitlements = input.parse()?;
            once(seen, "entitlements", k.span, errors);
            s.saw_entitlements = true;
            if input.peek(Token![:]) {
                input.parse::<Token![:]>()?;
            }
            entitlements(input, &mut spec.entitlements)?;
        } else if look.peek(kw::plans) {
            let k: kw::plans = input.parse()?;
            once(seen, "plans", k.span, errors);
            if input.peek(Token![:]) {
                input.parse::<Token![:]>()?;
            }
            plans(input, &mut spec.plans)?;
        } else if look.peek(kw::default_plan) {
            let k: kw::default_plan = input.parse()?;
            once(seen, "default_plan", k.span, errors);
            input.parse::<Token![:]>()?;
            spec.default_plan = Some(name(&Ident::parse_any(input)?));
        } else if look.peek(kw::tenant) {
            let k: kw::tenant = input.parse()?;
            once(seen, "tenant", k.span, errors);
            input.parse::<Token![:]>()?;
            spec.tenant = Some(tenant(input, errors)?);
        } else if look.peek(kw::default_permission) {
            let k: kw::default_permission = input.parse()?;
            once(seen, "default_permission", k.span, errors);
            input.parse::<Token![:]>()?;
            spec.default_permission.extend(default_permission(input)?);
        } else if look.peek(kw::superuser_bypasses_blocked) {
            let k: kw::superuser_bypasses_blocked = input.parse()?;
            once(seen, "superuser_bypasses_blocked", k.span, errors);
            input.parse::<Token![:]>()?;
            spec.superuser_bypasses_blocked = input.parse::<syn::LitBool>()?.value;
        } else if look.peek(kw::lints) {
            let k: kw::lints = input.parse()?;
            once(seen, "lints", k.span, errors);
            input.parse::<Token![:]>()?;
            s.levels.extend(lint_levels(input, errors)?);
        } else if input.peek(Ident::peek_any) {
            let unknown = Ident::parse_any(input)?;
            let text = unknown.to_string();
            let msg = access_model::unknown_message("section", &text, "", SECTIONS.iter().copied());
            return Err(syn::Error::new(unknown.span(), msg));
        } else {
            return Err(look.error());
        }
        comma(input)?;
    }
    Ok(())
}

/// `organization { owner: owner, member: member }` (after `tenant:`); `member` may be left out.
fn tenant(input: ParseStream<'_>, errors: &mut Vec<syn::Error>) -> syn::Result<TenantSpec<Span>> {
    let entity = Ident::parse_any(input)?;
    let body;
    let brace = braced!(body in input);
    let (mut owner, mut member): (Option<Ident>, Option<Ident>) = (None, None);
    while !body.is_empty() {
        let look = body.lookahead1();
        let slot = if look.peek(kw::owner) {
            body.parse::<kw::owner>()?;
            &mut owner
        } else if look.peek(kw::member) {
            body.parse::<kw::member>()?;
            &mut member
        } else if body.peek(Ident::peek_any) {
            let unknown = Ident::parse_any(&body)?;
            let msg = access_model::unknown_message(
                "key",
                &unknown.to_string(),
                " in `tenant`",
                ["owner", "member"],
            );
            return Err(syn::Error::new(unknown.span(), msg));
        } else {
            return Err(look.error());
        };
        body.parse::<Token![:]>()?;
        let role = Ident::parse_any(&body)?;
        if slot.is_some() {
            errors.push(syn::Error::new(
                role.span(),
                "this key of `tenant` is written twice",
            ));
        }
        *slot = Some(role);
        comma(&body)?;
    }
    let Some(owner) = owner else {
        return Err(syn::Error::new(
            brace.span.join(),
            "`tenant` needs its owner role: `tenant: organization { owner: owner }`",
        ));
    };
    Ok(TenantSpec {
        entity: name(&entity),
        owner: name(&owner),
        member: member.as_ref().map(name),
    })
}

/// `name { roles: [..], implies: {..}, inherits: {..} }` (after `entity`), into `out` as far
/// as it parses.
fn entity(input: ParseStream<'_>, out: &mut Vec<EntitySpec<Span>>) -> syn::Result<()> {
    let ident = Ident::parse_any(input)?;
    let mut e = EntitySpec {
        name: name(&ident),
        roles: Vec::new(),
        implies: Vec::new(),
        inherits: Vec::new(),
    };
    let parsed = entity_body(input, &mut e);
    out.push(e);
    parsed
}

/// The `{ .. }` of an entity.
fn entity_body(input: ParseStream<'_>, e: &mut EntitySpec<Span>) -> syn::Result<()> {
    let body;
    braced!(body in input);
    while !body.is_empty() {
        let look = body.lookahead1();
        if look.peek(kw::roles) {
            body.parse::<kw::roles>()?;
            body.parse::<Token![:]>()?;
            e.roles.extend(ident_list(&body)?);
        } else if look.peek(kw::implies) {
            body.parse::<kw::implies>()?;
            body.parse::<Token![:]>()?;
            let lines;
            braced!(lines in body);
            while !lines.is_empty() {
                let from = Ident::parse_any(&lines)?;
                lines.parse::<Token![=>]>()?;
                let to = Ident::parse_any(&lines)?;
                e.implies.push(ImpliesSpec {
                    from: name(&from),
                    to: name(&to),
                });
                comma(&lines)?;
            }
        } else if look.peek(kw::inherits) {
            body.parse::<kw::inherits>()?;
            body.parse::<Token![:]>()?;
            let lines;
            braced!(lines in body);
            while !lines.is_empty() {
                let parent = Ident::parse_any(&lines)?;
                lines.parse::<Token![:]>()?;
                let parent_role = Ident::parse_any(&lines)?;
                lines.parse::<Token![=>]>()?;
                let role = Ident::parse_any(&lines)?;
                e.inherits.push(InheritSpec {
                    parent_entity: name(&parent),
                    parent_role: name(&parent_role),
                    role: name(&role),
                });
                comma(&lines)?;
            }
        } else {
            return Err(look.error());
        }
        comma(&body)?;
    }
    Ok(())
}

/// `{ "x:y" on entity => roles [..], flags [..], .. }`, into `out` as far as it parses.
fn entitlements(input: ParseStream<'_>, out: &mut Vec<EntitlementSpec<Span>>) -> syn::Result<()> {
    let body;
    braced!(body in input);
    while !body.is_empty() {
        let lit: LitStr = body.parse()?;
        body.parse::<kw::on>()?;
        let entity = Ident::parse_any(&body)?;
        body.parse::<Token![=>]>()?;
        let mut e = EntitlementSpec {
            name: lit_name(&lit),
            entity: name(&entity),
            roles: Vec::new(),
            flags: Vec::new(),
        };
        let parsed = grants(&body, &mut e);
        out.push(e);
        parsed?;
        comma(&body)?;
    }
    Ok(())
}

/// `roles [..]` and `flags [..]` of one entitlement, in either order, separated by commas.
fn grants(body: ParseStream<'_>, e: &mut EntitlementSpec<Span>) -> syn::Result<()> {
    loop {
        if body.peek(kw::roles) {
            body.parse::<kw::roles>()?;
            e.roles.extend(ident_list(body)?);
        } else if body.peek(kw::flags) {
            body.parse::<kw::flags>()?;
            e.flags.extend(ident_list(body)?);
        } else {
            let look = body.lookahead1();
            look.peek(kw::roles);
            look.peek(kw::flags);
            return Err(look.error());
        }
        if body.peek(Token![,]) && (body.peek2(kw::roles) || body.peek2(kw::flags)) {
            body.parse::<Token![,]>()?;
            continue;
        }
        return Ok(());
    }
}

/// `{ name { group: g, features: [..], limits: {..} } name { add_on, .. } }`, into `out` as far
/// as it parses.
fn plans(input: ParseStream<'_>, out: &mut Vec<PlanSpec<Span>>) -> syn::Result<()> {
    let body;
    braced!(body in input);
    while !body.is_empty() {
        let ident = Ident::parse_any(&body)?;
        let mut p = PlanSpec {
            name: name(&ident),
            group: None,
            add_on: None,
            features: Vec::new(),
            limits: Vec::new(),
            requires: None,
        };
        let parsed = plan_fields(&body, &mut p);
        out.push(p);
        parsed?;
        comma(&body)?;
    }
    Ok(())
}

/// The `{ .. }` of one plan.
fn plan_fields(body: ParseStream<'_>, p: &mut PlanSpec<Span>) -> syn::Result<()> {
    let fields;
    braced!(fields in body);
    while !fields.is_empty() {
        let look = fields.lookahead1();
        if look.peek(kw::group) {
            fields.parse::<kw::group>()?;
            fields.parse::<Token![:]>()?;
            p.group = Some(name(&Ident::parse_any(&fields)?));
        } else if look.peek(kw::add_on) {
            let k: kw::add_on = fields.parse()?;
            p.add_on = Some(k.span);
        } else if look.peek(kw::features) {
            fields.parse::<kw::features>()?;
            fields.parse::<Token![:]>()?;
            p.features.extend(lit_list(&fields)?);
        } else if look.peek(kw::limits) {
            fields.parse::<kw::limits>()?;
            fields.parse::<Token![:]>()?;
            let lines;
            braced!(lines in fields);
            while !lines.is_empty() {
                let lname = Ident::parse_any(&lines)?;
                lines.parse::<Token![:]>()?;
                let ent: LitStr = lines.parse()?;
                lines.parse::<kw::per>()?;
                let period = Ident::parse_any(&lines)?;
                lines.parse::<kw::max>()?;
                let max: LitInt = lines.parse()?;
                p.limits.push(LimitSpec {
                    name: name(&lname),
                    entitlement: lit_name(&ent),
                    period: name(&period),
                    max: max.base10_parse::<u64>()?,
                    max_span: max.span(),
                });
                comma(&lines)?;
            }
        } else if look.peek(kw::requires) {
            fields.parse::<kw::requires>()?;
            fields.parse::<Token![:]>()?;
            let group = Ident::parse_any(&fields)?;
            let plans = ident_list(&fields)?;
            p.requires = Some(RequiresSpec {
                group: name(&group),
                plans,
            });
        } else {
            return Err(look.error());
        }
        comma(&fields)?;
    }
    Ok(())
}

/// `{ create: [admin], read: public, .. }`.
fn default_permission(input: ParseStream<'_>) -> syn::Result<Vec<ActionPermissionSpec<Span>>> {
    let body;
    braced!(body in input);
    let mut out = Vec::new();
    while !body.is_empty() {
        let action = Ident::parse_any(&body)?;
        body.parse::<Token![:]>()?;
        let look = body.lookahead1();
        let permission = if look.peek(kw::public) {
            PermissionSpec::Public(body.parse::<kw::public>()?.span)
        } else if look.peek(kw::blocked) {
            PermissionSpec::Blocked(body.parse::<kw::blocked>()?.span)
        } else if look.peek(kw::authenticated) {
            PermissionSpec::Authenticated(body.parse::<kw::authenticated>()?.span)
        } else if look.peek(syn::token::Bracket) {
            PermissionSpec::Roles(ident_list(&body)?)
        } else {
            return Err(look.error());
        };
        out.push(ActionPermissionSpec {
            action: name(&action),
            permission,
        });
        comma(&body)?;
    }
    Ok(out)
}
