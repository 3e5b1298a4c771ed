//! Liked Songs: the library's first row with its count, and a page like a playlist's, read from
//! `GET /v1/me/tracks` with the scope `user-library-read`.

use e2e::flows::{sign_in, stored_session, TOKENS_KEY, TRACK};
use e2e::in_both_browsers;
use e2e::{scenario_with, Admin, Page, Setup, Urls};
use serde_json::Value;

const LIKED_ROW: &str = "a#liked-songs";
const LIKED_LOADED: &str = r#"#playlist-title ~ #load-status[data-state="done"]"#;

/// How many Liked Songs `user` has, by the provider.
async fn liked_total(admin: &Admin, user: &str) -> u64 {
    let token = admin.access_token(user).await;
    let (status, page) = admin.api_get("/me/tracks?limit=1", &token).await;
    assert!(
        status.is_success(),
        "the provider refused /me/tracks: {status} {page}"
    );
    page["total"].as_u64().expect("a total")
}

async fn liked_songs_have_a_row_and_a_page(page: Page, urls: Urls, admin: Admin) {
    let expected = liked_total(&admin, "erin").await;
    sign_in(&page, &urls, "erin").await;
    page.wait_for(&format!(r#"{LIKED_ROW}[data-count="{expected}"]"#))
        .await;
    page.click(LIKED_ROW).await;
    page.wait_for_present(LIKED_LOADED).await;
    let count = page
        .attribute("#playlist-title ~ #load-status", "data-count")
        .await;
    let skipped = match page.has("#skipped").await {
        true => page
            .attribute("#skipped", "data-count")
            .await
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0),
        false => 0,
    };
    let shown: u64 = count.and_then(|n| n.parse().ok()).unwrap_or(0);
    assert_eq!(
        shown + skipped,
        expected,
        "{}: Liked Songs shows {shown} (+{skipped} unreadable) of {expected}",
        page.browser()
    );
    page.wait_for(TRACK).await;
    // erin's untidy entries: local files show as such, and a track that is gone as unavailable.
    assert!(
        page.has(r#"#tracks > li.track[data-kind="local"]"#).await,
        "{}: a local file in Liked Songs is not marked",
        page.browser()
    );
    assert!(
        page.has("#tracks > li.track.unavailable").await,
        "{}: a Liked Song that is gone is not shown as unavailable",
        page.browser()
    );
    // Find, as on the library: the first entry's title finds it, and says how many of all match.
    let title = page.text("#tracks > li.track .title").await;
    let word = title
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    let find = page.wait_for("input#find").await;
    find.send_keys(&word).await.expect("typing in the find box");
    page.wait_for(&format!(r#"#match-count[data-total="{shown}"]"#))
        .await;
    let matched: u64 = page
        .attribute("#match-count", "data-count")
        .await
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(
        (1..=shown).contains(&matched),
        "{}: finding {word:?} matched {matched} of {shown}",
        page.browser()
    );
}

in_both_browsers! {
    /// Guards against Liked Songs missing from the library, counted wrong, or failing on local files
    /// and tracks that are gone.
    fn liked_songs_have_a_row_and_a_page(browser) {
        scenario_with(
            browser,
            Setup::default(),
            liked_songs_have_a_row_and_a_page,
        )
        .await;
    }
}

async fn a_session_without_the_scope_is_offered_to_sign_in_again(
    page: Page,
    urls: Urls,
    _admin: Admin,
) {
    sign_in(&page, &urls, "alice").await;
    page.wait_for(LIKED_ROW).await;
    // A session signed in before the app asked for `user-library-read`: its tokens say so.
    let json = page.session_item(TOKENS_KEY).await.expect("a session");
    let mut tokens: Value = serde_json::from_str(&json).unwrap();
    tokens["scopes"] = serde_json::json!(["playlist-read-private", "playlist-read-collaborative"]);
    page.run(
        "sessionStorage.setItem(arguments[0], arguments[1]); return null;",
        vec![Value::from(TOKENS_KEY), Value::from(tokens.to_string())],
    )
    .await;
    page.open(&format!("{}liked", urls.app)).await;
    page.wait_for(r#"#load-error[data-error="missing-scope"]"#)
        .await;
    page.wait_for("button#grant-liked").await;
    assert!(
        stored_session(&page).await.is_some(),
        "{}: a missing scope ended the session",
        page.browser()
    );
    assert!(!page.has(TRACK).await);
}

in_both_browsers! {
    /// Guards against a session from before the scope was asked for failing, or ending, on Liked
    /// Songs instead of saying what is missing and offering to sign in again.
    fn a_session_without_the_scope_is_offered_to_sign_in_again(browser) {
        scenario_with(
            browser,
            Setup::default(),
            a_session_without_the_scope_is_offered_to_sign_in_again,
        )
        .await;
    }
}
