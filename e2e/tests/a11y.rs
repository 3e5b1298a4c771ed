//! Accessibility: every page and state of the app, as the browser shows it, breaks none of axe-core's
//! WCAG 2.0 and 2.1 A and AA rules nor its best practices (`e2e::axe`). The consent page between
//! log in and the library is the provider's, not the app's, so it is not checked.

use e2e::axe::Audit;
use e2e::flows::{
    open_playlist, playlist_id, sign_in_as_alice, wait_for_tracks, LOGGED_OUT, TRACKS_LOADED,
};
use e2e::in_both_browsers;
use e2e::{scenario_with, Admin, Page, Setup, Urls, WAIT};

const OWN: &str = "Morning Coffee";
const FOLLOWED: &str = "Erin's road songs";

async fn the_log_in_screen(page: Page, urls: Urls, _admin: Admin) {
    let mut audit = Audit::default();
    page.open(&urls.app).await;
    page.wait_for("button#login").await;
    audit.check(&page, "the log-in screen, first visit").await;

    sign_in_as_alice(&page, &urls).await;
    page.click("button#logout").await;
    page.wait_for(LOGGED_OUT).await;
    audit
        .check(&page, "the log-in screen after log out, with its notice")
        .await;
    audit.assert_none();
}

async fn the_library(page: Page, urls: Urls, _admin: Admin) {
    let mut audit = Audit::default();
    sign_in_as_alice(&page, &urls).await;
    audit.check(&page, "alice's library, loaded").await;

    let find = page.wait_for("input#find").await;
    find.send_keys("no playlist is called this")
        .await
        .unwrap_or_else(|e| panic!("{}: cannot type in input#find: {e}", page.browser()));
    page.wait_for("#no-match").await;
    audit
        .check(&page, "the library with a find text that matches nothing")
        .await;
    audit.assert_none();
}

async fn the_export_panel(page: Page, urls: Urls, _admin: Admin) {
    sign_in_as_alice(&page, &urls).await;
    page.click("button#export-everything").await;
    page.wait_for("#everything-plan").await;
    let mut audit = Audit::default();
    audit
        .check(&page, "the library with Export everything's plan")
        .await;
    audit.assert_none();
}

async fn a_playlist(page: Page, urls: Urls, admin: Admin) {
    let id = playlist_id(&admin.library("alice").await, OWN);
    let total = admin
        .items_total("alice", &id)
        .await
        .unwrap_or_else(|status| panic!("the provider refuses alice {OWN:?}: {status}"));
    sign_in_as_alice(&page, &urls).await;
    open_playlist(&page, &id).await;
    wait_for_tracks(&page, WAIT, total).await;
    let mut audit = Audit::default();
    audit
        .check(&page, &format!("alice's playlist {OWN:?}"))
        .await;
    audit.assert_none();
}

