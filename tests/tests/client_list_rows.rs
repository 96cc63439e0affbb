//! SPEC §4, how a page of the client list is made: the same statements for 100 rows as
//! for one, one pooled connection per request however busy the pool, and rows built in
//! one pass that answer exactly as `client(id:)` does.

use e2e::{CLIENTS, STATUS_COUNTS, TestApp, listed_emails};
use serde_json::{Value, json};

#[tokio::test]
async fn a_page_of_one_hundred_clients_costs_the_same_queries_as_a_page_of_one() {
    // The statement counter is inside the gateway, so it runs in this process.
    let app = TestApp::spawn_with(e2e::Options {
        in_process: true,
        ..Default::default()
    })
    .await;
    let small = app.partner("small@firm.example").await;
    app.create_client(&small, "Only Co", "C", "only@client.example")
        .await;
    let big = app.partner("big@firm.example").await;
    for i in 0..50 {
        app.invite(&big, &format!("i{i}@client.example"), Some("Invited Co"))
            .await;
        app.create_client(
            &big,
            &format!("Form Co {i}"),
            "C",
            &format!("f{i}@client.example"),
        )
        .await;
    }
    let state = &app.app.as_ref().unwrap().state;
    let count = async |token: &str| {
        let before = state.statements_run();
        let page = app.ok(Some(token), CLIENTS, json!({ "first": 100 })).await;
        (state.statements_run() - before, page)
    };
    let (one, page) = count(&small).await;
    assert_eq!(listed_emails(&page).len(), 1);
    let (hundred, page) = count(&big).await;
    assert_eq!(listed_emails(&page).len(), 100);
    let with_login = page["clients"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["node"]["availableActions"]
                .as_array()
                .unwrap()
                .contains(&json!("LOG_IN"))
        })
        .count();
    assert_eq!(
        with_login, 50,
        "LOG_IN exactly where the partner has a user"
    );
    assert_eq!(
        one, hundred,
        "statements for a page of 1: {one}, of 100: {hundred}"
    );
    assert!(
        hundred <= 3,
        "{hundred} statements for one page: session, count, page"
    );
}

#[tokio::test]
async fn list_requests_beyond_the_pools_size_all_answer_beside_other_reads() {
    // A client-list request reads its session and its page on one pooled connection
    // (gateway/src/lease.rs). With two connections and twenty requests at once, a request
    // that held a connection while waiting for another would stall until the pool's
    // acquire timeout and fail; every one must answer, with the right figures.
    let app = TestApp::spawn_with_args(&["--database-max-connections", "2"]).await;
    let token = app.partner("busy@firm.example").await;
    for i in 0..3 {
        app.invite(&token, &format!("b{i}@client.example"), None)
            .await;
    }
    let both = "{ clients(first: 2) { totalCount } clientStatusCounts { total } }";
    let requests = (0..20).map(|i| {
        let (query, variables) = match i % 4 {
            0 | 1 => (CLIENTS, json!({ "first": 2 })),
            2 => (STATUS_COUNTS, json!({})),
            _ => (both, json!({})),
        };
        let app = &app;
        let token = &token;
        async move { (i, app.gql(Some(token), query, variables).await) }
    });
    for (i, answer) in futures::future::join_all(requests).await {
        assert!(answer.get("errors").is_none(), "request {i}: {answer}");
        let data = &answer["data"];
        match i % 4 {
            0 | 1 => {
                assert_eq!(data["clients"]["totalCount"], 3, "request {i}");
                assert_eq!(listed_emails(data).len(), 2, "request {i}");
            }
            2 => assert_eq!(data["clientStatusCounts"]["total"], 3, "request {i}"),
            _ => {
                assert_eq!(data["clients"]["totalCount"], 3, "request {i}");
                assert_eq!(data["clientStatusCounts"]["total"], 3, "request {i}");
            }
        }
    }
}

