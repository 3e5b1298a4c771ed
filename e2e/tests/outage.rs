//! The provider goes away and comes back on the same port while the app is open. The page must
//! say that it cannot reach it, keep the session, and carry on by itself once it answers again:
//! no reload, no new login. So must a part of the app itself (a split module) that cannot be
//! downloaded when it is first needed.
//!
//! The page reaches the provider through a gate ([`e2e::gate`]) that closes like a stopped
//! server (connections refused, open ones cut) and opens again on the same port. The provider
//! itself keeps running: it holds its grants in memory, so a restarted one would know none of the
//! page's tokens.

use std::time::Duration;

use e2e::flows::{back_to_library, open_playlist, playlist_id, sign_in_as_alice, wait_for_tracks};
use e2e::in_both_browsers;
use e2e::{scenario_with, Admin, Page, Setup, Urls, WAIT};

/// The app retries a read four times, waiting about 0.5–1, 1–2, 2–4 and 4–8 s, before it shows the
/// failure; then a failure for want of an answer resumes by itself after 15 s. With room for a
/// slow machine.
const GIVES_UP_WITHIN: Duration = Duration::from_secs(40);
const RESUMES_WITHIN: Duration = Duration::from_secs(40);

in_both_browsers! {
    /// Guards against a page that cannot tell that the provider is unreachable, loses the session
    /// over it, or stays stuck (or needs a reload) once the provider is back.
    ///
    /// In Firefox too: its own fetch errors and timers.
    fn carries_on_when_the_provider_comes_back(browser) {
        scenario_with(
            browser,
            gated(),
            carries_on_when_the_provider_comes_back,
        )
        .await;
    }
}

in_both_browsers! {
    /// Guards against a split module that cannot be fetched taking the app down (a failed load
    /// must not panic: that aborts the wasm) or staying broken once it can be fetched again.
    fn a_part_of_the_app_that_cannot_be_downloaded_is_retried(browser) {
        scenario_with(
            browser,
            Setup::default(),
            a_part_of_the_app_that_cannot_be_downloaded_is_retried,
        )
        .await;
    }
}

async fn a_part_of_the_app_that_cannot_be_downloaded_is_retried(
    page: Page,
    urls: Urls,
    admin: Admin,
) {
    let library = admin.library("alice").await;
    let id = playlist_id(&library, "Morning Coffee");
    let total = admin.items_total("alice", &id).await.expect("readable");
    // The playlist page's own module, as the build names it.
    let files = xtask::files(&urls.served, false).expect("the served dist/");
    let module = files
        .iter()
        .find(|(name, _)| name.starts_with("split_playlist_view-") && name.ends_with(".wasm"))
        .map(|(_, path)| path.clone())
        .expect("the build splits the playlist page into a module of its own");
    let away = module.with_extension("away");
    sign_in_as_alice(&page, &urls).await;
    page.mark_document().await;

    std::fs::rename(&module, &away).expect("the module can be moved away");
    open_playlist(&page, &id).await;
    page.wait_for("#split-failed[role=alert] button").await;
    std::fs::rename(&away, &module).expect("the module can be put back");
    page.click("#split-failed button").await;
    wait_for_tracks(&page, WAIT, total).await;
    assert!(!page.has("#split-failed").await);
    assert_recovered_in_place(&page, "the failed download").await;
}

/// The page recovered without a reload, and `what` did not cost the session.
async fn assert_recovered_in_place(page: &Page, what: &str) {
    assert_eq!(
        page.same_document().await,
        Some(true),
        "{}: the page reloaded to recover",
        page.browser()
    );
    assert!(
        !page.has("#notice").await && !page.has("button#login").await,
        "{}: {what} cost the session",
        page.browser()
    );
}

fn gated() -> Setup {
    Setup {
        gated: true,
        ..Setup::default()
    }
}

async fn carries_on_when_the_provider_comes_back(page: Page, urls: Urls, admin: Admin) {
    let library = admin.library("alice").await;
    let first = playlist_id(&library, "Morning Coffee");
    let second = playlist_id(&library, "Road Trip 2019");
    let first_total = admin.items_total("alice", &first).await.expect("readable");
    let second_total = admin.items_total("alice", &second).await.expect("readable");
    sign_in_as_alice(&page, &urls).await;
    page.mark_document().await;

    // Gone for a moment: the page says it is waiting for an answer, and the next retry gets one.
    admin.cut_api().await;
    open_playlist(&page, &first).await;
    let pause = page
        .attribute(
            r#"#load-status[data-pause="no-answer"], #load-status[data-pause="unreachable"]"#,
            "data-pause",
        )
        .await;
    assert!(
        !page.has("#load-error").await,
        "{}: a failure is shown while the app still retries (pause {pause:?})",
        page.browser()
    );
    admin.restore_api().await;
    wait_for_tracks(&page, GIVES_UP_WITHIN, first_total).await;

    // Gone for longer than the retries last: the page says the network failed, then resumes by
    // itself once the provider is back, without "Try again" being pressed.
    back_to_library(&page).await;
    admin.cut_api().await;
    open_playlist(&page, &second).await;
    page.wait_for_present_within(GIVES_UP_WITHIN, r#"#load-error[data-error="network"]"#)
        .await;
    assert!(
        page.has("#load-error button#try-again").await,
        "{}: the network failure offers no Try again",
        page.browser()
    );
    admin.restore_api().await;
    wait_for_tracks(&page, RESUMES_WITHIN, second_total).await;
    assert_recovered_in_place(&page, "the outage").await;
}
