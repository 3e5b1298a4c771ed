//! What the fuzz targets share: how an input's bytes become the arguments of the function under test.
//!
//! Every input is text, so that the seeds in `seeds/` read like the unit tests they come from: a first line of
//! small parameters (a status, a clock, a query, an origin), then the body. Bytes that are not UTF-8 become
//! U+FFFD, as they do when the browser hands the app a response's text or the address bar's query.

/// The first line (without its `\n`) and the rest. Without a newline the whole input is the first line.
pub fn split_first_line(data: &[u8]) -> (String, String) {
    let (line, rest) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    (
        String::from_utf8_lossy(line).into_owned(),
        String::from_utf8_lossy(rest).into_owned(),
    )
}

/// The largest time `Date.now()` can give, in milliseconds (ECMAScript's time values end at ±8.64e15 ms): the app
/// gets its `now` from there, so a clock beyond it is not an input the app can see.
pub const BROWSER_MAX_MS: u64 = 8_640_000_000_000_000;

/// A clock read from the input's text, kept within what a browser can give; `default` when it is not a number.
pub fn clock(text: Option<&str>, default: u64) -> u64 {
    text.and_then(|t| t.parse::<u64>().ok())
        .map_or(default, |ms| ms % (BROWSER_MAX_MS + 1))
}

/// An HTTP status read from the input's text; `default` when it is not a number that fits.
pub fn status(text: Option<&str>, default: u16) -> u16 {
    text.and_then(|t| t.parse().ok()).unwrap_or(default)
}

/// The browser's `normalize("NFD")`, which the page gives to the app's find.
pub fn nfd(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization as _;
    text.nfd().collect()
}

/// A sentence a user can read: not empty, and ending with a full stop (every error message of the app is one).
pub fn assert_sentence(message: &str) {
    assert!(!message.trim().is_empty(), "an empty message");
    assert!(message.ends_with('.'), "not a full sentence: {message:?}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_the_first_newline() {
        assert_eq!(
            split_first_line(b"200 5\n{\"a\":\n1}"),
            ("200 5".into(), "{\"a\":\n1}".into())
        );
        assert_eq!(split_first_line(b"?code=a"), ("?code=a".into(), "".into()));
        assert_eq!(split_first_line(b"\xff\n"), ("\u{fffd}".into(), "".into()));
    }

    #[test]
    fn clocks_stay_within_the_browser_range() {
        assert_eq!(clock(Some("5"), 1), 5);
        assert_eq!(clock(Some("x"), 1), 1);
        assert!(clock(Some(&u64::MAX.to_string()), 1) <= BROWSER_MAX_MS);
        assert_eq!(status(Some("70000"), 200), 200);
    }
}
