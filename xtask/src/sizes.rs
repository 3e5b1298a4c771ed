//! `cargo xtask sizes`: every file in `dist/` (hidden ones aside), raw and brotli-compressed
//! (quality 11, as a static host would pre-compress); the first load's total (the files the page
//! loads) against the budget; then where the wasm's bytes go, by crate (`sizes::wasm`).

pub mod wasm;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::tools::Tools;

/// The first load's budget (issue 10): every file the first page loads, brotli quality 11, in
/// bytes.
pub const BUDGET: u64 = 100_000;

/// One file's sizes.
pub struct FileSize {
    /// Path relative to the dist directory, with `/` separators.
    pub name: String,
    pub raw: u64,
    pub brotli: u64,
    /// Whether the first page loads it (`index.html` and what it names, see [`first_load`]).
    pub loaded: bool,
}

pub fn brotli_size(data: &[u8]) -> u64 {
    const QUALITY: u32 = 11;
    const WINDOW_BITS: u32 = 22;
    let mut writer = brotli::CompressorWriter::new(Vec::new(), 64 * 1024, QUALITY, WINDOW_BITS);
    writer
        .write_all(data)
        .expect("writing to a Vec cannot fail");
    writer.into_inner().len() as u64
}

/// `cargo xtask sizes [--check]`: the files, the budget, the wasm by crate. With `check`, fails
/// when the first load is over [`BUDGET`], naming the excess; a wasm that cannot be broken down
/// fails it too, after the rest is printed.
pub fn run(tools: &Tools, dist: &Path, check: bool) -> Result<(), String> {
    if !dist.is_dir() {
        return Err(format!(
            "{} does not exist: build it first (cargo xtask build)",
            dist.display()
        ));
    }
    let files = measure(dist)?;
    println!("{} (brotli quality 11)", dist.display());
    print!("{}", report(&files));
    let verdict = against_budget(first_load_total(&files), BUDGET);
    println!("{}", verdict.as_ref().unwrap_or_else(|over| over));

    let wasm = files
        .iter()
        .find(|f| f.loaded && f.name.ends_with(".wasm"))
        .ok_or_else(|| format!("{} has no wasm that the page loads", dist.display()));
    let breakdown = wasm.and_then(|f| wasm::breakdown(tools, &dist.join(&f.name), f.brotli));
    match &breakdown {
        Ok(text) => print!("\n{text}"),
        Err(e) => eprintln!("xtask: the wasm by crate: {e}"),
    }
    match (verdict, breakdown) {
        (Err(over), _) if check => Err(over),
        (_, Err(e)) => Err(format!("the wasm by crate: {e}")),
        _ => Ok(()),
    }
}

/// The built `dist/`'s first load against [`BUDGET`]: `Ok` with the room left, `Err` naming the
/// excess. For a test suite: `sizes::check_budget(&root.join("dist"))`.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "for the test suite, whose checks are chosen elsewhere"
    )
)]
pub fn check_budget(dist: &Path) -> Result<String, String> {
    let files = measure(dist)?;
    against_budget(first_load_total(&files), BUDGET)
}

/// The brotli bytes of the files the first page loads.
pub fn first_load_total(files: &[FileSize]) -> u64 {
    files.iter().filter(|f| f.loaded).map(|f| f.brotli).sum()
}

/// A first-load total against a budget (both brotli bytes).
pub fn against_budget(total: u64, budget: u64) -> Result<String, String> {
    if total <= budget {
        Ok(format!(
            "budget: the first load is {total} bytes brotli-11, within {budget} ({} to spare)",
            bytes(budget - total)
        ))
    } else {
        let over = total - budget;
        Err(format!(
            "budget: the first load is {total} bytes brotli-11, {} ({:.1}%) over the budget of \
             {budget}",
            bytes(over),
            over as f64 * 100.0 / budget as f64
        ))
    }
}

fn bytes(n: u64) -> String {
    if n == 1 {
        "1 byte".to_owned()
    } else {
        format!("{n} bytes")
    }
}

