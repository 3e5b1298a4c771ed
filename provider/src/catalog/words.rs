//! Word lists for generated names.

const MOODS: [&str; 16] = [
    "Chill",
    "Late Night",
    "Sunny",
    "Rainy Day",
    "Focus",
    "Party",
    "Acoustic",
    "Indie",
    "Retro",
    "Deep",
    "Golden",
    "Electric",
    "Quiet",
    "Summer",
    "Winter",
    "Weekend",
];
const THINGS: [&str; 12] = [
    "Vibes",
    "Mix",
    "Grooves",
    "Anthems",
    "Jams",
    "Classics",
    "Favourites",
    "Sessions",
    "Beats",
    "Ballads",
    "Essentials",
    "Discoveries",
];
const ADJECTIVES: [&str; 16] = [
    "Silver", "Broken", "Endless", "Paper", "Velvet", "Hidden", "Wild", "Neon", "Lonely",
    "Crimson", "Distant", "Gentle", "Restless", "Hollow", "Bright", "Secret",
];
const NOUNS: [&str; 16] = [
    "River", "Heart", "Highway", "Moon", "Garden", "Signal", "Harbour", "Echo", "Mirror", "Window",
    "Storm", "Letter", "Station", "Fire", "Horizon", "Dream",
];
const ARTISTS: [&str; 12] = [
    "The Paper Kites",
    "Lumen Drive",
    "Ada & the Owls",
    "Kōji Mori",
    "Sofía Reyes Trio",
    "Nordlys",
    "Black Orchid",
    "Mira Okafor",
    "The Late Trains",
    "Zhenya",
    "Coastal Static",
    "Ilse Varga",
];

fn pick<const N: usize>(list: &[&'static str; N], h: u64, shift: u32) -> &'static str {
    list[((h >> shift) % N as u64) as usize]
}

pub fn playlist_name(h: u64) -> String {
    format!("{} {}", pick(&MOODS, h, 3), pick(&THINGS, h, 11))
}

pub fn description(h: u64) -> String {
    if h.is_multiple_of(5) {
        String::new()
    } else {
        format!(
            "{} songs for {} evenings.",
            pick(&ADJECTIVES, h, 17),
            pick(&MOODS, h, 23).to_lowercase()
        )
    }
}

pub fn track_name(h: u64) -> String {
    format!("{} {}", pick(&ADJECTIVES, h, 5), pick(&NOUNS, h, 13))
}

pub fn album_name(h: u64) -> String {
    format!("The {} {}", pick(&NOUNS, h, 29), pick(&THINGS, h, 37))
}

/// An artist's index into the list, and its name.
pub fn artist(h: u64) -> (usize, &'static str) {
    let i = ((h >> 41) % ARTISTS.len() as u64) as usize;
    (i, ARTISTS[i])
}

const LOCAL_FILES: [(&str, &str, &str); 4] = [
    ("Garage Session #3", "Erin", "Demo Tapes"),
    ("Voice Memo 2019-06-01", "Unknown Artist", "Voice Memos"),
    ("Track 07", "", "Untitled CD"),
    (
        "Lullaby (live at home)",
        "Erin & Friends",
        "Kitchen Recordings",
    ),
];

const SHOWS: [(&str, &str); 3] = [
    ("The Quiet Hour", "Northern Radio"),
    ("Code & Coffee", "Erin Reads"),
    ("Sound Archive", "Public Library Podcasts"),
];

/// A local file's name, artist and album, as its tags had them.
pub fn local_file(h: u64) -> (&'static str, &'static str, &'static str) {
    LOCAL_FILES[(h % LOCAL_FILES.len() as u64) as usize]
}

/// A podcast's name and publisher.
pub fn show(h: u64) -> (&'static str, &'static str) {
    SHOWS[((h >> 3) % SHOWS.len() as u64) as usize]
}

/// Names that are hard to export (a CSV cell needs quoting, a spreadsheet reads a formula): a
/// track's, its artist's and its album's.
const ODD_NAMES: [(&str, &str, &str); 6] = [
    (
        "Say \"Hello\", Goodbye",
        "Crosby, Stills & \"Friends\"",
        "Quotes, Commas & Other Things",
    ),
    ("Line one\nLine two", "Kōji Mori", "Carriage\r\nReturn"),
    (
        "Ça va, ça vient — 夜のうた",
        "Sofía Reyes Trio",
        "Déjà Vu (Édition Spéciale)",
    ),
    (
        "=HYPERLINK(\"https://example.com\",\"click\")",
        "+Plus Sign",
        "@At, -Minus",
    ),
    ("  Padded\twith tabs  ", "Zhenya; Ёлка", "Semi;colon"),
    ("أغنية \"حب\", 🔥", "Mira Okafor", "Emoji 🎧 Edition"),
];

/// A track name, artist name and album name that are hard to export.
pub fn odd_names(which: u8) -> (&'static str, &'static str, &'static str) {
    ODD_NAMES[usize::from(which) % ODD_NAMES.len()]
}

/// How many different [`odd_names`] there are.
#[cfg(test)]
pub const ODD_NAME_COUNT: u8 = ODD_NAMES.len() as u8;
