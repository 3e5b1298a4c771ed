//! Installs what the build and the tests need, once. Each `ensure_*` first checks what is there
//! (on PATH or at its known place, with the right version) and returns at once when it is; only
//! a missing or wrong tool triggers an install, which says what it is doing.
//!
//! See `docs/TOOLCHAIN.md` for why these versions and sources: Trunk 0.21 (0.22 needs a newer
//! rustc), wasm-bindgen-cli equal to Cargo.lock's wasm-bindgen, wasm-opt from npm's binaryen
//! (Debian's binaryen 108 silently produces a wasm that breaks at load). axe-core, which the
//! end-to-end accessibility tests inject into each page, comes from npm the same way.

use std::env;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
const TRUNK_REQUIREMENT: &str = "~0.21";
const TRUNK_VERSION_PREFIX: &str = "trunk 0.21.";
const BINARYEN_VERSION: &str = "132";
const AXE_CORE_VERSION: &str = "4.14.1";
const GECKODRIVER_VERSION: &str = "0.37.1";
const BROWSER_PACKAGES: [&str; 3] = ["chromium", "chromium-driver", "firefox-esr"];

/// Where tools live and the PATH that child processes get.
pub struct Tools {
    pub root: PathBuf,
    /// The `cargo` that runs xtask (`$CARGO`), so children use the same toolchain.
    pub cargo: PathBuf,
    /// `$CARGO_HOME/bin` (default `~/.cargo/bin`): where `cargo install` puts binaries.
    pub cargo_bin: PathBuf,
    /// `~/.cache/pkce-playlists/binaryen`: the npm prefix of binaryen.
    pub binaryen: PathBuf,
    /// `~/.cache/pkce-playlists/axe-core`: the npm prefix of axe-core.
    pub axe_core: PathBuf,
    /// PATH for children: the tool dirs first, then the inherited PATH.
    pub path: OsString,
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

impl Tools {
    pub fn new(root: &Path) -> Result<Tools, String> {
        let home = env::var_os("HOME")
            .map(PathBuf::from)
            .ok_or("HOME is not set")?;
        let cargo_home = env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".cargo"));
        let cargo_bin = cargo_home.join("bin");
        let cache = home.join(".cache").join("pkce-playlists");
        let binaryen = cache.join("binaryen");
        let axe_core = cache.join("axe-core");
        let mut dirs = vec![
            binaryen.join("node_modules").join(".bin"),
            cargo_bin.clone(),
        ];
        dirs.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
        let path = env::join_paths(dirs).map_err(|e| format!("cannot build PATH: {e}"))?;
        let cargo = env::var_os("CARGO")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("cargo"));
        Ok(Tools {
            root: root.to_path_buf(),
            cargo,
            cargo_bin,
            binaryen,
            axe_core,
            path,
        })
    }

    /// A command with the tools' PATH, run from the workspace root.
    pub fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut command = Command::new(program);
        command.env("PATH", &self.path).current_dir(&self.root);
        command
    }

    pub fn cargo(&self) -> Command {
        self.command(&self.cargo)
    }

    /// The first `name` on the tools' PATH.
    pub fn which(&self, name: &str) -> Option<PathBuf> {
        env::split_paths(&self.path)
            .map(|dir| dir.join(name))
            .find(|candidate| is_executable(candidate))
    }

    /// The first line of `program --version` (or other args), if it runs and succeeds.
    fn version_of(&self, program: &Path, args: &[&str]) -> Option<String> {
        let output = self
            .command(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .ok()?;
        if !output.status.success() {
            return None;
        }
        let text = String::from_utf8_lossy(&output.stdout);
        Some(text.lines().next().unwrap_or("").trim().to_owned())
    }

    pub fn ensure_wasm_target(&self) -> Result<(), String> {
        let output = self
            .command("rustup")
            .args(["target", "list", "--installed"])
            .output()
            .map_err(|e| format!("cannot run rustup: {e}"))?;
        let installed = String::from_utf8_lossy(&output.stdout);
        if installed.lines().any(|line| line.trim() == WASM_TARGET) {
            return Ok(());
        }
        println!("xtask: adding the {WASM_TARGET} target");
        run(self.command("rustup").args(["target", "add", WASM_TARGET]))
    }

    pub fn ensure_trunk(&self) -> Result<PathBuf, String> {
        if let Some(trunk) = self.which("trunk") {
            match self.version_of(&trunk, &["--version"]) {
                Some(v) if v.starts_with(TRUNK_VERSION_PREFIX) => return Ok(trunk),
                found => println!(
                    "xtask: {} is {}; Trunk 0.21 is needed",
                    trunk.display(),
                    found.as_deref().unwrap_or("broken")
                ),
            }
        }
        println!("xtask: installing Trunk {TRUNK_REQUIREMENT} (cargo install, about 10 minutes on 2 cores)");
        run(self.cargo().args([
            "install",
            "--locked",
            "--force",
            "trunk",
            "--version",
            TRUNK_REQUIREMENT,
        ]))?;
        self.installed("trunk")
    }

    /// wasm-bindgen and wasm-bindgen-test-runner, at exactly Cargo.lock's wasm-bindgen version.
    pub fn ensure_wasm_bindgen(&self) -> Result<(), String> {
        let version = locked_version(&self.root, "wasm-bindgen")?;
        let wanted = format!("wasm-bindgen {version}");
        let bindgen = self.which("wasm-bindgen");
        let runner = self.which("wasm-bindgen-test-runner");
        if let (Some(bindgen), Some(_)) = (&bindgen, &runner) {
            match self.version_of(bindgen, &["--version"]) {
                Some(v) if v == wanted => return Ok(()),
                found => println!(
                    "xtask: {} is {}; Cargo.lock wants {wanted}",
                    bindgen.display(),
                    found.as_deref().unwrap_or("broken")
                ),
            }
        }
        // No --locked: the registry mirror lags one of its dependencies and the locked build fails.
        println!("xtask: installing wasm-bindgen-cli {version} (cargo install, a few minutes)");
        run(self.cargo().args([
            "install",
            "--force",
            "wasm-bindgen-cli",
            "--version",
            &version,
        ]))?;
        self.installed("wasm-bindgen").map(drop)
    }

    /// wasm-opt from npm's binaryen, in `~/.cache/pkce-playlists/binaryen` (first on the PATH).
    pub fn ensure_wasm_opt(&self) -> Result<(), String> {
        let wasm_opt = self
            .binaryen
            .join("node_modules")
            .join(".bin")
            .join("wasm-opt");
        let wanted = format!("version {BINARYEN_VERSION}");
        if let Some(v) = self.version_of(&wasm_opt, &["--version"]) {
            if v.contains(&wanted) {
                return Ok(());
            }
            println!(
                "xtask: {} is {v}; binaryen {BINARYEN_VERSION} is needed",
                wasm_opt.display()
            );
        }
        self.npm_install(&self.binaryen, "binaryen", BINARYEN_VERSION)?;
        match self.version_of(&wasm_opt, &["--version"]) {
            Some(v) if v.contains(&wanted) => Ok(()),
            other => Err(format!(
                "{} still reports {}",
                wasm_opt.display(),
                other.as_deref().unwrap_or("nothing")
            )),
        }
    }

    /// axe-core from npm, in `~/.cache/pkce-playlists/axe-core`: the path of its `axe.min.js`,
    /// which the end-to-end accessibility tests inject into each page.
    pub fn ensure_axe_core(&self) -> Result<PathBuf, String> {
        let package = self.axe_core.join("node_modules").join("axe-core");
        let script = package.join("axe.min.js");
        let manifest = package.join("package.json");
        let version = || {
            let text = std::fs::read_to_string(&manifest).ok()?;
            let value: serde_json::Value = serde_json::from_str(&text).ok()?;
            Some(value["version"].as_str()?.to_owned())
        };
        match version() {
            Some(v) if v == AXE_CORE_VERSION && script.is_file() => return Ok(script),
            Some(v) => println!(
                "xtask: {} is axe-core {v}; {AXE_CORE_VERSION} is needed",
                package.display()
            ),
            None => {}
        }
        self.npm_install(&self.axe_core, "axe-core", AXE_CORE_VERSION)?;
        match version() {
            Some(v) if v == AXE_CORE_VERSION && script.is_file() => Ok(script),
            other => Err(format!(
                "{} is axe-core {} after npm install, without {}",
                package.display(),
                other.as_deref().unwrap_or("nothing"),
                script.display()
            )),
        }
    }

    /// `npm install --prefix <prefix> <package>@<version>`, with npm from Debian if it is missing.
    fn npm_install(&self, prefix: &Path, package: &str, version: &str) -> Result<(), String> {
        if self.which("npm").is_none() {
            println!("xtask: npm is missing; installing it from Debian");
            apt_install(&["npm"])?;
        }
        println!(
            "xtask: installing {package}@{version} from npm into {}",
            prefix.display()
        );
        std::fs::create_dir_all(prefix)
            .map_err(|e| format!("cannot create {}: {e}", prefix.display()))?;
        let prefix = prefix.to_string_lossy().into_owned();
        run(self.command("npm").args([
            "install",
            "--prefix",
            &prefix,
            &format!("{package}@{version}"),
        ]))
    }

    /// Everything `trunk build --release --offline` needs.
    pub fn ensure_build_tools(&self) -> Result<PathBuf, String> {
        self.ensure_wasm_target()?;
        let trunk = self.ensure_trunk()?;
        self.ensure_wasm_bindgen()?;
        self.ensure_wasm_opt()?;
        Ok(trunk)
    }

    /// Chromium, chromedriver and Firefox ESR from Debian; geckodriver from crates.io.
    pub fn ensure_browsers(&self) -> Result<Browsers, String> {
        let find = |tools: &Tools| {
            (
                tools.which("chromium"),
                tools.which("chromedriver"),
                tools.which("firefox-esr"),
            )
        };
        let (mut chromium, mut chromedriver, mut firefox) = find(self);
        if chromium.is_none() || chromedriver.is_none() || firefox.is_none() {
            println!(
                "xtask: installing {} from Debian",
                BROWSER_PACKAGES.join(", ")
            );
            apt_install(&BROWSER_PACKAGES)?;
            (chromium, chromedriver, firefox) = find(self);
        }
        let missing = |name: &str| format!("{name} is still missing after apt-get install");
        Ok(Browsers {
            chromium: chromium.ok_or_else(|| missing("chromium"))?,
            chromedriver: chromedriver.ok_or_else(|| missing("chromedriver"))?,
            firefox: firefox.ok_or_else(|| missing("firefox-esr"))?,
            geckodriver: self.ensure_geckodriver()?,
        })
    }

    pub fn ensure_geckodriver(&self) -> Result<PathBuf, String> {
        let geckodriver = self.cargo_bin.join("geckodriver");
        let wanted = format!("geckodriver {GECKODRIVER_VERSION}");
        if let Some(v) = self.version_of(&geckodriver, &["--version"]) {
            if v.starts_with(&wanted) {
                return Ok(geckodriver);
            }
            println!(
                "xtask: {} is {v}; {wanted} is needed",
                geckodriver.display()
            );
        }
        println!(
            "xtask: installing geckodriver {GECKODRIVER_VERSION} (cargo install, a few minutes)"
        );
        run(self.cargo().args([
            "install",
            "--force",
            "geckodriver",
            "--version",
            GECKODRIVER_VERSION,
        ]))?;
        self.installed("geckodriver")
    }

    fn installed(&self, name: &str) -> Result<PathBuf, String> {
        let path = self.cargo_bin.join(name);
        if is_executable(&path) {
            Ok(path)
        } else {
            Err(format!("{} is missing after cargo install", path.display()))
        }
    }

    /// The target directory cargo uses: `$CARGO_TARGET_DIR` or `<root>/target`.
    pub fn target_dir(&self) -> PathBuf {
        match env::var_os("CARGO_TARGET_DIR") {
            Some(dir) => {
                let dir = PathBuf::from(dir);
                if dir.is_absolute() {
                    dir
                } else {
                    env::current_dir().unwrap_or_default().join(dir)
                }
            }
            None => self.root.join("target"),
        }
    }

    /// Builds the local provider (debug: quicker to build, fast enough) and returns its path.
    pub fn build_provider(&self) -> Result<PathBuf, String> {
        run(self.cargo().args(["build", "-p", "local-spotify"]))?;
        let binary = self.target_dir().join("debug").join("local-spotify");
        if is_executable(&binary) {
            Ok(binary)
        } else {
            Err(format!("{} is missing after cargo build", binary.display()))
        }
    }

    /// `trunk build --release --offline`, which writes `dist/`; then the Content Security Policy
    /// in `dist/index.html` and `dist/_headers` (`xtask::csp::secure_dist`). This machine's paths
    /// are remapped out of the wasm: its panic messages name the source files of dependencies
    /// under `$CARGO_HOME`, and `cargo xtask test` fails a `dist/` that holds a local path.
    pub fn trunk_build(&self, trunk: &Path) -> Result<(), String> {
        run(self
            .command(trunk)
            .args(["build", "--release", "--offline"])
            .env(WASM_RUSTFLAGS, self.remapped_paths()))?;
        let policy = xtask::csp::secure_dist(&self.root.join("dist"))?;
        println!("xtask: dist/index.html: Content-Security-Policy: {policy}");
        Ok(())
    }

    /// The wasm target's rustflags (merged by cargo with `.cargo/config.toml`'s) plus
    /// `--remap-path-prefix` for `$CARGO_HOME`, `$RUSTUP_HOME` and the workspace. cargo splits
    /// the variable on spaces, so a path with a space is left as it is (and the check reports it).
    fn remapped_paths(&self) -> OsString {
        let home = env::var_os("HOME").map(PathBuf::from).unwrap_or_default();
        let rustup_home = env::var_os("RUSTUP_HOME")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".rustup"));
        let cargo_home = self.cargo_bin.parent().map(Path::to_path_buf);
        let mut flags: Vec<String> = env::var(WASM_RUSTFLAGS)
            .ok()
            .into_iter()
            .filter(|f| !f.trim().is_empty())
            .collect();
        let remaps = [
            (cargo_home, "/cargo"),
            (Some(rustup_home), "/rustup"),
            (Some(self.root.clone()), "/pkce-playlists"),
        ];
        for (from, to) in remaps {
            let Some(from) = from.and_then(|p| p.to_str().map(str::to_owned)) else {
                continue;
            };
            if !from.contains(char::is_whitespace) && from.len() > 1 {
                flags.push(format!("--remap-path-prefix={from}={to}"));
            }
        }
        flags.join(" ").into()
    }
}