/// Sizes of every file under `dist`, sorted by name.
pub fn measure(dist: &Path) -> Result<Vec<FileSize>, String> {
    let mut paths = Vec::new();
    collect(dist, &mut paths)?;
    paths.sort();
    let files = paths
        .into_iter()
        .map(|path| {
            let data =
                std::fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            let name = path
                .strip_prefix(dist)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            Ok((name, data))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let loaded = first_load(&files);
    Ok(files
        .iter()
        .zip(loaded)
        .map(|((name, data), loaded)| FileSize {
            name: name.clone(),
            raw: data.len() as u64,
            brotli: brotli_size(data),
            loaded,
        })
        .collect())
}

/// Which of `files` (name, content) the first page loads: `index.html`, every file it names, and
/// every file that a page, style sheet or script so loaded names in turn. A file nothing names
/// (`_headers`, which the host reads) is not loaded. Without an `index.html`, all are.
pub fn first_load(files: &[(String, Vec<u8>)]) -> Vec<bool> {
    let Some(index) = files.iter().position(|(name, _)| name == "index.html") else {
        return vec![true; files.len()];
    };
    let mut loaded = vec![false; files.len()];
    loaded[index] = true;
    let mut to_read = vec![index];
    while let Some(i) = to_read.pop() {
        let (name, data) = &files[i];
        if ![".html", ".css", ".js", ".mjs"]
            .iter()
            .any(|ext| name.ends_with(ext))
        {
            continue;
        }
        let text = String::from_utf8_lossy(data);
        for (j, (other, _)) in files.iter().enumerate() {
            if !loaded[j] && names_file(&text, other) {
                loaded[j] = true;
                to_read.push(j);
            }
        }
    }
    loaded
}

/// Whether `text` refers to the file `name` (a path relative to dist): `/name`, `"name"`,
/// `url(name)`, not a longer name that contains it.
fn names_file(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + name.len()..].chars().next();
        let starts = before.is_none_or(|c| c.is_whitespace() || "/\"'(=".contains(c));
        let ends = after.is_none_or(|c| !(c.is_alphanumeric() || "-_./".contains(c)));
        starts && ends
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        let path = entry.path();
        // Trunk stages a build in `dist/.stage`; hidden entries are not part of the site.
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// The table `cargo xtask sizes` prints: each file, then the first load's total and the files it
/// leaves out.
pub fn report(files: &[FileSize]) -> String {
    let loaded = files.iter().filter(|f| f.loaded).count();
    let total = format!("first load ({loaded} files)");
    let width = files
        .iter()
        .map(|f| f.name.len())
        .chain(["file".len(), total.len()])
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "{:<width$}  {:>18}  {:>18}\n",
        "file", "raw bytes", "brotli bytes"
    );
    let row = |name: &str, raw: u64, brotli: u64, note: &str| {
        format!(
            "{name:<width$}  {:>18}  {:>18}{note}\n",
            human(raw),
            human(brotli)
        )
    };
    for f in files {
        let note = if f.loaded { "" } else { "  not loaded" };
        out.push_str(&row(&f.name, f.raw, f.brotli, note));
    }
    let first: Vec<&FileSize> = files.iter().filter(|f| f.loaded).collect();
    out.push_str(&row(
        &total,
        first.iter().map(|f| f.raw).sum(),
        first.iter().map(|f| f.brotli).sum(),
        "",
    ));
    let left_out: Vec<&str> = files
        .iter()
        .filter(|f| !f.loaded)
        .map(|f| f.name.as_str())
        .collect();
    if !left_out.is_empty() {
        out.push_str(&format!(
            "not in the first load (the page never requests them): {}\n",
            left_out.join(", ")
        ));
    }
    out
}

/// `70123 (68.5 KiB)`: exact bytes, and KiB for a quick read.
fn human(bytes: u64) -> String {
    format!("{bytes} ({:.1} KiB)", bytes as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(name: &str, raw: u64, brotli: u64, loaded: bool) -> FileSize {
        FileSize {
            name: name.into(),
            raw,
            brotli,
            loaded,
        }
    }

    #[test]
    fn repetitive_text_compresses_well() {
        let text = "<li class=\"playlist\">x</li>".repeat(200);
        let size = brotli_size(text.as_bytes());
        assert!(size > 0 && size < 100, "brotli gave {size} bytes");
    }

    #[test]
    fn the_report_totals_the_first_load_and_names_what_it_leaves_out() {
        // Guards against counting the host's `_headers` as bytes the page downloads.
        let files = [
            file("_headers", 400, 200, false),
            file("a.wasm", 2048, 1024, true),
            file("index.html", 100, 80, true),
        ];
        let report = report(&files);
        let lines: Vec<&str> = report.lines().collect();
        let total = lines[lines.len() - 2];
        assert!(total.starts_with("first load (2 files)"), "{report}");
        assert!(
            total.contains("2148 (2.1 KiB)") && total.contains("1104 (1.1 KiB)"),
            "{report}"
        );
        assert!(lines[1].ends_with("not loaded"), "{report}");
        assert_eq!(
            lines[lines.len() - 1],
            "not in the first load (the page never requests them): _headers"
        );
        assert_eq!(first_load_total(&files), 1104);
    }

    #[test]
    fn the_first_load_is_what_the_page_and_its_files_name() {
        // Guards against a total that counts files no page requests, or misses one a style
        // sheet pulls in.
        let page = r#"<link rel="stylesheet" href="/main-1a2b.css"><link rel="modulepreload"
            href="/app-9f.js"><script type="module">import init from '/app-9f.js';
            init({ module_or_path: '/app-9f_bg.wasm' });</script>"#;
        let files: Vec<(String, Vec<u8>)> = [
            ("_headers", "/*\n  X-Content-Type-Options: nosniff\n"),
            ("app-9f.js", "export default function init() {}"),
            ("app-9f_bg.wasm", "\0asm"),
            ("font.woff2", "..."),
            ("index.html", page),
            ("main-1a2b.css", "@font-face { src: url(font.woff2) }"),
            ("main-1a2b.css.map", "{}"),
            ("old-app-9f.js", "stale"),
        ]
        .iter()
        .map(|(n, d)| (n.to_string(), d.as_bytes().to_vec()))
        .collect();
        let loaded: Vec<&str> = first_load(&files)
            .iter()
            .zip(&files)
            .filter(|(l, _)| **l)
            .map(|(_, (n, _))| n.as_str())
            .collect();
        assert_eq!(
            loaded,
            [
                "app-9f.js",
                "app-9f_bg.wasm",
                "font.woff2",
                "index.html",
                "main-1a2b.css"
            ]
        );
    }

    #[test]
    fn a_small_dist_is_within_the_budget() {
        // Guards against a check that cannot pass, or that counts what the page never loads.
        let dist = std::env::temp_dir().join(format!("xtask-sizes-{}", std::process::id()));
        std::fs::create_dir_all(&dist).unwrap();
        std::fs::write(dist.join("index.html"), "<p>hello</p>").unwrap();
        std::fs::write(dist.join("_headers"), "x".repeat(300_000)).unwrap();
        let verdict = check_budget(&dist);
        std::fs::remove_dir_all(&dist).unwrap();
        let verdict = verdict.unwrap();
        assert!(verdict.contains("within 100000"), "{verdict}");
    }

    #[test]
    fn the_budget_holds_up_to_and_including_its_last_byte() {
        // Guards against an off-by-one at the limit and an excess that names the wrong number.
        assert_eq!(
            against_budget(99_000, 100_000),
            Ok(
                "budget: the first load is 99000 bytes brotli-11, within 100000 (1000 bytes to \
                spare)"
                    .into()
            )
        );
        assert!(against_budget(100_000, 100_000)
            .unwrap()
            .ends_with("(0 bytes to spare)"));
        assert_eq!(
            against_budget(100_001, 100_000),
            Err(
                "budget: the first load is 100001 bytes brotli-11, 1 byte (0.0%) over the \
                 budget of 100000"
                    .into()
            )
        );
        assert_eq!(
            against_budget(123_456, BUDGET),
            Err(
                "budget: the first load is 123456 bytes brotli-11, 23456 bytes (23.5%) over the \
                 budget of 100000"
                    .into()
            )
        );
    }
}
