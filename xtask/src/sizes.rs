//! `cargo xtask sizes`: every file in `dist/` (hidden ones aside), raw and brotli-compressed
//! (quality 11, as a static host would pre-compress); the first load's total (the files the page
//! loads) against the budget; then where the wasm's bytes go, by crate (`sizes::wasm`).

pub mod wasm;

use std::io::Write;
use std::path::Path;

use anyhow::{bail, Context, Result};
use regex::Regex;
use std::collections::HashMap;

use crate::tools::Tools;

/// The first load's budget, in brotli-11 bytes: `cargo xtask test` fails over it, and so does
/// `cargo xtask sizes --check`.
pub const BUDGET: u64 = 160_000;

pub struct FileSize {
    pub name: String,
    pub raw: u64,
    pub brotli: u64,
    /// Whether the first page loads it ([`first_load`]).
    pub loaded: bool,
}

pub fn brotli_size(data: &[u8]) -> u64 {
    let mut writer = brotli::CompressorWriter::new(Vec::new(), 64 * 1024, 11, 22);
    writer.write_all(data).expect("a Vec takes every write");
    writer.into_inner().len() as u64
}

/// The last figure (`cargo xtask sizes --record`): the first load's brotli bytes in all, by file
/// and, for the wasm, by crate. A budget failure names the rows that moved most since.
pub const LAST_FIGURE: &str = "xtask/last-figure.tsv";

/// Rows of a figure: what (a file without its hash, or a row of the wasm's breakdown), brotli bytes.
type Figure = Vec<(String, u64)>;

/// With `check`, fails when the first load is over [`BUDGET`]; a wasm that cannot be broken down
/// fails it too, after the rest is printed. With `record`, writes the figure to [`LAST_FIGURE`].
pub fn run(tools: &Tools, dist: &Path, check: bool, record: bool) -> Result<()> {
    let shown = dist.display();
    if !dist.is_dir() {
        bail!("{shown} does not exist: build it first (cargo xtask build)");
    }
    let files = measure(dist)?;
    println!("{shown} (brotli quality 11)\n{}", report(&files));
    let verdict = against_budget(&files);
    println!("{}", verdict.as_ref().unwrap_or_else(|over| over));
    let breakdown = breakdown(tools, dist, &files).map(|(text, figure)| {
        print!("\n{text}\n{}\n", movers(tools, &figure));
        figure
    });
    if let (true, Ok(figure)) = (record, &breakdown) {
        let lines = figure
            .iter()
            .map(|(what, bytes)| format!("{bytes}\t{what}\n"));
        std::fs::write(tools.root.join(LAST_FIGURE), lines.collect::<String>())?;
        println!("recorded in {LAST_FIGURE}");
    }
    let breakdown = breakdown.context("the wasm by crate");
    match (verdict, breakdown) {
        (Err(over), Err(e)) if check => bail!("{over}\n{e:#}"),
        (Err(over), _) if check => bail!("{over}"),
        (_, breakdown) => breakdown.map(drop),
    }
}

/// The built `dist/`'s first load against [`BUDGET`]: `Ok` with the room left, `Err` naming the
/// excess, the largest files loaded and the largest movers since the last figure.
pub fn check_budget(tools: &Tools, dist: &Path) -> Result<String> {
    let files = measure(dist)?;
    against_budget(&files).or_else(|over| match breakdown(tools, dist, &files) {
        Ok((_, figure)) => bail!("{over}\n{}", movers(tools, &figure)),
        Err(e) => bail!("{over}\n(no movers: the wasm by crate: {e:#})"),
    })
}

/// The wasm's breakdown as text, and the whole figure: the first load, its files, the wasm's rows.
fn breakdown(tools: &Tools, dist: &Path, files: &[FileSize]) -> Result<(String, Figure)> {
    let loaded: Vec<&FileSize> = files.iter().filter(|f| f.loaded).collect();
    let wasm = loaded.iter().find(|f| f.name.ends_with(".wasm"));
    let wasm =
        wasm.with_context(|| format!("{} has no wasm that the page loads", dist.display()))?;
    let (text, rows) = wasm::breakdown(tools, &dist.join(&wasm.name), wasm.brotli)?;
    let total = (
        "first load".to_owned(),
        loaded.iter().map(|f| f.brotli).sum(),
    );
    let files = loaded
        .iter()
        .map(|f| (format!("file {}", unhashed(&f.name)), f.brotli));
    Ok((text, [total].into_iter().chain(files).chain(rows).collect()))
}

