//! schema: rules as data, rows, `PermissionCtx`, evaluation, role lists, the `Schema` trait and
//! the const name lookups of generated code (what access-core's schema doc examples asserted).

// The schemas' fields are read through `RowFields`, serde and `PERMISSIONS`, not by name.
#![allow(dead_code)]

use std::future::Future;
use std::pin::Pin;

use access_core::__private::{dynamic_check, entitlement_index, entitlement_lookup, entity_index};
use access_core::model_builder::ModelBuilder;
use access_core::schema::{
    CheckFuture, EntitlementCheck, FieldValue, GlobalRole, IntoListItem, ListEntry, ListItem,
    MaybeReady, NamedCheck, RowFields, Rule, Where, WhereValue, authorize, default_rule, evaluate,
    evaluate_sync, evaluate_sync_into,
};
use access_core::{
    AccessContext, AccessModel, Action, EntitlementId, EntityTypeId, MemoryStore, ModelData,
    PermissionCtx, Principal, ReasonKind, Resource, RoleSet, Schema, StoreResult, TypedClosure,
    TypedRoles,
};
use serde_json::json;

use crate::harness::run;

// ---- helpers of this area ----

/// A run-time model: one entity `doc` with the entitlement `doc:edit`, and these global roles.
fn doc_model(global_roles: &[&str]) -> ModelData {
    ModelBuilder::new("Access")
        .global_roles(global_roles.iter().copied())
        .entity("doc", ["owner"])
        .entitlement("doc:edit", "doc", ["owner"], [])
        .build()
        .expect("a valid model")
}

/// A row of its own `RowFields`, for rules evaluated on hand-built data.
struct Doc {
    tenant: &'static str,
    level: i64,
    owner_id: i64,
}

impl RowFields for Doc {
    fn field(&self, field: &str) -> FieldValue<'_> {
        match field {
            "tenant" => FieldValue::Str(self.tenant),
            "level" => FieldValue::Int(self.level),
            "owner_id" => FieldValue::Int(self.owner_id),
            _ => FieldValue::Null,
        }
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

fn doc(tenant: &'static str, level: i64, owner_id: i64) -> Doc {
    Doc {
        tenant,
        level,
        owner_id,
    }
}

fn kinds(reasons: &[access_core::Reason]) -> Vec<ReasonKind> {
    let mut k: Vec<ReasonKind> = reasons.iter().map(|r| r.kind).collect();
    k.sort();
    k
}

async fn is_bob(ctx: &PermissionCtx<'_>) -> bool {
    ctx.principal.is_some_and(|p| &*p.id == "bob")
}

fn is_staff<'a>(ctx: &'a PermissionCtx<'a>) -> CheckFuture<'a> {
    Box::pin(async move { ctx.principal.is_some_and(|p| p.id.starts_with("staff-")) })
}

/// The model of the derive-based tests.
mod notes {
    access_core::define_access! {
        pub Access;
        roles: [admin, editor],
        entity project { roles: [owner] }
        entitlements { "project:edit" on project => roles [owner] }
    }

    pub async fn is_short(ctx: &access_core::PermissionCtx<'_>) -> bool {
        ctx.row_as::<Short>().is_some_and(|n| n.body.len() < 10)
    }

