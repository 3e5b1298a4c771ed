//! The core's [`Tabs`] in a browser: the Web Locks API for "one refresh at a time, across every tab", a
//! `BroadcastChannel` that carries new tokens (and the end of a session) to the other tabs, and a small
//! non-secret record per grant in localStorage (its newest version and a fingerprint of that version's refresh
//! token) that tells a tab whether its copy is stale.
//!
//! Tokens only ever travel over the channel, in memory, between tabs of the same origin; localStorage never
//! holds a token. See docs/ARCHITECTURE.md for why this design.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use js_sys::{Function, Promise, Reflect};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BroadcastChannel, MessageEvent};

use super::{sleep_ms, SessionTokens};
use crate::oauth::TokenSet;
use crate::session::{fingerprint, Published, SessionEnd, Tabs, TokenStore};

/// The channel and lock names, and the localStorage prefix: all under the app's namespace.
const CHANNEL: &str = "pkce-playlists";
const LOCK_PREFIX: &str = "pkce-playlists:refresh:";
const RECORD_PREFIX: &str = "pkce-playlists:grant:";
/// `grant` of an end that applies to every tab of the app (log out).
const EVERY_GRANT: &str = "*";
/// How long a tab with a stale copy waits for another tab to hand over the newest tokens.
const NEWEST_WAIT_MS: u32 = 1_500;

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks.request(name, callback)`: calls `callback` once the lock is granted and holds it until the
    /// promise `callback` returns settles.
    #[wasm_bindgen(js_namespace = ["navigator", "locks"], js_name = request, catch)]
    fn request_lock(name: &str, callback: &Function) -> Result<Promise, JsValue>;
}

/// What travels on the channel.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum Message {
    /// New tokens of a grant (their storage JSON, which names the grant and its version).
    Tokens { tokens: String },
    /// A tab with a stale copy asks for the tokens of `grant` at `version`.
    Ask { grant: String, version: u64 },
    /// The session of `grant` (or of every grant: `*`) has ended.
    End { grant: String, why: String },
}

#[derive(Serialize, Deserialize)]
struct Record {
    version: u64,
    refresh: String,
}

thread_local! {
    static CHANNEL_HANDLE: Option<BroadcastChannel> = BroadcastChannel::new(CHANNEL).ok();
}

fn post(message: &Message) {
    if let Ok(json) = serde_json::to_string(message) {
        CHANNEL_HANDLE.with(|channel| {
            if let Some(channel) = channel {
                let _ = channel.post_message(&JsValue::from_str(&json));
            }
        });
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn record_key(grant: &str) -> String {
    format!("{RECORD_PREFIX}{grant}")
}

/// Whether this browser has the Web Locks API (every current one does, in a secure context).
fn has_web_locks() -> bool {
    web_sys::window()
        .and_then(|w| Reflect::get(&w.navigator(), &"locks".into()).ok())
        .is_some_and(|locks| !locks.is_undefined())
}

/// The browser's tabs of the app, seen from this one.
#[derive(Default)]
pub struct BrowserTabs {
    /// Within one tab when the browser has no Web Locks: one refresh at a time, nothing shared.
    alone: crate::session::Alone,
}

/// Holds the lock of a grant; dropping it lets the next tab (or call) refresh.
pub enum Guard {
    Web(WebLock),
    Alone(futures::lock::OwnedMutexGuard<()>),
}

/// A Web Lock held until this is dropped.
pub struct WebLock {
    release: Option<Function>,
}

impl Drop for WebLock {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            let _ = release.call0(&JsValue::NULL);
        }
    }
}

/// A lock request in flight. If the caller stops waiting (its page is gone), the lock is released as soon as
/// it is granted, so no tab is ever left waiting on a lock that nobody holds for a purpose.
struct Pending {
    abandoned: Rc<Cell<bool>>,
    granted: Rc<Cell<bool>>,
}

impl Drop for Pending {
    fn drop(&mut self) {
        if !self.granted.get() {
            self.abandoned.set(true);
        }
    }
}

async fn web_lock(name: &str) -> Option<WebLock> {
    let mut resolve_granted = None;
    let granted_promise = Promise::new(&mut |resolve, _| resolve_granted = Some(resolve));
    let mut release = None;
    let held = Promise::new(&mut |resolve, _| release = Some(resolve));
    let pending = Pending {
        abandoned: Rc::default(),
        granted: Rc::default(),
    };
    let (abandoned, granted) = (pending.abandoned.clone(), pending.granted.clone());
    let resolve_granted = resolve_granted?;
    let on_grant = Closure::once_into_js(move |_lock: JsValue| -> JsValue {
        if abandoned.get() {
            return Promise::resolve(&JsValue::UNDEFINED).into();
        }
        granted.set(true);
        let _ = resolve_granted.call0(&JsValue::NULL);
        held.into()
    });
    let _released = request_lock(name, on_grant.unchecked_ref()).ok()?;
    JsFuture::from(granted_promise).await.ok()?;
    drop(pending);
    Some(WebLock { release })
}

impl Tabs for BrowserTabs {
    type Guard = Guard;

    async fn lock(&self, grant: &str) -> Guard {
        if has_web_locks() {
            if let Some(lock) = web_lock(&format!("{LOCK_PREFIX}{grant}")).await {
                return Guard::Web(lock);
            }
        }
        Guard::Alone(self.alone.lock(grant).await)
    }

    fn published(&self, grant: &str) -> Option<Published> {
        let json = local_storage()?.get_item(&record_key(grant)).ok()??;
        let record: Record = serde_json::from_str(&json).ok()?;
        Some(Published {
            version: record.version,
            refresh_fingerprint: record.refresh,
        })
    }

    async fn newest(&self, grant: &str, version: u64) -> Option<TokenSet> {
        let current = || {
            SessionTokens
                .load()
                .filter(|t| t.grant.id == grant && t.grant.version >= version)
        };
        if let Some(tokens) = current() {
            return Some(tokens);
        }
        post(&Message::Ask {
            grant: grant.to_owned(),
            version,
        });
        for _ in 0..NEWEST_WAIT_MS / 50 {
            sleep_ms(50).await;
            if let Some(tokens) = current() {
                return Some(tokens);
            }
        }
        None
    }

    fn publish(&self, tokens: &TokenSet) {
        if let (Some(storage), Some(refresh)) = (local_storage(), &tokens.refresh_token) {
            let record = Record {
                version: tokens.grant.version,
                refresh: fingerprint(refresh),
            };
            if let Ok(json) = serde_json::to_string(&record) {
                let _ = storage.set_item(&record_key(&tokens.grant.id), &json);
            }
        }
        post(&Message::Tokens {
            tokens: tokens.to_storage_json(),
        });
    }

    fn ended(&self, grant: &str, why: &SessionEnd) {
        if let Some(storage) = local_storage() {
            let _ = storage.remove_item(&record_key(grant));
        }
        post(&Message::End {
            grant: grant.to_owned(),
            why: why.to_code(),
        });
    }
}

/// Tells every tab of the app that the user logged out.
pub fn log_out_everywhere() {
    if let Some(grant) = SessionTokens.load().map(|t| t.grant.id) {
        if let Some(storage) = local_storage() {
            let _ = storage.remove_item(&record_key(&grant));
        }
    }
    post(&Message::End {
        grant: EVERY_GRANT.to_owned(),
        why: SessionEnd::LoggedOut.to_code(),
    });
}

type Listener = Closure<dyn Fn(MessageEvent)>;

thread_local! {
    static LISTENER: RefCell<Option<Listener>> = const { RefCell::new(None) };
}

/// Listens to the other tabs for as long as the page lives: keeps this tab's copy of its grant's tokens up to
/// date, hands them to a tab that asks, and calls `on_end` when the session of this tab's grant ends in another
/// tab (after the tokens are gone).
pub fn listen(on_end: impl Fn(SessionEnd) + 'static) {
    let handler = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        let Some(json) = event.data().as_string() else {
            return;
        };
        let Ok(message) = serde_json::from_str::<Message>(&json) else {
            return;
        };
        let mine = SessionTokens.load();
        match message {
            Message::Tokens { tokens } => {
                let Some(incoming) = TokenSet::from_storage_json(&tokens) else {
                    return;
                };
                let newer = mine.is_some_and(|mine| {
                    mine.grant.id == incoming.grant.id
                        && incoming.grant.version > mine.grant.version
                });
                if newer {
                    let _ = SessionTokens.save(&incoming);
                }
            }
            Message::Ask { grant, version } => {
                if let Some(mine) =
                    mine.filter(|t| t.grant.id == grant && t.grant.version >= version)
                {
                    post(&Message::Tokens {
                        tokens: mine.to_storage_json(),
                    });
                }
            }
            Message::End { grant, why } => {
                let ours = mine.is_some_and(|t| grant == EVERY_GRANT || t.grant.id == grant);
                if ours {
                    SessionTokens.clear();
                    on_end(SessionEnd::from_code(&why).unwrap_or(SessionEnd::Revoked));
                }
            }
        }
    });
    CHANNEL_HANDLE.with(|channel| {
        if let Some(channel) = channel {
            channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        }
    });
    LISTENER.with(|slot| *slot.borrow_mut() = Some(handler));
}
