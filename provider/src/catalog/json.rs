//! Spotify-shaped JSON objects for the catalog, with absolute URLs based on the provider's address.

use serde_json::{json, Value};

use super::liked::LikedSongs;
use super::{ids, words, Entry, Images, Person, Playlist, PlaylistKey};

/// Which field names a response carries (Spotify renamed `tracks` to `items` and `track` to
/// `item` in 2026; Development Mode apps get only the new names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fields {
    /// `items`/`item` only: playlists have no `tracks`, entries have `"track": null`.
    Current,
    /// `items`/`item` beside the deprecated `tracks`/`track`, with the same values.
    WithDeprecated,
}

/// The provider's own base URL, e.g. `http://127.0.0.1:8081`, without a trailing slash.
#[derive(Debug, Clone)]
pub struct Base(pub String);

impl Base {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.0, path)
    }

    pub fn image(&self, seed: &str, size: Option<u32>) -> Value {
        json!({
            "url": self.url(&format!("/images/{seed}.jpg")),
            "height": size,
            "width": size,
        })
    }
}

fn external(kind: &str, id: &str) -> Value {
    json!({ "spotify": format!("https://open.spotify.com/{kind}/{id}") })
}

/// The public user object (as `owner` and `added_by`).
pub fn user_ref(base: &Base, person: Person, with_name: bool) -> Value {
    let mut v = json!({
        "external_urls": external("user", person.id()),
        "href": base.url(&format!("/v1/users/{}", person.id())),
        "id": person.id(),
        "type": "user",
        "uri": format!("spotify:user:{}", person.id()),
    });
    if with_name {
        v["display_name"] = json!(person.display_name());
    }
    v
}

/// What the granted scopes allow `/v1/me` to show.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProfileScopes {
    /// `user-read-email`: the `email` field.
    pub email: bool,
    /// `user-read-private`: `country`, `product` and `explicit_content`.
    pub private: bool,
}

/// `GET /v1/me`.
pub fn me(base: &Base, person: Person, scopes: ProfileScopes) -> Value {
    let images = match person {
        Person::Bob => json!([]),
        Person::Carol => json!([base.image("user-carol", None)]),
        _ => json!([
            base.image(&format!("user-{}", person.id()), Some(300)),
            base.image(&format!("user-{}-small", person.id()), Some(64)),
        ]),
    };
    let followers = match person {
        Person::Alice => 42,
        Person::Carol => 10_421,
        Person::Dave => 3,
        _ => 0,
    };
    let mut v = json!({
        "display_name": person.display_name(),
        "external_urls": external("user", person.id()),
        "followers": {"href": null, "total": followers},
        "href": base.url(&format!("/v1/users/{}", person.id())),
        "id": person.id(),
        "images": images,
        "type": "user",
        "uri": format!("spotify:user:{}", person.id()),
    });
    if scopes.email {
        v["email"] = json!(format!("{}@example.com", person.id()));
    }
    if scopes.private {
        v["country"] = json!(match person {
            Person::Carol => "BR",
            Person::Dave => "US",
            _ => "SE",
        });
        v["product"] = json!(if person == Person::Bob {
            "free"
        } else {
            "premium"
        });
        v["explicit_content"] = json!({"filter_enabled": false, "filter_locked": false});
    }
    v
}

fn playlist_images(base: &Base, p: &Playlist, id: &str) -> Value {
    match p.images {
        Images::Null => Value::Null,
        Images::Empty => json!([]),
        Images::Uploaded => json!([base.image(id, None)]),
        Images::Single => json!([base.image(id, Some(640))]),
        Images::Mosaic => json!([
            base.image(&format!("{id}-640"), Some(640)),
            base.image(&format!("{id}-300"), Some(300)),
            base.image(&format!("{id}-60"), Some(60)),
        ]),
        Images::WithNull => json!([base.image(id, Some(640)), null]),
    }
}

fn snapshot_id(key: PlaylistKey) -> String {
    format!("AAAA{}", ids::derived(&[b"snapshot", key.id().as_bytes()]))
}

