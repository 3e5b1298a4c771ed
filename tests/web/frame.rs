//! The app never runs inside a frame. `App` cannot be mounted inside a frame from here (its check asks the test
//! page's own window), so this tests the check on a frame's window and on the page's; the decision itself
//! (`frame::may_run`) is tested on the host.

use pkce_playlists::browser::location::top_of;
use pkce_playlists::frame::{may_run, Top};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::window;

/// Guards against a frame taken for a window of its own (the app would start a login where another site can
/// lay its page over the buttons), and against the test page's own window taken for a frame.
#[wasm_bindgen_test]
fn a_frame_is_told_from_a_window_of_its_own() {
    let document = window().document().unwrap();
    let iframe: web_sys::HtmlIFrameElement = document
        .create_element("iframe")
        .unwrap()
        .dyn_into()
        .unwrap();
    document.body().unwrap().append_child(&iframe).unwrap();
    let framed = iframe
        .content_window()
        .expect("a same-origin frame's window");
    assert_eq!(top_of(&framed), Top::Other);
    assert!(!may_run(top_of(&framed)));
    assert_eq!(top_of(&window()), Top::Itself);
    iframe.remove();
}
