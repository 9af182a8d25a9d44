//! Time for plans and usage periods: Unix seconds (UTC) and calendar arithmetic.

use access_model::Period;

/// Seconds since the Unix epoch, UTC.
pub type Timestamp = i64;

/// The current time.
///
/// # Examples
/// ```
/// let t = access_core::time::now();
/// assert!(t > 1_700_000_000); // after November 2023
/// assert!(access_core::time::now() >= t);
/// ```
pub fn now() -> Timestamp {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

const DAY: i64 = 86_400;
/// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z: period arithmetic clamps instants to these
/// years, so no timestamp (a subscription started at `i64::MIN`, a context at `i64::MAX`) can
/// overflow it.
const EARLIEST: Timestamp = -62_135_596_800;
const LATEST: Timestamp = 253_402_300_799;

fn clamp(t: Timestamp) -> Timestamp {
    t.clamp(EARLIEST, LATEST)
}

/// Days since 1970-01-01 of a civil date (Howard Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count since 1970-01-01 (`civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// `anchor` moved forward by `months` calendar months, the day of month clamped to the
/// target month's length (Jan 31 + 1 month = Feb 28/29), time of day kept.
///
/// # Examples
/// ```
/// use access_core::time::add_months;
///
/// const JAN_31_2025: i64 = 1_738_281_600; // 2025-01-31T00:00:00Z
/// const FEB_28_2025: i64 = 1_740_700_800;
/// const MAR_31_2025: i64 = 1_743_379_200;
/// assert_eq!(add_months(JAN_31_2025, 1), FEB_28_2025);
/// assert_eq!(add_months(JAN_31_2025, 2), MAR_31_2025);
/// // The time of day is kept; months may be negative.
/// let jan_28_2025 = JAN_31_2025 - 3 * 86_400;
/// assert_eq!(add_months(FEB_28_2025 + 3_600, -1), jan_28_2025 + 3_600);
/// ```
pub fn add_months(anchor: Timestamp, months: i64) -> Timestamp {
    let anchor = clamp(anchor);
    let months = months.clamp(-12 * 10_000, 12 * 10_000);
    let days = anchor.div_euclid(DAY);
    let secs = anchor.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days);
    let total = y * 12 + i64::from(m) - 1 + months;
    let (ny, nm) = (total.div_euclid(12), (total.rem_euclid(12) + 1) as u32);
    let nd = d.min(days_in_month(ny, nm));
    clamp(days_from_civil(ny, nm, nd) * DAY + secs)
}

/// The start of the period of kind `period` that contains `now`, with periods anchored at
/// `anchor` (a plan's start). Before the anchor, the first period is returned.
///
/// # Examples
/// ```
/// use access_core::Period;
/// use access_core::time::period_start;
///
/// const JAN_31_2025: i64 = 1_738_281_600; // a plan started 2025-01-31T00:00:00Z
/// const FEB_28_2025: i64 = 1_740_700_800;
/// const MAR_15_2025: i64 = 1_741_996_800;
/// // Monthly periods start on the anchor's day of month, clamped: Jan 31, Feb 28, Mar 31, ..
/// assert_eq!(period_start(Period::Month, JAN_31_2025, MAR_15_2025), FEB_28_2025);
/// // Fixed-length periods count from the anchor.
/// assert_eq!(period_start(Period::Hour, 100, 100 + 3 * 3_600 + 5), 100 + 3 * 3_600);
/// assert_eq!(period_start(Period::Day, 0, 2 * 86_400 + 7), 2 * 86_400);
/// // Before the anchor: the first period.
/// assert_eq!(period_start(Period::Day, 1_000, 10), 1_000);
/// ```
pub fn period_start(period: Period, anchor: Timestamp, now: Timestamp) -> Timestamp {
    let (anchor, now) = (clamp(anchor), clamp(now));
    if now <= anchor {
        return anchor;
    }
    let fixed = |len: i64| anchor + (now - anchor) / len * len;
    let months = |step: i64| {
        let (ay, am, _) = civil_from_days(anchor.div_euclid(DAY));
        let (ny, nm, _) = civil_from_days(now.div_euclid(DAY));
        let diff = (ny - ay) * 12 + i64::from(nm) - i64::from(am);
        let mut k = diff.div_euclid(step);
        // The clamped day can put the candidate after `now`: step back until it is not.
        while k > 0 && add_months(anchor, k * step) > now {
            k -= 1;
        }
        add_months(anchor, k * step)
    };
    match period {
        Period::Hour => fixed(3_600),
        Period::Day => fixed(DAY),
        Period::Month => months(1),
        Period::Quarter => months(3),
        Period::Year => months(12),
    }
}

