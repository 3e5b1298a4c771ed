//! The one reader and rewriter of `index.html`, on lol_html, which keeps every byte it is not
//! asked to change as it was (Subresource Integrity and the loader's hash depend on that). The
//! build, `configure`, `demo` and the end-to-end tests all change the page through [`rewrite`],
//! which writes the policy for the block it leaves, so the two cannot drift apart.

use std::cell::{Cell, RefCell};
use std::path::Path;

use anyhow::{ensure, Context, Result};
use html_escape::{decode_html_entities as decode, encode_double_quoted_attribute as encode};
use lol_html::html_content::{Attribute, ContentType, Element};
use lol_html::{element, rewrite_str, text, RewriteStrSettings};
use serde_json::Value;

use crate::config_block::{script_json, BLOCK_ID};
use crate::csp::{self, Policy};
use crate::read;

const HTTP_EQUIV: &str = "Content-Security-Policy";

/// `html` with its configuration block set to `config` (`None` keeps it) and its policy written
/// for the block, the page's inline scripts and `more` ([`Policy::merge`]). The policy's `<meta>`
/// and a `<link rel="preconnect">` per origin reached at start replace earlier ones, on one line
/// right after `<meta charset>`, or else first in `<head>`: a browser applies a `<meta>` policy
/// only to what follows it.
pub fn rewrite(html: &str, config: Option<&Value>, more: &Policy) -> Result<String> {
    let json = config.map(script_json);
    let tags = tags(html)?;
    policy_meta(&tags)?;
    let block = config_tag(&tags, html)?;
    let config = config.cloned().map_or_else(|| parse(block), Ok)?;
    let mut policy = policy_of(&tags, &config)?;
    policy.merge(more);
    let head = tags.iter().any(|t| t.name == "head");
    ensure!(head, "the page has no <head> to put the policy in");
    let meta = meta_of(&policy);
    let loads = |t: &&Tag| matches!(t.name.as_str(), "script" | "style" | "link" | "base");
    let first = tags.iter().find(|t| loads(t) || t.is_charset());
    let after_charset = first.is_some_and(Tag::is_charset);
    let inserted = Cell::new(false);
    let handlers = vec![
        element!("meta, link", |el| {
            let tag = Tag::of(el);
            if tag.is_policy() || tag.is_preconnect() {
                el.remove();
            }
            if after_charset && tag.is_charset() && !inserted.replace(true) {
                el.after(&meta, ContentType::Html);
            }
            Ok(())
        }),
        element!("head", |el| {
            if !after_charset && !inserted.replace(true) {
                el.prepend(&meta, ContentType::Html);
            }
            Ok(())
        }),
        element!(format!("script#{BLOCK_ID}"), |el| {
            if let Some(json) = &json {
                el.set_inner_content(json, ContentType::Html);
            }
            Ok(())
        }),
    ];
    let mut settings = RewriteStrSettings::new();
    settings.element_content_handlers = handlers;
    Ok(rewrite_str(html, settings)?)
}

/// `html` with `<script>{script}</script>` first in its `<head>`; a [`rewrite`] after it writes
/// the policy that lets it run.
pub fn prepend_script(html: &str, script: &str) -> Result<String> {
    let mut settings = RewriteStrSettings::new();
    settings.element_content_handlers = vec![element!("head", |el| {
        el.prepend(&format!("<script>{script}</script>"), ContentType::Html);
        Ok(())
    })];
    Ok(rewrite_str(html, settings)?)
}

pub fn rewrite_file(index: &Path, config: Option<&Value>, more: &Policy) -> Result<()> {
    let html = rewrite(&read(index)?, config, more);
    let html = html.with_context(|| index.display().to_string())?;
    std::fs::write(index, html).with_context(|| format!("cannot write {}", index.display()))
}

