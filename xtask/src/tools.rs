//! Installs what the build and the tests need, once: each `ensure_*` returns at once when the
//! tool is there with the right version, and installs it only when it is missing or wrong.
//! `docs/TOOLCHAIN.md` says why these versions and sources (Trunk 0.21: 0.22 needs a newer rustc;
//! wasm-opt from npm's binaryen: Debian's 108 makes a wasm that breaks at load).

use std::env;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{ensure, Context, Result};
use xtask::env_dir;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
const TRUNK: &str = "~0.21";
const BINARYEN: &str = "~132";
const AXE_CORE: &str = "4.14.1";
const TERSER: &str = "5.51.4";
/// `wasm_split_cli_support`, whose `wasm-split-cli` splits the release wasm ([`xtask::split`]).
const WASM_SPLIT: &str = "0.2.4";
const GECKODRIVER: &str = "0.37.1";
/// The wasm target's rustflags (cargo merges them with the configuration file's).
const WASM_RUSTFLAGS: &str = "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS";
/// What the pinned nightly builds the release wasm with, besides std rebuilt for size: a panic
/// traps at once (a release build prints none anyway), no Debug text, no panic locations.
const NIGHTLY_RUSTFLAGS: &str =
    "-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none";
/// The split views marked for splitting (`src/ui/split.rs`), and the relocations the split reads.
const SPLIT_RUSTFLAGS: &str = "--cfg pkce_split -Clink-args=--emit-relocs";

/// The workspace, and the PATH that child processes get: binaryen's and cargo's bin folders
/// first, then the inherited PATH.
pub struct Tools {
    pub root: PathBuf,
    path: OsString,
}

/// The programs the build runs besides cargo and wasm-opt (which Trunk finds on the PATH).
pub struct BuildTools {
    trunk: PathBuf,
    terser: PathBuf,
    wasm_split: PathBuf,
}

