//! The other tabs of a session. A tab that is duplicated, or opened from a signed-in tab, starts with a copy of
//! the session's tokens and its key (browsers copy sessionStorage into it). With a provider that rotates refresh
//! tokens, each copy may be spent only once, by one tab: the tab that refreshes holds a lock that every tab of the
//! session respects, marks the refresh as in flight before it sends it, publishes the new tokens, and a tab whose
//! copy is older takes the newest before it refreshes. So no tab ever presents a spent refresh token (which a
//! provider with reuse detection answers by revoking the whole grant, RFC 9700 §4.14.2), not even after an answer
//! that was lost.
//!
//! Everything the tabs share is bound to the session's [`SessionKey`]: the names of the channel, the locks and the
//! records are derived from it, messages are sealed with it and records carry its tag, so another script of the
//! origin can neither read nor forge nor find them. What is written here is the format and the decisions; the
//! browser implements [`Tabs`] with the Web Locks API, a `BroadcastChannel`, WebCrypto and localStorage (see
//! docs/ARCHITECTURE.md). The policy that uses it is [`super::Session`]'s refresh.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use crate::json::{self, json_object, ToJson, Writer};

use super::key::SessionKey;
use super::quota::QuotaPause;
use crate::oauth::TokenSet;

/// What a session's tabs keep about their grant, for every tab of the session (and only them) to read: the newest
/// version, a keyed fingerprint of that version's refresh token, and the refresh of it that is on the wire, if
/// any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub version: u64,
    pub refresh_fingerprint: String,
    pub in_flight: Option<InFlight>,
}

/// A refresh that was sent and whose answer has not been settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InFlight {
    /// When it was sent, in milliseconds since the Unix epoch.
    pub since_ms: u64,
    /// Which page sent it (a random name per page load).
    pub tab: String,
}

/// How a record or marker is written: in the clear, only when it may be thrown away (so that any tab can purge
/// what no session can use any more); the rest is covered by the session key's tag.
struct Tagged {
    until: u64,
    body: String,
    tag: String,
}

json_object!(Tagged { until, body, tag });

fn tagged(key: &SessionKey, purpose: &str, until_ms: u64, body: String) -> String {
    let tag = key.tag(purpose, &format!("{until_ms}.{body}"));
    Tagged {
        until: until_ms,
        body,
        tag,
    }
    .to_json()
}

fn untagged(key: &SessionKey, purpose: &str, text: &str) -> Option<String> {
    let t: Tagged = json::from_str(text)?;
    key.verify(purpose, &format!("{}.{}", t.until, t.body), &t.tag)
        .then_some(t.body)
}

/// Whether a record or marker may be thrown away at `now_ms`: its time is up, or it is not one of ours at all.
pub fn expired(text: &str, now_ms: u64) -> bool {
    json::from_str::<Tagged>(text).is_none_or(|t| t.until <= now_ms)
}

json_object!(Record {
    version,
    refresh_fingerprint,
    in_flight,
});

json_object!(InFlight { since_ms, tab });

impl Record {
    /// The record as kept in localStorage, until `until_ms`.
    pub fn seal(&self, key: &SessionKey, until_ms: u64) -> String {
        tagged(key, "record", until_ms, self.to_json())
    }

    /// The record of `tokens` with nothing on the wire: what a tab holding them publishes. `None` without a
    /// refresh token.
    pub fn settled(tokens: &TokenSet) -> Option<Record> {
        let refresh = tokens.refresh_token.as_ref()?;
        Some(Record {
            version: tokens.grant.version,
            refresh_fingerprint: tokens.key.fingerprint(refresh.secret()),
            in_flight: None,
        })
    }

    /// What a tab holding `mine` writes back when the record was replaced by `written` (replayed, altered or
    /// removed by something other than the session's tabs): its own, when `written` is behind it or not one of
    /// the session's.
    pub fn to_heal(mine: &TokenSet, written: Option<&str>) -> Option<Record> {
        let behind = written
            .and_then(|text| Record::open(&mine.key, text))
            .is_none_or(|r| r.version < mine.grant.version);
        behind.then(|| Record::settled(mine)).flatten()
    }

