//! The address bar, and where the page is shown (its own window, or a frame).

use crate::frame::Top;

/// The page's origin, like `http://127.0.0.1:8080`.
pub fn origin() -> Option<String> {
    web_sys::window()?.location().origin().ok()
}

/// Whether `window` is the top of its frame tree (`window.top === window`), another window is, or the browser
/// would not say. The app asks of its own window ([`top`]); a test can ask of a frame's.
pub fn top_of(window: &web_sys::Window) -> Top {
    match window.top() {
        Ok(Some(top)) if js_sys::Object::is(&top, window) => Top::Itself,
        Ok(Some(_)) => Top::Other,
        Ok(None) | Err(_) => Top::Unknown,
    }
}

/// [`top_of`] the page's own window.
pub fn top() -> Top {
    web_sys::window().map_or(Top::Unknown, |window| top_of(&window))
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

thread_local! {
    static CALLBACK_QUERY: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// On `/callback`, takes the query (`code`, `state`, …) out of the address bar at once, before anything else
/// runs (the configuration may still have to be discovered), and keeps it for [`take_callback_query`].
pub fn strip_callback_query() {
    let Some(location) = web_sys::window().map(|w| w.location()) else {
        return;
    };
    if location.pathname().ok().as_deref() == Some("/callback") {
        let query = search();
        replace_url("/callback");
        CALLBACK_QUERY.with(|kept| *kept.borrow_mut() = Some(query));
    }
}

/// The callback's query that [`strip_callback_query`] kept, or the address bar's when it kept none. Once.
pub fn take_callback_query() -> String {
    CALLBACK_QUERY
        .with(|kept| kept.borrow_mut().take())
        .unwrap_or_else(search)
}