/// The browsers and drivers, as the environment variables the end-to-end harness and the wasm
/// suites read.
pub type Browsers = Vec<(&'static str, PathBuf)>;

fn cache() -> Result<PathBuf> {
    Ok(env_dir("HOME", "")?.join(".cache/pkce-playlists"))
}

/// `found()` if it is there, or else after `install()`.
fn ensure<T>(
    what: &str,
    found: impl Fn() -> Option<T>,
    install: impl FnOnce() -> Result<()>,
) -> Result<T> {
    if let Some(found) = found() {
        return Ok(found);
    }
    install()?;
    found().with_context(|| format!("{what} is still missing or wrong after installing it"))
}

impl Tools {
    pub fn new(root: &Path) -> Result<Tools> {
        let bins = [
            cache()?.join("binaryen/node_modules/.bin"),
            env_dir("CARGO_HOME", ".cargo")?.join("bin"),
        ];
        let inherited = env::var_os("PATH").unwrap_or_default();
        let path = env::join_paths(bins.into_iter().chain(env::split_paths(&inherited)))?;
        let root = root.to_path_buf();
        Ok(Tools { root, path })
    }

    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command.env("PATH", &self.path).current_dir(&self.root);
        command
    }

    /// The `cargo` that runs xtask (`$CARGO`), so children use the same toolchain.
    pub fn cargo(&self) -> Command {
        self.command(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
    }

    fn which(&self, name: &str) -> Option<PathBuf> {
        which::which_in(name, Some(&self.path), &self.root).ok()
    }

    fn which_all(&self, names: &[&str]) -> Option<Vec<PathBuf>> {
        names.iter().map(|name| self.which(name)).collect()
    }

    /// The first of the binaries `bins` of crate `name` at version `want` (what `--version` says
    /// second), found on the PATH or else `cargo install`ed (with `--locked` when `lock`).
    pub fn cargo_tool(&self, name: &str, want: &str, bins: &[&str], lock: bool) -> Result<PathBuf> {
        let found = || {
            let first = self.which_all(bins)?.swap_remove(0);
            let out = self.command(&first).arg("--version").output().ok()?;
            let text = String::from_utf8_lossy(&out.stdout);
            let version = text.split_whitespace().nth(1)?;
            (out.status.success() && satisfies(version, want)).then_some(first)
        };
        ensure(name, found, || {
            println!("xtask: installing {name} {want} (cargo install, minutes)");
            let mut install = self.cargo();
            install.args(["install", "--force", name, "--version", want]);
            run(install.args(lock.then_some("--locked")))
        })
    }

    /// npm's `package` at version `want` in `~/.cache/pkce-playlists/<package>`, installed with
    /// npm (from Debian if it is missing) unless it is there; the path of `file` in that folder.
    fn npm_package(&self, package: &str, want: &str, file: &str) -> Result<PathBuf> {
        let prefix = cache()?.join(package);
        let manifest = prefix.join(format!("node_modules/{package}/package.json"));
        let found = || {
            let text = std::fs::read(&manifest).ok()?;
            let json: serde_json::Value = serde_json::from_slice(&text).ok()?;
            let there = satisfies(json["version"].as_str()?, want) && prefix.join(file).is_file();
            there.then(|| prefix.join(file))
        };
        ensure(package, found, || {
            if self.which("npm").is_none() {
                apt_install(&["npm"])?;
            }
            std::fs::create_dir_all(&prefix)?;
            let mut npm = self.command("npm");
            npm.args(["install", "--prefix"]).arg(&prefix);
            run(npm.arg(format!("{package}@{}", want.trim_start_matches('~'))))
        })
    }

    pub fn ensure_wasm_opt(&self) -> Result<PathBuf> {
        self.npm_package("binaryen", BINARYEN, "node_modules/.bin/wasm-opt")
    }

    /// terser, which minifies the JS loader of the build.
    pub fn ensure_terser(&self) -> Result<PathBuf> {
        self.npm_package("terser", TERSER, "node_modules/.bin/terser")
    }

    /// The `axe.min.js` that the end-to-end accessibility tests inject into each page.
    pub fn ensure_axe_core(&self) -> Result<PathBuf> {
        self.npm_package("axe-core", AXE_CORE, "node_modules/axe-core/axe.min.js")
    }

    /// Everything `trunk build --release --offline` and what follows it need.
    pub fn ensure_build_tools(&self) -> Result<BuildTools> {
        let mut rustup = self.command("rustup");
        let listed = rustup.args(["target", "list", "--installed"]).output()?;
        if !String::from_utf8_lossy(&listed.stdout).contains(WASM_TARGET) {
            run(self.command("rustup").args(["target", "add", WASM_TARGET]))?;
        }
        let trunk = self.cargo_tool("trunk", TRUNK, &["trunk"], true)?;
        // No --locked: the registry mirror lags one of its dependencies and the locked build fails.
        let lock = xtask::read(&self.root.join("Cargo.lock"))?;
        let bindgen = version_in_lock(&lock, "wasm-bindgen");
        let bindgen = bindgen.context("Cargo.lock has no package wasm-bindgen")?;
        let bins = ["wasm-bindgen", "wasm-bindgen-test-runner"];
        self.cargo_tool("wasm-bindgen-cli", &bindgen, &bins, false)?;
        self.ensure_wasm_opt()?;
        let terser = self.ensure_terser()?;
        let wasm_split = self.ensure_wasm_split()?;
        Ok(BuildTools {
            trunk,
            terser,
            wasm_split,
        })
    }

    /// `wasm-split-cli` in `~/.cache/pkce-playlists/wasm-split-<version>` (it has no `--version` to check).
    fn ensure_wasm_split(&self) -> Result<PathBuf> {
        let root = cache()?.join(format!("wasm-split-{WASM_SPLIT}"));
        let bin = root.join("bin/wasm-split-cli");
        ensure(
            "wasm-split-cli",
            || bin.is_file().then(|| bin.clone()),
            || {
                println!("xtask: installing wasm-split-cli {WASM_SPLIT} (cargo install, minutes)");
                let mut install = self.cargo();
                install.args(["install", "--locked", "--root"]).arg(&root);
                install.args(["wasm_split_cli_support", "--version", WASM_SPLIT]);
                run(install.args(["--features", "build-binary"]))
            },
        )
    }

    /// Chromium, chromedriver and Firefox ESR from Debian; geckodriver from crates.io.
    pub fn ensure_browsers(&self) -> Result<Browsers> {
        let names = ["chromium", "chromedriver", "firefox-esr"];
        let install = || apt_install(&["chromium", "chromium-driver", "firefox-esr"]);
        let found = ensure("the browsers", || self.which_all(&names), install)?;
        let vars = ["CHROMIUM_BIN", "CHROMEDRIVER", "FIREFOX_BIN"];
        let mut browsers: Browsers = vars.into_iter().zip(found).collect();
        let gecko = self.cargo_tool("geckodriver", GECKODRIVER, &["geckodriver"], false)?;
        browsers.push(("GECKODRIVER", gecko));
        Ok(browsers)
    }

    pub fn target_dir(&self) -> PathBuf {
        match env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => env::current_dir().unwrap_or_default().join(dir),
            None => self.root.join("target"),
        }
    }

    /// Builds the local provider (debug: quicker to build, fast enough) and returns its path.
    pub fn build_provider(&self) -> Result<PathBuf> {
        run(self.cargo().args(["build", "-p", "local-spotify"]))?;
        Ok(self.target_dir().join("debug/local-spotify"))
    }

    /// `trunk build --release --offline` with the pinned nightly ([`crate::nightly`]) into
    /// `dist/`; the wasm's imports renamed ([`xtask::imports`]); the JS loader minified by terser;
    /// then the page's integrity and
    /// Content Security Policy, and `_headers` ([`xtask::html::secure_dist`]). This machine's
    /// paths are remapped out of the wasm's panic messages (`cargo xtask test` fails a `dist/`
    /// that holds one); one with a space cannot be (cargo splits the rustflags on spaces), and the
    /// check of `dist/` reports it.
    pub fn trunk_build(&self, tools: &BuildTools) -> Result<()> {
        let toolchain = crate::nightly::ensure(self)?;
        let mut flags = env::var(WASM_RUSTFLAGS).unwrap_or_default()
            + " "
            + NIGHTLY_RUSTFLAGS
            + " "
            + SPLIT_RUSTFLAGS;
        for (from, to) in [
            (env_dir("CARGO_HOME", ".cargo")?, "/cargo"),
            (env_dir("RUSTUP_HOME", ".rustup")?, "/rustup"),
            (self.root.clone(), "/pkce-playlists"),
        ] {
            let from = from.to_string_lossy();
            if !from.contains(char::is_whitespace) && from.len() > 1 {
                flags += &format!(" --remap-path-prefix={from}={to}");
            }
        }
        let mut build = self.command(&tools.trunk);
        build
            .args(["build", "--release", "--offline"])
            .env("RUSTUP_TOOLCHAIN", toolchain);
        build.env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort");
        build.env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size");
        run(build.env(WASM_RUSTFLAGS, flags.trim()))?;
        let dist = self.root.join("dist");
        self.split(tools, &dist)?;
        let loader = xtask::imports::shorten_dist(&dist)?;
        // wasm-bindgen writes the loader to be read: its comments and long local names are a quarter
        // of its brotli bytes. As ES modules, the loaders' top-level names are their own to shorten.
        let split_loader = loader.with_extension("split.js");
        for script in [&loader, &split_loader] {
            let mut minify = self.command(&tools.terser);
            minify
                .arg(script)
                .args(["--module", "--compress", "--mangle", "--output"]);
            run(minify.arg(script))?;
        }
        let policy = xtask::html::secure_dist(&dist)?;
        println!("xtask: dist/index.html: Content-Security-Policy: {policy}");
        Ok(())
    }
}

