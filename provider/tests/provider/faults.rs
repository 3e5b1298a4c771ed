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
    let limited = h
        .http
        .get(h.url("/v1/me/playlists"))
        .bearer_auth(&token)
        .header("Origin", ORIGIN)
        .send()
        .await
        .expect("GET");
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(limited.headers()["retry-after"], "7");
    assert_eq!(limited.headers()["access-control-allow-origin"], ORIGIN);
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
    h.set_faults(
        json!({"rules": [{"path": "/api/token", "status": 503}, {"path": "/v1/*", "status": 500}]}),
    )
    .await;
    assert_eq!(
        h.refresh(tokens["refresh_token"].as_str().expect("rt"))
            .await,
        (
            StatusCode::SERVICE_UNAVAILABLE,
            accounts_error("temporarily_unavailable", "Service Unavailable")
        )
    );
    let access = tokens["access_token"].as_str().expect("at");
    assert_eq!(
        h.api("/v1/me", access).await,
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            api_error(500, "Internal Server Error")
        )
    );
    // Each fired once; the refresh token was not consumed by the failed call.
    assert_eq!(
        h.refresh(tokens["refresh_token"].as_str().expect("rt"))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(h.api("/v1/me", access).await.0, StatusCode::OK);
}

#[tokio::test]
async fn latency_delays_requests_but_not_admin_calls() {
    // Guards against latency settings being ignored (benchmarks and loading states depend on them).
    let h = start_default().await;
    h.set_faults(json!({"latency_ms": 300})).await;
    let t = Instant::now();
    let _ = h.http.get(h.url("/v1/me")).send().await.expect("GET");
    assert!(
        t.elapsed() >= Duration::from_millis(300),
        "{:?}",
        t.elapsed()
    );
    let t = Instant::now();
    let r = h
        .http
        .post(h.url("/admin/reset"))
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(t.elapsed() < Duration::from_millis(300));
    let t = Instant::now();
    let _ = h.http.get(h.url("/v1/me")).send().await.expect("GET");
    assert!(
        t.elapsed() < Duration::from_millis(300),
        "reset clears latency"
    );
}

#[tokio::test]
async fn malformed_json_is_served_on_the_chosen_path() {
    // Guards against an app that panics or hangs on a body that does not parse.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    h.set_faults(json!({"malformed_json_on": "/v1/me"})).await;
    let r = h
        .http
        .get(h.url("/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let text = r.text().await.expect("text");
    assert!(text.starts_with('{'));
    assert!(serde_json::from_str::<Value>(&text).is_err(), "{text}");
    assert_eq!(h.api("/v1/me/playlists", &token).await.0, StatusCode::OK);

    h.set_faults(json!({"rules": [{"path": "/v1/me/playlists", "malformed_json": true}]}))
        .await;
    let once = h
        .http
        .get(h.url("/v1/me/playlists"))
        .bearer_auth(&token)
        .send()
        .await
        .expect("GET");
    assert!(serde_json::from_str::<Value>(&once.text().await.expect("text")).is_err());
    assert_eq!(h.api("/v1/me/playlists", &token).await.0, StatusCode::OK);
}

#[tokio::test]
async fn no_cors_on_errors_strips_cors_from_failures_only() {
    // Guards against the app treating an opaque CORS failure like a readable error.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    h.set_faults(json!({"no_cors_on_errors": true})).await;
    let failed = h
        .http
        .get(h.url("/v1/me"))
        .header("Origin", ORIGIN)
        .send()
        .await
        .expect("GET");
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    assert!(failed
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let ok = h
        .http
        .get(h.url("/v1/me"))
        .bearer_auth(&token)
        .header("Origin", ORIGIN)
        .send()
        .await
        .expect("GET");
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(ok.headers()["access-control-allow-origin"], ORIGIN);
}

#[tokio::test]
async fn lifetimes_and_rotation_can_be_changed_at_run_time() {
    // Guards against tests having to restart the provider to get short-lived tokens or another rotation mode.
    let h = start_default().await;
    h.set_faults(json!({"access_token_lifetime": 60, "rotation": "omit"}))
        .await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    assert_eq!(tokens["expires_in"], 60);
    let (status, next) = h
        .refresh(tokens["refresh_token"].as_str().expect("rt"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(next.get("refresh_token").is_none());
    let current: Value = h
        .http
        .get(h.url("/admin/faults"))
        .send()
        .await
        .expect("GET")
        .json()
        .await
        .expect("json");
    assert_eq!(current["rotation"], "omit");

    let r = h
        .http
        .post(h.url("/admin/reset"))
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let tokens = h.tokens_for("alice", SCOPE).await;
    assert_eq!(tokens["expires_in"], 3600);
    let (_, next) = h
        .refresh(tokens["refresh_token"].as_str().expect("rt"))
        .await;
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
    h.http
        .post(h.url("/admin/reset"))
        .send()
        .await
        .expect("POST");
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
    ] {
        let r = h
            .http
            .post(h.url("/admin/faults"))
            .json(&bad)
            .send()
            .await
            .expect("POST");
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

async fn admin_code(h: &Harness, body: Value) -> (StatusCode, Value) {
    let r = h
        .http
        .post(h.url("/admin/codes"))
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = r.status();
    (status, r.json().await.expect("json"))
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
    let (status, body) = admin_code(&h, request.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let code = body["code"].as_str().expect("code");
    let (status, tokens) = h.exchange(code, &verifier).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tokens["scope"], "playlist-read-private");
    let (_, me) = h
        .api("/v1/me", tokens["access_token"].as_str().expect("at"))
        .await;
    assert_eq!(me["id"], "carol");

    let mut bad = request.clone();
    bad["client_id"] = json!("nobody");
    assert_eq!(
        admin_code(&h, bad).await,
        (
            StatusCode::BAD_REQUEST,
            accounts_error("invalid_client", "Invalid client")
        )
    );
    let mut bad = request.clone();
    bad["redirect_uri"] = json!("http://localhost:8080/callback");
    assert_eq!(
        admin_code(&h, bad).await,
        (
            StatusCode::BAD_REQUEST,
            accounts_error("invalid_request", "Invalid redirect URI")
        )
    );
    let mut bad = request.clone();
    bad["code_challenge"] = json!("short");
    assert_eq!(
        admin_code(&h, bad).await,
        (
            StatusCode::BAD_REQUEST,
            accounts_error(
                "invalid_request",
                "code_challenge must be 43 base64url characters"
            )
        )
    );
    let mut bad = request.clone();
    bad["user"] = json!("mallory");
    assert_eq!(admin_code(&h, bad).await.0, StatusCode::BAD_REQUEST);
    let mut bad = request;
    bad["scope"] = json!("everything");
    assert_eq!(
        admin_code(&h, bad).await,
        (
            StatusCode::BAD_REQUEST,
            accounts_error("invalid_scope", "Unknown scope: everything")
        )
    );
}
