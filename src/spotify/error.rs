//! Web API answers turned into values or typed errors (Spotify's error object:
//! `{"error":{"status":401,"message":"The access token expired"}}`).

use std::fmt;

use crate::http::TransportError;
use crate::json::{self, json_object, FromJson};
use crate::untrusted::shown;

/// Why a Web API call gave no data. Messages are sentences without secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// 401: the access token is missing, unknown or expired. A refresh may cure it.
    Unauthorized(String),
    /// 403: the token lacks a scope, or the resource is not the user's.
    Forbidden(String),
    /// 404.
    NotFound,
    /// 429: too many requests; wait this many seconds (when the answer said).
    RateLimited { retry_after_secs: Option<u64> },
    /// 429 with `"reason":"QUOTA_EXCEEDED"`, or a `Retry-After` longer than a minute: the app's daily quota of
    /// calls (per client id, over a rolling 24 hours, shared by all its users) is spent. `retry_after_secs` is
    /// when it frees up, when the answer could say (Spotify's CORS hides the header from pages).
    QuotaExceeded { retry_after_secs: Option<u64> },
    /// 5xx.
    Server { status: u16 },
    /// Any other unexpected status.
    Http { status: u16, message: String },
    /// A 2xx answer whose body is not the expected JSON.
    Malformed(String),
    /// No answer at all (offline, DNS, CORS refusal, timeout).
    Network(TransportError),
}

impl ApiError {
    /// Whether trying the same request again later can succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            ApiError::RateLimited { .. } | ApiError::Server { .. } | ApiError::Network(_)
        )
    }

    /// Whether this is Spotify's refusal of a user whom a Development Mode app has not allow-listed.
    pub fn is_unregistered_user(&self) -> bool {
        matches!(self, ApiError::Forbidden(m) if m.contains("not registered in the Developer Dashboard"))
    }

    /// A stable name for the failure, for the page's `data-error` hook.
    pub fn code(&self) -> &'static str {
        match self {
            ApiError::Forbidden(_) if self.is_unregistered_user() => "user-not-registered",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound => "not-found",
            ApiError::RateLimited { .. } => "rate-limited",
            ApiError::QuotaExceeded { .. } => "quota-exceeded",
            ApiError::Server { .. } => "server",
            ApiError::Http { .. } => "http",
            ApiError::Malformed(_) => "malformed",
            ApiError::Network(_) => "network",
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unauthorized(m) => write!(f, "Spotify no longer accepts this session ({m})."),
            ApiError::Forbidden(_) if self.is_unregistered_user() => write!(
                f,
                "Spotify refused access: this app is in Development Mode and your Spotify account is not one of \
                 its users. Ask the app's owner to add your Spotify e-mail address under User Management in the \
                 Spotify developer dashboard, then log in again."
            ),
            ApiError::Forbidden(m) => write!(f, "Spotify refused access ({m})."),
            ApiError::NotFound => write!(f, "Spotify could not find that."),
            ApiError::RateLimited {
                retry_after_secs: Some(s),
            } => {
                write!(f, "Spotify is rate limiting this app; try again in {s} s.")
            }
            ApiError::RateLimited {
                retry_after_secs: None,
            } => {
                write!(
                    f,
                    "Spotify is rate limiting this app; try again in a moment."
                )
            }
            ApiError::QuotaExceeded { .. } => write!(
                f,
                "Spotify's daily limit of calls for this app is used up. The limit is shared by everyone who uses \
                 this app's client id, and frees up over 24 hours."
            ),
            ApiError::Server { status } => {
                write!(
                    f,
                    "Spotify had a problem (HTTP {status}); try again in a moment."
                )
            }
            ApiError::Http { status, message } => {
                write!(f, "Spotify answered HTTP {status}: {message}.")
            }
            ApiError::Malformed(detail) => {
                write!(f, "Spotify sent an answer this app cannot read ({detail}).")
            }
            ApiError::Network(detail) => {
                write!(
                    f,
                    "Could not reach Spotify ({detail}). Check your connection and try again."
                )
            }
        }
    }
}

impl std::error::Error for ApiError {}

/// The `error` object of an error body: its `message` (empty when there is none) and its `reason`.
struct ErrorObject {
    message: String,
    reason: Option<String>,
}

json_object!(read ErrorObject { message: default, reason });

/// A `Retry-After` longer than this (seconds) is no rate limit but a spent quota.
pub const QUOTA_RETRY_AFTER_SECS: u64 = 60;

/// A short plain-text error body, as Spotify sends some (`User not registered in the Developer Dashboard`); not
/// an HTML page, and never more than a line. Shown cleaned, as every text from the network is.
fn plain_text(body: &str) -> Option<String> {
    let text = body.trim();
    let plain = !text.is_empty()
        && text.len() <= 200
        && !text.contains(['<', '{', '\n'])
        && text.chars().all(|c| !c.is_control());
    plain.then(|| shown(text)).flatten()
}

