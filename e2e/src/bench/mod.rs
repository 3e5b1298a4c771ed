//! `cargo xtask bench`: how fast the app shows a library, in a real browser against the local
//! provider (over HTTPS, so HTTP/2 as Spotify's Web API, with `--latency-ms` on every request), by
//! the page's own clocks: the first playlist and whole libraries against their lower bounds, rows
//! in the DOM, find's keystrokes, the Web API calls with the local copy, and "export everything".

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

/// How fast the app shows a library, in a real browser against the local provider. Needs dist/
/// (E2E_DIST for another) and the end-to-end tests' drivers: `cargo xtask bench` sets them.
#[derive(Debug, Clone, PartialEq, Eq, Parser)]
#[command(name = "bench")]
pub struct Options {
    #[command(flatten)]
    pub args: xtask::BenchArgs,
}

const LIBRARIES: [(&str, u32); 3] = [("grace", 50), ("heidi", 1_000), ("carol", 10_000)];
/// The library the targets and the `bench:` line are for.
const TARGETED: u32 = 10_000;
const WINDOW: (u32, u32) = (1280, 900);
/// How long a script run over WebDriver may take (scrolling and typing, on a slow machine).
const SCRIPT_LIMIT: Duration = Duration::from_secs(120);

impl Options {
    fn plain(&self, user: &'static str) -> Setup {
        let latency_ms = self.args.latency_ms;
        Setup {
            user,
            latency_ms,
            ..Setup::default()
        }
    }

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

pub async fn run(options: Options) -> anyhow::Result<()> {
    let build = ["release", "DEBUG (not a release: run with --release)"];
    let build = build[usize::from(cfg!(debug_assertions))];
    let latency_ms = options.args.latency_ms;
    let dist = crate::provider::dist_dir();
    let dist = dist.display();
    println!("cargo xtask bench\n  latency: {latency_ms} ms on every request to the provider");
    println!("  provider: in this process, {build} build, over HTTPS\n  app: {dist}");
    let (session, page) = browser(Browser::Chromium).await;
    let (user, playlists) = options.largest();
    let (mut first, n) = ([Vec::new(), Vec::new()], options.runs(5));
    for (i, warm) in (1..=n).flat_map(|i| [(i, false), (i, true)]) {
        let label = [
            "first playlist, cold cache",
            "first playlist, signed in again",
        ];
        let label = label[usize::from(warm)];
        let label = format!("{label}, run {i}/{n}");
        let mut setup = options.plain(user);
        (setup.cold, setup.warm) = (!warm, warm);
        if let Some(run) = attempt(&label, run::run(page.clone(), setup)).await {
            let (shown, bound) = (ms(run.first_playlist), ms(run.first_bound()));
            let (bytes, also) = (run.bytes, &run.fetched);
            println!("  {label}: {shown} (bound {bound}), {bytes} B, also fetched {also:?}");
            first[usize::from(warm)].push(run);
        }
    }
    let mut libraries = read_libraries(&page, &options).await;
    let calls = attempt("calls", run::calls(page.clone(), options.plain(user))).await;
    let export = run::export_everything(page.clone(), options.plain("heidi"));
    let export = attempt("export", export).await;
    session.close().await;
    if options.args.firefox {
        let (session, page) = browser(Browser::Firefox).await;
        libraries.extend(read_libraries(&page, &options).await);
        session.close().await;
    }
    let mut rows = first_rows(&first[0], &first[1], user, playlists);
    rows.extend(library_rows(&libraries, options.args.firefox));
    rows.extend(calls.into_iter().chain(export).flatten());
    let table = report::table(&rows);
    println!("\nChromium at {latency_ms} ms, medians:\n{table}");
    if latency_ms != BENCH_LATENCY_MS {
        println!("The targets are set for {BENCH_LATENCY_MS} ms; at {latency_ms} ms they inform.");
    }
    println!("{}", report::last_line(&rows));
    Ok(())
}

async fn browser(browser: Browser) -> (Session, Page) {
    let session = Session::start_unwatched(browser).await;
    let page = session.page();
    page.set_window_size(WINDOW.0, WINDOW.1).await;
    page.set_script_timeout(SCRIPT_LIMIT).await;
    let agent = page.run("return navigator.userAgent;", vec![]).await;
    println!("  browser: {}\n", agent.as_str().unwrap_or("?"));
    (session, page)
}

/// Runs `work` as a task of its own, so that a failure (an error, or a panic) ends that run only.
async fn attempt<T: Send + 'static>(
    label: &str,
    work: impl Future<Output = anyhow::Result<T>> + Send + 'static,
) -> Option<T> {
    let why = match tokio::spawn(work).await {
        Ok(Ok(value)) => return Some(value),
        Ok(Err(e)) => format!("{e:#}"),
        Err(e) => match e.try_into_panic() {
            Ok(panic) => *panic.downcast().unwrap_or(Box::new("a panic".to_owned())),
            Err(e) => e.to_string(),
        },
    };
    println!("  {label} FAILED: {why}");
    None
}

