//! The playlists page: the whole library, and every way its load fails.

use std::cell::RefCell;
use std::rc::Rc;

use leptos::prelude::*;
use pkce_playlists::browser::SessionTokens;
use pkce_playlists::http::{HttpRequest, Transport, TransportError};
use pkce_playlists::session::TokenStore;
use pkce_playlists::ui::paged::PagedList;
use pkce_playlists::ui::{use_app, NoticeReason};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{
    admin, clear_storage, config, fresh_session, mount, mount_playlists,
    playlists_page_failing_with, reset_faults, sign_in, sleep, wait_for, whole_library,
};

/// Guards against a library that is not shown whole, or a page that never says who is signed in.
#[wasm_bindgen_test]
async fn playlists_page_shows_the_whole_library() {
    let config = fresh_session("alice").await;
    let expected = whole_library(&config).await;
    assert!(expected.len() > 10, "alice has about a dozen playlists");
    let page = mount_playlists(&config);
    wait_for("the whole library", || {
        page.count("li.playlist") == expected.len() as u32
    })
    .await;
    wait_for("the user's name", || page.has("#user-name")).await;
    wait_for("the load to finish", || {
        page.attr("#load-status", "data-state").as_deref() == Some("done")
    })
    .await;
    assert!(page.text().contains("Alice"));
    assert!(page.text().contains(&expected[0].name));
    assert!(!page.has("#empty-library"));
}

/// Guards against an empty library that looks like a page still loading.
#[wasm_bindgen_test]
async fn an_empty_library_says_so() {
    let config = fresh_session("bob").await;
    let page = mount_playlists(&config);
    wait_for("the empty-library message", || page.has("#empty-library")).await;
    assert_eq!(page.count("li.playlist"), 0);
}

/// Guards against a 5xx that outlasts the retries leaving the page stuck, or its "Try again" not working.
#[wasm_bindgen_test]
async fn a_server_error_offers_try_again_which_recovers() {
    let page = playlists_page_failing_with(
        r#"{"rules":[{"path":"/v1/me/playlists","status":503,"times":0}]}"#,
    )
    .await;
    assert_eq!(page.error_of("#load-error").await, "server");
    reset_faults().await;
    page.click("#load-error button#try-again").await;
    wait_for("the library after the retry", || {
        page.count("li.playlist") > 10
    })
    .await;
    assert!(!page.has("#load-error"));
    assert!(page.app.signed_in.get_untracked(), "the session survived");
}

