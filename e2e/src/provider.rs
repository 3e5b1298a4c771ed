//! The local provider, in process: [`local_spotify::start`] serving a copy of `dist/` whose
//! configuration block names the provider's real port (or a [`Gate`] in front of it), and the
//! [`Admin`] calls the scenarios use.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use local_spotify::config::{Client, ClientSettings, CorsMode, Mode, Quota};
use local_spotify::{Config, RunningServer, StartError};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Digest as _;

use crate::gate::Gate;
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

/// How a scenario wants the provider; the default is Spotify as it is in 2026, the app's client in
/// Development Mode.
#[derive(Debug, Clone, Copy, Default)]
pub struct Setup {
    /// The accounts service plays a standards-following server (`--mode standards`), which has
    /// RFC 7009 revocation ([`Admin::revoke`]).
    pub standards: bool,
    /// The app is configured with a second client that has extended quota (the app's usual client
    /// stays registered, in Development Mode).
    pub extended_quota: bool,
    /// The page reaches the accounts service and the Web API through a [`Gate`] that
    /// [`Admin::cut_api`] closes and [`Admin::restore_api`] opens again.
    pub gated: bool,
    /// The app is configured with only its client id and the provider's issuer, and reads the
    /// endpoints from the provider's metadata (RFC 8414). Implies [`Setup::standards`].
    pub discovery: Discovery,
    /// The Web API answers CORS for the app's origin and exposes `Retry-After` (a page can read
    /// when a spent quota frees up), instead of as Spotify does.
    pub exposed_retry_after: bool,
}

/// Whether the app discovers its endpoints, and from which issuer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Discovery {
    /// The endpoints are in the configuration block.
    #[default]
    No,
    /// Only the provider's issuer is, as the provider names itself.
    Issuer,
    /// Only an issuer is, but not the one the provider's metadata names (`localhost` for
    /// `127.0.0.1`): the metadata must be refused.
    ForeignIssuer,
}

/// A local provider running in this process on free ports, serving a copy of `dist/` whose
/// configuration block points at it. Its request log goes to this test's stderr.
pub struct Provider {
    /// `http://127.0.0.1:PORT`: the accounts service and the Web API, as the page reaches them.
    pub api_url: String,
    /// `http://127.0.0.1:PORT/`: the app.
    pub app_url: String,
    admin: Admin,
    server: RunningServer,
    _dir: TempDir,
}

impl Provider {
    /// Starts the provider on the current tokio runtime, as `setup` says.
    pub async fn start(setup: Setup) -> Provider {
        let dist = dist_dir();
        let usual_client =
            xtask::local_client_id(&xtask::workspace_root()).unwrap_or_else(|e| panic!("{e}"));
        let client_id = if setup.extended_quota {
            format!("{usual_client}-extended")
        } else {
            usual_client.clone()
        };
        let dir = TempDir::new("provider");
        let served = dir.path().join("dist");
        copy_dir(&dist, &served);

        let server = serve(&served, &usual_client, setup).await;
        let direct_url = server.base_url();
        let gate = match setup.gated {
            true => Some(Gate::start(server.addr).await),
            false => None,
        };
        let api_url = gate.as_ref().map_or_else(|| direct_url.clone(), Gate::url);
        let app_url = server
            .app_url()
            .expect("the provider serves the app when asked to");
        // The API port is known only now; the provider reads index.html on every request.
        let mut config = app_config(&api_url, &client_id);
        if setup.discovery != Discovery::No {
            let issuer = match setup.discovery {
                Discovery::ForeignIssuer => direct_url.replace("127.0.0.1", "localhost"),
                _ => direct_url.clone(),
            };
            config = json!({ "client_id": client_id, "issuer": issuer });
        } else if setup.standards {
            // A standards provider names itself in every authorization response (RFC 9207); the
            // app checks that against its configured issuer, and revokes at log out (RFC 7009).
            config["issuer"] = Value::String(direct_url.clone());
            config["revocation_endpoint"] = Value::String(format!("{api_url}/api/revoke"));
        }
        write_config(&served.join("index.html"), &config);
        if gate.is_some() {
            // The covers' URLs name the provider's own port, which the gate does not stand in
            // front of: the page's policy must let the images come from there.
            allow_images_from(&served.join("index.html"), &direct_url);
        }

        let provider = Provider {
            api_url,
            admin: Admin {
                direct_url,
                redirect_uri: format!("{app_url}callback"),
                client_id,
                http: reqwest::Client::new(),
                gate,
            },
            app_url,
            server,
            _dir: dir,
        };
        provider.check_the_app_names_this_provider().await;
        provider
    }

