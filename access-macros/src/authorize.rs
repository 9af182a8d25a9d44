//! `#[authorize("project:delete", resource = project(id))]` on axum handlers.
//!
//! The handler takes an `Access<Model, Stores>` extractor (401 without credentials); the model
//! type comes from it. The entitlement and the entity type are checked at compile time against
//! the model's name tables (a `const` at the literal / identifier's span, with "did you mean");
//! the guard runs `check` (or `can_and_consume` with `consume`) before the body and answers 403
//! with the reasons when denied. With `consume`, the unit is given back when the handler's
//! response is not a success.

use proc_macro2::{Span, TokenStream};

use crate::respan;
use quote::{quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{
    Expr, FnArg, GenericArgument, Ident, ItemFn, LitStr, Pat, PathArguments, ReturnType, Token,
    Type, parenthesized,
};

struct Args {
    entitlement: LitStr,
    entity: Ident,
    id: Expr,
    consume: bool,
}

impl Parse for Args {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let entitlement: LitStr = input.parse()?;
        if input.is_empty() {
            return Err(syn::Error::new(
                entitlement.span(),
                "expected `, resource = <entity>(<id>)` after the entitlement",
            ));
        }
        input.parse::<Token![,]>()?;
        let key: Ident = input.parse()?;
        if key != "resource" {
            return Err(syn::Error::new(
                key.span(),
                format!("expected `resource = <entity>(<id>)`, found `{key}`"),
            ));
        }
        input.parse::<Token![=]>()?;
        let entity: Ident = input.parse()?;
        let body;
        parenthesized!(body in input);
        let id: Expr = body.parse()?;
        let mut consume = false;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
            if !input.is_empty() {
                let k: Ident = input.parse()?;
                if k != "consume" {
                    return Err(syn::Error::new(
                        k.span(),
                        format!("unknown option `{k}`, expected `consume`"),
                    ));
                }
                consume = true;
                if input.peek(Token![,]) {
                    input.parse::<Token![,]>()?;
                }
            }
        }
        if !input.is_empty() {
            return Err(input.error("unexpected tokens after the resource"));
        }
        Ok(Self {
            entitlement,
            entity,
            id,
            consume,
        })
    }
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

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args: Args = match syn::parse2(attr) {
        Ok(a) => a,
        Err(e) => {
            let e = e.to_compile_error();
            return quote!(#e #item);
        }
    };
    let f: ItemFn = match syn::parse2(item.clone()) {
        Ok(f) => f,
        Err(_) => {
            let e = syn::Error::new(
                Span::call_site(),
                "`#[authorize]` goes on an `async fn` handler",
            )
            .to_compile_error();
            return quote!(#e #item);
        }
    };
    if f.sig.asyncness.is_none() {
        let e = syn::Error::new(
            f.sig.fn_token.span,
            "`#[authorize]` needs an `async fn` handler",
        )
        .to_compile_error();
        return quote!(#e #item);
    }
    let Some((access, model)) = access_arg(&f) else {
        let e = syn::Error::new(
            f.sig.ident.span(),
            "`#[authorize]` needs an argument `access: Access<Model, Stores>` (from `access_axum::authz`) to check with",
        )
        .to_compile_error();
        return quote!(#e #item);
    };
    let lit = &args.entitlement;
    let entity = args.entity.to_string();
    let ent_index = respan(
        quote!(::access_core::__private::entitlement_index(<#model>::__ENTITLEMENTS, #lit)),
        lit.span(),
    );
    let ty_index = respan(
        quote!(::access_core::__private::entity_index(<#model>::__ENTITY_TYPES, #entity)),
        args.entity.span(),
    );
    let id = &args.id;
    let attrs = &f.attrs;
    let vis = &f.vis;
    let mut sig = f.sig.clone();
    let body = &f.block;
    let annotated = match &f.sig.output {
        ReturnType::Type(_, t) if !matches!(**t, Type::ImplTrait(_)) => quote!(: #t),
        _ => quote!(),
    };
    sig.output = syn::parse_quote!(-> ::axum::response::Response);
    let id_expr = quote_spanned!(id.span()=> ::std::string::ToString::to_string(&(#id)));
    let guard = if args.consume {
        quote! {
            let __consumption = match #access
                .ctx
                .can_and_consume_id(::access_core::EntitlementId(__ENT), __resource)
                .await
            {
                ::core::result::Result::Ok(::core::option::Option::Some(c)) => c,
                ::core::result::Result::Ok(::core::option::Option::None) => {
                    // Denied: explain why, as `check` does.
                    return match #access
                        .ctx
                        .check_id(::access_core::EntitlementId(__ENT), __resource)
                        .await
                    {
                        ::core::result::Result::Ok(d) => ::axum::response::IntoResponse::into_response(::access_axum::ApiError::forbidden(&d)),
                        ::core::result::Result::Err(e) => ::axum::response::IntoResponse::into_response(::access_axum::ApiError::authorization_failed("authorization store failed", e)),
                    };
                }
                ::core::result::Result::Err(e) => return ::axum::response::IntoResponse::into_response(::access_axum::ApiError::authorization_failed("authorization store failed", e)),
            };
        }
    } else {
        quote! {
            match #access
                .ctx
                .check_id(::access_core::EntitlementId(__ENT), __resource)
                .await
            {
                ::core::result::Result::Ok(d) if d.allowed => {}
                ::core::result::Result::Ok(d) => return ::axum::response::IntoResponse::into_response(::access_axum::ApiError::forbidden(&d)),
                ::core::result::Result::Err(e) => return ::axum::response::IntoResponse::into_response(::access_axum::ApiError::authorization_failed("authorization store failed", e)),
            }
        }
    };
    let finish = if args.consume {
        quote! {
            let __response = ::axum::response::IntoResponse::into_response(__out);
            if !__response.status().is_success() {
                // The handler failed: give the unit back.
                let _ = #access.ctx.unconsume(__consumption).await;
            }
            __response
        }
    } else {
        quote!(::axum::response::IntoResponse::into_response(__out))
    };
    quote! {
        #( #attrs )*
        #vis #sig {
            const __ENT: u16 = #ent_index;
            const __TY: u16 = #ty_index;
            let __id: ::std::string::String = #id_expr;
            let __resource = ::access_core::Resource::new(::access_core::EntityTypeId(__TY), &__id);
            #guard
            let __out #annotated = async #body.await;
            #finish
        }
    }
}
