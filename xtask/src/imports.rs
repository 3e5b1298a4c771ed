//! Short names for the functions the JS loader gives the wasm. wasm-bindgen names each one
//! `__wbg_<name>_<16 hex digits>`, and the name is written twice: in the wasm's import section
//! and as a key of the loader's import object. The hash digits do not compress; renaming every
//! import to a short identifier (`a`, `b`, … `ba`, …, by its place in the import section, so that
//! the same wasm always gets the same names) made the first load about 5 KB lighter (brotli-11).
//! The build does it after Trunk ([`shorten_dist`]), before the page's integrity is written.

use std::path::{Path, PathBuf};

use anyhow::{ensure, Context, Result};
use wasmparser::{BinaryReader, ImportSectionReader, Parser, Payload, TypeRef};

/// Each key of the loader's import objects that is renamed, and its new name, in import order:
/// the functions' names, then the modules' (quoted, as the loader writes them).
pub type Renames = Vec<(String, String)>;

/// The wasm with its imports renamed (and without the custom sections other than `name`, which
/// tools write for tools), and the renames.
pub fn shorten_wasm(wasm: &[u8]) -> Result<(Vec<u8>, Renames)> {
    let (mut out, mut renames, mut start) = (wasm[..8].to_vec(), Vec::new(), 8);
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.context("not a valid wasm module")?;
        let Some((_, range)) = payload.as_section() else {
            continue;
        };
        let (header, end) = (start, range.end as usize);
        start = end;
        match payload {
            Payload::ImportSection(reader) => {
                let section = imports(wasm, reader, &mut renames)?;
                out.push(2);
                out.extend(leb128(section.len()));
                out.extend(section);
            }
            Payload::CustomSection(custom) if custom.name() != "name" => {}
            _ => out.extend(&wasm[header..end]),
        }
    }
    Ok((out, renames))
}

/// The import section `reader` reads, each function and module renamed by its place (but those of
/// the split loader).
fn imports(wasm: &[u8], reader: ImportSectionReader, renames: &mut Renames) -> Result<Vec<u8>> {
    let range = reader.range();
    let mut at = BinaryReader::new(&wasm[range.start as usize..range.end as usize], range.start);
    let count = at.read_var_u32()? as usize;
    let (mut section, mut modules) = (leb128(count), Vec::<&str>::new());
    for i in 0..count {
        let (module, name) = (at.read_string()?, at.read_string()?);
        ensure!(
            !name.is_empty(),
            "an import section in the compact encoding"
        );
        let type_start = at.original_position() as usize;
        at.read::<TypeRef>().context("a bad import section")?;
        // The split loader's exports ([`crate::split`]), which the loader hands over as its
        // module's namespace, keep their names.
        let (new_module, new_name) = if module == crate::split::SPLIT_LOADER_IMPORT {
            (module.to_owned(), name.to_owned())
        } else {
            if !modules.contains(&module) {
                modules.push(module);
            }
            let m = modules
                .iter()
                .position(|m| *m == module)
                .unwrap_or_default();
            renames.push((name.to_owned(), short_name(i)));
            (short_name(m), short_name(i))
        };
        for part in [&new_module, &new_name] {
            section.extend(leb128(part.len()));
            section.extend(part.as_bytes());
        }
        section.extend(&wasm[type_start..at.original_position() as usize]);
    }
    let quoted = |name: &str| format!("\"{name}\"");
    let modules = modules.iter().enumerate();
    renames.extend(modules.map(|(i, m)| (quoted(m), quoted(&short_name(i)))));
    Ok(section)
}

/// The loader with the import object's keys renamed as `renames` says; each old name must be
/// there exactly once, as a key.
pub fn shorten_js(js: &str, renames: &[(String, String)]) -> Result<String> {
    let mut out = js.to_owned();
    for (old, new) in renames {
        let key = format!("{old}:");
        let (count, keys) = (out.matches(old.as_str()).count(), out.matches(&key).count());
        ensure!(
            count == 1 && keys == 1,
            "the loader names the import {old} {count} times, {keys} as a key: not the loader \
             this renaming was written for"
        );
        out = out.replacen(&key, &format!("{new}:"), 1);
    }
    Ok(out)
}

/// Renames the imports of `dist`'s one wasm in it and in its loader; returns the loader's path.
pub fn shorten_dist(dist: &Path) -> Result<PathBuf> {
    let (wasm_path, js_path) = built(dist)?;
    let (wasm, renames) = shorten_wasm(&std::fs::read(&wasm_path)?)?;
    let js = shorten_js(&crate::read(&js_path)?, &renames)?;
    std::fs::write(&wasm_path, wasm)?;
    std::fs::write(&js_path, js)?;
    Ok(js_path)
}

