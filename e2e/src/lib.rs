//! The harness for the end-to-end tests in `tests/`: a local provider serving a copy of `dist/`
//! on free ports, a WebDriver (chromedriver or geckodriver) with a headless browser, and a
//! [`Page`] with explicit waits. Every process is killed when its guard drops, and the browser
//! session is closed even when a test fails.
//!
//! Environment (set by `cargo xtask test`; each has a fallback for a plain `cargo test -p e2e`):
//!
//! | variable | meaning | fallback |
//! |---|---|---|
//! | `E2E_DIST` | the built app | `<workspace>/dist` |
//! | `LOCAL_SPOTIFY_BIN` | the provider binary | `cargo build -p local-spotify` |
//! | `CHROMEDRIVER`, `CHROMIUM_BIN` | Chrome's driver and browser | `chromedriver`, `chromium` on PATH |
//! | `GECKODRIVER`, `FIREFOX_BIN` | Firefox's driver and browser | `~/.cargo/bin/geckodriver`, `firefox-esr` on PATH |

use std::collections::HashSet;
use std::fmt;
use std::fs::File;
use std::future::Future;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI32, AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use base64::Engine as _;
use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use sha2::Digest as _;

/// How long any one wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);
/// How often waits look again.
const POLL: Duration = Duration::from_millis(100);
/// The client id of the local preset (`config/local.json`).
const CLIENT_ID: &str = "pkce-playlists-local";

// ---------------------------------------------------------------------------------------------
// Processes, ports, temporary directories

/// Process groups to kill if the test binary is interrupted; 0 marks a free slot.
static GROUPS: [AtomicI32; 64] = [const { AtomicI32::new(0) }; 64];

/// On SIGINT/SIGTERM/SIGHUP (Ctrl-C reaches only the foreground group, not ours), kill every
/// registered group, then die of the same signal.
fn kill_groups_on_signals() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        extern "C" fn on_signal(signal: libc::c_int) {
            // Only async-signal-safe calls: atomics, kill(2), signal(2), raise(3).
            for slot in &GROUPS {
                let pgid = slot.load(Ordering::SeqCst);
                if pgid > 0 {
                    unsafe { libc::kill(-pgid, libc::SIGKILL) };
                }
            }
            unsafe {
                libc::signal(signal, libc::SIG_DFL);
                libc::raise(signal);
            }
        }
        let handler: extern "C" fn(libc::c_int) = on_signal;
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            unsafe { libc::signal(signal, handler as libc::sighandler_t) };
        }
    });
}

fn set_group_slot(from: i32, to: i32) {
    for slot in &GROUPS {
        if slot
            .compare_exchange(from, to, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return;
        }
    }
}

/// A child process in its own process group; dropping the guard kills the whole group (a
/// WebDriver and the browser it started) and waits for it.
pub struct ProcessGuard {
    child: Child,
    name: String,
    log: PathBuf,
}

impl ProcessGuard {
    /// Starts `command` with stdout and stderr going to `log`.
    fn spawn(name: &str, mut command: Command, log: PathBuf) -> ProcessGuard {
        use std::os::unix::process::CommandExt;
        let out =
            File::create(&log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let err = out.try_clone().expect("a log file can be shared");
        command
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .process_group(0);
        // If the test process dies without unwinding, the kernel still stops the child.
        #[cfg(target_os = "linux")]
        unsafe {
            command.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                Ok(())
            });
        }
        kill_groups_on_signals();
        let child = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name} ({:?}): {e}", command.get_program()));
        set_group_slot(0, child.id() as i32);
        ProcessGuard {
            child,
            name: name.to_owned(),
            log,
        }
    }

    /// Everything the process printed so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Panics with the log if the process has exited.
    fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited early ({status}); its output:\n{}",
                self.name,
                self.log()
            );
        }
    }
}

impl Drop for ProcessGuard {
    fn drop(&mut self) {
        let pgid = self.child.id() as libc::pid_t;
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let _ = self.child.kill();
        let _ = self.child.wait();
        set_group_slot(pgid, 0);
    }
}

