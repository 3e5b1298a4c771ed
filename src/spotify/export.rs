//! Exports people keep: what the app read of a library, written as CSV and JSON. Pure: the writers return a
//! `String` and the browser turns it into a download.
//!
//! One export holds playlists (Liked Songs among them, as a playlist named [`LIKED_SONGS_NAME`] without an id), each
//! with its entries when the app read them. The same [`Export`] writes three files:
//! - [`Export::to_json`]: `{"exported_at", "playlists": [{…, "entries": [...] | null}]}`, values typed (numbers,
//!   booleans, `null`). One shape for one playlist, Liked Songs, the list of playlists and everything.
//! - [`Export::entries_csv`]: one row per entry, columns [`ENTRY_COLUMNS`].
//! - [`Export::playlists_csv`]: one row per playlist, columns [`PLAYLIST_COLUMNS`].
//!
//! Column names and the values of `kind` and `readable` are fixed English and never translated: programs read
//! them. A JSON entry has the same fields as a CSV row, so `.playlists[].entries[]` is the CSV in JSON.

use std::fmt::Write as _;

use crate::json::{ToJson, Writer};

use super::model::{ItemsAccess, Playable, Playlist, PlaylistEntry, User};

/// The name Liked Songs are exported under (Spotify's own name for them, not translated).
pub const LIKED_SONGS_NAME: &str = "Liked Songs";

/// Liked Songs on Spotify.
pub const LIKED_SONGS_URL: &str = "https://open.spotify.com/collection/tracks";

/// The columns of [`Export::entries_csv`], in order; also the fields of each entry in the JSON.
/// - `playlist_name`, `playlist_id`, `playlist_url`: the playlist the entry is in. Liked Songs have no id: an empty
///   cell (`null` in JSON), which no playlist has.
/// - `position`: the entry's place among those read, from 1; empty on a `not read` row.
/// - `kind`: `track`, `episode`, `local file` (a file from the user's computer), `unavailable` (Spotify sends no
///   track: removed from Spotify), or `not read` (the one row of a playlist whose entries this export does not hold,
///   such as one the app may not read; `playlist_url` links to it).
/// - `name`, `artists` (joined with `"; "` in CSV; a list in JSON), `album_or_show` (a track's album, an episode's
///   show), `duration_ms`, `added_at` (ISO 8601, as Spotify sends it), `explicit` and `is_local` (`true` or
///   `false`), `uri` (`spotify:track:…`, `spotify:episode:…`, `spotify:local:…`), `spotify_url`.
///
/// A value Spotify did not send is an empty cell (`null` in JSON), never the word "null".
pub const ENTRY_COLUMNS: [&str; 14] = [
    "playlist_name",
    "playlist_id",
    "playlist_url",
    "position",
    "kind",
    "name",
    "artists",
    "album_or_show",
    "duration_ms",
    "added_at",
    "explicit",
    "is_local",
    "uri",
    "spotify_url",
];

/// The columns of [`Export::playlists_csv`], in order; also the fields of each playlist in the JSON, which adds
/// `entries`. `owner` is the owner's name (or id); `total_entries` is Spotify's count; `public` and `collaborative`
/// are `true` or `false`; `readable` is whether this app may read the entries: `yes`, `no` (Spotify refuses it,
/// as it does followed playlists in Development Mode and Spotify's own playlists) or `unknown` (not asked yet).
pub const PLAYLIST_COLUMNS: [&str; 8] = [
    "name",
    "id",
    "owner",
    "total_entries",
    "public",
    "collaborative",
    "readable",
    "spotify_url",
];

/// Who a CSV file is written for.
///
/// Spreadsheets are where people open a CSV, and spreadsheets get both things below wrong unless told, so
/// [`CsvFlavor::Spreadsheet`] is the default. [`CsvFlavor::Plain`] is RFC 4180 byte for byte, for programs; the
/// JSON is exact too.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CsvFlavor {
    /// Starts with a UTF-8 byte order mark, and neutralises cells a spreadsheet would run as formulas.
    ///
    /// - The mark: Excel reads a CSV without one in the system's legacy code page, so every accent, emoji and
    ///   CJK name turns into mojibake; with it, Excel reads UTF-8. LibreOffice, Google Sheets and Numbers read the
    ///   mark as what it is.
    /// - Formulas: names here are written by other people (podcast publishers, collaborators, owners of followed
    ///   playlists, the tags of local files), and a spreadsheet runs a cell starting with `=`, `+`, `-` or `@` (or
    ///   tab or CR) as a formula: `=HYPERLINK(…)` leaks data or lures a click. As OWASP recommends for CSV
    ///   injection, such a text cell is written with a `'` in front, which spreadsheets take as "this is text".
    ///   The price is that `'` shows in those few names ("'- Intro"), which is why programs get
    ///   [`CsvFlavor::Plain`]. Numbers and booleans are never prefixed; none of them is negative.
    #[default]
    Spreadsheet,
    /// RFC 4180 as it stands: no byte order mark, every value exactly as Spotify sent it.
    Plain,
}

