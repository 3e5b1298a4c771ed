//! Where the wasm's bytes go: each function body's size counted for the crate its name belongs to
//! (and, for the app, for its top-level module), the data segments and the other sections in
//! their own rows, and the largest functions.
//!
//! The shipped wasm has no names, so the breakdown reads a *named build*: the split build's main
//! module as wasm-bindgen wrote it (`<target>/xtask/split/bindgen/<name>_bg.wasm`) through the same `wasm-opt` passes (as
//! `index.html` asks Trunk for them: [`xtask::html::wasm_opt_args`]) plus `-g`, which keeps the
//! names and changes no other byte: without its name section it must be the shipped file. It is
//! kept in `<target>/xtask/sizes/` while it still matches.
//!
//! Who a function counts for is read from its name ([`owner`]): the crate that defines it, so a
//! generic's instances count for the generic's crate and closures for their enclosing item.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use std::sync::LazyLock;

use anyhow::{ensure, Context, Result};
use regex::Regex;
use wasmparser::{KnownCustom, Name, Parser, Payload, TypeRef};

use super::{brotli_size, Figure};
use crate::tools::{self, Tools};
use xtask::imports::shorten_wasm;

/// The app's crate: its top-level modules get a row each.
const APP_CRATE: &str = "pkce_playlists";
const STD: [&str; 3] = ["core", "alloc", "std"];
const TOP: usize = 15;

/// Rows that are not a crate.
pub const GLUE: &str = "(wasm-bindgen glue)";
pub const NO_PATH: &str = "(names without a crate path)";
pub const UNNAMED: &str = "(unnamed functions: bodies wasm-opt made)";
pub const PRIMITIVES: &str = "core/alloc (methods of primitive types)";
const OTHER: &str = "(other sections, headers)";

/// The breakdown of the shipped wasm at `shipped` (whose brotli size is `shipped_brotli`), as
/// `cargo xtask sizes` prints it, and its rows (estimated brotli bytes of each crate, of the data
/// and of the other sections).
pub fn breakdown(tools: &Tools, shipped: &Path, shipped_brotli: u64) -> Result<(String, Figure)> {
    let read = |path: &Path| std::fs::read(path).with_context(|| path.display().to_string());
    let shipped_bytes = read(shipped)?;
    let file = shipped.file_name().unwrap_or_default().to_string_lossy();
    let stem =
        trunk_stem(&file).with_context(|| format!("{file} is not named NAME-HASH_bg.wasm"))?;
    let (target, output) = (tools.target_dir(), format!("{stem}_bg.wasm"));
    let input = target
        .join(crate::tools::SPLIT_DIR)
        .join("bindgen")
        .join(&output);
    let named_path = target.join("xtask/sizes").join(&output);
    // The build renames the shipped wasm's imports after wasm-opt: so is the named build.
    let renamed = |path: &Path| Ok::<_, anyhow::Error>(shorten_wasm(&read(path)?)?.0);
    let is_shipped =
        |wasm: &[u8]| Module::parse(wasm).is_ok_and(|m| m.shipped(wasm) == shipped_bytes);
    // The passes Trunk ran, as the source page asks for them.
    let opt = xtask::html::wasm_opt_args(&xtask::read(&tools.root.join("index.html"))?)?;
    let mut how = "kept from an earlier run";
    if !renamed(&named_path).is_ok_and(|bytes| is_shipped(&bytes)) {
        let missing = input.display();
        ensure!(input.is_file(), "no {missing}: run `cargo xtask build`");
        let mut wasm_opt = tools.command(tools.ensure_wasm_opt()?);
        std::fs::create_dir_all(target.join("xtask/sizes"))?;
        wasm_opt.arg(format!("--output={}", named_path.display()));
        tools::run(wasm_opt.args(&opt).arg("-g").arg(&input))?;
        how = "the split build's wasm-bindgen output";
    }
    let named_bytes = renamed(&named_path)?;
    let named = Module::parse(&named_bytes)?;
    let input = input.strip_prefix(&tools.root).unwrap_or(&input).display();
    let size = shipped_bytes.len();
    let mut out = format!("{file} by crate ({size} bytes, {shipped_brotli} brotli)\n");
    let opt = opt.join(" ");
    out += &format!("named build: wasm-opt {opt} -g of {input} ({how})\n");
    let same = "  every section but its names is the shipped file's, byte for byte\n";
    let differs =
        "  WARNING: it differs from the shipped file: dist/ and the target directory are \
                   from different builds; run `cargo xtask build`\n";
    let shipped = is_shipped(&named_bytes);
    out += if shipped { same } else { differs };
    let (table, rows) = table(&named, &named_bytes, shipped_brotli);
    Ok((out + &table, rows))
}

