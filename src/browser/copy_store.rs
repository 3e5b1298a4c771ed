//! The session's local copy of what it read (the library, each playlist's entries by snapshot, the user), kept in
//! IndexedDB for the session and unreadable once the session's key is gone.
//!
//! Every value is sealed with AES-GCM (WebCrypto) under a key derived from the session key
//! ([`SessionKey::copy_key`]), with a fresh random nonce per write and the entry's name as additional data, so a
//! value moved under another name does not open. Names are digests made with the session key
//! ([`SessionKey::copy_name`]), so nothing in the database names the user, a playlist or a token. Each record also
//! carries in the clear the time after which anyone may remove it (`until`, in ms) and the session's tag
//! ([`SessionKey::copy_session`]), by which an end removes the whole session's copy.
//!
//! When IndexedDB is missing, blocked or full, calls return a [`CopyError`] and the app reads from Spotify each
//! time instead.

use std::fmt;

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    DomException, EventTarget, IdbDatabase, IdbKeyRange, IdbObjectStore, IdbObjectStoreParameters,
    IdbRequest, IdbTransaction, IdbTransactionMode,
};

use super::{crypto, random};
use crate::session::SessionKey;

/// The database of the local copy.
pub const DATABASE: &str = "pkce-playlists-copy";
/// Its one object store: records `{name, session, until, sealed}`, keyed by `name`.
pub const STORE: &str = "copy";
const VERSION: u32 = 1;

/// Why the local copy cannot be used. Each one means the same to the user: the app reads from Spotify each time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyError {
    /// The browser offers no IndexedDB or WebCrypto here (blocked by settings or private browsing, a sandboxed
    /// frame, another tab holding an older version of the database open).
    Unavailable,
    /// The browser refused to store more (quota exceeded).
    Full,
    /// A read or a write failed otherwise.
    Failed,
}

impl fmt::Display for CopyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CopyError::Unavailable => {
                "This browser does not let the app keep a local copy of what it read, so it reads everything from \
                 Spotify each time."
            }
            CopyError::Full => {
                "The browser has no room left for the app's local copy of what it read, so it reads everything \
                 from Spotify each time."
            }
            CopyError::Failed => {
                "The app's local copy of what it read could not be used, so it reads everything from Spotify each \
                 time."
            }
        })
    }
}

impl std::error::Error for CopyError {}

impl CopyError {
    fn from_dom(error: Option<DomException>) -> Self {
        match error.map(|e| e.name()).as_deref() {
            Some("QuotaExceededError") => CopyError::Full,
            _ => CopyError::Failed,
        }
    }

    fn thrown(error: JsValue) -> Self {
        CopyError::from_dom(error.dyn_into().ok())
    }
}

/// Waits until `target` fires `done`; `Err` when it fires one of `failed` first.
async fn fired(target: &EventTarget, done: &str, failed: &[&str]) -> Result<(), ()> {
    let promise = Promise::new(&mut |resolve, reject| {
        let _ = target.add_event_listener_with_callback(done, &resolve);
        for event in failed {
            let _ = target.add_event_listener_with_callback(event, &reject);
        }
    });
    JsFuture::from(promise).await.map(drop).map_err(drop)
}

/// IndexedDB's callbacks as a future: the result of `request` once it succeeds. An open request that is
/// `blocked` (another tab holds an older version open) fails rather than waiting for that tab.
pub async fn request(request: &IdbRequest) -> Result<JsValue, CopyError> {
    match fired(request, "success", &["error", "blocked"]).await {
        Ok(()) => request.result().map_err(CopyError::thrown),
        Err(()) => Err(CopyError::from_dom(request.error().ok().flatten())),
    }
}

/// Waits until `transaction` is committed: only then is a write kept, and a full disk reported.
async fn committed(transaction: &IdbTransaction) -> Result<(), CopyError> {
    fired(transaction, "complete", &["abort"])
        .await
        .map_err(|()| CopyError::from_dom(transaction.error()))
}

/// The additional data of an entry's seal: its name.
fn aad(name: &str) -> Vec<u8> {
    format!("{DATABASE}:{name}").into_bytes()
}

fn create_store(db: &IdbDatabase) -> Result<(), JsValue> {
    let params = IdbObjectStoreParameters::new();
    params.set_key_path(&"name".into());
    let store = db.create_object_store_with_optional_parameters(STORE, &params)?;
    store.create_index_with_str("session", "session")?;
    store.create_index_with_str("until", "until")?;
    Ok(())
}

/// The page's connection to the local copy. Closed when dropped, or when a newer version of the app needs to
/// upgrade the database.
pub struct CopyStore {
    db: IdbDatabase,
}

