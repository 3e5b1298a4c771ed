use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use super::login::LoginScreen;
use super::{use_app, AppState};
use crate::browser::session;
use crate::session::SessionError;
use crate::spotify::model::format_duration;
use crate::spotify::{Playlist, PlaylistEntry};

#[derive(Clone, Debug, PartialEq)]
enum Load {
    Loading,
    Done,
    Failed(SessionError),
}

#[derive(Clone, Copy)]
struct Tracks {
    playlist: RwSignal<Option<Playlist>>,
    entries: RwSignal<Vec<PlaylistEntry>>,
    total: RwSignal<Option<u32>>,
    load: RwSignal<Load>,
}

impl Tracks {
    fn load(self, app: AppState, id: String) {
        self.entries.set(Vec::new());
        self.total.set(None);
        self.load.set(Load::Loading);
        spawn_local(async move {
            let session = session(&app.config);
            let result = async {
                let playlist = session.playlist(&id).await?;
                self.playlist.try_set(Some(playlist));
                session
                    .playlist_items(&id, |page, total| {
                        self.total.try_set(Some(total));
                        self.entries.try_update(|all| all.extend(page));
                    })
                    .await
            }
            .await;
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

/// `/playlist/:id`: one playlist's tracks, as they load. Signed out, it shows the log-in screen.
#[component]
pub fn PlaylistPage() -> impl IntoView {
    let app = use_app();
    move || {
        if app.signed_in.get() {
            view! { <TrackList/> }.into_any()
        } else {
            view! { <LoginScreen/> }.into_any()
        }
    }
}

#[component]
fn TrackList() -> impl IntoView {
    let app = use_app();
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let tracks = Tracks {
        playlist: RwSignal::new(None),
        entries: RwSignal::new(Vec::new()),
        total: RwSignal::new(None),
        load: RwSignal::new(Load::Loading),
    };
    {
        let app = app.clone();
        Effect::new(move || tracks.load(app.clone(), id()));
    }
    let retry = move |_| tracks.load(use_app(), id());
    let loaded = move || tracks.entries.with(Vec::len);

    view! {
        <header class="top">
            <a class="brand" href="/">"← Your playlists"</a>
        </header>
        <main class="page">
            <h1 id="playlist-title">{move || tracks.playlist.get().map(|p| p.name)}</h1>
            <p class="summary" role="status" aria-live="polite">
                {move || match (tracks.load.get(), tracks.total.get()) {
                    (Load::Loading, None) => "Loading tracks…".to_owned(),
                    (Load::Loading, Some(total)) => format!("Loaded {} of {total} tracks…", loaded()),
                    (_, Some(1)) => "1 track".to_owned(),
                    (_, total) => format!("{} tracks", total.unwrap_or(0)),
                }}
            </p>
            {move || match tracks.load.get() {
                Load::Failed(error) => Some(view! {
                    <div class="error" role="alert">
                        <p>{error.to_string()}</p>
                        <button type="button" class="primary" on:click=retry>"Try again"</button>
                    </div>
                }),
                _ => None,
            }}
            <ol id="tracks" class="tracks">
                <For
                    each=move || 0..loaded()
                    key=|index| *index
                    children=move |index| {
                        let entry = tracks.entries.with_untracked(|all| all.get(index).cloned());
                        view! { <TrackRow entry=entry/> }
                    }
                />
            </ol>
        </main>
    }
}

/// One entry. Entries are only ever appended, so the list can key them by position.
#[component]
fn TrackRow(entry: Option<PlaylistEntry>) -> impl IntoView {
    match entry.as_ref().and_then(PlaylistEntry::content) {
        Some(content) => view! {
            <li class="track">
                <span class="track-name">{content.name.clone()}</span>
                <span class="details">
                    <span>{content.byline()}</span>
                    <span>{content.album.as_ref().map(|a| a.name.clone())}</span>
                </span>
                <span class="duration">{content.duration_ms.map(format_duration)}</span>
            </li>
        }
        .into_any(),
        None => view! {
            <li class="track unavailable">
                <span class="track-name">"Unavailable track"</span>
            </li>
        }
        .into_any(),
    }
}
