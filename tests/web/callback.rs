//! `/callback`: the exchange against the provider, and every way a callback is refused.

use leptos::prelude::*;
use pkce_playlists::browser::login::PENDING_LOGIN_KEY;
use pkce_playlists::browser::storage::APP;
use pkce_playlists::browser::{Fetch, SessionTokens};
use pkce_playlists::session::TokenStore;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{
    approved_code, clear_storage, config, mount_callback, pending_login, query_param, session,
    start_recorded_login, wait_for,
};

/// Guards against the whole happy path of the callback: exchange against the provider, tokens kept, the pending
/// login spent, and the session usable for the Web API.
#[wasm_bindgen_test]
async fn callback_exchanges_the_code_and_signs_in() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let code = approved_code(&url, "alice").await;
    let state = query_param(&url, "state").unwrap();
    let view = mount_callback(&config, format!("?code={code}&state={state}"));
    let signed_in = view.app.signed_in;
    wait_for("the sign-in to finish", move || signed_in.get_untracked()).await;
    assert!(SessionTokens.load().is_some(), "tokens are kept");
    assert!(pending_login().is_none(), "the pending login is spent");
    let me = session(&config, &Fetch::default())
        .me()
        .await
        .expect("the new session reaches the Web API");
    assert_eq!(me.id, "alice");
}

/// Guards against a second mount of the callback (or a reload) sending the same code again.
#[wasm_bindgen_test]
async fn mounting_the_callback_twice_exchanges_once() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let code = approved_code(&url, "alice").await;
    let query = format!("?code={code}&state={}", query_param(&url, "state").unwrap());
    let first = mount_callback(&config, query.clone());
    let second = mount_callback(&config, query);
    let signed_in = first.app.signed_in;
    wait_for("the first mount to sign in", move || {
        signed_in.get_untracked()
    })
    .await;
    assert_eq!(second.error_of("#auth-error").await, "no-pending-login");
    assert!(second.has("#auth-error button#login-again"));
    assert!(!second.app.signed_in.get_untracked());
}

/// Guards against a declined consent looking like a failure, or leaving no way forward.
#[wasm_bindgen_test]
async fn declined_consent_says_so_and_offers_a_new_login() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let state = query_param(&url, "state").unwrap();
    let view = mount_callback(&config, format!("?error=access_denied&state={state}"));
    assert_eq!(view.error_of("#auth-error").await, "access-denied");
    assert!(view.has("#auth-error button#login-again"));
    assert!(SessionTokens.load().is_none());
    assert!(
        pending_login().is_none(),
        "the pending login cannot be replayed"
    );
}

/// Guards against accepting a callback that belongs to another login (CSRF / login injection).
#[wasm_bindgen_test]
async fn wrong_state_is_refused_and_nothing_is_exchanged() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let code = approved_code(&url, "alice").await;
    let view = mount_callback(&config, format!("?code={code}&state=forged"));
    assert_eq!(view.error_of("#auth-error").await, "state-mismatch");
    assert!(SessionTokens.load().is_none());
    assert!(!view.text().contains(&code), "the code is not echoed");
}

/// Guards against a provider's refusal (a code used twice) being swallowed or shown as a crash.
#[wasm_bindgen_test]
async fn a_reused_code_shows_the_providers_error() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let code = approved_code(&url, "alice").await;
    let state = query_param(&url, "state").unwrap();
    let saved = APP.get(PENDING_LOGIN_KEY).unwrap();
    let first = mount_callback(&config, format!("?code={code}&state={state}"));
    let signed_in = first.app.signed_in;
    wait_for("the first exchange", move || signed_in.get_untracked()).await;
    // Replay: the same pending login and the same code, as an attacker holding both would.
    SessionTokens.clear();
    APP.set(PENDING_LOGIN_KEY, &saved).unwrap();
    let replay = mount_callback(&config, format!("?code={code}&state={state}"));
    assert_eq!(replay.error_of("#auth-error").await, "token-refused");
    assert_eq!(
        replay.attr("#auth-error", "data-oauth-error").as_deref(),
        Some("invalid_grant")
    );
    assert!(SessionTokens.load().is_none());
}
