//! The app's Content Security Policy and the security headers of a deployment.
//!
//! The policy is computed by one function, [`Policy::for_page`], from a built `index.html`: the
//! hash of every inline script the page runs (Trunk's loader) and the origins its configuration
//! block names. [`write_policy`] puts it in a `<meta http-equiv="Content-Security-Policy">` before
//! any script, so any static host serves it; `cargo xtask build` writes it, and
//! [`crate::config_block::replace_config_block`] recomputes it whenever it rewrites the block
//! (`cargo xtask configure`, `cargo xtask demo`, the end-to-end tests), so the endpoints and the
//! policy cannot drift apart.
//!
//! What a `<meta>` cannot carry (`frame-ancestors` is ignored there, and the others are not
//! policies) is in [`HEADERS`], written as `dist/_headers` for static hosts that read one
//! (Netlify, Cloudflare Pages) and sent by the local provider's `--serve-dist`.

use std::fmt;
use std::ops::Range;
use std::path::Path;

use base64::Engine as _;
use serde_json::Value;
use sha2::Digest as _;

use crate::config_block::{self, ConfigBlockError};

/// The `http-equiv` of the policy's `<meta>`.
pub const HTTP_EQUIV: &str = "Content-Security-Policy";

/// The headers a `<meta>` cannot carry: no framing (clickjacking), no opener shared with other
/// origins, no content sniffing, no `Referer` (the authorization code in `/callback?code=...`
/// must never leave in one). The local provider's `--serve-dist` sends the same
/// (`local_spotify::dist::SECURITY_HEADERS`; an xtask test keeps the two equal).
pub const HEADERS: [(&str, &str); 4] = [
    ("Content-Security-Policy", "frame-ancestors 'none'"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
];

/// The headers file's name in `dist/` (Netlify and Cloudflare Pages read it and do not serve it).
pub const HEADERS_FILE: &str = "_headers";

/// Where Spotify serves images from: playlist covers on `i.scdn.co` (uploaded),
/// `mosaic.scdn.co` (four album covers), `image-cdn-ak.spotifycdn.com` and
/// `image-cdn-fa.spotifycdn.com`; Spotify's own playlists on `pickasso.spotifycdn.com`,
/// `seed-mix-image.spotifycdn.com`, `dailymix-images.scdn.co`, `charts-images.scdn.co`,
/// `blend-playlist-covers.spotifycdn.com` and more. The list keeps growing, and both domains
/// are Spotify's image CDNs only, so the policy names the two domains.
pub const SPOTIFY_IMAGE_SOURCES: [&str; 2] = ["https://*.scdn.co", "https://*.spotifycdn.com"];

/// Why a page's policy could not be computed or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// The configuration block is missing or unreadable.
    Config(ConfigBlockError),
    /// A field of the block that names an origin the page talks to is not an absolute URL with
    /// an origin.
    Endpoint {
        field: &'static str,
        value: String,
        why: String,
    },
    /// More than one `<meta http-equiv="Content-Security-Policy">`: a browser enforces them all.
    DuplicateMeta,
    /// No `<head>` to put the policy in.
    NoHead,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Config(e) => e.fmt(f),
            Self::Endpoint { field, value, why } => write!(
                f,
                "the configuration field \"{field}\" ({value:?}) gives no origin for the \
                 Content Security Policy: {why}"
            ),
            Self::DuplicateMeta => write!(
                f,
                "the page has more than one <meta http-equiv=\"{HTTP_EQUIV}\">"
            ),
            Self::NoHead => write!(f, "the page has no <head> to put the policy in"),
        }
    }
}

impl std::error::Error for PolicyError {}

impl From<ConfigBlockError> for PolicyError {
    fn from(e: ConfigBlockError) -> Self {
        Self::Config(e)
    }
}

