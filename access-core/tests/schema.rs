//! `#[derive(Schema)]`: every permission value and combinator, redaction and write checks.

use access_core::{
    AccessContext, Action, MemoryStore, PermissionCtx, Principal, ReasonKind, Schema, TypedClosure,
    TypedRoles, block_on_ready,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

mod model {
    access_core::define_access! {
        pub Access;

        roles: [admin, editor, user],
        default_role: user,

        entity organization { roles: [owner, member] }
        entity product {
            roles: [manager, viewer],
            implies: { manager => viewer },
            inherits: { organization:owner => manager, organization:member => viewer },
        }

        entitlements {
            "product:update" on product => roles [manager],
            "product:read"   on product => roles [viewer],
        }

        default_permission: { create: [admin], read: public, update: [admin, editor], delete: blocked },
    }
}

use model::{Access, OrganizationRole, resource};

const NOW: i64 = 1_700_000_000;

#[derive(Schema, Serialize, Deserialize, Clone, Debug)]
#[schema(access = model::Access, name = "product", permission(
    create = [admin, editor],
    read   = public,
    list   = authenticated,
    update = any(role(admin), all(role(editor), where(owner_id = user.id))),
    delete = all(role(admin), fva(300)),
))]
struct Product {
    id: i64,
    owner_id: i64,
    #[schema(permission(read = [admin, editor]))]
    supplier_email: String,
    #[schema(permission(write = [admin]))]
    cost: f64,
    #[schema(read_only)]
    created_at: i64,
    name: String,
}

async fn owns_item(ctx: &PermissionCtx<'_>) -> bool {
    // A dynamic check: the row's `owner` is the caller.
    match (ctx.row_as::<Item>(), ctx.principal) {
        (Some(item), Some(p)) => item.owner == *p.id,
        _ => false,
    }
}

async fn even_user(ctx: &PermissionCtx<'_>) -> bool {
    ctx.principal
        .and_then(|p| p.id.trim_start_matches('u').parse::<u32>().ok())
        .is_some_and(|n| n % 2 == 0)
}

#[derive(Schema, Serialize, Clone, Debug)]
#[schema(access = Access, permission(
    read   = where(tenant = user.tenant_id, archived = false),
    update = entitlement("product:update"),
    delete = [admin, self::owns_item],
    create = self::even_user,
))]
struct Item {
    id: String,
    tenant: String,
    #[schema(permission(write = [admin, self::owns_item]))]
    owner: String,
    archived: bool,
}

/// No permission of its own: the model's `default_permission`.
#[derive(Schema, Serialize, Clone, Debug)]
#[schema(access = Access)]
struct Note {
    id: i64,
}

#[derive(Schema, Serialize, Clone, Debug)]
#[schema(access = Access, permission(create = blocked, read = blocked))]
struct Secret {
    id: i64,
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    block_on_ready(f).expect("no I/O in these tests")
}

fn user(id: &str, roles: &[&str]) -> Principal {
    let data = access_core::AccessModel::data(&Access);
    let mut p = Principal::new(id).tenant("acme");
    for r in roles {
        let i = data.global_roles.iter().position(|g| &**g == *r).unwrap();
        p.global_roles.insert(i);
    }
    p
}

fn ctx<'a>(p: Option<&'a Principal>) -> PermissionCtx<'a> {
    PermissionCtx::new(access_core::AccessModel::data(&Access), p).at(NOW)
}

fn allowed<T: Schema + Sync>(p: Option<&Principal>, action: Action, row: Option<&T>) -> bool {
    let c = ctx(p);
    let c = match row {
        Some(r) => c.with_row(r),
        None => c,
    };
    run(T::authorize_action(&c, action)).is_ok()
}

fn product(owner: i64) -> Product {
    Product {
        id: 1,
        owner_id: owner,
        supplier_email: "s@example.com".into(),
        cost: 9.5,
        created_at: NOW,
        name: "widget".into(),
    }
}

