//! What must never ship in `dist/`: a client secret, a token, an absolute path of the machine that
//! built it (which names its user and layout, and makes the build irreproducible), or a source
//! map (which hands out the sources and, with them, more paths). Every file is read as bytes (the
//! `.wasm` too: panic messages carry source paths), and a secret found is never repeated whole.

use std::fmt;
use std::path::{Path, PathBuf};

use regex::bytes::Regex;

use crate::{csp, html};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
/// What a finding breaks; `SECRETS` and `scan_file` say what each looks like.
pub enum Rule {
    ClientSecret,
    Token,
    LocalPath,
    SourceMap,
}

impl Rule {
    pub const ALL: [Rule; 4] = [
        Rule::ClientSecret,
        Rule::Token,
        Rule::LocalPath,
        Rule::SourceMap,
    ];

    /// What the rule checks, for the check's line in `cargo xtask test`.
    pub fn check_name(self) -> &'static str {
        match self {
            Rule::ClientSecret => "no client secret",
            Rule::Token => "no token",
            Rule::LocalPath => "no absolute local path",
            Rule::SourceMap => "no source map",
        }
    }
}

/// One thing found, in one file (relative to the scanned directory), at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub file: PathBuf,
    pub offset: usize,
    /// What was found; for a secret or a token only its first characters.
    pub shown: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (file, what) = (self.file.display(), &self.rule.check_name()[3..]);
        write!(f, "{file}: {what} at byte {}: {}", self.offset, self.shown)
    }
}

#[derive(Debug, Clone, Default)]
pub struct Context {
    pub local_paths: Vec<String>,
}

impl Context {
    /// The workspace root, `$CARGO_HOME` (default `~/.cargo`), `$RUSTUP_HOME` (default
    /// `~/.rustup`) and `$HOME`, as this process sees them.
    pub fn of_this_machine(root: &Path) -> Context {
        let paths = [
            Some(root.to_path_buf()),
            crate::env_dir("CARGO_HOME", ".cargo").ok(),
            crate::env_dir("RUSTUP_HOME", ".rustup").ok(),
            std::env::var_os("HOME").map(PathBuf::from),
        ];
        let paths = paths.into_iter().flatten();
        let paths = paths.map(|p| p.to_string_lossy().trim_end_matches('/').to_owned());
        // `/` or `/x` would match everything.
        Context {
            local_paths: paths.filter(|p| p.len() > 2).collect(),
        }
    }
}

/// One check of a built `dist/`, and what failed it (nothing when it passed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub problems: Vec<String>,
}

/// Every check `cargo xtask test` makes of a built `dist/`: one per [`Rule`], then the page's
/// policy, inline code, Subresource Integrity and the headers file.
pub fn check_dist(dist: &Path, context: &Context) -> Vec<Check> {
    let check = |name, problems| Check { name, problems };
    // `Rule::ALL` is in declaration order, so a rule's number is its check's index.
    let mut checks = Vec::from(Rule::ALL.map(|rule| check(rule.check_name(), Vec::new())));
    match scan_dir(dist, context) {
        Ok(findings) => findings.into_iter().for_each(|f| {
            checks[f.rule as usize].problems.push(f.to_string());
        }),
        Err(e) => checks.push(check("dist/ can be read", vec![e])),
    }
    let index = dist.join("index.html");
    let html = match crate::read(&index) {
        Ok(html) => html,
        Err(e) => {
            checks.push(check("index.html can be read", vec![format!("{e:#}")]));
            return checks;
        }
    };
    let policy = match (html::written_policy(&html), csp::Policy::for_page(&html)) {
        (Ok(Some(written)), Ok(wanted)) if written == wanted.to_string() => Vec::new(),
        (Ok(Some(written)), Ok(wanted)) => {
            vec![format!("index.html carries `{written}` but its configuration and loader call for `{wanted}`")]
        }
        (Ok(None), _) => vec![
            "index.html has no <meta http-equiv=\"Content-Security-Policy\"> (build with `cargo xtask build`)".into(),
        ],
        (Err(e), _) | (_, Err(e)) => vec![format!("index.html: {e:#}")],
    };
    let headers = dist.join(csp::HEADERS_FILE);
    let shown = headers.display();
    let headers_problems = match (crate::read(&headers), html::headers_of(dist)) {
        (Ok(text), Ok(wanted)) if text == wanted => Vec::new(),
        (Ok(_), Ok(_)) => vec![format!("{shown} is not what the build writes")],
        (Err(e), _) | (_, Err(e)) => vec![format!("{e:#}")],
    };
    let inline = "no inline style or event handler (the policy has no 'unsafe-inline')";
    let sri =
        "Subresource Integrity on the scripts, the wasm, the split modules and the style sheet";
    let modules = crate::split::module_problems(dist).unwrap_or_else(|e| vec![format!("{e:#}")]);
    let wanted = "the page's policy is the one its configuration and loader call for";
    checks.extend([
        check(wanted, policy),
        check(inline, html::inline_attributes(&html)),
        check(
            sri,
            [
                html::missing_integrity(&html),
                html::wrong_integrity(&html, dist),
                modules,
            ]
            .concat(),
        ),
        check("the headers file for static hosts", headers_problems),
    ]);
    checks
}

