//! URLs of the Web API calls and the plan for reading a paged list whole.
//!
//! The app builds every page URL itself from `api_base_url` instead of following the `next` links of the
//! answers, so that the bearer token is only ever sent to the configured API, and so that every page's URL is
//! known once the first page has revealed `total`.

use super::model::PlaylistId;

/// The most entries Spotify returns in one page of `/v1/me/playlists`.
pub const PLAYLISTS_PAGE_LIMIT: u32 = 50;

/// A library larger than this is read only this far (2,000 pages), so a bogus `total` cannot start an endless
/// read.
pub const MAX_LIBRARY_SIZE: u32 = 100_000;

pub fn me_url(api_base: &str) -> String {
    format!("{api_base}/me")
}

pub fn my_playlists_url(api_base: &str, offset: u32, limit: u32) -> String {
    format!("{api_base}/me/playlists?limit={limit}&offset={offset}")
}

/// A playlist's entries (`/items`: since 2026 `/tracks` answers 403 to apps in Development Mode), episodes
/// included as episodes rather than shaped as tracks.
pub fn playlist_items_url(api_base: &str, id: &PlaylistId, offset: u32, limit: u32) -> String {
    format!("{api_base}/playlists/{id}/items?limit={limit}&offset={offset}&additional_types=track,episode")
}

/// The user's Liked Songs (saved tracks; scope `user-library-read`).
pub fn liked_songs_url(api_base: &str, offset: u32, limit: u32) -> String {
    format!("{api_base}/me/tracks?limit={limit}&offset={offset}")
}

/// A playlist, by id.
pub fn playlist_url(api_base: &str, id: &PlaylistId) -> String {
    format!("{api_base}/playlists/{id}")
}

/// The most entries Spotify returns in one page of a playlist's items.
pub const ITEMS_PAGE_LIMIT: u32 = 50;

/// The offsets of the pages still to fetch after the first page (offset 0) of `limit` entries has reported
/// `total`, in order.
pub fn remaining_offsets(total: u32, limit: u32) -> impl Iterator<Item = u32> {
    let limit = limit.max(1);
    (limit..total.min(MAX_LIBRARY_SIZE)).step_by(limit as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            me_url("https://api.spotify.com/v1"),
            "https://api.spotify.com/v1/me"
        );
        assert_eq!(
            my_playlists_url("https://api.spotify.com/v1", 100, 50),
            "https://api.spotify.com/v1/me/playlists?limit=50&offset=100"
        );
    }

    /// Guards against the deprecated `/tracks` path or a wrong query (ids are checked by `PlaylistId::parse`).
    #[test]
    fn playlist_urls() {
        let id = PlaylistId::parse("37i9dQZF1DXcBWIGoYBM5M").unwrap();
        assert_eq!(
            playlist_items_url("https://api.spotify.com/v1", &id, 50, 50),
            "https://api.spotify.com/v1/playlists/37i9dQZF1DXcBWIGoYBM5M/items?limit=50&offset=50&additional_types=track,episode"
        );
        assert_eq!(
            playlist_url("https://api.spotify.com/v1", &id),
            "https://api.spotify.com/v1/playlists/37i9dQZF1DXcBWIGoYBM5M"
        );
    }

    /// Guards against a missing last page, a duplicated first page, or an unbounded loop on a huge `total`.
    #[test]
    fn remaining_offsets_cover_the_library_once() {
        assert_eq!(remaining_offsets(0, 50).count(), 0);
        assert_eq!(remaining_offsets(50, 50).count(), 0);
        assert_eq!(remaining_offsets(51, 50).collect::<Vec<_>>(), [50]);
        assert_eq!(remaining_offsets(120, 50).collect::<Vec<_>>(), [50, 100]);
        assert_eq!(remaining_offsets(10_000, 50).count(), 199);
        assert_eq!(
            remaining_offsets(u32::MAX, 50).count(),
            (MAX_LIBRARY_SIZE / 50 - 1) as usize
        );
        assert_eq!(remaining_offsets(3, 0).collect::<Vec<_>>(), [1, 2]);
    }
}
