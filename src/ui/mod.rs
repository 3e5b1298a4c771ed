//! Leptos components. They render state and send intents; the work is done by `browser` and the core.

pub mod app;
pub mod callback;
pub mod error;
pub mod login;
pub mod paged;
pub mod playlists;
pub mod tracks;

use std::sync::Arc;

use leptos::prelude::*;

use crate::browser::SessionTokens;
use crate::config::AppConfig;
use crate::session::TokenStore;

pub use app::App;

/// What every component may read: the configuration and whether there is a session.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<AppConfig>,
    pub signed_in: RwSignal<bool>,
    /// Why the user is on the log-in screen, when it is not the first visit (session ended, logged out).
    pub notice: RwSignal<Option<String>>,
}

impl AppState {
    /// The state at start-up: signed in when this tab holds tokens.
    pub fn new(config: AppConfig) -> Self {
        AppState {
            config: Arc::new(config),
            signed_in: RwSignal::new(SessionTokens.load().is_some()),
            notice: RwSignal::new(None),
        }
    }

    /// Forgets the session's tokens and shows the log-in screen with `notice`.
    pub fn sign_out(&self, notice: Option<String>) {
        SessionTokens.clear();
        self.notice.set(notice);
        self.signed_in.set(false);
    }
}

/// The app's state, provided by [`App`].
pub fn use_app() -> AppState {
    expect_context::<AppState>()
}
