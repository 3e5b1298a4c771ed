//! The second listener: the app's `dist/` folder, with `index.html` for app routes, and the
//! headers its `_headers` file names on every answer.
//!
//! `cargo xtask build` writes `dist/_headers` for the static hosts that read one (Netlify,
//! Cloudflare Pages): a path pattern on a line, then its headers indented below it, `Name: value`.
//! Serving from that file rather than from a list of our own keeps one statement of the
//! security and cache headers.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::handler::HandlerWithoutStateExt;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::Router;
use tower_http::services::ServeDir;

/// The headers file's name in `dist/`.
pub const HEADERS_FILE: &str = "_headers";

/// The path of the page every app route is answered with.
pub const INDEX: &str = "/index.html";

/// Why the app listener cannot serve a `dist/` folder.
#[derive(Debug)]
pub enum DistError {
    /// The headers file cannot be read.
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A line of the headers file is neither a path, a header under one, a comment nor blank.
    Line { number: usize, why: String },
}

impl fmt::Display for DistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DistError::Unreadable { path, source } => write!(
                f,
                "cannot read {}: {source} (the app listener sends the headers that \
                 `cargo xtask build` writes there)",
                path.display()
            ),
            DistError::Line { number, why } => write!(f, "{HEADERS_FILE}, line {number}: {why}"),
        }
    }
}

impl std::error::Error for DistError {}

/// The rules of a `_headers` file, in file order: a path pattern and its headers.
#[derive(Debug, Default)]
pub struct Rules(Vec<(String, Vec<(HeaderName, HeaderValue)>)>);

impl Rules {
    /// Reads a `_headers` file: `#` comments and blank lines aside, a line that starts at the
    /// margin is a path (`/`, `/index.html`, a `*` matching any run of characters, `/`
    /// included, as in `/*` or `/*.wasm`), and each indented line below it a `Name: value`.
    pub fn parse(text: &str) -> Result<Rules, DistError> {
        let mut rules: Vec<(String, Vec<_>)> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let why = |why: String| DistError::Line {
                number: index + 1,
                why,
            };
            let trimmed = line.trim();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            if !line.starts_with([' ', '\t']) {
                if !trimmed.starts_with('/') {
                    return Err(why(format!("the path {trimmed:?} does not start with /")));
                }
                rules.push((trimmed.to_owned(), Vec::new()));
                continue;
            }
            let Some((_, headers)) = rules.last_mut() else {
                return Err(why("a header before any path".to_owned()));
            };
            let Some((name, value)) = trimmed.split_once(':') else {
                return Err(why(format!("{trimmed:?} is not `Name: value`")));
            };
            let name = HeaderName::try_from(name.trim())
                .map_err(|e| why(format!("{name:?} is no header name: {e}")))?;
            let value = HeaderValue::try_from(value.trim())
                .map_err(|e| why(format!("{value:?} is no header value: {e}")))?;
            headers.push((name, value));
        }
        Ok(Rules(rules))
    }

    /// The headers of every rule whose pattern matches `path`. A header that several rules set
    /// gets their values joined with `, `, as Cloudflare Pages does, so that a file which gives
    /// one path two `Cache-Control`s shows here too.
    pub fn for_path(&self, path: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        let matching = self.0.iter().filter(|(pattern, _)| matches(pattern, path));
        for (name, value) in matching.flat_map(|(_, headers)| headers) {
            let value = match map.get(name) {
                Some(earlier) => {
                    let joined = [earlier.as_bytes(), b", ", value.as_bytes()].concat();
                    HeaderValue::from_bytes(&joined).expect("two header values joined are one")
                }
                None => value.clone(),
            };
            map.insert(name.clone(), value);
        }
        map
    }
}

/// Whether `path` matches `pattern`, each `*` in it standing for any run of characters.
fn matches(pattern: &str, path: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == path,
        Some((head, tail)) => path.strip_prefix(head).is_some_and(|rest| {
            (0..=rest.len()).any(|at| rest.is_char_boundary(at) && matches(tail, &rest[at..]))
        }),
    }
}

/// The path whose rules the answer to `path` takes: a path that names no file (`found` false)
/// and has no extension is an app route (`/callback`), answered with index.html and its rules.
pub fn answered_as(path: &str, found: bool) -> &str {
    let last = path.rsplit('/').next().unwrap_or("");
    match found || last.contains('.') {
        true => path,
        false => INDEX,
    }
}

/// Serves `dir`; an app route gets `index.html` ([`answered_as`]); a missing asset is a 404.
/// Every answer carries the headers `dir/_headers` gives its path; without that file the
/// listener does not start.
pub fn router(dir: &Path) -> Result<Router, DistError> {
    let path = dir.join(HEADERS_FILE);
    let text =
        std::fs::read_to_string(&path).map_err(|source| DistError::Unreadable { path, source })?;
    let rules = Arc::new(Rules::parse(&text)?);
    let index = dir.join("index.html");
    let fallback = (move |request: Request| spa_fallback(index.clone(), request)).into_service();
    let router = Router::new().fallback_service(ServeDir::new(dir).fallback(fallback));
    Ok(router.layer(middleware::from_fn_with_state(rules, with_headers)))
}

