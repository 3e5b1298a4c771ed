//! `cargo xtask fuzz [--seconds N] [TARGET...]`: runs each cargo-fuzz target of `fuzz/` for a
//! fixed time with the pinned nightly ([`NIGHTLY`]), and fails when one crashed. Each run grows
//! `fuzz/corpus/<target>/` from `fuzz/seeds/<target>/`; crashes go to `fuzz/artifacts/<target>/`,
//! the output to `fuzz/logs/<target>.log`. See `docs/ARCHITECTURE.md` ("Fuzzing") and `docs/TOOLCHAIN.md`.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{ensure, Context, Result};
use regex::Regex;

use crate::nightly::{self, NIGHTLY};
use crate::tools::{self, Tools};

pub const TARGETS: [&str; 5] = [
    "callback",
    "token_response",
    "api_response",
    "config",
    "json",
];

/// libFuzzer's flags after `-max_total_time`; an input that runs for 10 s is a hang. The build has
/// no sanitizer: the core has no `unsafe`, and AddressSanitizer would slow every execution.
const LIBFUZZER_FLAGS: [&str; 2] = ["-print_final_stats=1", "-timeout=10"];

#[derive(clap::Parser)]
pub struct Args {
    /// How long each target runs, in seconds.
    #[arg(long, value_name = "N", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    seconds: u64,
    /// The targets to run.
    #[arg(value_parser = TARGETS, default_values = TARGETS)]
    targets: Vec<String>,
}

pub fn run(root: &Path, args: &Args) -> Result<()> {
    let seconds = args.seconds;
    let tools = Tools::new(root)?;
    tools.cargo_tool("cargo-fuzz", "~0.13", &["cargo-fuzz"], true)?;
    let toolchain = nightly::ensure(&tools)?;
    println!("xtask: fuzzing with {toolchain} ({NIGHTLY}), {seconds} s per target");
    let fuzz = root.join("fuzz");
    // Once for every target, so that the timed runs do not include the build.
    tools::run(cargo_fuzz(&tools, &toolchain).args(["build", "--sanitizer", "none"]))?;
    std::fs::create_dir_all(fuzz.join("logs"))?;
    let mut reports = Vec::new();
    for target in &args.targets {
        let corpus = fuzz.join("corpus").join(target);
        std::fs::create_dir_all(&corpus).with_context(|| corpus.display().to_string())?;
        let log_path = fuzz.join(format!("logs/{target}.log"));
        println!("xtask: fuzzing {target} for {seconds} s (output in fuzz/logs/{target}.log)");
        let mut command = cargo_fuzz(&tools, &toolchain);
        command.args(["run", "--sanitizer", "none", target]);
        command.args([&corpus, &fuzz.join("seeds").join(target)]);
        let time = format!("-max_total_time={seconds}");
        command.arg("--").arg(time).args(LIBFUZZER_FLAGS);
        println!("$ {}", xtask::process::show(&command));
        let log = File::create(&log_path).with_context(|| log_path.display().to_string())?;
        command.stdin(Stdio::null()).stdout(log.try_clone()?);
        let passed = command.stderr(log).status()?.success();
        let report = Report::read(target, passed, &std::fs::read_to_string(&log_path)?);
        if !passed {
            let log = log_path.display();
            println!("xtask: {target} failed; the whole output is in {log}");
            report.findings.iter().for_each(|l| println!("    {l}"));
        }
        reports.push(report);
    }
    println!("\ntarget             executions     exec/s  result");
    reports.iter().for_each(|r| println!("{}", r.line()));
    let (failed, all) = (reports.iter().filter(|r| !r.passed).count(), reports.len());
    ensure!(
        failed == 0,
        "{failed} of {all} fuzz targets failed; the inputs are in fuzz/artifacts/"
    );
    println!("{all} targets, {seconds} s each: no crash");
    Ok(())
}

/// `rustup run TOOLCHAIN cargo fuzz`, with nothing of this (stable) cargo's environment: cargo-fuzz
/// builds into fuzz/target, not into the stable builds' target directory.
fn cargo_fuzz(tools: &Tools, toolchain: &str) -> Command {
    let mut command = nightly::rustup(tools, &["run", toolchain, "cargo", "fuzz"]);
    for name in ["CARGO_TARGET_DIR", "CARGO", "RUSTC", "RUSTDOC"] {
        command.env_remove(name);
    }
    command
}