    #[derive(access_core::Schema)]
    #[schema(access = Access, permission(update = [self::is_short]))]
    pub struct Short {
        pub id: i64,
        pub body: String,
    }
}

/// A model with `implies`, for `check`'s reasons.
mod managed {
    access_core::define_access! {
        pub Access;
        entity project { roles: [manager, viewer], implies: { manager => viewer } }
        entitlements {
            "project:read"   on project => roles [viewer],
            "project:delete" on project => roles [manager],
        }
    }
}

use notes::Access;

fn admin() -> Principal {
    Principal::new("1").global_roles(RoleSet::single(0))
}

fn editor() -> Principal {
    Principal::new("e").global_roles(RoleSet::single(1))
}

// ---- rules as data ----

#[test]
fn named_check_allows_and_names_itself() {
    let model = doc_model(&[]);
    let check = NamedCheck {
        name: "is_staff",
        check: is_staff,
    };
    assert_eq!(format!("{check:?}"), "is_staff");
    let rule = Rule::Dynamic(check);
    let staff = Principal::new("staff-1");
    assert_eq!(
        run(evaluate(&rule, &PermissionCtx::new(&model, Some(&staff)))),
        Ok(())
    );
    let guest = Principal::new("guest");
    let reasons = run(evaluate(&rule, &PermissionCtx::new(&model, Some(&guest)))).unwrap_err();
    assert_eq!(reasons[0].kind, ReasonKind::DynamicCheckFailed);
    assert!(reasons[0].message.contains("`is_staff`"));
}

#[test]
fn where_compares_tenant_and_literals() {
    const CLAUSES: &[Where] = &[
        Where {
            field: "tenant",
            value: WhereValue::TenantId,
        },
        Where {
            field: "level",
            value: WhereValue::Int(3),
        },
    ];
    let model = doc_model(&[]);
    let user = Principal::new("u1").tenant("acme");
    let (row, other) = (doc("acme", 3, 0), doc("globex", 3, 0));
    let mut ctx = PermissionCtx::new(&model, Some(&user));
    ctx.row = Some(&row);
    assert_eq!(evaluate_sync(&Rule::Where(CLAUSES), &ctx), Some(Ok(())));
    ctx.row = Some(&other);
    assert!(evaluate_sync(&Rule::Where(CLAUSES), &ctx).unwrap().is_err());
}

#[test]
fn where_compares_the_user_id_as_the_fields_type() {
    const MINE: &[Where] = &[Where {
        field: "owner_id",
        value: WhereValue::UserId,
    }];
    let model = doc_model(&[]);
    let user = Principal::new("42");
    let (mine, theirs) = (doc("", 0, 42), doc("", 0, 7));
    let mut ctx = PermissionCtx::new(&model, Some(&user));
    ctx.row = Some(&mine);
    assert!(evaluate_sync(&Rule::Where(MINE), &ctx).unwrap().is_ok());
    ctx.row = Some(&theirs);
    let reasons = evaluate_sync(&Rule::Where(MINE), &ctx)
        .unwrap()
        .unwrap_err();
    assert_eq!(reasons[0].kind, ReasonKind::RowRuleFailed);
    assert!(reasons[0].message.contains("`owner_id`"));
}

#[test]
fn any_rule_gives_every_branchs_reason() {
    const RULE: Rule = Rule::Any(&[Rule::GlobalRoles(RoleSet(0b01)), Rule::Fva(300)]);
    let model = doc_model(&["admin", "editor"]);
    let admin = Principal::new("a").global_roles(RoleSet::single(0));
    assert_eq!(
        evaluate_sync(&RULE, &PermissionCtx::new(&model, Some(&admin))),
        Some(Ok(()))
    );
    let editor = editor();
    let reasons = evaluate_sync(&RULE, &PermissionCtx::new(&model, Some(&editor)))
        .unwrap()
        .unwrap_err();
    let mut want = vec![ReasonKind::RoleRequired, ReasonKind::MfaRequired];
    want.sort();
    assert_eq!(kinds(&reasons), want);
}

#[test]
fn nobody_signed_in_passes_public_only() {
    let model = doc_model(&[]);
    let ctx = PermissionCtx::new(&model, None);
    assert!(evaluate_sync(&Rule::Public, &ctx).unwrap().is_ok());
    assert!(evaluate_sync(&Rule::Authenticated, &ctx).unwrap().is_err());
}

#[test]
fn field_permissions_as_generated() {
    #[derive(access_core::Schema)]
    #[schema(access = Access)]
    pub struct Note {
        pub id: i64,
        #[schema(permission(read = [admin], write = [admin]))]
        pub secret: String,
        #[schema(read_only)]
        pub created_at: i64,
    }

    let secret = Note::PERMISSIONS.field("secret").unwrap();
    assert_eq!(secret.name, "secret");
    assert!(secret.read.is_some() && secret.write.is_some() && !secret.read_only);
    let created = Note::PERMISSIONS.field("created_at").unwrap();
    assert!(created.read.is_none() && created.read_only);
    // `SchemaPermissions::field`
    assert!(Note::PERMISSIONS.field("id").unwrap().read.is_none());
    assert!(Note::PERMISSIONS.field("missing").is_none());
}

#[test]
fn schema_permissions_as_generated() {
    #[derive(access_core::Schema)]
    #[schema(access = Access, permission(create = [admin], read = public))]
    pub struct Note {
        pub id: i64,
        pub body: String,
    }

    let perms = Note::PERMISSIONS;
    assert_eq!(perms.name, "note");
    assert_eq!(perms.id_field, "id");
    assert!(matches!(perms.create, Some(Rule::List(_))));
    assert!(perms.update.is_none());
    assert_eq!(perms.fields.len(), 2);
    assert_eq!((perms.field_index)("body"), Some(1));
    assert!(matches!(perms.rule(Action::Read), Some(Rule::Public)));
}

#[test]
fn rule_for_an_action() {
    #[derive(access_core::Schema)]
    #[schema(access = Access, permission(read = public, delete = blocked))]
    pub struct Note {
        pub id: i64,
    }

    let perms = Note::PERMISSIONS;
    assert!(matches!(perms.rule(Action::Delete), Some(Rule::Blocked)));
    assert!(matches!(perms.rule(Action::List), Some(Rule::Public)));
    assert!(perms.rule(Action::Update).is_none());
}

// ---- rows ----

#[test]
fn derived_row_fields() {
    #[derive(access_core::Schema)]
    #[schema(access = Access, permission(update = where(owner_id = user.id)))]
    pub struct Note {
        pub id: i64,
        pub owner_id: i64,
    }

    let note = Note {
        id: 7,
        owner_id: 42,
    };
    assert_eq!(note.field("owner_id"), FieldValue::Int(42));
    assert_eq!(note.field("nope"), FieldValue::Null);
    let Some(Rule::Where(clauses)) = Note::PERMISSIONS.update else {
        panic!("a `where` rule")
    };
    assert_eq!(
        clauses,
        &[Where {
            field: "owner_id",
            value: WhereValue::UserId
        }]
    );
}

// ---- the context ----

#[test]
fn permission_ctx_new() {
    let model = doc_model(&["admin"]);
    let before = access_core::time::now();
    let admin = Principal::new("a").global_roles(RoleSet::single(0));
    let ctx = PermissionCtx::new(&model, Some(&admin));
    assert!(ctx.now >= before);
    assert_eq!(ctx.principal, Some(&admin));
    assert_eq!(ctx.principal.map(|p| &*p.id), Some("a"));
    assert!(ctx.row.is_none() && ctx.resource.is_none() && ctx.entitlements.is_none());
    assert!(
        evaluate_sync(&Rule::GlobalRoles(RoleSet::single(0)), &ctx)
            .unwrap()
            .is_ok()
    );
    let anonymous = PermissionCtx::new(&model, None);
    assert!(anonymous.principal.is_none());
    assert!(
        evaluate_sync(&Rule::GlobalRoles(RoleSet::single(0)), &anonymous)
            .unwrap()
            .is_err()
    );
}

#[test]
fn permission_ctx_at() {
    let model = doc_model(&[]);
    let user = Principal::new("u1").mfa_verified_at(1_000);
    let ctx = PermissionCtx::new(&model, Some(&user));
    assert_eq!(ctx.clone().at(1_200).now, 1_200);
    assert!(
        evaluate_sync(&Rule::Fva(300), &ctx.clone().at(1_200))
            .unwrap()
            .is_ok()
    );
    assert!(
        evaluate_sync(&Rule::Fva(300), &ctx.at(1_400))
            .unwrap()
            .is_err()
    );
}

#[test]
fn with_row_keeps_the_original() {
    #[derive(access_core::Schema)]
    #[schema(access = Access, permission(read = where(id = 7)))]
    pub struct Note {
        pub id: i64,
    }

    let ctx = PermissionCtx::new(Access.data(), None);
    let note = Note { id: 7 };
    let with = ctx.with_row(&note);
    assert!(ctx.row.is_none());
    assert_eq!(with.row.map(|r| r.field("id")), Some(FieldValue::Int(7)));
    assert_eq!(with.row_as::<Note>().map(|n| n.id), Some(7));
}

#[test]
fn row_as_in_a_dynamic_check() {
    use notes::Short;

    let user = Principal::new("u1");
    let ctx = PermissionCtx::new(Access.data(), Some(&user));
    assert!(ctx.row_as::<Short>().is_none());
    let short = Short {
        id: 1,
        body: "short".into(),
    };
    let long = Short {
        id: 2,
        body: "a much longer body".into(),
    };
    let allowed =
        |n: &Short| run(Short::authorize_action(&ctx.with_row(n), Action::Update)).is_ok();
    assert!(allowed(&short));
    assert!(!allowed(&long));
    assert!(ctx.with_row(&short).row_as::<String>().is_none());
}

// ---- entitlements ----

/// Allows everything on resources whose id starts with `public-`.
struct PublicOnly;

impl EntitlementCheck for PublicOnly {
    fn can_entitlement<'a>(
        &'a self,
        _entitlement: EntitlementId,
        resource: Resource<'a>,
    ) -> Pin<Box<dyn Future<Output = StoreResult<bool>> + Send + 'a>> {
        Box::pin(async move { Ok(resource.id.starts_with("public-")) })
    }
}

