//! The example's tables, with row and field permissions checked against the model.

/// Documents of a tenant: a member writes them in their own tenant, as their own; published ones
/// are public, the rest stay in the tenant; their owner or an admin edits them; admins delete
/// them; `notes` are for admins and editors.
pub mod document {
    use sea_orm::entity::prelude::*;

    /// A document.
    #[derive(
        Clone,
        Debug,
        PartialEq,
        DeriveEntityModel,
        access_core::Schema,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[sea_orm(table_name = "documents")]
    #[schema(access = crate::model::Access, name = "document", entity = Entity, permission(
        create = where(tenant = user.tenant_id, owner_id = user.id),
        list   = any(where(published = true), where(tenant = user.tenant_id)),
        read   = any(where(published = true), where(tenant = user.tenant_id)),
        update = any(all(role(admin), where(tenant = user.tenant_id)),
                     all(where(tenant = user.tenant_id), where(owner_id = user.id))),
        delete = all(role(admin), where(tenant = user.tenant_id)),
    ))]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key)]
        #[serde(default)]
        pub id: i64,
        /// The tenant (organization) it belongs to.
        pub tenant: String,
        /// Its author.
        pub owner_id: i64,
        /// Title.
        pub title: String,
        /// Visible to everyone when published.
        pub published: bool,
        /// Internal notes: admins and editors only.
        #[schema(permission(read = [admin, editor]))]
        pub notes: String,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Products of a tenant: only its members see them; admins and editors add and change them, in
/// their own tenant only; admins delete them, with a second factor (an authenticator app's code)
/// passed within the last 5 minutes (`fva(300)`): at sign-in or by a step-up (`POST
/// /auth/mfa/step-up`), else 403 `mfa_required`. `cost` is for admins, `supplier` for admins and
/// editors (and only admins change it).
///
/// `fva` reads the session's time, not the row: on this table-bound schema it is written
/// `in_memory(..)` (checked in memory, never turned into SQL or a row-level policy).
pub mod product {
    use sea_orm::entity::prelude::*;

    /// A product.
    #[derive(
        Clone,
        Debug,
        PartialEq,
        DeriveEntityModel,
        access_core::Schema,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[sea_orm(table_name = "products")]
    #[schema(access = crate::model::Access, name = "product", entity = Entity, permission(
        create = all(any(role(admin), role(editor)), where(tenant = user.tenant_id)),
        list   = where(tenant = user.tenant_id),
        read   = where(tenant = user.tenant_id),
        update = all(any(role(admin), role(editor)), where(tenant = user.tenant_id)),
        delete = all(role(admin), where(tenant = user.tenant_id), in_memory(fva(300))),
    ))]
    pub struct Model {
        /// Id.
        #[sea_orm(primary_key)]
        #[serde(default)]
        pub id: i64,
        /// The tenant (organization) it belongs to.
        pub tenant: String,
        /// Name.
        pub name: String,
        /// Price in cents.
        pub price_cents: i64,
        /// What it costs us, in cents: admins only.
        #[schema(permission(read = [admin], write = [admin]))]
        pub cost_cents: i64,
        /// Who supplies it: admins and editors read it, admins change it.
        #[schema(permission(read = [admin, editor], write = [admin]))]
        pub supplier: String,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Projects: rows of this table and resources of the hierarchy (organization → workspace →
/// project) at once, under the same id. Who may do what follows the model's entitlements on the
/// project (`project:read`, `project:update`, `project:delete`: roles inherited down the
/// hierarchy); creating one takes `project:create` on the workspace the body names. The id and
/// the workspace are set when the project is created and never change (moving a project is a
/// change to the hierarchy, not to a row).
pub mod project {
    use access_core::schema::FieldValue;
    use access_core::{PermissionCtx, Question};
    use sea_orm::entity::prelude::*;

    use crate::model::{Access, entitlement};

    /// A project.
    #[derive(
        Clone,
        Debug,
        PartialEq,
        DeriveEntityModel,
        access_core::Schema,
        serde::Serialize,
        serde::Deserialize,
    )]
    #[sea_orm(table_name = "projects")]
    #[schema(access = crate::model::Access, name = "project", entity = Entity, permission(
        create = in_memory(self::may_create_in_workspace),
        list   = authenticated,
        read   = in_memory(entitlement("project:read")),
        update = in_memory(entitlement("project:update")),
        delete = in_memory(entitlement("project:delete")),
    ))]
    pub struct Model {
        /// Id: also the project's id in the hierarchy.
        #[sea_orm(primary_key, auto_increment = false)]
        #[schema(permission(write = self::only_when_created))]
        pub id: String,
        /// The workspace it belongs to.
        #[schema(permission(write = self::only_when_created))]
        pub workspace: String,
        /// Name.
        pub name: String,
    }

    /// No relations are navigated.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    /// `project:create` on the workspace the new row names. Without a row (the check made before
    /// the body is read) it defers to the row.
    pub async fn may_create_in_workspace(ctx: &PermissionCtx<'_>) -> bool {
        let Some(row) = ctx.row else {
            return true;
        };
        // The stored row, or the body of a create (which has only the fields it names).
        let workspace = match ctx.row_as::<Model>() {
            Some(stored) => stored.workspace.as_str(),
            None => match row.field("workspace") {
                FieldValue::Str(w) => w,
                _ => return false,
            },
        };
        let Some(engine) = ctx.entitlements else {
            return false;
        };
        // The marker names the entity (a workspace); the check takes the question's parts.
        let (create, on) = Question::<Access>::parts((entitlement::ProjectCreate, workspace));
        engine.can_entitlement(create, on).await.unwrap_or(false)
    }

    /// Written with the row's creation only (a patch has the stored row).
    pub async fn only_when_created(ctx: &PermissionCtx<'_>) -> bool {
        ctx.row.is_none()
    }
}