/// Writes into `dist/index.html` the integrity of the files it names, as they now are
/// (`write_integrity`), and its policy; writes `dist/_headers` ([`headers_of`]); returns the
/// policy.
pub fn secure_dist(dist: &Path) -> Result<String> {
    let index = dist.join("index.html");
    let html = write_integrity(&read(&index)?, dist)
        .and_then(|html| rewrite(&html, None, &Policy::default()))
        .with_context(|| index.display().to_string())?;
    std::fs::write(&index, &html).with_context(|| format!("cannot write {}", index.display()))?;
    let headers = dist.join(csp::HEADERS_FILE);
    std::fs::write(&headers, headers_of(dist)?)
        .with_context(|| format!("cannot write {}", headers.display()))?;
    Ok(written_policy(&html)?.unwrap_or_default())
}

/// The `_headers` file ([`csp::headers_file`]) of `dist`, whose hashed files are all but
/// `index.html` and `_headers` (Trunk names each of the others after its content's hash).
pub fn headers_of(dist: &Path) -> Result<String> {
    let files = crate::files(dist, false)?.into_iter().map(|(name, _)| name);
    let hashed = files.filter(|n| n != "index.html" && n != csp::HEADERS_FILE);
    let hashed: Vec<_> = hashed.map(|n| format!("/{n}")).collect();
    Ok(csp::headers_file(&hashed))
}

pub fn read_config(html: &str) -> Result<Value> {
    parse(config_tag(&tags(html)?, html)?)
}

/// The policy the page's `<meta>` carries, as written; `None` without one.
pub fn written_policy(html: &str) -> Result<Option<String>> {
    let meta = policy_meta(&tags(html)?)?.map(|m| m.attr("content").map(str::to_owned));
    Ok(meta.map(Option::unwrap_or_default))
}

impl Policy {
    /// The policy `html` (a built `index.html`) needs: its inline scripts' hashes, and the
    /// origins of its configuration block.
    pub fn for_page(html: &str) -> Result<Policy> {
        let tags = tags(html)?;
        policy_of(&tags, &parse(config_tag(&tags, html)?)?)
    }
}

/// Attributes of the page that a policy without `'unsafe-inline'` blocks: `style="..."` and
/// event handlers (`onclick="..."`), each as `<tag attribute>`.
pub fn inline_attributes(html: &str) -> Vec<String> {
    problems(html, |tags| {
        let attrs = tags
            .iter()
            .flat_map(|t| t.attrs.iter().map(|(a, _)| (&t.name, a)));
        let inline = attrs.filter(|(_, a)| *a == "style" || a.starts_with("on"));
        inline.map(|(tag, a)| format!("<{tag} {a}>")).collect()
    })
}

/// The scripts, preloads and style sheets of the page that lack an `integrity` attribute, and a
/// note when the page preloads no module or no wasm at all (Trunk 0.21 writes both, with
/// `integrity`, and the loader imports exactly those files).
pub fn missing_integrity(html: &str) -> Vec<String> {
    problems(html, |tags| {
        let (mut problems, mut module, mut wasm) = (Vec::new(), false, false);
        for tag in tags {
            let rel = tag.attr("rel").unwrap_or("").to_ascii_lowercase();
            let target = match (tag.name.as_str(), rel.as_str()) {
                ("script", _) => tag.attr("src"),
                ("link", "stylesheet" | "modulepreload" | "preload") => tag.attr("href"),
                _ => None,
            };
            let Some(target) = target else { continue };
            let integrity = tag.attr("integrity").is_some_and(|v| !v.trim().is_empty());
            if !integrity {
                problems.push(format!("<{} {target}> has no integrity", tag.name));
            }
            module |= rel == "modulepreload" && integrity;
            wasm |= rel == "preload" && target.ends_with(".wasm") && integrity;
        }
        if !module {
            problems.push("no <link rel=modulepreload integrity> for the app's script".into());
        }
        if !wasm {
            problems.push("no <link rel=preload integrity> for the app's wasm".into());
        }
        problems
    })
}

