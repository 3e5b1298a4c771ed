//! The same app against both of Spotify's quota modes: in Development Mode the playlists the user only
//! follows, and Spotify's own, cannot be opened (the app learns this from the API, marks them and explains
//! why); with extended quota they open like the user's own.

use leptos::prelude::*;
use pkce_playlists::spotify::ItemsAccess;
use pkce_playlists::ui::tracks::TrackList;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{
    fresh_session_for, mount, mount_playlists, wait_for, wait_up_to, whole_library, CLIENT,
    EXTENDED_CLIENT,
};

/// The playlist alice follows but does not own or collaborate on.
const FOLLOWED: &str = "Erin's road songs";

/// Signs alice in through `client`, lets the library load and the app learn what it may open, and returns what
/// it learned, the rows marked as not openable, and what the followed playlist's page shows.
async fn alice_through(client: &str) -> (ItemsAccess, u32, Option<String>, Option<String>) {
    let config = fresh_session_for(client, "alice").await;
    let page = mount_playlists(&config);
    let access = page.app.library.access;
    wait_up_to(15_000, "the app to learn what it may open", move || {
        let known = access.get_untracked();
        known.followed.is_some() && known.spotify_owned.is_some()
    })
    .await;
    let learned = access.get_untracked();
    let marked = page.count(r#"li.playlist[data-readable="no"]"#);
    drop(page);

    let library = whole_library(&config).await;
    let followed = library
        .into_iter()
        .find(|p| p.display_name() == FOLLOWED)
        .expect("alice follows Erin's road songs");
    let id = followed.id.clone();
    let playlist = mount(&config, move || view! { <TrackList id=id/> });
    wait_for("the playlist's page to settle", || {
        playlist.has("#load-error")
            || playlist.attr("#load-status", "data-state").as_deref() == Some("done")
    })
    .await;
    (
        learned,
        marked,
        playlist.attr("#load-error", "data-error"),
        playlist.attr("#load-status", "data-count"),
    )
}

/// Guards against an app in Development Mode offering playlists Spotify will not give it, or explaining the
/// refusal as a failure: the followed and the Spotify-owned playlist are marked, and the followed one's page
/// says why (no "Try again": trying again cannot help).
#[wasm_bindgen_test]
async fn development_mode_marks_and_explains_what_cannot_open() {
    let (learned, marked, error, _) = alice_through(CLIENT).await;
    assert_eq!(
        learned,
        ItemsAccess {
            followed: Some(false),
            spotify_owned: Some(false)
        }
    );
    assert_eq!(marked, 2, "the followed and the Spotify-owned playlist");
    assert_eq!(error.as_deref(), Some("development-mode"));
}

/// Guards against the app marking or refusing playlists by a setting rather than by what the API answers: the
/// same build, through a client with extended quota, opens the followed playlist.
#[wasm_bindgen_test]
async fn extended_quota_opens_what_development_mode_cannot() {
    let (learned, marked, error, count) = alice_through(EXTENDED_CLIENT).await;
    assert_eq!(
        learned,
        ItemsAccess {
            followed: Some(true),
            spotify_owned: Some(true)
        }
    );
    assert_eq!(marked, 0);
    assert_eq!(error, None);
    assert!(count.is_some_and(|c| c != "0"), "its tracks were read");
}
