//! Validating the redirect back from the provider (RFC 6749 §4.1.2), in a fixed order: the shape of the query
//! (size, repeated parameters, tokens where only a code belongs), then `state`, then `iss` (RFC 9207), then
//! `error`, then `code`. Nothing reaches the token endpoint unless every check passed.

use std::fmt;

use super::authorize::PendingLogin;
use super::error::ErrorCode;
use super::secret::{constant_time_eq, AuthorizationCode};
use crate::untrusted::{is_nqschar, shown};

/// The longest callback query this app reads. Real ones are a few hundred bytes.
pub const MAX_QUERY_BYTES: usize = 8 * 1024;
/// The longest `code` accepted. Spotify's are about 300 characters.
pub const MAX_CODE_BYTES: usize = 2 * 1024;
/// How much of an `error_description` is shown: as much as of any text from the network.
pub use crate::untrusted::MAX_SHOWN_CHARS as MAX_DESCRIPTION_CHARS;

/// Why a callback could not be turned into an authorization code. Every message is a sentence a user can act
/// on, and none contains a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallbackError {
    /// No login was waiting in this tab: the callback was reloaded, opened in another tab, or used already.
    NoPendingLogin,
    /// The login waiting in this tab is too old to finish.
    StaleLogin,
    /// The query is far longer than any real sign-in response.
    Oversize,
    /// The same parameter came more than once, so the response is ambiguous.
    RepeatedParameter(String),
    /// The response carries a token (`access_token`, `id_token`, `token`) where the code flow has only a code:
    /// it is not an answer to this app's request.
    TokenInResponse(String),
    /// The response has no `state`.
    MissingState,
    /// The response's `state` is not the one this tab sent.
    StateMismatch,
    /// The response names another issuer than the provider this login went to (RFC 9207: a mix-up attack).
    IssuerMismatch,
    /// The provider says it always names itself (`iss`), and this response does not.
    MissingIssuer,
    /// The response names an issuer, but the app is not configured with one to compare it to.
    UnexpectedIssuer,
    /// The user said no on the consent page.
    AccessDenied,
    /// The provider answered with another error.
    Provider {
        error: ErrorCode,
        description: Option<String>,
    },
    /// `error` holds characters RFC 6749 does not allow in it.
    MalformedError,
    /// Neither `code` nor `error` is present, or `code` is empty.
    MissingCode,
    /// `code` is too long or holds characters RFC 6749 does not allow in it.
    MalformedCode,
}

impl CallbackError {
    /// A stable name for the failure, for the page's `data-error` hook: tests and styles match on it, never on
    /// the wording.
    pub fn code(&self) -> &'static str {
        match self {
            CallbackError::NoPendingLogin => "no-pending-login",
            CallbackError::StaleLogin => "stale-login",
            CallbackError::Oversize => "oversize",
            CallbackError::RepeatedParameter(_) => "repeated-parameter",
            CallbackError::TokenInResponse(_) => "token-in-response",
            CallbackError::MissingState => "missing-state",
            CallbackError::StateMismatch => "state-mismatch",
            CallbackError::IssuerMismatch => "issuer-mismatch",
            CallbackError::MissingIssuer => "missing-issuer",
            CallbackError::UnexpectedIssuer => "unexpected-issuer",
            CallbackError::AccessDenied => "access-denied",
            CallbackError::Provider { .. } => "provider-error",
            CallbackError::MalformedError => "malformed-error",
            CallbackError::MissingCode => "missing-code",
            CallbackError::MalformedCode => "malformed-code",
        }
    }
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallbackError::NoPendingLogin => write!(
                f,
                "There is no sign-in in progress in this tab. The link may have been used already, opened in \
                 another tab, or opened at another address of this app than the one the sign-in started at. \
                 Log in again."
            ),
            CallbackError::StaleLogin => {
                write!(f, "This sign-in took too long and has expired. Log in again.")
            }
            CallbackError::Oversize => write!(
                f,
                "The sign-in response is far longer than any real one, so it was not used."
            ),
            CallbackError::RepeatedParameter(name) => {
                write!(f, "The sign-in response is ambiguous: parameter \"{name}\" appears more than once.")
            }
            CallbackError::TokenInResponse(name) => write!(
                f,
                "The sign-in response carries \"{name}\", which an answer to this app's request never does, so \
                 it was not used."
            ),
            CallbackError::MissingState => {
                write!(f, "The sign-in response is missing its \"state\" parameter, so it cannot be trusted.")
            }
            CallbackError::StateMismatch => write!(
                f,
                "The sign-in response does not belong to the login started in this tab (\"state\" does not \
                 match). It was not used."
            ),
            CallbackError::IssuerMismatch => write!(
                f,
                "The sign-in response comes from another sign-in service than the one this login went to \
                 (\"iss\" does not match). It was not used."
            ),
            CallbackError::MissingIssuer => write!(
                f,
                "The sign-in response does not say which sign-in service sent it, although that service always \
                 does (\"iss\" is missing). It was not used."
            ),
            CallbackError::UnexpectedIssuer => write!(
                f,
                "The sign-in response names its sign-in service (\"iss\"), but this app is not configured with \
                 an issuer to check it against, so it was not used. Add \"issuer\" to the app's configuration."
            ),
            CallbackError::AccessDenied => write!(f, "You declined to give this app access to your account."),
            CallbackError::Provider { error, description: Some(d) } => {
                write!(f, "The sign-in service refused the request: {error} ({d}).")
            }
            CallbackError::Provider { error, description: None } => {
                write!(f, "The sign-in service refused the request: {error}.")
            }
            CallbackError::MalformedError => write!(
                f,
                "The sign-in response reports an error in a form no sign-in service uses, so it was not trusted."
            ),
            CallbackError::MissingCode => {
                write!(f, "The sign-in response has no authorization code.")
            }
            CallbackError::MalformedCode => write!(
                f,
                "The sign-in response's authorization code is not in a form a sign-in service sends, so it was \
                 not used."
            ),
        }
    }
}

