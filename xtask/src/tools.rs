//! Installs what the build and the tests need, once. Each `ensure_*` first checks what is there
//! (on PATH or at its known place, with the right version) and returns at once when it is; only
//! a missing or wrong tool triggers an install, which says what it is doing.
//!
//! See `docs/TOOLCHAIN.md` for why these versions and sources: Trunk 0.21 (0.22 needs a newer
//! rustc), wasm-bindgen-cli equal to Cargo.lock's wasm-bindgen, wasm-opt from npm's binaryen
//! (Debian's binaryen 108 silently produces a wasm that breaks at load). axe-core, which the
//! end-to-end accessibility tests inject into each page, comes from npm the same way.

use std::env;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, ensure, Context, Result};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Versions: `~X` is any `X.*`, anything else that version exactly.
const TRUNK: &str = "~0.21";
const BINARYEN: &str = "~132";
const AXE_CORE: &str = "4.14.1";
const GECKODRIVER: &str = "0.37.1";
const BROWSER_PACKAGES: [&str; 3] = ["chromium", "chromium-driver", "firefox-esr"];
/// The rustflags of the wasm target, as an environment variable (cargo merges it with the
/// configuration file's `[target.wasm32-unknown-unknown] rustflags`).
const WASM_RUSTFLAGS: &str = "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS";

/// Where tools live and the PATH that child processes get.
pub struct Tools {
    pub root: PathBuf,
    /// The `cargo` that runs xtask (`$CARGO`), so children use the same toolchain.
    cargo: PathBuf,
    /// `$CARGO_HOME` (default `~/.cargo`), whose `bin/` has what `cargo install` puts there.
    cargo_home: PathBuf,
    /// `~/.cache/pkce-playlists`: a folder per npm package (its `--prefix`).
    cache: PathBuf,
    /// PATH for children: binaryen's and cargo's bin folders first, then the inherited PATH.
    path: OsString,
}

/// The browsers and drivers the browser suites use.
pub struct Browsers {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    pub firefox: PathBuf,
    pub geckodriver: PathBuf,
}

impl Browsers {
    /// Where the end-to-end harness (`e2e/src/browser.rs`) finds the drivers and the browsers:
    /// the environment of `cargo xtask test`'s end-to-end suite and of `cargo xtask bench`.
    pub fn env(&self) -> [(&'static str, &Path); 4] {
        [
            ("CHROMEDRIVER", &self.chromedriver),
            ("CHROMIUM_BIN", &self.chromium),
            ("GECKODRIVER", &self.geckodriver),
            ("FIREFOX_BIN", &self.firefox),
        ]
    }
}

/// `$name` as a path, or `~/<default>`.
fn env_dir(name: &str, default: &str) -> Result<PathBuf> {
    match env::var_os(name) {
        Some(dir) => Ok(dir.into()),
        None => Ok(PathBuf::from(env::var_os("HOME").context("HOME is not set")?).join(default)),
    }
}

impl Tools {
    pub fn new(root: &Path) -> Result<Tools> {
        let cargo_home = env_dir("CARGO_HOME", ".cargo")?;
        let cache = env_dir("HOME", "")?.join(".cache/pkce-playlists");
        let mut dirs = vec![
            cache.join("binaryen/node_modules/.bin"),
            cargo_home.join("bin"),
        ];
        dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
        Ok(Tools {
            root: root.to_path_buf(),
            cargo: env::var_os("CARGO")
                .unwrap_or_else(|| "cargo".into())
                .into(),
            cargo_home,
            cache,
            path: env::join_paths(dirs).context("cannot build PATH")?,
        })
    }

    /// A command with the tools' PATH, run from the workspace root.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command.env("PATH", &self.path).current_dir(&self.root);
        command
    }

    pub fn cargo(&self) -> Command {
        self.command(&self.cargo)
    }

    /// The first `name` on the tools' PATH.
    fn which(&self, name: &str) -> Option<PathBuf> {
        which::which_in(name, Some(&self.path), &self.root).ok()
    }

    /// The version `program --version` reports: the second word of its first line.
    fn version_of(&self, program: &Path) -> Option<String> {
        let out = self
            .command(program)
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        out.status
            .success()
            .then(|| text.split_whitespace().nth(1).map(str::to_owned))?
    }

