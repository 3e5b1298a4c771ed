//! `cargo xtask bench` (`cargo run --release -p e2e --bin bench`): how fast the app shows a
//! library, measured in a real browser against the local provider with a network's latency.
//!
//! Every run starts a fresh provider in this process (a release build when the benchmark is one:
//! it is linked in) with `--latency-ms` on every request the browser sends it, CORS preflights
//! included, `--tls` (HTTPS with HTTP/2, as Spotify's Web API: the browser sends the pages it asks
//! for at once over one connection, where HTTP/1.1 would hold it to six; the browser is told to
//! accept the provider's certificate) and `--auto-approve` for the run's user, serving a fresh
//! copy of `dist/` whose configuration block points at it and sets `paging`. The browser opens the app, clicks
//! `button#login`, and is sent through the provider back to `/callback`, a full page load; the
//! app exchanges the code and reads the library. What is measured, all from the page's own clocks
//! (Navigation and Resource Timing, `performance.now()`):
//!
//! - **First playlist**: from the callback (Navigation Timing's `fetchStart` of the `/callback`
//!   document, after the provider's redirect) to the app's `first-playlist` mark, set in the
//!   animation frame after the first row is in the DOM. Its lower bound, measured in the same run:
//!   the page's own load (from the callback to the start of the token request in Resource
//!   Timing: the HTML, the script and the wasm, and the app's start) plus three round trips, the
//!   token exchange (a CORS-safelisted `POST`: no preflight), then the preflight and the `GET` of
//!   the first page. One round trip is the median of seven plain `GET`s the benchmark's script
//!   sends to the provider from the page once the library is loaded (no preflight, an open
//!   connection: the latency and the provider's answer), timed by Resource Timing like the app's
//!   own requests.
//! - **Whole library**, for grace (50 playlists), heidi (1,000) and carol (10,000), with
//!   `"paging": "concurrent"` and `"sequential"`: from the start of the first page's request to
//!   the animation frame after `#load-status` says `done`. Its lower bound for the app's
//!   concurrency: pages ÷ pages in flight (at least one wave) × the two round trips of a page
//!   (its preflight, needed again for every page because a preflight is cached per URL, and its
//!   `GET`). The requests sent are counted by the provider (`GET /admin/stats`), GETs and
//!   preflights apart.
//! - **Rows**: the most `ul#playlists > li.playlist` in the DOM at once, seen by a
//!   `MutationObserver` during every load and while the benchmark scrolls to the end and back.
//! - **Find**: over carol's 10,000, the time from an `input` event on `input#find` to the next
//!   animation frame after the DOM changed, per keystroke.
//!
//! The observer ([`scripts::OBSERVER`]) goes into the `<head>` of the served copy for the library
//! runs, not over WebDriver, because a one-page library can be loaded before a script sent after
//! the callback document appears would run. The first-playlist runs serve the page untouched.

mod machine;
pub mod report;
mod run;
mod scripts;

use std::path::Path;
use std::time::Duration;

use crate::browser::Browser;
use report::{grouped, median, ms, Summary, PAGES_IN_FLIGHT};
use run::{Driver, Paging, Run, Setup};

/// The command line.
pub const USAGE: &str = "\
usage: bench [--latency-ms N] [--runs N] [--firefox] [--quick]

  --latency-ms N  delay on every request to the provider, CORS preflights included (default 50)
  --runs N        runs per measurement (default 5 for the first playlist, 3 per library)
  --firefox       also read the libraries in Firefox and compare with Chromium
  --quick         only the 50- and 1,000-playlist libraries (for development)

Needs dist/ (cargo xtask build; E2E_DIST to use another) and the drivers the end-to-end tests
use (CHROMEDRIVER, CHROMIUM_BIN, GECKODRIVER, FIREFOX_BIN): cargo xtask bench sets them.";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub latency_ms: u64,
    pub runs: Option<usize>,
    pub firefox: bool,
    pub quick: bool,
}

