//! `POST /api/token`: both grants, Spotify's error bodies, code reuse, rotation and expiry.

use std::time::Duration;

use local_spotify::Rotation;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

/// Registers a second client, `other-app`, with the same redirect URI as the default one.
fn add_other_app(c: &mut local_spotify::Config) {
    c.clients.push(local_spotify::config::Client {
        id: "other-app".into(),
        name: "Other".into(),
        redirect_uris: vec![REDIRECT_URI.into()],
    });
}

#[tokio::test]
async fn a_code_exchange_answers_spotifys_token_shape() {
    // Guards against a token response the app cannot parse (missing fields, wrong types, cacheable).
    let h = start_default().await;
    let (verifier, challenge) = pkce();
    let code = h.code_for("alice", SCOPE, &challenge).await;
    let response = h
        .http
        .post(h.url("/api/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("code_verifier", verifier.as_str()),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.expect("json");
    let keys: Vec<&str> = body
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "access_token",
            "expires_in",
            "refresh_token",
            "scope",
            "token_type"
        ]
    );
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], SCOPE);
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(string_at(&body, "access_token").len(), 43);
    assert_ne!(
        string_at(&body, "access_token"),
        string_at(&body, "refresh_token")
    );
}

#[tokio::test]
async fn only_form_encoded_bodies_are_accepted() {
    // Guards against a client sending JSON (a common mistake) and getting tokens that Spotify would refuse.
    let h = start_default().await;
    let response = h
        .post_json(
            "/api/token",
            &serde_json::json!({"grant_type": "authorization_code"}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        response.json::<Value>().await.expect("json"),
        accounts_error(
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded"
        )
    );
}

#[tokio::test]
async fn a_missing_or_unknown_grant_type_is_unsupported() {
    // Guards against falling through to some default grant.
    let h = start_default().await;
    assert_eq!(
        h.token(&[("client_id", CLIENT_ID)]).await,
        bad_request("unsupported_grant_type", "grant_type parameter is missing")
    );
    assert_eq!(
        h.token(&[("grant_type", "password"), ("client_id", CLIENT_ID)])
            .await,
        bad_request(
            "unsupported_grant_type",
            "grant_type must be authorization_code or refresh_token"
        )
    );
}

#[tokio::test]
async fn an_unknown_or_missing_client_is_invalid_client() {
    // Guards against issuing tokens to a client that was never registered.
    let h = start_default().await;
    let (verifier, challenge) = pkce();
    let code = h.code_for("alice", SCOPE, &challenge).await;
    let base = [
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", REDIRECT_URI),
        ("code_verifier", verifier.as_str()),
    ];
    let expected = bad_request("invalid_client", "Invalid client");
    assert_eq!(h.token(&base).await, expected);
    let mut other = base.to_vec();
    other.push(("client_id", "someone-else"));
    assert_eq!(h.token(&other).await, expected);
    let (status, _) = h
        .token(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_wrong_verifier_is_refused_and_does_not_use_up_the_code() {
    // Guards against skipping the PKCE check (a stolen code would then be enough).
    let h = start_default().await;
    let (verifier, challenge) = pkce();
    let (other_verifier, _) = pkce();
    let code = h.code_for("alice", SCOPE, &challenge).await;
    assert_eq!(
        h.exchange(&code, &other_verifier).await,
        bad_request("invalid_grant", "code_verifier was incorrect")
    );
    // The challenge itself is not the verifier.
    assert_eq!(
        h.exchange(&code, &challenge).await.1["error"],
        "invalid_grant"
    );
    assert_eq!(
        h.exchange(&code, "too-short").await,
        bad_request(
            "invalid_request",
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~"
        )
    );
    assert_eq!(h.exchange(&code, &verifier).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_redirect_uri_must_equal_the_authorization_requests() {
    // Guards against a code being redeemed for a different redirect URI than it was sent to.
    let h = start_with(|c| {
        c.clients[0]
            .redirect_uris
            .push("http://127.0.0.1:8080/other".into());
    })
    .await;
    let (verifier, challenge) = pkce();
    let code = h.code_for("alice", SCOPE, &challenge).await;
    let form = |redirect: &'static str| {
        [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect),
            ("client_id", CLIENT_ID),
            ("code_verifier", verifier.as_str()),
        ]
    };
    let expected = bad_request("invalid_grant", "Invalid redirect URI");
    assert_eq!(
        h.token(&form("http://127.0.0.1:8080/other")).await,
        expected
    );
    assert_eq!(
        h.token(&form("http://localhost:8080/callback")).await,
        expected
    );
    assert_eq!(h.token(&form(REDIRECT_URI)).await.0, StatusCode::OK);
}

#[tokio::test]
async fn missing_parameters_are_invalid_request() {
    // Guards against a half-filled token request being treated as a wrong code.
    let h = start_default().await;
    let (verifier, _) = pkce();
    assert_eq!(
        h.token(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", &verifier)
        ])
        .await,
        bad_request("invalid_request", "code must be supplied")
    );
    assert_eq!(
        h.token(&[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("code", "x"),
            ("redirect_uri", REDIRECT_URI)
        ])
        .await,
        bad_request("invalid_request", "code_verifier must be supplied")
    );
    assert_eq!(
        h.token(&[("grant_type", "refresh_token"), ("client_id", CLIENT_ID)])
            .await,
        bad_request("invalid_request", "refresh_token must be supplied")
    );
    assert_eq!(
        h.token(&[
            ("grant_type", "refresh_token"),
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT_ID)
        ])
        .await,
        bad_request("invalid_request", "grant_type was given more than once")
    );
}

#[tokio::test]
async fn an_unknown_code_is_invalid_grant() {
    // Guards against accepting made-up codes.
    let h = start_default().await;
    let (verifier, _) = pkce();
    assert_eq!(
        h.exchange("not-a-code", &verifier).await,
        bad_request("invalid_grant", "Invalid authorization code")
    );
}

#[tokio::test]
async fn a_code_issued_to_another_client_is_invalid() {
    // Guards against one client redeeming a code that was issued to another.
    let h = start_with(add_other_app).await;
    let (verifier, challenge) = pkce();
    let code = h.code_for("alice", SCOPE, &challenge).await;
    assert_eq!(
        h.token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", "other-app"),
            ("code_verifier", &verifier),
        ])
        .await,
        bad_request("invalid_grant", "Invalid authorization code")
    );
}

