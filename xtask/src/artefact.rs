//! What must never ship in `dist/`: a client secret, a token, an absolute path of the machine that
//! built it (which names its user and layout, and makes the build irreproducible), or a source
//! map (which hands out the sources and, with them, more paths).
//!
//! [`scan_dir`] reads every file of `dist/` as bytes (the `.wasm` too: panic messages carry the
//! source path of the code that panicked) and reports each [`Finding`] without repeating a
//! secret it found.

use std::fmt;
use std::path::{Path, PathBuf};

/// What a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rule {
    /// `client_secret=...`, `"client_secret": "..."`, or a configuration field named like a secret.
    ClientSecret,
    /// An access, refresh or ID token, a code verifier, a bearer credential, a JWT, a Spotify
    /// token.
    Token,
    /// An absolute path of a machine: `/home/`, `/root/`, `/Users/`, `/work/`, `C:\`, or this
    /// machine's workspace, `$CARGO_HOME`, `$RUSTUP_HOME` or `$HOME`.
    LocalPath,
    /// A `.map` file, or a `sourceMappingURL` comment pointing at one.
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

/// One thing found, in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    /// The file, relative to the scanned directory.
    pub file: PathBuf,
    /// The byte offset in the file.
    pub offset: usize,
    /// What was found; for a secret or a token only its first characters.
    pub shown: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} at byte {}: {}",
            self.file.display(),
            self.rule.check_name().trim_start_matches("no "),
            self.offset,
            self.shown
        )
    }
}

/// The paths of this machine to look for besides the usual prefixes.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub local_paths: Vec<String>,
}

impl Context {
    /// The workspace root, `$CARGO_HOME` (default `~/.cargo`), `$RUSTUP_HOME` (default
    /// `~/.rustup`) and `$HOME`, as this process sees them.
    pub fn of_this_machine(root: &Path) -> Context {
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let from_env = |name: &str, default: &str| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .or_else(|| home.as_ref().map(|h| h.join(default)))
        };
        let paths = [
            Some(root.to_path_buf()),
            from_env("CARGO_HOME", ".cargo"),
            from_env("RUSTUP_HOME", ".rustup"),
            home.clone(),
        ];
        Context {
            local_paths: paths
                .into_iter()
                .flatten()
                .map(|p| p.to_string_lossy().trim_end_matches('/').to_owned())
                // `/` or `/x` would match everything.
                .filter(|p| p.len() > 2)
                .collect(),
        }
    }
}

/// One check of a built `dist/`, and what failed it (nothing when it passed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub problems: Vec<String>,
}

/// Every check `cargo xtask test` makes of a built `dist/`: one per [`Rule`], then that its page
/// carries the Content Security Policy its configuration block and loader call for, that nothing
/// in it needs `'unsafe-inline'`, that its scripts, wasm and style sheet keep their Subresource
/// Integrity, and that the headers file is there.
pub fn check_dist(dist: &Path, context: &Context) -> Vec<Check> {
    use crate::csp;
    let mut checks = Vec::new();
    match scan_dir(dist, context) {
        Ok(findings) => {
            for rule in Rule::ALL {
                checks.push(Check {
                    name: rule.check_name(),
                    problems: findings
                        .iter()
                        .filter(|f| f.rule == rule)
                        .map(Finding::to_string)
                        .collect(),
                });
            }
        }
        Err(e) => checks.push(Check {
            name: "dist/ can be read",
            problems: vec![e],
        }),
    }
    let index = dist.join("index.html");
    let html = match std::fs::read_to_string(&index) {
        Ok(html) => html,
        Err(e) => {
            checks.push(Check {
                name: "index.html can be read",
                problems: vec![format!("cannot read {}: {e}", index.display())],
            });
            return checks;
        }
    };
    let policy = match (csp::written_policy(&html), csp::Policy::for_page(&html)) {
        (Ok(Some(written)), Ok(wanted)) if written == wanted.to_string() => Vec::new(),
        (Ok(Some(written)), Ok(wanted)) => vec![format!(
            "index.html carries `{written}` but its configuration and loader call for `{wanted}`"
        )],
        (Ok(None), _) => vec![
            "index.html has no <meta http-equiv=\"Content-Security-Policy\"> (build with \
             `cargo xtask build`)"
                .to_owned(),
        ],
        (Err(e), _) | (_, Err(e)) => vec![format!("index.html: {e}")],
    };
    checks.push(Check {
        name: "the page's policy is the one its configuration and loader call for",
        problems: policy,
    });
    checks.push(Check {
        name: "no inline style or event handler (the policy has no 'unsafe-inline')",
        problems: csp::inline_attributes(&html),
    });
    checks.push(Check {
        name: "Subresource Integrity on the script, the wasm and the style sheet",
        problems: csp::missing_integrity(&html),
    });
    let headers = dist.join(csp::HEADERS_FILE);
    checks.push(Check {
        name: "the headers file for static hosts",
        problems: match std::fs::read_to_string(&headers) {
            Ok(text) if text == csp::headers_file() => Vec::new(),
            Ok(_) => vec![format!(
                "{} is not what the build writes",
                headers.display()
            )],
            Err(e) => vec![format!("cannot read {}: {e}", headers.display())],
        },
    });
    checks
}

