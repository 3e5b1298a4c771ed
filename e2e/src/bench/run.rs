//! One run of the benchmark: a fresh provider in this process (a release build when the benchmark
//! is) serving a fresh copy of `dist/` configured for the run, and the browser signing in through
//! it and reading the library, then what the page and the provider recorded.

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::wd::TimeoutConfiguration;
use fantoccini::{Client, Locator};
use local_spotify::catalog::Person;
use local_spotify::config::{Client as OAuthClient, CorsMode};
use local_spotify::{Config, RunningServer, StartError};
use serde_json::{json, Value};

use super::report::median;
use super::scripts;
use crate::browser::{Browser, Session};
use crate::provider::{web_api_calls, COPY_RECORDS};
use crate::support::{copy_dir, free_port, TempDir};

/// How long a whole library may take to load (sequential paging of 200 pages at 50 ms is about
/// 20 s; a slow machine or a higher latency takes longer).
const LOAD_LIMIT: Duration = Duration::from_secs(600);
/// How often the page's load state is read while waiting.
const POLL: Duration = Duration::from_millis(200);
/// How many app ports to try before giving up (another process may take a free port first).
const BIND_ATTEMPTS: usize = 5;
/// Round trips measured after each run for its bounds.
pub const ROUND_TRIP_PROBES: usize = 7;
/// How long a script run over WebDriver may take.
const SCRIPT_LIMIT: Duration = Duration::from_secs(120);
/// The browser window: a common laptop screen.
const WINDOW: (u32, u32) = (1280, 900);

/// How the app reads the pages of the library (the configuration block's `paging`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paging {
    Concurrent,
    Sequential,
}

impl Paging {
    pub fn as_str(self) -> &'static str {
        match self {
            Paging::Concurrent => "concurrent",
            Paging::Sequential => "sequential",
        }
    }
}

/// What one run does.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The sample user the provider approves at once.
    pub user: &'static str,
    pub paging: Paging,
    pub latency_ms: u64,
    /// Put [`scripts::OBSERVER`] in the page (rows, the moment the library is shown).
    pub observe: bool,
    /// Once loaded, scroll to the end and back (rows in the DOM).
    pub scroll: bool,
    /// Once loaded, type these queries into the find box, one keystroke each.
    pub keystrokes: Vec<String>,
}

impl Setup {
    /// A run that signs `user` in and reads the library concurrently, observing nothing more.
    pub fn plain(user: &'static str, latency_ms: u64) -> Setup {
        Setup {
            user,
            paging: Paging::Concurrent,
            latency_ms,
            observe: false,
            scroll: false,
            keystrokes: Vec::new(),
        }
    }
}

/// A browser for a series of runs: its WebDriver session, and the WebDriver client to drive it.
pub struct Driver {
    pub browser: Browser,
    session: Session,
    client: Client,
}

impl Driver {
    /// Starts `browser`'s WebDriver and a session (panics, as the test harness does, when it
    /// cannot: there is nothing to measure without a browser).
    pub async fn start(browser: Browser) -> Driver {
        let session = Session::start_unwatched(browser).await;
        let page = session.page();
        page.open("about:blank").await;
        // The harness's page gives elements, and each element its client.
        let client = page.wait_for_present("html").await.client();
        if let Err(e) = client.set_window_size(WINDOW.0, WINDOW.1).await {
            println!("  ({browser}: the window stays at its default size: {e})");
        }
        // Scrolling and typing take a few seconds, more on a slow machine.
        let timeouts = TimeoutConfiguration::new(Some(SCRIPT_LIMIT), None, None);
        if let Err(e) = client.update_timeouts(timeouts).await {
            println!("  ({browser}: scripts keep the driver's time limit: {e})");
        }
        Driver {
            browser,
            session,
            client,
        }
    }

