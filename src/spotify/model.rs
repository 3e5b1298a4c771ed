//! The parts of Spotify's Web API objects the app uses, read leniently where Spotify is untidy (`null`
//! images, descriptions and flags; `null` entries in lists) and strictly where a value is needed (ids, names).

use std::fmt;

use serde::{Deserialize, Deserializer};

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

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

impl<'de> Deserialize<'de> for PlaylistId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let id = String::deserialize(deserializer)?;
        PlaylistId::parse(&id).ok_or_else(|| serde::de::Error::custom("not a Spotify id"))
    }
}

/// `GET /v1/me`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct User {
    pub id: String,
    #[serde(default)]
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

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Image {
    pub url: String,
    #[serde(default)]
    pub height: Option<u32>,
    #[serde(default)]
    pub width: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Owner {
    pub id: String,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// `{href, total}`: the reference to a playlist's entries.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EntriesRef {
    #[serde(default)]
    pub total: Option<u32>,
}

/// A simplified playlist object, as listed by `GET /v1/me/playlists`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Playlist {
    pub id: PlaylistId,
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub images: Vec<Image>,
    pub owner: Owner,
    #[serde(default, deserialize_with = "null_as_default")]
    pub collaborative: bool,
    #[serde(default)]
    pub public: Option<bool>,
    #[serde(default)]
    pub description: Option<String>,
    /// The current name of the entries reference.
    #[serde(default)]
    pub items: Option<EntriesRef>,
    /// The deprecated name, still sent.
    #[serde(default)]
    pub tracks: Option<EntriesRef>,
}

impl Playlist {
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
        let width = |i: &Image| i.width.or(i.height);
        let big_enough = self
            .images
            .iter()
            .filter(|i| width(i).is_some_and(|w| w >= size))
            .min_by_key(|i| width(i));
        let largest = self
            .images
            .iter()
            .filter(|i| width(i).is_some())
            .max_by_key(|i| width(i));
        big_enough
            .or(largest)
            .or(self.images.first())
            .map(|i| i.url.as_str())
            .filter(|u| !u.is_empty())
    }

    pub fn owner_name(&self) -> &str {
        self.owner
            .display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.owner.id)
    }
}

/// One entry of `GET /v1/playlists/{id}/items`. Spotify sends the content as `item` and, deprecated, as `track`;
/// either may be `null` (a track that is no longer available).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct PlaylistEntry {
    #[serde(default)]
    pub item: Option<Playable>,
    #[serde(default)]
    pub track: Option<Playable>,
}

impl PlaylistEntry {
    /// The track or episode, when there is one.
    pub fn content(&self) -> Option<&Playable> {
        self.item.as_ref().or(self.track.as_ref())
    }
}

/// A track or an episode, as far as a track list shows it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Playable {
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub artists: Vec<Named>,
    /// A track's album.
    #[serde(default)]
    pub album: Option<Named>,
    /// An episode's show.
    #[serde(default)]
    pub show: Option<Named>,
    #[serde(default)]
    pub duration_ms: Option<u64>,
}

/// Anything with a name: an artist, an album, a show.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Named {
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
}

impl Playable {
    /// "Artist, Artist", or the show's name for an episode.
    pub fn byline(&self) -> String {
        if self.artists.is_empty() {
            return self
                .show
                .as_ref()
                .map(|s| s.name.clone())
                .unwrap_or_default();
        }
        self.artists
            .iter()
            .map(|a| a.name.as_str())
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(", ")
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

/// One page of a paged list. `null` entries, which Spotify sometimes sends, are dropped.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    #[serde(deserialize_with = "drop_nulls")]
    pub items: Vec<T>,
    pub total: u32,
    #[serde(default)]
    pub offset: u32,
    #[serde(default)]
    pub limit: u32,
}

fn drop_nulls<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items: Option<Vec<Option<T>>> = Option::deserialize(deserializer)?;
    Ok(items.unwrap_or_default().into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn playlist(json: &str) -> Playlist {
        serde_json::from_str(json).unwrap()
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
        let page: Page<Playlist> = serde_json::from_str(
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
        let page: Page<PlaylistEntry> = serde_json::from_str(
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
            serde_json::from_str::<Playlist>(r#"{"id":"../me","name":"n","owner":{"id":"u"}}"#);
        assert!(crafted.is_err());
    }

    #[test]
    fn user_name_falls_back_to_id() {
        let u: User = serde_json::from_str(r#"{"id":"smedjan","display_name":null}"#).unwrap();
        assert_eq!(u.name(), "smedjan");
        let u: User = serde_json::from_str(r#"{"id":"x","display_name":"Ada"}"#).unwrap();
        assert_eq!(u.name(), "Ada");
    }
}
