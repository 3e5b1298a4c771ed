//! `cargo xtask sizes`: every file in `dist/` (hidden ones aside), raw and brotli-compressed
//! (quality 11, as a static host would pre-compress), and the totals.

use std::io::Write;
use std::path::{Path, PathBuf};

/// One file's sizes.
pub struct FileSize {
    /// Path relative to the dist directory, with `/` separators.
    pub name: String,
    pub raw: u64,
    pub brotli: u64,
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

/// Sizes of every file under `dist`, sorted by name.
pub fn measure(dist: &Path) -> Result<Vec<FileSize>, String> {
    let mut files = Vec::new();
    collect(dist, &mut files)?;
    files.sort();
    files
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
            Ok(FileSize {
                name,
                raw: data.len() as u64,
                brotli: brotli_size(&data),
            })
        })
        .collect()
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

/// The table `cargo xtask sizes` prints.
pub fn report(files: &[FileSize]) -> String {
    let width = files
        .iter()
        .map(|f| f.name.len())
        .chain(["file".len(), "total".len()])
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "{:<width$}  {:>18}  {:>18}\n",
        "file", "raw bytes", "brotli bytes"
    );
    let row = |name: &str, raw: u64, brotli: u64| {
        format!(
            "{name:<width$}  {:>18}  {:>18}\n",
            human(raw),
            human(brotli)
        )
    };
    for f in files {
        out.push_str(&row(&f.name, f.raw, f.brotli));
    }
    let raw: u64 = files.iter().map(|f| f.raw).sum();
    let brotli: u64 = files.iter().map(|f| f.brotli).sum();
    out.push_str(&row("total", raw, brotli));
    out
}

/// `70123 (68.5 KiB)`: exact bytes, and KiB for a quick read.
fn human(bytes: u64) -> String {
    format!("{bytes} ({:.1} KiB)", bytes as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repetitive_text_compresses_well() {
        let text = "<li class=\"playlist\">x</li>".repeat(200);
        let size = brotli_size(text.as_bytes());
        assert!(size > 0 && size < 100, "brotli gave {size} bytes");
    }

    #[test]
    fn the_report_ends_with_totals() {
        let files = [
            FileSize {
                name: "a.wasm".into(),
                raw: 2048,
                brotli: 1024,
            },
            FileSize {
                name: "index.html".into(),
                raw: 100,
                brotli: 80,
            },
        ];
        let report = report(&files);
        let last = report.lines().last().unwrap();
        assert!(last.starts_with("total"), "{report}");
        assert!(
            last.contains("2148 (2.1 KiB)") && last.contains("1104 (1.1 KiB)"),
            "{report}"
        );
    }
}
