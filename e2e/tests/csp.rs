//! The Content Security Policy itself: the page served carries the policy the build writes,
//! pointed at this provider, with the headers a `<meta>` cannot carry; the browser enforces it
//! (no inline script, no eval, no inline style, no image or request elsewhere); and the watch
//! that fails every other scenario on a violation does see one, in each browser.
//!
//! Every other scenario runs under the same policy and fails on any violation
//! ([`e2e::scenario_with`]).

use e2e::csp::{probe, Violation};
use e2e::in_both_browsers;
use e2e::{Browser, Page, Provider, Setup, Urls};
use serde_json::Value;

// Guards against a served page without the build's policy, or whose policy still names the
// endpoints it was built with (configure and the policy drifting apart), or without the headers
// a meta cannot carry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_page_carries_the_policy_and_the_headers() {
    let provider = Provider::start(Setup::default()).await;
    let urls = provider.urls(Vec::new());
    let outcome = tokio::spawn(async move {
        let response = reqwest::get(&urls.app).await.expect("the app answers");
        let headers = response.headers().clone();
        let html = response.text().await.expect("the page is text");

        let written = xtask::html::written_policy(&html)
            .expect("one policy meta")
            .expect("the served page carries a <meta http-equiv=\"Content-Security-Policy\">");
        let wanted = xtask::csp::Policy::for_page(&html).expect("a policy for the page");
        assert_eq!(written, wanted.to_string());
        assert!(
            written.contains(&format!("connect-src 'self' {};", urls.api)),
            "the policy does not let the page reach this provider: {written}"
        );
        assert!(
            written.contains(&format!("img-src 'self' {};", urls.api)),
            "the policy does not let the page show this provider's covers: {written}"
        );
        for unsafe_source in ["'unsafe-inline'", "'unsafe-eval'"] {
            assert!(!written.contains(unsafe_source), "{written}");
        }
        let meta = html.find("http-equiv=\"Content-Security-Policy\"").unwrap();
        assert!(
            meta < html.find("<script").unwrap(),
            "the policy comes after a script"
        );

        for (name, value) in xtask::csp::HEADERS {
            assert_eq!(
                headers.get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "the app's answer lacks {name}: {value}"
            );
        }

        // The headers file is for static hosts; served here, it is not a page.
        let file = reqwest::get(format!("{}_headers", urls.app))
            .await
            .expect("the app answers");
        let kind = file
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        assert!(
            !kind.contains("html"),
            "_headers is served as a page ({kind})"
        );
        assert_eq!(
            file.headers()
                .get("x-content-type-options")
                .and_then(|v| v.to_str().ok()),
            Some("nosniff")
        );
    })
    .await;
    provider.stop().await;
    if let Err(failure) = outcome {
        std::panic::resume_unwind(failure.into_panic());
    }
}

in_both_browsers! {
    /// Guards against a policy that the browser does not enforce, or a watch that misses what it
    /// blocks (every other scenario would then pass whatever the page does).
    fn enforces_the_policy_and_reports_each_violation(browser) {
        let violations = probe(browser, forbidden_things).await;
        expect_each_forbidden_thing(browser, &violations);
    }
}

/// Loads the app (which must run: the loader's hash, the module, the wasm and the style sheet are
/// allowed), then tries what the policy forbids. WebDriver's own scripts may call `eval` (both
/// browsers exempt the driver's code), so eval is tried as a page would: a string given to
/// `setTimeout`, compiled later by the page.
async fn forbidden_things(page: Page, urls: Urls) {
    page.open(&urls.app).await;
    page.wait_for("button#login").await;
    page.run(
        r#"
        const elsewhere = 'http://127.0.0.1:9';
        const inline = document.createElement('script');
        inline.textContent = 'window.__inlineRan = true;';
        document.head.append(inline);
        setTimeout('window.__evalRan = true', 0);
        const handler = document.createElement('button');
        handler.setAttribute('onclick', 'window.__handlerRan = true');
        document.body.append(handler);
        handler.click();
        document.body.setAttribute('style', 'outline: 1px solid red');
        const image = document.createElement('img');
        image.src = elsewhere + '/cover.png';
        document.body.append(image);
        fetch(elsewhere + '/v1/me').catch(() => {});
        return null;
        "#,
        vec![],
    )
    .await;
    // Give the timer, the blocked image and the request time to be reported.
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let ran = page
        .run(
            "return { inline: window.__inlineRan === true, eval: window.__evalRan === true, \
             handler: window.__handlerRan === true };",
            vec![],
        )
        .await;
    for what in ["inline", "eval", "handler"] {
        assert_eq!(
            ran[what],
            Value::Bool(false),
            "{}: the policy let the {what} script run",
            page.browser()
        );
    }
}

fn expect_each_forbidden_thing(browser: Browser, violations: &[Violation]) {
    let list: Vec<String> = violations.iter().map(|v| v.to_string()).collect();
    let seen = |directive: &str, blocked: &str| {
        violations
            .iter()
            .any(|v| v.directive.starts_with(directive) && v.blocked.contains(blocked))
    };
    for (directive, blocked) in [
        ("script-src-elem", "inline"),
        ("script-src", "eval"),
        ("script-src-attr", "inline"),
        ("style-src-attr", "inline"),
        ("img-src", "127.0.0.1:9"),
        ("connect-src", "127.0.0.1:9"),
    ] {
        assert!(
            seen(directive, blocked),
            "{browser}: no {directive} violation for {blocked}; seen:\n{}",
            list.join("\n")
        );
    }
    assert!(
        violations.iter().all(|v| v.disposition == "enforce"),
        "{browser}: {list:?}"
    );
}
