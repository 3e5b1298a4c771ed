//! Spotify's Development Mode daily quota: a number of Web API calls per client id over a rolling
//! window (24 hours at Spotify), shared by all the app's users. Spotify does not publish the
//! number. A spent quota answers every call of
//! the client with 429 `QUOTA_EXCEEDED` and a `Retry-After` of many hours.
//!
//! The [`Ledger`] holds, per client, when its calls were served and refused within the window;
//! [`crate::api::Caller`] asks it before every Web API call, and `GET /admin/stats` shows it.

use std::collections::{BTreeMap, VecDeque};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use serde::Serialize;

/// The window Spotify counts over: 24 hours, in seconds.
pub const DAY_SECS: u64 = 24 * 60 * 60;

/// The quota a client's calls are counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyQuota {
    /// How many calls the window may hold; `None`: no limit (calls are still counted).
    pub limit: Option<NonZeroU32>,
    /// How far back calls count.
    pub window: Duration,
}

/// A call refused because the quota is spent: when the next call would be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spent {
    /// Until enough counted calls leave the window, in whole seconds rounded up, at least 1.
    pub retry_after: u64,
}

/// The calls of every client that called, within the window in force.
#[derive(Debug, Default)]
pub struct Ledger {
    clients: BTreeMap<String, Calls>,
}

#[derive(Debug, Default)]
struct Calls {
    /// When each counted call was served, oldest first.
    served: VecDeque<Instant>,
    /// When each call was refused, oldest first.
    refused: VecDeque<Instant>,
}

impl Calls {
    /// Drops what is older than the window. A window made longer later does not bring these back.
    fn forget(&mut self, now: Instant, window: Duration) {
        for times in [&mut self.served, &mut self.refused] {
            while times
                .front()
                .is_some_and(|t| now.saturating_duration_since(*t) >= window)
            {
                times.pop_front();
            }
        }
    }
}

/// One client's calls in the window, as `GET /admin/stats` shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientCalls {
    /// The client's quota in force; `null`: none.
    pub limit: Option<NonZeroU32>,
    /// Calls served and counted against the quota.
    pub counted: u64,
    /// Calls refused with 429 `QUOTA_EXCEEDED` by the quota (not by a fault rule).
    pub refused: u64,
}

impl Ledger {
    /// Counts a call of `client` at `now`, or refuses it when the window already holds `limit`
    /// counted calls. A refused call is not counted: Spotify's count is of calls served, as far
    /// as its users can tell, and we chose to read it that way, so a client that keeps asking
    /// is served again once its old calls leave the window.
    pub fn admit(&mut self, client: &str, quota: DailyQuota, now: Instant) -> Result<(), Spent> {
        let calls = self.clients.entry(client.to_owned()).or_default();
        calls.forget(now, quota.window);
        if let Some(limit) = quota.limit {
            let limit = usize::try_from(limit.get()).unwrap_or(usize::MAX);
            if calls.served.len() >= limit {
                calls.refused.push_back(now);
                // The count falls below the limit when this call leaves the window: the oldest
                // one, unless a lower limit came into force since the window filled.
                let leaving = calls.served[calls.served.len() - limit];
                let wait = (leaving + quota.window).saturating_duration_since(now);
                return Err(Spent {
                    retry_after: whole_seconds_up(wait).max(1),
                });
            }
        }
        calls.served.push_back(now);
        Ok(())
    }

    /// Every client that called within the window, with its counts; `quota_of` says each one's
    /// quota.
    pub fn report(
        &mut self,
        now: Instant,
        quota_of: impl Fn(&str) -> DailyQuota,
    ) -> BTreeMap<String, ClientCalls> {
        let mut report = BTreeMap::new();
        for (client, calls) in &mut self.clients {
            let quota = quota_of(client);
            calls.forget(now, quota.window);
            if calls.served.is_empty() && calls.refused.is_empty() {
                continue;
            }
            report.insert(
                client.clone(),
                ClientCalls {
                    limit: quota.limit,
                    counted: calls.served.len() as u64,
                    refused: calls.refused.len() as u64,
                },
            );
        }
        report
    }
}

fn whole_seconds_up(d: Duration) -> u64 {
    d.as_secs() + u64::from(d.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quota(limit: u32, window_secs: u64) -> DailyQuota {
        DailyQuota {
            limit: NonZeroU32::new(limit),
            window: Duration::from_secs(window_secs),
        }
    }

    #[test]
    fn retry_after_is_when_the_oldest_counted_call_leaves_rounded_up() {
        // Guards against a Retry-After that sends a client back while its quota is still spent.
        let mut ledger = Ledger::default();
        let t0 = Instant::now();
        let q = quota(2, 10);
        assert_eq!(ledger.admit("a", q, t0), Ok(()));
        assert_eq!(ledger.admit("a", q, t0 + Duration::from_secs(3)), Ok(()));
        let at = t0 + Duration::from_millis(4_500);
        assert_eq!(ledger.admit("a", q, at), Err(Spent { retry_after: 6 }));
        // Served again once the oldest has left, and only once.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(ledger.admit("a", q, later), Ok(()));
        assert_eq!(
            ledger.admit("a", q, later),
            Err(Spent { retry_after: 3 }),
            "the second call, at 3 s, leaves at 13 s"
        );
        // Never 0, even a nanosecond before the call leaves.
        let edge = t0 + Duration::from_secs(13) - Duration::from_nanos(1);
        assert_eq!(ledger.admit("a", q, edge), Err(Spent { retry_after: 1 }));
        let report = ledger.report(edge, |_| q);
        assert_eq!(
            report["a"],
            ClientCalls {
                limit: NonZeroU32::new(2),
                counted: 2,
                refused: 3
            }
        );
    }

    #[test]
    fn a_lower_limit_waits_for_enough_calls_to_leave() {
        // Guards against a Retry-After after which the client is refused again.
        let mut ledger = Ledger::default();
        let t0 = Instant::now();
        for s in 0..4 {
            let at = t0 + Duration::from_secs(s);
            assert_eq!(ledger.admit("a", quota(10, 100), at), Ok(()));
        }
        let now = t0 + Duration::from_secs(50);
        // Four counted (at 0, 1, 2, 3 s), two allowed: the count is below two when the one at
        // 2 s leaves, at 102 s.
        assert_eq!(
            ledger.admit("a", quota(2, 100), now),
            Err(Spent { retry_after: 52 })
        );
    }
}
