//! Reading a provider's metadata (RFC 8414) when the configuration names only its issuer. The endpoints are kept
//! in memory for the page's life, never in storage: any script of the origin can write sessionStorage (a page of
//! the origin can even fill it and then open the app), and an `authorization_endpoint` read back from there would
//! send the login wherever that script chose.

use std::cell::RefCell;

use super::storage::APP;
use super::{location, Fetch};
use crate::config::{AppConfig, ConfigError, Discover};
use crate::http::{HttpRequest, Transport};
use crate::oauth::discovery::{parse_metadata, DiscoveryError, Endpoints};

thread_local! {
    /// The issuer and its checked endpoints, once read in this page.
    static FOUND: RefCell<Option<(String, Endpoints)>> = const { RefCell::new(None) };
}

/// Takes out every metadata document that earlier versions of the app kept in sessionStorage
/// (`pkce-playlists:metadata:<issuer>`), so no copy of one lingers for a script to rewrite.
fn forget_stored_metadata() {
    let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) else {
        return;
    };
    let prefix = format!("{}:metadata:", APP.0);
    let count = storage.length().unwrap_or(0);
    let stale: Vec<String> = (0..count)
        .filter_map(|i| storage.key(i).ok().flatten())
        .filter(|key| key.starts_with(&prefix))
        .collect();
    for key in stale {
        let _ = storage.remove_item(&key);
    }
}

/// The policies of the page's `<meta http-equiv="Content-Security-Policy">` elements in `<head>` (where a
/// browser enforces them; `cargo xtask build` writes one there). A policy sent as a header cannot be read from
/// the page and is not seen here.
fn page_policies() -> Vec<String> {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return Vec::new();
    };
    let children = |parent: &web_sys::Element| {
        std::iter::successors(parent.first_element_child(), |e| e.next_element_sibling())
    };
    children(&root)
        .filter(|e| e.tag_name().eq_ignore_ascii_case("head"))
        .flat_map(|head| children(&head).collect::<Vec<_>>())
        .filter(|e| e.tag_name().eq_ignore_ascii_case("meta"))
        .filter(|meta| {
            meta.get_attribute("http-equiv")
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("content-security-policy"))
        })
        .filter_map(|meta| meta.get_attribute("content"))
        .collect()
}

/// The configuration with `endpoints`, refused when the page's policy would block the requests they add.
fn complete(pending: Discover, endpoints: Endpoints) -> Result<AppConfig, ConfigError> {
    let config = pending.complete(endpoints)?;
    let origin = location::origin().unwrap_or_default();
    config.check_policy(&page_policies(), &origin)?;
    Ok(config)
}

/// The configuration with the endpoints `pending`'s issuer publishes, after checking them against the
/// configuration's rules and the page's Content Security Policy.
pub async fn discover(pending: Discover) -> Result<AppConfig, ConfigError> {
    forget_stored_metadata();
    let issuer = pending.issuer().to_owned();
    let known = FOUND.with(|found| {
        found
            .borrow()
            .as_ref()
            .filter(|(of, _)| *of == issuer)
            .map(|(_, endpoints)| endpoints.clone())
    });
    if let Some(endpoints) = known {
        return complete(pending, endpoints);
    }
    let mut last = DiscoveryError::NotFound { status: 404 };
    for url in pending.metadata_urls() {
        let answer = Fetch::default().send(HttpRequest::Get { url }).await;
        let response = match answer {
            Ok(response) => response,
            Err(e) => {
                last = DiscoveryError::Unreachable(e);
                continue;
            }
        };
        match parse_metadata(&issuer, response.status, &response.body) {
            Ok(endpoints) => {
                FOUND.with(|found| *found.borrow_mut() = Some((issuer, endpoints.clone())));
                return complete(pending, endpoints);
            }
            // A document was found and refused: do not look further for one that would pass.
            Err(
                refused @ (DiscoveryError::IssuerMismatch { .. }
                | DiscoveryError::NoS256
                | DiscoveryError::NoCodeFlow
                | DiscoveryError::BadEndpoint { .. }),
            ) => return Err(ConfigError::Discovery(refused)),
            Err(other) => last = other,
        }
    }
    Err(ConfigError::Discovery(last))
}
