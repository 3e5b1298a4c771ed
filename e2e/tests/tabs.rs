//! Several tabs of one session. A tab opened with `window.open` from a signed-in tab starts with a
//! copy of its sessionStorage, so the three tabs here share one grant and one refresh token: they
//! must refresh one at a time and hand each other the new tokens, and the end of the session (log
//! out, or the provider's refusal) must reach every one of them without a reload.

use std::time::Duration;

use e2e::flows::{
    playlist_id, sign_in_as_alice, stored_session, wait_for_library, LOGGED_OUT, PLAYLIST, REVOKED,
};
use e2e::in_both_browsers;
use e2e::{scenario, scenario_with, Admin, Page, Setup, Tab, Urls};
use serde_json::json;

/// The access-token lifetime in these scenarios: short enough to run out while the test waits,
/// so that the app refreshes at three quarters of it (it is under 240 s).
const ACCESS_TOKEN_LIFETIME_S: u64 = 8;

in_both_browsers! {
    /// Guards against tabs that share a rotating refresh token spending it more than once when they
    /// refresh at the same moment (the later ones present a rotated-out token and end the session).
    ///
    /// In Firefox too: its own Web Locks, BroadcastChannel and storage.
    fn three_tabs_refresh_one_rotating_token_at_once(browser) {
        scenario_with(browser, Setup::default(), |page, urls, admin| {
            three_tabs_refresh_at_once(page, urls, admin, false)
        })
        .await;
    }
}

in_both_browsers! {
    /// Guards against a refresh race that a provider with reuse detection answers by revoking the
    /// whole grant, logging every tab out (RFC 9700 §4.14.2).
    fn three_tabs_refresh_at_once_under_reuse_detection(browser) {
        scenario_with(browser, Setup::default(), |page, urls, admin| {
            three_tabs_refresh_at_once(page, urls, admin, true)
        })
        .await;
    }
}

in_both_browsers! {
    /// Guards against a log out that leaves the user signed in (and their library shown) in the
    /// other tabs until they reload.
    fn log_out_in_one_tab_logs_out_every_tab(browser) {
        scenario_with(browser, Setup::default(), |page, urls, _| {
            log_out_in_one_tab_logs_out_every_tab(page, urls)
        })
        .await;
    }
}

in_both_browsers! {
    /// Guards against a revoked grant that ends the session only in the tab that met the refusal,
    /// leaving the others showing data and holding dead tokens.
    fn a_revoked_grant_ends_the_session_in_every_tab(browser) {
        let setup = Setup {
            standards: true,
            ..Setup::default()
        };
        scenario_with(browser, setup, a_revoked_grant_ends_every_tab).await;
    }
}

/// Signs in as alice in the first tab, then opens two more from it with `window.open` (each
/// starts with a copy of the first one's session), and waits for alice's library in each.
async fn three_signed_in_tabs(page: &Page, urls: &Urls) -> [Tab; 3] {
    sign_in_as_alice(page, urls).await;
    let first = page.tab().await;
    let second = page.open_tab(&urls.app).await;
    wait_for_library(page, urls.expected_alice.len()).await;
    page.switch_to(&first).await;
    let third = page.open_tab(&urls.app).await;
    wait_for_library(page, urls.expected_alice.len()).await;
    let tabs = [first, second, third];
    for tab in &tabs {
        page.switch_to(tab).await;
        assert!(
            stored_session(page).await.is_some(),
            "{}: a tab opened from a signed-in tab holds no session (sessionStorage not copied?)",
            page.browser()
        );
    }
    tabs
}

