//! Text as the browser knows it: Unicode decomposition (for finding without accents) and numbers in the
//! user's locale.

/// `text.normalize("NFD")`: accented letters split into a base letter and combining marks.
pub fn decompose(text: &str) -> String {
    js_sys::JsString::from(text).normalize("NFD").into()
}

/// `n` with the digit grouping of the user's language ("10,000", "10 000", "10.000").
pub fn number(n: u32) -> String {
    let language = web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_else(|| "en".to_owned());
    js_sys::Number::from(n).to_locale_string(&language).into()
}
