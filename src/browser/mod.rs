//! Thin adapters from the pure core to the browser: storage, fetch, randomness, the clock and the address bar.
//! They translate and nothing more; every decision is made in the core.

pub mod http;
pub mod location;
pub mod login;
pub mod random;
pub mod storage;

use crate::config::{AppConfig, ConfigError};
use crate::oauth::TokenSet;
use crate::session::{Clock, RefreshLock, Session, TokenStore};

pub use http::Fetch;

/// `Date.now()`.
#[derive(Clone, Copy, Default)]
pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}

/// The session's tokens in sessionStorage: they survive a reload of the tab, stay out of other tabs (unless
/// the browser copies them into a duplicated tab), and go when the tab's session ends, although browsers keep
/// them for a tab that session restore brings back.
#[derive(Clone, Copy, Default)]
pub struct SessionTokens;

const TOKENS_KEY: &str = "tokens";

impl TokenStore for SessionTokens {
    fn load(&self) -> Option<TokenSet> {
        storage::APP
            .get(TOKENS_KEY)
            .as_deref()
            .and_then(TokenSet::from_storage_json)
    }
    fn save(&self, tokens: &TokenSet) {
        // If storage refuses the write, the tokens are not kept: the next call finds no session and the user is
        // asked to log in, which is the honest outcome when the browser will not hold a session.
        let _ = storage::APP.set(TOKENS_KEY, &tokens.to_storage_json());
    }
    fn clear(&self) {
        storage::APP.remove(TOKENS_KEY);
    }
}

/// The tab's one refresh lock: every session of the tab refreshes through it.
static REFRESH_LOCK: RefreshLock = RefreshLock::new(());

/// A core [`Session`] wired to `transport` (fetch), sessionStorage and the browser clock.
pub fn session<'a>(
    config: &'a AppConfig,
    transport: &'a Fetch,
) -> Session<'a, Fetch, SessionTokens, BrowserClock> {
    Session {
        config,
        transport,
        store: &SessionTokens,
        clock: &BrowserClock,
        refresh_lock: &REFRESH_LOCK,
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
pub fn load_config() -> Result<AppConfig, ConfigError> {
    let text = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app-config"))
        .and_then(|e| e.text_content())
        .ok_or(ConfigError::Missing)?;
    AppConfig::from_json(&text)
}