/// A simplified playlist object, as `/v1/me/playlists` lists them.
pub fn playlist(base: &Base, p: &Playlist, fields: Fields) -> Value {
    let id = p.key.id();
    let total = (!p.quirks.null_total).then_some(p.track_count);
    let mut v = json!({
        "collaborative": p.collaborative,
        "description": p.description,
        "external_urls": external("playlist", &id),
        "href": base.url(&format!("/v1/playlists/{id}")),
        "id": id,
        "images": playlist_images(base, p, &id),
        "name": (!p.quirks.null_name).then_some(&p.name),
        "owner": (!p.quirks.null_owner).then(|| user_ref(base, p.key.owner, true)),
        "primary_color": null,
        "public": p.public,
        "snapshot_id": snapshot_id(p.key),
        "items": {"href": base.url(&format!("/v1/playlists/{id}/items")), "total": total},
        "type": "playlist",
        "uri": format!("spotify:playlist:{id}"),
    });
    if fields == Fields::WithDeprecated {
        v["tracks"] = json!({
            "href": base.url(&format!("/v1/playlists/{id}/tracks")),
            "total": total,
        });
    }
    v
}

fn artist(base: &Base, h: u64) -> Value {
    let (i, name) = words::artist(h);
    let id = ids::derived(&[b"artist", &i.to_le_bytes()]);
    json!({
        "external_urls": external("artist", &id),
        "href": base.url(&format!("/v1/artists/{id}")),
        "id": id,
        "name": name,
        "type": "artist",
        "uri": format!("spotify:artist:{id}"),
    })
}

/// A catalogue track, a function of `seed` (a playlist's id, or Liked Songs' seed) and its
/// position there.
fn track(base: &Base, seed: &str, position: u32, entry: Entry) -> Value {
    let h = ids::hash64(&[b"track", seed.as_bytes(), &position.to_le_bytes()]);
    let id = ids::derived(&[b"track", &h.to_le_bytes()]);
    let album_h = h.rotate_left(17);
    let album_id = ids::derived(&[b"album", &album_h.to_le_bytes()]);
    let artists = if entry == Entry::NullArtist {
        json!([artist(base, h), null])
    } else {
        json!([artist(base, h)])
    };
    let album_images = match entry {
        Entry::AlbumWithoutImages => json!([]),
        Entry::NullImage => json!([
            base.image(&format!("album-{album_id}-640"), Some(640)),
            null
        ]),
        _ => json!([
            base.image(&format!("album-{album_id}-640"), Some(640)),
            base.image(&format!("album-{album_id}-300"), Some(300)),
            base.image(&format!("album-{album_id}-64"), Some(64)),
        ]),
    };
    let year = 1965 + (h % 60);
    let mut v = json!({
        "album": {
            "album_type": if h.is_multiple_of(4) { "single" } else { "album" },
            "artists": artists,
            "available_markets": ["SE", "US", "BR", "JP"],
            "external_urls": external("album", &album_id),
            "href": base.url(&format!("/v1/albums/{album_id}")),
            "id": album_id,
            "images": album_images,
            "name": words::album_name(album_h),
            "release_date": format!("{year}-{:02}-{:02}", 1 + (h >> 7) % 12, 1 + (h >> 13) % 28),
            "release_date_precision": "day",
            "total_tracks": 1 + (h >> 19) % 14,
            "type": "album",
            "uri": format!("spotify:album:{album_id}"),
        },
        "artists": artists,
        "available_markets": ["SE", "US", "BR", "JP"],
        "disc_number": 1,
        "duration_ms": 120_000 + (h >> 3) % 240_000,
        "episode": false,
        "explicit": h.is_multiple_of(9),
        "external_ids": {"isrc": format!("SE{:010}", h % 10_000_000_000)},
        "external_urls": external("track", &id),
        "href": base.url(&format!("/v1/tracks/{id}")),
        "id": id,
        "is_local": false,
        "name": words::track_name(h),
        "popularity": (h >> 31) % 101,
        "preview_url": null,
        "track": true,
        "track_number": 1 + (h >> 23) % 12,
        "type": "track",
        "uri": format!("spotify:track:{id}"),
    });
    match entry {
        Entry::NullName => {
            v["name"] = Value::Null;
            v["album"]["name"] = Value::Null;
        }
        Entry::OddName(which) => {
            let (name, artist, album) = words::odd_names(which);
            v["name"] = json!(name);
            v["album"]["name"] = json!(album);
            v["artists"][0]["name"] = json!(artist);
            v["album"]["artists"][0]["name"] = json!(artist);
        }
        _ => {}
    }
    v
}

