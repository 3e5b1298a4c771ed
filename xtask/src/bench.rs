//! `cargo xtask bench`: installs what is missing, builds `dist/` and the benchmark (the `bench`
//! binary of the end-to-end crate, a release build, so the provider it runs in process is one
//! too), then runs it with the drivers and browsers the end-to-end suite uses.
//!
//! The benchmark's report goes to the terminal. Its stderr, the in-process provider's request log
//! (a line per request, thousands per run), goes to `<target>/xtask/bench.log`, whose end is
//! shown if the benchmark fails. Missed targets are not a failure: it is a benchmark.

use std::fs::File;
use std::path::Path;
use std::process::Stdio;

use crate::tools::{self, Tools};

/// The benchmark's options: flags, and options that take a value.
const FLAGS: [&str; 2] = ["--firefox", "--quick"];
const VALUED: [&str; 2] = ["--latency-ms", "--runs"];

/// Checks the option names (the benchmark checks their values) so that a typo fails before the
/// builds, not after.
fn check_args(args: &[String]) -> Result<(), String> {
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let name = arg.split_once('=').map_or(arg.as_str(), |(n, _)| n);
        if FLAGS.contains(&arg.as_str()) {
            continue;
        }
        if !VALUED.contains(&name) {
            return Err(format!(
                "`bench` does not take `{arg}` (options: --latency-ms N, --runs N, --firefox, \
                 --quick)"
            ));
        }
        if name == arg && args.next().is_none() {
            return Err(format!("`{arg}` needs a value"));
        }
    }
    Ok(())
}

pub fn run(root: &Path, args: &[String]) -> Result<(), String> {
    check_args(args)?;
    let tools = Tools::new(root)?;
    let trunk = tools.ensure_build_tools()?;
    let browsers = tools.ensure_browsers()?;
    tools.trunk_build(&trunk)?;
    tools::run(
        tools
            .cargo()
            .args(["build", "--release", "-p", "e2e", "--bin", "bench"]),
    )?;
    let binary = tools.target_dir().join("release").join("bench");
    let log_dir = tools.target_dir().join("xtask");
    std::fs::create_dir_all(&log_dir)
        .map_err(|e| format!("cannot create {}: {e}", log_dir.display()))?;
    let log_path = log_dir.join("bench.log");
    let log = File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    println!(
        "\n$ {} {} (the provider's request log: {})\n",
        binary.display(),
        args.join(" "),
        log_path.display()
    );
    let status = tools
        .command(&binary)
        .args(args)
        .env("E2E_DIST", root.join("dist"))
        .envs(browsers.env())
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(log)
        .status()
        .map_err(|e| format!("cannot run {}: {e}", binary.display()))?;
    if status.success() {
        return Ok(());
    }
    let text = std::fs::read_to_string(&log_path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    eprintln!("--- the end of {}:", log_path.display());
    for line in &lines[lines.len().saturating_sub(40)..] {
        eprintln!("{line}");
    }
    Err(format!("the benchmark failed ({status})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn takes_the_benchmarks_options_only() {
        for good in [
            &[][..],
            &["--firefox", "--quick"],
            &["--latency-ms", "20", "--runs=2"],
        ] {
            assert_eq!(check_args(&args(good)), Ok(()), "{good:?}");
        }
        for bad in [&["--fast"][..], &["--runs"], &["--quick=yes"], &["50"]] {
            assert!(check_args(&args(bad)).is_err(), "{bad:?}");
        }
    }
}
