//! Request bodies (capped) and form-encoded parameters (no repeats), as extractors.

use std::collections::HashMap;
use std::fmt;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, FailedToBufferBody};
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::errors::AccountsError;

/// Every request body is capped at this many bytes (the router installs the limit with
/// `DefaultBodyLimit`, which the body extractors here honour).
pub const BODY_LIMIT: usize = 64 * 1024;

/// Why a body could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyError {
    /// More than [`BODY_LIMIT`] bytes.
    TooLarge,
    /// The connection failed while reading it.
    Unreadable,
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BodyError::TooLarge => "Request body is larger than 64 KiB",
            BodyError::Unreadable => "Request body could not be read",
        })
    }
}

impl BodyError {
    pub fn status(self) -> StatusCode {
        match self {
            BodyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::Unreadable => StatusCode::BAD_REQUEST,
        }
    }
}

impl From<BytesRejection> for BodyError {
    fn from(rejection: BytesRejection) -> Self {
        match rejection {
            BytesRejection::FailedToBufferBody(FailedToBufferBody::LengthLimitError(_)) => {
                BodyError::TooLarge
            }
            _ => BodyError::Unreadable,
        }
    }
}

/// A body that could not be read: `invalid_request`, with 413 when it was too large.
impl From<BodyError> for AccountsError {
    fn from(e: BodyError) -> Self {
        AccountsError::invalid_request(e.to_string()).with_status(e.status())
    }
}

/// The whole body, within the router's limit.
pub async fn read_body<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, BodyError> {
    Ok(Bytes::from_request(request, state).await?)
}

/// Whether the request says its body is `application/x-www-form-urlencoded`.
pub fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

/// Form or query parameters, each at most once.
#[derive(Debug, Default, Clone)]
pub struct Params {
    map: HashMap<String, String>,
    duplicates: Vec<String>,
}

impl Params {
    pub fn parse(input: &[u8]) -> Params {
        let mut params = Params::default();
        for (k, v) in form_urlencoded::parse(input) {
            if params.map.contains_key(k.as_ref()) {
                if !params.duplicates.iter().any(|d| d == k.as_ref()) {
                    params.duplicates.push(k.into_owned());
                }
            } else {
                params.map.insert(k.into_owned(), v.into_owned());
            }
        }
        params
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    /// The first parameter given more than once, if any (RFC 6749 §3.1 forbids repeats).
    pub fn duplicate(&self) -> Option<&str> {
        self.duplicates.first().map(String::as_str)
    }

    pub fn is_repeated(&self, name: &str) -> bool {
        self.duplicates.iter().any(|d| d == name)
    }
}

/// Why a form body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormError {
    /// The `Content-Type` is not `application/x-www-form-urlencoded`.
    NotForm,
    Body(BodyError),
    /// A parameter given more than once (named).
    Repeated(String),
}

impl From<BodyError> for FormError {
    fn from(e: BodyError) -> Self {
        FormError::Body(e)
    }
}

/// The token endpoint's wording of each problem, all `invalid_request`.
impl From<FormError> for AccountsError {
    fn from(e: FormError) -> Self {
        match e {
            FormError::NotForm => AccountsError::invalid_request(
                "Content-Type must be application/x-www-form-urlencoded",
            ),
            FormError::Body(e) => e.into(),
            FormError::Repeated(name) => {
                AccountsError::invalid_request(format!("{name} was given more than once"))
            }
        }
    }
}

impl IntoResponse for FormError {
    fn into_response(self) -> Response {
        AccountsError::from(self).into_response()
    }
}

/// A form-encoded body whose every parameter appears once, within the body limit. Handlers
/// that answer in another shape than the accounts service's take `Result<StrictForm, FormError>`.
#[derive(Debug, Clone)]
pub struct StrictForm(pub Params);

impl<S: Send + Sync> FromRequest<S> for StrictForm {
    type Rejection = FormError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_form(request.headers()) {
            return Err(FormError::NotForm);
        }
        let bytes = read_body(request, state).await?;
        let params = Params::parse(&bytes);
        match params.duplicate() {
            Some(name) => Err(FormError::Repeated(name.to_owned())),
            None => Ok(StrictForm(params)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_parameters_are_reported() {
        let p = Params::parse(b"a=1&b=2&a=3");
        assert_eq!(p.get("a"), Some("1"));
        assert_eq!(p.duplicate(), Some("a"));
        assert!(Params::parse(b"a=1&b=%20x").duplicate().is_none());
        assert_eq!(Params::parse(b"b=%20x+y").get("b"), Some(" x y"));
    }

    #[test]
    fn form_content_type_allows_a_charset() {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded; charset=UTF-8"
                .parse()
                .expect("valid"),
        );
        assert!(is_form(&h));
        h.insert(
            header::CONTENT_TYPE,
            "application/json".parse().expect("valid"),
        );
        assert!(!is_form(&h));
    }

    #[test]
    fn form_errors_map_to_the_token_endpoints_wording() {
        let too_large = AccountsError::from(FormError::Body(BodyError::TooLarge));
        assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(too_large.description, "Request body is larger than 64 KiB");
        let repeated = AccountsError::from(FormError::Repeated("code".into()));
        assert_eq!(repeated.status, StatusCode::BAD_REQUEST);
        assert_eq!(repeated.description, "code was given more than once");
    }
}
