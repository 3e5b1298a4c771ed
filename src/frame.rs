//! Whether the page may run where it is shown. Inside a frame another site could lay its own page over the app's
//! buttons (clickjacking) and drive a login the user did not mean; `frame-ancestors 'none'` forbids framing,
//! but only where the host sends that header (a `<meta>` cannot carry it). So the page checks for itself, first,
//! and inside a frame it starts nothing.

use crate::route::{path_of, Route};

/// What the page learnt of the window at the top of its frame tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Top {
    /// The page's own window is the top one: it is not framed.
    Itself,
    /// Another window is at the top: the page is inside a frame.
    Other,
    /// The browser would not say (reading `window.top` failed).
    Unknown,
}

/// Whether the app may start: only in a window of its own. A page that cannot tell is treated as framed.
pub fn may_run(top: Top) -> bool {
    top == Top::Itself
}

/// Where to open the app in a tab of its own, from the page's origin and its path and query: the same page, but
/// the callback (whose login belongs to the framed tab) opens the app's start.
pub fn own_tab_url(origin: &str, path_and_query: &str) -> String {
    let origin = origin.trim_end_matches('/');
    match Route::parse(path_of(path_and_query)) {
        Route::Callback => format!("{origin}/"),
        _ => format!("{origin}{path_and_query}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against the app starting a login, or reading its configuration, inside a frame another site
    /// controls, including when the browser will not say whether it is framed.
    #[test]
    fn only_a_window_of_its_own_runs_the_app() {
        assert!(may_run(Top::Itself));
        assert!(!may_run(Top::Other));
        assert!(!may_run(Top::Unknown));
    }

    /// Guards against the way out of a frame pointing at another site, or at a callback whose login stays
    /// behind in the frame.
    #[test]
    fn the_own_tab_link_is_the_page_or_the_start() {
        let origin = "https://app.example";
        assert_eq!(own_tab_url(origin, "/"), "https://app.example/");
        assert_eq!(
            own_tab_url(origin, "/playlist/37i9dQZF1DXcBWIGoYBM5M?q=x"),
            "https://app.example/playlist/37i9dQZF1DXcBWIGoYBM5M?q=x"
        );
        assert_eq!(own_tab_url(origin, "/callback"), "https://app.example/");
        assert_eq!(
            own_tab_url("http://127.0.0.1:8080/", "/callback?code=x"),
            "http://127.0.0.1:8080/"
        );
    }
}
