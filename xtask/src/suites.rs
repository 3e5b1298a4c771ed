//! `cargo xtask test`: every suite, its output streamed and captured, the libtest counts summed.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use xtask::ProviderCommand;

use crate::provider::{Output, Provider};
use crate::tools::{self, Browsers, Tools};

/// The wasm-bindgen test page and the provider it talks to (ARCHITECTURE.md, "Test ports").
const WASM_TEST_PAGE: &str = "127.0.0.1:18090";
const WASM_TEST_PROVIDER_PORT: u16 = 18081;
const PROVIDER_START_TIMEOUT: Duration = Duration::from_secs(30);
/// `WASM_BINDGEN_TEST_TIMEOUT`: wasm-bindgen's runner waits this long for the whole suite in one browser, not
/// per test (at 60 s, Firefox's 27 tests, which take about 55 s here, were cut off once the suite grew).
const WASM_SUITE_TIMEOUT_S: &str = "300";

/// Sums of libtest's `test result:` lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
    }
}

/// What one suite did.
struct Outcome {
    name: &'static str,
    tally: Tally,
    /// Empty when the suite is good: it succeeded, ran tests and ignored none.
    problems: Vec<String>,
}

/// Reads `test result: ok. 3 passed; 0 failed; 1 ignored; ...` lines out of captured output.
pub fn tally(output: &str) -> Tally {
    let mut total = Tally::default();
    for line in output.lines() {
        let line = strip_ansi(line);
        let Some(at) = line.find("test result:") else {
            continue;
        };
        let mut counts = Tally::default();
        for part in line[at..].split(';') {
            let mut words = part.split_whitespace().rev();
            let (Some(label), Some(number)) = (words.next(), words.next()) else {
                continue;
            };
            let Ok(number) = number.parse::<u64>() else {
                continue;
            };
            match label {
                "passed" => counts.passed = number,
                "failed" => counts.failed = number,
                "ignored" => counts.ignored = number,
                _ => {}
            }
        }
        total.add(counts);
    }
    total
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Runs a suite: output streamed to the terminal and captured, then judged.
fn run_suite(name: &'static str, command: &mut Command) -> Outcome {
    println!("\n=== {name}\n$ {}", tools::show(command));
    let _ = std::io::stdout().flush();
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return could_not_run(name, format!("cannot start: {e}")),
    };
    let out = tee(child.stdout.take().expect("piped"), false);
    let err = tee(child.stderr.take().expect("piped"), true);
    let status = child.wait();
    let captured = format!(
        "{}{}",
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default()
    );
    let tally = tally(&captured);
    let mut problems = Vec::new();
    match status {
        Ok(status) if status.success() => {}
        Ok(status) => problems.push(format!("exited with {status}")),
        Err(e) => problems.push(format!("could not be waited for: {e}")),
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

/// Copies a child's stream to ours line by line and returns everything it read.
fn tee(stream: impl Read + Send + 'static, to_stderr: bool) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut captured = String::new();
        let mut reader = BufReader::new(stream);
        let mut line = Vec::new();
        while let Ok(n) = reader.read_until(b'\n', &mut line) {
            if n == 0 {
                break;
            }
            if to_stderr {
                let _ = std::io::stderr().write_all(&line);
            } else {
                let mut stdout = std::io::stdout().lock();
                let _ = stdout.write_all(&line);
                let _ = stdout.flush();
            }
            captured.push_str(&String::from_utf8_lossy(&line));
            line.clear();
        }
        captured
    })
}

fn could_not_run(name: &'static str, why: String) -> Outcome {
    println!("{name}: {why}");
    Outcome {
        name,
        tally: Tally::default(),
        problems: vec![why],
    }
}

