use leptos::prelude::*;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

use super::callback::CallbackPage;
use super::login::SignedIn;
use super::playlists::PlaylistsPage;
use super::tracks::PlaylistPage;
use super::AppState;
use crate::browser::load_config;

/// The whole app: reads the configuration block, then routes `/` (the playlists, or the log-in screen),
/// `/callback` (the provider's redirect) and `/playlist/:id` (one playlist's entries).
#[component]
pub fn App() -> impl IntoView {
    match load_config() {
        Ok(config) => {
            let app = AppState::new(config);
            app.connect();
            provide_context(app);
            view! {
                <Router>
                    <Routes fallback=|| view! { <NotFound/> }>
                        <Route path=path!("/") view=Home/>
                        <Route path=path!("/callback") view=CallbackPage/>
                        <Route path=path!("/playlist/:id") view=PlaylistPage/>
                    </Routes>
                </Router>
            }
            .into_any()
        }
        Err(error) => view! {
            <main class="page narrow">
                <div class="error" role="alert">
                    <h2>"This app is not configured"</h2>
                    <p>{error.to_string()}</p>
                </div>
            </main>
        }
        .into_any(),
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
