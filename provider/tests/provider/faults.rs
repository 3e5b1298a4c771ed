//! The fault plan (`/admin/faults`, `/admin/reset`) and codes issued by `/admin/codes`.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

#[tokio::test]
async fn a_rule_answers_429_with_retry_after_on_the_chosen_request_only() {
    // Guards against an app that cannot be tested for rate limiting: the 2nd call, and only it, gets 429.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    h.set_faults(json!({"rules": [{"path": "/v1/me/playlists", "nth": 2, "times": 1, "status": 429, "retry_after": 7}]}))
        .await;
    assert_eq!(h.api("/v1/me/playlists", &token).await.0, StatusCode::OK);
    let limited = h.get_from(ORIGIN, "/v1/me/playlists", Some(&token)).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "7");
    assert_eq!(limited.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        limited.json::<Value>().await.expect("json"),
        api_error(429, "API rate limit exceeded")
    );
    assert_eq!(h.api("/v1/me/playlists", &token).await.0, StatusCode::OK);
    assert_eq!(
        h.api("/v1/me", &token).await.0,
        StatusCode::OK,
        "other paths unaffected"
    );
}

#[tokio::test]
async fn server_errors_on_the_token_endpoint_use_the_accounts_shape() {
    // Guards against the app mis-reading a 503 from the accounts service.
    let h = start_default().await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    let (access, refresh) = (
        string_at(&tokens, "access_token"),
        string_at(&tokens, "refresh_token"),
    );
    h.set_faults(
        json!({"rules": [{"path": "/api/token", "status": 503}, {"path": "/v1/*", "status": 500}]}),
    )
    .await;
    assert_eq!(
        h.refresh(&refresh).await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            accounts_error("temporarily_unavailable", "Service Unavailable")
        )
    );
    assert_eq!(
        h.api("/v1/me", &access).await,
        api_failure(500, "Internal Server Error")
    );
    // Each fired once; the refresh token was not consumed by the failed call.
    assert_eq!(h.refresh(&refresh).await.0, StatusCode::OK);
    assert_eq!(h.api("/v1/me", &access).await.0, StatusCode::OK);
}

#[tokio::test]
async fn latency_delays_requests_but_not_admin_calls() {
    // Guards against latency settings being ignored (benchmarks and loading states depend on them).
    let h = start_default().await;
    h.set_faults(json!({"latency_ms": 300})).await;
    let t = Instant::now();
    let _ = h.get("/v1/me").await;
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    assert_eq!(h.reset().await, StatusCode::NO_CONTENT);
    assert!(t.elapsed() < Duration::from_millis(300));
    let t = Instant::now();
    let _ = h.get("/v1/me").await;
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "reset clears latency"
    );
}

