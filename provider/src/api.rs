//! The Web API: `/v1/me`, `/v1/me/playlists`, `/v1/me/tracks` (Liked Songs), `/v1/playlists/{id}`
//! and its items.

use std::time::Instant;

use axum::extract::{FromRequestParts, Path, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::Json;
use serde_json::{json, Value};

use crate::catalog::json::{self as shapes, Base, Fields, ProfileScopes};
use crate::catalog::liked::LikedSongs;
use crate::catalog::{
    is_spotify_owned, may_read, owns_or_collaborates, playlist as find_playlist, Library, Playlist,
    PlaylistKey,
};
use crate::config::Quota;
use crate::errors::ApiError;
use crate::form::Params;
use crate::state::Shared;
use crate::store::{AccessDenied, Session};

/// Spotify refuses offsets beyond this on playlist endpoints.
const MAX_OFFSET: u32 = 100_000;
/// The largest page Spotify serves on these endpoints.
const MAX_LIMIT: u32 = 50;

impl From<AccessDenied> for ApiError {
    fn from(denied: AccessDenied) -> Self {
        match denied {
            AccessDenied::Expired => ApiError::unauthorized("The access token expired"),
            AccessDenied::Invalid => ApiError::unauthorized("Invalid access token"),
        }
    }
}

/// Who is calling: the session of the request's bearer token (RFC 6750 §2.1) and the app mode
/// of the client it was issued to. What every Web API handler needs; getting it counts the call
/// against the client's daily quota, or refuses it when the quota is spent.
#[derive(Debug, Clone)]
pub struct Caller {
    pub session: Session,
    pub quota: Quota,
}

impl Caller {
    fn fields(&self) -> Fields {
        match self.quota {
            Quota::Development => Fields::Current,
            Quota::Extended => Fields::WithDeprecated,
        }
    }

    fn has_scope(&self, scope: &str) -> bool {
        self.session.scope.contains(scope)
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or(ApiError::unauthorized("No token provided"))?
            .to_str()
            .map_err(|_| ApiError::unauthorized("Invalid access token"))?;
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ApiError::bad_request(
                "Only valid bearer authentication supported",
            ));
        }
        let token = token.trim();
        if token.is_empty() {
            return Err(ApiError::unauthorized("No token provided"));
        }
        let now = Instant::now();
        let session = state.store().check_access(token, now)?;
        let daily_quota = state.daily_quota(&session.client_id);
        state
            .ledger()
            .admit(&session.client_id, daily_quota, now)
            .map_err(|spent| ApiError::quota_exceeded(spent.retry_after))?;
        let registered = state.config.is_registered(&session.client_id, session.user)
            && !state.faults().unregisters(session.user);
        if !registered {
            return Err(ApiError::user_not_registered());
        }
        let quota = state.config.quota_of(&session.client_id);
        Ok(Caller { session, quota })
    }
}

/// `limit` (1 to 50, default 20) and `offset` (0 to 100,000, default 0) from the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub limit: u32,
    pub offset: u32,
}

impl<S: Send + Sync> FromRequestParts<S> for Paging {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let params = Params::parse(parts.uri.query().unwrap_or_default().as_bytes());
        let limit = match params.get("limit") {
            None => 20,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| ApiError::bad_request("Invalid limit"))?,
        };
        let offset = match params.get("offset") {
            None => 0,
            Some(s) => s
                .parse::<u32>()
                .ok()
                .filter(|o| *o <= MAX_OFFSET)
                .ok_or_else(|| ApiError::bad_request("Invalid offset"))?,
        };
        Ok(Paging { limit, offset })
    }
}

impl Paging {
    /// A paging object with absolute `href`, `next` and `previous`.
    fn page(self, base: &Base, path: &str, items: Vec<Value>, total: u32) -> Value {
        let Paging { limit, offset } = self;
        let url = |o: u32| base.url(&format!("{path}?offset={o}&limit={limit}"));
        let end = u64::from(offset) + u64::from(limit);
        json!({
            "href": url(offset),
            "items": items,
            "limit": limit,
            "next": (end < u64::from(total)).then(|| url(offset + limit)),
            "offset": offset,
            "previous": (offset > 0).then(|| url(offset.saturating_sub(limit))),
            "total": total,
        })
    }

    /// The positions this page covers, up to `total`.
    fn positions(self, total: u32) -> std::ops::Range<u32> {
        self.offset.min(total)..self.offset.saturating_add(self.limit).min(total)
    }
}

/// A playlist id from the path: 22 base62 characters, or 400 `Invalid base62 id` as Spotify
/// answers for anything else (a user id, two ids run together, a typo'd length, bad encoding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaylistId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for PlaylistId {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let invalid = || ApiError::bad_request("Invalid base62 id");
        let Path(id) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| invalid())?;
        if id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(PlaylistId(id))
        } else {
            Err(invalid())
        }
    }
}

/// `additional_types` from the query: whether the client takes episodes as episode objects.
/// Without `episode` in it, Spotify sends episodes track-shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdditionalTypes {
    pub episode: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for AdditionalTypes {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let params = Params::parse(parts.uri.query().unwrap_or_default().as_bytes());
        let episode = params
            .get("additional_types")
            .is_some_and(|t| t.split(',').any(|t| t.trim() == "episode"));
        Ok(AdditionalTypes { episode })
    }
}

