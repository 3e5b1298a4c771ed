//! `/playlist/:id`: one playlist's entries, and, where Spotify refuses them, why, in the user's words.

use std::sync::Arc;

use leptos::prelude::*;

use super::export::ExportEntries;
use super::login::{LoginButton, SignedIn};
use super::paged::{Explained, Load, LoadStatus, PagedList, Sink};
use super::playlists::copy_until;
use super::playlists::Library;
use super::split::{deferred, split_view};
use super::virtual_list::VirtualList;
use super::When;
use super::{use_app, AppState};
use crate::browser::text;
use crate::browser::{local_copy, session, Fetch, SessionTokens};
use crate::session::copy::EntriesCopy;
use crate::session::{Cursor, SessionError, TokenStore};
use crate::spotify::arrange::{fold, words};
use crate::spotify::export::PlaylistRow;
use crate::spotify::model::format_duration;
use crate::spotify::{Access, ApiError, Playlist, PlaylistEntry, PlaylistId, User};

/// Shows entries from the session's copy, as a read that is over.
fn show_copy(sink: &Sink<PlaylistEntry>, cursor: StoredValue<Cursor>, copy: EntriesCopy) {
    let _ = sink.push(copy.entries, copy.total, copy.skipped);
    if sink.is_current() {
        cursor.set_value(Cursor {
            total: Some(copy.total),
            next_offset: copy.total,
            next_url: None,
            done: true,
        });
    }
}

/// The entries a list has read whole, as a copy at `snapshot_id`.
fn copy_of(list: PagedList<PlaylistEntry>, snapshot_id: String, now_ms: u64) -> EntriesCopy {
    let entries = list.items.try_get_untracked().unwrap_or_default();
    EntriesCopy {
        snapshot_id,
        read_at_ms: now_ms,
        total: list
            .total
            .try_get_untracked()
            .flatten()
            .unwrap_or(entries.len() as u32),
        skipped: list.skipped.try_get_untracked().unwrap_or(0),
        entries,
    }
}

/// Reads the playlist `id` and all its entries into the page's signals. When the entries are refused, the
/// user is looked up (if the library has not already) so that the refusal can be explained, and what the API
/// answered is remembered for the library's list.
fn load(
    app: AppState,
    id: PlaylistId,
    playlist: RwSignal<Option<Arc<Playlist>>>,
    list: PagedList<PlaylistEntry>,
    cursor: StoredValue<Cursor>,
) {
    let library = app.library;
    let resume = cursor.with_value(|c| c.total.is_some());
    let task = move |sink: Sink<PlaylistEntry>, fetch: Fetch| async move {
        let session = session(app.config, &fetch);
        let key = SessionTokens.load().map(|t| t.key);
        // The playlist as the library lists it (its snapshot says which entries are current), else the session's
        // copy of the library, else Spotify. The page may be gone after any await: every read of its state is a
        // `try_`.
        let listed = match library.find(&id) {
            Some(listed) => Some(listed),
            None => match &key {
                Some(key) => local_copy::library(key)
                    .await
                    .and_then(|copy| copy.playlists.into_iter().find(|p| p.id == id)),
                None => None,
            },
        };
        let found = match playlist.try_get_untracked().flatten().filter(|_| resume) {
            Some(found) => found,
            None => match listed {
                Some(listed) => Arc::new(listed),
                None => match session.playlist(&id).await {
                    Ok(found) => Arc::new(found),
                    Err(e) => return Err(e),
                },
            },
        };
        sink.set(playlist, Some(found.clone()));
        // Entries read at the playlist's current snapshot are shown from the copy, with no call.
        if let (false, Some(key)) = (resume, &key) {
            if let Some(copy) = local_copy::entries(key, &id)
                .await
                .filter(|c| c.current_for(&found))
            {
                show_copy(&sink, cursor, copy);
                return Ok(());
            }
        }
        let Some(mut read_to) = cursor.try_get_value() else {
            return Ok(());
        };
        let read = session
            .playlist_items(&id, &mut read_to, |page, total, skipped| {
                sink.push(page, total, skipped)
            })
            .await;
        if sink.is_current() {
            cursor.set_value(read_to.clone());
        }
        if let (Ok(()), true, Some(key), Some(snapshot_id)) = (
            &read,
            read_to.done && sink.is_current(),
            &key,
            found.snapshot_id.clone(),
        ) {
            sink.flush();
            let now = js_sys::Date::now() as u64;
            let copy = copy_of(list, snapshot_id, now);
            local_copy::keep_entries(key, &id, copy, copy_until(app, now));
        }
        if let Err(SessionError::Api(ApiError::Forbidden(_) | ApiError::NotFound)) = &read {
            if library.user.try_with_untracked(Option::is_none) == Some(true) {
                if let Ok(me) = session.me().await {
                    sink.set(library.user, Some(me));
                }
            }
            if let Some(user) = library.user.try_get_untracked().flatten() {
                let access = found.access_for(&user.id);
                library.access.update(|known| known.learn(access, false));
            }
        }
        read
    };
    if resume {
        list.resume(app, task);
    } else {
        list.start(app, task);
    }
}

