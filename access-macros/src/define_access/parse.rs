//! Tokens → `ModelSpec<Span>`: syntax only. Names are resolved by `access_model::compile`.

use access_model::LintKind;
use access_model::{
    ActionPermissionSpec, EntitlementSpec, EntitySpec, ImpliesSpec, InheritSpec, LimitSpec,
    ModelSpec, Name, PermissionSpec, PlanSpec, RequiresSpec,
};
use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt;
use syn::parse::{Parse, ParseStream};
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
    "default_permission",
    "superuser_bypasses_blocked",
    "lints",
];

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

        let mut spec = ModelSpec::new(name(&ident));
        let mut errors = Vec::new();
        let mut seen: Vec<&'static str> = Vec::new();
        let mut saw_entitlements = false;
        let mut levels = Vec::new();

        while !input.is_empty() {
            let look = input.lookahead1();
            if look.peek(kw::roles) {
                let k: kw::roles = input.parse()?;
                once(&mut seen, "roles", k.span, &mut errors);
                input.parse::<Token![:]>()?;
                spec.global_roles.extend(ident_list(input)?);
            } else if look.peek(kw::default_role) {
                let k: kw::default_role = input.parse()?;
                once(&mut seen, "default_role", k.span, &mut errors);
                input.parse::<Token![:]>()?;
                spec.default_role = Some(name(&Ident::parse_any(input)?));
            } else if look.peek(kw::entity) {
                input.parse::<kw::entity>()?;
                spec.entities.push(entity(input)?);
            } else if look.peek(kw::flags) {
                let k: kw::flags = input.parse()?;
                once(&mut seen, "flags", k.span, &mut errors);
                input.parse::<Token![:]>()?;
                spec.flags.extend(ident_list(input)?);
            } else if look.peek(kw::entitlements) {
                let k: kw::entitlements = input.parse()?;
                once(&mut seen, "entitlements", k.span, &mut errors);
                saw_entitlements = true;
                if input.peek(Token![:]) {
                    input.parse::<Token![:]>()?;
                }
                spec.entitlements.extend(entitlements(input)?);
            } else if look.peek(kw::plans) {
                let k: kw::plans = input.parse()?;
                once(&mut seen, "plans", k.span, &mut errors);
                if input.peek(Token![:]) {
                    input.parse::<Token![:]>()?;
                }
                spec.plans.extend(plans(input)?);
            } else if look.peek(kw::default_plan) {
                let k: kw::default_plan = input.parse()?;
                once(&mut seen, "default_plan", k.span, &mut errors);
                input.parse::<Token![:]>()?;
                spec.default_plan = Some(name(&Ident::parse_any(input)?));
            } else if look.peek(kw::default_permission) {
                let k: kw::default_permission = input.parse()?;
                once(&mut seen, "default_permission", k.span, &mut errors);
                input.parse::<Token![:]>()?;
                spec.default_permission.extend(default_permission(input)?);
            } else if look.peek(kw::superuser_bypasses_blocked) {
                let k: kw::superuser_bypasses_blocked = input.parse()?;
                once(&mut seen, "superuser_bypasses_blocked", k.span, &mut errors);
                input.parse::<Token![:]>()?;
                spec.superuser_bypasses_blocked = input.parse::<syn::LitBool>()?.value;
            } else if look.peek(kw::lints) {
                let k: kw::lints = input.parse()?;
                once(&mut seen, "lints", k.span, &mut errors);
                input.parse::<Token![:]>()?;
                levels.extend(lint_levels(input, &mut errors)?);
            } else if input.peek(Ident::peek_any) {
                let unknown = Ident::parse_any(input)?;
                let text = unknown.to_string();
                let msg =
                    access_model::unknown_message("section", &text, "", SECTIONS.iter().copied());
                return Err(syn::Error::new(unknown.span(), msg));
            } else {
                return Err(look.error());
            }
            comma(input)?;
        }
        if !saw_entitlements {
            errors.push(syn::Error::new(
                ident.span(),
                format!(
                    "missing `entitlements` section in model `{ident}`: add `entitlements {{ \"resource:action\" on <entity> => roles [..], }}`"
                ),
            ));
        }
        Ok(Self {
            krate,
            attrs,
            vis,
            ident,
            spec,
            errors,
            lint_levels: levels,
        })
    }
}

/// `name { roles: [..], implies: {..}, inherits: {..} }` (after `entity`).
fn entity(input: ParseStream<'_>) -> syn::Result<EntitySpec<Span>> {
    let ident = Ident::parse_any(input)?;
    let mut e = EntitySpec {
        name: name(&ident),
        roles: Vec::new(),
        implies: Vec::new(),
        inherits: Vec::new(),
    };
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
    Ok(e)
}

/// `{ "x:y" on entity => roles [..], flags [..], .. }`.
fn entitlements(input: ParseStream<'_>) -> syn::Result<Vec<EntitlementSpec<Span>>> {
    let body;
    braced!(body in input);
    let mut out = Vec::new();
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
        // `roles [..]` and `flags [..]`, in either order, separated by commas.
        loop {
            if body.peek(kw::roles) {
                body.parse::<kw::roles>()?;
                e.roles.extend(ident_list(&body)?);
            } else if body.peek(kw::flags) {
                body.parse::<kw::flags>()?;
                e.flags.extend(ident_list(&body)?);
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
            break;
        }
        out.push(e);
        comma(&body)?;
    }
    Ok(out)
}

/// `{ name { group: g, features: [..], limits: {..} } name { add_on, .. } }`.
fn plans(input: ParseStream<'_>) -> syn::Result<Vec<PlanSpec<Span>>> {
    let body;
    braced!(body in input);
    let mut out = Vec::new();
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
        out.push(p);
        comma(&body)?;
    }
    Ok(out)
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
