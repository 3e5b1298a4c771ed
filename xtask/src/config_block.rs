//! The app's configuration block in `index.html`, `<script id="app-config"
//! type="application/json">{ ... }</script>`, read and written by [`crate::html`].

use serde_json::Value;

pub use crate::html::read_config;

pub const BLOCK_ID: &str = "app-config";

#[cfg(test)]
/// `html` with the configuration block's content replaced by `config`, and its Content Security
/// Policy written for it ([`crate::html::rewrite`]); everything else is kept byte for byte. The
/// tools call `rewrite` itself; the tests use this.
pub fn replace_config_block(html: &str, config: &Value) -> anyhow::Result<String> {
    crate::html::rewrite(html, Some(config), &Default::default())
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

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Result;
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
        // Less the policy's <meta>, which opens the <head>.
        let (head, meta) = out.split_once("<head>").unwrap();
        let out = format!("{head}<head>{}", &meta[meta.find("/>").unwrap() + 2..]);
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
        assert_eq!(read_config(single).unwrap(), json!([]));
    }

    fn error(result: Result<impl std::fmt::Debug>) -> String {
        format!("{:#}", result.unwrap_err())
    }

    #[test]
    fn ignores_look_alike_ids_and_elements() {
        const MISSING: &str = "the page has no <script id=\"app-config\">";
        let page = r#"<scripts id="app-config">x</scripts><script data-id="app-config">1</script>"#;
        assert_eq!(error(read_config(page)), MISSING);
        let page = r#"<script id="app-config-old">1</script>"#;
        assert_eq!(error(read_config(page)), MISSING);
        let page = r#"<!-- <script id="app-config">{}</script> -->"#;
        assert_eq!(error(read_config(page)), MISSING);
    }

    #[test]
    fn reports_missing_unclosed_and_duplicate_blocks() {
        assert!(error(read_config("<html></html>")).contains("has no <script"));
        let unclosed = r#"<script id="app-config">{}"#;
        assert!(error(read_config(unclosed)).contains("never closed"));
        let twice = r#"<script id="app-config">{}</script><script id="app-config">{}</script>"#;
        assert!(error(read_config(twice)).contains("more than one"));
        let bad = r#"<script id="app-config">{ nope</script>"#;
        assert!(error(read_config(bad)).starts_with("the configuration block is not valid JSON: "));
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