    /// The admin calls, to hand to a scenario.
    pub fn admin(&self) -> Admin {
        self.admin.clone()
    }

    /// Stops the listeners and waits (a little) for open connections to finish.
    pub async fn stop(self) {
        if let Some(gate) = &self.admin.gate {
            gate.close().await;
        }
        let _ = tokio::time::timeout(Duration::from_secs(5), self.server.shutdown()).await;
    }

    /// Where the consent page lives.
    pub fn authorize_url(&self) -> String {
        format!("{}/authorize", self.api_url)
    }

    /// This provider's addresses for a scenario; `expected_alice` is what the scenario expects
    /// alice's library to show (empty when it does not look).
    pub fn urls(&self, expected_alice: Vec<String>) -> crate::Urls {
        crate::Urls {
            app: self.app_url.clone(),
            api: self.api_url.clone(),
            authorize: self.authorize_url(),
            expected_alice,
        }
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
        let named = config["token_endpoint"]
            .as_str()
            .or_else(|| config["issuer"].as_str())
            .unwrap_or_default()
            .to_owned();
        let port = self.api_url.rsplit(':').next().unwrap_or_default();
        assert!(
            named.contains(&format!(":{port}")),
            "the served app talks to another provider: {config}"
        );
        assert_eq!(
            config["client_id"], self.admin.client_id,
            "the served app is not the client the scenario asked for: {config}"
        );
    }
}

/// Starts the provider: the API on a port the system picks, the app on a free port chosen first.
/// The app's port cannot be left to the provider: its origin must be allowed (CORS) and its
/// `/callback` registered before the first request, and the configuration is fixed at start.
async fn serve(dist: &Path, usual_client: &str, setup: Setup) -> RunningServer {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let app_port = free_port();
        let app_origin = format!("http://127.0.0.1:{app_port}");
        let client = |id: String| Client {
            id,
            name: "PKCE Playlists".to_owned(),
            redirect_uris: vec![format!("{app_origin}/callback")],
        };
        let mut clients = vec![client(usual_client.to_owned())];
        let mut client_settings = BTreeMap::new();
        if setup.extended_quota {
            let extended = format!("{usual_client}-extended");
            clients.push(client(extended.clone()));
            client_settings.insert(
                extended,
                ClientSettings {
                    quota: Some(Quota::Extended),
                    allowed_users: None,
                },
            );
        }
        let config = Config {
            port: 0,
            serve_dist: Some(dist.to_path_buf()),
            dist_port: app_port,
            allowed_origins: vec![app_origin.clone()],
            // The Web API answers CORS as Spotify's does (`*`, `Retry-After` not exposed), so the
            // whole flow runs under the rules the app meets in production.
            cors: if setup.exposed_retry_after {
                CorsMode::PerOrigin
            } else {
                CorsMode::Spotify
            },
            mode: if setup.standards || setup.discovery != Discovery::No {
                Mode::Standards
            } else {
                Mode::Spotify
            },
            clients,
            client_settings,
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

/// The Web API calls (`GET /v1/*`, preflights apart) in an `/admin/stats` answer: what a quota
/// counts.
pub fn web_api_calls(stats: &Value) -> u64 {
    stats["routes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            r["kind"] == "GET" && r["route"].as_str().is_some_and(|p| p.starts_with("/v1/"))
        })
        .map(|r| r["count"].as_u64().unwrap_or(0))
        .sum()
}

/// How many records the app's sealed local copy holds in IndexedDB (once the page has opened it),
/// `-1` when it cannot be read: a script for WebDriver's Execute Async Script.
pub const COPY_RECORDS: &str = r#"
    const done = arguments[arguments.length - 1];
    const open = indexedDB.open('pkce-playlists-copy');
    open.onerror = () => done(-1);
    open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('copy')) { db.close(); done(0); return; }
        const count = db.transaction('copy').objectStore('copy').count();
        count.onsuccess = () => { db.close(); done(count.result); };
        count.onerror = () => { db.close(); done(-1); };
    };
