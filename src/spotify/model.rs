//! The parts of Spotify's Web API objects the app uses, read leniently where Spotify is untidy (`null` names,
//! owners, images, totals and flags; `null` entries in lists; local files; episodes) and strictly only where a
//! value is needed (a playlist's id). A page's entries are decoded one by one, so one unreadable entry is
//! skipped and counted instead of failing the page.

use std::fmt;

use crate::json::{json_object, FromJson, Json, ToJson, Writer};

/// A Spotify playlist id: base62, as Spotify's ids are. Parsed once where an id enters the app (the address bar,
/// an API answer), so that every URL built from one is safe: a crafted id can never point the bearer token at
/// another path of the API.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlaylistId(String);

impl PlaylistId {
    /// The id, when `id` is one: 1 to 64 ASCII letters and digits (Spotify's are 22).
    pub fn parse(id: &str) -> Option<Self> {
        let valid = (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric());
        valid.then(|| PlaylistId(id.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlaylistId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromJson for PlaylistId {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        PlaylistId::parse(json.as_str()?)
    }
}

impl ToJson for PlaylistId {
    fn write_json(&self, w: &mut Writer) {
        self.0.write_json(w);
    }
}

/// `GET /v1/me`.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: String,
    pub display_name: Option<String>,
}

impl User {
    /// The name to greet the user with: the display name, or the id when there is none.
    pub fn name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.id)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Old data holds images without one.
    pub url: Option<String>,
    pub height: Option<u32>,
    pub width: Option<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Owner {
    pub id: String,
    pub display_name: Option<String>,
}

/// `{href, total}`: the reference to a playlist's entries.
#[derive(Debug, Clone, PartialEq)]
pub struct EntriesRef {
    pub total: Option<u32>,
}

/// `{"spotify": "https://open.spotify.com/..."}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalUrls {
    pub spotify: Option<String>,
}

/// A simplified playlist object, as listed by `GET /v1/me/playlists`. Only the id is required: old data holds
/// playlists with a `null` name or owner.
#[derive(Debug, Clone, PartialEq)]
pub struct Playlist {
    pub id: PlaylistId,
    pub name: String,
    pub images: Vec<Image>,
    pub owner: Option<Owner>,
    pub collaborative: bool,
    pub public: Option<bool>,
    pub description: Option<String>,
    /// The current name of the entries reference.
    pub items: Option<EntriesRef>,
    /// The deprecated name, still sent by some answers.
    pub tracks: Option<EntriesRef>,
    pub external_urls: Option<ExternalUrls>,
    /// The version of the playlist's entries: it changes whenever they do, so entries read at one snapshot can be
    /// shown again for as long as the playlist's snapshot is the same.
    pub snapshot_id: Option<String>,
}

/// The id Spotify's own editorial and algorithmic playlists are owned by.
pub const SPOTIFY_OWNER_ID: &str = "spotify";

/// Whether the user may read a playlist's entries, as far as the playlist itself tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The user owns the playlist or collaborates on it: every app may read its entries.
    Own,
    /// The user follows someone else's playlist: an app in Development Mode may not read its entries (403).
    Followed,
    /// A playlist of Spotify's own: no new app may read it (404), whatever its quota mode.
    SpotifyOwned,
}

