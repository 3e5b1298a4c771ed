//! CORS: preflight and answers (errors included) on /api/token, /v1/* and /admin/*; none on
//! /authorize. The Web API answers like Spotify (`*`, nothing exposed) by default, or per origin.

use local_spotify::config::CorsMode;
use reqwest::{Method, StatusCode};

use crate::common::*;

/// A server whose Web API answers CORS per origin (what naming an origin implies).
async fn start_per_origin() -> Harness {
    start_with(|c| c.cors = CorsMode::PerOrigin).await
}

async fn preflight(
    h: &Harness,
    path: &str,
    origin: &str,
    method: &str,
    headers: &str,
) -> reqwest::Response {
    h.http
        .request(Method::OPTIONS, h.url(path))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", method)
        .header("Access-Control-Request-Headers", headers)
        .send()
        .await
        .expect("OPTIONS")
}

fn allow_origin(r: &reqwest::Response) -> Option<&str> {
    r.headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn preflights_from_the_allowed_origin_succeed() {
    // Guards against a browser refusing the app's token and API calls before they are sent.
    let h = start_per_origin().await;
    let token = preflight(&h, "/api/token", ORIGIN, "POST", "content-type").await;
    assert!(token.status().is_success());
    assert_eq!(allow_origin(&token), Some(ORIGIN));
    let methods = header_str(&token, "access-control-allow-methods");
    assert!(methods.contains("POST"), "{methods}");
    let api = preflight(&h, "/v1/me/playlists", ORIGIN, "GET", "authorization").await;
    assert_eq!(allow_origin(&api), Some(ORIGIN));
    let allowed = header_str(&api, "access-control-allow-headers").to_lowercase();
    assert!(allowed.contains("authorization"), "{allowed}");
    let admin = preflight(&h, "/admin/faults", ORIGIN, "POST", "content-type").await;
    assert_eq!(allow_origin(&admin), Some(ORIGIN));
}

#[tokio::test]
async fn other_origins_get_no_cors_headers() {
    // Guards against a wildcard or reflected origin letting any site call the API.
    let h = start_per_origin().await;
    for origin in ["http://localhost:8080", "http://evil.example", "null"] {
        let r = preflight(&h, "/api/token", origin, "POST", "content-type").await;
        assert_eq!(allow_origin(&r), None, "{origin}");
        let r = h.get_from(origin, "/v1/me", None).await;
        assert_eq!(allow_origin(&r), None, "{origin}");
    }
}

#[tokio::test]
async fn error_answers_carry_cors_headers_too() {
    // Guards against the app seeing an opaque network error instead of Spotify's 400/401 bodies.
    let h = start_per_origin().await;
    let api = h.get_from(ORIGIN, "/v1/me", None).await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(allow_origin(&api), Some(ORIGIN));
    let exposed = header_str(&api, "access-control-expose-headers").to_lowercase();
    assert!(exposed.contains("retry-after"), "{exposed}");
    let token = h
        .http
        .post(h.url("/api/token"))
        .header("Origin", ORIGIN)
        .form(&[("grant_type", "nope")])
        .send()
        .await
        .expect("POST");
    assert_eq!(token.status(), StatusCode::BAD_REQUEST);
    assert_eq!(allow_origin(&token), Some(ORIGIN));
    let unknown = h.get_from(ORIGIN, "/v1/nothing-here", None).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    assert_eq!(allow_origin(&unknown), Some(ORIGIN));
}

#[tokio::test]
async fn authorize_has_no_cors() {
    // Guards against scripts reading the consent page (it is a top-level navigation only).
    let h = start_per_origin().await;
    let r = preflight(&h, "/authorize", ORIGIN, "GET", "").await;
    assert_eq!(allow_origin(&r), None);
    let page = h.authorize_from(ORIGIN, &fresh_authorize_params()).await;
    assert_eq!(allow_origin(&page), None);
}

#[tokio::test]
async fn extra_allowed_origins_are_honoured() {
    // Guards against --allow-origin being ignored when repeated.
    let h = start_with(|c| {
        c.cors = CorsMode::PerOrigin;
        c.allowed_origins = vec![ORIGIN.into(), "http://127.0.0.1:18090".into()];
    })
    .await;
    let r = preflight(
        &h,
        "/api/token",
        "http://127.0.0.1:18090",
        "POST",
        "content-type",
    )
    .await;
    assert_eq!(allow_origin(&r), Some("http://127.0.0.1:18090"));
}

#[tokio::test]
async fn by_default_the_web_api_answers_cors_like_spotify() {
    // Guards against an app that only works because the provider is laxer or stricter than
    // Spotify: any origin gets `*`, and Retry-After is not exposed, so a page cannot read it.
    let h = start_default().await;
    for origin in [ORIGIN, "http://localhost:8080", "https://elsewhere.example"] {
        let pre = preflight(&h, "/v1/me/playlists", origin, "GET", "authorization").await;
        assert!(pre.status().is_success(), "{origin}");
        assert_eq!(allow_origin(&pre), Some("*"), "{origin}");
        let allowed = header_str(&pre, "access-control-allow-headers").to_lowercase();
        assert!(allowed.contains("authorization"), "{allowed}");
        assert_eq!(header_str(&pre, "access-control-max-age"), "604800");
    }
    let failed = h.get_from(ORIGIN, "/v1/me", None).await;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(allow_origin(&failed), Some("*"));
    assert!(
        failed
            .headers()
            .get("access-control-expose-headers")
            .is_none(),
        "nothing is exposed"
    );
}

#[tokio::test]
async fn the_token_and_admin_endpoints_answer_the_app_origin_in_both_modes() {
    // Guards against the wildcard Web API mode opening the accounts service and the admin
    // endpoints to every site, or closing them to the app.
    for mode in [CorsMode::Spotify, CorsMode::PerOrigin] {
        let h = start_with(|c| c.cors = mode).await;
        for path in ["/api/token", "/admin/faults"] {
            let ok = preflight(&h, path, ORIGIN, "POST", "content-type").await;
            assert_eq!(allow_origin(&ok), Some(ORIGIN), "{mode} {path}");
            let other = preflight(&h, path, "http://evil.example", "POST", "content-type").await;
            assert_eq!(allow_origin(&other), None, "{mode} {path}");
        }
        let token = h
            .http
            .post(h.url("/api/token"))
            .header("Origin", ORIGIN)
            .form(&[("grant_type", "nope")])
            .send()
            .await
            .expect("POST");
        assert_eq!(allow_origin(&token), Some(ORIGIN), "{mode}");
    }
}
