//! The local provider in process ([`serve_app`], for the scenarios' [`Provider`] and the
//! benchmark), and the [`Admin`] calls the scenarios use.

use std::path::PathBuf;
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
use crate::support::{env_path, temp_dir};

/// The built app to serve: `$E2E_DIST` or `<workspace>/dist`; panics (never skips) when missing.
pub fn dist_dir() -> PathBuf {
    let dist = env_path("E2E_DIST").unwrap_or_else(|| xtask::workspace_root().join("dist"));
    let built = dist.join("index.html").is_file();
    assert!(
        built,
        "{}: no index.html; `cargo xtask build` first",
        dist.display()
    );
    dist
}

/// A provider in this process, serving a copy of `dist/` for its caller to configure.
pub struct Local {
    pub server: RunningServer,
    pub dist: PathBuf,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Local {
    /// The local preset pointed at this provider as the page reaches it, at `api_url`.
    pub fn preset(api_url: &str) -> anyhow::Result<Value> {
        let mut config = xtask::load_preset(&xtask::workspace_root(), "local")?;
        xtask::config_block::point_at_provider(&mut config, api_url);
        Ok(config)
    }

    /// Writes `config` into the served page, and its policy with `more`.
    pub fn configure(&self, config: &Value, more: &xtask::csp::Policy) -> anyhow::Result<()> {
        xtask::html::rewrite_file(&self.dist.join("index.html"), Some(config), more)
    }

    pub async fn stats(&self) -> anyhow::Result<Value> {
        let url = format!("{}/admin/stats", self.server.base_url());
        let stats = self.http.get(&url).send().await?.json().await;
        stats.with_context(|| format!("GET {url}"))
    }

    pub async fn stop(self) {
        let stopped = self.server.shutdown();
        let _ = tokio::time::timeout(Duration::from_secs(5), stopped).await;
    }
}

/// Starts `config` serving a copy of `dist/`, whose `/callback` it registers for `client_ids`.
pub async fn serve_app(mut config: Config, client_ids: &[String]) -> anyhow::Result<Local> {
    let dir = temp_dir("provider");
    let dist = dir.path().join("dist");
    for (name, file) in xtask::files(&dist_dir(), false)? {
        let target = dist.join(name);
        std::fs::create_dir_all(target.parent().context("a file in dist/")?)?;
        std::fs::copy(&file, &target).with_context(|| format!("cannot copy {}", file.display()))?;
    }
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
    let server = start_on(config, listeners).await;
    let server = server.context("the local provider did not start")?;
    let mut http = reqwest::Client::builder();
    if let Some(der) = server.authority_der() {
        http = http.add_root_certificate(reqwest::Certificate::from_der(der)?);
    }
    Ok(Local {
        server,
        dist,
        http: http.build()?,
        _dir: dir,
    })
}

/// How a scenario wants the provider; by default Spotify's, the app's client in Development Mode.
#[derive(Debug, Clone, Copy, Default)]
pub struct Setup {
    /// A standards-following accounts service (`--mode standards`), with RFC 7009 revocation.
    pub standards: bool,
    /// The app's client is a second one, with extended quota.
    pub extended_quota: bool,
    /// The page reaches the provider through a [`Gate`] (see [`Admin::cut_api`]).
    pub gated: bool,
    /// The app reads its endpoints from the provider's metadata (RFC 8414); implies `standards`.
    pub discovery: Discovery,
    /// The Web API answers CORS for the app's origin and exposes `Retry-After`, unlike Spotify.
    pub exposed_retry_after: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Discovery {
    #[default]
    No,
    Issuer,
    /// `localhost` for `127.0.0.1`: the app must refuse the provider's metadata.
    ForeignIssuer,
}

pub struct Provider {
    /// The accounts service and the Web API, as the page reaches them.
    pub api_url: String,
    pub app_url: String,
    admin: Admin,
    local: Local,
}

impl Provider {
    pub async fn start(setup: Setup) -> Provider {
        let usual_client =
            xtask::local_client_id(&xtask::workspace_root()).unwrap_or_else(|e| panic!("{e}"));
        let client_id = match setup.extended_quota {
            true => format!("{usual_client}-extended"),
            false => usual_client.clone(),
        };
        let extended = ClientSettings {
            quota: Some(Quota::Extended),
            ..Default::default()
        };
        let extended = setup.extended_quota.then(|| (client_id.clone(), extended));
        let config = Config {
            cors: match setup.exposed_retry_after {
                true => CorsMode::PerOrigin,
                false => CorsMode::Spotify,
            },
            mode: match setup.standards || setup.discovery != Discovery::No {
                true => Mode::Standards,
                false => Mode::Spotify,
            },
            client_settings: extended.into_iter().collect(),
            ..Config::default()
        };
        let mut client_ids = vec![usual_client, client_id.clone()];
        client_ids.dedup();
        let local = serve_app(config, &client_ids).await;
        let local = local.unwrap_or_else(|e| panic!("{e:#}"));
        let direct_url = local.server.base_url();
        let gate = match setup.gated {
            true => Some(Gate::start(local.server.addr).await),
            false => None,
        };
        let api_url = gate.as_ref().map_or_else(|| direct_url.clone(), Gate::url);
        let app_url = local.server.app_url().expect("the app is served");
        let mut config = Local::preset(&api_url).unwrap_or_else(|e| panic!("{e:#}"));
        config["client_id"] = json!(client_id);
        if setup.discovery != Discovery::No {
            let issuer = match setup.discovery {
                Discovery::ForeignIssuer => direct_url.replace("127.0.0.1", "localhost"),
                _ => direct_url.clone(),
            };
            config = json!({ "client_id": client_id, "issuer": issuer });
        } else if setup.standards {
            // A standards provider names itself in every authorization response (RFC 9207); the
            // app checks that against its configured issuer, and revokes at log out (RFC 7009).
            config["issuer"] = json!(direct_url);
            config["revocation_endpoint"] = json!(format!("{api_url}/api/revoke"));
        }
        // The covers' URLs name the provider's own port, which a gate does not stand in front
        // of: the page's policy must let the images come from there.
        let img = gate.iter().map(|_| direct_url.clone()).collect();
        let more = xtask::csp::Policy {
            img,
            ..Default::default()
        };
        let configured = local.configure(&config, &more);
        configured.expect("the served page takes the configuration");
        let provider = Provider {
            api_url,
            admin: Admin {
                direct_url,
                redirect_uri: format!("{app_url}callback"),
                client_id,
                http: local.http.clone(),
                gate,
            },
            app_url,
            local,
        };
        provider.check_the_app_names_this_provider().await;
        provider
    }

