//! The other tabs of the app. A tab that is duplicated, or opened from a signed-in tab, starts with a copy of
//! the session's tokens (browsers copy sessionStorage into it). With a provider that rotates refresh tokens,
//! each copy may be spent only once, by one tab: the tab that refreshes holds a lock that every tab of the
//! grant respects, publishes the new tokens, and a tab whose copy is older takes the newest before it refreshes.
//! So no tab ever presents a spent refresh token (which a provider with reuse detection answers by revoking the
//! whole grant, RFC 9700 §4.14.2).
//!
//! The browser implements [`Tabs`] with the Web Locks API, `BroadcastChannel` and a small non-secret record per
//! grant in localStorage; see docs/ARCHITECTURE.md. The policy that uses it is [`super::Session`]'s refresh.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::oauth::{RefreshToken, TokenSet};

/// What every tab can read about a grant: its newest version, and a fingerprint of that version's refresh
/// token. Neither is secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub version: u64,
    pub refresh_fingerprint: String,
}

/// A digest of a refresh token that says whether two tabs hold the same one, without revealing it.
pub fn fingerprint(token: &RefreshToken) -> String {
    let digest = Sha256::new()
        .chain_update(b"pkce-playlists refresh\0")
        .chain_update(token.secret())
        .finalize();
    URL_SAFE_NO_PAD.encode(&digest[..12])
}

/// Why a session ended, told to every tab so each can say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEnd {
    /// The user logged out (in this tab or another).
    LoggedOut,
    /// The provider refused the refresh token: revoked (access removed, or signed out everywhere).
    Revoked,
    /// The provider refused the refresh token because the authorization is too old (Spotify: six months).
    Expired,
    /// The provider refused the refresh for another lasting reason (`invalid_client`, …).
    Refused(String),
    /// The access token ran out and there was no refresh token.
    NoRefreshToken,
    /// Another tab renewed the session and closed before this tab got the new tokens.
    Superseded,
}

impl SessionEnd {
    /// The `data-end` hook of the log-in screen's notice.
    pub fn code(&self) -> &'static str {
        match self {
            SessionEnd::LoggedOut => "logged-out",
            SessionEnd::Revoked => "revoked",
            SessionEnd::Expired => "expired",
            SessionEnd::Refused(_) => "refused",
            SessionEnd::NoRefreshToken => "no-refresh-token",
            SessionEnd::Superseded => "superseded",
        }
    }

    /// Reads back what [`Self::code`] (and, for `Refused`, the OAuth code after a `:`) wrote.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code.split_once(':') {
            Some(("refused", error)) => SessionEnd::Refused(error.to_owned()),
            _ => match code {
                "logged-out" => SessionEnd::LoggedOut,
                "revoked" => SessionEnd::Revoked,
                "expired" => SessionEnd::Expired,
                "no-refresh-token" => SessionEnd::NoRefreshToken,
                "superseded" => SessionEnd::Superseded,
                _ => return None,
            },
        })
    }

    /// The form sent to other tabs.
    pub fn to_code(&self) -> String {
        match self {
            SessionEnd::Refused(error) => format!("refused:{error}"),
            other => other.code().to_owned(),
        }
    }
}

impl fmt::Display for SessionEnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionEnd::LoggedOut => write!(f, "You have logged out."),
            SessionEnd::Revoked => write!(
                f,
                "Your session has ended: Spotify no longer accepts this app's access (it may have been removed \
                 in your Spotify account settings). Log in again to continue."
            ),
            SessionEnd::Expired => write!(
                f,
                "Your session has ended: Spotify ends an app's access six months after you signed in. Log in again \
                 to continue."
            ),
            SessionEnd::Refused(error) => write!(
                f,
                "Your session has ended: the sign-in service refused to renew it ({error}). Log in again to continue."
            ),
            SessionEnd::NoRefreshToken => write!(
                f,
                "Your session has run out, and the sign-in service gave no way to renew it. Log in again to continue."
            ),
            SessionEnd::Superseded => write!(
                f,
                "Your session was renewed in another tab of this app that has since closed. Log in again to continue."
            ),
        }
    }
}

/// The tabs of the app, from one tab's side.
pub trait Tabs {
    type Guard;

    /// Waits until no tab (this one included) is refreshing `grant`, and keeps them from starting until the
    /// guard is dropped.
    fn lock(&self, grant: &str) -> impl Future<Output = Self::Guard>;

    /// What the tabs have published about `grant`, if anything.
    fn published(&self, grant: &str) -> Option<Published>;

    /// The tokens of `grant` at `version`, from whichever tab holds them, waiting a moment for an answer; `None`
    /// when no open tab has them.
    fn newest(&self, grant: &str, version: u64) -> impl Future<Output = Option<TokenSet>>;

    /// Tells every other tab of the new tokens of their grant.
    fn publish(&self, tokens: &TokenSet);

    /// Tells every other tab that the session of `grant` has ended, and why.
    fn ended(&self, grant: &str, why: &SessionEnd);
}

/// A tab alone: one refresh at a time within the tab, nothing shared. For tests of the single-tab policy and for
/// browsers without the Web Locks API.
#[derive(Default)]
pub struct Alone {
    lock: Arc<futures::lock::Mutex<()>>,
}

impl Tabs for Alone {
    type Guard = futures::lock::OwnedMutexGuard<()>;

    async fn lock(&self, _grant: &str) -> Self::Guard {
        self.lock.clone().lock_owned().await
    }

    fn published(&self, _grant: &str) -> Option<Published> {
        None
    }

    async fn newest(&self, _grant: &str, _version: u64) -> Option<TokenSet> {
        None
    }

    fn publish(&self, _tokens: &TokenSet) {}

    fn ended(&self, _grant: &str, _why: &SessionEnd) {}
}