async fn three_tabs_refresh_at_once(page: Page, urls: Urls, admin: Admin, reuse_detection: bool) {
    admin
        .set_faults(json!({
            "access_token_lifetime": ACCESS_TOKEN_LIFETIME_S,
            "rotation": "rotate",
            "reuse_detection": reuse_detection,
        }))
        .await;
    let tabs = three_signed_in_tabs(&page, &urls).await;

    // Let every tab's access token run out.
    let mut expires_at_ms = 0;
    for tab in &tabs {
        page.switch_to(tab).await;
        let session = stored_session(&page).await.expect("a signed-in tab");
        expires_at_ms = expires_at_ms.max(session.expires_at_ms);
    }
    let now = page.now_ms().await;
    tokio::time::sleep(Duration::from_millis(
        expires_at_ms.saturating_sub(now) + 500,
    ))
    .await;

    // All three reload at the same moment, and each needs a refresh before its first call.
    let at_ms = page.now_ms().await + 2_000;
    for tab in &tabs {
        page.switch_to(tab).await;
        page.reload_at(at_ms).await;
    }
    for (n, tab) in tabs.iter().enumerate() {
        page.switch_to(tab).await;
        page.wait_for_reload().await;
        wait_for_library(&page, urls.expected_alice.len()).await;
        assert!(
            !page.has("#notice").await,
            "{}: tab {} ended its session after the simultaneous refresh",
            page.browser(),
            n + 1
        );
    }

    // The provider agrees: every tab's access token is good (a revoked grant takes them all),
    // and the newest refresh token still renews the grant.
    let mut newest = None::<e2e::flows::StoredSession>;
    for (n, tab) in tabs.iter().enumerate() {
        page.switch_to(tab).await;
        let session = stored_session(&page)
            .await
            .unwrap_or_else(|| panic!("{}: tab {} holds no session", page.browser(), n + 1));
        assert!(
            session.version >= 1,
            "{}: tab {} shows the library with tokens that were never refreshed",
            page.browser(),
            n + 1
        );
        let (status, body) = admin.api_get("/me", &session.access_token).await;
        assert!(
            status.is_success(),
            "{}: tab {}'s access token is refused ({status}: {body}): the grant was revoked",
            page.browser(),
            n + 1
        );
        if newest.as_ref().is_none_or(|s| session.version > s.version) {
            newest = Some(session);
        }
    }
    let refresh_token = newest
        .and_then(|s| s.refresh_token)
        .expect("a rotating provider leaves the tabs a refresh token");
    let (status, body) = admin.refresh(&refresh_token).await;
    assert!(
        status.is_success(),
        "{}: the provider refuses the newest refresh token ({status}: {body}): the grant was \
         revoked",
        page.browser()
    );
}

async fn log_out_in_one_tab_logs_out_every_tab(page: Page, urls: Urls) {
    let [first, second, third] = three_signed_in_tabs(&page, &urls).await;
    for tab in [&first, &third] {
        page.switch_to(tab).await;
        page.mark_document().await;
    }

    page.switch_to(&second).await;
    page.click("button#logout").await;
    page.wait_for(LOGGED_OUT).await;

    for (name, tab) in [("first", &first), ("third", &third)] {
        page.switch_to(tab).await;
        page.wait_for(LOGGED_OUT).await;
        page.wait_for("button#login").await;
        assert_eq!(
            page.same_document().await,
            Some(true),
            "{}: the {name} tab reloaded to show the log out",
            page.browser()
        );
        assert!(
            page.all(PLAYLIST).await.is_empty(),
            "{}: the {name} tab still shows playlists after log out",
            page.browser()
        );
    }
    for tab in [&first, &second, &third] {
        page.switch_to(tab).await;
        assert!(
            stored_session(&page).await.is_none(),
            "{}: a tab keeps its tokens after log out",
            page.browser()
        );
    }
}

