//! The sample users and their playlists, generated deterministically on the fly.
//!
//! Nothing here is stored: a playlist is a function of its [`PlaylistKey`] (owner and index), a
//! library is a function of its user, and a page of carol's 10,000 playlists generates only that
//! page. grace (50 playlists) and heidi (1,000) are generated the same way, so that libraries of
//! one page, of twenty and of two hundred can be compared (`cargo xtask bench`). Each user's Liked
//! Songs are generated the same way too ([`liked`]).

pub mod ids;
pub mod json;
pub mod liked;
mod words;

/// A Spotify user known to the catalog: the seven sample users who can sign in, Spotify (owner
/// of editorial playlists), and Frank, a stranger whose private playlist nobody may read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Person {
    Alice,
    Bob,
    Carol,
    Dave,
    Spotify,
    Erin,
    Frank,
    Grace,
    Heidi,
}

/// The users offered on the consent page, in order.
pub const SAMPLE_USERS: [Person; 7] = [
    Person::Alice,
    Person::Bob,
    Person::Carol,
    Person::Dave,
    Person::Erin,
    Person::Grace,
    Person::Heidi,
];

impl Person {
    pub fn id(self) -> &'static str {
        match self {
            Person::Alice => "alice",
            Person::Bob => "bob",
            Person::Carol => "carol",
            Person::Dave => "dave",
            Person::Spotify => "spotify",
            Person::Erin => "erin",
            Person::Frank => "frank",
            Person::Grace => "grace",
            Person::Heidi => "heidi",
        }
    }

    pub fn display_name(self) -> &'static str {
        match self {
            Person::Alice => "Alice",
            Person::Bob => "Bob",
            Person::Carol => "Carol",
            Person::Dave => "Dave",
            Person::Spotify => "Spotify",
            Person::Erin => "Erin",
            Person::Frank => "Frank",
            Person::Grace => "Grace",
            Person::Heidi => "Heidi",
        }
    }

    /// What the consent page says about the user.
    pub fn blurb(self) -> &'static str {
        match self {
            Person::Alice => "about a dozen varied playlists",
            Person::Bob => "no playlists",
            Person::Carol => "10,000 playlists",
            Person::Dave => "a playlist with 1,500 tracks",
            Person::Erin => "untidy data: local files, episodes, nulls",
            Person::Grace => "50 playlists",
            Person::Heidi => "1,000 playlists",
            Person::Spotify | Person::Frank => "",
        }
    }

    /// A sample user by id (only those who can sign in).
    pub fn sample_user(id: &str) -> Option<Person> {
        SAMPLE_USERS.into_iter().find(|p| p.id() == id)
    }

    fn code(self) -> u32 {
        match self {
            Person::Alice => 1,
            Person::Bob => 2,
            Person::Carol => 3,
            Person::Dave => 4,
            Person::Spotify => 5,
            Person::Erin => 6,
            Person::Frank => 7,
            Person::Grace => 8,
            Person::Heidi => 9,
        }
    }

    fn from_code(code: u32) -> Option<Person> {
        [
            Person::Alice,
            Person::Bob,
            Person::Carol,
            Person::Dave,
            Person::Spotify,
            Person::Erin,
            Person::Frank,
            Person::Grace,
            Person::Heidi,
        ]
        .into_iter()
        .find(|p| p.code() == code)
    }
}