/// Whether this app may read a playlist's entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Deserialize), serde(rename_all = "lowercase"))]
pub enum Readable {
    Yes,
    No,
    /// The API has not told yet.
    Unknown,
}

impl Readable {
    /// What [`ItemsAccess`] has learned about a playlist like `playlist`, for the user `user_id`.
    pub fn of(playlist: &Playlist, user_id: &str, access: &ItemsAccess) -> Self {
        match access.readable(playlist.access_for(user_id)) {
            Some(true) => Readable::Yes,
            Some(false) => Readable::No,
            None => Readable::Unknown,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Readable::Yes => "yes",
            Readable::No => "no",
            Readable::Unknown => "unknown",
        }
    }
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(serde::Deserialize))]
pub enum EntryKind {
    #[cfg_attr(test, serde(rename = "track"))]
    Track,
    #[cfg_attr(test, serde(rename = "episode"))]
    Episode,
    #[cfg_attr(test, serde(rename = "local file"))]
    LocalFile,
    /// Spotify sends `null` for the track: it was removed from Spotify.
    #[cfg_attr(test, serde(rename = "unavailable"))]
    Unavailable,
    /// Stands for the entries of a playlist that the export does not hold.
    #[cfg_attr(test, serde(rename = "not read"))]
    NotRead,
}

impl EntryKind {
    pub fn code(self) -> &'static str {
        match self {
            EntryKind::Track => "track",
            EntryKind::Episode => "episode",
            EntryKind::LocalFile => "local file",
            EntryKind::Unavailable => "unavailable",
            EntryKind::NotRead => "not read",
        }
    }
}

/// One entry of a playlist, as exported: see [`ENTRY_COLUMNS`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(serde::Deserialize), serde(deny_unknown_fields))]
pub struct EntryRow {
    pub playlist_name: String,
    pub playlist_id: Option<String>,
    pub playlist_url: Option<String>,
    pub position: Option<u32>,
    pub kind: EntryKind,
    pub name: Option<String>,
    pub artists: Vec<String>,
    pub album_or_show: Option<String>,
    pub duration_ms: Option<u64>,
    pub added_at: Option<String>,
    pub explicit: Option<bool>,
    pub is_local: Option<bool>,
    pub uri: Option<String>,
    pub spotify_url: Option<String>,
}

/// One playlist, as exported: see [`PLAYLIST_COLUMNS`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(serde::Deserialize), serde(deny_unknown_fields))]
pub struct PlaylistRow {
    pub name: String,
    pub id: Option<String>,
    pub owner: Option<String>,
    pub total_entries: Option<u32>,
    pub public: Option<bool>,
    pub collaborative: bool,
    pub readable: Readable,
    pub spotify_url: Option<String>,
    /// `None` when the export does not hold the entries (not read, or an export of the list only).
    pub entries: Option<Vec<EntryRow>>,
}

impl PlaylistRow {
    /// A playlist of the library, with the entries read of it, if any. `user_id` and `access` tell whether the
    /// app may read it; entries that were read were readable.
    pub fn playlist(
        playlist: &Playlist,
        user_id: &str,
        access: &ItemsAccess,
        entries: Option<&[PlaylistEntry]>,
    ) -> Self {
        let mut row = PlaylistRow {
            name: playlist.name.clone(),
            id: Some(playlist.id.to_string()),
            owner: non_empty(playlist.owner_name()),
            total_entries: playlist.track_count(),
            public: playlist.public,
            collaborative: playlist.collaborative,
            readable: match entries {
                Some(_) => Readable::Yes,
                None => Readable::of(playlist, user_id, access),
            },
            spotify_url: playlist.spotify_url().map(str::to_owned),
            entries: None,
        };
        row.entries = entries.map(|entries| row.entry_rows(entries));
        row
    }

    /// The user's Liked Songs, with the entries of `GET /v1/me/tracks` (`{added_at, track}`) when read.
    pub fn liked_songs(user: &User, total: Option<u32>, entries: Option<&[PlaylistEntry]>) -> Self {
        let mut row = PlaylistRow {
            name: LIKED_SONGS_NAME.to_owned(),
            id: None,
            owner: non_empty(user.name()),
            total_entries: total,
            public: Some(false),
            collaborative: false,
            readable: match entries {
                Some(_) => Readable::Yes,
                None => Readable::Unknown,
            },
            spotify_url: Some(LIKED_SONGS_URL.to_owned()),
            entries: None,
        };
        row.entries = entries.map(|entries| row.entry_rows(entries));
        row
    }

