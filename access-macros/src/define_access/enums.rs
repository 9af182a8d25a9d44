//! One generated enum (`Entitlement`, `Role`, `ProjectRole`, ..) → tokens.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::Visibility;

use super::names::Variant;

/// One generated enum with `ALL`, `as_str`, `index`, `FromStr`, `Display`, serde and
/// `ModelEnum`; `id` names the `__private` id type it converts into, if any.
pub(crate) fn enum_tokens(
    krate: &TokenStream,
    vis: &Visibility,
    ident: &Ident,
    kind: &str,
    doc: &str,
    variants: &[Variant],
    id: Option<&str>,
) -> TokenStream {
    let p = quote!(#krate::__private);
    let n = variants.len();
    let idents: Vec<&Ident> = variants.iter().map(|v| &v.ident).collect();
    let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
    let docs: Vec<&str> = variants.iter().map(|v| v.doc.as_str()).collect();
    let empty = n == 0;
    let repr = if empty {
        quote!()
    } else {
        quote!(#[repr(u16)])
    };
    let as_str = if empty {
        quote!(match self {})
    } else {
        quote!(Self::NAMES[self as usize])
    };
    let index = if empty {
        quote!(match self {})
    } else {
        quote!(self as u16)
    };
    let from = id.map(|id| {
        let id = format_ident!("{}", id);
        quote! {
            #[automatically_derived]
            impl ::core::convert::From<#ident> for #p::#id {
                #[inline]
                fn from(value: #ident) -> Self {
                    #p::#id(#ident::index(value))
                }
            }
        }
    });
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #repr
        #vis enum #ident {
            #( #[doc = #docs] #idents, )*
        }

        #[automatically_derived]
        #[allow(dead_code, clippy::all)]
        impl #ident {
            /// Every value, in declaration order.
            pub const ALL: [Self; #n] = [ #( Self::#idents ),* ];
            const NAMES: [&'static str; #n] = [ #( #names ),* ];

            /// The name as declared in the model.
            #[inline]
            pub const fn as_str(self) -> &'static str {
                #as_str
            }

            /// The index in the model's tables.
            #[inline]
            pub const fn index(self) -> u16 {
                #index
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #[automatically_derived]
        impl ::core::str::FromStr for #ident {
            type Err = #p::UnknownName;
            fn from_str(s: &str) -> #p::Result<Self, Self::Err> {
                match s {
                    #( #names => #p::Ok(Self::#idents), )*
                    _ => #p::Err(#p::UnknownName::new(#kind, s, &Self::NAMES)),
                }
            }
        }

        #[automatically_derived]
        impl #p::ModelEnum for #ident {
            const KIND: &'static str = #kind;
            const ALL: &'static [Self] = &Self::ALL;
            fn as_str(self) -> &'static str {
                #ident::as_str(self)
            }
            fn index(self) -> u16 {
                #ident::index(self)
            }
        }

        #[automatically_derived]
        impl #p::serde::Serialize for #ident {
            fn serialize<S: #p::serde::Serializer>(&self, serializer: S) -> #p::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        #[automatically_derived]
        impl<'de> #p::serde::Deserialize<'de> for #ident {
            fn deserialize<D: #p::serde::Deserializer<'de>>(deserializer: D) -> #p::Result<Self, D::Error> {
                let s: #p::Cow<'de, str> = #p::serde::Deserialize::deserialize(deserializer)?;
                s.parse().map_err(<D::Error as #p::serde::de::Error>::custom)
            }
        }

        #from
    }
}