/// `html` with the `integrity` of each script and link that has one written again for the file in
/// `dist` it names (sha384, as Trunk writes it): for files changed after Trunk wrote the page.
fn write_integrity(html: &str, dist: &Path) -> Result<String> {
    let failed = RefCell::new(None);
    let handler = element!("script[integrity], link[integrity]", |el| {
        let target = el.get_attribute("src").or_else(|| el.get_attribute("href"));
        match target.as_deref().map(|t| integrity_of(dist, t)) {
            Some(Ok(value)) => el.set_attribute("integrity", &value)?,
            Some(Err(e)) => *failed.borrow_mut() = Some(e),
            None => {}
        }
        Ok(())
    });
    let mut settings = RewriteStrSettings::new();
    settings.element_content_handlers = vec![handler];
    let written = rewrite_str(html, settings).context("cannot rewrite the page")?;
    failed.into_inner().map_or(Ok(written), Err)
}

/// The scripts and links whose `integrity` is not their file's in `dist`.
pub fn wrong_integrity(html: &str, dist: &Path) -> Vec<String> {
    problems(html, |tags| {
        let with = tags.iter().filter_map(|t| Some((t.attr("integrity")?, t)));
        let with = with.filter_map(|(value, t)| Some((value, t.attr("src").or(t.attr("href"))?)));
        let wrong = with
            .filter(|(value, target)| integrity_of(dist, target).ok().as_deref() != Some(*value));
        wrong
            .map(|(_, target)| format!("{target}'s integrity is not its file's"))
            .collect()
    })
}

/// `sha384-<base64>` of the file `dist/<target>` (`target` as the page names it, from `/`).
fn integrity_of(dist: &Path, target: &str) -> Result<String> {
    let bytes = std::fs::read(dist.join(target.trim_start_matches('/')))
        .with_context(|| format!("the page names {target}, which is not in dist/"))?;
    Ok(integrity(&bytes))
}