impl std::error::Error for CallbackError {}

/// RFC 6749 §4.1.2 and Appendix A.11: `code` is `1*VSCHAR` (`%x20-7E`).
fn is_vschar(c: char) -> bool {
    matches!(c, '\x20'..='\x7e')
}

/// Reads the callback's query string (with or without the leading `?`) against the login that is waiting for
/// it, and yields the authorization code only when everything checks out.
///
/// The order is fixed: the query's size, repeated parameters and tokens where only a code belongs; then `state`
/// (missing and wrong are different errors; compared in constant time); then `iss` against the login's issuer;
/// then `error`; then `code`. Empty values count as missing. Unknown parameters are ignored.
pub fn parse_callback(
    query: &str,
    pending: &PendingLogin,
) -> Result<AuthorizationCode, CallbackError> {
    let query = query.strip_prefix('?').unwrap_or(query);
    if query.len() > MAX_QUERY_BYTES {
        return Err(CallbackError::Oversize);
    }
    let mut state = None;
    let mut error = None;
    let mut description = None;
    let mut code = None;
    let mut iss = None;
    for (name, value) in crate::form::parse(query) {
        let slot = match name.as_ref() {
            "state" => &mut state,
            "error" => &mut error,
            "error_description" => &mut description,
            "code" => &mut code,
            "iss" => &mut iss,
            "access_token" | "id_token" | "token" => {
                return Err(CallbackError::TokenInResponse(name.into_owned()))
            }
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
    match (non_empty(iss), &pending.issuer) {
        (Some(iss), Some(issuer)) if iss != *issuer => return Err(CallbackError::IssuerMismatch),
        (Some(_), Some(_)) => {}
        (Some(_), None) => return Err(CallbackError::UnexpectedIssuer),
        (None, _) if pending.iss_required => return Err(CallbackError::MissingIssuer),
        (None, _) => {}
    }
    if let Some(error) = non_empty(error) {
        if !error.chars().all(is_nqschar) {
            return Err(CallbackError::MalformedError);
        }
        return Err(match ErrorCode::parse(&error) {
            ErrorCode::AccessDenied => CallbackError::AccessDenied,
            error => CallbackError::Provider {
                error,
                description: description.as_deref().and_then(shown),
            },
        });
    }
    let code = non_empty(code).ok_or(CallbackError::MissingCode)?;
    if code.len() > MAX_CODE_BYTES || !code.chars().all(is_vschar) {
        return Err(CallbackError::MalformedCode);
    }
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
            (format!("?code=abc&state={s}&foo=bar"), Ok("abc".into())),
            // An `iss` that the app has no issuer to check against is not accepted silently.
            (
                format!("?code=abc&state={s}&iss=x&foo=bar"),
                Err(UnexpectedIssuer),
            ),
            (format!("?code=abc&state={s}&iss="), Ok("abc".into())),
            // Tokens have no place in a code response.
            (
                format!("?code=abc&state={s}&access_token=t"),
                Err(TokenInResponse("access_token".into())),
            ),
            (
                format!("?code=abc&state={s}&id_token=t"),
                Err(TokenInResponse("id_token".into())),
            ),
            (
                format!("?token=t&code=abc&state={s}"),
                Err(TokenInResponse("token".into())),
            ),
            // Oversize, and odd characters in `code` or `error`.
            (
                format!("?code=abc&state={s}&x={}", "a".repeat(MAX_QUERY_BYTES)),
                Err(Oversize),
            ),
            (
                format!("?code={}&state={s}", "a".repeat(MAX_CODE_BYTES + 1)),
                Err(MalformedCode),
            ),
            (format!("?code=a%0Ab&state={s}"), Err(MalformedCode)),
            (format!("?code=a%C3%A9&state={s}"), Err(MalformedCode)),
            (format!("?code=a%00&state={s}"), Err(MalformedCode)),
            (format!("?error=bad%22quote&state={s}"), Err(MalformedError)),
            (
                format!("?error=%3Cscript%3E&state={s}"),
                Err(Provider {
                    error: ErrorCode::Other("<script>".into()),
                    description: None,
                }),
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

    /// Guards against a mix-up attack (RFC 9207): a response from another provider than the one this login went
    /// to is refused right after `state`, before anything is exchanged; and against a provider that always names
    /// itself being impersonated by a response that does not.
    #[test]
    fn iss_must_be_the_logins_issuer() {
        let bound = pending().to_issuer(Some("https://auth.example".into()), false);
        let with = |iss: &str| {
            parse_callback(&format!("?code=abc&state={STATE}{iss}"), &bound)
                .map(|code| code.secret().to_owned())
        };
        assert_eq!(with("&iss=https%3A%2F%2Fauth.example"), Ok("abc".into()));
        assert_eq!(
            with(""),
            Ok("abc".into()),
            "iss is optional unless advertised"
        );
        assert_eq!(
            with("&iss=https%3A%2F%2Fevil.example"),
            Err(CallbackError::IssuerMismatch)
        );
        assert_eq!(
            with("&iss=https%3A%2F%2Fauth.example%2F"),
            Err(CallbackError::IssuerMismatch)
        );
        // The state is checked first: a forged response learns nothing about the issuer check.
        assert_eq!(
            parse_callback("?code=abc&state=x&iss=https%3A%2F%2Fevil.example", &bound).unwrap_err(),
            CallbackError::StateMismatch
        );
        // An error from another issuer is refused as such, not shown.
        assert_eq!(
            parse_callback(
                &format!("?error=access_denied&state={STATE}&iss=https%3A%2F%2Fevil.example"),
                &bound
            )
            .unwrap_err(),
            CallbackError::IssuerMismatch
        );
        let strict = pending().to_issuer(Some("https://auth.example".into()), true);
        assert_eq!(
            parse_callback(&format!("?code=abc&state={STATE}"), &strict).unwrap_err(),
            CallbackError::MissingIssuer
        );
        let back = PendingLogin::from_storage_json(&strict.to_storage_json()).unwrap();
        assert_eq!(
            (back.issuer.as_deref(), back.iss_required),
            (Some("https://auth.example"), true)
        );
    }

    /// Guards against markup or a novel in `error_description` reaching the page: only RFC 6749's characters
    /// are kept, at most 200 of them (and the page shows them as text).
    #[test]
    fn error_descriptions_are_capped_and_cleaned() {
        let long = "x".repeat(500);
        let err = check(&format!(
            "?error=server_error&error_description={long}&state={STATE}"
        ))
        .unwrap_err();
        let CallbackError::Provider {
            description: Some(d),
            ..
        } = err
        else {
            panic!("{err:?}");
        };
        assert_eq!(d.chars().count(), MAX_DESCRIPTION_CHARS + 1);
        assert!(d.ends_with('…'));
        let err = check(&format!(
            "?error=server_error&error_description=%3Cimg%20src%3Dx%20onerror%3D%22alert(1)%22%3E%0A&state={STATE}"
        ))
        .unwrap_err();
        assert_eq!(
            err,
            CallbackError::Provider {
                error: ErrorCode::ServerError,
                description: Some("<img src=x onerror=alert(1)>".into())
            }
        );
    }

    /// Guards against the shared table of hostile texts (markup, line breaks, 10 KB, non-ASCII, quotes and
    /// backslashes) reaching the page through `error_description` or an unknown `error`: a description comes
    /// out as `untrusted::shown` makes it, an `error` with characters RFC 6749 does not allow is refused, and a
    /// query too long to be real is refused whole.
    #[test]
    fn hostile_texts_are_cleaned_and_capped() {
        use CallbackError::*;
        for (text, expected) in crate::untrusted::hostile() {
            let query = |name: &str| {
                form_urlencoded::Serializer::new(String::new())
                    .append_pair(
                        "error",
                        if name == "error" {
                            &text
                        } else {
                            "server_error"
                        },
                    )
                    .append_pair(
                        "error_description",
                        if name == "error" { "d" } else { &text },
                    )
                    .append_pair("state", STATE)
                    .finish()
            };
            let description = query("error_description");
            let wanted = if description.len() > MAX_QUERY_BYTES {
                Err(Oversize)
            } else {
                Err(Provider {
                    error: ErrorCode::ServerError,
                    description: expected.clone(),
                })
            };
            assert_eq!(check(&description), wanted, "{text:?}");

            let error = query("error");
            let wanted = if error.len() > MAX_QUERY_BYTES {
                Err(Oversize)
            } else if text.is_empty() {
                Err(MissingCode)
            } else if !text.chars().all(is_nqschar) {
                Err(MalformedError)
            } else {
                Err(Provider {
                    error: ErrorCode::Other(expected.clone().unwrap_or_default()),
                    description: Some("d".into()),
                })
            };
            let got = check(&error);
            assert_eq!(got, wanted, "{text:?}");
            let message = got.unwrap_err().to_string();
            assert!(
                message.chars().count() < 500 && !message.contains(['\n', '"']),
                "{message}"
            );
        }
        // An `error` of allowed characters but far longer than any real one is shown capped.
        let long = format!("?error={}&state={STATE}", "e".repeat(4000));
        let Err(Provider { error, .. }) = check(&long) else {
            panic!("a long error code");
        };
        assert_eq!(error.as_str().chars().count(), MAX_DESCRIPTION_CHARS + 1);
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
