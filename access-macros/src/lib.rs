use proc_macro::TokenStream; #[proc_macro] pub fn __define_access(i: TokenStream) -> TokenStream { i }
