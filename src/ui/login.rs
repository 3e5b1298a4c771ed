use leptos::prelude::*;

use super::error::LoginButton;
use super::use_app;

/// The signed-out screen.
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
            {move || app.notice.get().map(|notice| view! { <p class="notice" role="status">{notice}</p> })}
            <LoginButton id="login" label="Log in with Spotify"/>
        </main>
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