/// Guards against a malformed body panicking the app instead of being reported.
#[wasm_bindgen_test]
async fn malformed_json_is_reported() {
    let page = playlists_page_failing_with(r#"{"malformed_json_on":"/v1/me/playlists"}"#).await;
    assert_eq!(page.error_of("#load-error").await, "malformed");
    assert!(SessionTokens.load().is_some(), "the session is kept");
}

/// Guards against dropping `Retry-After` (exposed through CORS here) when it is too long to wait out: a wait of
/// more than a minute is a spent daily quota, and the user is told when it frees up.
#[wasm_bindgen_test]
async fn a_long_rate_limit_says_how_long_to_wait() {
    let page = playlists_page_failing_with(
        r#"{"rules":[{"path":"/v1/me","status":429,"retry_after":120}]}"#,
    )
    .await;
    assert_eq!(page.error_of("#load-error").await, "quota-exceeded");
    let secs: u64 = page
        .attr("#load-error", "data-retry-after")
        .and_then(|s| s.parse().ok())
        .expect("how long to wait");
    assert!((110..=120).contains(&secs), "{secs}");
    assert!(page.text().contains("It frees up at"), "{}", page.text());
    assert!(SessionTokens.load().is_some(), "the session is kept");
}

/// Guards against Spotify's spent-quota answer (`"reason":"QUOTA_EXCEEDED"`, hours of `Retry-After`) being shown
/// as a passing rate limit, or retried: the user learns that the app's shared daily limit is used up and when it
/// frees up, and keeps the session.
#[wasm_bindgen_test]
async fn a_spent_quota_says_it_is_shared_and_when_it_frees_up() {
    let page = playlists_page_failing_with(
        r#"{"rules":[{"path":"/v1/me","quota_exceeded":true,"status":429,"retry_after":48925}]}"#,
    )
    .await;
    assert_eq!(page.error_of("#load-error").await, "quota-exceeded");
    let text = page.text();
    assert!(
        text.contains("It frees up at") && text.contains("shared by everyone"),
        "{text}"
    );
    assert!(SessionTokens.load().is_some(), "the session is kept");
}

/// Guards against a failure without CORS headers (what a browser sees as "network down") crashing the page,
/// or ending the session, once the retries are spent.
#[wasm_bindgen_test]
async fn an_unreadable_failure_reads_as_a_network_error() {
    let page = playlists_page_failing_with(
        r#"{"no_cors_on_errors":true,"rules":[{"path":"/v1/me","status":500,"times":0}]}"#,
    )
    .await;
    assert_eq!(page.error_of("#load-error").await, "network");
    assert!(SessionTokens.load().is_some(), "the session is kept");
    reset_faults().await;
}

/// Guards against a 401 (the access token expired or was revoked early) ending the session when a refresh would
/// renew it.
#[wasm_bindgen_test]
async fn a_401_is_cured_by_one_refresh() {
    let config = fresh_session("alice").await;
    let before = SessionTokens
        .load()
        .unwrap()
        .access_token
        .secret()
        .to_owned();
    admin("faults", r#"{"rules":[{"path":"/v1/me","status":401}]}"#).await;
    let page = mount_playlists(&config);
    wait_for("the library", || page.count("li.playlist") > 10).await;
    // `/v1/me` (asked for beside the first page) is what got the 401: its retry shows the user.
    wait_for("the user's name", || page.has("#user-name")).await;
    let after = SessionTokens
        .load()
        .unwrap()
        .access_token
        .secret()
        .to_owned();
    assert_ne!(before, after, "a new access token was obtained");
}

/// Guards against a revoked grant leaving a dead session on screen: it must end with a notice.
#[wasm_bindgen_test]
async fn a_revoked_grant_ends_the_session_with_a_notice() {
    clear_storage();
    reset_faults().await;
    let config = config();
    let code = sign_in(&config, "alice").await;
    // Presenting the code a second time makes the provider revoke every token issued from it (RFC 6749 4.1.2).
    let replay = format!("grant_type=authorization_code&code={code}&redirect_uri=x&client_id=pkce-playlists-local&code_verifier=x");
    let _ = gloo_net::http::Request::post(&config.token_endpoint)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(replay)
        .unwrap()
        .send()
        .await;
    let page = mount_playlists(&config);
    let signed_in = page.app.signed_in;
    wait_for("the session to end", move || !signed_in.get_untracked()).await;
    let notice = page.app.notice.get_untracked().expect("a notice");
    assert_eq!(notice.reason, NoticeReason::SessionEnded);
    assert!(SessionTokens.load().is_none(), "the dead tokens are gone");
}

/// Guards against a page that keeps reading after it is gone: unmounting the page aborts its load's request on
/// the wire (the provider holds the answer back for 3 s; the request ends as aborted long before that).
#[wasm_bindgen_test]
async fn leaving_the_page_aborts_its_requests_on_the_wire() {
    let config = fresh_session("alice").await;
    admin("faults", r#"{"latency_ms":3000}"#).await;
    let outcome: Rc<RefCell<Option<Result<u16, TransportError>>>> = Rc::default();
    let seen = outcome.clone();
    let url = format!("{}/me", config.api_base_url);
    let page = mount(&config, move || {
        let app = use_app();
        let list = PagedList::<u32>::new();
        list.start(app, move |_sink, fetch| async move {
            let token = SessionTokens.load().expect("signed in").access_token;
            let answer = fetch.send(HttpRequest::GetWithBearer { url, token }).await;
            *seen.borrow_mut() = Some(answer.map(|r| r.status));
            Ok(())
        });
    });
    sleep(200).await;
    let started = js_sys::Date::now();
    drop(page);
    wait_for("the request to end", || outcome.borrow().is_some()).await;
    let waited = js_sys::Date::now() - started;
    reset_faults().await;
    assert_eq!(*outcome.borrow(), Some(Err(TransportError::Aborted)));
    assert!(waited < 2000.0, "the request ran on for {waited} ms");
}

/// The names of the rows shown, in order.
fn shown_names(page: &crate::support::Mounted) -> Vec<String> {
    let rows = page
        .root
        .query_selector_all("li.playlist a.playlist-name")
        .unwrap();
    (0..rows.length())
        .filter_map(|i| rows.get(i)?.text_content())
        .collect()
}

/// Types `text` into the find box as a user would (the value, then an `input` event).
fn type_into_find(page: &crate::support::Mounted, text: &str) {
    let input: web_sys::HtmlInputElement = page
        .root
        .query_selector("input#find")
        .unwrap()
        .expect("the find box")
        .unchecked_into();
    input.set_value(text);
    let event = web_sys::Event::new_with_event_init_dict("input", &{
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        init
    })
    .unwrap();
    input.dispatch_event(&event).unwrap();
}

/// Guards against a find box that misses matches, ignores case, shows what does not match, or forgets its query
/// and sort on a reload (they live in the address); and against a sort that does not sort.
#[wasm_bindgen_test]
async fn find_and_sort_filter_the_library_and_live_in_the_address() {
    let config = fresh_session("alice").await;
    let library = whole_library(&config).await;
    let before = crate::support::window().location().href().unwrap();
    let page = mount_playlists(&config);
    wait_for("the whole library", || {
        page.count("li.playlist") == library.len() as u32
    })
    .await;

    // A word of the names that picks some playlists and not others, typed in upper case, finds every playlist
    // whose name or owner holds it.
    let matching = |word: &str| -> Vec<String> {
        library
            .iter()
            .filter(|p| {
                p.display_name().to_lowercase().contains(word)
                    || p.owner_name().to_lowercase().contains(word)
            })
            .map(|p| p.display_name().to_owned())
            .collect()
    };
    let word = library
        .iter()
        .flat_map(|p| {
            p.display_name()
                .split_whitespace()
                .map(str::to_lowercase)
                .collect::<Vec<_>>()
        })
        .find(|w| w.len() > 2 && (2..library.len()).contains(&matching(w).len()))
        .expect("a word that picks some playlists");
    let expected = matching(&word);
    type_into_find(&page, &word.to_uppercase());
    wait_for("the matches alone", || {
        page.count("li.playlist") == expected.len() as u32
    })
    .await;
    assert_eq!(shown_names(&page), expected, "in Spotify's order");

    // Sorted by name.
    let select: web_sys::HtmlSelectElement = page
        .root
        .query_selector("select#sort")
        .unwrap()
        .unwrap()
        .unchecked_into();
    select.set_value("name");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    let mut by_name = expected.clone();
    by_name.sort_by_key(|name| name.to_lowercase());
    wait_for("the matches by name", || shown_names(&page) == by_name).await;

    // The address keeps both, once typing pauses.
    let query = format!("q={}", word.to_uppercase());
    wait_for("the query in the address", || {
        let search = crate::support::window().location().search().unwrap();
        search.contains(&query) && search.contains("sort=name")
    })
    .await;

    // A page made from that address (as after a reload) shows the same.
    drop(page);
    let again = mount_playlists(&config);
    wait_for("the same matches after a reload", || {
        shown_names(&again) == by_name
    })
    .await;
    let sort = again.root.query_selector("select#sort").unwrap().unwrap();
    assert_eq!(
        sort.unchecked_into::<web_sys::HtmlSelectElement>().value(),
        "name"
    );

    // Nothing found says so.
    type_into_find(&again, "no playlist is called this");
    wait_for("the no-match note", || again.has("#no-match")).await;
    assert_eq!(again.count("li.playlist"), 0);
    drop(again);
    pkce_playlists::browser::location::replace_url(&before);
}