/// A refusal of the entries in the user's words, when the playlist says why; otherwise the plain account.
fn explain(library: Library, playlist: Option<Arc<Playlist>>, error: &SessionError) -> Explained {
    let user = library.user.get_untracked();
    let access = playlist
        .as_ref()
        .zip(user.as_ref())
        .map(|(p, u)| p.access_for(&u.id));
    let link = playlist
        .as_ref()
        .and_then(|p| p.spotify_url())
        .map(|url| (url.to_owned(), "Open it on Spotify"));
    let (code, message) = match (error, access) {
        (SessionError::Api(ApiError::Forbidden(_)), Some(Access::Followed)) => (
            "development-mode",
            "Spotify lets apps in Development Mode list the tracks only of playlists you own or collaborate on. \
             You follow this playlist, so its tracks cannot be shown here; they are all on Spotify.",
        ),
        (SessionError::Api(ApiError::NotFound), Some(Access::SpotifyOwned)) => (
            "spotify-owned",
            "This is one of Spotify's own playlists. Spotify does not let apps read those, so its tracks \
             cannot be shown here; they are all on Spotify.",
        ),
        (SessionError::Api(ApiError::NotFound), _) => (
            "not-found",
            "Spotify could not find this playlist. It may have been deleted, or it may be one of Spotify's own \
             playlists, which Spotify does not let apps read.",
        ),
        _ => return Explained::of(error),
    };
    Explained {
        code,
        message: message.to_owned(),
        retry_after: None,
        retry: false,
        link,
    }
}

/// The name the copy of Liked Songs is kept under, with its "snapshot": Liked Songs have none, so the count the
/// library last read stands in for it (a Refresh of the library reads it again).
const LIKED: &str = "liked";

fn liked_snapshot(total: u32) -> String {
    format!("liked:{total}")
}

/// Reads the user's Liked Songs into the page's list: from the session's copy when the library's count of them
/// is the one the copy was read at, otherwise from Spotify (then kept).
fn load_liked(app: AppState, list: PagedList<PlaylistEntry>, cursor: StoredValue<Cursor>) {
    let library = app.library;
    let resume = cursor.with_value(|c| c.total.is_some());
    let task = move |sink: Sink<PlaylistEntry>, fetch: Fetch| async move {
        let session = session(app.config, &fetch);
        let key = SessionTokens.load().map(|t| t.key);
        let known = library.liked_total.try_get_untracked().flatten();
        if let (false, Some(key), Some(total)) = (resume, &key, known) {
            let copy = local_copy::entries_named(key, LIKED).await;
            if let Some(copy) = copy.filter(|c| c.snapshot_id == liked_snapshot(total)) {
                show_copy(&sink, cursor, copy);
                return Ok(());
            }
        }
        let Some(mut read_to) = cursor.try_get_value() else {
            return Ok(());
        };
        let read = session
            .liked_songs(&mut read_to, |page, total, skipped| {
                sink.push(page, total, skipped)
            })
            .await;
        if sink.is_current() {
            cursor.set_value(read_to.clone());
        }
        if let (Ok(()), true, Some(key)) = (&read, read_to.done && sink.is_current(), &key) {
            sink.flush();
            let now = js_sys::Date::now() as u64;
            let total = list
                .total
                .try_get_untracked()
                .flatten()
                .unwrap_or_else(|| list.len_untracked() as u32);
            sink.set(library.liked_total, Some(total));
            let copy = copy_of(list, liked_snapshot(total), now);
            local_copy::keep_entries_named(key, LIKED, copy, copy_until(app, now));
        }
        read
    };
    if resume {
        list.resume(app, task);
    } else {
        list.start(app, task);
    }
}

/// A refusal of Liked Songs: a session from before the app asked for `user-library-read` lacks it.
fn explain_liked(error: &SessionError) -> Explained {
    match error {
        SessionError::Api(ApiError::Forbidden(_)) => Explained {
            code: "missing-scope",
            message: "Your sign-in does not let this app read your Liked Songs (it was made before the app asked \
                      for that). Sign in again to allow it; your playlists stay as they are."
                .to_owned(),
            retry_after: None,
            retry: false,
            link: None,
        },
        other => Explained::of(other),
    }
}

