//! The app's configuration: a JSON object in `<script id="app-config" type="application/json">` of
//! `index.html`, so a built `dist/` can be pointed at another provider by editing one block, with no rebuild.

use std::fmt;

use serde::Deserialize;

use crate::oauth::{ClientId, RedirectUri};

/// Where the app signs in and what it asks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    pub client_id: ClientId,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    /// The Web API's base, without a trailing slash: `https://api.spotify.com/v1`.
    pub api_base_url: String,
    pub scopes: Vec<String>,
    /// Defaults to the page's origin + `/callback`.
    #[serde(default)]
    pub redirect_uri: Option<RedirectUri>,
    /// How long lists are read: concurrently (the default), or one page after another by following each
    /// answer's `next` link, as Spotify's own SDK does (kept so the benchmark can compare the two).
    #[serde(default)]
    pub paging: Paging,
}

/// How the pages of a long list are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Paging {
    /// After the first page has given the total, up to [`PAGES_IN_FLIGHT`] pages at a time, shown in order.
    #[default]
    Concurrent,
    /// One page after another, following `next`.
    Sequential,
}

/// How many pages of a list are read at once. Browsers open at most six HTTP/1.1 connections to one host, so
/// more buys nothing there; over HTTP/2 (Spotify) six in flight already hide most of the latency, while a 10,000
/// playlist library (200 pages) still spreads over several seconds rather than landing in Spotify's rolling
/// 30-second rate-limit window all at once. A 429 pauses all of them (see `session::retry`).
pub const PAGES_IN_FLIGHT: usize = 6;

/// What is wrong with the configuration block. Shown to whoever deployed the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    Missing,
    NotJson(String),
    EmptyField(&'static str),
    NotAUrl { field: &'static str, value: String },
    LocalhostRedirect(String),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::Missing => {
                write!(f, "The page has no <script id=\"app-config\"> block, so the app does not know where to sign in.")
            }
            ConfigError::NotJson(e) => write!(f, "The app-config block is not valid configuration JSON: {e}."),
            ConfigError::EmptyField(field) => write!(f, "The app-config field \"{field}\" is empty."),
            ConfigError::NotAUrl { field, value } => {
                write!(
                    f,
                    "The app-config field \"{field}\" must be an https URL (http only on a loopback address \
                     such as 127.0.0.1), not \"{value}\"."
                )
            }
            ConfigError::LocalhostRedirect(uri) => write!(
                f,
                "The redirect URI \"{uri}\" uses \"localhost\", which Spotify refuses; use http://127.0.0.1:PORT/callback."
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

/// An `https` URL, or an `http` one on a loopback host (where nothing crosses a network): tokens and codes
/// never travel in clear text.
fn is_http_url(value: &str) -> bool {
    let well_formed = |rest: &str| {
        !rest.is_empty() && !rest.starts_with('/') && !rest.contains(char::is_whitespace)
    };
    if let Some(rest) = value.strip_prefix("https://") {
        return well_formed(rest);
    }
    value.strip_prefix("http://").is_some_and(well_formed) && is_loopback(host_of(value))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost") || host == "[::1]" || host.starts_with("127.")
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    match host_port.find(']') {
        Some(end) if host_port.starts_with('[') => &host_port[..=end],
        _ => host_port.split(':').next().unwrap_or(""),
    }
}

impl AppConfig {
    /// Parses and checks the configuration block's text.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let mut config: AppConfig =
            serde_json::from_str(text).map_err(|e| ConfigError::NotJson(e.to_string()))?;
        if config.client_id.as_str().trim().is_empty() {
            return Err(ConfigError::EmptyField("client_id"));
        }
        if config.scopes.iter().all(|s| s.trim().is_empty()) {
            return Err(ConfigError::EmptyField("scopes"));
        }
        for (field, value) in [
            ("authorization_endpoint", &config.authorization_endpoint),
            ("token_endpoint", &config.token_endpoint),
            ("api_base_url", &config.api_base_url),
        ] {
            if !is_http_url(value) {
                return Err(ConfigError::NotAUrl {
                    field,
                    value: value.clone(),
                });
            }
        }
        if let Some(uri) = &config.redirect_uri {
            if !is_http_url(uri.as_str()) {
                return Err(ConfigError::NotAUrl {
                    field: "redirect_uri",
                    value: uri.to_string(),
                });
            }
        }
        while config.api_base_url.ends_with('/') {
            config.api_base_url.pop();
        }
        Ok(config)
    }

    /// The redirect URI to register and send: the configured one, or `origin` + `/callback`.
    pub fn redirect_uri(&self, origin: &str) -> Result<RedirectUri, ConfigError> {
        let uri = match &self.redirect_uri {
            Some(uri) => uri.to_string(),
            None => format!("{}/callback", origin.trim_end_matches('/')),
        };
        if host_of(&uri).eq_ignore_ascii_case("localhost") {
            return Err(ConfigError::LocalhostRedirect(uri));
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
        let spotify = AppConfig::from_json(SPOTIFY).unwrap();
        assert_eq!(
            spotify.token_endpoint,
            "https://accounts.spotify.com/api/token"
        );
        assert_eq!(
            spotify.scopes,
            ["playlist-read-private", "playlist-read-collaborative"]
        );
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
            ..config
        };
        assert_eq!(
            custom.redirect_uri("http://ignored").unwrap(),
            RedirectUri::new("https://app.example/cb")
        );
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
