//! When to try a Web API read again, and the one pause that every request of the app waits out.
//!
//! A rate-limited API must not be hammered by the other requests of a library load while one of them waits, so
//! a 429 (and anything that may be a 429 in disguise) pauses every request through the [`Pacer`]. Only `GET`s are
//! retried: they are idempotent.

use std::cell::{Cell, RefCell};

use super::{Clock, SessionError};
use crate::http::TransportError;
use crate::oauth::TokenError;
use crate::spotify::ApiError;

/// Exponential backoff with "equal jitter": the `n`th retry waits between half and all of
/// `min(cap, base × 2ⁿ)`, so that many clients that failed together do not retry together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    pub base_ms: u64,
    pub cap_ms: u64,
    /// How many times a request is retried before its failure is shown.
    pub retries: u32,
}

/// The app's policy: 1, 2, 4 and 8 s (each with jitter), so a failure is shown after about 15 s at most.
pub const BACKOFF: Backoff = Backoff {
    base_ms: 1_000,
    cap_ms: 16_000,
    retries: 4,
};

/// A `Retry-After` longer than this is not waited out automatically: the user is told how long instead.
pub const MAX_RETRY_AFTER_MS: u64 = 60_000;

/// How recent a successful answer must be for a failure without an answer to count as a 429 whose CORS headers
/// were missing (Spotify sends some so) rather than as a network that is down.
pub const RECENT_SUCCESS_MS: u64 = 30_000;

impl Backoff {
    /// The wait before retry number `retry` (0-based), with `jitter` in `[0, 1)`.
    pub fn delay_ms(&self, retry: u32, jitter: f64) -> u64 {
        let full = self
            .base_ms
            .saturating_mul(1u64 << retry.min(20))
            .min(self.cap_ms);
        let half = full / 2;
        half + (half as f64 * jitter.clamp(0.0, 1.0)) as u64
    }
}

/// Why requests are held back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PauseReason {
    /// The API answered 429.
    RateLimited,
    /// A request got no answer right after others succeeded: most likely a 429 whose CORS headers were missing,
    /// which a page cannot tell from a network failure.
    NoAnswer,
    /// Requests get no answer at all: the network or the API is down.
    Unreachable,
    /// The API answered with a server error.
    ServerError,
}

impl PauseReason {
    /// The `data-pause` hook of the status line.
    pub fn code(self) -> &'static str {
        match self {
            PauseReason::RateLimited => "rate-limited",
            PauseReason::NoAnswer => "no-answer",
            PauseReason::Unreachable => "unreachable",
            PauseReason::ServerError => "server-error",
        }
    }
}

/// Every request waits until `until_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub until_ms: u64,
    pub reason: PauseReason,
}

/// What to do after a failed read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub after_ms: u64,
    pub reason: PauseReason,
}

/// Whether the read that failed with `error` on its `retry`th retry (0 for the first attempt) is tried again,
/// and after how long. `recent_success` says whether the same API answered well a moment ago.
pub fn retry_after(
    error: &SessionError,
    retry: u32,
    jitter: f64,
    recent_success: bool,
) -> Option<Retry> {
    if retry >= BACKOFF.retries {
        return None;
    }
    let backoff = |reason| {
        Some(Retry {
            after_ms: BACKOFF.delay_ms(retry, jitter),
            reason,
        })
    };
    let unanswered = if recent_success {
        PauseReason::NoAnswer
    } else {
        PauseReason::Unreachable
    };
    match error {
        SessionError::Api(ApiError::RateLimited {
            retry_after_secs: Some(secs),
        }) => {
            let after_ms = secs.saturating_mul(1000);
            (after_ms <= MAX_RETRY_AFTER_MS).then_some(Retry {
                after_ms,
                reason: PauseReason::RateLimited,
            })
        }
        SessionError::Api(ApiError::RateLimited {
            retry_after_secs: None,
        }) => backoff(PauseReason::RateLimited),
        SessionError::Api(ApiError::Server { .. })
        | SessionError::Refresh(TokenError::NotJson {
            status: 500..=599, ..
        }) => backoff(PauseReason::ServerError),
        SessionError::Api(ApiError::Network(TransportError::Aborted))
        | SessionError::Refresh(TokenError::Network(TransportError::Aborted)) => None,
        SessionError::Api(ApiError::Network(_)) | SessionError::Refresh(TokenError::Network(_)) => {
            backoff(unanswered)
        }
        _ => None,
    }
}

/// Hears of every pause as it starts, and of its end.
type Observer = Box<dyn Fn(Option<Pause>)>;

/// The one pause of the app. Single-threaded (a browser tab): shared by reference, changed through `Cell`s.
#[derive(Default)]
pub struct Pacer {
    pause: Cell<Option<Pause>>,
    last_success_ms: Cell<Option<u64>>,
    observer: RefCell<Option<Observer>>,
}

impl Pacer {
    /// `observer` hears of every pause as it starts, and of its end.
    pub fn observe(&self, observer: impl Fn(Option<Pause>) + 'static) {
        *self.observer.borrow_mut() = Some(Box::new(observer));
    }

    fn notify(&self) {
        if let Some(observer) = self.observer.borrow().as_ref() {
            observer(self.pause.get());
        }
    }

    /// The pause in force, if any.
    pub fn pause(&self) -> Option<Pause> {
        self.pause.get()
    }

