//! Every project of the hierarchy has its row: a project placed without one (a database from
//! before the `projects` table, or the admin API) gets one, named by its id and under its
//! workspace, so no id is left to take. Run at every start; read through sea-orm entities of
//! the store's tables (read-only here: the store writes them).

use std::collections::BTreeMap;

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use sea_orm::{QuerySelect, Set};

use saas::schema::project;

/// `access_resources`: the store's resources, by type and id.
mod resources {
    use sea_orm::entity::prelude::*;

    /// A resource of the hierarchy.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "access_resources")]
    pub struct Model {
        /// Its entity type's name.
        #[sea_orm(primary_key, auto_increment = false)]
        pub ty: String,
        /// Its id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// `access_parents`: the hierarchy's edges, child to parent.
mod parents {
    use sea_orm::entity::prelude::*;

    /// One edge.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "access_parents")]
    pub struct Model {
        /// The child's type.
        #[sea_orm(primary_key, auto_increment = false)]
        pub child_ty: String,
        /// The child's id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub child_id: String,
        /// The parent's type.
        #[sea_orm(primary_key, auto_increment = false)]
        pub parent_ty: String,
        /// The parent's id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub parent_id: String,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Adds the missing project rows (`workspace` the first of the project's workspaces by id, or
/// empty without one; `name` its id): how many. Another instance adding the same rows at once
/// is no conflict (`ON CONFLICT DO NOTHING`).
pub(super) async fn project_rows(db: &impl ConnectionTrait) -> Result<u64, DbErr> {
    let missing: Vec<String> = resources::Entity::find()
        .select_only()
        .column(resources::Column::Id)
        .filter(resources::Column::Ty.eq("project"))
        .filter(
            resources::Column::Id.not_in_subquery(
                Query::select()
                    .column(project::Column::Id)
                    .from(project::Entity)
                    .to_owned(),
            ),
        )
        .order_by_asc(resources::Column::Id)
        .into_tuple()
        .all(db)
        .await?;
    let mut added = 0;
    for chunk in missing.chunks(access_core::MAX_BATCH) {
        let edges: Vec<(String, String)> = parents::Entity::find()
            .select_only()
            .columns([parents::Column::ChildId, parents::Column::ParentId])
            .filter(parents::Column::ChildTy.eq("project"))
            .filter(parents::Column::ParentTy.eq("workspace"))
            .filter(parents::Column::ChildId.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        let mut workspace: BTreeMap<&str, &str> = BTreeMap::new();
        for (child, parent) in &edges {
            let first = workspace.entry(child).or_insert(parent);
            if parent.as_str() < *first {
                *first = parent;
            }
        }
        let rows = chunk.iter().map(|id| project::ActiveModel {
            id: Set(id.clone()),
            workspace: Set(workspace.get(id.as_str()).copied().unwrap_or("").to_owned()),
            name: Set(id.clone()),
        });
        let done = project::Entity::insert_many(rows)
            .on_conflict_do_nothing_on([project::Column::Id])
            .exec_without_returning(db)
            .await?;
        if let sea_orm::TryInsertResult::Inserted(n) = done {
            added += n;
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use access_core::{ClosureStore as _, TypedClosure as _};
    use saas::model::resource::{Organization, Project, Workspace};
    use sea_orm::EntityTrait as _;

    use saas::schema::project;

    #[tokio::test]
    async fn a_project_placed_without_a_row_gets_one_once() {
        let dir = std::env::temp_dir().join(format!("saas-backfill-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.join("saas.db").display());
        let (db, store_db, _) = super::super::connect_to(url).await.unwrap();
        let keys = access_axum::JwtKeys::hmac(
            jsonwebtoken::Algorithm::HS256,
            b"saas-backfill-test-secret-0123456789",
        )
        .unwrap();
        let config = access_axum::AuthConfig::builder()
            .keys(keys)
            .build()
            .unwrap();
        let app = super::super::build(db.clone(), store_db, config, 0, None, None)
            .await
            .unwrap();
        let store = app.state().authz().stores();
        store.add_root(Organization::id("acme")).await.unwrap();
        for w in ["design", "a-first"] {
            store
                .add_child(Workspace::id(w), Organization::id("acme"))
                .await
                .unwrap();
        }
        // Placed by the store alone (the admin API's way), under two workspaces.
        let under = [
            Workspace::id("design").into(),
            Workspace::id("a-first").into(),
        ];
        store
            .add_resource(Project::id("orphan").into(), &under)
            .await
            .unwrap();
        assert_eq!(super::project_rows(&db).await.unwrap(), 1);
        let rows = project::Entity::find().all(&db).await.unwrap();
        assert_eq!(
            rows,
            [project::Model {
                id: "orphan".into(),
                workspace: "a-first".into(),
                name: "orphan".into(),
            }]
        );
        assert_eq!(super::project_rows(&db).await.unwrap(), 0, "once");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