/// A local file as Spotify lists it: what the client read from the file's tags, null ids, hrefs
/// and URIs except its own `spotify:local:` URI, empty objects and lists elsewhere.
fn local_track(seed: &str, position: u32) -> Value {
    let h = ids::hash64(&[b"local", seed.as_bytes(), &position.to_le_bytes()]);
    let (name, artist, album) = words::local_file(h);
    let seconds = 60 + h % 240;
    let part = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    json!({
        "album": {
            "album_type": null,
            "artists": [],
            "available_markets": [],
            "external_urls": {},
            "href": null,
            "id": null,
            "images": [],
            "name": album,
            "release_date": null,
            "release_date_precision": null,
            "type": "album",
            "uri": null,
        },
        "artists": [{
            "external_urls": {},
            "href": null,
            "id": null,
            "name": artist,
            "type": "artist",
            "uri": null,
        }],
        "available_markets": [],
        "disc_number": 0,
        "duration_ms": seconds * 1000,
        "explicit": false,
        "external_ids": {},
        "external_urls": {},
        "href": null,
        "id": null,
        "is_local": true,
        "name": name,
        "popularity": 0,
        "preview_url": null,
        "track_number": 0,
        "type": "track",
        "uri": format!("spotify:local:{}:{}:{}:{seconds}", part(artist), part(album), part(name)),
    })
}

/// The parts of a generated podcast episode.
struct EpisodeParts {
    id: String,
    name: String,
    show_id: String,
    show: &'static str,
    publisher: &'static str,
    duration_ms: u64,
    release_date: String,
}

fn episode_parts(key: PlaylistKey, position: u32) -> EpisodeParts {
    let h = ids::hash64(&[b"episode", key.id().as_bytes(), &position.to_le_bytes()]);
    let (show, publisher) = words::show(h);
    EpisodeParts {
        id: ids::derived(&[b"episode", &h.to_le_bytes()]),
        name: format!("Episode {}: {}", 1 + h % 200, words::track_name(h)),
        show_id: ids::derived(&[b"show", show.as_bytes()]),
        show,
        publisher,
        duration_ms: 600_000 + (h >> 5) % 3_000_000,
        release_date: format!("2025-{:02}-{:02}", 1 + (h >> 9) % 12, 1 + (h >> 13) % 28),
    }
}

/// An episode in a playlist, track-shaped as Spotify sends it when `additional_types` does not
/// name `episode`: `"type": "episode"`, the show as album and as artist, and the flags the wrong
/// way round (`"episode": false, "track": true`).
fn episode_as_track(base: &Base, key: PlaylistKey, position: u32) -> Value {
    let e = episode_parts(key, position);
    let show_images = json!([
        base.image(&format!("show-{}-640", e.show_id), Some(640)),
        base.image(&format!("show-{}-300", e.show_id), Some(300)),
        base.image(&format!("show-{}-64", e.show_id), Some(64)),
    ]);
    json!({
        "album": {
            "album_type": "compilation",
            "artists": [],
            "available_markets": [],
            "external_urls": external("show", &e.show_id),
            "href": base.url(&format!("/v1/shows/{}", e.show_id)),
            "id": e.show_id,
            "images": show_images,
            "name": e.show,
            "release_date": null,
            "release_date_precision": null,
            "type": "show",
            "uri": format!("spotify:show:{}", e.show_id),
        },
        "artists": [{
            "external_urls": external("show", &e.show_id),
            "href": base.url(&format!("/v1/shows/{}", e.show_id)),
            "id": e.show_id,
            "name": e.publisher,
            "type": "show",
            "uri": format!("spotify:show:{}", e.show_id),
        }],
        "available_markets": [],
        "disc_number": 0,
        "duration_ms": e.duration_ms,
        "episode": false,
        "explicit": false,
        "external_ids": {"spotify": format!("https://open.spotify.com/episode/{}", e.id)},
        "external_urls": external("episode", &e.id),
        "href": base.url(&format!("/v1/episodes/{}", e.id)),
        "id": e.id,
        "is_local": false,
        "is_playable": true,
        "name": e.name,
        "popularity": 0,
        "preview_url": null,
        "track": true,
        "track_number": 0,
        "type": "episode",
        "uri": format!("spotify:episode:{}", e.id),
    })
}

