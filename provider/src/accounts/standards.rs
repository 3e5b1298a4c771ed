//! What the standards mode adds to the accounts service: the RFC 8414 metadata document and
//! the RFC 7009 revocation endpoint. Spotify has neither.

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::errors::{AccountsError, ErrorCode, LogNote};
use crate::form::StrictForm;
use crate::scopes::Scopes;
use crate::secrets::prefix;
use crate::state::Shared;
use crate::store::{OtherClient, Revoked, TokenKind};

/// Where the metadata document is served (RFC 8414 §3, no issuer path).
pub const METADATA_PATH: &str = "/.well-known/oauth-authorization-server";
/// Where the revocation endpoint is served, beside the token endpoint.
pub const REVOCATION_PATH: &str = "/api/revoke";

/// `GET /.well-known/oauth-authorization-server`: the authorization server metadata
/// (RFC 8414 §2), its issuer the provider's own base URL.
pub async fn metadata(State(state): State<Shared>) -> Json<Value> {
    let base = &state.base;
    Json(json!({
        "issuer": base.0,
        "authorization_endpoint": base.url("/authorize"),
        "token_endpoint": base.url("/api/token"),
        "revocation_endpoint": base.url(REVOCATION_PATH),
        "scopes_supported": Scopes::known(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["none"],
        "revocation_endpoint_auth_methods_supported": ["none"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
    }))
}

impl From<OtherClient> for AccountsError {
    fn from(_: OtherClient) -> Self {
        AccountsError::new(
            ErrorCode::UnauthorizedClient,
            "The token was issued to another client",
        )
    }
}

/// A revocation's answer: 200 with an empty body (RFC 7009 §2.2), whatever was found.
#[derive(Debug)]
pub struct RevocationDone(Option<LogNote>);

impl IntoResponse for RevocationDone {
    fn into_response(self) -> Response {
        let mut response = StatusCode::OK.into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(note) = self.0 {
            response.extensions_mut().insert(note);
        }
        response
    }
}

/// `POST /api/revoke` (RFC 7009 §2.1): a form with `token`, the public client's `client_id`,
/// and optionally `token_type_hint`. A refresh token takes its whole grant with it; an access
/// token goes alone; an unknown token is answered 200 all the same. A hint the server does not
/// know is ignored.
pub async fn revoke(
    State(state): State<Shared>,
    StrictForm(form): StrictForm,
) -> Result<RevocationDone, AccountsError> {
    let token = form
        .get("token")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AccountsError::invalid_request("token must be supplied"))?;
    let client_id = form
        .get("client_id")
        .filter(|id| state.config.client(id).is_some())
        .ok_or_else(AccountsError::invalid_client)?;
    let hint = match form.get("token_type_hint") {
        Some("access_token") => Some(TokenKind::Access),
        Some("refresh_token") => Some(TokenKind::Refresh),
        _ => None,
    };
    let revoked = state.store().revoke(token, client_id, hint)?;
    let note = match revoked {
        Revoked::Grant => Some(format!(
            "refresh token {}… revoked with its grant",
            prefix(token)
        )),
        Revoked::AccessToken => Some(format!("access token {}… revoked", prefix(token))),
        Revoked::Nothing => None,
    };
    Ok(RevocationDone(note.map(LogNote)))
}