    fn entry_rows(&self, entries: &[PlaylistEntry]) -> Vec<EntryRow> {
        (1..)
            .zip(entries)
            .map(|(position, entry)| {
                let mut row = self.entry_row(Some(position), EntryKind::Unavailable);
                row.added_at = entry.added_at.clone();
                if let Some(item) = entry.content() {
                    fill(&mut row, item);
                }
                row
            })
            .collect()
    }

    /// A row of this playlist with nothing of an entry yet.
    fn entry_row(&self, position: Option<u32>, kind: EntryKind) -> EntryRow {
        EntryRow {
            playlist_name: self.name.clone(),
            playlist_id: self.id.clone(),
            playlist_url: self.spotify_url.clone(),
            position,
            kind,
            name: None,
            artists: Vec::new(),
            album_or_show: None,
            duration_ms: None,
            added_at: None,
            explicit: None,
            is_local: None,
            uri: None,
            spotify_url: None,
        }
    }

    /// The rows of the entries CSV: the entries, or one `not read` row when the export does not hold them.
    fn csv_entries(&self) -> Vec<EntryRow> {
        match &self.entries {
            Some(entries) => entries.clone(),
            None => vec![self.entry_row(None, EntryKind::NotRead)],
        }
    }

    fn cells(&self) -> [Cell<'_>; 8] {
        [
            Cell::Text(Some(&self.name)),
            Cell::Text(self.id.as_deref()),
            Cell::Text(self.owner.as_deref()),
            Cell::Number(self.total_entries.map(u64::from)),
            Cell::Bool(self.public),
            Cell::Bool(Some(self.collaborative)),
            Cell::Text(Some(self.readable.code())),
            Cell::Text(self.spotify_url.as_deref()),
        ]
    }
}

