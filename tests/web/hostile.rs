//! Hostile callbacks: crafted queries and storage states that must each be refused with a specific reason,
//! without any token request reaching the provider (checked at the provider, not only in the page), and leaving
//! storage with no pending login and no tokens.

use leptos::prelude::*;
use pkce_playlists::browser::login::PENDING_LOGIN_KEY;
use pkce_playlists::browser::storage::APP;
use pkce_playlists::browser::SessionTokens;
use pkce_playlists::oauth::{PendingLogin, RedirectUri};
use pkce_playlists::session::TokenStore;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{
    admin, approved_code, clear_storage, config, mount_callback, query_param, reset_faults,
    start_recorded_login, wait_for, window, PROVIDER,
};

/// How many token requests the provider has answered since its counts were reset.
async fn token_requests() -> u64 {
    let response = gloo_net::http::Request::get(&format!("{PROVIDER}/admin/stats"))
        .send()
        .await
        .expect("the provider's stats");
    let stats: serde_json::Value = response.json().await.expect("stats JSON");
    stats["routes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["route"] == "/api/token" && r["kind"] == "POST")
        .map(|r| r["count"].as_u64().unwrap_or(0))
        .sum()
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

fn origin() -> String {
    window().location().origin().unwrap()
}

/// What is in storage before the callback arrives.
enum Stored {
    /// A login started as the app starts one; the query may use its state (`{state}`) and a real code
    /// approved for it (`{code}`).
    Login,
    /// A login bound to the issuer `issuer`, which always sends `iss` when `required`.
    BoundLogin {
        issuer: &'static str,
        required: bool,
    },
    /// A login started this long ago, in ms (negative: in the future).
    AgedLogin(i64),
    /// Nothing: the callback was opened in another tab, or the login was spent already.
    Nothing,
    /// Something that is not a pending login.
    Garbage,
}

/// A fresh pending login in storage, made as the app makes them; returns its state.
fn store_login(issuer: Option<&str>, required: bool, created_at_ms: u64) -> String {
    let verifier: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(7) ^ (now_ms() as u8));
    let state: [u8; 32] = std::array::from_fn(|i| (i as u8).wrapping_mul(13) ^ (now_ms() as u8));
    let login = PendingLogin::new(
        &verifier,
        &state,
        RedirectUri::new(format!("{}/callback", origin())),
        created_at_ms,
    )
    .to_issuer(issuer.map(str::to_owned), required);
    APP.set(PENDING_LOGIN_KEY, &login.to_storage_json())
        .unwrap();
    login.state.secret().to_owned()
}

/// Sets up `stored`, then returns the query made from `template` (`{state}`, `{code}`, `{other}` filled in).
async fn prepare(stored: &Stored, template: &str) -> String {
    clear_storage();
    let config = config();
    let (state, code) = match stored {
        Stored::Login => {
            let url = start_recorded_login(&config);
            let code = if template.contains("{code}") {
                approved_code(&url, "alice").await
            } else {
                "some-code".to_owned()
            };
            (query_param(&url, "state").unwrap(), code)
        }
        Stored::BoundLogin { issuer, required } => (
            store_login(Some(issuer), *required, now_ms()),
            "some-code".to_owned(),
        ),
        Stored::AgedLogin(age) => {
            let at = (now_ms() as i64 - age) as u64;
            (store_login(None, false, at), "some-code".to_owned())
        }
        Stored::Nothing => ("a".repeat(43), "some-code".to_owned()),
        Stored::Garbage => {
            APP.set(PENDING_LOGIN_KEY, r#"{"verifier":1}"#).unwrap();
            ("a".repeat(43), "some-code".to_owned())
        }
    };
    // A state of the right length that differs in its last character.
    let mut other = state.clone();
    let last = other.pop().unwrap_or('A');
    other.push(if last == 'A' { 'B' } else { 'A' });
    template
        .replace("{state}", &state)
        .replace("{code}", &code)
        .replace("{other}", &other)
        .replace("{long}", &"x".repeat(9_000))
        .replace("{longcode}", &"c".repeat(3_000))
}

/// Guards against every crafted callback and storage state below reaching the token endpoint, being refused
/// for a wrong reason, or leaving a pending login or tokens behind. Each row: what is stored, the query, and
/// the `data-error` the page must show.
#[wasm_bindgen_test]
async fn hostile_callbacks_are_refused_without_a_token_request() {
    use Stored::*;
    let bound = BoundLogin {
        issuer: "https://auth.example",
        required: false,
    };
    let strict = BoundLogin {
        issuer: "https://auth.example",
        required: true,
    };
    let cases: Vec<(Stored, &str, &str)> = vec![
        (Login, "?code={code}", "missing-state"),
        (Login, "?code={code}&state=", "missing-state"),
        (Login, "", "missing-state"),
        (Login, "?error=access_denied", "missing-state"),
        (Login, "?code={code}&state=forged", "state-mismatch"),
        (Login, "?code={code}&state={other}", "state-mismatch"),
        (Login, "?error=access_denied&state={other}", "state-mismatch"),
        (Login, "?code={code}&state={state}&state={state}", "repeated-parameter"),
        (Login, "?code={code}&code=x&state={state}", "repeated-parameter"),
        (Login, "?code={code}&state={other}&state={state}", "repeated-parameter"),
        (Login, "?state={state}", "missing-code"),
        (Login, "?code=&state={state}", "missing-code"),
        (Login, "?error=access_denied&state={state}", "access-denied"),
        (Login, "?error=access_denied&code={code}&state={state}", "access-denied"),
        (Login, "?error=invalid_scope&error_description=Bad+scope&state={state}", "provider-error"),
        (Login, "?error=server_error&code={code}&state={state}", "provider-error"),
        (
            Login,
            "?error=server_error&error_description=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&state={state}",
            "provider-error",
        ),
        (Login, "?error=bad%22error&state={state}", "malformed-error"),
        (Login, "?error=bad%5Cerror&state={state}", "malformed-error"),
        (Login, "?code={code}&state={state}&x={long}", "oversize"),
        (Login, "?code={longcode}&state={state}", "malformed-code"),
        (Login, "?code=a%0Ab&state={state}", "malformed-code"),
        (Login, "?code=caf%C3%A9&state={state}", "malformed-code"),
        (Login, "?code=%FF%FE&state={state}", "malformed-code"),
        (Login, "?code={code}&state={state}&access_token=stolen", "token-in-response"),
        (Login, "?code={code}&state={state}&id_token=x.y.z", "token-in-response"),
        (Login, "?token=t&code={code}&state={state}", "token-in-response"),
        (Login, "?code={code}&state={state}&iss=https%3A%2F%2Fevil.example", "unexpected-issuer"),
        (bound, "?code=c&state={state}&iss=https%3A%2F%2Fevil.example", "issuer-mismatch"),
        (
            BoundLogin {
                issuer: "https://auth.example",
                required: false,
            },
            "?error=access_denied&state={state}&iss=https%3A%2F%2Fauth.example.evil",
            "issuer-mismatch",
        ),
        (strict, "?code=c&state={state}", "missing-issuer"),
        (AgedLogin(11 * 60 * 1000), "?code=c&state={state}", "stale-login"),
        (AgedLogin(-10 * 60 * 1000), "?code=c&state={state}", "stale-login"),
        (Nothing, "?code=c&state={state}", "no-pending-login"),
        (Garbage, "?code=c&state={state}", "no-pending-login"),
    ];
    reset_faults().await;
    admin("stats/reset", "{}").await;
    let before = token_requests().await;
    let total = cases.len();
    for (stored, template, expected) in cases {
        let query = prepare(&stored, template).await;
        let view = mount_callback(&config(), query);
        let error = view.error_of("#auth-error").await;
        let shown_img = view.has("#auth-error img");
        drop(view);
        let after = token_requests().await;
        assert_eq!(error, expected, "{template}");
        assert_eq!(
            after, before,
            "{template}: a token request reached the provider"
        );
        assert!(
            APP.get(PENDING_LOGIN_KEY).is_none(),
            "{template}: a pending login is left"
        );
        assert!(
            SessionTokens.load().is_none(),
            "{template}: tokens are left"
        );
        assert!(
            !shown_img,
            "{template}: markup from the response became an element"
        );
    }
    assert!(total >= 30, "{total} hostile cases");
}

/// Guards against a callback replayed after a successful sign-in (from history, or by an attacker who saw it)
/// sending its code again: the only token request is the first one.
#[wasm_bindgen_test]
async fn a_callback_replayed_after_success_sends_nothing() {
    clear_storage();
    reset_faults().await;
    let config = config();
    let url = start_recorded_login(&config);
    let code = approved_code(&url, "alice").await;
    let query = format!("?code={code}&state={}", query_param(&url, "state").unwrap());
    admin("stats/reset", "{}").await;
    let first = mount_callback(&config, query.clone());
    let signed_in = first.app.signed_in;
    wait_for("the sign-in", move || signed_in.get_untracked()).await;
    drop(first);
    assert_eq!(token_requests().await, 1);
    SessionTokens.clear();
    let replay = mount_callback(&config, query);
    assert_eq!(replay.error_of("#auth-error").await, "no-pending-login");
    assert_eq!(token_requests().await, 1, "the replay sent nothing");
    assert!(SessionTokens.load().is_none());
}
