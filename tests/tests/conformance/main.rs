//! Conformance: the check cases of OpenFGA and SpiceDB, run through the engine.
//!
//! The corpora are read from `../shared/conformance/` beside the repository (or from
//! `ACCESS_CONFORMANCE_DIR`); nothing of them is copied here. Each model is translated into the
//! run-time model builder (types → entity types, the relation used in `X from R` / `R->X` →
//! parent link, other relations → roles, `define r: [user] or c` → `c implies r`, `define r: s
//! from R` → the parent's `s` inherits into `r`, pure permissions → entitlements), the tuples into
//! the in-memory store, and every assertion whose relation does not depend on something outside
//! that subset is checked with `can`. Anything else is skipped with its reason counted.
//!
//! `cargo test -p access-tests --test conformance -- --nocapture` prints the per-corpus table
//! (docs/conformance.md). Without the corpora the test says so and passes, unless
//! `ACCESS_CONFORMANCE_REQUIRED=1`.

mod ir;
mod openfga;
mod spicedb;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ir::{Case, Outcome};

fn corpora_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("ACCESS_CONFORMANCE_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance"),
    };
    dir.is_dir().then_some(dir)
}

fn files(dir: &Path, pred: &dyn Fn(&Path) -> bool, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, pred, out);
        } else if pred(&p) {
            out.push(p);
        }
    }
}

#[derive(Default)]
struct Tally {
    total: usize,
    run: usize,
    passed: usize,
    skipped: BTreeMap<&'static str, usize>,
    /// origin → (assertions, run, of those run: expected true)
    by_origin: BTreeMap<&'static str, (usize, usize, usize)>,
    failures: Vec<String>,
}

impl Tally {
    fn add(&mut self, cases: &[Case]) {
        for case in cases {
            for (outcome, a) in ir::run(case) {
                self.total += 1;
                let o = self.by_origin.entry(a.origin).or_default();
                o.0 += 1;
                if !matches!(outcome, Outcome::Skipped(_)) && a.expected {
                    o.2 += 1;
                }
                match outcome {
                    Outcome::Passed => {
                        self.run += 1;
                        self.passed += 1;
                        o.1 += 1;
                    }
                    Outcome::Failed(why) => {
                        self.run += 1;
                        o.1 += 1;
                        self.failures.push(why);
                    }
                    Outcome::Skipped(why) => *self.skipped.entry(why).or_default() += 1,
                }
            }
        }
    }
}

#[test]
fn openfga_and_spicedb_check_cases_pass() {
    let Some(dir) = corpora_dir() else {
        assert!(
            std::env::var_os("ACCESS_CONFORMANCE_REQUIRED").is_none(),
            "ACCESS_CONFORMANCE_REQUIRED is set but the corpora are not at ../shared/conformance \
             (or ACCESS_CONFORMANCE_DIR)"
        );
        eprintln!("conformance: corpora not found beside the repository; skipped");
        return;
    };
    let mut tallies: Vec<(&str, Tally)> = Vec::new();

    let mut t = Tally::default();
    t.add(&openfga::consolidated(
        &dir.join("openfga-tests/consolidated_1_1_tests.yaml"),
    ));
    tallies.push(("OpenFGA consolidated tests", t));

    let mut stores = Vec::new();
    files(
        &dir.join("openfga-sample-stores"),
        &|p| p.to_string_lossy().ends_with(".fga.yaml"),
        &mut stores,
    );
    let mut t = Tally::default();
    for s in &stores {
        t.add(&openfga::store(s));
    }
    tallies.push(("OpenFGA sample stores", t));

    let mut configs = Vec::new();
    files(
        &dir.join("spicedb-testconfigs"),
        &|p| p.extension().is_some_and(|e| e == "yaml"),
        &mut configs,
    );
    let mut t = Tally::default();
    for c in &configs {
        t.add(&spicedb::config(c));
    }
    tallies.push(("SpiceDB test configs", t));

    println!("| corpus | assertions | run | passed | failed | skipped (by reason) |");
    println!("|---|---|---|---|---|---|");
    let (mut run, mut failures) = (0, Vec::new());
    for (name, t) in &tallies {
        let skipped: Vec<String> = t.skipped.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        println!(
            "| {name} | {} | {} | {} | {} | {} |",
            t.total,
            t.run,
            t.passed,
            t.run - t.passed,
            skipped.join("; ")
        );
        run += t.run;
        failures.extend(t.failures.iter().cloned());
    }
    println!();
    println!(
        "| corpus | origin | assertions | run | run, expected allowed | run, expected denied |"
    );
    println!("|---|---|---|---|---|---|");
    for (name, t) in &tallies {
        for (origin, (total, r, yes)) in &t.by_origin {
            println!(
                "| {name} | {origin} | {total} | {r} | {yes} | {} |",
                r - yes
            );
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(run >= 150, "only {run} upstream assertions ran");
}