    /// The browser's name and version, as its WebDriver reports them.
    pub async fn version(&self) -> String {
        let version = self
            .client
            .execute("return navigator.userAgent;", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        let wanted = match self.browser {
            Browser::Chromium => ["HeadlessChrome/", "Chrome/"],
            Browser::Firefox => ["Firefox/", "Firefox/"],
        };
        wanted
            .iter()
            .find_map(|w| version.split(w).nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .map_or_else(
                || self.browser.to_string(),
                |v| format!("{} {v}", self.browser),
            )
    }

    pub async fn close(self) {
        self.session.close().await;
    }

    async fn run_script(&self, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.client
            .execute(script, args)
            .await
            .map_err(|e| format!("a script failed in {}: {e}", self.browser))
    }

    async fn run_async(&self, what: &str, script: &str, args: Vec<Value>) -> Result<Value, String> {
        self.client
            .execute_async(script, args)
            .await
            .map_err(|e| format!("{what} failed in {}: {e}", self.browser))
    }

    /// One run as `setup` says, against a fresh provider serving a fresh copy of `dist`.
    pub async fn run(&self, dist: &Path, setup: &Setup) -> Result<Run, String> {
        let served = Served::start(dist, setup).await?;
        let result = self.drive(&served, setup).await;
        // Leave the app before its provider goes, so nothing it still asks for fails loudly.
        let _ = self.client.goto("about:blank").await;
        served.stop().await;
        result
    }

    async fn drive(&self, served: &Served, setup: &Setup) -> Result<Run, String> {
        self.sign_in(served).await?;

        let timings = self
            .run_script(scripts::TIMINGS, vec![json!(served.api_url)])
            .await?;
        let stats = served.stats().await?;
        let round_trips = self
            .run_async(
                "measuring round trips",
                scripts::ROUND_TRIPS,
                vec![
                    json!(format!("{}/v1/me", served.api_url)),
                    json!(ROUND_TRIP_PROBES),
                ],
            )
            .await?;
        let round_trips = numbers(&round_trips)
            .ok_or_else(|| format!("the round-trip probes failed: {round_trips}"))?;
        let scrolled_rows = match setup.scroll {
            true => self
                .run_async("scrolling", scripts::SCROLL_THROUGH, vec![json!(40)])
                .await?
                .as_u64(),
            false => None,
        };
        let keystrokes = match setup.keystrokes.is_empty() {
            true => Vec::new(),
            false => {
                let typed = self
                    .run_async("typing", scripts::KEYSTROKES, vec![json!(setup.keystrokes)])
                    .await?;
                keystrokes(&typed)
            }
        };
        Run::read(&timings, &stats, round_trips, scrolled_rows, keystrokes)
    }

    /// What reading costs in Web API calls, by the provider's count, with the session's local copy:
    /// signing in and reading the library, reopening a playlist, reloading, and reopening it after
    /// the reload.
    pub async fn calls(&self, dist: &Path, setup: &Setup) -> Result<Calls, String> {
        let served = Served::start(dist, setup).await?;
        let result = self.count_calls(&served).await;
        let _ = self.client.goto("about:blank").await;
        served.stop().await;
        result
    }

    async fn count_calls(&self, served: &Served) -> Result<Calls, String> {
        let started = Instant::now();
        self.sign_in(served).await?;
        let sign_in_ms = started.elapsed().as_secs_f64() * 1000.0;
        let sign_in = web_api_calls(&served.stats().await?);

        // An own playlist near the top, opened, left, and opened again.
        let own = r#"ul#playlists > li.playlist[data-access="own"] a.playlist-name"#;
        let open_own = || async {
            self.wait_for_element(own)
                .await?
                .click()
                .await
                .map_err(|e| format!("cannot open a playlist: {e}"))?;
            self.wait_for_element(r#"#playlist-title ~ #load-status[data-state="done"]"#)
                .await?;
            self.wait_for_element(r#"a.brand[href="/"]"#)
                .await?
                .click()
                .await
                .map_err(|e| format!("cannot go back to the library: {e}"))?;
            self.wait_until_loaded().await
        };
        open_own().await?;
        let before = web_api_calls(&served.stats().await?);
        open_own().await?;
        let reopen = web_api_calls(&served.stats().await?) - before;

        // The copy is written in the background: wait until it holds the library and the playlist.
        let deadline = Instant::now() + LOAD_LIMIT;
        while self
            .run_async("counting the copy", COPY_RECORDS, vec![])
            .await?
            .as_i64()
            .unwrap_or(-1)
            < 2
        {
            if Instant::now() > deadline {
                return Err("the local copy was not written".to_owned());
            }
            tokio::time::sleep(POLL).await;
        }

        let before = web_api_calls(&served.stats().await?);
        self.client
            .refresh()
            .await
            .map_err(|e| format!("cannot reload: {e}"))?;
        self.wait_until_loaded().await?;
        let reload = web_api_calls(&served.stats().await?) - before;
        let on_screen_ms = number(
            &self
                .run_script(scripts::APP_START_TO_LIBRARY, vec![])
                .await?,
        );
        let before = web_api_calls(&served.stats().await?);
        open_own().await?;
        let reopen_after_reload = web_api_calls(&served.stats().await?) - before;
        Ok(Calls {
            sign_in,
            sign_in_ms,
            reopen,
            reload,
            on_screen_ms,
            reopen_after_reload,
        })
    }

    /// "Export everything" over the run's user: the calls it planned and made (by the provider's count of
    /// playlist and Liked Songs pages), and how long it took from the click to the file.
    pub async fn export_everything(&self, dist: &Path, setup: &Setup) -> Result<Exported, String> {
        let served = Served::start(dist, setup).await?;
        let result = self.export(&served).await;
        let _ = self.client.goto("about:blank").await;
        served.stop().await;
        result
    }

    async fn export(&self, served: &Served) -> Result<Exported, String> {
        self.sign_in(served).await?;
        let click = |css: &'static str| async move {
            self.wait_for_element(css)
                .await?
                .click()
                .await
                .map_err(|e| format!("cannot click {css}: {e}"))
        };
        click("button#export-everything").await?;
        let plan = self.wait_for_element("#everything-plan").await?;
        let planned = plan
            .attr("data-calls")
            .await
            .ok()
            .flatten()
            .and_then(|c| c.parse().ok())
            .ok_or("the plan says no calls")?;
        let pages = |stats: &Value| {
            route_count(stats, "/v1/playlists/{id}/items") + route_count(stats, "/v1/me/tracks")
        };
        let before = pages(&served.stats().await?);
        let started = Instant::now();
        click("button#everything-json").await?;
        let deadline = Instant::now() + LOAD_LIMIT;
        loop {
            if self
                .client
                .find(Locator::Css("#everything-done"))
                .await
                .is_ok()
            {
                break;
            }
            if self
                .client
                .find(Locator::Css("#everything-stopped"))
                .await
                .is_ok()
            {
                return Err("the export stopped".to_owned());
            }
            if Instant::now() > deadline {
                return Err("the export did not finish".to_owned());
            }
            tokio::time::sleep(POLL).await;
        }
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        let made = pages(&served.stats().await?) - before;
        Ok(Exported { planned, made, ms })
    }

    /// Opens the app, logs in (the provider approves the run's user at once) and waits for the library.
    async fn sign_in(&self, served: &Served) -> Result<(), String> {
        self.client
            .goto(&served.app_url)
            .await
            .map_err(|e| format!("cannot open {}: {e}", served.app_url))?;
        self.wait_for_element("button#login")
            .await?
            .click()
            .await
            .map_err(|e| format!("cannot click button#login: {e}"))?;
        self.wait_until_loaded().await
    }

    async fn wait_for_element(&self, css: &str) -> Result<fantoccini::elements::Element, String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                return Ok(element);
            }
            if Instant::now() > deadline {
                return Err(format!("{}: no `{css}` within 30 s", self.browser));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits for `#load-status[data-state="done"]`; an error for `failed` or after [`LOAD_LIMIT`].
    async fn wait_until_loaded(&self) -> Result<(), String> {
        let deadline = Instant::now() + LOAD_LIMIT;
        loop {
            let state = self.client.execute(scripts::LOAD_STATE, vec![]).await;
            match state.as_ref().ok().and_then(Value::as_str) {
                Some("done") => return Ok(()),
                Some("failed") => {
                    let why = self
                        .client
                        .execute(
                            "const e = document.getElementById('load-error'); \
                             return e ? e.getAttribute('data-error') : null;",
                            vec![],
                        )
                        .await
                        .unwrap_or(Value::Null);
                    return Err(format!("the library failed to load ({why})"));
                }
                _ => {}
            }
            if Instant::now() > deadline {
                let url = self.client.current_url().await.map(|u| u.to_string());
                return Err(format!(
                    "the library did not load within {} s (last state {state:?}, at {url:?})",
                    LOAD_LIMIT.as_secs()
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// The provider of one run and the copy of `dist/` it serves.
struct Served {
    server: RunningServer,
    /// The accounts service and the Web API.
    api_url: String,
    app_url: String,
    http: reqwest::Client,
    _dir: TempDir,
}

impl Served {
    async fn start(dist: &Path, setup: &Setup) -> Result<Served, String> {
        let dir = TempDir::new("bench");
        let served = dir.path().join("dist");
        copy_dir(dist, &served);
        let client_id = xtask::local_client_id(&xtask::workspace_root())?;
        let user = Person::sample_user(setup.user)
            .ok_or_else(|| format!("the provider has no sample user {}", setup.user))?;
        let mut attempt = 0;
        let server = loop {
            attempt += 1;
            let app_port = free_port();
            let origin = format!("http://127.0.0.1:{app_port}");
            let config = Config {
                port: 0,
                serve_dist: Some(served.clone()),
                dist_port: app_port,
                allowed_origins: vec![origin.clone()],
                // The Web API answers CORS as Spotify's does: `*`, and a preflight per URL.
                cors: CorsMode::Spotify,
                clients: vec![OAuthClient {
                    id: client_id.clone(),
                    name: "PKCE Playlists".to_owned(),
                    redirect_uris: vec![format!("{origin}/callback")],
                }],
                latency: Duration::from_millis(setup.latency_ms),
                // HTTPS, so that the browser speaks HTTP/2 to it, as it does to Spotify: many
                // requests on one connection, not one on each of six.
                tls: true,
                auto_approve: Some(user),
                ..Config::default()
            };
            match local_spotify::start(config).await {
                Ok(server) => break server,
                Err(StartError::Bind { port, .. })
                    if port == app_port && attempt < BIND_ATTEMPTS => {}
                Err(e) => return Err(format!("the local provider did not start: {e}")),
            }
        };
        let api_url = server.base_url();
        let app_url = server
            .app_url()
            .ok_or("the provider does not serve the app")?;
        write_index(&served.join("index.html"), &api_url, setup)?;
        let authority = server
            .authority_der()
            .ok_or("the provider serves no HTTPS")?;
        let authority = reqwest::Certificate::from_der(authority)
            .map_err(|e| format!("the provider's authority: {e}"))?;
        let http = reqwest::Client::builder()
            .add_root_certificate(authority)
            .build()
            .map_err(|e| format!("cannot make an HTTPS client: {e}"))?;
        Ok(Served {
            server,
            api_url,
            app_url,
            http,
            _dir: dir,
        })
    }

    /// `GET /admin/stats`.
    async fn stats(&self) -> Result<Value, String> {
        let url = format!("{}/admin/stats", self.api_url);
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        response.json().await.map_err(|e| format!("{url}: {e}"))
    }

    async fn stop(self) {
        let _ = tokio::time::timeout(Duration::from_secs(5), self.server.shutdown()).await;
    }
}

/// Points the copy's configuration block at the provider, with the run's paging, and (for runs
/// that observe) puts [`scripts::OBSERVER`] first in its `<head>`. The block is written last, so a
/// Content Security Policy that the build put in the page is recomputed with the observer in it.
fn write_index(index: &Path, api_url: &str, setup: &Setup) -> Result<(), String> {
    let mut config = xtask::load_preset(&xtask::workspace_root(), "local")?;
    xtask::config_block::point_at_provider(&mut config, api_url);
    config["paging"] = json!(setup.paging.as_str());
    let mut html = std::fs::read_to_string(index)
        .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    if setup.observe {
        let head = html
            .find("<head>")
            .ok_or_else(|| format!("{} has no <head>", index.display()))?
            + "<head>".len();
        html.insert_str(head, &format!("\n<script>{}</script>", scripts::OBSERVER));
    }
    let html = xtask::config_block::replace_config_block(&html, &config)
        .map_err(|e| format!("{}: {e}", index.display()))?;
    std::fs::write(index, html).map_err(|e| format!("cannot write {}: {e}", index.display()))
}

/// A request the page made to the API, from Resource Timing (ms since the document's origin).
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The path and query.
    pub name: String,
    pub start: f64,
    pub end: f64,
}

/// One keystroke in the find box.
#[derive(Debug, Clone, PartialEq)]
pub struct Keystroke {
    pub query: String,
    /// From the `input` event to the next animation frame after the DOM changed; `None` when the
    /// DOM did not change.
    pub ms: Option<f64>,
    /// How long the event's handlers ran (filtering included, when it is synchronous).
    pub handler_ms: f64,
    /// When the DOM first changed after the event.
    pub changed_ms: Option<f64>,
}

/// What one run recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    /// Navigation Timing's `fetchStart` of the callback document: the moment the browser, sent
    /// back by the provider, starts fetching `/callback`.
    pub callback_ms: f64,
    /// When the DOM had finished loading (`domContentLoadedEventEnd`) and when the `load` event had
    /// (`loadEventEnd`).
    pub dom_content_loaded_ms: f64,
    pub load_event_ms: f64,
    /// The app's `first-playlist` mark.
    pub first_playlist_ms: Option<f64>,
    /// When Trunk's loader had started the app (observed runs).
    pub app_started_ms: Option<f64>,
    /// When the first playlist row was in the DOM (observed runs).
    pub first_row_ms: Option<f64>,
    /// The longest time between two animation frames until the load was done (observed runs).
    pub longest_frame_ms: Option<f64>,
    /// The API requests, in the order they started.
    pub requests: Vec<Request>,
    /// When `#load-status` became `done`, and the next frame after (observed runs).
    pub done_ms: Option<f64>,
    pub done_frame_ms: Option<f64>,
    /// The most playlist rows in the DOM during the load (observed runs), and after scrolling
    /// to the end and back.
    pub rows_max: Option<u64>,
    pub rows_max_scrolled: Option<u64>,
    /// What the status line says: playlists shown, and the library's total.
    pub count: u64,
    pub total: u64,
    /// `GET /admin/stats` once the library was loaded.
    pub stats: Value,
    /// The round trips measured after the load.
    pub round_trips_ms: Vec<f64>,
    pub keystrokes: Vec<Keystroke>,
}

/// What reading costs, in Web API calls (`GET /v1/*`, preflights apart), with the local copy.
#[derive(Debug, Clone)]
pub struct Calls {
    pub sign_in: u64,
    /// From opening the app to the whole library shown, the consent's redirects included.
    pub sign_in_ms: f64,
    pub reopen: u64,
    pub reload: u64,
    /// After the reload, from the app's start to its library on screen.
    pub on_screen_ms: Option<f64>,
    pub reopen_after_reload: u64,
}

/// What "Export everything" cost.
#[derive(Debug, Clone)]
pub struct Exported {
    pub planned: u64,
    pub made: u64,
    /// From the click to the file offered.
    pub ms: f64,
}

/// The `GET`s of `route` in a `/admin/stats` answer.
fn route_count(stats: &Value, route: &str) -> u64 {
    stats["routes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["kind"] == "GET" && r["route"] == route)
        .map(|r| r["count"].as_u64().unwrap_or(0))
        .sum()
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
}

fn numbers(v: &Value) -> Option<Vec<f64>> {
    v.as_array()?.iter().map(number).collect()
}

fn keystrokes(v: &Value) -> Vec<Keystroke> {
    v.as_array()
        .map(|all| {
            all.iter()
                .map(|k| Keystroke {
                    query: k["query"].as_str().unwrap_or_default().to_owned(),
                    ms: number(&k["ms"]),
                    handler_ms: number(&k["handler_ms"]).unwrap_or(f64::NAN),
                    changed_ms: number(&k["changed_ms"]),
                })
                .collect()
        })
        .unwrap_or_default()
}

impl Run {
    fn read(
        timings: &Value,
        stats: &Value,
        round_trips_ms: Vec<f64>,
        rows_max_scrolled: Option<u64>,
        keystrokes: Vec<Keystroke>,
    ) -> Result<Run, String> {
        let nav = &timings["nav"];
        let callback_ms =
            number(&nav["fetchStart"]).ok_or_else(|| format!("no navigation entry: {timings}"))?;
        let mut requests: Vec<Request> = timings["resources"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter_map(|r| {
                        Some(Request {
                            name: r["name"].as_str()?.to_owned(),
                            start: number(&r["start"])?,
                            end: number(&r["end"])?,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        requests.sort_by(|a, b| a.start.total_cmp(&b.start));
        let bench = &timings["bench"];
        let done = bench["states"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["state"] == "done"));
        Ok(Run {
            callback_ms,
            dom_content_loaded_ms: number(&nav["domContentLoaded"]).unwrap_or(f64::NAN),
            load_event_ms: number(&nav["load"]).unwrap_or(f64::NAN),
            first_playlist_ms: number(&timings["firstPlaylist"]),
            app_started_ms: number(&bench["appStarted"]),
            first_row_ms: number(&bench["firstRow"]),
            longest_frame_ms: number(&bench["longestFrame"]),
            requests,
            done_ms: done.and_then(|d| number(&d["at"])),
            done_frame_ms: done.and_then(|d| number(&d["frame"])),
            rows_max: bench["maxRows"].as_u64(),
            rows_max_scrolled,
            count: timings["count"].as_u64().unwrap_or(0),
            total: timings["total"].as_u64().unwrap_or(0),
            stats: stats.clone(),
            round_trips_ms,
            keystrokes,
        })
    }

    /// One round trip to the provider at this latency: the median of the probes.
    pub fn round_trip_ms(&self) -> Option<f64> {
        median(&self.round_trips_ms)
    }

    /// The token exchange (`POST /api/token`).
    pub fn token_request(&self) -> Option<&Request> {
        self.requests
            .iter()
            .find(|r| r.name.starts_with("/api/token"))
    }

    /// The requests for pages of the library, in the order they started.
    pub fn page_requests(&self) -> impl Iterator<Item = &Request> {
        self.requests
            .iter()
            .filter(|r| r.name.starts_with("/v1/me/playlists"))
    }

    /// From the callback to the first playlist on screen.
    pub fn first_playlist(&self) -> Option<f64> {
        Some(self.first_playlist_ms? - self.callback_ms)
    }

    /// The page's own load: from the callback until the app sends the token request.
    pub fn page_load(&self) -> Option<f64> {
        Some(self.token_request()?.start - self.callback_ms)
    }

    /// From the start of the first page's request to the frame after the library is loaded.
    pub fn library(&self) -> Option<f64> {
        Some(self.done_frame_ms? - self.page_requests().next()?.start)
    }

    /// `GET /admin/stats`'s count of `kind` requests on `route`.
    pub fn counted(&self, route: &str, kind: &str) -> u64 {
        self.route(route, kind)
            .and_then(|r| r["count"].as_u64())
            .unwrap_or(0)
    }

    /// The provider's own time per `kind` request on `route`, in milliseconds.
    pub fn provider_ms_per(&self, route: &str, kind: &str) -> Option<f64> {
        let row = self.route(route, kind)?;
        let count = row["count"].as_f64()?;
        (count > 0.0).then(|| row["busy_ms"].as_f64().unwrap_or(0.0) / count)
    }

    fn route(&self, route: &str, kind: &str) -> Option<&Value> {
        self.stats["routes"]
            .as_array()?
            .iter()
            .find(|r| r["route"] == route && r["kind"] == kind)
    }

    /// The stats' totals: requests, preflights, GETs, POSTs.
    pub fn totals(&self) -> (u64, u64, u64, u64) {
        let n = |k: &str| self.stats[k].as_u64().unwrap_or(0);
        (n("requests"), n("preflights"), n("get"), n("post"))
    }

    /// The requests by the HTTP version they reached the provider in, e.g. `HTTP/2.0 413`.
    pub fn versions(&self) -> String {
        let Some(versions) = self.stats["versions"].as_object() else {
            return "-".to_owned();
        };
        let all: Vec<String> = versions
            .iter()
            .map(|(version, n)| format!("{version} {}", n.as_u64().unwrap_or(0)))
            .collect();
        all.join(", ")
    }

    /// How many page requests were in flight on average while any was: the sum of their
    /// durations over the time from the first start to the last end.
    pub fn pages_in_flight(&self) -> Option<f64> {
        let pages: Vec<&Request> = self.page_requests().collect();
        let first = pages.iter().map(|r| r.start).reduce(f64::min)?;
        let last = pages.iter().map(|r| r.end).reduce(f64::max)?;
        let busy: f64 = pages.iter().map(|r| r.end - r.start).sum();
        (last > first).then(|| busy / (last - first))
    }

    /// The median duration of a page's request (its preflight and its `GET`, and any wait for a
    /// connection).
    pub fn page_request_ms(&self) -> Option<f64> {
        let durations: Vec<f64> = self.page_requests().map(|r| r.end - r.start).collect();
        median(&durations)
    }

    /// How long after an answer the app asks for the next page: for every page request but the
    /// first, the time since the latest page answer before it started (the app's handling of a
    /// page, or its wait for the page before it: pages are handed on in order). Median.
    pub fn next_page_asked_ms(&self) -> Option<f64> {
        let pages: Vec<&Request> = self.page_requests().collect();
        let gaps: Vec<f64> = pages
            .iter()
            .skip(1)
            .filter_map(|r| {
                let answered = pages
                    .iter()
                    .map(|p| p.end)
                    .filter(|end| *end <= r.start)
                    .reduce(f64::max)?;
                Some(r.start - answered)
            })
            .collect();
        median(&gaps)
    }

    /// From the end of the first page's answer to the first row in the DOM (observed runs).
    pub fn first_answer_to_row(&self) -> Option<f64> {
        Some(self.first_row_ms? - self.page_requests().next()?.end)
    }

    /// From the end of the last page's response to the frame after the library is loaded.
    pub fn after_last_page(&self) -> Option<f64> {
        let last = self.page_requests().map(|r| r.end).reduce(f64::max)?;
        Some(self.done_frame_ms? - last)
    }
}
