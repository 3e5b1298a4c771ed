//! Text as the browser knows it: Unicode decomposition (for finding without accents) and numbers in the
//! user's locale.

use std::cell::OnceCell;

use js_sys::{Array, Function, Intl, Object};
use wasm_bindgen::JsValue;

/// `text.normalize("NFD")`: accented letters split into a base letter and combining marks.
pub fn decompose(text: &str) -> String {
    js_sys::JsString::from(text).normalize("NFD").into()
}

thread_local! {
    /// The bound `format` of one `Intl.NumberFormat` for the browser's language. Making a formatter loads the
    /// locale's data (slow the first time in Chromium), and `Number.toLocaleString(language)`
    /// makes one on every call, so the app makes one, once.
    static FORMAT: OnceCell<Function> = const { OnceCell::new() };
}

fn with_format<R>(f: impl FnOnce(&Function) -> R) -> R {
    FORMAT.with(|cell| {
        // No locales (an empty list): the browser's own language, as `navigator.language` names it, and no
        // language tag that could be refused.
        f(cell.get_or_init(|| Intl::NumberFormat::new(&Array::new(), &Object::new()).format()))
    })
}

/// Makes the number formatter now, so that the first number shown does not pay for it. Called while the app
/// waits for the network.
pub fn prepare() {
    with_format(|_| ());
}

/// `n` with the digit grouping of the user's language ("10,000", "10 000", "10.000").
pub fn number(n: u32) -> String {
    with_format(|format| format.call1(&JsValue::UNDEFINED, &JsValue::from(n)))
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| n.to_string())
}
