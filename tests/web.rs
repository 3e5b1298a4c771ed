//! Browser tests of the shell, run by `wasm-bindgen-test` in headless Chrome and Firefox (`cargo xtask test`).
//! The callback tests talk to a running local provider at `LOCAL_SPOTIFY_URL` that registers this page's
//! origin + `/callback` for the client `pkce-playlists-local`.
#![cfg(target_arch = "wasm32")]

use std::ops::ControlFlow;

use leptos::prelude::*;
use leptos_router::components::Router;
use pkce_playlists::browser::login::{complete_login, start_login, PENDING_LOGIN_KEY};
use pkce_playlists::browser::storage::{Namespace, APP};
use pkce_playlists::browser::{session, SessionTokens};
use pkce_playlists::config::AppConfig;
use pkce_playlists::oauth::PendingLogin;
use pkce_playlists::session::TokenStore;
use pkce_playlists::ui::callback::CallbackView;
use pkce_playlists::ui::playlists::PlaylistsPage;
use pkce_playlists::ui::tracks::TrackList;
use pkce_playlists::ui::AppState;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PROVIDER: &str = match option_env!("LOCAL_SPOTIFY_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:18081",
};

fn config() -> AppConfig {
    AppConfig::from_json(&format!(
        r#"{{"client_id":"pkce-playlists-local","authorization_endpoint":"{PROVIDER}/authorize",
            "token_endpoint":"{PROVIDER}/api/token","api_base_url":"{PROVIDER}/v1",
            "scopes":["playlist-read-private","playlist-read-collaborative"]}}"#
    ))
    .expect("test configuration")
}

fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

fn clear_storage() {
    window()
        .session_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Waits up to 10 s for `condition`, failing the test with `what` if it never holds.
async fn wait_for(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        sleep(50).await;
    }
    panic!("timed out waiting for {what}");
}

/// Starts a login through the navigation seam and returns the URL it would have navigated to.
fn start_recorded_login(config: &AppConfig) -> String {
    let mut navigated = None;
    start_login(config, |url| navigated = Some(url.to_owned())).expect("login starts");
    navigated.expect("the login navigates")
}

fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn pending_login() -> Option<PendingLogin> {
    APP.get(PENDING_LOGIN_KEY)
        .as_deref()
        .and_then(PendingLogin::from_storage_json)
}

/// `POST` to one of the provider's admin endpoints.
async fn admin(path: &str, json: &str) -> String {
    let response = gloo_net::http::Request::post(&format!("{PROVIDER}/admin/{path}"))
        .header("Content-Type", "application/json")
        .body(json.to_owned())
        .unwrap()
        .send()
        .await
        .expect("the local provider answers (is it running?)");
    let text = response.text().await.unwrap();
    assert!(
        response.ok(),
        "admin/{path}: HTTP {} {text}",
        response.status()
    );
    text
}

/// Clears the provider's fault plan, so each test starts from a healthy provider.
async fn reset_faults() {
    admin("reset", "{}").await;
}

/// Signs in as `user` through the real exchange, as the callback would; returns the code that was spent.
async fn sign_in(config: &AppConfig, user: &str) -> String {
    let url = start_recorded_login(config);
    let code = approved_code(&url, user).await;
    let query = format!("?code={code}&state={}", query_param(&url, "state").unwrap());
    complete_login(config, &query).await.expect("signed in");
    code
}

/// A clean tab and a healthy provider, signed in as `user`.
async fn fresh_session(user: &str) -> AppConfig {
    clear_storage();
    reset_faults().await;
    let config = config();
    sign_in(&config, user).await;
    config
}

/// Signs in as alice, sets the provider's fault `plan`, mounts the playlists page and waits for its error.
async fn playlists_page_failing_with(plan: &str) -> Mounted {
    let config = fresh_session("alice").await;
    admin("faults", plan).await;
    let page = mount_playlists(&config);
    wait_for("the error", || page.has(".error")).await;
    page
}

