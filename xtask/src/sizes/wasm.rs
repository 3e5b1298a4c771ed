//! Where the wasm's bytes go: each function body's size counted for the crate its name belongs to
//! (and, for the app, for its top-level module), the data segments and the other sections in
//! their own rows, and the largest functions.
//!
//! The shipped wasm has no names: Trunk runs `wasm-opt -Oz`, which drops the name section. So the
//! breakdown reads a *named build*: Trunk's own wasm-bindgen output (`<target>/wasm-bindgen/
//! release/<name>_bg.wasm`, the very input of the shipped file's wasm-opt, names demangled by
//! wasm-bindgen) through the same `wasm-opt -Oz` plus `-g`, which keeps the names and changes no
//! other byte. The breakdown checks that: every section but the name section must equal the
//! shipped file's, or it says so. The named build is kept in `<target>/xtask/sizes/` and reused
//! while it still matches.
//!
//! Who a function counts for, from its name (see [`owner`]): the crate that defines it. A generic
//! function's instances count for the generic's crate (`alloc::vec::Vec<T,A>::push` is `alloc`,
//! whatever `T`), closures for their enclosing item, a trait method for the crate of the type it is
//! implemented for (the trait's crate for `T`, `&T` or a primitive, and for a standard-library
//! type with another crate's trait, which only that crate can implement). Drop glue
//! (`core::ptr::drop_in_place<X>`) is the exception: the compiler makes it from `X`'s fields, so
//! it counts for `X`'s crate (the first crate in `X` that is not `core`, `alloc` or `std`).

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};

use crate::tools::{self, Tools};

/// The app's crate: its top-level modules get a row each.
const APP_CRATE: &str = "pkce_playlists";
/// The crates of the standard library.
const STD: [&str; 3] = ["core", "alloc", "std"];
/// What `index.html` asks Trunk for (`data-wasm-opt="z"`).
const OPT_LEVEL: &str = "-Oz";
/// How many of the largest functions to list.
const TOP: usize = 15;

/// Rows that are not a crate.
pub const GLUE: &str = "(wasm-bindgen glue)";
pub const NO_PATH: &str = "(names without a crate path)";
pub const UNNAMED: &str = "(unnamed functions)";
pub const PRIMITIVES: &str = "core/alloc (methods of primitive types)";

/// The breakdown of the shipped wasm at `shipped` (whose brotli size is `shipped_brotli`), as
/// `cargo xtask sizes` prints it.
pub fn breakdown(tools: &Tools, shipped: &Path, shipped_brotli: u64) -> Result<String, String> {
    let shipped_bytes =
        std::fs::read(shipped).map_err(|e| format!("cannot read {}: {e}", shipped.display()))?;
    let shipped_module = Module::parse(&shipped_bytes)?;
    let shipped_sections = shipped_module.shipped_sections(&shipped_bytes);
    let is_shipped = |wasm: &[u8]| {
        Module::parse(wasm).is_ok_and(|m| m.shipped_sections(wasm) == shipped_sections)
    };
    let (named_path, provenance) = named_build(tools, shipped, &shipped_bytes, is_shipped)?;
    let named_bytes = std::fs::read(&named_path)
        .map_err(|e| format!("cannot read {}: {e}", named_path.display()))?;
    let named = Module::parse(&named_bytes)?;
    let matches = is_shipped(&named_bytes);
    let mut out = format!(
        "{} by crate ({} bytes, {} brotli)\nnamed build: {provenance}\n",
        shipped
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        shipped_bytes.len(),
        shipped_brotli
    );
    if matches {
        out.push_str("  every section but its names is the shipped file's, byte for byte\n");
    } else {
        out.push_str(&format!(
            "  WARNING: it differs from the shipped file (code {} bytes, shipped {}): dist/ and \
             the target directory are from different builds; run `cargo xtask build`\n",
            named.code.len(),
            shipped_module.code.len()
        ));
    }
    let table = Table::of(&named, &named_bytes, shipped_brotli);
    out.push_str(&table.render());
    Ok(out)
}

