//! The layering of `src/`, read from the source: every top-level module imports only the
//! modules listed below it in `ORDER` (so there is no cycle between them), and nothing
//! outside `src/web/` knows actix.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The top-level modules of the library, from the front ends down to plain values. A module
/// may import any module after it, never one before it.
const ORDER: &[&str] = &[
    // Front ends and the wiring of the process.
    "cli",
    "startup",
    "web",
    // Services.
    "oci",
    "mirror",
    "download",
    "access",
    "licensing",
    "accounts",
    // What handlers share, over the building blocks.
    "state",
    "audit",
    "mail",
    "catalog",
    "policy",
    "auth",
    "db",
    "ledger",
    "inference",
    "demo",
    "store",
    "telemetry",
    "geo",
    "config",
    "domain",
    "export",
    "error",
    "i18n",
    "metrics",
    "canonical_json",
    "random",
];

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `path` (or `path` itself).
fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_owned()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(path).unwrap() {
        let entry = entry.unwrap().path();
        if entry.is_dir() {
            files.extend(rust_files(&entry));
        } else if entry.extension().is_some_and(|e| e == "rs") {
            files.push(entry);
        }
    }
    files
}

/// The files of top-level module `name`.
fn module_files(name: &str) -> Vec<PathBuf> {
    let dir = source_dir().join(name);
    if dir.is_dir() {
        rust_files(&dir)
    } else {
        vec![source_dir().join(format!("{name}.rs"))]
    }
}

/// The top-level modules `text` refers to: `crate::name` paths and the names inside
/// `use crate::{…}` groups.
fn referenced_modules(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                let name = item.trim().split("::").next().unwrap_or_default();
                found.insert(name.trim().to_owned());
            }
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.insert(name);
        }
    }
    found
}

#[test]
fn every_module_imports_only_the_layers_below_it() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(source_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| Some(p.file_stem()?.to_str()?.to_owned()))
        .filter(|name| name != "main" && name != "lib")
        .collect();
    let listed: BTreeSet<String> = ORDER.iter().map(|m| (*m).to_owned()).collect();
    assert_eq!(
        on_disk, listed,
        "every top-level module of src/ is placed in ORDER (and only those)"
    );
    let mut upward = Vec::new();
    for (rank, module) in ORDER.iter().enumerate() {
        for file in module_files(module) {
            let text = std::fs::read_to_string(&file).unwrap();
            for used in referenced_modules(&text) {
                let Some(used_rank) = ORDER.iter().position(|m| *m == used) else {
                    continue;
                };
                if used_rank < rank {
                    upward.push(format!(
                        "{} imports `{used}`, a layer above `{module}`",
                        file.strip_prefix(source_dir()).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports that point up:\n{}",
        upward.join("\n")
    );
}

#[test]
fn only_the_web_layer_knows_actix() {
    let web = source_dir().join("web");
    let leaks: Vec<String> = rust_files(&source_dir())
        .into_iter()
        .filter(|file| !file.starts_with(&web))
        .filter(|file| {
            let text = std::fs::read_to_string(file).unwrap();
            text.contains("actix_web::") || text.contains("use actix")
        })
        .map(|file| file.display().to_string())
        .collect();
    assert!(leaks.is_empty(), "actix outside src/web/: {leaks:?}");
}

#[test]
fn the_reader_of_imports_sees_groups_and_paths() {
    let found = referenced_modules(
        "use crate::{db::Db, error::ApiError};\nlet x = crate::metrics::global();",
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        vec!["db", "error", "metrics"]
    );
}
