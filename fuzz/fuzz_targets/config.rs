//! The configuration block: `config::AppConfig::from_json`, and on success `redirect_uri(origin)` and the
//! authorization URL a login would go to.
//!
//! Input: the first line is the page's origin (`location.origin`); the rest is the block's JSON.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pkce_playlists::config::{AppConfig, ConfigError};
use pkce_playlists::oauth::{PendingLogin, RedirectUri};
use pkce_playlists_fuzz::{assert_sentence, split_first_line};

/// What every URL the app sends codes or tokens to is, whatever the block said: `https://`, or `http://` to this
/// machine written as such; nothing a browser reads differently from the text (whitespace, control characters,
/// backslashes), no fragment, no user name or password.
fn assert_safe_url(url: &str) {
    assert!(
        !url.chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\'),
        "accepted {url:?}"
    );
    assert!(!url.contains('#'), "accepted {url:?}");
    let (https, rest) = match (url.strip_prefix("https://"), url.strip_prefix("http://")) {
        (Some(rest), _) => (true, rest),
        (None, Some(rest)) => (false, rest),
        (None, None) => panic!("accepted {url:?}"),
    };
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    assert!(!authority.contains('@'), "accepted {url:?}");
    if !https {
        let host = match authority.strip_prefix('[') {
            Some(v6) => format!("[{}", v6.split(']').next().unwrap_or_default()) + "]",
            None => authority
                .split(':')
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase(),
        };
        let ipv4_loopback = {
            let parts: Vec<&str> = host.split('.').collect();
            parts.len() == 4
                && parts[0] == "127"
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.len() <= 3 && p.bytes().all(|b| b.is_ascii_digit()))
        };
        assert!(
            ipv4_loopback || host == "[::1]" || host == "localhost",
            "clear text to {host:?} accepted: {url:?}"
        );
    }
}

fuzz_target!(|data: &[u8]| {
    let (origin, block) = split_first_line(data);
    let config = match AppConfig::from_json(&block) {
        Ok(config) => config,
        Err(error) => {
            assert_sentence(&error.to_string());
            return;
        }
    };

    // Codes and tokens go only to web addresses; the block names who the app is and what it asks for.
    assert!(!config.client_id.as_str().trim().is_empty());
    assert!(config.scopes.iter().any(|s| !s.trim().is_empty()));
    for url in [
        &config.authorization_endpoint,
        &config.token_endpoint,
        &config.api_base_url,
    ] {
        assert_safe_url(url);
    }
    if let Some(url) = &config.revocation_endpoint {
        assert_safe_url(url);
    }
    if let Some(uri) = &config.redirect_uri {
        assert_safe_url(uri.as_str());
    }
    assert!(!config.api_base_url.ends_with('/'));

    // The redirect URI is the configured one, or the page's origin + `/callback`, on the page's origin; never on
    // `localhost`.
    let wanted = match &config.redirect_uri {
        Some(uri) => uri.to_string(),
        None => format!("{}/callback", origin.trim_end_matches('/')),
    };
    let redirect = match config.redirect_uri(&origin) {
        Ok(uri) => {
            assert_eq!(uri.as_str(), wanted);
            assert_safe_url(uri.as_str());
            let page = origin.trim_end_matches('/').to_ascii_lowercase();
            assert!(
                uri.as_str().to_ascii_lowercase().starts_with(&page),
                "{uri:?} is not on {origin:?}"
            );
            uri
        }
        Err(error) => {
            assert_sentence(&error.to_string());
            if let ConfigError::LocalhostRedirect(uri) = &error {
                assert_eq!(uri, &wanted);
                assert!(uri.to_ascii_lowercase().contains("localhost"));
            }
            RedirectUri::new(wanted)
        }
    };

    // The authorization URL a login would go to starts at the configured endpoint and carries the request.
    let login = PendingLogin::new(&[0; 32], &[0xff; 32], redirect, 0);
    let url = login.authorization_url(&config);
    let query = url
        .strip_prefix(config.authorization_endpoint.as_str())
        .expect("the authorization URL starts with the endpoint");
    assert!(query.starts_with('?') || query.starts_with('&'), "{url:?}");
    let parameters: Vec<(String, String)> = form_urlencoded::parse(&query.as_bytes()[1..])
        .into_owned()
        .collect();
    let get = |name: &str| {
        parameters
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("client_id"), Some(config.client_id.as_str()));
    assert_eq!(get("state"), Some(login.state.secret()));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(get("redirect_uri"), Some(login.redirect_uri.as_str()));
});
