//! A provider configured by its issuer alone: the app reads the endpoints from its metadata
//! (RFC 8414), checks the callback's `iss` against it (RFC 9207), and revokes the grant at log
//! out (RFC 7009); metadata that names another issuer is refused before anything is sent.

use std::time::Duration;

use e2e::flows::{sign_in_as_alice, stored_session, LOGGED_OUT};
use e2e::in_both_browsers;
use e2e::{scenario_with, Admin, Discovery, Page, Setup, Urls};

in_both_browsers! {
    /// Guards against a standards provider configured by its issuer alone not being usable: discovery,
    /// the `iss` of every authorization response, and revocation at log out must all work.
    fn signs_in_through_discovery_and_revokes_at_log_out(browser) {
        scenario_with(browser, discovered(), discovery_round_trip).await;
    }
}

in_both_browsers! {
    /// Guards against using metadata that names another issuer than the configured one (RFC 8414
    /// §3.3): it may be an impostor's, so the app says so and offers no sign-in.
    fn refuses_metadata_of_another_issuer(browser) {
        scenario_with(browser, foreign(), refuses_another_issuer).await;
    }
}

fn discovered() -> Setup {
    Setup {
        discovery: Discovery::Issuer,
        ..Setup::default()
    }
}

fn foreign() -> Setup {
    Setup {
        discovery: Discovery::ForeignIssuer,
        ..Setup::default()
    }
}

async fn discovery_round_trip(page: Page, urls: Urls, admin: Admin) {
    sign_in_as_alice(&page, &urls).await;
    let session = stored_session(&page)
        .await
        .expect("signed in through discovery");
    let refresh_token = session.refresh_token.expect("a refresh token");

    page.click("button#logout").await;
    page.wait_for(LOGGED_OUT).await;
    // The revocation is best effort and not waited for by the page: give it a moment.
    let mut revoked = 0;
    for _ in 0..50 {
        revoked = admin.requests("POST", "/api/revoke").await;
        if revoked > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(revoked, 1, "{}: log out revoked nothing", page.browser());
    let (status, body) = admin.refresh(&refresh_token).await;
    assert_eq!(
        (status.as_u16(), body["error"].as_str()),
        (400, Some("invalid_grant")),
        "{}: the grant outlived the log out",
        page.browser()
    );
}

async fn refuses_another_issuer(page: Page, urls: Urls, _admin: Admin) {
    page.open(&urls.app).await;
    page.wait_for(r#"#config-error[data-error="issuer-mismatch"]"#)
        .await;
    assert!(
        page.all("button#login").await.is_empty(),
        "{}: a sign-in is offered with metadata of another issuer",
        page.browser()
    );
}
