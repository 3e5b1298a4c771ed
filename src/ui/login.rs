//! The signed-out screen, the button that starts a login, and the switch between signed in and signed out.

use leptos::prelude::*;

use super::use_app;
use crate::browser::{location, login};

/// The signed-out screen, with the reason the user is on it (`#notice[data-reason]`) when there is one.
#[component]
pub fn LoginScreen() -> impl IntoView {
    let app = use_app();
    view! {
        <main class="page narrow login">
            <h1>"Your playlists"</h1>
            <p class="lead">
                "Sign in with your Spotify account to see your playlists. This app never sees your password, \
                 and it can only read your playlists."
            </p>
            {move || app.notice.get().map(|notice| view! {
                <p id="notice" class="notice" role="status" data-reason=notice.reason.code() data-end=notice.end>
                    {notice.message}
                </p>
            })}
            <LoginButton id="login" label="Log in with Spotify"/>
        </main>
    }
}

/// Starts a login; shows why when it cannot.
#[component]
pub fn LoginButton(id: &'static str, label: &'static str) -> impl IntoView {
    let app = use_app();
    let failure = RwSignal::new(None::<login::LoginError>);
    let on_click = move |_| {
        if let Err(error) = login::start_login(app.config, location::assign) {
            failure.set(Some(error));
        }
    };
    view! {
        <button id=id class="primary" type="button" on:click=on_click>{label}</button>
        {move || failure.get().map(|error| view! {
            <p class="error-text" role="alert" data-error=error.code()>{error.to_string()}</p>
        })}
    }
}

/// `children` when there is a session, the log-in screen when there is none (or it ends).
#[component]
pub fn SignedIn(children: ChildrenFn) -> impl IntoView {
    let app = use_app();
    move || {
        if app.signed_in.get() {
            children().into_any()
        } else {
            view! { <LoginScreen/> }.into_any()
        }
    }
}
