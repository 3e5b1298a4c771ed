//! The two error shapes Spotify uses (the accounts service's and the Web API's), the OAuth error
//! codes, and the note a handler leaves for the request log.

use std::fmt;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// The `error` codes the accounts service answers with (RFC 6749 §4.1.2.1 and §5.2, plus the
/// provider's own `not_found` for unknown accounts paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    UnsupportedResponseType,
    InvalidScope,
    AccessDenied,
    ServerError,
    TemporarilyUnavailable,
    NotFound,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::UnsupportedResponseType => "unsupported_response_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::ServerError => "server_error",
            ErrorCode::TemporarilyUnavailable => "temporarily_unavailable",
            ErrorCode::NotFound => "not_found",
        }
    }

    /// The code for a server-side failure with this status (fault injection).
    pub fn for_status(status: StatusCode) -> ErrorCode {
        match status.as_u16() {
            503 => ErrorCode::TemporarilyUnavailable,
            500..=599 => ErrorCode::ServerError,
            _ => ErrorCode::InvalidRequest,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A line for the request log, left by a handler on its response (as an extension) and written
/// by the logging middleware, the one place that logs. It never holds a whole secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogNote(pub String);

/// `{"error": "...", "error_description": "..."}`, as `POST /api/token` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsError {
    pub status: StatusCode,
    pub code: ErrorCode,
    pub description: String,
    /// What the request log should say about this failure, if anything.
    pub note: Option<LogNote>,
}

impl AccountsError {
    pub fn new(code: ErrorCode, description: impl Into<String>) -> Self {
        AccountsError {
            status: StatusCode::BAD_REQUEST,
            code,
            description: description.into(),
            note: None,
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn logged(mut self, note: String) -> Self {
        self.note = Some(LogNote(note));
        self
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequest, description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidGrant, description)
    }

    pub fn invalid_client() -> Self {
        Self::new(ErrorCode::InvalidClient, "Invalid client")
    }

    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new(ErrorCode::UnsupportedGrantType, description)
    }
}

impl IntoResponse for AccountsError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(json!({"error": self.code.as_str(), "error_description": self.description})),
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let Some(note) = self.note {
            response.extensions_mut().insert(note);
        }
        response
    }
}

/// `{"error": {"status": 401, "message": "..."}}`, as the Web API answers (with a `reason` for
/// some); or, for the few refusals Spotify sends that way, the bare message as plain text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// `error.reason` in the body, such as `QUOTA_EXCEEDED`.
    pub reason: Option<&'static str>,
    /// Seconds, for a `Retry-After` header.
    pub retry_after: Option<u64>,
    /// The body is the message alone, as `text/plain`.
    pub plain_text: bool,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            reason: None,
            retry_after: None,
            plain_text: false,
        }
    }

    /// 429 for a client whose daily quota is spent, as Spotify answers it:
    /// `{"error":{"status":429,"message":"Too many requests","reason":"QUOTA_EXCEEDED"}}` and
    /// `Retry-After` (which a page reads only if CORS exposes it).
    pub fn quota_exceeded(retry_after: u64) -> Self {
        ApiError {
            reason: Some("QUOTA_EXCEEDED"),
            retry_after: Some(retry_after),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "Too many requests")
        }
    }

    /// 403 `User not registered in the Developer Dashboard`, which Spotify sends as plain text.
    pub fn user_not_registered() -> Self {
        ApiError {
            plain_text: true,
            ..Self::forbidden("User not registered in the Developer Dashboard")
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Resource not found")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn unauthorized(message: &'static str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.plain_text {
            return (
                self.status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                self.message,
            )
                .into_response();
        }
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let mut error = json!({"status": self.status.as_u16(), "message": self.message});
        if let Some(reason) = self.reason {
            error["reason"] = json!(reason);
        }
        let mut response = (self.status, Json(json!({ "error": error }))).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if unauthorized {
            // Spotify names the problem in WWW-Authenticate too (RFC 6750 §3).
            let value = format!(
                "Bearer realm=\"spotify\", error=\"invalid_token\", error_description=\"{}\"",
                self.message
            );
            if let Ok(v) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        response
    }
}

/// Which part of the service a path belongs to, and so which error shape it answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    /// `/authorize`, `/api/*`: the accounts service.
    Accounts,
    /// `/admin/*`: answered in the accounts shape.
    Admin,
    /// Everything else: the Web API's shape.
    WebApi,
}

impl Area {
    pub fn of(path: &str) -> Area {
        if path == "/authorize"
            || path.starts_with("/authorize/")
            || path.starts_with("/api/")
            || path.starts_with("/.well-known/")
        {
            Area::Accounts
        } else if path.starts_with("/admin/") {
            Area::Admin
        } else {
            Area::WebApi
        }
    }
}

/// The JSON 404 for a path no route serves, shaped for the part of the service the path is in.
pub fn not_found_for(path: &str) -> Response {
    match Area::of(path) {
        Area::Accounts | Area::Admin => AccountsError::new(ErrorCode::NotFound, "No such endpoint")
            .with_status(StatusCode::NOT_FOUND)
            .into_response(),
        Area::WebApi => ApiError::new(StatusCode::NOT_FOUND, "Service not found").into_response(),
    }
}

/// A 405 in the shape of the part of the service the path is in.
pub fn method_not_allowed_for(path: &str) -> Response {
    match Area::of(path) {
        Area::Accounts | Area::Admin => AccountsError::invalid_request("Method not allowed")
            .with_status(StatusCode::METHOD_NOT_ALLOWED)
            .into_response(),
        Area::WebApi => {
            ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed").into_response()
        }
    }
}
