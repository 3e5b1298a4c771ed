//! The app's Content Security Policy and the headers of a deployment, as values (no HTML here:
//! [`crate::html`] reads the page and writes the policy into its `<meta>`). What a `<meta>`
//! cannot carry is in [`HEADERS`], which [`headers_file`] writes into `dist/_headers` with the
//! cache rules, for the hosts that read it and the local provider's `--serve-dist`.

use std::fmt;

use anyhow::{anyhow, Result};
use base64::Engine as _;
use serde_json::Value;
use sha2::Digest as _;

/// On every answer: no framing (`frame-ancestors` is ignored in a `<meta>`), no opener shared
/// with other origins, no content sniffing, and no `Referer`, so the authorization code in
/// `/callback?code=...` never leaves in one.
pub const HEADERS: [(&str, &str); 4] = [
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
];

/// The headers file's name in `dist/` (Netlify and Cloudflare Pages read it and do not serve it).
pub const HEADERS_FILE: &str = "_headers";
/// The `Cache-Control` of a file whose name carries its content's hash: it never changes.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The `Cache-Control` of `index.html`, which names the current build's files.
pub const NO_CACHE: &str = "no-cache";

/// Spotify's image CDNs, by domain: the hosts of its covers keep growing (`i.scdn.co`,
/// `mosaic.scdn.co`, `pickasso.spotifycdn.com`, ...), and both domains serve images only.
pub const SPOTIFY_IMAGE_SOURCES: [&str; 2] = ["https://*.scdn.co", "https://*.spotifycdn.com"];

/// The app's policy: fixed directives plus what the page and its configuration call for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Policy {
    /// `'sha256-...'` of each inline script the page runs, in page order.
    pub script_hashes: Vec<String>,
    /// Image sources beyond `'self'`.
    pub img: Vec<String>,
    /// Origins `fetch` may reach beyond `'self'`.
    pub connect: Vec<String>,
    /// The origins the app reaches as it starts, whose connections the page opens while it
    /// loads (`<link rel="preconnect">`), so the first requests wait for no TLS handshake.
    pub preconnect: Vec<String>,
}

impl Policy {
    /// The origins a configuration block calls for. `connect-src`: the token endpoint, the
    /// revocation endpoint, the issuer (whose metadata the app reads) and the Web API (the
    /// authorization endpoint is a navigation, which no directive governs). `img-src`: Spotify's
    /// image CDNs for Spotify's Web API, else the Web API's origin (the local provider's covers).
    pub fn for_config(config: &Value) -> Result<Policy> {
        let mut policy = Policy::default();
        let api = match field(config, "api_base_url")? {
            Some(url) => Some(origin("api_base_url", url)?),
            // The app's default: an issuer alone serves its Web API under it.
            None => field(config, "issuer")?
                .map(|url| origin("issuer", url))
                .transpose()?,
        };
        for name in ["token_endpoint", "revocation_endpoint", "issuer"] {
            if let Some(url) = field(config, name)? {
                // Revocation is for log out, long after the start.
                policy.reach(&origin(name, url)?, name != "revocation_endpoint");
            }
        }
        if let Some(api) = api {
            policy.reach(&api, true);
            policy.img = match is_spotify(&api) {
                true => SPOTIFY_IMAGE_SOURCES.map(str::to_owned).to_vec(),
                false => vec![api],
            };
        }
        Ok(policy)
    }

    /// Lets the page reach `origin`, and opens its connection while the page loads if asked.
    pub fn reach(&mut self, origin: &str, preconnect: bool) {
        push_new(&mut self.connect, origin);
        if preconnect {
            push_new(&mut self.preconnect, origin);
        }
    }

    /// Adds `more`'s sources after this policy's, each once: the origins a page reaches that its
    /// block does not name (an issuer's discovered endpoints, a test's second port for images).
    pub fn merge(&mut self, more: &Policy) {
        let add = |mine: &mut _, theirs: &[String]| theirs.iter().for_each(|t| push_new(mine, t));
        add(&mut self.script_hashes, &more.script_hashes);
        add(&mut self.img, &more.img);
        add(&mut self.connect, &more.connect);
        add(&mut self.preconnect, &more.preconnect);
    }
}

/// `default-src 'none'; script-src 'self' 'wasm-unsafe-eval' 'sha256-...'; ...`. `'self'` in
/// `connect-src`: wasm-bindgen's loader fetches the `.wasm`, Trunk preloads it `as="fetch"`, and
/// the split loader fetches the split modules (`xtask::split`).
impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |more: &[String]| more.iter().map(|s| format!(" {s}")).collect::<String>();
        let scripts = list(&self.script_hashes);
        let (img, connect) = (list(&self.img), list(&self.connect));
        write!(
            f,
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'{scripts}; style-src 'self'; \
             img-src 'self'{img}; connect-src 'self'{connect}; base-uri 'none'; form-action 'none'; \
             object-src 'none'"
        )
    }
}

