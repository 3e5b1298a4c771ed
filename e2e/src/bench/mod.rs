//! `cargo xtask bench`: how fast the app shows a library, in a real browser against the local
//! provider (in this process, over HTTPS as Spotify's Web API, so HTTP/2: the browser sends the
//! pages it asks for at once over one connection) with `--latency-ms` on every request. All times
//! come from the page's own clocks; the report is one table of medians ([`report::Row`]):
//!
//! - **first playlist**: from the callback to the app's `first-playlist` mark, against its lower
//!   bound ([`report::first_row_bound`]), a round trip being the median of seven plain `GET`s;
//! - **whole library** for 50, 1,000 and 10,000 playlists, paging concurrently and sequentially:
//!   from the first page's request to the frame after `#load-status` says `done`;
//! - **rows**: the most playlist rows in the DOM at once, while loading and scrolling;
//! - **find**: over the largest library, from an `input` event to the frame after the DOM changed;
//! - **calls**: Web API calls to sign in, reopen a playlist, reload and reopen it after, with the
//!   local copy; and **export everything** over heidi's library.

mod report;
mod run;

use std::future::Future;
use std::time::Duration;

use clap::Parser;
use pkce_playlists::config::PAGES_IN_FLIGHT;
use xtask::BENCH_LATENCY_MS;

use crate::browser::{Browser, Session};
use crate::page::Page;
use crate::provider::counted;
use report::Target::{AtLeast, AtMost};
use report::{grouped, median, Row};
use run::{Run, Setup, PAGINGS};

#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(
    name = "bench",
    about = "How fast the app shows a library, in a real browser against the local provider.",
    after_help = "Needs dist/ (cargo xtask build; E2E_DIST to use another) and the drivers the \
                  end-to-end tests use (CHROMEDRIVER, CHROMIUM_BIN, GECKODRIVER, FIREFOX_BIN): \
                  cargo xtask bench sets them."
)]
pub struct Options {
    #[command(flatten)]
    pub args: xtask::BenchArgs,
}

/// The sample users whose libraries are read, and their sizes.
const LIBRARIES: [(&str, u32); 3] = [("grace", 50), ("heidi", 1_000), ("carol", 10_000)];
/// The library the targets and the `bench:` line are for.
const TARGETED: u32 = 10_000;
const WINDOW: (u32, u32) = (1280, 900);
/// How long a script run over WebDriver may take (scrolling and typing, on a slow machine).
const SCRIPT_LIMIT: Duration = Duration::from_secs(120);

impl Options {
    fn runs(&self, default: u32) -> u32 {
        self.args.runs.unwrap_or(default)
    }

    fn libraries(&self) -> &'static [(&'static str, u32)] {
        &LIBRARIES[..if self.args.quick { 2 } else { 3 }]
    }

    /// The largest library read: the first playlist's, the calls' and find's.
    fn largest(&self) -> (&'static str, u32) {
        self.libraries()[self.libraries().len() - 1]
    }
}

/// Every library run that worked: browser, playlists, sequential, run.
type Libraries = Vec<(Browser, u32, bool, Run)>;

/// Runs the benchmark and prints its report, ending with [`report::last_line`].
pub async fn run(options: Options) -> anyhow::Result<()> {
    let build = match cfg!(debug_assertions) {
        true => "DEBUG (not a release: run with --release)",
        false => "release",
    };
    let latency_ms = options.args.latency_ms;
    println!(
        "cargo xtask bench\n  latency: {latency_ms} ms on every request to the provider, CORS \
         preflights included (the app's own files come without it)\n  provider: local-spotify \
         in this process, {build} build, over HTTPS (HTTP/2 or HTTP/1.1 by ALPN, as Spotify's \
         Web API)\n  app: {}",
        crate::provider::dist_dir().display()
    );
    let (session, page) = browser(Browser::Chromium).await;
    let (user, playlists) = options.largest();
    let plain = |user| Setup {
        user,
        latency_ms,
        ..Setup::default()
    };
    let mut first = Vec::new();
    for i in 1..=options.runs(5) {
        let label = format!("first playlist, run {i}/{}", options.runs(5));
        if let Some(run) = attempt(&label, run::run(page.clone(), plain(user))).await {
            let (shown, bound) = (ms(run.first_playlist), ms(run.first_bound()));
            println!("  {label}: {shown} (bound {bound})");
            first.push(run);
        }
    }
    let mut libraries = read_libraries(&page, &options).await;
    let calls = attempt("calls", run::calls(page.clone(), plain(user))).await;
    let export = run::export_everything(page.clone(), plain("heidi"));
    let export = attempt("export", export).await;
    session.close().await;
    if options.args.firefox {
        let (session, page) = browser(Browser::Firefox).await;
        libraries.extend(read_libraries(&page, &options).await);
        session.close().await;
    }

    let mut rows = first_rows(&first, user, playlists);
    rows.extend(library_rows(&libraries, &options));
    rows.extend(calls.into_iter().chain(export).flatten());
    println!(
        "\nChromium at {latency_ms} ms, medians:\n{}",
        report::table(&rows)
    );
    if latency_ms != BENCH_LATENCY_MS {
        println!("The targets are set for {BENCH_LATENCY_MS} ms; at {latency_ms} ms they inform.");
    }
    println!("{}", report::last_line(&rows));
    Ok(())
}