#[test]
fn an_entitlement_check_of_its_own() {
    let model = doc_model(&[]);
    let rule = Rule::Entitlement {
        id: EntitlementId(0),
        name: "doc:edit",
    };
    let user = Principal::new("u1");
    let ctx = PermissionCtx::new(&model, Some(&user)).with_entitlements(&PublicOnly);
    let on = |id: &'static str| ctx.clone().on_resource(Resource::new(EntityTypeId(0), id));
    assert!(run(evaluate(&rule, &on("public-1"))).is_ok());
    assert!(run(evaluate(&rule, &on("secret-1"))).is_err());
    // The default `explain_entitlement` keeps the rule's own sentence.
    let reasons = run(evaluate(&rule, &on("secret-1"))).unwrap_err();
    assert_eq!(reasons[0].kind, ReasonKind::HierarchyDenied);
}

#[test]
fn access_context_can_entitlement() {
    let store = MemoryStore::new();
    let typed_p1 = notes::resource::Project::id("p1");
    let p1 = Resource::from(typed_p1);
    run(async {
        store.add_root(typed_p1).await.unwrap();
        let owner = notes::ProjectRole::Owner;
        store.grant_role("ann", typed_p1, owner).await.unwrap();
        let ann = AccessContext::new(&Access, &store, Principal::new("ann"));
        let bob = AccessContext::new(&Access, &store, Principal::new("bob"));
        let edit = notes::Entitlement::ProjectEdit.into();
        assert_eq!(ann.can_entitlement(edit, p1).await, Ok(true));
        assert_eq!(bob.can_entitlement(edit, p1).await, Ok(false));
    });
}

