//! The session's local copy of what it read, and when it is good enough to show without asking Spotify again.
//!
//! Calls are the scarce resource: a Development Mode app's quota is counted per client id over a rolling day and
//! shared by all its users. So the library, the user and each playlist's entries (by the playlist's
//! `snapshot_id`) are kept for the session, sealed with its key (see `browser::copy_store`), and:
//! - a playlist whose snapshot is the one its entries were read at is shown from the copy, with no call;
//! - a reload shows the library from the copy at once, then checks it with two calls (the user, and the first
//!   page of the library compared with the copy's);
//! - the whole library is read again only when the user asks, or when the copy is older than the configured
//!   limit (a change below the first page shows no other way).

use super::LibraryRead;
use crate::json::json_object;
use crate::spotify::{ItemsAccess, Page, Playlist, PlaylistEntry, User};

/// How old a library copy may grow before it is read again in full, when the configuration does not say: a day,
/// the span over which Spotify counts the quota, so that a library costs at most one full read a day however
/// often it is reloaded (and a change below the first page shows within a day).
pub const DEFAULT_LIBRARY_MAX_AGE_HOURS: u32 = 24;

/// The library as it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryCopy {
    pub read_at_ms: u64,
    pub user: User,
    /// What the first page said the library holds.
    pub total: u32,
    pub playlists: Vec<Playlist>,
    /// How many of the library's entries could not be read.
    pub skipped: u32,
    /// What the API showed this app may read.
    pub access: ItemsAccess,
    /// How many Liked Songs the user had, when the app may read them.
    pub liked_total: Option<u32>,
}

/// A playlist's entries as they were read, at one snapshot of the playlist.
#[derive(Debug, Clone, PartialEq)]
pub struct EntriesCopy {
    pub snapshot_id: String,
    pub read_at_ms: u64,
    pub total: u32,
    pub entries: Vec<PlaylistEntry>,
    pub skipped: u32,
}

// Copies are written with the names of their fields; `skipped`, `access` and `liked_total` may be missing from
// what older versions wrote.

json_object!(LibraryCopy {
    read_at_ms,
    user,
    total,
    playlists,
    skipped: default,
    access: default,
    liked_total,
});

json_object!(EntriesCopy {
    snapshot_id,
    read_at_ms,
    total,
    entries,
    skipped: default,
});

/// What to do with a library copy at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Show it, then check it with the user and the first page.
    Check,
    /// Too old: read the library again in full.
    Stale,
}

impl LibraryCopy {
    /// What a copy read at `read_at_ms` is worth at `now_ms`, with copies kept at most `max_age_hours`.
    pub fn freshness(&self, now_ms: u64, max_age_hours: u32) -> Freshness {
        let max_age_ms = u64::from(max_age_hours) * 60 * 60 * 1000;
        // A copy from the future (the clock moved back) is as good as unknown: read again.
        if self.read_at_ms > now_ms || now_ms - self.read_at_ms >= max_age_ms {
            Freshness::Stale
        } else {
            Freshness::Check
        }
    }

    /// Whether the library's first page and the user, read now, say that nothing changed since the copy: the
    /// same user, the same total, and the same playlists at the same snapshots in the same order at the top.
    pub fn unchanged(&self, user: &User, first: &Page<Playlist>) -> bool {
        let shown = |p: &Playlist| (p.id.clone(), p.snapshot_id.clone(), p.name.clone());
        user.id == self.user.id
            && first.total == self.total
            && first.skipped == 0
            && first.items.len() <= self.playlists.len()
            && first.items.iter().map(shown).eq(self
                .playlists
                .iter()
                .take(first.items.len())
                .map(shown))
    }
}

impl EntriesCopy {
    /// Whether these entries are those of `playlist` as the library lists it now.
    pub fn current_for(&self, playlist: &Playlist) -> bool {
        playlist.snapshot_id.as_deref() == Some(self.snapshot_id.as_str())
    }
}

impl LibraryRead {
    /// A read that is over: the library of `total` playlists is shown from its copy.
    pub fn finished(total: u32) -> LibraryRead {
        let mut read = LibraryRead::default();
        read.cursor.total = Some(total);
        read.cursor.next_offset = total;
        read.cursor.done = true;
        read
    }

