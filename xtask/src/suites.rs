//! `cargo xtask test`: every suite, its output streamed and captured, the libtest counts summed;
//! the checks of the built `dist/` and its first-load budget are suites too, a check a test.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use anyhow::{anyhow, ensure, Result};
use xtask::artefact::{check_dist, Check, Context};
use xtask::ProviderCommand;

use crate::provider::Provider;
use crate::tools::{self, Browsers, BuildTools, Tools};

/// The wasm-bindgen test page and the provider it talks to (ARCHITECTURE.md, "Test ports").
const WASM_TEST_PAGE: &str = "127.0.0.1:18090";
const WASM_TEST_PROVIDER_PORT: u16 = 18081;
/// How long wasm-bindgen's runner waits for the whole suite in one browser (not per test).
const WASM_SUITE_TIMEOUT_S: &str = "300";
const WASM_SUITES: [(&str, &str); 2] = [
    ("wasm tests in headless Chrome", "CHROMEDRIVER"),
    ("wasm tests in headless Firefox", "GECKODRIVER"),
];
const DIST_CHECKS: &str = "dist/ checks (artefact, policy, integrity, headers)";
const BUDGET: &str = "first-load budget";
const E2E: &str = "end-to-end tests (Chrome and Firefox over WebDriver)";
/// The scenarios need `dist/` and browsers, so they sit behind a feature (`e2e/Cargo.toml`) that a
/// plain `cargo test --workspace` leaves off; here it is on, or the suite would run none of them.
const E2E_ARGS: [&str; 5] = ["test", "-p", "e2e", "--features", "browsers"];

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