impl Playlist {
    /// The name to show: the playlist's, or a stand-in for old data that has none.
    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() {
            "Untitled playlist"
        } else {
            &self.name
        }
    }

    /// How many entries the playlist has: `items.total`, falling back to the deprecated `tracks.total`.
    pub fn track_count(&self) -> Option<u32> {
        self.items
            .as_ref()
            .and_then(|r| r.total)
            .or_else(|| self.tracks.as_ref().and_then(|r| r.total))
    }

    /// The image to show at `size` CSS pixels: the smallest one at least that wide, else the largest, else the
    /// first; `None` when there is none (then the UI shows a placeholder).
    pub fn cover_url(&self, size: u32) -> Option<&str> {
        let usable = || {
            self.images
                .iter()
                .filter(|i| i.url.as_deref().is_some_and(|u| !u.is_empty()))
        };
        let width = |i: &&Image| i.width.or(i.height);
        let big_enough = usable()
            .filter(|i| width(i).is_some_and(|w| w >= size))
            .min_by_key(width);
        let largest = usable().filter(|i| width(i).is_some()).max_by_key(width);
        big_enough
            .or(largest)
            .or_else(|| usable().next())
            .and_then(|i| i.url.as_deref())
    }

    /// The owner's name, or id; empty when old data has no owner.
    pub fn owner_name(&self) -> &str {
        let Some(owner) = &self.owner else {
            return "";
        };
        owner
            .display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&owner.id)
    }

    /// Whether `user_id` may read the entries, as far as the playlist tells.
    pub fn access_for(&self, user_id: &str) -> Access {
        let owner = self.owner.as_ref().map(|o| o.id.as_str());
        if owner == Some(user_id) || self.collaborative {
            Access::Own
        } else if owner == Some(SPOTIFY_OWNER_ID) {
            Access::SpotifyOwned
        } else {
            Access::Followed
        }
    }

    /// The playlist on Spotify, when the answer gave its address.
    pub fn spotify_url(&self) -> Option<&str> {
        self.external_urls
            .as_ref()
            .and_then(|u| u.spotify.as_deref())
            .filter(|u| u.starts_with("https://"))
    }
}

impl Access {
    /// The `data-access` hook of a playlist row.
    pub fn code(self) -> &'static str {
        match self {
            Access::Own => "own",
            Access::Followed => "followed",
            Access::SpotifyOwned => "spotify",
        }
    }
}

/// What the API has shown this app may read, learned from its answers: `None` until one answer told.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ItemsAccess {
    /// Whether the entries of a playlist the user only follows can be read (no in Development Mode).
    pub followed: Option<bool>,
    /// Whether the entries of Spotify's own playlists can be read (no for every app made since November 2024).
    pub spotify_owned: Option<bool>,
}

impl ItemsAccess {
    /// Whether the entries of a playlist with `access` can be read, as far as the API has told.
    pub fn readable(&self, access: Access) -> Option<bool> {
        match access {
            Access::Own => Some(true),
            Access::Followed => self.followed,
            Access::SpotifyOwned => self.spotify_owned,
        }
    }

    /// Records what the API answered for a playlist with `access`.
    pub fn learn(&mut self, access: Access, readable: bool) {
        match access {
            Access::Own => {}
            Access::Followed => self.followed = Some(readable),
            Access::SpotifyOwned => self.spotify_owned = Some(readable),
        }
    }
}

/// One entry of `GET /v1/playlists/{id}/items`. Spotify sends the content as `item` and, deprecated, as `track`;
/// either may be `null` (a track that is no longer available).
#[derive(Debug, Clone, PartialEq)]
pub struct PlaylistEntry {
    pub item: Option<Playable>,
    pub track: Option<Playable>,
    /// When the entry was added (ISO 8601, as Spotify sends it); `null` on some old entries.
    pub added_at: Option<String>,
}

impl PlaylistEntry {
    /// The track or episode, when there is one.
    pub fn content(&self) -> Option<&Playable> {
        self.item.as_ref().or(self.track.as_ref())
    }
}

/// A track or an episode, as far as a track list shows it. Episodes come either as episode objects (with
/// `additional_types=episode`) or shaped as tracks; local files have `is_local` and no ids or album images.
#[derive(Debug, Clone, PartialEq)]
pub struct Playable {
    pub name: String,
    pub artists: Vec<Named>,
    /// A track's album.
    pub album: Option<Named>,
    /// An episode's show.
    pub show: Option<Named>,
    pub duration_ms: Option<u64>,
    /// A file from the user's own computer, added to the playlist in a Spotify client.
    pub is_local: bool,
    /// `track` or `episode`.
    pub kind: Option<String>,
    /// Set on some track-shaped episodes.
    pub episode: bool,
    /// `null` on local files.
    pub id: Option<String>,
    /// `spotify:track:…`, `spotify:episode:…` or, for a local file, `spotify:local:…`.
    pub uri: Option<String>,
    pub explicit: Option<bool>,
    /// Empty (`{}`) on local files.
    pub external_urls: Option<ExternalUrls>,
}

