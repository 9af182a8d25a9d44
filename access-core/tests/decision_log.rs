//! Decision logging: every decision is a `tracing` event (target `access::decision`), denials
//! at INFO with the reasons, allowed requests at DEBUG. Its own test binary with a global
//! subscriber, so no other test's thread can race the callsites' cached interest.

use std::sync::Arc;

use access_core::model_builder::ModelBuilder;
use access_core::{AccessContext, DynamicModel, MemoryStore, Principal, Resource};

/// A subscriber that keeps the `access::decision` events as `field=value` strings.
#[derive(Default, Clone)]
struct Capture(Arc<std::sync::Mutex<Vec<(tracing::Level, String)>>>);

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        struct V(String);
        impl tracing::field::Visit for V {
            fn record_debug(&mut self, f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                self.0.push_str(&format!("{}={:?} ", f.name(), v));
            }
            fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
                self.0.push_str(&format!("{}={} ", f.name(), v));
            }
        }
        if event.metadata().target() == "access::decision" {
            let mut v = V(String::new());
            event.record(&mut v);
            self.0
                .lock()
                .unwrap()
                .push((*event.metadata().level(), v.0.trim_end().to_owned()));
        }
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn decisions_are_logged_as_tracing_events() {
    let model = DynamicModel::build(
        ModelBuilder::new("Access")
            .entity("organization", ["owner"])
            .entity("workspace", ["admin", "editor"])
            .inherits("workspace", "organization", "owner", "admin")
            .entity("project", ["manager", "contributor", "viewer"])
            .implies("project", "manager", "contributor")
            .implies("project", "contributor", "viewer")
            .inherits("project", "workspace", "admin", "manager")
            .inherits("project", "workspace", "editor", "contributor")
            .flags(["beta_ai"])
            .entitlement("project:read", "project", ["viewer"], [])
            .entitlement("project:delete", "project", ["manager"], [])
            .entitlement("ai:generate", "project", ["contributor"], ["beta_ai"])
            .base_plan("free", "main", Vec::<&str>::new())
            .base_plan("pro", "main", ["ai:generate"])
            .limit("pro", "ai", "ai:generate", "month", 10)
            .default_plan("free")
            .spec(),
    )
    .unwrap();
    let store = MemoryStore::new();
    let ty = |n: &str| model.entity_type(n).unwrap();
    let s = store.ready();
    s.add_resource(Resource::new(ty("organization"), "acme"), &[])
        .unwrap();
    s.add_resource(
        Resource::new(ty("workspace"), "ws1"),
        &[Resource::new(ty("organization"), "acme")],
    )
    .unwrap();
    s.add_resource(
        Resource::new(ty("project"), "p1"),
        &[Resource::new(ty("workspace"), "ws1")],
    )
    .unwrap();
    s.assign("vic", Resource::new(ty("project"), "p1"), 2)
        .unwrap();
    let cap = Capture::default();
    tracing::subscriber::set_global_default(cap.clone()).unwrap();
    let ctx = AccessContext::new(&model, &store, Principal::new("vic").tenant("acme"));
    let vic = ctx.ready();
    let p1 = Resource::new(ty("project"), "p1");
    assert!(
        !vic.can(model.entitlement("project:delete").unwrap(), p1)
            .unwrap()
    );
    assert!(
        vic.can(model.entitlement("project:read").unwrap(), p1)
            .unwrap()
    );
    let d = vic
        .check(model.entitlement("ai:generate").unwrap(), p1)
        .unwrap();
    assert!(!d.allowed);
    // Consuming stops at the same layer as `can` (flags, before the wallet needs a tenant).
    let nobody = AccessContext::new(&model, &store, Principal::new("nobody"));
    let ai = model.entitlement("ai:generate").unwrap();
    assert!(nobody.ready().can_and_consume(ai, p1).unwrap().is_none());
    assert!(!nobody.ready().can(ai, p1).unwrap());
    let events = cap.0.lock().unwrap().clone();
    assert_eq!(events.len(), 5, "{events:?}");
    assert_eq!(events[0].0, tracing::Level::INFO);
    assert_eq!(
        events[0].1,
        "user=vic tenant=acme entitlement=project:delete resource_type=project resource_id=p1 decision=deny reasons=role_required"
    );
    assert_eq!(events[1].0, tracing::Level::DEBUG);
    assert!(events[1].1.contains("decision=allow"), "{}", events[1].1);
    assert!(
        events[2].1.contains(
            "decision=deny reasons=hierarchy_denied,flag_disabled,plan_required messages="
        ),
        "{}",
        events[2].1
    );
    assert_eq!(
        events[3].1,
        "user=nobody entitlement=ai:generate resource_type=project resource_id=p1 decision=deny reasons=flag_disabled"
    );
    assert_eq!(events[4].1, events[3].1);
}
