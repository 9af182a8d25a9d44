//! Evaluating rules: [`evaluate`] (and [`evaluate_sync`] when no I/O is needed),
//! [`authorize`] for an action, the field checks behind `Schema::check_write`, and what a
//! denial says ([`Denial`], [`FieldDenial`]) in the vocabulary of `check`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use super::ctx::{EntitlementCheck, PermissionCtx};
use super::list::{ListEntry, ListItem};
use super::row::FieldValue;
use super::rule::{Action, FieldPermission, Rule, SchemaPermissions, Where, WhereValue};
use crate::decision::{Reason, ReasonKind, ReasonMeta};
use crate::model::{DefaultPermission, EntitlementId, ModelData, Permission, RoleSet};
use crate::principal::Principal;
use crate::store::Resource;

/// Why a field write was refused.
///
/// # Examples
/// ```
/// # access_core::define_access! { pub Access; entity project { roles: [owner] } entitlements { "project:edit" on project => roles [owner] } }
/// use access_core::{AccessModel, PermissionCtx, Schema};
///
/// #[derive(access_core::Schema)]
/// #[schema(access = Access)]
/// pub struct Note {
///     pub id: i64,
///     #[schema(read_only)]
///     pub created_at: i64,
/// }
///
/// fn main() {
///     let ctx = PermissionCtx::new(Access.data(), None);
///     let patch = serde_json::json!({ "created_at": 5 });
///     let denied = access_core::block_on_ready(Note::check_write(&patch, None, &ctx)).unwrap();
///     assert_eq!(denied[0].reason.message, "`created_at` is read-only");
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct FieldDenial {
    /// The field.
    pub field: String,
    /// Why.
    pub reason: Reason,
}

