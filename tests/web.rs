//! Browser tests of the shell, run by `wasm-bindgen-test` in headless Chrome and Firefox (`cargo xtask test`).
//! The callback tests talk to a running local provider at `LOCAL_SPOTIFY_URL` that registers this page's
//! origin + `/callback` for the client `pkce-playlists-local`.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use leptos_router::components::Router;
use pkce_playlists::browser::login::{start_login, PENDING_LOGIN_KEY};
use pkce_playlists::browser::storage::{Namespace, APP};
use pkce_playlists::browser::{session, SessionTokens};
use pkce_playlists::config::AppConfig;
use pkce_playlists::oauth::PendingLogin;
use pkce_playlists::session::TokenStore;
use pkce_playlists::ui::callback::CallbackView;
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

/// Asks the provider for a code as if `user` had approved the login described by `authorize_url`.
async fn approved_code(authorize_url: &str, user: &str) -> String {
    let body = format!(
        r#"{{"client_id":"pkce-playlists-local","redirect_uri":"{}","code_challenge":"{}","user":"{user}","scope":"{}"}}"#,
        query_param(authorize_url, "redirect_uri").unwrap(),
        query_param(authorize_url, "code_challenge").unwrap(),
        query_param(authorize_url, "scope").unwrap(),
    );
    let response = gloo_net::http::Request::post(&format!("{PROVIDER}/admin/codes"))
        .header("Content-Type", "application/json")
        .body(body)
        .unwrap()
        .send()
        .await
        .expect("the local provider answers (is it running?)");
    let text = response.text().await.unwrap();
    assert_eq!(response.status(), 200, "admin/codes: {text}");
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

fn mount_callback(config: &AppConfig, query: String) -> Mounted {
    let document = window().document().unwrap();
    let root: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    let app = AppState::new(config.clone());
    let provided = app.clone();
    let handle = leptos::mount::mount_to(root.clone(), move || {
        provide_context(provided);
        view! { <Router><CallbackView query=query/></Router> }
    });
    handle.forget();
    Mounted { root, app }
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