#[test]
fn with_entitlements_answers_entitlement_rules() {
    let store = MemoryStore::new();
    let typed_p1 = notes::resource::Project::id("p1");
    let p1 = Resource::from(typed_p1);
    let ann = Principal::new("ann");
    let rule = Rule::Entitlement {
        id: notes::Entitlement::ProjectEdit.into(),
        name: "project:edit",
    };
    run(async {
        store.add_root(typed_p1).await.unwrap();
        let owner = notes::ProjectRole::Owner;
        store.grant_role("ann", typed_p1, owner).await.unwrap();
        let access = AccessContext::new(&Access, &store, ann.clone());
        let ctx = PermissionCtx::new(Access.data(), Some(&ann)).on_resource(p1);
        // Without a checker, `entitlement(..)` rules deny.
        let reasons = evaluate(&rule, &ctx).await.unwrap_err();
        assert_eq!(reasons[0].kind, ReasonKind::ResourceRequired);
        let ctx = ctx.with_entitlements(&access);
        assert!(evaluate(&rule, &ctx).await.is_ok());
    });
}

#[test]
fn explain_entitlement_and_verdicts_only() {
    use managed::{Access, Entitlement, ProjectRole, resource};

    let store = MemoryStore::new();
    let typed_p1 = resource::Project::id("p1");
    let p1 = Resource::from(typed_p1);
    let rule = Rule::Entitlement {
        id: Entitlement::ProjectDelete.into(),
        name: "project:delete",
    };
    let principal = Principal::new("vic");
    run(async {
        store.add_root(typed_p1).await.unwrap();
        let viewer = ProjectRole::Viewer;
        store.grant_role("vic", typed_p1, viewer).await.unwrap();
        let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
        let why = vic
            .explain_entitlement(Entitlement::ProjectDelete.into(), p1)
            .await
            .unwrap();
        assert!(
            why[0].message.contains("needs the role `manager`"),
            "{}",
            why[0].message
        );
        // A rule's denial carries the same reasons ..
        let ctx = PermissionCtx::new(Access.data(), Some(&principal))
            .on_resource(p1)
            .with_entitlements(&vic);
        assert_eq!(evaluate(&rule, &ctx).await.unwrap_err(), why);
        // .. unless the context wants verdicts only.
        let verdict = evaluate(&rule, &ctx.verdicts_only()).await.unwrap_err();
        assert!(verdict[0].message.contains("is not granted on project:p1"));
    });
}