/// `pkce-playlists` from `pkce-playlists-76527952ea872922_bg.wasm`.
fn trunk_stem(file: &str) -> Option<&str> {
    let (stem, hash) = file.strip_suffix("_bg.wasm")?.rsplit_once('-')?;
    (!hash.is_empty() && hash.bytes().all(|b| b.is_ascii_hexdigit())).then_some(stem)
}

#[derive(Debug, Default)]
struct Module {
    /// Each defined function, in index order: its name, if any, and its size in the code section
    /// (the body and the length before it).
    functions: Vec<(Option<String>, u64)>,
    /// The code and data sections' contents, and the name section with its header.
    code: Range<usize>,
    data: Range<usize>,
    data_segments: u32,
    names: Range<usize>,
}

impl Module {
    fn parse(wasm: &[u8]) -> Result<Module> {
        let (mut imported, mut sizes, mut names) = (0, Vec::new(), HashMap::new());
        let mut module = Module::default();
        // Where the previous section ended: the next one's header starts there.
        let mut end = 8;
        for payload in Parser::new(0).parse_all(wasm) {
            let payload = payload.context("not a valid wasm module")?;
            let section_start = end;
            if let Some((_, range)) = payload.as_section() {
                end = range.end as usize;
            }
            match payload {
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let ty = import.context("not a valid wasm module")?.ty;
                        imported += matches!(ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) as u32;
                    }
                }
                Payload::CodeSectionStart {
                    unchecked_range, ..
                } => module.code = to_usize(unchecked_range),
                Payload::CodeSectionEntry(body) => {
                    let len = to_usize(body.range()).len();
                    sizes.push((len + leb128_len(len)) as u64);
                }
                Payload::DataSection(reader) => {
                    module.data = to_usize(reader.range());
                    module.data_segments = reader.count();
                }
                Payload::CustomSection(reader) if reader.name() == "name" => {
                    module.names = section_start..end;
                    let KnownCustom::Name(reader) = reader.as_known() else {
                        continue;
                    };
                    for subsection in reader {
                        if let Name::Function(map) = subsection.context("a bad name section")? {
                            for naming in map {
                                let naming = naming.context("a bad name section")?;
                                names.insert(naming.index, naming.name.to_owned());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        let named = sizes.into_iter().enumerate();
        let named = named.map(|(i, size)| (names.remove(&(imported + i as u32)), size));
        module.functions = named.collect();
        Ok(module)
    }

    /// The file without the byte ranges `cut`.
    fn without(wasm: &[u8], mut cut: Vec<Range<usize>>) -> Vec<u8> {
        cut.sort_by_key(|r| r.start);
        let (mut kept, mut at) = (Vec::new(), 0);
        for r in cut {
            kept.extend_from_slice(&wasm[at..r.start.max(at)]);
            at = at.max(r.end);
        }
        kept.extend_from_slice(&wasm[at..]);
        kept
    }

    /// The file without its name section: what is shipped.
    fn shipped(&self, wasm: &[u8]) -> Vec<u8> {
        Module::without(wasm, vec![self.names.clone()])
    }

    /// The bytes that are neither code nor data nor names (the header, types, imports, exports,
    /// tables, elements, globals, the other custom sections, section headers).
    fn rest(&self, wasm: &[u8]) -> Vec<u8> {
        let cut = vec![self.code.clone(), self.data.clone(), self.names.clone()];
        Module::without(wasm, cut)
    }
}

fn to_usize(range: Range<u64>) -> Range<usize> {
    range.start as usize..range.end as usize
}

fn leb128_len(n: usize) -> usize {
    (usize::BITS - n.leading_zeros()).max(1).div_ceil(7) as usize
}

/// The rows by crate and the largest functions, with brotli estimates: the data and the rest of
/// the file are each compressed on their own, the code is what remains of the shipped file's
/// brotli size, and the code's share is divided among the functions in proportion to their size.
fn table(module: &Module, wasm: &[u8], shipped_brotli: u64) -> (String, Figure) {
    let data_brotli = brotli_size(&wasm[module.data.clone()]);
    let rest_brotli = brotli_size(&module.rest(wasm));
    let code = module.code.len().max(1) as f64;
    let ratio = shipped_brotli.saturating_sub(data_brotli + rest_brotli) as f64 / code;
    let (mut rows, mut largest, mut glue) = (HashMap::<_, u64>::new(), Vec::new(), (0, 0));
    for (name, size) in &module.functions {
        let name = name.as_deref().map(clean);
        let owner = name.as_deref().map_or(UNNAMED.to_owned(), owner);
        *rows.entry(owner.clone()).or_default() += size;
        if let Some(name) = name {
            if drop_glue_type(&name).is_some() {
                glue = (glue.0 + 1, glue.1 + size);
            }
            largest.push((Reverse(*size), name, owner));
        }
    }
    let mut rows: Vec<_> = rows.into_iter().map(|(l, raw)| (Reverse(raw), l)).collect();
    rows.sort();
    largest.sort();
    let pct = |part: u64| format!("{:.1}%", part as f64 * 100.0 / code);
    let est = |raw: u64| (raw as f64 * ratio).round() as u64;
    let line = |label: &str, raw: u64, of_code: &str, brotli: u64| {
        format!("{label:<44}  {raw:>9}  {of_code:>9}  {brotli:>13}\n")
    };
    let head = "crate / app module";
    let mut out = format!("{head:<46}raw bytes  % of code  ~brotli bytes\n");
    for (Reverse(raw), label) in &rows {
        out += &line(label, *raw, &pct(*raw), est(*raw));
    }
    let (data, segments) = (module.data.len() as u64, module.data_segments);
    let total = (wasm.len() - module.names.len()) as u64;
    let functions: u64 = module.functions.iter().map(|(_, size)| size).sum();
    let rest = total.saturating_sub(functions + data);
    let segments = format!("(data: {segments} segments)");
    out += &line(&segments, data, "-", data_brotli);
    out += &line(OTHER, rest, "-", rest_brotli);
    let crates = rows
        .iter()
        .map(|(Reverse(raw), label)| (label.clone(), est(*raw)));
    let rest = [
        ("(data)".to_owned(), data_brotli),
        (OTHER.to_owned(), rest_brotli),
    ];
    let figure = crates.chain(rest).collect();
    out += &line("total (the shipped file)", total, "-", shipped_brotli);
    let in_app = |(_, l): &&(Reverse<u64>, String)| l.split("::").next() == Some(APP_CRATE);
    let app = rows.iter().filter(in_app);
    let app: u64 = app.map(|(Reverse(raw), _)| raw).sum();
    let (app_code, app_brotli, (glued, glue)) = (pct(app), est(app), (glue.0, pct(glue.1)));
    out += &format!("{APP_CRATE} in all: {app} bytes, {app_code} of code, ~{app_brotli} brotli\n");
    out +=
        &format!("drop glue (for the dropped type's crate): {glued} functions, {glue} of code\n");
    out += "~brotli, an estimate: data and the other sections compressed on their own, the code \
            the rest of the file's brotli size, shared out in proportion to raw bytes\n";
    out += &format!(
        "\nlargest {TOP} functions\nraw bytes  % of code  ~brotli bytes  function (counted for)\n"
    );
    for (Reverse(size), name, owner) in largest.iter().take(TOP) {
        let (of_code, brotli, name) = (pct(*size), est(*size), shorten(name, 150));
        out += &format!("{size:>9}  {of_code:>9}  {brotli:>13}  {name} ({owner})\n");
    }
    (out, figure)
}

/// At most `max` characters: the start and the end of a long name, which say what it is.
fn shorten(name: &str, max: usize) -> String {
    let chars: Vec<char> = name.chars().collect();
    if chars.len() <= max {
        return name.to_owned();
    }
    let (head, tail) = (&chars[..max - max / 3 - 1], &chars[chars.len() - max / 3..]);
    head.iter().chain(['…'].iter()).chain(tail).collect()
}

/// A function's name as rustc-demangle prints it without hashes (`{:#}`): a mangled name is
/// demangled; a name wasm-bindgen already demangled (with hashes) loses its `::h0123…` hash, the
/// `[0123…]` crate disambiguators of v0 names, and suffixes such as `.llvm.123` or `.7`.
pub fn clean(raw: &str) -> String {
    static SUFFIXES: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:::h[0-9a-fA-F]{16}|(?:\.llvm)?\.[0-9]+)+$").unwrap());
    // `core[c5930c85a12de822]::fmt` → `core::fmt`; `[u8; 4]` and `<[T]>` stay.
    static DISAMBIGUATORS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"([\w])\[[0-9a-fA-F]{1,16}\]").unwrap());
    let name = match rustc_demangle::try_demangle(raw) {
        Ok(symbol) => format!("{symbol:#}"),
        Err(_) => raw.to_owned(),
    };
    let name = SUFFIXES.replace(&name, "");
    DISAMBIGUATORS.replace_all(&name, "${1}").into_owned()
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
    let own = paths(name).next().filter(|p| p.at == 0);
    let path = if name.starts_with('<') {
        // `<Type as Trait>::method`: the type's crate, but the trait's for `T`, `&T`, a primitive,
        // or a std type with another crate's trait (which only that crate can implement).
        let (ty, tr) = qualified(name).unwrap_or((name, None));
        match (paths(ty).next(), tr.and_then(|tr| paths(tr).next())) {
            (Some(ty), Some(tr)) if STD.contains(&ty.krate) && !STD.contains(&tr.krate) => Some(tr),
            (ty, tr) => ty.or(tr),
        }
    } else if let Some(dropped) = drop_glue_type(name) {
        // Drop glue is made from the type's fields: the first crate in it past std's wrappers.
        let mut found = paths(dropped);
        let first = paths(dropped).next();
        found.find(|p| !STD.contains(&p.krate)).or(first).or(own)
    } else {
        own
    };
    match path {
        Some(path) => match (path.krate, path.module) {
            (APP_CRATE, Some(module)) => format!("{APP_CRATE}::{module}"),
            (krate, _) => krate.to_owned(),
        },
        // `<char>::escape_debug_ext`: only the standard library has inherent methods on
        // primitives, and the name does not say which of its crates.
        None if name.starts_with('<') => PRIMITIVES.to_owned(),
        None => NO_PATH.to_owned(),
    }
}

/// What wasm-bindgen writes itself: its exports (`__wbindgen_malloc`), its free functions
/// (`__wbg_…_free`), the externref table and the adapters it names after their signature.
fn is_glue(name: &str) -> bool {
    let adapter =
        name.starts_with("Closure(") || name.contains(" -> ") || name.ends_with(" externref shim");
    let own = ["__wbindgen", "__wbg_", "__externref"];
    own.iter().any(|p| name.starts_with(p)) || (!name.contains("::") && adapter)
}

/// `X` in `core::ptr::drop_in_place<X>` (and v0's `core::ptr::drop_in_place::<X>`).
fn drop_glue_type(name: &str) -> Option<&str> {
    static DROP: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^core::ptr::drop_in_place(?:::)?<(.*)>$").unwrap());
    Some(DROP.captures(name)?.get(1)?.as_str())
}

/// A path in a name: its crate, and the app module it names (`ui` in
/// `pkce_playlists::ui::paged::…`, none in `pkce_playlists::main` or its closures).
struct CratePath<'a> {
    at: usize,
    krate: &'a str,
    module: Option<&'a str>,
}

