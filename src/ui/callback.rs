//! `/callback`: where the provider sends the browser back.

use leptos::prelude::*;
use leptos::task::spawn_local;

use super::error::AuthError;
use super::playlists::start_new_library;
use super::router::use_router;
use super::split::{deferred, split_view};
use super::use_app;
use crate::browser::login::{complete_login, LoginError};
use crate::browser::{location, sleep_ms};
use crate::route::Route;

/// Reads the query once and takes `code` and `state` out of the address bar at once, before anything else can
/// see them.
#[component]
pub fn CallbackPage() -> impl IntoView {
    let query = location::take_callback_query();
    location::replace_url("/callback");
    deferred(move || callback_view(query.clone()))
}

split_view!(
    /// [`CallbackView`], in a module of its own: a page shown once per sign-in.
    fn callback_view(query: String) {
        view! { <CallbackView query=query/> }
    }
);

/// Finishes the login that `query` (the callback's query string) answers, then shows the playlists, or says what
/// went wrong and offers a fresh login.
///
/// Finishing is a one-shot side effect (a `POST` that spends the code), so it is a task spawned once when the
/// view is made (an `Action` would bring in its machinery for one dispatch). A second view of the same callback
/// finds no pending login: it was taken out of storage by the first.
#[component]
pub fn CallbackView(query: String) -> impl IntoView {
    let app = use_app();
    let router = use_router();
    let failed = RwSignal::new(None::<LoginError>);
    spawn_local(async move {
        let finish = async move {
            let signed_in = complete_login(app.config, &query).await?;
            app.library.reset();
            // Landing on the library: its first requests leave now, and the page is built while they are on
            // the wire (the load's task sends them before the timer lets this one resume).
            if Route::of_address(&signed_in.return_to) == Route::Home {
                start_new_library(app);
                sleep_ms(0).await;
            }
            app.notice.set(None);
            app.signed_in.set(true);
            match router {
                Some(router) => router.navigate(&signed_in.return_to, true),
                None => location::replace_url(&signed_in.return_to),
            }
            Ok::<(), LoginError>(())
        };
        if let Err(error) = finish.await {
            failed.try_set(Some(error));
        }
    });
    view! {
        <main class="page narrow">
            {move || match failed.get() {
                Some(error) => view! { <AuthError error=error/> }.into_any(),
                None => view! { <p class="status" role="status">"Signing you in…"</p> }.into_any(),
            }}
        </main>
    }
}
