//! What many scenarios do with the app: the hooks they look for (docs/ARCHITECTURE.md, "DOM
//! hooks"), signing in through the consent page, waiting for a library, and reading the session a
//! tab keeps.

use serde_json::Value;

use crate::page::Page;
use crate::Urls;

/// One row of the library.
pub const PLAYLIST: &str = "ul#playlists > li.playlist";
/// One entry of a playlist's page, of those in the DOM (a long list shows only the rows near the
/// viewport).
pub const TRACK: &str = "#tracks > li.track";
/// A list's status line once every page has been read.
pub const LOADED: &str = r#"#load-status[data-state="done"]"#;
/// The status line of a playlist's page (not the library's) once every page has been read.
pub const TRACKS_LOADED: &str = r#"#playlist-title ~ #load-status[data-state="done"]"#;
/// The log-in screen after the user logged out (here or in another tab).
pub const LOGGED_OUT: &str = r#"#notice[data-reason="logged-out"][data-end="logged-out"]"#;
/// The log-in screen after the provider refused the grant.
pub const REVOKED: &str = r#"#notice[data-reason="session-ended"][data-end="revoked"]"#;
/// The sessionStorage key of the session's tokens.
pub const TOKENS_KEY: &str = "pkce-playlists:tokens";

/// Signs in as `user` from the app's start page, through the consent page, and waits to be back
/// on the app.
pub async fn sign_in(page: &Page, urls: &Urls, user: &str) {
    page.open(&urls.app).await;
    page.click("button#login").await;

    page.wait_for_url_prefix(&urls.authorize).await;
    page.choose_user(user).await;
    page.click("button#approve").await;

    page.wait_for_url_prefix(&urls.app).await;
}

/// Signs in as alice and waits for her whole library.
pub async fn sign_in_as_alice(page: &Page, urls: &Urls) {
    assert!(
        !urls.expected_alice.is_empty(),
        "the provider reports no playlists for alice; the scenario needs some"
    );
    sign_in(page, urls, "alice").await;
    wait_for_library(page, urls.expected_alice.len()).await;
}

/// Waits until the library's status line says every page has been read and it shows `count`
/// playlists, with no error.
pub async fn wait_for_library(page: &Page, count: usize) {
    page.wait_for_present(LOADED).await;
    page.wait_for_count(PLAYLIST, count).await;
    assert_no_load_error(page).await;
}

/// Fails when the page shows `#load-error`, saying which.
pub async fn assert_no_load_error(page: &Page) {
    if page.has("#load-error").await {
        let (code, url) = (
            page.attribute("#load-error", "data-error").await,
            page.url().await,
        );
        panic!(
            "{}: #load-error[data-error={code:?}] is shown at {url}",
            page.browser()
        );
    }
}

/// Opens the playlist `id` from the library shown, as a user does (a link; the app routes it
/// without a page load).
pub async fn open_playlist(page: &Page, id: &str) {
    page.click(&format!(r#"{PLAYLIST}[data-id="{id}"] a.playlist-name"#))
        .await;
    let path = format!("/playlist/{id}");
    page.wait_until(
        || format!("the address bar to show {path}"),
        || async { page.url().await.ends_with(&path).then_some(()) },
    )
    .await;
}

/// Waits until the playlist shown has read all its `total` entries (its status line's
/// `data-count`: the list itself keeps only the rows near the viewport in the DOM) and shows them,
/// with no error; `limit` is how long that may take.
pub async fn wait_for_tracks(page: &Page, limit: std::time::Duration, total: usize) {
    page.wait_for_present_within(limit, TRACKS_LOADED).await;
    assert_no_load_error(page).await;
    let read = page.attribute(TRACKS_LOADED, "data-count").await;
    assert_eq!(
        read.as_deref().and_then(|n| n.parse::<usize>().ok()),
        Some(total),
        "{}: the playlist's status line should say all {total} entries were read (data-count)",
        page.browser()
    );
    if total > 0 {
        page.wait_for(TRACK).await;
    }
}

/// Back from a playlist to the library, by the header's link (no page load).
pub async fn back_to_library(page: &Page) {
    page.click(r#"a.brand[href="/"]"#).await;
    page.wait_for_present("ul#playlists").await;
}

/// What a tab keeps of its session in sessionStorage.
#[derive(Debug, Clone)]
pub struct StoredSession {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_at_ms: u64,
    /// How many refreshes of the grant these tokens are from.
    pub version: u64,
}

/// The current tab's session, when it holds one.
pub async fn stored_session(page: &Page) -> Option<StoredSession> {
    let json = page.session_item(TOKENS_KEY).await?;
    let value: Value = serde_json::from_str(&json).unwrap_or_else(|e| {
        panic!("{}: {TOKENS_KEY} is not JSON ({e})", page.browser());
    });
    let field = |name: &str| {
        value[name]
            .as_str()
            .map(str::to_owned)
            .filter(|s| !s.is_empty())
    };
    Some(StoredSession {
        access_token: field("access_token")
            .unwrap_or_else(|| panic!("{}: {TOKENS_KEY} has no access_token", page.browser())),
        refresh_token: field("refresh_token"),
        expires_at_ms: value["expires_at_ms"].as_u64().unwrap_or(0),
        version: value["grant"]["version"].as_u64().unwrap_or(0),
    })
}

/// A playlist of the provider's `library` answer by its name: its id.
pub fn playlist_id(library: &[Value], name: &str) -> String {
    library
        .iter()
        .find(|p| p["name"].as_str() == Some(name))
        .and_then(|p| p["id"].as_str())
        .unwrap_or_else(|| panic!("the provider lists no playlist {name:?}"))
        .to_owned()
}
