//! The session's local copy of what it read (see `session::copy` for when it is used), kept through the sealed
//! store in IndexedDB. Every failure degrades to reading from Spotify, and is remembered so the page can say so.

use std::cell::RefCell;
use std::rc::Rc;

use super::copy_store::{CopyError, CopyStore};
use crate::json::{self, FromJson, ToJson};
use crate::session::copy::{EntriesCopy, LibraryCopy};
use crate::session::SessionKey;
use crate::spotify::PlaylistId;

thread_local! {
    /// The store, once opened; `Err` when the browser refused it (then it is not asked again).
    static STORE: RefCell<Option<Result<Rc<CopyStore>, CopyError>>> = const { RefCell::new(None) };
    /// Why the copy could not be used lately, for the page's notice.
    static TROUBLE: RefCell<Option<CopyError>> = const { RefCell::new(None) };
}

fn trouble(error: CopyError) {
    TROUBLE.with(|t| *t.borrow_mut() = Some(error));
}

/// Why the copy is not in use, when it is not: the page says so, and reads from Spotify meanwhile.
pub fn degraded() -> Option<CopyError> {
    TROUBLE.with(|t| *t.borrow())
}

async fn store() -> Option<Rc<CopyStore>> {
    if let Some(known) = STORE.with(|s| s.borrow().clone()) {
        return known.ok();
    }
    let opened = CopyStore::open().await.map(Rc::new);
    if let Err(error) = &opened {
        trouble(*error);
    }
    STORE.with(|s| *s.borrow_mut() = Some(opened.clone()));
    opened.ok()
}

async fn read<T: FromJson>(key: &SessionKey, name: &str) -> Option<T> {
    let store = store().await?;
    match store.get(key, name).await {
        Ok(bytes) => json::from_str(std::str::from_utf8(&bytes?).ok()?),
        Err(error) => {
            trouble(error);
            None
        }
    }
}

/// Keeps `value` under `name` until `until_ms`, in the background: a copy that cannot be written costs only a
/// read from Spotify later.
fn write<T: ToJson>(key: &SessionKey, name: String, value: T, until_ms: u64) {
    let key = key.clone();
    let bytes = value.to_json().into_bytes();
    super::spawn(async move {
        let Some(store) = store().await else {
            return;
        };
        if let Err(error) = store.put(&key, &name, &bytes, until_ms).await {
            trouble(error);
        }
    });
}

const LIBRARY: &str = "library";

fn entries_name(id: &PlaylistId) -> String {
    format!("entries:{id}")
}

/// The library as the session last read it.
pub async fn library(key: &SessionKey) -> Option<LibraryCopy> {
    read(key, LIBRARY).await
}

pub fn keep_library(key: &SessionKey, copy: LibraryCopy, until_ms: u64) {
    write(key, LIBRARY.to_owned(), copy, until_ms);
}

/// The entries of playlist `id` as the session last read them.
pub async fn entries(key: &SessionKey, id: &PlaylistId) -> Option<EntriesCopy> {
    read(key, &entries_name(id)).await
}

pub fn keep_entries(key: &SessionKey, id: &PlaylistId, copy: EntriesCopy, until_ms: u64) {
    write(key, entries_name(id), copy, until_ms);
}

/// Entries kept under a name of the app's own (Liked Songs).
pub async fn entries_named(key: &SessionKey, name: &str) -> Option<EntriesCopy> {
    read(key, &format!("entries-of:{name}")).await
}

pub fn keep_entries_named(key: &SessionKey, name: &str, copy: EntriesCopy, until_ms: u64) {
    write(key, format!("entries-of:{name}"), copy, until_ms);
}

/// Deletes everything of the session of `key` (log out).
pub fn forget(key: &SessionKey) {
    let key = key.clone();
    super::spawn(async move {
        if let Some(store) = store().await {
            let _ = store.delete_session(&key).await;
        }
    });
}

/// Deletes what has had its time, whichever session wrote it: at start.
pub fn purge() {
    super::spawn(async {
        if let Some(store) = store().await {
            let _ = store.purge(js_sys::Date::now() as u64).await;
        }
    });
}
