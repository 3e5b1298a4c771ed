//! `cargo xtask <command>`: the developer tasks; `cargo xtask help` lists them.

mod bench;
mod fuzz;
mod nightly;
mod provider;
mod sizes;
mod suites;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Result};
use clap::{Parser, Subcommand};
use xtask::discover::{self, Discovered};
use xtask::{config_block, ProviderCommand};

use crate::provider::Provider;
use crate::tools::Tools;

/// Developer tasks of pkce-playlists. Each installs what it needs that is missing.
#[derive(Parser)]
#[command(bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Build the app (trunk build --release --offline), start the local provider serving dist/
    /// and print the URL to open. Ctrl-C stops everything.
    Demo {
        /// The port of the provider's accounts service and Web API.
        #[arg(long, default_value_t = 8081)]
        port: u16,
        /// The port the app is served on.
        #[arg(long, default_value_t = 8080)]
        app_port: u16,
    },
    /// Build the app into dist/ (trunk build --release --offline), then write its Content
    /// Security Policy into dist/index.html and dist/_headers.
    Build,
    /// Run every suite: host tests, the wasm tests in headless Chrome and Firefox, the checks of
    /// the built dist/ (no secret, token, local path or source map; its policy), its first-load
    /// budget and the end-to-end tests. Ends with one line `N passed, N failed`.
    Test,
    /// Print the size of each file in dist/, raw and brotli-compressed, and the first load's
    /// total (the files the page loads) against its brotli budget; then the wasm's bytes by crate
    /// (by module for the app) and its largest functions, from a build of it that keeps its
    /// function names.
    Sizes {
        /// The built app to measure (default: dist/).
        #[arg(long, value_name = "DIR")]
        dist: Option<PathBuf>,
        /// Fail when the first load is over the budget.
        #[arg(long)]
        check: bool,
        /// Record this figure as the last one (xtask/last-figure.tsv), which the budget check
        /// names the largest movers against.
        #[arg(long)]
        record: bool,
    },
    /// Rewrite the configuration block in dist/index.html from a preset or your own
    /// configuration file, with the given overrides, and the page's Content Security Policy with
    /// it, without rebuilding. The block is checked as the app checks it. When it names only an
    /// issuer, its metadata is read (RFC 8414, then OpenID) and the policy also lets the page
    /// reach the token and revocation endpoints it names.
    Configure(Configure),
    /// Build the app and the benchmark (release), then measure in headless Chromium against the
    /// local provider: the first playlist after the callback, whole libraries of 50, 1,000 and
    /// 10,000 playlists read concurrently and sequentially, the rows in the DOM, find-as-you-type.
    /// Prints medians of several runs, which targets are met, and one `bench:` line.
    Bench(xtask::BenchArgs),
    /// Run each fuzz target of fuzz/ for a while with the pinned nightly (installing cargo-fuzz
    /// if missing); print each target's executions and whether it crashed. Fails on a crash.
    Fuzz(fuzz::Args),
}

#[derive(clap::Args)]
struct Configure {
    /// config/<PRESET>.json.
    #[arg(long, value_parser = ["local", "spotify"], required_unless_present = "config")]
    preset: Option<String>,
    /// Your own configuration file.
    #[arg(long, value_name = "FILE", conflicts_with = "preset")]
    config: Option<PathBuf>,
    #[arg(long, value_name = "ID")]
    client_id: Option<String>,
    #[arg(long, value_name = "URI")]
    redirect_uri: Option<String>,
    /// The built app to configure (default: dist/).
    #[arg(long, value_name = "DIR")]
    dist: Option<PathBuf>,
}