impl Options {
    pub fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            latency_ms: report::TARGET_LATENCY_MS,
            runs: None,
            firefox: false,
            quick: false,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            let mut value = |what: &str| {
                inline
                    .clone()
                    .or_else(|| args.next().cloned())
                    .ok_or_else(|| format!("{name} needs {what}"))
            };
            match name {
                "--latency-ms" => {
                    let v = value("a number of milliseconds")?;
                    options.latency_ms = v
                        .parse()
                        .map_err(|_| format!("--latency-ms: not a number of milliseconds: {v}"))?;
                }
                "--runs" => {
                    let v = value("a number of runs")?;
                    options.runs = Some(
                        v.parse()
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| format!("--runs: not a positive number: {v}"))?,
                    );
                }
                "--firefox" if inline.is_none() => options.firefox = true,
                "--quick" if inline.is_none() => options.quick = true,
                _ => return Err(format!("unknown option {arg}\n\n{USAGE}")),
            }
        }
        Ok(options)
    }

    fn first_runs(&self) -> usize {
        self.runs.unwrap_or(5)
    }

    fn library_runs(&self) -> usize {
        self.runs.unwrap_or(3)
    }

    fn libraries(&self) -> &'static [Library] {
        match self.quick {
            true => &LIBRARIES[..2],
            false => &LIBRARIES,
        }
    }
}

/// A sample user whose library is read.
#[derive(Debug, Clone, Copy)]
struct Library {
    user: &'static str,
    playlists: u32,
}

const LIBRARIES: [Library; 3] = [
    Library {
        user: "grace",
        playlists: 50,
    },
    Library {
        user: "heidi",
        playlists: 1_000,
    },
    Library {
        user: "carol",
        playlists: 10_000,
    },
];

/// What is typed into the find box, one keystroke each: digits (every playlist is called
/// "... #N", so each keystroke changes the list; a letter of "carol" would match every owner).
const QUERIES: [&str; 14] = [
    "2", "20", "202", "2025", "202", "20", "2", "", "9", "98", "987", "98", "9", "",
];

/// Runs the benchmark and prints its report; the last line is [`Summary::last_line`].
pub async fn run(options: Options) {
    let dist = crate::provider::dist_dir();
    let cpus = machine::cpus();
    println!("cargo xtask bench");
    println!(
        "  latency: {} ms on every request to the provider, CORS preflights included (the app's own \
         files come without it)",
        options.latency_ms
    );
    println!(
        "  provider: local-spotify in this process, {} build, over HTTPS (HTTP/2 or HTTP/1.1 by \
         ALPN, as Spotify's Web API)",
        if cfg!(debug_assertions) {
            "DEBUG (not a release: run with --release)"
        } else {
            "release"
        }
    );
    println!("  app: {}", dist.display());
    let before = machine::others_now(Duration::from_secs(2)).await;
    println!(
        "  machine before the runs: {}",
        before.map_or_else(|| "unknown".to_owned(), |o| o.describe(cpus))
    );

    let chromium = Driver::start(Browser::Chromium).await;
    println!("  browser: {} (headless)\n", chromium.version().await);
    let mut results = Results::default();
    let start = machine::sample();
    first_playlist(&chromium, &dist, &options, &mut results).await;
    libraries(&chromium, &dist, &options, &mut results, true).await;
    calls(&chromium, &dist, &options).await;
    export_everything(&chromium, &dist, &options).await;
    let chromium_load = start
        .zip(machine::sample())
        .and_then(|(a, b)| machine::others(&a, &b));
    chromium.close().await;

    let mut firefox_load = None;
    let mut firefox_version = None;
    if options.firefox {
        let firefox = Driver::start(Browser::Firefox).await;
        firefox_version = Some(firefox.version().await);
        let start = machine::sample();
        libraries(&firefox, &dist, &options, &mut results, false).await;
        firefox_load = start
            .zip(machine::sample())
            .and_then(|(a, b)| machine::others(&a, &b));
        firefox.close().await;
    }

    let summary = report(&options, &results, firefox_version.as_deref());
    println!("\nmachine during the runs:");
    let describe =
        |o: Option<machine::Others>| o.map_or_else(|| "unknown".to_owned(), |o| o.describe(cpus));
    println!("  Chromium: {}", describe(chromium_load));
    if options.firefox {
        println!("  Firefox: {}", describe(firefox_load));
    }
    if options.latency_ms != report::TARGET_LATENCY_MS {
        println!(
            "\nThe targets are set for {} ms; at {} ms they are shown for information.",
            report::TARGET_LATENCY_MS,
            options.latency_ms
        );
    }
    println!("\ntargets (Chromium at {} ms):", report::TARGET_LATENCY_MS);
    print!(
        "{}",
        report::verdict_lines(&summary.verdicts(options.firefox))
    );
    println!("{}", summary.last_line());
}