/// A denied schema check: the rule that failed (as written) and why.
///
/// # Examples
/// ```
/// # access_core::define_access! { pub Access; roles: [admin, editor], entity project { roles: [owner] } entitlements { "project:edit" on project => roles [owner] } }
/// use access_core::{AccessModel, Action, PermissionCtx, Principal, Schema};
///
/// #[derive(access_core::Schema)]
/// #[schema(access = Access, permission(create = [admin, editor]))]
/// pub struct Note {
///     pub id: i64,
/// }
///
/// fn main() {
///     let bob = Principal::new("2");
///     let ctx = PermissionCtx::new(Access.data(), Some(&bob));
///     let denial = access_core::block_on_ready(Note::authorize_action(&ctx, Action::Create));
///     assert_eq!(
///         denial.unwrap().unwrap_err().to_string(),
///         "`create` on `note` denied; role_required: needs the role `admin`, `editor`"
///     );
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Denial {
    /// The action.
    pub action: &'static str,
    /// The schema.
    pub schema: &'static str,
    /// Why, in the vocabulary of `check`.
    pub reasons: Vec<Reason>,
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "`{}` on `{}` denied", self.action, self.schema)?;
        for r in &self.reasons {
            write!(f, "; {}: {}", r.kind, r.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for Denial {}

fn reason(kind: ReasonKind, message: String) -> Reason {
    Reason {
        kind,
        message,
        meta: ReasonMeta::None,
    }
}

fn push_role_names(out: &mut String, model: &ModelData, roles: RoleSet) {
    let mut first = true;
    for r in roles.iter() {
        if let Some(n) = model.global_roles.get(r) {
            if !first {
                out.push_str(", ");
            }
            first = false;
            out.push('`');
            out.push_str(n);
            out.push('`');
        }
    }
}

/// The rule `default_permission` gives an action.
///
/// # Examples
/// ```
/// use access_core::Action;
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{Rule, default_rule};
///
/// let model = ModelBuilder::new("Access").entity("doc", ["owner"]).build().unwrap();
/// // Without `default_permission`: reads need a signed-in user, writes are blocked.
/// let d = &model.default_permission;
/// assert!(matches!(default_rule(d, Action::Read), Rule::Authenticated));
/// assert!(matches!(default_rule(d, Action::Create), Rule::Blocked));
/// ```
pub fn default_rule(d: &DefaultPermission, action: Action) -> Rule {
    let p = match action {
        Action::Create => d.create,
        Action::Read => d.read,
        Action::List => d.list,
        Action::Update => d.update,
        Action::Delete => d.delete,
    };
    match p {
        Permission::Public => Rule::Public,
        Permission::Blocked => Rule::Blocked,
        Permission::Authenticated => Rule::Authenticated,
        Permission::Roles(roles) => Rule::GlobalRoles(roles),
    }
}

fn matches(clause: &Where, value: FieldValue<'_>, p: Option<&Principal>) -> bool {
    let want: &str = match clause.value {
        WhereValue::UserId => match p {
            Some(p) => &p.id,
            None => return false,
        },
        WhereValue::TenantId => match p.and_then(|p| p.tenant.as_deref()) {
            Some(t) => t,
            None => return false,
        },
        WhereValue::Int(i) => return value == FieldValue::Int(i),
        WhereValue::Str(s) => return value == FieldValue::Str(s),
        WhereValue::Bool(b) => return value == FieldValue::Bool(b),
    };
    match value {
        FieldValue::Int(i) => want.parse::<i64>() == Ok(i),
        FieldValue::Str(s) => s == want,
        FieldValue::Bool(_) | FieldValue::Null => false,
    }
}

/// Evaluates `rule`. `Ok(())` allows; `Err` carries every reason the rule gives.
///
/// Rules that need no I/O (everything but dynamic checks and entitlements) complete without
/// suspending.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{Rule, evaluate};
/// use access_core::{PermissionCtx, Principal};
///
/// let model = ModelBuilder::new("Access").entity("doc", ["owner"]).build().unwrap();
/// const RULE: Rule = Rule::All(&[Rule::Authenticated, Rule::Fva(60)]);
/// let user = Principal::new("u1").mfa_verified_at(100);
/// let ctx = PermissionCtx::new(&model, Some(&user)).at(130);
/// assert_eq!(access_core::block_on_ready(evaluate(&RULE, &ctx)), Some(Ok(())));
/// ```
pub fn evaluate<'a>(
    rule: &'a Rule,
    ctx: &'a PermissionCtx<'a>,
) -> Pin<Box<dyn Future<Output = Result<(), Vec<Reason>>> + Send + 'a>> {
    Box::pin(async move {
        if let Some(r) = evaluate_sync(rule, ctx) {
            return r;
        }
        let p = ctx.active_principal();
        match rule {
            Rule::List(entries) => {
                if p.is_none() {
                    return Err(vec![unauthenticated(ctx)]);
                }
                for e in *entries {
                    if let ListItem::Check(fut) = (e.item)(ctx)
                        && fut.await
                    {
                        return Ok(());
                    }
                }
                Err(vec![list_reason(ctx, entries)])
            }
            Rule::Dynamic(c) => {
                if (c.check)(ctx).await {
                    Ok(())
                } else {
                    Err(vec![reason(
                        ReasonKind::DynamicCheckFailed,
                        format!("the check `{}` did not allow it", c.name),
                    )])
                }
            }
            Rule::Entitlement { id, name } => {
                let Some(p) = p else {
                    return Err(vec![unauthenticated(ctx)]);
                };
                if p.superuser {
                    return Ok(());
                }
                let Some(checker) = ctx.entitlements else {
                    return Err(vec![reason(
                        ReasonKind::ResourceRequired,
                        format!("`{name}` needs an access context to be checked"),
                    )]);
                };
                let ty = ctx
                    .model
                    .entitlements
                    .get(id.0 as usize)
                    .map(|e| crate::model::EntityTypeId(e.entity));
                let row_id = match ctx.row.map(|r| r.field(ctx.id_field)) {
                    Some(FieldValue::Int(i)) => Some(i.to_string()),
                    Some(FieldValue::Str(s)) => Some(s.to_owned()),
                    _ => None,
                };
                let resource = ctx
                    .resource
                    .or_else(|| Some(Resource::new(ty?, row_id.as_deref()?)));
                let Some(resource) = resource else {
                    return Err(vec![reason(
                        ReasonKind::ResourceRequired,
                        format!("`{name}` is checked on a resource and there is none"),
                    )]);
                };
                match checker.can_entitlement(*id, resource).await {
                    Ok(true) => Ok(()),
                    Ok(false) => Err(match explained(ctx, checker, *id, resource).await {
                        Some(reasons) => reasons,
                        None => vec![reason(
                            ReasonKind::HierarchyDenied,
                            format!(
                                "`{name}` is not granted on {}:{}",
                                entity_of(ctx, *id),
                                resource.id
                            ),
                        )],
                    }),
                    // Unknown, not "no": the store's error goes to the log, the reason says so.
                    Err(e) => {
                        tracing::warn!(error = %e, entitlement = name, "a rule could not be checked");
                        Err(vec![reason(
                            ReasonKind::CheckFailed,
                            format!("`{name}` could not be checked"),
                        )])
                    }
                }
            }
            Rule::All(rules) => {
                let mut reasons = Vec::new();
                for r in *rules {
                    if let Err(mut rs) = evaluate(r, ctx).await {
                        reasons.append(&mut rs);
                    }
                }
                if reasons.is_empty() {
                    Ok(())
                } else {
                    Err(reasons)
                }
            }
            Rule::Any(rules) => {
                let mut reasons = Vec::new();
                for r in *rules {
                    match evaluate(r, ctx).await {
                        Ok(()) => return Ok(()),
                        Err(mut rs) => reasons.append(&mut rs),
                    }
                }
                reasons.sort_by_key(|r| r.kind);
                Err(reasons)
            }
            // Handled by `evaluate_sync`.
            Rule::Public
            | Rule::Blocked
            | Rule::Authenticated
            | Rule::GlobalRoles(_)
            | Rule::Where(_)
            | Rule::Fva(_) => Err(vec![reason(ReasonKind::Blocked, "unreachable".into())]),
        }
    })
}

