//! A signed-in session over an abstract transport: the code exchange, refreshing (one refresh at a time across
//! every tab of the grant), and authenticated Web API reads that wait out the app's one pause, retry what may
//! pass, and refresh once on a 401.
//!
//! The HTTP client, the token store, the clock and the other tabs are the caller's (traits below and in
//! [`tabs`]), so this policy runs and is tested on the host with fakes; the browser supplies fetch,
//! sessionStorage, timers, Web Locks and `BroadcastChannel`.

pub mod copy;
pub mod everything;
pub mod key;
pub mod quota;
pub mod retry;
pub mod tabs;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::future::Future;
use std::ops::ControlFlow;

use crate::json::FromJson;
use futures::stream::{self, StreamExt as _};

use crate::config::{AppConfig, Paging, PAGES_IN_FLIGHT};
use crate::http::TransportError;
use crate::http::{HttpRequest, Transport};
use crate::oauth::{
    parse_token_response, AccessToken, AuthorizationCode, ErrorCode, Grant, PendingLogin,
    RefreshToken, Rotation, TokenError, TokenRequest, TokenSet,
};
use crate::spotify::paging::{
    liked_songs_url, me_url, my_playlists_url, playlist_items_url, playlist_url, ITEMS_PAGE_LIMIT,
    MAX_LIBRARY_SIZE, PLAYLISTS_PAGE_LIMIT,
};
use crate::spotify::{
    check_api_response, read_api_json, ApiError, Page, Playlist, PlaylistEntry, PlaylistId, User,
};

pub use key::SessionKey;
pub use quota::{CallLog, QuotaPause};
pub use retry::{Pacer, Pause, PauseReason};
pub use tabs::{Alone, InFlight, Record, SessionEnd, Tabs};

/// How long after the authorization a refresh token is taken to have expired rather than been revoked when the
/// provider refuses it without saying which: Spotify's refresh tokens last six months. A day less, for clocks.
pub const REFRESH_TOKEN_LIFETIME_MS: u64 = (183 - 1) * 24 * 60 * 60 * 1000;

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// How long before the end of a sign-in the user is warned, and offered to sign in again.
pub const SIGN_IN_WARNING_MS: u64 = 7 * DAY_MS;

/// When the sign-in of `grant` ends: Spotify refuses a refresh token six months after the authorization (a day
/// early here, for clocks). `None` when the authorization time is unknown.
pub fn sign_in_ends_at(grant: &Grant) -> Option<u64> {
    (grant.authorized_at_ms > 0).then(|| grant.authorized_at_ms + REFRESH_TOKEN_LIFETIME_MS)
}

/// Whether a sign-in that ends at `ends_at_ms` is in its last week at `now_ms`.
pub fn sign_in_ends_soon(ends_at_ms: u64, now_ms: u64) -> bool {
    now_ms.saturating_add(SIGN_IN_WARNING_MS) >= ends_at_ms
}

/// The scope that lets the app read the user's Liked Songs (`GET /me/tracks`).
pub const LIKED_SONGS_SCOPE: &str = "user-library-read";

/// Until when what a session leaves in localStorage (its record, the marker of its end) is kept: as long as a tab
/// could come back holding a refresh token of it (a day past Spotify's six months), and at least a week.
pub fn kept_until(grant: &Grant, now_ms: u64) -> u64 {
    let lifetime = grant
        .authorized_at_ms
        .saturating_add(REFRESH_TOKEN_LIFETIME_MS + 2 * DAY_MS);
    lifetime.max(now_ms.saturating_add(7 * DAY_MS))
}

/// Whether the answer to a refresh says for sure that the refresh token was not used up: the provider refused it
/// (a 4xx: nothing was issued), or the request never left. A lost answer, a time-out, a 5xx or a success that
/// could not be read may each have come after the provider replaced it.
fn settled_unspent(result: &Result<TokenSet, TokenError>) -> bool {
    match result {
        Err(TokenError::OAuth { status, .. } | TokenError::NotJson { status }) => {
            (400..500).contains(status)
        }
        Err(TokenError::Network(TransportError::NotSent)) => true,
        _ => false,
    }
}