/// `sha384-<base64>` of `bytes`: an `integrity` value (Subresource Integrity), as Trunk writes it.
pub fn integrity(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let digest = sha2::Sha384::digest(bytes);
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// A start tag of the page (lower-case names, values decoded), with the text of a script and
/// where the tag ends.
#[derive(Debug)]
struct Tag {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    end: usize,
}

impl Tag {
    fn of(el: &Element) -> Tag {
        let attr = |a: &Attribute| (a.name(), decode(&a.value()).into_owned());
        let attrs = el.attributes().iter().map(attr).collect();
        let (name, end) = (el.tag_name(), el.source_location().bytes().end);
        Tag {
            name,
            attrs,
            end,
            text: String::new(),
        }
    }

    fn attr(&self, name: &str) -> Option<&str> {
        let mut attrs = self.attrs.iter();
        attrs.find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn is_policy(&self) -> bool {
        let equiv = self.attr("http-equiv").unwrap_or("");
        self.name == "meta" && equiv.eq_ignore_ascii_case(HTTP_EQUIV)
    }

    /// Whether this is a preconnect link [`rewrite`] wrote (it takes out its own and no other).
    fn is_preconnect(&self) -> bool {
        let marked = self.attr("data-from") == Some(BLOCK_ID);
        self.name == "link" && self.attr("rel") == Some("preconnect") && marked
    }

    fn is_charset(&self) -> bool {
        self.name == "meta" && self.attr("charset").is_some()
    }

    /// Whether a script runs (so the policy must allow it): a `type` that is not JavaScript, a
    /// module, an import map or speculation rules makes a data block (the configuration block).
    fn runs(&self) -> bool {
        const TYPES: &str = "module importmap speculationrules text/javascript \
            application/javascript application/ecmascript application/x-ecmascript \
            application/x-javascript text/ecmascript text/javascript1.0 text/javascript1.5 \
            text/jscript text/livescript text/x-ecmascript text/x-javascript";
        let kind = self.attr("type").unwrap_or("").trim().to_ascii_lowercase();
        let js = kind.is_empty() || TYPES.split(' ').any(|t| t == kind);
        self.name == "script" && self.attr("src").is_none() && js
    }
}

/// The `wasm-opt` arguments Trunk runs on the wasm, as the source page's `<link data-trunk rel="rust">`
/// asks: `-O` and its `data-wasm-opt` level, then its `data-wasm-opt-params`.
pub fn wasm_opt_args(html: &str) -> Result<Vec<String>> {
    let tags = tags(html)?;
    let rust = |t: &&Tag| {
        t.name == "link" && t.attr("data-trunk").is_some() && t.attr("rel") == Some("rust")
    };
    let link = tags
        .iter()
        .find(rust)
        .context("no <link data-trunk rel=\"rust\">")?;
    let level = link.attr("data-wasm-opt").unwrap_or_default();
    ensure!(
        ["0", "1", "2", "3", "4", "s", "z"].contains(&level),
        "data-wasm-opt=\"{level}\" is not a level wasm-opt runs at"
    );
    let params = link.attr("data-wasm-opt-params").unwrap_or_default();
    let params = params.split_whitespace().map(str::to_owned);
    Ok([format!("-O{level}")].into_iter().chain(params).collect())
}

fn tags(html: &str) -> Result<Vec<Tag>> {
    let tags = RefCell::new(Vec::new());
    let handlers = vec![
        element!("*", |el| {
            tags.borrow_mut().push(Tag::of(el));
            Ok(())
        }),
        // A script holds no element, so its text belongs to the last tag.
        text!("script", |chunk| {
            if let Some(tag) = tags.borrow_mut().last_mut() {
                tag.text += chunk.as_str();
            }
            Ok(())
        }),
    ];
    let mut settings = RewriteStrSettings::new();
    settings.element_content_handlers = handlers;
    rewrite_str(html, settings).context("cannot read the page")?;
    Ok(tags.into_inner())
}

/// Checks of the page's tags; a page that cannot be read is one problem.
fn problems(html: &str, check: impl Fn(&[Tag]) -> Vec<String>) -> Vec<String> {
    tags(html).map_or_else(|e| vec![format!("{e:#}")], |tags| check(&tags))
}

/// The text of the one `<script id="app-config">`, closed.
fn config_tag<'t>(tags: &'t [Tag], html: &str) -> Result<&'t str> {
    let tag = format!("<script id=\"{BLOCK_ID}\">");
    let is_block = |t: &&Tag| t.name == "script" && t.attr("id") == Some(BLOCK_ID);
    let mut blocks = tags.iter().filter(is_block);
    let block = blocks
        .next()
        .with_context(|| format!("the page has no {tag}"))?;
    ensure!(blocks.next().is_none(), "the page has more than one {tag}");
    let closed = html[block.end..].to_ascii_lowercase().contains("</script");
    ensure!(closed, "the {tag} element is never closed");
    Ok(&block.text)
}

/// The page's policy `<meta>`, if any; a browser would enforce every one, so two are refused.
fn policy_meta(tags: &[Tag]) -> Result<Option<&Tag>> {
    let mut metas = tags.iter().filter(|t| t.is_policy());
    let (meta, tag) = (metas.next(), format!("<meta http-equiv=\"{HTTP_EQUIV}\">"));
    ensure!(metas.next().is_none(), "the page has more than one {tag}");
    Ok(meta)
}

fn parse(block: &str) -> Result<Value> {
    serde_json::from_str(block).context("the configuration block is not valid JSON")
}

fn policy_of(tags: &[Tag], config: &Value) -> Result<Policy> {
    let mut policy = Policy::for_config(config)?;
    let scripts = tags.iter().filter(|t| t.runs());
    policy.script_hashes = scripts.map(|t| csp::script_hash(&t.text)).collect();
    Ok(policy)
}

