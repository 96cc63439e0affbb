//! Hardening (SPEC §8, issue 7): every GraphQL limit (depth, complexity, aliases, root
//! fields, tokens, batch size) refuses with a code, and each is configurable; syntax and
//! validation errors carry a code too.

use e2e::{TestApp, code_of};
use serde_json::{Value, json};

/// Posts raw JSON and returns (status, body).
async fn post(app: &TestApp, body: Value) -> (u16, Value) {
    let res = app
        .http()
        .post(format!("{}/graphql", app.next_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap())
}

/// Depth: data fields 12 by default; introspection has its own bound (24), deep enough
/// for the standard introspection queries, refusing absurd nesting.
async fn depth(app: &TestApp) {
    let introspect = |levels: usize| {
        format!(
            "{{ __schema {{ types {{ fields {{ type {{ {}name {}}} }} }} }} }}",
            "ofType { ".repeat(levels),
            "} ".repeat(levels)
        )
    };
    let body = app.gql(None, &introspect(9), json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    for absurd in [20, 40] {
        let body = app.gql(None, &introspect(absurd), json!({})).await;
        assert_eq!(code_of(&body), "QUERY_TOO_DEEP", "{absurd} levels: {body}");
    }
    let data = format!("{{ {}x {} }}", "a { ".repeat(12), "} ".repeat(12));
    let body = app.gql(None, &data, json!({})).await;
    assert_eq!(code_of(&body), "QUERY_TOO_DEEP", "{body}");
}

/// Aliases (20 of one field pass, 21 do not) and root fields (30 pass, 31 do not).
async fn aliases_and_root_fields(app: &TestApp) {
    let twenty: String = (0..20).map(|i| format!("a{i}: __typename ")).collect();
    let body = app.gql(None, &format!("{{ {twenty} }}"), json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let query = format!("{{ {twenty} extra: __typename }}");
    let (status, body) = post(app, json!({ "query": query })).await;
    assert_eq!(
        (status, code_of(&body)),
        (400, "TOO_MANY_ALIASES"),
        "{body}"
    );

    // Aliases spread over two fields.
    let roots: String = (0..16)
        .map(|i| format!("m{i}: me {{ id }} "))
        .chain((0..15).map(|i| format!("t{i}: __typename ")))
        .collect();
    let (status, body) = post(app, json!({ "query": format!("{{ {roots} }}") })).await;
    assert_eq!(
        (status, code_of(&body)),
        (400, "TOO_MANY_ROOT_FIELDS"),
        "{body}"
    );
}

#[tokio::test]
async fn every_graphql_limit_refuses_with_a_code() {
    let app = TestApp::spawn().await;
    let token = app.partner("rosa@ledgerline.example").await;
    depth(&app).await;

    // Complexity: list fields cost `first` × their children.
    let fields = "id companyId name email status invitedVia invitedAt lastInviteSentAt trialEndsAt availableActions";
    let heavy: String = (0..5)
        .map(|i| format!("c{i}: clients(first: 100) {{ edges {{ node {{ {fields} }} }} }} "))
        .collect();
    let body = app
        .gql(Some(&token), &format!("{{ {heavy} }}"), json!({}))
        .await;
    assert_eq!(code_of(&body), "QUERY_TOO_COMPLEX", "{body}");

    aliases_and_root_fields(&app).await;

    // 20,000 tokens.
    let long = format!("{{ {} }}", "__typename ".repeat(20_000));
    let (status, body) = post(&app, json!({ "query": long })).await;
    assert_eq!((status, code_of(&body)), (400, "QUERY_TOO_LARGE"), "{body}");

    // Syntax and validation errors carry a code too.
    let body = app.gql(None, "{ me { id ", json!({})).await;
    assert_eq!(code_of(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
    let body = app.gql(None, "{ nope }", json!({})).await;
    assert_eq!(code_of(&body), "GRAPHQL_VALIDATION_FAILED", "{body}");
}

#[tokio::test]
async fn every_graphql_limit_is_configurable() {
    let strict = TestApp::spawn_with_args(&[
        "--max-depth",
        "4",
        "--max-aliases",
        "2",
        "--max-root-fields",
        "3",
        "--max-tokens",
        "200",
        "--max-batch",
        "2",
    ])
    .await;
    let t = strict.partner("ops@firm.example").await;
    let body = strict
        .gql(Some(&t), "{ me { account { id } } }", json!({}))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let deep = "{ auditLog { edges { node { actor { account { id } } } } } }";
    let body = strict.gql(Some(&t), deep, json!({})).await;
    assert_eq!(code_of(&body), "QUERY_TOO_DEEP", "{body}");
    // Introspection keeps its own bound.
    let introspect = "{ __schema { types { fields { type { name } } } } }";
    let body = strict.gql(None, introspect, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
    let query = "{ a: __typename b: __typename c: __typename }";
    let (_, body) = post(&strict, json!({ "query": query })).await;
    assert_eq!(code_of(&body), "TOO_MANY_ALIASES");
    let query = "{ a: __typename b: __typename me { id } users { id } }";
    let (_, body) = post(&strict, json!({ "query": query })).await;
    assert_eq!(code_of(&body), "TOO_MANY_ROOT_FIELDS");
    let query = format!("{{ {} }}", "__typename ".repeat(210));
    let (_, body) = post(&strict, json!({ "query": query })).await;
    assert_eq!(code_of(&body), "QUERY_TOO_LARGE");
    let op = json!({ "query": "{ __typename }" });
    let (status, body) = post(&strict, json!([op, op, op])).await;
    assert_eq!((status, code_of(&body)), (400, "BATCH_TOO_LARGE"));

    let cheap = TestApp::spawn_with_args(&["--max-complexity", "50"]).await;
    let t = cheap.partner("ops@firm.example").await;
    let q = "{ clients(first: 10) { edges { node { id name email } } } }";
    assert_eq!(
        code_of(&cheap.gql(Some(&t), q, json!({})).await),
        "QUERY_TOO_COMPLEX"
    );
    let q = "{ clients(first: 2) { edges { node { id name email } } } }";
    let body = cheap.gql(Some(&t), q, json!({})).await;
    assert!(body.get("errors").is_none(), "{body}");
}
