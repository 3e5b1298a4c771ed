//! Leptos components. They render state and send intents; the work is done by `browser` and the core.
//!
//! Every component reads the app's state once, with [`use_app`], when it is created; [`AppState`] is `Copy`, so
//! closures capture it rather than looking it up again.

pub mod app;
pub mod callback;
pub mod error;
pub mod login;
pub mod paged;
pub mod playlists;
pub mod tracks;

use leptos::prelude::*;

use crate::browser::SessionTokens;
use crate::config::AppConfig;
use crate::session::TokenStore;

pub use app::App;

/// Why the log-in screen is shown, when it is not the first visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub reason: NoticeReason,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeReason {
    LoggedOut,
    SessionEnded,
}

impl NoticeReason {
    /// The `data-reason` hook of the log-in screen's notice.
    pub fn code(self) -> &'static str {
        match self {
            NoticeReason::LoggedOut => "logged-out",
            NoticeReason::SessionEnded => "session-ended",
        }
    }
}

/// What every component may read: the configuration and whether there is a session.
#[derive(Clone, Copy)]
pub struct AppState {
    /// Read once at start-up and kept for the life of the page.
    pub config: &'static AppConfig,
    pub signed_in: RwSignal<bool>,
    /// Why the user is on the log-in screen, when it is not the first visit (session ended, logged out).
    pub notice: RwSignal<Option<Notice>>,
    /// The signed-in user's library, kept across pages.
    pub library: playlists::Library,
}

impl AppState {
    /// The state at start-up: signed in when this tab holds tokens. The configuration lives as long as the
    /// page, so it is leaked once here rather than reference-counted in every closure. Call it inside the
    /// component that owns the app, so that leaving the app cancels the library's load.
    pub fn new(config: AppConfig) -> Self {
        AppState {
            config: Box::leak(Box::new(config)),
            signed_in: RwSignal::new(SessionTokens.load().is_some()),
            notice: RwSignal::new(None),
            library: playlists::Library::new(),
        }
    }

    /// Forgets the session's tokens and what was read with them, and shows the log-in screen with `notice`.
    pub fn sign_out(&self, reason: NoticeReason, message: impl Into<String>) {
        SessionTokens.clear();
        self.library.reset();
        self.notice.set(Some(Notice {
            reason,
            message: message.into(),
        }));
        self.signed_in.set(false);
    }
}

/// The app's state, provided by [`App`].
pub fn use_app() -> AppState {
    expect_context::<AppState>()
}