    /// A read of the library that goes on after `first`, its first page, which was read already (to check a
    /// copy): nothing is asked for twice. Returns the read and the playlists of that page to show.
    pub fn after_first_page(first: Page<Playlist>, limit: u32) -> (LibraryRead, Vec<Playlist>) {
        let mut read = LibraryRead::default();
        read.cursor.total = Some(first.total);
        read.cursor.next_offset = limit;
        read.cursor.next_url = first.next.clone();
        let added = first
            .items
            .into_iter()
            .filter(|p| read.seen.insert(p.id.clone()))
            .collect();
        (read, added)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::ToJson;
    use crate::spotify::PlaylistId;

    const NOW: u64 = 1_700_000_000_000;
    const HOUR: u64 = 60 * 60 * 1000;

    fn playlist(id: &str, snapshot: &str) -> Playlist {
        crate::json::from_str(&format!(
            r#"{{"id":"{id}","name":"P {id}","snapshot_id":"{snapshot}","owner":{{"id":"alice"}},"items":{{"total":3}}}}"#
        ))
        .unwrap()
    }

    fn user(id: &str) -> User {
        User {
            id: id.into(),
            display_name: None,
        }
    }

    fn copy() -> LibraryCopy {
        LibraryCopy {
            read_at_ms: NOW,
            user: user("alice"),
            total: 3,
            playlists: vec![playlist("a", "1"), playlist("b", "1"), playlist("c", "1")],
            skipped: 0,
            access: ItemsAccess::default(),
            liked_total: Some(3),
        }
    }

    fn page(items: Vec<Playlist>, total: u32) -> Page<Playlist> {
        Page {
            items,
            total,
            offset: 0,
            limit: 50,
            next: None,
            skipped: 0,
        }
    }

    /// Guards against a copy shown for ever (a change below the first page would never show) or read again at
    /// every reload (the quota's cost the copy is there to save).
    #[test]
    fn a_copy_is_checked_until_it_is_too_old() {
        assert_eq!(copy().freshness(NOW + 23 * HOUR, 24), Freshness::Check);
        assert_eq!(copy().freshness(NOW + 24 * HOUR, 24), Freshness::Stale);
        assert_eq!(copy().freshness(NOW + HOUR, 1), Freshness::Stale);
        assert_eq!(
            copy().freshness(NOW - 1, 24),
            Freshness::Stale,
            "a clock that went back"
        );
    }

    /// Guards against a changed library taken for the copy: another user, another total, a playlist added,
    /// removed, moved, renamed or changed at the top; and against an unchanged one read again.
    #[test]
    fn the_first_page_tells_whether_the_library_changed() {
        let c = copy();
        let same = page(c.playlists.clone(), 3);
        assert!(c.unchanged(&user("alice"), &same));
        assert!(!c.unchanged(&user("bob"), &same));
        assert!(!c.unchanged(&user("alice"), &page(c.playlists.clone(), 4)));
        let mut moved = c.playlists.clone();
        moved.swap(0, 1);
        assert!(!c.unchanged(&user("alice"), &page(moved, 3)));
        let mut changed = c.playlists.clone();
        changed[2] = playlist("c", "2");
        assert!(!c.unchanged(&user("alice"), &page(changed, 3)));
        let mut renamed = c.playlists.clone();
        renamed[1].name = "New name".into();
        assert!(!c.unchanged(&user("alice"), &page(renamed, 3)));
        let mut unreadable = same.clone();
        unreadable.skipped = 1;
        assert!(!c.unchanged(&user("alice"), &unreadable));
        // A first page shorter than the library (the usual case) is compared with the copy's top.
        let mut long = copy();
        long.total = 120;
        long.playlists = (0..120).map(|i| playlist(&format!("p{i}"), "1")).collect();
        let top = page(long.playlists[..50].to_vec(), 120);
        assert!(long.unchanged(&user("alice"), &top));
    }

    /// Guards against entries of an older snapshot shown for a playlist that changed since.
    #[test]
    fn entries_are_current_only_at_their_snapshot() {
        let entries = EntriesCopy {
            snapshot_id: "1".into(),
            read_at_ms: NOW,
            total: 0,
            entries: vec![],
            skipped: 0,
        };
        assert!(entries.current_for(&playlist("a", "1")));
        assert!(!entries.current_for(&playlist("a", "2")));
        let mut without = playlist("a", "1");
        without.snapshot_id = None;
        assert!(!entries.current_for(&without));
    }

    /// Guards against a copy that does not read back as it was (the model is read leniently from Spotify's JSON,
    /// and written back by the app).
    #[test]
    fn copies_round_trip() {
        let c = copy();
        let back: LibraryCopy = crate::json::from_str(&c.to_json()).unwrap();
        assert_eq!(back, c);
        let untidy: Page<PlaylistEntry> = crate::json::from_str(
            r#"{"items":[{"item":{"name":"Local","is_local":true,"artists":[null,{"name":"Me"}],"album":null,"type":"track"}},
                {"item":null,"track":null},{"item":{"name":"Ep","type":"episode","show":{"name":"Show"},"duration_ms":5}}],
                "total":3,"next":null}"#,
        )
        .unwrap();
        let entries = EntriesCopy {
            snapshot_id: "s".into(),
            read_at_ms: NOW,
            total: 3,
            entries: untidy.items,
            skipped: 0,
        };
        let back: EntriesCopy = crate::json::from_str(&entries.to_json()).unwrap();
        assert_eq!(back, entries);
    }

    /// Guards against the first page, read to check the copy, being asked for again by the full read.
    #[test]
    fn a_read_goes_on_after_a_first_page_already_read() {
        let mut first = page(
            vec![playlist("a", "1"), playlist("a", "1"), playlist("b", "1")],
            120,
        );
        first.next = Some("https://api/next".into());
        let (read, added) = LibraryRead::after_first_page(first, 50);
        assert_eq!(read.cursor.total, Some(120));
        assert_eq!(read.cursor.next_offset, 50);
        assert_eq!(read.cursor.next_url.as_deref(), Some("https://api/next"));
        assert!(!read.cursor.done);
        let ids: Vec<PlaylistId> = added.into_iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), 2, "a playlist listed twice is kept once");
    }
}
