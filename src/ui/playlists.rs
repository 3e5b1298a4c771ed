//! `/`: the signed-in user's library. The library is kept in the app's state, so that leaving for a playlist
//! and coming back does not read it again.

use std::sync::Arc;

use leptos::prelude::*;

use super::paged::{Explained, Load, LoadStatus, PagedList, Sink};
use super::{use_app, AppState};
use crate::browser::{session, BrowserSession, Fetch};
use crate::session::LibraryRead;
use crate::spotify::{Access, ItemsAccess, Playlist, PlaylistId, User};

/// The size covers are shown at, in CSS pixels.
const COVER_PX: u32 = 64;

/// The signed-in user and their library, as far as it has been read, and what the API has shown this app may
/// read. Lives as long as the session: log out forgets it.
#[derive(Clone, Copy)]
pub struct Library {
    pub user: RwSignal<Option<User>>,
    pub list: PagedList<Arc<Playlist>>,
    pub access: RwSignal<ItemsAccess>,
    /// Where the read of the library stands, so that "Try again" resumes it.
    read: StoredValue<LibraryRead>,
}

impl Library {
    pub fn new() -> Self {
        Library {
            user: RwSignal::new(None),
            list: PagedList::new(),
            access: RwSignal::new(ItemsAccess::default()),
            read: StoredValue::new(LibraryRead::default()),
        }
    }

    /// The playlist `id`, when the library holds it.
    pub fn find(&self, id: &PlaylistId) -> Option<Arc<Playlist>> {
        self.list
            .items
            .try_with_untracked(|all| all.iter().find(|p| &p.id == id).cloned())
            .flatten()
    }

    /// Whether the signed-in user may read the entries of `playlist`, as far as the API has told.
    pub fn readable(&self, playlist: &Playlist) -> Option<bool> {
        let user = self
            .user
            .with_untracked(|u| u.as_ref().map(|u| u.id.clone()))?;
        self.access.get().readable(playlist.access_for(&user))
    }

    /// Forgets everything (log out, or a new sign-in).
    pub fn reset(&self) {
        self.list.reset();
        self.user.set(None);
        self.access.set(ItemsAccess::default());
        self.read.set_value(LibraryRead::default());
    }
}

impl Default for Library {
    fn default() -> Self {
        Self::new()
    }
}

/// Asks the API, once per kind, whether this app may read the entries of a playlist the user only follows and
/// of one of Spotify's own, so the list can mark what cannot be opened. A failure leaves it unknown.
async fn learn_access(session: &BrowserSession<'_>, library: Library, user: &User) {
    for kind in [Access::Followed, Access::SpotifyOwned] {
        // The page may be gone after any await: every read of its state is a `try_`.
        let Some(mut access) = library.access.try_get_untracked() else {
            return;
        };
        if access.readable(kind).is_some() {
            continue;
        }
        let sample = library.list.items.try_with_untracked(|all| {
            all.iter()
                .find(|p| p.access_for(&user.id) == kind)
                .map(|p| p.id.clone())
        });
        let Some(sample) = sample.flatten() else {
            continue;
        };
        if let Ok(readable) = session.can_read_items(&sample).await {
            access.learn(kind, readable);
            library.access.try_set(access);
        }
    }
}

/// Reads the user and the library into the app's state: from the start, or (`resume`) on from where the last
/// read stopped, keeping what is shown.
fn load(app: AppState, resume: bool) {
    let library = app.library;
    let resume = resume && library.read.with_value(|r| r.cursor.total.is_some());
    if !resume {
        library.read.set_value(LibraryRead::default());
    }
    let task = move |sink: Sink<Arc<Playlist>>, fetch: Fetch| async move {
        let session = session(app.config, &fetch);
        let me = match library.user.try_get_untracked().flatten() {
            Some(me) => me,
            None => {
                let me = session.me().await?;
                sink.set(library.user, Some(me.clone()));
                me
            }
        };
        let Some(mut read) = library.read.try_get_value() else {
            return Ok(());
        };
        let result = session
            .library(&mut read, |added, total, skipped| {
                sink.push(added.into_iter().map(Arc::new), total, skipped)
            })
            .await;
        if sink.is_current() {
            library.read.set_value(read);
        }
        result?;
        if sink.is_current() {
            learn_access(&session, library, &me).await;
        }
        Ok(())
    };
    if resume {
        library.list.resume(app, task);
    } else {
        library.list.start(app, task);
    }
}

