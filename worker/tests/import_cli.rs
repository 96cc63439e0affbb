//! `worker import-legacy FILE` as ops run it: exit codes and what it prints.

use std::process::Command;

fn example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/legacy-export.example.json")
}

fn run(dir: &std::path::Path, file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_worker"))
        .args([
            "import-legacy",
            file.to_str().unwrap(),
            "--data-dir",
            dir.to_str().unwrap(),
        ])
        .env_remove("DATABASE_URL")
        .output()
        .expect("run worker")
}

#[test]
fn imports_once_then_reports_nothing_to_do_and_refuses_a_bad_file() {
    let dir = tempfile::tempdir().unwrap();
    let first = run(dir.path(), &example());
    let out = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(
        out.contains("imported 1 partner(s), 2 user(s), 2 client(s)"),
        "{out}"
    );
    // Not a terminal: plain progress lines on stderr.
    assert!(String::from_utf8_lossy(&first.stderr).contains("imported 2 of 2 clients"));

    let again = run(dir.path(), &example());
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing to import"));

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, r#"{"format":"partner-legacy-export/1","partners":[{"companyId":"nope","name":"X","users":[],"clients":[]}]}"#).unwrap();
    let refused = run(dir.path(), &bad);
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("partners[0].companyId")
            && err.contains("partners[0].users: needs exactly one OWNER"),
        "{err}"
    );
}
