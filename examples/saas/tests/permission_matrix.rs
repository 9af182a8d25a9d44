//! `docs/permission-matrix.md` is the example model's permission matrix, reviewed in every pull
//! request that changes who may do what. Regenerate with
//! `ACCESS_UPDATE_MATRIX=1 cargo test -p saas --test permission_matrix`.

use std::path::PathBuf;

use access_core::AccessModel;
use access_core::matrix;
use saas::model::Access;

fn file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs/permission-matrix.md")
}

#[test]
fn the_matrix_file_matches_the_model() {
    if let Err(e) = matrix::check_file(Access.data(), &file()) {
        panic!("{e}");
    }
}

#[test]
fn a_changed_model_fails_with_a_diff() {
    // The same model with `project:delete` also given to viewers: the comparison must fail and
    // show exactly what changed.
    let mut changed = Access.data().clone();
    let ei = changed.entitlement_index("project:delete").unwrap() as usize;
    let project = changed.entity_index("project").unwrap() as usize;
    let viewer = changed.role_index(project as u16, "viewer").unwrap() as usize;
    let e = &mut changed.entitlements.to_mut()[ei];
    e.roles.insert(viewer);
    let mut granting = e.granting;
    for (r, c) in changed.entities[project].implies.iter().enumerate() {
        if c.contains(viewer) {
            granting.insert(r);
        }
    }
    changed.entitlements.to_mut()[ei].granting = granting;
    let current = std::fs::read_to_string(file()).unwrap();
    let diff = matrix::compare(&changed, &current).unwrap_err();
    assert!(
        diff.contains("+| `project:delete` | `project` | `manager`, `viewer` |"),
        "{diff}"
    );
    assert!(
        diff.contains("+| `project:viewer` | project:viewer |"),
        "{diff}"
    );
    assert!(
        diff.contains("-| `project:delete` | `project` | `manager` |"),
        "{diff}"
    );
    // And the unchanged model passes.
    matrix::compare(Access.data(), &current).unwrap();
    // The JSON form carries the same rows.
    let j = matrix::json(Access.data());
    let rows = j["entitlements"].as_array().unwrap();
    assert_eq!(rows.len(), Access.data().entitlements.len());
    let delete = rows
        .iter()
        .find(|r| r["entitlement"] == "project:delete")
        .unwrap();
    assert_eq!(delete["roles"], serde_json::json!(["manager"]));
}
