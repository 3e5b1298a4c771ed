//! The accounts service: `/authorize`, the consent page and its decision, `/api/token`.

pub mod authorize;
pub mod consent;
pub mod standards;
pub mod token;

use std::time::Instant;

use crate::config::{Client, Config};
use crate::errors::{AccountsError, ErrorCode, LogNote};
use crate::scopes::Scopes;
use crate::secrets::prefix;
use crate::state::AppState;
use crate::store::{is_valid_challenge, Approval};

/// Why the provider refuses to trust a client or its redirect URI. It says so on its own error
/// page and never redirects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Untrusted {
    InvalidClient,
    InvalidRedirectUri,
}

impl Untrusted {
    /// Spotify's wording on its error page.
    pub fn message(self) -> &'static str {
        match self {
            Untrusted::InvalidClient => "INVALID_CLIENT: Invalid client",
            Untrusted::InvalidRedirectUri => "INVALID_CLIENT: Invalid redirect URI",
        }
    }
}

/// Why an authorization request (from `/authorize` or `/admin/codes`) is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RequestError {
    /// The client or redirect URI cannot be trusted.
    Untrusted(Untrusted),
    /// Reported to the client, at its redirect URI.
    Redirect {
        code: ErrorCode,
        description: String,
    },
    /// A scope Spotify does not know (named). Spotify shows its own "Illegal scope" page;
    /// RFC 6749 §4.1.2.1 would redirect back with `invalid_scope`.
    UnknownScope(String),
}

impl From<Untrusted> for RequestError {
    fn from(u: Untrusted) -> Self {
        RequestError::Untrusted(u)
    }
}

impl From<Untrusted> for AccountsError {
    fn from(u: Untrusted) -> Self {
        RequestError::from(u).into()
    }
}

/// How `/admin/codes` reports a refused request: in the token endpoint's JSON shape.
impl From<RequestError> for AccountsError {
    fn from(e: RequestError) -> Self {
        match e {
            RequestError::Untrusted(Untrusted::InvalidClient) => AccountsError::invalid_client(),
            RequestError::Untrusted(Untrusted::InvalidRedirectUri) => {
                AccountsError::invalid_request("Invalid redirect URI")
            }
            RequestError::Redirect { code, description } => AccountsError::new(code, description),
            RequestError::UnknownScope(scope) => {
                AccountsError::new(ErrorCode::InvalidScope, format!("Unknown scope: {scope}"))
            }
        }
    }
}

fn invalid_request(description: impl Into<String>) -> RequestError {
    RequestError::Redirect {
        code: ErrorCode::InvalidRequest,
        description: description.into(),
    }
}

/// Step one: the client and its exact redirect URI.
pub fn check_client<'a>(
    config: &'a Config,
    client_id: Option<&str>,
    redirect_uri: Option<&str>,
) -> Result<&'a Client, Untrusted> {
    let client = client_id
        .and_then(|id| config.client(id))
        .ok_or(Untrusted::InvalidClient)?;
    let redirect = redirect_uri.ok_or(Untrusted::InvalidRedirectUri)?;
    if !client.redirect_uris.iter().any(|r| r == redirect) {
        return Err(Untrusted::InvalidRedirectUri);
    }
    Ok(client)
}

/// Step two: the PKCE challenge (S256 only, 43 base64url characters).
pub fn check_challenge(
    method: Option<&str>,
    challenge: Option<&str>,
) -> Result<String, RequestError> {
    let challenge = challenge.ok_or_else(|| invalid_request("code_challenge must be supplied"))?;
    match method {
        Some("S256") => {}
        Some("plain") => {
            return Err(invalid_request(
                "code_challenge_method plain is not allowed; use S256",
            ))
        }
        Some(_) => return Err(invalid_request("code_challenge_method must be S256")),
        None => {
            return Err(invalid_request(
                "code_challenge_method must be supplied (S256)",
            ))
        }
    }
    if !is_valid_challenge(challenge) {
        return Err(invalid_request(
            "code_challenge must be 43 base64url characters",
        ));
    }
    Ok(challenge.to_owned())
}

/// Step three: the scopes, all of which must be Spotify's.
pub fn check_scope(scope: Option<&str>) -> Result<Scopes, RequestError> {
    Scopes::parse(scope.unwrap_or("")).map_err(RequestError::UnknownScope)
}

/// Issues a code for an approved request, with the lifetime in force; returns it with the line
/// the request log should carry.
pub fn issue_code(state: &AppState, approval: Approval) -> (String, LogNote) {
    let lifetime = state.effective().code_lifetime;
    let (client_id, user) = (approval.client_id.clone(), approval.user);
    let code = state.store().issue_code(approval, Instant::now(), lifetime);
    let note = LogNote(format!(
        "issued code {}… to {client_id} for {}",
        prefix(&code),
        user.id()
    ));
    (code, note)
}