    /// The record in `text`, when `key` wrote it; a forged or altered one is `None`, as if there were none.
    pub fn open(key: &SessionKey, text: &str) -> Option<Record> {
        json::from_str(&untagged(key, "record", text)?)
    }
}

/// The marker a session's end leaves behind for the tabs that were not there to hear it (gone to another site,
/// in the back/forward cache, discarded, restored): it names only the reason, under a name derived from the key.
pub fn seal_end(key: &SessionKey, why: &SessionEnd, until_ms: u64) -> String {
    tagged(key, "ended", until_ms, why.to_code())
}

/// Why the session of `key` ended, when `text` is its marker.
pub fn open_end(key: &SessionKey, text: &str) -> Option<SessionEnd> {
    Some(SessionEnd::from_code(&untagged(key, "ended", text)?).unwrap_or(SessionEnd::Revoked))
}

/// What the tabs of a session say to each other, always sealed with the session's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// New tokens (their storage JSON, which names the grant and its version).
    Tokens { tokens: String },
    /// A tab with a stale copy asks for the tokens at `version` or newer.
    Ask { version: u64 },
    /// The session has ended, and why.
    End { why: String },
}

impl Message {
    /// `{"kind": "tokens" | "ask" | "end", …}` with the kind's one field.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::compact();
        w.object(|w| match self {
            Message::Tokens { tokens } => {
                w.member("kind", "tokens").member("tokens", tokens);
            }
            Message::Ask { version } => {
                w.member("kind", "ask").member("version", version);
            }
            Message::End { why } => {
                w.member("kind", "end").member("why", why);
            }
        });
        w.finish().into_bytes()
    }

    /// Messages are sealed, so only this app's tabs write them; a kind without its field is no message.
    pub fn from_bytes(bytes: &[u8]) -> Option<Message> {
        let json = json::parse(std::str::from_utf8(bytes).ok()?).ok()?;
        Some(match json.member("kind")?.as_str()? {
            "tokens" => Message::Tokens {
                tokens: json.field("tokens")?,
            },
            "ask" => Message::Ask {
                version: json.field("version")?,
            },
            "end" => Message::End {
                why: json.field("why")?,
            },
            _ => return None,
        })
    }
}

/// What a tab does with a message it could open.
#[derive(Debug)]
pub enum Heard {
    /// Keep these tokens: they are newer than this tab's.
    Adopt(TokenSet),
    /// Send this tab's tokens: another tab asks for them.
    Answer,
    /// The session has ended.
    End(SessionEnd),
    Nothing,
}

/// Decides what a message means to a tab holding `mine`. Only messages that were opened with the session's key
/// get here; even so, tokens of another grant or an older version are never taken.
pub fn heard(mine: Option<&TokenSet>, message: Message) -> Heard {
    let Some(mine) = mine else {
        return Heard::Nothing;
    };
    match message {
        Message::Tokens { tokens } => match TokenSet::from_storage_json(&tokens) {
            Some(incoming)
                if incoming.grant.id == mine.grant.id
                    && incoming.grant.version > mine.grant.version
                    && incoming.key.names() == mine.key.names() =>
            {
                Heard::Adopt(incoming)
            }
            _ => Heard::Nothing,
        },
        Message::Ask { version } if mine.grant.version >= version => Heard::Answer,
        Message::Ask { .. } => Heard::Nothing,
        Message::End { why } => {
            Heard::End(SessionEnd::from_code(&why).unwrap_or(SessionEnd::Revoked))
        }
    }
}

/// The additional data every sealed message is bound to, so that a sealed message cannot pass for anything else
/// the key seals.
pub const MESSAGE_AAD: &[u8] = b"pkce-playlists tabs message v1";

