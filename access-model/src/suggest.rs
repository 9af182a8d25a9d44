//! "Did you mean" suggestions and name lists for error messages.
//!
//! One algorithm serves every suggestion of the workspace: Jaro–Winkler similarity above 0.8
//! (as darling does), raised to 0.9 for a name one edit or one swap of neighbours away
//! (optimal string alignment distance 1). [`suggest`] computes it with strsim;
//! [`suggest_const`] is the same computation as a `const fn`, for the lookups that
//! `#[derive(Schema)]` and `#[authorize]` evaluate at compile time.

/// The candidate closest to `name` (Jaro–Winkler similarity above 0.8, as darling does), never
/// `name` itself.
///
/// ```
/// assert_eq!(access_model::suggest("admn", ["owner", "admin"]), Some("admin"));
/// assert_eq!(access_model::suggest("por", ["free", "pro"]), Some("pro"));
/// assert_eq!(access_model::suggest("zzz", ["owner", "admin"]), None);
/// ```
pub fn suggest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let mut score = strsim::jaro_winkler(name, c);
        // One edit or one swap of neighbours (`por` for `pro`) is a typo whatever the length;
        // Jaro–Winkler alone misses it in short names.
        if name.chars().count() > 1 && strsim::osa_distance(name, c) == 1 {
            score = score.max(0.9);
        }
        if score > 0.8 && best.is_none_or(|(b, _)| score > b) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The longest name, in characters, that [`suggest_const`] compares: a longer `name` gets no
/// suggestion and a longer candidate is never suggested ([`suggest`] has no limit).
pub const SUGGEST_CONST_MAX_CHARS: usize = 128;

/// [`suggest`] as a `const fn`, for compile-time lookups: the same scores computed the same
/// way, so the same answer for every `name` and candidate of at most
/// [`SUGGEST_CONST_MAX_CHARS`] characters (any Unicode).
///
/// ```
/// use access_model::suggest_const;
///
/// const NAMES: &[&str] = &["project:read", "project:edit"];
/// const BEST: Option<&str> = suggest_const("project:edt", NAMES);
/// assert_eq!(BEST, Some("project:edit"));
/// assert_eq!(suggest_const("invoice:pay", NAMES), None);
/// ```
pub const fn suggest_const<'a>(name: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let Some(name) = Chars::decode(name) else {
        return None;
    };
    let mut best: Option<(f64, &'a str)> = None;
    let mut i = 0;
    while i < candidates.len() {
        let c = candidates[i];
        i += 1;
        let Some(chars) = Chars::decode(c) else {
            continue;
        };
        if name.eq(&chars) {
            continue;
        }
        let mut score = jaro_winkler(&name, &chars);
        if name.len > 1 && one_edit(&name, &chars) && score < 0.9 {
            score = 0.9;
        }
        let better = match best {
            None => true,
            Some((b, _)) => score > b,
        };
        if score > 0.8 && better {
            best = Some((score, c));
        }
    }
    match best {
        Some((_, c)) => Some(c),
        None => None,
    }
}

/// A name as Unicode scalar values, decoded in a `const fn`.
struct Chars {
    c: [u32; SUGGEST_CONST_MAX_CHARS],
    len: usize,
}

impl Chars {
    /// `None` when `s` has more than [`SUGGEST_CONST_MAX_CHARS`] characters.
    const fn decode(s: &str) -> Option<Chars> {
        let b = s.as_bytes();
        let mut out = Chars {
            c: [0; SUGGEST_CONST_MAX_CHARS],
            len: 0,
        };
        let mut i = 0;
        while i < b.len() {
            if out.len == SUGGEST_CONST_MAX_CHARS {
                return None;
            }
            // `s` is UTF-8: a lead byte, then `width - 1` continuation bytes.
            let lead = b[i] as u32;
            let (mut cp, width) = if lead < 0x80 {
                (lead, 1)
            } else if lead < 0xE0 {
                (lead & 0x1F, 2)
            } else if lead < 0xF0 {
                (lead & 0x0F, 3)
            } else {
                (lead & 0x07, 4)
            };
            let mut k = 1;
            while k < width && i + k < b.len() {
                cp = (cp << 6) | (b[i + k] as u32 & 0x3F);
                k += 1;
            }
            out.c[out.len] = cp;
            out.len += 1;
            i += width;
        }
        Some(out)
    }

