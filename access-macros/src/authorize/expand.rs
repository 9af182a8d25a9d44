//! Expand: the guarded handler. Cannot fail; every path goes through `<krate>::__private`, so a
//! crate that reaches access-axum under another name says so with `crate = ..`.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ReturnType, Type};

use super::validate::Checked;
use crate::respan::respan;

/// The handler with the check before its body; its return type becomes `Response`.
pub(super) fn handler(c: &Checked) -> TokenStream {
    let krate = &c.krate;
    let p = quote!(#krate::__private);
    let (model, access, lit) = (&c.model, &c.access, &c.entitlement);
    let entity = c.entity.to_string();
    // The lookups are `const`: an unknown name fails compilation at the user's token.
    let ent_index = respan(
        quote!(#p::entitlement_index(<#model>::__ENTITLEMENTS, #lit)),
        lit.span(),
    );
    let ty_index = respan(
        quote!(#p::entity_index(<#model>::__ENTITY_TYPES, #entity)),
        c.entity.span(),
    );
    let id = &c.id;
    let id_expr = quote_spanned!(id.span()=> #p::ToString::to_string(&(#id)));

    let f = &c.handler;
    let (attrs, vis, body) = (&f.attrs, &f.vis, &f.block);
    let s = &f.sig;
    let (constness, asyncness, safety, abi, fn_token, ident, generics, inputs) = (
        &s.constness,
        &s.asyncness,
        &s.safety,
        &s.abi,
        &s.fn_token,
        &s.ident,
        &s.generics,
        &s.inputs,
    );
    let where_clause = &s.generics.where_clause;
    let annotated = match &s.output {
        ReturnType::Type(_, t) if !matches!(**t, Type::ImplTrait(_)) => quote!(: #t),
        _ => quote!(),
    };

    let respond = |e: TokenStream| quote!(#p::IntoResponse::into_response(#e));
    let forbidden = respond(quote!(#p::ApiError::forbidden(&d)));
    let failed = respond(quote!(#p::ApiError::authorization_failed(
        "authorization store failed",
        e
    )));
    let guard = if c.consume {
        quote! {
            let __consumption = match #access
                .ctx
                .can_and_consume(#p::EntitlementId(__ENT), __resource)
                .await
            {
                #p::Ok(#p::Some(c)) => c,
                #p::Ok(#p::None) => {
                    // Denied: explain why, as `check` does.
                    return match #access.ctx.check(#p::EntitlementId(__ENT), __resource).await {
                        #p::Ok(d) => #forbidden,
                        #p::Err(e) => #failed,
                    };
                }
                #p::Err(e) => return #failed,
            };
        }
    } else {
        quote! {
            match #access.ctx.check(#p::EntitlementId(__ENT), __resource).await {
                #p::Ok(d) if d.allowed => {}
                #p::Ok(d) => return #forbidden,
                #p::Err(e) => return #failed,
            }
        }
    };
    let finish = if c.consume {
        quote! {
            let __response = #p::IntoResponse::into_response(__out);
            if !__response.status().is_success() {
                // The handler failed: give the unit back.
                let _ = #access.ctx.unconsume(__consumption).await;
            }
            __response
        }
    } else {
        respond(quote!(__out))
    };
    quote! {
        #( #attrs )*
        #vis #constness #asyncness #safety #abi #fn_token #ident #generics (#inputs)
            -> #p::Response #where_clause
        {
            const __ENT: u16 = #ent_index;
            const __TY: u16 = #ty_index;
            let __id: #p::String = #id_expr;
            let __resource = #p::Resource::new(#p::EntityTypeId(__TY), &__id);
            #guard
            let __out #annotated = async #body.await;
            #finish
        }
    }
}
