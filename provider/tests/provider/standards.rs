//! The standards mode: RFC 8414 metadata, RFC 9207 `iss` on authorization responses, RFC 7009
//! revocation; and that Spotify's mode has none of them.

use local_spotify::config::Mode;
use reqwest::header::LOCATION;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

async fn start_standards() -> Harness {
    start_with(|c| c.mode = Mode::Standards).await
}

/// `POST /api/revoke` with a form, from the app's origin; the response.
async fn revoke(h: &Harness, form: &[(&str, &str)]) -> reqwest::Response {
    h.http
        .post(h.url("/api/revoke"))
        .header("Origin", ORIGIN)
        .form(form)
        .send()
        .await
        .expect("POST /api/revoke")
}

#[tokio::test]
async fn the_metadata_document_describes_the_server() {
    // Guards against a client that discovers its endpoints (RFC 8414) finding wrong or missing
    // ones, or being refused by CORS from the app's origin.
    let h = start_standards().await;
    let base = h.server.base_url();
    let r = h
        .get_from(ORIGIN, "/.well-known/oauth-authorization-server", None)
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header_str(&r, "access-control-allow-origin"), ORIGIN);
    let m: Value = r.json().await.expect("json");
    assert_eq!(m["issuer"], base);
    assert_eq!(m["authorization_endpoint"], format!("{base}/authorize"));
    assert_eq!(m["token_endpoint"], format!("{base}/api/token"));
    assert_eq!(m["revocation_endpoint"], format!("{base}/api/revoke"));
    assert_eq!(
        m["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(m["authorization_response_iss_parameter_supported"], true);
    assert_eq!(m["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(
        m["grant_types_supported"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        m["token_endpoint_auth_methods_supported"],
        serde_json::json!(["none"])
    );
    assert!(m["scopes_supported"]
        .as_array()
        .expect("scopes")
        .contains(&serde_json::json!("playlist-read-private")));
}

#[tokio::test]
async fn spotifys_mode_has_no_metadata_no_revocation_and_no_iss() {
    // Guards against the default provider claiming features Spotify does not have.
    let h = start_default().await;
    assert_eq!(
        h.get("/.well-known/oauth-authorization-server")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let tokens = h.tokens_for("alice", SCOPE).await;
    let r = revoke(
        &h,
        &[
            ("token", &string_at(&tokens, "refresh_token")),
            ("client_id", CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let id = h.consent(&fresh_authorize_params()).await;
    let q = query_of(&location(&h.approve(&id, "alice").await));
    assert!(!q.contains_key("iss"));
}

#[tokio::test]
async fn every_authorization_response_names_the_issuer() {
    // Guards against mix-up attacks (RFC 9207): a code, a denial and an error redirect all carry
    // iss, the metadata's issuer, so a client can tell which server answered.
    let h = start_standards().await;
    let base = h.server.base_url();

    let id = h.consent(&fresh_authorize_params()).await;
    let approved = query_of(&location(&h.approve(&id, "alice").await));
    assert!(approved.contains_key("code"));
    assert_eq!(approved["iss"], base);
    assert_eq!(approved["state"], "st4te");

    let id = h.consent(&fresh_authorize_params()).await;
    let denied = query_of(&location(&h.deny(&id, "alice").await));
    assert_eq!(denied["error"], "access_denied");
    assert_eq!(denied["iss"], base);

    let wrong = with(fresh_authorize_params(), "response_type", Some("token"));
    let refused = query_of(&location(&h.authorize(&wrong).await));
    assert_eq!(refused["error"], "unsupported_response_type");
    assert_eq!(refused["iss"], base);

    // An untrusted client still gets the provider's own page, with no redirect to carry iss.
    let untrusted = with(fresh_authorize_params(), "client_id", Some("nobody"));
    let page = h.authorize(&untrusted).await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.headers().get(LOCATION).is_none());
}

#[tokio::test]
async fn auto_approved_codes_name_the_issuer_too() {
    // Guards against the consent-free path skipping iss.
    let h = start_with(|c| {
        c.mode = Mode::Standards;
        c.auto_approve = local_spotify::catalog::Person::sample_user("bob");
    })
    .await;
    let q = query_of(&location(&h.authorize(&fresh_authorize_params()).await));
    assert!(q.contains_key("code"));
    assert_eq!(q["iss"], h.server.base_url());
}

#[tokio::test]
async fn an_unknown_scope_is_redirected_back_as_invalid_scope() {
    // Guards against the standards mode showing Spotify's Illegal scope page instead of the
    // RFC 6749 §4.1.2.1 redirect.
    let h = start_standards().await;
    let p = with(
        fresh_authorize_params(),
        "scope",
        Some("playlist-read-private playlist-write-all"),
    );
    let response = h.authorize(&p).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let q = query_of(&location(&response));
    assert_eq!(q["error"], "invalid_scope");
    assert_eq!(q["error_description"], "Unknown scope: playlist-write-all");
    assert_eq!(q["state"], "st4te");
    assert_eq!(q["iss"], h.server.base_url());
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_its_grant() {
    // Guards against a logged-out session living on: after revocation (RFC 7009) neither the
    // refresh token nor the access tokens of its grant work; other grants are untouched.
    let h = start_standards().await;
    let bystander = h.access_token("bob").await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    let refresh = string_at(&tokens, "refresh_token");
    let r = revoke(
        &h,
        &[
            ("token", &refresh),
            ("token_type_hint", "refresh_token"),
            ("client_id", CLIENT_ID),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header_str(&r, "access-control-allow-origin"), ORIGIN);
    assert_eq!(header_str(&r, "cache-control"), "no-store");
    assert!(r.text().await.expect("body").is_empty());
    assert_eq!(
        h.refresh(&refresh).await,
        bad_request("invalid_grant", "Refresh token revoked")
    );
    assert_eq!(
        h.api("/v1/me", &string_at(&tokens, "access_token")).await,
        api_failure(401, "Invalid access token")
    );
    assert_eq!(h.api("/v1/me", &bystander).await.0, StatusCode::OK);
}

#[tokio::test]
async fn revoking_an_access_token_revokes_it_alone_whatever_the_hint() {
    // Guards against a wrong or unknown hint stopping the search (RFC 7009 §2.1), and against an
    // access token's revocation ending the whole session.
    let h = start_standards().await;
    let tokens = h.tokens_for("alice", SCOPE).await;
    let access = string_at(&tokens, "access_token");
    for hint in ["refresh_token", "something_else"] {
        let fresh = h.tokens_for("alice", SCOPE).await;
        let r = revoke(
            &h,
            &[
                ("token", &string_at(&fresh, "access_token")),
                ("token_type_hint", hint),
                ("client_id", CLIENT_ID),
            ],
        )
        .await;
        assert_eq!(r.status(), StatusCode::OK, "{hint}");
        assert_eq!(
            h.api("/v1/me", &string_at(&fresh, "access_token")).await,
            api_failure(401, "Invalid access token"),
            "{hint}"
        );
    }
    let r = revoke(&h, &[("token", &access), ("client_id", CLIENT_ID)]).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        h.api("/v1/me", &access).await,
        api_failure(401, "Invalid access token")
    );
    let (status, _) = h.refresh(&string_at(&tokens, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK, "the refresh token still works");
}

#[tokio::test]
async fn revocation_answers_200_for_unknown_tokens_and_refuses_bad_requests() {
    // Guards against leaking whether a token exists (§2.2), and against revoking without a
    // token, for an unknown client, or another client's token.
    let h = start_with(|c| {
        c.mode = Mode::Standards;
        c.clients.push(local_spotify::config::Client {
            id: "other-app".into(),
            name: "Other".into(),
            redirect_uris: vec![REDIRECT_URI.into()],
        });
    })
    .await;
    let r = revoke(&h, &[("token", "made-up"), ("client_id", CLIENT_ID)]).await;
    assert_eq!(r.status(), StatusCode::OK);

    let json =
        |r: reqwest::Response| async move { (r.status(), r.json::<Value>().await.expect("json")) };
    assert_eq!(
        json(revoke(&h, &[("client_id", CLIENT_ID)]).await).await,
        bad_request("invalid_request", "token must be supplied")
    );
    assert_eq!(
        json(revoke(&h, &[("token", "x"), ("client_id", "nobody")]).await).await,
        bad_request("invalid_client", "Invalid client")
    );
    assert_eq!(
        json(revoke(&h, &[("token", "x")]).await).await,
        bad_request("invalid_client", "Invalid client")
    );

    let tokens = h.tokens_for("alice", SCOPE).await;
    let refresh = string_at(&tokens, "refresh_token");
    assert_eq!(
        json(revoke(&h, &[("token", &refresh), ("client_id", "other-app")]).await).await,
        bad_request(
            "unauthorized_client",
            "The token was issued to another client"
        )
    );
    assert_eq!(h.refresh(&refresh).await.0, StatusCode::OK, "not revoked");

    let preflight = h
        .http
        .request(reqwest::Method::OPTIONS, h.url("/api/revoke"))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type")
        .send()
        .await
        .expect("OPTIONS");
    assert_eq!(
        header_str(&preflight, "access-control-allow-origin"),
        ORIGIN
    );
}