/// A sealed message as sent: the nonce and the ciphertext with its tag, in base64url.
pub fn envelope(nonce: [u8; 12], sealed: &[u8]) -> String {
    let mut bytes = nonce.to_vec();
    bytes.extend_from_slice(sealed);
    crate::base64url::encode(bytes)
}

/// The nonce and the sealed bytes of an envelope; `None` for anything that cannot be one (AES-GCM's tag alone is
/// 16 bytes).
pub fn open_envelope(text: &str) -> Option<([u8; 12], Vec<u8>)> {
    if text.len() > 64 * 1024 {
        return None;
    }
    let bytes = crate::base64url::decode(text)?;
    if bytes.len() < 12 + 16 {
        return None;
    }
    let (nonce, sealed) = bytes.split_at(12);
    Some((nonce.try_into().ok()?, sealed.to_vec()))
}

/// How long a tab waits for a refresh that another tab has on the wire: longer than any request may take
/// ([`crate::http::REQUEST_LIMIT_MS`]), plus a margin for the answer to be published.
pub const IN_FLIGHT_WAIT_MS: u64 = crate::http::REQUEST_LIMIT_MS + 5_000;

/// How long a tab waits for the refresh lock before it asks whether whoever holds it is one of the session's tabs:
/// at least this, and up to [`LOCK_PATIENCE_JITTER_MS`] more.
pub const LOCK_PATIENCE_MS: u64 = 4_000;
pub const LOCK_PATIENCE_JITTER_MS: u64 = 4_000;

/// Whether a tab that has waited [`LOCK_PATIENCE_MS`] for the refresh lock may take it from its holder: unless the
/// session's record shows a refresh of its own on the wire (which holds the lock for as long as it takes), the
/// holder is no tab of the session (a script of the origin that found the lock's name and sits on it) or one that
/// is stuck.
pub fn may_take_lock(record: Option<&Record>, now_ms: u64) -> bool {
    record
        .and_then(|r| r.in_flight.as_ref())
        .is_none_or(|f| now_ms >= f.since_ms.saturating_add(IN_FLIGHT_WAIT_MS))
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
    /// A renewal was sent and its answer never arrived (the network dropped, or the tab that sent it closed), and
    /// the provider may have replaced the refresh token meanwhile: sending the old one again could make it end the
    /// session everywhere, so it is not sent.
    Interrupted,
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
            SessionEnd::Interrupted => "interrupted",
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
                "interrupted" => SessionEnd::Interrupted,
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
            SessionEnd::Interrupted => write!(
                f,
                "Your session ended because renewing it was cut off before the answer arrived (the connection \
                 dropped or a tab closed). The sign-in service may already have replaced its key, and trying the \
                 old one again could get your access cancelled, so the app stopped. Log in again to continue."
            ),
        }
    }
}

/// The tabs of a session, from one tab's side. Every name is derived from the session's key.
pub trait Tabs {
    type Guard;
    type Flight;

    /// Waits until no tab of the session (this one included) is deciding or sending a refresh, and keeps them
    /// from starting until the guard is dropped.
    fn lock(&self, key: &SessionKey) -> impl Future<Output = Self::Guard>;

    /// Held while a refresh request is on the wire, so that another tab can tell a refresh that is still coming
    /// from one whose tab has closed.
    fn fly(&self, key: &SessionKey) -> impl Future<Output = Self::Flight>;

    /// Whether some tab of the session has a refresh on the wire right now.
    fn flying(&self, key: &SessionKey) -> impl Future<Output = bool>;

    /// The session's record, when one written with `key` is there.
    fn record(&self, key: &SessionKey) -> Option<Record>;

    /// Keeps `record` for every tab of the session, until `until_ms`.
    fn keep_record(&self, key: &SessionKey, record: &Record, until_ms: u64);

    /// The tokens at `version` or newer of the session `mine` belongs to, from whichever tab holds them, waiting a
    /// moment for an answer; `None` when no open tab has them.
    fn newest(&self, mine: &TokenSet, version: u64) -> impl Future<Output = Option<TokenSet>>;

