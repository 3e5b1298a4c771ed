//! The core's [`Tabs`] in a browser. Every name is derived from the session's key ([`SessionKey::names`]):
//! - the Web Lock that makes refreshes one at a time across the session's tabs, and a second one held while a
//!   refresh is on the wire;
//! - the `BroadcastChannel` that carries new tokens, asks and ends between them, each message sealed with AES-GCM
//!   (WebCrypto) under a key derived from the session key;
//! - the session's record in localStorage (newest version, refresh in flight) and the marker its end leaves for
//!   the tabs that come back later, each carrying the session key's tag.
//!
//! A message that does not open, and a record or marker whose tag does not check, is dropped without effect. The
//! decisions are the core's (`session::tabs`); this file only translates. See docs/ARCHITECTURE.md.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures::future::{select, Either};
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{BroadcastChannel, MessageEvent};

use super::{crypto, random, sleep_ms, spawn, SessionTokens};
use crate::json::ToJson;
use crate::oauth::TokenSet;
use crate::session::key::{ENDED_PREFIX, QUOTA_PREFIX, RECORD_PREFIX};
use crate::session::tabs::{
    envelope, expired, heard, may_take_lock, open_end, open_envelope, open_quota, seal_end,
    seal_quota, Heard, Message, LOCK_PATIENCE_JITTER_MS, LOCK_PATIENCE_MS, MESSAGE_AAD,
};
use crate::session::{
    CallLog, Clock, QuotaPause, Record, SessionEnd, SessionKey, Tabs, TokenStore,
};

/// How long a tab with a stale copy waits for another tab to hand over the newest tokens.
const NEWEST_WAIT_MS: u32 = 1_500;
/// A tab answers asks at most this often, so that replayed asks cannot keep it busy.
const ANSWER_EVERY_MS: f64 = 500.0;
/// What records were called before they were bound to a session key; removed wherever found.
const LEGACY_RECORD_PREFIX: &str = "pkce-playlists:grant:";