    const fn eq(&self, other: &Chars) -> bool {
        if self.len != other.len {
            return false;
        }
        let mut i = 0;
        while i < self.len {
            if self.c[i] != other.c[i] {
                return false;
            }
            i += 1;
        }
        true
    }

    /// Whether `self[i..]` equals `other[j..]`.
    const fn tail_eq(&self, i: usize, other: &Chars, j: usize) -> bool {
        if i > self.len || j > other.len || self.len - i != other.len - j {
            return false;
        }
        let mut k = 0;
        while i + k < self.len {
            if self.c[i + k] != other.c[j + k] {
                return false;
            }
            k += 1;
        }
        true
    }
}

/// `strsim::generic_jaro`, step for step (the same operations in the same order, so the same
/// `f64`).
const fn jaro(a: &Chars, b: &Chars) -> f64 {
    let (a_len, b_len) = (a.len, b.len);
    if a_len == 0 && b_len == 0 {
        return 1.0;
    } else if a_len == 0 || b_len == 0 {
        return 0.0;
    }
    let longer = if a_len > b_len { a_len } else { b_len };
    let search_range = (longer / 2).saturating_sub(1);
    let mut a_flags = [false; SUGGEST_CONST_MAX_CHARS];
    let mut b_flags = [false; SUGGEST_CONST_MAX_CHARS];
    let mut matches = 0usize;
    let mut i = 0;
    while i < a_len {
        let min_bound = i.saturating_sub(search_range);
        let max_bound = if b_len < i + search_range + 1 {
            b_len
        } else {
            i + search_range + 1
        };
        let mut j = min_bound;
        while j < max_bound {
            if a.c[i] == b.c[j] && !b_flags[j] {
                a_flags[i] = true;
                b_flags[j] = true;
                matches += 1;
                break;
            }
            j += 1;
        }
        i += 1;
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0;
    i = 0;
    while i < a_len {
        if a_flags[i] {
            while j < b_len && !b_flags[j] {
                j += 1;
            }
            if j < b_len {
                if a.c[i] != b.c[j] {
                    transpositions += 1;
                }
                j += 1;
            }
        }
        i += 1;
    }
    transpositions /= 2;
    ((matches as f64 / a_len as f64)
        + (matches as f64 / b_len as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0
}

/// `strsim::generic_jaro_winkler`, step for step.
const fn jaro_winkler(a: &Chars, b: &Chars) -> f64 {
    let sim = jaro(a, b);
    if sim > 0.7 {
        let mut prefix_length = 0;
        while prefix_length < 4
            && prefix_length < a.len
            && prefix_length < b.len
            && a.c[prefix_length] == b.c[prefix_length]
        {
            prefix_length += 1;
        }
        sim + 0.1 * prefix_length as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// Whether `strsim::osa_distance(a, b) == 1`: one substitution, insertion, deletion or swap of
/// two different neighbours turns `a` into `b`.
const fn one_edit(a: &Chars, b: &Chars) -> bool {
    let (long, short) = if a.len >= b.len { (a, b) } else { (b, a) };
    let mut i = 0;
    while i < short.len && long.c[i] == short.c[i] {
        i += 1;
    }
    if long.len == short.len + 1 {
        // A deletion from `long` at the first difference (or at its end).
        return long.tail_eq(i + 1, short, i);
    }
    if long.len != short.len || i == long.len {
        return false;
    }
    // A substitution at `i`, or a swap of `i` and `i + 1`.
    long.tail_eq(i + 1, short, i + 1)
        || (i + 1 < long.len
            && long.c[i] == short.c[i + 1]
            && long.c[i + 1] == short.c[i]
            && long.tail_eq(i + 2, short, i + 2))
}

/// "`a`, `b`, `c`".
///
/// ```
/// assert_eq!(access_model::backticked(["a", "b", "c"]), "`a`, `b`, `c`");
/// assert_eq!(access_model::backticked([]), "");
/// ```
pub fn backticked<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let v: Vec<String> = names.into_iter().map(|n| format!("`{n}`")).collect();
    v.join(", ")
}

/// ``unknown <what> `<name>`<context>, did you mean `x`?``, or ``, expected one of ..``, or
/// ``: none is declared``: the one wording of every unknown-name error, in both macros and the
/// builder.
///
/// ```
/// let m = access_model::unknown_message("role", "admn", " on `project`", ["admin", "viewer"]);
/// assert_eq!(m, "unknown role `admn` on `project`, did you mean `admin`?");
/// ```
pub fn unknown_message<'a>(
    what: &str,
    name: &str,
    context: &str,
    valid: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    match suggest(name, valid.clone()) {
        Some(best) => format!("unknown {what} `{name}`{context}, did you mean `{best}`?"),
        None => {
            let list = backticked(valid);
            if list.is_empty() {
                format!("unknown {what} `{name}`{context}: none is declared")
            } else {
                format!("unknown {what} `{name}`{context}, expected one of {list}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{SUGGEST_CONST_MAX_CHARS, suggest, suggest_const};

    /// Names from a small alphabet, so that near misses (one edit, a swap, a shared prefix)
    /// are common.
    fn ascii_name() -> impl Strategy<Value = String> {
        "[a-e:_]{0,12}"
    }

    /// A name and candidates derived from it by a few edits, plus unrelated ones.
    fn near(name: String) -> impl Strategy<Value = (String, Vec<String>)> {
        let edits = proptest::collection::vec((any::<prop::sample::Index>(), "[a-f]"), 0..3);
        let derived = proptest::collection::vec(edits, 0..4).prop_map({
            let name = name.clone();
            move |all| {
                all.into_iter()
                    .map(|edits| {
                        let mut chars: Vec<char> = name.chars().collect();
                        for (at, s) in edits {
                            let c = s.chars().next().unwrap_or('a');
                            match (chars.len(), at.index(3)) {
                                (0, _) | (_, 0) => chars.insert(at.index(chars.len() + 1), c),
                                (n, 1) => chars[at.index(n)] = c,
                                (n, _) => {
                                    chars.remove(at.index(n));
                                }
                            }
                        }
                        chars.into_iter().collect()
                    })
                    .collect::<Vec<String>>()
            }
        });
        let others = proptest::collection::vec(ascii_name(), 0..4);
        (derived, others).prop_map(move |(mut d, o)| {
            d.extend(o);
            (name.clone(), d)
        })
    }

    fn same_answer(name: &str, candidates: &[String]) -> Result<(), TestCaseError> {
        let refs: Vec<&str> = candidates.iter().map(String::as_str).collect();
        let want = suggest(name, refs.iter().copied());
        prop_assert_eq!(suggest_const(name, &refs), want, "{:?} in {:?}", name, refs);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn const_form_agrees_on_near_ascii_names((name, candidates) in ascii_name().prop_flat_map(near)) {
            same_answer(&name, &candidates)?;
        }

        #[test]
        fn const_form_agrees_on_arbitrary_ascii(
            name in "[ -~]{0,20}",
            candidates in proptest::collection::vec("[ -~]{0,20}", 0..6),
        ) {
            same_answer(&name, &candidates)?;
        }

        #[test]
        fn const_form_agrees_on_unicode(
            name in "[a-cé\u{1F600}ß]{0,10}|\\PC{0,10}",
            candidates in proptest::collection::vec("[a-cé\u{1F600}ß]{0,10}|\\PC{0,10}", 0..6),
        ) {
            same_answer(&name, &candidates)?;
        }

        #[test]
        fn const_form_agrees_up_to_its_limit(
            stem in "[a-c]{1,8}",
            repeat in 1usize..=16,
            edit in any::<prop::sample::Index>(),
        ) {
            let name: String = stem.repeat(repeat).chars().take(SUGGEST_CONST_MAX_CHARS).collect();
            let mut typo: Vec<char> = name.chars().collect();
            let at = edit.index(typo.len());
            typo[at] = 'z';
            let typo: String = typo.into_iter().collect();
            same_answer(&typo, &[name, stem])?;
        }
    }

    #[test]
    fn longer_names_get_no_suggestion_from_the_const_form() {
        let long = "a".repeat(SUGGEST_CONST_MAX_CHARS + 1);
        let typo = format!("{}b", &long[1..]);
        // strsim suggests it; the const form stops at its limit.
        assert_eq!(suggest(&typo, [long.as_str()]), Some(long.as_str()));
        assert_eq!(suggest_const(&typo, &[long.as_str()]), None);
    }

    #[test]
    fn const_form_in_a_const() {
        const BEST: Option<&str> = suggest_const("por", &["free", "pro"]);
        assert_eq!(BEST, Some("pro"));
        const NONE: Option<&str> = suggest_const("zzz", &["owner", "admin"]);
        assert_eq!(NONE, None);
        assert_eq!(
            suggest_const("lecteur_e", &["lecteur_é"]),
            Some("lecteur_é")
        );
    }
}
