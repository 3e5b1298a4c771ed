//! Reads that survive a rate-limited or failing API: the one pause every request waits out, retries with
//! backoff, and "Try again" that resumes where the load stopped. Requests are observed through the browser's
//! resource timing, so what is asserted is what went on the wire.

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

use crate::support::{
    admin, fresh_session, mount_playlists, reset_faults, wait_for, wait_up_to, window,
};

/// A request the page sent: its URL, and when it started and ended, in ms since the page loaded.
struct Sent {
    url: String,
    start_ms: f64,
    end_ms: f64,
}

fn clear_requests() {
    let performance = window().performance().unwrap();
    performance.set_resource_timing_buffer_size(20_000);
    performance.clear_resource_timings();
}

/// The Web API requests sent since [`clear_requests`], in the order they started.
fn api_requests() -> Vec<Sent> {
    let entries = window()
        .performance()
        .unwrap()
        .get_entries_by_type("resource");
    let mut sent: Vec<Sent> = entries
        .iter()
        .map(|e| e.unchecked_into::<web_sys::PerformanceEntry>())
        .filter(|e| e.name().contains("/v1/"))
        .map(|e| Sent {
            url: e.name(),
            start_ms: e.start_time(),
            end_ms: e.start_time() + e.duration(),
        })
        .collect();
    sent.sort_by(|a, b| a.start_ms.total_cmp(&b.start_ms));
    sent
}

fn offset_of(url: &str) -> Option<u32> {
    url.split("offset=").nth(1)?.split('&').next()?.parse().ok()
}

/// Guards against a 429 in the middle of a long library stopping the load, being retried before its
/// `Retry-After`, or other requests going out during the pause: every page loads, and nothing is sent in the
/// 2 s after the 429 arrived (pages already on the wire when it arrived may finish).
#[wasm_bindgen_test]
async fn a_429_mid_library_pauses_every_request_then_loads_it_all() {
    let config = fresh_session("carol").await;
    admin(
        "faults",
        r#"{"rules":[{"path":"/v1/me/playlists","method":"GET","query":"offset=100","status":429,"retry_after":2}]}"#,
    )
    .await;
    clear_requests();
    let page = mount_playlists(&config);
    let pause = std::cell::Cell::new(None);
    wait_for("the pause to show", || {
        pause.set(page.app.pause.get_untracked());
        page.attr("#load-status", "data-pause").as_deref() == Some("rate-limited")
    })
    .await;
    let pause = pause.get().expect("the app's pause");
    wait_up_to(60_000, "the whole library", || {
        page.attr("#load-status", "data-state").as_deref() == Some("done")
    })
    .await;
    let total = page.app.library.list.len_untracked();
    reset_faults().await;
    assert_eq!(total, 10_000, "every playlist is there");
    let sent = api_requests();
    let pages: Vec<&Sent> = sent
        .iter()
        .filter(|s| s.url.contains("/me/playlists"))
        .collect();
    let limited = pages
        .iter()
        .find(|s| offset_of(&s.url) == Some(100))
        .expect("the page at offset 100 was asked for");
    assert_eq!(offset_of(&limited.url), Some(100), "that page got the 429");
    let retry = pages
        .iter()
        .filter(|s| offset_of(&s.url) == Some(100))
        .nth(1)
        .expect("the page is asked again");
    assert!(
        retry.start_ms >= limited.end_ms + 1_990.0,
        "retried {} ms after the 429",
        retry.start_ms - limited.end_ms
    );
    // The pause, as the app knows it, on the page's clock: from when it learned of the 429 to its end.
    let origin = window().performance().unwrap().time_origin();
    let until = pause.until_ms as f64 - origin;
    let during: Vec<String> = sent
        .iter()
        .filter(|s| s.start_ms > until - 2_000.0 + 1.0 && s.start_ms < until - 1.0)
        .map(|s| format!("{} at {:.0} ms", s.url, s.start_ms - (until - 2_000.0)))
        .collect();
    assert!(
        during.is_empty(),
        "requests went out during the pause: {during:?}"
    );
    assert_eq!(pages.len(), 201, "200 pages and one retry");
}

/// Guards against a 429 without CORS headers (the page sees a network error) failing the load: three times,
/// then the API answers, and the library loads with no click.
#[wasm_bindgen_test]
async fn a_429_without_cors_three_times_is_waited_out() {
    let config = fresh_session("alice").await;
    admin(
        "faults",
        r#"{"rules":[{"path":"/v1/me/playlists","status":429,"no_cors":true,"times":3}]}"#,
    )
    .await;
    let page = mount_playlists(&config);
    wait_up_to(30_000, "the library", || {
        page.attr("#load-status", "data-state").as_deref() == Some("done")
    })
    .await;
    reset_faults().await;
    assert!(page.count("li.playlist") > 10);
    assert!(!page.has("#load-error"));
}

/// Guards against a passing server error needing a click: 503 twice, then the library loads by itself.
#[wasm_bindgen_test]
async fn two_server_errors_are_retried_without_a_click() {
    let config = fresh_session("alice").await;
    admin(
        "faults",
        r#"{"rules":[{"path":"/v1/me/playlists","status":503,"times":2}]}"#,
    )
    .await;
    let page = mount_playlists(&config);
    wait_up_to(30_000, "the library", || {
        page.attr("#load-status", "data-state").as_deref() == Some("done")
    })
    .await;
    reset_faults().await;
    assert!(page.count("li.playlist") > 10);
}

/// Guards against "Try again" starting a long load over: a 503 that does not pass stops the load with an
/// error; once the fault is lifted, "Try again" resumes it, and no page already shown is fetched again.
#[wasm_bindgen_test]
async fn try_again_resumes_where_the_load_stopped() {
    let config = fresh_session("carol").await;
    admin(
        "faults",
        r#"{"rules":[{"path":"/v1/me/playlists","method":"GET","query":"offset=150","status":503,"times":0}]}"#,
    )
    .await;
    clear_requests();
    let page = mount_playlists(&config);
    assert_eq!(
        {
            wait_up_to(30_000, "the error", || page.has("#load-error")).await;
            page.attr("#load-error", "data-error")
        }
        .as_deref(),
        Some("server")
    );
    let shown = page.app.library.list.len_untracked();
    assert_eq!(shown, 150, "three pages are shown");
    reset_faults().await;
    page.click("#load-error button#try-again").await;
    wait_up_to(60_000, "the whole library", || {
        page.attr("#load-status", "data-state").as_deref() == Some("done")
    })
    .await;
    assert_eq!(page.app.library.list.len_untracked(), 10_000);
    let sent = api_requests();
    for offset in [0, 50, 100] {
        let times = sent
            .iter()
            .filter(|s| s.url.contains("/me/playlists") && offset_of(&s.url) == Some(offset))
            .count();
        assert_eq!(
            times, 1,
            "the page at offset {offset} was fetched {times} times"
        );
    }
}