/// The end (exclusive) of the period that starts at `start`.
///
/// # Examples
/// ```
/// use access_core::Period;
/// use access_core::time::{period_end, period_start};
///
/// const JAN_31_2025: i64 = 1_738_281_600; // a plan started 2025-01-31T00:00:00Z
/// const FEB_28_2025: i64 = 1_740_700_800;
/// const MAR_31_2025: i64 = 1_743_379_200;
/// // The period after Feb 28 ends on Mar 31 (the anchor's day), not Mar 28.
/// assert_eq!(period_end(Period::Month, JAN_31_2025, FEB_28_2025), MAR_31_2025);
/// assert_eq!(period_end(Period::Day, 0, 86_400), 2 * 86_400);
///
/// // A timestamp always lies in [period_start, period_end).
/// let now = FEB_28_2025 + 5 * 86_400;
/// let start = period_start(Period::Month, JAN_31_2025, now);
/// assert!(start <= now && now < period_end(Period::Month, JAN_31_2025, start));
/// ```
pub fn period_end(period: Period, anchor: Timestamp, start: Timestamp) -> Timestamp {
    let (anchor, start) = (clamp(anchor), clamp(start));
    let step = |months: i64| {
        // Periods are computed from the anchor, so derive the index of `start` first: from
        // the months between them, then by at most a step or two for clamped days.
        let (ay, am, _) = civil_from_days(anchor.div_euclid(DAY));
        let (sy, sm, _) = civil_from_days(start.div_euclid(DAY));
        let diff = (sy - ay) * 12 + i64::from(sm) - i64::from(am);
        let mut k = diff.div_euclid(months).max(0);
        while k > 0 && add_months(anchor, k * months) > start {
            k -= 1;
        }
        while add_months(anchor, k * months) < start
            && add_months(anchor, (k + 1) * months) <= start
        {
            k += 1;
        }
        if add_months(anchor, k * months) == start {
            add_months(anchor, (k + 1) * months)
        } else {
            add_months(start, months)
        }
    };
    match period {
        Period::Hour => clamp(start + 3_600),
        Period::Day => clamp(start + DAY),
        Period::Month => step(1),
        Period::Quarter => step(3),
        Period::Year => step(12),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(y: i64, m: u32, d: u32) -> Timestamp {
        days_from_civil(y, m, d) * DAY
    }

    #[test]
    fn extreme_instants_are_clamped_not_overflowed() {
        use Period::*;
        for p in [Hour, Day, Month, Quarter, Year] {
            for (anchor, now) in [
                (i64::MIN, i64::MAX),
                (i64::MIN, 0),
                (0, i64::MAX),
                (i64::MAX, i64::MIN),
                (i64::MAX, i64::MAX),
            ] {
                let s = period_start(p, anchor, now);
                assert!(
                    (EARLIEST..=LATEST).contains(&s),
                    "{p:?} {anchor} {now}: {s}"
                );
                let e = period_end(p, anchor, s);
                assert!(e >= s && e <= LATEST, "{p:?}: {s}..{e}");
            }
        }
        assert_eq!(add_months(0, i64::MAX), LATEST);
        assert_eq!(add_months(i64::MIN, i64::MIN), EARLIEST);
        assert_eq!(add_months(ts(2025, 1, 31), 1), ts(2025, 2, 28));
    }

    #[test]
    fn period_ends_agree_with_period_starts() {
        // Anchored on the 31st: ends follow the anchor's sequence, clamped days included.
        let anchor = ts(2024, 1, 31) + 7;
        for p in [Period::Month, Period::Quarter, Period::Year] {
            for day in (0..900).step_by(7) {
                let now = anchor + day * DAY;
                let s = period_start(p, anchor, now);
                let e = period_end(p, anchor, s);
                assert!(s <= now && now < e, "{p:?} {now}: {s}..{e}");
                assert_eq!(
                    period_start(p, anchor, e),
                    e,
                    "{p:?}: the next period starts at the end"
                );
            }
        }
    }

    #[test]
    fn civil_round_trip() {
        for z in [-800_000, -1, 0, 1, 59, 365, 11_016, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(ts(2024, 2, 29) / DAY, 19_782);
    }

    #[test]
    fn months_clamp_to_month_length() {
        assert_eq!(add_months(ts(2025, 1, 31), 1), ts(2025, 2, 28));
        assert_eq!(add_months(ts(2024, 1, 31), 1), ts(2024, 2, 29));
        assert_eq!(add_months(ts(2024, 1, 31), 3), ts(2024, 4, 30));
        assert_eq!(
            add_months(ts(2024, 11, 15) + 3_600, 2),
            ts(2025, 1, 15) + 3_600
        );
        assert_eq!(add_months(ts(2024, 3, 15), -3), ts(2023, 12, 15));
    }

    #[test]
    fn periods_are_anchored_at_the_plan_start() {
        let anchor = ts(2025, 1, 31) + 10;
        assert_eq!(period_start(Period::Month, anchor, ts(2025, 2, 27)), anchor);
        assert_eq!(
            period_start(Period::Month, anchor, ts(2025, 3, 1)),
            ts(2025, 2, 28) + 10
        );
        assert_eq!(
            period_start(Period::Month, anchor, ts(2025, 3, 31) + 10),
            ts(2025, 3, 31) + 10
        );
        assert_eq!(
            period_start(Period::Quarter, anchor, ts(2025, 5, 1)),
            ts(2025, 4, 30) + 10
        );
        assert_eq!(
            period_start(Period::Year, anchor, ts(2026, 6, 1)),
            ts(2026, 1, 31) + 10
        );
        assert_eq!(
            period_start(Period::Day, 100, 100 + 3 * DAY + 5),
            100 + 3 * DAY
        );
        assert_eq!(period_start(Period::Hour, 0, 7_300), 7_200);
        assert_eq!(period_start(Period::Hour, 500, 10), 500);
        let s = period_start(Period::Month, anchor, ts(2025, 3, 1));
        assert_eq!(period_end(Period::Month, anchor, s), ts(2025, 3, 31) + 10);
        assert_eq!(period_end(Period::Day, 0, DAY), 2 * DAY);
    }
}
