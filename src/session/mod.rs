//! A signed-in session over an abstract transport: the code exchange, refreshing, and authenticated Web API
//! calls with one refresh-and-retry on a 401.
//!
//! The HTTP client, the token store and the clock are the caller's (traits below), so this policy runs and is
//! tested on the host with fakes; the browser supplies fetch, sessionStorage and `Date.now()`.

use std::collections::HashSet;
use std::fmt;
use std::ops::ControlFlow;

use serde::de::DeserializeOwned;

use crate::config::AppConfig;
use crate::http::{HttpRequest, Transport};
use crate::oauth::{
    parse_token_response, AccessToken, AuthorizationCode, PendingLogin, RefreshToken, TokenError,
    TokenRequest, TokenSet,
};
use crate::spotify::paging::{
    me_url, my_playlists_url, playlist_items_url, playlist_url, remaining_offsets,
    ITEMS_PAGE_LIMIT, PLAYLISTS_PAGE_LIMIT,
};
use crate::spotify::{
    parse_api_response, ApiError, Page, Playlist, PlaylistEntry, PlaylistId, User,
};

/// Held while a refresh is in flight, so that a tab refreshes one at a time: a refresh token that the provider
/// rotates can only be spent once, and a second refresh with it would end the session.
pub type RefreshLock = futures::lock::Mutex<()>;

/// Keeps the session's tokens.
pub trait TokenStore {
    fn load(&self) -> Option<TokenSet>;
    fn save(&self, tokens: &TokenSet);
    fn clear(&self);
}

/// Milliseconds since the Unix epoch.
pub trait Clock {
    fn now_ms(&self) -> u64;
}

/// Why an authenticated call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionError {
    /// There are no tokens: the user has to log in.
    SignedOut,
    /// The access token has run out and the provider gave no refresh token to renew it with: the tokens were
    /// removed and the user has to log in again.
    NoRefreshToken,
    /// The provider refused the refresh token for good (expired, revoked): the tokens were removed and the
    /// user has to log in again.
    Ended(TokenError),
    /// Refreshing failed for a reason that may pass (network, 5xx); the tokens are kept.
    Refresh(TokenError),
    /// The Web API call failed.
    Api(ApiError),
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

    /// A stable name for the failure, for the page's `data-error` hook.
    pub fn code(&self) -> &'static str {
        match self {
            SessionError::SignedOut => "signed-out",
            SessionError::NoRefreshToken => "no-refresh-token",
            SessionError::Ended(_) => "session-ended",
            SessionError::Refresh(_) => "refresh",
            SessionError::Api(e) => e.code(),
        }
    }
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SessionError::SignedOut => write!(f, "You are not signed in."),
            SessionError::NoRefreshToken => write!(
                f,
                "Your session has run out, and the sign-in service gave no way to renew it; log in again."
            ),
            SessionError::Ended(e) => write!(f, "Your session has ended; log in again. {e}"),
            SessionError::Refresh(e) => write!(f, "Could not renew your session. {e}"),
            SessionError::Api(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SessionError {}

impl From<ApiError> for SessionError {
    fn from(e: ApiError) -> Self {
        SessionError::Api(e)
    }
}

/// The user's playlists as far as they have been read.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LibraryProgress {
    pub playlists: Vec<Playlist>,
    /// What the first page said the library holds.
    pub total: u32,
    /// How many entries could not be read and were skipped.
    pub skipped: u32,
}

pub struct Session<'a, T, S, C> {
    pub config: &'a AppConfig,
    pub transport: &'a T,
    pub store: &'a S,
    pub clock: &'a C,
    /// Shared by every session of the tab.
    pub refresh_lock: &'a RefreshLock,
}