/// A directory under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "pkce-playlists-e2e-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A port nothing listens on right now, never the same one twice in this process.
pub fn free_port() -> u16 {
    static GIVEN: OnceLock<Mutex<HashSet<u16>>> = OnceLock::new();
    let given = GIVEN.get_or_init(Default::default);
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("cannot bind a local port")
            .port();
        if given.lock().unwrap().insert(port) {
            return port;
        }
    }
}

/// Waits (blocking) until `check` returns `Some`, or panics with `what` after [`WAIT`].
fn wait_blocking<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(value) = check() {
            return value;
        }
        if Instant::now() > deadline {
            panic!("timed out after {} s waiting for {what}", WAIT.as_secs());
        }
        std::thread::sleep(POLL);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("cannot create {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("cannot read {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("a readable directory entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap_or_else(|e| {
                panic!("cannot copy {}: {e}", entry.path().display());
            });
        }
    }
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

/// The target directory this test binary was built into (`<target>/debug/deps/login-*`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary has a path");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| xtask::workspace_root().join("target"))
}

// ---------------------------------------------------------------------------------------------
// The local provider

/// The built app to serve: `$E2E_DIST` or `<workspace>/dist`; panics (never skips) when missing.
pub fn dist_dir() -> PathBuf {
    let dist = env_path("E2E_DIST").unwrap_or_else(|| xtask::workspace_root().join("dist"));
    if !dist.join("index.html").is_file() {
        panic!(
            "{} has no index.html: build the app first (`trunk build --release --offline`; \
             `cargo xtask test` does it)",
            dist.display()
        );
    }
    dist
}

/// `$LOCAL_SPOTIFY_BIN`, or the provider built by `cargo build -p local-spotify`.
fn provider_binary() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    if let Some(binary) = env_path("LOCAL_SPOTIFY_BIN") {
        return binary;
    }
    BUILT
        .get_or_init(|| {
            let target = target_dir();
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "-p", "local-spotify"])
                .env("CARGO_TARGET_DIR", &target)
                .current_dir(xtask::workspace_root())
                .status()
                .expect("cannot run cargo build -p local-spotify");
            assert!(status.success(), "cargo build -p local-spotify failed");
            target.join("debug").join("local-spotify")
        })
        .clone()
}

/// A local provider on free ports, serving a copy of `dist/` whose configuration block points
/// at it. Killed when dropped.
pub struct Provider {
    /// `http://127.0.0.1:PORT`: the accounts service and the Web API.
    pub api_url: String,
    /// `http://127.0.0.1:PORT/`: the app.
    pub app_url: String,
    process: ProcessGuard,
    _dir: TempDir,
}

impl Provider {
    pub fn start() -> Provider {
        let dist = dist_dir();
        let binary = provider_binary();
        let api_port = free_port();
        let app_port = free_port();
        let api_origin = format!("http://127.0.0.1:{api_port}");
        let app_origin = format!("http://127.0.0.1:{app_port}");

        let dir = TempDir::new("provider");
        let served = dir.path().join("dist");
        copy_dir(&dist, &served);
        let index = served.join("index.html");
        let mut config =
            xtask::load_preset(&xtask::workspace_root(), "local").unwrap_or_else(|e| panic!("{e}"));
        xtask::config_block::point_at_provider(&mut config, &api_origin);
        let html = std::fs::read_to_string(&index).expect("dist/index.html is readable");
        let html = xtask::config_block::replace_config_block(&html, &config)
            .unwrap_or_else(|e| panic!("{}: {e}", dist.join("index.html").display()));
        std::fs::write(&index, html).expect("the copy of index.html is writable");

        let mut command = Command::new(&binary);
        command
            .arg("--port")
            .arg(api_port.to_string())
            .arg("--serve-dist")
            .arg(&served)
            .arg("--dist-port")
            .arg(app_port.to_string())
            .arg("--client")
            .arg(format!("{CLIENT_ID}={app_origin}/callback"))
            .arg("--allow-origin")
            .arg(&app_origin);
        let mut process =
            ProcessGuard::spawn("local-spotify", command, dir.path().join("provider.log"));
        wait_blocking("the provider's start lines", || {
            process.assert_running();
            let log = process.log();
            let started = log.lines().any(|l| {
                l.starts_with("local-spotify: accounts and Web API on")
                    && l.contains(&format!(":{api_port}"))
            }) && log.lines().any(|l| {
                l.starts_with("local-spotify: app on") && l.contains(&format!(":{app_port}"))
            });
            started.then_some(())
        });
        Provider {
            api_url: api_origin,
            app_url: format!("{app_origin}/"),
            process,
            _dir: dir,
        }
    }