/// The libraries, runs interleaved: in Chromium both pagings, scrolling and typing into find.
async fn read_libraries(page: &Page, options: &Options) -> Libraries {
    let browser = page.browser();
    let chromium = browser == Browser::Chromium;
    let n = options.runs(3);
    let mut all = Vec::new();
    for &(user, playlists) in options.libraries() {
        let size = grouped(playlists.into());
        let pagings = (1..=n).flat_map(|i| [(i, false), (i, true)]);
        for (i, sequential) in pagings.filter(|&(_, s)| chromium || !s) {
            let paging = PAGINGS[usize::from(sequential)];
            let label = format!("{browser} {size} playlists, {paging}, run {i}/{n}");
            let mut setup = options.plain(user);
            (setup.sequential, setup.observe) = (sequential, true);
            setup.scroll = chromium && !sequential;
            setup.find = setup.scroll && (user, playlists) == options.largest();
            let Some(run) = attempt(&label, run::run(page.clone(), setup)).await else {
                continue;
            };
            if run.count != Some(playlists.into()) {
                let shown = run.count.unwrap_or(0);
                println!("  {label} FAILED: {shown} of {playlists} playlists shown");
                continue;
            }
            let (time, bound) = (ms(run.library), ms(run.library_bound(playlists)));
            let pages = |kind| counted(&run.stats, kind, "/v1/me/playlists");
            let (gets, pre) = (pages("GET"), pages("preflight"));
            println!("  {label}: {time} (bound {bound}), {gets} page GETs, {pre} preflights");
            all.push((browser, playlists, sequential, run));
        }
    }
    all
}

fn med(runs: &[&Run], f: impl Fn(&Run) -> Option<f64>) -> Option<f64> {
    median(runs.iter().filter_map(|r| f(r)))
}

fn ms(value: Option<f64>) -> String {
    Row::ms("", value).shown()
}

fn first_rows(cold: &[Run], warm: &[Run], user: &str, playlists: u32) -> Vec<Row> {
    let cold: &[&Run] = &cold.iter().collect::<Vec<_>>();
    let warm: &[&Run] = &warm.iter().collect::<Vec<_>>();
    let size = grouped(playlists.into());
    let bound = "  lower bound: page load + 3 round trips";
    let ratio = med(warm, |r| Some(r.first_playlist? / r.first_bound()?));
    let what = "first playlist after the callback";
    let bytes = |runs| med(runs, |r| Some(r.bytes));
    let files = med(warm, |r| Some(r.fetched.len() as f64));
    vec![
        Row::ms(
            format!("{what}, cold cache ({user}, {size})"),
            med(cold, |r| r.first_playlist),
        ),
        Row::ms("  page load", med(cold, |r| r.page_load)),
        Row::count(
            "  bytes from the app's origin (not compressed)",
            bytes(cold),
        ),
        Row::ms(
            format!("{what}, warm cache"),
            med(warm, |r| r.first_playlist),
        ),
        Row::ms(bound, med(warm, Run::first_bound)),
        Row::ms("  page load", med(warm, |r| r.page_load)),
        Row::ms("  round trip", med(warm, |r| r.round_trip)),
        Row::ratio("  first playlist ÷ its lower bound", ratio)
            .at_most(1.2)
            .key(Some("first_row_vs_bound")),
        Row::count("  bytes from the app's origin", bytes(warm)).key(Some("warm_bytes")),
        Row::count("  app files fetched besides index.html", files).at_most(0.0),
    ]
}

