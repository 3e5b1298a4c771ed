//! The OAuth 2.0 authorization code flow with PKCE for a public client, as pure functions over values.

pub mod authorize;
pub mod callback;
pub mod client;
pub mod discovery;
pub mod error;
pub mod pkce;
pub mod secret;
pub mod token;

pub use authorize::PendingLogin;
pub use callback::{parse_callback, validate_callback, CallbackError};
pub use client::{ClientId, RedirectUri};
pub use error::ErrorCode;
pub use secret::{
    constant_time_eq, AccessToken, AuthorizationCode, CodeVerifier, RefreshToken, State,
};
pub use token::{parse_token_response, Grant, Rotation, TokenError, TokenRequest, TokenSet};