/// The sample users' ids, for messages: "alice, bob, carol or dave".
pub fn sample_user_list() -> String {
    let ids: Vec<&str> = SAMPLE_USERS.iter().map(|p| p.id()).collect();
    match ids.split_last() {
        Some((last, [])) => (*last).to_owned(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Identifies a playlist: its owner and its index among the owner's playlists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlaylistKey {
    pub owner: Person,
    pub index: u32,
}

impl PlaylistKey {
    const fn new(owner: Person, index: u32) -> Self {
        PlaylistKey { owner, index }
    }

    /// The playlist's 22-character base62 id.
    pub fn id(self) -> String {
        ids::encode((u64::from(self.owner.code()) << 32) | u64::from(self.index))
    }

    /// The playlist with this id, if it exists.
    pub fn from_id(id: &str) -> Option<PlaylistKey> {
        let value = ids::decode(id)?;
        let owner = Person::from_code((value >> 32) as u32)?;
        let key = PlaylistKey::new(owner, (value & 0xffff_ffff) as u32);
        playlist(key).map(|_| key)
    }
}

/// How a playlist's `images` field looks: Spotify's is untidy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Images {
    /// `"images": null`
    Null,
    /// `"images": []`
    Empty,
    /// One uploaded cover, with `height` and `width` null.
    Uploaded,
    /// One 640×640 cover.
    Single,
    /// A mosaic in three sizes: 640, 300, 60.
    Mosaic,
    /// A 640×640 cover followed by a `null` entry.
    WithNull,
}

/// What one entry of a playlist or of Liked Songs holds. Spotify's are untidy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    /// An ordinary catalogue track.
    Track,
    /// A removed or unavailable track: `item` and `track` are `null`.
    Removed,
    /// A local file (`is_local: true`): null ids, hrefs and URIs but its own `spotify:local:` URI,
    /// an album with no images.
    LocalFile,
    /// A podcast episode: track-shaped (`"type": "episode"`, the show as album and artist) unless
    /// the request's `additional_types` names `episode`.
    Episode,
    /// A track whose `artists` has a `null` entry.
    NullArtist,
    /// A track whose album has `"images": []`.
    AlbumWithoutImages,
    /// A track whose album's `images` has a `null` entry.
    NullImage,
    /// A track whose `name` and album `name` are `null`.
    NullName,
    /// A track whose names are hard to export: quotes, commas, newlines, tabs, non-ASCII, a
    /// leading `=`; the number picks one of the set.
    OddName(u8),
}

/// Old data that leaves fields of the playlist object `null`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// `"name": null`
    pub null_name: bool,
    /// `"owner": null`
    pub null_owner: bool,
    /// `"total": null` in `items` (and in the deprecated `tracks`).
    pub null_total: bool,
}

/// Everything that varies between playlists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Playlist {
    pub key: PlaylistKey,
    pub name: String,
    pub description: Option<String>,
    pub public: Option<bool>,
    pub collaborative: bool,
    pub collaborators: &'static [Person],
    pub images: Images,
    pub track_count: u32,
    /// The positions whose entry is not an ordinary track.
    pub entries: &'static [(u32, Entry)],
    pub quirks: Quirks,
}

impl Playlist {
    /// What the entry at `position` holds.
    pub fn entry(&self, position: u32) -> Entry {
        self.entries
            .iter()
            .find(|(p, _)| *p == position)
            .map_or(Entry::Track, |(_, e)| *e)
    }
}

struct Row {
    name: &'static str,
    description: Option<&'static str>,
    public: Option<bool>,
    collaborative: bool,
    collaborators: &'static [Person],
    images: Images,
    tracks: u32,
    entries: &'static [(u32, Entry)],
    quirks: Quirks,
}

const fn row(
    name: &'static str,
    description: Option<&'static str>,
    public: Option<bool>,
    images: Images,
    tracks: u32,
) -> Row {
    Row {
        name,
        description,
        public,
        collaborative: false,
        collaborators: &[],
        images,
        tracks,
        entries: &[],
        quirks: Quirks {
            null_name: false,
            null_owner: false,
            null_total: false,
        },
    }
}

const ALICE: [Row; 10] = [
    row("Morning Coffee", Some("Gentle songs to start the day."), Some(true), Images::Single, 18),
    row("Workout 🔥 Power Hour", Some(""), Some(true), Images::Mosaic, 60),
    row("Музыка для работы", None, Some(false), Images::Null, 7),
    row("夜のドライブ — Night Drive", Some("Tokyo at 2 a.m."), Some(true), Images::Empty, 25),
    row(
        "A Very Long Playlist Name That Goes On And On Because Nobody Could Agree What To Call These Rainy Sunday Songs",
        Some("Rain &amp; tea. More like this: <a href=\"spotify:user:alice\">alice</a>"),
        None,
        Images::Uploaded,
        12,
    ),
    row("Empty for now", None, Some(false), Images::Null, 0),
    Row {
        entries: &[(2, Entry::Removed), (5, Entry::Removed)],
        ..row("With gaps", Some("Two of these tracks are no longer available."), Some(true), Images::Mosaic, 9)
    },
    row("Road Trip 2019", Some("Long drives, longer playlists."), Some(true), Images::Single, 120),
    row("مقطوعات هادئة", Some("موسيقى هادئة للمساء"), Some(true), Images::Single, 5),
    Row {
        collaborative: true,
        ..row("Shared with friends", Some("Add whatever you like!"), Some(false), Images::Mosaic, 14)
    },
];

