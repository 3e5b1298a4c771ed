//! What the Web API lets the app read, and the data it sends: Development Mode's refusals (a
//! playlist the user only follows, Spotify's own), the same playlists with extended quota, and
//! erin's untidy library.

use e2e::flows::{
    back_to_library, open_playlist, playlist_id, sign_in, sign_in_as_alice, wait_for_library,
    wait_for_tracks, PLAYLIST, TRACKS_LOADED,
};
use e2e::in_both_browsers;
use e2e::{scenario_with, Admin, Page, Setup, Urls, WAIT};
use reqwest::StatusCode;

const FOLLOWED: &str = "Erin's road songs";
const SPOTIFY_OWNED: &str = "Fresh Finds";
const UNREADABLE: &str = r#"ul#playlists > li.playlist[data-readable="no"]"#;

in_both_browsers! {
    /// Guards against Development Mode's refusals shown as a broken app (a generic error, a Try again
    /// that cannot help) instead of marked in the list and explained with a way to Spotify.
    fn development_mode_marks_and_explains_what_cannot_open(browser) {
        scenario_with(
            browser,
            Setup::default(),
            development_mode_marks_and_explains_what_cannot_open,
        )
        .await;
    }
}

in_both_browsers! {
    /// Guards against an app that assumes Development Mode's limits instead of learning them from the
    /// API, and so refuses playlists an extended-quota client may read.
    fn extended_quota_opens_followed_and_spotify_playlists(browser) {
        scenario_with(
            browser,
            extended(),
            extended_quota_opens_followed_and_spotify_playlists,
        )
        .await;
    }
}

in_both_browsers! {
    /// Guards against Spotify's untidy data (null names, owners, images and totals, local files,
    /// episodes, removed tracks) failing a load or hiding entries.
    fn reads_every_playlist_of_an_untidy_library(browser) {
        scenario_with(
            browser,
            Setup::default(),
            reads_every_playlist_of_an_untidy_library,
        )
        .await;
    }
}

fn extended() -> Setup {
    Setup {
        extended_quota: true,
        ..Setup::default()
    }
}

/// The library row of playlist `id`.
fn row(id: &str) -> String {
    format!(r#"{PLAYLIST}[data-id="{id}"]"#)
}

/// Opens `id` and checks that the page refuses it with `code`, a link to it on Spotify, and no
/// Try again.
async fn expect_refusal(page: &Page, id: &str, code: &str) {
    open_playlist(page, id).await;
    page.wait_for(&format!(r#"#load-error[data-error="{code}"]"#))
        .await;
    let href = page
        .attribute("#load-error a.external", "href")
        .await
        .unwrap_or_default();
    assert!(
        href.contains(id),
        "{}: the {code} explanation should link to the playlist on Spotify; it links to {href:?}",
        page.browser()
    );
    assert!(
        !page.has("#load-error button#try-again").await,
        "{}: the {code} refusal offers a Try again that cannot help",
        page.browser()
    );
}

async fn development_mode_marks_and_explains_what_cannot_open(
    page: Page,
    urls: Urls,
    admin: Admin,
) {
    let library = admin.library("alice").await;
    let followed = playlist_id(&library, FOLLOWED);
    let spotify = playlist_id(&library, SPOTIFY_OWNED);
    // What the scenario relies on: the provider refuses these two to a Development Mode client.
    assert_eq!(
        admin.items_total("alice", &followed).await,
        Err(StatusCode::FORBIDDEN)
    );
    assert_eq!(
        admin.items_total("alice", &spotify).await,
        Err(StatusCode::NOT_FOUND)
    );

    sign_in_as_alice(&page, &urls).await;
    page.wait_for_present(&format!(
        r#"{}[data-access="followed"][data-readable="no"]"#,
        row(&followed)
    ))
    .await;
    page.wait_for_present(&format!(
        r#"{}[data-access="spotify"][data-readable="no"]"#,
        row(&spotify)
    ))
    .await;
    let marked = page.all(UNREADABLE).await.len();
    assert_eq!(
        marked,
        2,
        "{}: only {FOLLOWED:?} and {SPOTIFY_OWNED:?} should be marked unreadable",
        page.browser()
    );

    expect_refusal(&page, &followed, "development-mode").await;
    back_to_library(&page).await;
    expect_refusal(&page, &spotify, "spotify-owned").await;
}

async fn extended_quota_opens_followed_and_spotify_playlists(page: Page, urls: Urls, admin: Admin) {
    let library = admin.library("alice").await;
    let followed = playlist_id(&library, FOLLOWED);
    let spotify = playlist_id(&library, SPOTIFY_OWNED);
    let followed_total = admin
        .items_total("alice", &followed)
        .await
        .expect("an extended-quota client reads a followed playlist");
    let spotify_total = admin
        .items_total("alice", &spotify)
        .await
        .expect("an extended-quota client reads a Spotify-owned playlist");

    sign_in_as_alice(&page, &urls).await;
    let marked = page.all(UNREADABLE).await.len();
    assert_eq!(
        marked,
        0,
        "{}: playlists are marked unreadable for an extended-quota client",
        page.browser()
    );

    open_playlist(&page, &followed).await;
    wait_for_tracks(&page, WAIT, followed_total).await;
    back_to_library(&page).await;
    open_playlist(&page, &spotify).await;
    wait_for_tracks(&page, WAIT, spotify_total).await;
}

async fn reads_every_playlist_of_an_untidy_library(page: Page, urls: Urls, admin: Admin) {
    // Every playlist in erin's library is her own, so each one's entries are hers to read.
    let library = admin.library("erin").await;
    let mut expected = Vec::new();
    for playlist in &library {
        let id = playlist["id"]
            .as_str()
            .expect("a listed playlist has an id")
            .to_owned();
        let total = admin
            .items_total("erin", &id)
            .await
            .unwrap_or_else(|status| {
                panic!("the provider refuses erin her playlist {id}: {status}")
            });
        expected.push((id, total));
    }

    sign_in(&page, &urls, "erin").await;
    wait_for_library(&page, library.len()).await;
    expect_nothing_skipped(&page, "erin's library").await;

    for (id, total) in &expected {
        open_playlist(&page, id).await;
        page.wait_for_present(TRACKS_LOADED).await;
        expect_nothing_skipped(&page, &format!("erin's playlist {id}")).await;
        wait_for_tracks(&page, WAIT, *total).await;
        back_to_library(&page).await;
    }
}

/// Fails when the page says it left entries out: erin's data is untidy, not unreadable.
async fn expect_nothing_skipped(page: &Page, what: &str) {
    if page.has("#skipped").await {
        let count = page.attribute("#skipped", "data-count").await;
        panic!(
            "{}: {what}: #skipped[data-count={count:?}]: entries Spotify sends were left out",
            page.browser()
        );
    }
}
