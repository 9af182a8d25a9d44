//! The `/projects` CRUD routes the server mounts (and the load and throughput harness with it).

use std::sync::Arc;

use access_axum::ApiError;
use access_axum::crud::Crud;
use access_core::Action;
use access_core::sea::SeaStore;
use axum::http::StatusCode;

use crate::model::{Access, Entitlement, resource};
use crate::schema::project;

/// `/projects`: the CRUD routes over the projects table ([`project`]). A list shows
/// the projects the caller may read (`list_accessible`, in the SQL), each with `__access` for
/// the page's buttons; a created project joins the hierarchy under its workspace, and a deleted
/// one leaves it, in the row's own transaction.
pub fn crud(stores: Arc<SeaStore>) -> Crud<project::Entity, Access, SeaStore> {
    let placed = |e: access_core::StoreError| match e.kind {
        access_core::StoreErrorKind::AlreadyExists => ApiError::new(
            StatusCode::CONFLICT,
            "project_exists",
            "a project with this id exists",
        ),
        access_core::StoreErrorKind::NotFound => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_workspace",
            "no such workspace",
        ),
        _ => {
            eprintln!("error: placing a project in the hierarchy: {e}");
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the project could not be created",
            )
        }
    };
    let removed = |e: access_core::StoreError| {
        eprintln!("error: removing a project from the hierarchy: {e}");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the project could not be deleted",
        )
    };
    Crud::<project::Entity, Access, SeaStore>::new()
        .list_accessible(Entitlement::ProjectRead)
        .row_access([
            Entitlement::ProjectDelete,
            Entitlement::ExportPdf,
            Entitlement::AiGenerate,
        ])
        .row_actions([Action::Update])
        .before([Action::Create], |hook| async move {
            // Ids appear in URLs and in the hierarchy: short, plain, and checked before anything
            // is written.
            let id = hook
                .body
                .as_ref()
                .and_then(|b| b["id"].as_str())
                .unwrap_or("");
            let plain =
                |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
            if id.is_empty() || id.len() > 64 || !id.chars().all(plain) {
                return Err(ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_id",
                    "a project id is 1 to 64 of a-z, 0-9, `-` and `_`",
                ));
            }
            Ok(())
        })
        .after([Action::Create], {
            let stores = stores.clone();
            move |hook| {
                let stores = stores.clone();
                async move {
                    let (Some(row), Some(txn)) = (hook.row.as_ref(), hook.txn.as_deref()) else {
                        return Ok(());
                    };
                    // In the row's transaction: `SeaStore`'s own method, which takes `Resource`s.
                    let project = resource::Project::id(&row.id);
                    let under = [resource::Workspace::id(&row.workspace).into()];
                    stores
                        .create_resource_in(txn, project.into(), &under)
                        .await
                        .map_err(placed)
                }
            }
        })
        .after([Action::Delete], move |hook| {
            let stores = stores.clone();
            async move {
                let (Some(row), Some(txn)) = (hook.row.as_ref(), hook.txn.as_deref()) else {
                    return Ok(());
                };
                stores
                    .remove_resource_in(txn, resource::Project::id(&row.id).into())
                    .await
                    .map_err(removed)
            }
        })
}