#[test]
fn verdicts_only_without_a_role_on_the_resource() {
    use managed::{Access, Entitlement, resource};

    let store = MemoryStore::new();
    let typed_p1 = resource::Project::id("p1");
    let p1 = Resource::from(typed_p1);
    run(async {
        store.add_root(typed_p1).await.unwrap();
        let vic = AccessContext::new(&Access, &store, Principal::new("vic"));
        let rule = Rule::Entitlement {
            id: Entitlement::ProjectDelete.into(),
            name: "project:delete",
        };
        let principal = Principal::new("vic");
        let ctx = PermissionCtx::new(Access.data(), Some(&principal))
            .on_resource(p1)
            .with_entitlements(&vic);
        let explained = evaluate(&rule, &ctx).await.unwrap_err();
        assert!(explained[0].message.contains("needs the role `manager`"));
        let verdict = evaluate(&rule, &ctx.verdicts_only()).await.unwrap_err();
        assert!(verdict[0].message.contains("is not granted on project:p1"));
    });
}

// ---- evaluation ----

#[test]
fn default_rule_without_default_permission() {
    let model = doc_model(&[]);
    let d = &model.default_permission;
    assert!(matches!(default_rule(d, Action::Read), Rule::Authenticated));
    assert!(matches!(default_rule(d, Action::List), Rule::Authenticated));
    assert!(matches!(default_rule(d, Action::Create), Rule::Blocked));
    assert!(matches!(default_rule(d, Action::Delete), Rule::Blocked));
}

#[test]
fn evaluate_all() {
    const RULE: Rule = Rule::All(&[Rule::Authenticated, Rule::Fva(60)]);
    let model = doc_model(&[]);
    let user = Principal::new("u1").mfa_verified_at(100);
    let ctx = PermissionCtx::new(&model, Some(&user)).at(130);
    assert_eq!(run(evaluate(&RULE, &ctx)), Ok(()));
    let anonymous = PermissionCtx::new(&model, None);
    let reasons = run(evaluate(&RULE, &anonymous)).unwrap_err();
    assert!(
        reasons
            .iter()
            .all(|r| r.kind == ReasonKind::AuthenticationRequired)
    );
}

#[test]
fn evaluate_sync_leaves_dynamic_checks_to_evaluate() {
    fn never<'a>(_: &'a PermissionCtx<'a>) -> CheckFuture<'a> {
        Box::pin(async { false })
    }
    let model = doc_model(&[]);
    let user = Principal::new("u1");
    let ctx = PermissionCtx::new(&model, Some(&user));
    assert_eq!(evaluate_sync(&Rule::Authenticated, &ctx), Some(Ok(())));
    let blocked = evaluate_sync(&Rule::Blocked, &ctx).unwrap().unwrap_err();
    assert_eq!(blocked[0].kind, ReasonKind::Blocked);
    let dynamic = Rule::Dynamic(NamedCheck {
        name: "never",
        check: never,
    });
    assert!(evaluate_sync(&dynamic, &ctx).is_none());
    let edit = Rule::Entitlement {
        id: EntitlementId(0),
        name: "doc:edit",
    };
    assert!(evaluate_sync(&edit, &PermissionCtx::new(&model, None)).is_none());
}

#[test]
fn evaluate_sync_into_pushes_on_denial_only() {
    let model = doc_model(&[]);
    let anonymous = PermissionCtx::new(&model, None);
    let mut reasons = Vec::new();
    assert_eq!(
        evaluate_sync_into(&Rule::Public, &anonymous, &mut reasons),
        Some(true)
    );
    assert!(reasons.is_empty());
    assert_eq!(
        evaluate_sync_into(&Rule::Authenticated, &anonymous, &mut reasons),
        Some(false)
    );
    assert_eq!(reasons[0].kind, ReasonKind::AuthenticationRequired);
}

#[test]
fn authorize_defaults_and_inactive_users() {
    #[derive(access_core::Schema)]
    #[schema(access = Access, permission(read = public))]
    pub struct Note {
        pub id: i64,
    }

    let active = Principal::new("u1");
    let inactive = Principal::new("u2").active(false);
    let go = |p: &Principal, action| {
        let ctx = PermissionCtx::new(Access.data(), Some(p));
        run(authorize(Note::PERMISSIONS, &ctx, action))
    };
    assert!(go(&active, Action::Read).is_ok());
    // `update` has no rule: the model's default (`blocked` for writes).
    assert_eq!(
        go(&active, Action::Update).unwrap_err().reasons[0].kind,
        ReasonKind::Blocked
    );
    // Inactive users are refused everything, `public` included.
    let denial = go(&inactive, Action::Read).unwrap_err();
    assert_eq!(denial.reasons[0].kind, ReasonKind::InactiveUser);
}

