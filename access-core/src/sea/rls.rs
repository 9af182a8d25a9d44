//! The PostgreSQL row-level security bridge: a schema's rules as `CREATE POLICY` statements,
//! the caller's claims as transaction-local settings the policies read.

use super::row_filter::SeaOrmSchema;
use crate::model::{ModelData, RoleSet};
use crate::principal::Principal;
use crate::schema::{Action, ListItem, PermissionCtx, Rule, WhereValue, default_rule};

/// Why a rule has no row-level security policy.
///
/// # Examples
/// ```
/// use access_core::ModelData;
/// use access_core::sea::{RlsError, SeaOrmSchema, rls_policies};
///
/// // A table whose rules SQL cannot express keeps its checks in the application.
/// fn policies<T: SeaOrmSchema>(model: &ModelData, table: &str) -> Vec<String> {
///     match rls_policies::<T>(model, table) {
///         Ok(statements) => statements,
///         Err(RlsError(why)) => {
///             eprintln!("no row-level security on {table}: {why}");
///             Vec::new()
///         }
///     }
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RlsError(pub String);

impl std::fmt::Display for RlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RlsError {}

pub(super) fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn quote_lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

const SUB: &str = "current_setting('access.sub', true)";
const TENANT: &str = "current_setting('access.tenant_id', true)";
const ROLES: &str = "string_to_array(coalesce(current_setting('access.roles', true), ''), ',')";

fn rule_sql(rule: &Rule, ctx: &PermissionCtx<'_>) -> Result<String, RlsError> {
    let roles_sql = |roles: RoleSet| -> String {
        let names: Vec<String> = roles
            .iter()
            .filter_map(|r| ctx.model.global_roles.get(r).map(|n| quote_lit(n)))
            .collect();
        if names.is_empty() {
            "false".to_owned()
        } else {
            format!("{ROLES} && ARRAY[{}]::text[]", names.join(", "))
        }
    };
    Ok(match rule {
        Rule::Public => "true".to_owned(),
        Rule::Blocked => "false".to_owned(),
        Rule::Authenticated => format!("coalesce({SUB}, '') <> ''"),
        Rule::GlobalRoles(roles) => roles_sql(*roles),
        Rule::List(entries) => {
            let mut roles = RoleSet::EMPTY;
            for e in *entries {
                match (e.item)(ctx) {
                    ListItem::Role(r) => roles.insert(r as usize),
                    ListItem::Check(_) => {
                        return Err(RlsError(format!(
                            "the dynamic check `{}` cannot be expressed in SQL",
                            e.name
                        )));
                    }
                }
            }
            roles_sql(roles)
        }
        Rule::Where(clauses) => {
            let parts: Vec<String> = clauses
                .iter()
                .map(|w| {
                    let col = quote_ident(w.field);
                    match w.value {
                        WhereValue::UserId => format!("{col}::text = {SUB}"),
                        WhereValue::TenantId => format!("{col}::text = {TENANT}"),
                        WhereValue::Int(i) => format!("{col} = {i}"),
                        WhereValue::Str(s) => format!("{col} = {}", quote_lit(s)),
                        WhereValue::Bool(b) => format!("{col} = {b}"),
                    }
                })
                .collect();
            format!("({})", parts.join(" AND "))
        }
        Rule::All(rules) => {
            let parts: Result<Vec<String>, RlsError> =
                rules.iter().map(|r| rule_sql(r, ctx)).collect();
            format!("({})", parts?.join(" AND "))
        }
        Rule::Any(rules) => {
            let parts: Result<Vec<String>, RlsError> =
                rules.iter().map(|r| rule_sql(r, ctx)).collect();
            format!("({})", parts?.join(" OR "))
        }
        Rule::Fva(_) => {
            return Err(RlsError(
                "`fva` depends on the session's MFA time, not on the row".to_owned(),
            ));
        }
        Rule::Entitlement { name, .. } => {
            return Err(RlsError(format!(
                "`entitlement(\"{name}\")` goes through the engine and cannot be expressed in SQL"
            )));
        }
        Rule::Dynamic(c) => {
            return Err(RlsError(format!(
                "the dynamic check `{}` cannot be expressed in SQL",
                c.name
            )));
        }
    })
}