#[test]
fn public_authenticated_and_role_lists() {
    let admin = user("1", &["admin"]);
    let editor = user("2", &["editor"]);
    let plain = user("3", &["user"]);
    let row = product(2);
    // read = public: nobody signed in is fine.
    assert!(allowed::<Product>(None, Action::Read, Some(&row)));
    // list = authenticated.
    assert!(!allowed::<Product>(None, Action::List, Some(&row)));
    assert!(allowed::<Product>(Some(&plain), Action::List, Some(&row)));
    // create = [admin, editor]
    assert!(allowed::<Product>(Some(&admin), Action::Create, None));
    assert!(allowed::<Product>(Some(&editor), Action::Create, None));
    assert!(!allowed::<Product>(Some(&plain), Action::Create, None));
    assert!(!allowed::<Product>(None, Action::Create, None));
    // Inactive users are refused everything, public included.
    let mut gone = user("4", &["admin"]);
    gone.active = false;
    let c = ctx(Some(&gone));
    let err = run(Product::authorize_action(&c, Action::Read)).unwrap_err();
    assert_eq!(err.reasons[0].kind, ReasonKind::InactiveUser);
}

#[test]
fn any_all_role_and_where_user_id() {
    let admin = user("1", &["admin"]);
    let editor = user("2", &["editor"]);
    let other_editor = user("7", &["editor"]);
    let row = product(2);
    assert!(allowed(Some(&admin), Action::Update, Some(&row)));
    assert!(allowed(Some(&editor), Action::Update, Some(&row)));
    assert!(!allowed(Some(&other_editor), Action::Update, Some(&row)));
    // The denial explains both branches of the `any`.
    let c = ctx(Some(&other_editor));
    let c = c.with_row(&row);
    let err = run(Product::authorize_action(&c, Action::Update)).unwrap_err();
    let kinds: Vec<ReasonKind> = err.reasons.iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [ReasonKind::RoleRequired, ReasonKind::RowRuleFailed]);
    assert!(err.reasons[0].message.contains("`admin`"), "{err}");
    assert!(err.reasons[1].message.contains("owner_id"), "{err}");
}

#[test]
fn fva_fresh_and_stale() {
    let mut admin = user("1", &["admin"]);
    let row = product(1);
    assert!(
        !allowed(Some(&admin), Action::Delete, Some(&row)),
        "never verified"
    );
    admin.mfa_verified_at = Some(NOW - 100);
    assert!(allowed(Some(&admin), Action::Delete, Some(&row)), "fresh");
    admin.mfa_verified_at = Some(NOW - 301);
    let c = ctx(Some(&admin));
    let err = run(Product::authorize_action(&c, Action::Delete)).unwrap_err();
    assert_eq!(err.reasons[0].kind, ReasonKind::MfaRequired, "stale");
    // A verification time in the future does not count.
    admin.mfa_verified_at = Some(NOW + 10);
    assert!(!allowed(Some(&admin), Action::Delete, Some(&row)));
}

#[test]
fn blocked_denies_superusers_too() {
    let mut root = user("0", &[]);
    root.superuser = true;
    let row = Secret { id: 1 };
    let c = ctx(Some(&root)).with_row(&row);
    let err = run(Secret::authorize_action(&c, Action::Read)).unwrap_err();
    assert_eq!(err.reasons[0].kind, ReasonKind::Blocked);
    // Everything else a superuser passes.
    assert!(allowed(Some(&root), Action::Update, Some(&product(9))));
    assert!(allowed(Some(&root), Action::Delete, Some(&product(9))));
}

#[test]
fn default_permission_applies_without_a_permission() {
    let admin = user("1", &["admin"]);
    let editor = user("2", &["editor"]);
    let row = Note { id: 1 };
    assert!(allowed(Some(&admin), Action::Create, Some(&row)));
    assert!(!allowed(Some(&editor), Action::Create, Some(&row)));
    assert!(allowed::<Note>(None, Action::Read, Some(&row)));
    assert!(
        allowed::<Note>(None, Action::List, Some(&row)),
        "list follows read"
    );
    assert!(allowed(Some(&editor), Action::Update, Some(&row)));
    assert!(!allowed(Some(&admin), Action::Delete, Some(&row)));
}