// ---- the `Schema` trait ----

#[test]
fn authorize_action_on_a_row() {
    #[derive(access_core::Schema)]
    #[schema(access = Access, permission(
        create = [admin],
        update = any(role(admin), where(owner_id = user.id)),
    ))]
    pub struct Note {
        pub id: i64,
        pub owner_id: i64,
    }

    let bob = Principal::new("2");
    let ctx = PermissionCtx::new(Access.data(), Some(&bob));
    let (mine, theirs) = (Note { id: 1, owner_id: 2 }, Note { id: 2, owner_id: 3 });
    run(async {
        assert!(
            Note::authorize_action(&ctx.with_row(&mine), Action::Update)
                .await
                .is_ok()
        );
        let denial = Note::authorize_action(&ctx.with_row(&theirs), Action::Update)
            .await
            .unwrap_err();
        assert_eq!((denial.action, denial.schema), ("update", "note"));
        let denial = Note::authorize_action(&ctx, Action::Create)
            .await
            .unwrap_err();
        assert_eq!(denial.reasons[0].kind, ReasonKind::RoleRequired);
    });
}

#[test]
fn queryable_fields_by_role() {
    #[derive(access_core::Schema)]
    #[schema(access = Access)]
    pub struct Note {
        pub id: i64,
        #[schema(permission(read = [admin]))]
        pub secret: String,
        pub title: String,
    }

    let fields = |p: &Principal| {
        let ctx = PermissionCtx::new(Access.data(), Some(p));
        run(Note::queryable_fields(&ctx))
    };
    assert_eq!(fields(&Principal::new("2")), ["id", "title"]);
    assert_eq!(fields(&admin()), ["id", "secret", "title"]);
}

#[test]
fn readable_fields_of_a_row() {
    #[derive(access_core::Schema)]
    #[schema(access = Access)]
    pub struct Note {
        pub id: i64,
        pub owner_id: i64,
        #[schema(permission(read = where(owner_id = user.id)))]
        pub draft: String,
    }

    let bob = Principal::new("2");
    let ctx = PermissionCtx::new(Access.data(), Some(&bob));
    let mine = Note {
        id: 1,
        owner_id: 2,
        draft: String::new(),
    };
    let theirs = Note {
        id: 2,
        owner_id: 3,
        draft: String::new(),
    };
    assert_eq!(run(mine.readable_fields(&ctx)), ["id", "owner_id", "draft"]);
    assert_eq!(run(theirs.readable_fields(&ctx)), ["id", "owner_id"]);
}

#[test]
fn redact_by_role() {
    #[derive(access_core::Schema, serde::Serialize)]
    #[schema(access = Access)]
    pub struct Note {
        pub id: i64,
        #[schema(permission(read = [admin, editor]))]
        pub notes: String,
    }

    let note = Note {
        id: 1,
        notes: "internal".into(),
    };
    let redact = |p: &Principal| {
        let ctx = PermissionCtx::new(Access.data(), Some(p));
        run(note.redact(&ctx)).unwrap()
    };
    assert_eq!(redact(&editor()), json!({ "id": 1, "notes": "internal" }));
    assert_eq!(redact(&Principal::new("g")), json!({ "id": 1 }));
}

#[test]
fn check_write_refuses_field_by_field() {
    #[derive(access_core::Schema)]
    #[schema(access = Access)]
    pub struct Note {
        pub id: i64,
        pub title: String,
        #[schema(permission(write = [admin]))]
        pub pinned: bool,
        #[schema(read_only)]
        pub created_at: i64,
    }

    let bob = Principal::new("2");
    let ctx = PermissionCtx::new(Access.data(), Some(&bob));
    let note = Note {
        id: 1,
        title: "t".into(),
        pinned: false,
        created_at: 0,
    };
    let ok = json!({ "title": "new" });
    assert!(run(Note::check_write(&ok, Some(&note), &ctx)).is_empty());

    let patch = json!({ "title": "x", "pinned": true, "created_at": 5, "color": "red" });
    let denied = run(Note::check_write(&patch, Some(&note), &ctx));
    let mut fields: Vec<(&str, ReasonKind)> = denied
        .iter()
        .map(|d| (d.field.as_str(), d.reason.kind))
        .collect();
    fields.sort();
    assert_eq!(
        fields,
        [
            ("color", ReasonKind::Blocked),      // no such field
            ("created_at", ReasonKind::Blocked), // read-only
            ("pinned", ReasonKind::RoleRequired),
        ]
    );
}

