//! Issue 23: every area has one obvious place, so the tree stays readable as it grows.
//! No crate has an import circle between its modules; no source file (tests and the web
//! app's JavaScript included; vendored files and migrations aside) holds more than 500
//! lines; no function more than 80.

use e2e::layout::{blank, circles, files, functions, workspace};
use std::path::PathBuf;

/// The crates' sources: each checked for circles on its own.
const CRATES: &[&str] = &[
    "entity/src",
    "worker/src",
    "gateway/src",
    "tests/src",
    "bench/src",
];

/// Every Rust and JavaScript source file the limits apply to.
fn sources() -> Vec<PathBuf> {
    let root = workspace();
    let mut all = Vec::new();
    for dir in CRATES.iter().chain(&["tests/tests"]) {
        all.extend(files(&root.join(dir), ".rs", &[]));
    }
    all.extend(
        files(&root.join("gateway/assets/web"), ".js", &["node_modules"])
            .into_iter()
            .filter(|f| !f.to_string_lossy().ends_with(".min.js")),
    );
    all
}

fn shown(p: &std::path::Path) -> String {
    p.strip_prefix(workspace())
        .unwrap_or(p)
        .display()
        .to_string()
}

#[test]
fn no_crate_has_an_import_circle() {
    let mut found = Vec::new();
    for dir in CRATES {
        for circle in circles(&workspace().join(dir)) {
            let names: Vec<String> = circle.iter().map(|f| shown(f)).collect();
            found.push(names.join(" <-> "));
        }
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn no_source_file_holds_more_than_500_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(&f).ok()?.lines().count();
            (n > 500).then(|| format!("{} ({n} lines)", shown(&f)))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over 500 lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn no_function_is_longer_than_80_lines() {
    let mut long = Vec::new();
    for f in sources() {
        let js = f.extension().is_some_and(|e| e == "js");
        let text = std::fs::read_to_string(&f).unwrap();
        for (line, name, n) in functions(&blank(&text, js), js) {
            if n > 80 {
                long.push(format!("{}:{line} {name} ({n} lines)", shown(&f)));
            }
        }
    }
    assert!(
        long.is_empty(),
        "functions over 80 lines:\n{}",
        long.join("\n")
    );
}

#[test]
fn the_reader_sees_through_literals_and_comments() {
    let code = "fn a() {\n let s = \"}{\"; // }\n let c = '{'; let r = r#\"}\"#;\n}\n";
    assert_eq!(functions(&blank(code, false), false), [(1, "a".into(), 4)]);
    let js = "function f() {\n const s = `}${x}`; /* { */\n}\nconst g = (a) => {\n};\n";
    let found = functions(&blank(js, true), true);
    assert!(found.contains(&(1, "f".into(), 3)), "{found:?}");
    assert!(found.contains(&(4, "g".into(), 2)), "{found:?}");
}

#[test]
fn the_circle_check_finds_a_circle_and_sees_through_re_exports() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    write("lib.rs", "mod a;\nmod b;\nmod c;\npub use c::C;\n");
    write("a.rs", "use crate::b::B;\npub struct A(B);\n");
    write(
        "b.rs",
        "pub struct B;\npub fn f() -> crate::a::A { todo!() }\n",
    );
    // `c` uses the crate root's re-export of its own item: no circle through lib.rs.
    write("c.rs", "pub struct C;\npub fn g() -> crate::C { C }\n");
    let found = circles(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    let names: Vec<String> = found[0]
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.contains(&"a.rs".into()) && names.contains(&"b.rs".into()),
        "{names:?}"
    );
}

/// Issue 23: a service that commits through anything but `AppState::commit` could forget
/// to wake the worker or tell the live lists; the ops CLI's staff commands (no worker to
/// wake, no one listening) are the one exception.
#[test]
fn every_service_commits_through_the_one_after_commit_step() {
    let services = workspace().join("gateway/src/services");
    let mut raw = Vec::new();
    for f in files(&services, ".rs", &[]) {
        let name = shown(&f);
        if name.ends_with("services/mod.rs") || name.ends_with("support/staff.rs") {
            continue;
        }
        let code = blank(&std::fs::read_to_string(&f).unwrap(), false);
        for (i, line) in code.lines().enumerate() {
            if line.contains(".commit().await") {
                raw.push(format!("{name}:{}", i + 1));
            }
        }
    }
    assert!(
        raw.is_empty(),
        "commits outside AppState::commit:\n{}",
        raw.join("\n")
    );
}
