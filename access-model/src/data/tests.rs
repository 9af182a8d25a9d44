use super::*;
use crate::builder::ModelBuilder;

#[test]
fn an_out_of_range_child_names_no_edge() {
    // project = 0, workspace = 1: the only edge (1 → 0) is at flat index 1 * 2 + 0 = 2,
    // which (0, 2) would also reach without the range check.
    let data = ModelBuilder::new("Access")
        .entity("project", ["viewer"])
        .entity("workspace", ["admin"])
        .inherits("project", "workspace", "admin", "viewer")
        .build()
        .unwrap();
    assert!(data.edge(1, 0).is_some());
    assert!(data.edge(0, 2).is_none());
    assert!(data.edge(2, 0).is_none());
}

#[test]
fn role_indices_past_64_name_no_role() {
    let mut set = RoleSet::single(64);
    assert!(set.is_empty());
    set.insert(200);
    set.insert(63);
    assert_eq!(set, RoleSet(1 << 63));
    assert!(!set.contains(200));
}
