//! The second listener: a `dist/` folder with `index.html` for app routes.

use std::path::PathBuf;

use reqwest::StatusCode;

use crate::common::*;

fn temp_dist() -> PathBuf {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).expect("random");
    let dir =
        std::env::temp_dir().join(format!("local-spotify-dist-{}", u64::from_le_bytes(bytes)));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("index.html"), "<!doctype html><title>app</title>").expect("write");
    std::fs::write(dir.join("app_bg.wasm"), b"\0asm\x01\0\0\0").expect("write");
    std::fs::write(dir.join("app.js"), "export {}").expect("write");
    std::fs::write(dir.join("_headers"), HEADERS_FILE).expect("write");
    dir
}

/// A `_headers` file of the shape `cargo xtask build` writes (xtask's tests check that the
/// provider reads the one it writes as meant).
const HEADERS_FILE: &str =
    "# the build's\n/*\n  Content-Security-Policy: frame-ancestors 'none'\n  \
    Cross-Origin-Opener-Policy: same-origin\n  X-Content-Type-Options: nosniff\n  \
    Referrer-Policy: no-referrer\n/\n  Cache-Control: no-cache\n/index.html\n  \
    Cache-Control: no-cache\n/app.js\n  Cache-Control: public, max-age=31536000, immutable\n\
    /app_bg.wasm\n  Cache-Control: public, max-age=31536000, immutable\n";

/// The headers every answer of the app listener must carry: those of `/*` in [`HEADERS_FILE`].
fn security_headers() -> Vec<(String, String)> {
    let rule = HEADERS_FILE.split("\n/").nth(1).expect("a /* rule");
    (rule.lines().skip(1))
        .filter_map(|line| line.trim().split_once(": "))
        .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
        .collect()
}

#[tokio::test]
async fn every_answer_of_the_app_listener_carries_the_security_headers() {
    // Guards against the app being framed (clickjacking), sharing its window with an opener of
    // another origin, having an asset sniffed into something else, or leaking the code in a
    // Referer: on pages, assets, app routes and 404s alike.
    let dir = temp_dist();
    let d = dir.clone();
    let h = start_with(move |c| c.serve_dist = Some(d)).await;
    let app = h.server.app_url().expect("an app listener");
    for path in [
        "",
        "callback?code=abc&state=x",
        "app_bg.wasm",
        "app.js",
        "missing.js",
    ] {
        let r = h.get_absolute(&format!("{app}{path}")).await;
        let headers = security_headers();
        assert_eq!(headers.len(), 4);
        for (name, value) in headers {
            assert_eq!(
                r.headers().get(&name).and_then(|v| v.to_str().ok()),
                Some(value.as_str()),
                "/{path}: {name}"
            );
        }
    }
    h.server.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_page_is_revalidated_and_hashed_files_are_kept() {
    // Guards against a stale page that names last build's files (index.html, or an app route
    // reloaded, cached), against hashed files fetched again on every load, and against a 404
    // kept for a year under a hashed name.
    let dir = temp_dist();
    let d = dir.clone();
    let h = start_with(move |c| c.serve_dist = Some(d)).await;
    let app = h.server.app_url().expect("an app listener");
    for (path, wanted) in [
        ("", Some("no-cache")),
        ("index.html", Some("no-cache")),
        ("callback?code=abc&state=x", Some("no-cache")),
        ("playlist/37i9dQZF1DXcBWIGoYBM5M", Some("no-cache")),
        ("app.js", Some("public, max-age=31536000, immutable")),
        ("app_bg.wasm", Some("public, max-age=31536000, immutable")),
        ("missing.js", Some("no-store")),
    ] {
        let r = h.get_absolute(&format!("{app}{path}")).await;
        let cache = r
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok());
        assert_eq!(cache, wanted, "/{path}");
    }
    // A hashed file not there (yet: a deploy half done) is not kept: it is fetched again.
    std::fs::remove_file(dir.join("app.js")).expect("remove");
    let r = h.get_absolute(&format!("{app}app.js")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let cache = r
        .headers()
        .get("cache-control")
        .and_then(|v| v.to_str().ok());
    assert_eq!(cache, Some("no-store"), "a missing hashed file");
    h.server.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn the_app_is_served_with_a_fallback_and_no_referrer() {
    // Guards against /callback 404ing on reload, the wasm refusing to stream-compile, and the code leaking via Referer.
    let dir = temp_dist();
    let d = dir.clone();
    let h = start_with(move |c| c.serve_dist = Some(d)).await;
    let app = h.server.app_url().expect("an app listener");
    assert_ne!(h.server.app_addr, Some(h.server.addr));

    for path in ["", "callback?code=abc&state=x", "some/deep/route"] {
        let r = h.get_absolute(&format!("{app}{path}")).await;
        assert_eq!(r.status(), StatusCode::OK, "/{path}");
        assert_eq!(r.headers()["referrer-policy"], "no-referrer");
        assert!(header_str(&r, "content-type").starts_with("text/html"));
        assert_eq!(
            r.text().await.expect("text"),
            "<!doctype html><title>app</title>"
        );
    }
    let wasm = h.get_absolute(&format!("{app}app_bg.wasm")).await;
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(wasm.headers()["referrer-policy"], "no-referrer");
    let js = h.get_absolute(&format!("{app}app.js")).await;
    assert!(header_str(&js, "content-type").contains("javascript"));
    let missing = h.get_absolute(&format!("{app}missing.js")).await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let escape = h
        .get_absolute(&format!("{app}..%2F..%2Fetc%2Fpasswd"))
        .await;
    assert_ne!(escape.status(), StatusCode::OK);

    h.server.shutdown().await;
    let _ = std::fs::remove_dir_all(dir);
}
