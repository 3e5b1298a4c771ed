//! Browser tests of the shell, run by `wasm-bindgen-test` in headless Chrome and Firefox (`cargo xtask test`).
//!
//! The tests that reach the network talk to a running local provider at `LOCAL_SPOTIFY_URL` that registers this
//! page's origin + `/callback` for the client `pkce-playlists-local`. Each test mounts what it needs into a
//! fresh element and unmounts it when it ends ([`support::Mounted`]), so no page outlives its test. Assertions
//! match on the pages' stable hooks (`data-error`, `data-state`, `data-reason`, ids), never on their wording.
#![cfg(target_arch = "wasm32")]

mod callback;
mod copy_store;
mod frame;
mod hostile;
mod login;
mod playlists;
mod quota;
mod resilience;
mod storage;
mod support;
mod tabs;
mod tracks;

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