    /// Holds every request back until `until_ms` (a later pause in force is kept).
    pub fn pause_until(&self, until_ms: u64, reason: PauseReason) {
        if self.pause.get().is_some_and(|p| p.until_ms >= until_ms) {
            return;
        }
        self.pause.set(Some(Pause { until_ms, reason }));
        self.notify();
    }

    /// Waits until no pause is in force.
    pub async fn wait<C: Clock>(&self, clock: &C) {
        while let Some(pause) = self.pause.get() {
            let now = clock.now_ms();
            if now >= pause.until_ms {
                self.pause.set(None);
                self.notify();
                break;
            }
            clock.sleep(pause.until_ms - now).await;
        }
    }

    /// Records an answer from the API.
    pub fn succeeded(&self, now_ms: u64) {
        self.last_success_ms.set(Some(now_ms));
    }

    /// Whether the API answered well within [`RECENT_SUCCESS_MS`] of `now_ms`.
    pub fn recently_succeeded(&self, now_ms: u64) -> bool {
        self.last_success_ms
            .get()
            .is_some_and(|t| now_ms.saturating_sub(t) <= RECENT_SUCCESS_MS)
    }

    /// Forgets everything (log out).
    pub fn reset(&self) {
        self.pause.set(None);
        self.last_success_ms.set(None);
        self.notify();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against retrying in lockstep (no jitter), or for ever longer (no cap).
    #[test]
    fn backoff_doubles_with_jitter_and_a_cap() {
        assert_eq!(BACKOFF.delay_ms(0, 0.0), 500);
        assert_eq!(BACKOFF.delay_ms(0, 0.999), 999);
        assert_eq!(BACKOFF.delay_ms(1, 0.0), 1_000);
        assert_eq!(BACKOFF.delay_ms(3, 1.0), 8_000);
        assert_eq!(BACKOFF.delay_ms(10, 1.0), 16_000);
        assert_eq!(BACKOFF.delay_ms(60, 0.5), 12_000);
    }

    /// Guards against retrying what cannot succeed, hammering a rate-limited API, or giving up on a passing
    /// failure at once.
    #[test]
    fn what_is_retried() {
        let api = |e| SessionError::Api(e);
        let limited = |s| {
            api(ApiError::RateLimited {
                retry_after_secs: s,
            })
        };
        let decide = |e: &SessionError, recent| retry_after(e, 0, 0.0, recent);
        assert_eq!(
            decide(&limited(Some(2)), true),
            Some(Retry {
                after_ms: 2_000,
                reason: PauseReason::RateLimited
            })
        );
        assert_eq!(
            decide(&limited(Some(3600)), true),
            None,
            "an hour is the user's call"
        );
        assert_eq!(
            decide(&limited(None), true),
            Some(Retry {
                after_ms: 500,
                reason: PauseReason::RateLimited
            })
        );
        assert_eq!(
            decide(&api(ApiError::Server { status: 503 }), true).map(|r| r.reason),
            Some(PauseReason::ServerError)
        );
        let no_answer = api(ApiError::Network(TransportError::Network {
            detail: "Failed to fetch".into(),
        }));
        assert_eq!(
            decide(&no_answer, true).map(|r| r.reason),
            Some(PauseReason::NoAnswer)
        );
        assert_eq!(
            decide(&no_answer, false).map(|r| r.reason),
            Some(PauseReason::Unreachable)
        );
        let timeout = api(ApiError::Network(TransportError::Timeout {
            after_ms: 30_000,
        }));
        assert!(decide(&timeout, false).is_some());
        for never in [
            api(ApiError::Network(TransportError::Aborted)),
            api(ApiError::NotFound),
            api(ApiError::Forbidden("x".into())),
            api(ApiError::Malformed("x".into())),
            api(ApiError::Unauthorized("x".into())),
            SessionError::SignedOut,
            SessionError::NoRefreshToken,
        ] {
            assert_eq!(decide(&never, true), None, "{never:?}");
        }
        let refresh_down = SessionError::Refresh(TokenError::NotJson { status: 502 });
        assert!(decide(&refresh_down, true).is_some());
        assert_eq!(
            retry_after(&limited(None), BACKOFF.retries, 0.0, true),
            None,
            "a few attempts, not forever"
        );
    }

    /// Guards against a pause that a shorter one cuts short, or that is never lifted.
    #[test]
    fn the_longest_pause_wins_and_ends() {
        let pacer = Pacer::default();
        let heard = std::rc::Rc::new(RefCell::new(Vec::new()));
        let log = heard.clone();
        pacer.observe(move |p| log.borrow_mut().push(p.map(|p| p.until_ms)));
        pacer.pause_until(5_000, PauseReason::RateLimited);
        pacer.pause_until(3_000, PauseReason::ServerError);
        assert_eq!(pacer.pause().map(|p| p.until_ms), Some(5_000));
        assert!(!pacer.recently_succeeded(10_000));
        pacer.succeeded(10_000);
        assert!(pacer.recently_succeeded(10_000 + RECENT_SUCCESS_MS));
        assert!(!pacer.recently_succeeded(10_001 + RECENT_SUCCESS_MS));
        pacer.reset();
        assert_eq!(*heard.borrow(), [Some(5_000), None]);
    }
}
