//! The app's configuration: a JSON object in `<script id="app-config" type="application/json">` of
//! `index.html`, so a built `dist/` can be pointed at another provider by editing one block, with no rebuild.
//!
//! The block names the endpoints, or only an `issuer` whose metadata (RFC 8414) names them; then it is
//! [`Loaded::Discover`] until the metadata is read. Every URL the app sends codes or tokens to is checked the way
//! a browser reads it ([`crate::url`]).

use std::fmt;

use crate::csp;
use crate::json::{self, FromJson, Json};
use crate::oauth::discovery::{self, Endpoints};
use crate::oauth::{ClientId, RedirectUri};
use crate::url::{self, UrlProblem};

/// Where the app signs in and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfig {
    pub client_id: ClientId,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    /// Where log out revokes the refresh token (RFC 7009), when the provider has one.
    pub revocation_endpoint: Option<String>,
    /// The provider's issuer identifier, when known: the callback's `iss` must equal it (RFC 9207).
    pub issuer: Option<String>,
    /// Whether the provider says it puts `iss` in every authorization response, so one without it is refused.
    pub iss_required: bool,
    /// The Web API's base, without a trailing slash: `https://api.spotify.com/v1`.
    pub api_base_url: String,
    pub scopes: Vec<String>,
    /// Defaults to the page's origin + `/callback`.
    pub redirect_uri: Option<RedirectUri>,
    /// How long lists are read: concurrently (the default), or one page after another by following each
    /// answer's `next` link, as Spotify's own SDK does (kept so the benchmark can compare the two).
    pub paging: Paging,
    /// Whether the provider replaces the refresh token at each refresh, when the deployer knows (`false` for
    /// Spotify, whose refreshes return none since July 2026). Until a refresh shows it, the app assumes it may,
    /// and never sends a refresh again whose answer was lost; what a refresh shows wins over this.
    pub rotates_refresh_tokens: Option<bool>,
    /// How old the session's local copy of the library may grow before it is read again in full (hours).
    pub library_max_age_hours: u32,
}

/// The block as written: only `client_id` is required.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Block {
    client_id: ClientId,
    issuer: Option<String>,
    authorization_endpoint: Option<String>,
    token_endpoint: Option<String>,
    revocation_endpoint: Option<String>,
    api_base_url: Option<String>,
    scopes: Option<Vec<String>>,
    redirect_uri: Option<RedirectUri>,
    paging: Paging,
    rotates_refresh_tokens: Option<bool>,
    library_max_age_hours: Option<u32>,
}

impl Block {
    /// The block's fields: any other is refused by name, so that a misspelt one cannot pass unnoticed.
    const FIELDS: [&str; 11] = [
        "client_id",
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "revocation_endpoint",
        "api_base_url",
        "scopes",
        "redirect_uri",
        "paging",
        "rotates_refresh_tokens",
        "library_max_age_hours",
    ];

    /// Reads the block's text; what is wrong with it, for [`ConfigError::NotJson`].
    fn read(text: &str) -> Result<Block, String> {
        let json = json::parse(text).map_err(|e| e.to_string())?;
        if !matches!(json, Json::Object(_)) {
            return Err("it is not an object".into());
        }
        if let Some(name) = json.unknown_member(&Block::FIELDS) {
            return Err(format!("unknown field `{name}`"));
        }
        fn field<T: FromJson>(json: &Json<'_>, name: &str) -> Result<T, String> {
            json.field(name)
                .ok_or_else(|| format!("`{name}` is missing or not of its type"))
        }
        Ok(Block {
            client_id: field(&json, "client_id")?,
            issuer: field(&json, "issuer")?,
            authorization_endpoint: field(&json, "authorization_endpoint")?,
            token_endpoint: field(&json, "token_endpoint")?,
            revocation_endpoint: field(&json, "revocation_endpoint")?,
            api_base_url: field(&json, "api_base_url")?,
            scopes: field(&json, "scopes")?,
            redirect_uri: field(&json, "redirect_uri")?,
            paging: field::<Option<Paging>>(&json, "paging")?.unwrap_or_default(),
            rotates_refresh_tokens: field(&json, "rotates_refresh_tokens")?,
            library_max_age_hours: field(&json, "library_max_age_hours")?,
        })
    }
}

/// The scopes asked for when the block names none: what reading the library needs.
pub const DEFAULT_SCOPES: [&str; 3] = [
    "playlist-read-private",
    "playlist-read-collaborative",
    "user-library-read",
];