/// `'sha256-<base64>'` of an inline script's text as a browser hashes it: line breaks
/// normalized to `\n` (as the HTML parser does), UTF-8 encoded.
pub fn script_hash(text: &str) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let digest = sha2::Sha256::digest(text.as_bytes());
    let base64 = base64::engine::general_purpose::STANDARD.encode(digest);
    format!("'sha256-{base64}'")
}

/// The `_headers` file: [`HEADERS`] on every path, [`NO_CACHE`] on the page and [`IMMUTABLE`] on
/// each of `hashed` (`/name`). No path gets two `Cache-Control`s: a host joins the values of
/// every rule that matches.
pub fn headers_file(hashed: &[String]) -> String {
    let mut text = String::from(
        "# Written by `cargo xtask build`: the security headers a <meta> cannot carry, and how long\n\
         # each file may be cached. An app route (/callback) is index.html: the local provider\n\
         # gives it index.html's rules, a host its own revalidating default.\n/*\n",
    );
    for (name, value) in HEADERS {
        text += &format!("  {name}: {value}\n");
    }
    let pages = ["/", "/index.html"].map(|page| (page, NO_CACHE));
    let files = hashed.iter().map(|file| (file.as_str(), IMMUTABLE));
    for (path, value) in pages.into_iter().chain(files) {
        text += &format!("{path}\n  Cache-Control: {value}\n");
    }
    text
}

fn field<'a>(config: &'a Value, name: &str) -> Result<Option<&'a str>> {
    match config.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(no_origin(name, &other.to_string(), "it is not a string")),
    }
}

