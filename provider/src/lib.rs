//! `local-spotify`: a strict, offline stand-in for Spotify's accounts service and Web API.
//!
//! It lets the app sign in with the OAuth 2.0 authorization code flow with PKCE (as a public
//! client) and read playlists, with no network. One listener serves:
//!
//! - the accounts service: `GET /authorize` (validates the request, shows a consent page with a
//!   choice of sample user), `POST /authorize/decision` (the consent form; the pending request is
//!   kept server-side under a random id), `POST /api/token` (`authorization_code` and
//!   `refresh_token` grants, Spotify's error bodies);
//! - the Web API: `GET /v1/me`, `GET /v1/me/playlists`, `GET /v1/me/tracks` (Liked Songs),
//!   `GET /v1/playlists/{id}`, `GET /v1/playlists/{id}/items` (and its deprecated twin `/tracks`);
//! - generated cover images (JPEG, as Spotify's): `GET /images/{seed}.jpg`;
//! - admin endpoints for tests: `POST /admin/faults`, `GET /admin/faults`, `POST /admin/reset`,
//!   `POST /admin/codes`, and for benchmarks `GET /admin/stats` (every request but `/admin/*`,
//!   counted by kind, CORS preflights apart, and by route, with the provider's own time, latency
//!   left out; and `daily_quota`, each client's Web API calls in the daily quota's window) and
//!   `POST /admin/stats/reset`.
//!
//! Sample users: `alice` (13 varied playlists, among them a collaborative one of erin's,
//! one of erin's she only follows, and Spotify's "Fresh Finds"), `bob` (none), `carol` (10,000),
//! `dave` (one with 1,500 tracks), `erin` (untidy data: her own playlists hold local files,
//! episodes, `null` artists and images and a removed track; her library lists playlists with a
//! `null` name, a `null` owner, a `null` entry in `images`, `images: null` and `[]`, and
//! `items.total: null`), `grace` (50) and `heidi` (1,000), generated like carol's. Episodes come track-shaped unless `additional_types` names `episode`.
//! Liked Songs, newest first: alice 25, bob none, carol 5,000, dave 150, erin 17 untidy ones
//! (local files, `"track": null`, null names and artists, albums without images, names with
//! quotes, commas, newlines and a leading `=`), grace 100, heidi 1,000 ([`catalog::liked`]).
//!
//! CORS (preflight included, error answers too) covers `/api/*`, `/v1/*` and `/admin/*`, and
//! nothing else. `/api/*` and `/admin/*` answer the allowed origins only. The Web API answers
//! as Spotify's does by default (`--cors spotify`): `Access-Control-Allow-Origin: *` and no
//! exposed headers, so a page cannot read `Retry-After`; `--cors per-origin` (implied by naming
//! an origin) answers the allowed origins only and exposes `Retry-After` and `WWW-Authenticate`.
//! An optional second listener serves the app's `dist/` folder, with `index.html` for app
//! routes; every answer it sends carries `Content-Security-Policy: frame-ancestors 'none'`,
//! `Cross-Origin-Opener-Policy: same-origin`, `X-Content-Type-Options: nosniff` and
//! `Referrer-Policy: no-referrer`.
//!
//! `--tls` serves the accounts service and the Web API over HTTPS instead, HTTP/2 or HTTP/1.1 as
//! the client's ALPN asks, as Spotify's do: a browser sends many requests at once to one host only
//! over HTTP/2, and speaks HTTP/2 only over TLS. The certificate is made at start and no browser
//! trusts it; the benchmark's browser is told to accept it ([`tls`]).
//!
//! `--mode standards` (or `"mode"` in the config file) plays a standards-following server
//! instead of Spotify's: RFC 8414 metadata at `/.well-known/oauth-authorization-server` (the
//! issuer is the provider's base URL), `iss` on every authorization response redirect (RFC 9207),
//! RFC 7009 revocation at `POST /api/revoke` (`token`, `client_id`, optional `token_type_hint`;
//! 200 for an unknown token; a refresh token takes its whole grant with it), and an unknown scope
//! redirected back as `invalid_scope`. Both documents answer CORS for the allowed origins.
//!
//! # Rules worth knowing
//!
//! - `/authorize` with a missing or unknown `client_id` or `redirect_uri` (exact string match)
//!   shows the provider's own error page and never redirects. An unknown scope gets Spotify's
//!   bare 400 "Illegal scope" page, no redirect either. Once the client is trusted, every other
//!   problem is redirected back as `error=...&error_description=...&state=...`:
//!   `unsupported_response_type` for a `response_type` other than `code`, `invalid_request` for
//!   everything else (a repeated parameter, a missing `response_type` or `code_challenge`, a
//!   `code_challenge_method` other than `S256`, a challenge that is not 43 base64url characters).
//! - `POST /api/token`: a missing or unknown `client_id` is `invalid_client`; a missing `code`,
//!   `redirect_uri`, `code_verifier` or `refresh_token` is `invalid_request`; a code that is
//!   unknown, expired, issued to another client or already used is `invalid_grant` /
//!   `Invalid authorization code` (already used also revokes the tokens issued from it). A failed
//!   exchange does not use the code up.
//! - Access tokens: missing → 401 `No token provided`, unknown or revoked →
//!   `Invalid access token`, expired → `The access token expired`. `/v1/me/playlists` and the
//!   items of a non-public playlist need `playlist-read-private` (or, for a collaborative one,
//!   `playlist-read-collaborative`), and `/v1/me/tracks` needs `user-library-read`: 403
//!   `Insufficient client scope`. `/v1/me` shows `email` only with `user-read-email` and
//!   `country`/`product` only with `user-read-private`, like Spotify. `/v1/me/tracks` lists
//!   `{added_at, track}` in both quota modes (the 2026 rename to `item` was for playlists).
//! - A playlist id that is not 22 base62 characters → 400 `Invalid base62 id`; a well-formed
//!   unknown one → 404 `Resource not found`. In Development Mode a user missing from the client's
//!   `allowed_users` (config file), or named in the fault plan's `unregistered_users`, gets 403
//!   `User not registered in the Developer Dashboard` on every Web API call.
//! - Quota modes (`--quota`, or `"quota"` per client in the config file). `development`, the
//!   default as for every new Spotify app since February 2026: the items only of playlists the
//!   user owns or collaborates on (a followed playlist's items: 403 `Forbidden`), Spotify-owned
//!   playlists 404 on the object and its items, `/playlists/{id}/tracks` 403 `Forbidden`, and
//!   only the 2026 names (`items` on playlists, `item` in entries with `"track": null`).
//!   `extended`: an app granted extended quota before 27 November 2024, which reads followed and
//!   Spotify-owned playlists and still gets `tracks`/`track` and `/tracks`.
//! - Daily quota (`--daily-quota N`, `"daily_quota"` per client in the config file, over a
//!   rolling `--quota-window-secs`, 24 hours by default), as Development Mode's: a client's Web
//!   API calls (not preflights, `/api/*` or images) are counted whoever's token makes them, and
//!   past N every one answers 429 `{"error":{"status":429,"message":"Too many requests",
//!   "reason":"QUOTA_EXCEEDED"}}` with `Retry-After` until the window would hold one call fewer.
//!   Refused calls are not counted ([`daily_quota`]).
//!
//! # Fault plan
//!
//! `POST /admin/faults` takes a JSON plan that replaces the previous one (and restarts its rule
//! counters); `POST /admin/reset` clears it. Every field is optional:
//!
//! ```json
//! {
//!   "latency_ms": 0,
//!   "rules": [{"path": "/v1/me/playlists", "method": "GET", "nth": 2, "times": 1,
//!              "status": 429, "retry_after": 1, "no_cors": false}],
//!   "access_token_lifetime": 60,
//!   "refresh_token_lifetime": 3600,
//!   "code_lifetime": 600,
//!   "rotation": "rotate",
//!   "reuse_detection": true,
//!   "no_cors_on_errors": false,
//!   "malformed_json_on": "/v1/me",
//!   "unregistered_users": ["bob"],
//!   "daily_quota": 1100,
//!   "quota_window_secs": 86400
//! }
//! ```
//!
//! A rule matches a path exactly, or by prefix when it ends in `*`, and optionally a method and a
//! `query` pair (`"offset=150"`: one page of a list, whatever order concurrent pages come in). Its
//! `nth` matching request (1-based, default 1) and the `times - 1` after it (default 1; 0 means
//! all from then on) fail with `status` (429 adds `Retry-After: retry_after`, default 1), or,
//! with `"malformed_json": true` instead of a status, are served with their JSON body cut in
//! half; `"quota_exceeded": true` (a 429) answers as a spent daily quota does; `"no_cors": true`
//! beside a status answers without any CORS header, as some of Spotify's 429s reach browsers.
//! Lifetimes and rotation apply to what is issued from then on.
//! `reuse_detection` (or `--reuse-detection`, both only with rotation `rotate`): a rotated-out
//! refresh token presented again revokes its whole grant, as RFC 9700 §4.14.2 recommends.
//! `daily_quota` and `quota_window_secs` replace the flags while the plan is in force.
//! `no_cors_on_errors` strips CORS headers from every 4xx and 5xx answer. `latency_ms` delays
//! every other request, CORS preflights included, as a network would. `/admin/*` itself is never
//! delayed or failed.
//!
//! `POST /admin/codes` with `{"client_id", "redirect_uri", "code_challenge", "user", "scope"}`
//! answers `{"code": "..."}`: a code issued exactly as if the user had approved, validated like
//! `/authorize`.