/// How the pages of a long list are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Paging {
    /// After the first page has given the total, up to [`PAGES_IN_FLIGHT`] pages at a time, shown in order.
    #[default]
    Concurrent,
    /// One page after another, following `next`.
    Sequential,
}

/// `"concurrent"` or `"sequential"`.
impl FromJson for Paging {
    fn from_json(json: &Json<'_>) -> Option<Self> {
        match json.as_str()? {
            "concurrent" => Some(Paging::Concurrent),
            "sequential" => Some(Paging::Sequential),
            _ => None,
        }
    }
}

/// How many pages of a list are read at once. Spotify's Web API speaks HTTP/2, so they share one connection and
/// each costs two round trips (a preflight, cached per URL, then the GET). Ten hide those round trips about as
/// well as the page's one thread allows, which `cargo xtask bench` shows against fewer. More would only make a
/// burst larger, while Spotify's rate limit counts calls over a rolling 30-second window, in which a long
/// library's calls land at any concurrency. A 429 pauses all of them (see `session::retry`). Over HTTP/1.1 a
/// browser opens at most six connections to a host and queues the rest, which costs nothing.
pub const PAGES_IN_FLIGHT: usize = 10;

/// What is wrong with the configuration block. Shown to whoever deployed the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    Missing,
    NotJson(String),
    EmptyField(&'static str),
    /// Neither the endpoints nor an `issuer` to discover them from.
    NoEndpoints,
    NotAUrl {
        field: &'static str,
        value: String,
        problem: UrlProblem,
    },
    LocalhostRedirect(String),
    /// The page is served from one origin but signs in through a redirect URI on another: the login would come
    /// back where this tab's pending login is not.
    OtherOrigin {
        page: String,
        redirect: String,
    },
    /// The provider's metadata could not be used.
    Discovery(discovery::DiscoveryError),
    /// The page's Content Security Policy does not let it reach an endpoint (`connect-src`): the requests to it
    /// would be blocked. `origin` is what to add.
    OutsidePolicy {
        field: &'static str,
        origin: String,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing => {
                write!(f, "The page has no <script id=\"app-config\"> block, so the app does not know where to sign in.")
            }
            ConfigError::NotJson(e) => write!(f, "The app-config block is not valid configuration JSON: {e}."),
            ConfigError::EmptyField(field) => write!(f, "The app-config field \"{field}\" is empty."),
            ConfigError::NoEndpoints => write!(
                f,
                "The app-config block names neither \"authorization_endpoint\" and \"token_endpoint\" nor an \
                 \"issuer\" to discover them from."
            ),
            ConfigError::NotAUrl { field, value, problem } => {
                write!(f, "The app-config field \"{field}\" (\"{value}\") cannot be used: {problem}.")
            }
            ConfigError::LocalhostRedirect(uri) => write!(
                f,
                "The redirect URI \"{uri}\" uses \"localhost\", which Spotify refuses (and RFC 8252 advises \
                 against); open the app at http://127.0.0.1:PORT/ so that it uses http://127.0.0.1:PORT/callback."
            ),
            ConfigError::OtherOrigin { page, redirect } => write!(
                f,
                "This page is open at {page}, but the app signs in through {redirect}, so the sign-in would finish \
                 on another site than the one it started on. Open the app at {redirect} instead."
            ),
            ConfigError::Discovery(e) => e.fmt(f),
            ConfigError::OutsidePolicy { field, origin } => write!(
                f,
                "The sign-in service's \"{field}\" is at {origin}, which this page's Content Security Policy does \
                 not let it reach, so signing in would fail. Add {origin} to connect-src in the page's policy \
                 (cargo xtask configure does, when it reads the provider's metadata)."
            ),
        }
    }
}

impl ConfigError {
    /// A stable name for the failure, for the page's `data-error` hook.
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::Missing => "missing",
            ConfigError::NotJson(_) => "not-json",
            ConfigError::EmptyField(_) => "empty-field",
            ConfigError::NoEndpoints => "no-endpoints",
            ConfigError::NotAUrl { .. } => "not-a-url",
            ConfigError::LocalhostRedirect(_) => "localhost-redirect",
            ConfigError::OtherOrigin { .. } => "other-origin",
            ConfigError::Discovery(e) => e.code(),
            ConfigError::OutsidePolicy { .. } => "outside-policy",
        }
    }
}

impl std::error::Error for ConfigError {}