/// The app's policy: fixed directives plus what the page and its configuration call for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// `'sha256-...'` of each inline script the page runs, in page order.
    pub script_hashes: Vec<String>,
    /// Image sources beyond `'self'`.
    pub img: Vec<String>,
    /// Origins `fetch` may reach beyond `'self'`.
    pub connect: Vec<String>,
    /// The origins the app reaches as soon as it starts (the token endpoint's, the Web API's, the
    /// issuer's): the page asks the browser to open their connections while it loads
    /// (`<link rel="preconnect">`), so the code exchange and the first page do not wait for a TLS
    /// handshake.
    pub preconnect: Vec<String>,
}

impl Policy {
    /// The policy `html` (a built `index.html`) needs: its inline scripts' hashes, and the origins
    /// of its configuration block.
    pub fn for_page(html: &str) -> Result<Policy, PolicyError> {
        let config = config_block::read_config(html)?;
        let mut policy = Policy::for_config(&config)?;
        policy.script_hashes = inline_script_hashes(html);
        Ok(policy)
    }

    /// The origins a configuration block calls for (no script hashes).
    ///
    /// `connect-src`: the token endpoint, the Web API, the revocation endpoint and the issuer
    /// (whose RFC 8414 metadata the app reads), each by its origin only. The authorization
    /// endpoint is a navigation, which no directive governs. `img-src`: Spotify's image CDNs when
    /// the Web API is Spotify's, otherwise the Web API's origin (the local provider serves its
    /// covers at `/images/...`).
    pub fn for_config(config: &Value) -> Result<Policy, PolicyError> {
        let mut connect = Vec::new();
        let api = match field(config, "api_base_url")? {
            Some(url) => Some(origin("api_base_url", url)?),
            // The app's default: an issuer alone serves its Web API under it.
            None => field(config, "issuer")?
                .map(|url| origin("issuer", url))
                .transpose()?,
        };
        let mut preconnect = Vec::new();
        for name in ["token_endpoint", "revocation_endpoint", "issuer"] {
            if let Some(url) = field(config, name)? {
                let origin = origin(name, url)?;
                // Revocation is for log out, long after the start.
                if name != "revocation_endpoint" {
                    push_new(&mut preconnect, origin.clone());
                }
                push_new(&mut connect, origin);
            }
        }
        if let Some(api) = &api {
            push_new(&mut connect, api.clone());
            push_new(&mut preconnect, api.clone());
        }
        let img = match &api {
            Some(api) if is_spotify(api) => SPOTIFY_IMAGE_SOURCES.map(str::to_owned).to_vec(),
            Some(api) => vec![api.clone()],
            None => Vec::new(),
        };
        Ok(Policy {
            script_hashes: Vec::new(),
            img,
            connect,
            preconnect,
        })
    }
}

impl Policy {
    /// Lets the page reach `origin` (`connect-src`), and opens its connection while the page loads when the app
    /// reaches it as it starts (`preconnect`). For origins the configuration block does not name: the endpoints
    /// an issuer's metadata names ([`crate::discover`]).
    pub fn add_connect(&mut self, origin: &str, preconnect: bool) {
        push_new(&mut self.connect, origin.to_owned());
        if preconnect {
            push_new(&mut self.preconnect, origin.to_owned());
        }
    }
}

/// `default-src 'none'; script-src 'self' 'wasm-unsafe-eval' 'sha256-...'; ...`
///
/// `'self'` in `connect-src`: wasm-bindgen's loader fetches the `.wasm` with `fetch`, and Trunk
/// preloads it with `<link rel="preload" as="fetch">`, both of which `connect-src` governs.
impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |fixed: &[&str], more: &[String]| {
            fixed
                .iter()
                .map(|s| s.to_string())
                .chain(more.iter().cloned())
                .collect::<Vec<_>>()
                .join(" ")
        };
        write!(
            f,
            "default-src 'none'; script-src {}; style-src 'self'; img-src {}; connect-src {}; \
             base-uri 'none'; form-action 'none'; object-src 'none'",
            list(&["'self'", "'wasm-unsafe-eval'"], &self.script_hashes),
            list(&["'self'"], &self.img),
            list(&["'self'"], &self.connect),
        )
    }
}