    /// What the provider printed so far (its request log, errors).
    pub fn log(&self) -> String {
        self.process.log()
    }

    /// Where the consent page lives.
    pub fn authorize_url(&self) -> String {
        format!("{}/authorize", self.api_url)
    }

    /// The names of `user`'s playlists as the Web API reports them, read with a token obtained
    /// through the admin endpoint (a code issued as if `user` approved) and a real PKCE exchange.
    pub async fn playlist_names(&self, user: &str) -> Vec<String> {
        let http = reqwest::Client::new();
        let redirect_uri = format!("{}callback", self.app_url);
        let verifier = "e2e-verifier-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ";
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(sha2::Sha256::digest(verifier.as_bytes()));
        let issued: Value = send_json(http.post(format!("{}/admin/codes", self.api_url)).json(
            &json!({
                "client_id": CLIENT_ID,
                "redirect_uri": redirect_uri,
                "code_challenge": challenge,
                "user": user,
                "scope": "playlist-read-private playlist-read-collaborative",
            }),
        ))
        .await;
        let code = issued["code"]
            .as_str()
            .expect("/admin/codes returns a code");
        let token: Value = send_json(http.post(format!("{}/api/token", self.api_url)).form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &redirect_uri),
            ("client_id", CLIENT_ID),
            ("code_verifier", verifier),
        ]))
        .await;
        let access_token = token["access_token"]
            .as_str()
            .expect("/api/token returns an access_token");

        let mut names = Vec::new();
        let mut next = Some(format!("{}/v1/me/playlists?limit=50", self.api_url));
        while let Some(url) = next {
            let page: Value = send_json(http.get(&url).bearer_auth(access_token)).await;
            let items = page["items"].as_array().expect("a page has items");
            names.extend(
                items
                    .iter()
                    .filter_map(|p| p["name"].as_str())
                    .map(normalize_space),
            );
            next = page["next"].as_str().map(str::to_owned);
        }
        names
    }
}

async fn send_json(request: reqwest::RequestBuilder) -> Value {
    let response = request.send().await.expect("the provider answers");
    let url = response.url().clone();
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert!(status.is_success(), "{url} answered {status}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{url} answered non-JSON ({e}): {body}"))
}

/// Collapses runs of whitespace as a browser renders text.
pub fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------------------------
// Browsers

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

fn require(what: &str, found: Option<PathBuf>, hint: &str) -> PathBuf {
    match found {
        Some(path) if path.is_file() => path,
        Some(path) => panic!("{what} not found at {} ({hint})", path.display()),
        None => panic!("{what} not found ({hint})"),
    }
}

impl Browser {
    fn driver(self) -> PathBuf {
        match self {
            Browser::Chromium => require(
                "chromedriver",
                env_path("CHROMEDRIVER").or_else(|| on_path("chromedriver")),
                "set CHROMEDRIVER or apt-get install chromium-driver",
            ),
            Browser::Firefox => require(
                "geckodriver",
                env_path("GECKODRIVER").or_else(|| {
                    env_path("HOME")
                        .map(|h| h.join(".cargo/bin/geckodriver"))
                        .filter(|p| p.is_file())
                        .or_else(|| on_path("geckodriver"))
                }),
                "set GECKODRIVER or cargo install geckodriver --version 0.37.1",
            ),
        }
    }