fn paths(text: &str) -> impl Iterator<Item = CratePath<'_>> {
    static PATH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|[^\w:])([A-Za-z_]\w*)::(?:([a-z]\w*)::[\w<])?").unwrap()
    });
    PATH.captures_iter(text).map(|c| {
        let (krate, module) = (c.get(1).unwrap(), c.get(2).map(|m| m.as_str()));
        let (at, krate) = (krate.start(), krate.as_str());
        CratePath { at, krate, module }
    })
}

/// `Type` and `Trait` in `<Type as Trait>::…`, or `Type` in `<Type>::…`: split at the brackets'
/// depth (`<>`, `()`, `[]`, `{}`; the `>` of `->` is no bracket).
fn qualified(name: &str) -> Option<(&str, Option<&str>)> {
    let (mut depth, mut previous, mut as_at) = (0, ' ', None);
    for (i, c) in name.char_indices() {
        match c {
            '<' | '(' | '[' | '{' => depth += 1,
            '>' if previous == '-' => {}
            '>' | ')' | ']' | '}' => depth -= 1,
            ' ' if depth == 1 && as_at.is_none() && name[i..].starts_with(" as ") => {
                as_at = Some(i)
            }
            _ => {}
        }
        previous = c;
        if depth == 0 {
            return Some(match as_at {
                Some(at) => (&name[1..at], Some(&name[at + 4..i])),
                None => (&name[1..i], None),
            });
        }
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
            (
                "js_sys::<impl core::convert::From<&js_sys::JsString> for alloc::string::String>::from",
                "js_sys",
            ),
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
            .map(|(name, size)| (name.as_deref(), *size))
            .collect();
        assert_eq!(functions, [(Some("a"), 3), (Some("b"), 5)]);
        assert_eq!(module.code.len(), 1 + 3 + 5);
        assert_eq!(module.data.len(), 9);
        assert_eq!(module.data_segments, 1);
        let names = module.names.clone();
        assert_eq!(names.end, wasm.len());
        assert_eq!(names.len(), 2 + 14);
        assert_eq!(module.shipped(&wasm), wasm[..wasm.len() - 16]);
        assert_eq!(
            module.rest(&wasm).len() + module.code.len() + module.data.len(),
            wasm.len() - 16
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
