//! Mounts the app (and, in debug builds, sets a panic hook that prints panics to the console); everything else
//! is in the library.
//!
//! In the browser the module's start function mounts the app, rather than a `main` behind std's runtime, which
//! on wasm32 only sets up and flushes a stdout that goes nowhere (and brings `std::io`'s error texts along).

#![cfg_attr(target_arch = "wasm32", no_main)]

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    // Release builds leave it out: it costs a kilobyte of wasm for a message no user reads.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    // For `cargo xtask bench`: when the app starts, against when its library is on screen ("first-playlist").
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark("app-start");
    }
    leptos::mount::mount_to_body(pkce_playlists::ui::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("This is a browser app: build it with `trunk build` or run `cargo xtask demo`.");
}
