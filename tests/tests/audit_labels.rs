//! The web app's audit log names every action in words (issue 23): its labels are
//! checked against the one list of actions, `entity::AuditAction::ALL`, so a new action
//! cannot reach the log as a bare code, and no label outlives its action.

use std::collections::BTreeSet;

/// The keys of `const ACTIONS = { 'area.event': 'Label', … }` in the audit page.
fn labelled_actions(js: &str) -> BTreeSet<String> {
    let start = js
        .find("const ACTIONS = {")
        .expect("the audit page has an ACTIONS map");
    let body = &js[start..];
    let body = &body[..body.find("};").expect("the ACTIONS map ends")];
    body.lines()
        .filter_map(|l| {
            let l = l.trim();
            let rest = l.strip_prefix('\'')?;
            Some(rest[..rest.find('\'')?].to_owned())
        })
        .collect()
}

#[test]
fn every_audit_action_has_a_label_in_the_web_app_and_every_label_an_action() {
    let path = e2e::layout::workspace().join("gateway/assets/web/pages/audit.js");
    let js = std::fs::read_to_string(&path).expect("read the audit page");
    let labelled = labelled_actions(&js);
    let actions: BTreeSet<String> = entity::AuditAction::ALL
        .iter()
        .map(|a| a.as_str().to_owned())
        .collect();
    let unlabelled: Vec<_> = actions.difference(&labelled).collect();
    let stale: Vec<_> = labelled.difference(&actions).collect();
    assert!(
        unlabelled.is_empty(),
        "actions the web app shows as bare codes: {unlabelled:?}"
    );
    assert!(
        stale.is_empty(),
        "labels for actions that no longer exist: {stale:?}"
    );
}

#[test]
fn the_label_reader_sees_a_missing_label() {
    let js = "const ACTIONS = {\n  'client.invited': 'Invited a client',\n};\n";
    assert_eq!(
        labelled_actions(js),
        BTreeSet::from(["client.invited".to_owned()])
    );
}
