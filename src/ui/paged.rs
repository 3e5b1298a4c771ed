//! A list that loads page by page: its signals, a guard so that only the latest load writes to it, and the
//! status line with its error and "Try again".

use std::future::Future;
use std::ops::ControlFlow;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::AppState;
use crate::session::SessionError;

#[derive(Clone, Debug, PartialEq)]
pub enum Load {
    Loading,
    Done,
    Failed(SessionError),
}

/// The state of a list being loaded.
pub struct PagedList<T: Send + Sync + 'static> {
    pub items: RwSignal<Vec<T>>,
    /// What the first page said the list holds.
    pub total: RwSignal<Option<u32>>,
    pub load: RwSignal<Load>,
    /// Bumped by every load: a load that is no longer the latest stops writing.
    generation: RwSignal<u64>,
}

impl<T: Send + Sync + 'static> Clone for PagedList<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for PagedList<T> {}

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

    /// Appends a page and records the list's total. Says to stop reading once nobody is looking.
    pub fn push(&self, page: impl IntoIterator<Item = T>, total: u32) -> ControlFlow<()> {
        if !self.is_current() {
            return ControlFlow::Break(());
        }
        self.list.total.try_set(Some(total));
        self.list.items.try_update(|items| items.extend(page));
        ControlFlow::Continue(())
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
    pub fn new() -> Self {
        PagedList {
            items: RwSignal::new(Vec::new()),
            total: RwSignal::new(None),
            load: RwSignal::new(Load::Loading),
            generation: RwSignal::new(0),
        }
    }

    pub fn len(&self) -> usize {
        self.items.with(Vec::len)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Empties the list and runs `task`, which fills it through the [`Sink`]. A failure that needs a new login
    /// ends the session (with the reason on the log-in screen); any other failure is shown with "Try again".
    pub fn start<Fut>(self, app: AppState, task: impl FnOnce(Sink<T>) -> Fut + 'static)
    where
        Fut: Future<Output = Result<(), SessionError>> + 'static,
    {
        let generation = self.generation.get_untracked() + 1;
        self.generation.set(generation);
        self.items.set(Vec::new());
        self.total.set(None);
        self.load.set(Load::Loading);
        spawn_local(async move {
            let result = task(Sink {
                list: self,
                generation,
            })
            .await;
            if self.generation.try_get_untracked() != Some(generation) {
                return;
            }
            match result {
                Ok(()) => {
                    self.load.try_set(Load::Done);
                }
                Err(error) if error.needs_login() => app.sign_out(Some(error.to_string())),
                Err(error) => {
                    self.load.try_set(Load::Failed(error));
                }
            }
        });
    }
}

/// "Loaded 150 of 10000 playlists…", then "12 playlists"; on failure, the error and a "Try again" button.
#[component]
pub fn LoadStatus<T: Send + Sync + 'static>(
    list: PagedList<T>,
    singular: &'static str,
    plural: &'static str,
    retry: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let summary = move || match (list.load.get(), list.total.get()) {
        (Load::Loading, None) => format!("Loading {plural}…"),
        (Load::Loading, Some(total)) => format!("Loaded {} of {total} {plural}…", list.len()),
        (_, total) => match total.unwrap_or(0).max(list.len() as u32) {
            1 => format!("1 {singular}"),
            n => format!("{n} {plural}"),
        },
    };
    view! {
        <p class="summary" role="status" aria-live="polite">{summary}</p>
        {move || match list.load.get() {
            Load::Failed(error) => Some(view! {
                <div class="error" role="alert">
                    <p>{error.to_string()}</p>
                    <button type="button" class="primary" on:click=move |_| retry()>"Try again"</button>
                </div>
            }),
            _ => None,
        }}
    }
}
