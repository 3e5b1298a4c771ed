//! `GET /authorize` and `POST /authorize/decision`.

use std::time::Instant;

use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::consent::{consent_page, error_page, plain_error_page, Consent, ErrorPage};
use super::{check_challenge, check_client, check_scope, issue_code, RequestError, Untrusted};
use crate::catalog::Person;
use crate::config::Mode;
use crate::errors::{ErrorCode, LogNote};
use crate::form::{FormError, Params, StrictForm};
use crate::state::Shared;
use crate::store::{Approval, AuthRequest};

/// `redirect_uri` with the parameters appended (after `&` if it already has a query).
pub fn redirect_url(redirect_uri: &str, pairs: &[(&str, &str)]) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        query.append_pair(k, v);
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    format!("{redirect_uri}{sep}{}", query.finish())
}

/// A redirect back to the client's redirect URI: with a code, or with an error.
#[derive(Debug, Clone)]
pub struct Callback {
    status: StatusCode,
    redirect_uri: String,
    params: Vec<(&'static str, String)>,
    note: Option<LogNote>,
}

impl Callback {
    /// `?code=...&state=...`, and `&iss=...` when there is an issuer to name (RFC 9207).
    pub fn code(
        status: StatusCode,
        request: &AuthRequest,
        code: String,
        note: LogNote,
        iss: Option<&str>,
    ) -> Self {
        let mut params = vec![("code", code)];
        params.extend(request.state.clone().map(|s| ("state", s)));
        params.extend(iss.map(|i| ("iss", i.to_owned())));
        Callback {
            status,
            redirect_uri: request.redirect_uri.clone(),
            params,
            note: Some(note),
        }
    }