/// Asks the provider for a code as if `user` had approved the login described by `authorize_url`.
async fn approved_code(authorize_url: &str, user: &str) -> String {
    let body = format!(
        r#"{{"client_id":"pkce-playlists-local","redirect_uri":"{}","code_challenge":"{}","user":"{user}","scope":"{}"}}"#,
        query_param(authorize_url, "redirect_uri").unwrap(),
        query_param(authorize_url, "code_challenge").unwrap(),
        query_param(authorize_url, "scope").unwrap(),
    );
    let text = admin("codes", &body).await;
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["code"].as_str().expect("a code").to_owned()
}

/// A mounted callback view, with the app state it reports to.
struct Mounted {
    root: web_sys::HtmlElement,
    app: AppState,
}

impl Mounted {
    fn text(&self) -> String {
        self.root.text_content().unwrap_or_default()
    }
    fn has(&self, selector: &str) -> bool {
        self.root.query_selector(selector).ok().flatten().is_some()
    }
}

impl Mounted {
    fn count(&self, selector: &str) -> u32 {
        self.root
            .query_selector_all(selector)
            .map(|list| list.length())
            .unwrap_or(0)
    }

    async fn click(&self, selector: &str) {
        let element = self.root.query_selector(selector).unwrap().expect(selector);
        element.unchecked_into::<web_sys::HtmlElement>().click();
        sleep(0).await;
    }
}

/// Mounts `view` in a fresh element with the app's state provided.
fn mount<V: IntoView + 'static>(config: &AppConfig, view: impl FnOnce() -> V + 'static) -> Mounted {
    let document = window().document().unwrap();
    let root: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let app = AppState::new(config.clone());
    let provided = app.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide_context(provided);
        view()
    });
    handle.forget();
    Mounted { root, app }
}

fn mount_callback(config: &AppConfig, query: String) -> Mounted {
    mount(
        config,
        move || view! { <Router><CallbackView query=query/></Router> },
    )
}

fn mount_playlists(config: &AppConfig) -> Mounted {
    mount(config, || view! { <PlaylistsPage/> })
}

#[wasm_bindgen_test]
fn storage_round_trip_take_once_and_namespacing() {
    clear_storage();
    let a = Namespace("test-a");
    let b = Namespace("test-b");
    a.set("k", "value").unwrap();
    assert_eq!(a.get("k").as_deref(), Some("value"));
    // Namespacing: the key is prefixed, and another namespace does not see it.
    assert_eq!(b.get("k"), None);
    let raw = window().session_storage().unwrap().unwrap();
    assert_eq!(raw.get_item("test-a:k").unwrap().as_deref(), Some("value"));
    // A take is one-time.
    assert_eq!(a.take("k").as_deref(), Some("value"));
    assert_eq!(a.take("k"), None);
    assert_eq!(raw.get_item("test-a:k").unwrap(), None);
}

/// Guards against a login URL that does not match what was stored (the callback could never succeed) or that
/// leaks the verifier.
#[wasm_bindgen_test]
fn login_stores_the_pending_login_and_navigates_to_the_authorize_url() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let pending = pending_login().expect("the pending login is stored");
    let origin = window().location().origin().unwrap();
    assert!(url.starts_with(&format!(
        "{PROVIDER}/authorize?response_type=code&client_id=pkce-playlists-local&"
    )));
    assert_eq!(
        query_param(&url, "redirect_uri").unwrap(),
        format!("{origin}/callback")
    );
    assert_eq!(pending.redirect_uri, format!("{origin}/callback"));
    assert_eq!(
        query_param(&url, "state").as_deref(),
        Some(pending.state.secret())
    );
    assert_eq!(
        query_param(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        query_param(&url, "code_challenge").unwrap(),
        pending.verifier.challenge().as_str()
    );
    assert_eq!(
        query_param(&url, "scope").unwrap(),
        "playlist-read-private playlist-read-collaborative"
    );
    assert!(!url.contains(pending.verifier.secret()));
    // Each login gets a fresh verifier and state.
    let again = start_recorded_login(&config);
    assert_ne!(query_param(&again, "state"), query_param(&url, "state"));
    assert_ne!(
        query_param(&again, "code_challenge"),
        query_param(&url, "code_challenge")
    );
}