/// Checks a URL the app sends codes or tokens to.
fn checked(field: &'static str, value: &str) -> Result<(), ConfigError> {
    url::check(value)
        .map(|_| ())
        .map_err(|problem| ConfigError::NotAUrl {
            field,
            value: value.to_owned(),
            problem,
        })
}

/// A configuration block as read: complete, or waiting for its provider's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loaded {
    Ready(AppConfig),
    Discover(Discover),
}

/// A block that names only an issuer: read its metadata from [`Discover::metadata_urls`], then
/// [`Discover::complete`] it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discover {
    block: Block,
    issuer: String,
}

impl Discover {
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn metadata_urls(&self) -> [String; 2] {
        discovery::metadata_urls(&self.issuer)
    }

    /// The configuration, with the endpoints `metadata` (the issuer's document, already checked by
    /// [`discovery::parse_metadata`]) names.
    pub fn complete(self, metadata: Endpoints) -> Result<AppConfig, ConfigError> {
        let Endpoints {
            authorization_endpoint,
            token_endpoint,
            revocation_endpoint,
            iss_required,
        } = metadata;
        let block = Block {
            authorization_endpoint: Some(authorization_endpoint),
            token_endpoint: Some(token_endpoint),
            revocation_endpoint: self
                .block
                .revocation_endpoint
                .clone()
                .or(revocation_endpoint),
            ..self.block
        };
        let mut config = resolve(block)?;
        config.iss_required = iss_required;
        Ok(config)
    }
}

/// The block, checked, when it names its endpoints.
fn resolve(block: Block) -> Result<AppConfig, ConfigError> {
    let (Some(authorization_endpoint), Some(token_endpoint)) =
        (block.authorization_endpoint, block.token_endpoint)
    else {
        return Err(ConfigError::NoEndpoints);
    };
    let mut api_base_url = match (block.api_base_url, &block.issuer) {
        (Some(url), _) => url,
        // A provider configured by its issuer alone serves its Web API under it, as the local provider does.
        (None, Some(issuer)) => format!("{}/v1", issuer.trim_end_matches('/')),
        (None, None) => return Err(ConfigError::EmptyField("api_base_url")),
    };
    checked("authorization_endpoint", &authorization_endpoint)?;
    checked("token_endpoint", &token_endpoint)?;
    checked("api_base_url", &api_base_url)?;
    if let Some(endpoint) = &block.revocation_endpoint {
        checked("revocation_endpoint", endpoint)?;
    }
    if let Some(uri) = &block.redirect_uri {
        checked("redirect_uri", uri.as_str())?;
    }
    while api_base_url.ends_with('/') {
        api_base_url.pop();
    }
    let scopes = match block.scopes {
        Some(scopes) if scopes.iter().all(|s| s.trim().is_empty()) => {
            return Err(ConfigError::EmptyField("scopes"))
        }
        Some(scopes) => scopes,
        None => DEFAULT_SCOPES.map(str::to_owned).to_vec(),
    };
    Ok(AppConfig {
        client_id: block.client_id,
        authorization_endpoint,
        token_endpoint,
        revocation_endpoint: block.revocation_endpoint,
        iss_required: false,
        issuer: block.issuer,
        api_base_url,
        scopes,
        redirect_uri: block.redirect_uri,
        paging: block.paging,
        rotates_refresh_tokens: block.rotates_refresh_tokens,
        library_max_age_hours: block
            .library_max_age_hours
            .unwrap_or(crate::session::copy::DEFAULT_LIBRARY_MAX_AGE_HOURS),
    })
}

impl AppConfig {
    /// Parses and checks the configuration block's text: ready when it names its endpoints, waiting for
    /// discovery when it names only an `issuer`.
    pub fn load(text: &str) -> Result<Loaded, ConfigError> {
        let block = Block::read(text).map_err(ConfigError::NotJson)?;
        if block.client_id.as_str().trim().is_empty() {
            return Err(ConfigError::EmptyField("client_id"));
        }
        if let Some(issuer) = &block.issuer {
            url::check_issuer(issuer).map_err(|problem| ConfigError::NotAUrl {
                field: "issuer",
                value: issuer.clone(),
                problem,
            })?;
        }
        match (
            &block.issuer,
            &block.authorization_endpoint,
            &block.token_endpoint,
        ) {
            (Some(issuer), None, None) => Ok(Loaded::Discover(Discover {
                issuer: issuer.clone(),
                block,
            })),
            _ => resolve(block).map(Loaded::Ready),
        }
    }