/// The signed-in screen: who is signed in, and their playlists as they load.
#[component]
pub fn PlaylistsPage() -> impl IntoView {
    let app = use_app();
    let library = app.library;
    let list = library.list;
    if list.load.get_untracked() == Load::Idle {
        load(app, false);
    }
    let log_out = move |_| app.log_out();
    let retry = move || load(app, true);

    view! {
        <header class="top">
            <span class="brand">"Your playlists"</span>
            <span class="who">
                {move || library.user.get().map(|u| view! { <span id="user-name">{u.name().to_owned()}</span> })}
                <button id="logout" type="button" on:click=log_out>"Log out"</button>
            </span>
        </header>
        <main class="page">
            <LoadStatus list=list singular="playlist" plural="playlists" retry=retry explain=Explained::of/>
            <Show when=move || list.load.get() == Load::Done && list.is_empty()>
                <p id="empty-library" class="empty">
                    "You have no playlists yet. Playlists you create or follow on Spotify will appear here."
                </p>
            </Show>
            <ul id="playlists" class="playlists">
                <For each=move || list.items.get() key=|p| p.id.clone() let:playlist>
                    <PlaylistRow playlist=playlist library=library/>
                </For>
            </ul>
        </main>
    }
}

/// One playlist. `data-access` says whose it is (`own`, `followed`, `spotify`); `data-readable="no"` marks one
/// whose entries the API has shown this app may not read.
#[component]
fn PlaylistRow(playlist: Arc<Playlist>, library: Library) -> impl IntoView {
    let cover = match playlist.cover_url(COVER_PX) {
        Some(url) => view! {
            <img class="cover" src=url.to_owned() alt="" width=COVER_PX height=COVER_PX loading="lazy"
                referrerpolicy="no-referrer"/>
        }
        .into_any(),
        None => view! { <div class="cover placeholder" aria-hidden="true">"♪"</div> }.into_any(),
    };
    let tracks = match playlist.track_count() {
        Some(1) => "1 track".to_owned(),
        Some(n) => format!("{n} tracks"),
        None => String::new(),
    };
    let access = library
        .user
        .with_untracked(|u| u.as_ref().map(|u| playlist.access_for(&u.id)));
    let unreadable = {
        let playlist = playlist.clone();
        Memo::new(move |_| library.readable(&playlist) == Some(false))
    };
    let why = match access {
        Some(Access::SpotifyOwned) => "Spotify does not let apps read its own playlists",
        _ => "Spotify lets apps in Development Mode read only playlists you own or collaborate on",
    };
    let owner = playlist.owner_name().to_owned();
    view! {
        <li class="playlist" data-id=playlist.id.to_string() data-access=access.map(Access::code)
            data-readable=move || unreadable.get().then_some("no")>
            {cover}
            <div class="meta">
                <a class="playlist-name" href=format!("/playlist/{}", playlist.id)
                    title=playlist.display_name().to_owned()>
                    {playlist.display_name().to_owned()}
                </a>
                <span class="details">
                    {(!owner.is_empty()).then(|| view! { <span class="owner">"by " {owner}</span> })}
                    <span class="tracks">{tracks}</span>
                </span>
            </div>
            <span class="badges">
                {(playlist.public == Some(true)).then(|| view! { <span class="badge">"Public"</span> })}
                {playlist.collaborative.then(|| view! { <span class="badge">"Collaborative"</span> })}
                {move || unreadable.get().then(|| view! {
                    <span class="badge restricted" title=why>"Opens on Spotify only"</span>
                })}
            </span>
        </li>
    }
}