"#;

/// The local preset pointed at the provider at `api_origin`, for the client `client_id`.
fn app_config(api_origin: &str, client_id: &str) -> Value {
    let root = xtask::workspace_root();
    let mut config = xtask::load_preset(&root, "local").unwrap_or_else(|e| panic!("{e}"));
    xtask::config_block::point_at_provider(&mut config, api_origin);
    config["client_id"] = Value::String(client_id.to_owned());
    config
}

/// Rewrites the configuration block of `index` (a copy of dist's) to `config`.
fn write_config(index: &Path, config: &Value) {
    let html = std::fs::read_to_string(index)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", index.display()));
    let html = xtask::config_block::replace_config_block(&html, config)
        .unwrap_or_else(|e| panic!("{}: {e}", index.display()));
    std::fs::write(index, html).unwrap_or_else(|e| panic!("cannot write {}: {e}", index.display()));
}

/// Adds `origin` to the `img-src` of the Content Security Policy that `index` carries in a
/// `<meta>`, if it carries one.
fn allow_images_from(index: &Path, origin: &str) {
    let html = std::fs::read_to_string(index)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", index.display()));
    if !html.contains("Content-Security-Policy") {
        return;
    }
    let html = html.replacen("img-src ", &format!("img-src {origin} "), 1);
    std::fs::write(index, html).unwrap_or_else(|e| panic!("cannot write {}: {e}", index.display()));
}

/// What a scenario may ask of the provider behind the page's back: the fault plan, tokens of its
/// own, Web API reads, revocation, and (when [`Setup::gated`]) cutting the API off. These calls go
/// to the provider directly, never through the gate.
#[derive(Clone)]
pub struct Admin {
    /// `http://127.0.0.1:PORT` of the provider itself.
    direct_url: String,
    /// The app's `/callback`, registered for its client.
    redirect_uri: String,
    /// The client the served app is configured with.
    client_id: String,
    http: reqwest::Client,
    gate: Option<Gate>,
}

impl Admin {
    /// Replaces the fault plan (`POST /admin/faults`): lifetimes, rotation and reuse detection
    /// apply to what is issued from then on.
    pub async fn set_faults(&self, plan: Value) {
        send_json(
            self.http
                .post(format!("{}/admin/faults", self.direct_url))
                .json(&plan),
        )
        .await;
    }

