//! What the browser tests share: the provider's address and admin endpoints, a signed-in tab, and mounting.

use std::any::Any;
use std::cell::Cell;
use std::ops::ControlFlow;
use std::rc::Rc;

use leptos::prelude::*;
use pkce_playlists::browser::login::{complete_login, start_login, PENDING_LOGIN_KEY};
use pkce_playlists::browser::storage::APP;
use pkce_playlists::browser::{self, Fetch};
use pkce_playlists::config::AppConfig;
use pkce_playlists::oauth::PendingLogin;
use pkce_playlists::session::LibraryRead;
use pkce_playlists::spotify::Playlist;
use pkce_playlists::ui::callback::CallbackView;
use pkce_playlists::ui::playlists::PlaylistsPage;
use pkce_playlists::ui::AppState;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub const PROVIDER: &str = match option_env!("LOCAL_SPOTIFY_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:18081",
};

/// The app's client, in Development Mode at the provider.
pub const CLIENT: &str = "pkce-playlists-local";
/// A second client of the same app, with extended quota (registered by `cargo xtask test`).
pub const EXTENDED_CLIENT: &str = "pkce-playlists-local-extended";

pub fn config() -> AppConfig {
    config_for(CLIENT)
}

/// The app's configuration, as the client `client_id`.
pub fn config_for(client_id: &str) -> AppConfig {
    AppConfig::from_json(&format!(
        r#"{{"client_id":"{client_id}","authorization_endpoint":"{PROVIDER}/authorize",
            "token_endpoint":"{PROVIDER}/api/token","api_base_url":"{PROVIDER}/v1",
            "scopes":["playlist-read-private","playlist-read-collaborative"]}}"#
    ))
    .expect("test configuration")
}

/// The tab's session, as the pages use it (fetch, sessionStorage, the browser clock).
pub fn session<'a>(config: &'a AppConfig, fetch: &'a Fetch) -> browser::BrowserSession<'a> {
    browser::session(config, fetch)
}

pub fn window() -> web_sys::Window {
    web_sys::window().expect("a window")
}

pub fn clear_storage() {
    window()
        .session_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
}

pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        window()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// Waits up to 10 s for `condition`, failing the test with `what` if it never holds.
pub async fn wait_for(what: &str, condition: impl Fn() -> bool) {
    wait_up_to(10_000, what, condition).await
}

/// Waits up to `ms` for `condition` (for what the app's retries take: up to about 15 s), failing the test with
/// `what` if it never holds.
pub async fn wait_up_to(ms: u32, what: &str, condition: impl Fn() -> bool) {
    for _ in 0..ms / 50 {
        if condition() {
            return;
        }
        sleep(50).await;
    }
    panic!("timed out after {ms} ms waiting for {what}");
}