/// A headless browser for the benchmark and its tab.
async fn browser(browser: Browser) -> (Session, Page) {
    let session = Session::start_unwatched(browser).await;
    let page = session.page();
    page.set_window_size(WINDOW.0, WINDOW.1).await;
    page.set_script_timeout(SCRIPT_LIMIT).await;
    let agent = page.run("return navigator.userAgent;", vec![]).await;
    println!("  browser: {}\n", agent.as_str().unwrap_or("?"));
    (session, page)
}

/// Runs `work` as a task of its own, so that a failure (an error, or a panic of the harness's
/// waits) ends that run only: it is reported, and `None` returned.
async fn attempt<T: Send + 'static>(
    label: &str,
    work: impl Future<Output = anyhow::Result<T>> + Send + 'static,
) -> Option<T> {
    let why = match tokio::spawn(work).await {
        Ok(Ok(value)) => return Some(value),
        Ok(Err(e)) => format!("{e:#}"),
        Err(e) => match e.try_into_panic() {
            Ok(panic) => panic
                .downcast::<String>()
                .map_or("a panic".to_owned(), |s| *s),
            Err(e) => e.to_string(),
        },
    };
    println!("  {label} FAILED: {why}");
    None
}

/// The libraries in `page`'s browser, runs interleaved: both pagings in Chromium, which also
/// scrolls and types into the find box; concurrent paging only in Firefox.
async fn read_libraries(page: &Page, options: &Options) -> Libraries {
    let browser = page.browser();
    let chromium = browser == Browser::Chromium;
    let n = options.runs(3);
    let mut all = Libraries::new();
    for &(user, playlists) in options.libraries() {
        for i in 1..=n {
            for sequential in [false, true].into_iter().filter(|s| chromium || !s) {
                let paging = PAGINGS[usize::from(sequential)];
                let label = format!(
                    "{browser} {} playlists, {paging}, run {i}/{n}",
                    grouped(playlists.into())
                );
                let scroll = chromium && !sequential;
                let find = scroll && (user, playlists) == options.largest();
                let (latency_ms, observe) = (options.args.latency_ms, true);
                let setup = Setup {
                    user,
                    latency_ms,
                    sequential,
                    observe,
                    scroll,
                    find,
                };
                let Some(run) = attempt(&label, run::run(page.clone(), setup)).await else {
                    continue;
                };
                if run.count != u64::from(playlists) {
                    println!(
                        "  {label} FAILED: {} of {playlists} playlists shown",
                        run.count
                    );
                    continue;
                }
                let (time, bound) = (ms(run.library), ms(run.library_bound(playlists)));
                let gets = counted(&run.stats, "GET", "/v1/me/playlists");
                let preflights = counted(&run.stats, "preflight", "/v1/me/playlists");
                println!(
                    "  {label}: {time} (bound {bound}), {gets} page GETs, {preflights} preflights"
                );
                all.push((browser, playlists, sequential, run));
            }
        }
    }
    all
}

/// The median of `f` over `runs`, where it is known.
fn med<'a>(
    runs: impl IntoIterator<Item = &'a Run>,
    f: impl Fn(&Run) -> Option<f64>,
) -> Option<f64> {
    median(runs.into_iter().filter_map(f))
}

fn ms(value: Option<f64>) -> String {
    Row::ms("", value).shown()
}

fn first_rows(first: &[Run], user: &str, playlists: u32) -> Vec<Row> {
    let what = format!(
        "first playlist after the callback ({user}, {})",
        grouped(playlists.into())
    );
    let ratio = med(first, |r| Some(r.first_playlist? / r.first_bound()?));
    vec![
        Row::ms(what, med(first, |r| r.first_playlist)),
        Row::ms(
            "  lower bound: page load + 3 round trips",
            med(first, Run::first_bound),
        ),
        Row::ms("  page load", med(first, |r| r.page_load)),
        Row::ms("  round trip", med(first, |r| r.round_trip)),
        Row::ratio("first playlist ÷ its lower bound", ratio)
            .at_most(1.2)
            .key(Some("first_row_vs_bound")),
    ]
}

