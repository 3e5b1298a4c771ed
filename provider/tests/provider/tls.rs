//! `--tls`: the accounts service and the Web API over HTTPS, HTTP/2 or HTTP/1.1 by ALPN, with a
//! certificate for 127.0.0.1 that only a client given the provider's authority trusts.

use reqwest::{StatusCode, Version};

use crate::common::*;

/// A server with `--tls`, and a client (redirects not followed) that trusts its authority.
async fn start_tls(
    adjust: impl FnOnce(reqwest::ClientBuilder) -> reqwest::ClientBuilder,
) -> Harness {
    let mut h = start_with(|c| c.tls = true).await;
    let authority = h.server.authority_der().expect("an authority with --tls");
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .add_root_certificate(reqwest::Certificate::from_der(authority).expect("a certificate"));
    h.http = adjust(builder).build().expect("a client");
    h
}

#[tokio::test]
async fn the_whole_flow_runs_over_http2_and_links_stay_on_https() {
    // Guards against --tls serving plain HTTP, no HTTP/2, or paging links that leave HTTPS (the
    // app refuses a `next` outside its API base).
    let h = start_tls(|b| b).await;
    let base = h.server.base_url();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");

    let token = h.access_token("carol").await;
    let response = h.get_authorized("/v1/me/playlists?limit=50", &token).await;
    assert_eq!(response.version(), Version::HTTP_2);
    let (status, page) = status_and_json(response).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let next = page["next"]
        .as_str()
        .expect("a next link for carol's library");
    assert!(next.starts_with(&format!("{base}/v1/")), "{next}");
    let (status, second) = h.api_absolute(next, &token).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["offset"], 50);

    let stats: serde_json::Value = h.get("/admin/stats").await.json().await.expect("stats");
    assert_eq!(
        stats["versions"],
        serde_json::json!({ "HTTP/2.0": stats["requests"] })
    );
}

#[tokio::test]
async fn http1_clients_are_served_too() {
    // Guards against an HTTPS listener that only speaks HTTP/2 (a client may offer HTTP/1.1 only).
    let h = start_tls(|b| b.http1_only()).await;
    let response = h.get("/v1/me").await;
    assert_eq!(response.version(), Version::HTTP_11);
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_authority_is_refused() {
    // Guards against a certificate anyone would accept: only the provider's authority vouches for
    // it, and the server goes on serving those that trust it after a failed handshake.
    let h = start_tls(|b| b).await;
    let stranger = reqwest::Client::new();
    let refused = stranger.get(h.url("/v1/me")).send().await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(h.get("/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn plain_http_stays_the_default() {
    // Guards against HTTPS becoming the default, which browsers outside a test would refuse.
    let h = start_default().await;
    assert!(h.server.base_url().starts_with("http://127.0.0.1:"));
    assert!(h.server.authority_der().is_none());
    assert_eq!(h.get("/v1/me").await.status(), StatusCode::UNAUTHORIZED);
}
