//! sessionStorage under the app's namespace.

use pkce_playlists::browser::storage::Namespace;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{clear_storage, window};

/// Guards against keys that collide with another app on the origin, and a take that can be taken twice.
#[wasm_bindgen_test]
fn storage_round_trip_take_once_and_namespacing() {
    clear_storage();
    let a = Namespace("test-a");
    let b = Namespace("test-b");
    a.set("k", "value").unwrap();
    assert_eq!(a.get("k").as_deref(), Some("value"));
    // Namespacing: the key is prefixed, and another namespace does not see it.
    assert_eq!(b.get("k"), None);
    let raw = window().session_storage().unwrap().unwrap();
    assert_eq!(raw.get_item("test-a:k").unwrap().as_deref(), Some("value"));
    // A take is one-time.
    assert_eq!(a.take("k").as_deref(), Some("value"));
    assert_eq!(a.take("k"), None);
    assert_eq!(raw.get_item("test-a:k").unwrap(), None);
}