/// Why the tokens could not be kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// The browser offers no storage (blocked by settings or a sandboxed frame).
    Unavailable,
    /// The browser refused the write (quota).
    Refused,
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Unavailable => write!(
                f,
                "This browser does not let the app keep your session (session storage is blocked). Allow site \
                 data for this page and log in again."
            ),
            StoreError::Refused => write!(
                f,
                "The browser refused to save your session (storage is full). It will end when this page is \
                 reloaded; free some space and log in again to keep it."
            ),
        }
    }
}

impl std::error::Error for StoreError {}

/// Keeps the session's tokens.
pub trait TokenStore {
    fn load(&self) -> Option<TokenSet>;
    /// Keeps `tokens`. An error says they could not be kept for good (they may still be held in memory).
    fn save(&self, tokens: &TokenSet) -> Result<(), StoreError>;
    fn clear(&self);
}

/// Time, as the session needs it.
pub trait Clock {
    /// Milliseconds since the Unix epoch.
    fn now_ms(&self) -> u64;
    /// Resolves after `ms` milliseconds.
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
    /// A random fraction in `[0, 1)`, to spread retries out in time (backoff jitter).
    fn jitter(&self) -> f64;
    /// Lets the page show what it has just been handed before more work starts (in a browser: until the next frame
    /// has been painted, so that sending more requests does not hold the first rows off the screen). Nothing to
    /// wait for by default.
    fn yield_to_page(&self) -> impl Future<Output = ()> {
        std::future::ready(())
    }
}

/// Why an authenticated call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// There are no tokens: the user has to log in.
    SignedOut,
    /// The access token has run out and the provider gave no refresh token to renew it with: the tokens were
    /// removed and the user has to log in again.
    NoRefreshToken,
    /// The session is over for good (the provider refused the refresh token, or it was renewed in a tab that has
    /// closed): the tokens were removed and the user has to log in again.
    Ended(SessionEnd),
    /// Refreshing failed for a reason that may pass (network, 5xx); the tokens are kept.
    Refresh(TokenError),
    /// Renewed tokens could not be saved: the session lasts only as long as this page.
    Storage(StoreError),
    /// The Web API call failed.
    Api(ApiError),
    /// The app's daily quota of Web API calls is spent: no call is made until it frees up.
    Quota(QuotaPause),
}

impl SessionError {
    /// Whether the way forward is to log in again (rather than to try again).
    pub fn needs_login(&self) -> bool {
        matches!(
            self,
            SessionError::SignedOut
                | SessionError::NoRefreshToken
                | SessionError::Ended(_)
                | SessionError::Api(ApiError::Unauthorized(_))
        )
    }

    /// Why the session ended, when it did.
    pub fn end(&self) -> Option<SessionEnd> {
        match self {
            SessionError::NoRefreshToken => Some(SessionEnd::NoRefreshToken),
            SessionError::Ended(end) => Some(end.clone()),
            _ => None,
        }
    }

    /// A stable name for the failure, for the page's `data-error` hook.
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::SignedOut => "signed-out",
            SessionError::NoRefreshToken => "no-refresh-token",
            SessionError::Ended(_) => "session-ended",
            SessionError::Refresh(_) => "refresh",
            SessionError::Storage(_) => "storage",
            SessionError::Api(e) => e.code(),
            SessionError::Quota(_) => "quota-exceeded",
        }
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::SignedOut => write!(f, "You are not signed in."),
            SessionError::NoRefreshToken => SessionEnd::NoRefreshToken.fmt(f),
            SessionError::Ended(end) => end.fmt(f),
            SessionError::Refresh(e) => write!(f, "Could not renew your session. {e}"),
            SessionError::Storage(e) => e.fmt(f),
            SessionError::Api(e) => e.fmt(f),
            SessionError::Quota(pause) => pause.fmt(f),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<ApiError> for SessionError {
    fn from(e: ApiError) -> Self {
        SessionError::Api(e)
    }
}

/// Why a code exchange gave no session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExchangeError {
    Token(TokenError),
    Store(StoreError),
}