/// Keys in the order the query asks for them; the merged `node` stays where it first
/// appeared, and gathers its fields in order (in the first edge of the raw answer).
fn keys_come_in_the_order_asked(raw: &str) {
    let first = &raw[raw.find(r#"{"__typename":"ClientEdge""#).unwrap()..];
    let first = &first[..first.find(r#""other":"#).unwrap()];
    let at = |k: &str| {
        first
            .find(k)
            .unwrap_or_else(|| panic!("{k} not in {first}"))
    };
    for (a, b) in [
        (r#""c":"#, r#""cursor":"#),
        (r#""cursor":"#, r#""node":{"invitedVia":"#),
        (r#""invitedVia":"#, r#""id":"#),
        (r#""id":"#, r#""companyId":"#),
        (r#""availableActions":"#, r#""status":"#),
        (r#""status":"#, r#""st":"#),
    ] {
        assert!(at(a) < at(b), "{a} before {b} in {first}");
    }
}

/// The sign-up form's client offers Log in and Reset password; the invited ones resend,
/// revoke and remove.
fn each_row_offers_its_actions(edges: &[Value]) {
    let actions: Vec<&Value> = edges
        .iter()
        .map(|e| &e["node"]["availableActions"])
        .collect();
    assert!(
        actions.contains(&&json!(["LOG_IN", "RESET_PASSWORD"])),
        "{actions:?}"
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| ***a == json!(["RESEND_INVITE", "REVOKE_INVITE", "REMOVE"]))
            .count(),
        2
    );
}

/// The list's rows are built in one pass (`gateway/src/graphql/edges.rs`); each must be
/// what async-graphql itself answers for the same selection, which `client(id:)` shows:
/// aliases, fragments spread and inline, repeated and merged selections, `@skip` and
/// `@include`, `__typename`, every field, and the order of the keys.
#[tokio::test]
async fn list_rows_answer_exactly_as_a_single_client_does_for_any_selection() {
    let app = TestApp::spawn().await;
    let partner = app.partner("rosa@ledgerline.example").await;
    app.invite(&partner, "hello@bakersrow.example", Some("Bakers Row Cafe"))
        .await;
    app.invite(&partner, "office@plumbright.example", None)
        .await;
    app.create_client(&partner, "Corner Shop", "Cora", "cora@cornershop.example")
        .await;

    const CLIENT_BITS: &str = "
        fragment ClientBits on Client { companyId invitedAt lastInviteSentAt trialEndsAt availableActions
            inviteExpiresAt inviteState partnerAccess lastPartnerLoginAt __typename }";
    const EDGE_BITS: &str = "fragment EdgeBits on ClientEdge { cursor node { invitedVia } }";
    let list = format!(
        "query($skip: Boolean!, $with: Boolean!) {{ clients(first: 10) {{ totalCount edges {{
            __typename
            c: cursor
            ...EdgeBits
            node {{ id name @skip(if: $skip) ...ClientBits }}
            node {{ ... on Client {{ status st: status }} email @include(if: $with) }}
            ... {{ other: node {{ id __typename e: email }} }}
        }} }} }} {CLIENT_BITS} {EDGE_BITS}"
    );
    let one = format!(
        "query($id: ID!, $skip: Boolean!, $with: Boolean!) {{ client(id: $id) {{
            invitedVia id name @skip(if: $skip) ...ClientBits
            ... on Client {{ status st: status }} email @include(if: $with)
        }} other: client(id: $id) {{ id __typename e: email }} }} {CLIENT_BITS}"
    );
    for (skip, with) in [(false, true), (true, false)] {
        let vars = json!({ "skip": skip, "with": with });
        let raw = app
            .http()
            .post(format!("{}/graphql", app.next_url()))
            .bearer_auth(&partner)
            .json(&json!({ "query": list, "variables": vars }))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let page: Value = serde_json::from_str(&raw).unwrap();
        assert!(page["errors"].is_null(), "{page}");
        let edges = page["data"]["clients"]["edges"].as_array().unwrap();
        assert_eq!(edges.len(), 3);
        keys_come_in_the_order_asked(&raw);
        for e in edges {
            assert_eq!(e["__typename"], "ClientEdge");
            assert_eq!(e["c"], e["cursor"]);
            let id = e["node"]["id"].as_str().unwrap();
            let single = app
                .ok(
                    Some(&partner),
                    &one,
                    json!({ "id": id, "skip": skip, "with": with }),
                )
                .await;
            assert_eq!(e["node"], single["client"], "row {id}");
            assert_eq!(e["other"], single["other"], "row {id}");
            assert_eq!(e["node"].get("name").is_none(), skip);
            assert_eq!(e["node"].get("email").is_some(), with);
        }
        each_row_offers_its_actions(edges);
    }
}

/// SPEC §13: scope and access are computed in the list's statements. A member limited to
/// assigned clients, asking for each row's access, grant and assignees, costs the same
/// statements for a page of 100 as for a page of 2 (3 rows with accounts, and so
/// grants, against 1).
#[tokio::test]
async fn a_limited_members_page_with_access_and_assignees_costs_the_same_for_1_and_100() {
    const PAGE: &str = "{ clients(first: 100) { totalCount edges { node { id partnerAccess availableActions assignees { email } accessGrant { status } } } } }";
    const SCOPE: &str =
        "mutation($id: ID!) { setClientScope(userId: $id, scope: ASSIGNED_CLIENTS) { id } }";
    let app = TestApp::spawn_with(e2e::Options {
        in_process: true,
        ..Default::default()
    })
    .await;
    let mut members = Vec::new();
    for (firm, n, accounts) in [("small", 1, 1), ("big", 97, 3)] {
        let owner = app.partner(&format!("owner@{firm}.example")).await;
        let member = app
            .add_user(&owner, &format!("m@{firm}.example"), "M", "ADMIN")
            .await;
        let token = app
            .activate(&format!("m@{firm}.example"), "member-pass-12")
            .await;
        app.ok(Some(&owner), SCOPE, json!({ "id": member["id"] }))
            .await;
        // The owner's clients, which the member does not see, and the member's own.
        app.invite(&owner, &format!("not-theirs@{firm}.example"), None)
            .await;
        app.invite_many(&token, n).await;
        // Clients with accounts, made by the form: the member has an active grant in each.
        for i in 0..accounts {
            let email = format!("owner{i}@{firm}-client.example");
            app.create_client(&token, &format!("Form {i} {firm}"), "Fay", &email)
                .await;
        }
        members.push((token, accounts));
    }
    let state = &app.app.as_ref().unwrap().state;
    let mut counts = Vec::new();
    for (token, accounts) in &members {
        let before = state.statements_run();
        let page = app.ok(Some(token), PAGE, json!({})).await;
        counts.push(state.statements_run() - before);
        let edges = page["clients"]["edges"].as_array().unwrap();
        assert_eq!(
            page["clients"]["totalCount"],
            edges.len(),
            "only their own clients"
        );
        assert!(edges.iter().all(|e| {
            e["node"]["assignees"][0]["email"]
                .as_str()
                .unwrap()
                .starts_with("m@")
        }));
        let granted = edges
            .iter()
            .filter(|e| e["node"]["accessGrant"]["status"] == "ACTIVE")
            .count();
        assert_eq!(
            granted, *accounts,
            "a grant for each client with an account"
        );
    }
    assert_eq!(
        counts[0], counts[1],
        "statements for a page of 1 and of 100: {counts:?}"
    );
}
