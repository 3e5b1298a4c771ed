use leptos::prelude::*;

use super::use_app;
use crate::browser::{location, login};

/// A failed or declined sign-in, with the way forward: a fresh login.
#[component]
pub fn AuthError(#[prop(into)] title: String, #[prop(into)] message: String) -> impl IntoView {
    view! {
        <div id="auth-error" class="error" role="alert">
            <h2>{title}</h2>
            <p>{message}</p>
            <LoginButton id="login-again" label="Log in again"/>
        </div>
    }
}

/// Starts a login; shows why when it cannot.
#[component]
pub fn LoginButton(id: &'static str, label: &'static str) -> impl IntoView {
    let app = use_app();
    let failure = RwSignal::new(None::<String>);
    let on_click = move |_| {
        if let Err(error) = login::start_login(&app.config, location::assign) {
            failure.set(Some(error.to_string()));
        }
    };
    view! {
        <button id=id class="primary" type="button" on:click=on_click>{label}</button>
        {move || failure.get().map(|message| view! { <p class="error-text" role="alert">{message}</p> })}
    }
}