fn fill(row: &mut EntryRow, item: &Playable) {
    let episode = item.is_episode();
    row.kind = if item.is_local {
        EntryKind::LocalFile
    } else if episode {
        EntryKind::Episode
    } else {
        EntryKind::Track
    };
    row.name = non_empty(&item.name);
    row.artists = item
        .artists
        .iter()
        .filter(|a| !a.name.is_empty())
        .map(|a| a.name.clone())
        .collect();
    let album_or_show = if episode {
        item.show.as_ref().or(item.album.as_ref())
    } else {
        item.album.as_ref()
    };
    row.album_or_show = album_or_show.and_then(|n| non_empty(&n.name));
    row.duration_ms = item.duration_ms;
    row.explicit = item.explicit;
    row.is_local = Some(item.is_local);
    row.uri = item.uri.as_deref().and_then(non_empty);
    row.spotify_url = item
        .external_urls
        .as_ref()
        .and_then(|u| u.spotify.as_deref())
        .filter(|u| u.starts_with("https://"))
        .map(str::to_owned);
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

impl EntryRow {
    fn cells(&self) -> [Cell<'_>; 14] {
        [
            Cell::Text(Some(&self.playlist_name)),
            Cell::Text(self.playlist_id.as_deref()),
            Cell::Text(self.playlist_url.as_deref()),
            Cell::Number(self.position.map(u64::from)),
            Cell::Text(Some(self.kind.code())),
            Cell::Text(self.name.as_deref()),
            Cell::List(&self.artists),
            Cell::Text(self.album_or_show.as_deref()),
            Cell::Number(self.duration_ms),
            Cell::Text(self.added_at.as_deref()),
            Cell::Bool(self.explicit),
            Cell::Bool(self.is_local),
            Cell::Text(self.uri.as_deref()),
            Cell::Text(self.spotify_url.as_deref()),
        ]
    }
}

/// A whole export: when it was made, and what it holds.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(test, derive(serde::Deserialize), serde(deny_unknown_fields))]
pub struct Export {
    /// RFC 3339, UTC, to the millisecond.
    pub exported_at: String,
    pub playlists: Vec<PlaylistRow>,
}

impl Export {
    /// An export made at `now_ms` (milliseconds since the Unix epoch).
    pub fn new(now_ms: u64, playlists: Vec<PlaylistRow>) -> Self {
        Export {
            exported_at: rfc3339(now_ms),
            playlists,
        }
    }

    /// The export as JSON, indented for people who open it.
    pub fn to_json(&self) -> String {
        let mut writer = Writer::pretty();
        self.write_json(&mut writer);
        writer.finish()
    }

    /// One row per entry of every playlist, RFC 4180 (CRLF, a header row, quoted where needed) in UTF-8. A playlist
    /// whose entries the export does not hold has one `not read` row, so that every playlist is in the file.
    pub fn entries_csv(&self, flavor: CsvFlavor) -> String {
        let rows: Vec<EntryRow> = self
            .playlists
            .iter()
            .flat_map(PlaylistRow::csv_entries)
            .collect();
        csv(flavor, ENTRY_COLUMNS, rows.iter().map(EntryRow::cells))
    }

    /// One row per playlist, as [`Export::entries_csv`] writes CSV.
    pub fn playlists_csv(&self, flavor: CsvFlavor) -> String {
        csv(
            flavor,
            PLAYLIST_COLUMNS,
            self.playlists.iter().map(PlaylistRow::cells),
        )
    }
}

/// One value of a row: a cell in CSV, a typed value in JSON.
enum Cell<'a> {
    Text(Option<&'a str>),
    List(&'a [String]),
    Number(Option<u64>),
    Bool(Option<bool>),
}

impl ToJson for Cell<'_> {
    fn write_json(&self, w: &mut Writer) {
        match self {
            Cell::Text(text) => text.write_json(w),
            Cell::List(items) => items.write_json(w),
            Cell::Number(number) => number.write_json(w),
            Cell::Bool(flag) => flag.write_json(w),
        }
    }
}

/// The fields of a row, named by its columns: the columns are written once, for CSV and JSON both.
fn write_row<const N: usize>(w: &mut Writer, columns: [&str; N], cells: [Cell<'_>; N]) {
    for (column, cell) in columns.into_iter().zip(cells) {
        w.member(column, &cell);
    }
}

impl ToJson for EntryRow {
    fn write_json(&self, w: &mut Writer) {
        w.object(|w| write_row(w, ENTRY_COLUMNS, self.cells()));
    }
}

impl ToJson for PlaylistRow {
    fn write_json(&self, w: &mut Writer) {
        w.object(|w| {
            write_row(w, PLAYLIST_COLUMNS, self.cells());
            w.member("entries", &self.entries);
        });
    }
}

impl ToJson for Export {
    fn write_json(&self, w: &mut Writer) {
        w.object(|w| {
            w.member("exported_at", &self.exported_at)
                .member("playlists", &self.playlists);
        });
    }
}

fn csv<'a, const N: usize>(
    flavor: CsvFlavor,
    columns: [&str; N],
    rows: impl Iterator<Item = [Cell<'a>; N]>,
) -> String {
    let mut out = String::new();
    if flavor == CsvFlavor::Spreadsheet {
        out.push('\u{feff}');
    }
    write_record(
        &mut out,
        columns.map(|c| Cell::Text(Some(c))),
        CsvFlavor::Plain,
    );
    for cells in rows {
        write_record(&mut out, cells, flavor);
    }
    out
}

fn write_record<const N: usize>(out: &mut String, cells: [Cell<'_>; N], flavor: CsvFlavor) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match cell {
            Cell::Text(None) | Cell::Number(None) | Cell::Bool(None) => {}
            Cell::Text(Some(text)) => write_text(out, text, flavor),
            Cell::List(items) => write_text(out, &items.join("; "), flavor),
            Cell::Number(Some(number)) => {
                let _ = write!(out, "{number}");
            }
            Cell::Bool(Some(flag)) => out.push_str(if flag { "true" } else { "false" }),
        }
    }
    out.push_str("\r\n");
}

/// A text field: quoted when it holds a comma, a quote, CR or LF, with its quotes doubled; and in a spreadsheet,
/// led by `'` when it would start a formula (see [`CsvFlavor::Spreadsheet`]).
fn write_text(out: &mut String, text: &str, flavor: CsvFlavor) {
    let formula =
        flavor == CsvFlavor::Spreadsheet && text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = text.contains([',', '"', '\r', '\n']);
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    if quoted {
        out.push_str(&text.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(text);
    }
}

/// `now_ms` as RFC 3339 in UTC: `2024-02-29T23:59:59.999Z`.
fn rfc3339(now_ms: u64) -> String {
    let (seconds, millis) = (now_ms / 1000, now_ms % 1000);
    let (days, second_of_day) = (seconds / 86_400, seconds % 86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's `civil_from_days`), in eras of 400 years from
    // 0000-03-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spotify::model::Page;

    fn entries(json: &str) -> Vec<PlaylistEntry> {
        crate::json::from_str::<Page<PlaylistEntry>>(json)
            .unwrap()
            .items
    }

    fn playlist(json: &str) -> Playlist {
        crate::json::from_str(json).unwrap()
    }

    fn user() -> User {
        crate::json::from_str(r#"{"id":"alice","display_name":"Alice"}"#).unwrap()
    }

    /// A strict RFC 4180 reader: CRLF after every record, quotes only around whole fields, doubled inside.
    fn parse_csv(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut chars = text.chars().peekable();
        let mut at_field_start = true;
        while let Some(c) = chars.next() {
            match c {
                '"' if at_field_start => {
                    loop {
                        match chars.next().expect("an unterminated quoted field") {
                            '"' if chars.peek() == Some(&'"') => {
                                chars.next();
                                field.push('"');
                            }
                            '"' => break,
                            other => field.push(other),
                        }
                    }
                    assert!(
                        matches!(chars.peek(), Some(',' | '\r')),
                        "text after a closing quote"
                    );
                    at_field_start = false;
                }
                ',' => {
                    record.push(std::mem::take(&mut field));
                    at_field_start = true;
                }
                '\r' => {
                    assert_eq!(chars.next(), Some('\n'), "a CR without LF");
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                    at_field_start = true;
                }
                '\n' => panic!("a bare LF outside quotes"),
                '"' => panic!("a quote inside an unquoted field"),
                other => {
                    field.push(other);
                    at_field_start = false;
                }
            }
        }
        assert!(
            field.is_empty() && record.is_empty(),
            "the last record does not end with CRLF"
        );
        records
    }

    const HOSTILE: &[&str] = &[
        "Comma, then more",
        "She said \"hi\"",
        "Line one\nline two",
        "Carriage\rreturn",
        "CRLF\r\ninside",
        "Café déjà vu",
        "🎧 Lo-fi 🌙",
        "東京の夜",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
        "+44",
        "- Intro",
        "@home",
        "\"",
        ",",
        " padded ",
        "\tTab first",
    ];

    fn hostile_export() -> Export {
        let items: Vec<String> = HOSTILE
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let name = serde_json::to_string(name).unwrap();
                format!(
                    r#"{{"added_at":"2024-0{}-01T00:00:00Z","item":{{"type":"track","id":"t{i}","uri":"spotify:track:t{i}",
                        "name":{name},"artists":[{{"name":{name}}},{{"name":"B"}}],"album":{{"name":{name}}},
                        "duration_ms":{},"explicit":{},"external_urls":{{"spotify":"https://open.spotify.com/track/t{i}"}}}}}}"#,
                    i % 9 + 1,
                    i * 1000,
                    i % 2 == 0
                )
            })
            .collect();
        let page = format!(
            r#"{{"items":[{}],"total":{}}}"#,
            items.join(","),
            HOSTILE.len()
        );
        let p = playlist(
            r#"{"id":"p1","name":"=cmd|' /C calc'!A0, \"mine\"","owner":{"id":"alice","display_name":"Alice"},
                "external_urls":{"spotify":"https://open.spotify.com/playlist/p1"},"public":true,
                "tracks":{"total":16}}"#,
        );
        Export::new(
            0,
            vec![PlaylistRow::playlist(
                &p,
                "alice",
                &ItemsAccess::default(),
                Some(&entries(&page)),
            )],
        )
    }

    /// Guards against quoting mistakes: commas, quotes, CR, LF and non-ASCII in names split or merge cells, or lose
    /// characters, when a strict RFC 4180 reader reads the file back.
    #[test]
    fn plain_csv_reads_back_field_for_field() {
        let export = hostile_export();
        let text = export.entries_csv(CsvFlavor::Plain);
        let records = parse_csv(&text);
        assert_eq!(records[0], ENTRY_COLUMNS);
        assert_eq!(records.len(), 1 + HOSTILE.len());
        let rows = export.playlists[0].entries.as_ref().unwrap();
        for ((record, row), name) in records[1..].iter().zip(rows).zip(HOSTILE) {
            let expected: Vec<String> = [
                row.playlist_name.clone(),
                "p1".into(),
                "https://open.spotify.com/playlist/p1".into(),
                row.position.unwrap().to_string(),
                "track".into(),
                name.to_string(),
                format!("{name}; B"),
                name.to_string(),
                row.duration_ms.unwrap().to_string(),
                row.added_at.clone().unwrap(),
                row.explicit.unwrap().to_string(),
                "false".into(),
                row.uri.clone().unwrap(),
                row.spotify_url.clone().unwrap(),
            ]
            .into();
            assert_eq!(record, &expected);
        }
        assert_eq!(records[1][0], "=cmd|' /C calc'!A0, \"mine\"");
        assert_eq!(records[1][3], "1", "positions count from 1");
    }

    /// Guards against the exact header changing by accident: the README documents it and programs read it.
    #[test]
    fn header_lines_are_fixed() {
        let export = Export::new(0, Vec::new());
        assert_eq!(
            export.entries_csv(CsvFlavor::Plain),
            "playlist_name,playlist_id,playlist_url,position,kind,name,artists,album_or_show,duration_ms,added_at,\
             explicit,is_local,uri,spotify_url\r\n"
        );
        assert_eq!(
            export.playlists_csv(CsvFlavor::Plain),
            "name,id,owner,total_entries,public,collaborative,readable,spotify_url\r\n"
        );
    }

    /// Guards against quoting and line endings that other tools misread: exactly the bytes RFC 4180 prescribes.
    #[test]
    fn csv_quotes_only_where_needed_with_crlf() {
        let text = hostile_export().entries_csv(CsvFlavor::Plain);
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert!(lines[1].starts_with(
            "\"=cmd|' /C calc'!A0, \"\"mine\"\"\",p1,https://open.spotify.com/playlist/p1,1,track,\"Comma, then more\","
        ));
        assert!(text.contains(",\"She said \"\"hi\"\"\","));
        assert!(text.contains(",\"Line one\nline two\","));
        assert!(text.contains(",\"Carriage\rreturn\","));
        assert!(text.contains(",Café déjà vu,"));
        assert!(text.contains(",🎧 Lo-fi 🌙; B,"));
        assert!(text.contains(",東京の夜,"));
        assert!(
            text.contains(", padded ,"),
            "spaces are data, kept unquoted"
        );
        assert!(text.ends_with("\r\n"));
    }

    /// Guards against Excel reading UTF-8 names as mojibake (no byte order mark for spreadsheets), and against a
    /// mark in the plain flavour, which RFC 4180 readers take as part of the first column's name.
    #[test]
    fn only_the_spreadsheet_flavor_starts_with_a_byte_order_mark() {
        let export = hostile_export();
        for text in [
            export.entries_csv(CsvFlavor::Spreadsheet),
            export.playlists_csv(CsvFlavor::Spreadsheet),
        ] {
            let header = text.strip_prefix('\u{feff}').expect("a byte order mark");
            assert!(header.starts_with("playlist_name,") || header.starts_with("name,"));
            assert_eq!(text.matches('\u{feff}').count(), 1);
        }
        for text in [
            export.entries_csv(CsvFlavor::Plain),
            export.playlists_csv(CsvFlavor::Plain),
        ] {
            assert!(!text.contains('\u{feff}'));
        }
        assert_eq!(CsvFlavor::default(), CsvFlavor::Spreadsheet);
    }

    /// Guards against CSV injection: a name written by someone else that starts with `=`, `+`, `-`, `@`, tab or
    /// CR opens as a formula in a spreadsheet; in the spreadsheet flavour it starts with `'` instead, and in the
    /// plain flavour it is left exactly as it was.
    #[test]
    fn spreadsheet_flavor_neutralises_formulas() {
        let export = hostile_export();
        let sheet = parse_csv(
            export
                .entries_csv(CsvFlavor::Spreadsheet)
                .trim_start_matches('\u{feff}'),
        );
        let plain = parse_csv(&export.entries_csv(CsvFlavor::Plain));
        assert_eq!(sheet[0], ENTRY_COLUMNS, "the header is never prefixed");
        for (sheet, plain) in sheet[1..].iter().zip(&plain[1..]) {
            for (s, p) in sheet.iter().zip(plain) {
                if p.starts_with(['=', '+', '-', '@', '\t', '\r']) {
                    assert_eq!(s, &format!("'{p}"));
                } else {
                    assert_eq!(s, p);
                }
            }
        }
        let names: Vec<&str> = sheet[1..].iter().map(|r| r[5].as_str()).collect();
        assert!(names.contains(&"'=HYPERLINK(\"http://evil.example\",\"x\")"));
        assert!(
            names.contains(&"'+44") && names.contains(&"'- Intro") && names.contains(&"'@home")
        );
        assert_eq!(sheet[1][0], "'=cmd|' /C calc'!A0, \"mine\"");
        let list = export.playlists_csv(CsvFlavor::Spreadsheet);
        assert!(list.contains("\r\n\"'=cmd|' /C calc'!A0, \"\"mine\"\"\",p1,"));
    }

    /// Guards against local files, episodes (either shape), removed tracks and `null` everywhere panicking or
    /// exporting as something they are not, or as the word "null".
    #[test]
    fn odd_entries_export_as_what_they_are() {
        let list = entries(
            r#"{"items":[
                {"added_at":"2020-05-05T10:00:00Z","is_local":true,"item":{"id":null,"uri":"spotify:local:Home+Band:Demos:Song:180",
                  "name":"Song","is_local":true,"type":"track","explicit":false,"external_urls":{},
                  "artists":[{"id":null,"uri":null,"name":"Home Band"},null],"album":{"uri":null,"name":"Demos"},"duration_ms":180000}},
                {"added_at":"2021-01-01T00:00:00Z","item":{"type":"episode","id":"e1","uri":"spotify:episode:e1","name":"Ep 1",
                  "show":{"name":"The Show","uri":"spotify:show:s"},"duration_ms":60000,"explicit":true,
                  "external_urls":{"spotify":"https://open.spotify.com/episode/e1"}}},
                {"track":{"type":"episode","episode":true,"name":"Ep 2","artists":[{"name":"Other Show"}],"album":{"name":"Other Show"}}},
                {"added_at":"2019-01-01T00:00:00Z","item":null,"track":null},
                {"added_at":null,"item":{"id":null,"uri":null,"name":null,"artists":null,"album":null,"duration_ms":null,
                  "explicit":null,"external_urls":null,"is_local":null,"type":null}},
                {"item":{"name":"Bad link","external_urls":{"spotify":"javascript:alert(1)"}}}
            ],"total":6}"#,
        );
        let p =
            playlist(r#"{"id":"p","name":null,"owner":null,"public":null,"collaborative":null}"#);
        let row = PlaylistRow::playlist(&p, "alice", &ItemsAccess::default(), Some(&list));
        let rows = row.entries.as_ref().unwrap();
        let kinds: Vec<&str> = rows.iter().map(|r| r.kind.code()).collect();
        assert_eq!(
            kinds,
            [
                "local file",
                "episode",
                "episode",
                "unavailable",
                "track",
                "track"
            ]
        );
        assert_eq!(
            rows[0].uri.as_deref(),
            Some("spotify:local:Home+Band:Demos:Song:180")
        );
        assert_eq!(
            (rows[0].spotify_url.as_deref(), rows[0].is_local),
            (None, Some(true))
        );
        assert_eq!(rows[0].artists, ["Home Band"]);
        assert_eq!(rows[1].album_or_show.as_deref(), Some("The Show"));
        assert_eq!(rows[2].album_or_show.as_deref(), Some("Other Show"));
        assert_eq!(
            (
                rows[3].position,
                rows[3].added_at.as_deref(),
                rows[3].name.as_deref()
            ),
            (Some(4), Some("2019-01-01T00:00:00Z"), None)
        );
        assert_eq!(rows[5].spotify_url, None, "only https links are exported");

        let export = Export::new(0, vec![row]);
        let csv = export.entries_csv(CsvFlavor::Plain);
        assert!(!csv.contains("null"), "{csv}");
        let records = parse_csv(&csv);
        assert_eq!(
            records[4],
            [
                "",
                "p",
                "",
                "4",
                "unavailable",
                "",
                "",
                "",
                "",
                "2019-01-01T00:00:00Z",
                "",
                "",
                "",
                ""
            ]
        );
        assert_eq!(
            records[5],
            ["", "p", "", "5", "track", "", "", "", "", "", "", "false", "", ""]
        );
        let list_csv = export.playlists_csv(CsvFlavor::Plain);
        assert_eq!(
            parse_csv(&list_csv)[1],
            ["", "p", "", "", "", "false", "yes", ""]
        );
    }

    /// Guards against a JSON export with numbers or booleans as strings, `"null"` for null, or a shape that does
    /// not read back into what was written.
    #[test]
    fn json_is_typed_and_round_trips() {
        let export = hostile_export();
        let json = export.to_json();
        assert_eq!(serde_json::from_str::<Export>(&json).unwrap(), export);
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(value["exported_at"], "1970-01-01T00:00:00.000Z");
        let playlist = &value["playlists"][0];
        assert_eq!(playlist["total_entries"], 16);
        assert_eq!(playlist["public"], true);
        assert_eq!(playlist["readable"], "yes");
        let entry = &playlist["entries"][1];
        assert_eq!(entry["position"], 2);
        assert_eq!(entry["duration_ms"], 1000);
        assert_eq!(entry["explicit"], false);
        assert_eq!(entry["artists"], serde_json::json!([HOSTILE[1], "B"]));
        assert_eq!(entry["kind"], "track");
        let keys: Vec<&String> = entry.as_object().unwrap().keys().collect();
        let mut columns = ENTRY_COLUMNS.to_vec();
        columns.sort_unstable();
        assert_eq!(keys, columns, "a JSON entry has exactly the CSV's columns");

        let unavailable = PlaylistRow::playlist(
            &playlist_of("q", "bob"),
            "alice",
            &ItemsAccess::default(),
            Some(&entries(r#"{"items":[{"item":null}],"total":1}"#)),
        );
        let value: serde_json::Value = serde_json::from_str(&unavailable.to_json()).unwrap();
        let entry = &value["entries"][0];
        for field in [
            "name",
            "duration_ms",
            "explicit",
            "is_local",
            "uri",
            "added_at",
        ] {
            assert!(entry[field].is_null(), "{field}");
        }
        assert_eq!(entry["artists"], serde_json::json!([]));
    }

    fn playlist_of(id: &str, owner: &str) -> Playlist {
        playlist(&format!(
            r#"{{"id":"{id}","name":"{id} list","owner":{{"id":"{owner}"}},"items":{{"total":3}},
                "external_urls":{{"spotify":"https://open.spotify.com/playlist/{id}"}}}}"#
        ))
    }

    /// Guards against an export of everything silently leaving out the playlists the app may not read (followed
    /// ones in Development Mode, Spotify's own): each is there, marked, with its link and no entries.
    #[test]
    fn everything_lists_unreadable_playlists_with_their_link() {
        let access = ItemsAccess {
            followed: Some(false),
            spotify_owned: None,
        };
        let liked = entries(
            r#"{"items":[{"added_at":"2024-03-01T08:00:00Z","track":{"type":"track","name":"Fav","uri":"spotify:track:f",
                "artists":[{"name":"A"}],"album":{"name":"L"},"duration_ms":1}}],"total":1}"#,
        );
        let mine = entries(r#"{"items":[],"total":0}"#);
        let export = Export::new(
            1_709_251_199_999,
            vec![
                PlaylistRow::liked_songs(&user(), Some(1), Some(&liked)),
                PlaylistRow::playlist(&playlist_of("mine", "alice"), "alice", &access, Some(&mine)),
                PlaylistRow::playlist(&playlist_of("theirs", "bob"), "alice", &access, None),
                PlaylistRow::playlist(&playlist_of("daily", "spotify"), "alice", &access, None),
            ],
        );
        let readable: Vec<Readable> = export.playlists.iter().map(|p| p.readable).collect();
        assert_eq!(
            readable,
            [
                Readable::Yes,
                Readable::Yes,
                Readable::No,
                Readable::Unknown
            ]
        );

        let records = parse_csv(&export.entries_csv(CsvFlavor::Plain));
        assert_eq!(
            records.len(),
            4,
            "header, one liked song, and one row for each playlist not read"
        );
        assert_eq!(
            &records[1][..5],
            ["Liked Songs", "", LIKED_SONGS_URL, "1", "track"]
        );
        assert_eq!(
            records[2],
            [
                "theirs list",
                "theirs",
                "https://open.spotify.com/playlist/theirs",
                "",
                "not read",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                ""
            ]
        );
        assert_eq!(records[3][4], "not read");

        let list = parse_csv(&export.playlists_csv(CsvFlavor::Plain));
        assert_eq!(
            list[1],
            [
                "Liked Songs",
                "",
                "Alice",
                "1",
                "false",
                "false",
                "yes",
                LIKED_SONGS_URL
            ]
        );
        assert_eq!(list[2][6], "yes");
        assert_eq!(
            list[3],
            [
                "theirs list",
                "theirs",
                "bob",
                "3",
                "",
                "false",
                "no",
                "https://open.spotify.com/playlist/theirs"
            ]
        );
        assert_eq!(list[4][6], "unknown");

        let value: serde_json::Value = serde_json::from_str(&export.to_json()).unwrap();
        assert_eq!(value["exported_at"], "2024-02-29T23:59:59.999Z");
        assert!(value["playlists"][0]["id"].is_null());
        assert_eq!(
            value["playlists"][1]["entries"],
            serde_json::json!([]),
            "read and empty"
        );
        assert!(value["playlists"][2]["entries"].is_null(), "not read");
        assert_eq!(
            value["playlists"][2]["spotify_url"],
            "https://open.spotify.com/playlist/theirs"
        );
    }

    /// Guards against the model's new fields being lost when the local copy writes entries back and reads them.
    #[test]
    fn entry_fields_round_trip_through_the_model() {
        let list = entries(
            r#"{"items":[{"added_at":"2024-01-01T00:00:00Z","item":{"type":"track","id":"t","uri":"spotify:track:t",
                "name":"N","explicit":true,"external_urls":{"spotify":"https://open.spotify.com/track/t"},
                "artists":[{"name":"A","uri":"spotify:artist:a"}],"album":{"name":"L","uri":"spotify:album:l"}}},
                {"item":{"id":null,"uri":null,"explicit":null,"external_urls":null,"name":"local","is_local":true}}],"total":2}"#,
        );
        let again: Vec<PlaylistEntry> = crate::json::from_str(&list.to_json()).unwrap();
        assert_eq!(again, list);
        let item = again[0].content().unwrap();
        assert_eq!(again[0].added_at.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(
            (item.id.as_deref(), item.uri.as_deref(), item.explicit),
            (Some("t"), Some("spotify:track:t"), Some(true))
        );
        assert_eq!(item.artists[0].uri.as_deref(), Some("spotify:artist:a"));
        assert_eq!(
            item.album.as_ref().unwrap().uri.as_deref(),
            Some("spotify:album:l")
        );
        let local = again[1].content().unwrap();
        assert_eq!(
            (
                local.id.as_deref(),
                local.explicit,
                local.external_urls.as_ref()
            ),
            (None, None, None)
        );
    }

    /// Guards against a wrong export date: month and year ends, leap days and the epoch.
    #[test]
    fn exported_at_is_rfc3339_utc() {
        for (ms, text) in [
            (0, "1970-01-01T00:00:00.000Z"),
            (951_782_400_000, "2000-02-29T00:00:00.000Z"),
            (1_709_251_199_999, "2024-02-29T23:59:59.999Z"),
            (1_735_689_599_001, "2024-12-31T23:59:59.001Z"),
            (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        ] {
            assert_eq!(rfc3339(ms), text);
        }
    }
}
