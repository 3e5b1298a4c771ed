//! A failed or declined sign-in.

use leptos::prelude::*;

use super::login::LoginButton;
use crate::browser::login::LoginError;

/// A failed or declined sign-in (`#auth-error[data-error]`), with the way forward: a fresh login.
#[component]
pub fn AuthError(error: LoginError) -> impl IntoView {
    let title = if error.is_denied() {
        "Sign-in cancelled"
    } else {
        "Sign-in failed"
    };
    let oauth_error = match &error {
        LoginError::Token(e) => e.oauth_error().map(|code| code.as_str().to_owned()),
        _ => None,
    };
    view! {
        <div id="auth-error" class="error" role="alert" data-error=error.code() data-oauth-error=oauth_error>
            <h2>{title}</h2>
            <p>{error.to_string()}</p>
            <LoginButton id="login-again" label="Log in again"/>
        </div>
    }
}
