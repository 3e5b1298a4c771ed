//! `cargo xtask bench`: builds `dist/` and the e2e crate's `bench` binary (release, so the
//! provider it runs in process is one too), then runs it with the end-to-end suite's browsers.
//! Its stderr, the provider's request log (thousands of lines), goes to `<target>/xtask/bench.log`,
//! whose end is shown if it fails. Missed targets are not a failure: it is a benchmark.

use std::fs::File;
use std::path::Path;
use std::process::Stdio;

use anyhow::{bail, Context, Result};
use xtask::BenchArgs;

use crate::tools::{self, Tools};

pub fn run(root: &Path, args: &BenchArgs) -> Result<()> {
    let tools = Tools::new(root)?;
    let (build, browsers) = (tools.ensure_build_tools()?, tools.ensure_browsers()?);
    tools.trunk_build(&build)?;
    let mut build = tools.cargo();
    tools::run(build.args(["build", "--release", "-p", "e2e", "--bin", "bench"]))?;
    let (target, dist) = (tools.target_dir(), root.join("dist"));
    let log_dir = target.join("xtask");
    std::fs::create_dir_all(&log_dir).with_context(|| log_dir.display().to_string())?;
    let log_path = log_dir.join("bench.log");
    let mut bench = tools.command(target.join("release/bench"));
    bench.args(args.to_args()).env("E2E_DIST", dist);
    let (shown, log) = (xtask::process::show(&bench), log_path.display());
    println!("\n$ {shown} (the provider's request log: {log})\n");
    let file = File::create(&log_path).with_context(|| log.to_string())?;
    bench.envs(browsers).stdin(Stdio::null());
    let status = bench.stderr(file).status()?;
    if !status.success() {
        let tail = xtask::process::tail(&log_path, 40);
        eprintln!("--- the end of {log}:\n{tail}");
        bail!("the benchmark failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: BenchArgs,
    }

    fn parse(list: &[&str]) -> Result<Vec<String>, clap::Error> {
        let argv = std::iter::once("bench").chain(list.iter().copied());
        Cli::try_parse_from(argv).map(|cli| cli.args.to_args())
    }

    // Guards against a typo found only after minutes of builds, or an option lost on the way.
    #[test]
    fn takes_the_benchmarks_options_only_and_passes_them_on() {
        assert_eq!(parse(&[]).unwrap(), ["--latency-ms", "50"]);
        assert_eq!(
            parse(&["--quick", "--firefox"]).unwrap(),
            ["--latency-ms", "50", "--firefox", "--quick"]
        );
        assert_eq!(
            parse(&["--latency-ms", "20", "--runs=2"]).unwrap(),
            ["--latency-ms", "20", "--runs=2"]
        );
        for bad in [
            &["--fast"][..],
            &["--runs"],
            &["--quick=yes"],
            &["50"],
            &["--runs", "x"],
            &["--runs", "0"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
