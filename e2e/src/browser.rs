//! The browsers: where their WebDrivers and binaries are, their capabilities, and a [`Session`]:
//! a WebDriver process (in its own process group, with the browser it starts) and a browser
//! session in it.

use std::fmt;
use std::fs::File;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use serde_json::{json, Value};
use xtask::{wait_until, ProcessGroup};

use crate::csp::{CspWatch, Violation};
use crate::page::{Page, WAIT};
use crate::support::{env_path, free_port, temp_dir};

/// How long a browser may take to start once its WebDriver is up.
const BROWSER_START: Duration = Duration::from_secs(60);

/// The browsers the suite runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    Chromium,
    Firefox,
}

impl fmt::Display for Browser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Browser::Chromium => "Chromium",
            Browser::Firefox => "Firefox",
        })
    }
}

/// The file named in the environment variable `var`, or else the first of `names` found (on
/// `PATH`, or a path); panics saying how to get it.
fn locate(var: &str, names: &[&str], hint: &str) -> PathBuf {
    let named = env_path(var);
    let found = match &named {
        Some(path) => path.is_file().then(|| path.clone()),
        None => names.iter().find_map(|name| which::which(name).ok()),
    };
    found.unwrap_or_else(|| panic!("{} not found ({var} or {hint})", names[0]))
}

impl Browser {
    fn driver(self) -> PathBuf {
        match self {
            Browser::Chromium => locate(
                "CHROMEDRIVER",
                &["chromedriver"],
                "apt-get install chromium-driver",
            ),
            Browser::Firefox => {
                let cargo_bin = env_path("HOME").map(|h| h.join(".cargo/bin/geckodriver"));
                let cargo_bin = cargo_bin.as_deref().and_then(Path::to_str).unwrap_or("");
                locate(
                    "GECKODRIVER",
                    &["geckodriver", cargo_bin],
                    "cargo install geckodriver --version 0.37.1",
                )
            }
        }
    }

    fn binary(self) -> PathBuf {
        match self {
            Browser::Chromium => locate("CHROMIUM_BIN", &["chromium"], "apt-get install chromium"),
            Browser::Firefox => locate(
                "FIREFOX_BIN",
                &["firefox-esr", "firefox"],
                "apt-get install firefox-esr",
            ),
        }
    }

    /// Headless, with a fresh profile, and (Chromium) none of the background traffic that keeps
    /// knocking on a closed network (docs/TOOLCHAIN.md). A watched session (the tests') has
    /// WebDriver BiDi for the policy's watch; an unwatched one (the benchmark's) accepts the
    /// certificate its HTTPS provider made at start, which the tests' sessions refuse as a user's
    /// browser would.
    fn capabilities(self, profile: &Path, watched: bool) -> serde_json::Map<String, Value> {
        let (name, options, args) = match self {
            Browser::Chromium => (
                "chrome",
                "goog:chromeOptions",
                json!([
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--no-first-run",
                    format!("--user-data-dir={}", profile.display()),
                ]),
            ),
            Browser::Firefox => ("firefox", "moz:firefoxOptions", json!(["-headless"])),
        };
        let caps = json!({
            "browserName": name,
            options: { "binary": self.binary(), "args": args },
            "webSocketUrl": watched,
            "acceptInsecureCerts": !watched,
        });
        caps.as_object()
            .cloned()
            .expect("capabilities are an object")
    }

    fn driver_command(self, port: u16) -> Command {
        let mut command = Command::new(self.driver());
        match self {
            Browser::Chromium => {
                command.arg(format!("--port={port}"));
            }
            Browser::Firefox => {
                command.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
                // Firefox's WebDriver BiDi port: geckodriver's default (9222) is shared by every
                // Firefox on the machine, and a session asking for BiDi fails when it is taken.
                command.args(["--websocket-port", &free_port().to_string()]);
                command.env("MOZ_HEADLESS", "1");
            }
        }
        command
    }
}

/// A WebDriver process and a browser session in it. [`Session::close`] ends the session and
/// kills the driver's process group (the browser with it); dropping it kills them too.
pub struct Session {
    browser: Browser,
    client: Client,
    driver: ProcessGroup,
    log: PathBuf,
    /// `None` for an unwatched session.
    csp: Option<CspWatch>,
    _profile: tempfile::TempDir,
}

