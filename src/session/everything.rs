//! "Export everything": what it reads, and what that costs in calls before it starts. Each playlist the app may
//! read whose entries are not in the session's copy at the playlist's current snapshot is read page by page;
//! the rest comes from the copy, and playlists Spotify will not let the app read are listed without entries.

use crate::spotify::export::Readable;
use crate::spotify::paging::ITEMS_PAGE_LIMIT;
use crate::spotify::{ItemsAccess, Playlist, PlaylistId};

/// What an export of everything will do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// Playlists to read from Spotify, in the library's order, with how many pages each takes.
    pub to_read: Vec<(PlaylistId, u32)>,
    /// Playlists whose entries come from the copy.
    pub from_copy: usize,
    /// Playlists Spotify does not let this app read: listed, with their link, and no entries.
    pub not_readable: usize,
    /// Pages of Liked Songs to read (0 when they come from the copy or cannot be read).
    pub liked_pages: u32,
}

/// The pages a list of `total` entries takes (one even when empty: its first page says so).
pub fn pages(total: u32) -> u32 {
    total.div_ceil(ITEMS_PAGE_LIMIT).max(1)
}

impl Plan {
    /// Plans the export of `playlists` for the user `user_id`, given what the API showed the app may read, which
    /// playlists the copy holds at their current snapshot, and Liked Songs (`liked`: their count, and whether the
    /// copy holds them; `None` when the app may not read them).
    pub fn new(
        playlists: &[Playlist],
        user_id: &str,
        access: &ItemsAccess,
        in_copy: impl Fn(&Playlist) -> bool,
        liked: Option<(u32, bool)>,
    ) -> Plan {
        let mut plan = Plan::default();
        for playlist in playlists {
            if Readable::of(playlist, user_id, access) == Readable::No {
                plan.not_readable += 1;
            } else if in_copy(playlist) {
                plan.from_copy += 1;
            } else {
                let total = playlist.track_count().unwrap_or(0);
                plan.to_read.push((playlist.id.clone(), pages(total)));
            }
        }
        plan.liked_pages = match liked {
            Some((total, false)) => pages(total),
            _ => 0,
        };
        plan
    }

    /// The Web API calls the export will make, at most (a playlist found unreadable on its first page costs one).
    pub fn calls(&self) -> u32 {
        self.to_read.iter().map(|(_, pages)| pages).sum::<u32>() + self.liked_pages
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn playlist(id: &str, owner: &str, total: u32) -> Playlist {
        crate::json::from_str(&format!(
            r#"{{"id":"{id}","name":"P","owner":{{"id":"{owner}"}},"items":{{"total":{total}}},"snapshot_id":"s"}}"#
        ))
        .unwrap()
    }

    /// Guards against an export that costs more calls than it says, reads what the copy holds, or tries what
    /// Spotify has shown it refuses.
    #[test]
    fn the_plan_reads_only_what_the_copy_lacks_and_counts_its_calls() {
        let library = [
            playlist("own1", "alice", 120),
            playlist("own2", "alice", 0),
            playlist("cached", "alice", 500),
            playlist("followed", "bob", 30),
            playlist("fresh", "spotify", 10),
        ];
        let access = ItemsAccess {
            followed: Some(false),
            spotify_owned: None,
        };
        let plan = Plan::new(
            &library,
            "alice",
            &access,
            |p| p.id.as_str() == "cached",
            Some((101, false)),
        );
        let ids: Vec<&str> = plan.to_read.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["own1", "own2", "fresh"], "unknown access is tried");
        assert_eq!(plan.to_read[0].1, 3);
        assert_eq!(
            plan.to_read[1].1, 1,
            "an empty playlist still costs its first page"
        );
        assert_eq!(
            (plan.from_copy, plan.not_readable, plan.liked_pages),
            (1, 1, 3)
        );
        assert_eq!(plan.calls(), 3 + 1 + 1 + 3);
        let cached_liked = Plan::new(&library, "alice", &access, |_| true, Some((101, true)));
        assert_eq!(cached_liked.calls(), 0);
        let no_liked = Plan::new(&[], "alice", &access, |_| false, None);
        assert_eq!(no_liked.calls(), 0);
    }
}