/// `html` with its policy meta written (inserted, or replaced where it was) from
/// [`Policy::for_page`].
pub fn write_policy(html: &str) -> Result<String, PolicyError> {
    let policy = Policy::for_page(html)?;
    write_meta(html, &policy)
}

/// `html` with a policy meta carrying `policy`, right after `<meta charset>` (or `<head>`), before
/// any script, style sheet or link, followed by a `<link rel="preconnect">` for each of
/// `policy.preconnect` (marked `data-from="app-config"`); an earlier policy meta and earlier such
/// links are taken out.
pub fn write_meta(html: &str, policy: &Policy) -> Result<String, PolicyError> {
    let html = remove_meta(html)?;
    let elements = elements(&html);
    let head = elements
        .iter()
        .find(|e| e.name == "head")
        .ok_or(PolicyError::NoHead)?;
    let first_load = elements
        .iter()
        .filter(|e| matches!(e.name.as_str(), "script" | "style" | "link" | "base"))
        .map(|e| e.range.start)
        .min()
        .unwrap_or(usize::MAX);
    let at = elements
        .iter()
        .find(|e| e.name == "meta" && e.attr("charset").is_some())
        .filter(|charset| charset.range.end <= first_load)
        .map_or(head.range.end, |charset| charset.range.end);
    let content = policy
        .to_string()
        .replace('&', "&amp;")
        .replace('"', "&quot;");
    let mut meta = format!("\n    <meta http-equiv=\"{HTTP_EQUIV}\" content=\"{content}\" />");
    for origin in &policy.preconnect {
        // `crossorigin`: the app's requests carry no credentials, and a browser keeps such
        // connections apart from those that do.
        let href = origin.replace('&', "&amp;").replace('"', "&quot;");
        meta.push_str(&format!(
            "\n    <link rel=\"preconnect\" href=\"{href}\" crossorigin {PRECONNECT_MARK} />"
        ));
    }
    Ok(format!("{}{meta}{}", &html[..at], &html[at..]))
}

/// What marks the preconnect links [`write_meta`] writes, so that it takes out its own and no other.
const PRECONNECT_MARK: &str = "data-from=\"app-config\"";

/// Recomputes the policy of a page that carries one (after its configuration block changed);
/// a page without one is returned as it is.
pub fn refresh_policy(html: &str) -> Result<String, PolicyError> {
    match written_policy(html)? {
        Some(_) => write_policy(html),
        None => Ok(html.to_owned()),
    }
}

/// The policy the page's meta carries, as written; `None` without one.
pub fn written_policy(html: &str) -> Result<Option<String>, PolicyError> {
    let metas = policy_metas(html);
    match metas.as_slice() {
        [] => Ok(None),
        [meta] => Ok(Some(unescape(meta.attr("content").unwrap_or("")))),
        _ => Err(PolicyError::DuplicateMeta),
    }
}