fn entity_of(ctx: &PermissionCtx<'_>, id: EntitlementId) -> String {
    ctx.model
        .entitlements
        .get(id.0 as usize)
        .and_then(|e| ctx.model.entities.get(e.entity as usize))
        .map_or_else(String::new, |e| e.name.to_string())
}

fn unauthenticated(_ctx: &PermissionCtx<'_>) -> Reason {
    reason(
        ReasonKind::AuthenticationRequired,
        "sign in first".to_owned(),
    )
}

fn list_reason(ctx: &PermissionCtx<'_>, entries: &[ListEntry]) -> Reason {
    let mut roles = RoleSet::EMPTY;
    let mut checks = 0usize;
    for e in entries {
        match (e.item)(ctx) {
            ListItem::Role(r) => roles.insert(r as usize),
            ListItem::Check(_) => checks += 1,
        }
    }
    let mut message = String::with_capacity(48);
    if !roles.is_empty() {
        message.push_str("needs the role ");
        push_role_names(&mut message, ctx.model, roles);
    }
    if checks > 0 {
        if !message.is_empty() {
            message.push_str(", or ");
        }
        message.push_str("the check ");
        let mut first = true;
        for e in entries {
            if matches!((e.item)(ctx), ListItem::Check(_)) {
                if !first {
                    message.push_str(", ");
                }
                first = false;
                message.push('`');
                message.push_str(e.name);
                message.push('`');
            }
        }
        message.push_str(" to allow it");
    }
    roles_reason_with(ctx, roles, message)
}

fn roles_reason(ctx: &PermissionCtx<'_>, roles: RoleSet) -> Reason {
    let mut message = String::with_capacity(48);
    message.push_str("needs the role ");
    push_role_names(&mut message, ctx.model, roles);
    roles_reason_with(ctx, roles, message)
}

fn roles_reason_with(ctx: &PermissionCtx<'_>, roles: RoleSet, message: String) -> Reason {
    Reason {
        kind: ReasonKind::RoleRequired,
        message,
        meta: ReasonMeta::Roles {
            entity: String::new(),
            roles: roles
                .iter()
                .filter_map(|r| ctx.model.global_roles.get(r).map(|n| n.to_string()))
                .collect(),
            via: Vec::new(),
        },
    }
}