    /// Tells every other tab of the session of its new tokens.
    fn publish(&self, tokens: &TokenSet);

    /// Ends the session of `key` in every tab, those that come back later included (a marker kept until
    /// `until_ms`), and says why; the session's record goes.
    fn ended(&self, key: &SessionKey, why: &SessionEnd, until_ms: u64);

    /// Why the session of `key` has ended, when a tab has said so.
    fn end_of(&self, key: &SessionKey) -> Option<SessionEnd>;

    /// This page's name in [`InFlight::tab`].
    fn tab(&self) -> &str;

    /// The quota pause the session's tabs keep, if any.
    fn quota(&self, _key: &SessionKey) -> Option<QuotaPause> {
        None
    }

    /// Keeps `pause` for every tab of the session.
    fn keep_quota(&self, _key: &SessionKey, _pause: &QuotaPause) {}

    /// Counts one Web API call made at `now_ms`, for every tab of the app.
    fn spent_call(&self, _now_ms: u64) {}
}

/// The quota pause as kept in localStorage, tagged like a record and kept until it ends.
pub fn seal_quota(key: &SessionKey, pause: &QuotaPause) -> String {
    tagged(key, "quota", pause.until_ms, pause.to_json())
}

/// The quota pause in `text`, when `key` wrote it.
pub fn open_quota(key: &SessionKey, text: &str) -> Option<QuotaPause> {
    json::from_str(&untagged(key, "quota", text)?)
}

/// A tab alone: one refresh at a time within the tab, nothing shared. For tests of the single-tab policy and for
/// browsers without the Web Locks API.
#[derive(Default)]
pub struct Alone {
    lock: Arc<futures::lock::Mutex<()>>,
}

impl Tabs for Alone {
    type Guard = futures::lock::OwnedMutexGuard<()>;
    type Flight = ();

    async fn lock(&self, _key: &SessionKey) -> Self::Guard {
        self.lock.clone().lock_owned().await
    }

    async fn fly(&self, _key: &SessionKey) {}

    async fn flying(&self, _key: &SessionKey) -> bool {
        false
    }

    fn record(&self, _key: &SessionKey) -> Option<Record> {
        None
    }

    fn keep_record(&self, _key: &SessionKey, _record: &Record, _until_ms: u64) {}

    async fn newest(&self, _mine: &TokenSet, _version: u64) -> Option<TokenSet> {
        None
    }

    fn publish(&self, _tokens: &TokenSet) {}

    fn ended(&self, _key: &SessionKey, _why: &SessionEnd, _until_ms: u64) {}

    fn end_of(&self, _key: &SessionKey) -> Option<SessionEnd> {
        None
    }