/// The named build for `shipped`, made (or reused) from Trunk's wasm-bindgen output, and a line
/// that says where it came from.
fn named_build(
    tools: &Tools,
    shipped: &Path,
    shipped_bytes: &[u8],
    is_shipped: impl Fn(&[u8]) -> bool,
) -> Result<(PathBuf, String), String> {
    let file = shipped
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = trunk_stem(&file)
        .ok_or_else(|| format!("{file} is not named as Trunk names a wasm (NAME-HASH_bg.wasm)"))?;
    let output = format!("{stem}_bg.wasm");
    let mut targets = vec![tools.target_dir(), tools.root.join("target")];
    targets.dedup();
    let built: Vec<&PathBuf> = targets
        .iter()
        .filter(|t| t.join("wasm-bindgen/release").join(&output).is_file())
        .collect();
    // Trunk copies its wasm-opt output into dist/: the target directory whose copy is the
    // shipped file made it.
    let target = built
        .iter()
        .find(|t| {
            std::fs::read(t.join("wasm-opt/release").join(&output))
                .ok()
                .as_deref()
                == Some(shipped_bytes)
        })
        .or(built.first())
        .ok_or_else(|| {
            format!(
                "no wasm-bindgen output {output} under {}: run `cargo xtask build`",
                targets
                    .iter()
                    .map(|t| t.join("wasm-bindgen/release").display().to_string())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        })?;
    let input = target.join("wasm-bindgen/release").join(&output);
    let named = target.join("xtask/sizes").join(&output);
    let provenance = |how: &str| {
        format!(
            "wasm-opt {OPT_LEVEL} -g of {} ({how})",
            input.strip_prefix(&tools.root).unwrap_or(&input).display()
        )
    };
    if std::fs::read(&named).is_ok_and(|bytes| is_shipped(&bytes)) {
        return Ok((named, provenance("kept from an earlier run")));
    }
    tools.ensure_wasm_opt()?;
    let wasm_opt = tools.binaryen.join("node_modules/.bin/wasm-opt");
    std::fs::create_dir_all(named.parent().expect("a file in a directory"))
        .map_err(|e| format!("cannot create {}: {e}", named.display()))?;
    let mut command = tools.command(&wasm_opt);
    command
        .arg(format!("--output={}", named.display()))
        .arg(OPT_LEVEL)
        .arg("-g")
        .arg(&input);
    tools::run(&mut command)?;
    Ok((named, provenance("Trunk's wasm-bindgen output")))
}

/// `pkce-playlists` from `pkce-playlists-76527952ea872922_bg.wasm`.
fn trunk_stem(file: &str) -> Option<&str> {
    let (stem, hash) = file.strip_suffix("_bg.wasm")?.rsplit_once('-')?;
    (!hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(stem)
}

/// What the breakdown needs from a wasm module.
#[derive(Debug)]
pub struct Module {
    /// Each defined function, in index order: its name, if the name section has one, and its
    /// size in the code section (the body and the length before it).
    pub functions: Vec<Function>,
    /// The code section's contents (the count and the bodies).
    pub code: Range<usize>,
    /// The data section's contents.
    pub data: Range<usize>,
    pub data_segments: u32,
    /// The name section, header included (it is not shipped).
    pub names: Option<Range<usize>>,
    /// Every section's id and contents, in order (custom sections' names in `custom`).
    sections: Vec<Section>,
}

#[derive(Debug)]
pub struct Function {
    pub name: Option<String>,
    pub size: u64,
}

#[derive(Debug)]
struct Section {
    id: u8,
    custom: Option<String>,
    contents: Range<usize>,
}

impl Module {
    pub fn parse(wasm: &[u8]) -> Result<Module, String> {
        let invalid = |e: wasmparser::BinaryReaderError| format!("not a valid wasm module: {e}");
        let mut imported = 0u32;
        let mut sizes = Vec::new();
        let mut names: HashMap<u32, String> = HashMap::new();
        let mut module = Module {
            functions: Vec::new(),
            code: 0..0,
            data: 0..0,
            data_segments: 0,
            names: None,
            sections: Vec::new(),
        };
        // Where the previous section ended: the next one's header starts there.
        let mut end = 8;
        for payload in Parser::new(0).parse_all(wasm) {
            let payload = payload.map_err(invalid)?;
            if let Some((id, range)) = payload.as_section() {
                let contents = range.start as usize..range.end as usize;
                let custom = match &payload {
                    Payload::CustomSection(reader) => Some(reader.name().to_owned()),
                    _ => None,
                };
                if custom.as_deref() == Some("name") {
                    module.names = Some(end..contents.end);
                }
                end = contents.end;
                module.sections.push(Section {
                    id,
                    custom,
                    contents,
                });
            }
            match payload {
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        if let TypeRef::Func(_) | TypeRef::FuncExact(_) =
                            import.map_err(invalid)?.ty
                        {
                            imported += 1;
                        }
                    }
                }
                Payload::CodeSectionStart {
                    unchecked_range, ..
                } => module.code = unchecked_range.start as usize..unchecked_range.end as usize,
                Payload::CodeSectionEntry(body) => {
                    let len = (body.range().end - body.range().start) as usize;
                    sizes.push((len + leb128_len(len)) as u64);
                }
                Payload::DataSection(reader) => {
                    module.data = reader.range().start as usize..reader.range().end as usize;
                    module.data_segments = reader.count();
                }
                Payload::CustomSection(reader) => {
                    if let KnownCustom::Name(reader) = reader.as_known() {
                        for subsection in reader {
                            if let Name::Function(map) = subsection.map_err(invalid)? {
                                for naming in map {
                                    let naming = naming.map_err(invalid)?;
                                    names.insert(naming.index, naming.name.to_owned());
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        module.functions = sizes
            .into_iter()
            .enumerate()
            .map(|(i, size)| Function {
                name: names.remove(&(imported + i as u32)),
                size,
            })
            .collect();
        Ok(module)
    }

    /// Every section but the name section, as bytes: what must equal the shipped file's.
    fn shipped_sections<'a>(&self, wasm: &'a [u8]) -> Vec<(u8, &'a [u8])> {
        self.sections
            .iter()
            .filter(|s| s.custom.as_deref() != Some("name"))
            .map(|s| (s.id, &wasm[s.contents.clone()]))
            .collect()
    }

    /// The size of the file without its name section: the shipped file's.
    fn shipped_len(&self, wasm: &[u8]) -> usize {
        wasm.len() - self.names.as_ref().map_or(0, |r| r.len())
    }

    /// The bytes that are neither code nor data nor names (the header, types, imports, exports,
    /// tables, elements, globals, the other custom sections, section headers).
    fn rest(&self, wasm: &[u8]) -> Vec<u8> {
        let mut cut = vec![self.code.clone(), self.data.clone()];
        cut.extend(self.names.clone());
        cut.sort_by_key(|r| r.start);
        let mut rest = Vec::new();
        let mut at = 0;
        for r in cut {
            rest.extend_from_slice(&wasm[at..r.start.max(at)]);
            at = at.max(r.end);
        }
        rest.extend_from_slice(&wasm[at..]);
        rest
    }
}

fn leb128_len(mut n: usize) -> usize {
    let mut len = 1;
    while n >= 0x80 {
        n >>= 7;
        len += 1;
    }
    len
}

/// The rows and the largest functions, with brotli estimates.
struct Table {
    rows: Vec<Row>,
    /// The largest functions: name, size, row.
    top: Vec<(String, u64, String)>,
    code: u64,
    total: u64,
    total_brotli: u64,
    /// Brotli bytes per raw byte of code.
    code_ratio: f64,
    drop_glue: (usize, u64),
    unnamed: usize,
}

struct Row {
    label: String,
    raw: u64,
    brotli: f64,
    /// Whether the row is code (and has a share of the code section).
    code: bool,
}

impl Table {
    /// The estimate of each row's brotli bytes: the data and the rest of the file are each
    /// compressed on their own, the code is what remains of the shipped file's brotli size, and
    /// the code's share is divided among the functions in proportion to their raw bytes.
    fn of(module: &Module, wasm: &[u8], shipped_brotli: u64) -> Table {
        let data_brotli = super::brotli_size(&wasm[module.data.clone()]);
        let rest_brotli = super::brotli_size(&module.rest(wasm));
        let code_brotli = shipped_brotli.saturating_sub(data_brotli + rest_brotli);
        let code = module.code.len() as u64;
        let code_ratio = code_brotli as f64 / code.max(1) as f64;

        let mut by_owner: HashMap<String, u64> = HashMap::new();
        let mut named: Vec<(String, u64, String)> = Vec::new();
        let mut drop_glue = (0, 0);
        let mut unnamed = 0;
        for f in &module.functions {
            let owner = match &f.name {
                Some(raw) => {
                    let name = clean(raw);
                    if is_drop_glue(&name) {
                        drop_glue.0 += 1;
                        drop_glue.1 += f.size;
                    }
                    let owner = owner(&name);
                    named.push((name, f.size, owner.clone()));
                    owner
                }
                None => {
                    unnamed += 1;
                    UNNAMED.to_owned()
                }
            };
            *by_owner.entry(owner).or_default() += f.size;
        }
        let functions: u64 = module.functions.iter().map(|f| f.size).sum();
        let data = module.data.len() as u64;
        let total = module.shipped_len(wasm) as u64;
        let mut rows: Vec<Row> = by_owner
            .into_iter()
            .map(|(label, raw)| Row {
                label,
                raw,
                brotli: raw as f64 * code_ratio,
                code: true,
            })
            .collect();
        rows.push(Row {
            label: format!("(data: {} segments)", module.data_segments),
            raw: data,
            brotli: data_brotli as f64,
            code: false,
        });
        rows.push(Row {
            label: "(other sections, headers)".into(),
            raw: total.saturating_sub(functions + data),
            brotli: rest_brotli as f64,
            code: false,
        });
        rows.sort_by(|a, b| b.raw.cmp(&a.raw).then_with(|| a.label.cmp(&b.label)));
        named.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        named.truncate(TOP);
        Table {
            rows,
            top: named,
            code,
            total,
            total_brotli: shipped_brotli,
            code_ratio,
            drop_glue,
            unnamed,
        }
    }

    fn render(&self) -> String {
        let pct = |part: f64, whole: u64| format!("{:.1}%", part * 100.0 / whole.max(1) as f64);
        let width = self
            .rows
            .iter()
            .map(|r| r.label.len())
            .chain([40])
            .max()
            .unwrap_or(0);
        let mut out = format!(
            "{:<width$}  {:>9}  {:>9}  {:>9}  {:>13}\n",
            "crate / app module", "raw bytes", "% of code", "% of wasm", "~brotli bytes"
        );
        for row in &self.rows {
            out.push_str(&format!(
                "{:<width$}  {:>9}  {:>9}  {:>9}  {:>13.0}\n",
                row.label,
                row.raw,
                if row.code {
                    pct(row.raw as f64, self.code)
                } else {
                    "-".into()
                },
                pct(row.raw as f64, self.total),
                row.brotli
            ));
        }
        out.push_str(&format!(
            "{:<width$}  {:>9}  {:>9}  {:>9}  {:>13}\n",
            "total (the shipped file)", self.total, "", "100.0%", self.total_brotli
        ));
        let app: Vec<&Row> = self
            .rows
            .iter()
            .filter(|r| r.label == APP_CRATE || r.label.starts_with(&format!("{APP_CRATE}::")))
            .collect();
        let app_raw: u64 = app.iter().map(|r| r.raw).sum();
        out.push_str(&format!(
            "{APP_CRATE} in all ({} rows): {app_raw} bytes, {} of code, ~{:.0} brotli\n",
            app.len(),
            pct(app_raw as f64, self.code),
            app_raw as f64 * self.code_ratio
        ));
        out.push_str(&format!(
            "drop glue (core::ptr::drop_in_place<X>, counted for X's crate): {} functions, {} \
             bytes, {} of code\n",
            self.drop_glue.0,
            self.drop_glue.1,
            pct(self.drop_glue.1 as f64, self.code)
        ));
        if self.unnamed > 0 {
            out.push_str(&format!(
                "{UNNAMED}: {} bodies that wasm-opt made, mostly ones it shares between similar \
                 functions (it writes no names for what it makes)\n",
                self.unnamed
            ));
        }
        out.push_str(
            "~brotli, an estimate: data and the other sections compressed on their own, the code \
             the rest of the file's brotli size, shared out in proportion to raw bytes\n",
        );
        out.push_str(&format!("\nlargest {} functions\n", self.top.len()));
        let width = self.top.iter().map(|t| t.2.len()).max().unwrap_or(0);
        out.push_str(&format!(
            "{:>9}  {:>9}  {:>13}  {:<width$}  function\n",
            "raw bytes", "% of code", "~brotli bytes", "counted for"
        ));
        for (name, size, owner) in &self.top {
            out.push_str(&format!(
                "{size:>9}  {:>9}  {:>13.0}  {owner:<width$}  {}\n",
                pct(*size as f64, self.code),
                *size as f64 * self.code_ratio,
                shorten(name, 150)
            ));
        }
        out
    }
}

/// At most `max` characters: the start and the end of a long name, which say what it is.
fn shorten(name: &str, max: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= max {
        return name.to_owned();
    }
    let tail = max / 3;
    let head = max - tail - 1;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

/// A function's name as rustc-demangle prints it without hashes (`{:#}`): a mangled name is
/// demangled; a name wasm-bindgen already demangled (with hashes) loses its `::h0123…` hash, the
/// `[0123…]` crate disambiguators of v0 names, and suffixes such as `.llvm.123` or `.7`.
pub fn clean(raw: &str) -> String {
    let demangled = match rustc_demangle::try_demangle(raw) {
        Ok(symbol) => format!("{symbol:#}"),
        Err(_) => raw.to_owned(),
    };
    let mut name = demangled.as_str();
    loop {
        let before = name;
        if let Some((head, tail)) = name.rsplit_once('.') {
            if !tail.is_empty() && tail.bytes().all(|b| b.is_ascii_digit()) {
                name = head.strip_suffix(".llvm").unwrap_or(head);
            }
        }
        if let Some(at) = name.len().checked_sub(19) {
            if name.is_char_boundary(at) {
                let tail = &name[at..];
                if tail.starts_with("::h") && tail[3..].bytes().all(|b| b.is_ascii_hexdigit()) {
                    name = &name[..at];
                }
            }
        }
        if name == before {
            break;
        }
    }
    without_disambiguators(name)
}

/// `core[c5930c85a12de822]::fmt` → `core::fmt`; `[u8; 4]` and `[T]` stay.
fn without_disambiguators(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(open) = rest.find('[') {
        let after_ident = rest[..open]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        let close = rest[open..].find(']').map(|c| open + c);
        match close {
            Some(close)
                if after_ident
                    && (1..=16).contains(&(close - open - 1))
                    && rest[open + 1..close].bytes().all(|b| b.is_ascii_hexdigit()) =>
            {
                out.push_str(&rest[..open]);
                rest = &rest[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The row a function counts for, from its name as [`clean`] leaves it: the crate that defines
/// it, `pkce_playlists::<module>` for the app's modules, or one of [`GLUE`], [`NO_PATH`],
/// [`PRIMITIVES`].
pub fn owner(name: &str) -> String {
    if is_glue(name) {
        return GLUE.to_owned();
    }
    if !name.contains("::") {
        return NO_PATH.to_owned();
    }
    match owning_path(name) {
        Some(path) => {
            if path[0] == APP_CRATE {
                if let Some(module) = app_module(&path) {
                    return format!("{APP_CRATE}::{module}");
                }
            }
            path[0].to_owned()
        }
        // `<char>::escape_debug_ext`, `<str>::to_lowercase`: only the standard library has
        // inherent methods on primitives, and the name does not say which of its crates.
        None if name.starts_with('<') => PRIMITIVES.to_owned(),
        None => NO_PATH.to_owned(),
    }
}

/// What wasm-bindgen writes itself: its exports (`__wbindgen_malloc`), its free functions
/// (`__wbg_…_free`), the externref table and the adapters it names after their signature.
fn is_glue(name: &str) -> bool {
    ["__wbindgen", "__wbg_", "__externref"]
        .iter()
        .any(|p| name.starts_with(p))
        || (!name.contains("::")
            && (name.starts_with("Closure(")
                || name.contains(" -> ")
                || name.ends_with(" externref shim")))
}

fn is_drop_glue(name: &str) -> bool {
    drop_glue_type(&split_top(name, "::")).is_some()
}

/// `X` in `core::ptr::drop_in_place<X>` (and v0's `core::ptr::drop_in_place::<X>`).
fn drop_glue_type<'a>(segments: &[&'a str]) -> Option<&'a str> {
    match segments {
        ["core", "ptr", glue] => glue.strip_prefix("drop_in_place<")?.strip_suffix('>'),
        ["core", "ptr", "drop_in_place", args] => args.strip_prefix('<')?.strip_suffix('>'),
        _ => None,
    }
}

/// The path that names the crate (its first segment) and the module (its second) that define the
/// function `name`.
fn owning_path(name: &str) -> Option<Vec<&str>> {
    let name = name.trim();
    if name.starts_with('<') {
        // `<Type as Trait>::method…` or `<Type>::method…`.
        let close = matching_close(name)?;
        let inner = &name[1..close];
        let (self_ty, trait_path) = match find_top(inner, " as ") {
            Some(at) => (&inner[..at], owning_path(&inner[at + 4..])),
            None => (inner, None),
        };
        return match (type_path(self_ty), trait_path) {
            // The standard library implements no other crate's traits: the trait's crate does.
            (Some(ty), Some(tr)) if STD.contains(&ty[0]) && !STD.contains(&tr[0]) => Some(tr),
            (Some(ty), _) => Some(ty),
            (None, tr) => tr,
        };
    }
    let segments = split_top(name, "::");
    if let Some(dropped) = drop_glue_type(&segments) {
        if let Some(path) = first_crate_path(dropped).or_else(|| type_path(dropped)) {
            return Some(path);
        }
    }
    (segments.len() >= 2 && is_ident(segments[0])).then_some(segments)
}

/// The path of the type that a type names first: through references, pointers, slices, arrays,
/// tuples and `dyn`; `None` for a type parameter or a primitive.
fn type_path(ty: &str) -> Option<Vec<&str>> {
    let mut ty = ty.trim();
    loop {
        let prefixes = [
            "&mut ", "&", "*const ", "*mut ", "mut ", "dyn ", "impl ", "[", "(",
        ];
        if let Some(rest) = prefixes.iter().find_map(|p| ty.strip_prefix(p)) {
            ty = rest.trim_start();
        } else if ty.starts_with('\'') {
            // A lifetime: `&'a T`.
            ty = ty.split_once(' ').map_or("", |(_, rest)| rest);
        } else {
            break;
        }
    }
    if ty.starts_with('<') {
        return owning_path(ty);
    }
    let segments = split_top(path_prefix(ty), "::");
    (segments.len() >= 2 && is_ident(segments[0])).then_some(segments)
}

/// The first path in a type whose crate is not the standard library's:
/// `alloc::vec::Vec<pkce_playlists::ui::Row>` → `pkce_playlists::ui::Row`.
fn first_crate_path(ty: &str) -> Option<Vec<&str>> {
    let mut at = 0;
    while at < ty.len() {
        let starts_ident = ty[at..]
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && !ty[..at]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
        if starts_ident {
            let path = path_prefix(&ty[at..]);
            let segments = split_top(path, "::");
            if segments.len() >= 2 && is_ident(segments[0]) && !STD.contains(&segments[0]) {
                return Some(segments);
            }
        }
        at += ty[at..].chars().next().map_or(1, char::len_utf8);
    }
    None
}

/// The path at the start of `text`, up to the first separator outside brackets (or a bracket
/// that closes one opened before `text`).
fn path_prefix(text: &str) -> &str {
    let mut depth = 0i32;
    let mut previous = ' ';
    for (i, c) in text.char_indices() {
        match c {
            '<' | '(' | '[' | '{' => depth += 1,
            '>' if previous == '-' => {}
            '>' | ')' | ']' | '}' => {
                depth -= 1;
                if depth < 0 {
                    return &text[..i];
                }
            }
            ',' | ';' | '+' | ' ' if depth == 0 => return &text[..i],
            _ => {}
        }
        previous = c;
    }
    text
}

/// The app module in a path of the app's crate: `ui` in `pkce_playlists::ui::paged::…`; `None`
/// for an item at the crate's root (`pkce_playlists::main` and its closures).
fn app_module<'a>(path: &[&'a str]) -> Option<&'a str> {
    let named: Vec<&str> = path
        .iter()
        .copied()
        .filter(|s| !s.starts_with('{'))
        .collect();
    let module = *named.get(1)?;
    (named.len() >= 3 && is_ident(module) && module.starts_with(|c: char| c.is_lowercase()))
        .then_some(module)
}

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// `s` split at `sep` outside brackets.
fn split_top<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut rest = s;
    while let Some(at) = find_top(rest, sep) {
        parts.push(&rest[..at]);
        rest = &rest[at + sep.len()..];
    }
    parts.push(rest);
    parts
}

/// Where `pat` first occurs in `s` outside brackets (`<>`, `()`, `[]`, `{}`; the `>` of `->` is
/// no bracket).
fn find_top(s: &str, pat: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut previous = ' ';
    for (i, c) in s.char_indices() {
        if depth == 0 && s[i..].starts_with(pat) {
            return Some(i);
        }
        match c {
            '<' | '(' | '[' | '{' => depth += 1,
            '>' if previous == '-' => {}
            '>' | ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
        previous = c;
    }
    None
}

/// The index of the `>` that closes the `<` that `s` starts with.
fn matching_close(s: &str) -> Option<usize> {
    let mut depth = 0i32;
    let mut previous = ' ';
    for (i, c) in s.char_indices() {
        match c {
            '<' | '(' | '[' | '{' => depth += 1,
            '>' if previous == '-' => {}
            '>' | ')' | ']' | '}' => {
                depth -= 1;
                if depth == 0 {
                    return (c == '>').then_some(i);
                }
            }
            _ => {}
        }
        previous = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row: a function's name as it appears in the name section, then the row it counts
    /// for.
    #[test]
    fn functions_count_for_the_crate_that_defines_them() {
        let cases = [
            // The app's modules, closures for their enclosing item.
            (
                "pkce_playlists::ui::paged::PagedList<T>::run::{{closure}}::he08820094d733c5e",
                "pkce_playlists::ui",
            ),
            (
                "pkce_playlists::ui::app::__component_app::{{closure}}::{{closure}}",
                "pkce_playlists::ui",
            ),
            ("pkce_playlists::main", "pkce_playlists"),
            ("pkce_playlists::main::{{closure}}", "pkce_playlists"),
            (
                "<pkce_playlists::browser::http::Fetch as pkce_playlists::http::Transport>::send::{{closure}}",
                "pkce_playlists::browser",
            ),
            (
                "pkce_playlists::oauth::<impl core::convert::From<pkce_playlists::oauth::Error> for alloc::string::String>::from",
                "pkce_playlists::oauth",
            ),
            // Drop impls: the type's crate; for a type parameter, the trait's.
            (
                "<pkce_playlists::browser::tabs::Guard as core::ops::drop::Drop>::drop",
                "pkce_playlists::browser",
            ),
            (
                "<alloc::vec::Vec<T,A> as core::ops::drop::Drop>::drop::h0123456789abcdef",
                "alloc",
            ),
            ("<T as alloc::string::ToString>::to_string", "alloc"),
            ("<&T as core::fmt::Debug>::fmt", "core"),
            ("<&isize as core::fmt::Debug>::fmt", "core"),
            // Dependencies, generic or not.
            (
                "<tachys::view::iterators::StaticVec<T> as tachys::view::Render>::rebuild",
                "tachys",
            ),
            ("tachys::html::element::ElementType::tag", "tachys"),
            (
                "<&mut serde_json::de::Deserializer<R> as serde_core::de::Deserializer>::deserialize_any",
                "serde_json",
            ),
            (
                "serde_json::value::de::<impl serde_core::de::Deserialize for serde_json::value::Value>::deserialize",
                "serde_json",
            ),
            // A std type and another crate's trait: the impl is in the trait's crate.
            (
                "<alloc::sync::Arc<dyn core::ops::function::Fn<()>+Output = tachys::view::any_view::AnyView+core::marker::Sync+core::marker::Send> as leptos::children::ToChildren<F>>::to_children::{{closure}}",
                "leptos",
            ),
            ("<alloc::string::String as tachys::view::Render>::build", "tachys"),
            // Generic instances count for the generic's crate, in either mangling's spelling.
            ("alloc::vec::Vec<T,A>::push", "alloc"),
            ("<alloc::vec::Vec<pkce_playlists::spotify::model::Playlist>>::push", "alloc"),
            (
                "reactive_graph::computed::async_derived::arc_async_derived::ArcAsyncDerived<T>::new_unsync_with_initial::{{closure}}",
                "reactive_graph",
            ),
            (
                "<pkce_playlists::spotify::model::Page<T> as serde_core::de::Deserialize>::deserialize::_::<impl serde_core::de::Deserialize for <pkce_playlists::spotify::model::Page<T> as serde_core::de::Deserialize>::deserialize::Raw>::deserialize",
                "pkce_playlists::spotify",
            ),
            // Drop glue: the dropped type's crate, past std's wrappers.
            ("core::ptr::drop_in_place<pkce_playlists::session::LibraryRead>", "pkce_playlists::session"),
            (
                "core::ptr::drop_in_place<core::option::Option<pkce_playlists::ui::Notice>>",
                "pkce_playlists::ui",
            ),
            ("core::ptr::drop_in_place<alloc::vec::Vec<u8>>", "alloc"),
            (
                "core::ptr::drop_in_place::<alloc::sync::Arc<reactive_graph::owner::Owner>>",
                "reactive_graph",
            ),
            ("core::ptr::drop_in_place<[alloc::string::String]>", "alloc"),
            // The standard library's v0 names.
            ("<core::str::pattern::StrSearcher>::new", "core"),
            ("std::panicking::begin_panic::<&str>::{closure#0}", "std"),
            ("core::ops::function::FnOnce::call_once{{vtable.shim}}", "core"),
            ("<char>::escape_debug_ext", PRIMITIVES),
            // Rows that are no crate.
            ("memcmp", NO_PATH),
            ("intounderlyingsink_abort", NO_PATH),
            ("__wbindgen_malloc", GLUE),
            ("__wbg_intounderlyingsink_free", GLUE),
            ("intounderlyingsink_write externref shim", GLUE),
            ("F64 -> Externref", GLUE),
            (
                "Closure(Closure { owned: true, function: Function { arguments: [Externref], shim_idx: 132, ret: Unit, inner_ret: Some(Unit) }, mutable: true }) -> Externref",
                GLUE,
            ),
        ];
        for (name, expected) in cases {
            assert_eq!(owner(&clean(name)), expected, "{name}");
        }
    }

    #[test]
    fn names_lose_hashes_disambiguators_and_suffixes() {
        // Guards against one function counted as many rows, or a crate named `core[c593…]`.
        let cases = [
            // Mangled (legacy and v0): rustc-demangle.
            (
                "_ZN14pkce_playlists2ui5paged18PagedList$LT$T$GT$3run28_$u7b$$u7b$closure$u7d$$u7d$17he08820094d733c5eE",
                "pkce_playlists::ui::paged::PagedList<T>::run::{{closure}}",
            ),
            (
                "_ZN4core3ptr56drop_in_place$LT$pkce_playlists..config..ConfigError$GT$17h7c3bdbc63e38c972E",
                "core::ptr::drop_in_place<pkce_playlists::config::ConfigError>",
            ),
            (
                "_RNvNtCsgXGp5Oqx2Ny_4core9panicking9panic_fmt",
                "core::panicking::panic_fmt",
            ),
            (
                "_RNvXs_NtNtCsgXGp5Oqx2Ny_4core3str6traitseNtNtB8_3cmp9PartialEq2eq.2511",
                "<str as core::cmp::PartialEq>::eq",
            ),
            // Demangled by wasm-bindgen, with hashes.
            (
                "pkce_playlists::ui::playlists::__component_playlists_page::h3e9b08684b3a3a03",
                "pkce_playlists::ui::playlists::__component_playlists_page",
            ),
            (
                "<core[c5930c85a12de822]::str::pattern::StrSearcher as core[c5930c85a12de822]::str::pattern::Searcher>::next_match.665",
                "<core::str::pattern::StrSearcher as core::str::pattern::Searcher>::next_match",
            ),
            (
                "__rustc[b7974e8690430dd9]::__rust_realloc",
                "__rustc::__rust_realloc",
            ),
            // Brackets that are types stay.
            (
                "core::ptr::drop_in_place<[u8; 16]>",
                "core::ptr::drop_in_place<[u8; 16]>",
            ),
            ("<[T]>::sort_by::habcdefabcdefabcd", "<[T]>::sort_by"),
        ];
        for (raw, expected) in cases {
            assert_eq!(clean(raw), expected, "{raw}");
        }
    }

    /// A module with one imported and two defined functions, a data segment and a name section.
    fn tiny_module() -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        let section = |wasm: &mut Vec<u8>, id: u8, contents: &[u8]| {
            wasm.push(id);
            wasm.push(contents.len() as u8);
            wasm.extend_from_slice(contents);
        };
        section(&mut wasm, 1, &[1, 0x60, 0, 0]); // type 0: [] -> []
        section(&mut wasm, 2, &[1, 3, b'e', b'n', b'v', 1, b'f', 0, 0]); // env.f: type 0
        section(&mut wasm, 3, &[2, 0, 0]); // two functions of type 0
        section(&mut wasm, 5, &[1, 0, 1]); // one page of memory
        section(&mut wasm, 10, &[2, 2, 0, 0x0b, 4, 0, 0x01, 0x01, 0x0b]); // end; nop nop end
        section(&mut wasm, 11, &[1, 0, 0x41, 0, 0x0b, 3, b'a', b'b', b'c']); // "abc" at 0
        let mut names = vec![4, b'n', b'a', b'm', b'e'];
        names.extend_from_slice(&[1, 7, 2, 1, 1, b'a', 2, 1, b'b']); // functions 1 and 2
        section(&mut wasm, 0, &names);
        wasm
    }

    #[test]
    fn function_names_skip_the_imports_and_sizes_add_up() {
        // Guards against names shifted by the imported functions, and rows that do not add up
        // to the code section.
        let wasm = tiny_module();
        let module = Module::parse(&wasm).unwrap();
        let functions: Vec<(Option<&str>, u64)> = module
            .functions
            .iter()
            .map(|f| (f.name.as_deref(), f.size))
            .collect();
        assert_eq!(functions, [(Some("a"), 3), (Some("b"), 5)]);
        assert_eq!(module.code.len(), 1 + 3 + 5);
        assert_eq!(module.data.len(), 9);
        assert_eq!(module.data_segments, 1);
        let names = module.names.clone().unwrap();
        assert_eq!(names.end, wasm.len());
        assert_eq!(names.len(), 2 + 14);
        assert_eq!(module.shipped_len(&wasm), wasm.len() - 16);
        assert_eq!(
            module.rest(&wasm).len() + module.code.len() + module.data.len(),
            module.shipped_len(&wasm)
        );
    }

    #[test]
    fn trunk_names_its_wasm_after_the_binary_and_a_hash() {
        assert_eq!(
            trunk_stem("pkce-playlists-76527952ea872922_bg.wasm"),
            Some("pkce-playlists")
        );
        assert_eq!(trunk_stem("pkce-playlists_bg.wasm"), None);
        assert_eq!(trunk_stem("index.html"), None);
    }
}