fn meta_of(policy: &Policy) -> String {
    let policy_text = policy.to_string();
    let content = encode(&policy_text);
    let mut meta = format!("<meta http-equiv=\"{HTTP_EQUIV}\" content=\"{content}\" />");
    for origin in &policy.preconnect {
        // `crossorigin`: the app's requests carry no credentials, and a browser keeps such
        // connections apart from those that do.
        let (href, mark) = (encode(origin), format!("data-from=\"{BLOCK_ID}\""));
        meta += &format!("<link rel=\"preconnect\" href=\"{href}\" crossorigin {mark} />");
    }
    meta
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;
    use sha2::Digest as _;

    use super::*;
    use crate::config_block::{point_at_provider, replace_config_block};

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

    /// Computed here, not with [`csp::script_hash`], so that a wrong one is caught.
    fn sha256(text: &str) -> String {
        format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(text))
        )
    }

    fn hashes(html: &str) -> Result<Vec<String>> {
        let config = serde_json::json!({});
        Ok(policy_of(&tags(html)?, &config)?.script_hashes)
    }

    fn write_policy(html: &str) -> Result<String> {
        rewrite(html, None, &Policy::default())
    }

    fn error(result: Result<impl std::fmt::Debug>) -> String {
        format!("{:#}", result.unwrap_err())
    }

    // Guards against a hash of anything but the loader's exact text (a trimmed or re-indented
    // text, the tag itself, or the JSON block): the browser would refuse to run the app.
    #[test]
    fn the_loader_hash_is_of_its_exact_text() {
        assert_eq!(hashes(BUILT).unwrap(), vec![sha256(LOADER)]);
        assert_eq!(
            hashes("<script>alert(1)</script>").unwrap(),
            vec!["'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='".to_owned()]
        );
    }

    // Guards against a page saved with CRLF line endings: the parser turns them into LF before the
    // browser hashes the text.
    #[test]
    fn line_breaks_are_normalized_before_hashing() {
        let crlf = BUILT.replace('\n', "\r\n");
        assert_eq!(hashes(&crlf).unwrap(), vec![sha256(LOADER)]);
    }

    // Guards against a script put in a page (the benchmark's observer) that its policy then blocks,
    // or that runs after the app's loader.
    #[test]
    fn a_prepended_script_runs_first_and_the_rewrite_lets_it() {
        let page = write_policy(&prepend_script(BUILT, "observe()").unwrap()).unwrap();
        let first_script = page.find("<script").unwrap();
        assert!(page[first_script..].starts_with("<script>observe()</script>"));
        assert_eq!(
            hashes(&page).unwrap(),
            vec![sha256("observe()"), sha256(LOADER)]
        );
        let policy = written_policy(&page).unwrap().unwrap();
        assert!(policy.contains(&sha256("observe()")), "{policy}");
    }

    #[test]
    fn data_blocks_and_external_scripts_get_no_hash() {
        let page = r#"<script type="application/json">{"a":1}</script>
            <script type="text/plain">x</script>
            <script src="/a.js"></script>
            <SCRIPT TYPE=" Text/JavaScript ">b()</SCRIPT>
            <script type=importmap>{}</script>
            <!-- <script>commented()</script> -->"#;
        assert_eq!(hashes(page).unwrap(), vec![sha256("b()"), sha256("{}")]);
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

    // Guards against a policy placed after a script (a browser applies a meta policy only to what
    // comes after it) and against one that keeps unsafe-inline or unsafe-eval.
    #[test]
    fn the_meta_comes_right_after_the_charset_before_any_script() {
        let page = write_policy(BUILT).unwrap();
        assert!(
            page.contains("<meta charset=\"utf-8\" /><meta http-equiv=\"Content-Security-Policy\"")
        );
        let meta_at = page.find("http-equiv=\"Content-Security-Policy\"").unwrap();
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
        let meta_start = once.find("<meta http-equiv").unwrap();
        let last_link = once.rfind("data-from=\"app-config\"").unwrap();
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
    fn without_a_charset_first_the_meta_opens_the_head() {
        let page = "<html><head><script>x()</script><meta charset=utf-8><script id=app-config type=application/json>{\"api_base_url\":\"https://a.example/v1\"}</script></head></html>";
        let out = write_policy(page).unwrap();
        assert!(out.starts_with("<html><head><meta http-equiv=\"Content-Security-Policy\""));
        assert_eq!(write_policy(&out).unwrap(), out);
        assert!(error(write_policy("<p>no head</p>")).contains("no <script id=\"app-config\">"));
        let headless = error(write_policy(
            "<script id=app-config type=application/json>{}</script>",
        ));
        assert!(headless.contains("no <head>"), "{headless}");
    }

    // Guards against configure and the policy drifting apart: rewriting the block recomputes the
    // policy of a page that has one, wherever a script put before the charset moved it.
    #[test]
    fn rewriting_the_block_rewrites_the_policy() {
        let page = write_policy(BUILT).unwrap();
        let mut config = read_config(&page).unwrap();
        point_at_provider(&mut config, "http://127.0.0.1:40001");
        let out = replace_config_block(&page, &config).unwrap();
        let policy = written_policy(&out).unwrap().unwrap();
        assert!(policy.contains("connect-src 'self' http://127.0.0.1:40001;"));
        assert!(!policy.contains("8081"));
        assert_eq!(out.matches("Content-Security-Policy").count(), 1);
        // A page without a policy gets one, for its block.
        let plain = replace_config_block(BUILT, &config).unwrap();
        assert_eq!(written_policy(&plain).unwrap().unwrap(), policy);
        // A script put first in the head (the benchmark's observer) is hashed, and the policy
        // moves before it.
        let observed = page.replacen("<head>", "<head><script>observe()</script>", 1);
        let out = replace_config_block(&observed, &config).unwrap();
        assert!(out.contains("<head><meta http-equiv"));
        assert!(written_policy(&out)
            .unwrap()
            .unwrap()
            .contains(&sha256("observe()")));
        assert_eq!(out.matches("Content-Security-Policy").count(), 1);
    }

    // Guards against a test harness that edits the policy as a string: an origin for images (the
    // provider behind a gate) is input to the policy, kept by the page's checks' recomputation
    // only where asked.
    #[test]
    fn more_sources_are_added_to_the_policy() {
        let page = write_policy(BUILT).unwrap();
        let config = read_config(&page).unwrap();
        let more = Policy {
            img: vec!["http://127.0.0.1:9".to_owned()],
            ..Policy::default()
        };
        let policy = written_policy(&rewrite(&page, Some(&config), &more).unwrap())
            .unwrap()
            .unwrap();
        assert!(policy.contains("img-src 'self' http://127.0.0.1:8081 http://127.0.0.1:9;"));
    }

    // Guards against a code exchange and a first page that wait for a TLS handshake the page could
    // have started while it loaded, and against preconnect links that outlive their endpoints or
    // take a deployer's own.
    #[test]
    fn the_page_preconnects_to_what_it_reaches_at_start() {
        let page = write_policy(BUILT).unwrap();
        assert_eq!(page.matches("rel=\"preconnect\"").count(), 1);
        assert!(page.contains(
            "<link rel=\"preconnect\" href=\"http://127.0.0.1:8081\" crossorigin data-from=\"app-config\" />"
        ));
        assert!(page.find("rel=\"preconnect\"").unwrap() < page.find("<script").unwrap());

        let own = page.replacen(
            "<title>",
            "<link rel=\"preconnect\" href=\"https://fonts.example\"><title>",
            1,
        );
        let mut moved = read_config(&own).unwrap();
        point_at_provider(&mut moved, "http://127.0.0.1:40001");
        let out = replace_config_block(&own, &moved).unwrap();
        assert!(out.contains("href=\"http://127.0.0.1:40001\" crossorigin data-from"));
        assert!(!out.contains("8081\" crossorigin"));
        assert_eq!(out.matches("data-from=\"app-config\"").count(), 1);
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
        assert!(error(written_policy(&twice)).contains("more than one <meta"));
        assert!(error(write_policy(&twice)).contains("more than one <meta"));
    }

    #[test]
    fn finds_inline_styles_and_handlers() {
        let page = r#"<div style="color:red"><img src=x ONERROR="a()"><p class=x></p></div>"#;
        assert_eq!(inline_attributes(page), ["<div style>", "<img onerror>"]);
        assert!(inline_attributes(BUILT).is_empty());
    }

    /// Guards against a page whose integrity no longer matches a file the build changed.
    #[test]
    fn integrity_is_written_for_the_files_as_they_are() {
        let dist = tempfile::tempdir().unwrap();
        for (name, text) in [
            ("main-1.css", "p{}"),
            ("app-1.js", "1"),
            ("app-1_bg.wasm", "2"),
        ] {
            std::fs::write(dist.path().join(name), text).unwrap();
        }
        let wrong = wrong_integrity(BUILT, dist.path());
        assert_eq!(wrong.len(), 3, "{wrong:?}");
        assert!(wrong[1].starts_with("/app-1.js"), "{wrong:?}");
        let written = write_integrity(BUILT, dist.path()).unwrap();
        assert!(wrong_integrity(&written, dist.path()).is_empty());
        // "1" hashed by sha384, in base64 (`printf 1 | openssl dgst -sha384 -binary | base64`).
        let one =
            "integrity=\"sha384-R/BdNnsMMuQ4+2Pmz0pfNcKqL5DcdUP4pBoPlc6KQKMTq1zzYTSiBoxMlpy1Dbd2\"";
        assert!(written.contains(one), "{written}");
        std::fs::remove_file(dist.path().join("app-1.js")).unwrap();
        assert!(write_integrity(BUILT, dist.path()).is_err());
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

    // Guards against a named build that `cargo xtask sizes` makes with other passes than the shipped
    // wasm got, which then no longer matches it.
    #[test]
    fn the_wasm_opt_arguments_are_those_the_page_asks_trunk_for() {
        let page =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../index.html")).unwrap();
        let args = wasm_opt_args(&page).unwrap();
        assert_eq!(args[0], "-Oz");
        let link =
            |attrs: &str| format!("<link data-trunk rel=\"rust\" {attrs}/><link rel=\"css\">");
        assert_eq!(
            wasm_opt_args(&link(
                "data-wasm-opt=\"s\" data-wasm-opt-params=\" --a  -Oz \""
            ))
            .unwrap(),
            ["-Os", "--a", "-Oz"]
        );
        assert!(wasm_opt_args(&link("")).is_err(), "no level");
        assert!(wasm_opt_args(&link("data-wasm-opt=\"off\"")).is_err());
        assert!(
            wasm_opt_args("<link rel=\"rust\" data-wasm-opt=\"z\">").is_err(),
            "not Trunk's"
        );
    }

    // Guards against a policy read with its character references still in it.
    #[test]
    fn the_written_policy_is_read_as_the_browser_reads_it() {
        let page =
            "<meta http-equiv=\"Content-Security-Policy\" content=\"img-src &quot;a&amp;b&#39;\">";
        assert_eq!(
            written_policy(page).unwrap().as_deref(),
            Some("img-src \"a&b'")
        );
    }

    // Guards against a cache rule that misses a file of the build, or makes the page immutable.
    #[test]
    fn every_file_but_the_page_and_the_headers_is_hashed() {
        let dist = tempfile::tempdir().unwrap();
        std::fs::create_dir(dist.path().join("snippets")).unwrap();
        for file in [
            "index.html",
            "_headers",
            "app-1.js",
            "app-1_bg.wasm",
            "snippets/s-2.js",
        ] {
            std::fs::write(dist.path().join(file), "x").unwrap();
        }
        let hashed = ["/app-1.js", "/app-1_bg.wasm", "/snippets/s-2.js"].map(str::to_owned);
        assert_eq!(headers_of(dist.path()).unwrap(), csp::headers_file(&hashed));
    }
}
