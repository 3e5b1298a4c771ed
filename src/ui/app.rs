use leptos::prelude::*;

use super::callback::CallbackPage;
use super::login::SignedIn;
use super::playlists::PlaylistsPage;
use super::router::{Route, Router};
use super::split::{deferred, split_view};
use super::tracks::{LikedPage, NoSuchPlaylist, PlaylistPage};
use super::AppState;
use crate::browser::discovery::discover;
use crate::browser::{load_config, location};
use crate::config::{AppConfig, ConfigError, Discover, Loaded};
use crate::frame;

/// The whole app: inside a frame, only a notice (see [`frame`]); otherwise it reads the configuration block
/// (and, when it names only an issuer, the provider's metadata), then routes `/` (the playlists, or the log-in
/// screen), `/callback` (the provider's redirect) and `/playlist/:id` (one playlist's entries).
#[component]
pub fn App() -> impl IntoView {
    // The callback's code and state leave the address bar before anything else happens.
    location::strip_callback_query();
    // Inside a frame nothing starts: no configuration is read, no login can be clicked.
    if !frame::may_run(location::top()) {
        return view! { <Framed/> }.into_any();
    }
    match load_config() {
        Ok(Loaded::Ready(config)) => view! { <Routed config=config/> }.into_any(),
        Ok(Loaded::Discover(pending)) => {
            deferred(move || discovered_view(pending.clone())).into_any()
        }
        Err(error) => view! { <NotConfigured error=error/> }.into_any(),
    }
}

split_view!(
    /// [`Discovered`], in a module of its own: only a configuration that names an issuer needs it.
    fn discovered_view(pending: Discover) {
        view! { <Discovered pending=pending/> }
    }
);

/// The app once the provider's metadata has completed `pending`, or why it could not.
#[component]
fn Discovered(pending: Discover) -> impl IntoView {
    // Read once, by a task that writes what it found (a resource would bring in its machinery for one read).
    let found = RwSignal::new(None);
    leptos::task::spawn_local(async move {
        let config = discover(pending).await;
        found.try_set(Some(config));
    });
    move || match found.get() {
        None => view! {
            <main class="page narrow">
                <p class="status" role="status">"Connecting to the sign-in service…"</p>
            </main>
        }
        .into_any(),
        Some(Ok(config)) => view! { <Routed config=config/> }.into_any(),
        Some(Err(error)) => view! { <NotConfigured error=error/> }.into_any(),
    }
}

/// The app's state and its routes, once the configuration is complete.
#[component]
fn Routed(config: AppConfig) -> impl IntoView {
    let app = AppState::new(config);
    app.connect();
    provide_context(app);
    view! { <AppRoutes/> }
}

/// The page the address bar names, following links and back/forward without loading a page.
#[component]
pub fn AppRoutes() -> impl IntoView {
    let route = Router::start().route();
    move || match route.get() {
        Route::Home => view! { <Home/> }.into_any(),
        Route::Callback => view! { <CallbackPage/> }.into_any(),
        Route::Playlist(id) => view! { <PlaylistPage id=id/> }.into_any(),
        Route::NoSuchPlaylist => view! { <SignedIn><NoSuchPlaylist/></SignedIn> }.into_any(),
        Route::Liked => view! { <LikedPage/> }.into_any(),
        Route::NotFound => view! { <NotFound/> }.into_any(),
    }
}

/// What a page inside a frame shows instead of the app: a way out to a tab of its own.
#[component]
fn Framed() -> impl IntoView {
    let href = frame::own_tab_url(
        &location::origin().unwrap_or_default(),
        &location::path_and_query(),
    );
    let shown = href.clone();
    view! {
        <main class="page narrow">
            <div id="framed" class="error" role="alert">
                <h2>"This page cannot be used inside a frame"</h2>
                <p>
                    "Open it in its own tab: "
                    <a href=href target="_blank" rel="noopener noreferrer">{shown}</a>
                </p>
            </div>
        </main>
    }
}

#[component]
fn NotConfigured(error: ConfigError) -> impl IntoView {
    view! {
        <main class="page narrow">
            <div id="config-error" class="error" role="alert" data-error=error.code()>
                <h2>"This app is not configured"</h2>
                <p>{error.to_string()}</p>
            </div>
        </main>
    }
}

/// `/`: the playlists when signed in, the log-in screen otherwise.
#[component]
pub fn Home() -> impl IntoView {
    view! { <SignedIn><PlaylistsPage/></SignedIn> }
}

#[component]
fn NotFound() -> impl IntoView {
    view! {
        <main class="page narrow">
            <h1>"Page not found"</h1>
            <p><a href="/">"Go to your playlists"</a></p>
        </main>
    }
}