    fn tab(&self) -> &str {
        "alone"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth::{AccessToken, Grant, RefreshToken};

    fn key(byte: u8) -> SessionKey {
        SessionKey::from_bytes([byte; 32])
    }

    fn record() -> Record {
        Record {
            version: 3,
            refresh_fingerprint: key(1).fingerprint("r3"),
            in_flight: Some(InFlight {
                since_ms: 1_000,
                tab: "t".into(),
            }),
        }
    }

    fn tokens(version: u64, with: SessionKey) -> TokenSet {
        TokenSet {
            access_token: AccessToken::new(format!("a{version}")),
            refresh_token: Some(RefreshToken::new(format!("r{version}"))),
            expires_at_ms: 10,
            refresh_at_ms: 5,
            scopes: vec![],
            grant: Grant {
                id: "g".into(),
                version,
                ..Grant::default()
            },
            key: with,
        }
    }

    /// Guards against a record that another key could write, or that survives being altered: a forged grant
    /// record with a huge version once made every tab end its session.
    #[test]
    fn records_open_only_with_their_key_and_unaltered() {
        let sealed = record().seal(&key(1), 99);
        assert_eq!(Record::open(&key(1), &sealed), Some(record()));
        assert_eq!(Record::open(&key(2), &sealed), None);
        let forged = sealed.replace("\\\"version\\\":3", "\\\"version\\\":999");
        assert_ne!(forged, sealed, "the test alters the version");
        assert_eq!(Record::open(&key(1), &forged), None);
        let longer = sealed.replace("\"until\":99", "\"until\":999999");
        assert_eq!(
            Record::open(&key(1), &longer),
            None,
            "the time it is kept is covered too"
        );
        let unsigned = format!(
            r#"{{"until":99,"body":{},"tag":""}}"#,
            serde_json::to_string(&record().to_json()).unwrap()
        );
        assert_eq!(Record::open(&key(1), &unsigned), None);
        assert_eq!(Record::open(&key(1), "garbage"), None);
    }

    /// Guards against an end marker that names the user or the token, or that a script could write for a session
    /// it does not hold.
    #[test]
    fn end_markers_name_only_the_reason_and_open_only_with_their_key() {
        let marker = seal_end(&key(1), &SessionEnd::LoggedOut, 500);
        assert_eq!(open_end(&key(1), &marker), Some(SessionEnd::LoggedOut));
        assert_eq!(open_end(&key(2), &marker), None);
        let parsed: serde_json::Value = serde_json::from_str(&marker).unwrap();
        assert_eq!(parsed["body"], "logged-out");
        assert_eq!(parsed["until"], 500);
        let refused = seal_end(&key(1), &SessionEnd::Refused("invalid_client".into()), 1);
        assert_eq!(
            open_end(&key(1), &refused),
            Some(SessionEnd::Refused("invalid_client".into()))
        );
    }

    /// Guards against records and markers piling up: what has had its time, and what is not ours, may go; what
    /// is still in time stays.
    #[test]
    fn what_has_had_its_time_is_purged() {
        let sealed = record().seal(&key(1), 1_000);
        assert!(!expired(&sealed, 999));
        assert!(expired(&sealed, 1_000));
        assert!(
            expired(r#"{"version":3,"refresh":"x"}"#, 0),
            "the old, untagged form"
        );
        assert!(expired("", 0));
        assert!(!expired(&seal_end(&key(1), &SessionEnd::Revoked, 5), 4));
    }

    /// Guards against envelopes that are not what a sealed message can be getting as far as the cipher.
    #[test]
    fn envelopes_carry_a_nonce_and_at_least_a_tag() {
        let text = envelope([7; 12], &[1; 20]);
        assert_eq!(open_envelope(&text), Some(([7; 12], vec![1; 20])));
        assert_eq!(open_envelope(&envelope([7; 12], &[1; 15])), None);
        assert_eq!(open_envelope("not base64!"), None);
        assert_eq!(open_envelope(&"A".repeat(70_000)), None);
    }

    /// Guards against a tab taking tokens it should not: another grant's, an older version, or a copy under another
    /// key; and against ends and asks being misread.
    #[test]
    fn what_a_tab_does_with_what_it_hears() {
        let mine = tokens(2, key(1));
        let said = |t: &TokenSet| Message::Tokens {
            tokens: t.to_storage_json(),
        };
        assert!(
            matches!(heard(Some(&mine), said(&tokens(3, key(1)))), Heard::Adopt(t) if t.grant.version == 3)
        );
        assert!(matches!(
            heard(Some(&mine), said(&tokens(2, key(1)))),
            Heard::Nothing
        ));
        assert!(matches!(
            heard(Some(&mine), said(&tokens(1, key(1)))),
            Heard::Nothing
        ));
        assert!(matches!(
            heard(Some(&mine), said(&tokens(3, key(2)))),
            Heard::Nothing
        ));
        let mut other_grant = tokens(3, key(1));
        other_grant.grant.id = "h".into();
        assert!(matches!(
            heard(Some(&mine), said(&other_grant)),
            Heard::Nothing
        ));
        assert!(matches!(
            heard(None, said(&tokens(3, key(1)))),
            Heard::Nothing
        ));
        assert!(matches!(
            heard(Some(&mine), Message::Ask { version: 2 }),
            Heard::Answer
        ));
        assert!(matches!(
            heard(Some(&mine), Message::Ask { version: 3 }),
            Heard::Nothing
        ));
        assert!(matches!(
            heard(
                Some(&mine),
                Message::End {
                    why: "logged-out".into()
                }
            ),
            Heard::End(SessionEnd::LoggedOut)
        ));
        let message = Message::Ask { version: 4 };
        assert_eq!(Message::from_bytes(&message.to_bytes()), Some(message));
        assert_eq!(Message::from_bytes(b"{\"kind\":\"tokens\"}"), None);
        for message in [
            Message::Tokens {
                tokens: "{\"a\":1}".into(),
            },
            Message::End {
                why: "revoked".into(),
            },
        ] {
            assert_eq!(Message::from_bytes(&message.to_bytes()), Some(message));
        }
        assert_eq!(
            Message::Ask { version: 4 }.to_bytes(),
            b"{\"kind\":\"ask\",\"version\":4}"
        );
        for text in [
            &b"{\"kind\":\"ask\"}"[..],
            b"{\"kind\":\"end\",\"tokens\":\"t\"}",
            b"{\"kind\":\"ask\",\"version\":\"4\"}",
            b"{\"kind\":\"other\",\"why\":\"x\"}",
            b"{\"version\":4}",
            b"[\"ask\",4]",
            b"\xff",
        ] {
            assert_eq!(
                Message::from_bytes(text),
                None,
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    /// Guards against a script that sits on the refresh lock stalling the session for good, and against a tab
    /// taking the lock from one of the session's own refreshes while it is on the wire.
    #[test]
    fn the_lock_is_taken_only_from_a_holder_with_nothing_on_the_wire() {
        assert!(may_take_lock(None, 0));
        let settled = Record {
            in_flight: None,
            ..record()
        };
        assert!(may_take_lock(Some(&settled), 0));
        assert!(!may_take_lock(
            Some(&record()),
            1_000 + IN_FLIGHT_WAIT_MS - 1
        ));
        assert!(may_take_lock(Some(&record()), 1_000 + IN_FLIGHT_WAIT_MS));
    }

    /// Guards against a replayed (older), forged or removed record being left for a stale tab to trust, and
    /// against a tab overwriting a newer record with its older one.
    #[test]
    fn a_record_behind_the_tab_is_healed_and_a_newer_one_kept() {
        let mine = tokens(3, key(1));
        let settled = Record::settled(&mine).unwrap();
        assert_eq!(settled.version, 3);
        assert_eq!(settled.refresh_fingerprint, key(1).fingerprint("r3"));
        let older = Record {
            version: 2,
            ..settled.clone()
        }
        .seal(&key(1), 99);
        let newer = Record {
            version: 4,
            ..settled.clone()
        }
        .seal(&key(1), 99);
        let forged = Record {
            version: 9,
            ..settled.clone()
        }
        .seal(&key(2), 99);
        assert_eq!(Record::to_heal(&mine, Some(&older)), Some(settled.clone()));
        assert_eq!(Record::to_heal(&mine, Some(&forged)), Some(settled.clone()));
        assert_eq!(Record::to_heal(&mine, None), Some(settled));
        assert_eq!(Record::to_heal(&mine, Some(&newer)), None);
        let mut no_refresh = tokens(3, key(1));
        no_refresh.refresh_token = None;
        assert_eq!(Record::to_heal(&no_refresh, None), None);
    }

    /// Guards against an end read back as another, which would tell the user the wrong reason.
    #[test]
    fn ends_round_trip_through_their_codes() {
        for end in [
            SessionEnd::LoggedOut,
            SessionEnd::Revoked,
            SessionEnd::Expired,
            SessionEnd::Refused("invalid_client".into()),
            SessionEnd::NoRefreshToken,
            SessionEnd::Superseded,
            SessionEnd::Interrupted,
        ] {
            assert_eq!(SessionEnd::from_code(&end.to_code()), Some(end));
        }
    }
}