/// What one target's run came to, read from libFuzzer's output.
#[derive(Debug, PartialEq)]
struct Report {
    target: String,
    passed: bool,
    /// `stat::number_of_executed_units` and `stat::average_exec_per_sec`.
    executions: Option<u64>,
    per_second: Option<u64>,
    /// The panic and its message, libFuzzer's verdict, where the input was written.
    findings: Vec<String>,
}

impl Report {
    fn read(target: &str, passed: bool, log: &str) -> Report {
        let stat = |name: &str| {
            let value = Regex::new(&format!(r"(?m)^stat::{name}:\s*(\d+)")).ok()?;
            value.captures_iter(log).last()?[1].parse().ok()
        };
        let lines: Vec<&str> = log.lines().map(str::trim).collect();
        let mut findings = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if line.contains("panicked at") {
                findings.extend(lines.get(i..i + 2).unwrap_or(&lines[i..]).iter().copied());
            } else if line.starts_with("==") && line.contains("ERROR: libFuzzer")
                || line.starts_with("SUMMARY: libFuzzer")
                || line.contains("Test unit written to")
            {
                findings.push(*line);
            }
        }
        findings.dedup();
        Report {
            target: target.to_owned(),
            passed,
            executions: stat("number_of_executed_units"),
            per_second: stat("average_exec_per_sec"),
            findings: findings.into_iter().map(str::to_owned).collect(),
        }
    }

    fn line(&self) -> String {
        let number = |n: Option<u64>| n.map_or("-".to_owned(), |n| n.to_string());
        let result = match (self.passed, self.findings.is_empty()) {
            (true, _) => "no crash",
            (false, false) => "CRASH",
            (false, true) => "FAILED (see its log)",
        };
        let (executions, per_second) = (number(self.executions), number(self.per_second));
        let target = &self.target;
        format!("{target:<16} {executions:>12} {per_second:>10}  {result}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use clap::Parser;

    fn parse_args(args: &[&str]) -> Result<(u64, Vec<String>), clap::Error> {
        let args = Args::try_parse_from(std::iter::once("fuzz").chain(args.iter().copied()))?;
        Ok((args.seconds, args.targets))
    }

    #[test]
    fn arguments() {
        let (seconds, targets) = parse_args(&[]).unwrap();
        assert_eq!((seconds, targets.len()), (60, 5));
        let (seconds, targets) = parse_args(&["--seconds", "10", "config"]).unwrap();
        assert_eq!((seconds, targets), (10, vec!["config".to_owned()]));
        assert_eq!(parse_args(&["--seconds=5"]).unwrap().0, 5);
        assert!(parse_args(&["--seconds", "0"]).is_err());
        assert!(parse_args(&["--seconds"]).is_err());
        assert!(parse_args(&["--secondsx"]).is_err());
        assert!(parse_args(&["nope"]).is_err());
    }

    /// Guards against reporting a crash as a pass, or losing the executions count.
    #[test]
    fn reads_libfuzzer_output() {
        let clean = "#1048576\tpulse  cov: 1 ft: 2 corp: 3/4b exec/s: 5 rss: 6Mb\n\
                     Done 1234567 runs in 61 second(s)\n\
                     stat::number_of_executed_units: 1234567\n\
                     stat::average_exec_per_sec:     20238\n\
                     stat::new_units_added:          12\n";
        let report = Report::read("config", true, clean);
        assert_eq!(report.executions, Some(1234567));
        assert_eq!(report.per_second, Some(20238));
        assert!(report.passed && report.findings.is_empty());
        assert!(report.line().ends_with("no crash"));

        let crash = "thread '<unnamed>' panicked at fuzz_targets/config.rs:30:5:\n\
                     accepted \"ftp://x\"\n\
                     ==4242== ERROR: libFuzzer: deadly signal\n\
                     SUMMARY: libFuzzer: deadly signal\n\
                     artifact_prefix='fuzz/artifacts/config/'; Test unit written to fuzz/artifacts/config/crash-ab\n\
                     stat::number_of_executed_units: 99\n";
        let report = Report::read("config", false, crash);
        assert!(!report.passed);
        assert_eq!(report.executions, Some(99));
        assert_eq!(report.per_second, None);
        assert_eq!(
            report.findings[..2],
            [
                "thread '<unnamed>' panicked at fuzz_targets/config.rs:30:5:",
                "accepted \"ftp://x\""
            ]
        );
        assert!(report.findings.iter().any(|f| f.contains("crash-ab")));
        assert!(report.line().contains("CRASH"));
    }
}
