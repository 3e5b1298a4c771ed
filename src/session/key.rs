//! The session's own secret: 256 random bits made at the code exchange and kept with the tokens in
//! sessionStorage. A duplicated tab copies it with the tokens; no other script of the origin has it.
//!
//! Everything the tabs of a session say to each other is bound to it: the names of their channel, lock and
//! records are derived from it (so an outsider cannot find or join them), messages are sealed with a key derived
//! from it (AES-GCM, in the browser's WebCrypto), and what is written to localStorage carries an HMAC made with it
//! (so a forged or altered record is recognised and ignored). Each use has its own derived key (HMAC-SHA256 of
//! the session key over a label), so no two uses share key material.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::oauth::constant_time_eq;

/// The app's prefix for everything it names in the browser.
pub const PREFIX: &str = "pkce-playlists";

/// A session's secret. Prints `[redacted]`, has no `Display` and no `PartialEq`.
#[derive(Clone)]
pub struct SessionKey([u8; 32]);

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionKey([redacted])")
    }
}

/// What a session's tabs call their shared things. Each name is a digest of the session key: it says nothing of
/// the session, and cannot be guessed without the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// The `BroadcastChannel` the tabs talk on.
    pub channel: String,
    /// The Web Lock held while a refresh is decided and sent.
    pub lock: String,
    /// The Web Lock held while a refresh request is on the wire.
    pub flight: String,
    /// The localStorage key of the grant's record (newest version, refresh in flight).
    pub record: String,
    /// The localStorage key of the marker that says the session has ended.
    pub ended: String,
    /// The localStorage key of the pause while the app's daily quota is spent.
    pub quota: String,
}

/// The localStorage prefix of grant records.
pub const RECORD_PREFIX: &str = "pkce-playlists:r:";
/// The localStorage prefix of end markers.
pub const ENDED_PREFIX: &str = "pkce-playlists:e:";
/// The localStorage prefix of quota pauses.
pub const QUOTA_PREFIX: &str = "pkce-playlists:q:";

