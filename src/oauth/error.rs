//! OAuth 2.0 error codes, as a provider sends them in a redirect (RFC 6749 §4.1.2.1) or a token answer (§5.2).

use std::fmt;

use crate::untrusted::shown;

/// The `error` parameter of an authorization or token error response. Codes this app reacts to have a variant;
/// anything else is kept in [`ErrorCode::Other`], cleaned as every text from the network is
/// ([`crate::untrusted::shown`]), since its `Display` reaches the page.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    Other(String),
}

impl ErrorCode {
    /// Reads the code as sent; an unknown code is kept in [`ErrorCode::Other`], cleaned and capped (empty when
    /// nothing showable is left).
    pub fn parse(code: &str) -> Self {
        match code {
            "invalid_request" => ErrorCode::InvalidRequest,
            "invalid_client" => ErrorCode::InvalidClient,
            "invalid_grant" => ErrorCode::InvalidGrant,
            "unauthorized_client" => ErrorCode::UnauthorizedClient,
            "unsupported_grant_type" => ErrorCode::UnsupportedGrantType,
            "unsupported_response_type" => ErrorCode::UnsupportedResponseType,
            "invalid_scope" => ErrorCode::InvalidScope,
            "access_denied" => ErrorCode::AccessDenied,
            "server_error" => ErrorCode::ServerError,
            "temporarily_unavailable" => ErrorCode::TemporarilyUnavailable,
            other => ErrorCode::Other(shown(other).unwrap_or_default()),
        }
    }

    /// The code as it goes on the wire.
    pub fn as_str(&self) -> &str {
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
            ErrorCode::Other(code) => code,
        }
    }

    /// Whether a token endpoint that answers this to a refresh will answer it again, whatever the timing: the
    /// grant, the client or the request is refused for good, so the session is over (RFC 6749 §5.2).
    pub fn is_permanent(&self) -> bool {
        matches!(
            self,
            ErrorCode::InvalidGrant
                | ErrorCode::InvalidClient
                | ErrorCode::UnauthorizedClient
                | ErrorCode::UnsupportedGrantType
                | ErrorCode::InvalidScope
        )
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against a code that is misread, or an unknown one that is lost.
    #[test]
    fn codes_round_trip() {
        for code in [
            "invalid_request",
            "invalid_client",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "unsupported_response_type",
            "invalid_scope",
            "access_denied",
            "server_error",
            "temporarily_unavailable",
            "slow_down",
        ] {
            assert_eq!(ErrorCode::parse(code).as_str(), code);
        }
        assert_eq!(
            ErrorCode::parse("slow_down"),
            ErrorCode::Other("slow_down".into())
        );
        assert_eq!(
            ErrorCode::parse("Invalid_Grant"),
            ErrorCode::Other("Invalid_Grant".into())
        );
    }

    /// Guards against an unknown code carrying markup, line breaks or a novel into a message (it is shown, and
    /// goes into the page's `data-oauth-error`): each hostile text is kept as `untrusted::shown` makes it.
    #[test]
    fn unknown_codes_are_cleaned() {
        for (text, expected) in crate::untrusted::hostile() {
            let code = ErrorCode::parse(&text);
            assert_eq!(
                code,
                ErrorCode::Other(expected.clone().unwrap_or_default()),
                "{text:?}"
            );
            assert_eq!(code.to_string(), expected.unwrap_or_default(), "{text:?}");
        }
    }

    /// Guards against ending a session over a passing failure, or keeping one the provider refused for good.
    #[test]
    fn permanent_refusals() {
        for permanent in [
            "invalid_grant",
            "invalid_client",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
        ] {
            assert!(ErrorCode::parse(permanent).is_permanent(), "{permanent}");
        }
        for passing in [
            "server_error",
            "temporarily_unavailable",
            "invalid_request",
            "x",
        ] {
            assert!(!ErrorCode::parse(passing).is_permanent(), "{passing}");
        }
    }
}
