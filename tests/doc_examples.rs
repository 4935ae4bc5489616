//! Every public item of corio has a doc example, and every Markdown page
//! with a Rust snippet has its snippets run as doc tests (the second test,
//! below).
//!
//! corio is a teaching codebase, and an example that runs is the fastest way
//! to learn what an item does; since doc examples run under `cargo test`, they
//! also keep the docs honest. rustdoc's `--show-coverage` counts examples,
//! but only on nightly and only for types and free functions, not methods.
//! So this test reads the source instead:
//!
//! 1. walk `src/` and find each line that declares a `pub` item (`pub fn`,
//!    `pub struct`, `pub const`, ... and `#[macro_export]` macros);
//! 2. read the doc block above it: the contiguous `///` lines, skipping
//!    attributes such as `#[must_use]` or `#[track_caller]`;
//! 3. fail, listing every item whose doc block has no code fence.
//!
//! Only `pub` followed by an item keyword counts, so `pub(crate)` items,
//! private items and struct fields are not seen. A `pub` item that is still
//! not public API (it sits in a module the crate keeps hidden) needs its file
//! in `NOT_PUBLIC`, with the reason.

use std::fs;
use std::path::{Path, PathBuf};

/// Files whose `pub` items are not part of the public API.
const NOT_PUBLIC: &[&str] = &[
    // What the expansions of `join!`, `try_join!` and `select!` call. It must
    // be `pub` to be reachable from the user's crate, and lib.rs re-exports it
    // `#[doc(hidden)]` as `__private`: an implementation detail, not API.
    "src/macros/support.rs",
    // Likewise the `#[doc(hidden)]` macro `select!` expands to, which tests
    // a branch's output with a pattern stripped of `mut` and `ref`.
    "src/macros/pattern.rs",
    // The sealed half of `net::ToSocketAddrs`: `pub` so that the public
    // trait may name it, in a private module so that nobody else can.
    "src/net/addr/sealed.rs",
    // Likewise for `net::tcp::Split` / `net::unix::Split`, the trait of the
    // split halves.
    "src/net/split/sealed.rs",
    // `ByteStream` marks the std sockets whose `Async` gets the byte-stream
    // loops; `pub` so that the sealed half of `Split` may name it, in a
    // private module. Everything else there is `pub(crate)`.
    "src/io/byte_stream.rs",
];

/// What may follow `pub ` on a line that declares an item.
const ITEM_KEYWORDS: &[&str] = &[
    "fn ",
    "async fn ",
    "const fn ",
    "unsafe fn ",
    "struct ",
    "enum ",
    "trait ",
    "type ",
    "const ",
    "static ",
];

#[test]
fn every_public_item_has_a_doc_example() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for name in NOT_PUBLIC {
        assert!(
            root.join(name).is_file(),
            "{name} is in NOT_PUBLIC but is gone"
        );
    }
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    files.sort();

    let mut checked = 0;
    let mut missing = Vec::new();
    for path in files {
        let name = path.strip_prefix(root).unwrap().display().to_string();
        if NOT_PUBLIC.contains(&name.as_str()) {
            continue;
        }
        let source = fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = source.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !declares_public_item(line) {
                continue;
            }
            checked += 1;
            if !has_example(&lines[..i]) {
                // A macro's name is on the line after `#[macro_export]`.
                let declaration = match line.trim() {
                    "#[macro_export]" => lines[i + 1],
                    _ => line,
                };
                missing.push(format!("{name}:{}: {}", i + 1, declaration.trim()));
            }
        }
    }

    // Guards against a scan that silently matches nothing.
    assert!(checked > 100, "only {checked} public items found");
    assert!(
        missing.is_empty(),
        "{} of {checked} public items have no example in their doc comment \
         (add one under `# Examples`):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// The Markdown pages' Rust snippets run as doc tests only if `src/lib.rs`
/// pulls their page in (`include_str!` under `cfg(doctest)`). A new page
/// with a snippet that is left out would go unchecked, so this lists them.
#[test]
fn every_page_with_a_rust_snippet_is_doc_tested() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = fs::read_to_string(root.join("src/lib.rs")).unwrap();
    // Only the lines that pull a page in, not a mention in a comment.
    let includes: Vec<&str> = lib
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("#[doc = include_str!("))
        .collect();
    let mut pages = vec![root.join("README.md")];
    for entry in fs::read_dir(root.join("docs")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|ext| ext == "md") {
            pages.push(path);
        }
    }
    let mut with_snippets = 0;
    let mut missing = Vec::new();
    for page in pages {
        let text = fs::read_to_string(&page).unwrap();
        if !has_rust_snippet(&text) {
            continue;
        }
        with_snippets += 1;
        let name = page.strip_prefix(root).unwrap().display().to_string();
        let include = format!("include_str!(\"../{name}\")");
        if !includes.iter().any(|line| line.contains(&include)) {
            missing.push(name);
        }
    }
    // Guards against a scan that silently matches nothing.
    assert!(
        with_snippets >= 3,
        "only {with_snippets} pages with snippets"
    );
    assert!(
        missing.is_empty(),
        "these pages have Rust snippets that no doc test runs (add them to \
         src/lib.rs under `cfg(doctest)`): {missing:?}"
    );
}

/// Whether a Markdown page has a code block rustdoc would run as Rust: one
/// whose opening fence names no language but Rust, only rustdoc's own
/// attributes (`rust,ignore`, `no_run`, ...) or nothing at all.
fn has_rust_snippet(text: &str) -> bool {
    const RUSTDOC: &[&str] = &[
        "rust",
        "ignore",
        "no_run",
        "should_panic",
        "compile_fail",
        "test_harness",
        "standalone_crate",
    ];
    let mut in_block = false;
    for line in text.lines() {
        let Some(info) = line.trim_start().strip_prefix("```") else {
            continue;
        };
        let rust = info
            .split(',')
            .map(str::trim)
            .all(|word| word.is_empty() || RUSTDOC.contains(&word) || word.starts_with("edition"));
        if !in_block && rust {
            return true;
        }
        in_block = !in_block;
    }
    false
}

/// Whether `line` starts the declaration of a `pub` item.
fn declares_public_item(line: &str) -> bool {
    let line = line.trim_start();
    if line == "#[macro_export]" {
        return true;
    }
    let Some(rest) = line.strip_prefix("pub ") else {
        return false;
    };
    ITEM_KEYWORDS
        .iter()
        .any(|keyword| rest.starts_with(keyword))
}

/// Whether the doc block ending just above the item (the last of `above`)
/// contains a code fence.
fn has_example(above: &[&str]) -> bool {
    for line in above.iter().rev() {
        let line = line.trim_start();
        if let Some(doc) = line.strip_prefix("///") {
            if doc.trim_start().starts_with("```") {
                return true;
            }
        } else if !line.starts_with("#[") {
            // Neither doc nor attribute: the block is over.
            return false;
        }
    }
    false
}

/// Collects every `.rs` file under `dir`.
fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            files.push(path);
        }
    }
}
