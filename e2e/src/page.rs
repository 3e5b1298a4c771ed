//! WebDriver helpers on the browser's tab: open, click, wait for, read. Every wait polls until
//! [`WAIT`] and every failure panics with a message that says what was expected, in which browser,
//! and where the tab was.
//!
//! Scenarios find the app's states by the stable hooks in docs/ARCHITECTURE.md ("DOM hooks"),
//! never by the wording shown to users, so that rewording a message breaks no test.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::wd::WindowHandle;
use fantoccini::{Client, Locator};
use serde_json::Value;

use crate::browser::Browser;

/// How long any one wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// The browser's tabs, with explicit waits. Commands go to the current tab; [`Page::switch_to`]
/// changes which one that is.
#[derive(Clone)]
pub struct Page {
    client: Client,
    browser: Browser,
}

/// One tab (top-level browsing context) of the session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tab(WindowHandle);

impl Page {
    pub(crate) fn new(client: Client, browser: Browser) -> Page {
        Page { client, browser }
    }

    /// The browser this tab is in.
    pub fn browser(&self) -> Browser {
        self.browser
    }

    /// What a WebDriver command gave, or a panic saying what failed and in which browser.
    fn ok<T, E: fmt::Display>(&self, result: Result<T, E>, what: impl fmt::Display) -> T {
        result.unwrap_or_else(|e| panic!("{}: {what}: {e}", self.browser))
    }

    pub async fn open(&self, url: &str) {
        self.ok(
            self.client.goto(url).await,
            format_args!("cannot open {url}"),
        );
    }

    /// The address bar.
    pub async fn url(&self) -> String {
        let url = self.client.current_url().await;
        url.map_or_else(|e| format!("<unknown: {e}>"), |u| u.to_string())
    }

    /// The page's HTML as the browser has it now (empty when it cannot be read).
    pub async fn source(&self) -> String {
        self.client.source().await.unwrap_or_default()
    }

    /// The names of the address bar's query parameters.
    pub async fn query_keys(&self) -> Vec<String> {
        let url = self.ok(self.client.current_url().await, "the address bar");
        url.query_pairs().map(|(k, _)| k.into_owned()).collect()
    }

    /// Waits until `condition` returns `Some`, polling every [`xtask::process::POLL`]; panics
    /// after [`WAIT`] naming `what` (a closure, so it can say what was last seen).
    pub async fn wait_until<T, F, Fut>(&self, what: impl Fn() -> String, condition: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        self.wait_until_within(WAIT, what, condition).await
    }

