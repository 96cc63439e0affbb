//! The workspace and its source files.

use std::path::{Path, PathBuf};

/// The workspace's top directory (`LAYOUT_ROOT` reads another checkout, to compare).
pub fn workspace() -> PathBuf {
    if let Some(root) = std::env::var_os("LAYOUT_ROOT") {
        return PathBuf::from(root);
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_owned()
}

/// Every file under `dir` ending in `ext`, skipping `skip`ped directory names.
pub fn files(dir: &Path, ext: &str, skip: &[&str]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if p.is_dir() {
            if !skip.contains(&name.as_str()) {
                out.extend(files(&p, ext, skip));
            }
        } else if name.ends_with(ext) {
            out.push(p);
        }
    }
    out.sort();
    out
}
