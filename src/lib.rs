//! A single-page app that signs in to Spotify with OAuth 2.0 PKCE as a public client and shows the user's
//! playlists.
//!
//! The protocol and the Web API live in a pure core (`oauth`, `spotify`, `session`, `http`, `config`, `json`,
//! `form`, and the arithmetic of the virtual list in `viewport`) that imports neither `web_sys` nor `leptos`, and
//! builds and is tested on the host. The browser shell (`browser`,
//! `ui`) exists only on `wasm32`. Imports run one way: `ui` → `browser` → `session` → `oauth`, `spotify`,
//! `http`, `config`.

pub mod base64url;
pub mod config;
pub mod csp;
pub mod form;
pub mod frame;
pub mod http;
pub mod json;
pub mod oauth;
pub mod route;
pub mod session;
pub mod spotify;
pub mod untrusted;
pub mod url;
pub mod viewport;

#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod ui;