impl<T: Transport, S: TokenStore, C: Clock> Session<'_, T, S, C> {
    async fn token_call(
        &self,
        request: TokenRequest,
        previous: Option<RefreshToken>,
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
        )
    }

    /// Exchanges the code from the callback for tokens and keeps them. Spends the code and the pending login.
    pub async fn exchange_code(
        &self,
        code: AuthorizationCode,
        login: PendingLogin,
    ) -> Result<TokenSet, TokenError> {
        let request = TokenRequest::authorization_code(code, login, &self.config.client_id);
        let tokens = self.token_call(request, None).await?;
        self.store.save(&tokens);
        Ok(tokens)
    }

    /// Trades the refresh token for new tokens and keeps them, one refresh at a time: a caller that waited while
    /// another refreshed takes that refresh's tokens. `rejected` is the access token the API has just refused, when
    /// a 401 is why; otherwise the tokens are about to expire.
    ///
    /// When the provider refuses the refresh token for good, the session is ended: the tokens are removed. When
    /// the user logged out while the request was out, the new tokens are dropped.
    async fn refresh(&self, rejected: Option<&AccessToken>) -> Result<TokenSet, SessionError> {
        let _one_at_a_time = self.refresh_lock.lock().await;
        let tokens = self.store.load().ok_or(SessionError::SignedOut)?;
        let renewed_meanwhile = match rejected {
            Some(rejected) => tokens.access_token.secret() != rejected.secret(),
            None => !tokens.needs_refresh(self.clock.now_ms()),
        };
        if renewed_meanwhile {
            return Ok(tokens);
        }
        let Some(refresh_token) = tokens.refresh_token else {
            self.store.clear();
            return Err(SessionError::NoRefreshToken);
        };
        let request = TokenRequest::refresh(&refresh_token, &self.config.client_id);
        let result = self.token_call(request, Some(refresh_token.clone())).await;
        let still_current = self.store.load().is_some_and(|now| {
            now.refresh_token
                .is_some_and(|r| r.secret() == refresh_token.secret())
        });
        match result {
            Ok(fresh) if still_current => {
                self.store.save(&fresh);
                Ok(fresh)
            }
            Ok(_) => Err(SessionError::SignedOut),
            Err(e) if e.is_permanent() => {
                if still_current {
                    self.store.clear();
                }
                Err(SessionError::Ended(e))
            }
            Err(e) => Err(SessionError::Refresh(e)),
        }
    }

    /// An access token that is not about to expire, refreshing first when needed.
    async fn fresh_access_token(&self) -> Result<AccessToken, SessionError> {
        let tokens = self.store.load().ok_or(SessionError::SignedOut)?;
        if tokens.needs_refresh(self.clock.now_ms()) {
            return Ok(self.refresh(None).await?.access_token);
        }
        Ok(tokens.access_token)
    }

    /// `GET url` with the bearer token, read as `R`. A 401 gets one refresh and one retry.
    pub async fn get_json<R: DeserializeOwned>(&self, url: &str) -> Result<R, SessionError> {
        let mut token = self.fresh_access_token().await?;
        let mut retried = false;
        loop {
            let response = self
                .transport
                .send(HttpRequest::GetWithBearer {
                    url: url.to_owned(),
                    token: token.clone(),
                })
                .await
                .map_err(ApiError::Network)?;
            match parse_api_response(
                response.status,
                response.retry_after.as_deref(),
                &response.body,
            ) {
                Err(ApiError::Unauthorized(_)) if !retried => {
                    retried = true;
                    token = self.refresh(Some(&token)).await?.access_token;
                }
                other => return other.map_err(SessionError::Api),
            }
        }
    }

    pub async fn me(&self) -> Result<User, SessionError> {
        self.get_json(&me_url(&self.config.api_base_url)).await
    }

    /// Reads every page of a paged list: the first one reveals `total`, then the rest in order. `page_url` makes
    /// the URL of the page at an offset. Stops early when a page comes back empty (the list shrank meanwhile) or
    /// when `on_page` says to (nobody is looking any more).
    pub async fn read_pages<I: DeserializeOwned>(
        &self,
        page_url: impl Fn(u32) -> String,
        limit: u32,
        mut on_page: impl FnMut(Page<I>) -> ControlFlow<()>,
    ) -> Result<(), SessionError> {
        let first: Page<I> = self.get_json(&page_url(0)).await?;
        let total = first.total;
        if on_page(first).is_break() {
            return Ok(());
        }
        for offset in remaining_offsets(total, limit) {
            let page: Page<I> = self.get_json(&page_url(offset)).await?;
            let shrank = page.items.is_empty() && page.skipped == 0;
            if shrank || on_page(page).is_break() {
                break;
            }
        }
        Ok(())
    }

    /// Reads the whole library. After each page, `on_page` gets the playlists that page added, the library's
    /// `total` and how many of the page's entries could not be read, so the list can grow as it loads, and says
    /// whether to go on. A playlist that a shifting library shows twice is kept once.
    pub async fn library(
        &self,
        mut on_page: impl FnMut(&[Playlist], u32, u32) -> ControlFlow<()>,
    ) -> Result<LibraryProgress, SessionError> {
        let base = &self.config.api_base_url;
        let mut seen = HashSet::new();
        let mut progress = LibraryProgress::default();
        let page_url = |offset| my_playlists_url(base, offset, PLAYLISTS_PAGE_LIMIT);
        self.read_pages(page_url, PLAYLISTS_PAGE_LIMIT, |page: Page<Playlist>| {
            let start = progress.playlists.len();
            progress.total = page.total;
            progress.skipped += page.skipped;
            progress
                .playlists
                .extend(page.items.into_iter().filter(|p| seen.insert(p.id.clone())));
            on_page(&progress.playlists[start..], progress.total, page.skipped)
        })
        .await?;
        Ok(progress)
    }

    /// The playlist `id` (for its name and cover).
    pub async fn playlist(&self, id: &PlaylistId) -> Result<Playlist, SessionError> {
        self.get_json(&playlist_url(&self.config.api_base_url, id))
            .await
    }

    /// Reads all entries of the playlist `id`; `on_page` gets each page's entries, the total and how many of the
    /// page's entries could not be read, and says whether to go on.
    pub async fn playlist_items(
        &self,
        id: &PlaylistId,
        mut on_page: impl FnMut(Vec<PlaylistEntry>, u32, u32) -> ControlFlow<()>,
    ) -> Result<(), SessionError> {
        let base = &self.config.api_base_url;
        let page_url = |offset| playlist_items_url(base, id, offset, ITEMS_PAGE_LIMIT);
        self.read_pages(page_url, ITEMS_PAGE_LIMIT, |page: Page<PlaylistEntry>| {
            on_page(page.items, page.total, page.skipped)
        })
        .await
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
