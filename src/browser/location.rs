//! The address bar.

/// The page's origin, like `http://127.0.0.1:8080`.
pub fn origin() -> Option<String> {
    web_sys::window()?.location().origin().ok()
}

/// The query string, with its leading `?`.
pub fn search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// The path and query of the page, like `/playlist/abc?sort=name`.
pub fn path_and_query() -> String {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return "/".to_owned();
    };
    let path = location.pathname().unwrap_or_default();
    let query = location.search().unwrap_or_default();
    format!("{path}{query}")
}

/// Replaces the current history entry's URL without loading anything: used to take `code` and `state` out of the
/// address bar (and so out of history, bookmarks and `Referer`) as soon as the callback has read them.
pub fn replace_url(path: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path));
    }
}

/// Leaves the app for `url` (the authorization endpoint): a top-level navigation, as OAuth requires.
pub fn assign(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}