/// Guards against the whole happy path of the callback: exchange against the provider, tokens kept, the pending
/// login spent, and the session usable for the Web API.
#[wasm_bindgen_test]
async fn callback_exchanges_the_code_and_signs_in() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let code = approved_code(&url, "alice").await;
    let state = query_param(&url, "state").unwrap();
    let view = mount_callback(&config, format!("?code={code}&state={state}"));
    let signed_in = view.app.signed_in;
    wait_for("the sign-in to finish", move || signed_in.get_untracked()).await;
    assert!(SessionTokens.load().is_some(), "tokens are kept");
    assert!(pending_login().is_none(), "the pending login is spent");
    let me = session(&config)
        .me()
        .await
        .expect("the new session reaches the Web API");
    assert_eq!(me.id, "alice");
}

/// Guards against a second mount of the callback (or a reload) sending the same code again.
#[wasm_bindgen_test]
async fn mounting_the_callback_twice_exchanges_once() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let code = approved_code(&url, "alice").await;
    let query = format!("?code={code}&state={}", query_param(&url, "state").unwrap());
    let first = mount_callback(&config, query.clone());
    let second = mount_callback(&config, query);
    let signed_in = first.app.signed_in;
    wait_for("the first mount to sign in", move || {
        signed_in.get_untracked()
    })
    .await;
    wait_for("the second mount to give up", || second.has("#auth-error")).await;
    assert!(
        second.text().contains("no sign-in in progress"),
        "{}",
        second.text()
    );
    assert!(second.has("button#login-again"));
    assert!(!second.app.signed_in.get_untracked());
}

/// Guards against a declined consent looking like a failure, or leaving no way forward.
#[wasm_bindgen_test]
async fn declined_consent_says_so_and_offers_a_new_login() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let state = query_param(&url, "state").unwrap();
    let view = mount_callback(&config, format!("?error=access_denied&state={state}"));
    wait_for("the denial to show", || view.has("#auth-error")).await;
    assert!(view.text().contains("You declined"), "{}", view.text());
    assert!(view.text().contains("Sign-in cancelled"));
    assert!(view.has("button#login-again"));
    assert!(SessionTokens.load().is_none());
    assert!(
        pending_login().is_none(),
        "the pending login cannot be replayed"
    );
}

/// Guards against accepting a callback that belongs to another login (CSRF / login injection).
#[wasm_bindgen_test]
async fn wrong_state_is_refused_and_nothing_is_exchanged() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let code = approved_code(&url, "alice").await;
    let view = mount_callback(&config, format!("?code={code}&state=forged"));
    wait_for("the refusal to show", || view.has("#auth-error")).await;
    assert!(
        view.text().contains("\"state\" does not match"),
        "{}",
        view.text()
    );
    assert!(SessionTokens.load().is_none());
    assert!(!view.text().contains(&code), "the code is not echoed");
}

/// Guards against a provider's refusal (a code used twice) being swallowed or shown as a crash.
#[wasm_bindgen_test]
async fn a_reused_code_shows_the_providers_error() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let code = approved_code(&url, "alice").await;
    let state = query_param(&url, "state").unwrap();
    let saved = APP.get(PENDING_LOGIN_KEY).unwrap();
    let first = mount_callback(&config, format!("?code={code}&state={state}"));
    let signed_in = first.app.signed_in;
    wait_for("the first exchange", move || signed_in.get_untracked()).await;
    // Replay: the same pending login and the same code, as an attacker holding both would.
    SessionTokens.clear();
    APP.set(PENDING_LOGIN_KEY, &saved).unwrap();
    let replay = mount_callback(&config, format!("?code={code}&state={state}"));
    wait_for("the replay to be refused", || replay.has("#auth-error")).await;
    assert!(replay.text().contains("invalid_grant"), "{}", replay.text());
    assert!(SessionTokens.load().is_none());
}

/// Guards against a library that is not shown whole, or a page that never says who is signed in.
#[wasm_bindgen_test]
async fn playlists_page_shows_the_whole_library() {
    let config = fresh_session("alice").await;
    let expected = session(&config)
        .library(|_, _| ControlFlow::Continue(()))
        .await
        .expect("the library")
        .playlists;
    assert!(expected.len() > 10, "alice has about a dozen playlists");
    let page = mount_playlists(&config);
    wait_for("the whole library", || {
        page.count("li.playlist") == expected.len() as u32
    })
    .await;
    wait_for("the user's name", || page.has("#user-name")).await;
    assert!(page.text().contains("Alice"));
    assert!(page.text().contains(&expected[0].name));
    assert!(page
        .text()
        .contains(&format!("{} playlists", expected.len())));
    assert!(!page.has("#empty-library"));
}