/// Anything with a name: an artist, an album, a show.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub name: String,
    /// `null` on the artists and albums of local files.
    pub uri: Option<String>,
}

impl Playable {
    /// "Artist, Artist", or the show's name for an episode.
    pub fn byline(&self) -> String {
        let artists: Vec<&str> = self
            .artists
            .iter()
            .map(|a| a.name.as_str())
            .filter(|n| !n.is_empty())
            .collect();
        if artists.is_empty() {
            return self
                .show
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default();
        }
        artists.join(", ")
    }

    /// Whether this is a podcast episode rather than a track.
    pub fn is_episode(&self) -> bool {
        self.episode || self.show.is_some() || self.kind.as_deref() == Some("episode")
    }

    /// The name to show: the item's, or a stand-in when old data has none.
    pub fn display_name(&self) -> &str {
        if self.name.trim().is_empty() {
            "Untitled"
        } else {
            &self.name
        }
    }
}

/// `m:ss`, or `h:mm:ss` from an hour on.
pub fn format_duration(ms: u64) -> String {
    let seconds = ms / 1000;
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// One page of a paged list. Each entry is decoded on its own: an entry that cannot be read (a `null`, a
/// playlist without a usable id, a field of the wrong type) is skipped and counted, and never fails the page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u32,
    pub offset: u32,
    pub limit: u32,
    /// The URL of the next page, as the API gives it.
    pub next: Option<String>,
    /// How many entries of this page could not be read.
    pub skipped: u32,
}

impl<T: FromJson> FromJson for Page<T> {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        let items = match json.member("items")? {
            Json::Null => &[],
            items => items.as_array()?,
        };
        let mut skipped = 0;
        let items = items
            .iter()
            .filter_map(|entry| {
                let item = Option::<T>::from_json(entry).flatten();
                skipped += u32::from(item.is_none());
                item
            })
            .collect();
        Some(Page {
            items,
            total: json.field("total")?,
            offset: json.field_or_default("offset")?,
            limit: json.field_or_default("limit")?,
            next: json.field("next")?,
            skipped,
        })
    }
}

// What the app reads of each object, and how it keeps it: the names are Spotify's, a missing or `null` field is
// `None` or the type's default, and a list may hold `null`s. A copy is written with the same names, so it reads
// back the same way.

json_object!(User { id, display_name });

json_object!(Image { url, height, width });

json_object!(Owner {
    id: default,
    display_name
});

json_object!(EntriesRef { total });

json_object!(ExternalUrls { spotify });

json_object!(Playlist {
    id,
    name: default,
    images: present,
    owner,
    collaborative: default,
    public,
    description,
    items,
    tracks,
    external_urls,
    snapshot_id,
});

json_object!(ItemsAccess {
    followed,
    spotify_owned
});

json_object!(PlaylistEntry {
    item,
    track,
    added_at
});

json_object!(Playable {
    name: default,
    artists: present,
    album,
    show,
    duration_ms,
    is_local: default,
    kind as "type",
    episode: default,
    id,
    uri,
    explicit,
    external_urls,
});

json_object!(Named { name: default, uri });

#[cfg(test)]
mod tests {
    use super::*;

    fn playlist(json: &str) -> Playlist {
        crate::json::from_str(json).unwrap()
    }