impl Tools {
    /// The split build ([`xtask::split`]) of the wasm Trunk's cargo run linked, in place of Trunk's
    /// wasm and loader in `dist`. Its work folder is `<target>/xtask/split`: `modules/` (the split),
    /// `bindgen/` (the main module's wasm-bindgen output, which `cargo xtask sizes` names from) and
    /// `opt/`.
    fn split(&self, tools: &BuildTools, dist: &Path) -> Result<()> {
        use xtask::split::{Built, BIN, SPLIT_LOADER};
        let target = self.target_dir();
        let linked = target.join(format!("{WASM_TARGET}/release/{BIN}.wasm"));
        let work = target.join(SPLIT_DIR);
        if work.exists() {
            std::fs::remove_dir_all(&work)?;
        }
        let (modules, bindgen, opt) =
            (work.join("modules"), work.join("bindgen"), work.join("opt"));
        let mut split = self.command(&tools.wasm_split);
        run(split.arg(&linked).arg(&modules).args(["--out-name", BIN]))?;
        let mut bindgen_run = self.command("wasm-bindgen");
        bindgen_run.args(["--target", "web", "--no-typescript", "--keep-lld-exports"]);
        bindgen_run.args(["--out-name", BIN, "--out-dir"]);
        run(bindgen_run
            .arg(&bindgen)
            .arg(modules.join(format!("{BIN}.wasm"))))?;
        std::fs::create_dir_all(&opt)?;
        let passes = xtask::html::wasm_opt_args(&xtask::read(&self.root.join("index.html"))?)?;
        let main = bindgen.join(format!("{BIN}_bg.wasm"));
        let mut inputs = vec![main];
        for (name, path) in xtask::files(&modules, true)? {
            if name.ends_with(".wasm") && name != format!("{BIN}.wasm") {
                inputs.push(path);
            }
        }
        let mut optimised = Vec::new();
        for input in inputs {
            let output = opt.join(input.file_name().unwrap_or_default());
            let mut wasm_opt = self.command("wasm-opt");
            run(wasm_opt.args(&passes).arg(&input).arg("-o").arg(&output))?;
            optimised.push(output);
        }
        let built = Built {
            loader: bindgen.join(format!("{BIN}.js")),
            main: optimised.remove(0),
            split_loader: modules.join(SPLIT_LOADER),
            modules: optimised,
        };
        let (trunk_wasm, trunk_loader) = xtask::imports::built(dist)?;
        xtask::split::place(&built, dist, &trunk_wasm, &trunk_loader)
    }
}

