//! The whole sign-in, in a real browser, against the local provider: the app's button, the
//! provider's consent page, the redirect back, the token exchange and the Web API.

use e2e::{scenario, Browser, Page, Urls};

const PLAYLIST: &str = "ul#playlists > li.playlist";

// Guards against a sign-in that never reaches the playlists page, shows a library other than
// the signed-in user's, or leaves the one-time `code` and `state` in the address bar.
#[tokio::test]
async fn chromium_signs_in_and_lists_the_users_playlists() {
    scenario(Browser::Chromium, signs_in_and_lists_the_users_playlists).await;
}

// Guards against the same failures in Firefox (another storage, fetch and history engine).
#[tokio::test]
async fn firefox_signs_in_and_lists_the_users_playlists() {
    scenario(Browser::Firefox, signs_in_and_lists_the_users_playlists).await;
}

// Guards against a declined consent that is shown as a blank page or a generic error, or that
// leaves the user stuck without a way to try again.
#[tokio::test]
async fn chromium_explains_a_declined_consent_and_offers_to_retry() {
    scenario(
        Browser::Chromium,
        explains_a_declined_consent_and_offers_to_retry,
    )
    .await;
}

// Guards against the same failures in Firefox.
#[tokio::test]
async fn firefox_explains_a_declined_consent_and_offers_to_retry() {
    scenario(
        Browser::Firefox,
        explains_a_declined_consent_and_offers_to_retry,
    )
    .await;
}

async fn signs_in_and_lists_the_users_playlists(page: Page, urls: Urls) {
    assert!(
        !urls.expected_alice.is_empty(),
        "the provider reports no playlists for alice; the scenario needs some"
    );

    page.open(&urls.app).await;
    page.click("button#login").await;

    page.wait_for_url_prefix(&urls.authorize).await;
    page.choose_user("alice").await;
    page.click("button#approve").await;

    page.wait_for_url_prefix(&urls.app).await;
    page.wait_for_count(PLAYLIST, urls.expected_alice.len())
        .await;

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
    let error = page.text("#auth-error").await;
    assert!(
        error.to_lowercase().contains("declined"),
        "#auth-error should say the sign-in was declined, but says: {error:?}"
    );
    assert!(
        !page.all("#auth-error button#login-again").await.is_empty(),
        "#auth-error has no button#login-again"
    );

    page.click("#auth-error button#login-again").await;
    page.wait_for_url_prefix(&urls.authorize).await;
    page.wait_for("button#approve").await;
}
