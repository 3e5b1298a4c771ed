//! A list that loads page by page: its signals, a guard so that only the latest load writes to it, the
//! cancelling of loads that are no longer shown, and the status line with its error and "Try again".

use std::future::Future;
use std::ops::ControlFlow;
use std::pin::Pin;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{use_app, AppState};
use crate::browser::{text, Cancel, Fetch};
use crate::http::TransportError;
use crate::oauth::TokenError;
use crate::session::{PauseReason, SessionError};
use crate::spotify::ApiError;

#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    /// Nothing asked yet.
    Idle,
    Loading,
    Done,
    Failed(SessionError),
}

impl Load {
    /// The `data-state` hook of the status line.
    pub fn code(&self) -> &'static str {
        match self {
            Load::Idle => "idle",
            Load::Loading => "loading",
            Load::Done => "done",
            Load::Failed(_) => "failed",
        }
    }
}

/// The state of a list being loaded.
pub struct PagedList<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    /// What the first page said the list holds.
    pub total: RwSignal<Option<u32>>,
    /// How many entries could not be read and are not shown.
    pub skipped: RwSignal<u32>,
    pub load: RwSignal<Load>,
    /// Bumped by every load: a load that is no longer the latest stops writing.
    generation: RwSignal<u64>,
    /// Cancels the requests of the load in flight. Local to the page (an `AbortController` is a JS object).
    cancel: StoredValue<Option<Cancel>, LocalStorage>,
    /// Entries read but not shown yet: pages that arrive within one frame are shown together, in the next
    /// animation frame, so the list is laid out once per frame however fast pages come.
    pending: StoredValue<Vec<T>>,
    /// Whether a frame has been asked for to show `pending`.
    flush_asked: StoredValue<bool>,
}

impl<T: Send + Sync + 'static> Clone for PagedList<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for PagedList<T> {}

/// What the status line reads of a list, whatever its entries.
#[derive(Clone, Copy)]
pub struct ListStatus {
    pub load: RwSignal<Load>,
    pub total: RwSignal<Option<u32>>,
    pub skipped: RwSignal<u32>,
    /// How many entries are shown.
    pub len: Signal<usize>,
}

/// What a load writes through. Every write is a no-op once a newer load has started or the page is gone.
pub struct Sink<T: Send + Sync + 'static> {
    list: PagedList<T>,
    generation: u64,
}

impl<T: Send + Sync + 'static> Sink<T> {
    /// Whether this load is still the one the page shows (no newer load, page still mounted).
    pub fn is_current(&self) -> bool {
        self.list.generation.try_get_untracked() == Some(self.generation)
    }

    /// Appends a page, and records the list's total and how many of the page's entries could not be read. Says
    /// to stop reading once nobody is looking.
    pub fn push(
        &self,
        page: impl IntoIterator<Item = T>,
        total: u32,
        skipped: u32,
    ) -> ControlFlow<()> {
        if !self.is_current() {
            return ControlFlow::Break(());
        }
        let list = self.list;
        if list.total.try_get_untracked() != Some(Some(total)) {
            list.total.try_set(Some(total));
        }
        if skipped > 0 {
            list.skipped.try_update(|n| *n += skipped);
        }
        if list.items.try_with_untracked(Vec::is_empty) == Some(true) {
            // The first entries show at once.
            list.items.try_update(|items| items.extend(page));
            return ControlFlow::Continue(());
        }
        list.pending
            .try_update_value(|pending| pending.extend(page));
        if list.flush_asked.try_get_value() == Some(false) {
            list.flush_asked.try_set_value(true);
            request_animation_frame(move || list.flush());
        }
        ControlFlow::Continue(())
    }

    /// Empties the list (what it showed is being read again), if this load is still current.
    pub fn clear(&self) {
        if self.is_current() {
            self.list.pending.try_update_value(Vec::clear);
            self.list.items.try_set(Vec::new());
            self.list.total.try_set(None);
            self.list.skipped.try_set(0);
        }
    }

    /// Shows now what is waiting for the next frame.
    pub fn flush(&self) {
        if self.is_current() {
            self.list.flush();
        }
    }

    /// Sets `signal` (a heading that belongs to the list) if this load is still current.
    pub fn set<V: Send + Sync + 'static>(&self, signal: RwSignal<V>, value: V) {
        if self.is_current() {
            signal.try_set(value);
        }
    }
}

