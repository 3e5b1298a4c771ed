//! Exports, made in the page: one playlist as CSV from erin's untidy data, read back by a CSV
//! reader, and "everything" over heidi's 1,000 playlists, interrupted by a spent quota and resumed
//! without a page read twice.

use std::time::Duration;

use e2e::flows::{open_playlist, sign_in, wait_for_library, TRACKS_LOADED};
use e2e::in_both_browsers;
use e2e::{scenario_with, Admin, Page, Setup, Urls};
use serde_json::json;

/// Makes the page keep every Blob it turns into a download, so the test can read the file.
const CAPTURE_DOWNLOADS: &str = r#"
    window.downloads = [];
    const make = URL.createObjectURL.bind(URL);
    URL.createObjectURL = (blob) => { window.downloads.push(blob); return make(blob); };
    return null;
"#;

/// The text of the `n`th download (0-based).
const DOWNLOAD_TEXT: &str = r#"
    const done = arguments[arguments.length - 1];
    const blob = window.downloads[arguments[0]];
    if (!blob) { done(null); return; }
    blob.text().then(done, () => done(null));
"#;

async fn download(page: &Page, n: usize) -> String {
    page.wait_until(
        || format!("download {n}"),
        || async {
            page.run_async(DOWNLOAD_TEXT, vec![json!(n)])
                .await
                .as_str()
                .map(str::to_owned)
        },
    )
    .await
}

async fn a_playlist_exports_as_csv_that_reads_back(page: Page, urls: Urls, admin: Admin) {
    // The erin playlist with the most untidy entries: local files, episodes, removed tracks.
    let library = admin.library("erin").await;
    let token = admin.access_token("erin").await;
    let mut largest = (String::new(), 0, 0);
    for playlist in &library {
        let id = playlist["id"].as_str().unwrap().to_owned();
        let (_, page) = admin
            .api_get(
                &format!("/playlists/{id}/items?limit=50&additional_types=track,episode"),
                &token,
            )
            .await;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        let untidy = items
            .iter()
            .filter(|e| {
                let content = if e["item"].is_null() {
                    &e["track"]
                } else {
                    &e["item"]
                };
                content.is_null() || content["is_local"] == true || content["type"] == "episode"
            })
            .count();
        let total = page["total"].as_u64().unwrap_or(0) as usize;
        if untidy > largest.2 && total <= 50 {
            largest = (id, total, untidy);
        }
    }
    assert!(largest.2 > 0, "erin has no untidy playlist of one page");
    sign_in(&page, &urls, "erin").await;
    wait_for_library(&page, library.len()).await;
    open_playlist(&page, &largest.0).await;
    page.wait_for_present(TRACKS_LOADED).await;
    page.run(CAPTURE_DOWNLOADS, vec![]).await;
    page.click("button#export-csv").await;
    let text = download(&page, 0).await;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    // The file's first lines, for whoever reads the test's output.
    for line in text.lines().take(4) {
        eprintln!("{}: exported: {line}", page.browser());
    }
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header.first().map(String::as_str), Some("playlist_name"));
    let rows: Vec<csv::StringRecord> = reader
        .records()
        .map(|r| {
            r.unwrap_or_else(|e| panic!("{}: the CSV does not read back: {e}", page.browser()))
        })
        .collect();
    assert_eq!(
        rows.len(),
        largest.1,
        "{}: the CSV has {} rows for {} entries",
        page.browser(),
        rows.len(),
        largest.1
    );
    let kind = header.iter().position(|h| h == "kind").unwrap();
    let kinds: Vec<&str> = rows.iter().map(|r| &r[kind]).collect();
    assert!(
        kinds
            .iter()
            .all(|k| ["track", "episode", "local file", "unavailable"].contains(k)),
        "{}: unexpected kinds {kinds:?}",
        page.browser()
    );
    assert!(
        kinds.iter().any(|k| *k != "track"),
        "{}: erin's untidy playlist exported as tracks only: {kinds:?}",
        page.browser()
    );
}