pub mod accounts;
pub mod admin;
pub mod api;
pub mod app;
pub mod catalog;
pub mod config;
pub mod daily_quota;
pub mod dist;
pub mod errors;
pub mod faults;
pub mod form;
pub mod images;
pub mod listeners;
pub mod scopes;
pub mod secrets;
pub mod state;
pub mod stats;
pub mod store;
pub mod tls;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::{Cli, Config, ConfigError, Rotation};

/// Why the server could not start.
#[derive(Debug)]
pub enum StartError {
    Config(ConfigError),
    Bind {
        port: u16,
        source: io::Error,
    },
    /// `--tls`, and no certificate could be made.
    Tls(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StartError::Config(e) => write!(f, "{e}"),
            StartError::Bind { port, source } => {
                write!(f, "cannot listen on 127.0.0.1:{port}: {source}")
            }
            StartError::Tls(why) => write!(f, "cannot serve HTTPS: {why}"),
        }
    }
}

impl std::error::Error for StartError {}

impl From<ConfigError> for StartError {
    fn from(e: ConfigError) -> Self {
        StartError::Config(e)
    }
}

/// A started server. Dropping it stops the listeners.
pub struct RunningServer {
    /// The accounts service and Web API.
    pub addr: SocketAddr,
    /// The served `dist/` folder, when one was asked for.
    pub app_addr: Option<SocketAddr>,
    /// HTTPS (`--tls`): the authority that signed the server's certificate.
    tls: Option<tls::Tls>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<io::Result<()>>>,
}

