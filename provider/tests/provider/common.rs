//! Helpers shared by the tests: a started server, PKCE values, the consent flow, token calls.

use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use local_spotify::{start, Config, RunningServer};
use reqwest::header::LOCATION;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde_json::Value;
use sha2::{Digest, Sha256};

pub const CLIENT_ID: &str = "pkce-playlists-local";
pub const REDIRECT_URI: &str = "http://127.0.0.1:8080/callback";
pub const ORIGIN: &str = "http://127.0.0.1:8080";
pub const SCOPE: &str = "playlist-read-private playlist-read-collaborative";

pub struct Harness {
    pub server: RunningServer,
    pub http: reqwest::Client,
}

/// A server with the default configuration (the documented client and origin).
pub async fn start_default() -> Harness {
    start_with(|_| {}).await
}

/// A server whose configuration the test adjusts first.
pub async fn start_with(adjust: impl FnOnce(&mut Config)) -> Harness {
    let mut config = Config::default();
    adjust(&mut config);
    let server = start(config).await.expect("the provider starts");
    Harness {
        server,
        http: http_client(),
    }
}

/// An HTTP client that does not follow redirects, so `Location` can be inspected.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("a client")
}

/// A fresh PKCE verifier (64 characters) and its S256 challenge.
pub fn pkce() -> (String, String) {
    let mut bytes = [0u8; 48];
    getrandom::fill(&mut bytes).expect("random bytes");
    let verifier = URL_SAFE_NO_PAD.encode(bytes);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// The query parameters of a URL (e.g. a `Location`), decoded.
pub fn query_of(url: &str) -> HashMap<String, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

pub fn location(response: &Response) -> String {
    response
        .headers()
        .get(LOCATION)
        .expect("a Location header")
        .to_str()
        .expect("ASCII")
        .to_owned()
}

/// A response header as text (it must be present).
pub fn header_str<'a>(response: &'a Response, name: &str) -> &'a str {
    response.headers()[name].to_str().expect("ASCII")
}

/// A string field of a JSON object, owned (panics with the object when it is missing).
pub fn string_at(v: &Value, key: &str) -> String {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} in {v}"))
        .to_owned()
}

