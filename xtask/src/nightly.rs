//! The one pinned nightly ([`NIGHTLY`]): the release wasm is built with it (`build-std`,
//! `panic=immediate-abort`, no Debug text, no panic locations: `Tools::trunk_build`), and so are
//! the fuzz targets. Everything else stays on stable. It is recognised by its rustc commit when
//! installed as plain `nightly`. `docs/TOOLCHAIN.md` says why this one.

use std::process::Command;

use anyhow::{Context, Result};

use crate::tools::{self, Tools, WASM_TARGET};

/// The nightly, by the date of its channel.
pub const NIGHTLY: &str = "nightly-2026-05-20";
/// That nightly's rustc commit (`rustc -vV`).
const NIGHTLY_COMMIT: &str = "e50aa6fba4e63ab34c72bf9acfd2c307c1155d1a";

/// `rustup ARGS`, which never downloads a toolchain behind our back nor takes this one's.
pub fn rustup(tools: &Tools, args: &[&str]) -> Command {
    let mut command = tools.command("rustup");
    command.args(args).env("RUSTUP_AUTO_INSTALL", "0");
    command.env_remove("RUSTUP_TOOLCHAIN");
    command
}

/// The name of the installed [`NIGHTLY`], with `rust-src` and the wasm target (`build-std` needs
/// both), installing what is missing.
pub fn ensure(tools: &Tools) -> Result<String> {
    let toolchain = match installed(tools)? {
        Some(name) => name,
        None => {
            println!("xtask: installing {NIGHTLY} (rustup, minutes)");
            let install = ["toolchain", "install", NIGHTLY, "--profile", "minimal"];
            tools::run(&mut rustup(tools, &install))?;
            NIGHTLY.to_owned()
        }
    };
    let list = [
        "component",
        "list",
        "--installed",
        "--toolchain",
        &toolchain,
    ];
    let listed = String::from_utf8(rustup(tools, &list).output()?.stdout)?;
    let has = |name: &str| listed.lines().any(|l| l == name);
    if !has("rust-src") {
        let add = ["component", "add", "rust-src", "--toolchain", &toolchain];
        tools::run(&mut rustup(tools, &add))?;
    }
    if !has(&format!("rust-std-{WASM_TARGET}")) {
        let add = ["target", "add", WASM_TARGET, "--toolchain", &toolchain];
        tools::run(&mut rustup(tools, &add))?;
    }
    Ok(toolchain)
}

/// The installed toolchain that is [`NIGHTLY`]: by that name, or a `nightly*` toolchain whose
/// rustc is its commit.
fn installed(tools: &Tools) -> Result<Option<String>> {
    let list = rustup(tools, &["toolchain", "list"]).output()?;
    let names = toolchain_names(&String::from_utf8_lossy(&list.stdout));
    if names.iter().any(|n| is_pinned_name(n)) {
        return Ok(Some(NIGHTLY.to_owned()));
    }
    for name in names.iter().filter(|n| n.starts_with("nightly")) {
        let verbose = rustup(tools, &["run", name, "rustc", "-vV"]).output();
        let verbose = verbose.with_context(|| format!("rustc -vV of {name}"))?;
        if rustc_commit(&String::from_utf8_lossy(&verbose.stdout)) == Some(NIGHTLY_COMMIT) {
            return Ok(Some(name.clone()));
        }
    }
    Ok(None)
}

/// The first word of each line of `rustup toolchain list`.
fn toolchain_names(list: &str) -> Vec<String> {
    let words = list.lines().filter_map(|l| l.split_whitespace().next());
    words.map(str::to_owned).collect()
}

/// `nightly-2026-05-20` or `nightly-2026-05-20-<host triple>`.
fn is_pinned_name(name: &str) -> bool {
    let rest = name.strip_prefix(NIGHTLY);
    rest.is_some_and(|rest| rest.is_empty() || rest.starts_with('-'))
}

fn rustc_commit(verbose: &str) -> Option<&str> {
    let hash = verbose.lines().find_map(|l| l.strip_prefix("commit-hash:"));
    hash.map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Guards against taking the wrong toolchain for the pinned one, or missing it under its full name.
    #[test]
    fn recognises_the_pinned_nightly() {
        let list =
            "stable-x86_64-unknown-linux-gnu (active, default)\nnightly-x86_64-unknown-linux-gnu\n\
                    nightly-2026-05-20-x86_64-unknown-linux-gnu\n";
        assert_eq!(
            toolchain_names(list),
            [
                "stable-x86_64-unknown-linux-gnu",
                "nightly-x86_64-unknown-linux-gnu",
                "nightly-2026-05-20-x86_64-unknown-linux-gnu"
            ]
        );
        assert!(is_pinned_name("nightly-2026-05-20"));
        assert!(is_pinned_name(
            "nightly-2026-05-20-x86_64-unknown-linux-gnu"
        ));
        assert!(!is_pinned_name("nightly-x86_64-unknown-linux-gnu"));
        assert!(!is_pinned_name("nightly-2026-05-201"));
        let verbose = "rustc 1.97.0-nightly (e50aa6fba 2026-05-19)\nbinary: rustc\n\
                       commit-hash: e50aa6fba4e63ab34c72bf9acfd2c307c1155d1a\ncommit-date: 2026-05-19\n";
        assert_eq!(rustc_commit(verbose), Some(NIGHTLY_COMMIT));
    }
}