    /// Guards against Spotify's untidy playlist objects failing the whole page.
    #[test]
    fn untidy_playlist_objects_parse() {
        let p = playlist(
            r#"{"id":"p1","name":"Mix","images":null,"owner":{"id":"u","display_name":null},
                "collaborative":false,"public":null,"description":null,
                "tracks":{"href":"h","total":7},"type":"playlist","snapshot_id":"s"}"#,
        );
        assert_eq!(p.track_count(), Some(7));
        assert_eq!(p.cover_url(64), None);
        assert_eq!(p.owner_name(), "u");
        assert_eq!(p.public, None);
        let p = playlist(
            r#"{"id":"p","name":"n","images":[],"owner":{"id":"u"},"items":{"href":"h","total":3},"tracks":{"href":"h","total":9}}"#,
        );
        assert_eq!(
            p.track_count(),
            Some(3),
            "items wins over the deprecated tracks"
        );
        assert_eq!(p.cover_url(64), None);
    }

    #[test]
    fn cover_picks_the_smallest_image_at_least_as_wide() {
        let p = playlist(
            r#"{"id":"p","name":"n","owner":{"id":"u"},"images":[
                {"url":"big","height":640,"width":640},{"url":"mid","height":300,"width":300},
                {"url":"small","height":60,"width":60}]}"#,
        );
        assert_eq!(p.cover_url(64), Some("mid"));
        assert_eq!(p.cover_url(50), Some("small"));
        assert_eq!(p.cover_url(1000), Some("big"));
        let unsized_image = playlist(
            r#"{"id":"p","name":"n","owner":{"id":"u"},"images":[{"url":"only","height":null,"width":null}]}"#,
        );
        assert_eq!(unsized_image.cover_url(64), Some("only"));
    }

    #[test]
    fn page_drops_null_items() {
        let page: Page<Playlist> = crate::json::from_str(
            r#"{"href":"h","items":[null,{"id":"p","name":"n","owner":{"id":"u"}}],"limit":50,"next":null,
                "offset":0,"previous":null,"total":2}"#,
        )
        .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.total, 2);
    }

    /// Guards against a removed track (`item: null`) or an episode failing the whole page of a track list.
    #[test]
    fn playlist_entries_prefer_item_and_tolerate_nulls() {
        let page: Page<PlaylistEntry> = crate::json::from_str(
            r#"{"items":[
                {"added_at":"2024-01-01T00:00:00Z","item":{"type":"track","name":"New","artists":[{"name":"A"},{"name":"B"}],
                  "album":{"name":"LP"},"duration_ms":225000},"track":{"name":"Old"}},
                {"item":null,"track":null},
                {"track":{"type":"episode","name":"Ep","show":{"name":"Pod"},"duration_ms":3723000,"artists":null}},
                null],"total":4,"offset":0,"limit":50}"#,
        )
        .unwrap();
        assert_eq!(page.items.len(), 3);
        let first = page.items[0].content().unwrap();
        assert_eq!(
            (first.name.as_str(), first.byline()),
            ("New", "A, B".to_owned())
        );
        assert!(page.items[1].content().is_none());
        let episode = page.items[2].content().unwrap();
        assert_eq!(episode.byline(), "Pod");
        assert_eq!(format_duration(episode.duration_ms.unwrap()), "1:02:03");
        assert_eq!(format_duration(225_000), "3:45");
        assert_eq!(format_duration(0), "0:00");
    }

    /// Guards against a crafted id (`../me`, a query, an absolute URL) reaching a URL, from the address bar or
    /// from an answer.
    #[test]
    fn playlist_ids_are_base62() {
        assert_eq!(
            PlaylistId::parse("37i9dQZF1DXcBWIGoYBM5M").map(|id| id.to_string()),
            Some("37i9dQZF1DXcBWIGoYBM5M".to_owned())
        );
        for bad in [
            "",
            "../me",
            "a/b",
            "a?b=1",
            "a%2Fb",
            "https:",
            "é",
            &"a".repeat(65),
        ] {
            assert_eq!(PlaylistId::parse(bad), None, "{bad}");
        }
        let crafted =
            crate::json::from_str::<Playlist>(r#"{"id":"../me","name":"n","owner":{"id":"u"}}"#);
        assert!(crafted.is_none());
    }

    /// Guards against one untidy playlist of old data failing the whole library: a `null` name, owner, image
    /// URL, image entry and total, and missing `external_urls`.
    #[test]
    fn old_playlist_data_reads() {
        let p = playlist(
            r#"{"id":"p","name":null,"owner":null,"images":[null,{"url":null},{"url":"x","width":null}],
                "tracks":{"href":"h","total":null},"collaborative":null}"#,
        );
        assert_eq!(p.display_name(), "Untitled playlist");
        assert_eq!(p.owner_name(), "");
        assert_eq!(p.cover_url(64), Some("x"));
        assert_eq!(p.track_count(), None);
        assert_eq!(p.spotify_url(), None);
        assert_eq!(p.access_for("alice"), Access::Followed);
    }

    /// Guards against opening playlists that Spotify refuses to apps in Development Mode (403) or to every new
    /// app (Spotify's own, 404) as if they were the user's.
    #[test]
    fn access_follows_ownership_and_collaboration() {
        let of = |owner: &str, collaborative: bool| {
            playlist(&format!(
                r#"{{"id":"p","name":"n","owner":{{"id":"{owner}"}},"collaborative":{collaborative},
                    "external_urls":{{"spotify":"https://open.spotify.com/playlist/p"}}}}"#
            ))
        };
        assert_eq!(of("alice", false).access_for("alice"), Access::Own);
        assert_eq!(of("bob", true).access_for("alice"), Access::Own);
        assert_eq!(of("bob", false).access_for("alice"), Access::Followed);
        assert_eq!(
            of("spotify", false).access_for("alice"),
            Access::SpotifyOwned
        );
        assert_eq!(
            of("bob", false).spotify_url(),
            Some("https://open.spotify.com/playlist/p")
        );
        let crafted = playlist(
            r#"{"id":"p","name":"n","owner":{"id":"u"},"external_urls":{"spotify":"javascript:alert(1)"}}"#,
        );
        assert_eq!(crafted.spotify_url(), None);
    }

    /// Guards against one unreadable entry failing a page: it is skipped and counted.
    #[test]
    fn unreadable_entries_are_skipped_and_counted() {
        let page: Page<Playlist> = crate::json::from_str(
            r#"{"items":[{"id":"good","name":"n"},{"id":"../me","name":"n"},{"id":"p2","name":7},null,
                {"id":"also"}],"total":5,"offset":0,"limit":50}"#,
        )
        .unwrap();
        let ids: Vec<&str> = page.items.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["good", "also"]);
        assert_eq!(page.skipped, 3);
        assert_eq!(page.total, 5);
        let empty: Page<Playlist> = crate::json::from_str(r#"{"items":null,"total":0}"#).unwrap();
        assert_eq!((empty.items.len(), empty.skipped), (0, 0));
    }

    /// Guards against local files and episodes (in either shape) reading as broken tracks.
    #[test]
    fn local_files_and_episodes_read() {
        let page: Page<PlaylistEntry> = crate::json::from_str(
            r#"{"items":[
                {"is_local":true,"item":{"id":null,"uri":"spotify:local:A:B:Song:180","name":"Song","is_local":true,
                  "type":"track","artists":[{"id":null,"name":"Home Band"},null],"album":{"id":null,"name":"Demos","images":[]},
                  "duration_ms":180000}},
                {"item":{"type":"episode","name":"Ep 1","show":{"name":"The Show"},"duration_ms":60000}},
                {"track":{"type":"episode","episode":false,"track":true,"name":"Ep 2","artists":[{"name":"Other Show"}],
                  "album":{"name":"Other Show"}}}
            ],"total":3}"#,
        )
        .unwrap();
        assert_eq!(page.skipped, 0);
        let local = page.items[0].content().unwrap();
        assert!(local.is_local && !local.is_episode());
        assert_eq!(local.byline(), "Home Band");
        let episode = page.items[1].content().unwrap();
        assert!(episode.is_episode());
        assert_eq!(episode.byline(), "The Show");
        let shaped = page.items[2].content().unwrap();
        assert!(shaped.is_episode());
        assert_eq!(shaped.byline(), "Other Show");
    }

    #[test]
    fn user_name_falls_back_to_id() {
        let u: User = crate::json::from_str(r#"{"id":"smedjan","display_name":null}"#).unwrap();
        assert_eq!(u.name(), "smedjan");
        let u: User = crate::json::from_str(r#"{"id":"x","display_name":"Ada"}"#).unwrap();
        assert_eq!(u.name(), "Ada");
    }
}
