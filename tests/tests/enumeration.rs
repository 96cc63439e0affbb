//! No enumeration (SPEC §8): unknown and known emails get identical answers in about the
//! same time. Its own test binary, so no other test competes for the CPU while it times.

use e2e::TestApp;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

const LOG_IN: &str = "mutation($email: String!, $password: String!) {
    logIn(email: $email, password: $password) { token } }";
const RESET: &str = "mutation($email: String!) { requestPasswordReset(email: $email) }";

fn code(body: &Value) -> &str {
    body["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Times `tries` calls of each of two operations, interleaved.
async fn timed(
    app: &TestApp,
    a: (&str, Value),
    b: (&str, Value),
    tries: usize,
) -> (Vec<Value>, Vec<Value>, Duration, Duration) {
    let (mut ta, mut tb, mut ra, mut rb) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..tries {
        // Take turns at going first, so neither side always meets a warmer cache.
        for first in [i % 2 == 0, i % 2 != 0] {
            let (op, out, times) = if first {
                (&a, &mut ra, &mut ta)
            } else {
                (&b, &mut rb, &mut tb)
            };
            let t = Instant::now();
            out.push(app.gql(None, op.0, op.1.clone()).await);
            times.push(t.elapsed());
        }
    }
    (ra, rb, median(ta), median(tb))
}

fn within_half(a: Duration, b: Duration) -> bool {
    let (lo, hi) = if a < b { (a, b) } else { (b, a) };
    hi.as_secs_f64() < lo.as_secs_f64() * 1.5
}

#[tokio::test]
async fn unknown_and_known_emails_look_the_same_from_outside() {
    let app = TestApp::spawn().await;
    app.partner("rosa@ledgerline.example").await;

    let (unknown, wrong, t_unknown, t_wrong) = timed(
        &app,
        (
            LOG_IN,
            json!({ "email": "nobody@ledgerline.example", "password": "wrong-password-1" }),
        ),
        (
            LOG_IN,
            json!({ "email": "rosa@ledgerline.example", "password": "wrong-password-1" }),
        ),
        30,
    )
    .await;
    for (u, w) in unknown.iter().zip(&wrong) {
        assert_eq!(u["errors"][0]["message"], w["errors"][0]["message"]);
        assert_eq!(code(u), code(w));
        assert_eq!(u["data"], w["data"]);
    }
    println!("logIn medians: unknown email {t_unknown:?}, wrong password {t_wrong:?}");
    assert!(
        within_half(t_unknown, t_wrong),
        "logIn: unknown email {t_unknown:?} vs wrong password {t_wrong:?}"
    );

    let (known, unknown, t_known, t_unknown) = timed(
        &app,
        (RESET, json!({ "email": "rosa@ledgerline.example" })),
        (RESET, json!({ "email": "nobody@ledgerline.example" })),
        30,
    )
    .await;
    for (k, u) in known.iter().zip(&unknown) {
        assert_eq!(k, u);
    }
    println!("requestPasswordReset medians: known {t_known:?}, unknown {t_unknown:?}");
    assert!(
        within_half(t_known, t_unknown),
        "requestPasswordReset: known {t_known:?} vs unknown {t_unknown:?}"
    );
}
