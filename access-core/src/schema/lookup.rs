//! Name lookups that generated code evaluates in a `const`: `#[derive(Schema)]`'s
//! `entitlement("..")` and `#[authorize]`'s entitlement and entity names. Not public API: the
//! macros reach them as `access_core::__private::*`. A wrong name fails the build with the
//! workspace's one "did you mean" ([`access_model::suggest_const`]).

use access_model::suggest_const;

/// The index of entitlement `name` in `names`, or `u16::MAX` (which no rule grants) when there
/// is none: the value side of a check that [`entitlement_index`] makes at compile time.
#[doc(hidden)]
pub const fn entitlement_lookup(names: &[&str], name: &str) -> u16 {
    match position(names, name) {
        Some(i) => i as u16,
        None => u16::MAX,
    }
}

/// The index of entitlement `name` in `names`; otherwise compilation fails (this runs in a
/// `const` the derive emits at the string's span) with ``unknown entitlement `x`, did you mean
/// `y`?`` or the list of valid names. Called at run time, it panics with the same message.
#[doc(hidden)]
pub const fn entitlement_index(names: &[&str], name: &str) -> u16 {
    name_index("entitlement", names, name)
}

/// The index of entity type `name` in `names`; otherwise compilation fails like
/// [`entitlement_index`] (``unknown entity `projct`, did you mean `project`?``).
#[doc(hidden)]
pub const fn entity_index(names: &[&str], name: &str) -> u16 {
    name_index("entity", names, name)
}

const fn name_index(kind: &str, names: &[&str], name: &str) -> u16 {
    if let Some(i) = position(names, name) {
        return i as u16;
    }
    let mut buf = [0u8; 1024];
    let mut n = push(&mut buf, 0, "unknown ");
    n = push(&mut buf, n, kind);
    n = push(&mut buf, n, " `");
    n = push(&mut buf, n, name);
    if let Some(best) = suggest_const(name, names) {
        n = push(&mut buf, n, "`, did you mean `");
        n = push(&mut buf, n, best);
        n = push(&mut buf, n, "`?");
    } else if names.is_empty() {
        n = push(&mut buf, n, "`: the model declares none");
    } else {
        n = push(&mut buf, n, "`, expected one of ");
        let mut i = 0;
        while i < names.len() {
            if i > 0 {
                n = push(&mut buf, n, ", ");
            }
            n = push(&mut buf, n, "`");
            n = push(&mut buf, n, names[i]);
            n = push(&mut buf, n, "`");
            i += 1;
        }
    }
    let msg = match core::str::from_utf8(buf.split_at(n).0) {
        Ok(m) => m,
        Err(_) => "unknown name",
    };
    panic!("{}", msg)
}

const fn position(names: &[&str], name: &str) -> Option<usize> {
    let mut i = 0;
    while i < names.len() {
        if same(names[i], name) {
            return Some(i);
        }
        i += 1;
    }
    None
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn push(buf: &mut [u8; 1024], mut n: usize, s: &str) -> usize {
    let s = s.as_bytes();
    let mut i = 0;
    while i < s.len() && n < buf.len() {
        buf[n] = s[i];
        n += 1;
        i += 1;
    }
    n
}
