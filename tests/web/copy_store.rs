//! The session's local copy of what it read, in the browser's own IndexedDB: sealed under the session's key, named
//! by digests, removed by session and by time. Needs no provider.

use js_sys::{Array, Object, Reflect, Uint8Array};
use pkce_playlists::browser::copy_store::{request, CopyStore, DATABASE, STORE};
use pkce_playlists::session::SessionKey;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;
use web_sys::{IdbDatabase, IdbObjectStore, IdbTransactionMode};

use crate::support::window;

/// 2100-01-01: an entry that no purge in these tests removes.
const LATER: u64 = 4_102_444_800_000;

fn key(byte: u8) -> SessionKey {
    SessionKey::from_bytes([byte; 32])
}

async fn store() -> CopyStore {
    CopyStore::open()
        .await
        .expect("IndexedDB in a test browser")
}

/// The object store as any script of the origin sees it, bypassing the adapter.
async fn raw(mode: IdbTransactionMode) -> (IdbDatabase, IdbObjectStore) {
    let open = window()
        .indexed_db()
        .unwrap()
        .unwrap()
        .open(DATABASE)
        .unwrap();
    let db: IdbDatabase = request(&open).await.unwrap().unchecked_into();
    let store = db
        .transaction_with_str_and_mode(STORE, mode)
        .unwrap()
        .object_store(STORE)
        .unwrap();
    (db, store)
}

/// Every record in the database, raw.
async fn raw_records() -> Vec<JsValue> {
    let (db, store) = raw(IdbTransactionMode::Readonly).await;
    let all = request(&store.get_all().unwrap()).await.unwrap();
    db.close();
    Array::from(&all).to_vec()
}

/// The raw record kept as `name` for `key`, if any.
async fn raw_record(key: &SessionKey, name: &str) -> Option<JsValue> {
    let (db, store) = raw(IdbTransactionMode::Readonly).await;
    let found = request(&store.get(&key.copy_name(name).into()).unwrap())
        .await
        .unwrap();
    db.close();
    (!found.is_undefined()).then_some(found)
}

/// Writes `record` as it is, bypassing the adapter.
async fn raw_put(record: &JsValue) {
    let (db, store) = raw(IdbTransactionMode::Readwrite).await;
    request(&store.put(record).unwrap()).await.unwrap();
    db.close();
}