impl<T: Send + Sync + 'static> Default for PagedList<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Send + Sync + 'static> PagedList<T> {
    /// A list owned by the current component: when the component goes, its load is cancelled on the wire.
    pub fn new() -> Self {
        let cancel = StoredValue::new_local(None::<Cancel>);
        // Cleanups run before the owner's values are dropped, so the stored controller is still there.
        on_cleanup(move || {
            if let Some(Some(load)) = cancel.try_update_value(Option::take) {
                load.cancel();
            }
        });
        PagedList {
            items: RwSignal::new(Vec::new()),
            total: RwSignal::new(None),
            skipped: RwSignal::new(0),
            load: RwSignal::new(Load::Idle),
            generation: RwSignal::new(0),
            cancel,
            pending: StoredValue::new(Vec::new()),
            flush_asked: StoredValue::new(false),
        }
    }

    /// Shows the entries read since the last frame.
    fn flush(self) {
        self.flush_asked.try_set_value(false);
        let Some(pending) = self.pending.try_update_value(std::mem::take) else {
            return;
        };
        if !pending.is_empty() {
            self.items.try_update(|items| items.extend(pending));
        }
    }

    pub fn len(&self) -> usize {
        self.items.with(Vec::len)
    }

    /// The list as its status line reads it.
    pub fn status(self) -> ListStatus {
        ListStatus {
            load: self.load,
            total: self.total,
            skipped: self.skipped,
            len: Signal::derive(move || self.len()),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// How many entries are shown, without subscribing to changes (0 once the list is gone).
    pub fn len_untracked(&self) -> usize {
        self.items.try_with_untracked(Vec::len).unwrap_or(0)
    }

    /// Which list this is: a reset (and so every new read from the start) makes another one. Within one, entries
    /// are only ever appended.
    pub fn generation(self) -> u64 {
        self.generation.try_get_untracked().unwrap_or_default()
    }

    /// Cancels the load in flight and forgets the list (at log out: the next user must not see it).
    pub fn reset(self) {
        self.generation.update(|g| *g += 1);
        if let Some(Some(load)) = self.cancel.try_update_value(Option::take) {
            load.cancel();
        }
        self.pending.set_value(Vec::new());
        self.items.set(Vec::new());
        self.total.set(None);
        self.skipped.set(0);
        self.load.set(Load::Idle);
    }

    /// Cancels the load in flight, empties the list and runs `task`, which fills it through the [`Sink`] and
    /// sends its requests through the [`Fetch`] it is given (so that they can be cancelled). A failure that
    /// needs a new login ends the session (with the reason on the log-in screen); any other failure is shown
    /// with "Try again".
    pub fn start<Fut>(self, app: AppState, task: impl FnOnce(Sink<T>, Fetch) -> Fut + 'static)
    where
        Fut: Future<Output = Result<(), SessionError>> + 'static,
    {
        self.pending.set_value(Vec::new());
        self.items.set(Vec::new());
        self.total.set(None);
        self.skipped.set(0);
        self.run(app, boxed(task));
    }

    /// Like [`Self::start`], but keeps what is already shown: `task` reads on from where the last load stopped.
    pub fn resume<Fut>(self, app: AppState, task: impl FnOnce(Sink<T>, Fetch) -> Fut + 'static)
    where
        Fut: Future<Output = Result<(), SessionError>> + 'static,
    {
        self.run(app, boxed(task));
    }

    /// Not generic over the task: compiled once per kind of entry.
    fn run(self, app: AppState, task: Task<T>) {
        let generation = self.generation.get_untracked() + 1;
        self.generation.set(generation);
        self.load.set(Load::Loading);
        let load = Cancel::new();
        let fetch = load.fetch();
        if let Some(Some(previous)) = self.cancel.try_update_value(|slot| slot.replace(load)) {
            previous.cancel();
        }
        spawn_local(async move {
            let sink = Sink {
                list: self,
                generation,
            };
            let result = task(sink, fetch).await;
            if self.generation.try_get_untracked() != Some(generation) {
                return;
            }
            // Whatever was read shows before the load says it is done (or failed).
            self.flush();
            match result {
                Ok(()) => {
                    self.load.try_set(Load::Done);
                }
                Err(error) if error.needs_login() => app.session_ended(&error),
                Err(error) => {
                    self.load.try_set(Load::Failed(error));
                }
            }
        });
        // The status line shows numbers in the user's locale; the formatter is made while the first requests
        // are on the wire (the task above sends them before this timeout fires).
        set_timeout(text::prepare, std::time::Duration::ZERO);
    }
}

/// A load's task, boxed (see [`PagedList::start`]).
type Task<T> =
    Box<dyn FnOnce(Sink<T>, Fetch) -> Pin<Box<dyn Future<Output = Result<(), SessionError>>>>>;

fn boxed<T: Send + Sync + 'static, Fut>(
    task: impl FnOnce(Sink<T>, Fetch) -> Fut + 'static,
) -> Task<T>
where
    Fut: Future<Output = Result<(), SessionError>> + 'static,
{
    Box::new(move |sink, fetch| Box::pin(task(sink, fetch)))
}

/// A failure in the user's words: what the page shows, its `data-error` hook, and the ways forward.
pub struct Explained {
    pub code: &'static str,
    pub message: String,
    /// The `Retry-After` seconds of a rate-limited answer, for the `data-retry-after` hook.
    pub retry_after: Option<u64>,
    /// Whether trying again can help (it cannot for a refusal that stands).
    pub retry: bool,
    /// Where the user can see the thing instead (the playlist on Spotify).
    pub link: Option<(String, &'static str)>,
}

impl Explained {
    /// The plain account of `error`, with "Try again".
    pub fn of(error: &SessionError) -> Self {
        let retry_after = match error {
            SessionError::Api(ApiError::RateLimited { retry_after_secs }) => *retry_after_secs,
            SessionError::Quota(pause) if pause.known => Some(
                pause
                    .until_ms
                    .saturating_sub(js_sys::Date::now() as u64)
                    .div_ceil(1000),
            ),
            _ => None,
        };
        let message = match error {
            // The reset time in the user's own clock, when Spotify said it.
            SessionError::Quota(pause) => {
                let at = js_sys::Date::new(&(pause.until_ms as f64).into());
                let time: String = at
                    .to_locale_string("default", &js_sys::Object::new())
                    .into();
                pause.describe(pause.known.then_some(time.as_str()))
            }
            other => other.to_string(),
        };
        Explained {
            code: error.code(),
            message,
            retry_after,
            retry: true,
            link: None,
        }
    }
}

/// How long a load that failed for want of an answer waits before it resumes by itself (and at once when the
/// browser comes back online).
const RECOVER_AFTER_S: u32 = 15;

/// "Loaded 150 of 10000 playlists…", then "12 playlists" (`#load-status[data-state]`); while the app waits out a
/// pause, why and for how long (`data-pause`); how many entries could not be shown (`#skipped[data-count]`); on
/// failure, the error (`#load-error[data-error]`) as `explain` puts it, with "Try again" (`button#try-again`)
/// where that can help. A load that failed because nothing answered resumes by itself: when the browser comes
/// back online, or after a short wait.
///
/// Not generic (the list is read through its [`ListStatus`], `retry` and `explain` are callbacks), so that its
/// view is compiled once for every list.
#[component]
pub fn LoadStatus(
    list: ListStatus,
    singular: &'static str,
    plural: &'static str,
    #[prop(into)] retry: Callback<()>,
    explain: Callback<SessionError, Explained>,
) -> impl IntoView {
    let retry = move || retry.run(());
    let app = use_app();
    // A clock for the countdowns, ticking once a second while there is one to show.
    let now = RwSignal::new(js_sys::Date::now() as u64);
    let ticking = move || {
        app.pause.get().is_some()
            || list
                .load
                .with(|l| matches!(l, Load::Failed(e) if unanswered(e)))
    };
    let tick = set_interval_with_handle(
        move || {
            if ticking() {
                now.set(js_sys::Date::now() as u64);
            }
        },
        std::time::Duration::from_millis(250),
    )
    .ok();
    let failed_at = RwSignal::new(0u64);
    Effect::new(move || {
        if list
            .load
            .with(|l| matches!(l, Load::Failed(e) if unanswered(e)))
        {
            failed_at.set(js_sys::Date::now() as u64);
        }
    });
    let recover_in = move || {
        let elapsed = now.get().saturating_sub(failed_at.get()) / 1000;
        (RECOVER_AFTER_S as u64).saturating_sub(elapsed)
    };
    Effect::new(move || {
        let waiting = list
            .load
            .with(|l| matches!(l, Load::Failed(e) if unanswered(e)));
        if waiting && recover_in() == 0 {
            retry();
        }
    });
    let online = window_event_listener(leptos::ev::online, move |_| {
        if list
            .load
            .with_untracked(|l| matches!(l, Load::Failed(e) if unanswered(e)))
        {
            retry();
        }
    });
    on_cleanup(move || {
        if let Some(tick) = tick {
            tick.clear();
        }
        online.remove();
    });

    let summary = move || {
        if let (Load::Loading, Some(pause)) = (list.load.get(), app.pause.get()) {
            let secs = pause
                .until_ms
                .saturating_sub(now.get())
                .div_ceil(1000)
                .max(1);
            return pause_message(pause.reason, secs);
        }
        match (list.load.get(), list.total.get()) {
            (Load::Idle | Load::Loading, None) => format!("Loading {plural}…"),
            (Load::Loading, Some(total)) => format!(
                "Loaded {} of {} {plural}",
                text::number(list.len.get() as u32),
                text::number(total)
            ),
            (_, total) => match total.unwrap_or(0).max(list.len.get() as u32) {
                1 => format!("1 {singular}"),
                n => format!("{} {plural}", text::number(n)),
            },
        }
    };
    let pause_code = move || {
        list.load
            .with(|l| *l == Load::Loading)
            .then(|| app.pause.get().map(|p| p.reason.code()))
            .flatten()
    };
    let skipped = move || match list.skipped.get() {
        0 => None,
        n => Some(view! {
            <p id="skipped" class="notice" data-count=n>
                {match n {
                    1 => "1 item could not be shown: Spotify sent it in a form this app cannot read.".to_owned(),
                    n => format!("{n} items could not be shown: Spotify sent them in a form this app cannot read."),
                }}
            </p>
        }),
    };
    let progress = move || match (list.load.get(), list.total.get()) {
        (Load::Loading, Some(total)) if total > 0 => Some(view! {
            <progress id="progress" max=total value=move || list.len.get() aria-hidden="true"></progress>
        }),
        _ => None,
    };
    view! {
        <p id="load-status" class="summary" role="status" aria-live="polite"
            data-state=move || list.load.with(Load::code) data-pause=pause_code
            data-count=move || list.len.get() data-total=move || list.total.get()>{summary}</p>
        {progress}
        {skipped}
        {move || match list.load.get() {
            Load::Failed(error) => {
                let recovering = unanswered(&error);
                let explained = explain.run(error);
                Some(view! {
                    <div id="load-error" class="error" role="alert" data-error=explained.code
                        data-retry-after=explained.retry_after.map(|s| s.to_string())>
                        <p>{explained.message}</p>
                        {recovering.then(|| view! {
                            <p class="recovering">{move || format!("Trying again in {} s.", recover_in())}</p>
                        })}
                        {explained.link.map(|(href, label)| view! {
                            <p><a class="external" href=href rel="noopener noreferrer" target="_blank">{label}</a></p>
                        })}
                        {explained.retry.then(|| view! {
                            <button id="try-again" type="button" class="primary" on:click=move |_| retry()>
                                "Try again"
                            </button>
                        })}
                    </div>
                })
            }
            _ => None,
        }}
    }
}

/// Whether a load failed because nothing answered (offline, the API down, or 429s without CORS headers).
fn unanswered(error: &SessionError) -> bool {
    matches!(
        error,
        SessionError::Api(ApiError::Network(
            TransportError::Network { .. }
                | TransportError::Timeout { .. }
                | TransportError::NotSent
        )) | SessionError::Refresh(TokenError::Network(
            TransportError::Network { .. }
                | TransportError::Timeout { .. }
                | TransportError::NotSent
        ))
    )
}

/// The status line while every request waits out a pause.
fn pause_message(reason: PauseReason, secs: u64) -> String {
    match reason {
        PauseReason::RateLimited => format!("Spotify asked us to slow down — retrying in {secs} s"),
        PauseReason::NoAnswer => {
            format!(
                "Spotify did not answer (it may be asking us to slow down) — retrying in {secs} s"
            )
        }
        PauseReason::Unreachable => {
            let offline = web_sys::window().is_some_and(|w| !w.navigator().on_line());
            if offline {
                format!("You are offline — retrying in {secs} s")
            } else {
                format!("Spotify cannot be reached — retrying in {secs} s")
            }
        }
        PauseReason::ServerError => format!("Spotify is having trouble — retrying in {secs} s"),
    }
}