#[tokio::test]
async fn a_second_use_of_a_code_fails_and_revokes_its_tokens() {
    // Guards against code replay (RFC 6749 §4.1.2): the tokens from the first use must stop working.
    let h = start_default().await;
    let (verifier, challenge) = pkce();
    let code = h.code_for("alice", SCOPE, &challenge).await;
    let (status, first) = h.exchange(&code, &verifier).await;
    assert_eq!(status, StatusCode::OK);
    let access = string_at(&first, "access_token");
    assert_eq!(h.api("/v1/me", &access).await.0, StatusCode::OK);

    assert_eq!(
        h.exchange(&code, &verifier).await,
        bad_request("invalid_grant", "Invalid authorization code")
    );
    assert_eq!(
        h.api("/v1/me", &access).await,
        api_failure(401, "Invalid access token")
    );
    assert_eq!(
        h.refresh(&string_at(&first, "refresh_token")).await,
        bad_request("invalid_grant", "Refresh token revoked")
    );
    // Another user's session is untouched.
    let other = h.access_token("bob").await;
    assert_eq!(h.api("/v1/me", &other).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_code_expires() {
    // Guards against codes that live forever (their lifetime is a flag; 10 minutes by default).
    let h = start_with(|c| c.code_lifetime = Duration::from_secs(1)).await;
    let (verifier, challenge) = pkce();
    let code = h.code_for("alice", SCOPE, &challenge).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        h.exchange(&code, &verifier).await,
        bad_request("invalid_grant", "Invalid authorization code")
    );
}

#[tokio::test]
async fn access_tokens_expire_after_their_lifetime() {
    // Guards against the app never exercising its refresh path: expired tokens get Spotify's 401.
    let h = start_with(|c| c.access_token_lifetime = Duration::from_secs(1)).await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    assert_eq!(tokens["expires_in"], 1);
    let access = string_at(&tokens, "access_token");
    assert_eq!(h.api("/v1/me", &access).await.0, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        h.api("/v1/me", &access).await,
        api_failure(401, "The access token expired")
    );
    // A refresh brings a working token back.
    let (status, refreshed) = h.refresh(&string_at(&tokens, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        h.api("/v1/me", &string_at(&refreshed, "access_token"))
            .await
            .0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn rotate_issues_a_new_refresh_token_and_revokes_the_old_one() {
    // Guards against an app that keeps using a rotated-out refresh token.
    let h = start_with(|c| c.rotation = Rotation::Rotate).await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    let old = string_at(&tokens, "refresh_token");
    let (status, next) = h.refresh(&old).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(next["token_type"], "Bearer");
    assert_eq!(next["scope"], SCOPE);
    let new = string_at(&next, "refresh_token");
    assert_ne!(new, old);
    assert_ne!(
        string_at(&next, "access_token"),
        string_at(&tokens, "access_token")
    );
    assert_eq!(
        h.refresh(&old).await,
        bad_request("invalid_grant", "Refresh token revoked")
    );
    assert_eq!(h.refresh(&new).await.0, StatusCode::OK);
}

#[tokio::test]
async fn omit_answers_without_a_refresh_token_and_keeps_the_old_one_valid() {
    // Guards against an app that drops its refresh token when the answer has none (Spotify often omits it).
    let h = start_with(|c| c.rotation = Rotation::Omit).await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    let old = string_at(&tokens, "refresh_token");
    for _ in 0..2 {
        let (status, next) = h.refresh(&old).await;
        assert_eq!(status, StatusCode::OK);
        assert!(next.get("refresh_token").is_none(), "{next}");
        assert_eq!(
            h.api("/v1/me", &string_at(&next, "access_token")).await.0,
            StatusCode::OK
        );
    }
}

#[tokio::test]
async fn keep_answers_with_the_same_refresh_token() {
    // Guards against the keep mode silently rotating.
    let h = start_with(|c| c.rotation = Rotation::Keep).await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    let old = string_at(&tokens, "refresh_token");
    let (status, next) = h.refresh(&old).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(string_at(&next, "refresh_token"), old);
    assert_eq!(h.refresh(&old).await.0, StatusCode::OK);
}

#[tokio::test]
async fn refresh_tokens_have_an_absolute_lifetime() {
    // Guards against refresh tokens that never expire, even when rotated (the lifetime runs from the code exchange).
    let h = start_with(|c| {
        c.refresh_token_lifetime = Duration::from_secs(1);
        c.rotation = Rotation::Rotate;
    })
    .await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    let (status, next) = h.refresh(&string_at(&tokens, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(
        h.refresh(&string_at(&next, "refresh_token")).await,
        bad_request("invalid_grant", "Refresh token expired")
    );
}

#[tokio::test]
async fn unknown_refresh_tokens_and_other_clients_are_refused() {
    // Guards against a refresh token working for a client it was not issued to, or at all when made up.
    let h = start_with(add_other_app).await;
    let expected = bad_request("invalid_grant", "Invalid refresh token");
    assert_eq!(h.refresh("made-up").await, expected);
    let tokens = h.tokens_for("alice", SCOPE).await;
    assert_eq!(
        h.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &string_at(&tokens, "refresh_token")),
            ("client_id", "other-app"),
        ])
        .await,
        expected
    );
}

#[tokio::test]
async fn by_default_a_refresh_returns_no_refresh_token_and_the_first_one_ends_with_the_grant() {
    // Guards against the provider drifting from Spotify's PKCE refresh since 20 July 2026: no new
    // refresh token, the first one reused, and refreshing never extends its absolute lifetime.
    let h = start_with(|c| c.refresh_token_lifetime = Duration::from_secs(2)).await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    let first = string_at(&tokens, "refresh_token");
    for _ in 0..3 {
        let (status, next) = h.refresh(&first).await;
        assert_eq!(status, StatusCode::OK, "{next}");
        assert!(next.get("refresh_token").is_none(), "{next}");
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(
        h.refresh(&first).await,
        bad_request("invalid_grant", "Refresh token expired")
    );
}

/// Rotates once and presents the rotated-out token again; returns the tokens of the rotation.
async fn rotate_then_reuse(h: &Harness) -> (Value, Value, (StatusCode, Value)) {
    let first = h.tokens_for("alice", SCOPE).await;
    let old = string_at(&first, "refresh_token");
    let (status, second) = h.refresh(&old).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_ne!(string_at(&second, "refresh_token"), old);
    let reuse = h.refresh(&old).await;
    (first, second, reuse)
}

#[tokio::test]
async fn with_reuse_detection_a_rotated_out_refresh_token_revokes_the_whole_grant() {
    // Guards against a stolen refresh token staying useful after rotation (RFC 9700 §4.14.2):
    // when a rotated-out token comes back, every token of its grant stops working.
    let h = start_with(|c| {
        c.rotation = Rotation::Rotate;
        c.reuse_detection = true;
    })
    .await;
    let bystander = h.access_token("bob").await;
    let (first, second, reuse) = rotate_then_reuse(&h).await;
    assert_eq!(reuse, bad_request("invalid_grant", "Refresh token revoked"));
    assert_eq!(
        h.refresh(&string_at(&second, "refresh_token")).await,
        bad_request("invalid_grant", "Refresh token revoked")
    );
    for tokens in [&first, &second] {
        assert_eq!(
            h.api("/v1/me", &string_at(tokens, "access_token")).await,
            api_failure(401, "Invalid access token")
        );
    }
    assert_eq!(
        h.api("/v1/me", &bystander).await.0,
        StatusCode::OK,
        "other grants live on"
    );
}

#[tokio::test]
async fn reuse_detection_can_be_switched_on_by_the_fault_plan() {
    // Guards against browser tests needing a restarted provider to exercise reuse detection, and
    // against a plan asking for it without rotation (where no token is ever rotated out).
    let h = start_default().await;
    h.set_faults(serde_json::json!({"rotation": "rotate", "reuse_detection": true}))
        .await;
    let (_, second, reuse) = rotate_then_reuse(&h).await;
    assert_eq!(reuse, bad_request("invalid_grant", "Refresh token revoked"));
    assert_eq!(
        h.api("/v1/me", &string_at(&second, "access_token")).await,
        api_failure(401, "Invalid access token")
    );
    let refused = h
        .post_json(
            "/admin/faults",
            &serde_json::json!({"rotation": "omit", "reuse_detection": true}),
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn without_reuse_detection_a_rotated_out_token_is_refused_alone() {
    // Guards against reuse detection leaking into plain rotate mode.
    let h = start_with(|c| c.rotation = Rotation::Rotate).await;
    let (_, second, reuse) = rotate_then_reuse(&h).await;
    assert_eq!(reuse, bad_request("invalid_grant", "Refresh token revoked"));
    assert_eq!(
        h.api("/v1/me", &string_at(&second, "access_token")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.refresh(&string_at(&second, "refresh_token")).await.0,
        StatusCode::OK
    );
}