/// What one suite did: its name, its counts, and its problems (none when the suite is good: it
/// succeeded, ran tests and ignored none).
struct Outcome(&'static str, Tally, Vec<String>);

/// Reads `test result: ok. 3 passed; 0 failed; 1 ignored; ...` lines out of captured output,
/// coloured or not.
pub fn tally(output: &str) -> Tally {
    let count = regex::Regex::new(r"(\d+) (passed|failed|ignored)").expect("a valid regex");
    let (mut total, text) = (Tally::default(), strip_ansi_escapes::strip_str(output));
    for (_, counts) in text.lines().filter_map(|l| l.split_once("test result:")) {
        for found in count.captures_iter(counts) {
            let n: u64 = found[1].parse().unwrap_or(0);
            match &found[2] {
                "passed" => total.passed += n,
                "failed" => total.failed += n,
                _ => total.ignored += n,
            }
        }
    }
    total
}

/// Runs a suite, its stdout and stderr through one pipe, each line printed and kept; then judges
/// it by its exit status and its counts.
fn run_suite(name: &'static str, command: &mut Command) -> Outcome {
    println!("\n=== {name}\n$ {}", xtask::process::show(command));
    let mut run = || -> Result<_> {
        let (reader, writer) = std::io::pipe()?;
        command.stdin(Stdio::null()).stdout(writer.try_clone()?);
        let mut child = command.stderr(writer).spawn()?;
        // The command's own copies of the pipe's writing end: the reading ends when the child's do.
        command.stdout(Stdio::null()).stderr(Stdio::null());
        let mut captured = String::new();
        for line in BufReader::new(reader).split(b'\n').map_while(Result::ok) {
            let line = String::from_utf8_lossy(&line);
            println!("{line}");
            captured += &(line + "\n");
        }
        Ok((child.wait()?, tally(&captured)))
    };
    let (status, tally) = match run() {
        Ok(done) => done,
        Err(e) => return could_not_run(name, anyhow!("cannot run: {e:#}")),
    };
    let problems = [
        (!status.success()).then(|| format!("exited with {status}")),
        (tally.failed > 0).then(|| format!("{} failed", tally.failed)),
        (tally.ignored > 0).then(|| format!("{} ignored (every test must run)", tally.ignored)),
        (tally.passed + tally.failed == 0).then(|| "ran no tests".to_owned()),
    ];
    Outcome(name, tally, problems.into_iter().flatten().collect())
}

fn could_not_run(name: &'static str, why: anyhow::Error) -> Outcome {
    println!("{name}: {why:#}");
    Outcome(name, Tally::default(), vec![format!("{why:#}")])
}

/// Checks made here, one line each, counted as tests.
fn checks(name: &'static str, checks: Vec<Check>) -> Outcome {
    println!("\n=== {name}");
    let (mut tally, mut failures) = (Tally::default(), Vec::new());
    for Check { name, problems } in checks {
        let verdict = if problems.is_empty() { "ok" } else { "FAILED" };
        println!("check {name} ... {verdict}");
        problems.iter().for_each(|p| println!("    {p}"));
        match problems.first() {
            Some(first) => failures.push(format!("{name}: {first}")),
            None => tally.passed += 1,
        }
    }
    tally.failed = failures.len() as u64;
    Outcome(name, tally, failures)
}

/// `cargo xtask test`: installs what is missing, runs every suite, and ends with the line
/// `N passed, N failed`, even when setting up fails.
pub fn test(root: &Path) -> ExitCode {
    let outcomes = Tools::new(root).and_then(|tools| {
        let build = tools.ensure_build_tools()?;
        Ok(run_all(&tools, &build, &tools.ensure_browsers()?))
    });
    let outcomes = outcomes.unwrap_or_else(|e| vec![could_not_run("setting up the tools", e)]);
    println!("\n=== summary");
    let mut total = Tally::default();
    for Outcome(name, t, problems) in &outcomes {
        (total.passed, total.failed) = (total.passed + t.passed, total.failed + t.failed);
        // One line per suite: the details were printed when they happened.
        let firsts: Vec<&str> = problems.iter().filter_map(|p| p.lines().next()).collect();
        let verdict = match firsts.is_empty() {
            true => "ok".to_owned(),
            false => format!("FAILED: {}", firsts.join("; ")),
        };
        let (passed, failed, ignored) = (t.passed, t.failed, t.ignored);
        println!("{name}: {passed} passed, {failed} failed, {ignored} ignored: {verdict}");
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    ExitCode::from(u8::from(outcomes.iter().any(|o| !o.2.is_empty())))
}

fn run_all(tools: &Tools, build: &BuildTools, browsers: &Browsers) -> Vec<Outcome> {
    let mut host = tools.cargo();
    host.args(["test", "--workspace", "--exclude", "e2e"]);
    let mut outcomes = vec![run_suite("host tests", &mut host)];
    let provider = tools.build_provider();
    for (name, driver) in WASM_SUITES {
        let outcome = match &provider {
            Ok(binary) => run_wasm_suite(tools, name, binary, driver, browsers),
            Err(e) => Err(anyhow!("the provider did not build: {e:#}")),
        };
        outcomes.push(outcome.unwrap_or_else(|e| could_not_run(name, e)));
    }
    // The end-to-end tests run the provider in process: they need dist/, not the binary.
    if let Err(e) = tools.trunk_build(build) {
        let why = |name| could_not_run(name, anyhow!("dist/ did not build: {e:#}"));
        outcomes.extend([DIST_CHECKS, BUDGET, E2E].map(why));
        return outcomes;
    }
    let dist = tools.root.join("dist");
    let context = Context::of_this_machine(&tools.root);
    outcomes.push(checks(DIST_CHECKS, check_dist(&dist, &context)));
    let budget = crate::sizes::check_budget(tools, &dist).map(|within| println!("{within}"));
    let problems = budget.err().map(|e| format!("{e:#}")).into_iter().collect();
    let name = "the first load is within its budget";
    outcomes.push(checks(BUDGET, vec![Check { name, problems }]));
    outcomes.push(match tools.ensure_axe_core() {
        Err(e) => could_not_run(E2E, e.context("axe-core did not install")),
        Ok(axe) => {
            let mut e2e = tools.cargo();
            e2e.args(E2E_ARGS).env("E2E_DIST", dist);
            // The accessibility tests' axe-core (`e2e/src/axe.rs`).
            let mut run = run_suite(E2E, e2e.env("AXE_CORE_JS", axe).envs(browsers.clone()));
            let ran = run.1.passed + run.1.failed;
            match scenarios(&tools.root.join("e2e/tests")) {
                Ok(n) if ran < n => run.2.push(format!("ran {ran} tests of {n} scenarios")),
                Err(e) => run.2.push(format!("{e:#}")),
                Ok(_) => {}
            }
            run
        }
    });
    outcomes
}

/// How many tests the scenarios in `dir` make: a run of fewer skipped some.
fn scenarios(dir: &Path) -> Result<u64> {
    let mut count = 0;
    for (_, file) in xtask::files(dir, true)? {
        let text = xtask::read(&file)?;
        count +=
            2 * text.matches("in_both_browsers! {").count() + text.matches("#[tokio::test").count();
    }
    Ok(count as u64)
}

/// The root package's wasm-bindgen tests in one browser (its WebDriver in `$driver`), against a
/// fresh provider on the test ports; the provider is killed when the suite ends, however it ends.
fn run_wasm_suite(
    tools: &Tools,
    name: &'static str,
    provider: &Path,
    driver: &str,
    browsers: &Browsers,
) -> Result<Outcome> {
    let client_id = xtask::local_client_id(&tools.root)?;
    // The app's client in Development Mode, as every new Spotify app is, and a second one with
    // extended quota, so the browser tests run against both (`tests/web/quota.rs`).
    let extended = format!("{client_id}-extended");
    let page = format!("http://{WASM_TEST_PAGE}");
    let command = ProviderCommand::new(provider, WASM_TEST_PROVIDER_PORT)
        .app_at(&client_id, &page)
        .app_at(&extended, &page)
        .extended_quota(&extended);
    let provider_address = format!("127.0.0.1:{WASM_TEST_PROVIDER_PORT}");
    for address in [WASM_TEST_PAGE, &provider_address] {
        ensure!(
            std::net::TcpListener::bind(address).is_ok(),
            "{address} is already in use by another process; the wasm tests need it \
             (docs/ARCHITECTURE.md, \"Test ports\"): stop that process and run again"
        );
    }
    let log = tools.target_dir().join("xtask");
    std::fs::create_dir_all(&log)?;
    let log = log.join(format!("provider-{}.log", driver.to_lowercase()));
    let shown = log.display();
    println!("\n=== {name}: starting the provider (log: {shown})");
    let provider = Provider::start(&command, Some(&log), Duration::from_secs(30))?;
    // The browser tests; the library's unit tests are host tests.
    let mut test = tools.cargo();
    test.args(["test", "-p", "pkce-playlists", "--test", "web"]);
    test.args(["--target", tools::WASM_TARGET]);
    for var in ["CHROMEDRIVER", "GECKODRIVER", "SAFARIDRIVER"] {
        test.env_remove(var);
    }
    test.envs(browsers.iter().filter(|(var, _)| *var == driver).cloned());
    test.env("WASM_BINDGEN_TEST_ADDRESS", WASM_TEST_PAGE);
    test.env("LOCAL_SPOTIFY_URL", &provider.api_url);
    test.env("WASM_BINDGEN_TEST_TIMEOUT", WASM_SUITE_TIMEOUT_S);
    Ok(run_suite(name, &mut test))
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards against an end-to-end suite that runs fewer tests than there are scenarios and passes.
    #[test]
    fn counts_each_scenario_once_per_browser() {
        let dir = tempfile::tempdir().unwrap();
        let both = "in_both_browsers! {\n    fn a(browser) {}\n}\n";
        std::fs::write(
            dir.path().join("a.rs"),
            format!("{both}{both}#[tokio::test]\nasync fn b() {{}}"),
        )
        .unwrap();
        std::fs::write(dir.path().join("c.rs"), "#[test]\nfn c() {}").unwrap();
        assert_eq!(scenarios(dir.path()).unwrap(), 5);
    }

    // Guards against an end-to-end suite that runs none of the scenarios and still passes: every
    // scenario's required feature must be one the suite turns on.
    #[test]
    fn the_end_to_end_suite_turns_on_every_scenarios_feature() {
        let manifest = xtask::read(&xtask::workspace_root().join("e2e/Cargo.toml")).unwrap();
        let required: Vec<&str> = manifest
            .lines()
            .filter_map(|line| line.strip_prefix("required-features = "))
            .collect();
        assert!(
            required.len() >= 12,
            "e2e/Cargo.toml lists its scenarios: {required:?}"
        );
        let on = E2E_ARGS.iter().skip_while(|a| **a != "--features").nth(1);
        for features in required {
            assert_eq!(Some(features), on.map(|f| format!("[\"{f}\"]")).as_deref());
        }
    }

    #[test]
    fn sums_every_result_line() {
        let output = "\
running 2 tests
test a ... ok
test result: ok. 2 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s

test result: FAILED. 3 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in 1.00s
   Doc-tests x
test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s
";
        assert_eq!(
            tally(output),
            Tally {
                passed: 5,
                failed: 1,
                ignored: 2
            }
        );
    }

    // Guards against a coloured runner (wasm-bindgen-test-runner on a terminal) hiding its counts.
    #[test]
    fn reads_coloured_result_lines() {
        let line =
            "test result: \u{1b}[32mok\u{1b}[0m. 4 passed; 0 failed; 0 ignored; 0 filtered out";
        assert_eq!(tally(line).passed, 4);
    }

    #[test]
    fn output_without_results_counts_nothing() {
        assert_eq!(
            tally("error[E0425]: cannot find value `x`\n"),
            Tally::default()
        );
    }
}
