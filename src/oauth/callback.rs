//! Validating the redirect back from the provider (RFC 6749 §4.1.2), in a fixed order: `state` first, then
//! `error`, then `code`.

use std::fmt;

use super::authorize::PendingLogin;
use super::error::ErrorCode;
use super::secret::{constant_time_eq, AuthorizationCode};

/// Why a callback could not be turned into an authorization code. Every message is a sentence a user can act
/// on, and none contains a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackError {
    /// No login was waiting in this tab: the callback was reloaded, opened in another tab, or used already.
    NoPendingLogin,
    /// The login waiting in this tab is too old to finish.
    StaleLogin,
    /// The same parameter came more than once, so the response is ambiguous.
    RepeatedParameter(String),
    /// The response has no `state`.
    MissingState,
    /// The response's `state` is not the one this tab sent.
    StateMismatch,
    /// The user said no on the consent page.
    AccessDenied,
    /// The provider answered with another error.
    Provider {
        error: ErrorCode,
        description: Option<String>,
    },
    /// Neither `code` nor `error` is present, or `code` is empty.
    MissingCode,
}

impl CallbackError {
    /// A stable name for the failure, for the page's `data-error` hook: tests and styles match on it, never on
    /// the wording.
    pub fn code(&self) -> &'static str {
        match self {
            CallbackError::NoPendingLogin => "no-pending-login",
            CallbackError::StaleLogin => "stale-login",
            CallbackError::RepeatedParameter(_) => "repeated-parameter",
            CallbackError::MissingState => "missing-state",
            CallbackError::StateMismatch => "state-mismatch",
            CallbackError::AccessDenied => "access-denied",
            CallbackError::Provider { .. } => "provider-error",
            CallbackError::MissingCode => "missing-code",
        }
    }
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::NoPendingLogin => write!(
                f,
                "There is no sign-in in progress in this tab. The link may have been used already or opened \
                 in another tab. Log in again."
            ),
            CallbackError::StaleLogin => {
                write!(f, "This sign-in took too long and has expired. Log in again.")
            }
            CallbackError::RepeatedParameter(name) => {
                write!(f, "The sign-in response is ambiguous: parameter \"{name}\" appears more than once.")
            }
            CallbackError::MissingState => {
                write!(f, "The sign-in response is missing its \"state\" parameter, so it cannot be trusted.")
            }
            CallbackError::StateMismatch => write!(
                f,
                "The sign-in response does not belong to the login started in this tab (\"state\" does not \
                 match). It was not used."
            ),
            CallbackError::AccessDenied => write!(f, "You declined to give this app access to your account."),
            CallbackError::Provider { error, description: Some(d) } => {
                write!(f, "The sign-in service refused the request: {error} ({d}).")
            }
            CallbackError::Provider { error, description: None } => {
                write!(f, "The sign-in service refused the request: {error}.")
            }
            CallbackError::MissingCode => {
                write!(f, "The sign-in response has no authorization code.")
            }
        }
    }
}

impl std::error::Error for CallbackError {}

/// Reads the callback's query string (with or without the leading `?`) against the login that is waiting for
/// it, and yields the authorization code only when everything checks out.
///
/// The order is fixed: duplicated parameters, then `state` (missing and wrong are different errors; compared in
/// constant time), then `error`, then `code`. Empty values count as missing. Unknown parameters are ignored.
pub fn parse_callback(
    query: &str,
    pending: &PendingLogin,
) -> Result<AuthorizationCode, CallbackError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    let mut state = None;
    let mut error = None;
    let mut description = None;
    let mut code = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        let slot = match name.as_ref() {
            "state" => &mut state,
            "error" => &mut error,
            "error_description" => &mut description,
            "code" => &mut code,
            _ => continue,
        };
        if slot.is_some() {
            return Err(CallbackError::RepeatedParameter(name.into_owned()));
        }
        *slot = Some(value.into_owned());
    }
    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());

    let state = non_empty(state).ok_or(CallbackError::MissingState)?;
    if !constant_time_eq(state.as_bytes(), pending.state.secret().as_bytes()) {
        return Err(CallbackError::StateMismatch);
    }
    if let Some(error) = non_empty(error) {
        return Err(match ErrorCode::parse(&error) {
            ErrorCode::AccessDenied => CallbackError::AccessDenied,
            error => CallbackError::Provider {
                error,
                description: non_empty(description),
            },
        });
    }
    let code = non_empty(code).ok_or(CallbackError::MissingCode)?;
    Ok(AuthorizationCode::new(code))
}