/// Evaluates what needs no I/O; `None` when the rule (or a part it cannot decide without) needs
/// a dynamic check or an entitlement.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{Rule, evaluate_sync};
/// use access_core::{EntitlementId, PermissionCtx, ReasonKind};
///
/// let model = ModelBuilder::new("Access").entity("doc", ["owner"]).build().unwrap();
/// let anonymous = PermissionCtx::new(&model, None);
/// let denied = evaluate_sync(&Rule::Authenticated, &anonymous).unwrap().unwrap_err();
/// assert_eq!(denied[0].kind, ReasonKind::AuthenticationRequired);
/// // An entitlement needs `evaluate`.
/// let edit = Rule::Entitlement { id: EntitlementId(0), name: "doc:edit" };
/// assert!(evaluate_sync(&edit, &anonymous).is_none());
/// ```
pub fn evaluate_sync(rule: &Rule, ctx: &PermissionCtx<'_>) -> Option<Result<(), Vec<Reason>>> {
    let mut reasons = Vec::new();
    let ok = evaluate_sync_into(rule, ctx, &mut reasons)?;
    Some(if ok { Ok(()) } else { Err(reasons) })
}

/// Whether a role list allows an active principal: `None` when only a dynamic check listed
/// could.
fn list_allows(p: &Principal, entries: &[ListEntry], ctx: &PermissionCtx<'_>) -> Option<bool> {
    if p.superuser {
        return Some(true);
    }
    let mut has_checks = false;
    for e in entries {
        match (e.item)(ctx) {
            ListItem::Role(r) if p.global_roles.contains(r as usize) => return Some(true),
            ListItem::Role(_) => {}
            ListItem::Check(_) => has_checks = true,
        }
    }
    if has_checks { None } else { Some(false) }
}

/// [`evaluate_sync`] into a caller's buffer: `Some(true)` allows; `Some(false)` denies, with
/// the reasons pushed onto `out`; `None` needs [`evaluate`]. Nothing is pushed on `Some(true)`
/// or `None`.
///
/// # Examples
/// ```
/// use access_core::model_builder::ModelBuilder;
/// use access_core::schema::{Rule, evaluate_sync_into};
/// use access_core::PermissionCtx;
///
/// let model = ModelBuilder::new("Access").entity("doc", ["owner"]).build().unwrap();
/// let anonymous = PermissionCtx::new(&model, None);
/// let mut reasons = Vec::new();
/// assert_eq!(evaluate_sync_into(&Rule::Authenticated, &anonymous, &mut reasons), Some(false));
/// assert_eq!(reasons.len(), 1);
/// ```
pub fn evaluate_sync_into(
    rule: &Rule,
    ctx: &PermissionCtx<'_>,
    out: &mut Vec<Reason>,
) -> Option<bool> {
    let p = ctx.active_principal();
    let deny = |out: &mut Vec<Reason>, r: Reason| {
        out.push(r);
        Some(false)
    };
    match rule {
        Rule::Public => Some(true),
        Rule::Blocked if p.is_some_and(|p| p.superuser) && ctx.model.superuser_bypasses_blocked => {
            Some(true)
        }
        Rule::Blocked => deny(
            out,
            reason(ReasonKind::Blocked, "nobody may do this".to_owned()),
        ),
        Rule::Authenticated => match p {
            Some(_) => Some(true),
            None => deny(out, unauthenticated(ctx)),
        },
        Rule::GlobalRoles(roles) => match p {
            None => deny(out, unauthenticated(ctx)),
            Some(p) if p.superuser || p.global_roles.intersects(*roles) => Some(true),
            Some(_) => deny(out, roles_reason(ctx, *roles)),
        },
        Rule::List(entries) => match p {
            None => deny(out, unauthenticated(ctx)),
            Some(p) => match list_allows(p, entries, ctx)? {
                true => Some(true),
                false => deny(out, list_reason(ctx, entries)),
            },
        },
        Rule::Fva(secs) => match p {
            None => deny(out, unauthenticated(ctx)),
            Some(p) if p.superuser => Some(true),
            Some(p) if crate::principal::mfa_recent(p.mfa_verified_at, ctx.now, *secs) => {
                Some(true)
            }
            Some(_) => deny(out, Reason::mfa_required(*secs)),
        },
        Rule::Where(clauses) => {
            if p.is_some_and(|p| p.superuser) {
                return Some(true);
            }
            let Some(row) = ctx.row else {
                return deny(
                    out,
                    reason(
                        ReasonKind::RowRuleFailed,
                        "the rule applies to a row and there is none".to_owned(),
                    ),
                );
            };
            let before = out.len();
            for c in *clauses {
                if !matches(c, row.field(c.field), p) {
                    out.push(reason(
                        ReasonKind::RowRuleFailed,
                        format!("the row's `{}` does not match {}", c.field, describe(c)),
                    ));
                }
            }
            Some(out.len() == before)
        }
        Rule::All(rules) => {
            let before = out.len();
            let mut ok = true;
            for r in *rules {
                match evaluate_sync_into(r, ctx, out) {
                    Some(v) => ok &= v,
                    None => {
                        out.truncate(before);
                        return None;
                    }
                }
            }
            Some(ok)
        }
        Rule::Any(rules) => {
            let before = out.len();
            for r in *rules {
                match evaluate_sync_into(r, ctx, out) {
                    Some(true) => {
                        out.truncate(before);
                        return Some(true);
                    }
                    Some(false) => {}
                    None => {
                        out.truncate(before);
                        return None;
                    }
                }
            }
            out[before..].sort_by_key(|r| r.kind);
            Some(false)
        }
        Rule::Entitlement { .. } | Rule::Dynamic(_) => None,
    }
}

