use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::login::SignedIn;
use super::paged::{LoadStatus, PagedList};
use super::{use_app, AppState};
use crate::browser::session;
use crate::spotify::model::format_duration;
use crate::spotify::{Playlist, PlaylistEntry};

/// Reads the playlist `id` and all its entries into the page's signals.
fn load(
    app: AppState,
    id: String,
    playlist: RwSignal<Option<Playlist>>,
    list: PagedList<PlaylistEntry>,
) {
    let config = app.config.clone();
    playlist.set(None);
    list.start(app, move |sink| async move {
        let session = session(&config);
        let found = session.playlist(&id).await?;
        sink.set(playlist, Some(found));
        session
            .playlist_items(&id, |page, total| sink.push(page, total))
            .await
    });
}

/// `/playlist/:id`: one playlist's tracks, as they load. Signed out, it shows the log-in screen.
#[component]
pub fn PlaylistPage() -> impl IntoView {
    let params = use_params_map();
    let id = Signal::derive(move || params.with(|p| p.get("id").unwrap_or_default()));
    view! { <SignedIn><TrackList id=id/></SignedIn> }
}

/// The playlist `id` and its tracks, loaded again whenever `id` changes.
#[component]
pub fn TrackList(#[prop(into)] id: Signal<String>) -> impl IntoView {
    let playlist = RwSignal::new(None::<Playlist>);
    let list = PagedList::new();
    // Runs again when the id in the address changes; the superseded load stops writing.
    Effect::new(move || load(use_app(), id.get(), playlist, list));
    let retry = move || load(use_app(), id.get_untracked(), playlist, list);

    view! {
        <header class="top">
            <a class="brand" href="/">"← Your playlists"</a>
        </header>
        <main class="page">
            <h1 id="playlist-title">{move || playlist.get().map(|p| p.name)}</h1>
            <LoadStatus list=list singular="track" plural="tracks" retry=retry/>
            <ol id="tracks" class="tracks">
                // Entries are only ever appended, so the list can key them by position.
                <For
                    each=move || 0..list.len()
                    key=|index| *index
                    children=move |index| {
                        let entry = list.items.with_untracked(|all| all.get(index).cloned());
                        view! { <TrackRow entry=entry/> }
                    }
                />
            </ol>
        </main>
    }
}

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