/// The whole check of a callback: there must be a login waiting (taken out of storage by the caller, so it can
/// only be used once), it must be fresh, and the query must match it. Yields the code and the login, which
/// together are what the token request needs.
pub fn validate_callback(
    query: &str,
    pending: Option<PendingLogin>,
    now_ms: u64,
) -> Result<(AuthorizationCode, PendingLogin), CallbackError> {
    let pending = pending.ok_or(CallbackError::NoPendingLogin)?;
    let code = parse_callback(query, &pending)?;
    if pending.is_stale(now_ms) {
        return Err(CallbackError::StaleLogin);
    }
    Ok((code, pending))
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATE: &str = "__________________________________________8";

    fn pending() -> PendingLogin {
        PendingLogin::new(
            &[0; 32],
            &[0xff; 32],
            crate::oauth::RedirectUri::new("http://127.0.0.1:8080/callback"),
            0,
        )
    }

    fn check(query: &str) -> Result<String, CallbackError> {
        parse_callback(query, &pending()).map(|code| code.secret().to_owned())
    }

    /// The table of callbacks: each row guards against accepting or misreporting one kind of response.
    #[test]
    fn callback_table() {
        use CallbackError::*;
        let s = STATE;
        let cases: Vec<(String, Result<String, CallbackError>)> = vec![
            (format!("?code=abc&state={s}"), Ok("abc".into())),
            (format!("code=abc&state={s}"), Ok("abc".into())),
            (format!("?state={s}&code=a%2Bb%20c"), Ok("a+b c".into())),
            (
                format!("?code=abc&state={s}&iss=x&foo=bar"),
                Ok("abc".into()),
            ),
            ("?code=abc".into(), Err(MissingState)),
            ("".into(), Err(MissingState)),
            ("?code=abc&state=".into(), Err(MissingState)),
            ("?code=abc&state=wrong".into(), Err(StateMismatch)),
            (format!("?code=abc&state={}", &s[..42]), Err(StateMismatch)),
            (
                "?error=access_denied&state=wrong".into(),
                Err(StateMismatch),
            ),
            ("?error=access_denied".into(), Err(MissingState)),
            (format!("?error=access_denied&state={s}"), Err(AccessDenied)),
            (
                format!("?error=access_denied&error_description=User+said+no&state={s}"),
                Err(AccessDenied),
            ),
            (
                format!("?error=invalid_scope&error_description=Bad+scope&state={s}"),
                Err(Provider {
                    error: ErrorCode::InvalidScope,
                    description: Some("Bad scope".into()),
                }),
            ),
            (
                format!("?error=server_error&error_description=&state={s}"),
                Err(Provider {
                    error: ErrorCode::ServerError,
                    description: None,
                }),
            ),
            (format!("?state={s}"), Err(MissingCode)),
            (format!("?code=&state={s}"), Err(MissingCode)),
            (
                format!("?code=abc&code=def&state={s}"),
                Err(RepeatedParameter("code".into())),
            ),
            (
                format!("?code=abc&state={s}&state={s}"),
                Err(RepeatedParameter("state".into())),
            ),
            (
                format!("?code=abc&state=wrong&state={s}"),
                Err(RepeatedParameter("state".into())),
            ),
            (format!("?error=&code=abc&state={s}"), Ok("abc".into())),
        ];
        for (query, expected) in cases {
            assert_eq!(check(&query), expected, "query: {query}");
        }
    }

    /// Guards against a reload of the callback (no login waiting) or a late callback being exchanged.
    #[test]
    fn validate_callback_needs_a_fresh_pending_login() {
        let query = format!("?code=abc&state={STATE}");
        assert_eq!(
            validate_callback(&query, None, 0).unwrap_err(),
            CallbackError::NoPendingLogin
        );
        let (code, login) = validate_callback(&query, Some(pending()), 1_000).unwrap();
        assert_eq!(code.secret(), "abc");
        assert_eq!(
            login.redirect_uri.as_str(),
            "http://127.0.0.1:8080/callback"
        );
        let late = crate::oauth::authorize::PENDING_LOGIN_MAX_AGE_MS + 1;
        assert_eq!(
            validate_callback(&query, Some(pending()), late).unwrap_err(),
            CallbackError::StaleLogin
        );
        // A wrong state is reported as such even when the login is also stale.
        assert_eq!(
            validate_callback("?code=a&state=x", Some(pending()), late).unwrap_err(),
            CallbackError::StateMismatch
        );
    }

    /// Guards against an error message that echoes a secret or is not a full sentence.
    #[test]
    fn messages_are_sentences_without_secrets() {
        let err = check("?code=abc&state=wrong").unwrap_err().to_string();
        assert!(!err.contains("wrong") && !err.contains(STATE), "{err}");
        assert!(err.ends_with('.'));
        assert_eq!(
            check(&format!("?error=access_denied&state={STATE}"))
                .unwrap_err()
                .to_string(),
            "You declined to give this app access to your account."
        );
    }
}