/// Every run that worked, by what it measured.
#[derive(Default)]
struct Results {
    first: Vec<Run>,
    /// (browser, playlists, paging) → runs.
    libraries: Vec<((Browser, u32, Paging), Vec<Run>)>,
}

impl Results {
    fn library(&self, browser: Browser, playlists: u32, paging: Paging) -> &[Run] {
        self.libraries
            .iter()
            .find(|(k, _)| *k == (browser, playlists, paging))
            .map_or(&[], |(_, runs)| runs.as_slice())
    }

    fn push(&mut self, key: (Browser, u32, Paging), run: Run) {
        match self.libraries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, runs)) => runs.push(run),
            None => self.libraries.push((key, vec![run])),
        }
    }
}

/// The median of `f` over the runs where it is known.
fn med(runs: &[Run], f: impl Fn(&Run) -> Option<f64>) -> Option<f64> {
    median(&runs.iter().filter_map(f).collect::<Vec<_>>())
}

async fn first_playlist(driver: &Driver, dist: &Path, options: &Options, results: &mut Results) {
    let library = options.libraries().last().copied().unwrap_or(LIBRARIES[2]);
    let setup = Setup::plain(library.user, options.latency_ms);
    let n = options.first_runs();
    for i in 1..=n {
        match driver.run(dist, &setup).await {
            Ok(run) => {
                let bound = first_bound(&run);
                println!(
                    "  {} first playlist, run {i}/{n}: {} (bound {}, round trip {} ms)",
                    driver.browser,
                    ms(run.first_playlist()),
                    ms(bound),
                    fixed(run.round_trip_ms(), 1)
                );
                results.first.push(run);
            }
            Err(e) => println!(
                "  {} first playlist, run {i}/{n} FAILED: {e}",
                driver.browser
            ),
        }
    }
}

/// What reading costs in calls, with the local copy, in one run over the largest library.
async fn calls(driver: &Driver, dist: &Path, options: &Options) {
    let library = options.libraries().last().copied().unwrap_or(LIBRARIES[2]);
    let setup = Setup::plain(library.user, options.latency_ms);
    println!(
        "\ncalls ({}, {} playlists, {} at {} ms; Web API calls by the provider's count)",
        library.user,
        grouped(u64::from(library.playlists)),
        driver.browser,
        options.latency_ms
    );
    match driver.calls(dist, &setup).await {
        Ok(c) => {
            let verdict = |met: bool| if met { "met" } else { "MISSED" };
            println!(
                "  sign-in and library              {:>6} calls  {}",
                c.sign_in,
                ms(Some(c.sign_in_ms))
            );
            println!(
                "  reopening a playlist             {:>6} calls  target 0  {}",
                c.reopen,
                verdict(c.reopen == 0)
            );
            println!(
                "  reload                           {:>6} calls  target <= 2  {}; library on screen {} after the \
                 app starts, target <= 150 ms  {}",
                c.reload,
                verdict(c.reload <= 2),
                ms(c.on_screen_ms),
                verdict(c.on_screen_ms.is_some_and(|t| t <= 150.0))
            );
            println!(
                "  a playlist reopened after reload {:>6} calls  target 0  {}",
                c.reopen_after_reload,
                verdict(c.reopen_after_reload == 0)
            );
        }
        Err(e) => println!("  FAILED: {e}"),
    }
}

/// "Export everything" over heidi's 1,000 playlists: the calls planned and made, and the time it took.
async fn export_everything(driver: &Driver, dist: &Path, options: &Options) {
    let setup = Setup::plain("heidi", options.latency_ms);
    println!(
        "\nexport everything (heidi, 1,000 playlists and her Liked Songs, {} at {} ms)",
        driver.browser, options.latency_ms
    );
    match driver.export_everything(dist, &setup).await {
        Ok(e) => println!(
            "  {} calls made of {} planned, {} from the click to the file",
            grouped(e.made),
            grouped(e.planned),
            ms(Some(e.ms))
        ),
        Err(e) => println!("  FAILED: {e}"),
    }
}

fn first_bound(run: &Run) -> Option<f64> {
    Some(report::first_row_bound(
        run.page_load()?,
        run.round_trip_ms()?,
    ))
}

fn library_bound(run: &Run, playlists: u32) -> Option<f64> {
    Some(report::library_bound(
        report::pages(playlists),
        PAGES_IN_FLIGHT,
        run.round_trip_ms()?,
    ))
}

