//! One run: a fresh provider serving the app configured for the run, the browser signing in and
//! reading the library, then what the page (`js/`, on the page's clock) and the provider recorded.
//! [`Page`]'s failures panic: the caller runs each run as a task of its own.

use std::time::{Duration, Instant};

use anyhow::Context as _;
use local_spotify::catalog::Person;
use local_spotify::config::CorsMode;
use local_spotify::Config;
use serde_json::{json, Value};

use super::report::{first_row_bound, library_bound, median, Row};
use crate::flows::{back_to_library, LOADED, PLAYLIST, TRACKS_LOADED};
use crate::page::Page;
use crate::provider::{counted, serve_app, Local, COPY_RECORDS};

/// Put first in the `<head>` of the served page: a one-page library can be loaded before a
/// script sent over WebDriver would run.
const OBSERVER: &str = include_str!("js/observer.js");
const TIMINGS: &str = include_str!("js/timings.js");
const ROUND_TRIPS: &str = include_str!("js/round_trips.js");
const SCROLL_THROUGH: &str = include_str!("js/scroll_through.js");
const KEYSTROKES: &str = include_str!("js/keystrokes.js");
const APP_START_TO_LIBRARY: &str = include_str!("js/app_start_to_library.js");

/// How long a whole library (200 pages one after another at a high latency) or an export may take.
const LOAD_LIMIT: Duration = Duration::from_secs(600);
/// Typed into the find box, one keystroke each: digits (every playlist is called "... #N", so
/// each keystroke changes the list; a letter of "carol" would match every owner).
const QUERIES: [&str; 14] = [
    "2", "20", "202", "2025", "202", "20", "2", "", "9", "98", "987", "98", "9", "",
];
pub const PAGINGS: [&str; 2] = ["concurrent", "sequential"];

#[derive(Debug, Clone, Default)]
pub struct Setup {
    /// The sample user the provider approves at once.
    pub user: &'static str,
    pub latency_ms: u64,
    pub sequential: bool,
    /// Put [`OBSERVER`] in the page (rows, the moment the library is shown).
    pub observe: bool,
    pub scroll: bool,
    pub find: bool,
    /// Empty the browser's cache before signing in: the callback's page load fetches every file.
    pub cold: bool,
    /// Log out and sign in again: the callback's page load with the app's files cached.
    pub warm: bool,
}

/// What one run recorded, in ms: `js/timings.js`'s answer, then what was measured after it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub first_playlist: Option<f64>,
    pub page_load: Option<f64>,
    pub library: Option<f64>,
    /// The most playlist rows in the DOM during the load, and while scrolling.
    pub max_rows: Option<u64>,
    #[serde(skip)]
    pub rows_scrolled: Option<u64>,
    pub count: Option<u64>,
    /// The app's files fetched over the network besides the page, and the bytes of those and it.
    pub fetched: Vec<String>,
    pub bytes: f64,
    #[serde(skip)]
    pub stats: Value,
    #[serde(skip)]
    pub round_trip: Option<f64>,
    /// Per keystroke, to the frame showing the list; `None` when it did not change.
    #[serde(skip)]
    pub keystrokes: Vec<Option<f64>>,
}

impl Run {
    pub fn first_bound(&self) -> Option<f64> {
        Some(first_row_bound(self.page_load?, self.round_trip?))
    }

    pub fn library_bound(&self, playlists: u32) -> Option<f64> {
        Some(library_bound(playlists, self.round_trip?))
    }
}

/// Starts a provider for `setup`, signs in (approved at once) and waits for the library.
async fn sign_in(page: &Page, setup: &Setup) -> anyhow::Result<Local> {
    let client_id = xtask::local_client_id(&xtask::workspace_root());
    let user = Person::sample_user(setup.user).context("no such sample user")?;
    let config = Config {
        cors: CorsMode::Spotify,
        latency: Duration::from_millis(setup.latency_ms),
        // HTTPS, so that the browser speaks HTTP/2 to it, as it does to Spotify: many requests
        // on one connection, not one on each of six.
        tls: true,
        auto_approve: Some(user),
        ..Config::default()
    };
    let local = serve_app(config, &[client_id?]).await?;
    let index = local.dist.join("index.html");
    if setup.observe {
        std::fs::write(
            &index,
            xtask::html::prepend_script(&xtask::read(&index)?, OBSERVER)?,
        )?;
    }
    // Written after the observer, so that the policy lets it run.
    let mut config = Local::preset(&local.server.base_url())?;
    config["paging"] = json!(PAGINGS[usize::from(setup.sequential)]);
    local.configure(&config, &Default::default())?;
    page.open(&local.server.app_url().context("the app is not served")?)
        .await;
    if setup.cold {
        page.clear_cache().await;
    }
    page.click("button#login").await;
    wait_until_loaded(page).await;
    if setup.warm {
        page.click("button#logout").await;
        page.click("button#login").await;
        wait_until_loaded(page).await;
    }
    Ok(local)
}

/// Leaves the app first, so that nothing it still asks for fails loudly, then stops.
async fn stop(local: Local, page: &Page) {
    page.open("about:blank").await;
    local.stop().await;
}

