//! A file made in the page and handed to the browser as a download: a `Blob`, an object URL, and a click on an
//! `<a download>`. Nothing leaves the browser. The page's Content Security Policy is not asked: a download is a
//! navigation to the page's own `blob:` URL, which no directive of the policy governs (`navigate-to` was never
//! shipped), and no request is made.

use js_sys::Array;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Blob, BlobPropertyBag, HtmlAnchorElement, Url};

/// Offers `contents` as the file `name` of type `mime`; `false` when the browser would not make it.
pub fn offer(name: &str, mime: &str, contents: &str) -> bool {
    try_offer(name, mime, contents).is_some()
}

fn try_offer(name: &str, mime: &str, contents: &str) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let parts = Array::of1(&JsValue::from_str(contents));
    let options = BlobPropertyBag::new();
    options.set_type(mime);
    let blob = Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    let url = Url::create_object_url_with_blob(&blob).ok()?;
    let link: HtmlAnchorElement = document.create_element("a").ok()?.dyn_into().ok()?;
    link.set_href(&url);
    link.set_download(name);
    link.click();
    // The browser has taken the file by the time the click returns; the URL is let go a moment later, for
    // browsers that start the download asynchronously.
    leptos::prelude::set_timeout(
        move || {
            let _ = Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
    Some(())
}

/// A file name from `title`: letters, digits, spaces, `-` and `_` kept, the rest dropped, at most 80 characters,
/// and `fallback` when nothing is left.
pub fn file_name(title: &str, fallback: &str, extension: &str) -> String {
    let kept: String = title
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .take(80)
        .collect();
    let kept = kept.trim();
    let stem = if kept.is_empty() { fallback } else { kept };
    format!("{stem}.{extension}")
}