/// The libraries in `driver`'s browser: both pagings, interleaved run by run, in Chromium
/// (`full`); concurrent only otherwise.
async fn libraries(
    driver: &Driver,
    dist: &Path,
    options: &Options,
    results: &mut Results,
    full: bool,
) {
    let pagings: &[Paging] = match full {
        true => &[Paging::Concurrent, Paging::Sequential],
        false => &[Paging::Concurrent],
    };
    let biggest = options.libraries().last().map(|l| l.playlists);
    let n = options.library_runs();
    for library in options.libraries() {
        for i in 1..=n {
            for &paging in pagings {
                let concurrent = paging == Paging::Concurrent;
                let setup = Setup {
                    user: library.user,
                    paging,
                    latency_ms: options.latency_ms,
                    observe: true,
                    scroll: full && concurrent,
                    keystrokes: match full && concurrent && Some(library.playlists) == biggest {
                        true => QUERIES.iter().map(|q| (*q).to_owned()).collect(),
                        false => Vec::new(),
                    },
                };
                let label = format!(
                    "{} {} playlists, {}, run {i}/{n}",
                    driver.browser,
                    grouped(u64::from(library.playlists)),
                    paging.as_str()
                );
                match driver.run(dist, &setup).await {
                    Ok(run) if run.count != u64::from(library.playlists) => println!(
                        "  {label} FAILED: {} of {} playlists shown",
                        run.count, library.playlists
                    ),
                    Ok(run) => {
                        println!(
                            "  {label}: {} (bound {}), {} page GETs, {} preflights",
                            ms(run.library()),
                            ms(library_bound(&run, library.playlists)),
                            run.counted("/v1/me/playlists", "GET"),
                            run.counted("/v1/me/playlists", "preflight"),
                        );
                        results.push((driver.browser, library.playlists, paging), run);
                    }
                    Err(e) => println!("  {label} FAILED: {e}"),
                }
            }
        }
    }
}

