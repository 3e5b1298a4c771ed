//! Spotify's daily quota, as the app sees it: a spent quota pauses every Web API call of the session's tabs until
//! it frees up, and the app counts the calls it makes itself.
//!
//! A Development Mode app has an unpublished quota of calls per client id over a rolling 24 hours, shared by
//! everyone who uses the app; a spent one answers 429 with `"reason":"QUOTA_EXCEEDED"` and a `Retry-After` of many
//! hours, which Spotify's CORS hides from pages. So the reset time is known only where the header can be read.

use std::fmt;

use crate::json::{self, json_object};

/// When Spotify did not say: one call is allowed this long after the refusal, to see whether the quota freed up
/// (it frees up over the rolling 24 hours, not all at once).
pub const QUOTA_PROBE_MS: u64 = 60 * 60 * 1000;

/// The quota is spent: no Web API call until `until_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuotaPause {
    pub until_ms: u64,
    /// Whether Spotify said when (its `Retry-After`); otherwise `until_ms` is only when the app looks again.
    pub known: bool,
}

impl QuotaPause {
    /// The pause after a refusal at `now_ms` that said `retry_after_secs`, if anything.
    pub fn after(retry_after_secs: Option<u64>, now_ms: u64) -> Self {
        match retry_after_secs {
            Some(secs) => QuotaPause {
                until_ms: now_ms.saturating_add(secs.saturating_mul(1000)),
                known: true,
            },
            None => QuotaPause {
                until_ms: now_ms.saturating_add(QUOTA_PROBE_MS),
                known: false,
            },
        }
    }

    /// Whether it holds calls back at `now_ms`.
    pub fn holds(&self, now_ms: u64) -> bool {
        now_ms < self.until_ms
    }
}

impl QuotaPause {
    /// The account given to the user; `reset_time` is `until_ms` in the user's clock, when Spotify said it.
    pub fn describe(&self, reset_time: Option<&str>) -> String {
        let when = match (self.known, reset_time) {
            (true, Some(time)) => format!("It frees up at {time}."),
            (true, None) => {
                "Spotify said when it frees up; the app will wait until then.".to_owned()
            }
            (false, _) => "It frees up within 24 hours.".to_owned(),
        };
        format!(
            "Spotify's daily limit of calls for this app is used up. The limit is shared by everyone who uses this \
             app's client id. {when} What is already shown stays usable, and the app makes no call to Spotify \
             until then."
        )
    }
}

impl fmt::Display for QuotaPause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe(None))
    }
}

json_object!(QuotaPause { until_ms, known });

/// How finely the calls are counted.
const BUCKET_MS: u64 = 10 * 60 * 1000;
const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// The app's own Web API calls over the last 24 hours, in ten-minute buckets (so it stays small however many
/// calls are made). Kept where every tab of the app adds to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallLog {
    /// Bucket start (ms since the epoch) and calls in it, oldest first.
    buckets: Vec<(u64, u32)>,
}

json_object!(CallLog { buckets });

impl CallLog {
    /// Adds one call at `now_ms`, and forgets what left the 24 hours.
    pub fn record(&mut self, now_ms: u64) {
        self.forget(now_ms);
        let bucket = now_ms - now_ms % BUCKET_MS;
        match self.buckets.last_mut() {
            Some((start, count)) if *start == bucket => *count = count.saturating_add(1),
            _ => self.buckets.push((bucket, 1)),
        }
    }

    /// The calls within the 24 hours before `now_ms` (to the bucket).
    pub fn count(&self, now_ms: u64) -> u32 {
        let since = now_ms.saturating_sub(DAY_MS);
        self.buckets
            .iter()
            .filter(|(start, _)| start + BUCKET_MS > since)
            .map(|(_, n)| *n)
            .sum()
    }

    fn forget(&mut self, now_ms: u64) {
        let since = now_ms.saturating_sub(DAY_MS);
        self.buckets.retain(|(start, _)| start + BUCKET_MS > since);
    }

    /// Reads back what [`crate::json::ToJson::to_json`] wrote (`{"buckets": [[start, calls], …]}`); an empty log for
    /// anything else.
    pub fn read(text: &str) -> Self {
        json::from_str(text).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000_000;

    /// Guards against a pause that lasts for ever, or one that ends before Spotify said.
    #[test]
    fn a_pause_lasts_as_long_as_spotify_said_or_until_the_app_looks_again() {
        let known = QuotaPause::after(Some(48_925), NOW);
        assert_eq!(known.until_ms, NOW + 48_925_000);
        assert!(known.known && known.holds(NOW + 48_924_999) && !known.holds(NOW + 48_925_000));
        let unknown = QuotaPause::after(None, NOW);
        assert_eq!(
            (unknown.until_ms, unknown.known),
            (NOW + QUOTA_PROBE_MS, false)
        );
        assert!(unknown.to_string().contains("within 24 hours"));
        assert!(known.to_string().contains("shared by everyone"));
        assert!(known
            .describe(Some("21:40"))
            .contains("It frees up at 21:40."));
    }

    /// Guards against a count that keeps old calls, loses new ones, or grows without bound.
    #[test]
    fn calls_are_counted_over_a_rolling_day() {
        let mut log = CallLog::default();
        for i in 0..200 {
            log.record(NOW + i * 1_000);
        }
        assert_eq!(log.count(NOW + 200_000), 200);
        log.record(NOW + 12 * 60 * 60 * 1000);
        assert_eq!(log.count(NOW + 12 * 60 * 60 * 1000), 201);
        assert_eq!(
            log.count(NOW + DAY_MS + BUCKET_MS),
            1,
            "the first 200 left the day"
        );
        for i in 0..1_000 {
            log.record(NOW + i * 5 * 60 * 1000);
        }
        assert!(log.buckets.len() <= (DAY_MS / BUCKET_MS) as usize + 1);
        let text = crate::json::ToJson::to_json(&log);
        assert!(text.starts_with(r#"{"buckets":[["#), "{text}");
        assert_eq!(CallLog::read(&text), log);
        assert_eq!(CallLog::read("garbage"), CallLog::default());
    }
}