#[wasm_bindgen]
extern "C" {
    /// `navigator.locks.request(name, options, callback)`: calls `callback` once the lock is granted (or, with
    /// `ifAvailable`, with `null` when it is not) and holds it until the promise `callback` returns settles.
    #[wasm_bindgen(js_namespace = ["navigator", "locks"], js_name = request, catch)]
    fn request_lock(name: &str, options: &Object, callback: &Function) -> Result<Promise, JsValue>;
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// Whether this browser has the Web Locks API (every current one does, in a secure context).
fn has_web_locks() -> bool {
    web_sys::window()
        .and_then(|w| Reflect::get(&w.navigator(), &"locks".into()).ok())
        .is_some_and(|locks| !locks.is_undefined())
}

type Listener<E> = Closure<dyn Fn(E)>;
type OnEnd = Rc<dyn Fn(SessionEnd)>;

thread_local! {
    /// The channel of the session this tab holds, by name.
    static CHANNEL: RefCell<Option<(String, BroadcastChannel)>> = const { RefCell::new(None) };
    static ON_MESSAGE: RefCell<Option<Listener<MessageEvent>>> = const { RefCell::new(None) };
    static ON_END: RefCell<Option<OnEnd>> = const { RefCell::new(None) };
    static LAST_ANSWER: Cell<f64> = const { Cell::new(f64::NEG_INFINITY) };
}

/// The channel of `key`'s session, opened (and the one of an earlier session closed) when needed, and listened to
/// once [`listen`] has been called.
fn channel(key: &SessionKey) -> Option<BroadcastChannel> {
    let name = key.names().channel;
    let channel = CHANNEL.with(|slot| {
        let mut slot = slot.borrow_mut();
        match slot.as_ref() {
            Some((open, channel)) if *open == name => Some(channel.clone()),
            _ => {
                if let Some((_, earlier)) = slot.take() {
                    earlier.close();
                }
                let channel = BroadcastChannel::new(&name).ok()?;
                *slot = Some((name, channel.clone()));
                Some(channel)
            }
        }
    })?;
    ON_MESSAGE.with(|handler| {
        if let Some(handler) = handler.borrow().as_ref() {
            channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        }
    });
    Some(channel)
}

/// Seals `message` with `key` and sends it to the session's other tabs.
fn post(key: &SessionKey, message: Message) {
    let Some(channel) = channel(key) else {
        return;
    };
    let sealing = key.sealing_key();
    spawn(async move {
        let Some(nonce) = random::bytes::<12>() else {
            return;
        };
        if let Some(sealed) = crypto::seal(&sealing, nonce, MESSAGE_AAD, &message.to_bytes()).await
        {
            let _ = channel.post_message(&JsValue::from_str(&envelope(nonce, &sealed)));
        }
    });
}

/// The browser's tabs of the session, seen from this one.
pub struct BrowserTabs {
    /// Within one tab when the browser has no Web Locks: one refresh at a time, nothing shared.
    alone: crate::session::Alone,
    /// This page's name in a record's refresh in flight (random, per page load).
    tab: String,
}

impl Default for BrowserTabs {
    fn default() -> Self {
        BrowserTabs {
            alone: Default::default(),
            tab: crate::base64url::encode(random::bytes::<12>().unwrap_or_default()),
        }
    }
}

/// Holds the lock of a session; dropping it lets the next tab (or call) refresh.
pub struct Guard {
    /// One refresh at a time within the tab: its own calls never contend for (or take) the Web Lock together.
    _here: futures::lock::OwnedMutexGuard<()>,
    /// One refresh at a time across the session's tabs.
    _everywhere: Option<WebLock>,
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

/// A lock request in flight. If the caller stops waiting (its page is gone, or it ran out of patience), the lock
/// is released as soon as it is granted, so no tab is ever left waiting on a lock that nobody holds for a purpose.
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

/// How a lock is asked for.
enum Ask {
    /// Waiting at most this long.
    Within(u32),
    /// Taken from whoever holds it.
    Steal,
}

/// `Some(lock)` once granted; `None` when the request was refused or ran out of patience.
async fn web_lock(name: &str, ask: Ask) -> Option<WebLock> {
    let options = Object::new();
    match ask {
        Ask::Within(ms) => {
            let signal = web_sys::AbortSignal::timeout_with_u32(ms);
            Reflect::set(&options, &"signal".into(), &signal).ok()?;
        }
        Ask::Steal => {
            Reflect::set(&options, &"steal".into(), &JsValue::TRUE).ok()?;
        }
    }
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
    let request = request_lock(name, &options, on_grant.unchecked_ref()).ok()?;
    // The request's own promise settles before the grant only when it is given up (its signal fired).
    match select(JsFuture::from(granted_promise), JsFuture::from(request)).await {
        Either::Left((Ok(_), _)) => {}
        _ => return None,
    }
    drop(pending);
    Some(WebLock { release })
}

/// The session's refresh lock, asked for with patience: when it is not granted in time and the record shows no
/// refresh of the session on the wire, whoever holds it is no tab of the session with a purpose (a script of the
/// origin that found its name, or a stuck tab), and the lock is taken from it. The patience varies by a random
/// part, so that two tabs kept waiting by one holder do not both take the lock at the same moment.
async fn web_lock_of(key: &SessionKey) -> Option<WebLock> {
    let name = key.names().lock;
    loop {
        let jitter = random::bytes::<2>().map_or(0, |b| u16::from_le_bytes(b) as u64)
            % LOCK_PATIENCE_JITTER_MS;
        let patience = (LOCK_PATIENCE_MS + jitter) as u32;
        if let Some(lock) = web_lock(&name, Ask::Within(patience)).await {
            return Some(lock);
        }
        let record = super::browser_tabs().record(key);
        if may_take_lock(record.as_ref(), now_ms()) {
            return web_lock(&name, Ask::Steal).await;
        }
    }
}

/// Whether any tab holds the lock `name` right now (asked without waiting, and let go at once).
async fn held(name: &str) -> bool {
    let options = Object::new();
    let _ = Reflect::set(&options, &"ifAvailable".into(), &JsValue::TRUE);
    let callback = Closure::once_into_js(|lock: JsValue| JsValue::from_bool(lock.is_null()));
    let Ok(promise) = request_lock(name, &options, callback.unchecked_ref()) else {
        return false;
    };
    JsFuture::from(promise)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

impl Tabs for BrowserTabs {
    type Guard = Guard;
    type Flight = Option<WebLock>;

    async fn lock(&self, key: &SessionKey) -> Guard {
        let here = self.alone.lock(key).await;
        let everywhere = if has_web_locks() {
            web_lock_of(key).await
        } else {
            None
        };
        Guard {
            _here: here,
            _everywhere: everywhere,
        }
    }

    async fn fly(&self, key: &SessionKey) -> Option<WebLock> {
        // Taken, not waited for: only the tab that holds the refresh lock asks for it, so whoever else holds it
        // is a script of the origin that found its name.
        if !has_web_locks() {
            return None;
        }
        web_lock(&key.names().flight, Ask::Steal).await
    }

    async fn flying(&self, key: &SessionKey) -> bool {
        has_web_locks() && held(&key.names().flight).await
    }

    fn record(&self, key: &SessionKey) -> Option<Record> {
        let text = local_storage()?.get_item(&key.names().record).ok()??;
        Record::open(key, &text)
    }

    fn keep_record(&self, key: &SessionKey, record: &Record, until_ms: u64) {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(&key.names().record, &record.seal(key, until_ms));
        }
    }

    async fn newest(&self, mine: &TokenSet, version: u64) -> Option<TokenSet> {
        let current = || {
            SessionTokens
                .load()
                .filter(|t| t.grant.id == mine.grant.id && t.grant.version >= version)
        };
        if let Some(tokens) = current() {
            return Some(tokens);
        }
        post(&mine.key, Message::Ask { version });
        for _ in 0..NEWEST_WAIT_MS / 50 {
            sleep_ms(50).await;
            if let Some(tokens) = current() {
                return Some(tokens);
            }
        }
        None
    }

    fn publish(&self, tokens: &TokenSet) {
        post(
            &tokens.key,
            Message::Tokens {
                tokens: tokens.to_storage_json(),
            },
        );
    }

    fn ended(&self, key: &SessionKey, why: &SessionEnd, until_ms: u64) {
        let names = key.names();
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(&names.ended, &seal_end(key, why, until_ms));
            let _ = storage.remove_item(&names.record);
        }
        post(key, Message::End { why: why.to_code() });
    }

    fn end_of(&self, key: &SessionKey) -> Option<SessionEnd> {
        let text = local_storage()?.get_item(&key.names().ended).ok()??;
        open_end(key, &text)
    }

    fn tab(&self) -> &str {
        &self.tab
    }

    fn quota(&self, key: &SessionKey) -> Option<QuotaPause> {
        let text = local_storage()?.get_item(&key.names().quota).ok()??;
        open_quota(key, &text)
    }

    fn keep_quota(&self, key: &SessionKey, pause: &QuotaPause) {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(&key.names().quota, &seal_quota(key, pause));
        }
    }

    fn spent_call(&self, now_ms: u64) {
        let Some(storage) = local_storage() else {
            return;
        };
        let mut log = CallLog::read(
            &storage
                .get_item(CALLS_KEY)
                .ok()
                .flatten()
                .unwrap_or_default(),
        );
        log.record(now_ms);
        let _ = storage.set_item(CALLS_KEY, &log.to_json());
    }
}

