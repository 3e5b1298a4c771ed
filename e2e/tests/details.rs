//! The details a daily user notices: a playlist's own count, how many playlists a search finds,
//! when the sign-in ends (and a warning in its last week), and badges that a narrow screen never
//! cuts.

use e2e::flows::{
    open_playlist, playlist_id, sign_in, sign_in_as_alice, wait_for_library, TOKENS_KEY,
    TRACKS_LOADED,
};
use e2e::in_both_browsers;
use e2e::{scenario_with, Admin, Page, Setup, Urls};
use serde_json::Value;

/// A playlist alice only follows: Development Mode refuses its entries, but it has a count.
const FOLLOWED: &str = "Erin's road songs";

async fn the_details_are_right(page: Page, urls: Urls, admin: Admin) {
    let library = admin.library("alice").await;
    let followed = library
        .iter()
        .find(|p| p["name"] == FOLLOWED)
        .expect("alice follows a playlist");
    let listed = followed["items"]["total"]
        .as_u64()
        .or_else(|| followed["tracks"]["total"].as_u64())
        .expect("a listed count");
    sign_in_as_alice(&page, &urls).await;

    // Find says how many of the library match.
    let find = page.wait_for("input#find").await;
    find.send_keys("morning")
        .await
        .expect("typing in the find box");
    page.wait_for(&format!(
        r#"#match-count[data-total="{}"]"#,
        urls.expected_alice.len()
    ))
    .await;
    let text = page.text("#match-count").await;
    assert!(
        text.contains(&format!("of {} playlists match", urls.expected_alice.len())),
        "{}: {text}",
        page.browser()
    );

    // A playlist's page states its own count, even when Spotify refuses its entries.
    page.open(&urls.app).await;
    wait_for_library(&page, urls.expected_alice.len()).await;
    open_playlist(&page, &playlist_id(&library, FOLLOWED)).await;
    page.wait_for(&format!(r#"#playlist-count[data-count="{listed}"]"#))
        .await;

    // The sign-in's end is shown; in its last week, with a way to sign in again.
    page.open(&urls.app).await;
    wait_for_library(&page, urls.expected_alice.len()).await;
    assert!(
        page.has("#sign-in-ends").await && !page.has("button#renew-sign-in").await,
        "{}: a fresh sign-in shows no end, or warns already",
        page.browser()
    );
    // Spotify says nothing of when a refresh token dies; the app counts six months from the
    // authorization, so the test moves the authorization back to five days before that.
    let json = page.session_item(TOKENS_KEY).await.expect("a session");
    let mut tokens: Value = serde_json::from_str(&json).unwrap();
    let now = page.now_ms().await;
    let day = 24 * 60 * 60 * 1000_u64;
    tokens["grant"]["authorized_at_ms"] = Value::from(now - (182 - 5) * day);
    page.run(
        "sessionStorage.setItem(arguments[0], arguments[1]); return null;",
        vec![Value::from(TOKENS_KEY), Value::from(tokens.to_string())],
    )
    .await;
    page.reload().await;
    page.wait_for(r#"#sign-in-ends[data-soon="yes"]"#).await;
    page.wait_for("button#renew-sign-in").await;
}

in_both_browsers! {
    /// Guards against the details a daily user notices: a followed playlist's page saying "0 tracks"
    /// while the library says 10, a search that does not say how many it found, and a sign-in that ends
    /// by surprise after six months.
    fn the_details_are_right(browser) {
        scenario_with(browser, Setup::default(), the_details_are_right).await;
    }
}

/// Badges of the rows in the DOM whose text does not fit their box.
const CUT_BADGES: &str = r#"
    return [...document.querySelectorAll('#tracks .badge')]
        .filter((b) => b.scrollWidth > b.clientWidth + 1)
        .map((b) => b.textContent);
"#;

async fn badges_are_never_cut_on_a_phone(page: Page, urls: Urls, admin: Admin) {
    let library = admin.library("erin").await;
    sign_in(&page, &urls, "erin").await;
    wait_for_library(&page, library.len()).await;
    page.set_window_width(390).await;
    for playlist in &library {
        let id = playlist["id"].as_str().unwrap();
        open_playlist(&page, id).await;
        page.wait_for_present(TRACKS_LOADED).await;
        let cut = page.run(CUT_BADGES, vec![]).await;
        assert_eq!(
            cut,
            Value::Array(vec![]),
            "{}: badges cut at 390 px in playlist {id}",
            page.browser()
        );
        page.open(&urls.app).await;
        wait_for_library(&page, library.len()).await;
    }
}

in_both_browsers! {
    /// Guards against "Local fi…" and "E…": on a phone-width screen a track's title may be shortened,
    /// a badge never is.
    fn badges_are_never_cut_on_a_phone(browser) {
        scenario_with(
            browser,
            Setup::default(),
            badges_are_never_cut_on_a_phone,
        )
        .await;
    }
}