    /// Parses and checks a block that names its endpoints.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        match Self::load(text)? {
            Loaded::Ready(config) => Ok(config),
            Loaded::Discover(_) => Err(ConfigError::NoEndpoints),
        }
    }

    /// Refuses a configuration whose token or revocation endpoint (the requests a discovered provider adds) the
    /// page's policies (`policies`, the page at `page_origin` enforces them all) would block, naming the origin
    /// to add to `connect-src`.
    pub fn check_policy<S: AsRef<str>>(
        &self,
        policies: &[S],
        page_origin: &str,
    ) -> Result<(), ConfigError> {
        let endpoints = [
            ("token_endpoint", Some(&self.token_endpoint)),
            ("revocation_endpoint", self.revocation_endpoint.as_ref()),
        ];
        for (field, endpoint) in endpoints {
            let Some(endpoint) = endpoint else { continue };
            if !csp::allows_connect(policies, page_origin, endpoint) {
                let origin = url::check(endpoint)
                    .map(|checked| checked.origin)
                    .unwrap_or_else(|_| endpoint.clone());
                return Err(ConfigError::OutsidePolicy { field, origin });
            }
        }
        Ok(())
    }

    /// The redirect URI to register and send: the configured one, or `origin` + `/callback`. Refused when it
    /// would not be a safe place to receive a code (clear text to another machine), when it uses `localhost`,
    /// and when it is on another origin than the page (the login would finish where its pending login is not).
    pub fn redirect_uri(&self, origin: &str) -> Result<RedirectUri, ConfigError> {
        let uri = match &self.redirect_uri {
            Some(uri) => uri.to_string(),
            None => format!("{}/callback", origin.trim_end_matches('/')),
        };
        let checked = url::check(&uri).map_err(|problem| ConfigError::NotAUrl {
            field: "redirect_uri",
            value: uri.clone(),
            problem,
        })?;
        if checked.host == "localhost" {
            return Err(ConfigError::LocalhostRedirect(uri));
        }
        if checked.origin != origin.trim_end_matches('/') {
            return Err(ConfigError::OtherOrigin {
                page: origin.trim_end_matches('/').to_owned(),
                redirect: checked.origin,
            });
        }
        Ok(RedirectUri::new(uri))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCAL: &str = include_str!("../config/local.json");
    const SPOTIFY: &str = include_str!("../config/spotify.json");

    /// Guards against shipping a preset the app cannot read.
    #[test]
    fn presets_parse() {
        let local = AppConfig::from_json(LOCAL).unwrap();
        assert_eq!(local.api_base_url, "http://127.0.0.1:8081/v1");
        // The local provider can be told to rotate, so the app learns it from a refresh; Spotify keeps its refresh
        // tokens, so a refresh whose answer was lost is sent again there.
        assert_eq!(local.rotates_refresh_tokens, None);
        let spotify = AppConfig::from_json(SPOTIFY).unwrap();
        assert_eq!(spotify.rotates_refresh_tokens, Some(false));
        assert_eq!(
            spotify.token_endpoint,
            "https://accounts.spotify.com/api/token"
        );
        // Liked Songs need `user-library-read`, in both presets.
        let scopes = [
            "playlist-read-private",
            "playlist-read-collaborative",
            "user-library-read",
        ];
        assert_eq!(spotify.scopes, scopes);
        assert_eq!(local.scopes, scopes);
    }

    #[test]
    fn redirect_uri_defaults_to_origin_callback_and_refuses_localhost() {
        let config = AppConfig::from_json(LOCAL).unwrap();
        assert_eq!(
            config.redirect_uri("http://127.0.0.1:8080").unwrap(),
            RedirectUri::new("http://127.0.0.1:8080/callback")
        );
        assert_eq!(
            config.redirect_uri("http://127.0.0.1:8080/").unwrap(),
            RedirectUri::new("http://127.0.0.1:8080/callback")
        );
        assert!(matches!(
            config.redirect_uri("http://localhost:8080"),
            Err(ConfigError::LocalhostRedirect(_))
        ));
        let custom = AppConfig {
            redirect_uri: Some(RedirectUri::new("https://app.example/cb")),
            ..config.clone()
        };
        assert_eq!(
            custom.redirect_uri("https://app.example").unwrap(),
            RedirectUri::new("https://app.example/cb")
        );
        // A login started on one origin would come back to another, where its pending login is not: both are
        // named (localhost against 127.0.0.1 is the usual case).
        assert_eq!(
            custom.redirect_uri("https://www.app.example"),
            Err(ConfigError::OtherOrigin {
                page: "https://www.app.example".into(),
                redirect: "https://app.example".into()
            })
        );
        let loopback = AppConfig {
            redirect_uri: Some(RedirectUri::new("http://127.0.0.1:8080/callback")),
            ..config.clone()
        };
        let message = loopback
            .redirect_uri("http://[::1]:8080")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("http://[::1]:8080") && message.contains("http://127.0.0.1:8080"),
            "{message}"
        );
        // The computed one is checked like every other URL: a page served in clear text from another machine
        // cannot receive a code.
        assert!(matches!(
            config.redirect_uri("http://192.168.1.20:8080"),
            Err(ConfigError::NotAUrl {
                field: "redirect_uri",
                problem: UrlProblem::ClearText,
                ..
            })
        ));
    }

    /// Guards against the four URLs a prefix check let through reaching the app's configuration.
    #[test]
    fn urls_a_browser_reads_differently_are_refused() {
        for (bad, problem) in [
            ("http://127.evil.example/api/token", UrlProblem::ClearText),
            ("http://127.0.0.1.nip.io/api/token", UrlProblem::ClearText),
            (
                "http://evil.example\\\\@127.0.0.1/v1",
                UrlProblem::Character,
            ),
            ("http://user:pw@127.0.0.1:8081/v1", UrlProblem::Userinfo),
        ] {
            let block = LOCAL.replace("http://127.0.0.1:8081/api/token", bad);
            assert!(
                matches!(
                    AppConfig::from_json(&block),
                    Err(ConfigError::NotAUrl { field: "token_endpoint", problem: p, .. }) if p == problem
                ),
                "{bad}"
            );
        }
    }

    /// Guards against a provider configured by its issuer alone being used before its metadata is checked,
    /// and against the metadata's endpoints bypassing the configuration's checks.
    #[test]
    fn an_issuer_alone_waits_for_discovery() {
        let block = r#"{"client_id":"c","issuer":"http://127.0.0.1:8081"}"#;
        let Ok(Loaded::Discover(pending)) = AppConfig::load(block) else {
            panic!("an issuer alone needs discovery");
        };
        assert_eq!(pending.issuer(), "http://127.0.0.1:8081");
        assert_eq!(
            pending.metadata_urls()[0],
            "http://127.0.0.1:8081/.well-known/oauth-authorization-server"
        );
        let config = pending
            .complete(Endpoints {
                authorization_endpoint: "http://127.0.0.1:8081/authorize".into(),
                token_endpoint: "http://127.0.0.1:8081/api/token".into(),
                revocation_endpoint: Some("http://127.0.0.1:8081/api/revoke".into()),
                iss_required: true,
            })
            .unwrap();
        assert_eq!(config.api_base_url, "http://127.0.0.1:8081/v1");
        assert_eq!(config.scopes, DEFAULT_SCOPES);
        assert_eq!(config.issuer.as_deref(), Some("http://127.0.0.1:8081"));
        assert!(config.iss_required);
        assert_eq!(
            AppConfig::from_json(block),
            Err(ConfigError::NoEndpoints),
            "not usable before discovery"
        );
        assert!(matches!(
            AppConfig::load(r#"{"client_id":"c","issuer":"http://issuer.example"}"#),
            Err(ConfigError::NotAUrl {
                field: "issuer",
                ..
            })
        ));
        assert_eq!(
            AppConfig::load(r#"{"client_id":"c"}"#),
            Err(ConfigError::NoEndpoints)
        );
    }

    /// Guards against an issuer with a query or a fragment (RFC 8414 §2) being used, alone or with endpoints:
    /// the block is refused with the field and the problem named.
    #[test]
    fn an_issuer_with_a_query_or_fragment_is_refused() {
        for (issuer, problem) in [
            ("https://id.example?tenant=7", UrlProblem::Query),
            ("https://id.example/t/?", UrlProblem::Query),
            ("https://id.example/t#x", UrlProblem::Fragment),
        ] {
            let alone = format!(r#"{{"client_id":"c","issuer":"{issuer}"}}"#);
            let with_endpoints = LOCAL.replacen('{', &format!(r#"{{"issuer":"{issuer}","#), 1);
            for block in [alone, with_endpoints] {
                let err = AppConfig::load(&block).unwrap_err();
                assert_eq!(
                    err,
                    ConfigError::NotAUrl {
                        field: "issuer",
                        value: issuer.into(),
                        problem
                    },
                    "{block}"
                );
                assert_eq!(err.code(), "not-a-url");
                let message = err.to_string();
                assert!(
                    message.contains("\"issuer\"") && message.contains(issuer),
                    "{message}"
                );
            }
        }
        let message = AppConfig::load(r#"{"client_id":"c","issuer":"https://id.example?x=1"}"#)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("?query") && message.contains("RFC 8414"),
            "{message}"
        );
    }

    /// Guards against a discovered token or revocation endpoint that the page's policy would block being used:
    /// the login would fail at the code exchange, or log out at the revocation, with nothing but a console line.
    /// The error names the field and the origin to add.
    #[test]
    fn discovered_endpoints_must_be_in_the_pages_policy() {
        let block = r#"{"client_id":"c","issuer":"https://id.example"}"#;
        let Ok(Loaded::Discover(pending)) = AppConfig::load(block) else {
            panic!("an issuer alone needs discovery");
        };
        let config = pending
            .complete(Endpoints {
                authorization_endpoint: "https://login.example/authorize".into(),
                token_endpoint: "https://tokens.example:8443/oauth/token".into(),
                revocation_endpoint: Some("https://revoke.example/revoke".into()),
                iss_required: false,
            })
            .unwrap();
        let page = "https://app.example";
        let all = "default-src 'none'; connect-src 'self' https://id.example https://tokens.example:8443 \
                   https://revoke.example";
        assert_eq!(config.check_policy(&[all], page), Ok(()));
        let none: [&str; 0] = [];
        assert_eq!(
            config.check_policy(&none, page),
            Ok(()),
            "no policy, no limit"
        );
        assert_eq!(
            config.check_policy(&["connect-src 'self' https://id.example"], page),
            Err(ConfigError::OutsidePolicy {
                field: "token_endpoint",
                origin: "https://tokens.example:8443".into()
            })
        );
        let err = config
            .check_policy(&["connect-src 'self' https://*.example:8443"], page)
            .unwrap_err();
        assert_eq!(
            err,
            ConfigError::OutsidePolicy {
                field: "revocation_endpoint",
                origin: "https://revoke.example".into()
            }
        );
        assert_eq!(err.code(), "outside-policy");
        let message = err.to_string();
        assert!(
            message.contains("https://revoke.example") && message.contains("connect-src"),
            "{message}"
        );
        // The authorization endpoint is a navigation, which connect-src does not govern.
        assert_eq!(config.check_policy(&["connect-src https:"], page), Ok(()));
    }

    /// Guards against a typo in the block silently producing a broken login.
    #[test]
    fn bad_blocks_are_refused_with_the_field_named() {
        assert!(matches!(
            AppConfig::from_json("nope"),
            Err(ConfigError::NotJson(_))
        ));
        // An unknown field (here one a public client must never have) is refused by name.
        let secret = LOCAL.replacen('{', "{\"client_secret\": \"x\", ", 1);
        match AppConfig::from_json(&secret) {
            Err(ConfigError::NotJson(e)) => assert!(e.contains("client_secret"), "{e}"),
            other => panic!("accepted an unknown field: {other:?}"),
        }
        // Clear-text http is for loopback only; https is fine anywhere.
        let remote_http = LOCAL.replace("http://127.0.0.1:8081/v1", "http://api.example/v1");
        assert!(matches!(
            AppConfig::from_json(&remote_http),
            Err(ConfigError::NotAUrl {
                field: "api_base_url",
                ..
            })
        ));
        for ok in [
            "https://api.example/v1",
            "http://[::1]:8081/v1",
            "http://localhost:8081/v1",
        ] {
            let config = AppConfig::from_json(&LOCAL.replace("http://127.0.0.1:8081/v1", ok));
            assert_eq!(config.map(|c| c.api_base_url), Ok(ok.to_owned()));
        }
        let no_client = LOCAL.replace("\"pkce-playlists-local\"", "\" \"");
        assert_eq!(
            AppConfig::from_json(&no_client),
            Err(ConfigError::EmptyField("client_id"))
        );
        let bad_url = LOCAL.replace("http://127.0.0.1:8081/api/token", "ftp://x");
        assert!(matches!(
            AppConfig::from_json(&bad_url),
            Err(ConfigError::NotAUrl {
                field: "token_endpoint",
                ..
            })
        ));
        let trailing = LOCAL.replace("8081/v1\"", "8081/v1/\"");
        assert_eq!(
            AppConfig::from_json(&trailing).unwrap().api_base_url,
            "http://127.0.0.1:8081/v1"
        );
    }
}
