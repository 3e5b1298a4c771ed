//! `cargo xtask test`: every suite, its output streamed and captured, the libtest counts summed;
//! the checks of the built `dist/` and its first-load budget are suites too, a check a test.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use anyhow::{bail, Result};
use regex::Regex;
use xtask::artefact::Check;
use xtask::ProviderCommand;

use crate::provider::Provider;
use crate::tools::{self, Browsers, Tools};

/// The wasm-bindgen test page and the provider it talks to (ARCHITECTURE.md, "Test ports").
const WASM_TEST_PAGE: &str = "127.0.0.1:18090";
const WASM_TEST_PROVIDER_PORT: u16 = 18081;
/// `WASM_BINDGEN_TEST_TIMEOUT`: wasm-bindgen's runner waits this long for the whole suite in one
/// browser, not per test (at 60 s, Firefox's tests were cut off once the suite grew).
const WASM_SUITE_TIMEOUT_S: &str = "300";
const DIST_CHECKS: &str = "dist/ checks (artefact, policy, integrity, headers)";
const BUDGET: &str = "first-load budget";
const E2E: &str = "end-to-end tests (Chrome and Firefox over WebDriver)";

/// Sums of libtest's `test result:` lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

/// What one suite did.
struct Outcome {
    name: &'static str,
    tally: Tally,
    /// Empty when the suite is good: it succeeded, ran tests and ignored none.
    problems: Vec<String>,
}