fn describe(c: &Where) -> String {
    match c.value {
        WhereValue::UserId => "your user id".to_owned(),
        WhereValue::TenantId => "your tenant".to_owned(),
        WhereValue::Int(i) => i.to_string(),
        WhereValue::Str(s) => format!("\"{s}\""),
        WhereValue::Bool(b) => b.to_string(),
    }
}

/// Whether the caller may perform `action` on a schema with these permissions: what
/// [`Schema::authorize_action`](crate::Schema::authorize_action) calls. An inactive user is
/// refused everything, `public` included.
///
/// # Errors
/// The failed rule's reasons.
///
/// # Examples
/// ```
/// # access_core::define_access! { pub Access; entity project { roles: [owner] } entitlements { "project:edit" on project => roles [owner] } }
/// use access_core::schema::authorize;
/// use access_core::{AccessModel, Action, PermissionCtx, Principal, Schema};
///
/// #[derive(access_core::Schema)]
/// #[schema(access = Access, permission(read = public))]
/// pub struct Note {
///     pub id: i64,
/// }
///
/// fn main() {
///     let inactive = Principal::new("u2").active(false);
///     let ctx = PermissionCtx::new(Access.data(), Some(&inactive));
///     let denial = access_core::block_on_ready(authorize(Note::PERMISSIONS, &ctx, Action::Read));
///     assert!(denial.unwrap().is_err());
/// }
/// ```
pub async fn authorize(
    perms: &'static SchemaPermissions,
    ctx: &PermissionCtx<'_>,
    action: Action,
) -> Result<(), Denial> {
    if let Some(p) = ctx.principal
        && !p.active
    {
        return Err(Denial {
            action: action.as_str(),
            schema: perms.name,
            reasons: vec![reason(
                ReasonKind::InactiveUser,
                "the account is inactive".to_owned(),
            )],
        });
    }
    let rule = perms
        .rule(action)
        .unwrap_or_else(|| default_rule(&ctx.model.default_permission, action));
    evaluate(&rule, ctx).await.map_err(|reasons| Denial {
        action: action.as_str(),
        schema: perms.name,
        reasons,
    })
}

pub(super) async fn field_readable(f: &FieldPermission, ctx: &PermissionCtx<'_>) -> bool {
    match &f.read {
        None => true,
        Some(rule) => match evaluate_sync(rule, ctx) {
            Some(r) => r.is_ok(),
            None => evaluate(rule, ctx).await.is_ok(),
        },
    }
}

fn not_an_object() -> Vec<FieldDenial> {
    vec![FieldDenial {
        field: String::new(),
        reason: reason(
            ReasonKind::Blocked,
            "the body must be a JSON object of fields".to_owned(),
        ),
    }]
}

