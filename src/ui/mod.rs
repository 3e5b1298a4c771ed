//! Leptos components. They render state and send intents; the work is done by `browser` and the core.
//!
//! Every component reads the app's state once, with [`use_app`], when it is created; [`AppState`] is `Copy`, so
//! closures capture it rather than looking it up again.

pub mod app;
pub mod callback;
pub mod error;
pub mod export;
pub mod login;
pub mod paged;
pub mod playlists;
pub mod router;
pub mod split;
pub mod tracks;
pub mod virtual_list;

use leptos::prelude::*;

use crate::browser::login::{PENDING_LOGIN_KEY, SWITCH_ACCOUNT_KEY};
use crate::browser::storage::APP;
use crate::browser::{self, pacer, tabs, SessionTokens};
use crate::config::AppConfig;
use crate::session::{Pause, SessionEnd, SessionError, TokenStore};

pub use app::App;

/// How long after start the local copy's expired entries are deleted.
const PURGE_AFTER_S: u64 = 5;

/// Why the log-in screen is shown, when it is not the first visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub reason: NoticeReason,
    /// What ended the session, when it ended (the `data-end` hook).
    pub end: Option<&'static str>,
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

impl Notice {
    fn of(end: &SessionEnd) -> Self {
        let reason = match end {
            SessionEnd::LoggedOut => NoticeReason::LoggedOut,
            _ => NoticeReason::SessionEnded,
        };
        Notice {
            reason,
            end: Some(end.code()),
            message: end.to_string(),
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
    /// The pause every request is waiting out, if any (mirrors the tab's [`crate::session::Pacer`]).
    pub pause: RwSignal<Option<Pause>>,
}

impl AppState {
    /// The state at start-up: signed in when this tab holds tokens. The configuration lives as long as the
    /// page, so it is leaked once here rather than reference-counted in every closure. Call it inside the
    /// component that owns the app, so that leaving the app cancels the library's load.
    pub fn new(config: AppConfig) -> Self {
        // A tab that comes back (reloaded, restored, or back from another site) after its session ended in another
        // tab finds the end's marker, forgets the tokens and says why.
        let ended = tabs::ended_elsewhere();
        if ended.is_some() {
            SessionTokens.clear();
        }
        AppState {
            config: Box::leak(Box::new(config)),
            signed_in: RwSignal::new(SessionTokens.load().is_some()),
            notice: RwSignal::new(ended.as_ref().map(Notice::of)),
            library: playlists::Library::new(),
            pause: RwSignal::new(None),
        }
    }

    /// Connects the state to the rest of the tab and to the other tabs: the pause shows in the status line, and a
    /// session that ends in another tab (log out included) ends here too, with the reason. Once per page.
    pub fn connect(&self) {
        let state = *self;
        pacer().observe(move |pause| {
            state.pause.try_set(pause);
        });
        tabs::listen(move |end| state.show_login(Notice::of(&end)));
        // Later, so that it never holds up the page's first requests.
        leptos::prelude::set_timeout(
            browser::local_copy::purge,
            std::time::Duration::from_secs(PURGE_AFTER_S),
        );
    }

    /// Forgets what was read with the session, and shows the log-in screen with `notice`.
    fn show_login(&self, notice: Notice) {
        SessionTokens.clear();
        self.library.reset();
        pacer().reset();
        self.notice.set(Some(notice));
        self.signed_in.set(false);
    }

    /// Logs out, in this tab and every other tab of the app. The next login asks the provider for its consent
    /// page, so that the user can sign in with another account.
    pub fn log_out(&self) {
        if let Some(tokens) = SessionTokens.load() {
            let config = self.config;
            // What the session kept of the library goes with it.
            browser::local_copy::forget(&tokens.key);
            // Every tab of the session, those that come back later included, ends with this one.
            browser::session(config, &browser::Fetch::default())
                .end_everywhere(&tokens, SessionEnd::LoggedOut);
            // Best effort, and never waited for: the provider revokes the grant if it can (RFC 7009).
            leptos::task::spawn_local(async move {
                browser::session(config, &browser::Fetch::default())
                    .revoke(&tokens)
                    .await;
            });
        }
        APP.remove(PENDING_LOGIN_KEY);
        let _ = APP.set(SWITCH_ACCOUNT_KEY, "1");
        self.show_login(Notice::of(&SessionEnd::LoggedOut));
    }

    /// The session is over (`error` needs a new login): shows why on the log-in screen. Other tabs of the grant
    /// were told by the core when the provider refused it.
    pub fn session_ended(&self, error: &SessionError) {
        // A call that finds the tokens already gone (another call of this tab ended the session a moment ago) does
        // not replace the reason that call gave.
        let already_said = self.notice.try_get_untracked().flatten().is_some();
        if *error == SessionError::SignedOut && already_said {
            return;
        }
        let notice = match error.end() {
            Some(end) => Notice::of(&end),
            None => Notice {
                reason: NoticeReason::SessionEnded,
                end: None,
                message: error.to_string(),
            },
        };
        self.show_login(notice);
    }
}

/// `children` while `when` holds, made anew each time it comes to hold, as `<Show>` does. Not generic: one
/// compiled view for every use, where each `<Show>` compiles its own (and its own memo).
#[component]
pub fn When(#[prop(into)] when: Signal<bool>, children: ChildrenFn) -> impl IntoView {
    let when = Memo::new(move |_| when.get());
    move || {
        if when.get() {
            leptos::either::Either::Left(children())
        } else {
            leptos::either::Either::Right(())
        }
    }
}

/// The app's state, provided by [`App`].
pub fn use_app() -> AppState {
    expect_context::<AppState>()
}