/// Where the app's own Web API calls of the last 24 hours are counted, for every tab of the origin. Two tabs
/// writing at the same moment may lose a count: it is what the app knows, not Spotify's figure.
const CALLS_KEY: &str = "pkce-playlists:calls";

/// The Web API calls this browser's tabs of the app made in the last 24 hours.
pub fn calls_today() -> u32 {
    local_storage()
        .and_then(|s| s.get_item(CALLS_KEY).ok().flatten())
        .map_or(0, |text| CallLog::read(&text).count(now_ms()))
}

/// Removes what no session can use any more: records and end markers whose time is up (or that are not ours),
/// and records in the form they had before they were bound to a session key.
pub fn purge() {
    let Some(storage) = local_storage() else {
        return;
    };
    let now = now_ms();
    let count = storage.length().unwrap_or(0);
    let keys: Vec<String> = (0..count)
        .filter_map(|i| storage.key(i).ok().flatten())
        .collect();
    for key in keys {
        let stale = if key.starts_with(LEGACY_RECORD_PREFIX) {
            true
        } else if [RECORD_PREFIX, ENDED_PREFIX, QUOTA_PREFIX]
            .iter()
            .any(|prefix| key.starts_with(prefix))
        {
            storage
                .get_item(&key)
                .ok()
                .flatten()
                .is_none_or(|value| expired(&value, now))
        } else {
            false
        };
        if stale {
            let _ = storage.remove_item(&key);
        }
    }
}

/// Ends this tab's session, when another tab has said it ended.
fn end_here(why: SessionEnd) {
    SessionTokens.clear();
    if let Some(on_end) = ON_END.with(|slot| slot.borrow().clone()) {
        on_end(why);
    }
}

/// Why this tab's session has ended in another tab, when it has: the check made at start, when the page comes
/// back from the back/forward cache, and before every use of a token (by the core).
pub fn ended_elsewhere() -> Option<SessionEnd> {
    let tokens = SessionTokens.load()?;
    super::browser_tabs().end_of(&tokens.key)
}

