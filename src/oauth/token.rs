//! The token endpoint: request bodies as values and responses parsed from values (RFC 6749 §4.1.3, §5, §6).
//! The HTTP client is the caller's; nothing here does I/O.

use std::fmt;

use crate::json::{self, json_object, FromJson, Json, ToJson, Writer};

use super::authorize::PendingLogin;
use super::client::ClientId;
use super::error::ErrorCode;
use super::secret::{AccessToken, AuthorizationCode, RefreshToken};
use crate::form::Form;
use crate::http::TransportError;
use crate::session::SessionKey;
use crate::untrusted::shown;

/// A request to the token endpoint: always `POST` with a form body and no `Authorization` header, because a
/// public client has no secret to authenticate with.
pub struct TokenRequest {
    /// `application/x-www-form-urlencoded` body. It holds a code or a refresh token: never log it.
    body: String,
}

impl TokenRequest {
    pub const CONTENT_TYPE: &'static str = "application/x-www-form-urlencoded";

    /// Exchanges an authorization code, proving possession of the login's verifier. Consumes both, so neither
    /// can be sent twice.
    pub fn authorization_code(
        code: AuthorizationCode,
        login: PendingLogin,
        client_id: &ClientId,
    ) -> Self {
        let body = Form::new()
            .append_pair("grant_type", "authorization_code")
            .append_pair("code", code.secret())
            .append_pair("redirect_uri", login.redirect_uri.as_str())
            .append_pair("client_id", client_id.as_str())
            .append_pair("code_verifier", login.verifier.secret())
            .finish();
        TokenRequest { body }
    }

    /// Trades a refresh token for a new access token.
    pub fn refresh(refresh_token: &RefreshToken, client_id: &ClientId) -> Self {
        let body = Form::new()
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", refresh_token.secret())
            .append_pair("client_id", client_id.as_str())
            .finish();
        TokenRequest { body }
    }

    /// Asks the provider to revoke a refresh token, and with it the grant (RFC 7009 §2.1), at log out.
    pub fn revoke(refresh_token: &RefreshToken, client_id: &ClientId) -> Self {
        let body = Form::new()
            .append_pair("token", refresh_token.secret())
            .append_pair("token_type_hint", "refresh_token")
            .append_pair("client_id", client_id.as_str())
            .finish();
        TokenRequest { body }
    }

    /// The form body to send.
    pub fn body(&self) -> &str {
        &self.body
    }
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenRequest([redacted])")
    }
}

/// Which authorization a token set belongs to. Every tab that holds a copy of a session (a duplicated tab copies
/// sessionStorage) has the same grant, and the one that refreshes tells the others (see `session::Tabs`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grant {
    /// Names the authorization; not secret (derived from the login's spent verifier).
    pub id: String,
    /// How many times the tokens were refreshed: of two copies, the one with the higher version is newer.
    pub version: u64,
    /// When the user authorized, in milliseconds since the Unix epoch: refresh tokens die a fixed time after it
    /// (Spotify: six months).
    pub authorized_at_ms: u64,
    /// Whether the provider has been seen to replace the refresh token when it is used.
    pub rotation: Rotation,
}

/// What a refresh does to the refresh token, as far as the app has seen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Rotation {
    /// No refresh yet.
    #[default]
    Unknown,
    /// A refresh answered with a new refresh token: the old one is spent (RFC 9700 §4.14.2).
    Rotates,
    /// A refresh answered with none, or the same one (Spotify since July 2026).
    Keeps,
}

/// The tokens of a signed-in session.
#[derive(Debug, Clone)]
pub struct TokenSet {
    pub access_token: AccessToken,
    pub refresh_token: Option<RefreshToken>,
    /// Milliseconds since the Unix epoch after which the access token is no longer accepted.
    pub expires_at_ms: u64,
    /// From when on the token is refreshed before use, so that a request does not start with a token that dies
    /// on the way: [`EXPIRY_MARGIN_MS`] before expiry, or a quarter of the lifetime for short-lived tokens.
    pub refresh_at_ms: u64,
    /// The scopes granted (which may be fewer than those asked for).
    pub scopes: Vec<String>,
    /// The authorization these tokens belong to.
    pub grant: Grant,
    /// The session's own secret, made at the code exchange and kept with the tokens (see [`SessionKey`]).
    pub key: SessionKey,
}

