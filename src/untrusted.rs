//! Text that came over the network (a provider's `error_description`, an unknown `error` code, a Web API
//! `message`, a metadata document's issuer), made fit to show: every such text goes through [`shown`] once,
//! where it enters the app, so no error message can carry markup, line breaks or a novel to the page.

/// How many characters of a text from the network are shown.
pub const MAX_SHOWN_CHARS: usize = 200;

/// RFC 6749 §4.1.2.1's `NQSCHAR` (`%x20-21 / %x23-5B / %x5D-7E`): printable ASCII without `"` or `\`, the
/// characters `error` and `error_description` may hold.
pub fn is_nqschar(c: char) -> bool {
    matches!(c, '\x20'..='\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e')
}

/// `text` as the app shows it: only [`is_nqschar`] characters, trimmed, at most [`MAX_SHOWN_CHARS`] of them and
/// an ellipsis when there were more; `None` when nothing is left.
pub fn shown(text: &str) -> Option<String> {
    let clean: String = text.chars().filter(|&c| is_nqschar(c)).collect();
    let clean = clean.trim();
    if clean.is_empty() {
        return None;
    }
    let mut shown: String = clean.chars().take(MAX_SHOWN_CHARS).collect();
    if clean.chars().count() > MAX_SHOWN_CHARS {
        shown.push('…');
    }
    Some(shown)
}

/// Hostile texts and what [`shown`] makes of them, for every path's table test.
#[cfg(test)]
pub(crate) fn hostile() -> Vec<(String, Option<String>)> {
    let capped = || Some(format!("{}…", "x".repeat(MAX_SHOWN_CHARS)));
    vec![
        ("Bad scope".into(), Some("Bad scope".into())),
        (
            "<img src=x onerror=\"alert(1)\">".into(),
            Some("<img src=x onerror=alert(1)>".into()),
        ),
        (
            "<script>alert('x')</script>".into(),
            Some("<script>alert('x')</script>".into()),
        ),
        (
            "first line\nsecond\r\nthird\u{2028}".into(),
            Some("first linesecondthird".into()),
        ),
        ("x".repeat(10 * 1024), capped()),
        (format!("{}\n", "x".repeat(10 * 1024)), capped()),
        ("Zoë ✓ 日本語 mot".into(), Some("Zo   mot".into())),
        ("say \"hi\" \\ bye".into(), Some("say hi  bye".into())),
        (
            "\u{202e}reversed\u{0}\u{7f}\t".into(),
            Some("reversed".into()),
        ),
        ("\"\\\n\u{1b}".into(), None),
        ("   ".into(), None),
        ("".into(), None),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against markup, control characters, quotes or a 10 KB novel from the network reaching a message,
    /// and against a text cut inside a character.
    #[test]
    fn hostile_texts_are_cleaned_and_capped() {
        for (text, expected) in hostile() {
            assert_eq!(shown(&text), expected, "{text:?}");
        }
        let long: String = "é".repeat(300) + &"a".repeat(300);
        assert_eq!(shown(&long).unwrap().chars().count(), MAX_SHOWN_CHARS + 1);
    }
}
