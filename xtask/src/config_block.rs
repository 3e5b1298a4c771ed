//! The app's configuration block in `index.html`:
//! `<script id="app-config" type="application/json">{ ... }</script>`.
//!
//! This is the one implementation of finding and replacing that block; `cargo xtask configure`,
//! `cargo xtask demo` and the end-to-end tests all use it.

use std::fmt;
use std::ops::Range;

use serde_json::Value;

/// The `id` of the script element that holds the configuration.
pub const BLOCK_ID: &str = "app-config";

/// Why the configuration block could not be read or replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigBlockError {
    /// No `<script id="app-config">` element in the document.
    Missing,
    /// The element was opened but never closed with `</script>`.
    Unclosed,
    /// More than one element carries the id; replacing one would leave the page ambiguous.
    Duplicate,
    /// The block's text is not valid JSON.
    InvalidJson(String),
    /// The page's Content Security Policy cannot follow the new block (see [`crate::csp`]).
    Policy(String),
}

impl fmt::Display for ConfigBlockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => write!(f, "the page has no <script id=\"{BLOCK_ID}\"> element"),
            Self::Unclosed => write!(f, "the <script id=\"{BLOCK_ID}\"> element is never closed"),
            Self::Duplicate => write!(f, "the page has more than one <script id=\"{BLOCK_ID}\">"),
            Self::InvalidJson(e) => write!(f, "the configuration block is not valid JSON: {e}"),
            Self::Policy(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for ConfigBlockError {}

/// The text between `<script id="app-config" ...>` and `</script>`.
pub fn config_block_text(html: &str) -> Result<&str, ConfigBlockError> {
    Ok(&html[locate(html)?])
}

/// The configuration block parsed as JSON.
pub fn read_config(html: &str) -> Result<Value, ConfigBlockError> {
    serde_json::from_str(config_block_text(html)?)
        .map_err(|e| ConfigBlockError::InvalidJson(e.to_string()))
}

/// `html` with the configuration block's content replaced by `config`; everything else is kept
/// byte for byte, except the Content Security Policy of a page that carries one, which is
/// recomputed for the new block ([`crate::csp::refresh_policy`]) so that the two cannot drift.
pub fn replace_config_block(html: &str, config: &Value) -> Result<String, ConfigBlockError> {
    let range = locate(html)?;
    let mut out = String::with_capacity(html.len() + 256);
    out.push_str(&html[..range.start]);
    out.push_str(&script_json(config));
    out.push_str(&html[range.end..]);
    crate::csp::refresh_policy(&out).map_err(|e| ConfigBlockError::Policy(e.to_string()))
}

/// `config` serialized so that it is safe inside a `<script>` element: a `<` in a string could
/// otherwise close the element (`</script>`) or open a comment, so it is written as `\u003c`.
pub fn script_json(config: &Value) -> String {
    let json = serde_json::to_string_pretty(config).expect("a JSON value always serializes");
    json.replace('<', "\\u003c")
}

/// Points a configuration's three endpoints at a local provider whose origin is `origin`
/// (`http://127.0.0.1:PORT`, no trailing slash), the way `config/local.json` points at port 8081.
pub fn point_at_provider(config: &mut Value, origin: &str) {
    let origin = origin.trim_end_matches('/');
    let fields = [
        ("authorization_endpoint", format!("{origin}/authorize")),
        ("token_endpoint", format!("{origin}/api/token")),
        ("api_base_url", format!("{origin}/v1")),
    ];
    if let Value::Object(map) = config {
        for (key, value) in fields {
            map.insert(key.to_owned(), Value::String(value));
        }
    }
}

/// Byte range of the block's content (between the opening tag's `>` and `</script>`).
fn locate(html: &str) -> Result<Range<usize>, ConfigBlockError> {
    let lower = html.to_ascii_lowercase();
    let mut found = None;
    let mut from = 0;
    while let Some(offset) = lower[from..].find("<script") {
        let tag_start = from + offset;
        let after_name = tag_start + "<script".len();
        // `<scripts>` or `<script-x>` are other elements.
        let next = lower[after_name..].chars().next();
        if !matches!(next, Some(c) if c.is_ascii_whitespace() || c == '>' || c == '/') {
            from = after_name;
            continue;
        }
        let Some(tag_len) = lower[after_name..].find('>') else {
            return Err(ConfigBlockError::Unclosed);
        };
        let tag_end = after_name + tag_len + 1;
        let content_end = lower[tag_end..]
            .find("</script")
            .map(|i| tag_end + i)
            .ok_or(ConfigBlockError::Unclosed)?;
        if attribute(&html[after_name..tag_end - 1], "id") == Some(BLOCK_ID) {
            if found.is_some() {
                return Err(ConfigBlockError::Duplicate);
            }
            found = Some(tag_end..content_end);
        }
        from = content_end;
    }
    found.ok_or(ConfigBlockError::Missing)
}

/// The value of attribute `name` in a tag's attribute text (`id="x" type=y defer`), quoted with
/// `"`, `'` or not at all, as HTML allows (a minifier may drop the quotes).
fn attribute<'a>(attrs: &'a str, name: &str) -> Option<&'a str> {
    let mut rest = attrs;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '/');
        if rest.is_empty() {
            return None;
        }
        let name_len = rest
            .find(|c: char| c.is_ascii_whitespace() || c == '=' || c == '/')
            .unwrap_or(rest.len());
        let attr_name = &rest[..name_len];
        rest = rest[name_len..].trim_start();
        let value = if let Some(after_eq) = rest.strip_prefix('=') {
            let after_eq = after_eq.trim_start();
            let (value, remainder) = match after_eq.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let body = &after_eq[1..];
                    let end = body.find(q).unwrap_or(body.len());
                    (&body[..end], body.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after_eq
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(after_eq.len());
                    (&after_eq[..end], &after_eq[end..])
                }
            };
            rest = remainder;
            value
        } else {
            ""
        };
        if attr_name.eq_ignore_ascii_case(name) {
            return Some(value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PAGE: &str = r#"<!doctype html>
<html><head>
<script type="module">import x from "./a.js";</script>
<script id="app-config" type="application/json">{ "client_id": "old" }</script>
<link rel="stylesheet" href="s.css">
</head><body></body></html>"#;

    #[test]
    fn reads_the_block_as_json() {
        assert_eq!(read_config(PAGE).unwrap(), json!({ "client_id": "old" }));
    }

    #[test]
    fn replacing_keeps_the_rest_of_the_page_byte_for_byte() {
        let out = replace_config_block(PAGE, &json!({ "client_id": "new" })).unwrap();
        assert_eq!(read_config(&out).unwrap(), json!({ "client_id": "new" }));
        let (before, after) = PAGE.split_once(r#"{ "client_id": "old" }"#).unwrap();
        assert!(out.starts_with(before));
        assert!(out.ends_with(after));
    }

    // Guards against a config value (say a redirect URI) that closes the script element early.
    #[test]
    fn a_closing_tag_inside_a_value_cannot_end_the_element() {
        let evil = json!({ "client_id": "</script><script>alert(1)</script>" });
        let out = replace_config_block(PAGE, &evil).unwrap();
        assert_eq!(
            out.matches("</script>").count(),
            PAGE.matches("</script>").count()
        );
        assert_eq!(read_config(&out).unwrap(), evil);
    }

    // Guards against a minified dist/index.html (unquoted attributes, other attribute order).
    #[test]
    fn finds_the_block_with_unquoted_or_reordered_attributes() {
        let minified = "<SCRIPT type=application/json id=app-config>{\"a\":1}</SCRIPT>";
        assert_eq!(read_config(minified).unwrap(), json!({ "a": 1 }));
        let single = "<script type='application/json' id='app-config' >[]</script>";
        assert_eq!(config_block_text(single).unwrap(), "[]");
    }

    #[test]
    fn ignores_look_alike_ids_and_elements() {
        let page = r#"<scripts id="app-config">x</scripts><script data-id="app-config">1</script>"#;
        assert_eq!(config_block_text(page), Err(ConfigBlockError::Missing));
        let page = r#"<script id="app-config-old">1</script>"#;
        assert_eq!(config_block_text(page), Err(ConfigBlockError::Missing));
    }

    #[test]
    fn reports_missing_unclosed_and_duplicate_blocks() {
        assert_eq!(
            config_block_text("<html></html>"),
            Err(ConfigBlockError::Missing)
        );
        assert_eq!(
            config_block_text(r#"<script id="app-config">{}"#),
            Err(ConfigBlockError::Unclosed)
        );
        let twice = r#"<script id="app-config">{}</script><script id="app-config">{}</script>"#;
        assert_eq!(config_block_text(twice), Err(ConfigBlockError::Duplicate));
        let bad = r#"<script id="app-config">{ nope</script>"#;
        assert!(matches!(
            read_config(bad),
            Err(ConfigBlockError::InvalidJson(_))
        ));
    }

    #[test]
    fn points_the_endpoints_at_another_port() {
        let mut config = json!({
            "client_id": "pkce-playlists-local",
            "authorization_endpoint": "http://127.0.0.1:8081/authorize",
            "token_endpoint": "http://127.0.0.1:8081/api/token",
            "api_base_url": "http://127.0.0.1:8081/v1",
            "scopes": ["playlist-read-private"]
        });
        point_at_provider(&mut config, "http://127.0.0.1:40001/");
        assert_eq!(
            config["authorization_endpoint"],
            "http://127.0.0.1:40001/authorize"
        );
        assert_eq!(config["token_endpoint"], "http://127.0.0.1:40001/api/token");
        assert_eq!(config["api_base_url"], "http://127.0.0.1:40001/v1");
        assert_eq!(config["client_id"], "pkce-playlists-local");
    }
}
