//! Issue 26 item 1 (SPEC §13): who in the firm sees which client. A member limited to
//! assigned clients meets an unassigned client nowhere — the list and its counts,
//! `client(id)`, search, the CSV export, the live list, every action — while the clients
//! they invite are theirs; the owner (or a member who sees all clients) assigns people.
//! A member who stops seeing a client (unassigned, or limited) leaves its account at
//! once. In scale-out the live list is read on the other gateway.

use e2e::live::{CLIENT_CHANGED, LiveClient};
use e2e::{TestApp, code_of};
use serde_json::{Value, json};
use std::time::Duration;

const ROSA: &str = "rosa@ledgerline.example";
const SAM: &str = "sam@ledgerline.example";
const SCOPE: &str = "mutation($id: ID!, $scope: ClientScope!) { setClientScope(userId: $id, scope: $scope) { clientScope } }";
const ASSIGN: &str = "mutation($id: ID!, $users: [ID!]!) { setClientAssignees(clientId: $id, userIds: $users) { id assignees { email } } }";
const RESEND: &str = "mutation($id: ID!) { resendInvite(clientId: $id) { id } }";
const REVOKE: &str = "mutation($id: ID!) { revokeInvite(clientId: $id) { id } }";

struct Firm {
    rosa: String,
    sam: String,
    sam_id: Value,
    /// Invited by Rosa: Alder, Birch. Invited by Sam: Cedar.
    alder: Value,
    birch: Value,
    cedar: Value,
}

async fn firm(app: &TestApp) -> Firm {
    let rosa = app.partner(ROSA).await;
    let added = app.add_user(&rosa, SAM, "Sam", "ADMIN").await;
    let sam = app.activate(SAM, "sam-password-12").await;
    let alder = app
        .invite(&rosa, "hello@alder.example", Some("Alder"))
        .await["id"]
        .clone();
    let birch = app
        .invite(&rosa, "hello@birch.example", Some("Birch"))
        .await["id"]
        .clone();
    let cedar = app.invite(&sam, "hello@cedar.example", Some("Cedar")).await["id"].clone();
    Firm {
        rosa,
        sam,
        sam_id: added["id"].clone(),
        alder,
        birch,
        cedar,
    }
}

#[tokio::test]
async fn a_member_limited_to_assigned_clients_meets_the_others_nowhere() {
    let app = TestApp::spawn().await;
    let f = firm(&app).await;
    assert_eq!(app.client_count(&f.sam).await, 3, "all clients by default");
    let me = app
        .ok(Some(&f.sam), "{ me { clientScope } }", json!({}))
        .await;
    assert_eq!(me["me"]["clientScope"], "ALL_CLIENTS");

    let set = app
        .ok(
            Some(&f.rosa),
            SCOPE,
            json!({ "id": f.sam_id, "scope": "ASSIGNED_CLIENTS" }),
        )
        .await;
    assert_eq!(set["setClientScope"]["clientScope"], "ASSIGNED_CLIENTS");
    // Only Cedar, which Sam invited.
    let page = app.clients(&f.sam, json!({})).await;
    assert_eq!(page["totalCount"], 1, "{page}");
    assert_eq!(page["edges"][0]["node"]["id"], f.cedar);
    assert_eq!(app.status_counts(&f.sam).await["total"], 1);
    assert_eq!(app.client(&f.sam, &f.alder).await, Value::Null);
    let searched = app.clients(&f.sam, json!({ "search": "alder" })).await;
    assert_eq!(searched["totalCount"], 0);
    let resend = app
        .gql(Some(&f.sam), RESEND, json!({ "id": f.alder }))
        .await;
    assert_eq!(code_of(&resend), "NOT_FOUND", "{resend}");
    let csv = app.export_clients(Some(&f.sam), &[]).await;
    assert_eq!(csv.rows().len(), 1, "{:?}", csv.rows());
    // The owner still sees all three.
    assert_eq!(app.client_count(&f.rosa).await, 3);

    // Assigned to Alder by the owner: Sam sees it.
    let assigned = app
        .ok(
            Some(&f.rosa),
            ASSIGN,
            json!({ "id": f.alder, "users": [f.sam_id] }),
        )
        .await;
    assert_eq!(assigned["setClientAssignees"]["assignees"][0]["email"], SAM);
    assert_eq!(app.client_count(&f.sam).await, 2);
    assert_eq!(app.client(&f.sam, &f.alder).await["id"], f.alder);
    let ok = app
        .gql(Some(&f.sam), REVOKE, json!({ "id": f.alder }))
        .await;
    assert!(ok.get("errors").is_none(), "{ok}");

    only_the_right_people_assign(&app, &f).await;
}

