//! The report: one table of [`Row`]s (what, median, target, met?) and the `bench:` line read from
//! the rows that carry a key.

use std::fmt::Write as _;

use pkce_playlists::config::PAGES_IN_FLIGHT;
use pkce_playlists::spotify::paging::PLAYLISTS_PAGE_LIMIT;

/// The `bench:` line's keys, in order, with the decimals each is shown with.
const KEYS: [(&str, usize); 7] = [
    ("first_row_vs_bound", 2),
    ("lib10k_ms", 0),
    ("lib10k_sequential_ms", 0),
    ("lib10k_vs_bound", 2),
    ("dom_max", 0),
    ("find_ms", 1),
    ("warm_bytes", 0),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A tenth below 100, whole and grouped by thousands above.
    Ms,
    /// Three decimals, so that a ratio just over its limit does not read as equal to it.
    Ratio,
    Count,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Target {
    AtMost(f64),
    AtLeast(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub what: String,
    pub median: Option<f64>,
    pub unit: Unit,
    pub target: Option<Target>,
    pub key: Option<&'static str>,
}

impl Row {
    pub fn new(unit: Unit, what: impl Into<String>, median: Option<f64>) -> Row {
        let (what, target, key) = (what.into(), None, None);
        Row {
            what,
            median,
            unit,
            target,
            key,
        }
    }

    pub fn ms(what: impl Into<String>, median: Option<f64>) -> Row {
        Row::new(Unit::Ms, what, median)
    }

    pub fn ratio(what: impl Into<String>, median: Option<f64>) -> Row {
        Row::new(Unit::Ratio, what, median)
    }

    pub fn count(what: impl Into<String>, median: Option<f64>) -> Row {
        Row::new(Unit::Count, what, median)
    }

    pub fn at_most(self, limit: f64) -> Row {
        self.target(Some(Target::AtMost(limit)))
    }

    pub fn target(self, target: Option<Target>) -> Row {
        Row { target, ..self }
    }

    pub fn key(self, key: Option<&'static str>) -> Row {
        Row { key, ..self }
    }

    /// Whether the target is met; `None` without a target or a figure.
    pub fn met(&self) -> Option<bool> {
        match (self.target?, self.median?) {
            (Target::AtMost(limit), v) => Some(v <= limit),
            (Target::AtLeast(limit), v) => Some(v >= limit),
        }
    }

    pub fn shown(&self) -> String {
        match (self.unit, self.median) {
            (_, None) => "-".to_owned(),
            (Unit::Ms, Some(v)) if v.abs() < 100.0 => format!("{v:.1} ms"),
            (Unit::Ms, Some(v)) => format!("{} ms", grouped(v.round() as u64)),
            (Unit::Ratio, Some(v)) => format!("{v:.3}"),
            (Unit::Count, Some(v)) => grouped(v.round() as u64),
        }
    }
}

/// The median of the finite `values` (the mean of the middle two for an even count).
pub fn median(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let mut sorted: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(sorted[mid]),
        _ => Some((sorted[mid - 1] + sorted[mid]) / 2.0),
    }
}

/// The lower bound from the callback to the first playlist: the page's own load (until the app
/// sends the token request), then three round trips: the token exchange (a CORS-safelisted
/// `POST`, no preflight), the preflight and the `GET` of the first page.
pub fn first_row_bound(page_load_ms: f64, round_trip_ms: f64) -> f64 {
    page_load_ms + 3.0 * round_trip_ms
}

pub fn pages(playlists: u32) -> u32 {
    playlists.div_ceil(PLAYLISTS_PAGE_LIMIT).max(1)
}

/// The lower bound of reading a library with the app's pages in flight: waves (at least one) of
/// a page's two round trips, its preflight (cached per URL, so paid for every page) and its `GET`.
pub fn library_bound(playlists: u32, round_trip_ms: f64) -> f64 {
    let waves = f64::from(pages(playlists)) / PAGES_IN_FLIGHT as f64;
    waves.max(1.0) * 2.0 * round_trip_ms
}

pub fn table(rows: &[Row]) -> String {
    let mut out = format!("  {:<58} {:>10}   target\n", "what", "median");
    for row in rows {
        let target = match row.target {
            Some(Target::AtMost(t)) => format!("≤ {t}"),
            Some(Target::AtLeast(t)) => format!("≥ {t}"),
            None => String::new(),
        };
        let verdict = match (row.target, row.met()) {
            (None, _) => "",
            (_, Some(true)) => "met",
            (_, Some(false)) => "MISSED",
            (_, None) => "not measured",
        };
        let (what, shown) = (&row.what, row.shown());
        let line = format!("  {what:<58} {shown:>10}   {target:<8} {verdict}");
        let _ = writeln!(out, "{}", line.trim_end());
    }
    let count = |met| rows.iter().filter(|r| r.met() == Some(met)).count();
    let _ = writeln!(out, "  {} met, {} missed", count(true), count(false));
    out
}

/// `bench: first_row_vs_bound=… lib10k_ms=… … find_ms=…`, `-` for what was not measured.
pub fn last_line(rows: &[Row]) -> String {
    let mut line = "bench:".to_owned();
    for (key, decimals) in KEYS {
        let value = rows.iter().find(|r| r.key == Some(key));
        let value = value.and_then(|r| r.median);
        let value = value.map_or("-".to_owned(), |v| format!("{v:.decimals$}"));
        let _ = write!(line, " {key}={value}");
    }
    line
}

pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let comma = |i: usize| (i > 0 && (digits.len() - i).is_multiple_of(3)).then_some(',');
    let chars = digits.chars().enumerate();
    chars
        .flat_map(|(i, c)| [comma(i), Some(c)])
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median([]), None);
        assert_eq!(median([3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median([4.0, 1.0, 3.0, 2.0]), Some(2.5));
        // A run that measured nothing (NaN) is left out, not sorted in somewhere.
        assert_eq!(median([f64::NAN, 5.0]), Some(5.0));
    }

    #[test]
    fn bounds_count_the_round_trips_the_protocol_needs() {
        // Guards against a bound that forgets a round trip (and flatters the app) or counts one
        // the protocol does not need.
        assert_eq!(first_row_bound(200.0, 50.0), 350.0);
        assert_eq!(pages(10_000), 200);
        assert_eq!(pages(1_000), 20);
        assert_eq!(pages(50), 1);
        assert_eq!(pages(51), 2);
        // 200 pages, the app's in flight at a time, preflight and GET each.
        let waves = 200.0 / PAGES_IN_FLIGHT as f64;
        assert_eq!(library_bound(10_000, 50.0), waves * 2.0 * 50.0);
        // One page cannot take less than its own two round trips.
        assert_eq!(library_bound(50, 50.0), 100.0);
    }

    fn keyed(key: &'static str, median: Option<f64>) -> Row {
        Row::ms(key, median).key(Some(key))
    }

    #[test]
    fn the_last_line_has_every_key_and_a_dash_for_what_was_not_measured() {
        let rows = [
            keyed("first_row_vs_bound", Some(1.084)),
            keyed("lib10k_ms", Some(3712.4)),
            keyed("lib10k_sequential_ms", Some(20_610.0)),
            keyed("lib10k_vs_bound", Some(1.1149)),
            keyed("dom_max", Some(38.0)),
            keyed("find_ms", Some(9.06)),
            keyed("warm_bytes", Some(1_234.0)),
        ];
        assert_eq!(
            last_line(&rows),
            "bench: first_row_vs_bound=1.08 lib10k_ms=3712 lib10k_sequential_ms=20610 \
             lib10k_vs_bound=1.11 dom_max=38 find_ms=9.1 warm_bytes=1234"
        );
        assert_eq!(
            last_line(&[]),
            "bench: first_row_vs_bound=- lib10k_ms=- lib10k_sequential_ms=- lib10k_vs_bound=- \
             dom_max=- find_ms=- warm_bytes=-"
        );
    }

    #[test]
    fn targets_are_judged_at_their_limits() {
        let row = |v: Option<f64>, t| Row::ratio("x", v).target(Some(t));
        let rows = [
            row(Some(1.2), Target::AtMost(1.2)),
            row(Some(1.31), Target::AtMost(1.3)),
            row(Some(5.75), Target::AtLeast(6.0)),
            row(Some(6.0), Target::AtLeast(6.0)),
            row(None, Target::AtMost(16.0)),
            Row::count("no target", Some(1.0)),
        ];
        let met: Vec<Option<bool>> = rows.iter().map(Row::met).collect();
        assert_eq!(
            met,
            [Some(true), Some(false), Some(false), Some(true), None, None]
        );
        let table = table(&rows);
        assert!(table.ends_with("  2 met, 2 missed\n"), "{table}");
        assert!(table.contains("not measured"), "{table}");
        // A ratio just over its limit is shown as over it.
        assert!(table.contains("1.310"), "{table}");
    }

    #[test]
    fn figures_are_shown_in_their_units() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_234_567), "1,234,567");
        let shown = |v, unit| Row::new(unit, "x", Some(v)).shown();
        assert_eq!(shown(20_610.4, Unit::Ms), "20,610 ms");
        assert_eq!(shown(9.06, Unit::Ms), "9.1 ms");
        assert_eq!(shown(1.0844, Unit::Ratio), "1.084");
        assert_eq!(shown(1_000.0, Unit::Count), "1,000");
        assert_eq!(Row::ms("x", None).shown(), "-");
    }
}
