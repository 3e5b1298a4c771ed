//! The local provider, in process: [`local_spotify::start`] serving a copy of `dist/` whose
//! configuration block names the provider's real port, and the admin calls the scenarios use.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use local_spotify::config::{Client, CorsMode};
use local_spotify::{Config, RunningServer, StartError};
use serde_json::{json, Value};
use sha2::Digest as _;

use crate::page::normalize_space;
use crate::support::{copy_dir, env_path, free_port, TempDir};

/// How many app ports to try before giving up (another process may take a free port first).
const BIND_ATTEMPTS: usize = 5;

/// The built app to serve: `$E2E_DIST` or `<workspace>/dist`; panics (never skips) when missing.
pub fn dist_dir() -> PathBuf {
    let dist = env_path("E2E_DIST").unwrap_or_else(|| xtask::workspace_root().join("dist"));
    if !dist.join("index.html").is_file() {
        panic!(
            "{} has no index.html: build the app first (`cargo xtask build`; `cargo xtask test` \
             does it)",
            dist.display()
        );
    }
    dist
}

/// A local provider running in this process on free ports, serving a copy of `dist/` whose
/// configuration block points at it. Its request log goes to this test's stderr.
pub struct Provider {
    /// `http://127.0.0.1:PORT`: the accounts service and the Web API.
    pub api_url: String,
    /// `http://127.0.0.1:PORT/`: the app.
    pub app_url: String,
    client_id: String,
    server: RunningServer,
    _dir: TempDir,
}

impl Provider {
    /// Starts the provider on the current tokio runtime.
    pub async fn start() -> Provider {
        let dist = dist_dir();
        let client_id =
            xtask::local_client_id(&xtask::workspace_root()).unwrap_or_else(|e| panic!("{e}"));
        let dir = TempDir::new("provider");
        let served = dir.path().join("dist");
        copy_dir(&dist, &served);

        let server = serve(&served, &client_id).await;
        let api_url = server.base_url();
        let app_url = server
            .app_url()
            .expect("the provider serves the app when asked to");
        // The API port is known only now; the provider reads index.html on every request.
        point_at(&served.join("index.html"), &api_url);

        let provider = Provider {
            api_url,
            app_url,
            client_id,
            server,
            _dir: dir,
        };
        provider.check_the_app_names_this_provider().await;
        provider
    }

    /// Stops the listeners and waits (a little) for open connections to finish.
    pub async fn stop(self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.server.shutdown()).await;
    }

    /// Where the consent page lives.
    pub fn authorize_url(&self) -> String {
        format!("{}/authorize", self.api_url)
    }

    /// Guards against a scenario that passes or fails against another provider (the default port
    /// 8081, a demo left running): the page served must carry this provider's endpoints.
    async fn check_the_app_names_this_provider(&self) {
        let html = reqwest::get(&self.app_url)
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("the provider does not serve the app: {e}"));
        let html = html.text().await.expect("the app's page is text");
        let config = xtask::config_block::read_config(&html)
            .unwrap_or_else(|e| panic!("the served index.html: {e}"));
        let token_endpoint = format!("{}/api/token", self.api_url);
        assert_eq!(
            config["token_endpoint"], token_endpoint,
            "the served app talks to another provider: {config}"
        );
    }

    /// The names of `user`'s playlists as the Web API reports them, read with a token obtained
    /// through the admin endpoint (a code issued as if `user` approved) and a real PKCE exchange.
    pub async fn playlist_names(&self, user: &str) -> Vec<String> {
        let http = reqwest::Client::new();
        let redirect_uri = format!("{}callback", self.app_url);
        let verifier = "e2e-verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ";
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        let issued: Value = send_json(http.post(format!("{}/admin/codes", self.api_url)).json(
            &json!({
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "code_challenge": challenge,
                "user": user,
                "scope": "playlist-read-private playlist-read-collaborative",
            }),
        ))
        .await;
        let code = issued["code"]
            .as_str()
            .expect("/admin/codes returns a code");
        let token: Value = send_json(http.post(format!("{}/api/token", self.api_url)).form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &redirect_uri),
            ("client_id", &self.client_id),
            ("code_verifier", verifier),
        ]))
        .await;
        let access_token = token["access_token"]
            .as_str()
            .expect("/api/token returns an access_token");

        let mut names = Vec::new();
        let mut next = Some(format!("{}/v1/me/playlists?limit=50", self.api_url));
        while let Some(url) = next {
            let page: Value = send_json(http.get(&url).bearer_auth(access_token)).await;
            let items = page["items"].as_array().expect("a page has items");
            names.extend(
                items
                    .iter()
                    .filter_map(|p| p["name"].as_str())
                    .map(normalize_space),
            );
            next = page["next"].as_str().map(str::to_owned);
        }
        names
    }
}

/// Starts the provider: the API on a port the system picks, the app on a free port chosen first.
/// The app's port cannot be left to the provider: its origin must be allowed (CORS) and its
/// `/callback` registered before the first request, and the configuration is fixed at start.
async fn serve(dist: &Path, client_id: &str) -> RunningServer {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let app_port = free_port();
        let app_origin = format!("http://127.0.0.1:{app_port}");
        let config = Config {
            port: 0,
            serve_dist: Some(dist.to_path_buf()),
            dist_port: app_port,
            allowed_origins: vec![app_origin.clone()],
            // The Web API answers CORS as Spotify's does (`*`, `Retry-After` not exposed), so the
            // whole flow runs under the rules the app meets in production.
            cors: CorsMode::Spotify,
            clients: vec![Client {
                id: client_id.to_owned(),
                name: "PKCE Playlists".to_owned(),
                redirect_uris: vec![format!("{app_origin}/callback")],
            }],
            ..Config::default()
        };
        match local_spotify::start(config).await {
            Ok(server) => return server,
            // Someone took the port between our look and the provider's bind: try another.
            Err(StartError::Bind { port, .. }) if port == app_port && attempt < BIND_ATTEMPTS => {}
            Err(e) => panic!("the local provider did not start: {e}"),
        }
    }
}

/// Rewrites the configuration block of `index` (a copy of dist's) to the local preset pointed at
/// the provider at `api_origin`.
fn point_at(index: &Path, api_origin: &str) {
    let root = xtask::workspace_root();
    let mut config = xtask::load_preset(&root, "local").unwrap_or_else(|e| panic!("{e}"));
    xtask::config_block::point_at_provider(&mut config, api_origin);
    let html = std::fs::read_to_string(index)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", index.display()));
    let html = xtask::config_block::replace_config_block(&html, &config)
        .unwrap_or_else(|e| panic!("{}: {e}", index.display()));
    std::fs::write(index, html).unwrap_or_else(|e| panic!("cannot write {}: {e}", index.display()));
}

async fn send_json(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("the provider answers");
    let url = response.url().clone();
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "{url} answered {status}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url} answered non-JSON ({e}): {body}"))
}