/// How long before its expiry an access token is refreshed (at most; see [`TokenSet::refresh_at_ms`]).
pub const EXPIRY_MARGIN_MS: u64 = 60_000;

impl TokenSet {
    /// Whether the access token should be refreshed before it is used at `now_ms`.
    pub fn needs_refresh(&self, now_ms: u64) -> bool {
        now_ms >= self.refresh_at_ms
    }

    /// The JSON kept in sessionStorage.
    pub fn to_storage_json(&self) -> String {
        StoredTokens {
            access_token: self.access_token.secret().to_owned(),
            refresh_token: self.refresh_token.as_ref().map(|t| t.secret().to_owned()),
            expires_at_ms: self.expires_at_ms,
            refresh_at_ms: Some(self.refresh_at_ms),
            scopes: self.scopes.clone(),
            grant: self.grant.clone(),
            key: Some(self.key.to_storage()),
        }
        .to_json()
    }

    /// Reads back what [`Self::to_storage_json`] wrote; `None` for anything else, a set without its session key
    /// included.
    pub fn from_storage_json(json: &str) -> Option<Self> {
        Self::read_stored(json, None)
    }

    /// Reads tokens kept before sessions had a key (or with one), giving them `key` when they have none. For the
    /// one tab that holds them: a copy made earlier gets another key, and the two no longer talk.
    pub fn from_storage_json_keyed(json: &str, key: SessionKey) -> Option<Self> {
        Self::read_stored(json, Some(key))
    }

    fn read_stored(json: &str, fallback: Option<SessionKey>) -> Option<Self> {
        let s: StoredTokens = json::from_str(json)?;
        if s.access_token.is_empty() {
            return None;
        }
        let key = match s.key.as_deref() {
            Some(stored) => SessionKey::from_storage(stored)?,
            None => fallback?,
        };
        Some(TokenSet {
            access_token: AccessToken::new(s.access_token),
            refresh_token: s
                .refresh_token
                .filter(|t| !t.is_empty())
                .map(RefreshToken::new),
            expires_at_ms: s.expires_at_ms,
            refresh_at_ms: s
                .refresh_at_ms
                .unwrap_or(s.expires_at_ms.saturating_sub(EXPIRY_MARGIN_MS)),
            scopes: s.scopes,
            grant: s.grant,
            key,
        })
    }
}

/// The tokens as [`TokenSet::to_storage_json`] writes them; `refresh_at_ms`, `grant` and `key` may be missing
/// from what older versions wrote.
struct StoredTokens {
    access_token: String,
    refresh_token: Option<String>,
    expires_at_ms: u64,
    refresh_at_ms: Option<u64>,
    scopes: Vec<String>,
    grant: Grant,
    key: Option<String>,
}

json_object!(StoredTokens {
    access_token,
    refresh_token,
    expires_at_ms,
    refresh_at_ms,
    scopes,
    grant: default,
    key,
});

json_object!(Grant {
    id,
    version,
    authorized_at_ms,
    rotation: default,
});

impl Rotation {
    fn code(self) -> &'static str {
        match self {
            Rotation::Unknown => "unknown",
            Rotation::Rotates => "rotates",
            Rotation::Keeps => "keeps",
        }
    }
}

impl FromJson for Rotation {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        let code = json.as_str()?;
        [Rotation::Unknown, Rotation::Rotates, Rotation::Keeps]
            .into_iter()
            .find(|r| r.code() == code)
    }
}

impl ToJson for Rotation {
    fn write_json(&self, w: &mut Writer) {
        self.code().write_json(w);
    }
}

/// Why the token endpoint's answer gave no tokens. Messages are sentences without secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenError {
    /// The provider answered with an OAuth error body (RFC 6749 §5.2).
    OAuth {
        status: u16,
        error: ErrorCode,
        description: Option<String>,
    },
    /// The answer is not the JSON the token endpoint speaks (for example a proxy's HTML error page).
    NotJson { status: u16 },
    /// A successful answer without a usable `access_token`.
    MissingAccessToken,
    /// The token is not a bearer token, which is the only kind this app can use. Holds the `token_type` as
    /// shown (cleaned and capped; empty when there is none).
    UnsupportedTokenType(String),
    /// `expires_in` is missing, negative or not a whole number.
    InvalidExpiresIn,
    /// The token request never got an answer.
    Network(TransportError),
}