fn library_rows(all: &Libraries, options: &Options) -> Vec<Row> {
    let runs = |browser, n, sequential| {
        let runs = all
            .iter()
            .filter(move |(b, p, s, _)| (*b, *p, *s) == (browser, n, sequential));
        runs.map(|(.., run)| run)
    };
    let library = |runs| med(runs, |r: &Run| r.library);
    let (mut rows, mut most) = (Vec::new(), Vec::new());
    for (_, n) in LIBRARIES {
        let ten = n == TARGETED;
        let name = format!("{} playlists", grouped(n.into()));
        let (concurrent, sequential) = (
            runs(Browser::Chromium, n, false),
            runs(Browser::Chromium, n, true),
        );
        let (c, s) = (library(concurrent.clone()), library(sequential.clone()));
        let vs_bound = med(concurrent.clone(), |r| {
            Some(r.library? / r.library_bound(n)?)
        });
        let typed: Vec<f64> = concurrent
            .clone()
            .flat_map(|r| r.keystrokes.iter().flatten().copied())
            .collect();
        rows.extend([
            Row::ms(format!("{name}, concurrent"), c).key(ten.then_some("lib10k_ms")),
            Row::ms(format!("{name}, sequential"), s).key(ten.then_some("lib10k_sequential_ms")),
            Row::ratio(
                format!("{name}, sequential ÷ concurrent"),
                s.zip(c).map(|(s, c)| s / c),
            )
            .target(ten.then_some(AtLeast(6.0))),
            Row::ratio(
                format!("{name}, concurrent ÷ bound ({PAGES_IN_FLIGHT} pages in flight)"),
                vs_bound,
            )
            .target(ten.then_some(AtMost(1.3)))
            .key(ten.then_some("lib10k_vs_bound")),
        ]);
        if ten || !typed.is_empty() {
            let find = format!(
                "find over {name}: keystroke to frame ({} typed)",
                typed.len()
            );
            let row = Row::ms(find, median(typed)).target(ten.then_some(AtMost(16.0)));
            rows.push(row.key(ten.then_some("find_ms")));
        }
        let both = concurrent.chain(sequential);
        most.extend(both.flat_map(|r| [r.rows_max, r.rows_scrolled]).flatten());
    }
    let dom = most.into_iter().max().map(|n| n as f64);
    let what = "playlist rows in the DOM at once (any load, or scrolling)";
    rows.push(Row::count(what, dom).at_most(150.0).key(Some("dom_max")));
    for (_, n) in LIBRARIES.into_iter().filter(|_| options.args.firefox) {
        let f = library(runs(Browser::Firefox, n, false));
        let vs = f
            .zip(library(runs(Browser::Chromium, n, false)))
            .map(|(f, c)| f / c);
        let name = format!("{} playlists", grouped(n.into()));
        rows.push(Row::ms(format!("Firefox, {name}, concurrent"), f));
        let ratio = Row::ratio(format!("Firefox ÷ Chromium, {name}"), vs);
        rows.push(ratio.target((n == TARGETED).then_some(AtMost(1.5))));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_have_the_issues_defaults_and_flags() {
        let parse = |args: &[&str]| Options::try_parse_from([&["bench"], args].concat());
        let options = parse(&[]).expect("no options");
        assert_eq!(
            options,
            Options {
                args: xtask::BenchArgs {
                    latency_ms: BENCH_LATENCY_MS,
                    runs: None,
                    firefox: false,
                    quick: false
                }
            }
        );
        let options = parse(&["--latency-ms", "20", "--runs=2", "--firefox", "--quick"]);
        let options = options.expect("valid");
        assert_eq!(
            (options.args.latency_ms, options.runs(5), options.runs(3)),
            (20, 2, 2)
        );
        assert!(options.args.firefox && options.args.quick);
        assert_eq!(options.libraries().len(), 2);
        assert_eq!(options.largest(), ("heidi", 1_000));
        for bad in [
            &["--runs", "0"][..],
            &["--latency-ms"],
            &["--fast"],
            &["--quick=1"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }

    // Guards against the benchmark reading other libraries than the sizes it reports.
    #[test]
    fn the_libraries_are_the_providers() {
        use local_spotify::catalog::{Library as Catalog, Person};
        for (user, playlists) in LIBRARIES {
            let person = Person::sample_user(user).expect("a sample user");
            assert_eq!(Catalog::of(person).len(), playlists, "{user}");
        }
    }

    // Guards against a report that loses a target or a figure of the `bench:` line.
    #[test]
    fn the_report_has_every_target_and_key() {
        let options = Options::try_parse_from(["bench", "--firefox"]).expect("valid");
        let mut rows = first_rows(&[], "carol", 10_000);
        rows.extend(library_rows(&Vec::new(), &options));
        let targets: Vec<&str> = rows
            .iter()
            .filter(|r| r.target.is_some())
            .map(|r| r.what.as_str())
            .collect();
        // First playlist; 10,000: seq ÷ conc, vs bound, find; rows; Firefox ÷ Chromium.
        assert_eq!(targets.len(), 6, "{targets:?}");
        assert!(
            targets.iter().skip(1).take(3).all(|t| t.contains("10,000")),
            "{targets:?}"
        );
        let keyed: Vec<_> = rows.iter().filter_map(|r| r.key).collect();
        assert_eq!(keyed.len(), 6, "{keyed:?}");
        assert!(report::table(&rows).ends_with("  0 met, 0 missed\n"));
    }
}
