//! The daily quota of a Development Mode app (`--daily-quota`, `--quota-window-secs`, the fault
//! plan's `daily_quota` and `quota_exceeded` rules): Web API calls counted per client over a
//! rolling window, and Spotify's 429 `QUOTA_EXCEEDED` past it.

use std::num::NonZeroU32;
use std::time::Duration;

use local_spotify::config::{Client, CorsMode};
use local_spotify::Config;
use reqwest::{Method, Response, StatusCode};
use serde_json::{json, Value};

use crate::common::*;

/// A second registered client, to show that clients do not share a count.
const OTHER_CLIENT: &str = "other-app";

/// Spotify's body for a spent quota.
fn quota_exceeded() -> Value {
    json!({"error": {"status": 429, "message": "Too many requests", "reason": "QUOTA_EXCEEDED"}})
}

fn daily_quota(n: u32) -> Option<NonZeroU32> {
    NonZeroU32::new(n)
}

/// A server with a daily quota of `n` calls over `window`, and [`OTHER_CLIENT`] registered.
async fn start_with_quota(n: u32, window: Duration, adjust: impl FnOnce(&mut Config)) -> Harness {
    start_with(|c| {
        c.daily_quota = daily_quota(n);
        c.quota_window = window;
        c.clients.push(Client {
            id: OTHER_CLIENT.into(),
            name: "Other".into(),
            redirect_uris: vec![REDIRECT_URI.into()],
        });
        adjust(c);
    })
    .await
}

/// An access token issued to `client_id` for `user` (a code from `/admin/codes`, exchanged).
async fn token_of(h: &Harness, client_id: &str, user: &str) -> String {
    let (verifier, challenge) = pkce();
    let (status, issued) = status_and_json(
        h.post_json(
            "/admin/codes",
            &json!({"client_id": client_id, "redirect_uri": REDIRECT_URI,
                "code_challenge": challenge, "user": user, "scope": SCOPE}),
        )
        .await,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    let (status, tokens) = h
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &string_at(&issued, "code")),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", client_id),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    string_at(&tokens, "access_token")
}

/// `Retry-After` in seconds.
fn retry_after(r: &Response) -> u64 {
    header_str(r, "retry-after")
        .parse()
        .expect("Retry-After in seconds")
}

/// Asserts Spotify's spent-quota answer; its `Retry-After`.
async fn assert_quota_exceeded(r: Response) -> u64 {
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let secs = retry_after(&r);
    assert_eq!(r.json::<Value>().await.expect("JSON"), quota_exceeded());
    secs
}

/// `/admin/stats`'s `daily_quota` entry for `client_id`: (counted, refused), (0, 0) when absent.
async fn calls_of(h: &Harness, client_id: &str) -> (u64, u64) {
    let (status, stats) = status_and_json(h.get("/admin/stats").await).await;
    assert_eq!(status, StatusCode::OK);
    let entry = &stats["daily_quota"][client_id];
    if entry.is_null() {
        return (0, 0);
    }
    (
        entry["counted"].as_u64().expect("counted"),
        entry["refused"].as_u64().expect("refused"),
    )
}

#[tokio::test]
async fn the_call_past_the_quota_is_refused_with_spotifys_body_and_retry_after() {
    // Guards against an app tested only against a provider that never runs out: past the quota,
    // every call answers 429 QUOTA_EXCEEDED, and refused calls do not push the wait further.
    let h = start_with_quota(3, Duration::from_secs(3600), |_| {}).await;
    let token = h.access_token("alice").await;
    for path in ["/v1/me", "/v1/me/playlists", "/v1/me"] {
        assert_eq!(h.api(path, &token).await.0, StatusCode::OK, "{path}");
    }
    let first = assert_quota_exceeded(h.get_authorized("/v1/me/playlists", &token).await).await;
    assert!((3590..=3600).contains(&first), "{first}");
    let again = assert_quota_exceeded(h.get_authorized("/v1/me", &token).await).await;
    assert!(again <= first, "{again} > {first}");
    let stats = status_and_json(h.get("/admin/stats").await).await.1;
    assert_eq!(
        stats["daily_quota"],
        json!({CLIENT_ID: {"limit": 3, "counted": 3, "refused": 2}})
    );
}

