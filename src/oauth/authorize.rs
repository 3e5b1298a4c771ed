//! Starting a login: the pending login that waits in storage, and the authorization URL.

use crate::form::Form;
use crate::json::{self, json_object, ToJson};

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
    /// Where in the app the user was (path and query), to go back to after the login. Always a path of this
    /// app (see [`return_path`]); never sent to the provider.
    pub return_to: Option<String>,
    /// Whether to ask the provider to show its consent page even to a user who approved before (Spotify's
    /// `show_dialog=true`), so that a user who logged out can sign in with another account.
    pub show_dialog: bool,
    /// The provider this login went to, when the app knows its issuer: the callback's `iss` must equal it.
    pub issuer: Option<String>,
    /// Whether the provider always sends `iss`, so a callback without it is refused.
    pub iss_required: bool,
}

/// `candidate` as a place to return to after a login, when it is a path of this app: it starts with a single
/// `/`, holds no backslash, whitespace or control character, is not the callback, and is not absurdly long.
/// Anything else (`//evil.example`, `https://…`, `/\evil.example`) is refused, so a login can never end on
/// another site (no open redirect). A fragment is dropped.
pub fn return_path(candidate: &str) -> Option<String> {
    let path = candidate.split('#').next().unwrap_or_default();
    let local = path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 2_048
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_whitespace() || c.is_control())
        && !(path == "/callback"
            || path.starts_with("/callback?")
            || path.starts_with("/callback/"));
    local.then(|| path.to_owned())
}

/// The stored form of a [`PendingLogin`].
struct StoredPendingLogin {
    verifier: String,
    state: String,
    redirect_uri: RedirectUri,
    created_at_ms: u64,
    return_to: Option<String>,
    show_dialog: bool,
    issuer: Option<String>,
    iss_required: bool,
}

json_object!(StoredPendingLogin {
    verifier,
    state,
    redirect_uri,
    created_at_ms,
    return_to,
    show_dialog: default,
    issuer,
    iss_required: default,
});

/// How long a pending login stays usable: as long as the provider keeps its codes (Spotify: 10 minutes).
pub const PENDING_LOGIN_MAX_AGE_MS: u64 = 10 * 60 * 1000;

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
            return_to: None,
            show_dialog: false,
            issuer: None,
            iss_required: false,
        }
    }

    /// The same login, to the provider whose issuer identifier is `issuer` (checked against the callback's
    /// `iss`, RFC 9207), which always sends `iss` when `required`.
    pub fn to_issuer(mut self, issuer: Option<String>, required: bool) -> Self {
        self.issuer = issuer;
        self.iss_required = required;
        self
    }

    /// The same login, returning to `path` afterwards when it is a path of this app (see [`return_path`]).
    pub fn returning_to(mut self, path: &str) -> Self {
        self.return_to = return_path(path);
        self
    }

    /// The same login, asking the provider to show its consent page whatever the user approved before.
    pub fn with_consent_dialog(mut self) -> Self {
        self.show_dialog = true;
        self
    }

    /// The JSON kept in storage. It holds the verifier: it goes to sessionStorage and nowhere else.
    pub fn to_storage_json(&self) -> String {
        StoredPendingLogin {
            verifier: self.verifier.secret().to_owned(),
            state: self.state.secret().to_owned(),
            redirect_uri: self.redirect_uri.clone(),
            created_at_ms: self.created_at_ms,
            return_to: self.return_to.clone(),
            show_dialog: self.show_dialog,
            issuer: self.issuer.clone(),
            iss_required: self.iss_required,
        }
        .to_json()
    }

    /// Reads back what [`Self::to_storage_json`] wrote; `None` for anything else.
    pub fn from_storage_json(json: &str) -> Option<Self> {
        let stored: StoredPendingLogin = json::from_str(json)?;
        Some(PendingLogin {
            verifier: CodeVerifier::new(stored.verifier),
            state: State::new(stored.state),
            redirect_uri: stored.redirect_uri,
            created_at_ms: stored.created_at_ms,
            return_to: stored.return_to.as_deref().and_then(return_path),
            show_dialog: stored.show_dialog,
            issuer: stored.issuer,
            iss_required: stored.iss_required,
        })
    }

    /// The id of the grant this login will start: a digest of the verifier, so it names the authorization
    /// without revealing anything of it, and it is the same in every tab that later holds a copy of the session.
    pub fn grant_id(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::new()
            .chain_update(b"pkce-playlists grant\0")
            .chain_update(self.verifier.secret())
            .finalize();
        crate::base64url::encode(&digest[..12])
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
        let mut query = Form::new();
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", config.client_id.as_str())
            .append_pair("redirect_uri", self.redirect_uri.as_str())
            .append_pair("scope", &scope)
            .append_pair("state", self.state.secret())
            .append_pair("code_challenge_method", "S256")
            .append_pair("code_challenge", self.verifier.challenge().as_str());
        if self.show_dialog {
            query.append_pair("show_dialog", "true");
        }
        let query = query.finish();
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
            paging: Default::default(),
            revocation_endpoint: None,
            issuer: None,
            iss_required: false,
            rotates_refresh_tokens: None,
            library_max_age_hours: 24,
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

    /// Guards against a login that cannot switch accounts after a log out: the consent page is asked for.
    #[test]
    fn a_login_after_log_out_asks_for_the_consent_page() {
        let config = config("https://accounts.example/authorize");
        assert!(!login().authorization_url(&config).contains("show_dialog"));
        let url = login().with_consent_dialog().authorization_url(&config);
        assert!(url.ends_with("&show_dialog=true"), "{url}");
    }

    /// Guards against an open redirect: only a path of this app is kept as the place to return to, and it is
    /// never part of the authorization request.
    #[test]
    fn only_a_path_of_this_app_is_returned_to() {
        for good in ["/", "/playlist/abc?q=rock&sort=name", "/?sort=owner"] {
            assert_eq!(return_path(good).as_deref(), Some(good), "{good}");
        }
        assert_eq!(
            return_path("/playlist/a#top").as_deref(),
            Some("/playlist/a")
        );
        for bad in [
            "",
            "playlist/a",
            "//evil.example/x",
            "/\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "/a b",
            "/a\u{0}b",
            "/callback?code=x&state=y",
            "/callback",
            &format!("/{}", "a".repeat(3_000)),
        ] {
            assert_eq!(return_path(bad), None, "{bad:?}");
        }
        let login = login().returning_to("/playlist/abc?sort=name");
        let back = PendingLogin::from_storage_json(&login.to_storage_json()).unwrap();
        assert_eq!(back.return_to.as_deref(), Some("/playlist/abc?sort=name"));
        let url = login.authorization_url(&config("https://a/authorize"));
        assert!(
            !url.contains("%2Fplaylist%2Fabc") && !url.contains("/playlist/abc"),
            "{url}"
        );
        assert_eq!(self::login().returning_to("//evil.example").return_to, None);
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
