//! The Web API: `/v1/me`, `/v1/me/playlists`, `/v1/playlists/{id}` and its items.

use std::time::Instant;

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::app::Shared;
use crate::catalog::json::{self as shapes, Base, ProfileScopes};
use crate::catalog::{may_read, playlist as find_playlist, Library, Playlist, PlaylistKey};
use crate::errors::ApiError;
use crate::form::Params;
use crate::store::{AccessDenied, Session};

/// Spotify refuses offsets beyond this on playlist endpoints.
const MAX_OFFSET: u32 = 100_000;

/// Checks the bearer token (RFC 6750 §2.1).
fn authenticate(state: &Shared, headers: &HeaderMap) -> Result<Session, ApiError> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or(ApiError::unauthorized("No token provided"))?;
    let value = value
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
    state
        .store()
        .check_access(token, Instant::now())
        .map_err(|denied| match denied {
            AccessDenied::Expired => ApiError::unauthorized("The access token expired"),
            AccessDenied::Invalid => ApiError::unauthorized("Invalid access token"),
        })
}

fn insufficient_scope() -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, "Insufficient client scope")
}

/// `limit` (1 to `max`, default 20) and `offset` (0 to 100,000, default 0).
fn paging(query: Option<&str>, max: u32) -> Result<(u32, u32), ApiError> {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let limit = match params.get("limit") {
        None => 20,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=max).contains(l))
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
    Ok((limit, offset))
}

/// A paging object with absolute `href`, `next` and `previous`.
fn page(base: &Base, path: &str, items: Vec<Value>, limit: u32, offset: u32, total: u32) -> Value {
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

/// `GET /v1/me`.
pub async fn me(State(state): State<Shared>, headers: HeaderMap) -> Response {
    match authenticate(&state, &headers) {
        Ok(session) => {
            let scopes = ProfileScopes {
                email: session.scope.contains("user-read-email"),
                private: session.scope.contains("user-read-private"),
            };
            Json(shapes::me(&state.base, session.user, scopes)).into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// `GET /v1/me/playlists`: needs `playlist-read-private`. Pages are generated on demand.
pub async fn my_playlists(
    State(state): State<Shared>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let result = (|| -> Result<Value, ApiError> {
        let session = authenticate(&state, &headers)?;
        if !session.scope.contains("playlist-read-private") {
            return Err(insufficient_scope());
        }
        let (limit, offset) = paging(query.as_deref(), 50)?;
        let library = Library::of(session.user);
        let items = (offset..offset.saturating_add(limit))
            .map_while(|i| library.get(i))
            .filter_map(find_playlist)
            .map(|p| shapes::playlist(&state.base, &p))
            .collect();
        Ok(page(
            &state.base,
            "/v1/me/playlists",
            items,
            limit,
            offset,
            library.len(),
        ))
    })();
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}

/// Finds a playlist the session may read: 404 for an unknown id, 403 for one the user neither
/// owns, follows nor collaborates on, 403 `Insufficient client scope` for a non-public one
/// without the scope that covers it.
fn readable(session: &Session, id: &str) -> Result<Playlist, ApiError> {
    let playlist = PlaylistKey::from_id(id)
        .and_then(find_playlist)
        .ok_or_else(ApiError::not_found)?;
    if !may_read(session.user, &playlist) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "Forbidden"));
    }
    let scoped = playlist.public == Some(true)
        || session.scope.contains("playlist-read-private")
        || (playlist.collaborative && session.scope.contains("playlist-read-collaborative"));
    if !scoped {
        return Err(insufficient_scope());
    }
    Ok(playlist)
}

/// `GET /v1/playlists/{id}`: the playlist object.
pub async fn playlist(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let result = authenticate(&state, &headers).and_then(|session| readable(&session, &id));
    match result {
        Ok(p) => Json(shapes::playlist(&state.base, &p)).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /v1/playlists/{id}/items` (and `/tracks`): a page of playlist track objects.
pub async fn playlist_items(
    State(state): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let result = (|| -> Result<Value, ApiError> {
        let session = authenticate(&state, &headers)?;
        let (limit, offset) = paging(query.as_deref(), 50)?;
        let playlist = readable(&session, &id)?;
        let end = offset.saturating_add(limit).min(playlist.track_count);
        let items = (offset..end)
            .map(|i| shapes::playlist_entry(&state.base, &playlist, i))
            .collect();
        let path = format!("/v1/playlists/{}/items", playlist.key.id());
        Ok(page(
            &state.base,
            &path,
            items,
            limit,
            offset,
            playlist.track_count,
        ))
    })();
    match result {
        Ok(v) => Json(v).into_response(),
        Err(e) => e.into_response(),
    }
}