    fn binary(self) -> PathBuf {
        match self {
            Browser::Chromium => require(
                "chromium",
                env_path("CHROMIUM_BIN").or_else(|| on_path("chromium")),
                "set CHROMIUM_BIN or apt-get install chromium",
            ),
            Browser::Firefox => require(
                "firefox-esr",
                env_path("FIREFOX_BIN")
                    .or_else(|| on_path("firefox-esr"))
                    .or_else(|| on_path("firefox")),
                "set FIREFOX_BIN or apt-get install firefox-esr",
            ),
        }
    }

    fn capabilities(self, profile: &Path) -> serde_json::Map<String, Value> {
        let binary = self.binary();
        let caps = match self {
            Browser::Chromium => json!({
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": binary,
                    "args": [
                        "--headless=new",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-dev-shm-usage",
                        "--disable-background-networking",
                        "--disable-component-update",
                        "--disable-sync",
                        "--no-first-run",
                        format!("--user-data-dir={}", profile.display()),
                    ],
                },
            }),
            Browser::Firefox => json!({
                "browserName": "firefox",
                "moz:firefoxOptions": {
                    "binary": binary,
                    "args": ["-headless"],
                },
            }),
        };
        match caps {
            Value::Object(map) => map,
            _ => unreachable!("capabilities are an object"),
        }
    }

    fn driver_command(self, port: u16) -> Command {
        let mut command = Command::new(self.driver());
        match self {
            Browser::Chromium => {
                command.arg(format!("--port={port}"));
            }
            Browser::Firefox => {
                command.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
                command.env("MOZ_HEADLESS", "1");
            }
        }
        command
    }
}

/// A WebDriver process and a browser session in it.
struct Session {
    client: Client,
    driver: ProcessGuard,
    _profile: TempDir,
}

impl Session {
    async fn start(browser: Browser) -> Session {
        let profile = TempDir::new("profile");
        let port = free_port();
        let mut driver = ProcessGuard::spawn(
            &format!("{browser} WebDriver"),
            browser.driver_command(port),
            profile.path().join("driver.log"),
        );
        // Let the driver come up: wait until its port accepts connections.
        let address = format!("127.0.0.1:{port}");
        wait_blocking(&format!("the {browser} WebDriver on {address}"), || {
            driver.assert_running();
            TcpStream::connect(&address).ok()
        });
        let capabilities = browser.capabilities(&profile.path().join("user-data"));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = tokio::time::timeout(
            Duration::from_secs(60),
            ClientBuilder::new(connector)
                .capabilities(capabilities)
                .connect(&format!("http://{address}")),
        )
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{browser} did not start within 60 s; driver output:\n{}",
                driver.log()
            )
        })
        .unwrap_or_else(|e| {
            panic!(
                "cannot start {browser} over WebDriver: {e}; driver output:\n{}",
                driver.log()
            )
        });
        Session {
            client,
            driver,
            _profile: profile,
        }
    }
}

/// Runs one end-to-end scenario in `browser` against a fresh provider.
///
/// The scenario runs as its own task so that a failing assertion cannot skip the cleanup: the
/// browser session is closed, the provider's log is printed, and then the failure is re-raised.
pub async fn scenario<F, Fut>(browser: Browser, body: F)
where
    F: FnOnce(Page, Urls) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let provider = Provider::start();
    let urls = Urls {
        app: provider.app_url.clone(),
        api: provider.api_url.clone(),
        authorize: provider.authorize_url(),
        expected_alice: provider.playlist_names("alice").await,
    };
    let session = Session::start(browser).await;
    let page = Page {
        client: session.client.clone(),
        browser,
    };
    let outcome = tokio::spawn(body(page.clone(), urls)).await;
    if outcome.is_err() {
        let url = page.url().await;
        let source = page.client.source().await.unwrap_or_default();
        eprintln!(
            "--- {browser} was at {url}; page source (first 4000 bytes):\n{}\n--- provider log:\n{}\n--- driver log (last 4000 bytes):\n{}",
            head(&source, 4000),
            provider.log(),
            tail(&session.driver.log(), 4000),
        );
    }
    let _ = tokio::time::timeout(Duration::from_secs(20), session.client.close()).await;
    drop(session.driver);
    drop(provider);
    if let Err(failure) = outcome {
        match failure.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the {browser} scenario did not finish: {e}"),
        }
    }
}

