//! The macros' documented forms compile and run: each file under `ui/*/pass/` is a module of
//! this binary and its `main` a test. The mistakes (`ui/*/fail/`) are trybuild's, in `ui.rs`;
//! with no passing case there, trybuild only type-checks (`cargo check`), so it neither builds
//! the dependencies a second time nor links.

#[path = "ui/authorize/pass/crate_through_reexport.rs"]
mod authorize_crate_through_reexport;
#[path = "ui/authorize/pass/handlers.rs"]
mod authorize_handlers;
#[path = "ui/define_access/pass/design_model.rs"]
mod define_access_design_model;
#[path = "ui/define_access/pass/minimal.rs"]
mod define_access_minimal;
#[path = "ui/define_access/pass/model_metadata.rs"]
mod define_access_model_metadata;
#[path = "ui/define_access/pass/non_ascii_names.rs"]
mod define_access_non_ascii_names;
#[path = "ui/define_access/pass/periods_and_hierarchies.rs"]
mod define_access_periods_and_hierarchies;
#[path = "ui/define_access/pass/raw_and_keyword_names.rs"]
mod define_access_raw_and_keyword_names;
#[path = "ui/define_access/pass/tenant.rs"]
mod define_access_tenant;
#[path = "ui/define_access/pass/typed_writes.rs"]
mod define_access_typed_writes;
#[path = "ui/engine/pass/one_method_per_question.rs"]
mod engine_one_method_per_question;
#[path = "ui/engine/pass/typed_questions.rs"]
mod engine_typed_questions;
#[path = "ui/granted/pass/proof_from_the_engine.rs"]
mod granted_proof_from_the_engine;
#[path = "ui/lints/pass/allowed_lints.rs"]
mod lints_allowed_lints;
#[path = "ui/lints/pass/unrelated_roles.rs"]
mod lints_unrelated_roles;
#[path = "ui/schema/pass/design_product.rs"]
mod schema_design_product;
#[path = "ui/schema/pass/in_memory_rules.rs"]
mod schema_in_memory_rules;
#[path = "ui/schema/pass/raw_identifiers.rs"]
mod schema_raw_identifiers;
#[path = "ui/schema/pass/views.rs"]
mod schema_views;

#[test]
fn authorize_crate_through_reexport() {
    authorize_crate_through_reexport::main();
}

#[test]
fn authorize_handlers() {
    authorize_handlers::main();
}

#[test]
fn define_access_design_model() {
    define_access_design_model::main();
}

#[test]
fn define_access_tenant() {
    define_access_tenant::main();
}

#[test]
fn define_access_minimal() {
    define_access_minimal::main();
}

#[test]
fn define_access_model_metadata() {
    define_access_model_metadata::main();
}

#[test]
fn define_access_non_ascii_names() {
    define_access_non_ascii_names::main();
}

#[test]
fn define_access_periods_and_hierarchies() {
    define_access_periods_and_hierarchies::main();
}

#[test]
fn define_access_raw_and_keyword_names() {
    define_access_raw_and_keyword_names::main();
}

#[test]
fn define_access_typed_writes() {
    define_access_typed_writes::main();
}

#[test]
fn engine_one_method_per_question() {
    engine_one_method_per_question::main();
}

#[test]
fn engine_typed_questions() {
    engine_typed_questions::main().expect("the store answers");
}

#[test]
fn granted_proof_from_the_engine() {
    granted_proof_from_the_engine::main();
}

#[test]
fn lints_allowed_lints() {
    lints_allowed_lints::main();
}

#[test]
fn lints_unrelated_roles() {
    lints_unrelated_roles::main();
}

#[test]
fn schema_design_product() {
    schema_design_product::main();
}

#[test]
fn schema_in_memory_rules() {
    schema_in_memory_rules::main();
}

#[test]
fn schema_raw_identifiers() {
    schema_raw_identifiers::main();
}

#[test]
fn schema_views() {
    schema_views::main();
}