async fn a_revoked_grant_ends_every_tab(page: Page, urls: Urls, admin: Admin) {
    let tabs = three_signed_in_tabs(&page, &urls).await;
    for tab in &tabs {
        page.switch_to(tab).await;
        page.mark_document().await;
    }
    let session = stored_session(&page).await.expect("a signed-in tab");
    let refresh_token = session
        .refresh_token
        .expect("the provider gave a refresh token");
    admin.revoke(&refresh_token).await;

    // The second tab talks to the API next: its token is refused, then its refresh token.
    let library = admin.library("alice").await;
    let morning_coffee = playlist_id(&library, "Morning Coffee");
    page.switch_to(&tabs[1]).await;
    page.click(&format!(
        r#"{PLAYLIST}[data-id="{morning_coffee}"] a.playlist-name"#
    ))
    .await;
    page.wait_for(REVOKED).await;

    for (n, tab) in tabs.iter().enumerate() {
        page.switch_to(tab).await;
        page.wait_for(REVOKED).await;
        page.wait_for("button#login").await;
        assert_eq!(
            page.same_document().await,
            Some(true),
            "{}: tab {} reloaded to show the end of the session",
            page.browser(),
            n + 1
        );
        assert!(
            stored_session(&page).await.is_none(),
            "{}: tab {} keeps the revoked grant's tokens",
            page.browser(),
            n + 1
        );
    }
}

/// Marks the log-in screen after a refresh whose answer was lost ended the session.
const INTERRUPTED: &str = r#"#notice[data-reason="session-ended"][data-end="interrupted"]"#;

/// The session key a tab holds, and the names its tabs derive from it.
async fn session_names(page: &Page) -> pkce_playlists::session::key::Names {
    let json = page
        .session_item(e2e::flows::TOKENS_KEY)
        .await
        .expect("a signed-in tab");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let key = value["key"]
        .as_str()
        .expect("the session's key is kept with its tokens");
    pkce_playlists::session::SessionKey::from_storage(key)
        .expect("a session key")
        .names()
}

/// Waits until every tab's access token has run out, then reloads them all at one moment, so each
/// needs a refresh before its first call; waits for the library in each.
async fn refresh_all_at_once(page: &Page, urls: &Urls, tabs: &[Tab]) {
    let mut expires_at_ms = 0;
    for tab in tabs {
        page.switch_to(tab).await;
        let session = stored_session(page).await.expect("a signed-in tab");
        expires_at_ms = expires_at_ms.max(session.expires_at_ms);
    }
    let now = page.now_ms().await;
    tokio::time::sleep(Duration::from_millis(
        expires_at_ms.saturating_sub(now) + 500,
    ))
    .await;
    let at_ms = page.now_ms().await + 2_000;
    for tab in tabs {
        page.switch_to(tab).await;
        page.reload_at(at_ms).await;
    }
    for (n, tab) in tabs.iter().enumerate() {
        page.switch_to(tab).await;
        page.wait_for_reload().await;
        wait_for_library(page, urls.expected_alice.len()).await;
        assert!(
            !page.has("#notice").await,
            "{}: tab {} ended its session",
            page.browser(),
            n + 1
        );
    }
}

/// What the outsider page does: listens on the app's old channel and on the session's own, and sits
/// on the session's locks (as if it had guessed their names: a script finds lock names with
/// `navigator.locks.query()` while a tab holds them), and hears every storage event. Returns the
/// names of the locks it holds.
const OUTSIDER_LISTENS: &str = r#"
    window.heard = [];
    window.channels = {};
    for (const name of arguments[0]) {
        const channel = new BroadcastChannel(name);
        channel.onmessage = (e) => window.heard.push({ channel: name, data: e.data });
        window.channels[name] = channel;
    }
    addEventListener('storage', (e) => window.heard.push({ key: e.key, value: e.newValue }));
    for (const name of arguments[1]) {
        navigator.locks.request(name, () => new Promise(() => {}));
    }
    return navigator.locks.query().then((state) => state.held.map((lock) => lock.name));
"#;