/// `main.css` for Trunk's `main-53d0e90ff056f8af.css`.
fn unhashed(name: &str) -> String {
    let hashed = Regex::new(r"-[0-9a-f]{16}([._])").expect("a valid pattern");
    hashed.replace(name, "$1").into_owned()
}

/// The figure's largest moves since [`LAST_FIGURE`], as one line.
fn movers(tools: &Tools, now: &Figure) -> String {
    let last = std::fs::read_to_string(tools.root.join(LAST_FIGURE)).unwrap_or_default();
    format!(
        "since the last figure ({LAST_FIGURE}): {}",
        moves(&last, now)
    )
}

/// The five rows of `now` that moved most from `last` (a [`LAST_FIGURE`] text), the first load's
/// total first.
fn moves(last: &str, now: &Figure) -> String {
    let last: HashMap<&str, i64> = last
        .lines()
        .filter_map(|l| l.split_once('\t'))
        .filter_map(|(bytes, what)| Some((what, bytes.parse().ok()?)))
        .collect();
    if last.is_empty() {
        return "none recorded (cargo xtask sizes --record)".to_owned();
    }
    let was = |what: &str| last.get(what).copied().unwrap_or(0);
    let mut moved: Vec<(i64, &str)> = now
        .iter()
        .map(|(w, b)| (*b as i64 - was(w), &**w))
        .collect();
    let gone = last
        .iter()
        .filter(|(w, _)| !now.iter().any(|(n, _)| n == *w));
    moved.extend(gone.map(|(w, b)| (-b, *w)));
    let (total, mut rows) = moved
        .split_first()
        .map(|(t, r)| (t.0, r.to_vec()))
        .unwrap_or_default();
    rows.retain(|(delta, _)| *delta != 0);
    rows.sort_by_key(|(delta, what)| (std::cmp::Reverse(delta.abs()), *what));
    let rows = rows
        .iter()
        .take(5)
        .map(|(delta, what)| format!("{delta:+} {what}"));
    let rows: Vec<String> = rows.collect();
    let rows = if rows.is_empty() {
        "nothing moved".to_owned()
    } else {
        rows.join(", ")
    };
    format!("first load {total:+} bytes; the largest movers: {rows}")
}

fn against_budget(files: &[FileSize]) -> Result<String, String> {
    let mut loaded: Vec<&FileSize> = files.iter().filter(|f| f.loaded).collect();
    loaded.sort_by_key(|f| std::cmp::Reverse(f.brotli));
    let verdict = verdict(loaded.iter().map(|f| f.brotli).sum(), BUDGET);
    loaded.truncate(3);
    let largest = loaded.iter().map(|f| format!("{} {}", f.name, f.brotli));
    let largest = largest.collect::<Vec<_>>().join(", ");
    verdict.map_err(|over| format!("{over}; the largest files: {largest}"))
}

/// A first-load total against a budget (both brotli bytes).
fn verdict(total: u64, budget: u64) -> Result<String, String> {
    let bytes = |n: u64| format!("{n} byte{}", if n == 1 { "" } else { "s" });
    let first = format!("budget: the first load is {total} bytes brotli-11");
    if total <= budget {
        let spare = bytes(budget - total);
        return Ok(format!("{first}, within {budget} ({spare} to spare)"));
    }
    let pct = (total - budget) as f64 * 100.0 / budget as f64;
    let over = format!("{} ({pct:.1}%)", bytes(total - budget));
    Err(format!("{first}, {over} over the budget of {budget}"))
}

/// Sizes of every file under `dist` (hidden ones aside: Trunk stages a build in `dist/.stage`).
pub fn measure(dist: &Path) -> Result<Vec<FileSize>> {
    let mut files = Vec::new();
    for (name, path) in xtask::files(dist, true)? {
        let data = std::fs::read(&path).with_context(|| path.display().to_string())?;
        files.push((name, data));
    }
    let loaded = first_load(&files);
    let sizes = files
        .iter()
        .zip(loaded)
        .map(|((name, data), loaded)| FileSize {
            name: name.clone(),
            raw: data.len() as u64,
            brotli: brotli_size(data),
            loaded,
        });
    Ok(sizes.collect())
}