/// What a message that opened means to this tab, acted on.
fn act_on(message: Message) {
    let mine = SessionTokens.load();
    match heard(mine.as_ref(), message) {
        Heard::Adopt(tokens) => {
            let _ = SessionTokens.save(&tokens);
        }
        Heard::Answer => {
            let now = js_sys::Date::now();
            let due = LAST_ANSWER.with(|last| {
                let due = now - last.get() >= ANSWER_EVERY_MS;
                if due {
                    last.set(now);
                }
                due
            });
            if let (true, Some(mine)) = (due, mine) {
                post(
                    &mine.key,
                    Message::Tokens {
                        tokens: mine.to_storage_json(),
                    },
                );
            }
        }
        Heard::End(why) => {
            // The marker is there too, unless storage is blocked; either way this tab is done.
            end_here(why);
        }
        Heard::Nothing => {}
    }
}

/// A record written by something else than the session's tabs (replayed, altered, removed) while this tab holds
/// a newer version: the tab writes the newest again, so that a stale tab is never led to spend a token.
fn heal_record(written: Option<String>) {
    let Some(mine) = SessionTokens.load() else {
        return;
    };
    let tabs = super::browser_tabs();
    if tabs.end_of(&mine.key).is_some() {
        return;
    }
    if let Some(record) = Record::to_heal(&mine, written.as_deref()) {
        let until = crate::session::kept_until(&mine.grant, super::BrowserClock.now_ms());
        tabs.keep_record(&mine.key, &record, until);
    }
}

thread_local! {
    static ON_STORAGE: RefCell<Option<Listener<web_sys::StorageEvent>>> = const { RefCell::new(None) };
    static ON_PAGESHOW: RefCell<Option<Listener<web_sys::PageTransitionEvent>>> = const { RefCell::new(None) };
}

/// Listens to the session's other tabs for as long as the page lives: keeps this tab's copy of the tokens up to
/// date, hands them to a tab that asks, and calls `on_end` when the session ends in another tab (after the tokens
/// are gone), whether this tab hears it on the channel, sees its marker written, or comes back from the
/// back/forward cache to find it. Once per page; also removes what no session can use any more.
pub fn listen(on_end: impl Fn(SessionEnd) + 'static) {
    purge();
    ON_END.with(|slot| *slot.borrow_mut() = Some(Rc::new(on_end)));
    let on_message = Closure::<dyn Fn(MessageEvent)>::new(|event: MessageEvent| {
        let Some((nonce, sealed)) = event.data().as_string().as_deref().and_then(open_envelope)
        else {
            return;
        };
        let Some(key) = SessionTokens.load().map(|t| t.key) else {
            return;
        };
        spawn(async move {
            let opened = crypto::open(&key.sealing_key(), nonce, MESSAGE_AAD, &sealed).await;
            if let Some(message) = opened.as_deref().and_then(Message::from_bytes) {
                // Only if the tab still holds the session the message was opened with.
                let same = SessionTokens
                    .load()
                    .is_some_and(|t| t.key.names() == key.names());
                if same {
                    act_on(message);
                }
            }
        });
    });
    ON_MESSAGE.with(|slot| *slot.borrow_mut() = Some(on_message));
    if let Some(tokens) = SessionTokens.load() {
        let _ = channel(&tokens.key);
    }
    let Some(window) = web_sys::window() else {
        return;
    };
    let on_storage =
        Closure::<dyn Fn(web_sys::StorageEvent)>::new(|event: web_sys::StorageEvent| {
            let (Some(changed), Some(mine)) = (event.key(), SessionTokens.load()) else {
                return;
            };
            let names = mine.key.names();
            if changed == names.ended {
                if let Some(why) = event
                    .new_value()
                    .and_then(|text| open_end(&mine.key, &text))
                {
                    end_here(why);
                }
            } else if changed == names.record {
                heal_record(event.new_value());
            }
        });
    let _ = window.add_event_listener_with_callback("storage", on_storage.as_ref().unchecked_ref());
    ON_STORAGE.with(|slot| *slot.borrow_mut() = Some(on_storage));
    let on_pageshow = Closure::<dyn Fn(web_sys::PageTransitionEvent)>::new(
        |event: web_sys::PageTransitionEvent| {
            if event.persisted() {
                if let Some(why) = ended_elsewhere() {
                    end_here(why);
                }
            }
        },
    );
    let _ =
        window.add_event_listener_with_callback("pageshow", on_pageshow.as_ref().unchecked_ref());
    ON_PAGESHOW.with(|slot| *slot.borrow_mut() = Some(on_pageshow));
}

/// Opens this tab's channel to the session it now holds (after a login).
pub fn join() {
    if let Some(tokens) = SessionTokens.load() {
        let _ = channel(&tokens.key);
    }
}