fn library_rows(all: &Libraries, firefox: bool) -> Vec<Row> {
    let runs = |key: (Browser, u32, bool)| -> Vec<&Run> {
        let runs = all.iter().filter(|l| (l.0, l.1, l.2) == key);
        runs.map(|l| &l.3).collect()
    };
    let library = |runs: &[&Run]| med(runs, |r| r.library);
    let (mut rows, mut dom) = (Vec::new(), None);
    for (_, n) in LIBRARIES {
        let (name, ten) = (format!("{} playlists", grouped(n.into())), n == TARGETED);
        let key = |key| ten.then_some(key);
        let [conc, seq] = [false, true].map(|s| runs((Browser::Chromium, n, s)));
        let (c, s) = (library(&conc), library(&seq));
        let vs_bound = med(&conc, |r| Some(r.library? / r.library_bound(n)?));
        let bound = format!("bound ({PAGES_IN_FLIGHT} pages in flight)");
        let speedup = s.zip(c).map(|(s, c)| s / c);
        let speedup = Row::ratio(format!("{name}, sequential ÷ concurrent"), speedup);
        let vs_bound = Row::ratio(format!("{name}, concurrent ÷ {bound}"), vs_bound);
        rows.extend([
            Row::ms(format!("{name}, concurrent"), c).key(key("lib10k_ms")),
            Row::ms(format!("{name}, sequential"), s).key(key("lib10k_sequential_ms")),
            speedup.target(ten.then_some(AtLeast(6.0))),
            vs_bound
                .target(ten.then_some(AtMost(1.3)))
                .key(key("lib10k_vs_bound")),
        ]);
        let typed = conc.iter().flat_map(|r| r.keystrokes.iter().flatten());
        let typed: Vec<f64> = typed.copied().collect();
        if ten || !typed.is_empty() {
            let what = format!(
                "find over {name}: keystroke to frame ({} typed)",
                typed.len()
            );
            let row = Row::ms(what, median(typed)).target(ten.then_some(AtMost(16.0)));
            rows.push(row.key(key("find_ms")));
        }
        let seen = conc.iter().chain(&seq);
        let seen = seen.flat_map(|r| [r.max_rows, r.rows_scrolled]);
        dom = dom.max(seen.flatten().max());
    }
    let what = "playlist rows in the DOM at once (any load, or scrolling)";
    let dom = Row::count(what, dom.map(|n| n as f64)).at_most(150.0);
    rows.push(dom.key(Some("dom_max")));
    for (_, n) in LIBRARIES.into_iter().filter(|_| firefox) {
        let name = format!("{} playlists", grouped(n.into()));
        let f = library(&runs((Browser::Firefox, n, false)));
        let vs = f.zip(library(&runs((Browser::Chromium, n, false))));
        rows.push(Row::ms(format!("Firefox, {name}, concurrent"), f));
        let vs = vs.map(|(f, c)| f / c);
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
        let mut rows = first_rows(&[], &[], "carol", 10_000);
        rows.extend(library_rows(&Vec::new(), options.args.firefox));
        let targets: Vec<&str> = rows
            .iter()
            .filter(|r| r.target.is_some())
            .map(|r| r.what.as_str())
            .collect();
        // First playlist, cold and warm; 10,000: seq ÷ conc, vs bound, find; rows; Firefox ÷ Chromium.
        assert_eq!(targets.len(), 7, "{targets:?}");
        assert!(
            targets.iter().skip(2).take(3).all(|t| t.contains("10,000")),
            "{targets:?}"
        );
        let keyed: Vec<_> = rows.iter().filter_map(|r| r.key).collect();
        assert_eq!(keyed.len(), 7, "{keyed:?}");
        assert!(report::table(&rows).ends_with("  0 met, 0 missed\n"));
    }
}
