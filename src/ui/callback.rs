use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

use super::error::AuthError;
use super::use_app;
use crate::browser::location;
use crate::browser::login::{complete_login, LoginError};

/// `/callback`: where the provider sends the browser back. Reads the query once and takes `code` and `state` out
/// of the address bar at once, before anything else can see them.
#[component]
pub fn CallbackPage() -> impl IntoView {
    let query = location::search();
    location::replace_url("/callback");
    view! { <CallbackView query=query/> }
}

/// Finishes the login that `query` (the callback's query string) answers, then shows the playlists, or says what
/// went wrong and offers a fresh login.
#[component]
pub fn CallbackView(query: String) -> impl IntoView {
    let app = use_app();
    let navigate = use_navigate();
    let failure = RwSignal::new(None::<LoginError>);
    let config = app.config.clone();
    spawn_local(async move {
        match complete_login(&config, &query).await {
            Ok(_) => {
                app.notice.set(None);
                app.signed_in.set(true);
                navigate(
                    "/",
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            }
            Err(error) => {
                failure.try_set(Some(error));
            }
        }
    });
    view! {
        <main class="page narrow">
            {move || match failure.get() {
                None => view! { <p class="status" role="status">"Signing you in…"</p> }.into_any(),
                Some(error) => {
                    let title = if error.is_denied() { "Sign-in cancelled" } else { "Sign-in failed" };
                    view! { <AuthError title=title message=error.to_string()/> }.into_any()
                }
            }}
        </main>
    }
}