/// Prints the tables and returns the summary.
fn report(options: &Options, results: &Results, firefox_version: Option<&str>) -> Summary {
    let mut summary = Summary::default();
    let first = &results.first;
    let first_user = options.libraries().last().copied().unwrap_or(LIBRARIES[2]);
    println!(
        "\nfirst playlist ({}, {} playlists, concurrent paging; medians of {} runs)",
        first_user.user,
        grouped(u64::from(first_user.playlists)),
        first.len()
    );
    let shown = med(first, Run::first_playlist);
    let bound = med(first, first_bound);
    summary.first_row_vs_bound = med(first, |r| Some(r.first_playlist()? / first_bound(r)?));
    println!("  callback → first playlist shown   {:>9}", ms(shown));
    println!(
        "  lower bound                       {:>9}   = page load {} + 3 round trips × {} ms",
        ms(bound),
        ms(med(first, Run::page_load)),
        fixed(med(first, Run::round_trip_ms), 1)
    );
    println!(
        "  ratio                             {:>9}",
        summary
            .first_row_vs_bound
            .map_or("-".to_owned(), |r| format!("{r:.2}"))
    );
    let token = med(first, |r| r.token_request().map(|t| t.end - t.start));
    let token_to_page = med(first, |r| {
        Some(r.page_requests().next()?.start - r.token_request()?.end)
    });
    let first_page = med(first, |r| r.page_requests().next().map(|p| p.end - p.start));
    let page_to_mark = med(first, |r| {
        Some(r.first_playlist_ms? - r.page_requests().next()?.end)
    });
    println!(
        "  where the time goes: page load {} (DOM loaded at {}, load event at {}); token request \
         {}; its answer → first page asked {}; first page (preflight + GET) {}; its answer → \
         first playlist on screen {}. (Before the callback, the login's redirect through the \
         provider took {}.)",
        ms(med(first, Run::page_load)),
        ms(med(first, |r| Some(
            r.dom_content_loaded_ms - r.callback_ms
        ))),
        ms(med(first, |r| Some(r.load_event_ms - r.callback_ms))),
        ms(token),
        ms(token_to_page),
        ms(first_page),
        ms(page_to_mark),
        ms(med(first, |r| Some(r.callback_ms))),
    );

    println!(
        "\nwhole library in Chromium ({PAGES_IN_FLIGHT} pages in flight when concurrent; medians \
         of {} runs)",
        options.library_runs()
    );
    println!(
        "  {:>10} {:>5} {:>11} {:>11} {:>9} {:>10} {:>10}   requests: page GETs + preflights; all (GET with the covers among them, preflight, POST)",
        "playlists", "pages", "concurrent", "sequential", "seq÷conc", "bound", "conc÷bound"
    );
    for library in options.libraries() {
        let concurrent = results.library(Browser::Chromium, library.playlists, Paging::Concurrent);
        let sequential = results.library(Browser::Chromium, library.playlists, Paging::Sequential);
        let c = med(concurrent, Run::library);
        let s = med(sequential, Run::library);
        let bound = med(concurrent, |r| library_bound(r, library.playlists));
        let vs_bound = med(concurrent, |r| {
            Some(r.library()? / library_bound(r, library.playlists)?)
        });
        let counts = |runs: &[Run]| {
            let m = |f: &dyn Fn(&Run) -> u64| {
                med(runs, |r| Some(f(r) as f64)).map_or("-".to_owned(), |v| format!("{v:.0}"))
            };
            format!(
                "{} + {}; {} ({} with {} covers, {}, {})",
                m(&|r| r.counted("/v1/me/playlists", "GET")),
                m(&|r| r.counted("/v1/me/playlists", "preflight")),
                m(&|r| r.totals().0),
                m(&|r| r.totals().2),
                m(&|r| r.counted("/images/{file}", "GET")),
                m(&|r| r.totals().1),
                m(&|r| r.totals().3),
            )
        };
        let ratio = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.2}"));
        println!(
            "  {:>10} {:>5} {:>11} {:>11} {:>9} {:>10} {:>10}   concurrent {}; sequential {}",
            grouped(u64::from(library.playlists)),
            report::pages(library.playlists),
            ms(c),
            ms(s),
            ratio(s.zip(c).map(|(s, c)| s / c)),
            ms(bound),
            ratio(vs_bound),
            counts(concurrent),
            counts(sequential),
        );
        if library.playlists == 10_000 {
            summary.lib10k_ms = c;
            summary.lib10k_sequential_ms = s;
            summary.lib10k_vs_bound = vs_bound;
        }
    }
    for library in options.libraries() {
        for paging in [Paging::Concurrent, Paging::Sequential] {
            let runs = results.library(Browser::Chromium, library.playlists, paging);
            if runs.is_empty() {
                continue;
            }
            where_it_went(library, paging, runs);
        }
    }

    let chromium_runs: Vec<&Run> = results
        .libraries
        .iter()
        .filter(|((b, _, _), _)| *b == Browser::Chromium)
        .flat_map(|(_, runs)| runs)
        .collect();
    let during_load = chromium_runs.iter().filter_map(|r| r.rows_max).max();
    let scrolled = chromium_runs
        .iter()
        .filter_map(|r| r.rows_max_scrolled)
        .max();
    summary.dom_max = during_load.max(scrolled);
    println!(
        "\nrows: at most {} playlist rows in the DOM at once (most during a load: {}; while \
         scrolling to the end and back: {})",
        summary.dom_max.map_or("-".to_owned(), |n| n.to_string()),
        during_load.map_or("-".to_owned(), |n| n.to_string()),
        scrolled.map_or("-".to_owned(), |n| n.to_string()),
    );

    let biggest = options.libraries().last().copied().unwrap_or(LIBRARIES[2]);
    let typed: Vec<_> = results
        .library(Browser::Chromium, biggest.playlists, Paging::Concurrent)
        .iter()
        .flat_map(|r| r.keystrokes.iter())
        .collect();
    let frames: Vec<f64> = typed.iter().filter_map(|k| k.ms).collect();
    let handlers: Vec<f64> = typed.iter().map(|k| k.handler_ms).collect();
    let changed: Vec<f64> = typed.iter().filter_map(|k| k.changed_ms).collect();
    let find = median(&frames);
    if biggest.playlists == 10_000 {
        summary.find_ms = find;
    }
    let mut sorted = frames.clone();
    sorted.sort_by(f64::total_cmp);
    let p90 = (!sorted.is_empty()).then(|| sorted[(sorted.len() * 9 / 10).min(sorted.len() - 1)]);
    println!(
        "find ({} playlists): keystroke → next frame showing the list, median {} ms of {} \
         keystrokes (90th percentile {} ms, worst {} ms; the input event's handlers ran for a \
         median {} ms, the DOM changed after {} ms){}",
        grouped(u64::from(biggest.playlists)),
        fixed1(find),
        frames.len(),
        fixed1(p90),
        fixed1(sorted.last().copied()),
        fixed1(median(&handlers)),
        fixed1(median(&changed)),
        match typed.len() - frames.len() {
            0 => String::new(),
            n => format!("; {n} keystrokes changed nothing on screen and are left out"),
        },
    );

    if let Some(version) = firefox_version {
        println!("\n{version} (headless), whole library, concurrent:");
        for library in options.libraries() {
            let runs = results.library(Browser::Firefox, library.playlists, Paging::Concurrent);
            let f = med(runs, Run::library);
            let c = med(
                results.library(Browser::Chromium, library.playlists, Paging::Concurrent),
                Run::library,
            );
            println!(
                "  {:>10} playlists: {:>10} (Chromium {}; Firefox ÷ Chromium {}; vs bound {})",
                grouped(u64::from(library.playlists)),
                ms(f),
                ms(c),
                f.zip(c)
                    .map_or("-".to_owned(), |(f, c)| format!("{:.2}", f / c)),
                med(runs, |r| Some(
                    r.library()? / library_bound(r, library.playlists)?
                ))
                .map_or("-".to_owned(), |v| format!("{v:.2}")),
            );
            if library.playlists == 10_000 {
                summary.firefox_lib10k_ms = f;
            }
        }
        for library in options.libraries() {
            let runs = results.library(Browser::Firefox, library.playlists, Paging::Concurrent);
            if !runs.is_empty() {
                where_it_went(library, Paging::Concurrent, runs);
            }
        }
    }
    summary
}