#[wasm_bindgen_test]
async fn an_empty_library_says_so() {
    let config = fresh_session("bob").await;
    let page = mount_playlists(&config);
    wait_for("the empty-library message", || page.has("#empty-library")).await;
    assert_eq!(page.count("li.playlist"), 0);
}

/// Guards against a 5xx leaving the page stuck, or its retry not working.
#[wasm_bindgen_test]
async fn a_server_error_offers_try_again_which_recovers() {
    let page =
        playlists_page_failing_with(r#"{"rules":[{"path":"/v1/me/playlists","status":503}]}"#)
            .await;
    assert!(page.text().contains("HTTP 503"), "{}", page.text());
    page.click(".error button").await;
    wait_for("the library after the retry", || {
        page.count("li.playlist") > 10
    })
    .await;
    assert!(!page.has(".error"));
    assert!(page.app.signed_in.get_untracked(), "the session survived");
}

/// Guards against a malformed body panicking the app instead of being reported.
#[wasm_bindgen_test]
async fn malformed_json_is_reported() {
    let page = playlists_page_failing_with(r#"{"malformed_json_on":"/v1/me/playlists"}"#).await;
    assert!(page.text().contains("cannot read"), "{}", page.text());
    assert!(SessionTokens.load().is_some(), "the session is kept");
}

/// Guards against dropping `Retry-After` (it must be exposed through CORS) when rate limited.
#[wasm_bindgen_test]
async fn rate_limiting_says_how_long_to_wait() {
    let page = playlists_page_failing_with(
        r#"{"rules":[{"path":"/v1/me","status":429,"retry_after":7}]}"#,
    )
    .await;
    assert!(page.text().contains("try again in 7 s"), "{}", page.text());
}

/// Guards against a failure without CORS headers (what a browser sees as "network down") crashing the page.
#[wasm_bindgen_test]
async fn an_unreadable_failure_reads_as_a_network_error() {
    let page = playlists_page_failing_with(
        r#"{"no_cors_on_errors":true,"rules":[{"path":"/v1/me","status":500}]}"#,
    )
    .await;
    assert!(
        page.text().contains("Could not reach Spotify"),
        "{}",
        page.text()
    );
    assert!(SessionTokens.load().is_some(), "the session is kept");
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
    let notice = page.app.notice.get_untracked().unwrap_or_default();
    assert!(notice.contains("log in again"), "{notice}");
    assert!(SessionTokens.load().is_none(), "the dead tokens are gone");
}

/// Guards against a track list that stops after its first page (30 pages of 50 here), miscounts, or loses the
/// playlist's name.
#[wasm_bindgen_test]
async fn a_long_playlist_is_listed_whole() {
    let config = fresh_session("dave").await;
    let library = session(&config)
        .library(|_, _| ControlFlow::Continue(()))
        .await
        .expect("the library");
    let long = library
        .playlists
        .iter()
        .find(|p| p.track_count().unwrap_or(0) >= 1000)
        .expect("dave has a playlist of 1,000+ tracks");
    let expected = long.track_count().unwrap();
    let id = long.id.clone();
    let page = mount(&config, move || view! { <TrackList id=id/> });
    wait_for("every track", || page.count("li.track") == expected).await;
    assert!(
        page.text().contains(&format!("{expected} tracks")),
        "{}",
        page.text()
    );
    assert!(page.text().contains(&long.name));
}

/// Guards against a crafted playlist id reaching the API, or failing without a way back.
#[wasm_bindgen_test]
async fn a_crafted_playlist_id_is_not_found() {
    let config = fresh_session("alice").await;
    let page = mount(&config, || view! { <TrackList id="..%2Fme".to_owned()/> });
    wait_for("the error", || page.has(".error")).await;
    assert!(page.text().contains("could not find"), "{}", page.text());
    assert_eq!(page.count("li.track"), 0);
}