#[tokio::test]
async fn latency_delays_cors_preflights_too() {
    // Guards against a latency setting that a browser only feels on half its round trips: a
    // network delays the OPTIONS preflight as much as the request it precedes.
    let h = start_default().await;
    h.set_faults(json!({"latency_ms": 300})).await;
    for (path, method, headers) in [
        ("/v1/me/playlists", "GET", "authorization"),
        ("/api/token", "POST", "content-type"),
    ] {
        let t = Instant::now();
        let preflight = h
            .http
            .request(reqwest::Method::OPTIONS, h.url(path))
            .header("Origin", ORIGIN)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", headers)
            .send()
            .await
            .expect("OPTIONS");
        assert!(preflight.status().is_success(), "{path}");
        assert!(
            t.elapsed() >= Duration::from_millis(300),
            "{path}: {:?}",
            t.elapsed()
        );
    }
    // The admin endpoints stay quick, preflight included.
    let t = Instant::now();
    let _ = h
        .http
        .request(reqwest::Method::OPTIONS, h.url("/admin/faults"))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("OPTIONS");
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn malformed_json_is_served_on_the_chosen_path() {
    // Guards against an app that panics or hangs on a body that does not parse.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    h.set_faults(json!({"malformed_json_on": "/v1/me"})).await;
    let r = h.get_authorized("/v1/me", &token).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let text = r.text().await.expect("text");
    assert!(text.starts_with('{'));
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(h.api("/v1/me/playlists", &token).await.0, StatusCode::OK);

    h.set_faults(json!({"rules": [{"path": "/v1/me/playlists", "malformed_json": true}]}))
        .await;
    let once = h.get_authorized("/v1/me/playlists", &token).await;
    assert!(serde_json::from_str::<Value>(&once.text().await.expect("text")).is_err());
    assert_eq!(h.api("/v1/me/playlists", &token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn no_cors_on_errors_strips_cors_from_failures_only() {
    // Guards against the app treating an opaque CORS failure like a readable error.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    h.set_faults(json!({"no_cors_on_errors": true})).await;
    let failed = h.get_from(ORIGIN, "/v1/me", None).await;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    assert!(failed
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let ok = h.get_from(ORIGIN, "/v1/me", Some(&token)).await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn a_rule_can_answer_429_without_cors_headers() {
    // Guards against an app that only handles readable 429s: some of Spotify's reach the browser
    // with no CORS headers at all, so the page sees a network error.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    h.set_faults(
        json!({"rules": [{"path": "/v1/me", "status": 429, "retry_after": 3, "no_cors": true}]}),
    )
    .await;
    let limited = h.get_from(ORIGIN, "/v1/me", Some(&token)).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "3");
    let cors: Vec<&str> = limited
        .headers()
        .keys()
        .map(|k| k.as_str())
        .filter(|k| k.starts_with("access-control-"))
        .collect();
    assert!(cors.is_empty(), "{cors:?}");
    let next = h.get_from(ORIGIN, "/v1/me", Some(&token)).await;
    assert_eq!(next.status(), StatusCode::OK);
    assert_eq!(next.headers()["access-control-allow-origin"], "*");
    let plan: Value = h.get("/admin/faults").await.json().await.expect("json");
    assert_eq!(plan["rules"][0]["no_cors"], true);
}

#[tokio::test]
async fn lifetimes_and_rotation_can_be_changed_at_run_time() {
    // Guards against tests having to restart the provider to get short-lived tokens or another rotation mode.
    let h = start_with(|c| c.rotation = local_spotify::Rotation::Rotate).await;
    h.set_faults(json!({"access_token_lifetime": 60, "rotation": "omit"}))
        .await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    assert_eq!(tokens["expires_in"], 60);
    let (status, next) = h.refresh(&string_at(&tokens, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(next.get("refresh_token").is_none());
    let current: Value = h.get("/admin/faults").await.json().await.expect("json");
    assert_eq!(current["rotation"], "omit");

    assert_eq!(h.reset().await, StatusCode::NO_CONTENT);
    let tokens = h.tokens_for("alice", SCOPE).await;
    assert_eq!(tokens["expires_in"], 3600);
    let (_, next) = h.refresh(&string_at(&tokens, "refresh_token")).await;
    assert!(next["refresh_token"].is_string(), "reset restores rotation");
}

#[tokio::test]
async fn reset_clears_rules() {
    // Guards against faults leaking from one test into the next.
    let h = start_default().await;
    h.set_faults(json!({"rules": [{"path": "/v1/*", "times": 0, "status": 503}]}))
        .await;
    assert_eq!(
        h.api("/v1/me", "x").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        h.api("/v1/me", "x").await.0,
        StatusCode::SERVICE_UNAVAILABLE
    );
    h.reset().await;
    assert_eq!(h.api("/v1/me", "x").await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn invalid_fault_plans_are_refused() {
    // Guards against a typo in a plan silently doing nothing.
    let h = start_default().await;
    for bad in [
        json!({"latncy_ms": 5}),
        json!({"rules": [{"path": "/v1/me", "status": 200}]}),
        json!({"rules": [{"path": "/v1/me"}]}),
        json!({"rotation": "sometimes"}),
        json!({"rules": [{"path": "/v1/me", "malformed_json": true, "no_cors": true}]}),
        json!({"unregistered_users": ["mallory"]}),
    ] {
        let r = h.post_json("/admin/faults", &bad).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(
            r.json::<Value>().await.expect("json")["error"],
            "invalid_request"
        );
    }
    let r = h
        .http
        .post(h.url("/admin/faults"))
        .body("{not json")
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

async fn admin_code(h: &Harness, body: &Value) -> (StatusCode, Value) {
    status_and_json(h.post_json("/admin/codes", body).await).await
}

/// `POST /admin/codes` with `request`, one field replaced.
async fn admin_code_with(
    h: &Harness,
    request: &Value,
    field: &str,
    value: &str,
) -> (StatusCode, Value) {
    let mut changed = request.clone();
    changed[field] = json!(value);
    admin_code(h, &changed).await
}

#[tokio::test]
async fn admin_codes_are_issued_as_if_the_user_had_approved() {
    // Guards against browser tests having no way past the consent page, and against the shortcut skipping validation.
    let h = start_default().await;
    let (verifier, challenge) = pkce();
    let request = json!({
        "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "code_challenge": challenge,
        "user": "carol", "scope": "playlist-read-private",
    });
    let (status, body) = admin_code(&h, &request).await;
    assert_eq!(status, StatusCode::OK);
    let code = body["code"].as_str().expect("code");
    let (status, tokens) = h.exchange(code, &verifier).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tokens["scope"], "playlist-read-private");
    let (_, me) = h.api("/v1/me", &string_at(&tokens, "access_token")).await;
    assert_eq!(me["id"], "carol");

    assert_eq!(
        admin_code_with(&h, &request, "client_id", "nobody").await,
        bad_request("invalid_client", "Invalid client")
    );
    assert_eq!(
        admin_code_with(
            &h,
            &request,
            "redirect_uri",
            "http://localhost:8080/callback"
        )
        .await,
        bad_request("invalid_request", "Invalid redirect URI")
    );
    assert_eq!(
        admin_code_with(&h, &request, "code_challenge", "short").await,
        bad_request(
            "invalid_request",
            "code_challenge must be 43 base64url characters"
        )
    );
    assert_eq!(
        admin_code_with(&h, &request, "user", "mallory").await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        admin_code_with(&h, &request, "scope", "everything").await,
        bad_request("invalid_scope", "Unknown scope: everything")
    );
}