fn main() -> ExitCode {
    let root = xtask::workspace_root();
    let result = match Cli::parse().command {
        Task::Demo { port, app_port } => demo(&root, port, app_port),
        Task::Build => build(&root).map(drop),
        Task::Test => return suites::test(&root),
        Task::Sizes {
            dist,
            check,
            record,
        } => {
            let dist = dist.unwrap_or_else(|| root.join("dist"));
            Tools::new(&root).and_then(|tools| sizes::run(&tools, &dist, check, record))
        }
        Task::Configure(args) => configure(&root, args),
        Task::Bench(args) => bench::run(&root, &args),
        Task::Fuzz(args) => fuzz::run(&root, &args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn build(root: &Path) -> Result<Tools> {
    let tools = Tools::new(root)?;
    tools.trunk_build(&tools.ensure_build_tools()?)?;
    println!("built {}", root.join("dist").display());
    Ok(tools)
}

fn demo(root: &Path, api_port: u16, app_port: u16) -> Result<()> {
    let tools = build(root)?;
    let dist = root.join("dist");
    // index.html carries the local preset (API on 8081); point it at the chosen port.
    let mut config = xtask::load_preset(root, "local")?;
    config_block::point_at_provider(&mut config, &format!("http://127.0.0.1:{api_port}"));
    xtask::html::rewrite_file(&dist.join("index.html"), Some(&config), &Default::default())?;

    let client_id = xtask::local_client_id(root)?;
    let app = format!("http://127.0.0.1:{app_port}");
    // The Web API answers CORS as Spotify's does, so the demo shows what a deployment will do.
    let command = ProviderCommand::new(tools.build_provider()?, api_port)
        .serve_dist(&dist, app_port)
        .app_at(&client_id, &app)
        .spotify_cors();
    // In its own process group, killed with xtask, Ctrl-C included (see `xtask::process`).
    let provider = Provider::start(&command, None, Duration::from_secs(30))?;
    let url = provider.app_url.clone().unwrap_or(app);
    println!("\nOpen {url} and sign in as one of the sample users listed above. Ctrl-C stops everything.\n");
    bail!("the provider stopped ({})", provider.wait()?)
}

fn configure(root: &Path, args: Configure) -> Result<()> {
    let file = match (&args.preset, args.config) {
        (Some(name), _) => root.join(format!("config/{name}.json")),
        (None, file) => file.expect("clap asks for --preset or --config"),
    };
    let source = file.strip_prefix(root).unwrap_or(&file);
    let mut config = xtask::load_config_file(&file)?;
    let fields = ["client_id", "redirect_uri"].into_iter();
    for (field, value) in fields.zip([args.client_id, args.redirect_uri]) {
        if let Some(value) = value {
            config[field] = value.into();
        }
    }
    if config["client_id"] == "YOUR_SPOTIFY_CLIENT_ID" {
        eprintln!("xtask: warning: client_id is still the placeholder; pass --client-id");
    }
    // A block that names only an issuer: its metadata names endpoints the policy must let the app reach.
    let discovered = discover::discover(&config, discover::http_get)?;
    let index = args.dist.unwrap_or_else(|| root.join("dist"));
    let index = index.join("index.html");
    let more = discovered.as_ref().map(Discovered::sources);
    xtask::html::rewrite_file(&index, Some(&config), &more.unwrap_or_default())?;
    let shown = index.display();
    println!("{shown}: configured from {}", source.display());
    println!("{}", config_block::script_json(&config));
    if let Some(found) = &discovered {
        let revocation = found.revocation.as_ref();
        let revocation = revocation.map(|r| format!(", revocation endpoint on {r}"));
        let (metadata, token) = (&found.metadata_url, &found.token);
        let revocation = revocation.unwrap_or_default();
        println!("{metadata}: token endpoint on {token}{revocation}");
    }
    match xtask::html::written_policy(&xtask::read(&index)?) {
        Ok(Some(policy)) => println!("Content-Security-Policy: {policy}"),
        Ok(None) => eprintln!(
            "xtask: warning: {shown} has no Content Security Policy; `cargo xtask build` writes it"
        ),
        Err(e) => eprintln!("xtask: warning: {shown}: {e}"),
    }
    Ok(())
}