impl RunningServer {
    /// `http://127.0.0.1:PORT` (`https://` with `--tls`), without a trailing slash.
    pub fn base_url(&self) -> String {
        base_url(self.addr, self.tls.is_some())
    }

    /// With `--tls`, the certificate (DER) of the authority that signed the server's: what a
    /// client trusts to reach it.
    pub fn authority_der(&self) -> Option<&[u8]> {
        self.tls.as_ref().map(tls::Tls::authority_der)
    }

    /// `http://127.0.0.1:PORT/` of the served app, when there is one.
    pub fn app_url(&self) -> Option<String> {
        self.app_addr.map(|a| format!("http://{a}/"))
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

fn base_url(addr: SocketAddr, tls: bool) -> String {
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{addr}")
}

async fn bind(port: u16) -> Result<TcpListener, StartError> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .await
        .map_err(|source| StartError::Bind { port, source })
}

/// Binds the listeners on 127.0.0.1 and serves them in the background.
pub async fn start(config: Config) -> Result<RunningServer, StartError> {
    let listener = bind(config.port).await?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        port: config.port,
        source,
    })?;
    let dist = match &config.serve_dist {
        Some(dir) => {
            let l = bind(config.dist_port).await?;
            let a = l.local_addr().map_err(|source| StartError::Bind {
                port: config.dist_port,
                source,
            })?;
            Some((l, a, dir.clone()))
        }
        None => None,
    };

    let tls = match config.tls {
        true => Some(tls::Tls::generate().map_err(StartError::Tls)?),
        false => None,
    };
    let state = Arc::new(state::AppState::new(config, base_url(addr, tls.is_some())));
    let router = app::router(state)?;
    let (shutdown, watcher) = watch::channel(false);

    let mut tasks = Vec::new();
    tasks.push(match &tls {
        Some(tls) => tokio::spawn(tls::serve(listener, router, tls.clone(), watcher.clone())),
        None => tokio::spawn(serve(listener, router, watcher.clone())),
    });
    let app_addr = dist.map(|(l, a, dir)| {
        tasks.push(tokio::spawn(serve(l, dist::router(&dir), watcher.clone())));
        a
    });

    Ok(RunningServer {
        addr,
        app_addr,
        tls,
        shutdown,
        tasks,
    })
}

async fn serve(
    listener: TcpListener,
    router: axum::Router,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|stopped| *stopped).await;
        })
        .await
}