    /// An access token for `user`, from a code issued through the admin endpoint (as if `user`
    /// approved) and a real PKCE exchange.
    pub async fn access_token(&self, user: &str) -> String {
        let verifier = "e2e-verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ";
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        let issued: Value = send_json(
            self.http
                .post(format!("{}/admin/codes", self.direct_url))
                .json(&json!({
                    "client_id": self.client_id,
                    "redirect_uri": self.redirect_uri,
                    "code_challenge": challenge,
                    "user": user,
                    "scope": "playlist-read-private playlist-read-collaborative user-library-read",
                })),
        )
        .await;
        let code = issued["code"]
            .as_str()
            .expect("/admin/codes returns a code");
        let token: Value = send_json(
            self.http
                .post(format!("{}/api/token", self.direct_url))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", &self.redirect_uri),
                    ("client_id", &self.client_id),
                    ("code_verifier", verifier),
                ]),
        )
        .await;
        token["access_token"]
            .as_str()
            .expect("/api/token returns an access_token")
            .to_owned()
    }

    /// `GET /v1{path}` with `access_token`: the status and the body (JSON, or `Null`).
    pub async fn api_get(&self, path: &str, access_token: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .get(format!("{}/v1{path}", self.direct_url))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("the provider does not answer GET /v1{path}: {e}"));
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// `GET /v1{path}` with `access_token`, which must succeed.
    pub async fn api_json(&self, path: &str, access_token: &str) -> Value {
        let (status, body) = self.api_get(path, access_token).await;
        assert!(
            status.is_success(),
            "GET /v1{path} answered {status}: {body}"
        );
        body
    }

    /// Every playlist in `user`'s library, as the Web API lists it (page by page).
    pub async fn library(&self, user: &str) -> Vec<Value> {
        let token = self.access_token(user).await;
        let mut playlists = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .api_json(&format!("/me/playlists?limit=50&offset={offset}"), &token)
                .await;
            let items = page["items"].as_array().expect("a page has items");
            playlists.extend(items.iter().cloned());
            offset += 50;
            if page["next"].is_null() || items.is_empty() {
                return playlists;
            }
        }
    }

    /// The names of `user`'s playlists as the Web API reports them, whitespace-normalized.
    pub async fn playlist_names(&self, user: &str) -> Vec<String> {
        self.library(user)
            .await
            .iter()
            .filter_map(|p| p["name"].as_str())
            .map(normalize_space)
            .collect()
    }

    /// How many entries playlist `id` holds, as `user` reads it with the app's client (so in the
    /// client's quota mode), or the status with which the Web API refuses them.
    pub async fn items_total(&self, user: &str, id: &str) -> Result<usize, StatusCode> {
        let token = self.access_token(user).await;
        let (status, page) = self
            .api_get(&format!("/playlists/{id}/items?limit=1"), &token)
            .await;
        if !status.is_success() {
            return Err(status);
        }
        let total = page["total"]
            .as_u64()
            .unwrap_or_else(|| panic!("the items of {id} have no total: {page}"));
        Ok(total as usize)
    }

    /// `POST /api/token` with `grant_type=refresh_token`: the status and the body.
    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        let response = self
            .http
            .post(format!("{}/api/token", self.direct_url))
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
                ("client_id", &self.client_id),
            ])
            .send()
            .await
            .unwrap_or_else(|e| panic!("the provider does not answer /api/token: {e}"));
        let status = response.status();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    /// Revokes `refresh_token` and with it its whole grant (RFC 7009 at `/api/revoke`; needs
    /// [`Setup::standards`]), as a user who removes the app's access does.
    pub async fn revoke(&self, refresh_token: &str) {
        let response = self
            .http
            .post(format!("{}/api/revoke", self.direct_url))
            .form(&[
                ("token", refresh_token),
                ("token_type_hint", "refresh_token"),
                ("client_id", &self.client_id),
            ])
            .send()
            .await
            .expect("the provider answers /api/revoke");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert!(status.is_success(), "/api/revoke answered {status}: {body}");
    }

    /// How many `route` requests of `kind` (`POST`, `GET`, `preflight`) the provider has answered
    /// (from `GET /admin/stats`).
    /// How many of the app's calls the daily quota refused in its current window.
    pub async fn quota_refused(&self) -> u64 {
        let stats: Value =
            send_json(self.http.get(format!("{}/admin/stats", self.direct_url))).await;
        stats["daily_quota"][&self.client_id]["refused"]
            .as_u64()
            .unwrap_or(0)
    }

    /// The Web API calls (`GET /v1/*`, preflights apart) the provider has answered: what a quota counts.
    pub async fn web_api_calls(&self) -> u64 {
        let stats: Value =
            send_json(self.http.get(format!("{}/admin/stats", self.direct_url))).await;
        web_api_calls(&stats)
    }

    pub async fn requests(&self, kind: &str, route: &str) -> u64 {
        let stats: Value =
            send_json(self.http.get(format!("{}/admin/stats", self.direct_url))).await;
        stats["routes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r["route"] == route && r["kind"] == kind)
            .map(|r| r["count"].as_u64().unwrap_or(0))
            .sum()
    }

    /// The page can no longer reach the provider: its port refuses connections and the open ones
    /// are cut, as when the provider is stopped. Needs [`Setup::gated`].
    pub async fn cut_api(&self) {
        self.gate().close().await;
    }

    /// The provider is reachable again, on the same port.
    pub async fn restore_api(&self) {
        self.gate().open().await;
    }

    fn gate(&self) -> &Gate {
        self.gate
            .as_ref()
            .expect("the scenario's Setup has `gated: true`")
    }
}

async fn send_json(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("the provider answers");
    let url = response.url().clone();
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "{url} answered {status}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url} answered non-JSON ({e}): {body}"))
}
