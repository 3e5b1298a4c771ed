//! `POST /api/token`: the `authorization_code` and `refresh_token` grants.

use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::app::Shared;
use crate::errors::AccountsError;
use crate::form::{is_form, read_body, Params};
use crate::secrets::prefix;
use crate::store::{Lifetimes, TokenSet};

fn required<'a>(form: &'a Params, name: &str) -> Result<&'a str, AccountsError> {
    form.get(name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| AccountsError::invalid_request(format!("{name} must be supplied")))
}

/// `POST /api/token`.
pub async fn token(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    match exchange(&state, &headers, body).await {
        Ok(tokens) => success(tokens),
        Err(e) => e.into_response(),
    }
}

async fn exchange(
    state: &Shared,
    headers: &HeaderMap,
    body: Body,
) -> Result<TokenSet, AccountsError> {
    if !is_form(headers) {
        return Err(AccountsError::invalid_request(
            "Content-Type must be application/x-www-form-urlencoded",
        ));
    }
    let bytes = read_body(body).await?;
    let form = Params::parse(&bytes);
    if let Some(name) = form.duplicate() {
        return Err(AccountsError::invalid_request(format!(
            "{name} was given more than once"
        )));
    }
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
    let settings = state.effective();
    let now = Instant::now();

    if grant_type == "authorization_code" {
        let code = required(&form, "code")?;
        let redirect_uri = required(&form, "redirect_uri")?;
        let verifier = required(&form, "code_verifier")?;
        let tokens = state.store().redeem_code(
            code,
            client_id,
            redirect_uri,
            verifier,
            now,
            Lifetimes {
                access: settings.access_token_lifetime,
                refresh: settings.refresh_token_lifetime,
            },
        )?;
        eprintln!(
            "local-spotify: code {}… exchanged for access token {}…",
            prefix(code),
            prefix(&tokens.access_token)
        );
        Ok(tokens)
    } else {
        let refresh_token = required(&form, "refresh_token")?;
        state.store().refresh(
            refresh_token,
            client_id,
            now,
            settings.access_token_lifetime,
            settings.rotation,
        )
    }
}

fn success(tokens: TokenSet) -> Response {
    let mut body = json!({
        "access_token": tokens.access_token,
        "token_type": "Bearer",
        "scope": tokens.scope,
        "expires_in": tokens.expires_in,
    });
    if let Some(r) = tokens.refresh_token {
        body["refresh_token"] = json!(r);
    }
    let mut response = Json(body).into_response();
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}
