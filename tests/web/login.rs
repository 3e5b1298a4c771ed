//! Starting a login: what is stored, and where the browser is sent.

use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{
    clear_storage, config, pending_login, query_param, start_recorded_login, window, PROVIDER,
};

/// Guards against a login URL that does not match what was stored (the callback could never succeed) or that
/// leaks the verifier.
#[wasm_bindgen_test]
fn login_stores_the_pending_login_and_navigates_to_the_authorize_url() {
    clear_storage();
    let config = config();
    let url = start_recorded_login(&config);
    let pending = pending_login().expect("the pending login is stored");
    let origin = window().location().origin().unwrap();
    assert!(url.starts_with(&format!(
        "{PROVIDER}/authorize?response_type=code&client_id=pkce-playlists-local&"
    )));
    assert_eq!(
        query_param(&url, "redirect_uri").unwrap(),
        format!("{origin}/callback")
    );
    assert_eq!(pending.redirect_uri.as_str(), format!("{origin}/callback"));
    assert_eq!(
        query_param(&url, "state").as_deref(),
        Some(pending.state.secret())
    );
    assert_eq!(
        query_param(&url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        query_param(&url, "code_challenge").unwrap(),
        pending.verifier.challenge().as_str()
    );
    assert_eq!(
        query_param(&url, "scope").unwrap(),
        "playlist-read-private playlist-read-collaborative"
    );
    assert!(!url.contains(pending.verifier.secret()));
    // Each login gets a fresh verifier and state.
    let again = start_recorded_login(&config);
    assert_ne!(query_param(&again, "state"), query_param(&url, "state"));
    assert_ne!(
        query_param(&again, "code_challenge"),
        query_param(&url, "code_challenge")
    );
}