/// Marks an answer given with index.html for an app route.
#[derive(Clone, Copy)]
struct AppRoute;

/// The rules' headers; but an error (a file not there yet, or gone) is never cached, whatever the
/// rules say of its path: a browser that kept a 404 for a year under a hashed name would never
/// fetch the file once it is there.
async fn with_headers(State(rules): State<Arc<Rules>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let route = response.extensions().get::<AppRoute>().is_some();
    let failed = response.status().is_client_error() || response.status().is_server_error();
    for (name, value) in &rules.for_path(answered_as(&path, !route)) {
        if !(failed && name == header::CACHE_CONTROL) {
            response.headers_mut().insert(name, value.clone());
        }
    }
    if failed {
        let no_store = HeaderValue::from_static("no-store");
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, no_store);
    }
    response
}

async fn spa_fallback(index: PathBuf, request: Request) -> Response {
    if answered_as(request.uri().path(), false) != INDEX {
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    }
    match tokio::fs::read_to_string(&index).await {
        Ok(html) => {
            let mut response = Html(html).into_response();
            response.extensions_mut().insert(AppRoute);
            response
        }
        Err(_) => (StatusCode::NOT_FOUND, "index.html is missing").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# the build's\n/*\n  X-Content-Type-Options: nosniff\n\
                        \tReferrer-Policy: no-referrer\n\n/index.html\n  Cache-Control: no-cache\n\
                        /app-1*.wasm\n  Cache-Control: public, immutable\n";

    fn header(rules: &Rules, path: &str, name: &str) -> Option<String> {
        let headers = rules.for_path(path);
        headers.get(name).map(|v| v.to_str().unwrap().to_owned())
    }

    // Guards against a rule applied to the wrong paths: `/*` is every path, a `*` within a path
    // any run of characters (slashes included), and a path without one only itself.
    #[test]
    fn patterns_match_as_the_hosts_match_them() {
        for (pattern, path, wanted) in [
            ("/*", "/", true),
            ("/*", "/a/b.js", true),
            ("/index.html", "/index.html", true),
            ("/index.html", "/index.html/x", false),
            ("/", "/callback", false),
            ("/*.wasm", "/a/app_bg.wasm", true),
            ("/*.wasm", "/app.wasm.js", false),
            ("/pkce-playlists-*", "/pkce-playlists-81.js", true),
            ("/pkce-playlists-*", "/main-81.css", false),
            ("/a*b*c", "/aXbYc", true),
            ("/a*b*c", "/aXcYb", false),
        ] {
            assert_eq!(matches(pattern, path), wanted, "{pattern} {path}");
        }
    }

    #[test]
    fn every_matching_rule_gives_its_headers() {
        let rules = Rules::parse(FILE).unwrap();
        assert_eq!(
            header(&rules, "/", "x-content-type-options").as_deref(),
            Some("nosniff")
        );
        assert_eq!(
            header(&rules, "/x.js", "referrer-policy").as_deref(),
            Some("no-referrer")
        );
        assert_eq!(
            header(&rules, "/index.html", "cache-control").as_deref(),
            Some("no-cache")
        );
        assert_eq!(header(&rules, "/", "cache-control"), None);
        let wasm = rules.for_path("/app-1_bg.wasm");
        assert_eq!(wasm.len(), 3);
        assert_eq!(wasm["cache-control"], "public, immutable");
    }

    // Guards against a route (`/callback`, reloaded) answered with index.html but not with its
    // headers, and a missing asset answered as a route.
    #[test]
    fn an_app_route_takes_the_rules_of_index_html() {
        assert_eq!(answered_as("/callback", false), INDEX);
        assert_eq!(answered_as("/playlist/37i9", false), INDEX);
        assert_eq!(answered_as("/missing.js", false), "/missing.js");
        assert_eq!(answered_as("/app-1.js", true), "/app-1.js");
        assert_eq!(answered_as("/", true), "/");
    }

    // Guards against a second `Cache-Control` that a host would join to the first: the joined
    // value shows here as it would there.
    #[test]
    fn a_header_two_rules_set_is_joined() {
        let rules =
            Rules::parse("/*\n  Cache-Control: no-cache\n/a.js\n  Cache-Control: immutable\n");
        let value = header(&rules.unwrap(), "/a.js", "cache-control");
        assert_eq!(value.as_deref(), Some("no-cache, immutable"));
    }

    #[test]
    fn a_malformed_file_is_refused_with_its_line() {
        for (text, line) in [
            ("  X-A: b\n", 1),
            ("/*\n  no colon\n", 2),
            ("/*\n  Bad Name: x\n", 2),
            ("/*\n  X-A: b\n\nhttps://host/*\n  X-A: b\n", 4),
            ("/*\n  ! X-A\n", 2),
        ] {
            match Rules::parse(text) {
                Err(DistError::Line { number, .. }) => assert_eq!(number, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    // Guards against an app listener that starts without the headers the deployment sends.
    #[test]
    fn without_the_headers_file_the_listener_does_not_start() {
        let dir =
            std::env::temp_dir().join(format!("local-spotify-no-headers-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let error = router(&dir).unwrap_err();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(matches!(error, DistError::Unreadable { .. }));
        assert!(error.to_string().contains("_headers"), "{error}");
    }
}