/// The wasm and its JS loader in `dist`: the one `*_bg.wasm` and the one `*.js` (the split loader,
/// `*.split.js`, aside).
pub fn built(dist: &Path) -> Result<(PathBuf, PathBuf)> {
    let files = crate::files(dist, true)?;
    let one = |wanted: &dyn Fn(&str) -> bool, what: &str| {
        let mut found = files.iter().filter(|(name, _)| wanted(name));
        match (found.next(), found.next()) {
            (Some((_, path)), None) => Ok(path.clone()),
            _ => Err(anyhow::anyhow!(
                "{} has not exactly one {what}",
                dist.display()
            )),
        }
    };
    let loader = |name: &str| name.ends_with(".js") && !name.ends_with(".split.js");
    Ok((
        one(&|name| name.ends_with("_bg.wasm"), "*_bg.wasm")?,
        one(&loader, "*.js")?,
    ))
}

/// `a` … `z`, `A` … `Z`, then `ba`, `bb`, …: the `i`-th identifier in base 52.
fn short_name(mut i: usize) -> String {
    const LETTERS: &[u8; 52] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut name = Vec::new();
    loop {
        name.push(LETTERS[i % 52]);
        i /= 52;
        if i == 0 {
            break;
        }
    }
    name.reverse();
    String::from_utf8(name).expect("letters")
}

fn leb128(mut n: usize) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        out.push(if n == 0 { byte } else { byte | 0x80 });
        if n == 0 {
            return out;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two imported functions and a memory from the loader's module, one function, a custom section.
    fn module() -> Vec<u8> {
        let mut wasm = b"\0asm\x01\0\0\0".to_vec();
        wasm.extend([1, 4, 1, 0x60, 0, 0]); // type section: () -> ()
        let mut imports = vec![3];
        for (name, ty) in [
            ("__wbg_alert_0123456789abcdef", &[0, 0][..]),
            ("__wbg_now_fedcba9876543210", &[0, 0]),
            ("memory", &[2, 0, 1]),
        ] {
            imports.extend([6]);
            imports.extend(b"./a.js");
            imports.push(name.len() as u8);
            imports.extend(name.as_bytes());
            imports.extend(ty);
        }
        wasm.extend([2, imports.len() as u8]);
        wasm.extend(imports);
        wasm.extend([3, 2, 1, 0]); // one function of type 0
        wasm.extend([10, 4, 1, 2, 0, 0x0b]); // its body: nothing
        wasm.extend([0, 11, 9]); // a custom section for tools
        wasm.extend(b"producers\0");
        wasm
    }

    /// Guards against a renamed wasm that no longer validates, or renames the JS does not match.
    #[test]
    fn renames_every_import_in_the_wasm_and_its_loader() {
        let (wasm, renames) = shorten_wasm(&module()).unwrap();
        let read = Parser::new(0)
            .parse_all(&wasm)
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert_eq!(
            read.len(),
            7,
            "version, 3 sections, the code section and its body, end"
        );
        let names: Vec<&str> = renames.iter().map(|(_, new)| new.as_str()).collect();
        assert_eq!(names, ["a", "b", "c", "\"a\""]);
        assert!(wasm.windows(4).all(|w| w != b"wbg_"), "an old name is left");
        assert!(
            wasm.windows(9).all(|w| w != b"producers"),
            "the custom section is left"
        );
        assert!(wasm.len() < module().len());
        let js = "const i = { __proto__: null, __wbg_alert_0123456789abcdef: function() {}, \
                  __wbg_now_fedcba9876543210: function() { return 1; }, memory: m }; \
                  return { \"./a.js\": i };";
        assert_eq!(
            shorten_js(js, &renames).unwrap(),
            "const i = { __proto__: null, a: function() {}, b: function() { return 1; }, c: m }; \
             return { \"a\": i };"
        );
        let twice = format!("{js} __wbg_now_fedcba9876543210();");
        assert!(shorten_js(&twice, &renames).is_err());
        assert!(shorten_js("const i = {};", &renames).is_err());
        assert_eq!(
            shorten_wasm(&module()).unwrap(),
            (wasm, renames),
            "not the same each time"
        );
    }

    #[test]
    fn short_names_count_in_base_52() {
        let names: Vec<String> = [0, 25, 26, 51, 52, 53, 2703, 2704].map(short_name).into();
        assert_eq!(names, ["a", "z", "A", "Z", "ba", "bb", "ZZ", "baa"]);
        assert_eq!(leb128(0), [0]);
        assert_eq!(leb128(300), [0xac, 0x02]);
    }
}