#[test]
fn field_denial_of_a_read_only_field() {
    #[derive(access_core::Schema)]
    #[schema(access = Access)]
    pub struct Note {
        pub id: i64,
        #[schema(read_only)]
        pub created_at: i64,
    }

    let bob = Principal::new("2");
    let ctx = PermissionCtx::new(Access.data(), Some(&bob));
    let patch = json!({ "created_at": 5 });
    let denied = run(Note::check_write(&patch, None, &ctx));
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].field, "created_at");
    assert_eq!(denied[0].reason.kind, ReasonKind::Blocked);
    assert_eq!(denied[0].reason.message, "`created_at` is read-only");
}

#[test]
fn denial_says_action_schema_and_why() {
    #[derive(access_core::Schema)]
    #[schema(access = Access, permission(create = [admin, editor]))]
    pub struct Note {
        pub id: i64,
    }

    let bob = Principal::new("2");
    let ctx = PermissionCtx::new(Access.data(), Some(&bob));
    let denial = run(Note::authorize_action(&ctx, Action::Create)).unwrap_err();
    assert_eq!(denial.action, "create");
    assert_eq!(denial.schema, "note");
    assert_eq!(denial.reasons[0].kind, ReasonKind::RoleRequired);
    assert_eq!(
        denial.to_string(),
        "`create` on `note` denied; role_required: needs the role `admin`, `editor`"
    );
}

#[test]
fn check_write_is_ready_without_io() {
    #[derive(access_core::Schema)]
    #[schema(access = Access)]
    pub struct Note {
        pub id: i64,
    }

    let user = Principal::new("u1");
    let ctx = PermissionCtx::new(Access.data(), Some(&user));
    let patch = json!({ "id": 2 });
    let fut = Note::check_write(&patch, None, &ctx);
    assert!(matches!(fut, MaybeReady::Ready(Some(_))));
    assert!(run(fut).is_empty());
    let ready = MaybeReady::<u8>::Pending(Box::pin(async { 3 }));
    assert_eq!(run(ready), 3);
}

// ---- role lists and dynamic checks ----

#[test]
fn list_items_resolve_roles_and_start_checks() {
    let model = doc_model(&[]);
    let bob = Principal::new("bob");
    let ctx = PermissionCtx::new(&model, Some(&bob));
    assert!(matches!(
        GlobalRole(1).into_list_item(&ctx),
        ListItem::Role(1)
    ));
    match is_bob.into_list_item(&ctx) {
        ListItem::Check(fut) => assert!(run(fut)),
        ListItem::Role(_) => panic!("a check"),
    }
    // A closure is a check too.
    let anonymous = PermissionCtx::new(&model, None);
    let item = (|c: &PermissionCtx<'_>| {
        let signed_in = c.principal.is_some();
        async move { signed_in }
    })
    .into_list_item(&anonymous);
    let ListItem::Check(fut) = item else {
        panic!("a check")
    };
    assert!(!run(fut));
    assert!(matches!(
        GlobalRole(3).into_list_item(&anonymous),
        ListItem::Role(3)
    ));
}

#[test]
fn a_role_list_allows_a_role_or_a_check() {
    fn admin_entry<'a>(ctx: &'a PermissionCtx<'a>) -> ListItem<'a> {
        GlobalRole(0).into_list_item(ctx)
    }
    fn bob_entry<'a>(ctx: &'a PermissionCtx<'a>) -> ListItem<'a> {
        is_bob.into_list_item(ctx)
    }
    const ADMIN_OR_BOB: &[ListEntry] = &[
        ListEntry {
            name: "admin",
            item: admin_entry,
        },
        ListEntry {
            name: "self::is_bob",
            item: bob_entry,
        },
    ];
    assert_eq!(format!("{:?}", ADMIN_OR_BOB[1]), "self::is_bob");

    let model = doc_model(&["admin"]);
    let rule = Rule::List(ADMIN_OR_BOB);
    let allowed = |p: &Principal| {
        let ctx = PermissionCtx::new(&model, Some(p));
        run(evaluate(&rule, &ctx)).is_ok()
    };
    assert!(allowed(&Principal::new("bob")));
    assert!(allowed(
        &Principal::new("ann").global_roles(RoleSet::single(0))
    ));
    assert!(!allowed(&Principal::new("ann")));
}

