//! `cargo xtask <command>`: see `cargo xtask help`.

mod bench;
mod fuzz;
mod provider;
mod sizes;
mod suites;
mod tools;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use xtask::{config_block, discover, ProviderCommand};

use crate::provider::{Output, Provider};
use crate::tools::Tools;

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  demo [--port PORT] [--app-port PORT]
      Install what is missing, build the app (trunk build --release --offline), start the local
      provider serving dist/ (API on --port, default 8081; app on --app-port, default 8080) and
      print the URL to open. Ctrl-C stops everything.
  build
      Install what is missing and build the app into dist/ (trunk build --release --offline),
      then write its Content Security Policy into dist/index.html and dist/_headers.
  test
      Install what is missing, then run every suite: host tests, the wasm tests in headless
      Chrome and Firefox, the checks of the built dist/ (no secret, token, local path or source
      map; its policy) and the end-to-end tests. Ends with one line `N passed, N failed`.
  sizes [--dist DIR] [--check]
      Print the size of each file in dist/, raw and brotli-compressed, and the first load's
      total (the files the page loads) against its brotli budget; then the wasm's bytes by
      crate (by module for the app) and its largest functions, from a build of it that keeps
      its function names. --check fails when the first load is over the budget.
  configure (--preset local|spotify | --config FILE) [--client-id ID] [--redirect-uri URI]
            [--dist DIR]
      Rewrite the configuration block in dist/index.html from config/<preset>.json or your own
      configuration file, with the given overrides, and the page's Content Security Policy with
      it, without rebuilding. The block is checked as the app checks it. When it names only an
      issuer, its metadata is read (RFC 8414, then OpenID) and the policy also lets the page
      reach the token and revocation endpoints it names.
  bench [--latency-ms N] [--runs N] [--firefox] [--quick]
      Install what is missing, build the app and the benchmark (release), then measure in headless
      Chromium against the local provider with N ms of latency on every request (default 50):
      the first playlist after the callback, whole libraries of 50, 1,000 and 10,000 playlists
      read concurrently and sequentially, the rows in the DOM, find-as-you-type. Prints medians
      of several runs (--runs; default 5 and 3), which targets are met, and one `bench:` line.
      --firefox also reads the libraries in Firefox; --quick only the two smaller ones.
  fuzz [--seconds N] [TARGET...]
      Install cargo-fuzz if missing, then run each fuzz target of fuzz/ (callback, token_response,
      api_response, config; default all) for N seconds (default 60) with the pinned nightly; print
      each target's executions and whether it crashed. Fails on a crash.
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = xtask::workspace_root();
    let Some((command, rest)) = args.split_first() else {
        eprint!("{USAGE}");
        return ExitCode::FAILURE;
    };
    let result = match command.as_str() {
        "demo" => demo(&root, rest),
        "build" => build(&root, rest),
        "test" => return test(&root, rest),
        "sizes" => sizes(&root, rest),
        "configure" => configure(&root, rest),
        "bench" => bench::run(&root, rest),
        "fuzz" => fuzz::run(&root, rest),
        "help" | "--help" | "-h" => {
            print!("{USAGE}");
            Ok(())
        }
        other => Err(format!("unknown command `{other}`\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `--name value` options; anything else is an error that names the command.
struct Options {
    pairs: Vec<(String, String)>,
}

impl Options {
    fn parse(command: &str, args: &[String], known: &[&str]) -> Result<Options, String> {
        let mut pairs = Vec::new();
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) => (name, Some(value.to_owned())),
                None => (arg.as_str(), None),
            };
            if !known.contains(&name) {
                return Err(format!("`{command}` does not take `{arg}`\n\n{USAGE}"));
            }
            let value = match inline {
                Some(value) => value,
                None => args
                    .next()
                    .cloned()
                    .ok_or_else(|| format!("`{name}` needs a value"))?,
            };
            pairs.push((name.to_owned(), value));
        }
        Ok(Options { pairs })
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn port(&self, name: &str, default: u16) -> Result<u16, String> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("`{name}` must be a port number, not `{v}`")),
        }
    }

    fn dist(&self, root: &Path) -> PathBuf {
        self.get("--dist")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("dist"))
    }
}

fn build(root: &Path, args: &[String]) -> Result<(), String> {
    Options::parse("build", args, &[])?;
    let tools = Tools::new(root)?;
    let trunk = tools.ensure_build_tools()?;
    tools.trunk_build(&trunk)?;
    println!("built {}", root.join("dist").display());
    Ok(())
}

