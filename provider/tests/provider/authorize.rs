//! `GET /authorize`, the consent page and `POST /authorize/decision`.

use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, LOCATION};
use reqwest::StatusCode;

use crate::common::*;

/// Asserts the provider's own error page: 400, HTML, the message, and no redirect.
async fn assert_error_page(h: &Harness, params: &[(String, String)], message: &str) {
    let response = h.authorize(params).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response.headers().get(LOCATION).is_none(),
        "must never redirect"
    );
    let html = response.text().await.expect("html");
    assert!(html.contains(message), "{html}");
}

/// Asserts a redirect back to the client with `error` and `description` (and the state echoed).
async fn assert_error_redirect(
    h: &Harness,
    params: &[(String, String)],
    error: &str,
    description: &str,
) {
    let response = h.authorize(params).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let loc = location(&response);
    assert!(loc.starts_with(&format!("{REDIRECT_URI}?")), "{loc}");
    let q = query_of(&loc);
    assert_eq!(q.get("error").map(String::as_str), Some(error), "{loc}");
    assert_eq!(q.get("state").map(String::as_str), Some("st4te"));
    assert!(!q.contains_key("code"));
    assert_eq!(q["error_description"], description);
}

#[tokio::test]
async fn unknown_or_missing_client_gets_the_providers_error_page() {
    // Guards against redirecting to an unverified client (an open redirector).
    let h = start_default().await;
    let p = fresh_authorize_params();
    assert_error_page(
        &h,
        &with(p.clone(), "client_id", Some("someone-else")),
        "INVALID_CLIENT: Invalid client",
    )
    .await;
    assert_error_page(
        &h,
        &with(p, "client_id", None),
        "INVALID_CLIENT: Invalid client",
    )
    .await;
}

#[tokio::test]
async fn redirect_uri_must_match_a_registered_one_exactly() {
    // Guards against lenient matching: localhost is not 127.0.0.1, no trailing slash, no extra query.
    let h = start_default().await;
    let p = fresh_authorize_params();
    for bad in [
        "http://localhost:8080/callback",
        "http://127.0.0.1:8080/callback/",
        "http://127.0.0.1:8080/callback?x=1",
        "http://127.0.0.1:8080/CALLBACK",
        "https://127.0.0.1:8080/callback",
        "http://evil.example/callback",
    ] {
        assert_error_page(
            &h,
            &with(p.clone(), "redirect_uri", Some(bad)),
            "INVALID_CLIENT: Invalid redirect URI",
        )
        .await;
    }
    assert_error_page(
        &h,
        &with(p, "redirect_uri", None),
        "INVALID_CLIENT: Invalid redirect URI",
    )
    .await;
}

#[tokio::test]
async fn a_repeated_client_id_or_redirect_uri_is_not_trusted() {
    // Guards against a second redirect_uri slipping past the exact-match check.
    let h = start_default().await;
    let mut p = fresh_authorize_params();
    p.push(("redirect_uri".into(), "http://evil.example/cb".into()));
    assert_error_page(&h, &p, "Invalid redirect URI").await;
}

#[tokio::test]
async fn response_type_other_than_code_is_redirected_back_as_unsupported() {
    // Guards against the implicit flow (response_type=token) being accepted.
    let h = start_default().await;
    let p = fresh_authorize_params();
    assert_error_redirect(
        &h,
        &with(p.clone(), "response_type", Some("token")),
        "unsupported_response_type",
        "response_type must be code",
    )
    .await;
    assert_error_redirect(
        &h,
        &with(p, "response_type", None),
        "invalid_request",
        "response_type must be supplied",
    )
    .await;
}

#[tokio::test]
async fn plain_or_missing_pkce_is_refused() {
    // Guards against accepting a request without S256 PKCE (a public client's only protection).
    let h = start_default().await;
    let p = fresh_authorize_params();
    for (method, description) in [
        (
            Some("plain"),
            "code_challenge_method plain is not allowed; use S256",
        ),
        (None, "code_challenge_method must be supplied (S256)"),
        (Some("s256"), "code_challenge_method must be S256"),
    ] {
        let params = with(p.clone(), "code_challenge_method", method);
        assert_error_redirect(&h, &params, "invalid_request", description).await;
    }
    assert_error_redirect(
        &h,
        &with(p, "code_challenge", None),
        "invalid_request",
        "code_challenge must be supplied",
    )
    .await;
}

