//! The Web API's answers: `spotify::parse_api_response::<T>` for `Page<Playlist>`, `Page<PlaylistEntry>`,
//! `Playlist` and `User`, then what the app does with what parses: the model's methods, and finding and sorting a
//! library (`spotify::arrange`).
//!
//! Input: the first line is `STATUS[ RETRY_AFTER]` (a status that is not a number is 200; whatever follows the
//! first space is the `Retry-After` header, and also the text typed into the find box); the rest is the body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pkce_playlists::json::FromJson;
use pkce_playlists::spotify::arrange::{self, SearchKey, Sort};
use pkce_playlists::spotify::error::QUOTA_RETRY_AFTER_SECS;
use pkce_playlists::spotify::model::format_duration;
use pkce_playlists::spotify::{
    parse_api_response, Access, ApiError, Page, Playlist, PlaylistEntry, PlaylistId, User,
};
use pkce_playlists_fuzz::{assert_sentence, nfd, split_first_line, status};

/// Reads the answer as `T`; checks what holds of every answer, whatever `T`.
fn parse<T: FromJson>(status: u16, retry_after: Option<&str>, body: &str) -> Option<T> {
    let result = parse_api_response::<T>(status, retry_after, body);
    let success = (200..300).contains(&status);
    let error = match result {
        Ok(value) => {
            assert!(success, "data from HTTP {status}");
            return Some(value);
        }
        Err(error) => error,
    };
    assert_sentence(&error.to_string());
    assert!(!error.code().is_empty());
    match (&error, status) {
        (ApiError::Malformed(_), _) => assert!(success),
        (ApiError::Unauthorized(m), 401) | (ApiError::Forbidden(m), 403) => assert!(!m.is_empty()),
        (ApiError::NotFound, 404) | (ApiError::Server { .. }, 500..=599) => {}
        (ApiError::RateLimited { retry_after_secs }, 429) => {
            assert_eq!(
                *retry_after_secs,
                retry_after.and_then(|v| v.trim().parse::<u64>().ok())
            );
            assert!(retry_after_secs.is_none_or(|s| s <= QUOTA_RETRY_AFTER_SECS));
        }
        // A spent daily quota: Spotify's `reason`, or a wait longer than a rate limit's.
        (ApiError::QuotaExceeded { retry_after_secs }, 429) => {
            assert_eq!(
                *retry_after_secs,
                retry_after.and_then(|v| v.trim().parse::<u64>().ok())
            );
            let long = retry_after_secs.is_some_and(|s| s > QUOTA_RETRY_AFTER_SECS);
            let reason = serde_json::from_str::<serde_json::Value>(body)
                .ok()
                .and_then(|v| v["error"]["reason"].as_str().map(str::to_ascii_uppercase));
            assert!(
                long || reason.as_deref() == Some("QUOTA_EXCEEDED"),
                "{retry_after_secs:?} {reason:?}"
            );
        }
        (ApiError::Http { status: s, message }, _) => {
            assert_eq!(*s, status);
            assert!(!message.is_empty());
            assert!(!matches!(status, 200..=299 | 401 | 403 | 404 | 429 | 500..=599));
        }
        (error, status) => panic!("HTTP {status} read as {error:?}"),
    }
    assert!(!success || matches!(error, ApiError::Malformed(_)));
    assert_eq!(
        error.is_transient(),
        matches!(
            error,
            ApiError::RateLimited { .. } | ApiError::Server { .. }
        )
    );
    None
}

/// A page's entries that were read and those that were skipped add up to the entries the answer held.
fn check_page_counts<T>(page: &Page<T>, body: &str) {
    // Where `serde_json::Value` reads the body too (it refuses numbers out of range that the app skips over).
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(body) {
        let held = value
            .get("items")
            .and_then(serde_json::Value::as_array)
            .map_or(0, Vec::len);
        assert_eq!(page.items.len() + page.skipped as usize, held);
    }
}

