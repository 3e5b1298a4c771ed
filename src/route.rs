//! The app's addresses: which page a path names. The playlist id is parsed here, where it enters the app, so
//! a page never sees an address that names no playlist.

use crate::spotify::PlaylistId;

/// The pages of the app, by path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/`: the library, or the log-in screen.
    Home,
    /// `/callback`: where the provider sends the browser back.
    Callback,
    /// `/playlist/:id`, with a valid id.
    Playlist(PlaylistId),
    /// `/playlist/…` with something that is not a playlist id.
    NoSuchPlaylist,
    /// `/liked`: the user's Liked Songs.
    Liked,
    NotFound,
}

impl Route {
    /// The route of an in-app address (`/playlist/abc?q=x`): its path's.
    pub fn of_address(address: &str) -> Route {
        Route::parse(path_of(address))
    }

    /// The route of a path (no query, no fragment). One trailing slash is ignored.
    pub fn parse(path: &str) -> Route {
        let path = match path.strip_suffix('/') {
            Some(p) if !p.is_empty() => p,
            _ => path,
        };
        match path {
            "" | "/" => Route::Home,
            "/callback" => Route::Callback,
            "/liked" => Route::Liked,
            _ => match path.strip_prefix("/playlist/") {
                Some(id) => PlaylistId::parse(id).map_or(Route::NoSuchPlaylist, Route::Playlist),
                None => Route::NotFound,
            },
        }
    }
}

/// The path of an in-app address: what comes before its query or fragment.
pub fn path_of(address: &str) -> &str {
    address.split(['?', '#']).next().unwrap_or(address)
}

/// Whether the app follows a click on a link to `href` itself (a path of this app), rather than leaving it to
/// the browser (another site, a fragment, `//host`).
pub fn is_in_app(href: &str) -> bool {
    href.starts_with('/') && !href.starts_with("//") && !href.starts_with("/\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against a page shown for the wrong address, or a crafted id reaching the playlist page.
    #[test]
    fn routes() {
        assert_eq!(Route::parse("/"), Route::Home);
        assert_eq!(Route::parse(""), Route::Home);
        assert_eq!(Route::parse("/callback"), Route::Callback);
        assert_eq!(Route::parse("/callback/"), Route::Callback);
        let id = PlaylistId::parse("abc123").unwrap();
        assert_eq!(
            Route::parse("/playlist/abc123"),
            Route::Playlist(id.clone())
        );
        assert_eq!(Route::parse("/playlist/abc123/"), Route::Playlist(id));
        assert_eq!(Route::parse("/playlist/"), Route::NotFound);
        for crafted in ["/playlist/a/b", "/playlist/..%2Fme", "/playlist/a%20b"] {
            assert_eq!(Route::parse(crafted), Route::NoSuchPlaylist, "{crafted}");
        }
        assert_eq!(Route::parse("/nope"), Route::NotFound);
        assert_eq!(Route::parse("/callbackx"), Route::NotFound);
        // An address's query and fragment do not change its page.
        assert_eq!(path_of("/?q=a#b"), "/");
        assert_eq!(path_of("/playlist/abc123#x?y"), "/playlist/abc123");
        assert_eq!(Route::of_address("/?q=x&sort=name"), Route::Home);
        assert_eq!(Route::of_address("/callback#top"), Route::Callback);
    }

    /// Guards against the app taking over a link to another site.
    #[test]
    fn in_app_links() {
        assert!(is_in_app("/playlist/abc"));
        assert!(is_in_app("/"));
        for outside in [
            "//evil.example/",
            "/\\evil.example",
            "https://open.spotify.com/x",
            "#top",
            "",
        ] {
            assert!(!is_in_app(outside), "{outside}");
        }
    }
}