pub fn scan_dir(dir: &Path, context: &Context) -> Result<Vec<Finding>, String> {
    let mut findings = Vec::new();
    for (name, path) in crate::files(dir, false).map_err(|e| format!("{e:#}"))? {
        let bytes =
            std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        findings.extend(scan_file(Path::new(&name), &bytes, context));
    }
    findings.sort_by(|a, b| (a.rule, &a.file, a.offset).cmp(&(b.rule, &b.file, b.offset)));
    Ok(findings)
}

/// The bytes a path is made of: printable ASCII but quotes and angle brackets.
const PATH: &str = r#"[!#-&(-;=?-_a-~]"#;
/// Credentials, each found where its first group starts: a client secret or a token written out
/// as a key's value (`key=v`, `"key": "v"`), a bearer credential, a JWT (header.payload.signature,
/// the header and payload base64url JSON objects), and Spotify's tokens (`BQ` for access, `AQ`
/// for refresh, then over a hundred base64url characters).
const SECRETS: [(Rule, &str); 5] = [
    (
        Rule::ClientSecret,
        r#"(?i)(client[_-]?secret)["' ]*[=:]["' ]*[\w.~+/=-]{8}"#,
    ),
    (
        Rule::Token,
        r#"(?i)(access_?token|refresh_?token|id_token|code_verifier)["' ]*[=:]["' ]*[\w.~+/=-]{8}"#,
    ),
    (Rule::Token, r"(?i)(bearer )[\w.~+/=-]{20}"),
    (Rule::Token, r"(eyJ)[\w-]{7,}\.[\w-]{10,}\."),
    (Rule::Token, r"(?:^|[^\w-])((?:BQ|AQ)[\w-]{98})"),
];

pub fn scan_file(name: &Path, bytes: &[u8], context: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut found = |rule, offset, shown| {
        let file = name.to_path_buf();
        findings.push(Finding {
            rule,
            file,
            offset,
            shown,
        })
    };
    let extension = name.extension().unwrap_or_default();
    if extension.eq_ignore_ascii_case("map") {
        found(Rule::SourceMap, 0, "a source map file".to_owned());
    }
    // Binary files pack strings without separators, so no word boundary is asked for; a match
    // runs to the end of the path, so one path is one finding.
    let prefixes = ["/home/", "/root/", "/Users/", "/work/", r"C:\", r"c:\"].map(str::to_owned);
    let prefixes = prefixes.iter().chain(&context.local_paths);
    let prefixes: Vec<String> = prefixes.map(|p| regex::escape(p)).collect();
    let paths = format!("(?:{})", prefixes.join("|"));
    for (rule, pattern, max) in [
        (Rule::SourceMap, "sourceMappingURL", 60),
        (Rule::LocalPath, &paths, 80),
    ] {
        let regex = Regex::new(&format!("{pattern}{PATH}*")).expect("escaped paths");
        for m in regex.find_iter(bytes) {
            found(rule, m.start(), excerpt(&bytes[m.range()], max));
        }
    }
    for (rule, pattern) in SECRETS {
        // ASCII classes only, so that `[^...]` matches any byte.
        let regex = Regex::new(&format!("(?-u){pattern}")).expect("a valid pattern");
        for at in regex.captures_iter(bytes).filter_map(|c| c.get(1)) {
            // The key or prefix and a few characters, never the whole secret.
            let shown = format!("{}… (redacted)", excerpt(&bytes[at.start()..], 16));
            found(rule, at.start(), shown);
        }
    }
    if name.file_name().is_some_and(|n| n == "index.html") {
        for key in secret_config_keys(bytes) {
            found(
                Rule::ClientSecret,
                0,
                format!("configuration field {key:?}"),
            );
        }
    }
    findings
}

/// At most `max` bytes as text, control characters as spaces.
fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&bytes[..max.min(bytes.len())]);
    text.replace(char::is_control, " ")
}