impl TokenError {
    /// Whether the provider refused for good (the grant is dead, the client or the grant type is refused), so
    /// the user has to log in again, as opposed to a failure worth retrying.
    pub fn is_permanent(&self) -> bool {
        matches!(self, TokenError::OAuth { error, .. } if error.is_permanent())
    }

    /// A stable name for the failure, for the page's `data-error` hook.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::OAuth { .. } => "token-refused",
            TokenError::NotJson { .. }
            | TokenError::MissingAccessToken
            | TokenError::UnsupportedTokenType(_)
            | TokenError::InvalidExpiresIn => "token-unreadable",
            TokenError::Network(_) => "token-network",
        }
    }

    /// The OAuth error code, when the provider sent one.
    pub fn oauth_error(&self) -> Option<&ErrorCode> {
        match self {
            TokenError::OAuth { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::OAuth { status, error, description: Some(d) } => {
                write!(f, "The sign-in service refused the token request: {error} ({d}), HTTP {status}.")
            }
            TokenError::OAuth { status, error, description: None } => {
                write!(f, "The sign-in service refused the token request: {error}, HTTP {status}.")
            }
            TokenError::NotJson { status } => write!(
                f,
                "The sign-in service answered HTTP {status} with something other than JSON; it may be down or \
                 behind a failing proxy. Try again in a moment."
            ),
            TokenError::MissingAccessToken => {
                write!(f, "The sign-in service answered without an access token.")
            }
            TokenError::UnsupportedTokenType(kind) if kind.is_empty() => write!(
                f,
                "The sign-in service issued a token without a type it names; only bearer tokens are supported."
            ),
            TokenError::UnsupportedTokenType(kind) => {
                write!(f, "The sign-in service issued a \"{kind}\" token; only bearer tokens are supported.")
            }
            TokenError::InvalidExpiresIn => {
                write!(f, "The sign-in service answered with an invalid \"expires_in\".")
            }
            TokenError::Network(detail) => write!(
                f,
                "Could not reach the sign-in service ({detail}). Check your connection and try again."
            ),
        }
    }
}

impl std::error::Error for TokenError {}

/// A successful answer, as far as it is JSON of the right types. `expires_in` is read as a whole number of
/// seconds, and any other value of it (a string, a fraction, a negative) as none.
struct RawSuccess {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<u64>,
    refresh_token: Option<String>,
    scope: Option<String>,
}

impl FromJson for RawSuccess {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        Some(RawSuccess {
            access_token: json.field("access_token")?,
            token_type: json.field("token_type")?,
            expires_in: json.member("expires_in")?.as_u64(),
            refresh_token: json.field("refresh_token")?,
            scope: json.field("scope")?,
        })
    }
}

/// An error answer (RFC 6749 §5.2).
struct RawError {
    error: String,
    error_description: Option<String>,
}

json_object!(read RawError { error, error_description });

