//! Liked Songs: each sample user's saved tracks, as `GET /v1/me/tracks` lists them (newest
//! first), generated on the fly like the playlists.
//!
//! alice has 25 (one page of 20 is not all), bob none, carol 5,000 (for paging and benchmarks),
//! dave 150 (three pages of 50 exactly), erin 17 untidy ones ([`ERIN`]), grace 100 and heidi
//! 1,000. A saved track is a function of its user and position: the same on every start.

use super::{ids, Entry, Person};

/// Alice's Liked Songs: a page and a bit at the default limit.
pub const ALICE_LIKED: u32 = 25;
/// Carol's Liked Songs: a hundred pages of 50.
pub const CAROL_LIKED: u32 = 5_000;
/// Dave's Liked Songs: three pages of 50, the last one ending exactly at the total.
pub const DAVE_LIKED: u32 = 150;
/// Grace's Liked Songs.
pub const GRACE_LIKED: u32 = 100;
/// Heidi's Liked Songs.
pub const HEIDI_LIKED: u32 = 1_000;

/// Erin's Liked Songs, in order: local files (which the desktop app lets a user like), tracks
/// no longer available (`"track": null`), null names and artists, albums without images or with
/// a `null` one, and names that are hard to export. Spotify lists saved episodes apart
/// (`/me/episodes`), so there are none here.
const ERIN: [Entry; 17] = [
    Entry::LocalFile,
    Entry::Removed,
    Entry::NullName,
    Entry::OddName(0),
    Entry::NullArtist,
    Entry::OddName(1),
    Entry::AlbumWithoutImages,
    Entry::OddName(2),
    Entry::NullImage,
    Entry::Track,
    Entry::OddName(3),
    Entry::LocalFile,
    Entry::OddName(4),
    Entry::Removed,
    Entry::OddName(5),
    Entry::Track,
    Entry::Track,
];

/// A user's Liked Songs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LikedSongs(Person);

impl LikedSongs {
    pub fn of(user: Person) -> LikedSongs {
        LikedSongs(user)
    }

    pub fn len(self) -> u32 {
        match self.0 {
            Person::Alice => ALICE_LIKED,
            Person::Carol => CAROL_LIKED,
            Person::Dave => DAVE_LIKED,
            Person::Erin => ERIN.len() as u32,
            Person::Grace => GRACE_LIKED,
            Person::Heidi => HEIDI_LIKED,
            Person::Bob | Person::Spotify | Person::Frank => 0,
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// What the saved entry at `position` holds, or `None` past the end.
    pub fn entry(self, position: u32) -> Option<Entry> {
        if position >= self.len() {
            return None;
        }
        Some(match self.0 {
            Person::Erin => ERIN[position as usize],
            _ => Entry::Track,
        })
    }

    /// What the generated tracks are seeded with, apart from their position: no playlist's id
    /// looks like this, so a liked track is not a copy of a playlist's.
    pub fn seed(self) -> String {
        format!("liked:{}", self.0.id())
    }

    /// When the entry at `position` was saved, RFC 3339 in UTC: one a day going back from
    /// 28 December 2025 (months of 28 days), at a time of day of its own, so the list is newest
    /// first as Spotify's is.
    pub fn added_at(self, position: u32) -> String {
        let h = ids::hash64(&[b"liked at", self.seed().as_bytes(), &position.to_le_bytes()]);
        let year = 2025 - position / (12 * 28);
        let month = 12 - (position / 28) % 12;
        let day = 28 - position % 28;
        let (hour, minute, second) = (h % 24, (h >> 8) % 60, (h >> 16) % 60);
        format!("{year}-{month:02}-{day:02}T{hour:02}:{minute:02}:{second:02}Z")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::words::ODD_NAME_COUNT;
    use crate::catalog::SAMPLE_USERS;

    #[test]
    fn liked_songs_have_the_documented_sizes() {
        let len = |p| LikedSongs::of(p).len();
        assert_eq!(len(Person::Alice), 25);
        assert!(LikedSongs::of(Person::Bob).is_empty());
        assert_eq!(len(Person::Carol), 5_000);
        assert_eq!(len(Person::Dave), 150);
        assert_eq!(len(Person::Erin), 17);
        assert_eq!(len(Person::Grace), 100);
        assert_eq!(len(Person::Heidi), 1_000);
        for user in SAMPLE_USERS {
            let liked = LikedSongs::of(user);
            assert_eq!(liked.entry(liked.len()), None, "{user:?}");
        }
    }

    #[test]
    fn liked_songs_are_newest_first_with_valid_dates() {
        // Guards against dates out of order or impossible (a 13th month, a day 0) deep in
        // carol's list, where a test that reads the first pages would not look.
        let carol = LikedSongs::of(Person::Carol);
        let dates: Vec<String> = (0..carol.len()).map(|i| carol.added_at(i)).collect();
        for pair in dates.windows(2) {
            assert!(pair[0] > pair[1], "{} then {}", pair[0], pair[1]);
        }
        for d in &dates {
            let b = d.as_bytes();
            assert_eq!(b.len(), 20, "{d}");
            assert_eq!(
                (b[4], b[7], b[10], b[13], b[16], b[19]),
                (b'-', b'-', b'T', b':', b':', b'Z')
            );
            let n = |r: std::ops::Range<usize>| d[r].parse::<u32>().expect("digits");
            assert!((2008..=2025).contains(&n(0..4)), "{d}");
            assert!((1..=12).contains(&n(5..7)), "{d}");
            assert!((1..=28).contains(&n(8..10)), "{d}");
            assert!(n(11..13) < 24 && n(14..16) < 60 && n(17..19) < 60, "{d}");
        }
    }

    #[test]
    fn erins_liked_songs_hold_every_untidy_case() {
        // Guards against the untidy sample data quietly losing a case an export must survive.
        let erin = LikedSongs::of(Person::Erin);
        let entries: Vec<Entry> = (0..erin.len()).filter_map(|i| erin.entry(i)).collect();
        for entry in [
            Entry::LocalFile,
            Entry::Removed,
            Entry::NullName,
            Entry::NullArtist,
            Entry::AlbumWithoutImages,
            Entry::NullImage,
            Entry::Track,
        ] {
            assert!(entries.contains(&entry), "{entry:?}");
        }
        for which in 0..ODD_NAME_COUNT {
            assert!(entries.contains(&Entry::OddName(which)), "odd name {which}");
        }
        assert!(!entries.contains(&Entry::Episode));
    }
}
