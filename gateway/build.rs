//! Ships the web front end's scripts and styles (`assets/web/`) as the browser needs
//! them: each file as written, less its comment lines and indentation (JavaScript:
//! lines that are only a `//` comment; CSS: `/* … */` comments), and no blank lines.
//! Lines stay lines, so the browser's line numbers and automatic semicolons are those of
//! the shipped file, and nothing else changes: no renaming, no bundling. `web.rs`
//! embeds the results from `OUT_DIR/web/`; the sources keep their comments.

use std::path::Path;

fn main() {
    let src = Path::new("assets/web");
    let out = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("web");
    println!("cargo:rerun-if-changed=assets/web");
    copy_dir(src, &out);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create OUT_DIR/web");
    for entry in std::fs::read_dir(from).expect("read assets/web") {
        let path = entry.expect("a directory entry").path();
        let target = to.join(path.file_name().expect("a file name"));
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            copy_dir(&path, &target);
            continue;
        }
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = std::fs::read(&path).expect("read an asset");
        let shipped = match path.extension().and_then(|e| e.to_str()) {
            Some("js") => strip_js(&String::from_utf8(bytes).expect("UTF-8 script")).into_bytes(),
            Some("css") => strip_css(&String::from_utf8(bytes).expect("UTF-8 style")).into_bytes(),
            _ => bytes,
        };
        std::fs::write(&target, shipped).expect("write a shipped asset");
    }
}

/// Drops whole-line `//` comments, indentation and blank lines.
fn strip_js(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with("//") {
            continue;
        }
        out.push_str(t);
        out.push('\n');
    }
    out
}

/// Drops `/* … */` comments, indentation and blank lines.
fn strip_css(text: &str) -> String {
    let mut rest = text;
    let mut kept = String::with_capacity(text.len());
    while let Some(start) = rest.find("/*") {
        kept.push_str(&rest[..start]);
        match rest[start..].find("*/") {
            Some(end) => rest = &rest[start + end + 2..],
            None => {
                rest = "";
            }
        }
    }
    kept.push_str(rest);
    let mut out = String::with_capacity(kept.len());
    for line in kept.lines() {
        let t = line.trim();
        if !t.is_empty() {
            out.push_str(t);
            out.push('\n');
        }
    }
    out
}
