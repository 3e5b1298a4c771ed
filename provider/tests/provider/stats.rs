//! The request counts (`/admin/stats`, `/admin/stats/reset`) that benchmarks read.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

impl Harness {
    async fn stats(&self) -> Value {
        let response = self.get("/admin/stats").await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("JSON stats")
    }

    async fn preflight(&self, path: &str) {
        let response = self
            .http
            .request(reqwest::Method::OPTIONS, self.url(path))
            .header("Origin", ORIGIN)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
            .await
            .expect("OPTIONS");
        assert!(response.status().is_success(), "{path}");
    }
}

/// The row of `stats` for `route` and `kind`: its count and its time.
fn row(stats: &Value, route: &str, kind: &str) -> Option<(u64, f64)> {
    stats["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .find(|r| r["route"] == route && r["kind"] == kind)
        .map(|r| {
            (
                r["count"].as_u64().expect("count"),
                r["busy_ms"].as_f64().expect("busy_ms"),
            )
        })
}

#[tokio::test]
async fn preflights_and_gets_are_counted_apart_by_route() {
    // Guards against a benchmark that cannot tell the round trips a browser pays for (a preflight
    // before each GET) from the requests it sends, or that counts its own admin calls.
    let h = start_default().await;
    let token = h.access_token("heidi").await;
    for offset in [0, 50, 100] {
        let path = format!("/v1/me/playlists?offset={offset}&limit=50");
        h.preflight(&path).await;
        let (status, _) = h.api(&path, &token).await;
        assert_eq!(status, StatusCode::OK);
    }
    // A page read without a preflight (as a server would) counts as a GET alone.
    let (status, _) = h.api("/v1/me/playlists?offset=150&limit=50", &token).await;
    assert_eq!(status, StatusCode::OK);
    let stats = h.stats().await;
    assert_eq!(
        row(&stats, "/v1/me/playlists", "preflight").map(|r| r.0),
        Some(3)
    );
    assert_eq!(row(&stats, "/v1/me/playlists", "GET").map(|r| r.0), Some(4));
    // The sign-in: the consent page, the decision and the code exchange.
    assert_eq!(row(&stats, "/authorize", "GET").map(|r| r.0), Some(1));
    assert_eq!(
        row(&stats, "/authorize/decision", "POST").map(|r| r.0),
        Some(1)
    );
    assert_eq!(row(&stats, "/api/token", "POST").map(|r| r.0), Some(1));
    assert_eq!(
        (stats["requests"].as_u64(), stats["preflights"].as_u64()),
        (Some(10), Some(3))
    );
    assert_eq!(
        (stats["get"].as_u64(), stats["post"].as_u64()),
        (Some(5), Some(2))
    );
    assert!(
        stats["routes"]
            .as_array()
            .expect("routes")
            .iter()
            .all(|r| !r["route"].as_str().expect("route").starts_with("/admin")),
        "admin calls are not counted: {stats}"
    );

    assert_eq!(
        h.http
            .post(h.url("/admin/stats/reset"))
            .send()
            .await
            .expect("POST")
            .status(),
        StatusCode::NO_CONTENT
    );
    let stats = h.stats().await;
    assert_eq!(stats["requests"], 0, "{stats}");
    assert_eq!(stats["routes"], json!([]));
}

#[tokio::test]
async fn the_time_counted_is_the_providers_own_without_the_latency() {
    // Guards against the provider's time per page being read as the added latency: the latency is
    // the network's, the rest is what the provider itself costs.
    let h = start_with(|c| c.latency = Duration::from_millis(200)).await;
    let _ = h.get("/v1/playlists/not-an-id").await;
    let stats = h.stats().await;
    let (count, busy) = row(&stats, "/v1/playlists/{id}", "GET").expect("the route is counted");
    assert_eq!(count, 1);
    assert!(busy < 200.0, "{busy} ms includes the latency");
}
