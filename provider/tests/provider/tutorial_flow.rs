//! The flow exactly as Spotify's "Authorization Code with PKCE" tutorial documents it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::common::*;

/// The tutorial's `generateRandomString(64)`: characters from its alphabet.
fn generate_random_string(length: usize) -> String {
    const POSSIBLE: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut bytes = vec![0u8; length];
    getrandom::fill(&mut bytes).expect("random");
    bytes
        .iter()
        .map(|b| POSSIBLE[*b as usize % POSSIBLE.len()] as char)
        .collect()
}

#[tokio::test]
async fn the_pkce_tutorial_flow_works_end_to_end() {
    // Guards against any step of the documented flow (authorize → approve → token → refresh → playlists) diverging from Spotify's.
    let h = start_default().await;

    // Code verifier and challenge: base64url(sha256(verifier)) without padding.
    let code_verifier = generate_random_string(64);
    let code_challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(code_verifier.as_bytes()));

    // Request user authorization (the tutorial sends no state).
    let scope = "user-read-private user-read-email playlist-read-private";
    let params: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("scope", scope),
        ("code_challenge_method", "S256"),
        ("code_challenge", code_challenge.as_str()),
        ("redirect_uri", REDIRECT_URI),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let request_id = h.consent(&params).await;
    let approved = h
        .decide(&[
            ("request_id", &request_id),
            ("user", "alice"),
            ("decision", "approve"),
        ])
        .await;
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);
    let callback = location(&approved);
    assert!(callback.starts_with(REDIRECT_URI));
    // `urlParams.get('code')`.
    let code = query_of(&callback).remove("code").expect("code");

    // Request an access token.
    let response = h
        .http
        .post(h.url("/api/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .append_pair("client_id", CLIENT_ID)
                .append_pair("grant_type", "authorization_code")
                .append_pair("code", &code)
                .append_pair("redirect_uri", REDIRECT_URI)
                .append_pair("code_verifier", &code_verifier)
                .finish(),
        )
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    let token: Value = response.json().await.expect("json");
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["scope"], scope);

    // Refresh it, as the tutorial's getRefreshToken does.
    let response = h
        .http
        .post(h.url("/api/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(
            form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "refresh_token")
                .append_pair(
                    "refresh_token",
                    token["refresh_token"].as_str().expect("rt"),
                )
                .append_pair("client_id", CLIENT_ID)
                .finish(),
        )
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    let refreshed: Value = response.json().await.expect("json");
    let access_token = refreshed["access_token"].as_str().expect("access_token");

    // Call the Web API.
    let (status, me) = h.api("/v1/me", access_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "alice@example.com");
    let (status, playlists) = h.api("/v1/me/playlists", access_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(playlists["total"], 12);
    assert_eq!(playlists["items"][0]["name"], "Morning Coffee");
}