in_both_browsers! {
    /// Guards against an export that loses entries, crashes on local files, episodes and removed
    /// tracks, or writes CSV that a CSV reader cannot read back (unquoted commas, quotes, newlines).
    fn a_playlist_exports_as_csv_that_reads_back(browser) {
        scenario_with(
            browser,
            Setup::default(),
            a_playlist_exports_as_csv_that_reads_back,
        )
        .await;
    }
}

async fn everything_survives_a_spent_quota(page: Page, urls: Urls, admin: Admin) {
    let library = admin.library("heidi").await;
    sign_in(&page, &urls, "heidi").await;
    // A long library keeps only the rows near the viewport in the DOM: its status line says it all.
    page.wait_for_present(&format!(
        r#"#load-status[data-state="done"][data-count="{}"]"#,
        library.len()
    ))
    .await;
    page.run(CAPTURE_DOWNLOADS, vec![]).await;
    page.click("button#export-everything").await;
    page.wait_for("#everything-plan").await;
    let calls: u64 = page
        .attribute("#everything-plan", "data-calls")
        .await
        .and_then(|c| c.parse().ok())
        .expect("the plan says its calls");
    assert!(
        calls > 100,
        "{}: heidi's export plans only {calls} calls",
        page.browser()
    );

    // The quota runs out part of the way through, and frees up once the window has passed.
    let pages_read = || async {
        admin.requests("GET", "/v1/playlists/{id}/items").await
            + admin.requests("GET", "/v1/me/tracks").await
    };
    let before = pages_read().await;
    let counted = admin.web_api_calls().await;
    admin
        .set_faults(
            json!({ "daily_quota": counted + calls / 2, "quota_window_secs": QUOTA_WINDOW_S }),
        )
        .await;
    page.click("button#everything-csv").await;
    page.wait_for_present_within(
        Duration::from_secs(120),
        r#"#everything-stopped[data-error="quota-exceeded"]"#,
    )
    .await;
    let said = page.text("#everything-stopped").await;
    assert!(
        said.contains("daily limit") && said.contains("frees up at"),
        "{}: {said}",
        page.browser()
    );
    let done: u64 = page
        .attribute("#everything-stopped", "data-done")
        .await
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    assert!(
        done > 0 && done < calls,
        "{}: stopped after {done} of {calls}",
        page.browser()
    );

    // Going on before the quota frees up spends nothing; after, the export finishes.
    // Calls on the wire when the quota was found spent are refused too, and sent again later: they
    // were never read.
    let refused = admin.quota_refused().await;
    assert!(
        refused >= 1,
        "{}: the provider refused nothing",
        page.browser()
    );
    tokio::time::sleep(Duration::from_secs(QUOTA_WINDOW_S + 2)).await;
    page.click("button#everything-resume").await;
    page.wait_for_present_within(Duration::from_secs(120), "#everything-done")
        .await;
    let read = pages_read().await - before;
    assert_eq!(
        read,
        calls + refused,
        "{}: the export planned {calls} calls and made {read}, {refused} of them refused by the spent quota: a \
         page was read twice, or one was left out",
        page.browser()
    );
    let file = download(&page, 0).await;
    let rows = file.lines().count();
    assert!(
        rows > library.len(),
        "{}: the export has only {rows} lines",
        page.browser()
    );
}

/// The quota's window in this scenario: the export outlasts it no more than the test can wait.
const QUOTA_WINDOW_S: u64 = 30;

fn exposed() -> Setup {
    Setup {
        exposed_retry_after: true,
        ..Setup::default()
    }
}

in_both_browsers! {
    /// Guards against the most reported failure of export tools: a large export that a spent quota
    /// breaks for good, or that starts over and reads again what it had read.
    fn everything_survives_a_spent_quota(browser) {
        scenario_with(
            browser,
            exposed(),
            everything_survives_a_spent_quota,
        )
        .await;
    }
}
