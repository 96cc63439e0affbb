//! Issue 27: a gateway answers the client list from the firm sessions it holds (one
//! statement a page), and every way such a session ends or its person changes reaches
//! every gateway at once on the event bus: in scale-out mode the change is made through
//! one gateway and the list asked of the other, whose sessions are held for ten minutes
//! here, so only the event can end them in time.

use e2e::{CHANGE_PASSWORD, CLIENTS, TestApp, code_of};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const SCOPE: &str = "mutation($id: ID!, $scope: ClientScope!) { setClientScope(userId: $id, scope: $scope) { clientScope } }";

/// The first and the last gateway (the same one outside scale-out mode).
fn two_gateways(app: &TestApp) -> (String, String) {
    let urls = app.next_url_all();
    (urls[0].clone(), urls[urls.len() - 1].clone())
}

async fn page_at(app: &TestApp, base: &str, token: &str) -> Value {
    app.gql_at(base, Some(token), CLIENTS, json!({ "first": 10 }))
        .await
}

/// Asks gateway `base` for the list with `token` until `done` holds of the answer, for
/// at most five seconds (the sessions are held for ten minutes): how long it took.
async fn until(
    app: &TestApp,
    base: &str,
    token: &str,
    what: &str,
    done: impl Fn(&Value) -> bool,
) -> Duration {
    let started = Instant::now();
    loop {
        let answer = page_at(app, base, token).await;
        if done(&answer) {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what}: the other gateway still answers {answer}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// An ADMIN of the owner's firm, signed in: their session.
async fn member(app: &TestApp, owner: &str, email: &str) -> String {
    app.add_user(owner, email, "Member", "ADMIN").await;
    app.activate(email, "member-password-1").await
}

fn unauthenticated(answer: &Value) -> bool {
    answer["errors"].is_array() && code_of(answer) == "UNAUTHENTICATED"
}

#[tokio::test]
async fn every_way_a_session_ends_reaches_the_other_gateway_at_once() {
    let app = TestApp::spawn_with_args(&["--session-cache-ttl", "10m"]).await;
    let (a, b) = two_gateways(&app);
    let owner = app.partner("owner@firm.example").await;
    app.create_client(&owner, "Held Co", "H", "held@client.example")
        .await;
    let leaving = member(&app, &owner, "leaving@firm.example").await;
    let changing = member(&app, &owner, "changing@firm.example").await;
    let narrowed = member(&app, &owner, "narrowed@firm.example").await;
    let other_device = app
        .log_in("changing@firm.example", "member-password-1")
        .await;

    // Each is read once on the other gateway, and held there.
    for token in [&owner, &leaving, &changing, &narrowed] {
        for _ in 0..2 {
            let page = page_at(&app, &b, token).await;
            assert_eq!(page["data"]["clients"]["totalCount"], 1, "{page}");
        }
    }

    // Log-out.
    let out = app
        .gql_at(&a, Some(&owner), "mutation { logOut }", json!({}))
        .await;
    assert_eq!(out["data"]["logOut"], true, "{out}");
    let took = until(&app, &b, &owner, "log-out", unauthenticated).await;
    eprintln!("log-out reached the other gateway in {took:?}");

    // Deactivation by the owner (signed in again).
    let owner = app.log_in("owner@firm.example", "correct-horse-1").await;
    let id = app.user_id(&owner, "leaving@firm.example").await;
    let set = app
        .gql_at(
            &a,
            Some(&owner),
            e2e::SET_USER_ACTIVE,
            json!({ "id": id, "a": false }),
        )
        .await;
    assert_eq!(set["data"]["setUserActive"]["active"], false, "{set}");
    until(&app, &b, &leaving, "deactivation", unauthenticated).await;

    // A password change on another device ends this one.
    let changed = app
        .gql_at(
            &a,
            Some(&other_device),
            CHANGE_PASSWORD,
            json!({ "current": "member-password-1", "new": "member-password-2" }),
        )
        .await;
    assert_eq!(changed["data"]["changePassword"], true, "{changed}");
    until(&app, &b, &changing, "password change", unauthenticated).await;
    let still = page_at(&app, &b, &other_device).await;
    assert_eq!(still["data"]["clients"]["totalCount"], 1, "{still}");

    // A narrower scope: the member now sees only assigned clients (none).
    let id = app.user_id(&owner, "narrowed@firm.example").await;
    let set = app
        .gql_at(
            &a,
            Some(&owner),
            SCOPE,
            json!({ "id": id, "scope": "ASSIGNED_CLIENTS" }),
        )
        .await;
    assert_eq!(
        set["data"]["setClientScope"]["clientScope"], "ASSIGNED_CLIENTS",
        "{set}"
    );
    until(&app, &b, &narrowed, "scope change", |page| {
        page["data"]["clients"]["totalCount"] == 0
    })
    .await;
}

#[tokio::test]
async fn a_held_session_costs_one_statement_a_page_and_ends_with_its_log_out() {
    // The statement counter is inside the gateway, so it runs in this process.
    let app = TestApp::spawn_with(e2e::Options {
        in_process: true,
        ..Default::default()
    })
    .await;
    let token = app.partner("ana@firm.example").await;
    app.create_client(&token, "Held Co", "H", "held@client.example")
        .await;
    let state = &app.app.as_ref().unwrap().state;
    let statements = async |token: &str| {
        let before = state.statements_run();
        let page = app.gql(Some(token), CLIENTS, json!({ "first": 10 })).await;
        (state.statements_run() - before, page)
    };
    let (first, page) = statements(&token).await;
    assert_eq!(page["data"]["clients"]["totalCount"], 1, "{page}");
    assert!(
        first >= 2,
        "the first page reads the session, then the page: {first}"
    );
    for _ in 0..3 {
        let (then, page) = statements(&token).await;
        assert_eq!(page["data"]["clients"]["totalCount"], 1, "{page}");
        assert_eq!(then, 1, "a held session's page is one statement");
    }
    app.log_out(&token).await;
    let (_, page) = statements(&token).await;
    assert!(unauthenticated(&page), "{page}");
}
