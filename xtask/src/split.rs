//! The release wasm in parts: the views the first page does not show (`src/ui/split.rs`) are cut out of it by
//! `wasm-split-cli` into modules of their own, which the page fetches when it first shows one of them.
//!
//! Trunk has no step for it (trunk-rs/trunk#1022), so the build runs after Trunk, on the same cargo output
//! (linked with `--emit-relocs`, which the split reads): `wasm-split-cli`, then `wasm-bindgen` on the main module
//! and `wasm-opt` on every module, with the passes the page asks Trunk for. [`place`] then puts the result in
//! `dist/` in place of Trunk's wasm and loader, each file named after its content's hash (the `_headers` rule
//! caches them for a year), every module fetched with its Subresource Integrity, and the split loader preloaded
//! by the page with its own.
//!
//! The loader and the split loader import each other, so neither can be named after its own content alone:
//! both are named after the hash of both.

use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use regex::Regex;
use sha2::Digest as _;

use crate::html::integrity;

/// The app's binary: the main module and its loader are named after it.
pub const BIN: &str = "pkce-playlists";
/// The split loader `wasm-split-cli` writes.
pub const SPLIT_LOADER: &str = "__wasm_split.js";
/// The module the main wasm imports the split loader's functions from.
pub const SPLIT_LOADER_IMPORT: &str = "./__wasm_split.js";

/// What the split build made, in the folder it made it in.
#[derive(Debug)]
pub struct Built {
    /// wasm-bindgen's loader of the main module.
    pub loader: PathBuf,
    /// The main module, optimised.
    pub main: PathBuf,
    /// The split loader.
    pub split_loader: PathBuf,
    /// The split modules, optimised.
    pub modules: Vec<PathBuf>,
}

