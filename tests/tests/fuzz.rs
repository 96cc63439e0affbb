//! Bad input (SPEC §8, issue 7): 10,000 generated requests against a running gateway
//! (malformed JSON and GraphQL, wrong variable types, huge and deeply nested values,
//! unicode and control characters, null bytes, SQL and script fragments in every string
//! argument). None may get a 5xx, nothing may panic, and the gateway keeps answering.
//! Its own test binary, so the panic counter sees only this test.

use e2e::{ME_EMAIL, Mode, TestApp};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// xorshift64*: small, deterministic, good enough to pick cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Strings meant to break parsers, queries and pages.
fn nasty_string(rng: &mut Rng) -> Value {
    let fixed = [
        "' OR 1=1 --",
        "'; DROP TABLE clients; --",
        "\" OR \"\"=\"",
        "%' AND 1=0 UNION SELECT password_hash FROM users --",
        "\\",
        "%_%",
        "<script>alert(1)</script>",
        "javascript:alert(document.cookie)",
        "{{7*7}}",
        "${jndi:ldap://x}",
        "\u{0}",
        "a\u{0}b@c.example",
        "\u{1b}[31mred",
        "\r\n\r\nX-Injected: 1",
        "\u{202e}gnp.exe",
        "😀😀😀@😀.example",
        "Ω≈ç√∫˜µ≤≥÷",
        "\u{feff}",
        "",
        "   ",
        "null",
        "NaN",
        "-1",
        "99999999999999999999999999",
        "rosa@ledgerline.example",
        "ABC1234",
        "1",
    ];
    match rng.below(10) {
        0 => Value::String("A".repeat(1 + rng.below(20_000))),
        1 => {
            let s: String = (0..rng.below(64))
                .map(|_| char::from_u32(rng.next() as u32 % 0x11_0000).unwrap_or('\u{fffd}'))
                .collect();
            Value::String(s)
        }
        _ => Value::String(rng.pick(&fixed).to_string()),
    }
}

/// A value of the wrong type, or nested absurdly deep.
fn wrong_value(rng: &mut Rng) -> Value {
    match rng.below(8) {
        0 => json!(rng.next() as i64),
        1 => json!(1.5e308),
        2 => json!(true),
        3 => Value::Null,
        4 => json!({ "a": { "b": [1, 2, { "c": "d" }] } }),
        5 => json!([["x"], [], [null]]),
        6 => {
            let mut v = json!("deep");
            for _ in 0..rng.below(120) {
                v = json!([v]);
            }
            v
        }
        _ => json!(vec!["x"; 1 + rng.below(1_000)]),
    }
}

fn any_value(rng: &mut Rng) -> Value {
    if rng.below(4) == 0 {
        wrong_value(rng)
    } else {
        nasty_string(rng)
    }
}

/// Real operations of the schema, with every string argument a variable.
const OPERATIONS: &[(&str, &[&str])] = &[
    (
        "mutation($a: String!, $b: String) { inviteClientByEmail(email: $a, companyName: $b) { id } }",
        &["a", "b"],
    ),
    (
        "query($a: String, $b: String, $c: Int) { clients(search: $a, after: $b, first: $c) { totalCount edges { node { id } } } }",
        &["a", "b", "c"],
    ),
    ("query($a: ID!) { client(id: $a) { id name } }", &["a"]),
    (
        "mutation($a: String!, $b: String!, $c: String) { logIn(email: $a, password: $b, companyId: $c) { token } }",
        &["a", "b", "c"],
    ),
    (
        "mutation($a: String!, $b: String) { requestPasswordReset(email: $a, companyId: $b) }",
        &["a", "b"],
    ),
    (
        "mutation($a: String!, $b: String!) { resetPassword(token: $a, newPassword: $b) }",
        &["a", "b"],
    ),
    (
        "mutation($a: String!, $b: String!, $c: String!) { acceptInvite(token: $a, input: { companyName: $b, name: $c, password: $b }) { token } }",
        &["a", "b", "c"],
    ),
    (
        "mutation($a: String!, $b: String!, $c: String!) { createClientAccount(input: { companyName: $a, contactName: $b, contactEmail: $c }) { id } }",
        &["a", "b", "c"],
    ),
    (
        "mutation($a: String!, $b: String!) { addUser(input: { email: $a, name: $b, role: EMPLOYEE }) { id } }",
        &["a", "b"],
    ),
    (
        "mutation($a: ID!, $b: Role!) { setUserRole(userId: $a, role: $b) { id } }",
        &["a", "b"],
    ),
    (
        "mutation($a: ID!) { resendInvite(clientId: $a) { id } }",
        &["a"],
    ),
    (
        "mutation($a: ID!) { logInToClient(clientId: $a) { token } }",
        &["a"],
    ),
    (
        "mutation($a: String!) { subscribe(plan: $a) { id } }",
        &["a"],
    ),
    (
        "mutation($a: String!, $b: String!) { connectLegacyPartner(companyId: $a, ownerEmail: $b) { status } }",
        &["a", "b"],
    ),
    (
        "mutation($a: ID!) { upgradeClient(clientId: $a) { id } }",
        &["a"],
    ),
    (
        "query($a: Int, $b: String) { auditLog(first: $a, after: $b) { edges { node { id } } } }",
        &["a", "b"],
    ),
    (
        "mutation($a: String!, $b: String!, $c: String!) { signUp(input: { companyName: $a, name: $b, email: $c, password: $a, isAccountantOrBookkeeper: false }) { token } }",
        &["a", "b", "c"],
    ),
];

