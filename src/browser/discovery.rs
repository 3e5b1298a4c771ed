//! Reading a provider's metadata (RFC 8414) when the configuration names only its issuer. The document is kept
//! in sessionStorage for the tab's life, so a reload does not ask again.

use super::storage::APP;
use super::Fetch;
use crate::config::{AppConfig, ConfigError, Discover};
use crate::http::{HttpRequest, Transport};
use crate::oauth::discovery::{parse_metadata, DiscoveryError};

fn cache_key(issuer: &str) -> String {
    format!("metadata:{issuer}")
}

/// The configuration with the endpoints `pending`'s issuer publishes, after checking them.
pub async fn discover(pending: Discover) -> Result<AppConfig, ConfigError> {
    let issuer = pending.issuer().to_owned();
    if let Some(cached) = APP.get(&cache_key(&issuer)) {
        if let Ok(endpoints) = parse_metadata(&issuer, 200, &cached) {
            return pending.complete(endpoints);
        }
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
                // Not kept when storage refuses: it is asked for again next time, which is only slower.
                let _ = APP.set(&cache_key(&issuer), &response.body);
                return pending.complete(endpoints);
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
