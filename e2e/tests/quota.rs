//! A spent daily quota: Spotify answers 429 with `"reason":"QUOTA_EXCEEDED"` and hours of
//! `Retry-After`, for every user of the app's client id. The app must say so in words a user
//! understands, make no call from any tab until it frees up, and carry on after.

use std::time::Duration;

use e2e::flows::{sign_in_as_alice, wait_for_library, PLAYLIST};
use e2e::in_both_browsers;
use e2e::{scenario_with, Admin, Page, Setup, Urls};
use serde_json::json;

/// The library's status line while the quota is spent.
const SPENT: &str = r#"#load-error[data-error="quota-exceeded"]"#;

async fn a_spent_quota_is_explained_and_waited_out_in_every_tab(
    page: Page,
    urls: Urls,
    admin: Admin,
) {
    sign_in_as_alice(&page, &urls).await;
    let first = page.tab().await;
    let second = page.open_tab(&urls.app).await;
    wait_for_library(&page, urls.expected_alice.len()).await;

    // Every call already made counts against a quota of one over a short window: the next call is
    // refused until they have left it.
    admin
        .set_faults(json!({ "daily_quota": 1, "quota_window_secs": 12 }))
        .await;
    page.switch_to(&first).await;
    let before = admin.web_api_calls().await;
    page.click("button#refresh").await;
    page.wait_for(SPENT).await;
    assert_eq!(
        page.all(PLAYLIST).await.len().min(1),
        1,
        "{}: what was shown went when the quota was found spent",
        page.browser()
    );
    let text = page.text(SPENT).await;
    assert!(
        text.contains("daily limit")
            && text.contains("shared by everyone")
            && text.contains("frees up at"),
        "{}: the spent quota is not explained: {text}",
        page.browser()
    );
    assert_eq!(
        admin.web_api_calls().await - before,
        1,
        "{}: the refused call was retried",
        page.browser()
    );
    let wait_s: u64 = page
        .attribute(SPENT, "data-retry-after")
        .await
        .and_then(|s| s.parse().ok())
        .expect("when the quota frees up");
    assert!(
        wait_s <= 13,
        "{}: a wait of {wait_s} s for a 12 s window",
        page.browser()
    );

    // The other tab of the session makes no call either, and says why.
    page.switch_to(&second).await;
    page.click("button#refresh").await;
    page.wait_for(SPENT).await;
    page.switch_to(&first).await;
    page.click("button#try-again").await;
    page.wait_for(SPENT).await;
    assert_eq!(
        admin.web_api_calls().await - before,
        1,
        "{}: a tab called the Web API while the quota was spent",
        page.browser()
    );

    // A reload while it is spent shows the copy read earlier, and calls nothing.
    page.reload().await;
    page.wait_for(SPENT).await;
    page.wait_for("#read-at").await;
    assert!(
        !page.all(PLAYLIST).await.is_empty(),
        "{}: a reload while the quota is spent shows no library",
        page.browser()
    );
    assert_eq!(admin.web_api_calls().await - before, 1);

    // Once it has freed up, Try again reads the library.
    tokio::time::sleep(Duration::from_secs(wait_s + 1)).await;
    admin.set_faults(json!({})).await;
    page.click("button#try-again").await;
    wait_for_library(&page, urls.expected_alice.len()).await;
}

fn exposed() -> Setup {
    Setup {
        exposed_retry_after: true,
        ..Setup::default()
    }
}

in_both_browsers! {
    /// Guards against a spent quota shown as a passing rate limit and retried (each retry spends a
    /// call of a quota shared by every user of the app), against another tab calling meanwhile, and
    /// against a session that cannot carry on once the quota frees up.
    fn a_spent_quota_is_explained_and_waited_out_in_every_tab(browser) {
        scenario_with(
            browser,
            exposed(),
            a_spent_quota_is_explained_and_waited_out_in_every_tab,
        )
        .await;
    }
}