fn demo(root: &Path, args: &[String]) -> Result<(), String> {
    let options = Options::parse("demo", args, &["--port", "--app-port"])?;
    let api_port = options.port("--port", 8081)?;
    let app_port = options.port("--app-port", 8080)?;
    let tools = Tools::new(root)?;
    let trunk = tools.ensure_build_tools()?;
    tools.trunk_build(&trunk)?;
    let dist = root.join("dist");

    // index.html carries the local preset (API on 8081); point it at the chosen port.
    let mut config = xtask::load_preset(root, "local")?;
    config_block::point_at_provider(&mut config, &format!("http://127.0.0.1:{api_port}"));
    rewrite_index(&dist.join("index.html"), &config)?;

    let client_id = xtask::local_client_id(root)?;
    let command = ProviderCommand::new(tools.build_provider()?, api_port)
        .serve_dist(&dist, app_port)
        .app_at(&client_id, &format!("http://127.0.0.1:{app_port}"));
    // In its own process group, killed with xtask (Ctrl-C included).
    let provider = Provider::start(&command, Output::Terminal, Duration::from_secs(30))?;
    let app_url = provider
        .app_url
        .clone()
        .unwrap_or_else(|| format!("http://127.0.0.1:{app_port}/"));
    println!(
        "\nOpen {app_url} and sign in as one of the sample users listed above. Ctrl-C stops everything.\n"
    );
    let status = provider.wait()?;
    Err(format!("the provider stopped ({status})"))
}

/// Always ends with the `N passed, N failed` line, even when setting up fails.
fn test(root: &Path, args: &[String]) -> ExitCode {
    if let Some(arg) = args.first() {
        eprintln!("xtask: `test` takes no options (got `{arg}`)");
        println!("0 passed, 0 failed");
        return ExitCode::FAILURE;
    }
    let setup = Tools::new(root).and_then(|tools| {
        let trunk = tools.ensure_build_tools()?;
        let browsers = tools.ensure_browsers()?;
        Ok((tools, trunk, browsers))
    });
    match setup {
        Ok((tools, trunk, browsers)) => {
            if suites::run_all(&tools, &trunk, &browsers) {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("xtask: setting up the tools failed: {e}");
            println!("0 passed, 0 failed");
            ExitCode::FAILURE
        }
    }
}

fn sizes(root: &Path, args: &[String]) -> Result<(), String> {
    let check = args.iter().any(|a| a == "--check");
    let args: Vec<String> = args.iter().filter(|a| *a != "--check").cloned().collect();
    let options = Options::parse("sizes", &args, &["--dist"])?;
    sizes::run(&Tools::new(root)?, &options.dist(root), check)
}

fn configure(root: &Path, args: &[String]) -> Result<(), String> {
    let options = Options::parse(
        "configure",
        args,
        &[
            "--preset",
            "--config",
            "--client-id",
            "--redirect-uri",
            "--dist",
        ],
    )?;
    let (mut config, source) = match (options.get("--preset"), options.get("--config")) {
        (Some(_), Some(_)) => {
            return Err("`configure` takes `--preset` or `--config`, not both".to_owned())
        }
        (Some(preset), None) => {
            if !matches!(preset, "local" | "spotify") {
                return Err(format!("unknown preset `{preset}`: use local or spotify"));
            }
            (
                xtask::load_preset(root, preset)?,
                format!("config/{preset}.json"),
            )
        }
        (None, Some(file)) => (xtask::load_config_file(Path::new(file))?, file.to_owned()),
        (None, None) => {
            return Err(
                "`configure` needs `--preset local`, `--preset spotify` or `--config FILE`"
                    .to_owned(),
            )
        }
    };
    if let Some(id) = options.get("--client-id") {
        config["client_id"] = id.into();
    }
    if let Some(uri) = options.get("--redirect-uri") {
        config["redirect_uri"] = uri.into();
    }
    if config["client_id"] == "YOUR_SPOTIFY_CLIENT_ID" {
        eprintln!("xtask: warning: client_id is still the placeholder; pass --client-id");
    }
    // A block that names only an issuer: its metadata names endpoints the policy must let the app reach.
    let discovered = discover::discover(&config, discover::http_get)?;
    let index = options.dist(root).join("index.html");
    rewrite_index(&index, &config)?;
    if let Some(found) = &discovered {
        let html = std::fs::read_to_string(&index)
            .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
        let html = discover::write_discovered(&html, found)
            .map_err(|e| format!("{}: {e}", index.display()))?;
        std::fs::write(&index, html)
            .map_err(|e| format!("cannot write {}: {e}", index.display()))?;
    }
    println!("{}: configured from {source}", index.display());
    println!("{}", config_block::script_json(&config));
    if let Some(found) = &discovered {
        println!(
            "{}: token endpoint on {}{}",
            found.metadata_url,
            found.token,
            found
                .revocation
                .as_ref()
                .map(|r| format!(", revocation endpoint on {r}"))
                .unwrap_or_default()
        );
    }
    print_policy(&index);
    Ok(())
}

/// The page's Content Security Policy as `configure` left it.
fn print_policy(index: &Path) {
    let html = std::fs::read_to_string(index).unwrap_or_default();
    match xtask::csp::written_policy(&html) {
        Ok(Some(policy)) => println!("Content-Security-Policy: {policy}"),
        Ok(None) => eprintln!(
            "xtask: warning: {} has no Content Security Policy; `cargo xtask build` writes it",
            index.display()
        ),
        Err(e) => eprintln!("xtask: warning: {}: {e}", index.display()),
    }
}

fn rewrite_index(index: &Path, config: &serde_json::Value) -> Result<(), String> {
    let html = std::fs::read_to_string(index)
        .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    let html = config_block::replace_config_block(&html, config)
        .map_err(|e| format!("{}: {e}", index.display()))?;
    std::fs::write(index, html).map_err(|e| format!("cannot write {}: {e}", index.display()))
}