/// Whether `entry` holds every one of `words` (folded) in its name, artists, or album or show.
fn entry_matches(entry: &PlaylistEntry, words: &[String]) -> bool {
    let Some(content) = entry.content() else {
        return false;
    };
    let haystack = [
        content.name.as_str(),
        &content.byline(),
        content.album.as_ref().map_or("", |a| a.name.as_str()),
    ]
    .map(|text| fold(text, &text::decompose))
    .join(" ");
    words.iter().all(|word| haystack.contains(word.as_str()))
}

/// `/liked`: the user's Liked Songs, like a playlist's page. A session whose sign-in did not grant
/// `user-library-read` is offered to sign in again instead.
#[component]
pub fn LikedPage() -> impl IntoView {
    view! { <SignedIn>{deferred(liked_view)}</SignedIn> }
}

split_view!(
    fn liked_view() {
        view! { <LikedList/> }
    }
);

#[component]
fn LikedList() -> impl IntoView {
    let app = use_app();
    let list = PagedList::new();
    let cursor = StoredValue::new(Cursor::default());
    let may_read = session(app.config, &Fetch::default()).may_read_liked();
    let retry = move || load_liked(app, list, cursor);
    if may_read {
        retry();
    }
    // Find: the entries whose name, artists or album (or show) hold every word typed, ignoring case and accents.
    let query = RwSignal::new(String::new());
    let order = Memo::new(move |_| {
        let words = words(&query.get(), &text::decompose);
        list.items.with(|items| {
            items
                .iter()
                .enumerate()
                .filter(|(_, entry)| words.is_empty() || entry_matches(entry, &words))
                .map(|(pos, _)| pos)
                .collect::<Vec<_>>()
        })
    });
    let count = Signal::derive(move || order.with(Vec::len));
    let refused = move || {
        !may_read
            || list
                .load
                .with(|l| matches!(l, Load::Failed(SessionError::Api(ApiError::Forbidden(_)))))
    };
    view! {
        <header class="top">
            <a class="brand" href="/">"← Your playlists"</a>
        </header>
        <main class="page">
            <h1 id="playlist-title" tabindex="-1">"Liked Songs"</h1>
            {(!may_read).then(|| view! {
                <p id="load-error" class="error" role="alert" data-error="missing-scope">
                    {explain_liked(&SessionError::Api(ApiError::Forbidden(String::new()))).message}
                </p>
            })}
            {may_read.then(|| view! {
                <LoadStatus list=list.status() singular="track" plural="tracks" retry=retry
                    explain=Callback::new(|error: SessionError| explain_liked(&error))/>
            })}
            <ExportEntries load=list.load title=Signal::derive(|| "Liked Songs".to_owned())
                row=move || {
                    let user = app.library.user.get_untracked().unwrap_or(User {
                        id: String::new(),
                        display_name: None,
                    });
                    let entries = list.items.get_untracked();
                    let total = list.total.get_untracked();
                    Some(PlaylistRow::liked_songs(&user, total, Some(&entries)))
                }/>
            <When when=Signal::derive(refused)>
                <LoginButton id="grant-liked" label="Sign in again to show Liked Songs"/>
            </When>
            <div class="tools" role="search">
                <label class="find">
                    <span class="visually-hidden">"Find in Liked Songs by name, artist or album"</span>
                    <input id="find" type="search" placeholder="Find by name, artist or album" autocomplete="off"
                        prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                </label>
            </div>
            <When when=Signal::derive(move || !query.with(String::is_empty) && !list.is_empty())>
                <p id="match-count" class="summary" role="status" data-count=move || count.get()
                    data-total=move || list.len()>
                    {move || format!("{} of {} tracks match", crate::browser::text::number(count.get() as u32),
                        crate::browser::text::number(list.len() as u32))}
                </p>
            </When>
            <VirtualList id="tracks" class="tracks" label="Liked Songs" count=count row_px=TRACK_ROW_PX
                key=Callback::new(move |pos: usize| order.with_untracked(|o| o.get(pos).map(usize::to_string)))
                row=Callback::new(move |pos: usize| {
                    let at = order.with_untracked(|o| o.get(pos).copied());
                    let entry = at.and_then(|at| list.items.with_untracked(|all| all.get(at).cloned()));
                    view! { <TrackRow entry=entry pos=pos/> }.into_any()
                })/>
        </main>
    }
}

/// `/playlist/:id` (the id was parsed by the route, where it entered the app). Signed out, it shows the log-in
/// screen.
#[component]
pub fn PlaylistPage(id: PlaylistId) -> impl IntoView {
    let page = move || {
        let id = id.clone();
        deferred(move || playlist_view(id.clone()))
    };
    view! { <SignedIn>{page()}</SignedIn> }
}