impl Session {
    /// Starts `browser`'s WebDriver on a free port and a browser session in it, whose documents'
    /// Content Security Policy violations are watched over WebDriver BiDi.
    pub async fn start(browser: Browser) -> Session {
        Session::start_with(browser, true).await
    }

    /// A session for the benchmark: no WebDriver BiDi connection, as a user's browser has none (a
    /// BiDi client makes the browser report what every page does to it, which slowed a
    /// 10,000-playlist load in Chromium by a fifth), and told to accept the certificate of the
    /// provider's HTTPS.
    pub async fn start_unwatched(browser: Browser) -> Session {
        Session::start_with(browser, false).await
    }

    async fn start_with(browser: Browser, watched: bool) -> Session {
        let profile = temp_dir("profile");
        let port = free_port();
        let log = profile.path().join("driver.log");
        let out = File::create(&log).expect("a log file in the profile's directory");
        let err = out.try_clone().expect("a log file can be shared");
        let mut command = browser.driver_command(port);
        command.stdin(Stdio::null()).stdout(out).stderr(err);
        // Spawned from a runtime thread, which lives as long as the test: the driver's parent-death
        // signal follows the spawning thread.
        let driver = ProcessGroup::spawn(&format!("the {browser} WebDriver"), &mut command)
            .unwrap_or_else(|e| panic!("{e}"));

        // Let the driver come up: wait (off the runtime's threads) until its port accepts
        // connections, or it exits.
        let address = format!("127.0.0.1:{port}");
        let what = format!("the {browser} WebDriver on {address}");
        let (mut driver, up) = tokio::task::spawn_blocking(move || {
            let mut driver = driver;
            let up = wait_until(&what, WAIT, || match driver.exited() {
                Some(status) => Err(format!("{} exited early ({status})", driver.name())),
                None => Ok(TcpStream::connect(&address).ok().map(drop)),
            });
            (driver, up)
        })
        .await
        .expect("the wait for the WebDriver does not panic");
        if let Err(e) = up {
            panic!("{e}; its output:\n{}", read_log(&log));
        }

        let capabilities = browser.capabilities(&profile.path().join("user-data"), watched);
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let connected = tokio::time::timeout(
            BROWSER_START,
            ClientBuilder::new(connector)
                .capabilities(capabilities)
                .connect(&format!("http://127.0.0.1:{port}")),
        )
        .await;
        let client = match connected {
            Ok(Ok(client)) => client,
            failed => {
                driver.kill();
                let why = failed
                    .err()
                    .map_or("did not start in time".into(), |e| e.to_string());
                panic!(
                    "{browser} over WebDriver: {why}; driver output:\n{}",
                    read_log(&log)
                )
            }
        };
        let mut csp = None;
        if watched {
            let caps = client.capabilities();
            let bidi = caps.and_then(|caps| caps.get("webSocketUrl")?.as_str());
            let bidi = bidi.unwrap_or_else(|| panic!("{browser} offers no WebDriver BiDi"));
            let watch = CspWatch::start(bidi).await;
            csp = Some(watch.unwrap_or_else(|e| panic!("{browser}: cannot watch the policy: {e}")));
        }
        Session {
            browser,
            client,
            driver,
            log,
            csp,
            _profile: profile,
        }
    }

    /// Every Content Security Policy violation in any document of the session so far. Panics for an
    /// unwatched session, which sees none.
    pub async fn csp_violations(&self) -> Vec<Violation> {
        match &self.csp {
            Some(csp) => csp.violations().await,
            None => panic!("only a watched session (Session::start) sees violations"),
        }
    }

    /// The tab, to drive.
    pub fn page(&self) -> Page {
        Page::new(self.client.clone(), self.browser)
    }

    /// Everything the WebDriver (and the browser under it) printed so far.
    pub fn driver_log(&self) -> String {
        read_log(&self.log)
    }

    /// Ends the browser session (waiting a little), then kills the driver and the browser.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(20), self.client.clone().close()).await;
        self.driver.kill();
    }
}

fn read_log(log: &Path) -> String {
    std::fs::read_to_string(log).unwrap_or_default()
}
