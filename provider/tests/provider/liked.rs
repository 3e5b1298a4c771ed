//! Liked Songs, `GET /v1/me/tracks`: paging, sizes, the scope, the saved track shape, erin's
//! untidy entries, and the daily quota and fault rules that apply to it as to any Web API call.

use std::collections::HashSet;
use std::num::NonZeroU32;

use local_spotify::config::Quota;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

/// The app's scopes and `user-library-read`.
const LIBRARY_SCOPE: &str = "playlist-read-private playlist-read-collaborative user-library-read";

/// Each sample user and the length of their Liked Songs.
const SIZES: [(&str, u64); 7] = [
    ("alice", 25),
    ("bob", 0),
    ("carol", 5_000),
    ("dave", 150),
    ("erin", 17),
    ("grace", 100),
    ("heidi", 1_000),
];

async fn library_token(h: &Harness, user: &str) -> String {
    string_at(&h.tokens_for(user, LIBRARY_SCOPE).await, "access_token")
}

fn items(page: &Value) -> &Vec<Value> {
    page["items"].as_array().expect("items")
}

/// Every saved track of the token's user, read by following `next` from a first page of 50;
/// checks each page's links on the way.
async fn all_liked(h: &Harness, token: &str) -> Vec<Value> {
    let mut url = h.url("/v1/me/tracks?limit=50");
    let mut all = Vec::new();
    loop {
        let (status, page) = h.api_absolute(&url, token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        all.extend(items(&page).iter().cloned());
        match page["next"].as_str() {
            Some(next) => {
                assert!(next.starts_with(&h.url("/v1/me/tracks?")), "{next}");
                url = next.to_owned();
            }
            None => return all,
        }
    }
}

#[tokio::test]
async fn every_sample_user_has_liked_songs_of_the_documented_length() {
    // Guards against a sample user whose Liked Songs are missing or of another length than the
    // docs, the app's tests and the benchmarks count on.
    let h = start_default().await;
    for (user, total) in SIZES {
        let token = library_token(&h, user).await;
        let (status, page) = h.api("/v1/me/tracks", &token).await;
        assert_eq!(status, StatusCode::OK, "{user}: {page}");
        assert_eq!(page["total"], total, "{user}");
        assert_eq!(page["limit"], 20, "{user}");
        assert_eq!(page["offset"], 0, "{user}");
        assert_eq!(page["href"], h.url("/v1/me/tracks?offset=0&limit=20"));
        assert_eq!(items(&page).len() as u64, total.min(20), "{user}");
        assert!(page["previous"].is_null(), "{user}");
        let next = (total > 20).then(|| h.url("/v1/me/tracks?offset=20&limit=20"));
        assert_eq!(page["next"], json!(next), "{user}");
    }
}

#[tokio::test]
async fn limit_and_offset_are_checked_as_on_the_other_lists() {
    // Guards against Liked Songs accepting a page size Spotify refuses, or refusing one it serves.
    let h = start_default().await;
    let token = library_token(&h, "carol").await;
    for bad in ["0", "51", "-1", "abc", ""] {
        assert_eq!(
            h.api(&format!("/v1/me/tracks?limit={bad}"), &token).await,
            api_failure(400, "Invalid limit"),
            "limit={bad}"
        );
    }
    for bad in ["-1", "x", "100001"] {
        assert_eq!(
            h.api(&format!("/v1/me/tracks?offset={bad}"), &token).await,
            api_failure(400, "Invalid offset"),
            "offset={bad}"
        );
    }
    for (limit, len) in [(1, 1), (50, 50)] {
        let (status, page) = h.api(&format!("/v1/me/tracks?limit={limit}"), &token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(items(&page).len(), len);
    }
    // Past the end: no items, the total still said, a way back.
    let (status, page) = h.api("/v1/me/tracks?offset=6000&limit=50", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(page["total"], 5_000);
    assert!(items(&page).is_empty());
    assert!(page["next"].is_null());
    assert_eq!(
        page["previous"],
        h.url("/v1/me/tracks?offset=5950&limit=50")
    );
}

#[tokio::test]
async fn next_and_previous_walk_the_list_on_the_providers_base_url() {
    // Guards against paging links that skip or repeat entries, or that point at Spotify.
    let h = start_default().await;
    let alice = library_token(&h, "alice").await;
    let (_, first) = h.api("/v1/me/tracks", &alice).await;
    let next = first["next"].as_str().expect("a second page");
    let (status, second) = h.api_absolute(next, &alice).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(second["offset"], 20);
    assert_eq!(items(&second).len(), 5);
    assert!(second["next"].is_null());
    assert_eq!(second["previous"], h.url("/v1/me/tracks?offset=0&limit=20"));
    let (_, back) = h
        .api_absolute(second["previous"].as_str().expect("previous"), &alice)
        .await;
    assert_eq!(back, first);

    // Dave's 150 end exactly on a page of 50: the third page has no next.
    let dave = library_token(&h, "dave").await;
    let (_, third) = h.api("/v1/me/tracks?offset=100&limit=50", &dave).await;
    assert_eq!(items(&third).len(), 50);
    assert!(third["next"].is_null());
    let all = all_liked(&h, &dave).await;
    assert_eq!(all.len(), 150);
    let ids: HashSet<&str> = all
        .iter()
        .map(|e| e["track"]["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 150, "every saved track once");
}

#[tokio::test]
async fn carols_five_thousand_read_to_the_end() {
    // Guards against the long list the paging tests and benchmarks use ending early or running on.
    let h = start_default().await;
    let token = library_token(&h, "carol").await;
    let all = all_liked(&h, &token).await;
    assert_eq!(all.len(), 5_000);
    let dates: Vec<&str> = all
        .iter()
        .map(|e| e["added_at"].as_str().expect("added_at"))
        .collect();
    assert!(dates.windows(2).all(|w| w[0] > w[1]), "newest first");
}

#[tokio::test]
async fn liked_songs_need_the_user_library_read_scope() {
    // Guards against an app that forgets to ask for user-library-read: Spotify answers 403.
    let h = start_default().await;
    let token = h.access_token("alice").await;
    assert_eq!(
        h.api("/v1/me/tracks", &token).await,
        api_failure(403, "Insufficient client scope")
    );
    assert_eq!(h.api("/v1/me/playlists", &token).await.0, StatusCode::OK);
    let only_library = string_at(
        &h.tokens_for("alice", "user-library-read").await,
        "access_token",
    );
    assert_eq!(
        h.api("/v1/me/tracks", &only_library).await.0,
        StatusCode::OK
    );
    assert_eq!(
        h.api("/v1/me/tracks", "made-up-token").await,
        api_failure(401, "Invalid access token")
    );
}

#[tokio::test]
async fn a_saved_track_has_spotifys_shape_in_both_modes() {
    // Guards against an export missing a field a user would want, or a saved track named `item`
    // as playlist entries are since 2026.
    for quota in [Quota::Development, Quota::Extended] {
        let h = start_with(|c| c.quota = quota).await;
        let token = library_token(&h, "alice").await;
        let (status, page) = h.api("/v1/me/tracks?limit=50", &token).await;
        assert_eq!(status, StatusCode::OK);
        for saved in items(&page) {
            let keys: HashSet<&str> = saved
                .as_object()
                .expect("object")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, HashSet::from(["added_at", "track"]), "{quota:?}");
            let added = saved["added_at"].as_str().expect("added_at");
            assert!(
                added.len() == 20 && added.as_bytes()[10] == b'T' && added.ends_with('Z'),
                "{added}"
            );
            let t = &saved["track"];
            let id = t["id"].as_str().expect("id");
            assert_eq!(id.len(), 22);
            assert_eq!(t["uri"], format!("spotify:track:{id}"));
            assert_eq!(t["type"], "track");
            assert_eq!(t["is_local"], false);
            assert!(t["name"].is_string());
            assert!(t["duration_ms"].is_u64());
            assert!(t["explicit"].is_boolean());
            assert_eq!(
                t["external_urls"]["spotify"],
                format!("https://open.spotify.com/track/{id}")
            );
            assert_eq!(t["href"], h.url(&format!("/v1/tracks/{id}")));
            for k in ["name", "id", "uri"] {
                assert!(t["artists"][0][k].is_string(), "artists[0].{k} in {t}");
                assert!(t["album"][k].is_string(), "album.{k} in {t}");
            }
            assert!(t["album"]["images"][0]["url"]
                .as_str()
                .expect("an album image")
                .starts_with(&h.url("/images/")));
            // The flags only playlist entries carry.
            assert!(
                t.get("episode").is_none() && t.get("track").is_none(),
                "{t}"
            );
        }
    }
}

#[tokio::test]
async fn erins_liked_songs_hold_the_untidy_cases() {
    // Guards against an app (and its CSV export) that assumes every saved track has an id, a
    // name, artists, album art and tidy text.
    let h = start_default().await;
    let token = library_token(&h, "erin").await;
    let response = h.get_authorized("/v1/me/tracks?limit=50", &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let page: Value = serde_json::from_str(&response.text().await.expect("a body")).expect("JSON");
    assert_eq!(page["total"], 17);
    let list = items(&page);
    let tracks: Vec<&Value> = list.iter().map(|e| &e["track"]).collect();
    let any = |f: &dyn Fn(&Value) -> bool| tracks.iter().any(|t| f(t));

    // A track no longer available: the entry stays, with its date, and `"track": null`.
    assert!(list
        .iter()
        .any(|e| e["track"].is_null() && e["added_at"].is_string()));
    // A local file: no id or catalogue URI, an album without images.
    let local = tracks
        .iter()
        .find(|t| t["is_local"] == true)
        .expect("a local file");
    assert!(local["id"].is_null());
    assert!(local["uri"]
        .as_str()
        .expect("uri")
        .starts_with("spotify:local:"));
    assert_eq!(local["album"]["images"], json!([]));
    assert_eq!(local["type"], "track");
    // Null names, a null artist, albums without images or with a null one.
    assert!(any(&|t| t.get("name").is_some_and(Value::is_null)));
    assert!(any(&|t| t["album"].get("name").is_some_and(Value::is_null)));
    assert!(any(&|t| t["artists"]
        .as_array()
        .is_some_and(|a| a.iter().any(Value::is_null))));
    assert!(any(
        &|t| t["is_local"] == false && t["album"]["images"] == json!([])
    ));
    assert!(any(&|t| t["album"]["images"]
        .as_array()
        .is_some_and(|a| a.iter().any(Value::is_null))));
    // Names that are hard to export.
    let texts: Vec<&str> = tracks
        .iter()
        .flat_map(|t| [&t["name"], &t["album"]["name"], &t["artists"][0]["name"]])
        .filter_map(Value::as_str)
        .collect();
    for hard in ["\"", ",", "\n", "\r\n", "\t", "é", "夜", "🔥"] {
        assert!(texts.iter().any(|s| s.contains(hard)), "{hard:?}");
    }
    assert!(texts.iter().any(|s| s.starts_with('=')), "a formula");
    // Spotify lists saved episodes apart: none here.
    assert!(!any(&|t| t["type"] == "episode"));
}

/// A few pages of Liked Songs as text, with the server's base URL taken out.
async fn sample_pages(h: &Harness) -> Vec<String> {
    let base = h.server.base_url();
    let mut pages = Vec::new();
    for (user, query) in [
        ("carol", "offset=4000&limit=50"),
        ("erin", "limit=50"),
        ("alice", ""),
    ] {
        let token = library_token(h, user).await;
        let (status, page) = h.api(&format!("/v1/me/tracks?{query}"), &token).await;
        assert_eq!(status, StatusCode::OK);
        pages.push(page.to_string().replace(&base, "BASE"));
    }
    pages
}

#[tokio::test]
async fn liked_songs_are_the_same_after_a_restart() {
    // Guards against generated Liked Songs that change between runs, which would break exports
    // compared across runs and benchmarks.
    let first = start_default().await;
    let before = sample_pages(&first).await;
    first.server.shutdown().await;
    let second = start_default().await;
    assert_eq!(sample_pages(&second).await, before);
}

#[tokio::test]
async fn liked_songs_count_against_the_daily_quota_and_take_fault_rules() {
    // Guards against a Web API call that escapes the quota an app must respect, or that a test
    // cannot make fail.
    let h = start_with(|c| c.daily_quota = NonZeroU32::new(2)).await;
    let token = library_token(&h, "alice").await;
    h.set_faults(
        json!({"rules": [{"path": "/v1/me/tracks", "query": "offset=20", "status": 503}]}),
    )
    .await;
    assert_eq!(h.api("/v1/me/tracks", &token).await.0, StatusCode::OK);
    assert_eq!(
        h.api("/v1/me/tracks?offset=20", &token).await,
        api_failure(503, "Service Unavailable")
    );
    // The failed call was not counted; this one is the second.
    assert_eq!(h.api("/v1/me/tracks", &token).await.0, StatusCode::OK);
    let (status, body) = h.api("/v1/me/tracks", &token).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"]["reason"], "QUOTA_EXCEEDED");
}
