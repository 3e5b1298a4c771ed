//! The parts of xtask the end-to-end tests share: the page's rewriter ([`html::rewrite`]), the
//! guard of child processes ([`ProcessGroup`]), the presets, and the benchmark's options.

pub mod artefact;
pub mod config_block;
pub mod csp;
pub mod discover;
pub mod html;
pub mod imports;
pub mod process;
pub mod provider_command;
pub mod split;

pub use process::{wait_until, ProcessGroup};
pub use provider_command::ProviderCommand;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde_json::Value;
use walkdir::{DirEntry, WalkDir};

/// The latency the benchmark adds by default, in ms: the one its targets are set for.
pub const BENCH_LATENCY_MS: u64 = 50;

/// The benchmark's options: `cargo xtask bench` checks them before its builds and passes them on
/// ([`BenchArgs::to_args`]); the benchmark binary flattens the same type into its command line.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct BenchArgs {
    /// Delay on every request to the provider, CORS preflights included
    #[arg(long, value_name = "N", default_value_t = BENCH_LATENCY_MS)]
    pub latency_ms: u64,
    /// Runs per measurement [default: 5 for the first playlist, 3 per library]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: Option<u32>,
    /// Also read the libraries in Firefox and compare with Chromium
    #[arg(long)]
    pub firefox: bool,
    /// Only the 50- and 1,000-playlist libraries (for development)
    #[arg(long)]
    pub quick: bool,
}

impl BenchArgs {
    /// The command line that gives these options.
    pub fn to_args(&self) -> Vec<String> {
        let mut args = vec!["--latency-ms".to_owned(), self.latency_ms.to_string()];
        args.extend(self.runs.map(|n| format!("--runs={n}")));
        args.extend(self.firefox.then(|| "--firefox".to_owned()));
        args.extend(self.quick.then(|| "--quick".to_owned()));
        args
    }
}

/// The workspace root (the parent of this crate's directory).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

pub fn load_preset(root: &Path, name: &str) -> Result<Value> {
    load_config_file(&root.join("config").join(format!("{name}.json")))
}

pub fn load_config_file(path: &Path) -> Result<Value> {
    let text = read(path)?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

pub fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

/// `$name` as a path, or `~/<default>`.
pub fn env_dir(name: &str, default: &str) -> Result<PathBuf> {
    let home = || Some(PathBuf::from(std::env::var_os("HOME")?).join(default));
    let dir = std::env::var_os(name).map(PathBuf::from).or_else(home);
    dir.context("HOME is not set")
}

/// The files under `dir` (hidden ones too unless `skip_hidden`), in walkdir's order by name: each
/// as its path relative to `dir` with `/` separators, and its full path.
pub fn files(dir: &Path, skip_hidden: bool) -> Result<Vec<(String, PathBuf)>> {
    let hidden = |e: &DirEntry| e.depth() > 0 && e.file_name().as_encoded_bytes().starts_with(b".");
    let walk = WalkDir::new(dir).follow_links(true).sort_by_file_name();
    let mut files = Vec::new();
    let walk = walk.into_iter();
    for entry in walk.filter_entry(|e| !(skip_hidden && hidden(e))) {
        let entry = entry.with_context(|| format!("cannot read {}", dir.display()))?;
        if entry.file_type().is_file() {
            let name = entry.path().strip_prefix(dir)?.to_string_lossy();
            files.push((name.replace('\\', "/"), entry.into_path()));
        }
    }
    Ok(files)
}

/// The app's client id in the local preset (`config/local.json`): what the local provider must
/// register for the demo and the tests.
pub fn local_client_id(root: &Path) -> Result<String> {
    let preset = load_preset(root, "local")?;
    let id = preset["client_id"].as_str().map(str::to_owned);
    id.context("config/local.json has no client_id")
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards against index.html and config/local.json drifting apart: the demo and the e2e tests
    // start from index.html's block and assume it is exactly the local preset.
    #[test]
    fn index_html_carries_exactly_the_local_preset() {
        let root = workspace_root();
        let index = root.join("index.html");
        let html = std::fs::read_to_string(&index)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", index.display()));
        let block =
            config_block::read_config(&html).unwrap_or_else(|e| panic!("{}: {e}", index.display()));
        assert_eq!(block, load_preset(&root, "local").unwrap());
    }

    #[test]
    fn both_presets_parse_and_name_the_required_fields() {
        let root = workspace_root();
        for name in ["local", "spotify"] {
            let preset = load_preset(&root, name).unwrap();
            for field in [
                "client_id",
                "authorization_endpoint",
                "token_endpoint",
                "api_base_url",
            ] {
                assert!(
                    preset[field].is_string(),
                    "config/{name}.json lacks {field}"
                );
            }
            assert!(
                preset["scopes"].is_array(),
                "config/{name}.json lacks scopes"
            );
        }
    }
}