#[test]
fn dynamic_check_wraps_an_async_fn() {
    fn is_bob_check<'a>(ctx: &'a PermissionCtx<'a>) -> CheckFuture<'a> {
        dynamic_check(is_bob, ctx)
    }
    let model = doc_model(&[]);
    let bob = Principal::new("bob");
    let ctx = PermissionCtx::new(&model, Some(&bob));
    assert!(run(dynamic_check(is_bob, &ctx)));
    let rule = Rule::Dynamic(NamedCheck {
        name: "self::is_bob",
        check: is_bob_check,
    });
    assert_eq!(run(evaluate(&rule, &ctx)), Ok(()));
}

// ---- the const lookups of generated code ----

fn panic_message(f: impl FnOnce() -> u16 + std::panic::UnwindSafe) -> String {
    let err = std::panic::catch_unwind(f).expect_err("an unknown name");
    err.downcast_ref::<String>().cloned().unwrap_or_default()
}

#[test]
fn entitlement_lookup_and_index() {
    const NAMES: &[&str] = &["project:read", "project:edit"];
    const EDIT: u16 = entitlement_lookup(NAMES, "project:edit");
    const EDIT_INDEX: u16 = entitlement_index(NAMES, "project:edit");
    assert_eq!((EDIT, EDIT_INDEX), (1, 1));
    assert_eq!(entitlement_lookup(NAMES, "project:delete"), u16::MAX);
    // In a `const`, a wrong name fails the build; at run time it panics with the same message.
    assert_eq!(
        panic_message(|| entitlement_index(NAMES, "project:edt")),
        "unknown entitlement `project:edt`, did you mean `project:edit`?"
    );
}

#[test]
fn entity_index_lists_the_names_when_none_is_close() {
    const TYPES: &[&str] = &["org", "project"];
    const PROJECT: u16 = entity_index(TYPES, "project");
    assert_eq!(PROJECT, 1);
    assert_eq!(
        panic_message(|| entity_index(TYPES, "zzz")),
        "unknown entity `zzz`, expected one of `org`, `project`"
    );
    assert_eq!(
        panic_message(|| entity_index(&[], "zzz")),
        "unknown entity `zzz`: the model declares none"
    );
}

#[test]
fn lookups_suggest_as_access_model_does() {
    // The const lookups and `access_model::suggest` give the same "did you mean".
    let names = ["product:update", "product:read", "invoice:pay"];
    for typo in [
        "product:updte",
        "prodcut:read",
        "invoice:pya",
        "zzz",
        "product",
    ] {
        let want = access_core::suggest(typo, names);
        let msg = panic_message(|| entitlement_index(&names, typo));
        match want {
            Some(best) => assert!(msg.ends_with(&format!("did you mean `{best}`?")), "{msg}"),
            None => assert!(msg.contains("expected one of"), "{msg}"),
        }
    }
}

/// Fails every check, as a store that lost its database would.
struct Failing;

impl EntitlementCheck for Failing {
    fn can_entitlement<'a>(
        &'a self,
        _entitlement: EntitlementId,
        _resource: Resource<'a>,
    ) -> Pin<Box<dyn Future<Output = StoreResult<bool>> + Send + 'a>> {
        Box::pin(async {
            Err(access_core::StoreError::new(
                access_core::StoreErrorKind::Unavailable,
                "database is locked",
            ))
        })
    }
}

#[test]
fn a_rule_whose_store_fails_is_check_failed_not_a_denial_of_the_hierarchy() {
    let model = doc_model(&[]);
    let rule = Rule::Entitlement {
        id: EntitlementId(0),
        name: "doc:edit",
    };
    let user = Principal::new("u1");
    let ctx = PermissionCtx::new(&model, Some(&user)).with_entitlements(&Failing);
    let on = ctx.on_resource(Resource::new(EntityTypeId(0), "d1"));
    let reasons = run(evaluate(&rule, &on)).unwrap_err();
    assert_eq!(reasons.len(), 1);
    assert_eq!(reasons[0].kind, ReasonKind::CheckFailed);
    assert_eq!(reasons[0].kind.as_str(), "check_failed");
    assert!(
        !reasons[0].message.contains("locked"),
        "{}",
        reasons[0].message
    );
}