/// `'sha256-<base64>'` of the text of every inline script the page runs, as a browser hashes it:
/// the element's text (line breaks normalized to `\n`, as the HTML parser does), UTF-8 encoded.
/// Scripts with `src` are not inline; a `type` that is not JavaScript, a module, an import map or
/// speculation rules makes a data block, which never runs and needs no hash (the configuration
/// block, `application/json`).
pub fn inline_script_hashes(html: &str) -> Vec<String> {
    elements(html)
        .iter()
        .filter(|e| e.name == "script" && e.attr("src").is_none() && runs(e.attr("type")))
        .filter_map(|e| e.content.clone())
        .map(|content| {
            let text = html[content].replace("\r\n", "\n").replace('\r', "\n");
            let digest = sha2::Sha256::digest(text.as_bytes());
            format!(
                "'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect()
}

/// Attributes of the page that a policy without `'unsafe-inline'` blocks: `style="..."` and
/// event handlers (`onclick="..."`), each as `<tag attribute>`.
pub fn inline_attributes(html: &str) -> Vec<String> {
    elements(html)
        .iter()
        .flat_map(|e| {
            e.attrs
                .iter()
                .filter(|(name, _)| name == "style" || name.starts_with("on"))
                .map(|(name, _)| format!("<{} {name}>", e.name))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The scripts, preloads and style sheets of the page that lack an `integrity` attribute, and a
/// note when the page preloads no module or no wasm at all (Trunk 0.21 writes both, with
/// `integrity`, and the loader imports exactly those files).
pub fn missing_integrity(html: &str) -> Vec<String> {
    let elements = elements(html);
    let mut problems = Vec::new();
    let mut module = false;
    let mut wasm = false;
    for e in &elements {
        let rel = e.attr("rel").unwrap_or("").to_ascii_lowercase();
        let target = match e.name.as_str() {
            "script" => e.attr("src"),
            "link" if matches!(rel.as_str(), "stylesheet" | "modulepreload" | "preload") => {
                e.attr("href")
            }
            _ => None,
        };
        let Some(target) = target else { continue };
        let has_integrity = e.attr("integrity").is_some_and(|v| !v.trim().is_empty());
        if !has_integrity {
            problems.push(format!("<{} {target}> has no integrity", e.name));
        }
        module |= rel == "modulepreload" && has_integrity;
        wasm |= rel == "preload" && target.ends_with(".wasm") && has_integrity;
    }
    if !module {
        problems.push("no <link rel=modulepreload integrity> for the app's script".to_owned());
    }
    if !wasm {
        problems.push("no <link rel=preload integrity> for the app's wasm".to_owned());
    }
    problems
}

/// The `_headers` file (Netlify, Cloudflare Pages): [`HEADERS`] on every path.
pub fn headers_file() -> String {
    let mut text = String::from(
        "# Written by `cargo xtask build`: the security headers a <meta> cannot carry, for static\n\
         # hosts that read this file (Netlify, Cloudflare Pages). The rest of the Content Security\n\
         # Policy is in index.html's <meta http-equiv=\"Content-Security-Policy\">.\n/*\n",
    );
    for (name, value) in HEADERS {
        text.push_str(&format!("  {name}: {value}\n"));
    }
    text
}

/// Writes the policy into `dist/index.html` and `dist/_headers` next to it; returns the policy.
pub fn secure_dist(dist: &Path) -> Result<String, String> {
    let index = dist.join("index.html");
    let html = std::fs::read_to_string(&index)
        .map_err(|e| format!("cannot read {}: {e}", index.display()))?;
    let html = write_policy(&html).map_err(|e| format!("{}: {e}", index.display()))?;
    std::fs::write(&index, &html).map_err(|e| format!("cannot write {}: {e}", index.display()))?;
    let headers = dist.join(HEADERS_FILE);
    std::fs::write(&headers, headers_file())
        .map_err(|e| format!("cannot write {}: {e}", headers.display()))?;
    Ok(written_policy(&html)
        .map_err(|e| e.to_string())?
        .unwrap_or_default())
}

fn field<'a>(config: &'a Value, name: &'static str) -> Result<Option<&'a str>, PolicyError> {
    match config.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(PolicyError::Endpoint {
            field: name,
            value: other.to_string(),
            why: "it is not a string".to_owned(),
        }),
    }
}

/// `scheme://host[:port]` of an absolute URL (no path, query or fragment; default port left out).
pub(crate) fn origin(name: &'static str, value: &str) -> Result<String, PolicyError> {
    let error = |why: String| PolicyError::Endpoint {
        field: name,
        value: value.to_owned(),
        why,
    };
    let url = url::Url::parse(value).map_err(|e| error(e.to_string()))?;
    let origin = url.origin();
    if !origin.is_tuple() || !matches!(url.scheme(), "http" | "https") {
        return Err(error("it is not an http or https URL".to_owned()));
    }
    Ok(origin.ascii_serialization())
}

fn is_spotify(origin: &str) -> bool {
    url::Url::parse(origin)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .is_some_and(|host| host == "spotify.com" || host.ends_with(".spotify.com"))
}

fn push_new(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Whether a script element with this `type` runs (so the policy must allow it).
fn runs(script_type: Option<&str>) -> bool {
    let Some(t) = script_type else {
        return true;
    };
    let t = t.trim().to_ascii_lowercase();
    const JAVASCRIPT: [&str; 16] = [
        "",
        "module",
        "importmap",
        "speculationrules",
        "text/javascript",
        "application/javascript",
        "application/ecmascript",
        "application/x-ecmascript",
        "application/x-javascript",
        "text/ecmascript",
        "text/javascript1.0",
        "text/javascript1.5",
        "text/jscript",
        "text/livescript",
        "text/x-ecmascript",
        "text/x-javascript",
    ];
    JAVASCRIPT.contains(&t.as_str())
}

fn policy_metas(html: &str) -> Vec<Element> {
    elements(html)
        .into_iter()
        .filter(|e| {
            e.name == "meta"
                && e.attr("http-equiv")
                    .is_some_and(|v| v.trim().eq_ignore_ascii_case(HTTP_EQUIV))
        })
        .collect()
}

/// `html` without its policy meta (and the line break and indentation [`write_meta`] put before
/// it).
fn remove_meta(html: &str) -> Result<String, PolicyError> {
    let metas = policy_metas(html);
    if metas.len() > 1 {
        return Err(PolicyError::DuplicateMeta);
    }
    let mut written: Vec<Element> = elements(html)
        .into_iter()
        .filter(|e| {
            e.name == "link"
                && e.attr("rel") == Some("preconnect")
                && e.attr("data-from") == Some("app-config")
        })
        .chain(metas)
        .collect();
    // From the end, so that the ranges still ahead stay where they were.
    written.sort_by_key(|e| std::cmp::Reverse(e.range.start));
    let mut html = html.to_owned();
    for element in written {
        let before = &html[..element.range.start];
        let trimmed = before.trim_end_matches(' ');
        let start = match trimmed.strip_suffix('\n') {
            Some(rest) => rest.len(),
            None => element.range.start,
        };
        html.replace_range(start..element.range.end, "");
    }
    Ok(html)
}

fn unescape(value: &str) -> String {
    value
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A start tag, enough of HTML's tokenizer for a page Trunk writes.
#[derive(Debug)]
struct Element {
    /// Lower-case tag name.
    name: String,
    /// Lower-case names, raw values.
    attrs: Vec<(String, String)>,
    /// The start tag, `<` to `>` inclusive.
    range: Range<usize>,
    /// The raw text of a `<script>` or `<style>`.
    content: Option<Range<usize>>,
}

impl Element {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The start tags of `html` in order, skipping comments, doctypes and end tags, with the raw
/// text of `<script>` and `<style>` elements (whose `<` starts no tag).
fn elements(html: &str) -> Vec<Element> {
    let bytes = html.as_bytes();
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(offset) = html[at..].find('<') {
        let start = at + offset;
        let rest = &html[start..];
        if rest.starts_with("<!--") {
            at = html[start + 4..]
                .find("-->")
                .map_or(html.len(), |i| start + 4 + i + 3);
            continue;
        }
        if rest.starts_with("<!") || rest.starts_with("<?") || rest.starts_with("</") {
            at = html[start..]
                .find('>')
                .map_or(html.len(), |i| start + i + 1);
            continue;
        }
        if !bytes.get(start + 1).is_some_and(u8::is_ascii_alphabetic) {
            at = start + 1;
            continue;
        }
        let (element, end) = start_tag(html, start);
        at = end;
        let mut element = element;
        if matches!(element.name.as_str(), "script" | "style") {
            let close = format!("</{}", element.name);
            let content_end = lower[end..].find(&close).map_or(html.len(), |i| end + i);
            element.content = Some(end..content_end);
            at = content_end;
        }
        out.push(element);
    }
    out
}

/// Reads the start tag at `start` (`<` followed by a letter); returns it and where it ends.
fn start_tag(html: &str, start: usize) -> (Element, usize) {
    let bytes = html.as_bytes();
    let is_space = |b: u8| b.is_ascii_whitespace();
    let mut i = start + 1;
    while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' && bytes[i] != b'/' {
        i += 1;
    }
    let name = html[start + 1..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    loop {
        while i < bytes.len() && (is_space(bytes[i]) || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] == b'>' {
            break;
        }
        let name_start = i;
        while i < bytes.len() && !is_space(bytes[i]) && !matches!(bytes[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let attr_name = html[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && is_space(bytes[i]) {
            i += 1;
        }
        let mut value = String::new();
        if bytes.get(i) == Some(&b'=') {
            i += 1;
            while i < bytes.len() && is_space(bytes[i]) {
                i += 1;
            }
            match bytes.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let body = i + 1;
                    let end = html[body..]
                        .find(q as char)
                        .map_or(html.len(), |k| body + k);
                    value = html[body..end].to_owned();
                    i = (end + 1).min(html.len());
                }
                _ => {
                    let begin = i;
                    while i < bytes.len() && !is_space(bytes[i]) && bytes[i] != b'>' {
                        i += 1;
                    }
                    value = html[begin..i].to_owned();
                }
            }
        }
        if !attrs.iter().any(|(n, _)| *n == attr_name) {
            attrs.push((attr_name, value));
        }
    }
    let end = (i + 1).min(html.len());
    let element = Element {
        name,
        attrs,
        range: start..end,
        content: None,
    };
    (element, end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A page as Trunk 0.21 writes it (trimmed): the loader, the style sheet, the configuration
    /// block, the preloads with their integrity.
    const BUILT: &str = r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="referrer" content="no-referrer" />
    <title>Your playlists</title>
    
<script type="module">
import init, * as bindings from '/app-1.js';
const wasm = await init({ module_or_path: '/app-1_bg.wasm' });
</script>
    <link rel="stylesheet" href="/main-1.css" integrity="sha384-abc"/>
    <!-- The app's configuration: edit this block in dist/index.html to point a build elsewhere (see README). -->
    <script id="app-config" type="application/json">
{
  "client_id": "pkce-playlists-local",
  "authorization_endpoint": "http://127.0.0.1:8081/authorize",
  "token_endpoint": "http://127.0.0.1:8081/api/token",
  "api_base_url": "http://127.0.0.1:8081/v1",
  "scopes": ["playlist-read-private"]
}
    </script>
  <link rel="modulepreload" href="/app-1.js" crossorigin="anonymous" integrity="sha384-def"><link rel="preload" href="/app-1_bg.wasm" crossorigin="anonymous" integrity="sha384-ghi" as="fetch" type="application/wasm"></head>
  <body></body>
</html>"#;

    /// The loader's text in [`BUILT`], exactly.
    const LOADER: &str = "\nimport init, * as bindings from '/app-1.js';\nconst wasm = await init({ module_or_path: '/app-1_bg.wasm' });\n";

    fn sha256(text: &str) -> String {
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text))
        )
    }

    // Guards against a hash of anything but the loader's exact text (a trimmed or re-indented
    // text, the tag itself, or the JSON block): the browser would refuse to run the app.
    #[test]
    fn the_loader_hash_is_of_its_exact_text() {
        assert_eq!(inline_script_hashes(BUILT), vec![sha256(LOADER)]);
        // A value computed independently: printf 'alert(1)' | openssl sha256 -binary | base64
        assert_eq!(
            inline_script_hashes("<script>alert(1)</script>"),
            vec!["'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='".to_owned()]
        );
    }

    // Guards against a page saved with CRLF line endings: the parser turns them into LF before the
    // browser hashes the text.
    #[test]
    fn line_breaks_are_normalized_before_hashing() {
        let crlf = BUILT.replace('\n', "\r\n");
        assert_eq!(inline_script_hashes(&crlf), vec![sha256(LOADER)]);
    }

    #[test]
    fn data_blocks_and_external_scripts_get_no_hash() {
        let page = r#"<script type="application/json">{"a":1}</script>
            <script type="text/plain">x</script>
            <script src="/a.js"></script>
            <SCRIPT TYPE=" Text/JavaScript ">b()</SCRIPT>
            <script type=importmap>{}</script>
            <!-- <script>commented()</script> -->"#;
        assert_eq!(
            inline_script_hashes(page),
            vec![sha256("b()"), sha256("{}")]
        );
    }

    #[test]
    fn the_local_preset_allows_its_provider_only() {
        let policy = Policy::for_page(BUILT).unwrap();
        assert_eq!(
            policy.to_string(),
            format!(
                "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' {}; style-src 'self'; \
                 img-src 'self' http://127.0.0.1:8081; connect-src 'self' http://127.0.0.1:8081; \
                 base-uri 'none'; form-action 'none'; object-src 'none'",
                sha256(LOADER)
            )
        );
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
            assert!(
                matches!(
                    Policy::for_config(&config),
                    Err(PolicyError::Endpoint {
                        field: "token_endpoint",
                        ..
                    })
                ),
                "{value} was accepted"
            );
        }
    }

    // Guards against a policy placed after a script (a browser applies a meta policy only to what
    // comes after it) and against one that keeps unsafe-inline or unsafe-eval.
    #[test]
    fn the_meta_comes_right_after_the_charset_before_any_script() {
        let page = write_policy(BUILT).unwrap();
        let meta_at = page.find("http-equiv=\"Content-Security-Policy\"").unwrap();
        assert!(page.find("<meta charset").unwrap() < meta_at);
        assert!(meta_at < page.find("<script").unwrap());
        let policy = written_policy(&page).unwrap().unwrap();
        assert_eq!(policy, Policy::for_page(BUILT).unwrap().to_string());
        assert!(!policy.contains("'unsafe-inline'") && !policy.contains("'unsafe-eval'"));
    }

    // Guards against a rewrite that breaks Subresource Integrity or the loader: everything but the
    // meta is kept byte for byte, and writing twice is writing once.
    #[test]
    fn writing_keeps_the_page_and_is_idempotent() {
        let once = write_policy(BUILT).unwrap();
        assert_eq!(write_policy(&once).unwrap(), once);
        let meta_start = once.find("\n    <meta http-equiv").unwrap();
        let last_link = once.rfind(PRECONNECT_MARK).unwrap();
        let meta_end = last_link + once[last_link..].find("/>").unwrap() + 2;
        assert_eq!(
            format!("{}{}", &once[..meta_start], &once[meta_end..]),
            BUILT
        );
        for integrity in ["sha384-abc", "sha384-def", "sha384-ghi"] {
            assert!(once.contains(&format!("integrity=\"{integrity}\"")));
        }
    }

    #[test]
    fn without_a_charset_the_meta_opens_the_head() {
        let page = "<html><head><script>x()</script><script id=app-config type=application/json>{\"api_base_url\":\"https://a.example/v1\"}</script></head></html>";
        let out = write_policy(page).unwrap();
        assert!(out.starts_with("<html><head>\n    <meta http-equiv=\"Content-Security-Policy\""));
        assert_eq!(
            write_policy("<p>no head</p>"),
            Err(PolicyError::Config(ConfigBlockError::Missing))
        );
        assert_eq!(
            write_policy("<script id=app-config type=application/json>{}</script>"),
            Err(PolicyError::NoHead)
        );
    }

    // Guards against configure and the policy drifting apart: rewriting the block recomputes the
    // policy of a page that has one.
    #[test]
    fn rewriting_the_block_rewrites_the_policy() {
        let page = write_policy(BUILT).unwrap();
        let mut config = config_block::read_config(&page).unwrap();
        config_block::point_at_provider(&mut config, "http://127.0.0.1:40001");
        let out = config_block::replace_config_block(&page, &config).unwrap();
        let policy = written_policy(&out).unwrap().unwrap();
        assert!(policy.contains("connect-src 'self' http://127.0.0.1:40001;"));
        assert!(!policy.contains("8081"));
        assert_eq!(out.matches("Content-Security-Policy").count(), 1);
        // A page without a policy (index.html itself) stays without one.
        let plain = config_block::replace_config_block(BUILT, &config).unwrap();
        assert_eq!(written_policy(&plain).unwrap(), None);
    }

    // Guards against a code exchange and a first page that wait for a TLS handshake the page could
    // have started while it loaded, and against preconnect links that outlive their endpoints or
    // take a deployer's own.
    #[test]
    fn the_page_preconnects_to_what_it_reaches_at_start() {
        let config = serde_json::json!({
            "token_endpoint": "https://accounts.example/api/token",
            "revocation_endpoint": "https://revoke.example/revoke",
            "api_base_url": "https://api.example/v1",
        });
        let policy = Policy::for_config(&config).unwrap();
        assert_eq!(
            policy.preconnect,
            ["https://accounts.example", "https://api.example"]
        );
        let page = write_policy(BUILT).unwrap();
        let links: Vec<&str> = page
            .lines()
            .filter(|l| l.contains("rel=\"preconnect\""))
            .collect();
        assert_eq!(
            links,
            ["    <link rel=\"preconnect\" href=\"http://127.0.0.1:8081\" crossorigin data-from=\"app-config\" />"]
        );
        assert!(page.find("rel=\"preconnect\"").unwrap() < page.find("<script").unwrap());

        let own = page.replacen(
            "<title>",
            "<link rel=\"preconnect\" href=\"https://fonts.example\"><title>",
            1,
        );
        let mut moved = config_block::read_config(&own).unwrap();
        config_block::point_at_provider(&mut moved, "http://127.0.0.1:40001");
        let out = config_block::replace_config_block(&own, &moved).unwrap();
        assert!(out.contains("href=\"http://127.0.0.1:40001\" crossorigin data-from"));
        assert!(!out.contains("8081\" crossorigin"));
        assert_eq!(out.matches(PRECONNECT_MARK).count(), 1);
        assert!(out.contains("<link rel=\"preconnect\" href=\"https://fonts.example\">"));
    }

    #[test]
    fn two_policy_metas_are_refused() {
        let page = write_policy(BUILT).unwrap();
        let twice = page.replacen(
            "<title>",
            "<meta http-equiv=content-security-policy content=\"default-src *\"><title>",
            1,
        );
        assert_eq!(written_policy(&twice), Err(PolicyError::DuplicateMeta));
        assert_eq!(write_policy(&twice), Err(PolicyError::DuplicateMeta));
    }

    #[test]
    fn finds_inline_styles_and_handlers() {
        let page = r#"<div style="color:red"><img src=x ONERROR="a()"><p class=x></p></div>"#;
        assert_eq!(inline_attributes(page), ["<div style>", "<img onerror>"]);
        assert!(inline_attributes(BUILT).is_empty());
    }

    #[test]
    fn finds_resources_without_integrity() {
        assert!(missing_integrity(BUILT).is_empty());
        let stripped = BUILT.replace(" integrity=\"sha384-ghi\"", "");
        assert_eq!(
            missing_integrity(&stripped),
            [
                "<link /app-1_bg.wasm> has no integrity",
                "no <link rel=preload integrity> for the app's wasm"
            ]
        );
        assert_eq!(
            missing_integrity("<head><script src=/x.js></script></head>").len(),
            3
        );
    }

    #[test]
    fn the_headers_file_carries_every_header_for_every_path() {
        let file = headers_file();
        let lines: Vec<&str> = file.lines().filter(|l| !l.starts_with('#')).collect();
        assert_eq!(
            lines,
            [
                "/*",
                "  Content-Security-Policy: frame-ancestors 'none'",
                "  Cross-Origin-Opener-Policy: same-origin",
                "  X-Content-Type-Options: nosniff",
                "  Referrer-Policy: no-referrer",
            ]
        );
    }

    // Guards against the local provider and the deployed headers drifting apart.
    #[test]
    fn the_provider_sends_the_same_headers() {
        let sent: Vec<(String, String)> = local_spotify::dist::SECURITY_HEADERS
            .iter()
            .map(|(name, value)| (name.as_str().to_owned(), value.to_string()))
            .collect();
        let written: Vec<(String, String)> = HEADERS
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_string()))
            .collect();
        assert_eq!(sent, written);
    }
}
