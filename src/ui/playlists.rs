use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{use_app, AppState};
use crate::browser::session;
use crate::session::SessionError;
use crate::spotify::{Playlist, User};

/// The size covers are shown at, in CSS pixels.
const COVER_PX: u32 = 64;

#[derive(Clone, Debug, PartialEq)]
enum Load {
    Loading,
    Done,
    Failed(SessionError),
}

/// The signals the page renders; the loader fills them.
#[derive(Clone, Copy)]
struct Library {
    user: RwSignal<Option<User>>,
    playlists: RwSignal<Vec<Arc<Playlist>>>,
    total: RwSignal<Option<u32>>,
    load: RwSignal<Load>,
}

impl Library {
    fn new() -> Self {
        Library {
            user: RwSignal::new(None),
            playlists: RwSignal::new(Vec::new()),
            total: RwSignal::new(None),
            load: RwSignal::new(Load::Loading),
        }
    }

    /// Reads the user and the whole library. Runs past the page's lifetime harmlessly: every write is a
    /// `try_`, which does nothing once the page is gone.
    fn load(self, app: AppState) {
        self.playlists.set(Vec::new());
        self.total.set(None);
        self.load.set(Load::Loading);
        spawn_local(async move {
            let session = session(&app.config);
            let result = async {
                let user = session.me().await?;
                self.user.try_set(Some(user));
                session
                    .library(|added, total| {
                        self.total.try_set(Some(total));
                        self.playlists
                            .try_update(|all| all.extend(added.iter().cloned().map(Arc::new)));
                    })
                    .await
            }
            .await;
            match result {
                Ok(_) => {
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

/// The signed-in screen: who is signed in, and their playlists as they load.
#[component]
pub fn PlaylistsPage() -> impl IntoView {
    let app = use_app();
    let library = Library::new();
    library.load(app.clone());

    let log_out = {
        let app = app.clone();
        move |_| app.sign_out(Some("You have logged out.".into()))
    };
    let retry = move |_| library.load(use_app());
    let loaded = move || library.playlists.with(Vec::len);

    view! {
        <header class="top">
            <span class="brand">"Your playlists"</span>
            <span class="who">
                {move || library.user.get().map(|u| view! { <span id="user-name">{u.name().to_owned()}</span> })}
                <button id="logout" type="button" on:click=log_out>"Log out"</button>
            </span>
        </header>
        <main class="page">
            <p class="summary" role="status" aria-live="polite">
                {move || match (library.load.get(), library.total.get()) {
                    (Load::Loading, None) => "Loading your playlists…".to_owned(),
                    (Load::Loading, Some(total)) => format!("Loaded {} of {total} playlists…", loaded()),
                    (_, Some(1)) => "1 playlist".to_owned(),
                    (_, total) => format!("{} playlists", total.unwrap_or(0).max(loaded() as u32)),
                }}
            </p>
            {move || match library.load.get() {
                Load::Failed(error) => Some(view! {
                    <div class="error" role="alert">
                        <p>{error.to_string()}</p>
                        <button type="button" class="primary" on:click=retry>"Try again"</button>
                    </div>
                }),
                _ => None,
            }}
            <Show when=move || library.load.get() == Load::Done && loaded() == 0>
                <p id="empty-library" class="empty">"You have no playlists yet. Playlists you create or follow on Spotify will appear here."</p>
            </Show>
            <ul id="playlists" class="playlists">
                <For each=move || library.playlists.get() key=|p| p.id.clone() let:playlist>
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
        <li class="playlist" data-id=playlist.id.clone()>
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