#[test]
fn where_with_tenant_and_literals() {
    let u = user("u1", &[]);
    let mine = Item {
        id: "i1".into(),
        tenant: "acme".into(),
        owner: "u1".into(),
        archived: false,
    };
    let archived = Item {
        archived: true,
        ..mine.clone()
    };
    let foreign = Item {
        tenant: "globex".into(),
        ..mine.clone()
    };
    assert!(allowed(Some(&u), Action::Read, Some(&mine)));
    assert!(!allowed(Some(&u), Action::Read, Some(&archived)));
    assert!(!allowed(Some(&u), Action::Read, Some(&foreign)));
    assert!(!allowed::<Item>(None, Action::Read, Some(&mine)));
}

#[test]
fn dynamic_checks_alone_and_inside_a_role_list() {
    let admin = user("u1", &["admin"]);
    let owner = user("u2", &[]);
    let stranger = user("u3", &[]);
    let row = Item {
        id: "i1".into(),
        tenant: "acme".into(),
        owner: "u2".into(),
        archived: false,
    };
    // delete = [admin, self::owns_item]
    assert!(allowed(Some(&admin), Action::Delete, Some(&row)));
    assert!(allowed(Some(&owner), Action::Delete, Some(&row)));
    let c = ctx(Some(&stranger)).with_row(&row);
    let err = run(Item::authorize_action(&c, Action::Delete)).unwrap_err();
    assert_eq!(err.reasons[0].kind, ReasonKind::RoleRequired);
    assert!(err.reasons[0].message.contains("self::owns_item"), "{err}");
    // create = self::even_user
    assert!(allowed::<Item>(Some(&owner), Action::Create, None));
    let c = ctx(Some(&stranger));
    let err = run(Item::authorize_action(&c, Action::Create)).unwrap_err();
    assert_eq!(err.reasons[0].kind, ReasonKind::DynamicCheckFailed);
}

#[test]
fn entitlement_rules_go_through_the_engine_on_the_row() {
    let store = MemoryStore::new();
    run(async {
        let org = resource::Organization::id("acme");
        store.add_root(org).await.unwrap();
        let i1 = resource::Product::id("i1");
        store.add_child(i1, org).await.unwrap();
        let (owner, member) = (OrganizationRole::Owner, OrganizationRole::Member);
        store.grant_role("olga", org, owner).await.unwrap();
        store.grant_role("mo", org, member).await.unwrap();
    });
    let row = Item {
        id: "i1".into(),
        tenant: "acme".into(),
        owner: "x".into(),
        archived: false,
    };
    for (who, expected) in [("olga", true), ("mo", false)] {
        let p = user(who, &[]);
        let engine = AccessContext::new(&Access, &store, p.clone());
        let c = ctx(Some(&p)).with_entitlements(&engine).with_row(&row);
        let r = run(Item::authorize_action(&c, Action::Update));
        assert_eq!(r.is_ok(), expected, "{who}: {r:?}");
        if let Err(e) = r {
            assert_eq!(e.reasons[0].kind, ReasonKind::HierarchyDenied);
            assert!(e.reasons[0].message.contains("product:update"), "{e}");
        }
    }
    // Without an engine the rule cannot be checked and denies.
    let p = user("olga", &[]);
    let c = ctx(Some(&p)).with_row(&row);
    assert!(run(Item::authorize_action(&c, Action::Update)).is_err());
}

#[test]
fn redaction_of_each_field_for_each_role() {
    let row = product(2);
    for (who, roles, sees_email) in [
        ("admin", &["admin"][..], true),
        ("editor", &["editor"][..], true),
        ("user", &["user"][..], false),
    ] {
        let p = user(who, roles);
        let c = ctx(Some(&p));
        let v = run(row.redact(&c)).unwrap();
        let obj = v.as_object().unwrap();
        assert_eq!(obj.contains_key("supplier_email"), sees_email, "{who}");
        for f in ["id", "owner_id", "cost", "created_at", "name"] {
            assert!(obj.contains_key(f), "{who} sees {f}");
        }
        let readable = run(row.readable_fields(&c));
        assert_eq!(readable.contains(&"supplier_email"), sees_email);
        assert_eq!(readable.len(), if sees_email { 6 } else { 5 });
    }
    // Nobody signed in: the role-gated field is hidden.
    let v = run(row.redact(&ctx(None))).unwrap();
    assert!(!v.as_object().unwrap().contains_key("supplier_email"));
}