const ERIN: [Row; 9] = [
    Row {
        collaborative: true,
        collaborators: &[Person::Alice],
        ..row(
            "Erin & Alice's Mixtape",
            None,
            Some(false),
            Images::Mosaic,
            22,
        )
    },
    row(
        "Erin's secret stash",
        Some("Private."),
        Some(false),
        Images::Single,
        12,
    ),
    row(
        "Erin's road songs",
        Some("Followed by alice, who does not collaborate on it."),
        Some(true),
        Images::Single,
        10,
    ),
    Row {
        entries: &[
            (0, Entry::LocalFile),
            (1, Entry::Episode),
            (2, Entry::NullArtist),
            (3, Entry::LocalFile),
            (4, Entry::AlbumWithoutImages),
            (5, Entry::Removed),
            (6, Entry::Episode),
            (7, Entry::NullImage),
        ],
        ..row(
            "Odds & Ends",
            Some("Local files, podcast episodes, and tracks with holes in them."),
            Some(true),
            Images::Mosaic,
            12,
        )
    },
    Row {
        quirks: Quirks {
            null_name: true,
            null_owner: false,
            null_total: false,
        },
        ..row("(no name)", None, Some(false), Images::Null, 4)
    },
    Row {
        quirks: Quirks {
            null_name: false,
            null_owner: true,
            null_total: false,
        },
        ..row("From the old days", Some(""), Some(false), Images::Empty, 3)
    },
    row(
        "Patchy covers",
        Some("One cover and a hole."),
        Some(true),
        Images::WithNull,
        6,
    ),
    Row {
        quirks: Quirks {
            null_name: false,
            null_owner: false,
            null_total: true,
        },
        ..row(
            "Time Capsule",
            Some("We made you a personalised playlist with songs to take you back in time."),
            Some(false),
            Images::Uploaded,
            15,
        )
    },
    Row {
        entries: &[
            (0, Entry::Episode),
            (1, Entry::Episode),
            (2, Entry::LocalFile),
        ],
        ..row("Podcasts and demos", None, Some(false), Images::Empty, 3)
    },
];

const FRANK: [Row; 1] = [row(
    "Frank's private mix",
    Some("Nobody else's business."),
    Some(false),
    Images::Single,
    8,
)];

const SPOTIFY: [Row; 1] = [row(
    "Fresh Finds",
    Some("The best new music from independent artists. Cover: <a href=\"https://open.spotify.com\">Spotify</a>"),
    Some(true),
    Images::Single,
    50,
)];

const DAVE: [Row; 2] = [
    row(
        "Everything, in order",
        Some("Every track I have ever liked."),
        Some(true),
        Images::Mosaic,
        1500,
    ),
    row("Short one", None, Some(false), Images::Single, 3),
];

/// Carol's playlists: generated, never stored.
pub const CAROL_PLAYLISTS: u32 = 10_000;
/// Grace's playlists: one page of `/v1/me/playlists`, generated like carol's.
pub const GRACE_PLAYLISTS: u32 = 50;
/// Heidi's playlists: twenty pages, generated like carol's.
pub const HEIDI_PLAYLISTS: u32 = 1_000;

/// How many playlists a user with a generated library owns, or `None` for the others.
fn generated_len(owner: Person) -> Option<u32> {
    match owner {
        Person::Carol => Some(CAROL_PLAYLISTS),
        Person::Grace => Some(GRACE_PLAYLISTS),
        Person::Heidi => Some(HEIDI_PLAYLISTS),
        _ => None,
    }
}

fn from_row(key: PlaylistKey, r: &Row) -> Playlist {
    Playlist {
        key,
        name: r.name.to_owned(),
        description: r.description.map(str::to_owned),
        public: r.public,
        collaborative: r.collaborative,
        collaborators: r.collaborators,
        images: r.images,
        track_count: r.tracks,
        entries: r.entries,
        quirks: r.quirks,
    }
}

/// One of carol's, grace's or heidi's playlists, a function of its owner and index.
fn generated(key: PlaylistKey) -> Playlist {
    let i = key.index;
    let h = ids::hash64(&[key.owner.id().as_bytes(), &i.to_le_bytes()]);
    let images = match h % 10 {
        0 => Images::Null,
        1 => Images::Empty,
        2..=5 => Images::Mosaic,
        _ => Images::Single,
    };
    Playlist {
        key,
        name: format!("{} #{}", words::playlist_name(h), i + 1),
        description: if h.is_multiple_of(7) {
            None
        } else {
            Some(words::description(h))
        },
        public: if h.is_multiple_of(13) {
            None
        } else {
            Some(!h.is_multiple_of(3))
        },
        collaborative: false,
        collaborators: &[],
        images,
        track_count: ((h >> 8) % 80) as u32,
        entries: &[],
        quirks: Quirks::default(),
    }
}