/// `CREATE POLICY` statements (PostgreSQL) for `T`'s `read`/`list` (SELECT), `update` and
/// `delete` rules and `create` (INSERT ... WITH CHECK) on `table`, reading the caller from the
/// transaction-local settings [`set_claims`] writes (`access.sub`, `access.tenant_id`,
/// `access.roles`, `access.superuser`; superusers pass). Run them with `ALTER TABLE .. ENABLE
/// ROW LEVEL SECURITY`; a rule SQL cannot express is an error naming it.
///
/// # Errors
/// The first rule that has no SQL form.
///
/// # Examples
/// ```
/// use access_core::ModelData;
/// use access_core::sea::{SeaOrmSchema, rls_policies};
/// use sea_orm::{ConnectionTrait, DatabaseConnection};
///
/// /// Installs `T`'s policies on `table` (once, in a migration).
/// async fn enable_rls<T: SeaOrmSchema>(
///     db: &DatabaseConnection,
///     model: &ModelData,
///     table: &str,
/// ) -> Result<(), Box<dyn std::error::Error>> {
///     for statement in rls_policies::<T>(model, table)? {
///         db.execute_unprepared(&statement).await?;
///     }
///     db.execute_unprepared(&format!("ALTER TABLE \"{table}\" ENABLE ROW LEVEL SECURITY")).await?;
///     Ok(())
/// }
/// ```
pub fn rls_policies<T: SeaOrmSchema>(
    model: &ModelData,
    table: &str,
) -> Result<Vec<String>, RlsError> {
    let ctx = PermissionCtx::new(model, None);
    let su = "coalesce(current_setting('access.superuser', true), '') = 'true'";
    let mut out = Vec::new();
    let schema = T::PERMISSIONS.name;
    for (action, command) in [
        (Action::List, "SELECT"),
        (Action::Update, "UPDATE"),
        (Action::Delete, "DELETE"),
        (Action::Create, "INSERT"),
    ] {
        let rule = T::PERMISSIONS
            .rule(action)
            .unwrap_or_else(|| default_rule(&model.default_permission, action));
        let expr = rule_sql(&rule, &ctx).map_err(|e| RlsError(format!("`{action}`: {e}")))?;
        let name = quote_ident(&format!("access_{schema}_{}", command.to_lowercase()));
        let clause = if command == "INSERT" {
            "WITH CHECK"
        } else {
            "USING"
        };
        out.push(format!(
            "CREATE POLICY {name} ON {} FOR {command} {clause} ({su} OR {expr})",
            quote_ident(table)
        ));
    }
    Ok(out)
}

/// Sets the caller's claims as transaction-local settings for row-level security policies.
/// Call it first in each request's transaction (values are bound parameters, never spliced).
///
/// # Errors
/// The database refused the statement.
///
/// # Examples
/// ```
/// use access_core::sea::set_claims;
/// use access_core::sea::write::begin_write;
/// use access_core::{ModelData, Principal};
/// use sea_orm::{DatabaseConnection, DbErr};
///
/// async fn handle(db: &DatabaseConnection, model: &ModelData, me: &Principal) -> Result<(), DbErr> {
///     let txn = begin_write(db).await?;
///     set_claims(&txn, model, Some(me)).await?;
///     // .. the request's statements: the policies see `me` ..
///     txn.commit().await
/// }
/// ```
pub async fn set_claims<C: sea_orm::ConnectionTrait>(
    txn: &C,
    model: &ModelData,
    principal: Option<&Principal>,
) -> Result<(), sea_orm::DbErr> {
    let (sub, tenant, roles, su) = match principal.filter(|p| p.active) {
        Some(p) => {
            let roles: Vec<&str> = p
                .global_roles
                .iter()
                .filter_map(|r| model.global_roles.get(r).map(|n| &**n))
                .collect();
            (
                p.id.to_string(),
                p.tenant.as_deref().unwrap_or("").to_owned(),
                roles.join(","),
                p.superuser.to_string(),
            )
        }
        None => (
            String::new(),
            String::new(),
            String::new(),
            "false".to_owned(),
        ),
    };
    txn.execute_raw(sea_orm::Statement::from_sql_and_values(
        sea_orm::DbBackend::Postgres,
        "SELECT set_config('access.sub', $1, true), set_config('access.tenant_id', $2, true), \
         set_config('access.roles', $3, true), set_config('access.superuser', $4, true)",
        [sub.into(), tenant.into(), roles.into(), su.into()],
    ))
    .await?;
    Ok(())
}

/// Whether row-level security applies to the connection's role: `false` (with a warning
/// logged) when it is a superuser or has `BYPASSRLS`. Call it at startup.
///
/// # Errors
/// The database refused the query.
///
/// # Examples
/// ```
/// use access_core::sea::rls_applies;
/// use sea_orm::{DatabaseConnection, DbErr};
///
/// async fn startup(db: &DatabaseConnection) -> Result<(), DbErr> {
///     if !rls_applies(db).await? {
///         // Connect as a role without BYPASSRLS, or keep every check in the application.
///     }
///     Ok(())
/// }
/// ```
pub async fn rls_applies<C: sea_orm::ConnectionTrait>(db: &C) -> Result<bool, sea_orm::DbErr> {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "SELECT (rolsuper OR rolbypassrls) AS bypass FROM pg_roles WHERE rolname = current_user",
        ))
        .await?;
    let bypass: bool = row.map_or(Ok(false), |r| r.try_get("", "bypass"))?;
    if bypass {
        tracing::warn!(
            "the database role is a superuser or has BYPASSRLS: row-level security policies will not apply"
        );
    }
    Ok(!bypass)
}