#[tokio::test]
async fn a_malformed_challenge_is_refused() {
    // Guards against challenges that cannot be a base64url SHA-256 digest (padding, wrong alphabet, length).
    let h = start_default().await;
    let (_, challenge) = pkce();
    let p = authorize_params(&challenge);
    let forty_two = &challenge[..42];
    let padded = format!("{forty_two}=");
    let plus = format!("{}+", &challenge[..42]);
    let long = format!("{challenge}A");
    for bad in [forty_two, padded.as_str(), plus.as_str(), long.as_str()] {
        assert_error_redirect(
            &h,
            &with(p.clone(), "code_challenge", Some(bad)),
            "invalid_request",
            "code_challenge must be 43 base64url characters",
        )
        .await;
    }
}

#[tokio::test]
async fn an_unknown_scope_gets_spotifys_illegal_scope_page() {
    // Guards against silently granting or dropping an unknown scope, and against an app that
    // expects a redirect where Spotify shows its own bare "Illegal scope" page.
    let h = start_default().await;
    let p = with(
        fresh_authorize_params(),
        "scope",
        Some("playlist-read-private playlist-write-all"),
    );
    let response = h.authorize(&p).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.headers().get(LOCATION).is_none(), "no redirect");
    assert_eq!(
        response.headers()["content-type"],
        "text/plain; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.text().await.expect("text"), "Illegal scope");
}

#[tokio::test]
async fn repeated_parameters_are_redirected_back() {
    // Guards against ambiguous repeated parameters.
    let h = start_default().await;
    let p = fresh_authorize_params();
    let mut repeated = p;
    repeated.push(("scope".into(), "user-read-email".into()));
    assert_error_redirect(
        &h,
        &repeated,
        "invalid_request",
        "scope was given more than once",
    )
    .await;
}

#[tokio::test]
async fn error_redirects_omit_state_when_the_request_had_none() {
    // Guards against inventing an empty state the client never sent.
    let h = start_default().await;
    let p = with(
        with(fresh_authorize_params(), "state", None),
        "response_type",
        Some("token"),
    );
    let response = h.authorize(&p).await;
    let q = query_of(&location(&response));
    assert_eq!(
        q.get("error").map(String::as_str),
        Some("unsupported_response_type")
    );
    assert!(!q.contains_key("state"));
}

#[tokio::test]
async fn a_valid_request_shows_a_consent_page_with_the_documented_hooks() {
    // Guards against breaking the DOM contract the browser tests use, and against CORS on /authorize.
    let h = start_default().await;
    let response = h.authorize_from(ORIGIN, &fresh_authorize_params()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response
        .headers()
        .get(ACCESS_CONTROL_ALLOW_ORIGIN)
        .is_none());
    assert_eq!(
        response.headers()["content-type"],
        "text/html; charset=utf-8"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    let html = response.text().await.expect("html");
    for needle in [
        "PKCE Playlists",
        "Access your private playlists",
        "Access your collaborative playlists",
        "<select id=\"user\" name=\"user\">",
        "<option value=\"alice\">",
        "<option value=\"bob\">",
        "<option value=\"carol\">",
        "<option value=\"dave\">",
        "<option value=\"erin\">",
        "<option value=\"grace\">",
        "<option value=\"heidi\">",
        "<button id=\"approve\"",
        "<button id=\"deny\"",
        "method=\"post\"",
    ] {
        assert!(html.contains(needle), "missing {needle}");
    }
    assert!(
        !html.contains("src=") && !html.contains("<link") && !html.contains("url("),
        "no external resources"
    );
    assert_eq!(request_id_of(&html).len(), 43);
}

#[tokio::test]
async fn approve_redirects_with_a_code_and_the_state_untouched() {
    // Guards against losing or re-encoding the client's state (its CSRF protection).
    let h = start_default().await;
    let state = "a b&c=d/é+%";
    let id = h
        .consent(&with(fresh_authorize_params(), "state", Some(state)))
        .await;
    let response = h.approve(&id, "alice").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let loc = location(&response);
    assert!(loc.starts_with(&format!("{REDIRECT_URI}?code=")), "{loc}");
    let q = query_of(&loc);
    assert_eq!(q["state"], state);
    assert_eq!(q["code"].len(), 43);
    assert_eq!(q.len(), 2);
}

#[tokio::test]
async fn approve_without_state_sends_no_state() {
    // Guards against an empty state parameter appearing in the callback.
    let h = start_default().await;
    let id = h
        .consent(&with(fresh_authorize_params(), "state", None))
        .await;
    let response = h.approve(&id, "bob").await;
    let q = query_of(&location(&response));
    assert!(q.contains_key("code"));
    assert!(!q.contains_key("state"));
}

#[tokio::test]
async fn deny_redirects_with_access_denied() {
    // Guards against a declined sign-in looking like anything but access_denied.
    let h = start_default().await;
    let id = h.consent(&fresh_authorize_params()).await;
    let response = h.deny(&id, "alice").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&response),
        format!("{REDIRECT_URI}?error=access_denied&state=st4te")
    );
}

