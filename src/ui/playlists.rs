use std::sync::Arc;

use leptos::prelude::*;

use super::paged::{Load, LoadStatus, PagedList};
use super::{use_app, AppState, NoticeReason};
use crate::browser::session;
use crate::spotify::{Playlist, User};

/// The size covers are shown at, in CSS pixels.
const COVER_PX: u32 = 64;

/// Reads the user and the whole library into the page's signals.
fn load(app: AppState, user: RwSignal<Option<User>>, list: PagedList<Arc<Playlist>>) {
    list.start(app, move |sink, fetch| async move {
        let session = session(app.config, &fetch);
        let me = session.me().await?;
        sink.set(user, Some(me));
        session
            .library(|added, total| sink.push(added.iter().cloned().map(Arc::new), total))
            .await?;
        Ok(())
    });
}

/// The signed-in screen: who is signed in, and their playlists as they load.
#[component]
pub fn PlaylistsPage() -> impl IntoView {
    let app = use_app();
    let user = RwSignal::new(None::<User>);
    let list = PagedList::new();
    load(app, user, list);

    let log_out = move |_| app.sign_out(NoticeReason::LoggedOut, "You have logged out.");
    let retry = move || load(app, user, list);

    view! {
        <header class="top">
            <span class="brand">"Your playlists"</span>
            <span class="who">
                {move || user.get().map(|u| view! { <span id="user-name">{u.name().to_owned()}</span> })}
                <button id="logout" type="button" on:click=log_out>"Log out"</button>
            </span>
        </header>
        <main class="page">
            <LoadStatus list=list singular="playlist" plural="playlists" retry=retry/>
            <Show when=move || list.load.get() == Load::Done && list.is_empty()>
                <p id="empty-library" class="empty">
                    "You have no playlists yet. Playlists you create or follow on Spotify will appear here."
                </p>
            </Show>
            <ul id="playlists" class="playlists">
                <For each=move || list.items.get() key=|p| p.id.clone() let:playlist>
                    <PlaylistRow playlist=playlist/>
                </For>
            </ul>
        </main>
    }
}

#[component]
fn PlaylistRow(playlist: Arc<Playlist>) -> impl IntoView {
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
    view! {
        <li class="playlist" data-id=playlist.id.to_string()>
            {cover}
            <div class="meta">
                <a class="playlist-name" href=format!("/playlist/{}", playlist.id) title=playlist.name.clone()>
                    {playlist.name.clone()}
                </a>
                <span class="details">
                    <span class="owner">"by " {playlist.owner_name().to_owned()}</span>
                    <span class="tracks">{tracks}</span>
                </span>
            </div>
            <span class="badges">
                {(playlist.public == Some(true)).then(|| view! { <span class="badge">"Public"</span> })}
                {playlist.collaborative.then(|| view! { <span class="badge">"Collaborative"</span> })}
            </span>
        </li>
    }
}