    /// `?error=...&error_description=...&state=...`, and `&iss=...` when there is an issuer to
    /// name (RFC 9207 §2: error responses carry it too).
    pub fn error(
        status: StatusCode,
        redirect_uri: &str,
        code: ErrorCode,
        description: Option<String>,
        state: Option<&str>,
        iss: Option<&str>,
    ) -> Self {
        let mut params = vec![("error", code.as_str().to_owned())];
        params.extend(description.map(|d| ("error_description", d)));
        params.extend(state.map(|s| ("state", s.to_owned())));
        params.extend(iss.map(|i| ("iss", i.to_owned())));
        Callback {
            status,
            redirect_uri: redirect_uri.to_owned(),
            params,
            note: None,
        }
    }
}

impl IntoResponse for Callback {
    fn into_response(self) -> Response {
        let pairs: Vec<(&str, &str)> = self.params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let location = redirect_url(&self.redirect_uri, &pairs);
        let Ok(location) = HeaderValue::from_str(&location) else {
            return error_page(StatusCode::BAD_REQUEST, "The redirect URI is not valid");
        };
        let mut response = self.status.into_response();
        let h = response.headers_mut();
        h.insert(header::LOCATION, location);
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        if let Some(note) = self.note {
            response.extensions_mut().insert(note);
        }
        response
    }
}

/// How `/authorize` refuses a request: on its own page, or back at the client.
#[derive(Debug, Clone)]
pub enum AuthorizeError {
    Page(ErrorPage),
    /// Spotify's bare 400 page for a scope it does not know.
    IllegalScope,
    Redirect(Callback),
}

impl IntoResponse for AuthorizeError {
    fn into_response(self) -> Response {
        match self {
            AuthorizeError::Page(page) => page.into_response(),
            AuthorizeError::IllegalScope => {
                plain_error_page(StatusCode::BAD_REQUEST, "Illegal scope")
            }
            AuthorizeError::Redirect(callback) => callback.into_response(),
        }
    }
}

/// Validates `/authorize` parameters in a fixed order: client, redirect URI, repeats,
/// `response_type`, challenge, scope.
fn validate(state: &Shared, params: &Params) -> Result<AuthRequest, RequestError> {
    if params.is_repeated("client_id") {
        return Err(Untrusted::InvalidClient.into());
    }
    if params.is_repeated("redirect_uri") {
        return Err(Untrusted::InvalidRedirectUri.into());
    }
    let client = check_client(
        &state.config,
        params.get("client_id"),
        params.get("redirect_uri"),
    )?;
    if let Some(name) = params.duplicate() {
        return Err(RequestError::Redirect {
            code: ErrorCode::InvalidRequest,
            description: format!("{name} was given more than once"),
        });
    }
    match params.get("response_type") {
        Some("code") => {}
        Some(_) => {
            return Err(RequestError::Redirect {
                code: ErrorCode::UnsupportedResponseType,
                description: "response_type must be code".to_owned(),
            })
        }
        None => {
            return Err(RequestError::Redirect {
                code: ErrorCode::InvalidRequest,
                description: "response_type must be supplied".to_owned(),
            })
        }
    }
    let code_challenge = check_challenge(
        params.get("code_challenge_method"),
        params.get("code_challenge"),
    )?;
    let scope = check_scope(params.get("scope"))?;
    Ok(AuthRequest {
        client_id: client.id.clone(),
        redirect_uri: params.get("redirect_uri").unwrap_or_default().to_owned(),
        state: params.get("state").map(str::to_owned),
        scope,
        code_challenge,
    })
}

/// The issuer to name in authorization responses: the provider's base URL in standards mode
/// (RFC 9207), none as Spotify.
fn issuer(state: &Shared) -> Option<&str> {
    (state.config.mode == Mode::Standards).then_some(state.base.0.as_str())
}

/// `GET /authorize`: the consent page, an error page, or (once the client is trusted) a redirect.
pub async fn authorize(
    State(state): State<Shared>,
    RawQuery(query): RawQuery,
) -> Result<Response, AuthorizeError> {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let iss = issuer(&state);
    let back = |code: ErrorCode, description: String| {
        AuthorizeError::Redirect(Callback::error(
            StatusCode::FOUND,
            params.get("redirect_uri").unwrap_or_default(),
            code,
            Some(description),
            params.get("state"),
            iss,
        ))
    };
    let request = validate(&state, &params).map_err(|e| match e {
        RequestError::Untrusted(u) => AuthorizeError::Page(u.into()),
        RequestError::UnknownScope(scope) => match state.config.mode {
            Mode::Spotify => AuthorizeError::IllegalScope,
            Mode::Standards => back(ErrorCode::InvalidScope, format!("Unknown scope: {scope}")),
        },
        RequestError::Redirect { code, description } => back(code, description),
    })?;

    if let Some(user) = state.config.auto_approve {
        let (code, note) = issue_code(&state, approval(&request, user));
        return Ok(Callback::code(StatusCode::FOUND, &request, code, note, iss).into_response());
    }

    let app_name = state
        .config
        .client(&request.client_id)
        .map_or(request.client_id.as_str(), |c| c.name.as_str())
        .to_owned();
    let scopes = request.scope.descriptions();
    let client_id = request.client_id.clone();
    let redirect_uri = request.redirect_uri.clone();
    let request_id = state.store().add_pending(request, Instant::now());
    Ok(consent_page(&Consent {
        app_name: &app_name,
        client_id: &client_id,
        redirect_uri: &redirect_uri,
        scopes,
        request_id: &request_id,
    }))
}

fn approval(request: &AuthRequest, user: Person) -> Approval {
    Approval {
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        code_challenge: request.code_challenge.clone(),
        scope: request.scope.clone(),
        user,
    }
}

/// `POST /authorize/decision`: the consent form. Only `request_id`, `decision` and `user` are
/// read; everything else comes from the pending request kept server-side.
pub async fn decide(
    State(state): State<Shared>,
    form: Result<StrictForm, FormError>,
) -> Result<Callback, ErrorPage> {
    let StrictForm(form) = form?;
    let approve = match form.get("decision") {
        Some("approve") => true,
        Some("deny") => false,
        _ => return Err(ErrorPage::bad_request("Choose Approve or Deny")),
    };
    let user = form.get("user").and_then(Person::sample_user);
    if approve && user.is_none() {
        return Err(ErrorPage::bad_request("Choose one of the sample users"));
    }
    let request = form
        .get("request_id")
        .and_then(|id| state.store().take_pending(id, Instant::now()))
        .ok_or_else(|| {
            ErrorPage::bad_request(
                "This sign-in request has expired or was already answered. Start again from the app.",
            )
        })?;
    Ok(match user {
        Some(user) if approve => {
            let (code, note) = issue_code(&state, approval(&request, user));
            Callback::code(StatusCode::SEE_OTHER, &request, code, note, issuer(&state))
        }
        _ => Callback::error(
            StatusCode::SEE_OTHER,
            &request.redirect_uri,
            ErrorCode::AccessDenied,
            None,
            request.state.as_deref(),
            issuer(&state),
        ),
    })
}
