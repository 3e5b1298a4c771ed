//! `cargo xtask bench` runs this (`cargo run --release -p e2e --bin bench -- [options]`): see
//! `e2e::bench`. It prints a report and ends with the `bench: ...` line; it exits 0 whether or
//! not the targets are met (it is a benchmark, not a test), and fails only when it cannot run.

use std::process::ExitCode;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--help" || a == "-h") {
        println!("{}", e2e::bench::USAGE);
        return ExitCode::SUCCESS;
    }
    match e2e::bench::Options::parse(&args) {
        Ok(options) => {
            e2e::bench::run(options).await;
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}
