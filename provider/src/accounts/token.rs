//! `POST /api/token`: the `authorization_code` and `refresh_token` grants.

use std::time::Instant;

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::errors::{AccountsError, LogNote};
use crate::form::{Params, StrictForm};
use crate::secrets::prefix;
use crate::state::Shared;
use crate::store::{CodeExchange, GrantError, RefreshRequest, TokenSet};

/// Spotify's wording for each refused grant.
impl From<GrantError> for AccountsError {
    fn from(e: GrantError) -> Self {
        match e {
            GrantError::InvalidCode | GrantError::CodeReused => {
                AccountsError::invalid_grant("Invalid authorization code")
            }
            GrantError::RedirectMismatch => AccountsError::invalid_grant("Invalid redirect URI"),
            GrantError::MalformedVerifier => AccountsError::invalid_request(
                "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~",
            ),
            GrantError::WrongVerifier => {
                AccountsError::invalid_grant("code_verifier was incorrect")
            }
            GrantError::InvalidRefreshToken => {
                AccountsError::invalid_grant("Invalid refresh token")
            }
            GrantError::RefreshTokenRevoked | GrantError::RefreshTokenReused => {
                AccountsError::invalid_grant("Refresh token revoked")
            }
            GrantError::RefreshTokenExpired => {
                AccountsError::invalid_grant("Refresh token expired")
            }
        }
    }
}

/// A successful token response: Spotify's JSON, never cached, with a line for the log.
#[derive(Debug)]
pub struct Issued {
    tokens: TokenSet,
    note: Option<LogNote>,
}

impl IntoResponse for Issued {
    fn into_response(self) -> Response {
        let t = self.tokens;
        let mut body = json!({
            "access_token": t.access_token,
            "token_type": "Bearer",
            "scope": t.scope,
            "expires_in": t.expires_in,
        });
        if let Some(r) = t.refresh_token {
            body["refresh_token"] = json!(r);
        }
        let mut response = Json(body).into_response();
        let h = response.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if let Some(note) = self.note {
            response.extensions_mut().insert(note);
        }
        response
    }
}

fn required<'a>(form: &'a Params, name: &str) -> Result<&'a str, AccountsError> {
    form.get(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AccountsError::invalid_request(format!("{name} must be supplied")))
}

/// `POST /api/token`.
pub async fn token(
    State(state): State<Shared>,
    StrictForm(form): StrictForm,
) -> Result<Issued, AccountsError> {
    let grant_type = form
        .get("grant_type")
        .ok_or_else(|| AccountsError::unsupported_grant_type("grant_type parameter is missing"))?;
    if grant_type != "authorization_code" && grant_type != "refresh_token" {
        return Err(AccountsError::unsupported_grant_type(
            "grant_type must be authorization_code or refresh_token",
        ));
    }
    let client_id = form
        .get("client_id")
        .filter(|id| state.config.client(id).is_some())
        .ok_or_else(AccountsError::invalid_client)?;
    let settings = state.effective().token_settings();
    let now = Instant::now();

    if grant_type == "authorization_code" {
        let request = CodeExchange {
            code: required(&form, "code")?,
            redirect_uri: required(&form, "redirect_uri")?,
            verifier: required(&form, "code_verifier")?,
            client_id,
        };
        let code = prefix(request.code);
        let tokens = state
            .store()
            .redeem_code(request, now, settings)
            .map_err(|e| {
                let error = AccountsError::from(e);
                match e {
                    GrantError::CodeReused => {
                        error.logged(format!("code {code}… used twice; its tokens are revoked"))
                    }
                    _ => error,
                }
            })?;
        let note = format!(
            "code {code}… exchanged for access token {}…",
            prefix(&tokens.access_token)
        );
        Ok(Issued {
            tokens,
            note: Some(LogNote(note)),
        })
    } else {
        let request = RefreshRequest {
            refresh_token: required(&form, "refresh_token")?,
            client_id,
        };
        let token = prefix(request.refresh_token);
        let tokens = state.store().refresh(request, now, settings).map_err(|e| {
            let error = AccountsError::from(e);
            match e {
                GrantError::RefreshTokenReused => error.logged(format!(
                    "refresh token {token}… was already rotated; its grant is revoked"
                )),
                _ => error,
            }
        })?;
        Ok(Issued { tokens, note: None })
    }
}
