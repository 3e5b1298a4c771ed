//! The arithmetic of the benchmark, kept pure so it is tested on the host: medians, the lower
//! bounds, the targets and the summary line.

use std::fmt::Write as _;

/// How many pages of the library the app reads at once (`PAGES_IN_FLIGHT` in `src/config.rs`; a
/// test below keeps the two equal).
pub const PAGES_IN_FLIGHT: u32 = 10;
/// Playlists per page of `/v1/me/playlists`, as the app asks for them.
pub const PAGE_SIZE: u32 = 50;
/// The latency the targets are set for.
pub const TARGET_LATENCY_MS: u64 = 50;

/// The median of `values` (the mean of the middle two for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    })
}

/// The lower bound of the time from the callback to the first playlist: the page's own load
/// (until the app sends the token request) and the three round trips the protocol needs after
/// it: the token exchange (a CORS-safelisted `POST`, no preflight), then the preflight and the
/// `GET` of the first page.
pub fn first_row_bound(page_load_ms: f64, round_trip_ms: f64) -> f64 {
    page_load_ms + 3.0 * round_trip_ms
}

/// Pages of `PAGE_SIZE` in a library of `playlists`.
pub fn pages(playlists: u32) -> u32 {
    playlists.div_ceil(PAGE_SIZE).max(1)
}

/// The lower bound of reading a library of `pages` pages with `in_flight` at a time: pages ÷
/// in_flight waves (at least one) of the two round trips of a page, its preflight and its `GET`.
pub fn library_bound(pages: u32, in_flight: u32, round_trip_ms: f64) -> f64 {
    (f64::from(pages) / f64::from(in_flight.max(1))).max(1.0) * 2.0 * round_trip_ms
}

/// The figures of the last line; `None` where they were not measured (`--quick`, a failed run).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    pub first_row_vs_bound: Option<f64>,
    pub lib10k_ms: Option<f64>,
    pub lib10k_sequential_ms: Option<f64>,
    pub lib10k_vs_bound: Option<f64>,
    pub dom_max: Option<u64>,
    pub find_ms: Option<f64>,
    /// The 10,000-playlist library in Firefox (`--firefox`).
    pub firefox_lib10k_ms: Option<f64>,
}

/// One target and whether it was met (`None`: not measured).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub what: &'static str,
    pub wanted: String,
    pub got: String,
    pub met: Option<bool>,
}

fn fixed(value: Option<f64>, decimals: usize) -> String {
    value.map_or_else(|| "-".to_owned(), |v| format!("{v:.decimals$}"))
}

impl Summary {
    /// `bench: first_row_vs_bound=… lib10k_ms=… lib10k_sequential_ms=… lib10k_vs_bound=…
    /// dom_max=… find_ms=…`, with `-` for what was not measured.
    pub fn last_line(&self) -> String {
        format!(
            "bench: first_row_vs_bound={} lib10k_ms={} lib10k_sequential_ms={} lib10k_vs_bound={} \
             dom_max={} find_ms={}",
            fixed(self.first_row_vs_bound, 2),
            fixed(self.lib10k_ms, 0),
            fixed(self.lib10k_sequential_ms, 0),
            fixed(self.lib10k_vs_bound, 2),
            self.dom_max
                .map_or_else(|| "-".to_owned(), |n| n.to_string()),
            fixed(self.find_ms, 1),
        )
    }

    /// How much faster concurrent paging read the 10,000-playlist library than sequential paging.
    pub fn lib10k_speedup(&self) -> Option<f64> {
        Some(self.lib10k_sequential_ms? / self.lib10k_ms?)
    }

    /// Firefox's time for the 10,000-playlist library over Chromium's.
    pub fn firefox_vs_chromium(&self) -> Option<f64> {
        Some(self.firefox_lib10k_ms? / self.lib10k_ms?)
    }

    /// The targets, in Chromium at 50 ms (Firefox's only with `--firefox`). Ratios show
    /// three decimals, so that one just over its limit does not read as equal to it.
    pub fn verdicts(&self, firefox: bool) -> Vec<Verdict> {
        let at_most = |what, limit: f64, got: Option<f64>, shown: String| Verdict {
            what,
            wanted: format!("≤ {limit}"),
            got: shown,
            met: got.map(|g| g <= limit),
        };
        let mut verdicts = vec![
            at_most(
                "first playlist vs its lower bound",
                1.2,
                self.first_row_vs_bound,
                fixed(self.first_row_vs_bound, 3),
            ),
            at_most(
                "10,000 playlists vs the bound for 10 in flight",
                1.3,
                self.lib10k_vs_bound,
                fixed(self.lib10k_vs_bound, 3),
            ),
            Verdict {
                what: "10,000 playlists, sequential ÷ concurrent",
                wanted: "≥ 6".to_owned(),
                got: fixed(self.lib10k_speedup(), 3),
                met: self.lib10k_speedup().map(|s| s >= 6.0),
            },
            at_most(
                "playlist rows in the DOM at once",
                150.0,
                self.dom_max.map(|n| n as f64),
                self.dom_max
                    .map_or_else(|| "-".to_owned(), |n| n.to_string()),
            ),
            Verdict {
                what: "find: keystroke to frame over 10,000 (ms)",
                wanted: "≤ 16".to_owned(),
                got: fixed(self.find_ms, 1),
                met: self.find_ms.map(|ms| ms <= 16.0),
            },
        ];
        if firefox {
            verdicts.push(at_most(
                "Firefox ÷ Chromium, 10,000 playlists",
                1.5,
                self.firefox_vs_chromium(),
                fixed(self.firefox_vs_chromium(), 3),
            ));
        }
        verdicts
    }
}

