//! Command-line flags, the optional JSON config file, and the resolved [`Config`].

use std::collections::BTreeMap;
use std::fmt;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, ValueEnum};
use serde::{Deserialize, Serialize};

use crate::catalog::{sample_user_list, Person};
use crate::daily_quota::DAY_SECS;

/// The client registered when neither a flag nor the config file registers one.
pub const DEFAULT_CLIENT_ID: &str = "pkce-playlists-local";
/// The redirect URI of the default client.
pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8080/callback";
/// The origin allowed for CORS when none is given.
pub const DEFAULT_ORIGIN: &str = "http://127.0.0.1:8080";

/// Spotify's refresh-token lifetime: about six months.
pub const SIX_MONTHS_SECS: u64 = 183 * 24 * 60 * 60;

/// What `--help` says before the flags: what the provider serves and the rules it holds to.
const LONG_ABOUT: &str = "\
An offline stand-in for Spotify's accounts service and Web API, for the app's demo and tests. By
default it answers as Spotify does today; every difference is a flag, the config file or the fault
plan (POST /admin/faults).

One listener on 127.0.0.1 (--port) serves:
  accounts  GET /authorize (a consent page: choose a sample user, Approve or Deny),
            POST /authorize/decision, POST /api/token (authorization_code with PKCE S256,
            refresh_token), and with --mode standards the metadata and POST /api/revoke
  Web API   GET /v1/me, /v1/me/playlists, /v1/me/tracks (Liked Songs), /v1/playlists/{id},
            /v1/playlists/{id}/items (and the deprecated /tracks)
  covers    GET /images/{seed}.jpg (JPEG, as Spotify's)
  admin     /admin/* for tests and benchmarks (below); never delayed or failed
With --serve-dist DIR a second listener (--dist-port) serves the app: DIR's files, index.html for
app routes, a missing asset 404, and the headers DIR/_headers lists, as a static host would.
On start it prints one line per listener and the sample users; then one line per request on
stderr (never a query, at most a short prefix of a secret).

Rules it holds to:
  /authorize: an unknown client_id or redirect_uri (compared as exact strings) gets the
    provider's own error page, never a redirect; an unknown scope gets Spotify's bare 400
    \"Illegal scope\" page. Every other problem is redirected back as error=...&state=...:
    unsupported_response_type, or invalid_request (a repeated parameter, no code_challenge, a
    method other than S256, a challenge that is not 43 base64url characters).
  /api/token: an unknown client_id is invalid_client, a missing parameter invalid_request; a code
    that is unknown, expired, another client's or already used is invalid_grant (a used one also
    revokes the tokens issued from it); a failed exchange does not use the code up.
  Access tokens: none gives 401 \"No token provided\", an unknown or revoked one \"Invalid access
    token\", an expired one \"The access token expired\". Playlists need playlist-read-private
    (or playlist-read-collaborative for a collaborative one), /v1/me/tracks user-library-read;
    otherwise 403 \"Insufficient client scope\". /v1/me shows email only with user-read-email,
    country and product only with user-read-private.
  Playlist ids: not 22 base62 characters, 400 \"Invalid base62 id\"; unknown, 404. Episodes come
    track-shaped unless the request's additional_types names episode.";

/// What `--help` says after the flags: the switches' details, the fault plan, the admin
/// endpoints, the config file and the sample users.
const AFTER_LONG_HELP: &str = r#"DAILY QUOTA (--daily-quota, --quota-window-secs, or "daily_quota" per client), as Development
  Mode's: Web API calls (/v1/*; not CORS preflights, /api/*, /admin/* or /images/*) are counted per
  client id, whichever user's token makes them, over a rolling window. Past the limit every call of
  the client answers 429 {"error":{"status":429,"message":"Too many requests",
  "reason":"QUOTA_EXCEEDED"}} with Retry-After: the seconds until the window would hold one call
  fewer. Refused calls are not counted. A page reads Retry-After only with --cors per-origin.

FAULT PLAN (POST /admin/faults, JSON; every field optional; unknown fields are refused):
  {
    "latency_ms": 0,                       delay before every request but /admin/*, CORS
                                           preflights included
    "rules": [ {                           fire on chosen requests:
        "path": "/v1/me/playlists",        exact path, or a prefix ending in '*'
        "method": "GET",                   optional; any method when absent
        "query": "offset=150",             optional; only requests whose query holds this name=value
        "nth": 2,                          first matching request that fires (1-based, default 1)
        "times": 1,                        how many fire (default 1; 0 = every one from nth on)
        "status": 429,                     the error status to answer with (400-599) ...
        "retry_after": 1,                  ... and its Retry-After seconds (429 only; default 1)
        "quota_exceeded": false,           ... with 429 (or no status): a spent daily quota's body,
                                           reason QUOTA_EXCEEDED; /v1 paths only
        "no_cors": false,                  ... and no CORS header at all (as some Spotify 429s arrive)
        "malformed_json": false,           or, instead of a status: truncate the real JSON body
        "lost": false                      or: serve it, then hide the answer from the page (no CORS)
    } ],
    "access_token_lifetime": 60,           seconds, for tokens issued from now on
    "refresh_token_lifetime": 3600,        seconds, for grants started from now on
    "code_lifetime": 600,                  seconds, for codes issued from now on
    "rotation": "rotate",                  omit | rotate | keep, for refreshes from now on
    "reuse_detection": true,               as --reuse-detection
    "no_cors_on_errors": false,            strip CORS headers from every 4xx/5xx answer
    "malformed_json_on": "/v1/me",         truncate every JSON body served on this path
    "unregistered_users": ["bob"],         their Web API calls answer 403 "User not registered in
                                           the Developer Dashboard"
    "daily_quota": 1000,                   replaces --daily-quota (and the config file's) for
                                           every client
    "quota_window_secs": 86400             replaces --quota-window-secs
  }
  Each POST replaces the whole plan and restarts the rule counters; calls already counted against
  the daily quota stay counted. POST /admin/reset clears it. GET /admin/faults shows it.

OTHER ADMIN ENDPOINTS (CORS for the allowed origins):
  POST /admin/codes {"client_id","redirect_uri","code_challenge","user","scope"} -> {"code":"..."}
  (a code issued exactly as if the user had approved; validated like /authorize)
  GET /admin/stats -> {"requests","preflights","get","post","other","busy_ms",
                       "routes": [{"route","kind","count","busy_ms"}],
                       "versions": {"HTTP/1.1": n, "HTTP/2.0": n},
                       "daily_quota": {"CLIENT_ID": {"limit","counted","refused"}}}
  (every request but /admin/* since the start or the last reset: CORS preflights counted apart
  from GETs and POSTs, by route pattern such as /v1/playlists/{id}; busy_ms is the provider's own
  time, the latency left out. daily_quota: each client's Web API calls in the quota window now,
  counted and refused, and its limit or null; the reset leaves it alone)
  POST /admin/stats/reset (the counts back to zero)

CONFIG FILE (--config, JSON):
  {"clients": [{"client_id": "ID", "name": "App name",
                "redirect_uris": ["http://..."],     compared as exact strings
                "quota": "development",              development | extended; default: --quota
                "allowed_users": ["alice"],          optional Developer Dashboard allow-list
                                                     (Development Mode)
                "daily_quota": 1000}],               optional; default: --daily-quota
   "allowed_origins": ["http://127.0.0.1:8080"],   implies --cors per-origin unless --cors
                                                     says otherwise
   "mode": "spotify"}                                spotify | standards; --mode wins

SAMPLE USERS (the consent page's choice, or --auto-approve USER):
  alice  13 varied playlists: null and uploaded covers, non-Latin and very long names, removed
         tracks; a collaborative one of erin's (readable in Development Mode), one of erin's she
         only follows (403 there) and Spotify's Fresh Finds (404 there)
  bob    none          carol  10,000          dave  one with 1,500 tracks
  erin   untidy data: local files, episodes, null names, owners, totals, artists and images
  grace  50 (one page)       heidi  1,000 (twenty pages), generated like carol's
  Liked Songs (GET /v1/me/tracks, newest first): alice 25, bob none, carol 5,000, dave 150, erin 17
  untidy (local files, "track": null, null names and artists, quotes, commas, newlines, a leading
  =), grace 100, heidi 1,000."#;

/// Spotify's two app modes, which decide what the Web API lets an app read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Quota {
    /// What every new Spotify app is in: the items only of playlists the user owns or
    /// collaborates on (a followed playlist's items answer 403), Spotify-owned playlists 404,
    /// `/playlists/{id}/tracks` 403, and `items`/`item` without the deprecated `tracks`/`track`;
    /// a user missing from the client's `allowed_users` gets 403 "User not registered in the
    /// Developer Dashboard". `/v1/me/tracks` lists `{added_at, track}` in both modes.
    Development,
    /// An app granted extended quota before 27 November 2024: followed and Spotify-owned
    /// playlists are readable, and the deprecated fields and endpoint still answer.
    Extended,
}

impl fmt::Display for Quota {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Quota::Development => "development",
            Quota::Extended => "extended",
        })
    }
}

/// Which authorization server the accounts service plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Spotify's accounts service: no metadata document, no revocation endpoint, no `iss` on
    /// redirects, an "Illegal scope" page for an unknown scope. The default.
    Spotify,
    /// A standards-following OAuth server: RFC 8414 metadata at
    /// `/.well-known/oauth-authorization-server` (the issuer is the provider's base URL), `iss`
    /// on every authorization response (RFC 9207), RFC 7009 revocation at `POST /api/revoke`
    /// (`token`, `client_id`, optional `token_type_hint`; 200 for an unknown token; a refresh
    /// token takes its grant with it), and `invalid_scope` redirected back for an unknown scope
    /// (RFC 6749 §4.1.2.1). Both documents answer CORS for the allowed origins.
    Standards,
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Mode::Spotify => "spotify",
            Mode::Standards => "standards",
        })
    }
}

/// How the Web API (`/v1/*`) answers CORS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CorsMode {
    /// As Spotify's Web API: `Access-Control-Allow-Origin: *` for every origin, and `Retry-After`
    /// not exposed to scripts. The default.
    Spotify,
    /// Only the allowed origins, echoed back, with `Retry-After` and `WWW-Authenticate` exposed.
    /// What naming an origin (`--allow-origin`, or `allowed_origins` in the config file) implies
    /// unless `--cors` says otherwise.
    PerOrigin,
}

impl fmt::Display for CorsMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CorsMode::Spotify => "spotify",
            CorsMode::PerOrigin => "per-origin",
        })
    }
}

/// How `POST /api/token` answers a `refresh_token` grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rotation {
    /// A new refresh token each time; the old one is revoked (what standards providers do, RFC
    /// 9700 §4.14.2).
    Rotate,
    /// No `refresh_token` in the answer; the old one stays valid until the grant's absolute end
    /// (what Spotify's PKCE refresh does since 20 July 2026). The default.
    Omit,
    /// The same refresh token is returned again.
    Keep,
}

impl fmt::Display for Rotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Rotation::Rotate => "rotate",
            Rotation::Omit => "omit",
            Rotation::Keep => "keep",
        })
    }
}

/// An offline stand-in for Spotify's accounts service and Web API (--help for its manual).
#[derive(Debug, Clone, Parser)]
#[command(
    name = "local-spotify",
    version,
    about,
    long_about = LONG_ABOUT,
    after_help = "--help tells the endpoints, the rules, the sample users, the fault plan and \
                  the admin endpoints.",
    after_long_help = AFTER_LONG_HELP
)]
pub struct Cli {
    /// Port of the accounts service and Web API on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8081)]
    pub port: u16,

    /// An origin allowed by CORS on /api/token and /admin/* (and on /v1/* with --cors
    /// per-origin, which naming an origin implies unless --cors says otherwise) (repeatable).
    /// Default: http://127.0.0.1:8080.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,

    /// CORS on the Web API (/v1/*), preflights and error answers included. Default: per-origin
    /// when an origin is named (--allow-origin or the config file), spotify otherwise. /api/* and
    /// /admin/* answer the allowed origins only, in both modes; nothing else answers CORS.
    #[arg(long, value_enum)]
    pub cors: Option<CorsMode>,

    /// Register a client and its exact redirect URIs (repeatable).
    /// Default: pkce-playlists-local=http://127.0.0.1:8080/callback.
    #[arg(long = "client", value_name = "ID=REDIRECT[,REDIRECT...]")]
    pub client: Vec<String>,

    /// A JSON config file with clients and allowed origins (see below).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Serve this folder (the app's dist/) on a second port, with index.html for app routes and
    /// the headers its _headers file lists.
    #[arg(long = "serve-dist", value_name = "DIR")]
    pub serve_dist: Option<PathBuf>,

    /// Port of the served app on 127.0.0.1 (0 picks a free one).
    #[arg(long = "dist-port", default_value_t = 8080)]
    pub dist_port: u16,

    /// Lifetime of an authorization code, in seconds.
    #[arg(long = "code-lifetime", value_name = "SECS", default_value_t = 600)]
    pub code_lifetime: u64,

    /// Lifetime of an access token, in seconds.
    #[arg(
        long = "access-token-lifetime",
        value_name = "SECS",
        default_value_t = 3600
    )]
    pub access_token_lifetime: u64,

    /// Absolute lifetime of a refresh token, from the code exchange, in seconds (Spotify: ~6 months).
    #[arg(long = "refresh-token-lifetime", value_name = "SECS", default_value_t = SIX_MONTHS_SECS)]
    pub refresh_token_lifetime: u64,

    /// What a refresh_token grant answers.
    #[arg(long, value_enum, default_value_t = Rotation::Omit)]
    pub rotation: Rotation,

    /// With --rotation rotate: a rotated-out refresh token presented again revokes its whole
    /// grant, every access and refresh token of it (RFC 9700 §4.14.2).
    #[arg(long = "reuse-detection")]
    pub reuse_detection: bool,

    /// Delay added to every request except /admin/*, CORS preflights included, in milliseconds.
    #[arg(long = "latency-ms", value_name = "MS", default_value_t = 0)]
    pub latency_ms: u64,

    /// Serve the accounts service and the Web API over HTTPS, HTTP/2 or HTTP/1.1 by ALPN, as
    /// Spotify's (browsers multiplex requests only over HTTP/2, and speak it only over TLS). The
    /// certificate is made at start for 127.0.0.1 and no browser trusts it: for a browser told to
    /// accept it (the benchmark). The app (--serve-dist) stays on plain HTTP.
    #[arg(long)]
    pub tls: bool,

    /// Skip the consent page: /authorize redirects straight back with a code for USER.
    #[arg(long = "auto-approve", value_name = "USER")]
    pub auto_approve: Option<String>,

    /// The authorization server to play. The config file can set it too ("mode"); this flag
    /// wins.
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,

    /// The app mode of every client (the config file can set one per client).
    #[arg(long, value_enum, default_value_t = Quota::Development)]
    pub quota: Quota,

    /// The app mode of one client, over --quota (repeatable): ID=development or ID=extended.
    #[arg(long = "client-quota", value_name = "ID=QUOTA")]
    pub client_quota: Vec<String>,

    /// Web API calls each client may make in the quota window, as Spotify's Development Mode
    /// quota (the config file can set one per client): past it, 429 QUOTA_EXCEEDED. Default: no
    /// limit.
    #[arg(long = "daily-quota", value_name = "N")]
    pub daily_quota: Option<NonZeroU32>,

    /// The rolling window the daily quota counts over, in seconds (Spotify: 24 hours).
    #[arg(
        long = "quota-window-secs",
        value_name = "SECS",
        default_value_t = DAY_SECS,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub quota_window_secs: u64,
}

/// A registered (public) client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client {
    pub id: String,
    /// Shown on the consent page.
    pub name: String,
    /// Compared as exact strings.
    pub redirect_uris: Vec<String>,
}

/// What the config file can set per client beyond its redirect URIs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientSettings {
    /// The client's app mode, instead of [`Config::quota`].
    pub quota: Option<Quota>,
    /// The users registered in the app's Developer Dashboard. In Development Mode anyone else's
    /// Web API calls answer 403 `User not registered in the Developer Dashboard`. `None`: every
    /// sample user is registered.
    pub allowed_users: Option<Vec<Person>>,
}

/// Everything the server needs, resolved from flags and the config file.
#[derive(Debug, Clone)]
pub struct Config {
    pub port: u16,
    /// The origins allowed on `/api/token` and `/admin/*`, and on `/v1/*` with
    /// [`CorsMode::PerOrigin`].
    pub allowed_origins: Vec<String>,
    /// How `/v1/*` answers CORS.
    pub cors: CorsMode,
    /// Spotify's accounts service, or a standards-following one.
    pub mode: Mode,
    pub clients: Vec<Client>,
    pub serve_dist: Option<PathBuf>,
    pub dist_port: u16,
    pub code_lifetime: Duration,
    pub access_token_lifetime: Duration,
    pub refresh_token_lifetime: Duration,
    pub rotation: Rotation,
    /// With [`Rotation::Rotate`]: reusing a rotated-out refresh token revokes its grant.
    pub reuse_detection: bool,
    pub latency: Duration,
    /// Serve the accounts service and the Web API over HTTPS, HTTP/2 included (`--tls`).
    pub tls: bool,
    pub auto_approve: Option<Person>,
    /// The app mode of every client without one of its own.
    pub quota: Quota,
    /// Per-client settings from the config file, by client id.
    pub client_settings: BTreeMap<String, ClientSettings>,
    /// Web API calls a client may make in [`Config::quota_window`]; `None`: no limit.
    pub daily_quota: Option<NonZeroU32>,
    /// Per-client daily quotas from the config file, by client id, over [`Config::daily_quota`].
    /// (Apart from [`ClientSettings`], which other crates build field by field.)
    pub daily_quotas: BTreeMap<String, NonZeroU32>,
    /// The rolling window of the daily quota.
    pub quota_window: Duration,
}

impl Default for Config {
    /// The defaults of the command line, except that the port is 0 (a free one): what tests want.
    fn default() -> Self {
        Config {
            port: 0,
            allowed_origins: vec![DEFAULT_ORIGIN.to_owned()],
            cors: CorsMode::Spotify,
            mode: Mode::Spotify,
            clients: vec![default_client()],
            serve_dist: None,
            dist_port: 0,
            code_lifetime: Duration::from_secs(600),
            access_token_lifetime: Duration::from_secs(3600),
            refresh_token_lifetime: Duration::from_secs(SIX_MONTHS_SECS),
            rotation: Rotation::Omit,
            reuse_detection: false,
            latency: Duration::ZERO,
            tls: false,
            auto_approve: None,
            quota: Quota::Development,
            client_settings: BTreeMap::new(),
            daily_quota: None,
            daily_quotas: BTreeMap::new(),
            quota_window: Duration::from_secs(DAY_SECS),
        }
    }
}

impl Config {
    /// Looks up a registered client.
    pub fn client(&self, id: &str) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    /// The app mode a client is in.
    pub fn quota_of(&self, client_id: &str) -> Quota {
        self.client_settings
            .get(client_id)
            .and_then(|s| s.quota)
            .unwrap_or(self.quota)
    }

    /// The daily quota of a client, from the config file or `--daily-quota` (the fault plan can
    /// replace both).
    pub fn daily_quota_of(&self, client_id: &str) -> Option<NonZeroU32> {
        self.daily_quotas
            .get(client_id)
            .copied()
            .or(self.daily_quota)
    }

    /// Whether the client's Developer Dashboard lets `user` in: always in extended mode, and in
    /// Development Mode unless the client has an allow-list without them.
    pub fn is_registered(&self, client_id: &str, user: Person) -> bool {
        self.quota_of(client_id) == Quota::Extended
            || self
                .client_settings
                .get(client_id)
                .and_then(|s| s.allowed_users.as_ref())
                .is_none_or(|users| users.contains(&user))
    }
}

fn default_client() -> Client {
    Client {
        id: DEFAULT_CLIENT_ID.to_owned(),
        name: "PKCE Playlists".to_owned(),
        redirect_uris: vec![DEFAULT_REDIRECT_URI.to_owned()],
    }
}

/// Why flags or the config file could not be used.
#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    clients: Vec<FileClient>,
    #[serde(default)]
    allowed_origins: Vec<String>,
    #[serde(default)]
    mode: Option<Mode>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileClient {
    client_id: String,
    #[serde(default)]
    name: Option<String>,
    redirect_uris: Vec<String>,
    #[serde(default)]
    quota: Option<Quota>,
    #[serde(default)]
    allowed_users: Option<Vec<String>>,
    #[serde(default)]
    daily_quota: Option<NonZeroU32>,
}

impl TryFrom<Cli> for Config {
    type Error = ConfigError;

    fn try_from(cli: Cli) -> Result<Self, ConfigError> {
        let mut clients = Vec::new();
        let mut origins = Vec::new();
        let mut client_settings = BTreeMap::new();
        let mut daily_quotas = BTreeMap::new();
        let mut file_mode = None;
        if let Some(path) = &cli.config {
            let file = read_config_file(path)?;
            file_mode = file.mode;
            for c in file.clients {
                let allowed_users = c
                    .allowed_users
                    .map(|names| {
                        names
                            .iter()
                            .map(|name| {
                                Person::sample_user(name).ok_or_else(|| {
                                    ConfigError(format!(
                                        "--config: client {:?}: unknown user {name:?} in allowed_users (expected {})",
                                        c.client_id,
                                        sample_user_list()
                                    ))
                                })
                            })
                            .collect::<Result<Vec<_>, _>>()
                    })
                    .transpose()?;
                if c.quota.is_some() || allowed_users.is_some() {
                    client_settings.insert(
                        c.client_id.clone(),
                        ClientSettings {
                            quota: c.quota,
                            allowed_users,
                        },
                    );
                }
                if let Some(n) = c.daily_quota {
                    daily_quotas.insert(c.client_id.clone(), n);
                }
                clients.push(Client {
                    name: c.name.unwrap_or_else(|| c.client_id.clone()),
                    id: c.client_id,
                    redirect_uris: c.redirect_uris,
                });
            }
            origins.extend(file.allowed_origins);
        }
        for spec in &cli.client {
            clients.push(parse_client_flag(spec)?);
        }
        for spec in &cli.client_quota {
            let (id, quota) = spec.split_once('=').ok_or_else(|| {
                ConfigError(format!(
                    "--client-quota {spec:?}: expected ID=development|extended"
                ))
            })?;
            let quota = Quota::from_str(quota, true).map_err(|_| {
                ConfigError(format!(
                    "--client-quota {spec:?}: the quota is development or extended"
                ))
            })?;
            client_settings
                .entry(id.to_owned())
                .or_insert(ClientSettings {
                    quota: None,
                    allowed_users: None,
                })
                .quota = Some(quota);
        }
        origins.extend(cli.allow_origin.iter().cloned());

        let auto_approve = match &cli.auto_approve {
            None => None,
            Some(name) => Some(Person::sample_user(name).ok_or_else(|| {
                ConfigError(format!(
                    "--auto-approve: unknown user {name:?} (expected {})",
                    sample_user_list()
                ))
            })?),
        };

        let cors = cli.cors.unwrap_or(if origins.is_empty() {
            CorsMode::Spotify
        } else {
            CorsMode::PerOrigin
        });
        let config = Config {
            port: cli.port,
            cors,
            mode: cli.mode.or(file_mode).unwrap_or(Mode::Spotify),
            allowed_origins: if origins.is_empty() {
                vec![DEFAULT_ORIGIN.to_owned()]
            } else {
                origins
            },
            clients: if clients.is_empty() {
                vec![default_client()]
            } else {
                merge_clients(clients)
            },
            serve_dist: cli.serve_dist,
            dist_port: cli.dist_port,
            code_lifetime: Duration::from_secs(cli.code_lifetime),
            access_token_lifetime: Duration::from_secs(cli.access_token_lifetime),
            refresh_token_lifetime: Duration::from_secs(cli.refresh_token_lifetime),
            rotation: cli.rotation,
            reuse_detection: cli.reuse_detection,
            latency: Duration::from_millis(cli.latency_ms),
            tls: cli.tls,
            auto_approve,
            quota: cli.quota,
            client_settings,
            daily_quota: cli.daily_quota,
            daily_quotas,
            quota_window: Duration::from_secs(cli.quota_window_secs),
        };
        validate(&config)?;
        Ok(config)
    }
}

fn read_config_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ConfigError(format!("--config {}: {e}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| ConfigError(format!("--config {}: {e}", path.display())))
}

/// Parses `ID=REDIRECT[,REDIRECT...]`.
fn parse_client_flag(spec: &str) -> Result<Client, ConfigError> {
    let (id, redirects) = spec.split_once('=').ok_or_else(|| {
        ConfigError(format!(
            "--client {spec:?}: expected ID=REDIRECT[,REDIRECT...]"
        ))
    })?;
    let redirect_uris: Vec<String> = redirects
        .split(',')
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(Client {
        id: id.to_owned(),
        name: if id == DEFAULT_CLIENT_ID {
            "PKCE Playlists".to_owned()
        } else {
            id.to_owned()
        },
        redirect_uris,
    })
}

/// The same client id given twice registers the union of its redirect URIs.
fn merge_clients(clients: Vec<Client>) -> Vec<Client> {
    let mut merged: BTreeMap<String, Client> = BTreeMap::new();
    for c in clients {
        match merged.get_mut(&c.id) {
            Some(existing) => {
                for r in c.redirect_uris {
                    if !existing.redirect_uris.contains(&r) {
                        existing.redirect_uris.push(r);
                    }
                }
            }
            None => {
                merged.insert(c.id.clone(), c);
            }
        }
    }
    merged.into_values().collect()
}

fn validate(config: &Config) -> Result<(), ConfigError> {
    if config.reuse_detection && config.rotation != Rotation::Rotate {
        return Err(ConfigError(
            "--reuse-detection needs --rotation rotate (only rotated-out tokens can be reused)"
                .to_owned(),
        ));
    }
    for c in &config.clients {
        if c.id.is_empty() || !c.id.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError(format!(
                "client id {:?} is empty or not printable ASCII",
                c.id
            )));
        }
        if c.redirect_uris.is_empty() {
            return Err(ConfigError(format!(
                "client {:?} has no redirect URI",
                c.id
            )));
        }
        for r in &c.redirect_uris {
            if !(r.starts_with("http://") || r.starts_with("https://")) || r.contains('#') {
                return Err(ConfigError(format!(
                    "client {:?}: redirect URI {r:?} must be an absolute http(s) URL without a fragment",
                    c.id
                )));
            }
        }
    }
    for o in &config.allowed_origins {
        let ok = (o.starts_with("http://") || o.starts_with("https://"))
            && !o.ends_with('/')
            && o.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(ConfigError(format!(
                "allowed origin {o:?} must look like http://host:port (no path, no trailing slash)"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        let mut all = vec!["local-spotify"];
        all.extend_from_slice(args);
        Cli::parse_from(all)
    }

    #[test]
    fn defaults_register_the_documented_client_and_origin() {
        let config = Config::try_from(cli(&[])).expect("defaults are valid");
        assert_eq!(config.port, 8081);
        assert_eq!(config.allowed_origins, vec![DEFAULT_ORIGIN]);
        assert_eq!(config.clients, vec![default_client()]);
        assert_eq!(config.rotation, Rotation::Omit);
        assert_eq!(Config::default().rotation, Rotation::Omit);
        assert_eq!(
            config.refresh_token_lifetime,
            Duration::from_secs(SIX_MONTHS_SECS)
        );
    }

    #[test]
    fn client_flags_with_several_redirects_are_parsed_and_merged() {
        let config = Config::try_from(cli(&[
            "--client",
            "a=http://127.0.0.1:1/cb,http://localhost:1/cb",
            "--client",
            "a=http://127.0.0.1:2/cb",
        ]))
        .expect("valid");
        assert_eq!(config.clients.len(), 1);
        assert_eq!(
            config.clients[0].redirect_uris,
            vec![
                "http://127.0.0.1:1/cb",
                "http://localhost:1/cb",
                "http://127.0.0.1:2/cb"
            ]
        );
    }

    /// Guards against a test suite that cannot run one client in each quota mode from the command line.
    #[test]
    fn a_client_quota_flag_sets_one_client() {
        let config = Config::try_from(cli(&[
            "--client",
            "dev=http://127.0.0.1:1/cb",
            "--client",
            "ext=http://127.0.0.1:1/cb",
            "--client-quota",
            "ext=extended",
        ]))
        .expect("valid");
        assert_eq!(config.quota_of("dev"), Quota::Development);
        assert_eq!(config.quota_of("ext"), Quota::Extended);
        for bad in ["ext", "ext=huge"] {
            assert!(
                Config::try_from(cli(&["--client-quota", bad])).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_quota_is_development_unless_a_flag_or_the_config_file_says_otherwise() {
        // Guards against a new app starting in a mode Spotify would not give it.
        assert_eq!(Config::default().quota, Quota::Development);
        let config = Config::try_from(cli(&[])).expect("valid");
        assert_eq!(config.quota_of(DEFAULT_CLIENT_ID), Quota::Development);
        let config = Config::try_from(cli(&["--quota", "extended"])).expect("valid");
        assert_eq!(config.quota_of(DEFAULT_CLIENT_ID), Quota::Extended);

        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("random");
        let path = std::env::temp_dir().join(format!(
            "local-spotify-quota-{}.json",
            u64::from_le_bytes(bytes)
        ));
        std::fs::write(
            &path,
            r#"{"clients":[
                {"client_id":"dev","redirect_uris":["http://127.0.0.1:1/cb"]},
                {"client_id":"ext","redirect_uris":["http://127.0.0.1:1/cb"],"quota":"extended"}]}"#,
        )
        .expect("write");
        let file = path.to_str().expect("utf-8");
        let config = Config::try_from(cli(&["--config", file])).expect("valid");
        assert_eq!(config.quota_of("dev"), Quota::Development);
        assert_eq!(config.quota_of("ext"), Quota::Extended);

        std::fs::write(
            &path,
            r#"{"clients":[
                {"client_id":"few","redirect_uris":["http://127.0.0.1:1/cb"],"allowed_users":["alice"]},
                {"client_id":"ext","redirect_uris":["http://127.0.0.1:1/cb"],"quota":"extended",
                 "allowed_users":["alice"]}]}"#,
        )
        .expect("write");
        let config = Config::try_from(cli(&["--config", file])).expect("valid");
        assert!(config.is_registered("few", Person::Alice));
        assert!(!config.is_registered("few", Person::Bob));
        assert!(
            config.is_registered("ext", Person::Bob),
            "no allow-list in extended mode"
        );
        assert!(config.is_registered(DEFAULT_CLIENT_ID, Person::Bob));

        std::fs::write(
            &path,
            r#"{"clients":[{"client_id":"x","redirect_uris":["http://127.0.0.1:1/cb"],"allowed_users":["mallory"]}]}"#,
        )
        .expect("write");
        assert!(Config::try_from(cli(&["--config", file])).is_err());
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn the_daily_quota_comes_from_the_flag_or_the_config_file_per_client() {
        // Guards against a quota that cannot be set for one client, or a window tests cannot
        // shorten.
        let config = Config::try_from(cli(&[])).expect("valid");
        assert_eq!(config.daily_quota_of(DEFAULT_CLIENT_ID), None);
        assert_eq!(config.quota_window, Duration::from_secs(DAY_SECS));
        let config = Config::try_from(cli(&["--daily-quota", "1100", "--quota-window-secs", "2"]))
            .expect("valid");
        assert_eq!(config.daily_quota_of("any"), NonZeroU32::new(1100));
        assert_eq!(config.quota_window, Duration::from_secs(2));
        for bad in [["--daily-quota", "0"], ["--quota-window-secs", "0"]] {
            assert!(Cli::try_parse_from(["local-spotify", bad[0], bad[1]]).is_err());
        }

        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("random");
        let path = std::env::temp_dir().join(format!(
            "local-spotify-daily-quota-{}.json",
            u64::from_le_bytes(bytes)
        ));
        std::fs::write(
            &path,
            r#"{"clients":[
                {"client_id":"small","redirect_uris":["http://127.0.0.1:1/cb"],"daily_quota":3},
                {"client_id":"flag","redirect_uris":["http://127.0.0.1:1/cb"]}]}"#,
        )
        .expect("write");
        let file = path.to_str().expect("utf-8");
        let config =
            Config::try_from(cli(&["--config", file, "--daily-quota", "1100"])).expect("valid");
        assert_eq!(config.daily_quota_of("small"), NonZeroU32::new(3));
        assert_eq!(config.daily_quota_of("flag"), NonZeroU32::new(1100));
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn naming_an_origin_implies_per_origin_cors_unless_told_otherwise() {
        // Guards against the test suites, which name their page's origin and read Retry-After,
        // silently getting Spotify's wildcard answers.
        let mode = |args: &[&str]| Config::try_from(cli(args)).expect("valid").cors;
        assert_eq!(mode(&[]), CorsMode::Spotify);
        assert_eq!(Config::default().cors, CorsMode::Spotify);
        assert_eq!(
            mode(&["--allow-origin", "http://127.0.0.1:9"]),
            CorsMode::PerOrigin
        );
        assert_eq!(
            mode(&["--allow-origin", "http://127.0.0.1:9", "--cors", "spotify"]),
            CorsMode::Spotify
        );
        assert_eq!(mode(&["--cors", "per-origin"]), CorsMode::PerOrigin);
    }

    #[test]
    fn the_mode_comes_from_the_flag_then_the_config_file() {
        // Guards against the standards mode being reachable one way only.
        assert_eq!(Config::default().mode, Mode::Spotify);
        let mode = |args: &[&str]| Config::try_from(cli(args)).expect("valid").mode;
        assert_eq!(mode(&[]), Mode::Spotify);
        assert_eq!(mode(&["--mode", "standards"]), Mode::Standards);
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("random");
        let path = std::env::temp_dir().join(format!(
            "local-spotify-mode-{}.json",
            u64::from_le_bytes(bytes)
        ));
        std::fs::write(&path, r#"{"mode":"standards"}"#).expect("write");
        let file = path.to_str().expect("utf-8");
        assert_eq!(mode(&["--config", file]), Mode::Standards);
        assert_eq!(
            mode(&["--config", file, "--mode", "spotify"]),
            Mode::Spotify
        );
        let _ = std::fs::remove_file(path);
    }

    #[test]
    fn bad_flags_are_refused() {
        assert!(Config::try_from(cli(&["--client", "no-equals-sign"])).is_err());
        assert!(Config::try_from(cli(&["--client", "a=ftp://x"])).is_err());
        assert!(Config::try_from(cli(&["--allow-origin", "http://x/"])).is_err());
        assert!(Config::try_from(cli(&["--auto-approve", "mallory"])).is_err());
        assert!(Config::try_from(cli(&["--reuse-detection"])).is_err());
        let config =
            Config::try_from(cli(&["--rotation", "rotate", "--reuse-detection"])).expect("valid");
        assert!(config.reuse_detection);
    }
}