/// The status and the JSON body of a response.
pub async fn status_and_json(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

/// Valid `/authorize` parameters for the default client.
pub fn authorize_params(challenge: &str) -> Vec<(String, String)> {
    [
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("code_challenge_method", "S256"),
        ("code_challenge", challenge),
        ("scope", SCOPE),
        ("state", "st4te"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

/// Valid `/authorize` parameters with a fresh challenge, for tests that never redeem the code.
pub fn fresh_authorize_params() -> Vec<(String, String)> {
    let (_, challenge) = pkce();
    authorize_params(&challenge)
}

/// Replaces (or with `None` removes) one parameter.
pub fn with(
    mut params: Vec<(String, String)>,
    name: &str,
    value: Option<&str>,
) -> Vec<(String, String)> {
    params.retain(|(k, _)| k != name);
    if let Some(v) = value {
        params.push((name.to_owned(), v.to_owned()));
    }
    params
}

impl Harness {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.server.base_url(), path)
    }

    /// `GET` a path with no credentials.
    pub async fn get(&self, path: &str) -> Response {
        self.get_absolute(&self.url(path)).await
    }

    /// `GET` an absolute URL (e.g. on the app listener) with no credentials.
    pub async fn get_absolute(&self, url: &str) -> Response {
        self.http.get(url).send().await.expect("GET")
    }

    /// `GET` a path with a bearer token; the raw response.
    pub async fn get_authorized(&self, path: &str, token: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET")
    }

    /// `GET` a path as a page on `origin` would: with an `Origin` header, and a bearer token if given.
    pub async fn get_from(&self, origin: &str, path: &str, token: Option<&str>) -> Response {
        let mut request = self.http.get(self.url(path)).header("Origin", origin);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("GET")
    }

    /// `POST` a JSON body.
    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// `POST` a raw body labelled `application/x-www-form-urlencoded`.
    pub async fn post_form_body(&self, path: &str, body: impl Into<reqwest::Body>) -> Response {
        self.http
            .post(self.url(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("POST")
    }

    /// `POST /admin/reset`; its status.
    pub async fn reset(&self) -> StatusCode {
        self.http
            .post(self.url("/admin/reset"))
            .send()
            .await
            .expect("POST /admin/reset")
            .status()
    }

    fn authorize_request(&self, params: &[(String, String)]) -> RequestBuilder {
        self.http.get(self.url("/authorize")).query(params)
    }

    pub async fn authorize(&self, params: &[(String, String)]) -> Response {
        self.authorize_request(params)
            .send()
            .await
            .expect("GET /authorize")
    }

    /// `GET /authorize` with an `Origin` header (as a script on `origin` would send it).
    pub async fn authorize_from(&self, origin: &str, params: &[(String, String)]) -> Response {
        self.authorize_request(params)
            .header("Origin", origin)
            .send()
            .await
            .expect("GET /authorize")
    }

    /// Opens the consent page and returns the pending request id from its form.
    pub async fn consent(&self, params: &[(String, String)]) -> String {
        let response = self.authorize(params).await;
        assert_eq!(response.status(), StatusCode::OK);
        let html = response.text().await.expect("html");
        request_id_of(&html)
    }

    pub async fn decide(&self, form: &[(&str, &str)]) -> Response {
        self.http
            .post(self.url("/authorize/decision"))
            .form(form)
            .send()
            .await
            .expect("POST /authorize/decision")
    }

    /// Approves a pending request as `user`.
    pub async fn approve(&self, request_id: &str, user: &str) -> Response {
        self.decide(&[
            ("request_id", request_id),
            ("user", user),
            ("decision", "approve"),
        ])
        .await
    }

    /// Denies a pending request as `user`.
    pub async fn deny(&self, request_id: &str, user: &str) -> Response {
        self.decide(&[
            ("request_id", request_id),
            ("user", user),
            ("decision", "deny"),
        ])
        .await
    }

    /// Goes through the consent page as `user` and returns the code from the redirect.
    pub async fn code_for(&self, user: &str, scope: &str, challenge: &str) -> String {
        let params = with(authorize_params(challenge), "scope", Some(scope));
        let id = self.consent(&params).await;
        let response = self.approve(&id, user).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        query_of(&location(&response))
            .remove("code")
            .expect("a code in the redirect")
    }

    /// `POST /api/token` with a form; the status and the JSON body.
    pub async fn token(&self, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let response = self
            .http
            .post(self.url("/api/token"))
            .form(form)
            .send()
            .await
            .expect("POST /api/token");
        status_and_json(response).await
    }

    /// Exchanges a code.
    pub async fn exchange(&self, code: &str, verifier: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT_URI),
            ("client_id", CLIENT_ID),
            ("code_verifier", verifier),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.token(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", CLIENT_ID),
        ])
        .await
    }

    /// A successful token response for `user` with `scope`, through the consent page.
    pub async fn tokens_for(&self, user: &str, scope: &str) -> Value {
        let (verifier, challenge) = pkce();
        let code = self.code_for(user, scope, &challenge).await;
        let (status, body) = self.exchange(&code, &verifier).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// An access token for `user` with the app's scopes.
    pub async fn access_token(&self, user: &str) -> String {
        self.tokens_for(user, SCOPE).await["access_token"]
            .as_str()
            .expect("access_token")
            .to_owned()
    }

    /// `GET` a Web API path with a bearer token; the status and the JSON body.
    pub async fn api(&self, path_and_query: &str, token: &str) -> (StatusCode, Value) {
        status_and_json(self.get_authorized(path_and_query, token).await).await
    }

    /// `GET` an absolute URL (e.g. a `next` link) with a bearer token.
    pub async fn api_absolute(&self, url: &str, token: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        status_and_json(response).await
    }

    /// The playlist called `name` in the library of the token's user (first 50).
    pub async fn playlist_named(&self, token: &str, name: &str) -> Value {
        let (status, page) = self.api("/v1/me/playlists?limit=50", token).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no playlist called {name:?} in {page}"))
            .clone()
    }

    pub async fn set_faults(&self, plan: Value) {
        let response = self.post_json("/admin/faults", &plan).await;
        assert_eq!(response.status(), StatusCode::OK, "plan refused: {plan}");
    }
}

/// The hidden `request_id` of the consent form.
pub fn request_id_of(html: &str) -> String {
    let marker = "name=\"request_id\" value=\"";
    let start = html.find(marker).expect("a request_id field") + marker.len();
    let end = html[start..].find('"').expect("end of value") + start;
    html[start..end].to_owned()
}

/// Spotify's accounts error body.
pub fn accounts_error(error: &str, description: &str) -> Value {
    serde_json::json!({"error": error, "error_description": description})
}

/// Spotify's Web API error body.
pub fn api_error(status: u16, message: &str) -> Value {
    serde_json::json!({"error": {"status": status, "message": message}})
}

/// A 400 from the accounts service with its error body, as `token` and `exchange` return it.
pub fn bad_request(error: &str, description: &str) -> (StatusCode, Value) {
    (StatusCode::BAD_REQUEST, accounts_error(error, description))
}

/// A Web API failure with its error body, as `api` returns it.
pub fn api_failure(status: u16, message: &str) -> (StatusCode, Value) {
    (
        StatusCode::from_u16(status).expect("an HTTP status"),
        api_error(status, message),
    )
}