/// Scans every file under `dir` (recursively; hidden ones too).
pub fn scan_dir(dir: &Path, context: &Context) -> Result<Vec<Finding>, String> {
    let mut findings = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let entries = std::fs::read_dir(&current)
            .map_err(|e| format!("cannot read {}: {e}", current.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot read {}: {e}", current.display()))?;
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            let bytes =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let relative = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
            findings.extend(scan_file(&relative, &bytes, context));
        }
    }
    findings.sort_by(|a, b| (a.rule, &a.file, a.offset).cmp(&(b.rule, &b.file, b.offset)));
    Ok(findings)
}

/// Scans one file's name and bytes.
pub fn scan_file(name: &Path, bytes: &[u8], context: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut found = |rule: Rule, offset: usize, shown: String| {
        findings.push(Finding {
            rule,
            file: name.to_path_buf(),
            offset,
            shown,
        })
    };
    if name
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("map"))
    {
        found(Rule::SourceMap, 0, "a source map file".to_owned());
    }
    for at in find_all(bytes, b"sourceMappingURL") {
        found(Rule::SourceMap, at, excerpt(bytes, at, 60));
    }
    for at in local_paths(bytes, context) {
        found(Rule::LocalPath, at, excerpt(bytes, at, 80));
    }
    for (rule, at) in secrets(bytes) {
        found(rule, at, redacted(bytes, at));
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

/// Offsets of absolute local paths: the usual prefixes, then this machine's own paths. Binary
/// files pack strings without separators, so no word boundary is asked for.
fn local_paths(bytes: &[u8], context: &Context) -> Vec<usize> {
    const PREFIXES: [&[u8]; 6] = [
        b"/home/", b"/root/", b"/Users/", b"/work/", b"C:\\", b"c:\\",
    ];
    let mut offsets: Vec<usize> = PREFIXES
        .iter()
        .flat_map(|prefix| find_all(bytes, prefix))
        .chain(
            context
                .local_paths
                .iter()
                .flat_map(|path| find_all(bytes, path.as_bytes())),
        )
        .collect();
    offsets.sort_unstable();
    offsets.dedup();
    // One finding per path: drop offsets inside the previous path's text.
    let mut kept: Vec<usize> = Vec::new();
    for at in offsets {
        if kept.last().is_some_and(|&last| at < path_end(bytes, last)) {
            continue;
        }
        kept.push(at);
    }
    kept
}

/// Where the path starting at `start` ends: at a space, a control or non-ASCII byte, or a quote.
fn path_end(bytes: &[u8], start: usize) -> usize {
    let ends_path = |b: u8| !(0x21..0x7f).contains(&b) || b"\"'`<>".contains(&b);
    bytes[start..]
        .iter()
        .position(|&b| ends_path(b))
        .map_or(bytes.len(), |n| start + n)
}

/// Keys whose value is a credential when it is written out, and the token shapes that are one on
/// their own.
fn secrets(bytes: &[u8]) -> Vec<(Rule, usize)> {
    const SECRET_KEYS: [&[u8]; 3] = [b"client_secret", b"client-secret", b"clientsecret"];
    const TOKEN_KEYS: [&[u8]; 6] = [
        b"access_token",
        b"refresh_token",
        b"id_token",
        b"code_verifier",
        b"accesstoken",
        b"refreshtoken",
    ];
    let lower = bytes.to_ascii_lowercase();
    let mut out = Vec::new();
    for (rule, keys) in [
        (Rule::ClientSecret, &SECRET_KEYS[..]),
        (Rule::Token, &TOKEN_KEYS[..]),
    ] {
        for key in keys {
            for at in find_all(&lower, key) {
                if assigned_value_len(bytes, at + key.len()) >= 8 {
                    out.push((rule, at));
                }
            }
        }
    }
    for at in find_all(&lower, b"bearer ") {
        if run_len(bytes, at + 7, is_token_byte) >= 20 {
            out.push((Rule::Token, at));
        }
    }
    for at in find_all(bytes, b"eyJ") {
        // header.payload.signature, the header and payload base64url JSON objects.
        let header = run_len(bytes, at, is_base64url);
        if header >= 10 && bytes.get(at + header) == Some(&b'.') {
            let payload = run_len(bytes, at + header + 1, is_base64url);
            if payload >= 10 && bytes.get(at + header + 1 + payload) == Some(&b'.') {
                out.push((Rule::Token, at));
            }
        }
    }
    // Spotify's access tokens start with `BQ`, its refresh tokens with `AQ`: over a hundred
    // base64url characters.
    for prefix in [b"BQ", b"AQ"] {
        for at in find_all(bytes, prefix) {
            let starts_run = at == 0 || !is_base64url(bytes[at - 1]);
            if starts_run && run_len(bytes, at, is_base64url) >= 100 {
                out.push((Rule::Token, at));
            }
        }
    }
    out
}

/// The length of the value written after a key (`=v`, `": "v"`, `: 'v'`), 0 when there is none.
fn assigned_value_len(bytes: &[u8], mut at: usize) -> usize {
    // The key's closing quote, then `=` or `:`, with spaces around.
    while bytes
        .get(at)
        .is_some_and(|&b| b == b'"' || b == b'\'' || b == b' ')
    {
        at += 1;
    }
    if !matches!(bytes.get(at), Some(b'=' | b':')) {
        return 0;
    }
    at += 1;
    while bytes
        .get(at)
        .is_some_and(|&b| b == b'"' || b == b'\'' || b == b' ')
    {
        at += 1;
    }
    run_len(bytes, at, is_token_byte)
}

/// Keys of the configuration block (in `index.html`) that would put a credential in the page.
fn secret_config_keys(bytes: &[u8]) -> Vec<String> {
    let Ok(html) = std::str::from_utf8(bytes) else {
        return Vec::new();
    };
    let Ok(config) = crate::config_block::read_config(html) else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    collect_keys(&config, &mut keys);
    keys.retain(|key| {
        let key = key.to_ascii_lowercase();
        ["secret", "password", "token"]
            .iter()
            .any(|word| key.contains(word))
            && !key.ends_with("_endpoint")
    });
    keys
}

fn collect_keys(value: &serde_json::Value, keys: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                keys.push(key.clone());
                collect_keys(inner, keys);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_keys(v, keys)),
        _ => {}
    }
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn is_token_byte(b: u8) -> bool {
    is_base64url(b) || matches!(b, b'.' | b'~' | b'+' | b'/' | b'=')
}

fn run_len(bytes: &[u8], at: usize, class: fn(u8) -> bool) -> usize {
    bytes
        .get(at..)
        .map_or(0, |rest| rest.iter().take_while(|&&b| class(b)).count())
}

fn find_all(haystack: &[u8], needle: &[u8]) -> Vec<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return Vec::new();
    }
    haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect()
}

/// Printable text from `at`, at most `max` bytes, up to the end of the path or line.
fn excerpt(bytes: &[u8], at: usize, max: usize) -> String {
    let end = path_end(bytes, at).min(at + max).max(at);
    String::from_utf8_lossy(&bytes[at..end]).into_owned()
}

/// The key or prefix and a few characters, never the whole secret.
fn redacted(bytes: &[u8], at: usize) -> String {
    let end = (at + 16).min(bytes.len());
    let shown: String = String::from_utf8_lossy(&bytes[at..end])
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("{shown}… (redacted)")
}

#[cfg(test)]
mod tests {
    use super::*;

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
        crate::csp::secure_dist(&dir).unwrap();
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

        // The endpoints changed by hand, the policy not; a path and a source map in the script.
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
