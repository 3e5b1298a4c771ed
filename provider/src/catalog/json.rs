//! Spotify-shaped JSON objects for the catalog, with absolute URLs based on the provider's address.

use serde_json::{json, Value};

use super::{ids, words, Images, Person, Playlist, PlaylistKey};

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
            "url": self.url(&format!("/images/{seed}.svg")),
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
    }
}

fn snapshot_id(key: PlaylistKey) -> String {
    format!("AAAA{}", ids::derived(&[b"snapshot", key.id().as_bytes()]))
}

/// A simplified playlist object, as `/v1/me/playlists` lists them.
pub fn playlist(base: &Base, p: &Playlist, fields: Fields) -> Value {
    let id = p.key.id();
    let mut v = json!({
        "collaborative": p.collaborative,
        "description": p.description,
        "external_urls": external("playlist", &id),
        "href": base.url(&format!("/v1/playlists/{id}")),
        "id": id,
        "images": playlist_images(base, p, &id),
        "name": p.name,
        "owner": user_ref(base, p.key.owner, true),
        "primary_color": null,
        "public": p.public,
        "snapshot_id": snapshot_id(p.key),
        "items": {"href": base.url(&format!("/v1/playlists/{id}/items")), "total": p.track_count},
        "type": "playlist",
        "uri": format!("spotify:playlist:{id}"),
    });
    if fields == Fields::WithDeprecated {
        v["tracks"] = json!({
            "href": base.url(&format!("/v1/playlists/{id}/tracks")),
            "total": p.track_count,
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

fn track(base: &Base, key: PlaylistKey, position: u32) -> Value {
    let h = ids::hash64(&[b"track", key.id().as_bytes(), &position.to_le_bytes()]);
    let id = ids::derived(&[b"track", &h.to_le_bytes()]);
    let album_h = h.rotate_left(17);
    let album_id = ids::derived(&[b"album", &album_h.to_le_bytes()]);
    let artists = json!([artist(base, h)]);
    let year = 1965 + (h % 60);
    json!({
        "album": {
            "album_type": if h.is_multiple_of(4) { "single" } else { "album" },
            "artists": artists,
            "available_markets": ["SE", "US", "BR", "JP"],
            "external_urls": external("album", &album_id),
            "href": base.url(&format!("/v1/albums/{album_id}")),
            "id": album_id,
            "images": [
                base.image(&format!("album-{album_id}-640"), Some(640)),
                base.image(&format!("album-{album_id}-300"), Some(300)),
                base.image(&format!("album-{album_id}-64"), Some(64)),
            ],
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
    })
}

/// A playlist track object: `item` and its deprecated twin `track` (null with
/// [`Fields::Current`]), both null for a gap.
pub fn playlist_entry(base: &Base, p: &Playlist, position: u32, fields: Fields) -> Value {
    let item = if p.null_tracks.contains(&position) {
        Value::Null
    } else {
        track(base, p.key, position)
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
        "is_local": false,
        "primary_color": null,
        "video_thumbnail": {"url": null},
        "track": if fields == Fields::WithDeprecated { item.clone() } else { Value::Null },
        "item": item,
    })
}