fn insufficient_scope() -> ApiError {
    ApiError::forbidden("Insufficient client scope")
}

/// `GET /v1/me`.
pub async fn me(State(state): State<Shared>, caller: Caller) -> Json<Value> {
    let scopes = ProfileScopes {
        email: caller.has_scope("user-read-email"),
        private: caller.has_scope("user-read-private"),
    };
    Json(shapes::me(&state.base, caller.session.user, scopes))
}

/// `GET /v1/me/playlists`: needs `playlist-read-private`. Pages are generated on demand.
pub async fn my_playlists(
    State(state): State<Shared>,
    caller: Caller,
    paging: Paging,
) -> Result<Json<Value>, ApiError> {
    if !caller.has_scope("playlist-read-private") {
        return Err(insufficient_scope());
    }
    let library = Library::of(caller.session.user);
    let items = paging
        .positions(library.len())
        .filter_map(|i| library.get(i))
        .filter_map(find_playlist)
        .map(|p| shapes::playlist(&state.base, &p, caller.fields()))
        .collect();
    Ok(Json(paging.page(
        &state.base,
        "/v1/me/playlists",
        items,
        library.len(),
    )))
}

/// `GET /v1/me/tracks`: the user's Liked Songs, newest first, as saved track objects; needs
/// `user-library-read`. Served in both app modes (Spotify kept it for Development Mode apps).
pub async fn my_tracks(
    State(state): State<Shared>,
    caller: Caller,
    paging: Paging,
) -> Result<Json<Value>, ApiError> {
    if !caller.has_scope("user-library-read") {
        return Err(insufficient_scope());
    }
    let liked = LikedSongs::of(caller.session.user);
    let items = paging
        .positions(liked.len())
        .map(|i| shapes::saved_track(&state.base, liked, i))
        .collect();
    Ok(Json(paging.page(
        &state.base,
        "/v1/me/tracks",
        items,
        liked.len(),
    )))
}

/// What a request wants of a playlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Want {
    /// The playlist object.
    Playlist,
    /// Its items.
    Items,
}

/// Finds a playlist the caller may read, in this order: 404 for an unknown id, 404 for a
/// Spotify-owned one in Development Mode, 403 for one the user neither owns, follows nor
/// collaborates on, 403 for the items of a followed one in Development Mode, 403
/// `Insufficient client scope` for a non-public one without the scope that covers it.
fn readable(caller: &Caller, id: &str, want: Want) -> Result<Playlist, ApiError> {
    let playlist = PlaylistKey::from_id(id)
        .and_then(find_playlist)
        .ok_or_else(ApiError::not_found)?;
    let development = caller.quota == Quota::Development;
    if development && is_spotify_owned(&playlist) {
        return Err(ApiError::not_found());
    }
    let user = caller.session.user;
    if !may_read(user, &playlist) {
        return Err(ApiError::forbidden("Forbidden"));
    }
    if development && want == Want::Items && !owns_or_collaborates(user, &playlist) {
        return Err(ApiError::forbidden("Forbidden"));
    }
    let scoped = playlist.public == Some(true)
        || caller.has_scope("playlist-read-private")
        || (playlist.collaborative && caller.has_scope("playlist-read-collaborative"));
    if !scoped {
        return Err(insufficient_scope());
    }
    Ok(playlist)
}

/// `GET /v1/playlists/{id}`: the playlist object.
pub async fn playlist(
    State(state): State<Shared>,
    caller: Caller,
    PlaylistId(id): PlaylistId,
) -> Result<Json<Value>, ApiError> {
    let p = readable(&caller, &id, Want::Playlist)?;
    Ok(Json(shapes::playlist(&state.base, &p, caller.fields())))
}

/// `GET /v1/playlists/{id}/items`: a page of playlist track objects.
pub async fn playlist_items(
    State(state): State<Shared>,
    caller: Caller,
    PlaylistId(id): PlaylistId,
    paging: Paging,
    types: AdditionalTypes,
) -> Result<Json<Value>, ApiError> {
    let playlist = readable(&caller, &id, Want::Items)?;
    let items = paging
        .positions(playlist.track_count)
        .map(|i| shapes::playlist_entry(&state.base, &playlist, i, caller.fields(), types.episode))
        .collect();
    let path = format!("/v1/playlists/{}/items", playlist.key.id());
    Ok(Json(paging.page(
        &state.base,
        &path,
        items,
        playlist.track_count,
    )))
}

/// `GET /v1/playlists/{id}/tracks`, the deprecated twin of `/items`: 403 `Forbidden` in
/// Development Mode, whatever the playlist.
pub async fn playlist_tracks(
    state: State<Shared>,
    caller: Caller,
    id: PlaylistId,
    paging: Paging,
    types: AdditionalTypes,
) -> Result<Json<Value>, ApiError> {
    if caller.quota == Quota::Development {
        return Err(ApiError::forbidden("Forbidden"));
    }
    playlist_items(state, caller, id, paging, types).await
}
