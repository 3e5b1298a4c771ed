//! WebDriver helpers on the browser's tab: open, click, wait for, read. Every wait polls until
//! [`WAIT`] and every failure panics with a message that says what was expected, in which browser,
//! and where the tab was.
//!
//! Scenarios find the app's states by the stable hooks in docs/ARCHITECTURE.md ("DOM hooks"),
//! never by the wording shown to users, so that rewording a message breaks no test.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};

use crate::browser::Browser;

/// How long any one wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// The browser tab, with explicit waits.
#[derive(Clone)]
pub struct Page {
    client: Client,
    browser: Browser,
}

impl Page {
    pub(crate) fn new(client: Client, browser: Browser) -> Page {
        Page { client, browser }
    }

    /// The browser this tab is in.
    pub fn browser(&self) -> Browser {
        self.browser
    }

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

    /// The page's HTML as the browser has it now (empty when it cannot be read).
    pub async fn source(&self) -> String {
        self.client.source().await.unwrap_or_default()
    }

    /// The names of the address bar's query parameters.
    pub async fn query_keys(&self) -> Vec<String> {
        match self.client.current_url().await {
            Ok(url) => url.query_pairs().map(|(k, _)| k.into_owned()).collect(),
            Err(e) => panic!("{}: cannot read the address bar: {e}", self.browser),
        }
    }

    /// Waits until `condition` returns `Some`, polling every [`xtask::process::POLL`]; panics
    /// after [`WAIT`] naming `what` (a closure, so it can say what was last seen).
    pub async fn wait_until<T, F, Fut>(&self, what: impl Fn() -> String, mut condition: F) -> T
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
                    "{}: timed out after {} s waiting for {}; the page is at {}",
                    self.browser,
                    WAIT.as_secs(),
                    what(),
                    self.url().await
                );
            }
            tokio::time::sleep(xtask::process::POLL).await;
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
        self.wait_until(
            || format!("`{css}` to be in the page"),
            || async { self.all(css).await.into_iter().next() },
        )
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

    /// The attribute `name` of the first element matching `css` (waiting for it to be in the
    /// page); `None` when the element does not carry it.
    pub async fn attribute(&self, css: &str, name: &str) -> Option<String> {
        let element = self.wait_for_present(css).await;
        element
            .attr(name)
            .await
            .unwrap_or_else(|e| panic!("{}: cannot read `{css}`'s {name}: {e}", self.browser))
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
        self.wait_until(
            || format!("the address bar to start with {prefix}"),
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

/// Collapses runs of whitespace as a browser renders text.
pub fn normalize_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