/// Why the provider's refusal of a refresh token ends the session, in the user's terms.
pub fn end_of(
    error: &ErrorCode,
    description: Option<&str>,
    grant: &Grant,
    now_ms: u64,
) -> SessionEnd {
    match error {
        ErrorCode::InvalidGrant => {
            let says_expired =
                description.is_some_and(|d| d.to_ascii_lowercase().contains("expired"));
            let old = grant.authorized_at_ms > 0
                && now_ms.saturating_sub(grant.authorized_at_ms) >= REFRESH_TOKEN_LIFETIME_MS;
            if says_expired || old {
                SessionEnd::Expired
            } else {
                SessionEnd::Revoked
            }
        }
        other => SessionEnd::Refused(other.as_str().to_owned()),
    }
}

/// Where a paged read stands, so that a read that failed resumes where it stopped instead of starting over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    /// What the first page said the list holds; `None` until it has been read.
    pub total: Option<u32>,
    /// The offset of the first page not yet handed on.
    pub next_offset: u32,
    /// The `next` link of the last page handed on (for sequential reading).
    pub next_url: Option<String>,
    /// Whether the read reached the end.
    pub done: bool,
}

/// Why a read stopped before the end of the list.
enum Stop {
    /// The list shrank while it was read: a page came back empty.
    Shrank,
    /// `on_page` said to stop.
    Told,
}

/// Hands `page` on, unless it is empty (the list shrank).
fn hand_on<I>(
    page: Page<I>,
    on_page: &mut impl FnMut(Page<I>) -> ControlFlow<()>,
) -> ControlFlow<Stop> {
    if page.items.is_empty() && page.skipped == 0 {
        return ControlFlow::Break(Stop::Shrank);
    }
    match on_page(page) {
        ControlFlow::Continue(()) => ControlFlow::Continue(()),
        ControlFlow::Break(()) => ControlFlow::Break(Stop::Told),
    }
}

/// A read of the library: where it stands, and which playlists it has handed on (a shifting library may list
/// one twice).
#[derive(Debug, Clone, Default)]
pub struct LibraryRead {
    pub cursor: Cursor,
    seen: HashSet<PlaylistId>,
}

/// How often a tab looks whether the refresh another tab has on the wire has been published.
const IN_FLIGHT_POLL_MS: u64 = 250;

pub struct Session<'a, T, S, C, B> {
    pub config: &'a AppConfig,
    pub transport: &'a T,
    pub store: &'a S,
    pub clock: &'a C,
    /// The app's other tabs; also the lock that makes refreshes one at a time.
    pub tabs: &'a B,
    /// The app's one pause, shared by every session of the tab.
    pub pacer: &'a Pacer,
}

