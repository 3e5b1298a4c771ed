//! `/playlist/:id`: one playlist's entries.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::login::SignedIn;
use super::paged::{LoadStatus, PagedList};
use super::{use_app, AppState};
use crate::browser::session;
use crate::spotify::model::format_duration;
use crate::spotify::{Playlist, PlaylistEntry, PlaylistId};

/// Reads the playlist `id` and all its entries into the page's signals.
fn load(
    app: AppState,
    id: PlaylistId,
    playlist: RwSignal<Option<Playlist>>,
    list: PagedList<PlaylistEntry>,
) {
    playlist.set(None);
    list.start(app, move |sink, fetch| async move {
        let session = session(app.config, &fetch);
        let found = session.playlist(&id).await?;
        sink.set(playlist, Some(found));
        session
            .playlist_items(&id, |page, total| sink.push(page, total))
            .await
    });
}

/// `/playlist/:id`: the id is parsed here, where it enters the app; an address that holds no playlist id shows
/// "not found" and sends nothing. Signed out, it shows the log-in screen.
#[component]
pub fn PlaylistPage() -> impl IntoView {
    let params = use_params_map();
    let id =
        Memo::new(move |_| params.with(|p| p.get("id").as_deref().and_then(PlaylistId::parse)));
    view! {
        <SignedIn>
            {move || match id.get() {
                Some(id) => view! { <TrackList id=id/> }.into_any(),
                None => view! { <NoSuchPlaylist/> }.into_any(),
            }}
        </SignedIn>
    }
}

#[component]
fn NoSuchPlaylist() -> impl IntoView {
    view! {
        <header class="top">
            <a class="brand" href="/">"← Your playlists"</a>
        </header>
        <main class="page">
            <div id="load-error" class="error" role="alert" data-error="not-found">
                <p>"This address does not name a Spotify playlist."</p>
            </div>
        </main>
    }
}

/// The playlist `id` and its tracks.
#[component]
pub fn TrackList(id: PlaylistId) -> impl IntoView {
    let app = use_app();
    let playlist = RwSignal::new(None::<Playlist>);
    let list = PagedList::new();
    let id = StoredValue::new(id);
    let retry = move || load(app, id.get_value(), playlist, list);
    retry();

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
