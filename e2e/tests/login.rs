//! The whole sign-in, in a real browser, against the local provider: the app's button, the
//! provider's consent page, the redirect back, the token exchange and the Web API.
//!
//! States are found by their hooks (docs/ARCHITECTURE.md, "DOM hooks"), never by the wording
//! shown to users: a reworded message breaks no test here.

use e2e::flows::{sign_in_as_alice, wait_for_library, LOGGED_OUT, PLAYLIST};
use e2e::in_both_browsers;
use e2e::{scenario, Page, Urls};

in_both_browsers! {
    /// Guards against a sign-in that never reaches the playlists page, shows a library other than
    /// the signed-in user's, or leaves the one-time `code` and `state` in the address bar.
    ///
    /// In Firefox too: another storage, fetch and history engine.
    fn signs_in_and_lists_the_users_playlists(browser) {
        scenario(browser, signs_in_and_lists_the_users_playlists).await;
    }
}

in_both_browsers! {
    /// Guards against a declined consent that is shown as a blank page or a generic error, or that
    /// leaves the user stuck without a way to try again.
    fn explains_a_declined_consent_and_offers_to_retry(browser) {
        scenario(
            browser,
            explains_a_declined_consent_and_offers_to_retry,
        )
        .await;
    }
}

in_both_browsers! {
    /// Guards against a session lost on reload, a replayed or forged callback that costs the user
    /// their session, and a log-out that does not stick.
    fn keeps_the_session_until_log_out(browser) {
        scenario(browser, keeps_the_session_until_log_out).await;
    }
}

/// Waits for alice's whole library.
async fn wait_for_alices_library(page: &Page, urls: &Urls) {
    wait_for_library(page, urls.expected_alice.len()).await;
}

/// Waits for `#auth-error`, checks that it reports `code` (its `data-error`) and says something,
/// and returns what it says.
async fn expect_auth_error(page: &Page, code: &str) -> String {
    page.wait_for("#auth-error").await;
    let message = page.text("#auth-error").await;
    let reported = page.attribute("#auth-error", "data-error").await;
    assert_eq!(
        reported.as_deref(),
        Some(code),
        "#auth-error should report {code:?}; it says: {message:?}"
    );
    assert!(
        !message.trim().is_empty(),
        "#auth-error[data-error={code:?}] is shown without a message"
    );
    message
}

async fn signs_in_and_lists_the_users_playlists(page: Page, urls: Urls) {
    sign_in_as_alice(&page, &urls).await;

    let user_name = page.text("#user-name").await;
    assert!(
        !user_name.trim().is_empty(),
        "#user-name is empty after sign-in"
    );

    let mut shown = page.texts(&format!("{PLAYLIST} .playlist-name")).await;
    let mut expected = urls.expected_alice.clone();
    shown.sort();
    expected.sort();
    assert_eq!(shown, expected, "the listed playlists are not alice's");

    let keys = page.query_keys().await;
    assert!(
        !keys.iter().any(|k| k == "code" || k == "state"),
        "the address bar still carries {keys:?} after sign-in: {}",
        page.url().await
    );
}

async fn explains_a_declined_consent_and_offers_to_retry(page: Page, urls: Urls) {
    page.open(&urls.app).await;
    page.click("button#login").await;

    page.wait_for_url_prefix(&urls.authorize).await;
    page.click("button#deny").await;

    page.wait_for_url_prefix(&urls.app).await;
    expect_auth_error(&page, "access-denied").await;
    assert!(
        !page.all("#auth-error button#login-again").await.is_empty(),
        "#auth-error has no button#login-again"
    );

    page.click("#auth-error button#login-again").await;
    page.wait_for_url_prefix(&urls.authorize).await;
    page.wait_for("button#approve").await;
}

async fn keeps_the_session_until_log_out(page: Page, urls: Urls) {
    sign_in_as_alice(&page, &urls).await;

    // A reload keeps the session (the tokens are in sessionStorage).
    page.open(&urls.app).await;
    wait_for_alices_library(&page, &urls).await;

    // A callback that this tab did not start is refused, and costs nothing.
    page.open(&format!("{}callback?code=forged&state=forged", urls.app))
        .await;
    expect_auth_error(&page, "no-pending-login").await;
    let keys = page.query_keys().await;
    assert!(
        keys.is_empty(),
        "the stray callback's parameters stay in the address bar: {keys:?}"
    );
    page.open(&urls.app).await;
    wait_for_alices_library(&page, &urls).await;

    // Log out ends it, says so, and a reload does not bring it back.
    page.click("button#logout").await;
    page.wait_for("button#login").await;
    page.wait_for(LOGGED_OUT).await;
    page.open(&urls.app).await;
    page.wait_for("button#login").await;
    assert!(
        page.all(PLAYLIST).await.is_empty(),
        "playlists are still shown after log out"
    );
}