/// An episode object, as a playlist lists it when `additional_types` names `episode`.
fn episode(base: &Base, key: PlaylistKey, position: u32) -> Value {
    let e = episode_parts(key, position);
    let images = json!([
        base.image(&format!("show-{}-640", e.show_id), Some(640)),
        base.image(&format!("show-{}-300", e.show_id), Some(300)),
        base.image(&format!("show-{}-64", e.show_id), Some(64)),
    ]);
    let description = format!("{} talks about {}.", e.publisher, e.name.to_lowercase());
    json!({
        "audio_preview_url": null,
        "description": description,
        "duration_ms": e.duration_ms,
        "explicit": false,
        "external_urls": external("episode", &e.id),
        "href": base.url(&format!("/v1/episodes/{}", e.id)),
        "html_description": format!("<p>{description}</p>"),
        "id": e.id,
        "images": images,
        "is_externally_hosted": false,
        "is_playable": true,
        "language": "en",
        "languages": ["en"],
        "name": e.name,
        "release_date": e.release_date,
        "release_date_precision": "day",
        "show": {
            "available_markets": [],
            "copyrights": [],
            "description": format!("A podcast by {}.", e.publisher),
            "explicit": false,
            "external_urls": external("show", &e.show_id),
            "href": base.url(&format!("/v1/shows/{}", e.show_id)),
            "html_description": format!("<p>A podcast by {}.</p>", e.publisher),
            "id": e.show_id,
            "images": images,
            "is_externally_hosted": false,
            "languages": ["en"],
            "media_type": "audio",
            "name": e.show,
            "publisher": e.publisher,
            "total_episodes": 200,
            "type": "show",
            "uri": format!("spotify:show:{}", e.show_id),
        },
        "type": "episode",
        "uri": format!("spotify:episode:{}", e.id),
    })
}

/// What a playlist or Liked Songs lists for an entry other than an episode: a track, a local
/// file, or `null` for a track no longer available.
fn track_or_gap(base: &Base, seed: &str, position: u32, entry: Entry) -> Value {
    match entry {
        Entry::Removed => Value::Null,
        Entry::LocalFile => local_track(seed, position),
        _ => track(base, seed, position, entry),
    }
}

/// A playlist track object: `item` and its deprecated twin `track` (null with
/// [`Fields::Current`]), both null for a gap. `episodes`: the request's `additional_types` names
/// `episode`, so episodes come as episode objects rather than track-shaped.
pub fn playlist_entry(
    base: &Base,
    p: &Playlist,
    position: u32,
    fields: Fields,
    episodes: bool,
) -> Value {
    let entry = p.entry(position);
    let item = match entry {
        Entry::Episode if episodes => episode(base, p.key, position),
        Entry::Episode => episode_as_track(base, p.key, position),
        _ => track_or_gap(base, &p.key.id(), position, entry),
    };
    let added_by = if p.collaborative && position % 2 == 1 {
        p.collaborators.first().copied().unwrap_or(p.key.owner)
    } else {
        p.key.owner
    };
    let day = position % 28 + 1;
    let month = (position / 28) % 12 + 1;
    json!({
        "added_at": format!("2024-{month:02}-{day:02}T12:{:02}:00Z", position % 60),
        "added_by": user_ref(base, added_by, false),
        "is_local": entry == Entry::LocalFile,
        "primary_color": null,
        "video_thumbnail": {"url": null},
        "track": if fields == Fields::WithDeprecated { item.clone() } else { Value::Null },
        "item": item,
    })
}

/// A saved track object, as `/v1/me/tracks` lists it: `added_at` and `track` (still `track`, in
/// every app mode: the 2026 rename to `item` was for playlists), `null` for a track no longer
/// available. The track is the one a playlist would list, less the playlist-only flags
/// `episode` and `track`.
pub fn saved_track(base: &Base, liked: LikedSongs, position: u32) -> Value {
    let entry = liked.entry(position).unwrap_or(Entry::Removed);
    let mut track = track_or_gap(base, &liked.seed(), position, entry);
    if let Some(fields) = track.as_object_mut() {
        fields.remove("episode");
        fields.remove("track");
    }
    json!({
        "added_at": liked.added_at(position),
        "track": track,
    })
}