    pub fn ensure_wasm_target(&self) -> Result<()> {
        let output = self
            .command("rustup")
            .args(["target", "list", "--installed"])
            .output();
        let installed = output.context("cannot run rustup")?.stdout;
        if String::from_utf8_lossy(&installed)
            .lines()
            .any(|l| l.trim() == WASM_TARGET)
        {
            return Ok(());
        }
        println!("xtask: adding the {WASM_TARGET} target");
        run(self.command("rustup").args(["target", "add", WASM_TARGET]))
    }

    /// The binaries `bins` of crate `krate` at version `wanted`: as found on the PATH, or else
    /// `cargo install`ed (with `--locked` when `locked`). Returns the first binary's path.
    pub fn ensure_cargo_tool(
        &self,
        krate: &str,
        wanted: &str,
        bins: &[&str],
        locked: bool,
    ) -> Result<PathBuf> {
        let found = || {
            let paths: Option<Vec<PathBuf>> = bins.iter().map(|b| self.which(b)).collect();
            let first = paths?.swap_remove(0);
            let version = self.version_of(&first);
            Some((first, version))
        };
        match found() {
            Some((path, Some(v))) if satisfies(&v, wanted) => return Ok(path),
            Some((path, v)) => println!(
                "xtask: {} is {}; {krate} {wanted} is needed",
                path.display(),
                v.as_deref().unwrap_or("broken")
            ),
            None => {}
        }
        println!("xtask: installing {krate} {wanted} (cargo install, minutes)");
        let mut install = self.cargo();
        install.args(["install", "--force", krate, "--version", wanted]);
        run(if locked {
            install.arg("--locked")
        } else {
            &mut install
        })?;
        match found() {
            Some((path, Some(v))) if satisfies(&v, wanted) => Ok(path),
            _ => bail!(
                "{} is still missing or wrong after cargo install",
                bins.join(", ")
            ),
        }
    }

    /// npm's `package` at version `wanted` in `~/.cache/pkce-playlists/<package>`, installed with
    /// npm (from Debian if it is missing) unless it is there; the path of `file` in that folder.
    fn ensure_npm(&self, package: &str, wanted: &str, file: &str) -> Result<PathBuf> {
        let prefix = self.cache.join(package);
        let manifest = prefix
            .join("node_modules")
            .join(package)
            .join("package.json");
        let found = || {
            let text = std::fs::read_to_string(&manifest).ok()?;
            let value: serde_json::Value = serde_json::from_str(&text).ok()?;
            let version = value["version"].as_str()?;
            (satisfies(version, wanted) && prefix.join(file).is_file()).then(|| prefix.join(file))
        };
        if let Some(path) = found() {
            return Ok(path);
        }
        if self.which("npm").is_none() {
            println!("xtask: npm is missing; installing it from Debian");
            apt_install(&["npm"])?;
        }
        println!(
            "xtask: installing {package} {wanted} from npm into {}",
            prefix.display()
        );
        std::fs::create_dir_all(&prefix)?;
        let spec = format!("{package}@{}", wanted.trim_start_matches('~'));
        run(self
            .command("npm")
            .arg("install")
            .arg("--prefix")
            .arg(&prefix)
            .arg(spec))?;
        found().with_context(|| format!("{} is not {wanted} after npm install", manifest.display()))
    }

    /// wasm-opt from npm's binaryen.
    pub fn ensure_wasm_opt(&self) -> Result<PathBuf> {
        self.ensure_npm("binaryen", BINARYEN, "node_modules/.bin/wasm-opt")
    }

    /// The `axe.min.js` that the end-to-end accessibility tests inject into each page.
    pub fn ensure_axe_core(&self) -> Result<PathBuf> {
        self.ensure_npm("axe-core", AXE_CORE, "node_modules/axe-core/axe.min.js")
    }

    /// Everything `trunk build --release --offline` needs; returns Trunk's path.
    pub fn ensure_build_tools(&self) -> Result<PathBuf> {
        self.ensure_wasm_target()?;
        let trunk = self.ensure_cargo_tool("trunk", TRUNK, &["trunk"], true)?;
        // No --locked: the registry mirror lags one of its dependencies and the locked build fails.
        let bindgen = locked_version(&self.root, "wasm-bindgen")?;
        let bins = ["wasm-bindgen", "wasm-bindgen-test-runner"];
        self.ensure_cargo_tool("wasm-bindgen-cli", &bindgen, &bins, false)?;
        self.ensure_wasm_opt()?;
        Ok(trunk)
    }

