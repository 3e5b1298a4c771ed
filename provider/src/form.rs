//! Reading request bodies (capped) and form-encoded parameters (no duplicates).

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{header, HeaderMap};

/// Every request body is capped at this many bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// Why a body could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    TooLarge,
    Unreadable,
}

impl BodyError {
    pub fn message(&self) -> &'static str {
        match self {
            BodyError::TooLarge => "Request body is larger than 64 KiB",
            BodyError::Unreadable => "Request body could not be read",
        }
    }
}

/// Reads the whole body, refusing more than [`BODY_LIMIT`] bytes.
pub async fn read_body(body: Body) -> Result<axum::body::Bytes, BodyError> {
    axum::body::to_bytes(body, BODY_LIMIT).await.map_err(|e| {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = source {
            if err.to_string().contains("length limit exceeded") {
                return BodyError::TooLarge;
            }
            source = err.source();
        }
        BodyError::Unreadable
    })
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
}