/// Where the split build works, under the target directory.
pub const SPLIT_DIR: &str = "xtask/split";

/// Whether version `found` is `want`: `~X` takes any `X.*`.
fn satisfies(found: &str, want: &str) -> bool {
    match want.strip_prefix('~') {
        Some(s) => found.strip_prefix(s).is_some_and(|r| r.starts_with('.')),
        None => found == want,
    }
}

fn version_in_lock(lock: &str, name: &str) -> Option<String> {
    let (_, after) = lock.split_once(&format!("\nname = \"{name}\"\nversion = \""))?;
    Some(after.split('"').next()?.to_owned())
}

fn apt_install(packages: &[&str]) -> Result<()> {
    run(Command::new("apt-get").arg("update"))?;
    let mut install = Command::new("apt-get");
    install.args(["install", "-y"]).args(packages);
    run(install.env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Runs a command with inherited output, after echoing it; an error unless it succeeds.
pub fn run(command: &mut Command) -> Result<()> {
    let shown = xtask::process::show(command);
    println!("$ {shown}");
    let status = command.status().context(shown.clone())?;
    ensure!(status.success(), "{shown} failed ({status})");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_package_version_from_the_lock_file() {
        let lock = "[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"9.9.9\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\nsource = \"x\"\n";
        assert_eq!(
            version_in_lock(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(version_in_lock(lock, "wasm-bindgen-cli"), None);
    }

    // Guards against taking Trunk 0.210 for 0.21, or a wasm-bindgen other than Cargo.lock's.
    #[test]
    fn versions_satisfy_a_series_or_one_version() {
        assert!(satisfies("0.21.14", "~0.21") && satisfies("132.0.0", "~132"));
        assert!(!satisfies("0.210.1", "~0.21") && !satisfies("0.22.0", "~0.21"));
        assert!(satisfies("0.2.100", "0.2.100") && !satisfies("0.2.1001", "0.2.100"));
    }
}
