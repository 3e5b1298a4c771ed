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

/// `Date.now()`.
#[derive(Clone, Copy, Default)]
pub struct BrowserClock;

impl Clock for BrowserClock {
    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }
}

/// The session's tokens in sessionStorage: they survive a reload of the tab and vanish with it.
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

/// A core [`Session`] wired to fetch, sessionStorage and the browser clock.
pub fn session(config: &AppConfig) -> Session<'_, http::Fetch, SessionTokens, BrowserClock> {
    Session {
        config,
        transport: &http::Fetch,
        store: &SessionTokens,
        clock: &BrowserClock,
        refresh_lock: &REFRESH_LOCK,
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