/// Parses the token endpoint's answer.
///
/// `previous_refresh` is the refresh token that was spent on a refresh: when the answer carries none, the
/// old one stays in use (Spotify may omit it). `now_ms` turns `expires_in` into an absolute expiry. `key` is the
/// session's key, which the tokens are kept with.
pub fn parse_token_response(
    status: u16,
    body: &str,
    now_ms: u64,
    previous_refresh: Option<RefreshToken>,
    key: SessionKey,
) -> Result<TokenSet, TokenError> {
    if !(200..300).contains(&status) {
        // Both texts are the provider's, shown to the user: cleaned and capped. An `error` with nothing
        // showable in it is not an OAuth error body.
        return Err(match json::from_str::<RawError>(body) {
            Some(raw) if shown(&raw.error).is_some() => TokenError::OAuth {
                status,
                error: ErrorCode::parse(&raw.error),
                description: raw.error_description.as_deref().and_then(shown),
            },
            _ => TokenError::NotJson { status },
        });
    }
    let raw: RawSuccess = json::from_str(body).ok_or(TokenError::NotJson { status })?;
    let access_token = raw
        .access_token
        .filter(|t| !t.is_empty())
        .ok_or(TokenError::MissingAccessToken)?;
    match raw.token_type {
        Some(kind) if kind.eq_ignore_ascii_case("bearer") => {}
        Some(kind) => {
            return Err(TokenError::UnsupportedTokenType(
                shown(&kind).unwrap_or_default(),
            ))
        }
        None => return Err(TokenError::UnsupportedTokenType(String::new())),
    }
    let expires_in = raw
        .expires_in
        .filter(|&s| (1..=10 * 365 * 24 * 3600).contains(&s))
        .ok_or(TokenError::InvalidExpiresIn)?;
    let refresh_token = raw
        .refresh_token
        .filter(|t| !t.is_empty())
        .map(RefreshToken::new)
        .or(previous_refresh);
    Ok(TokenSet {
        access_token: AccessToken::new(access_token),
        refresh_token,
        expires_at_ms: now_ms.saturating_add(expires_in * 1000),
        refresh_at_ms: now_ms
            .saturating_add(expires_in * 1000 - EXPIRY_MARGIN_MS.min(expires_in * 1000 / 4)),
        scopes: raw
            .scope
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect(),
        grant: Grant::default(),
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_700_000_000_000;

    fn parse(status: u16, body: &str) -> Result<TokenSet, TokenError> {
        parse_token_response(status, body, NOW, None, SessionKey::from_bytes([9; 32]))
    }

    /// Guards against a wrong grant body: exact field names, values and encoding, no secret other than the
    /// verifier, and no client secret.
    #[test]
    fn authorization_code_body() {
        let login = PendingLogin::new(
            &[0; 32],
            &[1; 32],
            crate::oauth::RedirectUri::new("http://127.0.0.1:8080/callback"),
            0,
        );
        let req = TokenRequest::authorization_code(
            AuthorizationCode::new("co/de+1"),
            login,
            &ClientId::new("cid"),
        );
        assert_eq!(
            req.body(),
            "grant_type=authorization_code&code=co%2Fde%2B1\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback&client_id=cid\
             &code_verifier=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
        );
        assert!(!req.body().contains("client_secret"));
    }

    #[test]
    fn refresh_body() {
        let req = TokenRequest::refresh(&RefreshToken::new("r t"), &ClientId::new("cid"));
        assert_eq!(
            req.body(),
            "grant_type=refresh_token&refresh_token=r+t&client_id=cid"
        );
    }

    /// Guards against a revocation that names the wrong token or type (RFC 7009 §2.1).
    #[test]
    fn revocation_body() {
        let req = TokenRequest::revoke(&RefreshToken::new("r/t"), &ClientId::new("cid"));
        assert_eq!(
            req.body(),
            "token=r%2Ft&token_type_hint=refresh_token&client_id=cid"
        );
    }

    /// Guards against misreading Spotify's documented success answer.
    #[test]
    fn success() {
        let body = br#"{"access_token":"BQD","token_type":"Bearer","scope":"playlist-read-private playlist-read-collaborative","expires_in":3600,"refresh_token":"AQC"}"#;
        let set = parse(200, std::str::from_utf8(body).unwrap()).unwrap();
        assert_eq!(set.access_token.secret(), "BQD");
        assert_eq!(set.refresh_token.unwrap().secret(), "AQC");
        assert_eq!(set.expires_at_ms, NOW + 3_600_000);
        assert_eq!(
            set.scopes,
            ["playlist-read-private", "playlist-read-collaborative"]
        );
    }

    /// Guards against logging the user out when a refresh answer omits `refresh_token`.
    #[test]
    fn refresh_answer_without_refresh_token_keeps_the_old_one() {
        let body = r#"{"access_token":"new","token_type":"bearer","expires_in":3600,"scope":""}"#;
        let set = parse_token_response(
            200,
            body,
            NOW,
            Some(RefreshToken::new("old")),
            SessionKey::from_bytes([9; 32]),
        )
        .unwrap();
        assert_eq!(set.refresh_token.unwrap().secret(), "old");
        let set = parse(200, body).unwrap();
        assert!(set.refresh_token.is_none());
    }

    /// Guards against treating a rotated refresh token as optional.
    #[test]
    fn rotated_refresh_token_replaces_the_old_one() {
        let body =
            r#"{"access_token":"a","token_type":"Bearer","expires_in":60,"refresh_token":"new"}"#;
        let set = parse_token_response(
            200,
            body,
            NOW,
            Some(RefreshToken::new("old")),
            SessionKey::from_bytes([9; 32]),
        )
        .unwrap();
        assert_eq!(set.refresh_token.unwrap().secret(), "new");
    }

    #[test]
    fn json_error_body() {
        let body = r#"{"error":"invalid_grant","error_description":"Invalid authorization code"}"#;
        let err = parse(400, body).unwrap_err();
        assert_eq!(
            err,
            TokenError::OAuth {
                status: 400,
                error: ErrorCode::InvalidGrant,
                description: Some("Invalid authorization code".into())
            }
        );
        assert!(err.is_permanent());
        assert_eq!(err.code(), "token-refused");
        assert_eq!(
            err.to_string(),
            "The sign-in service refused the token request: invalid_grant (Invalid authorization code), HTTP 400."
        );
    }

    /// Guards against a proxy's HTML error page being shown raw or crashing the parser.
    #[test]
    fn html_502() {
        let err = parse(502, "<html><body><h1>502 Bad Gateway</h1></body></html>").unwrap_err();
        assert_eq!(err, TokenError::NotJson { status: 502 });
        assert!(!err.is_permanent());
        assert_eq!(err.code(), "token-unreadable");
        assert_eq!(
            parse(200, "<html>").unwrap_err(),
            TokenError::NotJson { status: 200 }
        );
        assert_eq!(
            parse(500, "").unwrap_err(),
            TokenError::NotJson { status: 500 }
        );
        assert_eq!(
            parse(400, r#"{"message":"no"}"#).unwrap_err(),
            TokenError::NotJson { status: 400 }
        );
    }

    #[test]
    fn token_type_must_be_bearer_in_any_case() {
        for kind in ["Bearer", "bearer", "BEARER"] {
            let body = format!(r#"{{"access_token":"a","token_type":"{kind}","expires_in":1}}"#);
            assert!(parse(200, &body).is_ok(), "{kind}");
        }
        let body = r#"{"access_token":"a","token_type":"mac","expires_in":1}"#;
        assert_eq!(
            parse(200, body).unwrap_err(),
            TokenError::UnsupportedTokenType("mac".into())
        );
        let body = r#"{"access_token":"a","expires_in":1}"#;
        assert!(matches!(
            parse(200, body).unwrap_err(),
            TokenError::UnsupportedTokenType(_)
        ));
    }

    #[test]
    fn missing_fields() {
        let no_token = r#"{"token_type":"Bearer","expires_in":3600}"#;
        assert_eq!(
            parse(200, no_token).unwrap_err(),
            TokenError::MissingAccessToken
        );
        let empty_token = r#"{"access_token":"","token_type":"Bearer","expires_in":3600}"#;
        assert_eq!(
            parse(200, empty_token).unwrap_err(),
            TokenError::MissingAccessToken
        );
        for expires in [
            r#""#,
            r#","expires_in":-5"#,
            r#","expires_in":"3600""#,
            r#","expires_in":1.5"#,
            r#","expires_in":null"#,
            r#","expires_in":true"#,
            r#","expires_in":[3600]"#,
            r#","expires_in":{"seconds":3600,"more":[{"x":null}]}"#,
        ] {
            let body = format!(r#"{{"access_token":"a","token_type":"Bearer"{expires}}}"#);
            assert_eq!(
                parse(200, &body).unwrap_err(),
                TokenError::InvalidExpiresIn,
                "{body}"
            );
        }
    }

    /// Guards against using a token up to the last millisecond, and against a storage round trip losing data.
    #[test]
    fn expiry_and_storage() {
        let body =
            r#"{"access_token":"a","token_type":"Bearer","expires_in":3600,"refresh_token":"r"}"#;
        let set = parse(200, body).unwrap();
        assert!(!set.needs_refresh(NOW));
        assert!(set.needs_refresh(NOW + 3_600_000 - EXPIRY_MARGIN_MS));
        let back = TokenSet::from_storage_json(&set.to_storage_json()).unwrap();
        assert_eq!(back.access_token.secret(), "a");
        assert_eq!(back.refresh_token.unwrap().secret(), "r");
        assert_eq!(back.expires_at_ms, set.expires_at_ms);
        assert!(TokenSet::from_storage_json("garbage").is_none());
        assert!(!format!("{set:?}").contains("\"a\""));
    }

    /// Guards against a session key lost in storage (the tabs of a session would no longer understand each
    /// other), and against a session kept before keys existed being dropped instead of given a key of its own.
    #[test]
    fn the_session_key_is_kept_with_the_tokens() {
        let body = r#"{"access_token":"a","token_type":"Bearer","expires_in":3600}"#;
        let set = parse(200, body).unwrap();
        let back = TokenSet::from_storage_json(&set.to_storage_json()).unwrap();
        assert_eq!(back.key.names(), SessionKey::from_bytes([9; 32]).names());
        assert!(!format!("{back:?}").contains(&back.key.to_storage()));

        let legacy = r#"{"access_token":"a","refresh_token":"r","expires_at_ms":5,"scopes":[]}"#;
        assert!(TokenSet::from_storage_json(legacy).is_none());
        let adopted =
            TokenSet::from_storage_json_keyed(legacy, SessionKey::from_bytes([3; 32])).unwrap();
        assert_eq!(adopted.key.names(), SessionKey::from_bytes([3; 32]).names());
        // A kept key wins over the one offered.
        let kept = TokenSet::from_storage_json_keyed(
            &set.to_storage_json(),
            SessionKey::from_bytes([3; 32]),
        )
        .unwrap();
        assert_eq!(kept.key.names(), SessionKey::from_bytes([9; 32]).names());
        let bad_key = set
            .to_storage_json()
            .replace(&set.key.to_storage(), "short");
        assert!(TokenSet::from_storage_json(&bad_key).is_none());
    }

    /// Guards against refreshing before every request when tokens live a minute or less.
    #[test]
    fn short_lived_tokens_are_refreshed_after_three_quarters_of_their_life() {
        let body = r#"{"access_token":"a","token_type":"Bearer","expires_in":20}"#;
        let set = parse(200, body).unwrap();
        assert!(!set.needs_refresh(NOW + 14_999));
        assert!(set.needs_refresh(NOW + 15_000));
    }

    /// Guards against a token endpoint's hostile texts (markup, line breaks, 10 KB, non-ASCII, quotes and
    /// backslashes) reaching the page through `error_description`, an unknown `error` or `token_type`: each row
    /// of the shared table comes out as `untrusted::shown` makes it, and the message stays one sentence.
    #[test]
    fn hostile_texts_are_cleaned_and_capped() {
        for (text, expected) in crate::untrusted::hostile() {
            let json = serde_json::to_string(&text).unwrap();
            let body = format!(r#"{{"error":"invalid_grant","error_description":{json}}}"#);
            let err = parse(400, &body).unwrap_err();
            assert_eq!(
                err,
                TokenError::OAuth {
                    status: 400,
                    error: ErrorCode::InvalidGrant,
                    description: expected.clone()
                },
                "{text:?}"
            );
            assert!(!err.to_string().contains(['\n', '"', '\\']), "{err}");

            let body = format!(r#"{{"error":{json}}}"#);
            let err = parse(400, &body).unwrap_err();
            match &expected {
                Some(code) => assert_eq!(
                    err.oauth_error(),
                    Some(&ErrorCode::Other(code.clone())),
                    "{text:?}"
                ),
                None => assert_eq!(err, TokenError::NotJson { status: 400 }, "{text:?}"),
            }
            assert!(err.to_string().ends_with('.'), "{err}");

            let body = format!(r#"{{"access_token":"a","token_type":{json},"expires_in":60}}"#);
            let err = parse(200, &body).unwrap_err();
            assert_eq!(
                err,
                TokenError::UnsupportedTokenType(expected.clone().unwrap_or_default()),
                "{text:?}"
            );
            let message = err.to_string();
            assert!(
                message.chars().count() < 300 && !message.contains('\n'),
                "{message}"
            );
        }
    }

    /// Guards against a request body (code, verifier, refresh token) reaching a log through `Debug`.
    #[test]
    fn token_request_debug_is_redacted() {
        let req =
            TokenRequest::refresh(&RefreshToken::new("secret-refresh"), &ClientId::new("cid"));
        assert_eq!(format!("{req:?}"), "TokenRequest([redacted])");
    }
}