/// The field's write rule, or why nobody may write it (unknown or read-only).
// The denial goes straight into the caller's list; boxing it would add an allocation per
// refused field.
#[allow(clippy::result_large_err)]
fn write_rule<'p>(
    perms: &'p SchemaPermissions,
    key: &str,
) -> Result<Option<&'p Rule>, FieldDenial> {
    let Some(f) = perms.field(key) else {
        return Err(FieldDenial {
            field: key.to_owned(),
            reason: reason(
                ReasonKind::Blocked,
                format!("`{}` has no field `{key}`", perms.name),
            ),
        });
    };
    if f.read_only {
        return Err(FieldDenial {
            field: key.to_owned(),
            reason: reason(ReasonKind::Blocked, format!("`{key}` is read-only")),
        });
    }
    Ok(f.write.as_ref())
}

/// Field write checks without suspending; `None` when a rule needs a dynamic check or an
/// entitlement.
pub(super) fn check_fields_sync(
    perms: &SchemaPermissions,
    patch: &serde_json::Value,
    ctx: &PermissionCtx<'_>,
) -> Option<Vec<FieldDenial>> {
    let Some(map) = patch.as_object() else {
        return Some(not_an_object());
    };
    let mut out = Vec::new();
    let mut buf = Vec::new();
    for key in map.keys() {
        match write_rule(perms, key) {
            Err(d) => out.push(d),
            Ok(None) => {}
            Ok(Some(rule)) => {
                // The common field rule, a role list, decided without a buffer.
                if let Rule::List(entries) = rule
                    && let Some(p) = ctx.active_principal()
                {
                    match list_allows(p, entries, ctx) {
                        Some(true) => continue,
                        Some(false) => {
                            out.push(FieldDenial {
                                field: key.clone(),
                                reason: list_reason(ctx, entries),
                            });
                            continue;
                        }
                        None => return None,
                    }
                }
                evaluate_sync_into(rule, ctx, &mut buf)?;
                for reason in buf.drain(..) {
                    out.push(FieldDenial {
                        field: key.clone(),
                        reason,
                    });
                }
            }
        }
    }
    Some(out)
}

pub(super) async fn check_fields(
    perms: &SchemaPermissions,
    patch: &serde_json::Value,
    ctx: &PermissionCtx<'_>,
) -> Vec<FieldDenial> {
    let Some(map) = patch.as_object() else {
        return not_an_object();
    };
    let mut out = Vec::new();
    for key in map.keys() {
        match write_rule(perms, key) {
            Err(d) => out.push(d),
            Ok(None) => {}
            Ok(Some(rule)) => {
                if let Err(reasons) = evaluate(rule, ctx).await {
                    for reason in reasons {
                        out.push(FieldDenial {
                            field: key.clone(),
                            reason,
                        });
                    }
                }
            }
        }
    }
    out
}

/// A future that is often ready at once: schema checks that need no I/O complete when they are
/// called, without building a state machine ([`Schema::check_write`](crate::Schema::check_write)
/// is `Ready` unless a dynamic check or an entitlement is involved).
///
/// # Examples
/// ```
/// use access_core::schema::MaybeReady;
///
/// let ready = MaybeReady::Ready(Some(3u8));
/// assert_eq!(access_core::block_on_ready(ready), Some(3));
/// let pending = MaybeReady::<u8>::Pending(Box::pin(async { 3 }));
/// assert_eq!(access_core::block_on_ready(pending), Some(3));
/// ```
#[allow(missing_debug_implementations)]
pub enum MaybeReady<'a, T> {
    /// Computed already.
    Ready(Option<T>),
    /// Needs to wait (dynamic checks, entitlements).
    Pending(Pin<Box<dyn Future<Output = T> + Send + 'a>>),
}

impl<T: Unpin> Future for MaybeReady<'_, T> {
    type Output = T;
    fn poll(self: Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<T> {
        match self.get_mut() {
            // Polled again after completion: stays pending rather than panicking.
            MaybeReady::Ready(v) => v
                .take()
                .map_or(std::task::Poll::Pending, std::task::Poll::Ready),
            MaybeReady::Pending(f) => f.as_mut().poll(cx),
        }
    }
}

/// `check`'s reasons for a denied `entitlement(..)` rule, unless the context wants verdicts only.
async fn explained(
    ctx: &PermissionCtx<'_>,
    checker: &dyn EntitlementCheck,
    id: EntitlementId,
    resource: Resource<'_>,
) -> Option<Vec<Reason>> {
    if ctx.explain {
        checker.explain_entitlement(id, resource).await
    } else {
        None
    }
}
