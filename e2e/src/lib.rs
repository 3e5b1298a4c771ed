//! The harness for the end-to-end tests in `tests/`: the local provider running in process on
//! free ports and serving a copy of `dist/` ([`provider`]), a WebDriver (chromedriver or
//! geckodriver) with a headless browser ([`browser`]), and a [`Page`] with explicit waits
//! ([`page`]). This file only runs scenarios: every process is killed when its guard drops, and
//! the browser session is closed even when a scenario fails.
//!
//! Environment (set by `cargo xtask test`; a plain `cargo test -p e2e` falls back as shown):
//!
//! | variable | meaning | fallback |
//! |---|---|---|
//! | `E2E_DIST` | the built app | `<workspace>/dist` (`cargo xtask build`) |
//! | `CHROMEDRIVER`, `CHROMIUM_BIN` | Chrome's driver and browser | `chromedriver`, `chromium` on PATH |
//! | `GECKODRIVER`, `FIREFOX_BIN` | Firefox's driver and browser | `~/.cargo/bin/geckodriver`, `firefox-esr` on PATH |
//! | `AXE_CORE_JS` | axe-core's `axe.min.js`, for the accessibility tests ([`axe`]) | none: those tests fail and say to run `cargo xtask test` |
//!
//! The provider serves requests on the test's tokio runtime: run scenarios on a multi-threaded
//! one (`#[tokio::test(flavor = "multi_thread")]`), so that nothing a scenario blocks on can
//! stall it.

pub mod axe;
pub mod bench;
pub mod browser;
pub mod csp;
pub mod flows;
pub mod gate;
pub mod page;
pub mod provider;
mod support;

use std::future::Future;

pub use browser::{Browser, Session};
pub use page::{normalize_space, Page, Tab, WAIT};
pub use provider::{Admin, Discovery, Provider, Setup};

/// One scenario as two tests, `<name>::chromium` and `<name>::firefox`: the body runs with
/// `browser` bound to each in turn, on a multi-threaded runtime (see the module's notes).
#[macro_export]
macro_rules! in_both_browsers {
    ($(#[$doc:meta])* fn $name:ident($browser:ident) $body:block) => {
        $(#[$doc])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($browser: $crate::Browser) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn chromium() {
                run($crate::Browser::Chromium).await
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn firefox() {
                run($crate::Browser::Firefox).await
            }
        }
    };
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
    /// The copy of `dist/` the provider serves, as the app's origin.
    pub served: std::path::PathBuf,
}

/// Runs one end-to-end scenario in `browser` against a fresh provider as it is by default.
pub async fn scenario<F, Fut>(browser: Browser, body: F)
where
    F: FnOnce(Page, Urls) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    scenario_with(browser, Setup::default(), |page, urls, _| body(page, urls)).await;
}

/// Runs one end-to-end scenario in `browser` against a fresh provider started as `setup` says;
/// the scenario gets the provider's [`Admin`] calls too. Fails on any policy violation.
pub async fn scenario_with<F, Fut>(browser: Browser, setup: Setup, body: F)
where
    F: FnOnce(Page, Urls, Admin) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let violations = run(browser, setup, body).await;
    csp::assert_none(browser, &violations);
}

/// Runs a scenario and returns the policy violations it caused. The scenario runs as its own task
/// so that a failing assertion cannot skip the cleanup: what every tab showed is printed, the
/// browser session is closed, and then the failure is re-raised. The provider's request log is in
/// the test's own output.
async fn run<F, Fut>(browser: Browser, setup: Setup, body: F) -> Vec<csp::Violation>
where
    F: FnOnce(Page, Urls, Admin) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let provider = Provider::start(setup).await;
    let admin = provider.admin();
    let urls = provider.urls(admin.playlist_names("alice").await);
    let session = Session::start(browser).await;
    let page = session.page();
    let outcome = tokio::spawn(body(page.clone(), urls, admin)).await;
    let violations = session.csp_violations().await;
    if outcome.is_err() {
        for (n, tab) in page.tabs().await.iter().enumerate() {
            if page.switch_quietly(tab).await {
                let source = page.source().await;
                let head = &source[..source.floor_char_boundary(4000)];
                let url = page.url().await;
                eprintln!(
                    "--- {browser}, tab {} was at {url}; its first 4000 bytes:\n{head}",
                    n + 1
                );
            }
        }
        let log = session.driver_log();
        let tail = &log[log.ceil_char_boundary(log.len().saturating_sub(4000))..];
        eprintln!("--- {browser} driver log (last 4000 bytes):\n{tail}");
    }
    session.close().await;
    provider.stop().await;
    if let Err(failure) = outcome {
        match failure.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("the {browser} scenario did not finish: {e}"),
        }
    }
    violations
}
