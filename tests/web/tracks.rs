//! A playlist's page: its entries, and an address that names no playlist.

use leptos::prelude::*;
use pkce_playlists::ui::app::AppRoutes;
use pkce_playlists::ui::tracks::TrackList;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{fresh_session, mount, wait_for, whole_library, window};

/// Guards against a track list that stops after its first page (30 pages of 50 here), miscounts, or loses the
/// playlist's name.
#[wasm_bindgen_test]
async fn a_long_playlist_is_listed_whole() {
    let config = fresh_session("dave").await;
    let library = whole_library(&config).await;
    let long = library
        .iter()
        .find(|p| p.track_count().unwrap_or(0) >= 1000)
        .expect("dave has a playlist of 1,000+ tracks");
    let expected = long.track_count().unwrap();
    let id = long.id.clone();
    let page = mount(&config, move || view! { <TrackList id=id/> });
    wait_for("the load to finish", || {
        page.attr("#load-status", "data-state").as_deref() == Some("done")
    })
    .await;
    assert_eq!(
        page.attr("#load-status", "data-count"),
        Some(expected.to_string()),
        "every track was read"
    );
    let rendered = page.count("li.track");
    assert!(
        rendered > 0 && rendered <= 150,
        "{rendered} rows in the DOM for {expected} tracks"
    );
    assert_eq!(
        page.root
            .query_selector("#playlist-title")
            .unwrap()
            .unwrap()
            .text_content()
            .as_deref(),
        Some(long.name.as_str())
    );
}

/// Guards against a crafted playlist id in the address reaching the API, or failing without a way back.
#[wasm_bindgen_test]
async fn a_crafted_playlist_id_is_not_found() {
    let config = fresh_session("alice").await;
    let history = window().history().unwrap();
    let before = window().location().href().unwrap();
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/playlist/..%2Fme"))
        .unwrap();
    let page = mount(&config, || view! { <AppRoutes/> });
    let error = page.error_of("#load-error").await;
    drop(page);
    history
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&before))
        .unwrap();
    assert_eq!(error, "not-found");
}