async fn a_followed_playlist_refused(page: Page, urls: Urls, admin: Admin) {
    let id = playlist_id(&admin.library("alice").await, FOLLOWED);
    sign_in_as_alice(&page, &urls).await;
    open_playlist(&page, &id).await;
    page.wait_for(r#"#load-error[data-error="development-mode"]"#)
        .await;
    let mut audit = Audit::default();
    audit
        .check(
            &page,
            &format!("{FOLLOWED:?}, refused with Development Mode's explanation"),
        )
        .await;
    audit.assert_none();
}

async fn liked_songs(page: Page, urls: Urls, _admin: Admin) {
    sign_in_as_alice(&page, &urls).await;
    page.click("a#liked-songs").await;
    page.wait_for_present(TRACKS_LOADED).await;
    page.wait_for("#tracks > li.track").await;
    let mut audit = Audit::default();
    audit.check(&page, "alice's Liked Songs").await;
    audit.assert_none();
}

async fn the_not_found_page(page: Page, urls: Urls, _admin: Admin) {
    page.open(&format!("{}nope", urls.app)).await;
    page.wait_for("main h1").await;
    let mut audit = Audit::default();
    audit.check(&page, "the not-found page (/nope)").await;
    audit.assert_none();
}

async fn an_address_that_names_no_playlist(page: Page, urls: Urls, _admin: Admin) {
    sign_in_as_alice(&page, &urls).await;
    page.open(&format!("{}playlist/not!an!id", urls.app)).await;
    page.wait_for(r#"#load-error[data-error="not-found"]"#)
        .await;
    let mut audit = Audit::default();
    audit
        .check(
            &page,
            "an address that names no playlist (/playlist/not!an!id)",
        )
        .await;
    audit.assert_none();
}

async fn the_audit_sees_faint_text(page: Page, urls: Urls, _admin: Admin) {
    page.open(&urls.app).await;
    page.wait_for("button#login").await;
    // Through the CSSOM, which the page's policy allows (a style attribute it would block).
    page.run(
        "const faint = document.createElement('p'); faint.id = 'faint'; faint.textContent = 'Faint'; \
         faint.style.color = '#eeeeee'; document.querySelector('main').append(faint); return null;",
        vec![],
    )
    .await;
    let found = page.axe_violations().await;
    assert!(
        found
            .iter()
            .any(|v| v.id == "color-contrast" && v.targets.iter().any(|t| t == "#faint")),
        "{}: axe-core did not report #faint's contrast; it found {found:?}",
        page.browser()
    );
}

in_both_browsers! {
    /// Guards against a log-in screen, first or after log out with its notice, that a screen reader or
    /// a keyboard cannot use, or whose text is too faint to read, in Chromium.
    fn the_log_in_screen_is_accessible(browser) {
        scenario_with(browser, Setup::default(), the_log_in_screen).await;
    }
}

in_both_browsers! {
    /// Guards against a library, loaded or found empty by a search, with controls, rows or text that
    /// assistive technology cannot use, in Chromium.
    fn the_library_is_accessible(browser) {
        scenario_with(browser, Setup::default(), the_library).await;
    }
}

in_both_browsers! {
    /// Guards against an export panel whose plan and buttons assistive technology cannot use, in
    /// Chromium.
    fn the_export_panel_is_accessible(browser) {
        scenario_with(browser, Setup::default(), the_export_panel).await;
    }
}

in_both_browsers! {
    /// Guards against a playlist's page, its heading and entries, that assistive technology cannot
    /// use, in Chromium.
    fn a_playlist_is_accessible(browser) {
        scenario_with(browser, Setup::default(), a_playlist).await;
    }
}

in_both_browsers! {
    /// Guards against Development Mode's explanation of a refused playlist that assistive technology
    /// cannot read or follow, in Chromium.
    fn a_refused_playlist_is_accessible(browser) {
        scenario_with(
            browser,
            Setup::default(),
            a_followed_playlist_refused,
        )
        .await;
    }
}

in_both_browsers! {
    /// Guards against a Liked Songs page that assistive technology cannot use, in Chromium.
    fn liked_songs_are_accessible(browser) {
        scenario_with(browser, Setup::default(), liked_songs).await;
    }
}

in_both_browsers! {
    /// Guards against a not-found page without a heading or a way back that assistive technology can
    /// find, in Chromium.
    fn the_not_found_page_is_accessible(browser) {
        scenario_with(browser, Setup::default(), the_not_found_page).await;
    }
}

in_both_browsers! {
    /// Guards against the page for an address that names no playlist having no heading to say where
    /// the user is, in Chromium.
    fn an_address_that_names_no_playlist_is_accessible(browser) {
        scenario_with(
            browser,
            Setup::default(),
            an_address_that_names_no_playlist,
        )
        .await;
    }
}

in_both_browsers! {
    /// Guards against an audit that passes every page because axe-core ran no rules or saw nothing, in
    /// Chromium.
    fn the_audit_sees_faint_text(browser) {
        scenario_with(
            browser,
            Setup::default(),
            the_audit_sees_faint_text,
        )
        .await;
    }
}