/// Which of `files` (name, content) the first page loads: `index.html`, every file it names, and
/// every file that a page, style sheet or script so loaded names in turn, but the split modules
/// ([`xtask::split::is_split_module`]): the page fetches one when a view first needs it (those of
/// the callback's view with the page, on `/callback` only). A file nothing names
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
        // The files that can name others for the page to load.
        if let Some((_, "html" | "css" | "js" | "mjs")) = name.rsplit_once('.') {
            let text = String::from_utf8_lossy(data);
            for (j, (other, _)) in files.iter().enumerate() {
                let on_demand = xtask::split::is_split_module(other);
                if !loaded[j] && !on_demand && names_file(&text, other) {
                    loaded[j] = true;
                    to_read.push(j);
                }
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
        starts && after.is_none_or(|c| !(c.is_alphanumeric() || "-_./".contains(c)))
    })
}

/// The table `cargo xtask sizes` prints: each file, then the first load's total, the split modules'
/// (fetched later, each when a view first needs it), and the files nothing requests.
pub fn report(files: &[FileSize]) -> String {
    let first: Vec<&FileSize> = files.iter().filter(|f| f.loaded).collect();
    let total = format!("first load ({} files)", first.len());
    let widths = files.iter().map(|f| f.name.len());
    let width = widths.max().unwrap_or(0).max(total.len() + 2);
    let kib = |n: u64| format!("{n} ({:.1} KiB)", n as f64 / 1024.0);
    let row = |name: &str, raw: String, brotli: String, note: &str| {
        format!("{name:<width$}  {raw:>18}  {brotli:>18}{note}\n")
    };
    let split = |f: &FileSize| !f.loaded && xtask::split::is_split_module(&f.name);
    let mut out = row("file", "raw bytes".into(), "brotli bytes".into(), "");
    for f in files {
        let note = match (f.loaded, split(f)) {
            (true, _) => "",
            (false, true) => "  when needed",
            (false, false) => "  not loaded",
        };
        out += &row(&f.name, kib(f.raw), kib(f.brotli), note);
    }
    let sum =
        |files: &[&FileSize], size: fn(&FileSize) -> u64| kib(files.iter().map(|f| size(f)).sum());
    out += &row(
        &total,
        sum(&first, |f| f.raw),
        sum(&first, |f| f.brotli),
        "",
    );
    let modules: Vec<&FileSize> = files.iter().filter(|f| split(f)).collect();
    if !modules.is_empty() {
        let what = format!("split modules ({} files)", modules.len());
        let note = "  each fetched when a view first needs it";
        out += &row(
            &what,
            sum(&modules, |f| f.raw),
            sum(&modules, |f| f.brotli),
            note,
        );
    }
    let left_out = files
        .iter()
        .filter(|f| !f.loaded && !split(f))
        .map(|f| &*f.name);
    let left_out: Vec<&str> = left_out.collect();
    if !left_out.is_empty() {
        let left_out = left_out.join(", ");
        out += &format!("not in the first load (the page never requests them): {left_out}\n");
    }
    out
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
        assert!(against_budget(&files)
            .unwrap()
            .contains("first load is 1104 bytes"));
    }

    #[test]
    fn split_modules_are_totalled_apart_from_the_first_load() {
        // Guards against split modules counted in the first load, or left out of every figure.
        let files = [
            file("app-1_bg.wasm", 2048, 1024, true),
            file("chunk_4-0a.wasm", 300, 200, false),
            file("index.html", 100, 80, true),
            file("split_liked_view-0b.wasm", 700, 500, false),
        ];
        let report = report(&files);
        let lines: Vec<&str> = report.lines().collect();
        assert!(lines[2].ends_with("when needed"), "{report}");
        assert!(lines[5].starts_with("first load (2 files)"), "{report}");
        assert!(lines[5].contains("1104 (1.1 KiB)"), "{report}");
        assert!(lines[6].starts_with("split modules (2 files)"), "{report}");
        assert!(lines[6].contains("1000 (1.0 KiB)") && lines[6].contains("700 (0.7 KiB)"));
        assert_eq!(lines.len(), 7, "nothing is left out: {report}");
    }

    #[test]
    fn the_first_load_is_what_the_page_and_its_files_name() {
        // Guards against a total that counts files no page requests (a split module is fetched
        // when a view needs it), or misses one a style sheet or a script pulls in.
        let page = r#"<link rel="stylesheet" href="/main-1a2b.css"><link rel="modulepreload"
            href="/app-9f.js"><script type="module">import init from '/app-9f.js';
            init({ module_or_path: '/app-9f_bg.wasm' });</script>"#;
        let files: Vec<(String, Vec<u8>)> = [
            ("_headers", "/*\n  X-Content-Type-Options: nosniff\n"),
            (
                "app-9f.js",
                "import * as s from \"./app-9f.split.js\"; export default function init() {}",
            ),
            (
                "app-9f.split.js",
                "const c = fetch(new URL(\"./chunk_4-0a.wasm\", import.meta.url));",
            ),
            ("app-9f_bg.wasm", "\0asm"),
            ("chunk_4-0a.wasm", "\0asm"),
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
                "app-9f.split.js",
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
        let dist = tempfile::tempdir().unwrap();
        std::fs::write(dist.path().join("index.html"), "<p>hello</p>").unwrap();
        std::fs::write(dist.path().join("_headers"), "x".repeat(300_000)).unwrap();
        let verdict = check_budget(&Tools::new(dist.path()).unwrap(), dist.path()).unwrap();
        assert!(verdict.contains(&format!("within {BUDGET}")), "{verdict}");
    }

    // Guards against a budget check that lets an over-weight first load through, or fails
    // without saying by how much and where the bytes are.
    #[test]
    fn a_heavy_dist_fails_naming_the_excess_and_the_largest_files() {
        let dist = tempfile::tempdir().unwrap();
        let page = r#"<script type="module" src="/app.js"></script><link href="/a.css">"#;
        std::fs::write(dist.path().join("index.html"), page).unwrap();
        std::fs::write(dist.path().join("a.css"), "p { color: red }").unwrap();
        // Bytes that do not compress: a linear congruential generator's high bytes.
        let mut state = 1u32;
        let noise: Vec<u8> = (0..BUDGET + 1000)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 24) as u8
            })
            .collect();
        std::fs::write(dist.path().join("app.js"), noise).unwrap();
        let tools = Tools::new(dist.path()).unwrap();
        let error = check_budget(&tools, dist.path()).unwrap_err().to_string();
        assert!(
            error.contains(&format!("over the budget of {BUDGET}")),
            "{error}"
        );
        assert!(error.contains("the largest files: app.js "), "{error}");
        assert!(error.contains("no movers: "), "{error}");
    }

    /// Guards against a budget failure that names the wrong rows, or none, as the cause.
    #[test]
    fn movers_are_the_rows_that_moved_most_since_the_last_figure() {
        let last = "1000\tfirst load\n600\tfile app.wasm\n300\tui\n200\ttachys\n50\tgone\n";
        let row = |what: &str, bytes: u64| (what.to_owned(), bytes);
        let now = vec![
            row("first load", 1090),
            row("file app.wasm", 690),
            row("ui", 400),
        ];
        let now = [now, vec![row("tachys", 190), row("new", 40)]].concat();
        assert_eq!(
            moves(last, &now),
            "first load +90 bytes; the largest movers: +100 ui, +90 file app.wasm, -50 gone, \
             +40 new, -10 tachys"
        );
        assert_eq!(
            moves("", &now),
            "none recorded (cargo xtask sizes --record)"
        );
        let same = last.lines().filter_map(|l| l.split_once('\t'));
        let same: Figure = same
            .map(|(b, w)| (w.to_owned(), b.parse().unwrap()))
            .collect();
        assert!(moves(last, &same).ends_with("nothing moved"));
        assert_eq!(
            unhashed("pkce-playlists-76a76129577398b8_bg.wasm"),
            "pkce-playlists_bg.wasm"
        );
        assert_eq!(unhashed("main-53d0e90ff056f8af.css"), "main.css");
        assert_eq!(unhashed("index.html"), "index.html");
    }

    #[test]
    fn the_budget_holds_up_to_and_including_its_last_byte() {
        // Guards against an off-by-one at the limit and an excess that names the wrong number.
        assert_eq!(
            verdict(99_000, 100_000),
            Ok(
                "budget: the first load is 99000 bytes brotli-11, within 100000 (1000 bytes to \
                spare)"
                    .into()
            )
        );
        assert!(verdict(100_000, 100_000)
            .unwrap()
            .ends_with("(0 bytes to spare)"));
        assert_eq!(
            verdict(100_001, 100_000),
            Err(
                "budget: the first load is 100001 bytes brotli-11, 1 byte (0.0%) over the \
                 budget of 100000"
                    .into()
            )
        );
        assert_eq!(
            verdict(123_456, 100_000),
            Err(
                "budget: the first load is 123456 bytes brotli-11, 23456 bytes (23.5%) over the \
                 budget of 100000"
                    .into()
            )
        );
    }
}
