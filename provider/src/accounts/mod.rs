//! The accounts service: `/authorize`, the consent page and its decision, `/api/token`.

pub mod authorize;
pub mod consent;
pub mod token;

use crate::config::{Client, Config};
use crate::scopes::Scopes;
use crate::store::is_valid_challenge;

/// Why an authorization request (from `/authorize` or `/admin/codes`) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The client or redirect URI cannot be trusted: the provider says so itself and never
    /// redirects. The text is Spotify's.
    Untrusted(&'static str),
    /// Reported to the client, at its redirect URI.
    Redirect {
        error: &'static str,
        description: String,
    },
}

fn redirect_error(error: &'static str, description: impl Into<String>) -> RequestError {
    RequestError::Redirect {
        error,
        description: description.into(),
    }
}

/// Step one: the client and its exact redirect URI.
pub fn check_client<'a>(
    config: &'a Config,
    client_id: Option<&str>,
    redirect_uri: Option<&str>,
) -> Result<&'a Client, RequestError> {
    let client = client_id
        .and_then(|id| config.client(id))
        .ok_or(RequestError::Untrusted("INVALID_CLIENT: Invalid client"))?;
    let redirect = redirect_uri.ok_or(RequestError::Untrusted(
        "INVALID_CLIENT: Invalid redirect URI",
    ))?;
    if !client.redirect_uris.iter().any(|r| r == redirect) {
        return Err(RequestError::Untrusted(
            "INVALID_CLIENT: Invalid redirect URI",
        ));
    }
    Ok(client)
}

/// Step two: the PKCE challenge (S256 only, 43 base64url characters).
pub fn check_challenge(
    method: Option<&str>,
    challenge: Option<&str>,
) -> Result<String, RequestError> {
    let challenge = challenge
        .ok_or_else(|| redirect_error("invalid_request", "code_challenge must be supplied"))?;
    match method {
        Some("S256") => {}
        Some("plain") => {
            return Err(redirect_error(
                "invalid_request",
                "code_challenge_method plain is not allowed; use S256",
            ))
        }
        Some(_) => {
            return Err(redirect_error(
                "invalid_request",
                "code_challenge_method must be S256",
            ))
        }
        None => {
            return Err(redirect_error(
                "invalid_request",
                "code_challenge_method must be supplied (S256)",
            ))
        }
    }
    if !is_valid_challenge(challenge) {
        return Err(redirect_error(
            "invalid_request",
            "code_challenge must be 43 base64url characters",
        ));
    }
    Ok(challenge.to_owned())
}

/// Step three: the scopes, all of which must be Spotify's.
pub fn check_scope(scope: Option<&str>) -> Result<Scopes, RequestError> {
    Scopes::parse(scope.unwrap_or(""))
        .map_err(|unknown| redirect_error("invalid_scope", format!("Unknown scope: {unknown}")))
}