fn check_playlist(playlist: &Playlist) {
    assert_eq!(
        PlaylistId::parse(playlist.id.as_str()).as_ref(),
        Some(&playlist.id)
    );
    assert!(!playlist.display_name().trim().is_empty());
    let usable: Vec<&str> = playlist
        .images
        .iter()
        .filter_map(|i| i.url.as_deref())
        .filter(|u| !u.is_empty())
        .collect();
    for size in [0, 1, 64, 300, 640, u32::MAX] {
        match playlist.cover_url(size) {
            Some(url) => assert!(usable.contains(&url), "{url:?} is not one of the images"),
            None => assert!(usable.is_empty(), "no cover among {usable:?}"),
        }
    }
    let owner = playlist.owner_name();
    match &playlist.owner {
        None => assert_eq!(owner, ""),
        Some(o) => assert!(owner == o.id || o.display_name.as_deref() == Some(owner)),
    }
    let total = playlist.items.as_ref().and_then(|r| r.total);
    let deprecated = playlist.tracks.as_ref().and_then(|r| r.total);
    assert_eq!(playlist.track_count(), total.or(deprecated));
    for user in ["alice", "spotify", ""] {
        let access = playlist.access_for(user);
        let owned = playlist.owner.as_ref().is_some_and(|o| o.id == user);
        if owned || playlist.collaborative {
            assert_eq!(access, Access::Own);
        } else {
            assert_ne!(access, Access::Own);
        }
    }
    if let Some(url) = playlist.spotify_url() {
        assert!(url.starts_with("https://"), "{url:?}");
    }
}

fn check_entry(entry: &PlaylistEntry) {
    let Some(content) = entry.content() else {
        return;
    };
    assert!(!content.display_name().trim().is_empty());
    let byline = content.byline();
    if content.artists.iter().any(|a| !a.name.is_empty()) {
        for artist in content.artists.iter().filter(|a| !a.name.is_empty()) {
            assert!(byline.contains(&artist.name));
        }
    }
    let _ = content.is_episode();
    if let Some(ms) = content.duration_ms {
        assert!(format_duration(ms).contains(':'));
    }
}

/// Find and sort over a page of playlists, as the library page does.
fn check_arrange(playlists: &[Playlist], query: &str) {
    let keys: Vec<SearchKey> = playlists.iter().map(|p| SearchKey::of(p, &nfd)).collect();
    let refs: Vec<&SearchKey> = keys.iter().collect();
    let words = arrange::words(query, &nfd);
    assert!(words
        .iter()
        .all(|w| !w.is_empty() && !w.contains(char::is_whitespace)));
    let matches = |k: &SearchKey| {
        words
            .iter()
            .all(|w| k.name.contains(w.as_str()) || k.owner.contains(w.as_str()))
    };
    let expected = keys.iter().filter(|k| matches(k)).count();
    for sort in Sort::ALL {
        let shown = arrange::arrange(&refs, &words, sort);
        assert_eq!(shown.len(), expected, "{sort:?}");
        let mut seen = vec![false; keys.len()];
        for &i in &shown {
            let i = i as usize;
            assert!(!seen[i], "{i} shown twice");
            seen[i] = true;
            assert!(matches(&keys[i]));
        }
        // In order, and ties in Spotify's order.
        for pair in shown.windows(2) {
            let (a, b) = (&keys[pair[0] as usize], &keys[pair[1] as usize]);
            let order = match sort {
                Sort::Spotify => std::cmp::Ordering::Equal,
                Sort::Name => a.name.cmp(&b.name),
                Sort::Owner => (&a.owner, &a.name).cmp(&(&b.owner, &b.name)),
                Sort::Tracks => b.tracks.cmp(&a.tracks),
            };
            assert!(order.is_le(), "{sort:?} out of order");
            if order.is_eq() {
                assert!(pair[0] < pair[1], "{sort:?} lost Spotify's order for a tie");
            }
        }
    }
    // Every playlist is found by its own name.
    for (i, playlist) in playlists.iter().enumerate().take(8) {
        let own = arrange::words(playlist.display_name(), &nfd);
        assert!(
            arrange::arrange(&refs, &own, Sort::Spotify).contains(&(i as u32)),
            "{:?} not found by its name",
            playlist.display_name()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let (header, body) = split_first_line(data);
    let (status_text, retry_after) = match header.split_once(' ') {
        Some((s, r)) => (s, Some(r)),
        None => (header.as_str(), None),
    };
    let status = status(Some(status_text), 200);

    if let Some(page) = parse::<Page<Playlist>>(status, retry_after, &body) {
        check_page_counts(&page, &body);
        page.items.iter().for_each(check_playlist);
        check_arrange(&page.items, retry_after.unwrap_or(""));
    }
    if let Some(page) = parse::<Page<PlaylistEntry>>(status, retry_after, &body) {
        check_page_counts(&page, &body);
        page.items.iter().for_each(check_entry);
    }
    if let Some(playlist) = parse::<Playlist>(status, retry_after, &body) {
        check_playlist(&playlist);
        check_arrange(std::slice::from_ref(&playlist), retry_after.unwrap_or(""));
    }
    if let Some(user) = parse::<User>(status, retry_after, &body) {
        let name = user.name();
        assert!(name == user.id || user.display_name.as_deref() == Some(name));
    }
});
