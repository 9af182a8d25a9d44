//! The `resource` module: one marker type per entity type (`resource::Folder`), its
//! `EntityMarker` impl (the entity's role enum as `Role`) and a `ChildOf<Parent>` impl for each
//! edge of the compiled tables, so typed store writes are checked by the compiler.
//!
//! Infallible like the rest of `expand`: an entity type without a variant or without a role
//! enum (a name `validate` reported) gets no marker; over the fallback's empty tables there are
//! no edges, so no `ChildOf` impl and no error of its own.

use access_model::ModelData;
use proc_macro2::TokenStream;
use quote::quote;

use super::names::Names;
use super::parse::Input;

/// `mod resource { .. }` for the entity types of `names`, linked by the edges of `d`.
pub(crate) fn resources(input: &Input, names: &Names, d: &ModelData) -> TokenStream {
    let krate = &input.krate;
    let p = quote!(#krate::__private);
    let (vis, name) = (&input.vis, &input.ident);
    let inner_vis = match vis {
        syn::Visibility::Public(_) => quote!(pub),
        syn::Visibility::Restricted(r) if r.path.is_ident("crate") => quote!(pub(crate)),
        _ => quote!(pub(super)),
    };
    // (index, marker ident, role enum ident) of each entity type that gets a marker.
    let marked: Vec<_> = names
        .entity_types
        .iter()
        .filter_map(|v| {
            let roles = names.entity_roles.iter().find(|r| r.entity == v.name)?;
            Some((v, &roles.ident))
        })
        .collect();
    let markers = marked.iter().map(|(v, role)| {
        let (id, i, n) = (&v.ident, v.index, &v.name);
        let doc = format!(
            "The entity type `{n}` as a type: `{id}::id(\"..\")` is a resource of it, for typed \
             store writes."
        );
        let id_doc = format!("The `{n}` with id `id`.");
        quote! {
            #[doc = #doc]
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            #inner_vis enum #id {}
            #[automatically_derived]
            impl #id {
                #[doc = #id_doc]
                #[inline]
                #inner_vis fn id(id: &str) -> #p::Typed<'_, Self> {
                    #p::Typed::new(id)
                }
            }
            #[automatically_derived]
            impl #p::EntityMarker for #id {
                type Model = super::#name;
                type Role = super::#role;
                const TYPE: #p::EntityTypeId = #p::EntityTypeId(#i);
                const NAME: &'static str = #n;
            }
        }
    });
    let marker_of = |i: u16| {
        marked
            .iter()
            .find(|(v, _)| v.index == i)
            .map(|(v, _)| &v.ident)
    };
    let mut seen: Vec<(u16, u16)> = Vec::new();
    let children = d.edges.iter().filter_map(|e| {
        if seen.contains(&(e.parent, e.child)) {
            return None;
        }
        seen.push((e.parent, e.child));
        let (parent, child) = (marker_of(e.parent)?, marker_of(e.child)?);
        Some(quote! {
            #[automatically_derived]
            impl #p::ChildOf<#parent> for #child {}
        })
    });
    let children: Vec<TokenStream> = children.collect();
    let doc = format!(
        "The entity types of `{}` as types: `resource::Folder::id(\"f1\")` for typed store writes.",
        names.model
    );
    quote! {
        #[doc = #doc]
        #[allow(dead_code)]
        #vis mod resource {
            #( #markers )*
            #( #children )*
        }
    }
}
