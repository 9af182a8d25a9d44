//! Validate: the parsed attribute is complete and the item is a handler it can guard. Every
//! mistake is pushed; a [`Checked`] comes out only when there is none.

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Expr, FnArg, GenericArgument, Ident, ItemFn, LitStr, Pat, PathArguments, Type};

use super::parse::Args;

/// Everything expand needs; it cannot fail from here.
pub(super) struct Checked {
    pub entitlement: LitStr,
    pub entity: Ident,
    pub id: Expr,
    pub consume: bool,
    /// The path to access-axum (`::access_axum` unless `crate = ..` says otherwise).
    pub krate: TokenStream,
    pub handler: ItemFn,
    /// The `Access<M, S>` argument's binding, and `M`.
    pub access: Ident,
    pub model: Type,
}

/// Rules: the attribute names an entitlement and a resource; it sits on an `async fn` that takes
/// an `Access<Model, Stores>` argument bound to a name.
pub(super) fn check(
    args: Args,
    item: &TokenStream,
    errors: &mut Vec<syn::Error>,
) -> Option<Checked> {
    if args.resource.is_none() && !args.empty && !args.resource_tried {
        let span = args
            .entitlement
            .as_ref()
            .map_or_else(Span::call_site, LitStr::span);
        errors.push(syn::Error::new(
            span,
            "expected `, resource = <entity>(<id>)` after the entitlement",
        ));
    }
    let handler = handler(item, errors);
    let (Some(entitlement), Some(resource), Some((handler, access, model))) =
        (args.entitlement, args.resource, handler)
    else {
        return None;
    };
    let krate = match args.krate {
        Some(path) => quote!(#path),
        None => quote!(::access_axum),
    };
    Some(Checked {
        entitlement,
        entity: resource.entity,
        id: resource.id,
        consume: args.consume,
        krate,
        handler,
        access,
        model,
    })
}

/// The handler, its `Access` binding and its model type; each mistake pushed.
fn handler(item: &TokenStream, errors: &mut Vec<syn::Error>) -> Option<(ItemFn, Ident, Type)> {
    let Ok(f) = syn::parse2::<ItemFn>(item.clone()) else {
        errors.push(syn::Error::new(
            Span::call_site(),
            "`#[authorize]` goes on an `async fn` handler",
        ));
        return None;
    };
    if f.sig.asyncness.is_none() {
        errors.push(syn::Error::new(
            f.sig.fn_token.span,
            "`#[authorize]` needs an `async fn` handler",
        ));
    }
    let Some((access, model)) = access_arg(&f) else {
        errors.push(syn::Error::new(
            f.sig.ident.span(),
            "`#[authorize]` needs an argument `access: Access<Model, Stores>` (from `access_axum::authz`) to check with",
        ));
        return None;
    };
    f.sig.asyncness.is_some().then_some((f, access, model))
}

/// The `Access<M, S>` argument: its binding and `M`.
fn access_arg(f: &ItemFn) -> Option<(Ident, Type)> {
    f.sig.inputs.iter().find_map(|arg| {
        let FnArg::Typed(pt) = arg else { return None };
        let Type::Path(tp) = &*pt.ty else { return None };
        let last = tp.path.segments.last()?;
        if last.ident != "Access" {
            return None;
        }
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        let model = args.args.iter().find_map(|a| match a {
            GenericArgument::Type(t) => Some(t.clone()),
            _ => None,
        })?;
        let Pat::Ident(pi) = &*pt.pat else {
            return None;
        };
        Some((pi.ident.clone(), model))
    })
}
