//! Starting a login: the pending login that waits in storage, and the authorization URL.

use serde::{Deserialize, Serialize};

use super::client::RedirectUri;
use super::pkce::RANDOM_BYTES;
use super::secret::{CodeVerifier, State};
use crate::config::AppConfig;

/// What the app remembers between sending the user to the provider and the callback: kept in sessionStorage,
/// taken out (read and removed) exactly once by the callback.
#[derive(Debug)]
pub struct PendingLogin {
    pub verifier: CodeVerifier,
    pub state: State,
    pub redirect_uri: RedirectUri,
    /// When the login started, in milliseconds since the Unix epoch.
    pub created_at_ms: u64,
}

/// How long a pending login stays usable: as long as the provider keeps its codes (Spotify: 10 minutes).
pub const PENDING_LOGIN_MAX_AGE_MS: u64 = 10 * 60 * 1000;

/// The stored form of a [`PendingLogin`].
#[derive(Serialize, Deserialize)]
struct StoredPendingLogin {
    verifier: String,
    state: String,
    redirect_uri: RedirectUri,
    created_at_ms: u64,
}

impl PendingLogin {
    /// A new login with a fresh verifier and state, made from 64 random bytes supplied by the caller.
    pub fn new(
        verifier_bytes: &[u8; RANDOM_BYTES],
        state_bytes: &[u8; RANDOM_BYTES],
        redirect_uri: RedirectUri,
        now_ms: u64,
    ) -> Self {
        PendingLogin {
            verifier: CodeVerifier::from_random(verifier_bytes),
            state: State::from_random(state_bytes),
            redirect_uri,
            created_at_ms: now_ms,
        }
    }

    /// The JSON kept in storage. It holds the verifier: it goes to sessionStorage and nowhere else.
    pub fn to_storage_json(&self) -> String {
        let stored = StoredPendingLogin {
            verifier: self.verifier.secret().to_owned(),
            state: self.state.secret().to_owned(),
            redirect_uri: self.redirect_uri.clone(),
            created_at_ms: self.created_at_ms,
        };
        serde_json::to_string(&stored).unwrap_or_default()
    }

    /// Reads back what [`Self::to_storage_json`] wrote; `None` for anything else.
    pub fn from_storage_json(json: &str) -> Option<Self> {
        let stored: StoredPendingLogin = serde_json::from_str(json).ok()?;
        Some(PendingLogin {
            verifier: CodeVerifier::new(stored.verifier),
            state: State::new(stored.state),
            redirect_uri: stored.redirect_uri,
            created_at_ms: stored.created_at_ms,
        })
    }

    /// Whether the login is too old to finish (or claims to come from the future).
    pub fn is_stale(&self, now_ms: u64) -> bool {
        now_ms.saturating_sub(self.created_at_ms) > PENDING_LOGIN_MAX_AGE_MS
            || self.created_at_ms > now_ms + 60_000
    }

    /// The URL to send the browser to: the authorization endpoint with the request as
    /// `application/x-www-form-urlencoded` query parameters (RFC 6749 §4.1.1, RFC 7636 §4.3).
    pub fn authorization_url(&self, config: &AppConfig) -> String {
        let scope = config.scopes.join(" ");
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", config.client_id.as_str())
            .append_pair("redirect_uri", self.redirect_uri.as_str())
            .append_pair("scope", &scope)
            .append_pair("state", self.state.secret())
            .append_pair("code_challenge_method", "S256")
            .append_pair("code_challenge", self.verifier.challenge().as_str())
            .finish();
        let endpoint = &config.authorization_endpoint;
        let separator = if endpoint.contains('?') { '&' } else { '?' };
        format!("{endpoint}{separator}{query}")
    }
}

#[cfg(test)]
mod tests {
    // The challenge below was checked independently: base64url(sha256("A" * 43)).
    use super::*;
    use crate::oauth::ClientId;

    fn config(endpoint: &str) -> AppConfig {
        AppConfig {
            client_id: ClientId::new("my client"),
            authorization_endpoint: endpoint.into(),
            token_endpoint: "https://accounts.example/api/token".into(),
            api_base_url: "https://api.example/v1".into(),
            scopes: vec![
                "playlist-read-private".into(),
                "playlist-read-collaborative".into(),
            ],
            redirect_uri: None,
        }
    }

    fn login() -> PendingLogin {
        PendingLogin::new(
            &[0; 32],
            &[0xff; 32],
            RedirectUri::new("http://127.0.0.1:8080/callback"),
            1_000,
        )
    }

    /// Guards against wrong parameter names, a missing parameter or encoding mistakes in the URL.
    #[test]
    fn authorization_url_exact_encoding() {
        let url = login().authorization_url(&config("https://accounts.example/authorize"));
        assert_eq!(
            url,
            "https://accounts.example/authorize?response_type=code&client_id=my+client\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A8080%2Fcallback\
             &scope=playlist-read-private+playlist-read-collaborative\
             &state=__________________________________________8\
             &code_challenge_method=S256\
             &code_challenge=DwBzhbb51LfusnSGBa_hqYSgo7-j8BTQnip4TOnlzRo"
        );
    }

    /// Guards against a second `?` when the configured endpoint already has a query.
    #[test]
    fn authorization_url_appends_to_an_existing_query() {
        let url = login().authorization_url(&config("https://accounts.example/authorize?tenant=x"));
        assert!(url.starts_with("https://accounts.example/authorize?tenant=x&response_type=code&"));
    }

    /// Guards against a storage round trip that loses or mixes up a field.
    #[test]
    fn storage_round_trip() {
        let json = login().to_storage_json();
        let back = PendingLogin::from_storage_json(&json).expect("parses");
        assert_eq!(back.verifier.secret(), login().verifier.secret());
        assert_eq!(back.state.secret(), login().state.secret());
        assert_eq!(back.redirect_uri.as_str(), "http://127.0.0.1:8080/callback");
        assert_eq!(back.created_at_ms, 1_000);
        assert!(PendingLogin::from_storage_json("{}").is_none());
        assert!(PendingLogin::from_storage_json("not json").is_none());
    }

    /// Guards against finishing a login long after it started.
    #[test]
    fn pending_login_goes_stale_after_ten_minutes() {
        let l = login();
        assert!(!l.is_stale(1_000 + PENDING_LOGIN_MAX_AGE_MS));
        assert!(l.is_stale(1_001 + PENDING_LOGIN_MAX_AGE_MS));
        let future = PendingLogin::new(&[0; 32], &[0; 32], RedirectUri::new(""), 10_000_000);
        assert!(future.is_stale(0));
    }
}