/// Reads a Web API answer: a 2xx body as `T`, anything else as an [`ApiError`]. `retry_after` is the
/// `Retry-After` header, if any.
pub fn parse_api_response<T: FromJson>(
    status: u16,
    retry_after: Option<&str>,
    body: &str,
) -> Result<T, ApiError> {
    check_api_response(status, retry_after, body)?;
    read_api_json(body)
}

/// The body of a successful answer read as `T` (the part of [`parse_api_response`] that depends on `T`).
pub fn read_api_json<T: FromJson>(body: &str) -> Result<T, ApiError> {
    // The details name a place in the body, never its text.
    let json = json::parse(body).map_err(|e| ApiError::Malformed(format!("not JSON: {e}")))?;
    T::from_json(&json).ok_or_else(|| ApiError::Malformed("not the object the app reads".into()))
}

/// Whether the answer is a success (2xx), and if not, the error it says, as [`parse_api_response`] reads it.
/// Not generic: whatever the body holds, this is compiled once.
pub fn check_api_response(
    status: u16,
    retry_after: Option<&str>,
    body: &str,
) -> Result<(), ApiError> {
    if (200..300).contains(&status) {
        return Ok(());
    }
    // Spotify's message is shown to the user: cleaned and capped, or the status when nothing is left of it.
    let parsed: Option<ErrorObject> = json::parse(body).ok().and_then(|b| b.field("error"));
    let quota_reason = parsed
        .as_ref()
        .and_then(|error| error.reason.as_deref())
        .is_some_and(|r| r.eq_ignore_ascii_case("QUOTA_EXCEEDED"));
    let message = match parsed {
        Some(error) => shown(&error.message),
        None => plain_text(body),
    }
    .unwrap_or_else(|| format!("HTTP {status}"));
    let retry_after_secs = retry_after.and_then(|v| v.trim().parse::<u64>().ok());
    Err(match status {
        401 => ApiError::Unauthorized(message),
        403 => ApiError::Forbidden(message),
        404 => ApiError::NotFound,
        429 if quota_reason || retry_after_secs.is_some_and(|s| s > QUOTA_RETRY_AFTER_SECS) => {
            ApiError::QuotaExceeded { retry_after_secs }
        }
        429 => ApiError::RateLimited { retry_after_secs },
        500..=599 => ApiError::Server { status },
        _ => ApiError::Http { status, message },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spotify::model::User;

    fn parse(status: u16, retry_after: Option<&str>, body: &str) -> Result<User, ApiError> {
        parse_api_response(status, retry_after, body)
    }

    /// Guards against a spent daily quota taken for a short rate limit (and retried, spending calls that cannot
    /// pass for hours), or a short rate limit taken for a spent quota.
    #[test]
    fn a_spent_quota_is_told_from_a_rate_limit() {
        let spent =
            r#"{"error":{"status":429,"message":"Too many requests","reason":"QUOTA_EXCEEDED"}}"#;
        let limited = r#"{"error":{"status":429,"message":"API rate limit exceeded"}}"#;
        assert_eq!(
            parse(429, Some("48925"), spent).unwrap_err(),
            ApiError::QuotaExceeded {
                retry_after_secs: Some(48925)
            }
        );
        // Spotify's CORS hides the header: the reason alone says it.
        assert_eq!(
            parse(429, None, spent).unwrap_err(),
            ApiError::QuotaExceeded {
                retry_after_secs: None
            }
        );
        // A wait of more than a minute is a quota, whatever the body says.
        assert_eq!(
            parse(429, Some("3600"), limited).unwrap_err(),
            ApiError::QuotaExceeded {
                retry_after_secs: Some(3600)
            }
        );
        assert_eq!(
            parse(429, Some("60"), limited).unwrap_err(),
            ApiError::RateLimited {
                retry_after_secs: Some(60)
            }
        );
        assert_eq!(
            parse(429, None, "").unwrap_err(),
            ApiError::RateLimited {
                retry_after_secs: None
            }
        );
        let error = parse(429, None, spent).unwrap_err();
        assert_eq!(error.code(), "quota-exceeded");
        assert!(error.to_string().contains("shared by everyone"), "{error}");
        assert!(!error.is_transient());
    }

    #[test]
    fn success_and_malformed() {
        assert_eq!(
            parse(200, None, r#"{"id":"a","display_name":"A"}"#)
                .unwrap()
                .id,
            "a"
        );
        assert!(matches!(
            parse(200, None, r#"{"id":"a""#),
            Err(ApiError::Malformed(_))
        ));
        assert!(matches!(
            parse(200, None, "<html>"),
            Err(ApiError::Malformed(_))
        ));
    }

    /// Guards against losing Spotify's message or misclassifying a status.
    #[test]
    fn error_statuses() {
        let expired = r#"{"error":{"status":401,"message":"The access token expired"}}"#;
        assert_eq!(
            parse(401, None, expired),
            Err(ApiError::Unauthorized("The access token expired".into()))
        );
        let scope = r#"{"error":{"status":403,"message":"Insufficient client scope"}}"#;
        assert_eq!(
            parse(403, None, scope),
            Err(ApiError::Forbidden("Insufficient client scope".into()))
        );
        assert_eq!(parse(404, None, ""), Err(ApiError::NotFound));
        assert_eq!(
            parse(429, Some("7"), ""),
            Err(ApiError::RateLimited {
                retry_after_secs: Some(7)
            })
        );
        assert_eq!(
            parse(429, Some("soon"), ""),
            Err(ApiError::RateLimited {
                retry_after_secs: None
            })
        );
        assert_eq!(
            parse(503, None, "<html>busy</html>"),
            Err(ApiError::Server { status: 503 })
        );
        assert_eq!(
            parse(
                400,
                None,
                r#"{"error":{"status":400,"message":"Invalid limit"}}"#
            ),
            Err(ApiError::Http {
                status: 400,
                message: "Invalid limit".into()
            })
        );
        // A short plain-text body is Spotify's message (it sends some errors that way).
        assert_eq!(
            parse(418, None, "tea"),
            Err(ApiError::Http {
                status: 418,
                message: "tea".into()
            })
        );
        assert!(ApiError::Server { status: 500 }.is_transient());
        // Spotify's refusal of a user a Development Mode app has not allow-listed comes as plain text.
        let unlisted =
            parse(403, None, "User not registered in the Developer Dashboard").unwrap_err();
        assert!(unlisted.is_unregistered_user());
        assert_eq!(unlisted.code(), "user-not-registered");
        assert!(unlisted.to_string().contains("User Management"));
        let json = r#"{"error":{"status":403,"message":"User not registered in the Developer Dashboard"}}"#;
        assert!(parse(403, None, json).unwrap_err().is_unregistered_user());
        // An HTML page is never taken for a message.
        assert_eq!(
            parse(403, None, "<html><body>Forbidden</body></html>"),
            Err(ApiError::Forbidden("HTTP 403".into()))
        );
        assert!(!ApiError::NotFound.is_transient());
    }

    /// Guards against the Web API's hostile texts (markup, line breaks, 10 KB, non-ASCII, quotes and
    /// backslashes) reaching the page through Spotify's `message`, a plain-text body or a malformed answer: a
    /// JSON message comes out as `untrusted::shown` makes it; a plain-text body only when it is one short line,
    /// cleaned the same way; otherwise the status stands in.
    #[test]
    fn hostile_texts_are_cleaned_and_capped() {
        for (text, expected) in crate::untrusted::hostile() {
            let json = serde_json::to_string(&text).unwrap();
            let body = format!(r#"{{"error":{{"status":401,"message":{json}}}}}"#);
            let message = expected.clone().unwrap_or_else(|| "HTTP 401".into());
            assert_eq!(
                parse(401, None, &body),
                Err(ApiError::Unauthorized(message)),
                "{text:?}"
            );
            let body = body.replace("401", "400");
            let err = parse(400, None, &body).unwrap_err();
            let message = expected.clone().unwrap_or_else(|| "HTTP 400".into());
            assert_eq!(
                err,
                ApiError::Http {
                    status: 400,
                    message
                },
                "{text:?}"
            );
            assert!(!err.to_string().contains(['\n', '"', '\\']), "{err}");

            let one_short_line = text.trim().len() <= 200
                && !text.contains(['<', '{', '\n'])
                && text.trim().chars().all(|c| !c.is_control());
            let message = match &expected {
                Some(shown) if one_short_line => shown.clone(),
                _ => "HTTP 418".into(),
            };
            assert_eq!(
                parse(418, None, &text),
                Err(ApiError::Http {
                    status: 418,
                    message
                }),
                "{text:?}"
            );

            let body = format!(r#"{{"id":{json},"display_name":7}}"#);
            let Err(ApiError::Malformed(detail)) = parse(200, None, &body) else {
                panic!("{body}");
            };
            assert!(
                detail.chars().count() <= crate::untrusted::MAX_SHOWN_CHARS + 1
                    && detail
                        .chars()
                        .all(|c| c == '…' || crate::untrusted::is_nqschar(c)),
                "{detail}"
            );
        }
    }
}
