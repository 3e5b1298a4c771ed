//! What the provider has been asked, for benchmarks (`cargo xtask bench`): every request but
//! `/admin/*`, counted by kind (CORS preflights apart from the method they ask about) and by route,
//! with the time the provider itself spent answering (the added latency left out).
//!
//! `GET /admin/stats` shows the counts, and each client's Web API calls in the daily quota's
//! window; `POST /admin/stats/reset` sets the counts back to zero (the quota's window forgets
//! by itself).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, Method, Version};
use axum::middleware::Next;
use axum::response::Response;
use serde::Serialize;

use crate::daily_quota::ClientCalls;
use crate::errors::Area;
use crate::state::Shared;

/// The label of a CORS preflight: an `OPTIONS` request that names `Access-Control-Request-Method`.
pub const PREFLIGHT: &str = "preflight";
/// The route of a request no route matched.
pub const UNMATCHED: &str = "other";

/// The counts since the start or the last reset, by (kind, route).
#[derive(Debug, Default)]
pub struct Stats {
    routes: BTreeMap<(String, String), Tally>,
    versions: BTreeMap<String, u64>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    count: u64,
    busy: Duration,
}

/// `GET /admin/stats`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Every request counted.
    pub requests: u64,
    /// CORS preflights.
    pub preflights: u64,
    /// `GET` requests (preflights are not among them).
    pub get: u64,
    /// `POST` requests.
    pub post: u64,
    /// Anything else (`OPTIONS` that is not a preflight, `PUT`, ...).
    pub other: u64,
    /// The time the provider spent answering all of them, latency left out, in milliseconds.
    pub busy_ms: f64,
    /// By route (the route's pattern, such as `/v1/playlists/{id}`, or `other`) and kind (`GET`,
    /// `POST`, `preflight`, ...), in that order.
    pub routes: Vec<RouteReport>,
    /// By the HTTP version they came in (`HTTP/1.1`, `HTTP/2.0`): whether the clients multiplexed
    /// their requests over HTTP/2 (`--tls`).
    pub versions: BTreeMap<String, u64>,
    /// By client id: its Web API calls in the daily quota's window now, counted and refused, and
    /// its quota. Filled in from the ledger, which the reset leaves alone.
    pub daily_quota: BTreeMap<String, ClientCalls>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RouteReport {
    pub route: String,
    pub kind: String,
    pub count: u64,
    pub busy_ms: f64,
}

impl Stats {
    pub fn record(&mut self, kind: &str, route: &str, version: Version, busy: Duration) {
        *self.versions.entry(format!("{version:?}")).or_default() += 1;
        let tally = self
            .routes
            .entry((kind.to_owned(), route.to_owned()))
            .or_default();
        tally.count += 1;
        tally.busy += busy;
    }

    pub fn reset(&mut self) {
        self.routes.clear();
        self.versions.clear();
    }

    pub fn report(&self) -> Report {
        let mut report = Report {
            requests: 0,
            preflights: 0,
            get: 0,
            post: 0,
            other: 0,
            busy_ms: 0.0,
            routes: Vec::new(),
            versions: self.versions.clone(),
            daily_quota: BTreeMap::new(),
        };
        let mut busy = Duration::ZERO;
        for ((kind, route), tally) in &self.routes {
            report.requests += tally.count;
            busy += tally.busy;
            match kind.as_str() {
                PREFLIGHT => report.preflights += tally.count,
                "GET" => report.get += tally.count,
                "POST" => report.post += tally.count,
                _ => report.other += tally.count,
            }
            report.routes.push(RouteReport {
                route: route.clone(),
                kind: kind.clone(),
                count: tally.count,
                busy_ms: millis(tally.busy),
            });
        }
        report.busy_ms = millis(busy);
        report
            .routes
            .sort_by(|a, b| (&a.route, &a.kind).cmp(&(&b.route, &b.kind)));
        report
    }
}

fn millis(d: Duration) -> f64 {
    d.as_micros() as f64 / 1000.0
}

/// What kind of request this is: [`PREFLIGHT`], or its method.
pub fn kind_of(request: &Request) -> String {
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if preflight {
        PREFLIGHT.to_owned()
    } else {
        request.method().as_str().to_owned()
    }
}

/// Counts every request but `/admin/*`, and times the provider's answer. Sits inside the latency
/// layer, so the time is the provider's own.
pub async fn count(State(state): State<Shared>, request: Request, next: Next) -> Response {
    if Area::of(request.uri().path()) == Area::Admin {
        return next.run(request).await;
    }
    let kind = kind_of(&request);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or(UNMATCHED, MatchedPath::as_str)
        .to_owned();
    let version = request.version();
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .stats()
        .record(&kind, &route, version, started.elapsed());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_add_up_by_kind_and_routes_come_in_order() {
        let mut stats = Stats::default();
        stats.record(
            "GET",
            "/v1/me/playlists",
            Version::HTTP_2,
            Duration::from_micros(1500),
        );
        stats.record(
            PREFLIGHT,
            "/v1/me/playlists",
            Version::HTTP_2,
            Duration::from_micros(100),
        );
        stats.record(
            "GET",
            "/v1/me/playlists",
            Version::HTTP_2,
            Duration::from_micros(500),
        );
        stats.record(
            "POST",
            "/api/token",
            Version::HTTP_11,
            Duration::from_micros(400),
        );
        stats.record("PUT", UNMATCHED, Version::HTTP_11, Duration::ZERO);
        let report = stats.report();
        assert_eq!(
            (
                report.requests,
                report.preflights,
                report.get,
                report.post,
                report.other
            ),
            (5, 1, 2, 1, 1)
        );
        assert_eq!(report.busy_ms, 2.5);
        let rows: Vec<(&str, &str, u64, f64)> = report
            .routes
            .iter()
            .map(|r| (r.route.as_str(), r.kind.as_str(), r.count, r.busy_ms))
            .collect();
        assert_eq!(
            rows,
            [
                ("/api/token", "POST", 1, 0.4),
                ("/v1/me/playlists", "GET", 2, 2.0),
                ("/v1/me/playlists", PREFLIGHT, 1, 0.1),
                (UNMATCHED, "PUT", 1, 0.0),
            ]
        );
        let versions: Vec<(&str, u64)> = report
            .versions
            .iter()
            .map(|(v, n)| (v.as_str(), *n))
            .collect();
        assert_eq!(versions, [("HTTP/1.1", 2), ("HTTP/2.0", 3)]);
        stats.reset();
        assert_eq!(stats.report().requests, 0);
        assert!(stats.report().versions.is_empty());
    }
}