/// The first 16 hex digits of the SHA-256 of `parts`, as Trunk names its files.
fn hash(parts: &[&[u8]]) -> String {
    let mut digest = sha2::Sha256::new();
    for part in parts {
        digest.update((part.len() as u64).to_le_bytes());
        digest.update(part);
    }
    let digest = digest.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// `stem-<hash>.ext` for `file` (`chunk_5.wasm` → `chunk_5-0123456789abcdef.wasm`).
fn hashed_name(file: &str, bytes: &[u8]) -> String {
    let (stem, ext) = file.rsplit_once('.').unwrap_or((file, ""));
    format!("{stem}-{}.{ext}", hash(&[bytes]))
}

/// The split loader with each module it fetches renamed as `names` says (old, new, integrity), and fetched
/// with its integrity. Every module must be fetched exactly once, and nothing else.
pub fn rename_modules(split_loader: &str, names: &[(String, String, String)]) -> Result<String> {
    let fetch = Regex::new(r#"fetch\(new URL\("\./([^"]+\.wasm)", import\.meta\.url\)\)"#)?;
    let mut seen = Vec::new();
    let mut failed = None;
    let out = fetch.replace_all(split_loader, |c: &regex::Captures| {
        let old = &c[1];
        seen.push(old.to_owned());
        match names.iter().find(|(name, _, _)| name == old) {
            Some((_, new, sri)) => {
                format!(r#"fetch(new URL("./{new}", import.meta.url), {{ integrity: "{sri}" }})"#)
            }
            None => {
                failed = Some(format!(
                    "the split loader fetches {old}, which the split did not make"
                ));
                c[0].to_owned()
            }
        }
    });
    if let Some(failed) = failed {
        bail!(failed);
    }
    for (name, _, _) in names {
        let count = seen.iter().filter(|s| *s == name).count();
        ensure!(
            count == 1,
            "the split loader fetches {name} {count} times: not the loader this build was written for"
        );
    }
    Ok(out.into_owned())
}

/// The split views a route shows as soon as the app starts, and that route: their modules are fetched
/// with the page there ([`early_script`]), not once the app has started. The callback's code exchange
/// waits for its view's module, and the exchange is the first of the sign-in's round trips.
const EARLY: [(&str, &str); 1] = [("/callback", "callback_view")];

/// The modules the split loader fetches for `view` (a split function's name), as it names them: the
/// view's own, then the chunks it shares with others.
pub fn modules_of(split_loader: &str, view: &str) -> Result<Vec<String>> {
    let fetched = r#"makeLoad\(\(\) => \{\s*const src = fetch\(new URL\("\./([^"]+)""#;
    let chunk = Regex::new(&format!(r"const (__chunk_\d+) = {fetched}"))?;
    let chunks: Vec<(&str, &str)> = chunk
        .captures_iter(split_loader)
        .map(|c| {
            (
                c.get(1).map_or("", |m| m.as_str()),
                c.get(2).map_or("", |m| m.as_str()),
            )
        })
        .collect();
    let load = format!(
        r"(?s)export const __wasm_split_load_{view} = wrapAsyncCb\({fetched}.*?\n, \[([^\]]*)\]\)\);"
    );
    let load = Regex::new(&load)?;
    let found = load.captures(split_loader);
    let found = found.with_context(|| format!("the split loader has no loader for {view}"))?;
    let mut modules = vec![found[1].to_owned()];
    for dep in found[2].split(',').map(str::trim).filter(|d| !d.is_empty()) {
        let module = chunks.iter().find(|(name, _)| *name == dep);
        let (_, module) =
            module.with_context(|| format!("{view} needs {dep}, which is not defined"))?;
        modules.push((*module).to_owned());
    }
    Ok(modules)
}

/// A script that, on `route`, preloads `modules` (new name, integrity) as the split loader will fetch
/// them (`fetch` from the same origin, with their integrity), so that its fetches find them loading.
fn early_script(route: &str, modules: &[&(String, String, String)]) -> String {
    let list: Vec<String> = modules
        .iter()
        .map(|(_, new, sri)| format!("[\"/{new}\",\"{sri}\"]"))
        .collect();
    format!(
        "if(location.pathname==\"{route}\")for(const[h,i]of[{}]){{const l=document.createElement(\"link\");\
         l.rel=\"preload\";l.as=\"fetch\";l.crossOrigin=\"anonymous\";l.integrity=i;l.href=h;\
         document.head.append(l)}}",
        list.join(",")
    )
}

/// Puts `built` into `dist` in place of Trunk's wasm (`trunk_wasm`) and loader (`trunk_loader`), as the module
/// doc says; `index.html`'s references follow, and it preloads the split loader (its `integrity` is written
/// afterwards, with the others', by `html::secure_dist`).
pub fn place(built: &Built, dist: &Path, trunk_wasm: &Path, trunk_loader: &Path) -> Result<()> {
    let read = |path: &Path| std::fs::read(path).with_context(|| path.display().to_string());
    let name = |path: &Path| {
        path.file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned()
    };
    let mut modules = Vec::new();
    for module in &built.modules {
        let bytes = read(module)?;
        let new = hashed_name(&name(module), &bytes);
        std::fs::write(dist.join(&new), &bytes)?;
        modules.push((name(module), new, integrity(&bytes)));
    }
    let split_loader = String::from_utf8(read(&built.split_loader)?)?;
    let mut early = String::new();
    for (route, view) in EARLY {
        let needed = modules_of(&split_loader, view)?;
        let needed: Vec<_> = modules
            .iter()
            .filter(|(old, _, _)| needed.contains(old))
            .collect();
        early += &format!("<script>{}</script>", early_script(route, &needed));
    }
    let split_loader = rename_modules(&split_loader, &modules)?;
    let loader = String::from_utf8(read(&built.loader)?)?;
    let both = hash(&[loader.as_bytes(), split_loader.as_bytes()]);
    let (new_loader, new_split) = (format!("{BIN}-{both}.js"), format!("{BIN}-{both}.split.js"));

    // The import statements change; the import object's key stays the wasm's import module.
    let imports = format!("from \"{SPLIT_LOADER_IMPORT}\"");
    ensure!(
        loader.contains(&imports),
        "the loader does not import {SPLIT_LOADER_IMPORT}"
    );
    let loader = loader.replace(&imports, &format!("from \"./{new_split}\""));
    let imported = format!("from \"./{BIN}.js\"");
    ensure!(
        split_loader.matches(&imported).count() == 1,
        "the split loader does not import `{imported}` once"
    );
    let split_loader = split_loader.replace(&imported, &format!("from \"./{new_loader}\""));
    let main = read(&built.main)?;
    let new_main = format!("{BIN}-{}_bg.wasm", hash(&[&main]));

    let index = dist.join("index.html");
    let mut html = crate::read(&index)?;
    for (old, new) in [(trunk_loader, &new_loader), (trunk_wasm, &new_main)] {
        let old = format!("/{}", name(old));
        ensure!(html.contains(&old), "index.html does not name {old}");
        html = html.replace(&old, &format!("/{new}"));
    }
    let preload = format!("<link rel=\"modulepreload\" href=\"/{new_loader}\"");
    let at = html
        .find(&preload)
        .context("index.html does not preload the loader")?;
    let split_preload = format!(
        "<link rel=\"modulepreload\" href=\"/{new_split}\" crossorigin=\"anonymous\" integrity=\"{}\">",
        integrity(split_loader.as_bytes())
    );
    html.insert_str(at, &split_preload);
    let loader_script = html.find("<script type=\"module\">");
    let loader_script = loader_script.context("index.html has no <script type=\"module\">")?;
    html.insert_str(loader_script, &early);

    std::fs::remove_file(trunk_wasm)?;
    std::fs::remove_file(trunk_loader)?;
    std::fs::write(dist.join(&new_main), main)?;
    std::fs::write(dist.join(&new_loader), loader)?;
    std::fs::write(dist.join(&new_split), split_loader)?;
    std::fs::write(&index, html)?;
    Ok(())
}

/// What is wrong with how `dist`'s split loader fetches the split modules: a module it does not
/// name, or names without the module's integrity (as `fetch` checks it); nothing when all is well.
pub fn module_problems(dist: &Path) -> Result<Vec<String>> {
    let files = crate::files(dist, true)?;
    let loaders: Vec<String> = files
        .iter()
        .filter(|(name, _)| name.ends_with(".split.js"))
        .map(|(_, path)| crate::read(path))
        .collect::<Result<_>>()?;
    let mut problems = Vec::new();
    for (name, path) in files.iter().filter(|(name, _)| is_split_module(name)) {
        let sri = integrity(&std::fs::read(path)?);
        let named = |text: &String| text.contains(&format!("\"./{name}\""));
        match loaders.iter().find(|text| named(text)) {
            None => problems.push(format!("no split loader fetches {name}")),
            Some(text) if !text.contains(&format!("\"{sri}\"")) => {
                problems.push(format!("{name} is fetched without its integrity"))
            }
            Some(_) => {}
        }
    }
    Ok(problems)
}

/// Whether `file` (a name in `dist/`) is a split module: a wasm that only a script names, fetched when needed.
pub fn is_split_module(file: &str) -> bool {
    file.ends_with(".wasm") && !file.ends_with("_bg.wasm")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPLIT_LOADER_TEXT: &str = r#"import { initSync } from "./pkce-playlists.js";
const __chunk_4 = makeLoad(() => {
    const src = fetch(new URL("./chunk_4.wasm", import.meta.url));
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}, []);
export const __wasm_split_load_view = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_view.wasm", import.meta.url));
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}, [__chunk_4]));
"#;

    fn names() -> Vec<(String, String, String)> {
        [
            ("chunk_4.wasm", "chunk_4-aa.wasm"),
            ("split_view.wasm", "split_view-bb.wasm"),
        ]
        .map(|(old, new)| (old.into(), new.into(), format!("sha384-{old}")))
        .to_vec()
    }

    /// The split loader's text as wasm-split-cli 0.2.4 writes it, cut down.
    const LOADERS: &str = r#"/* a_view, b_view */
const __chunk_4 = makeLoad(() => {
    const src = fetch(new URL("./chunk_4.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
/* b_view */
const __chunk_5 = makeLoad(() => {
    const src = fetch(new URL("./chunk_5.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, []);
export const __wasm_split_load_a_view = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_a_view.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_4]));
export const __wasm_split_load_b_view = wrapAsyncCb(makeLoad(() => {
    const src = fetch(new URL("./split_b_view.wasm", import.meta.url));
    src.catch(() => {});
    return async (imports) => (WebAssembly.instantiateStreaming(src, imports));
}
, [__chunk_4, __chunk_5]));
"#;

    #[test]
    fn a_views_modules_are_its_own_and_the_chunks_it_needs() {
        assert_eq!(
            modules_of(LOADERS, "a_view").unwrap(),
            ["split_a_view.wasm", "chunk_4.wasm"]
        );
        assert_eq!(
            modules_of(LOADERS, "b_view").unwrap(),
            ["split_b_view.wasm", "chunk_4.wasm", "chunk_5.wasm"]
        );
        let error = modules_of(LOADERS, "c_view").unwrap_err().to_string();
        assert!(error.contains("no loader for c_view"), "{error}");
    }

    #[test]
    fn the_early_script_preloads_on_its_route_only() {
        let module = (
            "split_a_view.wasm".into(),
            "split_a_view-aa.wasm".into(),
            "sha384-A".into(),
        );
        let script = early_script("/callback", &[&module]);
        assert!(
            script.starts_with(r#"if(location.pathname=="/callback")"#),
            "{script}"
        );
        assert!(
            script.contains(r#"[["/split_a_view-aa.wasm","sha384-A"]]"#),
            "{script}"
        );
        assert!(script
            .contains(r#"l.rel="preload";l.as="fetch";l.crossOrigin="anonymous";l.integrity=i"#));
    }

    #[test]
    fn each_module_is_fetched_by_its_new_name_with_its_integrity() {
        let out = rename_modules(SPLIT_LOADER_TEXT, &names()).unwrap();
        assert!(out.contains(
            r#"fetch(new URL("./chunk_4-aa.wasm", import.meta.url), { integrity: "sha384-chunk_4.wasm" })"#
        ));
        assert!(out
            .contains(r#"fetch(new URL("./split_view-bb.wasm", import.meta.url), { integrity: "#));
        assert!(!out.contains("\"./chunk_4.wasm\""));
    }

    #[test]
    fn a_module_not_fetched_or_unknown_fails_the_build() {
        let mut more = names();
        more.push((
            "chunk_9.wasm".into(),
            "chunk_9-cc.wasm".into(),
            "sha384-x".into(),
        ));
        let error = rename_modules(SPLIT_LOADER_TEXT, &more)
            .unwrap_err()
            .to_string();
        assert!(error.contains("chunk_9.wasm 0 times"), "{error}");
        let error = rename_modules(SPLIT_LOADER_TEXT, &names()[..1])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("fetches split_view.wasm, which the split did not make"),
            "{error}"
        );
    }

    #[test]
    fn names_follow_the_content() {
        assert_eq!(
            hashed_name("chunk_4.wasm", b"a"),
            hashed_name("chunk_4.wasm", b"a")
        );
        assert_ne!(
            hashed_name("chunk_4.wasm", b"a"),
            hashed_name("chunk_4.wasm", b"b")
        );
        assert!(Regex::new("^chunk_4-[0-9a-f]{16}\\.wasm$")
            .unwrap()
            .is_match(&hashed_name("chunk_4.wasm", b"a")));
        // Two parts are not their concatenation.
        assert_ne!(hash(&[b"ab", b"c"]), hash(&[b"a", b"bc"]));
    }

    #[test]
    fn every_module_must_be_fetched_with_its_integrity() {
        let dist = tempfile::tempdir().unwrap();
        let write = |name: &str, text: &[u8]| std::fs::write(dist.path().join(name), text).unwrap();
        write("chunk_4-aa.wasm", b"\0asm one");
        write("split_view-bb.wasm", b"\0asm two");
        write("app-cc_bg.wasm", b"\0asm main");
        let good = format!(
            "f(\"./chunk_4-aa.wasm\",{{integrity:\"{}\"}});g(\"./split_view-bb.wasm\",{{integrity:\"{}\"}})",
            integrity(b"\0asm one"),
            integrity(b"\0asm two")
        );
        write("app-cc.split.js", good.as_bytes());
        assert_eq!(module_problems(dist.path()).unwrap(), Vec::<String>::new());
        write(
            "app-cc.split.js",
            good.replace(&integrity(b"\0asm two"), "sha384-x")
                .as_bytes(),
        );
        assert_eq!(
            module_problems(dist.path()).unwrap(),
            ["split_view-bb.wasm is fetched without its integrity"]
        );
        write("chunk_9-dd.wasm", b"\0asm");
        assert!(module_problems(dist.path())
            .unwrap()
            .contains(&"no split loader fetches chunk_9-dd.wasm".to_owned()));
    }

    #[test]
    fn only_wasm_that_the_page_does_not_load_is_split() {
        assert!(is_split_module("chunk_5-0123456789abcdef.wasm"));
        assert!(is_split_module("split_playlist_view-0123456789abcdef.wasm"));
        assert!(!is_split_module("pkce-playlists-0123456789abcdef_bg.wasm"));
        assert!(!is_split_module("pkce-playlists-0123456789abcdef.js"));
    }
}