fn fixed1(v: Option<f64>) -> String {
    fixed(v, 1)
}

fn fixed(v: Option<f64>, decimals: usize) -> String {
    v.map_or("-".to_owned(), |v| format!("{v:.decimals$}"))
}

/// Where a library's load spent its time, as medians over `runs`.
fn where_it_went(library: &Library, paging: Paging, runs: &[Run]) {
    println!(
        "  where the time goes, {} playlists {}: round trip {} ms; a page's request (preflight + \
         GET, and any wait for a connection) {} ms; pages in flight on average {}; an answer → \
         the next page asked {} ms; the provider's own time per page {} ms (per preflight {} \
         ms); first page's answer → first row in the DOM {}; last page's answer → library on \
         screen {}; longest frame during the load {}; requests by HTTP version (last run) {}",
        grouped(u64::from(library.playlists)),
        paging.as_str(),
        fixed(med(runs, Run::round_trip_ms), 1),
        fixed(med(runs, Run::page_request_ms), 1),
        fixed(med(runs, Run::pages_in_flight), 1),
        fixed(med(runs, Run::next_page_asked_ms), 1),
        fixed(
            med(runs, |r| r.provider_ms_per("/v1/me/playlists", "GET")),
            2
        ),
        fixed(
            med(runs, |r| r.provider_ms_per("/v1/me/playlists", "preflight")),
            2
        ),
        ms(med(runs, Run::first_answer_to_row)),
        ms(med(runs, Run::after_last_page)),
        ms(med(runs, |r| r.longest_frame_ms)),
        runs.last().map_or("-".to_owned(), Run::versions),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn options_have_the_issues_defaults_and_flags() {
        assert_eq!(
            Options::parse(&[]),
            Ok(Options {
                latency_ms: 50,
                runs: None,
                firefox: false,
                quick: false
            })
        );
        let options = Options::parse(&args(&[
            "--latency-ms",
            "20",
            "--runs=2",
            "--firefox",
            "--quick",
        ]))
        .expect("valid");
        assert_eq!(
            (
                options.latency_ms,
                options.first_runs(),
                options.library_runs()
            ),
            (20, 2, 2)
        );
        assert!(options.firefox && options.quick);
        assert_eq!(options.libraries().len(), 2);
        for bad in [
            &["--runs", "0"][..],
            &["--latency-ms"],
            &["--fast"],
            &["--quick=1"],
        ] {
            assert!(Options::parse(&args(bad)).is_err(), "{bad:?}");
        }
    }

    // Guards against the benchmark reading other libraries than the sizes it reports.
    #[test]
    fn the_libraries_are_the_providers() {
        use local_spotify::catalog::{Library as Catalog, Person};
        for library in LIBRARIES {
            let person = Person::sample_user(library.user).expect("a sample user");
            assert_eq!(
                Catalog::of(person).len(),
                library.playlists,
                "{}",
                library.user
            );
        }
    }
}
