//! Finding and sorting a library: what each playlist is found and sorted by (made once, when it arrives), and
//! the order in which to show the playlists that match a query.

use super::model::Playlist;

/// How the list is sorted. Lives in the address bar's query as `sort=`, so a reload keeps it and it can be shared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// The order Spotify lists them in (the user's own order in Spotify's apps).
    #[default]
    Spotify,
    Name,
    Owner,
    /// Most tracks first.
    Tracks,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Spotify, Sort::Name, Sort::Owner, Sort::Tracks];

    /// Reads the query's value; anything unknown is Spotify's order.
    pub fn parse(value: &str) -> Sort {
        match value {
            "name" => Sort::Name,
            "owner" => Sort::Owner,
            "tracks" => Sort::Tracks,
            _ => Sort::Spotify,
        }
    }

    /// The query's value; `None` for the default, which the address leaves out.
    pub fn as_query(self) -> Option<&'static str> {
        match self {
            Sort::Spotify => None,
            Sort::Name => Some("name"),
            Sort::Owner => Some("owner"),
            Sort::Tracks => Some("tracks"),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Spotify => "Spotify's order",
            Sort::Name => "Name",
            Sort::Owner => "Owner",
            Sort::Tracks => "Most tracks",
        }
    }
}

/// Text made comparable for finding: lower case, and without accents when `decompose` splits accented letters
/// into a base letter and combining marks (the browser's `normalize("NFD")`), which are then dropped. So
/// "Café" is found by "cafe". ASCII text, which has nothing to decompose, is only lower-cased: most names are, and
/// `decompose` is a call into the browser for every playlist of a library as it loads.
pub fn fold(text: &str, decompose: &impl Fn(&str) -> String) -> String {
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    decompose(text)
        .chars()
        .filter(|c| !('\u{300}'..='\u{36f}').contains(c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a playlist is found and sorted by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchKey {
    pub name: String,
    pub owner: String,
    pub tracks: u32,
}

impl SearchKey {
    pub fn of(playlist: &Playlist, decompose: &impl Fn(&str) -> String) -> Self {
        SearchKey {
            name: fold(playlist.display_name(), decompose),
            owner: fold(playlist.owner_name(), decompose),
            tracks: playlist.track_count().unwrap_or(0),
        }
    }

    /// Whether every word of `words` (already folded) is in the name or the owner.
    fn matches(&self, words: &[String]) -> bool {
        words
            .iter()
            .all(|w| self.name.contains(w.as_str()) || self.owner.contains(w.as_str()))
    }
}

/// A query's words, folded like the keys.
pub fn words(query: &str, decompose: &impl Fn(&str) -> String) -> Vec<String> {
    fold(query, decompose)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

/// The positions (into `keys`) of the playlists to show, in order: those that match every word, sorted by
/// `sort` (ties keep Spotify's order).
pub fn arrange(keys: &[&SearchKey], words: &[String], sort: Sort) -> Vec<u32> {
    let mut shown: Vec<u32> = (0..keys.len() as u32)
        .filter(|&i| words.is_empty() || keys[i as usize].matches(words))
        .collect();
    // One comparator chosen up front, so that the (large) stable sort is compiled once, not once per order.
    let by: fn(&SearchKey, &SearchKey) -> std::cmp::Ordering = match sort {
        Sort::Spotify => return shown,
        Sort::Name => |a, b| a.name.cmp(&b.name),
        Sort::Owner => {
            |a, b| (a.owner.as_str(), a.name.as_str()).cmp(&(b.owner.as_str(), b.name.as_str()))
        }
        // Most tracks first.
        Sort::Tracks => |a, b| b.tracks.cmp(&a.tracks),
    };
    shown.sort_by(|a, b| by(keys[*a as usize], keys[*b as usize]));
    shown
}

/// One arrangement of the library, remembered with what it was made for.
#[derive(Debug, Clone)]
struct Arranged {
    /// Which library (its generation: a new read is another library) and how many of its playlists.
    library: (u64, usize),
    words: Vec<String>,
    sort: Sort,
    shown: Vec<u32>,
}

/// [`arrange`] for a find box: it remembers its last few answers, so that a keystroke that narrows the query
/// (another letter) filters only what the query before it showed, and one that widens it again (a backspace)
/// finds its answer remembered. Either way the answer is the one [`arrange`] would give.
#[derive(Debug, Default)]
pub struct Arranger {
    /// The most recent last.
    recent: Vec<Arranged>,
    /// How many playlists the last call looked at (for tests).
    pub scanned: usize,
}

/// How many answers an [`Arranger`] remembers: a word typed and taken back, letter by letter.
const REMEMBERED: usize = 16;

impl Arranger {
    /// The positions to show, as [`arrange`] gives them, for the library `library` (generation, which only
    /// grows: its playlists are appended, never changed) whose keys are `keys`.
    pub fn arrange(
        &mut self,
        library: u64,
        keys: &[&SearchKey],
        words: &[String],
        sort: Sort,
    ) -> Vec<u32> {
        let library = (library, keys.len());
        // Answers for another library, or for fewer of its playlists, can only mislead.
        self.recent.retain(|a| a.library == library);
        if let Some(at) = self
            .recent
            .iter()
            .rposition(|a| a.words == words && a.sort == sort)
        {
            let known = self.recent.remove(at);
            let shown = known.shown.clone();
            self.recent.push(known);
            self.scanned = 0;
            return shown;
        }
        // The latest answer for a query that every word of this one contains: what this one shows is among it,
        // in the same order.
        let narrowed = self.recent.iter().rev().find(|a| {
            a.sort == sort
                && a.words
                    .iter()
                    .all(|old| words.iter().any(|new| new.contains(old.as_str())))
        });
        let shown = match narrowed {
            Some(wider) => {
                self.scanned = wider.shown.len();
                wider
                    .shown
                    .iter()
                    .copied()
                    .filter(|&i| keys[i as usize].matches(words))
                    .collect()
            }
            None => {
                self.scanned = keys.len();
                arrange(keys, words, sort)
            }
        };
        if self.recent.len() == REMEMBERED {
            self.recent.remove(0);
        }
        self.recent.push(Arranged {
            library,
            words: words.to_vec(),
            sort,
            shown: shown.clone(),
        });
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for the browser's NFD for the letters the tests use.
    fn nfd(text: &str) -> String {
        text.replace('é', "e\u{301}")
            .replace('É', "E\u{301}")
            .replace('ñ', "n\u{303}")
            .replace('Ñ', "N\u{303}")
            .replace('ú', "u\u{301}")
            .replace('ö', "o\u{308}")
            .replace('Ö', "O\u{308}")
    }

    fn key(name: &str, owner: &str, tracks: u32) -> SearchKey {
        SearchKey {
            name: fold(name, &nfd),
            owner: fold(owner, &nfd),
            tracks,
        }
    }

    /// Guards against a find that cares about case or accents.
    #[test]
    fn folding_ignores_case_and_accents() {
        assert_eq!(fold("Café Ñandú ÖL", &nfd), "cafe nandu ol");
        assert_eq!(words("  CAFÉ  rock ", &nfd), ["cafe", "rock"]);
    }

    /// Guards against the short cut for ASCII folding differently from the whole way, or not being taken.
    #[test]
    fn ascii_is_folded_without_decomposing() {
        let refuse = |text: &str| -> String { panic!("decomposed {text:?}") };
        assert_eq!(fold("Road TRIP 2024!", &refuse), "road trip 2024!");
        let whole = |text: &str| -> String { text.to_owned() };
        for text in ["Road TRIP 2024!", "a-Z_0 ~", ""] {
            let whole_way: String = whole(text).chars().flat_map(char::to_lowercase).collect();
            assert_eq!(fold(text, &refuse), whole_way);
        }
        assert_eq!(fold("ÉMILE", &nfd), "emile");
    }

    /// Guards against a find that misses a match by owner, needs the words in order, or keeps non-matches.
    #[test]
    fn find_by_name_and_owner_with_every_word() {
        let library = [
            key("Café del Mar", "Ana", 10),
            key("Rock Classics", "spotify", 50),
            key("Road trip", "Émile", 3),
        ];
        let keys: Vec<&SearchKey> = library.iter().collect();
        let find = |q: &str| arrange(&keys, &words(q, &nfd), Sort::Spotify);
        assert_eq!(find(""), [0, 1, 2]);
        assert_eq!(find("cafe"), [0]);
        assert_eq!(find("EMILE"), [2]);
        assert_eq!(find("classics rock"), [1]);
        assert_eq!(find("ro"), [1, 2]);
        assert_eq!(find("rock ana"), Vec::<u32>::new());
    }

    /// Guards against sorts that lose Spotify's order for ties, or put the longest playlists last.
    #[test]
    fn sorts() {
        let library = [key("b", "zed", 5), key("a", "amy", 5), key("c", "amy", 9)];
        let keys: Vec<&SearchKey> = library.iter().collect();
        let sorted = |sort| arrange(&keys, &[], sort);
        assert_eq!(sorted(Sort::Spotify), [0, 1, 2]);
        assert_eq!(sorted(Sort::Name), [1, 0, 2]);
        assert_eq!(sorted(Sort::Owner), [1, 2, 0]);
        assert_eq!(sorted(Sort::Tracks), [2, 0, 1]);
        for sort in Sort::ALL {
            assert_eq!(Sort::parse(sort.as_query().unwrap_or("")), sort);
        }
        assert_eq!(Sort::parse("../../etc"), Sort::Spotify);
    }

    /// Guards against an arranger that answers otherwise than `arrange`: narrowing, widening, another sort,
    /// a library that grew and another library.
    #[test]
    fn the_arranger_answers_as_arrange_does() {
        let mut library: Vec<SearchKey> = (0..300u32)
            .map(|i| {
                key(
                    &format!("Mix {i} road"),
                    if i % 3 == 0 { "ana" } else { "bo" },
                    i % 7,
                )
            })
            .collect();
        let mut arranger = Arranger::default();
        let queries = [
            "1", "12", "12 ana", "12", "1", "", "2", "20", "2", "road 2", "9", "99", "9",
        ];
        for generation in [1, 2] {
            for sort in Sort::ALL {
                for query in queries {
                    let keys: Vec<&SearchKey> = library.iter().collect();
                    let words = words(query, &nfd);
                    assert_eq!(
                        arranger.arrange(generation, &keys, &words, sort),
                        arrange(&keys, &words, sort),
                        "{query:?} sorted by {sort:?} in library {generation} of {}",
                        keys.len()
                    );
                }
                library.push(key("Mix 12 late", "ana", 1));
            }
            library.reverse();
        }
    }

    /// Guards against the arranger scanning the whole library when it need not: a narrower query looks only at
    /// what the query before showed, and a query taken back is remembered.
    #[test]
    fn the_arranger_narrows_and_remembers() {
        let library: Vec<SearchKey> = (0..1000u32)
            .map(|i| key(&format!("list {i}"), "ana", 0))
            .collect();
        let keys: Vec<&SearchKey> = library.iter().collect();
        let mut arranger = Arranger::default();
        let mut find = |q: &str| arranger.arrange(7, &keys, &words(q, &nfd), Sort::Name);
        assert_eq!(find("9").len(), 271);
        assert_eq!(arranger.scanned, 1000);
        let mut find = |q: &str| arranger.arrange(7, &keys, &words(q, &nfd), Sort::Name);
        assert_eq!(find("99").len(), 19);
        assert_eq!(arranger.scanned, 271);
        let mut find = |q: &str| arranger.arrange(7, &keys, &words(q, &nfd), Sort::Name);
        assert_eq!(find("9").len(), 271);
        assert_eq!(arranger.scanned, 0);
    }
}