/// What the outsider page does next: says again everything it heard, writes back every value it saw
/// written, and sends an end and tokens of its own in the clear.
const OUTSIDER_REPLAYS: &str = r#"
    for (const h of window.heard) {
        if (h.channel) { window.channels[h.channel].postMessage(h.data); }
        else if (h.value === null) { localStorage.removeItem(h.key); }
        else { localStorage.setItem(h.key, h.value); }
    }
    for (const channel of Object.values(window.channels)) {
        channel.postMessage(JSON.stringify({ kind: 'end', grant: '*', why: 'logged-out' }));
        channel.postMessage(JSON.stringify({ kind: 'ask', version: 0 }));
    }
    return null;
"#;

async fn an_outsider_of_the_origin_learns_and_spoils_nothing(page: Page, urls: Urls, admin: Admin) {
    admin
        .set_faults(json!({
            "access_token_lifetime": ACCESS_TOKEN_LIFETIME_S,
            "rotation": "rotate",
            "reuse_detection": true,
        }))
        .await;
    sign_in_as_alice(&page, &urls).await;
    let first = page.tab().await;
    let second = page.open_tab(&urls.app).await;
    wait_for_library(&page, urls.expected_alice.len()).await;
    let names = session_names(&page).await;
    let mut tokens = vec![];
    for tab in [&first, &second] {
        page.switch_to(tab).await;
        let session = stored_session(&page).await.unwrap();
        tokens.push(session.access_token);
        tokens.extend(session.refresh_token);
    }

    let outsider = page
        .open_unrelated_tab(&format!("{}not-the-app", urls.app))
        .await;
    assert!(
        stored_session(&page).await.is_none(),
        "the outsider holds no session"
    );
    let held = page
        .run(
            OUTSIDER_LISTENS,
            vec![
                json!(["pkce-playlists", names.channel]),
                json!([names.lock, names.flight]),
            ],
        )
        .await;
    assert!(
        held.to_string().contains(&names.lock) && held.to_string().contains(&names.flight),
        "{}: the outsider does not hold the session's locks, so the test shows nothing: {held}",
        page.browser()
    );

    let tabs = [first.clone(), second.clone()];
    refresh_all_at_once(&page, &urls, &tabs).await;
    for tab in &tabs {
        page.switch_to(tab).await;
        let session = stored_session(&page).await.unwrap();
        assert!(
            session.version >= 1,
            "{}: no refresh happened",
            page.browser()
        );
        tokens.push(session.access_token);
        tokens.extend(session.refresh_token);
    }

    page.switch_to(&outsider).await;
    let heard = page
        .run("return JSON.stringify(window.heard);", vec![])
        .await;
    let heard = heard.as_str().unwrap_or_default().to_owned();
    assert!(
        heard.contains(&names.channel) && heard.contains(&names.record),
        "{}: the outsider heard nothing on the channel and in storage, so the test shows nothing: {heard}",
        page.browser()
    );
    for token in &tokens {
        assert!(
            !heard.contains(token.as_str()),
            "{}: the outsider learned a token from what the tabs said: {heard}",
            page.browser()
        );
    }

    page.run(OUTSIDER_REPLAYS, vec![]).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    for (n, tab) in tabs.iter().enumerate() {
        page.switch_to(tab).await;
        assert!(
            !page.has("#notice").await && stored_session(&page).await.is_some(),
            "{}: what the outsider replayed ended the session in tab {}",
            page.browser(),
            n + 1
        );
    }

    // The outsider still sits on the locks: the tabs refresh all the same.
    refresh_all_at_once(&page, &urls, &tabs).await;
    let mut newest = None::<e2e::flows::StoredSession>;
    for tab in &tabs {
        page.switch_to(tab).await;
        let session = stored_session(&page).await.unwrap();
        if newest.as_ref().is_none_or(|s| session.version > s.version) {
            newest = Some(session);
        }
    }
    let newest = newest.unwrap();
    assert!(
        newest.version >= 2,
        "{}: the second refresh did not happen",
        page.browser()
    );
    let (status, body) = admin.refresh(&newest.refresh_token.unwrap()).await;
    assert!(
        status.is_success(),
        "{}: the grant was revoked ({status}: {body})",
        page.browser()
    );
}