/// Runs every suite; returns whether all were good. The last line printed is `N passed, N failed`.
pub fn run_all(tools: &Tools, trunk: &Path, browsers: &Browsers) -> bool {
    let mut outcomes = vec![run_suite(
        "host tests",
        tools
            .cargo()
            .args(["test", "--workspace", "--exclude", "e2e"]),
    )];

    let provider = tools.build_provider();
    let log_dir = tools.target_dir().join("xtask");
    let _ = std::fs::create_dir_all(&log_dir);

    let wasm_suites: [(&'static str, &str, &Path); 2] = [
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
            Err(e) => could_not_run(name, format!("the provider did not build: {e}")),
            Ok(binary) => {
                let log = log_dir.join(format!("provider-{}.log", driver_var.to_lowercase()));
                run_wasm_suite(tools, name, binary, &log, driver_var, driver)
            }
        };
        outcomes.push(outcome);
    }

    // The end-to-end tests run the provider in process: they need dist/, not the binary.
    let e2e = "end-to-end tests (Chrome and Firefox over WebDriver)";
    let built = tools.trunk_build(trunk);
    outcomes.push(match &built {
        Err(e) => could_not_run(DIST_CHECKS, format!("dist/ did not build: {e}")),
        Ok(()) => check_dist(&tools.root),
    });
    outcomes.push(match (built, tools.ensure_axe_core()) {
        (Err(e), _) => could_not_run(e2e, format!("dist/ did not build: {e}")),
        (_, Err(e)) => could_not_run(e2e, format!("axe-core did not install: {e}")),
        (Ok(()), Ok(axe)) => run_suite(
            e2e,
            tools
                .cargo()
                .args(["test", "-p", "e2e", "--features", "browsers"])
                .env("E2E_DIST", tools.root.join("dist"))
                // The accessibility tests' axe-core (`e2e/src/axe.rs`).
                .env("AXE_CORE_JS", axe)
                .envs(browsers.env()),
        ),
    });

    let mut total = Tally::default();
    println!("\n=== summary");
    for outcome in &outcomes {
        total.add(outcome.tally);
        let t = outcome.tally;
        // One line per suite: the details were printed when they happened.
        let verdict = if outcome.problems.is_empty() {
            "ok".to_owned()
        } else {
            let firsts: Vec<&str> = outcome
                .problems
                .iter()
                .map(|p| p.lines().next().unwrap_or(""))
                .collect();
            format!("FAILED: {}", firsts.join("; "))
        };
        println!(
            "{}: {} passed, {} failed, {} ignored: {verdict}",
            outcome.name, t.passed, t.failed, t.ignored
        );
    }
    println!("{} passed, {} failed", total.passed, total.failed);
    outcomes.iter().all(|o| o.problems.is_empty())
}

const DIST_CHECKS: &str = "dist/ checks (artefact, policy, integrity, headers)";

/// The checks of the built `dist/` (`xtask::artefact::check_dist`), one line each, counted as
/// tests.
fn check_dist(root: &Path) -> Outcome {
    let dist = root.join("dist");
    println!("\n=== {DIST_CHECKS}: {}", dist.display());
    let context = xtask::artefact::Context::of_this_machine(root);
    let mut tally = Tally::default();
    let mut problems = Vec::new();
    for check in xtask::artefact::check_dist(&dist, &context) {
        if check.problems.is_empty() {
            tally.passed += 1;
            println!("check {} ... ok", check.name);
        } else {
            tally.failed += 1;
            println!("check {} ... FAILED", check.name);
            for problem in &check.problems {
                println!("    {problem}");
            }
            problems.push(format!("{}: {}", check.name, check.problems[0]));
        }
    }
    Outcome {
        name: DIST_CHECKS,
        tally,
        problems,
    }
}

/// The root package's wasm-bindgen tests in one browser, against a fresh provider on the test
/// ports; the provider is killed when the suite ends, however it ends.
fn run_wasm_suite(
    tools: &Tools,
    name: &'static str,
    provider_binary: &Path,
    log: &Path,
    driver_var: &str,
    driver: &Path,
) -> Outcome {
    let client_id = match xtask::local_client_id(&tools.root) {
        Ok(id) => id,
        Err(e) => return could_not_run(name, e),
    };
    // The app's client in Development Mode, as every new Spotify app is, and a second one with extended
    // quota, so the browser tests run against both (`tests/web/quota.rs`).
    let extended = format!("{client_id}-extended");
    let command = ProviderCommand::new(provider_binary, WASM_TEST_PROVIDER_PORT)
        .app_at(&client_id, &format!("http://{WASM_TEST_PAGE}"))
        .app_at(&extended, &format!("http://{WASM_TEST_PAGE}"))
        .extended_quota(&extended);
    for address in [
        WASM_TEST_PAGE.to_owned(),
        format!("127.0.0.1:{WASM_TEST_PROVIDER_PORT}"),
    ] {
        if std::net::TcpListener::bind(&address).is_err() {
            return could_not_run(
                name,
                format!(
                    "{address} is already in use by another process; the wasm tests need it \
                     (docs/ARCHITECTURE.md, \"Test ports\"): stop that process and run again"
                ),
            );
        }
    }
    println!(
        "\n=== {name}: starting the provider (log: {})",
        log.display()
    );
    let provider = match Provider::start(&command, Output::LogFile(log), PROVIDER_START_TIMEOUT) {
        Ok(provider) => provider,
        Err(e) => return could_not_run(name, e),
    };
    let mut command = tools.cargo();
    command
        .args([
            "test",
            "-p",
            "pkce-playlists",
            "--target",
            tools::WASM_TARGET,
            // The browser tests; the library's unit tests are host tests.
            "--test",
            "web",
        ])
        .env_remove("CHROMEDRIVER")
        .env_remove("GECKODRIVER")
        .env_remove("SAFARIDRIVER")
        .env(driver_var, driver)
        .env("WASM_BINDGEN_TEST_ADDRESS", WASM_TEST_PAGE)
        .env("LOCAL_SPOTIFY_URL", &provider.api_url)
        .env("WASM_BINDGEN_TEST_TIMEOUT", WASM_SUITE_TIMEOUT_S);
    let outcome = run_suite(name, &mut command);
    drop(provider);
    outcome
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