    /// [`Self::wait_until`] with a limit of its own, for what the app itself takes long to do
    /// (backoff, a countdown).
    pub async fn wait_until_within<T, F, Fut>(
        &self,
        limit: Duration,
        what: impl Fn() -> String,
        mut condition: F,
    ) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(value) = condition().await {
                return value;
            }
            if Instant::now() > deadline {
                let (what, url, browser) = (what(), self.url().await, self.browser);
                let limit = limit.as_secs();
                panic!(
                    "{browser}: timed out after {limit} s waiting for {what}; the page is at {url}"
                );
            }
            tokio::time::sleep(xtask::process::POLL).await;
        }
    }

    /// The current tab.
    pub async fn tab(&self) -> Tab {
        Tab(self.ok(self.client.window().await, "the current tab"))
    }

    /// Every tab of the session (none when they cannot be listed).
    pub async fn tabs(&self) -> Vec<Tab> {
        let all = self.client.windows().await.unwrap_or_default();
        all.into_iter().map(Tab).collect()
    }

    /// Makes `tab` the current one.
    pub async fn switch_to(&self, tab: &Tab) {
        let switched = self.client.switch_to_window(tab.0.clone()).await;
        self.ok(switched, format_args!("cannot switch to {tab:?}"));
    }

    /// Like [`Self::switch_to`], for cleanup paths that must not panic: whether it worked.
    pub async fn switch_quietly(&self, tab: &Tab) -> bool {
        self.client.switch_to_window(tab.0.clone()).await.is_ok()
    }

    /// Opens `url` in a new tab with `window.open` from the current one, as a user's script or
    /// middle click would: the new tab starts with a copy of this tab's sessionStorage (HTML, "the
    /// auxiliary browsing context copies its opener's session storage"). Switches to the new tab.
    pub async fn open_tab(&self, url: &str) -> Tab {
        let before = self.tabs().await;
        self.run("window.open(arguments[0]); return null;", vec![url.into()])
            .await;
        let new = || async { self.tabs().await.into_iter().find(|t| !before.contains(t)) };
        let opened = self
            .wait_until(|| format!("a new tab for {url}"), new)
            .await;
        self.switch_to(&opened).await;
        opened
    }

    /// Opens `url` in a new tab that no tab of the app opened (WebDriver's New Window): it starts
    /// with sessionStorage of its own, as a page a user opens by hand. Switches to it.
    pub async fn open_unrelated_tab(&self, url: &str) -> Tab {
        let opened = self.ok(self.client.new_window(true).await, "no new tab");
        let tab = Tab(opened.handle);
        self.switch_to(&tab).await;
        self.open(url).await;
        tab
    }

    /// Makes the window `width` CSS pixels wide (a phone's screen, say), keeping its height.
    pub async fn set_window_width(&self, width: u32) {
        let (_, _, _, height) = self.ok(self.client.get_window_rect().await, "no window size");
        self.set_window_size(width, height as u32).await;
    }

    /// The browser's Back button.
    pub async fn back(&self) {
        self.ok(self.client.back().await, "Back failed");
    }

    /// Runs `script` (a function body: `arguments` holds `args`) in the current tab and returns
    /// what it returns.
    pub async fn run(&self, script: &str, args: Vec<Value>) -> Value {
        let result = self.client.execute(script, args).await;
        self.ok(result, format_args!("the script failed\n{script}\n"))
    }

    /// Runs `script` asynchronously: it calls its last argument with its result.
    pub async fn run_async(&self, script: &str, args: Vec<Value>) -> Value {
        let result = self.client.execute_async(script, args).await;
        self.ok(result, format_args!("the script failed\n{script}\n"))
    }

    /// The sessionStorage entry `key` of the current tab.
    pub async fn session_item(&self, key: &str) -> Option<String> {
        let script = "return window.sessionStorage.getItem(arguments[0]);";
        let item = self.run(script, vec![key.into()]).await;
        item.as_str().map(str::to_owned)
    }

    /// The browser's clock, in milliseconds since the Unix epoch.
    pub async fn now_ms(&self) -> u64 {
        let now = self.run("return Date.now();", vec![]).await.as_f64();
        now.unwrap_or_else(|| panic!("{}: Date.now() is not a number", self.browser)) as u64
    }

    /// Marks the document the current tab shows, so that [`Self::same_document`] can tell later
    /// whether it is still the same one (nothing reloaded or navigated away).
    pub async fn mark_document(&self) {
        self.run("window.__e2eMarked = true; return null;", vec![])
            .await;
    }

    /// Whether the current tab still shows the document [`Self::mark_document`] marked; `None`
    /// while it cannot tell (between two documents).
    pub async fn same_document(&self) -> Option<bool> {
        let script = "return window.__e2eMarked === true;";
        self.client.execute(script, vec![]).await.ok()?.as_bool()
    }

    /// Makes the current tab reload itself when the browser's clock reaches `at_ms`, so that
    /// several tabs can be made to reload at the same moment. [`Self::wait_for_reload`] tells when
    /// it has.
    pub async fn reload_at(&self, at_ms: u64) {
        self.mark_document().await;
        self.run(
            "setTimeout(() => window.location.reload(), Math.max(0, arguments[0] - Date.now())); \
             return null;",
            vec![Value::from(at_ms)],
        )
        .await;
    }

    /// Reloads the current tab and waits until the new document is there (not merely asked for).
    pub async fn reload(&self) {
        self.reload_at(0).await;
        self.wait_for_reload().await;
    }

    /// Waits until the current tab has reloaded since [`Self::reload_at`].
    pub async fn wait_for_reload(&self) {
        self.wait_until(
            || "the tab to reload".to_owned(),
            || async { (self.same_document().await == Some(false)).then_some(()) },
        )
        .await;
    }

    /// All elements matching `css` now (possibly none).
    pub async fn all(&self, css: &str) -> Vec<Element> {
        let found = self.client.find_all(Locator::Css(css)).await;
        found.unwrap_or_default()
    }

    /// Waits for an element matching `css` that is displayed.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.wait_until(
            || format!("`{css}` to be shown"),
            || async {
                for element in self.all(css).await {
                    if element.is_displayed().await.unwrap_or(false) {
                        return Some(element);
                    }
                }
                None
            },
        )
        .await
    }

    /// Waits for an element matching `css` to be in the document, shown or not (a state hook
    /// such as `#load-status[data-state="done"]` need not be visible).
    pub async fn wait_for_present(&self, css: &str) -> Element {
        self.wait_for_present_within(WAIT, css).await
    }

    /// [`Self::wait_for_present`] with a limit of its own.
    pub async fn wait_for_present_within(&self, limit: Duration, css: &str) -> Element {
        let first = || async { self.all(css).await.into_iter().next() };
        let what = || format!("`{css}` to be in the page");
        self.wait_until_within(limit, what, first).await
    }

    /// Whether an element matching `css` is in the document now.
    pub async fn has(&self, css: &str) -> bool {
        !self.all(css).await.is_empty()
    }

    /// Waits for `css`, then clicks it.
    pub async fn click(&self, css: &str) {
        let clicked = self.wait_for(css).await.click().await;
        self.ok(clicked, format_args!("cannot click `{css}`"));
    }

    /// The rendered text of the first element matching `css` (waiting for it).
    pub async fn text(&self, css: &str) -> String {
        let text = self.wait_for(css).await.text().await;
        self.ok(text, format_args!("cannot read `{css}`"))
    }

    /// The rendered texts of every element matching `css`, whitespace-normalized.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut texts = Vec::new();
        for element in self.all(css).await {
            texts.push(normalize_space(&element.text().await.unwrap_or_default()));
        }
        texts
    }

    /// The attribute `name` of the first element matching `css` (waiting for it to be in the
    /// page); `None` when the element does not carry it.
    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let value = self.wait_for_present(css).await.attr(name).await;
        self.ok(value, format_args!("cannot read `{css}`'s {name}"))
    }

    /// Waits until exactly `n` elements match `css`.
    pub async fn wait_for_count(&self, css: &str, n: usize) {
        // Atomic rather than a Cell: the scenario's future must stay `Send`.
        let seen = AtomicUsize::new(0);
        self.wait_until(
            || {
                let there = seen.load(Ordering::Relaxed);
                format!("{n} elements matching `{css}` (there are {there})")
            },
            || async {
                let count = self.all(css).await.len();
                seen.store(count, Ordering::Relaxed);
                (count == n).then_some(())
            },
        )
        .await;
    }

    /// Waits until the address bar starts with `prefix`.
    pub async fn wait_for_url_prefix(&self, prefix: &str) {
        let there = || async { self.url().await.starts_with(prefix).then_some(()) };
        let what = || format!("the address bar to start with {prefix}");
        self.wait_until(what, there).await;
    }

    /// On the consent page: picks `user` in `select[name=user]`.
    pub async fn choose_user(&self, user: &str) {
        let select = self.wait_for("select[name=user]").await;
        let chosen = select.select_by_value(user).await;
        self.ok(
            chosen,
            format_args!("the consent page offers no user {user}"),
        );
    }
}