/// The playlist with this key, if it exists.
pub fn playlist(key: PlaylistKey) -> Option<Playlist> {
    let i = key.index as usize;
    match key.owner {
        Person::Alice => ALICE.get(i).map(|r| from_row(key, r)),
        Person::Erin => ERIN.get(i).map(|r| from_row(key, r)),
        Person::Frank => FRANK.get(i).map(|r| from_row(key, r)),
        Person::Spotify => SPOTIFY.get(i).map(|r| from_row(key, r)),
        Person::Dave => DAVE.get(i).map(|r| from_row(key, r)),
        Person::Carol | Person::Grace | Person::Heidi => generated_len(key.owner)
            .filter(|len| key.index < *len)
            .map(|_| generated(key)),
        Person::Bob => None,
    }
}

/// A user's library: the playlists they own or follow, in the order `/v1/me/playlists` lists them.
#[derive(Debug, Clone, Copy)]
pub struct Library(Person);

const ALICE_LIBRARY: [PlaylistKey; 13] = [
    PlaylistKey::new(Person::Alice, 0),
    PlaylistKey::new(Person::Alice, 1),
    PlaylistKey::new(Person::Alice, 2),
    PlaylistKey::new(Person::Alice, 3),
    PlaylistKey::new(Person::Alice, 4),
    PlaylistKey::new(Person::Erin, 0),
    PlaylistKey::new(Person::Alice, 5),
    PlaylistKey::new(Person::Alice, 6),
    PlaylistKey::new(Person::Alice, 7),
    PlaylistKey::new(Person::Alice, 8),
    PlaylistKey::new(Person::Alice, 9),
    PlaylistKey::new(Person::Erin, 2),
    PlaylistKey::new(Person::Spotify, 0),
];

/// Erin's own playlists, the untidy ones first.
const ERIN_LIBRARY: [PlaylistKey; 9] = [
    PlaylistKey::new(Person::Erin, 3),
    PlaylistKey::new(Person::Erin, 4),
    PlaylistKey::new(Person::Erin, 5),
    PlaylistKey::new(Person::Erin, 6),
    PlaylistKey::new(Person::Erin, 7),
    PlaylistKey::new(Person::Erin, 8),
    PlaylistKey::new(Person::Erin, 0),
    PlaylistKey::new(Person::Erin, 1),
    PlaylistKey::new(Person::Erin, 2),
];

const DAVE_LIBRARY: [PlaylistKey; 2] = [
    PlaylistKey::new(Person::Dave, 0),
    PlaylistKey::new(Person::Dave, 1),
];

impl Library {
    pub fn of(user: Person) -> Library {
        Library(user)
    }

    pub fn len(self) -> u32 {
        match self.0 {
            Person::Alice => ALICE_LIBRARY.len() as u32,
            Person::Carol | Person::Grace | Person::Heidi => generated_len(self.0).unwrap_or(0),
            Person::Dave => DAVE_LIBRARY.len() as u32,
            Person::Erin => ERIN_LIBRARY.len() as u32,
            Person::Bob | Person::Spotify | Person::Frank => 0,
        }
    }

    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The key at a position, or `None` past the end.
    pub fn get(self, position: u32) -> Option<PlaylistKey> {
        match self.0 {
            Person::Alice => ALICE_LIBRARY.get(position as usize).copied(),
            Person::Dave => DAVE_LIBRARY.get(position as usize).copied(),
            Person::Erin => ERIN_LIBRARY.get(position as usize).copied(),
            Person::Carol | Person::Grace | Person::Heidi => {
                (position < self.len()).then_some(PlaylistKey::new(self.0, position))
            }
            Person::Bob | Person::Spotify | Person::Frank => None,
        }
    }

    pub fn contains(self, key: PlaylistKey) -> bool {
        match self.0 {
            Person::Alice => ALICE_LIBRARY.contains(&key),
            Person::Dave => DAVE_LIBRARY.contains(&key),
            Person::Erin => ERIN_LIBRARY.contains(&key),
            Person::Carol | Person::Grace | Person::Heidi => {
                key.owner == self.0 && key.index < self.len()
            }
            Person::Bob | Person::Spotify | Person::Frank => false,
        }
    }
}

/// Whether `user` owns the playlist or collaborates on it.
pub fn owns_or_collaborates(user: Person, playlist: &Playlist) -> bool {
    playlist.key.owner == user || playlist.collaborators.contains(&user)
}

