//! `GET /authorize` and `POST /authorize/decision`.

use std::time::Instant;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::consent::{consent_page, error_page, Consent};
use super::{check_challenge, check_client, check_scope, RequestError};
use crate::app::Shared;
use crate::catalog::Person;
use crate::form::{is_form, read_body, Params};
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

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = status.into_response();
    let h = response.headers_mut();
    match HeaderValue::from_str(location) {
        Ok(v) => {
            h.insert(header::LOCATION, v);
        }
        Err(_) => return error_page(StatusCode::BAD_REQUEST, "The redirect URI is not valid"),
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn error_redirect(
    status: StatusCode,
    redirect_uri: &str,
    error: &str,
    description: Option<&str>,
    state: Option<&str>,
) -> Response {
    let mut pairs = vec![("error", error)];
    if let Some(d) = description {
        pairs.push(("error_description", d));
    }
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    redirect(status, &redirect_url(redirect_uri, &pairs))
}

fn code_redirect(
    status: StatusCode,
    redirect_uri: &str,
    code: &str,
    state: Option<&str>,
) -> Response {
    let mut pairs = vec![("code", code)];
    if let Some(s) = state {
        pairs.push(("state", s));
    }
    redirect(status, &redirect_url(redirect_uri, &pairs))
}

/// Validates `/authorize` parameters in a fixed order: client, redirect URI, repeats,
/// `response_type`, challenge, scope.
fn validate(state: &Shared, params: &Params) -> Result<AuthRequest, RequestError> {
    if params.is_repeated("client_id") {
        return Err(RequestError::Untrusted("INVALID_CLIENT: Invalid client"));
    }
    if params.is_repeated("redirect_uri") {
        return Err(RequestError::Untrusted(
            "INVALID_CLIENT: Invalid redirect URI",
        ));
    }
    let client = check_client(
        &state.config,
        params.get("client_id"),
        params.get("redirect_uri"),
    )?;
    if let Some(name) = params.duplicate() {
        return Err(RequestError::Redirect {
            error: "invalid_request",
            description: format!("{name} was given more than once"),
        });
    }
    match params.get("response_type") {
        Some("code") => {}
        Some(_) => {
            return Err(RequestError::Redirect {
                error: "unsupported_response_type",
                description: "response_type must be code".to_owned(),
            })
        }
        None => {
            return Err(RequestError::Redirect {
                error: "invalid_request",
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

/// `GET /authorize`: the consent page, an error page, or (once the client is trusted) a redirect.
pub async fn authorize(State(state): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let request = match validate(&state, &params) {
        Ok(r) => r,
        Err(RequestError::Untrusted(message)) => {
            return error_page(StatusCode::BAD_REQUEST, message)
        }
        Err(RequestError::Redirect { error, description }) => {
            let redirect_uri = params.get("redirect_uri").unwrap_or_default();
            return error_redirect(
                StatusCode::FOUND,
                redirect_uri,
                error,
                Some(&description),
                params.get("state"),
            );
        }
    };

    let now = Instant::now();
    if let Some(user) = state.config.auto_approve {
        let lifetime = state.effective().code_lifetime;
        let code = state
            .store()
            .issue_code(approval(&request, user), now, lifetime);
        return code_redirect(
            StatusCode::FOUND,
            &request.redirect_uri,
            &code,
            request.state.as_deref(),
        );
    }

    let app_name = state
        .config
        .client(&request.client_id)
        .map_or(request.client_id.as_str(), |c| c.name.as_str())
        .to_owned();
    let scopes = request.scope.descriptions();
    let client_id = request.client_id.clone();
    let redirect_uri = request.redirect_uri.clone();
    let request_id = state.store().add_pending(request, now);
    consent_page(&Consent {
        app_name: &app_name,
        client_id: &client_id,
        redirect_uri: &redirect_uri,
        scopes,
        request_id: &request_id,
    })
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
pub async fn decide(State(state): State<Shared>, headers: HeaderMap, body: Body) -> Response {
    if !is_form(&headers) {
        return error_page(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "The consent form must be posted as application/x-www-form-urlencoded",
        );
    }
    let bytes = match read_body(body).await {
        Ok(b) => b,
        Err(e) => return error_page(StatusCode::PAYLOAD_TOO_LARGE, e.message()),
    };
    let form = Params::parse(&bytes);
    if let Some(name) = form.duplicate() {
        return error_page(
            StatusCode::BAD_REQUEST,
            &format!("{name} was given more than once"),
        );
    }
    let approve = match form.get("decision") {
        Some("approve") => true,
        Some("deny") => false,
        _ => return error_page(StatusCode::BAD_REQUEST, "Choose Approve or Deny"),
    };
    let user = match (approve, form.get("user").and_then(Person::sample_user)) {
        (true, None) => {
            return error_page(StatusCode::BAD_REQUEST, "Choose one of the sample users")
        }
        (_, user) => user,
    };
    let now = Instant::now();
    let Some(request) = form
        .get("request_id")
        .and_then(|id| state.store().take_pending(id, now))
    else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "This sign-in request has expired or was already answered. Start again from the app.",
        );
    };
    match user {
        Some(user) if approve => {
            let lifetime = state.effective().code_lifetime;
            let code = state
                .store()
                .issue_code(approval(&request, user), now, lifetime);
            code_redirect(
                StatusCode::SEE_OTHER,
                &request.redirect_uri,
                &code,
                request.state.as_deref(),
            )
        }
        _ => error_redirect(
            StatusCode::SEE_OTHER,
            &request.redirect_uri,
            "access_denied",
            None,
            request.state.as_deref(),
        ),
    }
}
