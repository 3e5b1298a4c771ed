//! The flow exactly as Spotify's "Authorization Code with PKCE" tutorial documents it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use reqwest::StatusCode;
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

/// The tutorial's token request: `fetch` with a `URLSearchParams` body, in the order given.
async fn token_request(h: &Harness, pairs: &[(&str, &str)]) -> (StatusCode, serde_json::Value) {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    status_and_json(h.post_form_body("/api/token", body).await).await
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
    let approved = h.approve(&request_id, "alice").await;
    assert_eq!(approved.status(), StatusCode::SEE_OTHER);
    let callback = location(&approved);
    assert!(callback.starts_with(REDIRECT_URI));
    // `urlParams.get('code')`.
    let code = query_of(&callback).remove("code").expect("code");

    // Request an access token.
    let (status, token) = token_request(
        &h,
        &[
            ("client_id", CLIENT_ID),
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &code_verifier),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(token["token_type"], "Bearer");
    assert_eq!(token["scope"], scope);

    // Refresh it, as the tutorial's getRefreshToken does.
    let (status, refreshed) = token_request(
        &h,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", &string_at(&token, "refresh_token")),
            ("client_id", CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let access_token = refreshed["access_token"].as_str().expect("access_token");

    // Call the Web API.
    let (status, me) = h.api("/v1/me", access_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["email"], "alice@example.com");
    let (status, playlists) = h.api("/v1/me/playlists", access_token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(playlists["total"], 13);
    assert_eq!(playlists["items"][0]["name"], "Morning Coffee");
}
