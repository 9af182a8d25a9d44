//! The model-wide settings' rules: `default_permission` and `tenant`.

use super::{ErrorKind, Errors, Names};
use crate::data::DefaultPermission;
use crate::spec::{ModelSpec, PermissionSpec};

/// Rules: `tenant` names an entity type, and its `owner` and `member` are roles of that type.
pub(super) fn check_tenant<S: Copy>(
    spec: &ModelSpec<S>,
    entities: &Names<'_>,
    roles: &[Names<'_>],
    e: &mut Errors<S>,
) {
    let Some(t) = &spec.tenant else {
        return;
    };
    let Some(i) = entities.get(&t.entity.text) else {
        e.unknown(
            ErrorKind::UnknownEntity,
            "entity",
            &t.entity,
            " for `tenant`",
            entities.iter(),
        );
        return;
    };
    let ctx = format!(" on `{}`", t.entity.text);
    for r in std::iter::once(&t.owner).chain(t.member.as_ref()) {
        if roles[i].get(&r.text).is_none() {
            e.unknown(ErrorKind::UnknownRole, "role", r, &ctx, roles[i].iter());
        }
    }
}

/// Rules: `default_permission` names each action once, only known actions, and only global
/// roles.
pub(super) fn check_default_permission<S: Copy>(
    spec: &ModelSpec<S>,
    globals: &Names<'_>,
    e: &mut Errors<S>,
) {
    let mut seen: Vec<&str> = Vec::new();
    for a in &spec.default_permission {
        if !DefaultPermission::ACTIONS.contains(&a.action.text.as_str()) {
            e.unknown(
                ErrorKind::UnknownAction,
                "action",
                &a.action,
                "",
                DefaultPermission::ACTIONS,
            );
        } else if seen.contains(&a.action.text.as_str()) {
            e.push(
                a.action.span,
                ErrorKind::Duplicate,
                format!(
                    "duplicate action `{}` in `default_permission`",
                    a.action.text
                ),
            );
        }
        seen.push(&a.action.text);
        if let PermissionSpec::Roles(rs) = &a.permission {
            for r in rs {
                if globals.get(&r.text).is_none() {
                    e.unknown(
                        ErrorKind::UnknownGlobalRole,
                        "global role",
                        r,
                        "",
                        globals.iter(),
                    );
                }
            }
        }
    }
}
