//! erin, the sample user whose library holds every untidy case Spotify sends.

use local_spotify::config::Quota;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::*;

/// Erin's whole library (one page holds it).
async fn erins_library(h: &Harness, token: &str) -> Vec<Value> {
    let (status, page) = h.api("/v1/me/playlists?limit=50", token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 9);
    page["items"].as_array().expect("items").clone()
}

/// The entries of a playlist (one page of 50 holds them), with an optional extra query.
async fn entries(h: &Harness, token: &str, playlist: &Value, query: &str) -> Vec<Value> {
    let href = playlist["items"]["href"].as_str().expect("href");
    let (status, page) = h
        .api_absolute(&format!("{href}?limit=50{query}"), token)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().expect("items").clone()
}

#[tokio::test]
async fn erins_library_lists_playlists_with_null_fields() {
    // Guards against an app that assumes every listed playlist has a name, an owner, a total and
    // tidy images: Spotify's old data has none of these guarantees.
    let h = start_default().await;
    let token = h.access_token("erin").await;
    let library = erins_library(&h, &token).await;
    let any = |f: &dyn Fn(&Value) -> bool| library.iter().any(f);
    assert!(
        any(&|p| p.get("name").is_some_and(Value::is_null)),
        "name: null"
    );
    assert!(
        any(&|p| p.get("owner").is_some_and(Value::is_null)),
        "owner: null"
    );
    assert!(
        any(&|p| p["items"].get("total").is_some_and(Value::is_null)),
        "items.total: null"
    );
    assert!(any(&|p| p["images"].is_null()), "images: null");
    assert!(any(&|p| p["images"] == serde_json::json!([])), "images: []");
    assert!(
        any(&|p| p["images"]
            .as_array()
            .is_some_and(|a| a.iter().any(Value::is_null) && a.iter().any(Value::is_object))),
        "a null entry in images"
    );
    // Every one of them is hers, and readable.
    for p in &library {
        let href = p["items"]["href"].as_str().expect("href");
        assert_eq!(h.api_absolute(href, &token).await.0, StatusCode::OK, "{p}");
    }
}

#[tokio::test]
async fn an_extended_app_sees_tracks_total_null_too() {
    // Guards against the deprecated tracks.total being tidier than items.total.
    let h = start_with(|c| c.quota = Quota::Extended).await;
    let token = h.access_token("erin").await;
    let library = erins_library(&h, &token).await;
    assert!(library
        .iter()
        .any(|p| p["tracks"].get("total").is_some_and(Value::is_null)));
}

#[tokio::test]
async fn erins_own_playlist_holds_local_files_episodes_and_null_entries() {
    // Guards against an app that assumes every entry is a catalogue track with an id, artists
    // and album art.
    let h = start_default().await;
    let token = h.access_token("erin").await;
    let odds = h.playlist_named(&token, "Odds & Ends").await;
    assert_eq!(odds["owner"]["id"], "erin");
    let items = entries(&h, &token, &odds, "").await;
    let kind = |f: &dyn Fn(&Value) -> bool| items.iter().filter(|e| f(e)).count();

    // Local files: null id and href, a spotify:local: URI, an album with no images.
    let local = |e: &Value| e["is_local"] == true;
    assert!(kind(&local) >= 2);
    for e in items.iter().filter(|e| local(e)) {
        let item = &e["item"];
        assert_eq!(item["is_local"], true);
        assert!(item["id"].is_null() && item["href"].is_null(), "{item}");
        assert!(item["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("spotify:local:")));
        assert_eq!(item["album"]["images"], serde_json::json!([]));
        assert!(item["album"]["id"].is_null() && item["artists"][0]["id"].is_null());
    }

    // Episodes, track-shaped by default: type episode, the show as album, flags as Spotify sends them.
    let episode = |e: &Value| e["item"]["type"] == "episode";
    assert!(kind(&episode) >= 2);
    for e in items.iter().filter(|e| episode(e)) {
        let item = &e["item"];
        assert_eq!(item["album"]["type"], "show");
        assert_eq!(item["episode"], false);
        assert_eq!(item["track"], true);
        assert!(item["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("spotify:episode:")));
        assert!(item.get("show").is_none());
    }

    // Holes: a null artist, an album without images, a null image entry, a removed track.
    assert_eq!(
        kind(&|e| e["item"]["artists"]
            .as_array()
            .is_some_and(|a| a.iter().any(Value::is_null))),
        1
    );
    assert_eq!(
        kind(&|e| !local(e) && e["item"]["album"]["images"] == serde_json::json!([])),
        1
    );
    assert_eq!(
        kind(&|e| e["item"]["album"]["images"]
            .as_array()
            .is_some_and(|a| a.iter().any(Value::is_null))),
        1
    );
    assert_eq!(kind(&|e| e["item"].is_null()), 1);
}

#[tokio::test]
async fn additional_types_episode_brings_episode_objects() {
    // Guards against an app that asks for episodes and still expects track-shaped ones.
    let h = start_default().await;
    let token = h.access_token("erin").await;
    let odds = h.playlist_named(&token, "Odds & Ends").await;
    let plain = entries(&h, &token, &odds, "").await;
    let typed = entries(&h, &token, &odds, "&additional_types=track,episode").await;
    assert_eq!(plain.len(), typed.len());
    let mut episodes = 0;
    for (p, t) in plain.iter().zip(&typed) {
        if p["item"]["type"] == "episode" {
            episodes += 1;
            let item = &t["item"];
            assert_eq!(item["type"], "episode");
            assert!(item["show"]["name"].is_string(), "{item}");
            assert!(item.get("album").is_none() && item.get("artists").is_none());
            assert_eq!(item["id"], p["item"]["id"], "the same episode");
        } else {
            assert_eq!(p, t, "other entries are unchanged");
        }
    }
    assert!(episodes >= 2);
}
