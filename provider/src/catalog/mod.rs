//! The sample users and their playlists, generated deterministically on the fly.
//!
//! Nothing here is stored: a playlist is a function of its [`PlaylistKey`] (owner and index), a
//! library is a function of its user, and a page of carol's 10,000 playlists generates only that
//! page.

pub mod ids;
pub mod json;
mod words;

/// A Spotify user known to the catalog: the four sample users who can sign in, and two owners of
/// playlists that the sample users follow or collaborate on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Person {
    Alice,
    Bob,
    Carol,
    Dave,
    Spotify,
    Erin,
}

/// The users offered on the consent page, in order.
pub const SAMPLE_USERS: [Person; 4] = [Person::Alice, Person::Bob, Person::Carol, Person::Dave];

impl Person {
    pub fn id(self) -> &'static str {
        match self {
            Person::Alice => "alice",
            Person::Bob => "bob",
            Person::Carol => "carol",
            Person::Dave => "dave",
            Person::Spotify => "spotify",
            Person::Erin => "erin",
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
        }
    }

    /// What the consent page says about the user.
    pub fn blurb(self) -> &'static str {
        match self {
            Person::Alice => "about a dozen varied playlists",
            Person::Bob => "no playlists",
            Person::Carol => "10,000 playlists",
            Person::Dave => "a playlist with 1,500 tracks",
            Person::Spotify | Person::Erin => "",
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
    /// Positions whose entry has `item` and `track` null (removed or unavailable tracks).
    pub null_tracks: &'static [u32],
}

struct Row {
    name: &'static str,
    description: Option<&'static str>,
    public: Option<bool>,
    collaborative: bool,
    collaborators: &'static [Person],
    images: Images,
    tracks: u32,
    null_tracks: &'static [u32],
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
        null_tracks: &[],
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
        null_tracks: &[2, 5],
        ..row("With gaps", Some("Two of these tracks are no longer available."), Some(true), Images::Mosaic, 9)
    },
    row("Road Trip 2019", Some("Long drives, longer playlists."), Some(true), Images::Single, 120),
    row("مقطوعات هادئة", Some("موسيقى هادئة للمساء"), Some(true), Images::Single, 5),
    Row {
        collaborative: true,
        ..row("Shared with friends", Some("Add whatever you like!"), Some(false), Images::Mosaic, 14)
    },
];

const ERIN: [Row; 3] = [
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
];

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
        null_tracks: r.null_tracks,
    }
}

fn carol(key: PlaylistKey) -> Playlist {
    let i = key.index;
    let h = ids::hash64(&[b"carol", &i.to_le_bytes()]);
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
        null_tracks: &[],
    }
}

/// The playlist with this key, if it exists.
pub fn playlist(key: PlaylistKey) -> Option<Playlist> {
    let i = key.index as usize;
    match key.owner {
        Person::Alice => ALICE.get(i).map(|r| from_row(key, r)),
        Person::Erin => ERIN.get(i).map(|r| from_row(key, r)),
        Person::Spotify => SPOTIFY.get(i).map(|r| from_row(key, r)),
        Person::Dave => DAVE.get(i).map(|r| from_row(key, r)),
        Person::Carol => (key.index < CAROL_PLAYLISTS).then(|| carol(key)),
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
            Person::Carol => CAROL_PLAYLISTS,
            Person::Dave => DAVE_LIBRARY.len() as u32,
            Person::Bob | Person::Spotify | Person::Erin => 0,
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
            Person::Carol => {
                (position < CAROL_PLAYLISTS).then_some(PlaylistKey::new(Person::Carol, position))
            }
            Person::Bob | Person::Spotify | Person::Erin => None,
        }
    }

    pub fn contains(self, key: PlaylistKey) -> bool {
        match self.0 {
            Person::Alice => ALICE_LIBRARY.contains(&key),
            Person::Dave => DAVE_LIBRARY.contains(&key),
            Person::Carol => key.owner == Person::Carol && key.index < CAROL_PLAYLISTS,
            Person::Bob | Person::Spotify | Person::Erin => false,
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
    PlaylistKey::new(Person::Erin, 1)
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
        assert_eq!(sample_user_list(), "alice, bob, carol or dave");
    }

    #[test]
    fn strangers_may_not_read_a_private_playlist() {
        let p = playlist(someone_elses_private_playlist()).expect("exists");
        for user in SAMPLE_USERS {
            assert!(!may_read(user, &p));
        }
    }
}
