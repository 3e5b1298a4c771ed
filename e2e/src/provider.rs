//! The local provider, in process: [`serve_app`] starts it on listeners bound first, serving a
//! copy of `dist/` (for the harness's [`Provider`] and for the benchmark), and the [`Admin`] calls
//! the scenarios use.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use base64::Engine as _;
use local_spotify::config::{Client, ClientSettings, CorsMode, Mode, Quota};
use local_spotify::listeners::{start_on, Listeners};
use local_spotify::{Config, RunningServer};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sha2::Digest as _;

use crate::gate::Gate;
use crate::page::normalize_space;
use crate::support::{copy_dir, env_path, temp_dir};

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

/// A provider running in this process, serving a fresh copy of `dist/` for its caller to
/// configure.
pub struct Local {
    pub server: RunningServer,
    /// The copy of `dist/` it serves (it reads `index.html` on every request).
    pub dist: PathBuf,
    _dir: tempfile::TempDir,
}

/// Starts `config` on two ports of 127.0.0.1 the system picks, serving a fresh copy of `dist/`
/// from the app's origin, which it allows (CORS) and whose `/callback` it registers for every
/// client in `client_ids`. The ports are bound before the configuration names them.
pub async fn serve_app(mut config: Config, client_ids: &[String]) -> anyhow::Result<Local> {
    let dir = temp_dir("provider");
    let dist = dir.path().join("dist");
    copy_dir(&dist_dir(), &dist);
    let listeners = Listeners::local().context("cannot listen on 127.0.0.1")?;
    let origin = listeners.app_origin().context("no app listener")?;
    config.serve_dist = Some(dist.clone());
    config.allowed_origins = vec![origin.clone()];
    let client = |id: &String| Client {
        id: id.clone(),
        name: "PKCE Playlists".to_owned(),
        redirect_uris: vec![format!("{origin}/callback")],
    };
    config.clients = client_ids.iter().map(client).collect();
    let server = start_on(config, listeners)
        .await
        .context("the local provider did not start")?;
    Ok(Local {
        server,
        dist,
        _dir: dir,
    })
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

/// A scenario's provider ([`serve_app`]), whose copy of `dist/` is configured for it. Its request
/// log goes to this test's stderr.
pub struct Provider {
    /// `http://127.0.0.1:PORT`: the accounts service and the Web API, as the page reaches them.
    pub api_url: String,
    /// `http://127.0.0.1:PORT/`: the app.
    pub app_url: String,
    admin: Admin,
    local: Local,
}

impl Provider {
    /// Starts the provider on the current tokio runtime, as `setup` says.
    pub async fn start(setup: Setup) -> Provider {
        let usual_client =
            xtask::local_client_id(&xtask::workspace_root()).unwrap_or_else(|e| panic!("{e}"));
        let client_id = match setup.extended_quota {
            true => format!("{usual_client}-extended"),
            false => usual_client.clone(),
        };
        let extended = ClientSettings {
            quota: Some(Quota::Extended),
            allowed_users: None,
        };
        let config = Config {
            // The Web API answers CORS as Spotify's does (`*`, `Retry-After` not exposed), so the
            // whole flow runs under the rules the app meets in production.
            cors: match setup.exposed_retry_after {
                true => CorsMode::PerOrigin,
                false => CorsMode::Spotify,
            },
            mode: match setup.standards || setup.discovery != Discovery::No {
                true => Mode::Standards,
                false => Mode::Spotify,
            },
            client_settings: (setup.extended_quota.then(|| (client_id.clone(), extended)))
                .into_iter()
                .collect(),
            ..Config::default()
        };
        let mut client_ids = vec![usual_client, client_id.clone()];
        client_ids.dedup();
        let local = serve_app(config, &client_ids).await;
        let local = local.unwrap_or_else(|e| panic!("{e:#}"));
        let (server, served) = (&local.server, local.dist.clone());
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
        // The covers' URLs name the provider's own port, which a gate does not stand in front
        // of: the page's policy must let the images come from there.
        let images_from = gate.as_ref().map(|_| direct_url.clone());
        write_config(&served.join("index.html"), &config, images_from);

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
            local,
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
        let stopped = self.local.server.shutdown();
        let _ = tokio::time::timeout(Duration::from_secs(5), stopped).await;
    }

    /// This provider's addresses for a scenario; `expected_alice` is what the scenario expects
    /// alice's library to show (empty when it does not look).
    pub fn urls(&self, expected_alice: Vec<String>) -> crate::Urls {
        crate::Urls {
            app: self.app_url.clone(),
            api: self.api_url.clone(),
            authorize: format!("{}/authorize", self.api_url),
            expected_alice,
        }
    }

    /// Guards against a scenario that passes or fails against another provider (the default port
    /// 8081, a demo left running): the page served must carry this provider's endpoints.
    async fn check_the_app_names_this_provider(&self) {
        let page = reqwest::get(&self.app_url)
            .await
            .and_then(|r| r.error_for_status());
        let page = page.unwrap_or_else(|e| panic!("the provider does not serve the app: {e}"));
        let html = page.text().await.expect("the app's page is text");
        let config = xtask::config_block::read_config(&html);
        let config = config.unwrap_or_else(|e| panic!("the served index.html: {e}"));
        let named = config["token_endpoint"]
            .as_str()
            .or(config["issuer"].as_str());
        let port = self.api_url.rsplit(':').next().unwrap_or_default();
        let here = named.is_some_and(|url| url.contains(&format!(":{port}")));
        assert!(here, "the served app talks to another provider: {config}");
        assert_eq!(
            config["client_id"], self.admin.client_id,
            "the served app is not the client the scenario asked for: {config}"
        );
    }
}

/// The `kind` requests (`GET`, `POST`, `preflight`) of `route` in an `/admin/stats` answer; a
/// `route` ending in `*` is a prefix (`GET` of `/v1/*`: the Web API calls, what a quota counts).
pub fn counted(stats: &Value, kind: &str, route: &str) -> u64 {
    let matches = |r: &Value| match route.strip_suffix('*') {
        Some(prefix) => r["route"].as_str().is_some_and(|p| p.starts_with(prefix)),
        None => r["route"] == route,
    };
    let rows = stats["routes"].as_array().into_iter().flatten();
    rows.filter(|r| r["kind"] == kind && matches(r))
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

/// Rewrites the configuration block of `index` (a copy of dist's) to `config`, and its policy
/// for it, letting images come from `images_from` too.
fn write_config(index: &Path, config: &Value, images_from: Option<String>) {
    let img = images_from.into_iter().collect();
    let more = xtask::csp::Policy {
        img,
        ..Default::default()
    };
    xtask::html::rewrite_file(index, Some(config), &more).unwrap_or_else(|e| panic!("{e:#}"));
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
    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.get(format!("{}{path}", self.direct_url))
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.post(format!("{}{path}", self.direct_url))
    }

    /// Replaces the fault plan (`POST /admin/faults`): lifetimes, rotation and reuse detection
    /// apply to what is issued from then on.
    pub async fn set_faults(&self, plan: Value) {
        send_json(self.post("/admin/faults").json(&plan)).await;
    }

    /// An access token for `user`, from a code issued through the admin endpoint (as if `user`
    /// approved) and a real PKCE exchange.
    pub async fn access_token(&self, user: &str) -> String {
        let verifier = "e2e-verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ";
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        let issued = send_json(self.post("/admin/codes").json(&json!({
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "code_challenge": challenge,
            "user": user,
            "scope": "playlist-read-private playlist-read-collaborative user-library-read",
        })))
        .await;
        let code = issued["code"]
            .as_str()
            .expect("/admin/codes returns a code");
        let token = send_json(self.post("/api/token").form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.redirect_uri),
            ("client_id", &self.client_id),
            ("code_verifier", verifier),
        ]))
        .await;
        let token = token["access_token"].as_str();
        token
            .expect("/api/token returns an access_token")
            .to_owned()
    }

    /// `GET /v1{path}` with `access_token`: the status and the body (JSON, or `Null`).
    pub async fn api_get(&self, path: &str, access_token: &str) -> (StatusCode, Value) {
        answer(self.get(&format!("/v1{path}")).bearer_auth(access_token)).await
    }

    /// Every playlist in `user`'s library, as the Web API lists it (page by page).
    pub async fn library(&self, user: &str) -> Vec<Value> {
        let token = self.access_token(user).await;
        let mut playlists = Vec::new();
        for offset in (0..).step_by(50) {
            let path = format!("/me/playlists?limit=50&offset={offset}");
            let (status, page) = self.api_get(&path, &token).await;
            assert!(
                status.is_success(),
                "GET /v1{path} answered {status}: {page}"
            );
            let items = page["items"].as_array().expect("a page has items");
            playlists.extend(items.iter().cloned());
            if page["next"].is_null() || items.is_empty() {
                break;
            }
        }
        playlists
    }

    /// The names of `user`'s playlists as the Web API reports them, whitespace-normalized.
    pub async fn playlist_names(&self, user: &str) -> Vec<String> {
        let library = self.library(user).await;
        let names = library.iter().filter_map(|p| p["name"].as_str());
        names.map(normalize_space).collect()
    }

    /// How many entries playlist `id` holds, as `user` reads it with the app's client (so in the
    /// client's quota mode), or the status with which the Web API refuses them.
    pub async fn items_total(&self, user: &str, id: &str) -> Result<usize, StatusCode> {
        let token = self.access_token(user).await;
        let path = format!("/playlists/{id}/items?limit=1");
        let (status, page) = self.api_get(&path, &token).await;
        if !status.is_success() {
            return Err(status);
        }
        let total = page["total"].as_u64();
        Ok(total.unwrap_or_else(|| panic!("the items of {id} have no total: {page}")) as usize)
    }

    /// `POST /api/token` with `grant_type=refresh_token`: the status and the body.
    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        answer(self.post("/api/token").form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &self.client_id),
        ]))
        .await
    }

    /// Revokes `refresh_token` and with it its whole grant (RFC 7009 at `/api/revoke`; needs
    /// [`Setup::standards`]), as a user who removes the app's access does.
    pub async fn revoke(&self, refresh_token: &str) {
        let (status, body) = answer(self.post("/api/revoke").form(&[
            ("token", refresh_token),
            ("token_type_hint", "refresh_token"),
            ("client_id", &self.client_id),
        ]))
        .await;
        assert!(status.is_success(), "/api/revoke answered {status}: {body}");
    }

    /// How many of the app's calls the daily quota refused in its current window.
    pub async fn quota_refused(&self) -> u64 {
        let stats = send_json(self.get("/admin/stats")).await;
        stats["daily_quota"][&self.client_id]["refused"]
            .as_u64()
            .unwrap_or(0)
    }

    /// The Web API calls (`GET /v1/*`, preflights apart) the provider has answered: what a quota
    /// counts.
    pub async fn web_api_calls(&self) -> u64 {
        counted(&send_json(self.get("/admin/stats")).await, "GET", "/v1/*")
    }

    /// How many `route` requests of `kind` (`POST`, `GET`, `preflight`) the provider has answered
    /// (from `GET /admin/stats`).
    pub async fn requests(&self, kind: &str, route: &str) -> u64 {
        counted(&send_json(self.get("/admin/stats")).await, kind, route)
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
        let gate = self.gate.as_ref();
        gate.expect("the scenario's Setup has `gated: true`")
    }
}

/// The provider's answer to `request`: its status and its body (JSON, or `Null`).
async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await;
    let response = response.unwrap_or_else(|e| panic!("the provider does not answer: {e}"));
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The provider's JSON answer to `request`, which must succeed.
async fn send_json(request: reqwest::RequestBuilder) -> Value {
    let (status, body) = answer(request).await;
    assert!(
        status.is_success(),
        "the provider answered {status}: {body}"
    );
    body
}