impl CopyStore {
    pub async fn open() -> Result<CopyStore, CopyError> {
        let factory = web_sys::window()
            .and_then(|w| w.indexed_db().ok().flatten())
            .ok_or(CopyError::Unavailable)?;
        let open = factory
            .open_with_u32(DATABASE, VERSION)
            .map_err(|_| CopyError::Unavailable)?;
        let upgrading = open.clone();
        let upgrade = Closure::once_into_js(move || {
            let created = upgrading
                .result()
                .and_then(|db| create_store(&db.unchecked_into()));
            if let (Err(_), Some(transaction)) = (created, upgrading.transaction()) {
                let _ = transaction.abort();
            }
        });
        open.set_onupgradeneeded(Some(upgrade.unchecked_ref()));
        let db: IdbDatabase = request(&open)
            .await
            .map_err(|_| CopyError::Unavailable)?
            .unchecked_into();
        let closing = db.clone();
        let close = Closure::once_into_js(move || closing.close());
        db.set_onversionchange(Some(close.unchecked_ref()));
        Ok(CopyStore { db })
    }

    fn store(&self, mode: IdbTransactionMode) -> Result<IdbObjectStore, CopyError> {
        self.db
            .transaction_with_str_and_mode(STORE, mode)
            .and_then(|transaction| transaction.object_store(STORE))
            .map_err(CopyError::thrown)
    }

    /// Keeps `bytes` as `name` for `key`'s session, replacing what was there, until `until_ms` (after which
    /// anyone may remove it).
    pub async fn put(
        &self,
        key: &SessionKey,
        name: &str,
        bytes: &[u8],
        until_ms: u64,
    ) -> Result<(), CopyError> {
        let name = key.copy_name(name);
        let nonce: [u8; 12] = random::bytes().ok_or(CopyError::Unavailable)?;
        let sealed = crypto::seal(&key.copy_key(), nonce, &aad(&name), bytes)
            .await
            .ok_or(CopyError::Unavailable)?;
        let record = Object::new();
        for (field, value) in [
            ("name", JsValue::from_str(&name)),
            ("session", JsValue::from_str(&key.copy_session())),
            ("until", JsValue::from_f64(until_ms as f64)),
            (
                "sealed",
                Uint8Array::from(&[&nonce[..], &sealed].concat()[..]).into(),
            ),
        ] {
            Reflect::set(&record, &field.into(), &value).map_err(CopyError::thrown)?;
        }
        let store = self.store(IdbTransactionMode::Readwrite)?;
        store.put(&record).map_err(CopyError::thrown)?;
        committed(&store.transaction()).await
    }

    /// What [`Self::put`] kept as `name` for `key`'s session. An entry that does not open (altered, moved, or
    /// another session's) is absent, and is removed.
    pub async fn get(&self, key: &SessionKey, name: &str) -> Result<Option<Vec<u8>>, CopyError> {
        let name = key.copy_name(name);
        let store = self.store(IdbTransactionMode::Readonly)?;
        let found = request(
            &store
                .get(&name.as_str().into())
                .map_err(CopyError::thrown)?,
        )
        .await?;
        if found.is_undefined() {
            return Ok(None);
        }
        let sealed = Reflect::get(&found, &"sealed".into())
            .ok()
            .and_then(|value| value.dyn_into::<Uint8Array>().ok())
            .map(|array| array.to_vec())
            .unwrap_or_default();
        let opened = match sealed.split_first_chunk::<12>() {
            Some((nonce, sealed)) => {
                crypto::open(&key.copy_key(), *nonce, &aad(&name), sealed).await
            }
            None => None,
        };
        if opened.is_none() {
            let store = self.store(IdbTransactionMode::Readwrite)?;
            store
                .delete(&name.as_str().into())
                .map_err(CopyError::thrown)?;
            committed(&store.transaction()).await?;
        }
        Ok(opened)
    }

    /// Removes every entry of `key`'s session (at its end).
    pub async fn delete_session(&self, key: &SessionKey) -> Result<(), CopyError> {
        let session = IdbKeyRange::only(&key.copy_session().into()).map_err(CopyError::thrown)?;
        self.delete_where("session", &session).await
    }

    /// Removes every entry whose time is up: `until` before `now_ms`, whichever session it belongs to.
    pub async fn purge(&self, now_ms: u64) -> Result<(), CopyError> {
        let passed = IdbKeyRange::upper_bound_with_open(&(now_ms as f64).into(), true)
            .map_err(CopyError::thrown)?;
        self.delete_where("until", &passed).await
    }

    /// Removes, in one transaction, every entry whose `index` is in `range`.
    async fn delete_where(&self, index: &str, range: &IdbKeyRange) -> Result<(), CopyError> {
        let store = self.store(IdbTransactionMode::Readwrite)?;
        let keys = store
            .index(index)
            .and_then(|index| index.get_all_keys_with_key(range))
            .map_err(CopyError::thrown)?;
        // The transaction stays active while the answer's promise is settled, so the deletes join it.
        for name in Array::from(&request(&keys).await?).iter() {
            store.delete(&name).map_err(CopyError::thrown)?;
        }
        committed(&store.transaction()).await
    }
}

impl Drop for CopyStore {
    fn drop(&mut self) {
        self.db.close();
    }
}
