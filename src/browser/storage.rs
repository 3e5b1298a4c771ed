//! sessionStorage under a namespace, so the app's keys cannot collide with another app on the same origin.

use std::fmt;

/// The app's own namespace.
pub const APP: Namespace = Namespace("pkce-playlists");

/// Why a value could not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StorageError {
    /// The browser offers no sessionStorage (blocked by settings or a sandboxed frame).
    Unavailable,
    /// The browser refused the write (quota).
    WriteRefused,
}

impl fmt::Display for StorageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StorageError::Unavailable => write!(
                f,
                "This browser does not allow the app to use session storage, which signing in needs. Allow site \
                 data for this page and try again."
            ),
            StorageError::WriteRefused => {
                write!(f, "The browser refused to save the sign-in data (storage full). Free some space and try again.")
            }
        }
    }
}

impl std::error::Error for StorageError {}

/// A prefix for sessionStorage keys: key `k` is stored as `"{namespace}:{k}"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Namespace(pub &'static str);

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

impl Namespace {
    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.0)
    }

    pub fn get(&self, key: &str) -> Option<String> {
        session_storage()?.get_item(&self.key(key)).ok()?
    }

    pub fn set(&self, key: &str, value: &str) -> Result<(), StorageError> {
        let storage = session_storage().ok_or(StorageError::Unavailable)?;
        storage
            .set_item(&self.key(key), value)
            .map_err(|_| StorageError::WriteRefused)
    }

    pub fn remove(&self, key: &str) {
        if let Some(storage) = session_storage() {
            let _ = storage.remove_item(&self.key(key));
        }
    }

    /// Reads and removes a value in one step, so whoever takes it is the only one who ever gets it.
    pub fn take(&self, key: &str) -> Option<String> {
        let value = self.get(key);
        self.remove(key);
        value
    }
}
