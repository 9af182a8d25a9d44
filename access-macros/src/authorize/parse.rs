//! Parse: the attribute's tokens into [`Args`], every mistake collected.
//!
//! The entitlement literal comes first; then, comma-separated in any order, `resource =
//! <entity>(<id>)`, `consume` and `crate = <path>` (or `crate = "<path>"`). Each item is parsed
//! on its own, so one bad item does not hide the next.

use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Expr, Ident, LitStr, Path, Token, parenthesized};

/// `resource = <entity>(<id>)`.
pub(super) struct Resource {
    pub entity: Ident,
    pub id: Expr,
}

/// What the attribute says, as far as it parsed. Missing parts are [`super::validate`]'s to report.
#[derive(Default)]
pub(super) struct Args {
    pub entitlement: Option<LitStr>,
    pub resource: Option<Resource>,
    pub consume: bool,
    pub krate: Option<Path>,
    /// The attribute had no tokens (already reported).
    pub empty: bool,
    /// An item that failed to parse was meant as `resource` (already reported).
    pub resource_tried: bool,
}

/// One item after the entitlement.
enum Item {
    Resource(Ident, Resource),
    Consume(Ident),
    Crate(Ident, Path),
}

/// The keys that take a value, for "did you mean".
const KEYS: [&str; 2] = ["resource", "crate"];

/// Splits `attr` at its top-level commas: one chunk per item, with the span of the comma before
/// it (for an empty item).
fn chunks(attr: TokenStream) -> Vec<(TokenStream, Span)> {
    let mut out = Vec::new();
    let mut current = Vec::new();
    let mut before = Span::call_site();
    for tt in attr {
        match &tt {
            TokenTree::Punct(p) if p.as_char() == ',' => {
                out.push((current.drain(..).collect(), before));
                before = p.span();
            }
            _ => current.push(tt),
        }
    }
    if !current.is_empty() || !out.is_empty() {
        out.push((current.into_iter().collect(), before));
    }
    out
}

/// Parses the attribute, pushing every mistake onto `errors`.
pub(super) fn args(attr: TokenStream, errors: &mut Vec<syn::Error>) -> Args {
    let mut args = Args::default();
    let chunks = chunks(attr);
    if chunks.is_empty() {
        args.empty = true;
        errors.push(syn::Error::new(
            Span::call_site(),
            "expected the entitlement and the resource: `#[authorize(\"project:delete\", resource = project(id))]`",
        ));
    }
    let last = chunks.len().saturating_sub(1);
    for (i, (chunk, comma)) in chunks.into_iter().enumerate() {
        if chunk.is_empty() {
            // A trailing comma is fine; an empty item between two commas is not.
            if i != last {
                errors.push(syn::Error::new(
                    comma,
                    "expected an option between the commas",
                ));
            }
            continue;
        }
        if i == 0
            && let Ok(lit) = syn::parse2::<LitStr>(chunk.clone())
        {
            args.entitlement = Some(lit);
            continue;
        }
        if i == 0 {
            errors.push(syn::Error::new_spanned(
                &chunk,
                "expected the entitlement first, as a string literal: `#[authorize(\"project:delete\", resource = project(id))]`",
            ));
        }
        let first = match chunk.clone().into_iter().next() {
            Some(TokenTree::Ident(i)) => Some(i.to_string()),
            _ => None,
        };
        match item.parse2(chunk) {
            Ok(Item::Resource(key, r)) => {
                if args.resource.is_some() {
                    errors.push(duplicate(&key));
                } else {
                    args.resource = Some(r);
                }
            }
            Ok(Item::Consume(key)) => {
                if args.consume {
                    errors.push(duplicate(&key));
                }
                args.consume = true;
            }
            Ok(Item::Crate(key, path)) => {
                if args.krate.is_some() {
                    errors.push(duplicate(&key));
                } else {
                    args.krate = Some(path);
                }
            }
            Err(e) => {
                // `resourse = ..` or a broken `resource = ..`: the resource is not missing.
                args.resource_tried |= first.is_some_and(|k| {
                    k == "resource" || access_model::suggest(&k, ["resource"]).is_some()
                });
                errors.push(e);
            }
        }
    }
    args
}

fn duplicate(key: &Ident) -> syn::Error {
    syn::Error::new(key.span(), format!("duplicate `{key}`"))
}

fn item(input: ParseStream<'_>) -> syn::Result<Item> {
    if input.peek(LitStr) {
        return Err(input
            .error("the entitlement comes once, first; an `#[authorize]` checks one entitlement"));
    }
    if !input.peek(Ident::peek_any) {
        return Err(
            input.error("expected `resource = <entity>(<id>)`, `consume` or `crate = <path>`")
        );
    }
    let key = Ident::parse_any(input)?;
    let name = key.to_string();
    let item = match name.as_str() {
        "consume" => {
            if !input.is_empty() {
                return Err(syn::Error::new(key.span(), "`consume` takes no value"));
            }
            return Ok(Item::Consume(key));
        }
        "resource" => {
            equals(input, &key, "resource = <entity>(<id>)")?;
            let entity = Ident::parse_any(input)?;
            if !input.peek(syn::token::Paren) {
                return Err(syn::Error::new(
                    entity.span(),
                    format!("expected `{entity}(<id>)`: the id of the resource in parentheses"),
                ));
            }
            let body;
            parenthesized!(body in input);
            let id: Expr = body.parse()?;
            if !body.is_empty() {
                return Err(body.error("expected one expression: the id of the resource"));
            }
            Item::Resource(key, Resource { entity, id })
        }
        "crate" => {
            equals(input, &key, "crate = <path to access_axum>")?;
            let path = if input.peek(LitStr) {
                let lit: LitStr = input.parse()?;
                lit.parse_with(Path::parse_mod_style)?
            } else {
                Path::parse_mod_style(input)?
            };
            Item::Crate(key, path)
        }
        _ if input.peek(Token![=]) => {
            return Err(syn::Error::new(
                key.span(),
                access_model::unknown_message("option", &name, "", KEYS),
            ));
        }
        _ => {
            let msg = match access_model::suggest(&name, ["consume"]) {
                Some(s) => format!("unknown option `{name}`, did you mean `{s}`?"),
                None => format!("unknown option `{name}`, expected `consume`"),
            };
            return Err(syn::Error::new(key.span(), msg));
        }
    };
    if !input.is_empty() {
        return Err(input.error("unexpected tokens; separate options with `,`"));
    }
    Ok(item)
}

/// The `=` after `key`, or an error showing the whole form.
fn equals(input: ParseStream<'_>, key: &Ident, form: &str) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        Ok(())
    } else {
        Err(syn::Error::new(key.span(), format!("expected `{form}`")))
    }
}
