//! `cargo xtask fuzz [--seconds N] [TARGET...]`: runs each cargo-fuzz target of `fuzz/` for a
//! fixed time with one pinned nightly ([`NIGHTLY`], recognised by its rustc commit when installed
//! as plain `nightly`), and fails when one crashed. Each run grows `fuzz/corpus/<target>/` from
//! `fuzz/seeds/<target>/`; crashes go to `fuzz/artifacts/<target>/`, the output to
//! `fuzz/logs/<target>.log`. See `docs/ARCHITECTURE.md` ("Fuzzing") and `docs/TOOLCHAIN.md`.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{bail, ensure, Context, Result};
use regex::Regex;

use crate::tools::{self, Tools};

pub const TARGETS: [&str; 4] = ["callback", "token_response", "api_response", "config"];

/// The nightly the targets are built with (cargo-fuzz needs one), by the date of its channel.
pub const NIGHTLY: &str = "nightly-2026-05-20";
/// That nightly's rustc commit (`rustc -vV`).
const NIGHTLY_COMMIT: &str = "e50aa6fba4e63ab34c72bf9acfd2c307c1155d1a";

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
    let toolchain = pinned_toolchain(&tools)?;
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
    let mut command = rustup(tools, &["run", toolchain, "cargo", "fuzz"]);
    for name in ["CARGO_TARGET_DIR", "CARGO", "RUSTC", "RUSTDOC"] {
        command.env_remove(name);
    }
    command
}

/// `rustup ARGS`, which never downloads a toolchain behind our back nor takes this one's.
fn rustup(tools: &Tools, args: &[&str]) -> Command {
    let mut command = tools.command("rustup");
    command.args(args).env("RUSTUP_AUTO_INSTALL", "0");
    command.env_remove("RUSTUP_TOOLCHAIN");
    command
}

/// The installed toolchain that is [`NIGHTLY`]: by that name, or a `nightly*` toolchain whose
/// rustc is its commit.
fn pinned_toolchain(tools: &Tools) -> Result<String> {
    let list = rustup(tools, &["toolchain", "list"]).output()?;
    let names = toolchain_names(&String::from_utf8_lossy(&list.stdout));
    if names.iter().any(|n| is_pinned_name(n)) {
        return Ok(NIGHTLY.to_owned());
    }
    for name in names.iter().filter(|n| n.starts_with("nightly")) {
        let verbose = rustup(tools, &["run", name, "rustc", "-vV"]).output()?;
        if rustc_commit(&String::from_utf8_lossy(&verbose.stdout)) == Some(NIGHTLY_COMMIT) {
            return Ok(name.clone());
        }
    }
    bail!(
        "the fuzz targets are built with {NIGHTLY} (rustc commit {}), and no installed toolchain is it \
         (installed: {}). Install it with `rustup toolchain install {NIGHTLY} --profile minimal`, or move \
         NIGHTLY in xtask/src/fuzz.rs to a nightly you have, after checking that the targets build with it",
        &NIGHTLY_COMMIT[..9],
        names.join(", ")
    )
}

/// The first word of each line of `rustup toolchain list`.
fn toolchain_names(list: &str) -> Vec<String> {
    let words = list.lines().filter_map(|l| l.split_whitespace().next());
    words.map(str::to_owned).collect()
}

/// `nightly-2026-05-20` or `nightly-2026-05-20-<host triple>`.
fn is_pinned_name(name: &str) -> bool {
    let rest = name.strip_prefix(NIGHTLY);
    rest.is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
}

fn rustc_commit(verbose: &str) -> Option<&str> {
    let hash = verbose.lines().find_map(|l| l.strip_prefix("commit-hash:"));
    hash.map(str::trim)
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
        assert_eq!((seconds, targets.len()), (60, 4));
        let (seconds, targets) = parse_args(&["--seconds", "10", "config"]).unwrap();
        assert_eq!((seconds, targets), (10, vec!["config".to_owned()]));
        assert_eq!(parse_args(&["--seconds=5"]).unwrap().0, 5);
        assert!(parse_args(&["--seconds", "0"]).is_err());
        assert!(parse_args(&["--seconds"]).is_err());
        assert!(parse_args(&["--secondsx"]).is_err());
        assert!(parse_args(&["nope"]).is_err());
    }

    /// Guards against taking the wrong toolchain for the pinned one, or missing it under its full name.
    #[test]
    fn recognises_the_pinned_nightly() {
        let list =
            "stable-x86_64-unknown-linux-gnu (active, default)\nnightly-x86_64-unknown-linux-gnu\n\
                    nightly-2026-05-20-x86_64-unknown-linux-gnu\n";
        assert_eq!(
            toolchain_names(list),
            [
                "stable-x86_64-unknown-linux-gnu",
                "nightly-x86_64-unknown-linux-gnu",
                "nightly-2026-05-20-x86_64-unknown-linux-gnu"
            ]
        );
        assert!(is_pinned_name("nightly-2026-05-20"));
        assert!(is_pinned_name(
            "nightly-2026-05-20-x86_64-unknown-linux-gnu"
        ));
        assert!(!is_pinned_name("nightly-x86_64-unknown-linux-gnu"));
        assert!(!is_pinned_name("nightly-2026-05-201"));
        let verbose = "rustc 1.97.0-nightly (e50aa6fba 2026-05-19)\nbinary: rustc\n\
                       commit-hash: e50aa6fba4e63ab34c72bf9acfd2c307c1155d1a\ncommit-date: 2026-05-19\n";
        assert_eq!(rustc_commit(verbose), Some(NIGHTLY_COMMIT));
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