split_view!(
    fn playlist_view(id: PlaylistId) {
        view! { <TrackList id=id/> }
    }
);

/// `/playlist/…` with something that is not a playlist id: nothing is sent.
#[component]
pub fn NoSuchPlaylist() -> impl IntoView {
    view! {
        <header class="top">
            <a class="brand" href="/">"← Your playlists"</a>
        </header>
        <main class="page">
            <h1 id="page-title" tabindex="-1">"Playlist not found"</h1>
            <div id="load-error" class="error" role="alert" data-error="not-found">
                <p>"This address does not name a Spotify playlist."</p>
            </div>
        </main>
    }
}

/// The playlist `id` and its entries.
#[component]
pub fn TrackList(id: PlaylistId) -> impl IntoView {
    let app = use_app();
    let library = app.library;
    let playlist = RwSignal::new(library.find(&id).map(Arc::new));
    let list = PagedList::new();
    let id = StoredValue::new(id);
    let cursor = StoredValue::new(Cursor::default());
    let retry = move || load(app, id.get_value(), playlist, list, cursor);
    retry();
    let explain = move |error: &SessionError| explain(library, playlist.get_untracked(), error);
    let count = Signal::derive(move || list.len());
    let title = NodeRef::<leptos::html::H1>::new();
    Effect::new(move || {
        if let Some(title) = title.get() {
            let _ = title.focus();
        }
    });

    view! {
        <header class="top">
            <a class="brand" href="/">"← Your playlists"</a>
        </header>
        <main class="page">
            <h1 id="playlist-title" tabindex="-1" node_ref=title>
                {move || playlist.get().map(|p| p.display_name().to_owned())}
            </h1>
            // The playlist's own count, as Spotify gives it: the entries read may be fewer (or none, when Spotify
            // refuses them to this app).
            {move || playlist.get().and_then(|p| p.track_count()).map(|n| view! {
                <p id="playlist-count" class="summary" data-count=n>
                    {if n == 1 { "1 track".to_owned() } else { format!("{} tracks", crate::browser::text::number(n)) }}
                </p>
            })}
            <LoadStatus list=list.status() singular="track" plural="tracks" retry=retry
                explain=Callback::new(move |error: SessionError| explain(&error))/>
            <ExportEntries load=list.load title=Signal::derive(move || {
                    playlist.get().map(|p| p.display_name().to_owned()).unwrap_or_default()
                })
                row=move || {
                    let found = playlist.get_untracked()?;
                    let user_id = library.user_id();
                    let entries = list.items.get_untracked();
                    Some(PlaylistRow::playlist(&found, &user_id, &library.access.get_untracked(), Some(&entries)))
                }/>
            <VirtualList id="tracks" class="tracks" label="Tracks" count=count row_px=TRACK_ROW_PX
                // The position names the entry: entries are only ever appended.
                key=Callback::new(|_: usize| None)
                row=Callback::new(move |pos: usize| {
                    let entry = list.items.with_untracked(|all| all.get(pos).cloned());
                    view! { <TrackRow entry=entry pos=pos/> }.into_any()
                })/>
        </main>
    }
}

/// One entry: a track, an episode (with its show), a local file (marked as such), or one that is gone.
/// The height of a track row, in CSS pixels (the style sheet's `.track` has the same).
const TRACK_ROW_PX: u32 = 60;

#[component]
fn TrackRow(entry: Option<PlaylistEntry>, pos: usize) -> impl IntoView {
    match entry.as_ref().and_then(PlaylistEntry::content) {
        Some(content) => {
            let kind = if content.is_local {
                Some(("local", "Local file"))
            } else if content.is_episode() {
                Some(("episode", "Episode"))
            } else {
                None
            };
            view! {
                <li class="track" data-kind=kind.map(|(code, _)| code) data-pos=pos tabindex="-1">
                    <span class="track-name">
                        <span class="title">{content.display_name().to_owned()}</span>
                        {kind.map(|(_, label)| view! { <span class="badge">{label}</span> })}
                    </span>
                    <span class="details">
                        <span>{content.byline()}</span>
                        <span>{content.album.as_ref().map(|a| a.name.clone())}</span>
                    </span>
                    <span class="duration">{content.duration_ms.map(format_duration)}</span>
                </li>
            }
            .into_any()
        }
        None => view! {
            <li class="track unavailable" data-pos=pos tabindex="-1">
                <span class="track-name">"Unavailable track"</span>
            </li>
        }
        .into_any(),
    }
}
