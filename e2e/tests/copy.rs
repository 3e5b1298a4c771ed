//! The session's local copy: calls are Spotify's scarce resource (a Development Mode app's quota
//! is counted per client id over a rolling day, shared by all its users), so what was read is
//! shown again without reading it again, and goes with the session.

use std::time::Duration;

use e2e::flows::{
    back_to_library, open_playlist, playlist_id, sign_in, sign_in_as_alice, wait_for_library,
    wait_for_tracks, LOGGED_OUT, PLAYLIST,
};
use e2e::in_both_browsers;
use e2e::provider::COPY_RECORDS;
use e2e::{scenario_with, Admin, Page, Setup, Urls, WAIT};

/// Alice's own playlist, whose entries the app may read.
const OWN: &str = "Morning Coffee";

async fn copy_records(page: &Page) -> i64 {
    page.run_async(COPY_RECORDS, vec![])
        .await
        .as_i64()
        .unwrap_or(-1)
}

/// Alice's own playlist: its id and how many entries it has (asked of the provider before any
/// count is taken, since asking is a call too).
async fn own_playlist(admin: &Admin) -> (String, usize) {
    let library = admin.library("alice").await;
    let id = playlist_id(&library, OWN);
    let total = admin
        .items_total("alice", &id)
        .await
        .expect("alice may read her own playlist");
    (id, total)
}

async fn open_own_playlist(page: &Page, own: &(String, usize)) {
    open_playlist(page, &own.0).await;
    wait_for_tracks(page, WAIT, own.1).await;
}

async fn what_was_read_is_not_read_again(page: Page, urls: Urls, admin: Admin) {
    let own = own_playlist(&admin).await;
    sign_in_as_alice(&page, &urls).await;
    open_own_playlist(&page, &own).await;
    back_to_library(&page).await;
    page.wait_until(
        || "the local copy to be written".to_owned(),
        || async { (copy_records(&page).await >= 2).then_some(()) },
    )
    .await;

    let before = admin.web_api_calls().await;
    open_own_playlist(&page, &own).await;
    assert_eq!(
        admin.web_api_calls().await - before,
        0,
        "{}: reopening a playlist read at the same snapshot called the Web API",
        page.browser()
    );

    back_to_library(&page).await;
    let before = admin.web_api_calls().await;
    page.reload().await;
    wait_for_library(&page, urls.expected_alice.len()).await;
    assert!(
        page.has("#read-at").await,
        "{}: the reloaded library does not say it is the copy read earlier",
        page.browser()
    );
    let reload_calls = admin.web_api_calls().await - before;
    assert!(
        reload_calls <= 2,
        "{}: a reload with nothing changed made {reload_calls} Web API calls (at most 2: the user and the \
         library's first page)",
        page.browser()
    );

    let before = admin.web_api_calls().await;
    open_own_playlist(&page, &own).await;
    assert_eq!(
        admin.web_api_calls().await - before,
        0,
        "{}: a playlist reopened after a reload called the Web API",
        page.browser()
    );

    // Refresh reads the whole library again, when the user asks.
    back_to_library(&page).await;
    let before = admin.web_api_calls().await;
    page.click("button#refresh").await;
    wait_for_library(&page, urls.expected_alice.len()).await;
    page.wait_until(
        || "the refreshed library to say it is fresh".to_owned(),
        || async { (!page.has("#read-at").await).then_some(()) },
    )
    .await;
    assert!(
        admin.web_api_calls().await - before >= 1,
        "{}: Refresh did not read the library from Spotify",
        page.browser()
    );
}

in_both_browsers! {
    /// Guards against the app spending the quota shared by all its users on what it has read already:
    /// a reopened playlist, a reload with nothing changed, a playlist reopened after a reload.
    ///
    /// In Firefox too: its own IndexedDB and WebCrypto.
    fn what_was_read_is_not_read_again(browser) {
        scenario_with(
            browser,
            Setup::default(),
            what_was_read_is_not_read_again,
        )
        .await;
    }
}

async fn the_copy_goes_with_the_session(page: Page, urls: Urls, _admin: Admin) {
    sign_in_as_alice(&page, &urls).await;
    page.wait_until(
        || "the local copy to be written".to_owned(),
        || async { (copy_records(&page).await >= 1).then_some(()) },
    )
    .await;
    page.click("button#logout").await;
    page.wait_for(LOGGED_OUT).await;
    page.wait_until(
        || "the log out to delete the local copy".to_owned(),
        || async { (copy_records(&page).await == 0).then_some(()) },
    )
    .await;

    // The next user starts from nothing of the first.
    sign_in(&page, &urls, "bob").await;
    page.wait_for("#empty-library").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        page.all(PLAYLIST).await.is_empty(),
        "{}: the next user sees the first user's playlists",
        page.browser()
    );
    assert!(
        !page.has("#read-at").await,
        "{}: bob's library came from a copy",
        page.browser()
    );
}

in_both_browsers! {
    /// Guards against a copy that outlives its session on disk, or that another user signing in on
    /// the same browser is shown.
    fn the_copy_goes_with_the_session(browser) {
        scenario_with(
            browser,
            Setup::default(),
            the_copy_goes_with_the_session,
        )
        .await;
    }
}