/// Reads `test result: ok. 3 passed; 0 failed; 1 ignored; ...` lines out of captured output,
/// coloured or not.
pub fn tally(output: &str) -> Tally {
    let count = Regex::new(r"(\d+) (passed|failed|ignored)").expect("a valid regex");
    let mut total = Tally::default();
    for line in strip_ansi_escapes::strip_str(output).lines() {
        let Some((_, counts)) = line.split_once("test result:") else {
            continue;
        };
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

/// Runs a suite: its stdout and stderr streamed to ours and captured, then judged.
fn run_suite(name: &'static str, command: &mut Command) -> Outcome {
    println!("\n=== {name}\n$ {}", tools::show(command));
    let (status, captured) = match tee(command) {
        Ok(done) => done,
        Err(e) => return could_not_run(name, format!("cannot run: {e:#}")),
    };
    let tally = tally(&captured);
    let mut problems = Vec::new();
    if !status.success() {
        problems.push(format!("exited with {status}"));
    }
    if tally.failed > 0 {
        problems.push(format!("{} failed", tally.failed));
    }
    if tally.ignored > 0 {
        problems.push(format!("{} ignored (every test must run)", tally.ignored));
    }
    if tally.passed + tally.failed == 0 {
        problems.push("ran no tests".to_owned());
    }
    Outcome {
        name,
        tally,
        problems,
    }
}

/// Runs `command`, its stdout and stderr through one pipe, each line printed and kept.
fn tee(command: &mut Command) -> Result<(std::process::ExitStatus, String)> {
    let (reader, writer) = std::io::pipe()?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .spawn()?;
    // The command's own copies of the pipe's writing end: the reading ends when the child's do.
    command.stdout(Stdio::null()).stderr(Stdio::null());
    let mut captured = String::new();
    for line in BufReader::new(reader).split(b'\n').map_while(Result::ok) {
        let line = String::from_utf8_lossy(&line);
        println!("{line}");
        captured.push_str(&line);
        captured.push('\n');
    }
    Ok((child.wait()?, captured))
}

fn could_not_run(name: &'static str, why: String) -> Outcome {
    println!("{name}: {why}");
    Outcome {
        name,
        tally: Tally::default(),
        problems: vec![why],
    }
}

/// Checks made here, one line each, counted as tests.
fn checks(name: &'static str, checks: Vec<Check>) -> Outcome {
    println!("\n=== {name}");
    let mut outcome = Outcome {
        name,
        tally: Tally::default(),
        problems: Vec::new(),
    };
    for check in checks {
        let Some(first) = check.problems.first() else {
            outcome.tally.passed += 1;
            println!("check {} ... ok", check.name);
            continue;
        };
        outcome.tally.failed += 1;
        outcome.problems.push(format!("{}: {first}", check.name));
        println!("check {} ... FAILED", check.name);
        check
            .problems
            .iter()
            .for_each(|problem| println!("    {problem}"));
    }
    outcome
}

/// `cargo xtask test`: installs what is missing, runs every suite, and ends with the line
/// `N passed, N failed`, even when setting up fails.
pub fn test(root: &Path) -> ExitCode {
    let setup = Tools::new(root).and_then(|tools| {
        let trunk = tools.ensure_build_tools()?;
        let browsers = tools.ensure_browsers()?;
        Ok(run_all(&tools, &trunk, &browsers))
    });
    let outcomes =
        setup.unwrap_or_else(|e| vec![could_not_run("setting up the tools", format!("{e:#}"))]);
    println!("\n=== summary");
    let mut total = Tally::default();
    for Outcome {
        name,
        tally: t,
        problems,
    } in &outcomes
    {
        total.passed += t.passed;
        total.failed += t.failed;
        total.ignored += t.ignored;
        // One line per suite: the details were printed when they happened.
        let firsts: Vec<&str> = problems.iter().filter_map(|p| p.lines().next()).collect();
        let verdict = match firsts.is_empty() {
            true => "ok".to_owned(),
            false => format!("FAILED: {}", firsts.join("; ")),
        };
        println!(
            "{name}: {} passed, {} failed, {} ignored: {verdict}",
            t.passed, t.failed, t.ignored
        );
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    match outcomes.iter().all(|o| o.problems.is_empty()) {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    }
}

fn run_all(tools: &Tools, trunk: &Path, browsers: &Browsers) -> Vec<Outcome> {
    let mut host = tools.cargo();
    let mut outcomes = vec![run_suite(
        "host tests",
        host.args(["test", "--workspace", "--exclude", "e2e"]),
    )];
    let provider = tools.build_provider();
    let wasm_suites = [
        (
            "wasm tests in headless Chrome",
            "CHROMEDRIVER",
            &browsers.chromedriver,
        ),
        (
            "wasm tests in headless Firefox",
            "GECKODRIVER",
            &browsers.geckodriver,
        ),
    ];
    for (name, driver_var, driver) in wasm_suites {
        let outcome = match &provider {
            Ok(binary) => run_wasm_suite(tools, name, binary, driver_var, driver),
            Err(e) => Err(anyhow::anyhow!("the provider did not build: {e:#}")),
        };
        outcomes.push(outcome.unwrap_or_else(|e| could_not_run(name, format!("{e:#}"))));
    }
    // The end-to-end tests run the provider in process: they need dist/, not the binary.
    if let Err(e) = tools.trunk_build(trunk) {
        let why = format!("dist/ did not build: {e:#}");
        outcomes.extend([DIST_CHECKS, BUDGET, E2E].map(|name| could_not_run(name, why.clone())));
        return outcomes;
    }
    let dist = tools.root.join("dist");
    let context = xtask::artefact::Context::of_this_machine(&tools.root);
    outcomes.push(checks(
        DIST_CHECKS,
        xtask::artefact::check_dist(&dist, &context),
    ));
    let budget = crate::sizes::check_budget(&dist).map_or_else(
        |e| vec![format!("{e:#}")],
        |ok| {
            println!("{ok}");
            Vec::new()
        },
    );
    outcomes.push(checks(
        BUDGET,
        vec![Check {
            name: "the first load is within its budget",
            problems: budget,
        }],
    ));
    outcomes.push(match tools.ensure_axe_core() {
        Err(e) => could_not_run(E2E, format!("axe-core did not install: {e:#}")),
        Ok(axe) => {
            let mut e2e = tools.cargo();
            e2e.args(["test", "-p", "e2e"]).env("E2E_DIST", dist);
            // The accessibility tests' axe-core (`e2e/src/axe.rs`).
            run_suite(E2E, e2e.env("AXE_CORE_JS", axe).envs(browsers.env()))
        }
    });
    outcomes
}

/// The root package's wasm-bindgen tests in one browser, against a fresh provider on the test
/// ports; the provider is killed when the suite ends, however it ends.
fn run_wasm_suite(
    tools: &Tools,
    name: &'static str,
    provider_binary: &Path,
    driver_var: &str,
    driver: &Path,
) -> Result<Outcome> {
    let client_id = xtask::local_client_id(&tools.root).map_err(anyhow::Error::msg)?;
    // The app's client in Development Mode, as every new Spotify app is, and a second one with
    // extended quota, so the browser tests run against both (`tests/web/quota.rs`).
    let extended = format!("{client_id}-extended");
    let page = format!("http://{WASM_TEST_PAGE}");
    let command = ProviderCommand::new(provider_binary, WASM_TEST_PROVIDER_PORT)
        .app_at(&client_id, &page)
        .app_at(&extended, &page)
        .extended_quota(&extended);
    for address in [
        WASM_TEST_PAGE.to_owned(),
        format!("127.0.0.1:{WASM_TEST_PROVIDER_PORT}"),
    ] {
        if std::net::TcpListener::bind(&address).is_err() {
            bail!(
                "{address} is already in use by another process; the wasm tests need it \
                 (docs/ARCHITECTURE.md, \"Test ports\"): stop that process and run again"
            );
        }
    }
    let log_dir = tools.target_dir().join("xtask");
    std::fs::create_dir_all(&log_dir)?;
    let log = log_dir.join(format!("provider-{}.log", driver_var.to_lowercase()));
    println!(
        "\n=== {name}: starting the provider (log: {})",
        log.display()
    );
    let provider = Provider::start(&command, Some(&log), Duration::from_secs(30))?;
    let mut command = tools.cargo();
    // The browser tests; the library's unit tests are host tests.
    command.args([
        "test",
        "-p",
        "pkce-playlists",
        "--target",
        tools::WASM_TARGET,
        "--test",
        "web",
    ]);
    for var in ["CHROMEDRIVER", "GECKODRIVER", "SAFARIDRIVER"] {
        command.env_remove(var);
    }
    command
        .env(driver_var, driver)
        .env("WASM_BINDGEN_TEST_ADDRESS", WASM_TEST_PAGE);
    command.env("LOCAL_SPOTIFY_URL", &provider.api_url);
    let outcome = run_suite(
        name,
        command.env("WASM_BINDGEN_TEST_TIMEOUT", WASM_SUITE_TIMEOUT_S),
    );
    drop(provider);
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

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
