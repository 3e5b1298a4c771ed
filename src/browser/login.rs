//! The two halves of a login in the browser: leaving for the provider, and coming back.

use std::fmt;

use super::storage::{StorageError, APP};
use super::{random, session, BrowserClock, Fetch};
use crate::config::{AppConfig, ConfigError};
use crate::oauth::{validate_callback, CallbackError, PendingLogin, TokenError, TokenSet};
use crate::session::{Clock, ExchangeError, SessionKey, StoreError};

/// Where the pending login waits between the redirect and the callback.
pub const PENDING_LOGIN_KEY: &str = "pending-login";
/// Set at log out: the next login asks the provider for its consent page, so the user can switch accounts.
pub const SWITCH_ACCOUNT_KEY: &str = "switch-account";

/// Why a login could not start or finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    Config(ConfigError),
    Storage(StorageError),
    NoRandomness,
    NoOrigin,
    Callback(CallbackError),
    Token(TokenError),
    /// The tokens came, but the browser would not keep them.
    Store(StoreError),
    /// The page is not a secure context (https, or http on this machine), where codes and tokens are not safe.
    InsecureContext,
}

impl LoginError {
    /// Whether the user said no on the consent page (as opposed to something going wrong).
    pub fn is_denied(&self) -> bool {
        matches!(self, LoginError::Callback(CallbackError::AccessDenied))
    }

    /// A stable name for the failure, for the page's `data-error` hook: tests match on it, never on wording.
    pub fn code(&self) -> &'static str {
        match self {
            LoginError::Config(_) => "config",
            LoginError::Storage(_) | LoginError::Store(_) => "storage",
            LoginError::NoRandomness => "no-randomness",
            LoginError::NoOrigin => "no-origin",
            LoginError::InsecureContext => "insecure-context",
            LoginError::Callback(e) => e.code(),
            LoginError::Token(e) => e.code(),
        }
    }
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoginError::Config(e) => e.fmt(f),
            LoginError::Storage(e) => e.fmt(f),
            LoginError::NoRandomness => {
                write!(
                    f,
                    "This browser offers no secure random numbers, which signing in needs."
                )
            }
            LoginError::NoOrigin => write!(f, "The page's address could not be read."),
            LoginError::Callback(e) => e.fmt(f),
            LoginError::Token(e) => e.fmt(f),
            LoginError::Store(e) => e.fmt(f),
            LoginError::InsecureContext => write!(
                f,
                "This page was not loaded securely (it needs https, or http on this machine), so signing in \
                 here would expose your session. Open the app at its https address."
            ),
        }
    }
}

impl std::error::Error for LoginError {}

impl From<ExchangeError> for LoginError {
    fn from(error: ExchangeError) -> Self {
        match error {
            ExchangeError::Token(e) => LoginError::Token(e),
            ExchangeError::Store(e) => LoginError::Store(e),
        }
    }
}

/// Starts a login: makes a verifier and a state, keeps them (with where the user is now, to come back to) in
/// sessionStorage, and hands the authorization URL to `navigate` (in the app, a top-level navigation; in tests,
/// a recorder). After a log out, the provider is asked to show its consent page, so the user can switch
/// accounts.
pub fn start_login(config: &AppConfig, navigate: impl FnOnce(&str)) -> Result<(), LoginError> {
    let secure = web_sys::window().is_some_and(|w| w.is_secure_context());
    if !secure {
        return Err(LoginError::InsecureContext);
    }
    let origin = super::location::origin().ok_or(LoginError::NoOrigin)?;
    let redirect_uri = config.redirect_uri(&origin).map_err(LoginError::Config)?;
    let verifier = random::bytes().ok_or(LoginError::NoRandomness)?;
    let state = random::bytes().ok_or(LoginError::NoRandomness)?;
    let mut login = PendingLogin::new(&verifier, &state, redirect_uri, BrowserClock.now_ms())
        .returning_to(&super::location::path_and_query())
        .to_issuer(config.issuer.clone(), config.iss_required);
    if APP.get(SWITCH_ACCOUNT_KEY).is_some() {
        login = login.with_consent_dialog();
    }
    APP.set(PENDING_LOGIN_KEY, &login.to_storage_json())
        .map_err(LoginError::Storage)?;
    navigate(&login.authorization_url(config));
    Ok(())
}

/// A finished login: the session's tokens, and where in the app to go now.
pub struct SignedIn {
    pub tokens: TokenSet,
    pub return_to: String,
}

/// Finishes a login from the callback's query string: takes the pending login out of storage (so a reload or a
/// second mount can never send the code again), checks the callback against it, and exchanges the code.
pub async fn complete_login(config: &AppConfig, query: &str) -> Result<SignedIn, LoginError> {
    let pending = APP
        .take(PENDING_LOGIN_KEY)
        .as_deref()
        .and_then(PendingLogin::from_storage_json);
    let (code, login) =
        validate_callback(query, pending, BrowserClock.now_ms()).map_err(LoginError::Callback)?;
    let return_to = login.return_to.clone().unwrap_or_else(|| "/".to_owned());
    let key = SessionKey::from_bytes(random::bytes().ok_or(LoginError::NoRandomness)?);
    let tokens = session(config, &Fetch::default())
        .exchange_code(code, login, key)
        .await?;
    super::tabs::join();
    APP.remove(SWITCH_ACCOUNT_KEY);
    Ok(SignedIn { tokens, return_to })
}