/// Keys of the configuration block (in `index.html`) that would put a credential in the page.
fn secret_config_keys(bytes: &[u8]) -> Vec<String> {
    let html = std::str::from_utf8(bytes).ok();
    let config = html.and_then(|html| crate::config_block::read_config(html).ok());
    let (mut keys, mut values) = (Vec::new(), Vec::from_iter(&config));
    while let Some(value) = values.pop() {
        match value {
            serde_json::Value::Object(map) => {
                keys.extend(map.keys().cloned());
                values.extend(map.values());
            }
            serde_json::Value::Array(items) => values.extend(items),
            _ => {}
        }
    }
    keys.retain(|key| {
        let key = key.to_ascii_lowercase();
        let words = ["secret", "password", "token"];
        let secret = words.iter().any(|w| key.contains(w));
        secret && !key.ends_with("_endpoint")
    });
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    // Guards against a finding counted for another rule's check: `check_dist` indexes the checks
    // by the rule's number.
    #[test]
    fn the_rules_are_listed_in_declaration_order() {
        for (i, rule) in Rule::ALL.into_iter().enumerate() {
            assert_eq!(rule as usize, i, "{rule:?}");
        }
    }

    fn context() -> Context {
        Context {
            local_paths: vec!["/srv/ci/pkce".to_owned(), "/opt/cargo-home".to_owned()],
        }
    }

    fn rules(name: &str, text: &[u8]) -> Vec<Rule> {
        scan_file(Path::new(name), text, &context())
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    // Guards against a build that ships its builder's paths: panic locations in the wasm name
    // the source file of a dependency under $CARGO_HOME, packed against the previous string.
    #[test]
    fn finds_local_paths_even_packed_in_binary_data() {
        let wasm = b"\0asm\x01\0\0\0called `Option::unwrap()` on a `None` value/root/.cargo/registry/src/x/lib.rs\0";
        assert_eq!(rules("app_bg.wasm", wasm), [Rule::LocalPath]);
        for text in [
            &b"at /home/erin/pkce/src/main.rs:3"[..],
            b"/Users/erin/dev/x",
            b"\"/work/main/src/lib.rs\"",
            b"C:\\Users\\erin\\src\\lib.rs",
            b"/srv/ci/pkce/src/lib.rs",
            b"/opt/cargo-home/registry/src/a.rs",
        ] {
            assert_eq!(
                rules("app.js", text),
                [Rule::LocalPath],
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn one_path_is_one_finding() {
        let findings = scan_file(
            Path::new("a.js"),
            b"x /root/.cargo/registry/src/a.rs y /home/z",
            &Context {
                local_paths: vec!["/root/.cargo".to_owned(), "/root".to_owned()],
            },
        );
        let offsets: Vec<usize> = findings.iter().map(|f| f.offset).collect();
        assert_eq!(offsets, [2, 35]);
        assert_eq!(findings[0].shown, "/root/.cargo/registry/src/a.rs");
    }

    #[test]
    fn finds_source_maps() {
        assert_eq!(rules("app.js.map", b"{}"), [Rule::SourceMap]);
        assert_eq!(
            rules("app.js", b"x()\n//# sourceMappingURL=app.js.map\n"),
            [Rule::SourceMap]
        );
    }

    // Guards against a credential pasted into the configuration block or baked into the bundle.
    #[test]
    fn finds_client_secrets_and_tokens() {
        let cases: [(&[u8], Rule); 9] = [
            (b"client_secret=9f8e7d6c5b4a39281706", Rule::ClientSecret),
            (
                b"{\"client_secret\": \"9f8e7d6c5b4a3928\"}",
                Rule::ClientSecret,
            ),
            (b"clientSecret:'abcdefgh12'", Rule::ClientSecret),
            (b"{\"access_token\":\"BQDx-abcdefghijklmnop\"}", Rule::Token),
            (b"refresh_token=AQBxyz0123456789", Rule::Token),
            (
                b"Authorization: Bearer abcdefghijklmnopqrstuvwxyz",
                Rule::Token,
            ),
            (
                b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig",
                Rule::Token,
            ),
            (&[b"x=BQ".as_slice(), &[b'a'; 120]].concat(), Rule::Token),
            (&[b"\"AQ".as_slice(), &[b'Z'; 130]].concat(), Rule::Token),
        ];
        for (text, rule) in cases {
            assert_eq!(
                rules("app.js", text),
                [rule],
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    // Guards against a scanner that fails the real bundle: the app parses token answers, so the
    // names alone (and a short BQ... run) are in it, with no value.
    #[test]
    fn names_without_values_are_not_findings() {
        for text in [
            &b"\"access_token\",\"refresh_token\",\"expires_in\""[..],
            b"access_token=",
            b"client_secret is never sent",
            b"code_verifier: v",
            b"Bearer ",
            b"BQ_short_run",
            b"https://example.com/homepage/x and home/x",
            b"eyJ.notatoken",
        ] {
            assert!(
                rules("app.js", text).is_empty(),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }

    #[test]
    fn a_secret_is_never_shown_whole() {
        let secret = "9f8e7d6c5b4a39281706f5e4d3c2b1a0";
        let text = format!("client_secret={secret}");
        let findings = scan_file(Path::new("a.js"), text.as_bytes(), &context());
        assert_eq!(findings.len(), 1);
        assert!(!findings[0].to_string().contains(secret));
        assert!(findings[0].shown.ends_with("(redacted)"));
    }

    #[test]
    fn the_configuration_block_may_name_no_credential() {
        let page = br#"<script id="app-config" type="application/json">{"client_id":"x","token_endpoint":"https://a/token","client_secret":""}</script>"#;
        let findings = scan_file(Path::new("index.html"), page, &context());
        assert_eq!(
            findings
                .iter()
                .map(|f| f.shown.as_str())
                .collect::<Vec<_>>(),
            ["configuration field \"client_secret\""]
        );
        let clean = br#"<script id="app-config" type="application/json">{"client_id":"x","token_endpoint":"https://a/token"}</script>"#;
        assert!(scan_file(Path::new("index.html"), clean, &context()).is_empty());
    }

    #[test]
    fn scans_a_directory_tree() {
        let dir = std::env::temp_dir().join(format!("xtask-artefact-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("snippets")).unwrap();
        std::fs::write(dir.join("index.html"), "<p>fine</p>").unwrap();
        std::fs::write(dir.join("snippets").join("a.js.map"), "{}").unwrap();
        std::fs::write(dir.join(".hidden"), "/home/erin").unwrap();
        let findings = scan_dir(&dir, &Context::default()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let found: Vec<(Rule, String)> = findings
            .iter()
            .map(|f| (f.rule, f.file.display().to_string()))
            .collect();
        assert_eq!(
            found,
            [
                (Rule::LocalPath, ".hidden".to_owned()),
                (Rule::SourceMap, "snippets/a.js.map".to_owned()),
            ]
        );
    }

    // Guards against a check that passes whatever dist/ holds, or fails a good one.
    #[test]
    fn checks_a_built_dist() {
        const PAGE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8" />
<script type="module">import init from '/a.js'; await init({ module_or_path: '/a_bg.wasm' });</script>
<link rel="stylesheet" href="/m.css" integrity="sha384-a"/>
<script id="app-config" type="application/json">{"client_id":"x","token_endpoint":"http://127.0.0.1:8081/api/token","api_base_url":"http://127.0.0.1:8081/v1"}</script>
<link rel="modulepreload" href="/a.js" integrity="sha384-b"><link rel="preload" href="/a_bg.wasm" integrity="sha384-c" as="fetch"></head><body></body></html>"#;
        let dir = std::env::temp_dir().join(format!("xtask-dist-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), PAGE).unwrap();
        std::fs::write(dir.join("a.js"), "export default function init() {}").unwrap();
        std::fs::write(dir.join("a_bg.wasm"), "\0asm").unwrap();
        std::fs::write(dir.join("m.css"), "p {}").unwrap();
        crate::html::secure_dist(&dir).unwrap();
        let failed = |checks: Vec<Check>| -> Vec<&'static str> {
            checks
                .into_iter()
                .filter(|c| !c.problems.is_empty())
                .map(|c| c.name)
                .collect()
        };
        let checks = check_dist(&dir, &Context::default());
        assert_eq!(checks.len(), 8);
        assert_eq!(failed(checks), Vec::<&str>::new());

        // The endpoints changed by hand, the policy not; a path and a source map in the script,
        // its integrity not written again.
        let index = dir.join("index.html");
        let html = std::fs::read_to_string(&index).unwrap();
        std::fs::write(
            &index,
            html.replace("127.0.0.1:8081/api", "127.0.0.1:9/api"),
        )
        .unwrap();
        std::fs::write(
            dir.join("a.js"),
            "//# sourceMappingURL=a.js.map\n// /home/erin/a.rs",
        )
        .unwrap();
        std::fs::remove_file(dir.join(crate::csp::HEADERS_FILE)).unwrap();
        let checks = check_dist(&dir, &Context::default());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            failed(checks),
            [
                Rule::LocalPath.check_name(),
                Rule::SourceMap.check_name(),
                "the page's policy is the one its configuration and loader call for",
                "Subresource Integrity on the scripts, the wasm, the split modules and the style sheet",
                "the headers file for static hosts",
            ]
        );
    }

    #[test]
    fn this_machines_paths_are_looked_for() {
        let context = Context::of_this_machine(Path::new("/srv/ws"));
        assert!(context.local_paths.contains(&"/srv/ws".to_owned()));
        assert!(context.local_paths.iter().all(|p| p.len() > 2));
    }
}