fn head(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

/// Where things are for one scenario, and what the provider says alice owns.
#[derive(Debug, Clone)]
pub struct Urls {
    /// The app's start page, `http://127.0.0.1:PORT/`.
    pub app: String,
    /// The provider's API origin.
    pub api: String,
    /// The consent page, `<api>/authorize`.
    pub authorize: String,
    /// Alice's playlist names, read from the provider's Web API.
    pub expected_alice: Vec<String>,
}

// ---------------------------------------------------------------------------------------------
// The page

/// The browser tab, with explicit waits; every method panics with a message that says what was
/// expected and where the browser was.
#[derive(Clone)]
pub struct Page {
    client: Client,
    browser: Browser,
}

impl Page {
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("{}: cannot open {url}: {e}", self.browser));
    }

    /// The address bar.
    pub async fn url(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("<unknown: {e}>"))
    }

    /// The names of the address bar's query parameters.
    pub async fn query_keys(&self) -> Vec<String> {
        match self.client.current_url().await {
            Ok(url) => url.query_pairs().map(|(k, _)| k.into_owned()).collect(),
            Err(e) => panic!("{}: cannot read the address bar: {e}", self.browser),
        }
    }

    /// Waits until `condition` returns `Some`, polling; panics after [`WAIT`] naming `what`.
    pub async fn wait_until<T, F, Fut>(&self, what: &str, mut condition: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(value) = condition().await {
                return value;
            }
            if Instant::now() > deadline {
                panic!(
                    "{}: timed out after {} s waiting for {what}; the page is at {}",
                    self.browser,
                    WAIT.as_secs(),
                    self.url().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// All elements matching `css` now (possibly none).
    pub async fn all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_default()
    }

    /// Waits for an element matching `css` that is displayed.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.wait_until(&format!("`{css}` to be shown"), || async {
            for element in self.all(css).await {
                if element.is_displayed().await.unwrap_or(false) {
                    return Some(element);
                }
            }
            None
        })
        .await
    }

    /// Waits for `css`, then clicks it.
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("{}: cannot click `{css}`: {e}", self.browser));
    }

    /// The rendered text of the first element matching `css` (waiting for it).
    pub async fn text(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        element
            .text()
            .await
            .unwrap_or_else(|e| panic!("{}: cannot read `{css}`: {e}", self.browser))
    }

    /// The rendered texts of every element matching `css`, whitespace-normalized.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self.all(css).await {
            texts.push(normalize_space(&element.text().await.unwrap_or_default()));
        }
        texts
    }

    /// Waits until exactly `n` elements match `css`.
    pub async fn wait_for_count(&self, css: &str, n: usize) {
        let deadline = Instant::now() + WAIT;
        loop {
            let seen = self.all(css).await.len();
            if seen == n {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "{}: timed out after {} s waiting for {n} elements matching `{css}` \
                     (there are {seen}); the page is at {}",
                    self.browser,
                    WAIT.as_secs(),
                    self.url().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the address bar starts with `prefix`.
    pub async fn wait_for_url_prefix(&self, prefix: &str) {
        self.wait_until(
            &format!("the address bar to start with {prefix}"),
            || async { self.url().await.starts_with(prefix).then_some(()) },
        )
        .await;
    }

    /// On the consent page: picks `user` in `select[name=user]` (by value, else by label).
    pub async fn choose_user(&self, user: &str) {
        let select = self.wait_for("select[name=user]").await;
        if select.select_by_value(user).await.is_ok() {
            return;
        }
        for option in self.all("select[name=user] option").await {
            let label = option.text().await.unwrap_or_default();
            if label.to_lowercase().contains(&user.to_lowercase()) {
                option
                    .click()
                    .await
                    .unwrap_or_else(|e| panic!("{}: cannot choose {user}: {e}", self.browser));
                return;
            }
        }
        panic!("{}: the consent page offers no user {user}", self.browser);
    }
}
