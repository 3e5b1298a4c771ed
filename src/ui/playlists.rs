//! `/`: the signed-in user's library. The library is kept in the app's state, so that leaving for a playlist
//! and coming back does not read it again.

use std::sync::Arc;

use leptos::prelude::*;

use super::paged::{Explained, Load, LoadStatus, PagedList};
use super::{use_app, AppState, NoticeReason};
use crate::browser::{session, BrowserClock, Fetch, SessionTokens};
use crate::session::Session;
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
}

impl Library {
    pub fn new() -> Self {
        Library {
            user: RwSignal::new(None),
            list: PagedList::new(),
            access: RwSignal::new(ItemsAccess::default()),
        }
    }

    /// The playlist `id`, when the library holds it.
    pub fn find(&self, id: &PlaylistId) -> Option<Arc<Playlist>> {
        self.list
            .items
            .with_untracked(|all| all.iter().find(|p| &p.id == id).cloned())
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
    }
}

impl Default for Library {
    fn default() -> Self {
        Self::new()
    }
}

/// Asks the API, once per kind, whether this app may read the entries of a playlist the user only follows and
/// of one of Spotify's own, so the list can mark what cannot be opened. A failure leaves it unknown.
async fn learn_access(
    session: &Session<'_, Fetch, SessionTokens, BrowserClock>,
    library: Library,
    user: &User,
    playlists: &[Playlist],
) {
    let mut access = library.access.get_untracked();
    for kind in [Access::Followed, Access::SpotifyOwned] {
        if access.readable(kind).is_some() {
            continue;
        }
        let Some(sample) = playlists.iter().find(|p| p.access_for(&user.id) == kind) else {
            continue;
        };
        if let Ok(readable) = session.can_read_items(&sample.id).await {
            access.learn(kind, readable);
            library.access.try_set(access);
        }
    }
}

/// Reads the user and the whole library into the app's state.
fn load(app: AppState) {
    let library = app.library;
    library.list.start(app, move |sink, fetch| async move {
        let session = session(app.config, &fetch);
        let me = session.me().await?;
        sink.set(library.user, Some(me.clone()));
        let read = session
            .library(|added, total, skipped| {
                sink.push(added.iter().cloned().map(Arc::new), total, skipped)
            })
            .await?;
        if sink.is_current() {
            learn_access(&session, library, &me, &read.playlists).await;
        }
        Ok(())
    });
}

/// The signed-in screen: who is signed in, and their playlists as they load.
#[component]
pub fn PlaylistsPage() -> impl IntoView {
    let app = use_app();
    let library = app.library;
    let list = library.list;
    if list.load.get_untracked() == Load::Idle {
        load(app);
    }
    let log_out = move |_| app.sign_out(NoticeReason::LoggedOut, "You have logged out.");
    let retry = move || load(app);

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