/// A limited member assigns nobody; nobody changes the owner's scope; strangers are not
/// assignable.
async fn only_the_right_people_assign(app: &TestApp, f: &Firm) {
    let refused = app
        .gql(Some(&f.sam), ASSIGN, json!({ "id": f.cedar, "users": [] }))
        .await;
    assert_eq!(code_of(&refused), "FORBIDDEN", "{refused}");
    let rosa_id = app.user_id(&f.rosa, ROSA).await;
    let owner = app
        .gql(
            Some(&f.rosa),
            SCOPE,
            json!({ "id": rosa_id, "scope": "ASSIGNED_CLIENTS" }),
        )
        .await;
    assert_eq!(code_of(&owner), "BAD_USER_INPUT", "{owner}");
    let by_sam = app
        .gql(
            Some(&f.sam),
            SCOPE,
            json!({ "id": f.sam_id, "scope": "ALL_CLIENTS" }),
        )
        .await;
    assert_eq!(code_of(&by_sam), "FORBIDDEN");
    let other = app.partner("bob@other.example").await;
    let bob = app.user_id(&other, "bob@other.example").await;
    let stranger = app
        .gql(
            Some(&f.rosa),
            ASSIGN,
            json!({ "id": f.birch, "users": [bob] }),
        )
        .await;
    assert_eq!(code_of(&stranger), "BAD_USER_INPUT", "{stranger}");
}

#[tokio::test]
async fn the_live_list_of_a_limited_member_carries_only_their_clients() {
    let app = TestApp::spawn().await;
    let f = firm(&app).await;
    app.ok(
        Some(&f.rosa),
        SCOPE,
        json!({ "id": f.sam_id, "scope": "ASSIGNED_CLIENTS" }),
    )
    .await;
    // Sam's socket on the other gateway (scale-out); Rosa acts on the first.
    let base = app.next_url_all().last().unwrap().clone();
    let mut live = LiveClient::connect(&base, &f.sam).await.unwrap();
    live.subscribe("1", CLIENT_CHANGED).await;
    app.ok(Some(&f.rosa), REVOKE, json!({ "id": f.birch }))
        .await;
    live.quiet_for(Duration::from_millis(1500)).await;
    app.ok(Some(&f.rosa), REVOKE, json!({ "id": f.cedar }))
        .await;
    let change = live.next_change().await;
    assert_eq!(change["client"]["id"], f.cedar, "{change}");
}

/// Every action on a client, by a member limited to assigned clients on one they are not
/// assigned to, answers as if the client did not exist; assignment changes none of it
/// for the owner.
#[tokio::test]
async fn every_action_on_an_unassigned_client_answers_not_found() {
    let app = TestApp::spawn().await;
    let f = firm(&app).await;
    // Dale: a client with an account (the form), where Rosa has a seat.
    let dale = app
        .create_client(&f.rosa, "Dale Deli", "Dee", "dee@dale.example")
        .await["id"]
        .clone();
    app.ok(
        Some(&f.rosa),
        SCOPE,
        json!({ "id": f.sam_id, "scope": "ASSIGNED_CLIENTS" }),
    )
    .await;
    let request = "mutation($id: ID!) { requestClientAccess(clientId: $id, role: ADMIN, reason: \"x\") { id } }";
    for (op, id) in [
        (e2e::RESEND_INVITE, &f.birch),
        (e2e::REVOKE_INVITE, &f.birch),
        (e2e::REMOVE_CLIENT, &f.birch),
        (e2e::LOG_IN_TO_CLIENT, &dale),
        (e2e::RESET_CLIENT_PASSWORD, &dale),
        (request, &dale),
    ] {
        let answer = app.gql(Some(&f.sam), op, json!({ "id": id })).await;
        assert_eq!(code_of(&answer), "NOT_FOUND", "{op}: {answer}");
    }
    assert_eq!(app.client(&f.sam, &dale).await, Value::Null);
    // Nothing changed for the owner: Birch still invited, Dale still enterable.
    assert_eq!(app.client(&f.rosa, &f.birch).await["status"], "INVITED");
    app.log_in_to_client(&f.rosa, &dale).await;
}