async fn done_or_failed(page: &Page, what: &str, done: &str, failed: &str) -> bool {
    let settled = || async {
        match (page.has(done).await, page.has(failed).await) {
            (false, false) => None,
            (done, _) => Some(done),
        }
    };
    page.wait_until_within(LOAD_LIMIT, || what.to_owned(), settled)
        .await
}

async fn wait_until_loaded(page: &Page) {
    let failed = r#"#load-status[data-state="failed"]"#;
    if !done_or_failed(page, "the library to load", LOADED, failed).await {
        let why = page.attribute("#load-error", "data-error").await;
        panic!("{}: the library failed to load ({why:?})", page.browser());
    }
}

pub async fn run(page: Page, setup: Setup) -> anyhow::Result<Run> {
    let local = sign_in(&page, &setup).await?;
    let api = local.server.base_url();
    let timings = page.run(TIMINGS, vec![json!(api)]).await;
    let mut run: Run = serde_json::from_value(timings.clone()).context(timings)?;
    run.stats = local.stats().await?;
    let probes = [json!(format!("{api}/v1/me")), json!(7)]; // seven, for a median
    let probes = page.run_async(ROUND_TRIPS, probes.into()).await;
    let failed = || format!("the probes failed: {probes}");
    let probes: Vec<f64> = serde_json::from_value(probes.clone()).with_context(failed)?;
    run.round_trip = median(probes);
    if setup.scroll {
        let scrolled = page.run_async(SCROLL_THROUGH, vec![json!(40)]).await;
        run.rows_scrolled = scrolled.as_u64();
    }
    if setup.find {
        let typed = page.run_async(KEYSTROKES, vec![json!(QUERIES)]).await;
        run.keystrokes = serde_json::from_value(typed).unwrap_or_default();
    }
    stop(local, &page).await;
    Ok(run)
}

/// Web API calls, with the local copy: to sign in, reopen a playlist, reload, and reopen it.
pub async fn calls(page: Page, setup: Setup) -> anyhow::Result<Vec<Row>> {
    let started = Instant::now();
    let local = sign_in(&page, &setup).await?;
    let sign_in_ms = started.elapsed().as_secs_f64() * 1000.0;
    let calls_now = || async { anyhow::Ok(counted(&local.stats().await?, "GET", "/v1/*")) };
    let sign_in = calls_now().await?;
    // An own playlist near the top, opened, left, and opened again.
    let open_own = || async {
        page.click(&format!(r#"{PLAYLIST}[data-access="own"] a.playlist-name"#))
            .await;
        page.wait_for_present_within(LOAD_LIMIT, TRACKS_LOADED)
            .await;
        back_to_library(&page).await;
        wait_until_loaded(&page).await;
        calls_now().await
    };
    let before = open_own().await?;
    let reopen = open_own().await? - before;
    // The copy is written in the background: wait until it holds the library and the playlist.
    let what = || "the local copy to hold the library and a playlist".to_owned();
    page.wait_until_within(LOAD_LIMIT, what, || async {
        let records = page.run_async(COPY_RECORDS, vec![]).await.as_i64();
        (records.unwrap_or(-1) >= 2).then_some(())
    })
    .await;
    let before = calls_now().await?;
    page.reload().await;
    wait_until_loaded(&page).await;
    let reload = calls_now().await?;
    let on_screen = page.run(APP_START_TO_LIBRARY, vec![]).await.as_f64();
    let reopen_after_reload = open_own().await? - reload;
    stop(local, &page).await;
    let n = |calls: u64| Some(calls as f64);
    let user = format!("calls: sign-in and library ({})", setup.user);
    let reopened = "calls: a playlist reopened after reload";
    Ok(vec![
        Row::count(user, n(sign_in)),
        Row::ms("  sign-in to the whole library shown", Some(sign_in_ms)),
        Row::count("calls: reopening a playlist", n(reopen)).at_most(0.0),
        Row::count("calls: reload", n(reload - before)).at_most(2.0),
        Row::ms("  after reload, app start to library shown", on_screen).at_most(150.0),
        Row::count(reopened, n(reopen_after_reload)).at_most(0.0),
    ])
}

/// "Export everything": the calls it planned and made, and the time from the click to the file.
pub async fn export_everything(page: Page, setup: Setup) -> anyhow::Result<Vec<Row>> {
    let local = sign_in(&page, &setup).await?;
    page.click("button#export-everything").await;
    let planned = page.attribute("#everything-plan", "data-calls").await;
    let planned = planned.and_then(|c| c.parse().ok());
    let planned: f64 = planned.context("the plan says no calls")?;
    let pages = |stats: Value| {
        let items = counted(&stats, "GET", "/v1/playlists/{id}/items");
        (items + counted(&stats, "GET", "/v1/me/tracks")) as f64
    };
    let before = pages(local.stats().await?);
    let started = Instant::now();
    page.click("button#everything-json").await;
    let (done, stopped) = ("#everything-done", "#everything-stopped");
    let finished = done_or_failed(&page, "the export to finish", done, stopped).await;
    anyhow::ensure!(finished, "the export stopped");
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let made = pages(local.stats().await?) - before;
    stop(local, &page).await;
    let what = format!("export everything ({}): calls planned", setup.user);
    Ok(vec![
        Row::count(what, Some(planned)),
        Row::count("  calls made", Some(made)),
        Row::ms("  from the click to the file", Some(ms)),
    ])
}