    pub fn admin(&self) -> Admin {
        self.admin.clone()
    }

    pub async fn stop(self) {
        if let Some(gate) = &self.admin.gate {
            gate.close().await;
        }
        self.local.stop().await;
    }

    /// `expected_alice`: what alice's library should show (empty when the scenario does not look).
    pub fn urls(&self, expected_alice: Vec<String>) -> crate::Urls {
        crate::Urls {
            app: self.app_url.clone(),
            api: self.api_url.clone(),
            authorize: format!("{}/authorize", self.api_url),
            expected_alice,
            served: self.local.dist.clone(),
        }
    }

    /// Guards against a scenario that passes or fails against another provider (a demo left
    /// running on the default port).
    async fn check_the_app_names_this_provider(&self) {
        let page = reqwest::get(&self.app_url).await;
        let page = page.and_then(|r| r.error_for_status());
        let page = page.unwrap_or_else(|e| panic!("the provider does not serve the app: {e}"));
        let html = page.text().await.expect("the app's page is text");
        let config = xtask::config_block::read_config(&html);
        let config = config.unwrap_or_else(|e| panic!("the served index.html: {e}"));
        let named = config["token_endpoint"].as_str();
        let named = named.or(config["issuer"].as_str());
        let port = self.api_url.rsplit(':').next().unwrap_or_default();
        let here = named.is_some_and(|url| url.contains(&format!(":{port}")));
        assert!(here, "the served app talks to another provider: {config}");
        let ours = config["client_id"] == self.admin.client_id;
        assert!(ours, "the served app is another client: {config}");
    }
}

/// The `kind` (`GET`, `POST`, `preflight`) requests of `route` (`/v1/*`: a prefix) in the stats.
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

/// An asynchronous script: how many records the app's local copy holds in IndexedDB, or `-1`.
pub const COPY_RECORDS: &str = r#"
    const done = arguments[arguments.length - 1], open = indexedDB.open('pkce-playlists-copy');
    const end = (db, n) => { db.close(); done(n); };
    open.onerror = () => done(-1);
    open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains('copy')) return end(db, 0);
        const count = db.transaction('copy').objectStore('copy').count();
        count.onsuccess = () => end(db, count.result);
        count.onerror = () => end(db, -1);
    };"#;

/// What a scenario may ask of the provider behind the page's back (never through the gate).
#[derive(Clone)]
pub struct Admin {
    direct_url: String,
    redirect_uri: String,
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