impl SessionKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SessionKey(bytes)
    }

    /// The form kept in sessionStorage with the tokens.
    pub fn to_storage(&self) -> String {
        crate::base64url::encode(self.0)
    }

    /// Reads back what [`Self::to_storage`] wrote; `None` for anything else.
    pub fn from_storage(text: &str) -> Option<Self> {
        let bytes = crate::base64url::decode(text)?;
        Some(SessionKey(bytes.try_into().ok()?))
    }

    /// HMAC-SHA256 of the session key over `label` and `data`, which are kept apart by `label`'s length.
    fn hmac(&self, label: &str, data: &[u8]) -> [u8; 32] {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(&(label.len() as u32).to_be_bytes());
        mac.update(label.as_bytes());
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// A name for `label`: 128 bits of its digest.
    fn name(&self, label: &str) -> String {
        crate::base64url::encode(&self.hmac(label, b"")[..16])
    }

    pub fn names(&self) -> Names {
        Names {
            channel: format!("{PREFIX}:c:{}", self.name("channel")),
            lock: format!("{PREFIX}:l:{}", self.name("lock")),
            flight: format!("{PREFIX}:f:{}", self.name("flight")),
            record: format!("{RECORD_PREFIX}{}", self.name("record")),
            ended: format!("{ENDED_PREFIX}{}", self.name("ended")),
            quota: format!("{QUOTA_PREFIX}{}", self.name("quota")),
        }
    }

    /// The AES-GCM key that seals the tabs' messages (and, later, what the session keeps on disk).
    pub fn sealing_key(&self) -> [u8; 32] {
        self.hmac("seal", b"")
    }

    /// A tag that proves `data` was written by a holder of this key, for `purpose`.
    pub fn tag(&self, purpose: &str, data: &str) -> String {
        crate::base64url::encode(self.hmac(purpose, data.as_bytes()))
    }

    /// Whether `tag` is [`Self::tag`] of `data` for `purpose` (compared in constant time).
    pub fn verify(&self, purpose: &str, data: &str, tag: &str) -> bool {
        constant_time_eq(self.tag(purpose, data).as_bytes(), tag.as_bytes())
    }

    /// A digest of a refresh token that says whether two tabs hold the same one; without the key it reveals
    /// nothing, not even whether two records name the same token.
    pub fn fingerprint(&self, refresh_token: &str) -> String {
        crate::base64url::encode(&self.hmac("refresh", refresh_token.as_bytes())[..16])
    }

    /// The AES-GCM key that seals the session's local copy of what it read (IndexedDB); not the messages' key.
    pub fn copy_key(&self) -> [u8; 32] {
        self.hmac("copy", b"")
    }

    /// What the local copy calls the entry `name` (say `playlist:{id}`): 128 bits of a digest that says nothing
    /// of the name without the key.
    pub fn copy_name(&self, name: &str) -> String {
        crate::base64url::encode(&self.hmac("copy:", name.as_bytes())[..16])
    }

    /// The tag every entry of this session's local copy carries, so that its end can remove them all.
    pub fn copy_session(&self) -> String {
        self.name("copy-session")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SessionKey {
        SessionKey::from_bytes([byte; 32])
    }

    /// Guards against a hand-rolled or misused HMAC: the construction is HMAC-SHA256 (RFC 4231 test case 2,
    /// computed through the same crate with the label framing left out).
    #[test]
    fn hmac_is_hmac_sha256() {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        let out: [u8; 32] = mac.finalize().into_bytes().into();
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    /// Guards against names that an outsider could guess or that two sessions share: every name differs per key
    /// and per use, none contains the key, and the same key always gives the same names (a duplicated tab must
    /// find its twin).
    #[test]
    fn names_are_derived_per_key_and_per_use() {
        let a = key(1).names();
        let b = key(2).names();
        assert_eq!(a, key(1).names());
        let all_a = [
            &a.channel, &a.lock, &a.flight, &a.record, &a.ended, &a.quota,
        ];
        let all_b = [
            &b.channel, &b.lock, &b.flight, &b.record, &b.ended, &b.quota,
        ];
        for (x, y) in all_a.iter().zip(all_b.iter()) {
            assert_ne!(x, y);
            assert!(x.starts_with("pkce-playlists:"), "{x}");
        }
        let suffixes: std::collections::HashSet<_> = all_a
            .iter()
            .map(|n| n.rsplit(':').next().unwrap())
            .collect();
        assert_eq!(suffixes.len(), 6, "each use has its own digest");
        assert!(!all_a.iter().any(|n| n.contains(&key(1).to_storage())));
        assert!(a.record.starts_with(RECORD_PREFIX) && a.ended.starts_with(ENDED_PREFIX));
    }

    /// Guards against a tag that another key, another purpose or other data would also pass.
    #[test]
    fn tags_bind_key_purpose_and_data() {
        let tag = key(1).tag("record", "v=3");
        assert!(key(1).verify("record", "v=3", &tag));
        assert!(!key(2).verify("record", "v=3", &tag));
        assert!(!key(1).verify("ended", "v=3", &tag));
        assert!(!key(1).verify("record", "v=4", &tag));
        assert!(!key(1).verify("record", "v=3", ""));
        // The label's length is framed: moving characters between label and data changes the tag.
        assert_ne!(key(1).tag("ab", "c"), key(1).tag("a", "bc"));
    }

    /// Guards against a key that does not survive storage, or a stored value of the wrong length being taken.
    #[test]
    fn the_key_round_trips_through_storage_and_stays_redacted() {
        let stored = key(7).to_storage();
        let back = SessionKey::from_storage(&stored).unwrap();
        assert_eq!(back.names(), key(7).names());
        assert!(SessionKey::from_storage("c2hvcnQ").is_none());
        assert!(SessionKey::from_storage("not base64!").is_none());
        assert_eq!(format!("{:?}", key(7)), "SessionKey([redacted])");
        assert_ne!(key(7).sealing_key(), [7; 32]);
    }

    /// Guards against a fingerprint that names the token to whoever reads localStorage.
    #[test]
    fn fingerprints_are_keyed() {
        assert_eq!(key(1).fingerprint("r0"), key(1).fingerprint("r0"));
        assert_ne!(key(1).fingerprint("r0"), key(1).fingerprint("r1"));
        assert_ne!(key(1).fingerprint("r0"), key(2).fingerprint("r0"));
    }

    /// Guards against a local copy that names what it holds, that another session could open or find, or whose
    /// key is also the messages' key.
    #[test]
    fn the_local_copy_is_keyed_and_named_per_session() {
        assert_ne!(key(1).copy_key(), key(1).sealing_key());
        assert_ne!(key(1).copy_key(), key(2).copy_key());
        let name = key(1).copy_name("playlist:abc");
        assert_eq!(name, key(1).copy_name("playlist:abc"));
        assert_ne!(name, key(1).copy_name("playlist:abd"));
        assert_ne!(name, key(2).copy_name("playlist:abc"));
        assert!(!name.contains("abc"), "{name}");
        assert_eq!(key(1).copy_session(), key(1).copy_session());
        assert_ne!(key(1).copy_session(), key(2).copy_session());
        assert_ne!(key(1).copy_session(), key(1).copy_name(""));
    }
}