fn field(record: &JsValue, name: &str) -> JsValue {
    Reflect::get(record, &name.into()).unwrap()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Guards against a copy that does not come back as it was written, or an overwrite that keeps the old value.
#[wasm_bindgen_test]
async fn an_entry_comes_back_as_it_was_written() {
    let store = store().await;
    let alice = key(0x41);
    store.put(&alice, "library", b"v1", LATER).await.unwrap();
    store.put(&alice, "library", b"v2", LATER).await.unwrap();
    assert_eq!(
        store.get(&alice, "library").await.unwrap().as_deref(),
        Some(&b"v2"[..])
    );
    assert_eq!(store.get(&alice, "user").await.unwrap(), None);
    store.delete_session(&alice).await.unwrap();
}

/// Guards against one session reading another's copy: another key finds nothing, and leaves the entry in place.
#[wasm_bindgen_test]
async fn another_session_key_cannot_read_the_copy() {
    let store = store().await;
    let (alice, bob) = (key(0x42), key(0x43));
    store.put(&alice, "user", b"alice", LATER).await.unwrap();
    assert_eq!(store.get(&bob, "user").await.unwrap(), None);
    assert_eq!(
        store.get(&alice, "user").await.unwrap().as_deref(),
        Some(&b"alice"[..])
    );
    store.delete_session(&alice).await.unwrap();
}

/// Guards against trusting what a script of the origin wrote: an altered ciphertext and a value moved under
/// another name both read as absent, and are removed.
#[wasm_bindgen_test]
async fn an_altered_or_moved_entry_reads_as_absent_and_is_removed() {
    let store = store().await;
    let alice = key(0x44);
    store
        .put(&alice, "playlist:a", b"entries of a", LATER)
        .await
        .unwrap();
    let record = raw_record(&alice, "playlist:a").await.unwrap();
    let sealed = Uint8Array::new(&field(&record, "sealed"));
    let altered = Object::assign(&Object::new(), record.unchecked_ref());
    let flipped = sealed
        .to_vec()
        .iter()
        .enumerate()
        .map(|(i, b)| if i == 12 { b ^ 1 } else { *b })
        .collect::<Vec<_>>();
    Reflect::set(&altered, &"sealed".into(), &Uint8Array::from(&flipped[..])).unwrap();
    raw_put(&altered).await;
    assert_eq!(store.get(&alice, "playlist:a").await.unwrap(), None);
    assert!(raw_record(&alice, "playlist:a").await.is_none(), "kept");

    store
        .put(&alice, "playlist:a", b"entries of a", LATER)
        .await
        .unwrap();
    let moved = Object::assign(
        &Object::new(),
        raw_record(&alice, "playlist:a")
            .await
            .unwrap()
            .unchecked_ref(),
    );
    Reflect::set(
        &moved,
        &"name".into(),
        &alice.copy_name("playlist:b").into(),
    )
    .unwrap();
    raw_put(&moved).await;
    assert_eq!(store.get(&alice, "playlist:b").await.unwrap(), None);
    assert!(raw_record(&alice, "playlist:b").await.is_none(), "kept");
    // The original still opens: the test can fail.
    assert_eq!(
        store.get(&alice, "playlist:a").await.unwrap().as_deref(),
        Some(&b"entries of a"[..])
    );
    store.delete_session(&alice).await.unwrap();
}

/// Guards against a log out that leaves the session's copy behind, or takes another session's copy with it.
#[wasm_bindgen_test]
async fn deleting_a_session_removes_its_entries_and_only_them() {
    let store = store().await;
    let (alice, bob) = (key(0x45), key(0x46));
    for name in ["library", "user", "playlist:x"] {
        store.put(&alice, name, b"alice's", LATER).await.unwrap();
    }
    store.put(&bob, "library", b"bob's", LATER).await.unwrap();
    store.delete_session(&alice).await.unwrap();
    for name in ["library", "user", "playlist:x"] {
        assert_eq!(store.get(&alice, name).await.unwrap(), None, "{name}");
        assert!(raw_record(&alice, name).await.is_none(), "{name}");
    }
    assert_eq!(
        store.get(&bob, "library").await.unwrap().as_deref(),
        Some(&b"bob's"[..])
    );
    store.delete_session(&bob).await.unwrap();
}

/// Guards against a purge that keeps what has had its time (whoever's it is), or removes what is still in time.
#[wasm_bindgen_test]
async fn the_purge_removes_what_has_had_its_time_and_only_that() {
    let store = store().await;
    let (alice, bob) = (key(0x47), key(0x48));
    let now = 1_700_000_000_000;
    store.put(&alice, "old", b"old", now - 1).await.unwrap();
    store.put(&bob, "old", b"old", now - 60_000).await.unwrap();
    store.put(&alice, "due", b"due", now).await.unwrap();
    store.put(&alice, "new", b"new", LATER).await.unwrap();
    store.purge(now).await.unwrap();
    assert!(raw_record(&alice, "old").await.is_none());
    assert!(raw_record(&bob, "old").await.is_none());
    assert!(
        raw_record(&alice, "due").await.is_some(),
        "until is the last moment kept"
    );
    assert!(raw_record(&alice, "new").await.is_some());
    store.delete_session(&alice).await.unwrap();
}

/// Guards against a database that names what it holds or shows it: no record contains the logical name, the
/// plaintext or the session key, in any field; each carries only its digest name, session tag, until and seal.
#[wasm_bindgen_test]
async fn the_database_holds_neither_names_nor_plaintext() {
    let store = store().await;
    let alice = key(0x49);
    let name = "playlist:37i9dQZF1DXcBWIGoYBM5M";
    let plain = b"Today's Top Hits, kept for alice@example.com";
    store.put(&alice, name, plain, LATER).await.unwrap();
    let records = raw_records().await;
    let mine = records
        .iter()
        .find(|r| field(r, "session").as_string() == Some(alice.copy_session()))
        .expect("the entry is in the database");
    let fields: Vec<String> = Object::keys::<JsValue>(mine.unchecked_ref())
        .iter()
        .filter_map(|f| f.as_string())
        .collect();
    assert_eq!(fields, ["name", "session", "until", "sealed"]);
    assert_eq!(field(mine, "until").as_f64(), Some(LATER as f64));
    for record in &records {
        for value in Object::values::<JsValue>(record.unchecked_ref()).iter() {
            let bytes = match value.as_string() {
                Some(text) => text.into_bytes(),
                None if value.is_instance_of::<Uint8Array>() => Uint8Array::new(&value).to_vec(),
                None => continue,
            };
            for secret in [
                name.as_bytes(),
                &b"37i9dQZF1DXcBWIGoYBM5M"[..],
                plain,
                b"alice",
                alice.to_storage().as_bytes(),
            ] {
                assert!(
                    !contains(&bytes, secret),
                    "{:?} found",
                    String::from_utf8_lossy(secret)
                );
            }
        }
    }
    store.delete_session(&alice).await.unwrap();
}