/// A member limited to assigned clients who is unassigned from a client, or a member
/// limited while not assigned to it, is signed out of that client's account at once (a
/// session opened with `logInToClient` would otherwise run to its end).
#[tokio::test]
async fn losing_sight_of_a_client_ends_the_members_session_in_its_account() {
    let app = TestApp::spawn().await;
    let f = firm(&app).await;
    // Elm: Sam's own client, with an account whose owner approved Sam's access.
    let id = app.invite(&f.sam, "eve@elm.example", Some("Elm")).await["id"].clone();
    let link = app.invite_link_mailed_to("eve@elm.example").await;
    let eve = app
        .accept_invite(&link, "Elm", "Eve", "eve-password-1")
        .await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let ask = "mutation($id: ID!) { requestClientAccess(clientId: $id, role: ADMIN, reason: \"Payroll\") { id } }";
    let gid =
        app.ok(Some(&f.sam), ask, json!({ "id": id })).await["requestClientAccess"]["id"].clone();
    let approve = "mutation($id: ID!) { approveAccessRequest(grantId: $id) { status } }";
    app.ok(Some(&eve), approve, json!({ "id": gid })).await;
    let me = "{ me { email account { name } } }";

    let inside = app.log_in_to_client(&f.sam, &id).await;
    // Limited while assigned to Elm: the session carries on.
    app.ok(
        Some(&f.rosa),
        SCOPE,
        json!({ "id": f.sam_id, "scope": "ASSIGNED_CLIENTS" }),
    )
    .await;
    assert_eq!(
        app.ok(Some(&inside), me, json!({})).await["me"]["account"]["name"],
        "Elm"
    );
    // Unassigned: it ends at once.
    app.ok(Some(&f.rosa), ASSIGN, json!({ "id": id, "users": [] }))
        .await;
    assert_eq!(
        app.error_code(Some(&inside), me, json!({})).await,
        "UNAUTHENTICATED",
        "unassigned"
    );
    // Seeing every client again, Sam enters; limited once more (not assigned), it ends.
    app.ok(
        Some(&f.rosa),
        SCOPE,
        json!({ "id": f.sam_id, "scope": "ALL_CLIENTS" }),
    )
    .await;
    let inside = app.log_in_to_client(&f.sam, &id).await;
    app.ok(Some(&inside), me, json!({})).await;
    app.ok(
        Some(&f.rosa),
        SCOPE,
        json!({ "id": f.sam_id, "scope": "ASSIGNED_CLIENTS" }),
    )
    .await;
    assert_eq!(
        app.error_code(Some(&inside), me, json!({})).await,
        "UNAUTHENTICATED",
        "limited"
    );
    // Sam's own session in the firm goes on.
    assert_eq!(
        app.ok(Some(&f.sam), me, json!({})).await["me"]["email"],
        SAM
    );
    // Elm's access log shows both visits ended.
    let log = app
        .ok(
            Some(&eve),
            "{ partnerAccessLog(first: 10) { edges { node { endedAt } } } }",
            json!({}),
        )
        .await;
    let visits = log["partnerAccessLog"]["edges"].as_array().unwrap();
    assert_eq!(visits.len(), 2, "{log}");
    assert!(
        visits.iter().all(|v| v["node"]["endedAt"].is_string()),
        "{log}"
    );
}
