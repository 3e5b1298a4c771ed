//! `cargo xtask bench` runs this (`cargo run --release -p e2e --bin bench -- [options]`): see
//! `e2e::bench`. It prints a report and ends with the `bench: ...` line; it exits 0 whether or
//! not the targets are met (it is a benchmark, not a test), and fails only when it cannot run.

use clap::Parser as _;

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    e2e::bench::run(e2e::bench::Options::parse()).await
}
