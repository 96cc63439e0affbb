//! Standard GraphQL tools read the schema: the introspection queries that GraphiQL,
//! graphql-js 16 and 17 and graphql-core send are answered with a whole schema (their
//! nesting, 15 levels, is within the introspection bound while data fields keep
//! theirs), and a third-party library (graphql-core, from PyPI) fetches the schema from
//! the running gateway and builds it.

use e2e::TestApp;
use serde_json::{Value, json};

const FIXTURES: [(&str, &str); 4] = [
    (
        "graphql-js 16.15.0",
        include_str!("../fixtures/introspection/graphql-js-16.15.0.graphql"),
    ),
    (
        "graphql-js 17.1.0",
        include_str!("../fixtures/introspection/graphql-js-17.1.0.graphql"),
    ),
    (
        "graphql-core 3.3.2",
        include_str!("../fixtures/introspection/graphql-core-3.3.2.graphql"),
    ),
    (
        "Apollo Kotlin",
        include_str!("../fixtures/introspection/apollo-kotlin-introspection.graphql"),
    ),
];

/// Apollo Kotlin first asks which fields the introspection types have (five aliased
/// `__type` root fields), then picks its introspection query by the answer.
#[tokio::test]
async fn apollo_kotlins_pre_introspection_is_answered() {
    let app = TestApp::spawn().await;
    let query = include_str!("../fixtures/introspection/apollo-kotlin-pre-introspection.graphql");
    let body: Value = app
        .http()
        .post(format!("{}/graphql", app.next_url()))
        .json(&json!({ "query": query, "operationName": "PreIntrospectionQuery" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body.get("errors").is_none(), "{body}");
    let names = |alias: &str| -> Vec<String> {
        body["data"][alias]["fields"]
            .as_array()
            .unwrap_or_else(|| panic!("{alias}: {body}"))
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_owned())
            .collect()
    };
    // What makes it choose the October 2021 query above.
    assert!(names("type").contains(&"specifiedByURL".to_owned()));
    assert!(names("directive").contains(&"isRepeatable".to_owned()));
    for alias in ["schema", "field", "inputValue"] {
        assert!(!names(alias).is_empty(), "{alias}");
    }
}

#[tokio::test]
async fn the_introspection_queries_of_standard_tools_are_answered_in_full() {
    let app = TestApp::spawn().await;
    for (tool, query) in FIXTURES {
        let body: Value = app
            .http()
            .post(format!("{}/graphql", app.next_url()))
            .json(&json!({ "query": query, "operationName": "IntrospectionQuery" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(body.get("errors").is_none(), "{tool}: {body}");
        let schema = &body["data"]["__schema"];
        assert_eq!(schema["queryType"]["name"], "Query", "{tool}");
        assert_eq!(schema["mutationType"]["name"], "Mutation", "{tool}");
        let types = schema["types"].as_array().unwrap();
        let client = types.iter().find(|t| t["name"] == "Client").unwrap();
        let fields: Vec<&str> = client["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&"availableActions"), "{tool}: {fields:?}");
    }
}

/// A Python interpreter that has graphql-core 3.3.2: installed into the target directory
/// on first use (PyPI), so the test needs nothing set up by hand.
fn python_with_graphql_core() -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e-python");
    let python = std::path::PathBuf::from("python3");
    if !dir.join("graphql").exists() {
        let out = std::process::Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--target"])
            .arg(&dir)
            .arg("graphql-core==3.3.2")
            .output()
            .expect("python3 with pip");
        assert!(out.status.success(), "pip install graphql-core: {out:?}");
    }
    (python, dir)
}

#[tokio::test]
async fn a_third_party_graphql_library_fetches_and_builds_the_schema() {
    let app = TestApp::spawn().await;
    let (python, path) = python_with_graphql_core();
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clients/fetch_schema.py");
    let out = tokio::process::Command::new(python)
        .arg(script)
        .arg(format!("{}/graphql", app.next_url()))
        .env("PYTHONPATH", path)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let built: Value = serde_json::from_slice(&out.stdout).unwrap();
    let query: Vec<&str> = built["query"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    for field in ["clients", "me", "auditLog", "upgradeTab"] {
        assert!(query.contains(&field), "{field} missing from {query:?}");
    }
    assert!(built["types"].as_u64().unwrap() > 30, "{built}");
}