    async fn stats(&self) -> Value {
        send_json(self.get("/admin/stats")).await
    }

    /// Replaces the fault plan: it applies to what is issued from then on.
    pub async fn set_faults(&self, plan: Value) {
        send_json(self.post("/admin/faults").json(&plan)).await;
    }

    /// An access token for `user`: a code issued as if `user` approved, and a real PKCE exchange.
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
        let code = issued["code"].as_str();
        let code = code.expect("/admin/codes returns a code");
        let token = send_json(self.post("/api/token").form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.redirect_uri),
            ("client_id", &self.client_id),
            ("code_verifier", verifier),
        ]))
        .await;
        let token = token["access_token"].as_str();
        token.expect("/api/token returns an access_token").into()
    }

    pub async fn api_get(&self, path: &str, access_token: &str) -> (StatusCode, Value) {
        answer(self.get(&format!("/v1{path}")).bearer_auth(access_token)).await
    }

    /// Every playlist in `user`'s library, as the Web API lists it.
    pub async fn library(&self, user: &str) -> Vec<Value> {
        let token = self.access_token(user).await;
        let mut playlists = Vec::new();
        for offset in (0..).step_by(50) {
            let path = format!("/me/playlists?limit=50&offset={offset}");
            let (status, page) = self.api_get(&path, &token).await;
            assert!(status.is_success(), "GET /v1{path}: {status} {page}");
            let items = page["items"].as_array().expect("a page has items");
            playlists.extend(items.iter().cloned());
            if page["next"].is_null() || items.is_empty() {
                break;
            }
        }
        playlists
    }

    pub async fn playlist_names(&self, user: &str) -> Vec<String> {
        let library = self.library(user).await;
        let names = library.iter().filter_map(|p| p["name"].as_str());
        names.map(normalize_space).collect()
    }

    /// How many entries playlist `id` holds as `user` reads it with the app's client.
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

    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        answer(self.post("/api/token").form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", &self.client_id),
        ]))
        .await
    }

    /// Revokes `refresh_token` and its whole grant (RFC 7009; needs [`Setup::standards`]).
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
        let refused = &self.stats().await["daily_quota"][&self.client_id]["refused"];
        refused.as_u64().unwrap_or(0)
    }

    /// The Web API calls the provider has answered (preflights apart): what a quota counts.
    pub async fn web_api_calls(&self) -> u64 {
        self.requests("GET", "/v1/*").await
    }

    /// How many `route` requests of `kind` (see [`counted`]) the provider has answered.
    pub async fn requests(&self, kind: &str, route: &str) -> u64 {
        counted(&self.stats().await, kind, route)
    }

    /// The page can no longer reach the provider, as when it is stopped. Needs [`Setup::gated`].
    pub async fn cut_api(&self) {
        self.gate().close().await;
    }

    pub async fn restore_api(&self) {
        self.gate().open().await;
    }

    fn gate(&self) -> &Gate {
        self.gate
            .as_ref()
            .expect("the scenario's Setup has `gated: true`")
    }
}

/// The provider's answer to `request`: its status and its body (JSON, or `Null`).
async fn answer(request: reqwest::RequestBuilder) -> (StatusCode, Value) {
    let response = request.send().await;
    let response = response.unwrap_or_else(|e| panic!("the provider does not answer: {e}"));
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn send_json(request: reqwest::RequestBuilder) -> Value {
    let (status, body) = answer(request).await;
    assert!(
        status.is_success(),
        "the provider answered {status}: {body}"
    );
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards against a count of Web API calls that takes in preflights, other routes or the
    // accounts service, which would let a scenario or the benchmark miss a call too many.
    #[test]
    fn counts_the_requests_of_a_route_or_a_prefix() {
        let stats = json!({ "routes": [
            { "kind": "GET", "route": "/v1/me", "count": 2 },
            { "kind": "GET", "route": "/v1/me/playlists", "count": 5 },
            { "kind": "preflight", "route": "/v1/me/playlists", "count": 5 },
            { "kind": "POST", "route": "/api/token", "count": 1 },
            { "kind": "GET", "route": "/v1x", "count": 9 },
        ]});
        assert_eq!(counted(&stats, "GET", "/v1/*"), 7);
        assert_eq!(counted(&stats, "GET", "/v1/me"), 2);
        assert_eq!(counted(&stats, "preflight", "/v1/*"), 5);
        assert_eq!(counted(&stats, "POST", "/api/token"), 1);
        assert_eq!(counted(&json!({}), "GET", "/v1/*"), 0);
    }
}
