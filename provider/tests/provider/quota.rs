//! Quota modes: what a Development Mode app (the default) and an extended one may read.

use local_spotify::config::{Client, ClientSettings, Quota};
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

/// `GET` a playlist's object and its items (`/items`, then `/tracks`); the three statuses.
async fn statuses(h: &Harness, token: &str, playlist: &Value) -> [StatusCode; 3] {
    let id = playlist["id"].as_str().expect("id");
    let mut out = [StatusCode::OK; 3];
    for (slot, path) in out.iter_mut().zip([
        format!("/v1/playlists/{id}"),
        format!("/v1/playlists/{id}/items"),
        format!("/v1/playlists/{id}/tracks"),
    ]) {
        *slot = h.api(&path, token).await.0;
    }
    out
}

#[tokio::test]
async fn development_mode_reads_only_owned_and_collaborative_playlists() {
    // Guards against a demo that hides Spotify's 2026 Development Mode rules: a followed playlist's
    // items are 403, a Spotify-owned playlist is 404 (object and items), /tracks is 403.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    let own = h.playlist_named(&token, "Morning Coffee").await;
    let shared = h.playlist_named(&token, "Erin & Alice's Mixtape").await;
    let followed = h.playlist_named(&token, "Erin's road songs").await;
    let spotify = h.playlist_named(&token, "Fresh Finds").await;
    assert_eq!(own["owner"]["id"], "alice");
    assert_eq!(followed["owner"]["id"], "erin");
    assert_eq!(spotify["owner"]["id"], "spotify");

    use StatusCode as S;
    assert_eq!(
        statuses(&h, &token, &own).await,
        [S::OK, S::OK, S::FORBIDDEN]
    );
    assert_eq!(
        statuses(&h, &token, &shared).await,
        [S::OK, S::OK, S::FORBIDDEN]
    );
    assert_eq!(
        statuses(&h, &token, &followed).await,
        [S::OK, S::FORBIDDEN, S::FORBIDDEN]
    );
    assert_eq!(
        statuses(&h, &token, &spotify).await,
        [S::NOT_FOUND, S::NOT_FOUND, S::FORBIDDEN]
    );

    let followed_id = followed["id"].as_str().expect("id");
    assert_eq!(
        h.api(&format!("/v1/playlists/{followed_id}/items"), &token)
            .await,
        api_failure(403, "Forbidden")
    );
    let spotify_id = spotify["id"].as_str().expect("id");
    assert_eq!(
        h.api(&format!("/v1/playlists/{spotify_id}"), &token).await,
        api_failure(404, "Resource not found")
    );
    let own_id = own["id"].as_str().expect("id");
    assert_eq!(
        h.api(&format!("/v1/playlists/{own_id}/tracks"), &token)
            .await,
        api_failure(403, "Forbidden")
    );
}

