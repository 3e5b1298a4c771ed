//! Authorization server metadata (RFC 8414, and OpenID Connect Discovery's `openid-configuration`): where the
//! endpoints of a provider configured by its `issuer` are, checked before anything is sent to them.

use std::fmt;

use crate::json::{self, json_object};

use crate::http::TransportError;
use crate::untrusted::shown;
use crate::url::{self, UrlProblem};

/// The URLs to ask for `issuer`'s metadata, in order: RFC 8414's (the well-known part goes between the host and
/// any path of the issuer), then OpenID Connect's (appended to the issuer).
pub fn metadata_urls(issuer: &str) -> [String; 2] {
    let issuer = issuer.trim_end_matches('/');
    let (scheme, rest) = issuer.split_once("://").unwrap_or(("https", issuer));
    let (host, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, ""),
    };
    [
        format!("{scheme}://{host}/.well-known/oauth-authorization-server{path}"),
        format!("{issuer}/.well-known/openid-configuration"),
    ]
}

/// What the app takes from a provider's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub revocation_endpoint: Option<String>,
    /// The provider says it puts `iss` in every authorization response (RFC 9207), so one without it is refused.
    pub iss_required: bool,
}

/// Why a provider's metadata was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryError {
    /// No answer.
    Unreachable(TransportError),
    /// Neither metadata URL answered 200.
    NotFound { status: u16 },
    /// The answer is not a metadata document.
    NotJson,
    /// The document names another issuer than the one configured (RFC 8414 §3.3): it may be an impostor's.
    /// `document` is the document's issuer as shown (cleaned and capped).
    IssuerMismatch {
        configured: String,
        document: String,
    },
    /// The provider does not advertise PKCE with S256, which this app requires.
    NoS256,
    /// The provider does not advertise the `code` response type.
    NoCodeFlow,
    /// An endpoint is not a URL the app sends codes or tokens to.
    BadEndpoint {
        field: &'static str,
        problem: UrlProblem,
    },
}

impl fmt::Display for DiscoveryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DiscoveryError::Unreachable(e) => {
                write!(f, "The sign-in service could not be reached to read its settings ({e}).")
            }
            DiscoveryError::NotFound { status } => write!(
                f,
                "The sign-in service publishes no settings (its metadata answered HTTP {status})."
            ),
            DiscoveryError::NotJson => {
                write!(f, "The sign-in service's settings are not a metadata document.")
            }
            DiscoveryError::IssuerMismatch {
                configured,
                document,
            } => write!(
                f,
                "The sign-in service's settings name the issuer \"{document}\", not \"{configured}\" as \
                 configured, so they were not used."
            ),
            DiscoveryError::NoS256 => write!(
                f,
                "The sign-in service does not offer PKCE with S256, which this app needs to sign in safely."
            ),
            DiscoveryError::NoCodeFlow => {
                write!(f, "The sign-in service does not offer the authorization code flow.")
            }
            DiscoveryError::BadEndpoint { field, problem } => write!(
                f,
                "The sign-in service's \"{field}\" cannot be used: {problem}."
            ),
        }
    }
}

impl DiscoveryError {
    /// A stable name for the failure, for the page's `data-error` hook.
    pub fn code(&self) -> &'static str {
        match self {
            DiscoveryError::Unreachable(_) => "metadata-unreachable",
            DiscoveryError::NotFound { .. } => "metadata-not-found",
            DiscoveryError::NotJson => "metadata-not-json",
            DiscoveryError::IssuerMismatch { .. } => "issuer-mismatch",
            DiscoveryError::NoS256 => "no-s256",
            DiscoveryError::NoCodeFlow => "no-code-flow",
            DiscoveryError::BadEndpoint { .. } => "bad-endpoint",
        }
    }
}

impl std::error::Error for DiscoveryError {}

struct Metadata {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    revocation_endpoint: Option<String>,
    response_types_supported: Option<Vec<String>>,
    code_challenge_methods_supported: Option<Vec<String>>,
    authorization_response_iss_parameter_supported: bool,
}

json_object!(read Metadata {
    issuer,
    authorization_endpoint,
    token_endpoint,
    revocation_endpoint,
    response_types_supported,
    code_challenge_methods_supported,
    authorization_response_iss_parameter_supported: default,
});