/// The rustflags of the wasm target, as an environment variable (cargo merges it with the
/// configuration file's `[target.wasm32-unknown-unknown] rustflags`).
const WASM_RUSTFLAGS: &str = "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS";

/// The version of package `name` in the workspace's Cargo.lock.
pub fn locked_version(root: &Path, name: &str) -> Result<String, String> {
    let lock_path = root.join("Cargo.lock");
    let lock = std::fs::read_to_string(&lock_path)
        .map_err(|e| format!("cannot read {}: {e}", lock_path.display()))?;
    version_in_lock(&lock, name)
        .ok_or_else(|| format!("{} has no package {name}", lock_path.display()))
}

fn version_in_lock(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return Some(version.trim_end_matches('"').to_owned());
        }
    }
    None
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn apt_install(packages: &[&str]) -> Result<(), String> {
    run(Command::new("apt-get").arg("update"))?;
    run(Command::new("apt-get")
        .args(["install", "-y"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// Runs a command with inherited output, after echoing it; an error unless it succeeds.
pub fn run(command: &mut Command) -> Result<(), String> {
    let shown = show(command);
    println!("$ {shown}");
    let status = command
        .status()
        .map_err(|e| format!("cannot run {shown}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{shown} failed ({status})"))
    }
}

pub fn show(command: &Command) -> String {
    let mut words = vec![command.get_program().to_string_lossy().into_owned()];
    words.extend(command.get_args().map(|a| a.to_string_lossy().into_owned()));
    words.join(" ")
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
}