    /// Chromium, chromedriver and Firefox ESR from Debian; geckodriver from crates.io.
    pub fn ensure_browsers(&self) -> Result<Browsers> {
        let names = ["chromium", "chromedriver", "firefox-esr"];
        if names.iter().any(|name| self.which(name).is_none()) {
            println!(
                "xtask: installing {} from Debian",
                BROWSER_PACKAGES.join(", ")
            );
            apt_install(&BROWSER_PACKAGES)?;
        }
        let [chromium, chromedriver, firefox] = names.map(|name| {
            self.which(name)
                .with_context(|| format!("{name} is still missing after apt-get install"))
        });
        Ok(Browsers {
            chromium: chromium?,
            chromedriver: chromedriver?,
            firefox: firefox?,
            geckodriver: self.ensure_cargo_tool(
                "geckodriver",
                GECKODRIVER,
                &["geckodriver"],
                false,
            )?,
        })
    }

    /// The target directory cargo uses: `$CARGO_TARGET_DIR` or `<root>/target`.
    pub fn target_dir(&self) -> PathBuf {
        match env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => env::current_dir().unwrap_or_default().join(dir),
            None => self.root.join("target"),
        }
    }

    /// Builds the local provider (debug: quicker to build, fast enough) and returns its path.
    pub fn build_provider(&self) -> Result<PathBuf> {
        run(self.cargo().args(["build", "-p", "local-spotify"]))?;
        let binary = self.target_dir().join("debug/local-spotify");
        ensure!(
            binary.is_file(),
            "{} is missing after cargo build",
            binary.display()
        );
        Ok(binary)
    }

    /// `trunk build --release --offline`, which writes `dist/`; then the Content Security Policy
    /// in `dist/index.html` and `dist/_headers` (`xtask::csp::secure_dist`). This machine's paths
    /// are remapped out of the wasm: its panic messages name the source files of dependencies
    /// under `$CARGO_HOME`, and `cargo xtask test` fails a `dist/` that holds a local path.
    pub fn trunk_build(&self, trunk: &Path) -> Result<()> {
        let mut build = self.command(trunk);
        run(build
            .args(["build", "--release", "--offline"])
            .env(WASM_RUSTFLAGS, self.remaps()?))?;
        let policy =
            xtask::csp::secure_dist(&self.root.join("dist")).map_err(anyhow::Error::msg)?;
        println!("xtask: dist/index.html: Content-Security-Policy: {policy}");
        Ok(())
    }

    /// The wasm target's rustflags plus `--remap-path-prefix` for `$CARGO_HOME`, `$RUSTUP_HOME`
    /// and the workspace. cargo splits the variable on spaces, so a path with a space is left as
    /// it is (and the check of `dist/` reports it).
    fn remaps(&self) -> Result<String> {
        let mut flags = env::var(WASM_RUSTFLAGS).unwrap_or_default();
        let remaps = [
            (self.cargo_home.clone(), "/cargo"),
            (env_dir("RUSTUP_HOME", ".rustup")?, "/rustup"),
            (self.root.clone(), "/pkce-playlists"),
        ];
        for (from, to) in remaps {
            let from = from.to_string_lossy();
            if !from.contains(char::is_whitespace) && from.len() > 1 {
                flags.push_str(&format!(" --remap-path-prefix={from}={to}"));
            }
        }
        Ok(flags.trim().to_owned())
    }
}

/// Whether version `found` is `wanted`: `~X` takes any `X.*`.
fn satisfies(found: &str, wanted: &str) -> bool {
    match wanted.strip_prefix('~') {
        Some(prefix) => found
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('.')),
        None => found == wanted,
    }
}

/// The version of package `name` in the workspace's Cargo.lock.
pub fn locked_version(root: &Path, name: &str) -> Result<String> {
    let lock_path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .with_context(|| format!("cannot read {}", lock_path.display()))?;
    version_in_lock(&lock, name)
        .with_context(|| format!("{} has no package {name}", lock_path.display()))
}

fn version_in_lock(lock: &str, name: &str) -> Option<String> {
    let (_, after) = lock.split_once(&format!("\nname = \"{name}\"\nversion = \""))?;
    Some(after.split('"').next()?.to_owned())
}

fn apt_install(packages: &[&str]) -> Result<()> {
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Runs a command with inherited output, after echoing it; an error unless it succeeds.
pub fn run(command: &mut Command) -> Result<()> {
    let shown = show(command);
    println!("$ {shown}");
    let status = command
        .status()
        .with_context(|| format!("cannot run {shown}"))?;
    ensure!(status.success(), "{shown} failed ({status})");
    Ok(())
}

/// The command line as a shell would show it.
pub fn show(command: &Command) -> String {
    let words = std::iter::once(command.get_program()).chain(command.get_args());
    words
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
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