#[tokio::test]
async fn the_decision_uses_the_stored_request_not_reposted_parameters() {
    // Guards against a forged consent form redirecting a code elsewhere or widening the scope.
    let h = start_default().await;
    let (verifier, challenge) = pkce();
    let id = h
        .consent(&with(
            authorize_params(&challenge),
            "scope",
            Some("playlist-read-private"),
        ))
        .await;
    let response = h
        .decide(&[
            ("request_id", &id),
            ("user", "alice"),
            ("decision", "approve"),
            ("redirect_uri", "http://evil.example/cb"),
            ("scope", "user-read-email"),
            ("state", "forged"),
        ])
        .await;
    let loc = location(&response);
    assert!(loc.starts_with(&format!("{REDIRECT_URI}?")), "{loc}");
    let q = query_of(&loc);
    assert_eq!(q["state"], "st4te");
    let (status, body) = h.exchange(&q["code"], &verifier).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["scope"], "playlist-read-private");
}

#[tokio::test]
async fn a_pending_request_is_single_use_and_unguessable() {
    // Guards against replaying a consent form, or approving a request id that was never issued.
    let h = start_default().await;
    let id = h.consent(&fresh_authorize_params()).await;
    let first = h.approve(&id, "alice").await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    for rid in [id.as_str(), "made-up", ""] {
        let again = h.approve(rid, "alice").await;
        assert_eq!(again.status(), StatusCode::BAD_REQUEST);
        assert!(again.headers().get(LOCATION).is_none());
        assert!(again
            .text()
            .await
            .expect("html")
            .contains("expired or was already answered"));
    }
}

#[tokio::test]
async fn the_decision_must_be_a_form_post_with_a_known_user() {
    // Guards against approving with GET (a link could sign someone in) or as a user who does not exist.
    let h = start_default().await;
    let get = h.get("/authorize/decision").await;
    assert_eq!(get.status(), StatusCode::METHOD_NOT_ALLOWED);
    let id = h.consent(&fresh_authorize_params()).await;
    let bad_user = h.approve(&id, "mallory").await;
    assert_eq!(bad_user.status(), StatusCode::BAD_REQUEST);
    let json = h
        .post_json(
            "/authorize/decision",
            &serde_json::json!({"request_id": id, "user": "alice", "decision": "approve"}),
        )
        .await;
    assert_eq!(json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    // The request survived the refused attempts.
    let ok = h.approve(&id, "alice").await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn auto_approve_skips_the_consent_page() {
    // Guards against benchmarks needing a browser: --auto-approve redirects straight back with a code.
    let h =
        start_with(|c| c.auto_approve = local_spotify::catalog::Person::sample_user("dave")).await;
    let (verifier, challenge) = pkce();
    let response = h.authorize(&authorize_params(&challenge)).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let q = query_of(&location(&response));
    assert_eq!(q["state"], "st4te");
    let (status, body) = h.exchange(&q["code"], &verifier).await;
    assert_eq!(status, StatusCode::OK);
    let token = body["access_token"].as_str().expect("token");
    let (_, me) = h.api("/v1/me", token).await;
    assert_eq!(me["id"], "dave");
}