/// Collapses runs of whitespace as a browser renders text.
pub fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// For the benchmark, which measures in a window of a known size and runs long scripts.
impl Page {
    /// Makes the window `width` × `height` CSS pixels.
    pub async fn set_window_size(&self, width: u32, height: u32) {
        let resized = self.client.set_window_size(width, height).await;
        self.ok(resized, "cannot resize the window");
    }

    /// Empties Chromium's HTTP cache (a DevTools command, through chromedriver), so that the next
    /// page load fetches every file as a first visit does.
    pub async fn clear_cache(&self) {
        let cleared = self
            .client
            .issue_cmd(Cdp("Network.clearBrowserCache"))
            .await;
        self.ok(cleared, "cannot clear the cache");
    }

    /// Lets a script run for up to `limit` before WebDriver gives up on it.
    pub async fn set_script_timeout(&self, limit: Duration) {
        let timeouts = fantoccini::wd::TimeoutConfiguration::new(Some(limit), None, None);
        let set = self.client.update_timeouts(timeouts).await;
        self.ok(set, "cannot set the scripts' time limit");
    }
}

/// A Chrome DevTools Protocol command without parameters, which chromedriver runs for WebDriver.
#[derive(Debug)]
struct Cdp(&'static str);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.0, "params": {} });
        (http::Method::POST, Some(body.to_string()))
    }
}
