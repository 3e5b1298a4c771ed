//! Thin adapters from the pure core to the browser: storage, fetch, randomness, the clock and the address bar.
//! They translate and nothing more; every decision is made in the core.

pub mod copy_store;
pub mod crypto;
pub mod discovery;
pub mod download;
pub mod http;
pub mod local_copy;
pub mod location;
pub mod login;
pub mod random;
pub mod storage;
pub mod tabs;
pub mod text;

use std::cell::RefCell;

use wasm_bindgen_futures::JsFuture;

use crate::config::{AppConfig, ConfigError, Loaded};
use crate::oauth::TokenSet;
use crate::session::{Clock, Pacer, Session, SessionKey, StoreError, TokenStore};

pub use http::Fetch;
pub use tabs::BrowserTabs;

/// Runs `task` in the background (`wasm_bindgen_futures::spawn_local`), boxed: the executor's spawning code is
/// compiled once, not once per kind of task.
pub fn spawn(task: impl std::future::Future<Output = ()> + 'static) {
    let task: std::pin::Pin<Box<dyn std::future::Future<Output = ()>>> = Box::pin(task);
    wasm_bindgen_futures::spawn_local(task);
}

/// Resolves after `ms` milliseconds (`setTimeout`).
pub async fn sleep_ms(ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.min(i32::MAX as u32) as i32,
            );
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// Resolves once the page has been painted: after the next animation frame, or after `limit_ms` when none comes
/// (a hidden tab gets no frames).
pub async fn after_next_paint(limit_ms: u32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| match web_sys::window() {
        Some(window) => {
            let _ = window.request_animation_frame(&resolve);
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                limit_ms.min(i32::MAX as u32) as i32,
            );
        }
        None => {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    });
    let _ = JsFuture::from(promise).await;
    // A frame is painted after its animation-frame callbacks; a task queued from one runs after the paint.
    sleep_ms(0).await;
}

/// How long [`Clock::yield_to_page`] waits at most for a frame.
const YIELD_LIMIT_MS: u32 = 50;

/// `Date.now()`, `setTimeout` and `Math.random()`.
#[derive(Clone, Copy, Default)]
pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
    async fn sleep(&self, ms: u64) {
        sleep_ms(ms.min(u32::MAX as u64) as u32).await
    }
    fn jitter(&self) -> f64 {
        js_sys::Math::random()
    }
    async fn yield_to_page(&self) {
        after_next_paint(YIELD_LIMIT_MS).await
    }
}

/// The session's tokens in sessionStorage: they survive a reload of the tab, stay out of other tabs (unless
/// the browser copies them into a duplicated tab), and go when the tab's session ends, although browsers keep
/// them for a tab that session restore brings back.
///
/// When the browser refuses a write, the tokens are kept in memory instead (so the page goes on working) and
/// the refusal is returned: a session that only lives in memory ends with the page.
#[derive(Clone, Copy, Default)]
pub struct SessionTokens;

const TOKENS_KEY: &str = "tokens";

thread_local! {
    /// The tokens, when storage refused the last write: then they are the truth, not storage.
    static UNSAVED: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The tab's one pause (see [`Pacer`]).
    static PACER: &'static Pacer = Box::leak(Box::default());
    static TABS: &'static BrowserTabs = Box::leak(Box::default());
}

impl TokenStore for SessionTokens {
    fn load(&self) -> Option<TokenSet> {
        let json = UNSAVED
            .with(|unsaved| unsaved.borrow().clone())
            .or_else(|| storage::APP.get(TOKENS_KEY))?;
        if let Some(tokens) = TokenSet::from_storage_json(&json) {
            return Some(tokens);
        }
        // Kept before sessions had a key: the session gets one now, and keeps it.
        let key = SessionKey::from_bytes(random::bytes()?);
        let tokens = TokenSet::from_storage_json_keyed(&json, key)?;
        let _ = self.save(&tokens);
        Some(tokens)
    }
    fn save(&self, tokens: &TokenSet) -> Result<(), StoreError> {
        let json = tokens.to_storage_json();
        let written = storage::APP.set(TOKENS_KEY, &json);
        UNSAVED.with(|unsaved| *unsaved.borrow_mut() = written.is_err().then_some(json));
        written.map_err(|e| match e {
            storage::StorageError::Unavailable => StoreError::Unavailable,
            storage::StorageError::WriteRefused => StoreError::Refused,
        })
    }
    fn clear(&self) {
        UNSAVED.with(|unsaved| *unsaved.borrow_mut() = None);
        storage::APP.remove(TOKENS_KEY);
    }
}

/// The tab's one pause, which every request waits out.
pub fn pacer() -> &'static Pacer {
    PACER.with(|p| *p)
}

/// The tab's view of the app's other tabs.
pub fn browser_tabs() -> &'static BrowserTabs {
    TABS.with(|t| *t)
}

/// The core [`Session`] of this tab.
pub type BrowserSession<'a> = Session<'a, Fetch, SessionTokens, BrowserClock, BrowserTabs>;

/// A core [`Session`] wired to `transport` (fetch), sessionStorage, the browser clock, the other tabs and the
/// tab's one pause.
pub fn session<'a>(config: &'a AppConfig, transport: &'a Fetch) -> BrowserSession<'a> {
    Session {
        config,
        transport,
        store: &SessionTokens,
        clock: &BrowserClock,
        tabs: browser_tabs(),
        pacer: pacer(),
    }
}

/// Cancels requests on the wire: every [`Fetch`] made by [`Cancel::fetch`] is aborted by [`Cancel::cancel`].
pub struct Cancel(Option<web_sys::AbortController>);

impl Cancel {
    pub fn new() -> Self {
        Cancel(web_sys::AbortController::new().ok())
    }

    /// A transport whose requests this cancels. Without `AbortController` (no browser supports fetch without
    /// it), requests still run and only their answers are ignored.
    pub fn fetch(&self) -> Fetch {
        match &self.0 {
            Some(controller) => Fetch::cancelled_by(controller.signal()),
            None => Fetch::default(),
        }
    }

    /// Aborts whatever is in flight, and every later request of the transports made from this.
    pub fn cancel(&self) {
        if let Some(controller) = &self.0 {
            controller.abort();
        }
    }
}

impl Default for Cancel {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads the `<script id="app-config" type="application/json">` block of the page.
pub fn load_config() -> Result<Loaded, ConfigError> {
    let text = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app-config"))
        .and_then(|e| e.text_content())
        .ok_or(ConfigError::Missing)?;
    AppConfig::load(&text)
}
