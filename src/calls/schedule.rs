//! When a limit applies: its windows as minutes of the week in the configured time zone, and
//! which occurrence of a window a moment falls in, so that counters restart when one ends.

use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::config::TimeWindow;
use crate::util::time::Millis;

const MINUTES_PER_DAY: i64 = 1440;
const MINUTES_PER_WEEK: i64 = 7 * MINUTES_PER_DAY;
/// 1970-01-01 was a Thursday: add three days to count weeks from a Monday.
const EPOCH_TO_MONDAY: i64 = 3 * MINUTES_PER_DAY;

/// Minutes since 1970-01-01 00:00 on the wall clock of `zone`.
pub fn local_minutes(zone: &TimeZone, now: Millis) -> i64 {
    let secs = now.div_euclid(1000);
    let offset = Timestamp::from_second(secs)
        .map(|ts| i64::from(zone.to_offset(ts).seconds()))
        .unwrap_or(0);
    (secs + offset).div_euclid(60)
}

/// A limit's windows, merged into disjoint spans of the week (minutes from Monday 00:00; a
/// span may run past the week's end and wrap to the next Monday).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schedule {
    spans: Vec<(i64, i64)>,
    always: bool,
}

impl Schedule {
    pub fn new(windows: &[TimeWindow]) -> Schedule {
        if windows.is_empty() {
            return Schedule {
                spans: Vec::new(),
                always: true,
            };
        }
        // Every window, day by day, as [start, end) in minutes of the week.
        let mut raw: Vec<(i64, i64)> = Vec::new();
        for w in windows {
            for day in 0..7i64 {
                if w.days & (1 << day) == 0 {
                    continue;
                }
                let start = day * MINUTES_PER_DAY + i64::from(w.from);
                let mut end = day * MINUTES_PER_DAY + i64::from(w.to);
                if end <= start {
                    end += MINUTES_PER_DAY;
                }
                raw.push((start, end));
            }
        }
        raw.sort_unstable();
        let mut spans: Vec<(i64, i64)> = Vec::new();
        for (s, e) in raw {
            match spans.last_mut() {
                Some(last) if s <= last.1 => last.1 = last.1.max(e),
                _ => spans.push((s, e)),
            }
        }
        // A span running past Sunday midnight that reaches the first span joins it.
        if spans.len() > 1 {
            let first = spans[0];
            let last = spans[spans.len() - 1];
            if last.1 >= first.0 + MINUTES_PER_WEEK {
                let n = spans.len();
                spans[n - 1].1 = last.1.max(first.1 + MINUTES_PER_WEEK);
                spans.remove(0);
            }
        }
        let always = spans.len() == 1 && spans[0].1 - spans[0].0 >= MINUTES_PER_WEEK;
        Schedule { spans, always }
    }

    pub fn is_always(&self) -> bool {
        self.always
    }

    /// The occurrence of a window that `local` (from [`local_minutes`]) falls in, named by its
    /// start in local minutes; None outside every window. 0 for a limit without windows.
    pub fn occurrence(&self, local: i64) -> Option<i64> {
        if self.always {
            return Some(0);
        }
        let since_monday = local + EPOCH_TO_MONDAY;
        let week_start = since_monday.div_euclid(MINUTES_PER_WEEK) * MINUTES_PER_WEEK;
        let m = since_monday - week_start;
        for &(s, e) in &self.spans {
            // The span as it started this week, or last week when it wraps into this one.
            for shift in [0, -MINUTES_PER_WEEK] {
                if (s + shift..e + shift).contains(&m) {
                    return Some(week_start + s + shift - EPOCH_TO_MONDAY);
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::TimeWindow;

    /// Local minutes of a day in the week of Monday 2026-11-30 (day 0) at hh:mm.
    fn at(day: i64, hh: i64, mm: i64) -> i64 {
        let monday = crate::util::time::days_from_civil(2026, 11, 30) * MINUTES_PER_DAY;
        monday + day * MINUTES_PER_DAY + hh * 60 + mm
    }

    fn after_hours() -> Schedule {
        Schedule::new(&[TimeWindow {
            days: 0x1f,
            from: 18 * 60,
            to: 8 * 60,
        }])
    }

    #[test]
    fn an_interval_rolls_over_when_it_ends() {
        let s = after_hours();
        let tue_night = s.occurrence(at(1, 23, 0)).unwrap();
        assert_eq!(s.occurrence(at(2, 7, 59)), Some(tue_night));
        assert_eq!(s.occurrence(at(2, 8, 0)), None, "the window ended");
        let wed_night = s.occurrence(at(2, 18, 0)).unwrap();
        assert_ne!(wed_night, tue_night, "a new occurrence: counters restart");
        assert_eq!(wed_night, at(2, 18, 0));
        // Friday's night runs into Saturday morning, and then nothing until Monday evening.
        assert_eq!(s.occurrence(at(5, 7, 0)), Some(at(4, 18, 0)));
        assert_eq!(s.occurrence(at(6, 12, 0)), None);
        assert_eq!(s.occurrence(at(0, 7, 0)), None);
    }

    #[test]
    fn a_weekend_window_wraps_past_sunday_midnight() {
        let s = Schedule::new(&[
            TimeWindow {
                days: 0x60,
                from: 0,
                to: 1440,
            },
            TimeWindow {
                days: 0x10,
                from: 18 * 60,
                to: 1440,
            },
            TimeWindow {
                days: 0x01,
                from: 0,
                to: 6 * 60,
            },
        ]);
        let start = at(4, 18, 0);
        assert_eq!(s.occurrence(at(5, 12, 0)), Some(start));
        assert_eq!(s.occurrence(at(6, 23, 59)), Some(start));
        assert_eq!(
            s.occurrence(at(7, 5, 0)),
            Some(start),
            "Monday 05:00 next week"
        );
        assert_eq!(s.occurrence(at(7, 6, 0)), None);
        assert_eq!(
            s.occurrence(at(0, 5, 0)),
            Some(at(-3, 18, 0)),
            "the weekend before"
        );
    }

    #[test]
    fn no_windows_means_always_without_rollover() {
        let s = Schedule::new(&[]);
        assert!(s.is_always());
        assert_eq!(s.occurrence(at(3, 3, 3)), Some(0));
        let every_day = Schedule::new(&[TimeWindow {
            days: 0x7f,
            from: 0,
            to: 1440,
        }]);
        assert!(every_day.is_always());
    }

    #[test]
    fn local_time_follows_the_zone() {
        let ny = TimeZone::get("America/New_York").unwrap();
        // 2026-12-02 05:00 UTC is 00:00 in New York (EST, -5h).
        let utc_ms = (crate::util::time::days_from_civil(2026, 12, 2) * 86_400 + 5 * 3600) * 1000;
        assert_eq!(local_minutes(&ny, utc_ms).rem_euclid(1440), 0);
        assert_eq!(local_minutes(&TimeZone::UTC, utc_ms).rem_euclid(1440), 300);
    }
}