in_both_browsers! {
    /// Guards against any script of the origin hearing the tokens the tabs hand each other, or ending,
    /// hijacking or stalling their session by replaying what it heard, forging messages and sitting on
    /// the locks it can see.
    fn an_outsider_of_the_origin_learns_and_spoils_nothing(browser) {
        scenario_with(
            browser,
            Setup::default(),
            an_outsider_of_the_origin_learns_and_spoils_nothing,
        )
        .await;
    }
}

async fn log_out_reaches_tabs_that_come_back(page: Page, urls: Urls) {
    let elsewhere = format!("{}/admin/stats", urls.api);
    sign_in_as_alice(&page, &urls).await;
    let first = page.tab().await;
    let mut gone = vec![];
    for _ in 0..2 {
        page.switch_to(&first).await;
        gone.push(page.open_tab(&urls.app).await);
        wait_for_library(&page, urls.expected_alice.len()).await;
        page.open(&elsewhere).await;
    }
    page.switch_to(&first).await;
    page.click("button#logout").await;
    page.wait_for(LOGGED_OUT).await;

    // One comes back with Back, the other by a load of the app's address, then a reload.
    page.switch_to(&gone[0]).await;
    page.back().await;
    page.wait_for(LOGGED_OUT).await;
    page.switch_to(&gone[1]).await;
    page.open(&urls.app).await;
    page.wait_for(LOGGED_OUT).await;
    page.reload().await;
    page.wait_for("button#login").await;
    for (n, tab) in gone.iter().enumerate() {
        page.switch_to(tab).await;
        assert!(
            stored_session(&page).await.is_none() && page.all(PLAYLIST).await.is_empty(),
            "{}: tab {} came back signed in after the log out",
            page.browser(),
            n + 2
        );
    }
}

in_both_browsers! {
    /// Guards against a log out that misses a duplicated tab that was on another site at the time: it
    /// keeps its sessionStorage, and Back or a reload would bring the session back.
    ///
    /// In Firefox too: its own back/forward cache.
    fn log_out_reaches_tabs_that_come_back(browser) {
        scenario(browser, log_out_reaches_tabs_that_come_back).await;
    }
}

async fn a_lost_refresh_answer_is_never_replayed(page: Page, urls: Urls, admin: Admin) {
    let rotating = json!({
        "access_token_lifetime": ACCESS_TOKEN_LIFETIME_S,
        "rotation": "rotate",
        "reuse_detection": true,
    });
    admin.set_faults(rotating.clone()).await;
    sign_in_as_alice(&page, &urls).await;
    let session = stored_session(&page).await.unwrap();
    let mut lost = rotating;
    lost["rules"] = json!([{ "path": "/api/token", "method": "POST", "lost": true }]);
    admin.set_faults(lost).await;
    let posts_before = admin.requests("POST", "/api/token").await;

    let now = page.now_ms().await;
    tokio::time::sleep(Duration::from_millis(
        session.expires_at_ms.saturating_sub(now) + 500,
    ))
    .await;
    page.reload().await;
    page.wait_for(INTERRUPTED).await;
    assert!(stored_session(&page).await.is_none());
    assert_eq!(
        admin.requests("POST", "/api/token").await - posts_before,
        1,
        "{}: the refresh token was sent again after its answer was lost",
        page.browser()
    );
}

in_both_browsers! {
    /// Guards against a rotated refresh token spent twice: the provider carried out the refresh but the
    /// answer never reached the page, and sending the old token again would be a reuse that revokes
    /// the grant (RFC 9700 §4.14.2). The session ends with its reason instead.
    fn a_lost_refresh_answer_is_never_replayed(browser) {
        scenario_with(
            browser,
            Setup::default(),
            a_lost_refresh_answer_is_never_replayed,
        )
        .await;
    }
}
