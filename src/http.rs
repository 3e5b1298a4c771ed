//! HTTP as values: the requests the app sends, the answers it reads, and why no answer came.
//!
//! The core builds [`HttpRequest`]s and reads [`HttpResponse`]s; whoever implements [`Transport`] (fetch in the
//! browser, a script in the tests) moves them. Nothing here does I/O.

use std::fmt;
use std::future::Future;

use crate::oauth::AccessToken;

/// A request as a value. Its `Debug` shows the URL only: bodies and tokens are secrets.
pub enum HttpRequest {
    /// `POST` of an `application/x-www-form-urlencoded` body, with no credentials of any kind.
    PostForm { url: String, body: String },
    /// `GET` with `Authorization: Bearer …`.
    GetWithBearer { url: String, token: AccessToken },
    /// `GET` of a public document (a provider's metadata), with no credentials of any kind.
    Get { url: String },
}

impl HttpRequest {
    /// The URL the request goes to (not secret: tokens never travel in a URL).
    pub fn url(&self) -> &str {
        match self {
            HttpRequest::PostForm { url, .. }
            | HttpRequest::GetWithBearer { url, .. }
            | HttpRequest::Get { url } => url,
        }
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HttpRequest::PostForm { url, .. } => write!(f, "POST {url} [body redacted]"),
            HttpRequest::GetWithBearer { url, .. } => write!(f, "GET {url} [bearer redacted]"),
            HttpRequest::Get { url } => write!(f, "GET {url}"),
        }
    }
}

/// A response as a value. Its `Debug` leaves the body out: a token endpoint's body holds tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub body: String,
    /// The `Retry-After` header, when the answer exposes it to the page.
    pub retry_after: Option<String>,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .field("retry_after", &self.retry_after)
            .finish()
    }
}

/// How long a request may take before the transport abandons it.
pub const REQUEST_LIMIT_MS: u64 = 30_000;

/// Why a request got no answer. None of these holds anything of the request's headers or body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportError {
    /// The request was never sent: the browser knew it was offline.
    NotSent,
    /// No answer within the transport's time limit.
    Timeout { after_ms: u32 },
    /// Whoever sent the request no longer wants the answer (the page that asked is gone).
    Aborted,
    /// The network or the browser refused: offline, DNS, a refused connection, or an answer that CORS hid from
    /// the page. Browsers deliberately do not say which; `detail` is their wording ("Failed to fetch").
    Network { detail: String },
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Timeout { after_ms } => {
                write!(f, "no answer within {} s", after_ms.div_ceil(1000))
            }
            TransportError::NotSent => write!(f, "this device is offline"),
            TransportError::Aborted => write!(f, "the request was cancelled"),
            TransportError::Network { detail } => write!(f, "{detail}"),
        }
    }
}

impl std::error::Error for TransportError {}

/// Sends requests.
pub trait Transport {
    fn send(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against a request body or bearer token reaching a log through `Debug`.
    #[test]
    fn requests_and_responses_debug_without_secrets() {
        let post = HttpRequest::PostForm {
            url: "https://accounts.example/api/token".into(),
            body: "code=secret-code".into(),
        };
        let get = HttpRequest::GetWithBearer {
            url: "https://api.example/v1/me".into(),
            token: AccessToken::new("secret-token"),
        };
        let response = HttpResponse {
            status: 200,
            body: r#"{"access_token":"secret-token"}"#.into(),
            retry_after: None,
        };
        let printed = format!("{post:?} {get:?} {response:?}");
        assert!(!printed.contains("secret"), "{printed}");
        assert!(printed.contains("https://api.example/v1/me"));
        assert_eq!(get.url(), "https://api.example/v1/me");
    }

    #[test]
    fn transport_errors_read_as_causes() {
        assert_eq!(
            TransportError::Timeout { after_ms: 30_000 }.to_string(),
            "no answer within 30 s"
        );
        assert_eq!(
            TransportError::Network {
                detail: "Failed to fetch".into()
            }
            .to_string(),
            "Failed to fetch"
        );
    }
}