const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ":",
    "$",
    "!",
    "@",
    "...",
    "=",
    "|",
    "&",
    "query",
    "mutation",
    "subscription",
    "fragment",
    "on",
    "me",
    "clients",
    "client",
    "id",
    "first",
    "100000000000",
    "-1",
    "\"str\"",
    "\"\"\"block\"\"\"",
    "\"unterminated",
    "#comment\n",
    "__schema",
    "__type",
    "edges",
    "node",
    "\u{0}",
    "😀",
    "1e999",
    "true",
    "null",
    "$x",
    "@include(if: $x)",
    "...on",
];

/// One request body (and whether to send it with a session).
fn case(rng: &mut Rng) -> (Vec<u8>, bool) {
    let authed = rng.below(2) == 0;
    let body = match rng.below(10) {
        // Malformed JSON.
        0 => {
            let valid = serde_json::to_vec(&json!({ "query": "{ me { id } }" })).unwrap();
            let mut b = valid[..rng.below(valid.len())].to_vec();
            if rng.below(2) == 0 {
                b.extend((0..rng.below(32)).map(|_| rng.next() as u8));
            }
            b
        }
        // JSON of the wrong shape.
        1 => serde_json::to_vec(&rng.pick(&[
            json!(null),
            json!(42),
            json!("query"),
            json!([]),
            json!([1, 2, 3]),
            json!({}),
            json!({ "query": 5 }),
            json!({ "query": "{ me { id } }", "variables": "x" }),
            json!({ "query": "{ me { id } }", "variables": [1] }),
            json!({ "query": "{ me { id } }", "operationName": 7 }),
            json!({ "query": null }),
            json!([{ "query": "{ __typename }" }, 5]),
        ]))
        .unwrap(),
        // GraphQL token soup.
        2 | 3 => {
            let q: String = (0..1 + rng.below(60))
                .map(|_| format!("{} ", rng.pick(TOKENS)))
                .collect();
            serde_json::to_vec(&json!({ "query": q })).unwrap()
        }
        // Real operations with nasty or wrong variables.
        _ => {
            let (q, vars) = rng.pick(OPERATIONS);
            let mut v = serde_json::Map::new();
            for name in vars.iter() {
                if rng.below(8) != 0 {
                    v.insert(name.to_string(), any_value(rng));
                }
            }
            serde_json::to_vec(&json!({ "query": q, "variables": v })).unwrap()
        }
    };
    (body, authed)
}

#[tokio::test]
async fn ten_thousand_bad_requests_get_no_5xx_and_break_nothing() {
    // Count panics anywhere in this process (the in-process gateway's tasks included).
    let panics = Arc::new(AtomicU64::new(0));
    let seen = panics.clone();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        seen.fetch_add(1, Ordering::Relaxed);
        previous(info);
    }));

    let app = TestApp::spawn().await;
    let token = app.partner("rosa@ledgerline.example").await;
    let seed = 0x005e_ed0f_bad1_u64;
    let total = 10_000;
    let statuses = Arc::new(std::sync::Mutex::new(std::collections::BTreeMap::new()));
    let server_errors = Arc::new(std::sync::Mutex::new(Vec::new()));

    use futures::StreamExt;
    futures::stream::iter(0..total)
        .for_each_concurrent(8, |i| {
            let (app, token, statuses, server_errors) =
                (&app, &token, statuses.clone(), server_errors.clone());
            async move {
                let mut rng = Rng(seed ^ (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
                let (body, authed) = case(&mut rng);
                let mut req = app
                    .http()
                    .post(format!("{}/graphql", app.next_url()))
                    .header("content-type", "application/json")
                    .body(body.clone());
                if authed {
                    req = req.bearer_auth(token);
                }
                let res = req.send().await.expect("the gateway answers every request");
                let status = res.status().as_u16();
                let text = res.text().await.unwrap_or_default();
                *statuses.lock().unwrap().entry(status).or_insert(0u32) += 1;
                if status >= 500 {
                    server_errors.lock().unwrap().push(format!(
                        "case {i}: {status} {text} <- {}",
                        String::from_utf8_lossy(&body[..body.len().min(300)])
                    ));
                }
            }
        })
        .await;

    let statuses = statuses.lock().unwrap().clone();
    println!("{total} fuzzed requests (seed {seed:#x}): statuses {statuses:?}");
    let server_errors = server_errors.lock().unwrap().clone();
    assert!(
        server_errors.is_empty(),
        "{} answers were 5xx: {:#?}",
        server_errors.len(),
        &server_errors[..server_errors.len().min(5)]
    );
    assert_eq!(panics.load(Ordering::Relaxed), 0, "something panicked");
    if app.mode == Mode::ScaleOut {
        let logs = app.process_logs();
        assert!(
            logs.iter().all(|(_, l)| !l.contains("panicked")),
            "a process panicked"
        );
    }
    // Still alive, and still right.
    let me = app.ok(Some(&token), ME_EMAIL, json!({})).await;
    assert_eq!(me["me"]["email"], "rosa@ledgerline.example");
}