/// Reads `issuer`'s metadata document, refusing one that names another issuer, does not advertise PKCE S256 or
/// the code flow, or whose endpoints are not safe to send codes and tokens to.
pub fn parse_metadata(issuer: &str, status: u16, body: &str) -> Result<Endpoints, DiscoveryError> {
    if status != 200 {
        return Err(DiscoveryError::NotFound { status });
    }
    let doc: Metadata = json::from_str(body).ok_or(DiscoveryError::NotJson)?;
    // RFC 8414 §3.3: identical, character for character.
    if doc.issuer != issuer {
        return Err(DiscoveryError::IssuerMismatch {
            configured: issuer.to_owned(),
            // The document's text, shown to the user: cleaned and capped.
            document: shown(&doc.issuer).unwrap_or_default(),
        });
    }
    let offers = |list: &Option<Vec<String>>, item: &str| {
        list.as_ref().is_some_and(|l| l.iter().any(|s| s == item))
    };
    if !offers(&doc.code_challenge_methods_supported, "S256") {
        return Err(DiscoveryError::NoS256);
    }
    if !offers(&doc.response_types_supported, "code") {
        return Err(DiscoveryError::NoCodeFlow);
    }
    let checked = |field: &'static str, value: &str| {
        url::check(value)
            .map(|_| value.to_owned())
            .map_err(|problem| DiscoveryError::BadEndpoint { field, problem })
    };
    Ok(Endpoints {
        authorization_endpoint: checked("authorization_endpoint", &doc.authorization_endpoint)?,
        token_endpoint: checked("token_endpoint", &doc.token_endpoint)?,
        revocation_endpoint: doc
            .revocation_endpoint
            .as_deref()
            .map(|e| checked("revocation_endpoint", e))
            .transpose()?,
        iss_required: doc.authorization_response_iss_parameter_supported,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ISSUER: &str = "http://127.0.0.1:8081";

    fn doc(fields: &str) -> String {
        format!(
            r#"{{"issuer":"{ISSUER}","authorization_endpoint":"{ISSUER}/authorize",
                "token_endpoint":"{ISSUER}/api/token","revocation_endpoint":"{ISSUER}/api/revoke",
                "response_types_supported":["code"],"code_challenge_methods_supported":["S256"]{fields}}}"#
        )
    }

    /// Guards against asking the wrong place for metadata: RFC 8414 puts the well-known part before the path.
    #[test]
    fn where_metadata_is_asked_for() {
        assert_eq!(
            metadata_urls("https://auth.example"),
            [
                "https://auth.example/.well-known/oauth-authorization-server",
                "https://auth.example/.well-known/openid-configuration"
            ]
        );
        assert_eq!(
            metadata_urls("https://auth.example/tenant/"),
            [
                "https://auth.example/.well-known/oauth-authorization-server/tenant",
                "https://auth.example/tenant/.well-known/openid-configuration"
            ]
        );
    }

    /// Guards against a metadata document's hostile `issuer` (markup, line breaks, 10 KB, non-ASCII, quotes and
    /// backslashes) reaching the page through the mismatch message: it comes out as `untrusted::shown` makes it.
    #[test]
    fn a_hostile_issuer_is_cleaned_and_capped() {
        for (text, expected) in crate::untrusted::hostile() {
            let json = serde_json::to_string(&text).unwrap();
            let body = doc("").replacen(
                &format!(r#""issuer":"{ISSUER}""#),
                &format!(r#""issuer":{json}"#),
                1,
            );
            let err = parse_metadata(ISSUER, 200, &body).unwrap_err();
            assert_eq!(
                err,
                DiscoveryError::IssuerMismatch {
                    configured: ISSUER.into(),
                    document: expected.unwrap_or_default()
                },
                "{text:?}"
            );
            let message = err.to_string();
            assert!(
                message.chars().count() < 400 && !message.contains('\n'),
                "{message}"
            );
        }
    }

    /// Guards against using an impostor's or a weaker provider's settings.
    #[test]
    fn metadata_is_checked() {
        let ok = parse_metadata(
            ISSUER,
            200,
            &doc(r#","authorization_response_iss_parameter_supported":true"#),
        )
        .unwrap();
        assert_eq!(ok.token_endpoint, "http://127.0.0.1:8081/api/token");
        assert_eq!(
            ok.revocation_endpoint.as_deref(),
            Some("http://127.0.0.1:8081/api/revoke")
        );
        assert!(ok.iss_required);
        assert!(!parse_metadata(ISSUER, 200, &doc("")).unwrap().iss_required);

        let other = doc("").replacen(
            &format!(r#""issuer":"{ISSUER}""#),
            r#""issuer":"https://evil.example""#,
            1,
        );
        assert!(matches!(
            parse_metadata(ISSUER, 200, &other),
            Err(DiscoveryError::IssuerMismatch { .. })
        ));
        let trailing = doc("").replacen(
            &format!(r#""issuer":"{ISSUER}""#),
            &format!(r#""issuer":"{ISSUER}/""#),
            1,
        );
        assert!(matches!(
            parse_metadata(ISSUER, 200, &trailing),
            Err(DiscoveryError::IssuerMismatch { .. })
        ));
        let plain_only = doc("").replace(r#"["S256"]"#, r#"["plain"]"#);
        assert_eq!(
            parse_metadata(ISSUER, 200, &plain_only),
            Err(DiscoveryError::NoS256)
        );
        let silent = doc("").replace(r#","code_challenge_methods_supported":["S256"]"#, "");
        assert_eq!(
            parse_metadata(ISSUER, 200, &silent),
            Err(DiscoveryError::NoS256)
        );
        let implicit = doc("").replace(r#"["code"]"#, r#"["token"]"#);
        assert_eq!(
            parse_metadata(ISSUER, 200, &implicit),
            Err(DiscoveryError::NoCodeFlow)
        );
        let clear = doc("").replace(
            &format!("{ISSUER}/api/token"),
            "http://tokens.example/api/token",
        );
        assert_eq!(
            parse_metadata(ISSUER, 200, &clear),
            Err(DiscoveryError::BadEndpoint {
                field: "token_endpoint",
                problem: UrlProblem::ClearText
            })
        );
        assert_eq!(
            parse_metadata(ISSUER, 404, ""),
            Err(DiscoveryError::NotFound { status: 404 })
        );
        assert_eq!(
            parse_metadata(ISSUER, 200, "<html>"),
            Err(DiscoveryError::NotJson)
        );
    }
}