/// `scheme://host[:port]` of the URL in the configuration field `name` (no path, query or
/// fragment: a source with a path allows only that path).
pub fn origin(name: &str, value: &str) -> Result<String> {
    let url = url::Url::parse(value).map_err(|e| no_origin(name, value, &e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") || !url.origin().is_tuple() {
        return Err(no_origin(name, value, "it is not an http or https URL"));
    }
    Ok(url.origin().ascii_serialization())
}

fn no_origin(name: &str, value: &str, why: &str) -> anyhow::Error {
    anyhow!("the configuration field \"{name}\" ({value:?}) gives no origin for the policy: {why}")
}

fn is_spotify(origin: &str) -> bool {
    let url = url::Url::parse(origin).ok();
    let host = url.as_ref().and_then(url::Url::host_str).unwrap_or("");
    host == "spotify.com" || host.ends_with(".spotify.com")
}

pub(crate) fn push_new(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|have| have == item) {
        list.push(item.to_owned());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Guards against a hash of anything but the script's exact text (a trimmed or re-indented
    // text): the browser would refuse to run the app. A value computed independently:
    // printf 'alert(1)' | openssl sha256 -binary | base64
    #[test]
    fn a_script_hash_is_of_its_exact_text() {
        assert_eq!(
            script_hash("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
        assert_ne!(script_hash(" alert(1)"), script_hash("alert(1)"));
    }

    // Guards against a page saved with CRLF line endings: the parser turns them into LF before the
    // browser hashes the text.
    #[test]
    fn line_breaks_are_normalized_before_hashing() {
        assert_eq!(script_hash("a\r\nb\rc"), script_hash("a\nb\nc"));
    }

    #[test]
    fn the_spotify_preset_allows_spotifys_image_cdns() {
        let config = json!({
            "client_id": "x",
            "authorization_endpoint": "https://accounts.spotify.com/authorize",
            "token_endpoint": "https://accounts.spotify.com/api/token",
            "api_base_url": "https://api.spotify.com/v1",
        });
        let policy = Policy::for_config(&config).unwrap();
        assert_eq!(
            policy.connect,
            ["https://accounts.spotify.com", "https://api.spotify.com"]
        );
        assert_eq!(policy.img, SPOTIFY_IMAGE_SOURCES);
    }

    // Guards against a path, query, fragment or default port leaking into a source expression:
    // `https://a.example/api/token?x=1` as a source would allow only that path (and leak the
    // query into the page's policy).
    #[test]
    fn an_endpoint_contributes_only_its_origin() {
        let config = json!({
            "token_endpoint": "https://Accounts.Example:443/oauth2/token?tenant=x#f",
            "api_base_url": "https://api.example:8443/v1/",
            "revocation_endpoint": "https://accounts.example/oauth2/revoke",
        });
        let policy = Policy::for_config(&config).unwrap();
        assert_eq!(
            policy.connect,
            ["https://accounts.example", "https://api.example:8443"]
        );
        assert_eq!(policy.img, ["https://api.example:8443"]);
    }

    // Guards against a discovery-configured app whose metadata request the policy would block.
    #[test]
    fn an_issuer_is_reached_for_its_metadata() {
        let config = json!({ "client_id": "x", "issuer": "https://id.example/tenant/7" });
        let policy = Policy::for_config(&config).unwrap();
        assert_eq!(policy.connect, ["https://id.example"]);
        assert_eq!(policy.img, ["https://id.example"]);
        let config = json!({
            "issuer": "https://id.example",
            "token_endpoint": "https://id.example/token",
            "api_base_url": "https://api.example/v1",
        });
        assert_eq!(
            Policy::for_config(&config).unwrap().connect,
            ["https://id.example", "https://api.example"]
        );
    }

    #[test]
    fn an_endpoint_without_an_origin_is_refused() {
        for value in [
            json!("/api/token"),
            json!("data:text/plain,x"),
            json!("javascript:alert(1)"),
            json!(7),
        ] {
            let config = json!({ "token_endpoint": value });
            let error = Policy::for_config(&config).expect_err(&format!("{value} was accepted"));
            assert!(
                error.to_string().contains("field \"token_endpoint\""),
                "{error}"
            );
        }
    }

    // Guards against a code exchange and a first page that wait for a TLS handshake the page could
    // have started while it loaded, and against preconnecting to what is reached only at log out.
    #[test]
    fn the_app_preconnects_to_what_it_reaches_at_start() {
        let config = json!({
            "token_endpoint": "https://accounts.example/api/token",
            "revocation_endpoint": "https://revoke.example/revoke",
            "api_base_url": "https://api.example/v1",
        });
        let policy = Policy::for_config(&config).unwrap();
        assert_eq!(
            policy.preconnect,
            ["https://accounts.example", "https://api.example"]
        );
        assert!(policy
            .connect
            .contains(&"https://revoke.example".to_owned()));
    }

    // Guards against sources added twice, or added in place of the block's own.
    #[test]
    fn merged_sources_come_once_after_the_blocks() {
        let config = json!({ "api_base_url": "http://127.0.0.1:8081/v1" });
        let mut policy = Policy::for_config(&config).unwrap();
        let mut more = Policy {
            img: vec!["http://127.0.0.1:9".into(), "http://127.0.0.1:8081".into()],
            ..Policy::default()
        };
        more.reach("https://tokens.example", true);
        policy.merge(&more);
        assert_eq!(policy.img, ["http://127.0.0.1:8081", "http://127.0.0.1:9"]);
        assert_eq!(
            policy.connect,
            ["http://127.0.0.1:8081", "https://tokens.example"]
        );
        assert!(policy
            .to_string()
            .contains("img-src 'self' http://127.0.0.1:8081 http://127.0.0.1:9;"));
    }

    const HASHED: [&str; 2] = ["/app-1.js", "/app-1_bg.wasm"];

    #[test]
    fn the_headers_file_carries_every_header_and_a_cache_rule_per_file() {
        let file = headers_file(&HASHED.map(str::to_owned));
        let lines: Vec<&str> = file.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            [
                "/*",
                "  Content-Security-Policy: frame-ancestors 'none'",
                "  Cross-Origin-Opener-Policy: same-origin",
                "  X-Content-Type-Options: nosniff",
                "  Referrer-Policy: no-referrer",
                "/",
                "  Cache-Control: no-cache",
                "/index.html",
                "  Cache-Control: no-cache",
                "/app-1.js",
                "  Cache-Control: public, max-age=31536000, immutable",
                "/app-1_bg.wasm",
                "  Cache-Control: public, max-age=31536000, immutable",
            ]
        );
    }

    // Guards against the local provider and the deployed headers drifting apart, and against a
    // stale page (one that names last build's files) or a hashed file fetched again each time:
    // the provider reads the file the build writes, and gives index.html, an app route (answered
    // with index.html) and a hashed file their headers.
    #[test]
    fn the_provider_serves_the_headers_file_as_written() {
        let rules =
            local_spotify::dist::Rules::parse(&headers_file(&HASHED.map(str::to_owned))).unwrap();
        let get = |path: &str| {
            let headers = rules.for_path(path);
            let value = |name: &str| headers.get(name).map(|v| v.to_str().unwrap().to_owned());
            for (name, wanted) in HEADERS {
                assert_eq!(value(name).as_deref(), Some(wanted), "{path}: {name}");
            }
            value("cache-control")
        };
        assert_eq!(get("/index.html").as_deref(), Some(NO_CACHE));
        assert_eq!(get("/").as_deref(), Some(NO_CACHE));
        let route = local_spotify::dist::answered_as("/playlist/abc", false);
        assert_eq!(get(route).as_deref(), Some(NO_CACHE));
        assert_eq!(get("/app-1_bg.wasm").as_deref(), Some(IMMUTABLE));
        assert_eq!(get("/app-1.js").as_deref(), Some(IMMUTABLE));
        assert_eq!(get("/missing.js"), None);
    }
}