/// Whether `user` may see the playlist at all: they own it, collaborate on it, or follow it.
pub fn may_read(user: Person, playlist: &Playlist) -> bool {
    owns_or_collaborates(user, playlist) || Library::of(user).contains(playlist.key)
}

/// Whether Spotify owns the playlist (an editorial or algorithmic one).
pub fn is_spotify_owned(playlist: &Playlist) -> bool {
    playlist.key.owner == Person::Spotify
}

/// A playlist that exists but that no sample user owns, follows or collaborates on (for tests).
pub fn someone_elses_private_playlist() -> PlaylistKey {
    PlaylistKey::new(Person::Frank, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_have_the_documented_sizes() {
        assert_eq!(Library::of(Person::Alice).len(), 13);
        assert!(Library::of(Person::Bob).is_empty());
        assert_eq!(Library::of(Person::Carol).len(), 10_000);
        let dave_biggest = (0..Library::of(Person::Dave).len())
            .filter_map(|i| Library::of(Person::Dave).get(i))
            .filter_map(playlist)
            .map(|p| p.track_count)
            .max();
        assert_eq!(dave_biggest, Some(1500));
        assert_eq!(Library::of(Person::Erin).len(), 9);
        assert_eq!(Library::of(Person::Grace).len(), 50);
        assert_eq!(Library::of(Person::Heidi).len(), 1_000);
    }

    #[test]
    fn generated_libraries_end_where_their_size_says() {
        // Guards against a generated library that runs on past its size or stops short of it.
        for (user, len) in [
            (Person::Carol, CAROL_PLAYLISTS),
            (Person::Grace, GRACE_PLAYLISTS),
            (Person::Heidi, HEIDI_PLAYLISTS),
        ] {
            let lib = Library::of(user);
            assert!(lib.get(len - 1).and_then(playlist).is_some(), "{user:?}");
            assert_eq!(lib.get(len), None, "{user:?}");
            assert_eq!(playlist(PlaylistKey::new(user, len)), None, "{user:?}");
        }
        // Each user's playlists are their own: the same index names another playlist.
        let name = |user| playlist(PlaylistKey::new(user, 0)).map(|p| p.name);
        assert_ne!(name(Person::Grace), name(Person::Heidi));
    }

    #[test]
    fn erins_library_holds_every_untidy_case() {
        // Guards against the untidy sample data quietly losing a case the app must survive.
        let erin: Vec<Playlist> = (0..Library::of(Person::Erin).len())
            .filter_map(|i| Library::of(Person::Erin).get(i))
            .filter_map(playlist)
            .collect();
        let any = |f: &dyn Fn(&Playlist) -> bool| erin.iter().any(f);
        assert!(any(&|p| p.quirks.null_name));
        assert!(any(&|p| p.quirks.null_owner));
        assert!(any(&|p| p.quirks.null_total));
        for images in [Images::Null, Images::Empty, Images::WithNull] {
            assert!(any(&|p| p.images == images), "{images:?}");
        }
        let mine = |p: &Playlist| p.key.owner == Person::Erin;
        for entry in [
            Entry::LocalFile,
            Entry::Episode,
            Entry::NullArtist,
            Entry::AlbumWithoutImages,
            Entry::NullImage,
            Entry::Removed,
        ] {
            assert!(
                any(&|p| mine(p) && (0..p.track_count).any(|i| p.entry(i) == entry)),
                "{entry:?}"
            );
        }
    }

    #[test]
    fn every_library_entry_resolves_by_id() {
        for user in SAMPLE_USERS {
            let lib = Library::of(user);
            for i in (0..lib.len()).take(50) {
                let key = lib.get(i).expect("inside the library");
                assert_eq!(PlaylistKey::from_id(&key.id()), Some(key));
                assert!(may_read(user, &playlist(key).expect("exists")));
            }
        }
        assert_eq!(
            PlaylistKey::from_id(&PlaylistKey::new(Person::Carol, 10_000).id()),
            None
        );
        assert_eq!(
            PlaylistKey::from_id(&PlaylistKey::new(Person::Bob, 0).id()),
            None
        );
    }

    #[test]
    fn sample_users_are_listed_in_words() {
        assert_eq!(
            sample_user_list(),
            "alice, bob, carol, dave, erin, grace or heidi"
        );
    }

    #[test]
    fn strangers_may_not_read_a_private_playlist() {
        let p = playlist(someone_elses_private_playlist()).expect("exists");
        for user in SAMPLE_USERS {
            assert!(!may_read(user, &p));
        }
    }
}
