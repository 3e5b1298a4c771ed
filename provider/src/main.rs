//! `local-spotify`: the command line. Its manual is `local-spotify --help` (see `config.rs`).

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;
use local_spotify::{start, Cli, Config};

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::try_from(cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("local-spotify: {e}");
            return ExitCode::from(2);
        }
    };
    let server = match start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("local-spotify: {e}");
            return ExitCode::FAILURE;
        }
    };

    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "local-spotify: accounts and Web API on {}",
        server.base_url()
    );
    if let Some(app) = server.app_url() {
        let _ = writeln!(out, "local-spotify: app on {app}");
    }
    let _ = writeln!(out, "local-spotify: sample users to sign in as:");
    for person in local_spotify::catalog::SAMPLE_USERS {
        let _ = writeln!(out, "  {:<6} {}", person.id(), person.blurb());
    }
    let _ = out.flush();
    drop(out);

    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("local-spotify: cannot wait for Ctrl-C: {e}");
    }
    server.shutdown().await;
    ExitCode::SUCCESS
}
