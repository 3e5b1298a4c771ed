//! The two error shapes Spotify uses: the accounts service's and the Web API's.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

use crate::form::BodyError;

/// `{"error": "...", "error_description": "..."}`, as `POST /api/token` answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountsError {
    pub status: StatusCode,
    pub error: &'static str,
    pub description: String,
}

impl AccountsError {
    pub fn new(error: &'static str, description: impl Into<String>) -> Self {
        AccountsError {
            status: StatusCode::BAD_REQUEST,
            error,
            description: description.into(),
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new("invalid_request", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new("invalid_grant", description)
    }

    pub fn invalid_client() -> Self {
        Self::new("invalid_client", "Invalid client")
    }

    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new("unsupported_grant_type", description)
    }
}

/// A body that could not be read: `invalid_request`, with 413 when it was too large.
impl From<BodyError> for AccountsError {
    fn from(e: BodyError) -> Self {
        let error = AccountsError::invalid_request(e.message());
        match e {
            BodyError::TooLarge => error.with_status(StatusCode::PAYLOAD_TOO_LARGE),
            BodyError::Unreadable => error,
        }
    }
}

impl IntoResponse for AccountsError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            Json(json!({"error": self.error, "error_description": self.description})),
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// `{"error": {"status": 401, "message": "..."}}`, as the Web API answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Resource not found")
    }

    pub fn unauthorized(message: &'static str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let unauthorized = self.status == StatusCode::UNAUTHORIZED;
        let mut response = (
            self.status,
            Json(json!({"error": {"status": self.status.as_u16(), "message": self.message}})),
        )
            .into_response();
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

/// Which error shape a path answers with.
pub fn is_accounts_path(path: &str) -> bool {
    path == "/authorize" || path.starts_with("/authorize/") || path.starts_with("/api/")
}

/// The JSON 404 for a path no route serves, shaped for the part of the service the path is in.
pub fn not_found_for(path: &str) -> Response {
    if is_accounts_path(path) || path.starts_with("/admin/") {
        AccountsError::new("not_found", "No such endpoint")
            .with_status(StatusCode::NOT_FOUND)
            .into_response()
    } else {
        ApiError::new(StatusCode::NOT_FOUND, "Service not found").into_response()
    }
}

/// A 405 in the shape of the part of the service the path is in.
pub fn method_not_allowed_for(path: &str) -> Response {
    if is_accounts_path(path) || path.starts_with("/admin/") {
        AccountsError::invalid_request("Method not allowed")
            .with_status(StatusCode::METHOD_NOT_ALLOWED)
            .into_response()
    } else {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed").into_response()
    }
}