#[tokio::test]
async fn the_window_slides() {
    // Guards against a quota that resets all at once (a fixed day) or never: a call leaves the
    // window on its own, one window after it was served.
    let h = start_with_quota(2, Duration::from_secs(2), |_| {}).await;
    let token = h.access_token("alice").await;
    assert_eq!(h.api("/v1/me", &token).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(h.api("/v1/me", &token).await.0, StatusCode::OK);
    let wait = assert_quota_exceeded(h.get_authorized("/v1/me", &token).await).await;
    assert_eq!(wait, 1, "the first call leaves 0.8 s from now");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    // The first call has left; the second is still in.
    assert_eq!(h.api("/v1/me", &token).await.0, StatusCode::OK);
    let wait = assert_quota_exceeded(h.get_authorized("/v1/me", &token).await).await;
    assert!((1..=2).contains(&wait), "{wait}");
    assert_eq!(calls_of(&h, CLIENT_ID).await.0, 2);
}

#[tokio::test]
async fn clients_do_not_share_a_count_and_users_of_one_client_do() {
    // Guards against a quota kept per user or per token: Spotify counts per client id, whoever
    // signed in.
    let h = start_with_quota(2, Duration::from_secs(3600), |_| {}).await;
    let alice = h.access_token("alice").await;
    let bob = h.access_token("bob").await;
    assert_eq!(h.api("/v1/me", &alice).await.0, StatusCode::OK);
    assert_eq!(h.api("/v1/me", &bob).await.0, StatusCode::OK);
    assert_quota_exceeded(h.get_authorized("/v1/me", &alice).await).await;
    assert_quota_exceeded(h.get_authorized("/v1/me", &bob).await).await;

    let other = token_of(&h, OTHER_CLIENT, "alice").await;
    assert_eq!(h.api("/v1/me", &other).await.0, StatusCode::OK);
    assert_eq!(calls_of(&h, CLIENT_ID).await, (2, 2));
    assert_eq!(calls_of(&h, OTHER_CLIENT).await, (1, 0));
}

#[tokio::test]
async fn preflights_token_requests_images_and_admin_calls_are_not_counted() {
    // Guards against an app charged for what Spotify does not count: only /v1 calls are.
    let h = start_with_quota(1, Duration::from_secs(3600), |_| {}).await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    let token = string_at(&tokens, "access_token");
    for _ in 0..3 {
        let pre = h
            .http
            .request(Method::OPTIONS, h.url("/v1/me/playlists"))
            .header("Origin", ORIGIN)
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "authorization")
            .send()
            .await
            .expect("OPTIONS");
        assert!(pre.status().is_success());
    }
    let (status, _) = h.refresh(&string_at(&tokens, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(h.get("/images/cover-60.jpg").await.status(), StatusCode::OK);
    let _ = h.get("/admin/faults").await;
    assert_eq!(calls_of(&h, CLIENT_ID).await, (0, 0));

    assert_eq!(h.api("/v1/me", &token).await.0, StatusCode::OK);
    assert_quota_exceeded(h.get_authorized("/v1/me", &token).await).await;
    // The token endpoint still answers a client whose Web API quota is spent.
    let (status, _) = h.refresh(&string_at(&tokens, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_fault_plan_sets_the_quota_and_its_window_while_it_is_in_force() {
    // Guards against browser tests needing a restarted provider to spend the quota.
    let h = start_with_quota(10, Duration::from_secs(3600), |_| {}).await;
    let token = h.access_token("alice").await;
    assert_eq!(h.api("/v1/me", &token).await.0, StatusCode::OK);
    h.set_faults(json!({"daily_quota": 2, "quota_window_secs": 60}))
        .await;
    // The call made before the plan still counts.
    assert_eq!(h.api("/v1/me", &token).await.0, StatusCode::OK);
    let wait = assert_quota_exceeded(h.get_authorized("/v1/me", &token).await).await;
    assert!((55..=60).contains(&wait), "{wait}");
    let stats = status_and_json(h.get("/admin/stats").await).await.1;
    assert_eq!(stats["daily_quota"][CLIENT_ID]["limit"], 2);
    // Without the plan, the flag's quota is in force again.
    h.reset().await;
    assert_eq!(h.api("/v1/me", &token).await.0, StatusCode::OK);

    for bad in [json!({"daily_quota": 0}), json!({"quota_window_secs": 0})] {
        let r = h.post_json("/admin/faults", &bad).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn a_rule_answers_quota_exceeded_on_the_chosen_call() {
    // Guards against app tests that cannot make one call fail as a spent quota does.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    h.set_faults(
        json!({"rules": [{"path": "/v1/me/playlists", "nth": 2, "status": 429,
        "quota_exceeded": true, "retry_after": 48925}]}),
    )
    .await;
    assert_eq!(h.api("/v1/me/playlists", &token).await.0, StatusCode::OK);
    let refused = h.get_authorized("/v1/me/playlists", &token).await;
    assert_eq!(assert_quota_exceeded(refused).await, 48925);
    assert_eq!(h.api("/v1/me/playlists", &token).await.0, StatusCode::OK);

    for bad in [
        json!({"rules": [{"path": "/v1/me", "status": 503, "quota_exceeded": true}]}),
        json!({"rules": [{"path": "/api/token", "quota_exceeded": true}]}),
    ] {
        let r = h.post_json("/admin/faults", &bad).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn retry_after_is_hidden_under_spotifys_cors_and_exposed_per_origin() {
    // Guards against an app that counts on reading Retry-After: under Spotify's CORS answer the
    // page cannot, so it must wait without it.
    for (mode, origin, exposed) in [
        (CorsMode::Spotify, "*", false),
        (CorsMode::PerOrigin, ORIGIN, true),
    ] {
        let h = start_with_quota(1, Duration::from_secs(3600), |c| c.cors = mode).await;
        let token = h.access_token("alice").await;
        assert_eq!(h.api("/v1/me", &token).await.0, StatusCode::OK);
        let refused = h.get_from(ORIGIN, "/v1/me", Some(&token)).await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "{mode}");
        assert_eq!(
            header_str(&refused, "access-control-allow-origin"),
            origin,
            "{mode}"
        );
        let expose = refused
            .headers()
            .get("access-control-expose-headers")
            .map(|v| v.to_str().expect("ASCII").to_lowercase())
            .unwrap_or_default();
        assert_eq!(expose.contains("retry-after"), exposed, "{mode}: {expose}");
        assert!(retry_after(&refused) > 0);
    }
}