#[test]
fn forbidden_writes_are_listed_and_nothing_is_written() {
    let admin = user("1", &["admin"]);
    let editor = user("2", &["editor"]);
    let mut row = product(2);
    let patch = json!({ "cost": 1.0, "name": "new", "created_at": 5, "colour": "red" });

    let c = ctx(Some(&editor));
    let denied = run(Product::check_write(&patch, Some(&row), &c));
    let mut fields: Vec<&str> = denied.iter().map(|d| d.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["colour", "cost", "created_at"]);
    // An application applies the patch only when nothing is denied: the row is unchanged.
    if denied.is_empty() {
        row.name = "new".into();
    }
    assert_eq!(row.name, "widget");

    let c = ctx(Some(&admin));
    let denied = run(Product::check_write(&patch, Some(&row), &c));
    let fields: Vec<&str> = denied.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields.len(), 2, "{fields:?}"); // read-only and unknown stay refused
    assert!(fields.contains(&"created_at") && fields.contains(&"colour"));

    let ok = run(Product::check_write(
        &json!({ "name": "x" }),
        Some(&row),
        &ctx(Some(&editor)),
    ));
    assert!(ok.is_empty());
    let not_object = run(Product::check_write(&json!([1]), None, &ctx(Some(&admin))));
    assert_eq!(not_object.len(), 1);
}

#[test]
fn permissions_are_data() {
    let perms = Product::PERMISSIONS;
    assert_eq!(perms.name, "product");
    assert_eq!(perms.id_field, "id");
    assert_eq!(perms.fields.len(), 6);
    assert!(perms.field("created_at").unwrap().read_only);
    assert!(perms.field("cost").unwrap().write.is_some());
    assert!(Note::PERMISSIONS.rule(Action::Create).is_none());
    assert_eq!(Item::PERMISSIONS.name, "item");
}

#[test]
fn write_rules_with_dynamic_checks_wait_for_them() {
    let row = Item {
        id: "i1".into(),
        tenant: "acme".into(),
        owner: "u2".into(),
        archived: false,
    };
    let patch = json!({ "owner": "u9", "archived": true });
    let owner = user("u2", &[]);
    assert!(run(Item::check_write(&patch, Some(&row), &ctx(Some(&owner)))).is_empty());
    let admin = user("u1", &["admin"]);
    assert!(run(Item::check_write(&patch, Some(&row), &ctx(Some(&admin)))).is_empty());
    let stranger = user("u3", &[]);
    let denied = run(Item::check_write(&patch, Some(&row), &ctx(Some(&stranger))));
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].field, "owner");
    assert!(
        denied[0].reason.message.contains("self::owns_item"),
        "{denied:?}"
    );
    // On create there is no row: the check cannot allow it.
    assert_eq!(
        run(Item::check_write(&patch, None, &ctx(Some(&owner)))).len(),
        1
    );
}

mod lenient {
    access_core::define_access! {
        pub Lenient;
        roles: [admin],
        entity doc { roles: [reader] }
        entitlements { "doc:read" on doc => roles [reader] }
        superuser_bypasses_blocked: true,
    }
}

#[derive(Schema, Serialize, Clone, Debug)]
#[schema(access = lenient::Lenient, permission(delete = blocked))]
struct Archive {
    id: i64,
}

#[test]
fn a_model_can_let_superusers_through_blocked() {
    let data = access_core::AccessModel::data(&lenient::Lenient);
    let mut root = Principal::new("0");
    root.superuser = true;
    let c = PermissionCtx::new(data, Some(&root));
    assert!(run(Archive::authorize_action(&c, Action::Delete)).is_ok());
    let admin = Principal::new("1");
    let c = PermissionCtx::new(data, Some(&admin));
    let err = run(Archive::authorize_action(&c, Action::Delete)).unwrap_err();
    assert_eq!(err.reasons[0].kind, ReasonKind::Blocked);
}