/// The verdicts as lines: `met`, `MISSED` or `not measured`, and a count.
pub fn verdict_lines(verdicts: &[Verdict]) -> String {
    let mut out = String::new();
    for v in verdicts {
        let word = match v.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "not measured",
        };
        let _ = writeln!(
            out,
            "  {:<46} {:>8}   target {:<5}  {word}",
            v.what, v.got, v.wanted
        );
    }
    let met = verdicts.iter().filter(|v| v.met == Some(true)).count();
    let missed = verdicts.iter().filter(|v| v.met == Some(false)).count();
    let _ = writeln!(out, "  {met} met, {missed} missed");
    out
}

/// A number of milliseconds, rounded, with thousands separators: `12,345 ms`.
pub fn ms(value: Option<f64>) -> String {
    match value {
        Some(v) => format!("{} ms", grouped(v.round() as u64)),
        None => "-".to_owned(),
    }
}

/// `12345` as `12,345`.
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        // A run that measured nothing (NaN) is left out, not sorted in somewhere.
        assert_eq!(median(&[f64::NAN, 5.0]), Some(5.0));
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
        // 200 pages, 6 at a time, preflight and GET each: 200 / 6 × 2 × 50 ms.
        let bound = library_bound(200, 6, 50.0);
        assert!((bound - 3_333.33).abs() < 0.01, "{bound}");
        // One page cannot take less than its own two round trips.
        assert_eq!(library_bound(1, 6, 50.0), 100.0);
        assert_eq!(library_bound(20, 1, 50.0), 2_000.0);
    }

    #[test]
    fn the_last_line_has_every_key_and_a_dash_for_what_was_not_measured() {
        let summary = Summary {
            first_row_vs_bound: Some(1.084),
            lib10k_ms: Some(3712.4),
            lib10k_sequential_ms: Some(20_610.0),
            lib10k_vs_bound: Some(1.1149),
            dom_max: Some(38),
            find_ms: Some(9.06),
            firefox_lib10k_ms: None,
        };
        assert_eq!(
            summary.last_line(),
            "bench: first_row_vs_bound=1.08 lib10k_ms=3712 lib10k_sequential_ms=20610 \
             lib10k_vs_bound=1.11 dom_max=38 find_ms=9.1"
        );
        assert_eq!(
            Summary::default().last_line(),
            "bench: first_row_vs_bound=- lib10k_ms=- lib10k_sequential_ms=- lib10k_vs_bound=- \
             dom_max=- find_ms=-"
        );
    }

    #[test]
    fn targets_are_judged_at_their_limits() {
        let summary = Summary {
            first_row_vs_bound: Some(1.2),
            lib10k_ms: Some(4000.0),
            lib10k_sequential_ms: Some(23_000.0),
            lib10k_vs_bound: Some(1.31),
            dom_max: Some(150),
            find_ms: None,
            firefox_lib10k_ms: Some(6100.0),
        };
        let met: Vec<Option<bool>> = summary.verdicts(true).iter().map(|v| v.met).collect();
        assert_eq!(
            met,
            [
                Some(true),
                Some(false),
                Some(false),
                Some(true),
                None,
                Some(false)
            ]
        );
        assert_eq!(summary.verdicts(false).len(), 5);
        let lines = verdict_lines(&summary.verdicts(true));
        assert!(lines.ends_with("  2 met, 3 missed\n"), "{lines}");
    }

    #[test]
    fn numbers_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(ms(Some(20_610.4)), "20,610 ms");
        assert_eq!(ms(None), "-");
    }

    // Guards against the bound assuming another concurrency than the app's.
    #[test]
    fn pages_in_flight_is_the_apps() {
        let config = include_str!("../../../src/config.rs");
        assert!(
            config.contains(&format!(
                "pub const PAGES_IN_FLIGHT: usize = {PAGES_IN_FLIGHT};"
            )),
            "src/config.rs no longer reads {PAGES_IN_FLIGHT} pages at a time"
        );
        let label = format!("the bound for {PAGES_IN_FLIGHT} in flight");
        assert!(Summary::default()
            .verdicts(false)
            .iter()
            .any(|v| v.what.contains(&label)));
    }
}