#[tokio::test]
async fn development_mode_answers_with_items_and_item_only() {
    // Guards against an app that still reads the deprecated tracks/track: in Development Mode
    // playlists have no tracks field and entries carry "track": null beside "item".
    let h = start_default().await;
    let token = h.access_token("alice").await;
    let own = h.playlist_named(&token, "Morning Coffee").await;
    assert!(own.get("tracks").is_none(), "{own}");
    assert_eq!(own["items"]["total"], 18);
    let (status, object) = h
        .api(
            &format!("/v1/playlists/{}", own["id"].as_str().expect("id")),
            &token,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(object.get("tracks").is_none());
    let (_, page) = h
        .api_absolute(own["items"]["href"].as_str().expect("href"), &token)
        .await;
    let first = &page["items"][0];
    assert!(first["item"]["id"].is_string(), "{first}");
    assert!(first.get("track").is_some_and(Value::is_null), "{first}");
}

#[tokio::test]
async fn extended_mode_reads_followed_and_spotify_owned_playlists_and_the_deprecated_endpoint() {
    // Guards against --quota extended being ignored.
    let h = start_with(|c| c.quota = Quota::Extended).await;
    let token = h.access_token("alice").await;
    use StatusCode as S;
    for name in ["Erin's road songs", "Fresh Finds", "Morning Coffee"] {
        let p = h.playlist_named(&token, name).await;
        assert_eq!(statuses(&h, &token, &p).await, [S::OK; 3], "{name}");
    }
    let p = h.playlist_named(&token, "Morning Coffee").await;
    let id = p["id"].as_str().expect("id");
    let (_, items) = h.api(&format!("/v1/playlists/{id}/items"), &token).await;
    let (_, tracks) = h.api(&format!("/v1/playlists/{id}/tracks"), &token).await;
    assert_eq!(
        items["items"], tracks["items"],
        "the same entries on both paths"
    );
}

#[tokio::test]
async fn the_quota_is_set_per_client() {
    // Guards against the config file's per-client "quota" being ignored: one provider can serve a
    // Development Mode app and an extended one side by side.
    let h = start_with(|c| {
        c.clients.push(Client {
            id: "extended-app".into(),
            name: "Extended".into(),
            redirect_uris: vec![REDIRECT_URI.into()],
        });
        c.client_settings.insert(
            "extended-app".into(),
            ClientSettings {
                quota: Some(Quota::Extended),
                ..ClientSettings::default()
            },
        );
    })
    .await;
    let development = h.access_token("alice").await;
    let (verifier, challenge) = pkce();
    let code = status_and_json(
        h.post_json(
            "/admin/codes",
            &serde_json::json!({"client_id": "extended-app", "redirect_uri": REDIRECT_URI,
                "code_challenge": challenge, "user": "alice", "scope": SCOPE}),
        )
        .await,
    )
    .await
    .1["code"]
        .as_str()
        .expect("code")
        .to_owned();
    let (status, tokens) = h
        .token(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", "extended-app"),
            ("code_verifier", &verifier),
        ])
        .await;
    assert_eq!(status, StatusCode::OK, "{tokens}");
    let extended = string_at(&tokens, "access_token");

    let followed = h.playlist_named(&development, "Erin's road songs").await;
    let items = followed["items"]["href"].as_str().expect("href");
    assert_eq!(
        h.api_absolute(items, &development).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(h.api_absolute(items, &extended).await.0, StatusCode::OK);
}

/// Spotify's refusal of a user the app has not allow-listed: 403 with the bare message as plain
/// text, not the Web API's JSON error object.
async fn assert_not_registered(h: &Harness, path: &str, token: &str) {
    let r = h.get_authorized(path, token).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
    assert!(
        header_str(&r, "content-type").starts_with("text/plain"),
        "{path}"
    );
    assert_eq!(
        r.text().await.expect("text"),
        "User not registered in the Developer Dashboard"
    );
}

#[tokio::test]
async fn a_user_missing_from_the_dashboard_allow_list_is_refused() {
    // Guards against an app that cannot tell "not allow-listed" from any other 403: Spotify
    // signs the user in, then answers every Web API call with this message.
    let h = start_with(|c| {
        c.client_settings.insert(
            CLIENT_ID.into(),
            ClientSettings {
                allowed_users: Some(vec![local_spotify::catalog::Person::Alice]),
                ..ClientSettings::default()
            },
        );
    })
    .await;
    let bob = h.access_token("bob").await;
    assert_not_registered(&h, "/v1/me", &bob).await;
    assert_not_registered(&h, "/v1/me/playlists", &bob).await;
    let alice = h.access_token("alice").await;
    assert_eq!(h.api("/v1/me", &alice).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_fault_plan_can_unregister_a_user() {
    // Guards against browser tests having no way to see this 403 without restarting the provider.
    let h = start_default().await;
    let bob = h.access_token("bob").await;
    h.set_faults(serde_json::json!({"unregistered_users": ["bob"]}))
        .await;
    assert_not_registered(&h, "/v1/me", &bob).await;
    let alice = h.access_token("alice").await;
    assert_eq!(h.api("/v1/me", &alice).await.0, StatusCode::OK);
    h.reset().await;
    assert_eq!(h.api("/v1/me", &bob).await.0, StatusCode::OK);
}
