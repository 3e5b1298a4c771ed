//! See `e2e::bench`. It exits 0 whether or not the targets are met (a benchmark, not a test), and
//! fails only when it cannot run.

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    e2e::bench::run(clap::Parser::parse()).await
}