/// Starts a login through the navigation seam and returns the URL it would have navigated to.
pub fn start_recorded_login(config: &AppConfig) -> String {
    let mut navigated = None;
    start_login(config, |url| navigated = Some(url.to_owned())).expect("login starts");
    navigated.expect("the login navigates")
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub fn pending_login() -> Option<PendingLogin> {
    APP.get(PENDING_LOGIN_KEY)
        .as_deref()
        .and_then(PendingLogin::from_storage_json)
}

/// `POST` to one of the provider's admin endpoints.
pub async fn admin(path: &str, json: &str) -> String {
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
pub async fn reset_faults() {
    admin("reset", "{}").await;
}

/// Asks the provider for a code as if `user` had approved the login described by `authorize_url`.
pub async fn approved_code(authorize_url: &str, user: &str) -> String {
    let body = format!(
        r#"{{"client_id":"{}","redirect_uri":"{}","code_challenge":"{}","user":"{user}","scope":"{}"}}"#,
        query_param(authorize_url, "client_id").unwrap(),
        query_param(authorize_url, "redirect_uri").unwrap(),
        query_param(authorize_url, "code_challenge").unwrap(),
        query_param(authorize_url, "scope").unwrap(),
    );
    let text = admin("codes", &body).await;
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    json["code"].as_str().expect("a code").to_owned()
}

/// Signs in as `user` through the real exchange, as the callback would; returns the code that was spent.
pub async fn sign_in(config: &AppConfig, user: &str) -> String {
    let url = start_recorded_login(config);
    let code = approved_code(&url, user).await;
    let query = format!("?code={code}&state={}", query_param(&url, "state").unwrap());
    complete_login(config, &query).await.expect("signed in");
    code
}

/// A clean tab and a healthy provider, signed in as `user`.
pub async fn fresh_session(user: &str) -> AppConfig {
    fresh_session_for(CLIENT, user).await
}

/// A clean tab and a healthy provider, signed in as `user` through the client `client_id`.
pub async fn fresh_session_for(client_id: &str, user: &str) -> AppConfig {
    clear_storage();
    reset_faults().await;
    let config = config_for(client_id);
    sign_in(&config, user).await;
    config
}

/// The signed-in user's whole library, read straight through the session (what the page should show).
pub async fn whole_library(config: &AppConfig) -> Vec<Playlist> {
    let mut playlists = vec![];
    session(config, &Fetch::default())
        .library(&mut LibraryRead::default(), |added, _, _| {
            playlists.extend(added);
            ControlFlow::Continue(())
        })
        .await
        .expect("the library");
    playlists
}

/// A view mounted in a fresh element, with the app state it reports to. Dropping it unmounts the view (its
/// loads are cancelled) and removes the element, so nothing of one test stays on the page for the next.
pub struct Mounted {
    pub root: web_sys::HtmlElement,
    pub app: AppState,
    handle: Option<Box<dyn Any>>,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        drop(self.handle.take());
        self.root.remove();
    }
}

impl Mounted {
    pub fn text(&self) -> String {
        self.root.text_content().unwrap_or_default()
    }

    pub fn has(&self, selector: &str) -> bool {
        self.root.query_selector(selector).ok().flatten().is_some()
    }

    pub fn count(&self, selector: &str) -> u32 {
        self.root
            .query_selector_all(selector)
            .map(|list| list.length())
            .unwrap_or(0)
    }

    /// The value of `attribute` on the first element that matches `selector`.
    pub fn attr(&self, selector: &str, attribute: &str) -> Option<String> {
        self.root
            .query_selector(selector)
            .ok()
            .flatten()?
            .get_attribute(attribute)
    }

    /// The `data-error` of the element `selector`, once it is there.
    pub async fn error_of(&self, selector: &str) -> String {
        wait_for(selector, || self.has(selector)).await;
        self.attr(selector, "data-error")
            .unwrap_or_else(|| panic!("{selector} has no data-error: {}", self.text()))
    }

    pub async fn click(&self, selector: &str) {
        let element = self.root.query_selector(selector).unwrap().expect(selector);
        element.unchecked_into::<web_sys::HtmlElement>().click();
        sleep(0).await;
    }
}

/// Mounts `view` in a fresh element with the app's state provided.
pub fn mount<V: IntoView + 'static>(
    config: &AppConfig,
    view: impl FnOnce() -> V + 'static,
) -> Mounted {
    let document = window().document().unwrap();
    let root: web_sys::HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&root).unwrap();
    // The state is made inside the mounted view, as the app makes it, so that unmounting cancels its loads.
    let made = Rc::new(Cell::new(None));
    let config = config.clone();
    let handle = leptos::mount::mount_to(root.clone(), {
        let made = made.clone();
        move || {
            let app = AppState::new(config);
            app.connect();
            made.set(Some(app));
            provide_context(app);
            view()
        }
    });
    Mounted {
        root,
        app: made.take().expect("the view was made"),
        handle: Some(Box::new(handle)),
    }
}

pub fn mount_callback(config: &AppConfig, query: String) -> Mounted {
    mount(config, move || view! { <CallbackView query=query/> })
}

pub fn mount_playlists(config: &AppConfig) -> Mounted {
    mount(config, || view! { <PlaylistsPage/> })
}

/// Signs in as alice, sets the provider's fault `plan`, mounts the playlists page and waits for its error (after
/// the app's retries, if it makes any).
pub async fn playlists_page_failing_with(plan: &str) -> Mounted {
    let config = fresh_session("alice").await;
    admin("faults", plan).await;
    let page = mount_playlists(&config);
    wait_up_to(30_000, "the error", || page.has("#load-error")).await;
    page
}