impl<T: Transport, S: TokenStore, C: Clock, B: Tabs> Session<'_, T, S, C, B> {
    async fn token_call(
        &self,
        request: TokenRequest,
        previous: Option<RefreshToken>,
        key: SessionKey,
    ) -> Result<TokenSet, TokenError> {
        let response = self
            .transport
            .send(HttpRequest::PostForm {
                url: self.config.token_endpoint.clone(),
                body: request.body().to_owned(),
            })
            .await
            .map_err(TokenError::Network)?;
        parse_token_response(
            response.status,
            &response.body,
            self.clock.now_ms(),
            previous,
            key,
        )
    }

    /// Exchanges the code from the callback for tokens and keeps them with `key`, the new session's own secret
    /// (256 random bits). Spends the code and the pending login.
    pub async fn exchange_code(
        &self,
        code: AuthorizationCode,
        login: PendingLogin,
        key: SessionKey,
    ) -> Result<TokenSet, ExchangeError> {
        let grant = Grant {
            id: login.grant_id(),
            version: 0,
            authorized_at_ms: self.clock.now_ms(),
            rotation: Rotation::Unknown,
        };
        let request = TokenRequest::authorization_code(code, login, &self.config.client_id);
        let mut tokens = self
            .token_call(request, None, key)
            .await
            .map_err(ExchangeError::Token)?;
        tokens.grant = grant;
        self.store.save(&tokens).map_err(ExchangeError::Store)?;
        Ok(tokens)
    }

    /// Asks the provider to revoke `tokens`' grant (RFC 7009), when it has a revocation endpoint: best effort, for
    /// log out, which never waits for it. Whatever the answer, the caller has already forgotten the tokens.
    pub async fn revoke(&self, tokens: &TokenSet) {
        let (Some(endpoint), Some(refresh_token)) =
            (&self.config.revocation_endpoint, &tokens.refresh_token)
        else {
            return;
        };
        let request = TokenRequest::revoke(refresh_token, &self.config.client_id);
        let _ = self
            .transport
            .send(HttpRequest::PostForm {
                url: endpoint.clone(),
                body: request.body().to_owned(),
            })
            .await;
    }

    /// This tab's tokens, unless their session has ended in another tab meanwhile (then they are forgotten).
    /// Called before every use of a token, so that a tab that comes back after a log out elsewhere (from another
    /// site, the back/forward cache, a discarded or restored tab) uses nothing of the session.
    pub fn current(&self) -> Result<TokenSet, SessionError> {
        let tokens = self.store.load().ok_or(SessionError::SignedOut)?;
        if let Some(why) = self.tabs.end_of(&tokens.key) {
            self.store.clear();
            return Err(SessionError::Ended(why));
        }
        Ok(tokens)
    }

    /// Ends the session in this tab and in every other, those that come back later included.
    pub fn end_everywhere(&self, tokens: &TokenSet, why: SessionEnd) -> SessionError {
        self.store.clear();
        let until = kept_until(&tokens.grant, self.clock.now_ms());
        self.tabs.ended(&tokens.key, &why, until);
        SessionError::Ended(why)
    }

    /// Whether a refresh whose answer was lost may be sent again: only when the provider keeps refresh tokens
    /// (seen, or said by the configuration when nothing was seen yet).
    fn may_resend(&self, grant: &Grant) -> bool {
        match grant.rotation {
            Rotation::Keeps => true,
            Rotation::Rotates => false,
            Rotation::Unknown => self.config.rotates_refresh_tokens == Some(false),
        }
    }

    /// Waits for the refresh that another tab has on the wire to be published, until `deadline_ms`; the tokens it
    /// brought, when it did.
    async fn await_other_refresh(&self, mine: &TokenSet, deadline_ms: u64) -> Option<TokenSet> {
        while self.clock.now_ms() < deadline_ms {
            self.clock.sleep(IN_FLIGHT_POLL_MS).await;
            let newest = self.tabs.record(&mine.key)?;
            if newest.version > mine.grant.version {
                return self.tabs.newest(mine, newest.version).await;
            }
            // Settled without new tokens (the other tab was refused): this one may try.
            newest.in_flight.as_ref()?;
        }
        None
    }

    /// Trades the refresh token for new tokens and keeps them, one refresh at a time across every tab of the
    /// session. A caller that waited while another tab or call refreshed takes that refresh's tokens. `rejected`
    /// is the access token the API has just refused, when a 401 is why; otherwise the tokens are about to expire.
    ///
    /// Never presents a refresh token that another tab has already spent, nor, with a provider that rotates them,
    /// one whose refresh was sent and never answered. When the provider refuses the refresh token for good, the
    /// session ends in every tab. When the user logged out while the request was out, the new tokens are dropped.
    async fn refresh(&self, rejected: Option<&AccessToken>) -> Result<TokenSet, SessionError> {
        let first = self.current()?;
        let _one_at_a_time = self.tabs.lock(&first.key).await;
        let mut tokens = self.current()?;
        if tokens.grant.id != first.grant.id {
            return Ok(tokens);
        }
        let record = self.tabs.record(&tokens.key);
        if let Some(newest) = record.as_ref().filter(|r| r.version > tokens.grant.version) {
            if let Some(newer) = self.tabs.newest(&tokens, newest.version).await {
                self.store.save(&newer).map_err(SessionError::Storage)?;
                tokens = newer;
            }
        }
        let renewed_meanwhile = match rejected {
            Some(rejected) => tokens.access_token.secret() != rejected.secret(),
            None => !tokens.needs_refresh(self.clock.now_ms()),
        };
        if renewed_meanwhile {
            return Ok(tokens);
        }
        let Some(refresh_token) = tokens.refresh_token.clone() else {
            return Err(
                match self.end_everywhere(&tokens, SessionEnd::NoRefreshToken) {
                    SessionError::Ended(_) => SessionError::NoRefreshToken,
                    other => other,
                },
            );
        };
        let fingerprint = tokens.key.fingerprint(refresh_token.secret());
        if let Some(newest) = &record {
            let spent_elsewhere =
                newest.version > tokens.grant.version && newest.refresh_fingerprint != fingerprint;
            if spent_elsewhere {
                // Presenting it would be a reuse, which a provider may answer by revoking the grant for every tab.
                self.store.clear();
                return Err(SessionError::Ended(SessionEnd::Superseded));
            }
            let unsettled = newest
                .in_flight
                .as_ref()
                .filter(|_| newest.refresh_fingerprint == fingerprint);
            if let Some(flight) = unsettled {
                if !self.may_resend(&tokens.grant) {
                    let deadline = flight.since_ms.saturating_add(tabs::IN_FLIGHT_WAIT_MS);
                    let still_coming = flight.tab != self.tabs.tab()
                        && self.clock.now_ms() < deadline
                        && self.tabs.flying(&tokens.key).await;
                    if still_coming {
                        if let Some(newer) = self.await_other_refresh(&tokens, deadline).await {
                            self.store.save(&newer).map_err(SessionError::Storage)?;
                            return Ok(newer);
                        }
                    }
                    let settled = self.tabs.record(&tokens.key).is_some_and(|r| {
                        r.in_flight.is_none() && r.version == tokens.grant.version
                    });
                    if !settled {
                        return Err(self.end_everywhere(&tokens, SessionEnd::Interrupted));
                    }
                }
            }
        }
        let now = self.clock.now_ms();
        let until = kept_until(&tokens.grant, now);
        let mut sent = Record {
            // Never behind the record: a tab with an older copy of a kept token does not make the others look stale.
            version: record.as_ref().map_or(tokens.grant.version, |r| {
                r.version.max(tokens.grant.version)
            }),
            refresh_fingerprint: fingerprint,
            in_flight: Some(InFlight {
                since_ms: now,
                tab: self.tabs.tab().to_owned(),
            }),
        };
        self.tabs.keep_record(&tokens.key, &sent, until);
        let request = TokenRequest::refresh(&refresh_token, &self.config.client_id);
        let result = {
            let _on_the_wire = self.tabs.fly(&tokens.key).await;
            self.token_call(request, Some(refresh_token.clone()), tokens.key.clone())
                .await
        };
        let still_current = self.current().is_ok_and(|now| {
            now.refresh_token
                .is_some_and(|r| r.secret() == refresh_token.secret())
        });
        if settled_unspent(&result) && still_current {
            sent.in_flight = None;
            self.tabs.keep_record(&tokens.key, &sent, until);
        }
        match result {
            Ok(mut fresh) if still_current => {
                let newest_version = record.map_or(0, |r| r.version);
                let rotated = fresh
                    .refresh_token
                    .as_ref()
                    .is_some_and(|r| r.secret() != refresh_token.secret());
                fresh.grant = Grant {
                    version: tokens.grant.version.max(newest_version) + 1,
                    rotation: if rotated {
                        Rotation::Rotates
                    } else {
                        Rotation::Keeps
                    },
                    ..tokens.grant
                };
                if let Some(published) = Record::settled(&fresh) {
                    self.tabs.keep_record(&fresh.key, &published, until);
                }
                // The other tabs learn of the new tokens even if this tab cannot keep them.
                self.tabs.publish(&fresh);
                self.store.save(&fresh).map_err(SessionError::Storage)?;
                Ok(fresh)
            }
            Ok(_) => Err(SessionError::SignedOut),
            Err(TokenError::OAuth {
                error, description, ..
            }) if error.is_permanent() => {
                let why = end_of(
                    &error,
                    description.as_deref(),
                    &tokens.grant,
                    self.clock.now_ms(),
                );
                if still_current {
                    return Err(self.end_everywhere(&tokens, why));
                }
                Err(SessionError::Ended(why))
            }
            Err(e) => Err(SessionError::Refresh(e)),
        }
    }

    /// An access token that is not about to expire, refreshing first when needed.
    async fn fresh_access_token(&self) -> Result<AccessToken, SessionError> {
        let tokens = self.current()?;
        if tokens.needs_refresh(self.clock.now_ms()) {
            return Ok(self.refresh(None).await?.access_token);
        }
        Ok(tokens.access_token)
    }

    /// One `GET url` with the bearer token, its body when it succeeds; a 401 gets one refresh and one retry.
    async fn get_once(&self, url: &str) -> Result<String, SessionError> {
        let mut token = self.fresh_access_token().await?;
        let mut refreshed = false;
        loop {
            let response = self
                .transport
                .send(HttpRequest::GetWithBearer {
                    url: url.to_owned(),
                    token: token.clone(),
                })
                .await;
            // Sent, so spent, whatever came back (a request that never left does not count).
            if !matches!(response, Err(TransportError::NotSent)) {
                self.tabs.spent_call(self.clock.now_ms());
            }
            let response = response.map_err(ApiError::Network)?;
            self.pacer.succeeded(self.clock.now_ms());
            match check_api_response(
                response.status,
                response.retry_after.as_deref(),
                &response.body,
            ) {
                Err(ApiError::Unauthorized(_)) if !refreshed => {
                    refreshed = true;
                    token = self.refresh(Some(&token)).await?.access_token;
                }
                Err(error) => return Err(SessionError::Api(error)),
                Ok(()) => return Ok(response.body),
            }
        }
    }

    /// `GET url` with the bearer token, read as `R`. Waits out the app's pause first. A failure that may pass
    /// (429, 5xx, no answer) is retried a few times with backoff (a 429 after its `Retry-After` when the answer
    /// exposes it), and a 429 or a missing answer pauses every request of the app meanwhile. A body that does not
    /// read as `R` is not retried.
    pub async fn get_json<R: FromJson>(&self, url: &str) -> Result<R, SessionError> {
        let body = self.get_body(url).await?;
        read_api_json(&body).map_err(SessionError::Api)
    }

    /// [`Self::get_json`] up to the body of the successful answer. Not generic: compiled once, whatever is read.
    async fn get_body(&self, url: &str) -> Result<String, SessionError> {
        let mut retry = 0;
        loop {
            self.quota_check()?;
            self.pacer.wait(self.clock).await;
            self.quota_check()?;
            let error = match self.get_once(url).await {
                Ok(value) => return Ok(value),
                Err(error) => error,
            };
            let now = self.clock.now_ms();
            if let SessionError::Api(ApiError::QuotaExceeded { retry_after_secs }) = error {
                let pause = QuotaPause::after(retry_after_secs, now);
                if let Some(tokens) = self.store.load() {
                    self.tabs.keep_quota(&tokens.key, &pause);
                }
                return Err(SessionError::Quota(pause));
            }
            let recent = self.pacer.recently_succeeded(now);
            let Some(next) = retry::retry_after(&error, retry, self.clock.jitter(), recent) else {
                return Err(error);
            };
            self.pacer.pause_until(now + next.after_ms, next.reason);
            retry += 1;
        }
    }

    /// The quota pause that the session's tabs keep, when it still holds calls back.
    pub fn quota_pause(&self) -> Option<QuotaPause> {
        let tokens = self.store.load()?;
        self.tabs
            .quota(&tokens.key)
            .filter(|p| p.holds(self.clock.now_ms()))
    }

    fn quota_check(&self) -> Result<(), SessionError> {
        match self.quota_pause() {
            Some(pause) => Err(SessionError::Quota(pause)),
            None => Ok(()),
        }
    }

    pub async fn me(&self) -> Result<User, SessionError> {
        self.get_json(&me_url(&self.config.api_base_url)).await
    }

    /// Reads the pages of a paged list from where `cursor` stands, handing them to `on_page` in order. The first
    /// page reveals `total`; then, by the configuration's [`Paging`], the rest are read [`PAGES_IN_FLIGHT`] at a
    /// time (their URLs made by `page_url` from an offset), or one after another by following `next`. Stops
    /// early when a page comes back empty (the list shrank meanwhile) or when `on_page` says to (nobody is
    /// looking any more). After a failure, calling it again with the same cursor reads on from the first page
    /// that was not handed on: nothing shown is fetched twice.
    pub async fn read_pages<I: FromJson>(
        &self,
        cursor: &mut Cursor,
        page_url: impl Fn(u32) -> String,
        limit: u32,
        mut on_page: impl FnMut(Page<I>) -> ControlFlow<()>,
    ) -> Result<(), SessionError> {
        self.read_pages_with(cursor, &page_url, limit, &mut on_page)
            .await
    }

    /// [`Self::read_pages`] with its closures as trait objects: the reading (concurrent requests, reordering,
    /// retries) is compiled once per kind of entry, not once per caller's closures.
    async fn read_pages_with<I: FromJson>(
        &self,
        cursor: &mut Cursor,
        page_url: &dyn Fn(u32) -> String,
        limit: u32,
        mut on_page: &mut dyn FnMut(Page<I>) -> ControlFlow<()>,
    ) -> Result<(), SessionError> {
        let limit = limit.max(1);
        if cursor.done {
            return Ok(());
        }
        if cursor.total.is_none() {
            let first: Page<I> = self.get_json(&page_url(0)).await?;
            cursor.total = Some(first.total);
            cursor.next_offset = limit;
            cursor.next_url = first.next.clone();
            if on_page(first).is_break() {
                return Ok(());
            }
            // The first page shows before the rest are asked for: the first playlist on screen is worth the
            // few milliseconds that sending the next requests would take.
            self.clock.yield_to_page().await;
        }
        let end = cursor.total.unwrap_or(0).min(MAX_LIBRARY_SIZE);
        let flow = match self.config.paging {
            Paging::Concurrent => {
                let offsets = (cursor.next_offset..end).step_by(limit as usize);
                let pages = stream::iter(offsets)
                    .map(|offset| {
                        let url = page_url(offset);
                        async move { (offset, self.get_json::<Page<I>>(&url).await) }
                    })
                    .buffer_unordered(PAGES_IN_FLIGHT);
                let mut pages = std::pin::pin!(pages);
                // Pages are handed on in order, but a request's slot is given to the next page as soon as its
                // answer is in, whichever page it was: a page that came back early waits here for the ones
                // before it, so one slow answer does not hold the other slots idle.
                let mut early: BTreeMap<u32, Page<I>> = BTreeMap::new();
                let mut flow = ControlFlow::Continue(());
                'read: while let Some((offset, page)) = pages.next().await {
                    early.insert(offset, page?);
                    while let Some(page) = early.remove(&cursor.next_offset) {
                        cursor.next_offset += limit;
                        flow = hand_on(page, &mut on_page);
                        if flow.is_break() {
                            break 'read;
                        }
                    }
                }
                flow
            }
            Paging::Sequential => {
                let mut flow = ControlFlow::Continue(());
                while cursor.next_offset < end {
                    let Some(next) = cursor.next_url.clone() else {
                        break;
                    };
                    let page: Page<I> = self.get_json(self.within_api(&next)?).await?;
                    cursor.next_offset += limit;
                    cursor.next_url = page.next.clone();
                    flow = hand_on(page, &mut on_page);
                    if flow.is_break() {
                        break;
                    }
                }
                flow
            }
        };
        match flow {
            // Nobody is looking any more: the read stops where it is.
            ControlFlow::Break(Stop::Told) => Ok(()),
            _ => {
                cursor.done = true;
                Ok(())
            }
        }
    }

    /// `url` when it is on the configured API, so that a `next` link can never take the bearer token elsewhere.
    fn within_api<'u>(&self, url: &'u str) -> Result<&'u str, SessionError> {
        let base = &self.config.api_base_url;
        let inside = url
            .strip_prefix(base.as_str())
            .is_some_and(|rest| rest.starts_with('/'));
        if inside {
            Ok(url)
        } else {
            Err(SessionError::Api(ApiError::Malformed(
                "a next-page link points outside the API".into(),
            )))
        }
    }

    /// Reads the library on from where `read` stands. After each page, `on_page` gets the playlists that page
    /// added, the library's `total` and how many of the page's entries could not be read, so the list can grow
    /// as it loads, and says whether to go on. A playlist that a shifting library shows twice is kept once.
    pub async fn library(
        &self,
        read: &mut LibraryRead,
        mut on_page: impl FnMut(Vec<Playlist>, u32, u32) -> ControlFlow<()>,
    ) -> Result<(), SessionError> {
        let base = &self.config.api_base_url;
        let seen = &mut read.seen;
        let page_url = |offset| my_playlists_url(base, offset, PLAYLISTS_PAGE_LIMIT);
        self.read_pages(
            &mut read.cursor,
            page_url,
            PLAYLISTS_PAGE_LIMIT,
            |page: Page<Playlist>| {
                let added = page
                    .items
                    .into_iter()
                    .filter(|p| seen.insert(p.id.clone()))
                    .collect();
                on_page(added, page.total, page.skipped)
            },
        )
        .await
    }

    /// The first page of the library, alone: what a copy of the library is checked against.
    pub async fn library_first_page(&self) -> Result<Page<Playlist>, SessionError> {
        let url = my_playlists_url(&self.config.api_base_url, 0, PLAYLISTS_PAGE_LIMIT);
        self.get_json(&url).await
    }

    /// The playlist `id` (for its name and cover).
    pub async fn playlist(&self, id: &PlaylistId) -> Result<Playlist, SessionError> {
        self.get_json(&playlist_url(&self.config.api_base_url, id))
            .await
    }

    /// Reads the entries of the playlist `id` on from where `cursor` stands; `on_page` gets each page's entries,
    /// the total and how many of the page's entries could not be read, and says whether to go on.
    pub async fn playlist_items(
        &self,
        id: &PlaylistId,
        cursor: &mut Cursor,
        on_page: impl FnMut(Vec<PlaylistEntry>, u32, u32) -> ControlFlow<()>,
    ) -> Result<(), SessionError> {
        let base = &self.config.api_base_url;
        let mut on_page = on_page;
        self.read_entries(
            cursor,
            &|offset| playlist_items_url(base, id, offset, ITEMS_PAGE_LIMIT),
            &mut on_page,
        )
        .await
    }

    /// Reads a list of entries (a playlist's, or Liked Songs) page by page from `page_url`. Not generic: compiled
    /// once, whoever reads.
    async fn read_entries(
        &self,
        cursor: &mut Cursor,
        page_url: &dyn Fn(u32) -> String,
        on_page: &mut dyn FnMut(Vec<PlaylistEntry>, u32, u32) -> ControlFlow<()>,
    ) -> Result<(), SessionError> {
        self.read_pages_with(cursor, page_url, ITEMS_PAGE_LIMIT, &mut |page: Page<
            PlaylistEntry,
        >| {
            on_page(page.items, page.total, page.skipped)
        })
        .await
    }

    /// Reads the user's Liked Songs on from where `cursor` stands, as [`Self::playlist_items`] reads a playlist.
    pub async fn liked_songs(
        &self,
        cursor: &mut Cursor,
        on_page: impl FnMut(Vec<PlaylistEntry>, u32, u32) -> ControlFlow<()>,
    ) -> Result<(), SessionError> {
        let base = &self.config.api_base_url;
        let mut on_page = on_page;
        self.read_entries(
            cursor,
            &|offset| liked_songs_url(base, offset, ITEMS_PAGE_LIMIT),
            &mut on_page,
        )
        .await
    }

    /// How many Liked Songs the user has: one entry is asked for, for the total.
    pub async fn liked_total(&self) -> Result<u32, SessionError> {
        let url = liked_songs_url(&self.config.api_base_url, 0, 1);
        Ok(self.get_json::<Page<PlaylistEntry>>(&url).await?.total)
    }

    /// Whether the user's grant lets the app read Liked Songs: the scope was granted, or the provider did not
    /// say which scopes it granted. A session from before the app asked for it has not.
    pub fn may_read_liked(&self) -> bool {
        self.store
            .load()
            .is_some_and(|t| t.scopes.is_empty() || t.scopes.iter().any(|s| s == LIKED_SONGS_SCOPE))
    }

    /// Whether the API lets this app read the entries of playlist `id`: one entry is asked for, and a 403 or a
    /// 404 means no. This is how the app tells an app in Development Mode (the entries of a playlist the user
    /// only follows answer 403) from one with extended quota, by what the API answers rather than by a setting.
    pub async fn can_read_items(&self, id: &PlaylistId) -> Result<bool, SessionError> {
        let url = playlist_items_url(&self.config.api_base_url, id, 0, 1);
        match self.get_json::<Page<PlaylistEntry>>(&url).await {
            Ok(_) => Ok(true),
            Err(SessionError::Api(ApiError::Forbidden(_) | ApiError::NotFound)) => Ok(false),
            Err(other) => Err(other),
        }
    }
}

// Host only: the tests drive the futures with a host executor.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
